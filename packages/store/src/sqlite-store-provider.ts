import { errors, type AggregatorStore, type StoreProvider, type SwitchStore } from '@dpb/model';
import type { DataSource } from 'typeorm';
import { createDataSource, type SqliteStoreOptions } from './data-source';
import { connectionOf, HotStatements } from './hot-statements';
import { checkNetworkName } from './record-checks';
import { SqliteAggregatorStore } from './sqlite-aggregator-store';
import { SqliteSwitchStore } from './sqlite-switch-store';
import { WriteQueue } from './write-queue';

/**
 * Stores of every network in one SQLite database. Opening it applies any
 * pending migrations. All stores share one connection and one
 * {@link WriteQueue}, so writes are serialised and group-committed.
 */
export class SqliteStoreProvider implements StoreProvider {
  private constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly sql: HotStatements,
  ) {}

  /** Opens (creating if needed) the database and brings its schema up to date. */
  static async open(options: SqliteStoreOptions): Promise<SqliteStoreProvider> {
    const ds = createDataSource(options);
    try {
      await ds.initialize();
    } catch (e) {
      if (ds.isInitialized) await ds.destroy().catch(() => undefined);
      throw errors.unavailable(`cannot open the store at ${options.path}`, { path: options.path }, e);
    }
    try {
      const db = connectionOf(ds);
      return new SqliteStoreProvider(ds, new WriteQueue(ds.createQueryRunner(), db), new HotStatements(ds, db));
    } catch (e) {
      await ds.destroy().catch(() => undefined);
      throw errors.unavailable(`cannot open the store at ${options.path}`, { path: options.path }, e);
    }
  }

  switchStore(network: string): SwitchStore {
    return new SqliteSwitchStore(this.queue, checkNetworkName(network), this.sql);
  }

  aggregatorStore(network: string): AggregatorStore {
    return new SqliteAggregatorStore(this.queue, checkNetworkName(network), this.sql);
  }

  /** Finishes queued writes, then closes the database. Idempotent. */
  async close(): Promise<void> {
    await this.queue.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** Opens the SQLite store (WAL, migrations applied). See {@link SqliteStoreProvider}. */
export function openSqliteStore(options: SqliteStoreOptions): Promise<StoreProvider> {
  return SqliteStoreProvider.open(options);
}
