import { errors } from '@dpb/model';

/** Bounds of a reconnection backoff, ms. */
export interface BackoffOptions {
  /** First delay, ms (> 0). */
  minMs: number;
  /** Largest delay, ms (>= minMs). */
  maxMs: number;
}

/** Default reconnection backoff: 200 ms doubling up to 10 s. */
export const DEFAULT_BACKOFF: BackoffOptions = { minMs: 200, maxMs: 10_000 };

/** Checks backoff options, throwing INVALID_ARGUMENT naming `field`. */
export function checkBackoff(options: BackoffOptions | undefined, field = 'reconnect'): BackoffOptions {
  if (options === undefined) return DEFAULT_BACKOFF;
  const { minMs, maxMs } = options;
  if (typeof minMs !== 'number' || !Number.isFinite(minMs) || minMs <= 0) {
    throw errors.invalid(`${field}.minMs must be a positive number of ms`, { field: `${field}.minMs`, value: String(minMs) });
  }
  if (typeof maxMs !== 'number' || !Number.isFinite(maxMs) || maxMs < minMs) {
    throw errors.invalid(`${field}.maxMs must be a number of ms, at least minMs`, { field: `${field}.maxMs`, value: String(maxMs) });
  }
  return { minMs, maxMs };
}

/**
 * Exponential backoff with jitter: each delay doubles from `minMs` up to
 * `maxMs`, and is drawn between half and all of that; `reset()` after a
 * success starts again from `minMs`.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** The next delay, ms. */
  next(): number {
    const ceiling = Math.min(this.options.maxMs, this.options.minMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.max(this.options.minMs / 2, ceiling / 2 + (this.random() * ceiling) / 2);
  }

  /** Starts again from the shortest delay. */
  reset(): void {
    this.attempt = 0;
  }
}

/** Waits `ms`, or less if `signal` aborts; resolves true if the full time passed. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
