import type { ServiceWatch } from '../api/network-control';
import type { ErrorRecord } from '../errors';
import type { ServiceEvent, StatusChange } from '../events';
import { SERVICE_STATUSES, type ServiceIntent, type ServiceStatus } from '../status';

/** A watch (events queued for its iterator) or a listener (events handed to a callback). */
interface Subscriber {
  queue: ServiceEvent[];
  wake: (() => void) | undefined;
  closed: boolean;
  listener?: StatusListener;
}

/** Receives a service's events by callback (see {@link StatusHub.listen}). */
export interface StatusListener {
  /** Each event a watch would yield, in order. */
  event(ev: ServiceEvent): void;
  /** After the last event, when the hub ends the stream (RELEASED, or dispose). */
  end?(): void;
}

interface Waiter {
  acceptable: ReadonlySet<ServiceStatus>;
  resolve: (s: ServiceStatus) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** The queue of every listener (never used: listeners get events by callback). */
const NO_EVENTS: ServiceEvent[] = [];

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
  // created on first use: most services are never watched or awaited (memory, issue 7)
  private subscribers: Subscriber[] | undefined;
  private waiters: Set<Waiter> | undefined;
  private last: ServiceEvent;
  /** The history, compactly: one character per status (its index in SERVICE_STATUSES) and the times. */
  private historyCodes = '';
  private historyTimes: number[] = [];

  constructor(
    readonly network: string,
    readonly service: number,
    initial: { status: ServiceStatus; intent: ServiceIntent; at: number; errors?: ErrorRecord[] },
  ) {
    this.last = { network, service, ...initial };
    this.remember(initial.status, initial.at);
  }

  get status(): ServiceStatus {
    return this.last.status;
  }

  get current(): ServiceEvent {
    return this.last;
  }

  history(): StatusChange[] {
    const out: StatusChange[] = [];
    for (let i = 0; i < this.historyTimes.length; i++) {
      out.push({ status: SERVICE_STATUSES[this.historyCodes.charCodeAt(i) - 65] as ServiceStatus, at: this.historyTimes[i] as number });
    }
    return out;
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
    this.remember(status, at);
    const subs = this.subscribers;
    if (subs) {
      for (const sub of subs) this.deliver(sub, ev);
      if (status === 'RELEASED') {
        for (const sub of subs) this.end(sub);
        this.subscribers = undefined;
      }
    }
    if (this.waiters) {
      for (const w of this.waiters) {
        if (w.acceptable.has(status) || status === 'RELEASED') this.settle(w, status);
      }
    }
    return true;
  }

  /**
   * Gives `listener` each event a watch would yield (the current status
   * first, then every change, in order; asynchronously, never from inside
   * `update`), without an iterator, its generator and promises: for
   * in-process followers of many services (an aggregator following its
   * sub-services). Its `end` is called after the last event when the hub
   * ends the stream (RELEASED, or `dispose`). {@link unlisten} stops it.
   */
  listen(listener: StatusListener): void {
    const sub: Subscriber = { queue: NO_EVENTS, wake: undefined, closed: false, listener };
    this.deliver(sub, this.last);
    if (this.last.status === 'RELEASED') this.end(sub);
    else this.subscribe(sub);
  }

  /** Stops a listener given to {@link listen}: no further events, no `end`. */
  unlisten(listener: StatusListener): void {
    const sub = this.subscribers?.find((x) => x.listener === listener);
    if (!sub) return;
    sub.closed = true;
    this.unsubscribe(sub);
  }

  awaitStatus(acceptable: readonly ServiceStatus[], timeoutMs: number): Promise<ServiceStatus> {
    const set = new Set(acceptable);
    const now = this.last.status;
    if (set.has(now) || now === 'RELEASED' || !(timeoutMs > 0)) return Promise.resolve(now);
    return new Promise((resolve) => {
      const w: Waiter = { acceptable: set, resolve, timer: undefined };
      w.timer = setTimeout(() => this.settle(w, this.last.status), Math.min(timeoutMs, 2_147_483_647));
      (this.waiters ??= new Set()).add(w);
    });
  }

  watch(options: { signal?: AbortSignal } = {}): ServiceWatch {
    const sub: Subscriber = { queue: [this.last], wake: undefined, closed: false };
    const close = (): void => {
      if (sub.closed) return;
      sub.closed = true;
      this.unsubscribe(sub);
      this.wake(sub);
    };
    if (this.last.status === 'RELEASED') sub.closed = true;
    else this.subscribe(sub);
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
    if (this.subscribers) for (const sub of this.subscribers) this.end(sub);
    this.subscribers = undefined;
    if (this.waiters) for (const w of this.waiters) this.settle(w, this.last.status);
  }

  private subscribe(sub: Subscriber): void {
    // `[sub]` has room for exactly one: most services have one follower (an empty array grows to 17 slots)
    if (this.subscribers) this.subscribers.push(sub);
    else this.subscribers = [sub];
  }

  private unsubscribe(sub: Subscriber): void {
    const subs = this.subscribers;
    const i = subs ? subs.indexOf(sub) : -1;
    if (i >= 0) (subs as Subscriber[]).splice(i, 1);
  }

  private remember(status: ServiceStatus, at: number): void {
    let codes = this.historyCodes + String.fromCharCode(65 + SERVICE_STATUSES.indexOf(status));
    // an exact-size copy: most services change status only a handful of times
    let times = this.historyTimes.concat(at);
    if (times.length > HISTORY_LIMIT) {
      codes = codes.slice(1);
      times = times.slice(1);
    }
    this.historyCodes = codes;
    this.historyTimes = times;
  }

  private deliver(sub: Subscriber, ev: ServiceEvent): void {
    const listener = sub.listener;
    if (listener) {
      queueMicrotask(() => {
        if (!sub.closed) listener.event(ev);
      });
      return;
    }
    sub.queue.push(ev);
    this.wake(sub);
  }

  /** The hub ends a subscriber's stream (after the events already given to it). */
  private end(sub: Subscriber): void {
    const listener = sub.listener;
    if (listener) {
      // `closed` is kept for unlisten: events queued before the end are still delivered
      if (listener.end) {
        queueMicrotask(() => {
          if (!sub.closed) listener.end?.();
        });
      }
      return;
    }
    sub.closed = true;
    this.wake(sub);
  }

  private wake(sub: Subscriber): void {
    const w = sub.wake;
    sub.wake = undefined;
    if (w) w();
  }

  private settle(w: Waiter, status: ServiceStatus): void {
    if (!this.waiters?.delete(w)) return;
    if (w.timer) clearTimeout(w.timer);
    w.resolve(status);
  }
}
