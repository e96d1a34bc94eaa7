import type { ServiceWatch } from '../api/network-control';
import type { ErrorRecord } from '../errors';
import type { ServiceEvent, StatusChange } from '../events';
import type { ServiceIntent, ServiceStatus } from '../status';

interface Subscriber {
  queue: ServiceEvent[];
  wake: (() => void) | undefined;
  closed: boolean;
}

interface Waiter {
  acceptable: ReadonlySet<ServiceStatus>;
  resolve: (s: ServiceStatus) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** How many status changes a service remembers. */
export const HISTORY_LIMIT = 64;

/**
 * The status of one service as its watchers see it: publishes a change only
 * when the derived status actually changes, delivers events to each watcher
 * in order, answers `awaitStatus`, and keeps a bounded history.
 *
 * Switch and aggregator services both use it, so watch/await semantics are
 * the same everywhere.
 */
export class StatusHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly waiters = new Set<Waiter>();
  private last: ServiceEvent;
  private readonly changes: StatusChange[] = [];

  constructor(
    readonly network: string,
    readonly service: number,
    initial: { status: ServiceStatus; intent: ServiceIntent; at: number; errors?: ErrorRecord[] },
  ) {
    this.last = { network, service, ...initial };
    this.changes.push({ status: initial.status, at: initial.at });
  }

  get status(): ServiceStatus {
    return this.last.status;
  }

  get current(): ServiceEvent {
    return this.last;
  }

  history(): StatusChange[] {
    return this.changes.slice();
  }

  /**
   * Records the derived status. Returns true (and tells watchers) when it
   * differs from the last one published.
   */
  update(status: ServiceStatus, intent: ServiceIntent, at: number, errors?: ErrorRecord[]): boolean {
    if (status === this.last.status) {
      this.last = { ...this.last, intent };
      return false;
    }
    const ev: ServiceEvent = { network: this.network, service: this.service, status, intent, at };
    if (status === 'FAILED' && errors && errors.length > 0) ev.errors = errors;
    this.last = ev;
    this.changes.push({ status, at });
    if (this.changes.length > HISTORY_LIMIT) this.changes.shift();
    for (const sub of this.subscribers) {
      sub.queue.push(ev);
      this.wake(sub);
    }
    for (const w of this.waiters) {
      if (w.acceptable.has(status) || status === 'RELEASED') this.settle(w, status);
    }
    if (status === 'RELEASED') {
      for (const sub of this.subscribers) {
        sub.closed = true;
        this.wake(sub);
      }
      this.subscribers.clear();
    }
    return true;
  }

  awaitStatus(acceptable: readonly ServiceStatus[], timeoutMs: number): Promise<ServiceStatus> {
    const set = new Set(acceptable);
    const now = this.last.status;
    if (set.has(now) || now === 'RELEASED' || !(timeoutMs > 0)) return Promise.resolve(now);
    return new Promise((resolve) => {
      const w: Waiter = { acceptable: set, resolve, timer: undefined };
      w.timer = setTimeout(() => this.settle(w, this.last.status), Math.min(timeoutMs, 2_147_483_647));
      this.waiters.add(w);
    });
  }

  watch(options: { signal?: AbortSignal } = {}): ServiceWatch {
    const sub: Subscriber = { queue: [this.last], wake: undefined, closed: false };
    const close = (): void => {
      if (sub.closed) return;
      sub.closed = true;
      this.subscribers.delete(sub);
      this.wake(sub);
    };
    if (this.last.status === 'RELEASED') sub.closed = true;
    else this.subscribers.add(sub);
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) close();
      else signal.addEventListener('abort', close, { once: true });
    }
    const iterator: AsyncIterator<ServiceEvent> = {
      next: async () => {
        for (;;) {
          const ev = sub.queue.shift();
          if (ev) return { value: ev, done: false };
          if (sub.closed) return { value: undefined, done: true };
          await new Promise<void>((r) => {
            sub.wake = r;
          });
        }
      },
      return: async () => {
        close();
        sub.queue.length = 0;
        return { value: undefined, done: true };
      },
    };
    return {
      close,
      [Symbol.asyncIterator]: () => iterator,
    };
  }

  /** Ends every watch and wait (e.g. when the network shuts down). */
  dispose(): void {
    for (const sub of this.subscribers) {
      sub.closed = true;
      this.wake(sub);
    }
    this.subscribers.clear();
    for (const w of this.waiters) this.settle(w, this.last.status);
  }

  private wake(sub: Subscriber): void {
    const w = sub.wake;
    sub.wake = undefined;
    if (w) w();
  }

  private settle(w: Waiter, status: ServiceStatus): void {
    if (!this.waiters.delete(w)) return;
    if (w.timer) clearTimeout(w.timer);
    w.resolve(status);
  }
}
