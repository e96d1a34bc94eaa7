import {
  errors,
  formatServiceRef,
  isBrokerError,
  type Logger,
  type NetworkControl,
  type NetworkModel,
  type Service,
  type ServiceRef,
  silentLogger,
  isValidName,
} from '@dpb/model';
import { Availability, Backoff, type BackoffOptions, checkBackoff, isTransient, sleep } from '../common';
import { decodeModel, decodeServiceInfo, decodeServiceInfos, decodeTerminalNames } from './decode';
import { type RemoteManagement, RestAggregatorManagement, RestSwitchManagement } from './rest-management';
import { RestService, type RestServiceContext } from './rest-service';
import { RestTransport } from './rest-transport';

/** Default longest time for one ordinary request, ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Default longest silence on an event stream before it counts as dropped (the server sends a comment every 15 s), ms. */
export const DEFAULT_STREAM_IDLE_MS = 45_000;

/** Settings of a {@link RestNetwork}. */
export interface RestNetworkOptions {
  /** `http(s)://host:port/api/v1/networks/NAME` (a path prefix before `/api/v1` is allowed). */
  url: string;
  /** Bearer token, sent on every request. */
  token?: string;
  /** Local name of the network; default NAME from the URL. */
  name?: string;
  logger?: Logger;
  /** Longest time for one ordinary request, ms; default 10 000. */
  requestTimeoutMs?: number;
  /** Longest silence on an event stream before reconnecting, ms; default 45 000. */
  streamIdleMs?: number;
  /** Backoff between reconnections of event streams; default 200 ms doubling to 10 s. */
  reconnect?: BackoffOptions;
}

const URL_PATH = /^(.*)\/api\/v1\/networks\/([^/]+)\/?$/;

/** Parses and checks a remote network URL; returns it without a trailing slash, and the remote name. */
export function parseRestNetworkUrl(url: unknown): { url: string; remoteName: string } {
  const bad = (why: string): Error =>
    errors.invalid(`remote network url ${JSON.stringify(url)}: ${why}`, { field: 'url', value: typeof url === 'string' ? url.slice(0, 200) : String(url) });
  if (typeof url !== 'string') throw bad('must be a string');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw bad('is not a URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw bad('must be http: or https:');
  if (u.username !== '' || u.password !== '') throw bad('must not carry credentials (give a token instead)');
  if (u.search !== '' || u.hash !== '') throw bad('must not have a query or fragment');
  const m = URL_PATH.exec(u.pathname);
  if (!m) throw bad('must look like http(s)://host:port/api/v1/networks/NAME');
  let remoteName: string;
  try {
    remoteName = decodeURIComponent(m[2] as string);
  } catch {
    throw bad('has a badly encoded network name');
  }
  if (!isValidName(remoteName)) throw bad(`network name ${JSON.stringify(remoteName)} is not a valid name`);
  return { url: `${u.origin}${m[1] as string}/api/v1/networks/${encodeURIComponent(remoteName)}`, remoteName };
}

function checkPositive(v: number | undefined, field: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw errors.invalid(`${field} must be a positive number of ms`, { field, value: String(v) });
  }
  return v;
}

/**
 * A network served by another dpb-server, reached over REST v1, as a
 * {@link NetworkControl}. Every method is a REST request with a timeout;
 * errors keep the remote code and details (plus `details.remote`), and an
 * unreachable or silent server is UNAVAILABLE naming the network and URL.
 * Model changes and service status arrive over server-sent events, which
 * reconnect with backoff. `close()` ends every stream and timer.
 */
export class RestNetwork implements NetworkControl {
  readonly kind = 'remote' as const;
  readonly name: string;
  /** The remote network's URL (normalised). */
  readonly url: string;
  /** The network's name on the remote server. */
  readonly remoteName: string;

  private readonly transport: RestTransport;
  private readonly ctx: RestServiceContext;
  private readonly closer = new AbortController();
  private readonly logger: Logger;
  private readonly listeners = new Set<() => void>();
  private feed: AbortController | undefined;
  private notifyScheduled = false;
  private readonly availability: Availability;

