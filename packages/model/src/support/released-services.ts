import type { Service } from '../api/network-control';
import type { Clock } from '../spi/runtime';

/** How many released services a network keeps findable, and for how long. */
export const RELEASED_KEEP_COUNT = 1024;
export const RELEASED_KEEP_MS = 10 * 60_000;

/**
 * Released services, kept findable by id for a while (newest
 * {@link RELEASED_KEEP_COUNT}, at most {@link RELEASED_KEEP_MS}) so that a
 * client that waits on, watches or releases a service after it was released
 * learns "RELEASED" rather than "not found" (DPB's await-status says RELEASED
 * always ends a wait). They are never listed by `services()` and their
 * handles are free for reuse at once.
 */
export class ReleasedServices {
  private readonly byId = new Map<number, { service: Service; at: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly keepCount = RELEASED_KEEP_COUNT,
    private readonly keepMs = RELEASED_KEEP_MS,
  ) {}

  remember(service: Service): void {
    this.byId.delete(service.id);
    this.byId.set(service.id, { service, at: this.clock.now() });
    this.prune();
  }

  get(id: number): Service | undefined {
    this.prune();
    return this.byId.get(id)?.service;
  }

  private prune(): void {
    const oldest = this.clock.now() - this.keepMs;
    for (const [id, e] of this.byId) {
      if (this.byId.size <= this.keepCount && e.at >= oldest) break;
      this.byId.delete(id);
    }
  }
}
