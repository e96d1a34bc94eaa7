import { errors, toBrokerError } from '@dpb/model';
import type { EntityManager, QueryRunner } from 'typeorm';

/** A unit of work run inside the store's transaction. */
export type Job<T> = (manager: EntityManager) => Promise<T>;

interface Pending {
  run: Job<unknown>;
  resolve(value: unknown): void;
  reject(e: unknown): void;
}

/** Most jobs one transaction carries. */
const MAX_BATCH = 512;

/**
 * Serialises every store operation onto the one SQLite connection and
 * commits them in groups ("group commit").
 *
 * Jobs submitted while a transaction is being written, or in the same turn of
 * the event loop, go into the next transaction together. Each job runs inside
 * its own SAVEPOINT, so one failing job is rolled back alone while the others
 * commit. A job's promise settles only after COMMIT (or its own rollback), so
 * an acknowledged write is on disk in the WAL. Jobs run in submission order,
 * which keeps every network's writes in order.
 */
export class WriteQueue {
  private pending: Pending[] = [];
  private draining: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly runner: QueryRunner) {}

  /** Runs `run` in the next transaction; resolves after that transaction commits. */
  submit<T>(run: Job<T>): Promise<T> {
    if (this.closed) return Promise.reject(errors.unavailable('the store is closed', { kind: 'network' }));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) {
        this.draining = new Promise<void>((done) => setImmediate(() => void this.drain().finally(done)));
      }
    });
  }

  /** Stops accepting jobs and waits for the queued ones to finish. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_BATCH);
        await this.runBatch(batch);
      }
    } finally {
      this.draining = null;
    }
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    const q = this.runner;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      await q.query('BEGIN IMMEDIATE');
    } catch (e) {
      const err = errors.unavailable('the store could not start a transaction', {}, e);
      for (const job of batch) job.reject(err);
      return;
    }
    try {
      for (const job of batch) {
        await q.query('SAVEPOINT job');
        try {
          const value = await job.run(q.manager);
          await q.query('RELEASE SAVEPOINT job');
          outcomes.push({ ok: true, value });
        } catch (e) {
          await q.query('ROLLBACK TO SAVEPOINT job');
          await q.query('RELEASE SAVEPOINT job');
          outcomes.push({ ok: false, value: e });
        }
      }
      await q.query('COMMIT');
    } catch (e) {
      // The transaction itself failed (disk full, I/O error...): nothing of it is kept.
      await q.query('ROLLBACK').catch(() => undefined);
      const err = toBrokerError(errors.unavailable('the store could not commit', {}, e));
      for (const job of batch) job.reject(err);
      return;
    }
    batch.forEach((job, i) => {
      const o = outcomes[i] as { ok: boolean; value: unknown };
      if (o.ok) job.resolve(o.value);
      else job.reject(toBrokerError(o.value));
    });
  }
}
