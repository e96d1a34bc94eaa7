import type { Logger } from '@dpb/model';

/**
 * Whether a remote server answers, and who wants to know: the shared part of
 * `onAvailabilityChange` for both transports. While anyone listens, it keeps
 * a probe running (`startProbe`, e.g. the model event stream), so an idle
 * server's disappearance is noticed too. Listeners are called asynchronously,
 * once per change.
 */
export class Availability {
  private readonly listeners = new Set<(available: boolean) => void>();
  private available = true;
  private stopProbe: (() => void) | undefined;

  constructor(
    private readonly startProbe: () => () => void,
    private readonly logger: Logger,
    private readonly fields: Record<string, unknown>,
    private readonly isClosed: () => boolean,
  ) {}

  subscribe(listener: (available: boolean) => void): () => void {
    this.listeners.add(listener);
    if (!this.stopProbe) this.stopProbe = this.startProbe();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.stopProbe) {
        this.stopProbe();
        this.stopProbe = undefined;
      }
    };
  }

  /** Records what the last request or connection attempt showed. */
  set(up: boolean): void {
    if (this.available === up || this.isClosed()) return;
    this.available = up;
    this.logger[up ? 'info' : 'warn'](up ? 'remote network reachable again' : 'remote network unreachable', this.fields);
    for (const l of [...this.listeners]) {
      setImmediate(() => {
        try {
          l(up);
        } catch (e) {
          this.logger.warn('availability listener threw', { ...this.fields, error: e instanceof Error ? e.message : String(e) });
        }
      });
    }
  }
}