  constructor(options: RestNetworkOptions) {
    if (typeof options !== 'object' || options === null) throw errors.invalid('RestNetwork needs options with a url', { field: 'url' });
    const { url, remoteName } = parseRestNetworkUrl(options.url);
    this.url = url;
    this.remoteName = remoteName;
    if (options.name !== undefined && !isValidName(options.name)) {
      throw errors.invalid(`name ${JSON.stringify(options.name)} is not a valid network name`, { field: 'name', value: String(options.name) });
    }
    if (options.token !== undefined && (typeof options.token !== 'string' || options.token === '' || /[\r\n]/.test(options.token))) {
      throw errors.invalid('token must be a non-empty string on one line', { field: 'token' });
    }
    this.name = options.name ?? remoteName;
    this.logger = options.logger ?? silentLogger;
    const requestTimeoutMs = checkPositive(options.requestTimeoutMs, 'requestTimeoutMs', DEFAULT_REQUEST_TIMEOUT_MS);
    const streamIdleMs = checkPositive(options.streamIdleMs, 'streamIdleMs', DEFAULT_STREAM_IDLE_MS);
    const reconnect = checkBackoff(options.reconnect);
    this.availability = new Availability(() => this.onModelChange(() => undefined), this.logger, { network: this.name, url: this.url }, () => this.closer.signal.aborted);
    this.transport = new RestTransport({
      url,
      network: this.name,
      ...(options.token === undefined ? {} : { token: options.token }),
      requestTimeoutMs,
      streamIdleMs,
      logger: this.logger,
      onReachable: (up) => this.availability.set(up),
    });
    this.ctx = { name: this.name, url, transport: this.transport, reconnect, requestTimeoutMs, logger: this.logger, closed: this.closer.signal };
  }

  async terminals(): Promise<string[]> {
    const r = await this.transport.request('GET', '');
    return decodeTerminalNames(r.body, this.name, this.url);
  }

  async model(minBandwidthMbps?: number): Promise<NetworkModel> {
    const r = await this.transport.request('GET', '/model', { query: { minMbps: minBandwidthMbps } });
    return decodeModel(r.body, this.name, this.url);
  }

  /**
   * Calls `listener` (asynchronously, coalesced) whenever the remote says its
   * model may have changed, and each time the shared event stream (re)connects,
   * since the model may have changed while it was down. The stream is opened
   * for the first listener and closed after the last one unsubscribes.
   */
  onModelChange(listener: () => void): () => void {
    const entry = (): void => listener();
    this.listeners.add(entry);
    if (this.feed === undefined && !this.closer.signal.aborted) {
      const feed = new AbortController();
      this.feed = feed;
      void this.runFeed(feed.signal);
    }
    return () => {
      this.listeners.delete(entry);
      if (this.listeners.size === 0 && this.feed) {
        this.feed.abort();
        this.feed = undefined;
      }
    };
  }

  /**
   * Calls `listener(false)` when the server stops answering (a request or
   * the event stream fails to connect) and `listener(true)` when it answers
   * again. While anyone listens, the model event stream is kept open as a
   * probe, so an idle server's disappearance is noticed too.
   */
  onAvailabilityChange(listener: (available: boolean) => void): () => void {
    return this.availability.subscribe(listener);
  }


  private notify(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    setImmediate(() => {
      this.notifyScheduled = false;
      for (const l of [...this.listeners]) {
        try {
          l();
        } catch (e) {
          this.logger.warn('model change listener threw', { network: this.name, error: e instanceof Error ? e.message : String(e) });
        }
      }
    });
  }

