import { BrokerError, errors, isBrokerError, toBrokerError } from '@dpb/model';
import type { EntityManager, QueryRunner } from 'typeorm';
import type { SqliteConnection, SqliteStatement } from './hot-statements';
import { sqliteCode } from './sql-helpers';

/** A unit of work run inside the store's transaction through TypeORM's entity manager. */
export type Job<T> = (manager: EntityManager) => Promise<T>;

/**
 * A unit of work run synchronously inside the store's transaction, directly
 * on the better-sqlite3 connection (see {@link HotStatements}).
 */
export type DirectJob<T> = () => T;

/** How a direct job may fail. */
export interface DirectJobOptions {
  /**
   * True if the job can only be refused by its first write (which SQLite
   * then undoes by itself), so it needs no SAVEPOINT. Such a job must throw a
   * {@link PartialWriteError} for any failure after its first write: the
   * whole transaction is then rolled back and every job in it rejected.
   */
  refusedOnlyBeforeWriting?: boolean;
}

/** A job failed after it had written: its transaction cannot be committed. */
export class PartialWriteError extends Error {
  constructor(readonly failure: unknown) {
    super('a write failed half-way');
  }
}

interface Pending {
  /** Exactly one of these. */
  run?: Job<unknown>;
  direct?: DirectJob<unknown>;
  bare?: boolean;
  resolve(value: unknown): void;
  reject(e: unknown): void;
}

/** Most jobs one transaction carries. */
const MAX_BATCH = 512;

/** SQLite could not go on with the transaction (it rolled it back, or cannot roll back to a savepoint). */
class TransactionLost extends Error {}

/**
 * Serialises every store operation onto the one SQLite connection and
 * commits them in groups ("group commit").
 *
 * Jobs submitted while a transaction is being written, or in the same turn of
 * the event loop, go into the next transaction together. When a transaction
 * carries several jobs, each runs inside its own SAVEPOINT, so one failing
 * job is rolled back alone while the others commit; a transaction of one job
 * needs none (a failure rolls the whole transaction back). A job's promise
 * settles only after COMMIT (or its own rollback), so an acknowledged write is
 * in the WAL. Jobs run in submission order, which keeps every network's
 * writes in order.
 *
 * Transaction control goes straight to the better-sqlite3 connection; a batch
 * of direct jobs runs without yielding to the event loop.
 */
export class WriteQueue {
  private pending: Pending[] = [];
  private draining: Promise<void> | null = null;
  private closed = false;
  private readonly sql: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo', SqliteStatement>;

