import type { BridgeListener, BridgeState } from '../spi/fabric';

/**
 * How a fabric delivers bridge state changes: queued in order, handed to
 * every listener on a later microtask (never inside the call that caused
 * them), each listener isolated from the others' exceptions. Every fabric
 * uses one, so they all keep the `Fabric.subscribe` promise the same way.
 */
export class BridgeStateFeed {
  private readonly listeners = new Set<BridgeListener>();
  private queue: BridgeState[] = [];
  private flushing: Promise<void> | undefined;

  /** Adds a listener; returns its unsubscribe. */
  subscribe(listener: BridgeListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Queues a state for delivery (call {@link flush} to deliver). */
  push(state: BridgeState): void {
    this.queue.push(state);
  }

  /** States queued and not delivered yet. */
  get pending(): number {
    return this.queue.length;
  }

  /** Delivers the queued states on a later microtask, in order; resolves once they have been. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.queue.length === 0) return Promise.resolve();
    this.flushing = Promise.resolve().then(() => {
      this.flushing = undefined;
      const states = this.queue;
      this.queue = [];
      for (const s of states) {
        for (const l of [...this.listeners]) {
          try {
            l({ ...s });
          } catch {
            // a faulty listener must not stop the others
          }
        }
      }
    });
    return this.flushing;
  }

  /** Drops every listener (the fabric is closing). */
  clear(): void {
    this.listeners.clear();
  }
}