  private async runFeed(feedSignal: AbortSignal): Promise<void> {
    const signal = AbortSignal.any([feedSignal, this.closer.signal]);
    const backoff = new Backoff(this.ctx.reconnect);
    while (!signal.aborted) {
      try {
        for await (const ev of this.transport.events('/events', signal)) {
          if (ev.event === 'ready') {
            backoff.reset();
            this.availability.set(true);
            this.logger.debug('model event stream connected', { network: this.name, url: this.url });
            this.notify();
          } else if (ev.event === 'model') this.notify();
        }
      } catch (e) {
        if (signal.aborted) break;
        if (isTransient(e)) this.availability.set(false);
        (isTransient(e) ? this.logger.debug : this.logger.warn).call(this.logger, 'model event stream failed; reconnecting', {
          network: this.name,
          url: this.url,
          error: e instanceof Error ? e.message : String(e),
        });
      }
      if (signal.aborted) break;
      await sleep(backoff.next(), signal);
    }
  }

  /** Creates a service (POST …/services); with a handle, a live service with that handle is returned instead. */
  async createService(options: { handle?: string } = {}): Promise<Service> {
    const body = options.handle === undefined ? {} : { handle: options.handle };
    const r = await this.transport.request('POST', '/services', { body });
    return new RestService(this.ctx, decodeServiceInfo(r.body, this.name, this.url));
  }

  /**
   * The service by id (GET …/services/ID), or the live service with a handle
   * (GET …/services?handle=H, which works for every handle, digits included).
   */
  async service(ref: ServiceRef): Promise<Service> {
    if (typeof ref === 'number') {
      if (!Number.isSafeInteger(ref) || ref < 0) {
        throw errors.notFound('service', formatServiceRef(ref), { network: this.name, service: ref });
      }
      const r = await this.transport.request('GET', `/services/${ref}`);
      return new RestService(this.ctx, decodeServiceInfo(r.body, this.name, this.url));
    }
    if (typeof ref !== 'object' || ref === null || typeof ref.handle !== 'string') {
      throw errors.invalid('a service reference is an id or {handle}', { field: 'ref' });
    }
    const r = await this.transport.request('GET', '/services', { query: { handle: ref.handle } });
    const found = decodeServiceInfos(r.body, this.name, this.url)[0];
    if (!found) throw errors.notFound('handle', JSON.stringify(ref.handle), { network: this.name, handle: ref.handle, remote: this.url });
    return new RestService(this.ctx, found);
  }

  async findService(ref: ServiceRef): Promise<Service | undefined> {
    try {
      return await this.service(ref);
    } catch (e) {
      if (isBrokerError(e) && e.code === 'NOT_FOUND' && (e.details.kind === 'service' || e.details.kind === 'handle')) return undefined;
      throw e;
    }
  }

  async services(): Promise<Service[]> {
    const r = await this.transport.request('GET', '/services');
    return decodeServiceInfos(r.body, this.name, this.url).map((info) => new RestService(this.ctx, info));
  }

  /**
   * Asks the remote server what it manages under this network (its summary's
   * `management`, else its `kind`) and returns the matching management proxy:
   * {@link RestSwitchManagement} or {@link RestAggregatorManagement}, or
   * `kind: 'none'` when the remote offers control only. UNAVAILABLE while the
   * server cannot be reached.
   */
  async management(): Promise<RemoteManagement> {
    const r = await this.transport.request('GET', '');
    const b = r.body as Record<string, unknown> | null;
    const said = typeof b === 'object' && b !== null ? (b.management ?? b.kind) : undefined;
    if (said === 'switch') return { kind: 'switch', switch: new RestSwitchManagement(this, this.transport, this.url) };
    if (said === 'aggregator') return { kind: 'aggregator', aggregator: new RestAggregatorManagement(this, this.transport, this.url) };
    if (said === 'none' || said === 'remote') return { kind: 'none' };
    throw errors.internal(`network ${this.name} at ${this.url}: malformed NetworkSummary in the reply`, undefined, { network: this.name, remote: this.url, field: 'kind' });
  }

  /** Ends every event stream, watch and request in flight; later calls fail with UNAVAILABLE. Idempotent. */
  async close(): Promise<void> {
    this.closer.abort();
    this.feed = undefined;
    this.listeners.clear();
    this.transport.close();
  }
}