  constructor(
    private readonly runner: QueryRunner,
    private readonly db: SqliteConnection,
  ) {
    this.sql = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT job'),
      release: db.prepare('RELEASE SAVEPOINT job'),
      rollbackTo: db.prepare('ROLLBACK TO SAVEPOINT job'),
    };
  }

  /** Runs `run` (through TypeORM) in the next transaction; resolves after that transaction commits. */
  submit<T>(run: Job<T>): Promise<T> {
    return this.enqueue<T>({ run });
  }

  /** Runs `direct` (synchronously, on the connection) in the next transaction; resolves after it commits. */
  submitDirect<T>(direct: DirectJob<T>, options: DirectJobOptions = {}): Promise<T> {
    return this.enqueue<T>({ direct, bare: options.refusedOnlyBeforeWriting === true });
  }

  /** Stops accepting jobs and waits for the queued ones to finish. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.draining) await this.draining;
  }

  private enqueue<T>(job: Pick<Pending, 'run' | 'direct' | 'bare'>): Promise<T> {
    if (this.closed) return Promise.reject(errors.unavailable('the store is closed', { kind: 'network' }));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ ...job, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) {
        this.draining = new Promise<void>((done) => setImmediate(() => void this.drain().finally(done)));
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_BATCH);
        if (batch.every((j) => j.direct)) this.runDirectBatch(batch);
        else await this.runBatch(batch);
      }
    } finally {
      this.draining = null;
    }
  }

  /** A batch of direct jobs: one synchronous transaction. */
  private runDirectBatch(batch: Pending[]): void {
    if (!this.begin(batch)) return;
    const single = batch.length === 1;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      for (const job of batch) {
        const savepoint = !single && !job.bare;
        if (savepoint) this.sql.savepoint.run();
        try {
          outcomes.push({ ok: true, value: (job.direct as DirectJob<unknown>)() });
          if (savepoint) this.sql.release.run();
        } catch (e) {
          this.undoJob(single, savepoint, e);
          outcomes.push({ ok: false, value: e });
        }
      }
      if (this.db.inTransaction) this.sql.commit.run();
    } catch (e) {
      this.fail(batch, e);
      return;
    }
    settle(batch, outcomes);
  }

  /** A batch with TypeORM jobs (loads, terminals, trunks): awaits each job. */
  private async runBatch(batch: Pending[]): Promise<void> {
    if (!this.begin(batch)) return;
    const single = batch.length === 1;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      for (const job of batch) {
        const savepoint = !single && !job.bare;
        if (savepoint) this.sql.savepoint.run();
        try {
          const value = job.direct ? job.direct() : await (job.run as Job<unknown>)(this.runner.manager);
          if (savepoint) this.sql.release.run();
          outcomes.push({ ok: true, value });
        } catch (e) {
          this.undoJob(single, savepoint, e);
          outcomes.push({ ok: false, value: e });
        }
      }
      if (this.db.inTransaction) this.sql.commit.run();
    } catch (e) {
      this.fail(batch, e);
      return;
    }
    settle(batch, outcomes);
  }

  private begin(batch: Pending[]): boolean {
    try {
      this.sql.begin.run();
      return true;
    } catch (e) {
      const err = errors.unavailable('the store could not start a transaction', {}, e);
      for (const job of batch) job.reject(err);
      return false;
    }
  }

  /**
   * Undoes a failed job: the whole transaction if the job was alone in it,
   * else its savepoint; a job without a savepoint was undone by SQLite
   * (refused by its first write). Throws if the batch cannot go on.
   */
  private undoJob(single: boolean, savepoint: boolean, e: unknown): void {
    // SQLite rolls the whole transaction back by itself after some errors
    // (disk full, I/O): then every job of the batch is lost.
    if (!this.db.inTransaction) {
      if (single) return;
      throw new TransactionLost('the transaction was rolled back by SQLite');
    }
    if (single) {
      this.sql.rollback.run();
    } else if (savepoint) {
      this.sql.rollbackTo.run();
      this.sql.release.run();
    } else if (e instanceof PartialWriteError) {
      throw new TransactionLost('a write failed half-way');
    }
  }

  /** The transaction itself failed (disk full, I/O error...): nothing of it is kept. */
  private fail(batch: Pending[], e: unknown): void {
    try {
      if (this.db.inTransaction) this.sql.rollback.run();
    } catch {
      // already rolled back
    }
    const err = errors.unavailable('the store could not commit', {}, e);
    for (const job of batch) job.reject(err);
  }
}

function settle(batch: Pending[], outcomes: { ok: boolean; value: unknown }[]): void {
  batch.forEach((job, i) => {
    const o = outcomes[i] as { ok: boolean; value: unknown };
    if (o.ok) job.resolve(o.value);
    else job.reject(jobError(o.value));
  });
}

/** A refused job's error: its BrokerError, UNAVAILABLE for the database's own failures, else INTERNAL. */
function jobError(e: unknown): BrokerError {
  if (e instanceof PartialWriteError) return jobError(e.failure);
  if (isBrokerError(e)) return e;
  const code = sqliteCode(e);
  if (code !== undefined && code.startsWith('SQLITE_') && !code.startsWith('SQLITE_CONSTRAINT')) {
    return errors.unavailable('the store could not write', { code }, e);
  }
  return toBrokerError(e);
}
