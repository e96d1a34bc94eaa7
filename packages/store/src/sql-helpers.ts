import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { CounterEntity, type CounterName } from './entities';

/** An entity's INSERT statement and, in the same order, its columns. */
export interface InsertPlan {
  sql: string;
  /** Database table name. */
  table: string;
  columns: { property: string; column: string; kind: 'json' | 'boolean' | 'plain' }[];
}

const plans = new WeakMap<object, Map<string, InsertPlan>>();

/**
 * The INSERT (or upsert) statement of an entity, built once from its TypeORM
 * metadata. Rows are written one statement each: the SQL text never changes,
 * so the driver's prepared-statement cache makes this the fast path.
 */
export function insertPlan(ds: DataSource, target: EntityTarget<ObjectLiteral>, upsert?: Upsert): InsertPlan {
  const metadata = ds.getMetadata(target);
  let byKind = plans.get(metadata);
  if (!byKind) plans.set(metadata, (byKind = new Map()));
  const key = upsert ? `${upsert.conflict.join(',')}|${upsert.overwrite.join(',')}` : '';
  let plan = byKind.get(key);
  if (!plan) {
    const cols = metadata.columns;
    const names = cols.map((c) => `"${c.databaseName}"`).join(', ');
    let sql = `INSERT INTO "${metadata.tableName}" (${names}) VALUES (${cols.map(() => '?').join(', ')})`;
    if (upsert) {
      const set = upsert.overwrite.map((c) => `"${c}" = excluded."${c}"`).join(', ');
      sql += ` ON CONFLICT (${upsert.conflict.map((c) => `"${c}"`).join(', ')}) DO UPDATE SET ${set}`;
    }
    plan = {
      sql,
      table: metadata.tableName,
      columns: cols.map((c) => ({
        property: c.propertyName,
        column: c.databaseName,
        kind: c.type === 'simple-json' ? 'json' : c.type === 'boolean' ? 'boolean' : 'plain',
      })),
    };
    byKind.set(key, plan);
  }
  return plan;
}

/** Key columns and the columns an upsert overwrites. */
export interface Upsert {
  overwrite: string[];
  conflict: string[];
}

/** Inserts rows (or upserts them when `upsert` names the key columns). */
export async function insertRows<T extends ObjectLiteral>(
  m: EntityManager,
  target: EntityTarget<T>,
  rows: T[],
  upsert?: Upsert,
): Promise<void> {
  if (rows.length === 0) return;
  const plan = insertPlan(m.connection, target as EntityTarget<ObjectLiteral>, upsert);
  for (const row of rows) await m.query(plan.sql, rowParams(plan, row));
}

/**
 * A row's statement parameters in the plan's column order, as TypeORM would
 * write them: JSON columns as JSON text, booleans as 0/1, undefined as NULL.
 * Called when a write is submitted, so later changes to the caller's objects
 * never reach the database.
 */
export function rowParams(plan: InsertPlan, row: ObjectLiteral): unknown[] {
  return plan.columns.map(({ property, kind }) => {
    const v: unknown = row[property];
    if (v === null || v === undefined) return null;
    return kind === 'json' ? JSON.stringify(v) : kind === 'boolean' ? (v ? 1 : 0) : v;
  });
}

/** Deletes a network's rows matching `where` (column name → value). */
export async function deleteRows(
  m: EntityManager,
  target: EntityTarget<ObjectLiteral>,
  where: Record<string, string | number>,
): Promise<void> {
  const metadata = m.connection.getMetadata(target);
  const keys = Object.keys(where);
  const sql = `DELETE FROM "${metadata.tableName}" WHERE ${keys.map((k) => `"${k}" = ?`).join(' AND ')}`;
  await m.query(
    sql,
    keys.map((k) => where[k]),
  );
}

/** Makes a network's counter at least `atLeast`; it never goes down. */
export async function raiseCounter(m: EntityManager, network: string, counter: CounterName, atLeast: number): Promise<void> {
  await m.query(
    `INSERT INTO counters (network, counter, next_id) VALUES (?, ?, ?)
     ON CONFLICT (network, counter) DO UPDATE SET next_id = excluded.next_id
     WHERE excluded.next_id > counters.next_id`,
    [network, counter, atLeast],
  );
}

/** A network's counter value, 1 if it was never raised. */
export async function readCounter(m: EntityManager, network: string, counter: CounterName): Promise<number> {
  const row = await m.findOne(CounterEntity, { where: { network, counter } });
  return row?.nextId ?? 1;
}

/** The SQLite error code (`SQLITE_CONSTRAINT_UNIQUE`, ...) behind a failed query, if any. */
export function sqliteCode(e: unknown): string | undefined {
  const driverError = (e as { driverError?: { code?: unknown } } | null)?.driverError;
  const code = driverError?.code ?? (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Orders by a string key in byte order (as SQLite's BINARY collation does). */
export function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
