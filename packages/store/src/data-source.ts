import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** Where and how to open the SQLite database. */
export interface SqliteStoreOptions {
  /** File path, or ':memory:' for a private in-memory database (tests). */
  path: string;
  /** How long a writer waits for another connection's lock before failing; default 5000. */
  busyTimeoutMs?: number;
}

/** WAL pages (4 KiB) after which a commit checkpoints the WAL into the database. */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/** Name of the table that records applied migrations. */
export const MIGRATIONS_TABLE = 'schema_migrations';

/**
 * Builds (without opening) the TypeORM DataSource of a store: better-sqlite3,
 * WAL journal, `synchronous = NORMAL` (an acknowledged commit survives a
 * process crash; a power loss may lose the last transactions), foreign keys
 * on, busy timeout, and schema from migrations only (`synchronize: false`).
 */
export function createDataSource(options: SqliteStoreOptions): DataSource {
  return new DataSource({
    type: 'better-sqlite3',
    database: options.path,
    timeout: options.busyTimeoutMs ?? 5000,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    statementCacheSize: 200,
    prepareDatabase: (db: { pragma(s: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      // checkpoint (copy the WAL into the database file, with fsyncs) every
      // ~40 MB of WAL instead of SQLite's ~4 MB: the same hot pages are
      // written back (and synced) about 10x less often; commits do not sync
      db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      db.pragma(`journal_size_limit = ${WAL_AUTOCHECKPOINT_PAGES * 4096 * 2}`);
    },
  });
}
