import {
  errors,
  isBrokerError,
  type Logger,
  type Service,
  type ServiceEvent,
  type ServiceInfo,
  type ServiceRequest,
  type ServiceStatus,
  type ServiceWatch,
  toBrokerError,
} from '@dpb/model';
import { Backoff, type BackoffOptions, EventQueue, isTransient, sleep } from '../common';
import { decodeServiceEvent, decodeServiceInfo } from './decode';
import type { RestTransport } from './rest-transport';

/** Longest wait the server accepts in one `?wait=` request, ms. */
export const MAX_SERVER_WAIT_MS = 60_000;

/** What a RestService shares with its RestNetwork. */
export interface RestServiceContext {
  /** The local name of the network. */
  name: string;
  /** The remote network URL. */
  url: string;
  transport: RestTransport;
  reconnect: BackoffOptions;
  requestTimeoutMs: number;
  logger: Logger;
  /** Aborted when the network is closed. */
  closed: AbortSignal;
}

/** Copies only the fields REST v1 accepts, so a caller's extra fields are not rejected as unknown. */
function wireRequest(request: ServiceRequest): unknown {
  if (typeof request !== 'object' || request === null || !Array.isArray(request.circuits)) {
    throw errors.invalid('a service request needs a "circuits" array', { field: 'circuits' });
  }
  return {
    circuits: request.circuits.map((c) =>
      typeof c === 'object' && c !== null
        ? {
            terminal: c.terminal,
            label: c.label,
            ingressMbps: c.ingressMbps,
            ...(c.egressMbps === undefined ? {} : { egressMbps: c.egressMbps }),
          }
        : c,
    ),
  };
}

/**
 * A service of a remote network, by id. Every method is one REST v1 request
 * (awaitStatus: one per minute of waiting; watch: an event stream).
 */
export class RestService implements Service {
  readonly network: string;
  readonly id: number;
  readonly handle: string | null;
  private readonly path: string;

  constructor(
    private readonly ctx: RestServiceContext,
    info: ServiceInfo,
  ) {
    this.network = ctx.name;
    this.id = info.id;
    this.handle = info.handle;
    this.path = `/services/${info.id}`;
  }

  async define(request: ServiceRequest): Promise<void> {
    await this.ctx.transport.request('PUT', `${this.path}/circuits`, { body: wireRequest(request) });
  }

  async activate(): Promise<void> {
    await this.ctx.transport.request('POST', `${this.path}/activate`);
  }

  async deactivate(): Promise<void> {
    await this.ctx.transport.request('POST', `${this.path}/deactivate`);
  }

  async reset(): Promise<void> {
    await this.ctx.transport.request('POST', `${this.path}/reset`);
  }

  /** Releases the service; one the remote no longer knows (404) counts as already released. */
  async release(): Promise<void> {
    try {
      await this.ctx.transport.request('DELETE', this.path);
    } catch (e) {
      if (isBrokerError(e) && e.code === 'NOT_FOUND' && (e.details.kind === 'service' || e.details.kind === undefined)) return;
      throw e;
    }
  }

  async status(): Promise<ServiceStatus> {
    return (await this.describe()).status;
  }

  async describe(): Promise<ServiceInfo> {
    const r = await this.ctx.transport.request('GET', this.path);
    return decodeServiceInfo(r.body, this.ctx.name, this.ctx.url);
  }

  /**
   * Waits with `GET …?wait=&timeoutMs=`, one request per (at most) minute,
   * until the status is acceptable or RELEASED, or `timeoutMs` passes.
   */
  async awaitStatus(acceptable: readonly ServiceStatus[], timeoutMs: number): Promise<ServiceStatus> {
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs)) {
      throw errors.invalid('timeoutMs must be a number of ms', { field: 'timeoutMs', value: String(timeoutMs) });
    }
    const wait = acceptable.length > 0 ? [...new Set(acceptable)].join(',') : 'RELEASED';
    const deadline = Date.now() + Math.max(0, timeoutMs);
    for (;;) {
      const remaining = Math.max(0, Math.ceil(deadline - Date.now()));
      const chunk = Math.min(remaining, MAX_SERVER_WAIT_MS);
      const r = await this.ctx.transport.request('GET', this.path, {
        query: { wait, timeoutMs: chunk },
        timeoutMs: chunk + this.ctx.requestTimeoutMs,
      });
      const status = decodeServiceInfo(r.body, this.ctx.name, this.ctx.url).status;
      if (status === 'RELEASED' || acceptable.includes(status)) return status;
      if (Date.now() >= deadline) return status;
    }
  }

  /**
   * Follows `GET …/events`. The first event is the current status; the watch
   * ends after RELEASED. If the stream drops first, it reconnects with
   * backoff; the server then sends the current status again, which is
   * dropped if it is the last event given (same status and time). Changes
   * that came and went while disconnected are not seen, so the sequence may
   * skip steps. A service the remote no longer knows ends the
   * watch with NOT_FOUND; any other non-transient error ends it with that
   * error. `close()`, leaving the loop, the signal or closing the network end it.
   */
  watch(options: { signal?: AbortSignal } = {}): ServiceWatch {
    const stop = new AbortController();
    const signal = AbortSignal.any([stop.signal, this.ctx.closed, ...(options.signal ? [options.signal] : [])]);
    const queue = new EventQueue<ServiceEvent>(() => stop.abort());
    signal.addEventListener('abort', () => queue.end(), { once: true });
    if (signal.aborted) queue.end();
    else void this.follow(queue, signal).then(
      () => queue.end(),
      (e: unknown) => queue.fail(toBrokerError(e)),
    );
    return {
      [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
      close: () => {
        stop.abort();
        queue.end();
      },
    };
  }

  private async follow(queue: EventQueue<ServiceEvent>, signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.ctx.reconnect);
    let last: ServiceEvent | undefined;
    let reconnected = false;
    while (!signal.aborted) {
      let first = true;
      try {
        for await (const ev of this.ctx.transport.events(`${this.path}/events`, signal)) {
          if (ev.event !== 'status') continue;
          const se = decodeServiceEvent(ev.data, this.ctx.name, this.ctx.url);
          backoff.reset();
          // after a reconnection the server re-sends the current status: drop it if it is the one we gave last
          const repeat = first && reconnected && last !== undefined && se.status === last.status && se.at === last.at;
          first = false;
          if (repeat) continue;
          last = se;
          queue.push(se);
          if (se.status === 'RELEASED') return;
        }
        if (signal.aborted) return;
        this.ctx.logger.debug('service event stream ended before RELEASED; reconnecting', { network: this.network, service: this.id });
      } catch (e) {
        if (signal.aborted) return;
        if (!isTransient(e)) throw e;
        this.ctx.logger.debug('service event stream failed; reconnecting', {
          network: this.network,
          service: this.id,
          error: toBrokerError(e).message,
        });
      }
      reconnected = true;
      await sleep(backoff.next(), signal);
    }
  }
}
