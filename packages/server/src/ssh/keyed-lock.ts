import { AsyncMutex } from '@dpb/model';

/** One {@link AsyncMutex} per key, created on demand and dropped when idle. */
export class KeyedLock {
  private readonly locks = new Map<string, AsyncMutex>();

  /** Runs `section` after every earlier section with the same key. */
  async run<T>(key: string, section: () => Promise<T>): Promise<T> {
    let m = this.locks.get(key);
    if (!m) {
      m = new AsyncMutex();
      this.locks.set(key, m);
    }
    const mutex = m;
    try {
      return await mutex.run(section);
    } finally {
      if (mutex.pending === 0 && this.locks.get(key) === mutex) this.locks.delete(key);
    }
  }

  /** Keys with sections queued or running (for leak checks). */
  get size(): number {
    return this.locks.size;
  }
}
