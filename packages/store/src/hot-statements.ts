import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import {
  AggregatorServiceEntity,
  SubserviceEntity,
  SwitchServiceEntity,
  TunnelEntity,
} from './entities';
import { errors } from '@dpb/model';
import { insertPlan, type InsertPlan, rowParams, sqliteCode, type Upsert } from './sql-helpers';

/** A prepared statement of the better-sqlite3 connection TypeORM opened (the part the store uses). */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  /** Rows as arrays (column order of the SELECT) instead of objects. */
  raw(toggle?: boolean): SqliteStatement;
}

/** The better-sqlite3 `Database` behind the store's TypeORM DataSource. */
export interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
  /** False once SQLite has rolled a transaction back by itself (I/O error, disk full). */
  readonly inTransaction: boolean;
}

/** The connection of an initialised better-sqlite3 DataSource. */
export function connectionOf(ds: DataSource): SqliteConnection {
  const db = (ds.driver as unknown as { databaseConnection?: SqliteConnection }).databaseConnection;
  if (!db || typeof db.prepare !== 'function') throw new Error('the DataSource has no better-sqlite3 connection');
  return db;
}

/**
 * The rows of one child table of a service (sub-services or tunnels): read in
 * the insert plan's column order, so a stored row and a new one compare
 * parameter by parameter.
 */
class ChildTable {
  readonly plan: InsertPlan;
  private readonly insert: SqliteStatement;
  private readonly select: SqliteStatement;
  private readonly deleteFrom: SqliteStatement;

  constructor(ds: DataSource, db: SqliteConnection, target: EntityTarget<ObjectLiteral>) {
    this.plan = insertPlan(ds, target);
    const t = `"${this.plan.table}"`;
    const cols = this.plan.columns.map((c) => `"${c.column}"`).join(', ');
    this.insert = db.prepare(this.plan.sql);
    this.select = db.prepare(`SELECT ${cols} FROM ${t} WHERE "network" = ? AND "service_id" = ? ORDER BY "idx"`).raw(true);
    this.deleteFrom = db.prepare(`DELETE FROM ${t} WHERE "network" = ? AND "service_id" = ? AND "idx" >= ?`);
  }

  /**
   * Makes a service's rows equal `rows` (parameter arrays from
   * {@link rowParams}, idx = position) by writing only the difference: rows
   * before the first one that differs stay; from it on, the stored rows are
   * deleted and the new ones inserted (all deletes first, so a service can
   * move a unique label between its own rows). An unchanged list costs one
   * indexed read.
   */
  replace(network: string, serviceId: number, rows: readonly unknown[][]): void {
    const stored = this.select.all(network, serviceId) as unknown[][];
    let same = 0;
    while (same < rows.length && same < stored.length && sameRow(stored[same]!, rows[same]!)) same++;
    if (same < stored.length) this.deleteFrom.run(network, serviceId, same);
    for (let i = same; i < rows.length; i++) this.insert.run(...rows[i]!);
  }
}

function sameRow(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** A service table's statements. */
class ServiceTable {
  readonly plan: InsertPlan;
  /** Inserts a service row or replaces a stored one (by network and id). */
  readonly upsert: SqliteStatement;
  readonly delete: SqliteStatement;
  /** id of the service holding (network, handle). */
  readonly handleHolder: SqliteStatement;

  constructor(ds: DataSource, db: SqliteConnection, target: EntityTarget<ObjectLiteral>, upsert: Upsert) {
    this.plan = insertPlan(ds, target, upsert);
    const t = `"${this.plan.table}"`;
    this.upsert = db.prepare(this.plan.sql);
    this.delete = db.prepare(`DELETE FROM ${t} WHERE "network" = ? AND "id" = ?`);
    this.handleHolder = db.prepare(`SELECT "id" FROM ${t} WHERE "network" = ? AND "handle" = ?`).raw(true);
  }

  params(row: ObjectLiteral): unknown[] {
    return rowParams(this.plan, row);
  }

  /** Upserts service `id`'s row; a handle another service of the network holds is ALREADY_EXISTS naming that service. */
  put(params: readonly unknown[], network: string, id: number, handle: string | null): void {
    try {
      this.upsert.run(...params);
    } catch (e) {
      if (sqliteCode(e) === 'SQLITE_CONSTRAINT_UNIQUE' && handle !== null) {
        const holder = this.handleHolder.get(network, handle) as [number] | undefined;
        throw errors.exists('handle', handle, { network, handle, service: holder?.[0] ?? id });
      }
      throw e;
    }
  }
}

/**
 * The store's hot writes (service puts and deletes of switches and
 * aggregators) as statements prepared once on the better-sqlite3 connection
 * that TypeORM opened. Their SQL is built from the TypeORM entity metadata,
 * so the schema still has one source (entities + migrations); only the
 * per-statement path (TypeORM's async query runner, a few awaits and event
 * broadcasts per statement) is skipped. Every method is synchronous and
 * must run inside the {@link WriteQueue}'s transaction.
 */
export class HotStatements {
  readonly switchServices: ServiceTable;
  readonly aggregatorServices: ServiceTable;
  readonly subservices: ChildTable;
  readonly tunnels: ChildTable;
  readonly raiseCounter: SqliteStatement;
  readonly trunkExists: SqliteStatement;
  readonly startLabelHolder: SqliteStatement;
  readonly endLabelHolder: SqliteStatement;

  constructor(ds: DataSource, db: SqliteConnection) {
    this.switchServices = new ServiceTable(ds, db, SwitchServiceEntity, {
      overwrite: ['handle', 'intent', 'request', 'errors', 'created_at'],
      conflict: ['network', 'id'],
    });
    this.aggregatorServices = new ServiceTable(ds, db, AggregatorServiceEntity, {
      overwrite: ['handle', 'intent', 'generation', 'request', 'errors', 'created_at'],
      conflict: ['network', 'id'],
    });
    this.subservices = new ChildTable(ds, db, SubserviceEntity);
    this.tunnels = new ChildTable(ds, db, TunnelEntity);
    this.raiseCounter = db.prepare(
      `INSERT INTO counters (network, counter, next_id) VALUES (?, ?, ?)
       ON CONFLICT (network, counter) DO UPDATE SET next_id = excluded.next_id
       WHERE excluded.next_id > counters.next_id`,
    );
    this.trunkExists = db.prepare('SELECT 1 FROM trunks WHERE network = ? AND id = ?').raw(true);
    this.startLabelHolder = db
      .prepare('SELECT service_id FROM tunnels WHERE network = ? AND trunk_id = ? AND start_label = ? AND service_id <> ?')
      .raw(true);
    this.endLabelHolder = db
      .prepare('SELECT service_id FROM tunnels WHERE network = ? AND trunk_id = ? AND end_label = ? AND service_id <> ?')
      .raw(true);
  }
}
