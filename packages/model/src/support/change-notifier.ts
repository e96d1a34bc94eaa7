/**
 * Listeners told "something changed", asynchronously and coalesced: many
 * changes in one turn of the event loop give one call per listener. A
 * listener that throws is isolated from the others.
 */
export class ChangeNotifier {
  private readonly listeners = new Set<() => void>();
  private scheduled = false;

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  notify(): void {
    if (this.scheduled || this.listeners.size === 0) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      for (const l of [...this.listeners]) {
        try {
          l();
        } catch {
          // a faulty listener must not stop the others
        }
      }
    });
  }
}
