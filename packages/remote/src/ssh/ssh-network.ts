import {
  errors,
  isBrokerError,
  isServiceStatus,
  type Logger,
  type NetworkControl,
  type NetworkModel,
  type Service,
  type ServiceEvent,
  type ServiceInfo,
  type ServiceIntent,
  type ServiceRef,
  type ServiceRequest,
  type ServiceStatus,
  type ServiceWatch,
  SERVICE_INTENTS,
  silentLogger,
} from '@dpb/model';
import { type DpbEdge, edgesToChords, isDpbErrorObject, requestToSegment } from '@dpb/protocol';
import { Availability } from '../common/availability';
import { Backoff, type BackoffOptions, checkBackoff, sleep } from '../common/backoff';
import { EventQueue } from '../common/event-queue';
import { DpbSshConnection } from './ssh-connection';
import { formatSshRemote, parseSshUrl } from './ssh-url';

/** Options of {@link SshNetwork}. */
export interface SshNetworkOptions {
  host: string;
  port: number;
  username: string;
  /** OpenSSH or PEM private key (unencrypted). Give this or `password`. */
  privateKey?: Buffer | string;
  password?: string;
  /** When given, the server's host key must have this fingerprint (`SHA256:…`, as `ssh-keygen -l` prints it). */
  hostKey?: { fingerprint: string };
  /** The network's name on the server (the SSH command). */
  network: string;
  /** The local name of this network (default: `network`). */
  name?: string;
  logger?: Logger;
  /** How long a request may take, ms (default 10 s); waits get their own timeout on top. */
  requestTimeoutMs?: number;
  /** Backoff between failed connection attempts (default 200 ms doubling to 10 s). */
  reconnect?: BackoffOptions;
  /** Most sessions in progress at once on the one channel (default 240; the server allows 256). */
  maxSessions?: number;
}

/** Default request timeout, ms. */
export const DEFAULT_SSH_REQUEST_TIMEOUT_MS = 10_000;

/** Longest wait one `await-service-status` may ask for (the server clamps to 10 minutes). */
const MAX_SERVER_WAIT_MS = 10 * 60_000;

type Reply = Record<string, unknown>;

/**
 * Builds {@link SshNetworkOptions} from `ssh://user@host:port/NETWORK` plus
 * the credentials and anything else.
 */
export function sshNetworkOptionsFromUrl(url: string, rest: Omit<SshNetworkOptions, 'host' | 'port' | 'username' | 'network'>): SshNetworkOptions {
  const u = parseSshUrl(url);
  return { ...rest, host: u.host, port: u.port, username: u.username, network: u.network };
}

function checkOptions(o: SshNetworkOptions): void {
  const bad = (field: string, why: string, value?: unknown): never => {
    throw errors.invalid(`SshNetwork: ${field} ${why}`, { field, ...(value === undefined ? {} : { value: String(value).slice(0, 100) }) });
  };
  if (typeof o !== 'object' || o === null) bad('options', 'must be an object');
  if (typeof o.host !== 'string' || o.host === '') bad('host', 'must be a host name or address', o.host);
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) bad('port', 'must be 1-65535', o.port);
  if (typeof o.username !== 'string' || o.username === '') bad('username', 'must be a user name', o.username);
  if (typeof o.network !== 'string' || o.network === '') bad('network', 'must be the network name on the server', o.network);
  if (o.privateKey === undefined && o.password === undefined) bad('privateKey', 'or password is needed');
  if (o.hostKey !== undefined && !/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(String(o.hostKey?.fingerprint))) {
    bad('hostKey.fingerprint', 'must look like SHA256:… (ssh-keygen -lf KEY.pub)', o.hostKey?.fingerprint);
  }
  if (o.requestTimeoutMs !== undefined && (!Number.isFinite(o.requestTimeoutMs) || o.requestTimeoutMs <= 0)) {
    bad('requestTimeoutMs', 'must be a positive number of ms', o.requestTimeoutMs);
  }
}

/**
 * A network served by another dpb-server, reached over SSH with the DPB JSON
 * protocol (docs/ssh.md), as a {@link NetworkControl}. One SSH connection and
 * one exec channel carry every request (a fresh session each, in parallel),
 * every service watch and the model watch; the connection is made on first
 * use and remade after a loss (requests in flight then fail with
 * UNAVAILABLE; watches resume). `close()` ends everything.
 */
export class SshNetwork implements NetworkControl {
  readonly name: string;
  readonly kind = 'remote' as const;
  /** `ssh://host:port/network`, as errors name it in `details.remote`. */
  readonly remote: string;
  readonly requestTimeoutMs: number;
  /** @internal */
  readonly conn: DpbSshConnection;
  private readonly logger: Logger;
  private readonly reconnect: BackoffOptions;
  private readonly watches = new Set<AbortController>();
  private readonly modelListeners = new Set<() => void>();
  private modelWatch: AbortController | undefined;
  private notifyPending = false;
  private closed = false;
  private readonly availability: Availability;

  constructor(private readonly options: SshNetworkOptions) {
    checkOptions(options);
    this.name = options.name ?? options.network;
    this.remote = formatSshRemote(options.host, options.port, options.network);
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_SSH_REQUEST_TIMEOUT_MS;
    this.logger = options.logger ?? silentLogger;
    this.reconnect = checkBackoff(options.reconnect);
    this.availability = new Availability(() => this.onModelChange(() => undefined), this.logger, { network: this.name, remote: this.remote }, () => this.closed);
    this.conn = new DpbSshConnection({
      host: options.host,
      port: options.port,
      username: options.username,
      ...(options.privateKey !== undefined ? { privateKey: options.privateKey } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.hostKey ? { hostKey: options.hostKey } : {}),
      network: options.network,
      localName: this.name,
      remote: this.remote,
      logger: this.logger,
      connectTimeoutMs: this.requestTimeoutMs,
      reconnect: this.reconnect,
      ...(options.maxSessions !== undefined ? { maxSessions: options.maxSessions } : {}),
      onReachable: (up) => this.availability.set(up),
    });
  }

  /** An SshNetwork for `ssh://user@host:port/NETWORK`, with credentials and options in `rest`. */
  static fromUrl(url: string, rest: Omit<SshNetworkOptions, 'host' | 'port' | 'username' | 'network'>): SshNetwork {
    return new SshNetwork(sshNetworkOptionsFromUrl(url, rest));
  }

  /** Sends one request and returns its reply (error replies throw their BrokerError). @internal */
  async call(content: Reply, extraTimeoutMs = 0): Promise<Reply> {
    if (this.closed) throw this.conn.unavailable('the client was closed', { reason: 'closed' });
    return this.conn.request(content, this.requestTimeoutMs + extraTimeoutMs);
  }

  /** A reply that does not say what the protocol promises. */
  badReply(type: string, reply: unknown): never {
    throw errors.internal(`network ${this.name} at ${this.remote}: unexpected reply to ${type}`, undefined, {
      network: this.name,
      remote: this.remote,
      type,
      reply: JSON.stringify(reply)?.slice(0, 200),
    });
  }

  async terminals(): Promise<string[]> {
    const r = await this.call({ type: 'get-terminals' });
    const names = r['terminal-names'];
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) this.badReply('get-terminals', r);
    return [...(names as string[])].sort();
  }

  async model(minBandwidthMbps = 0): Promise<NetworkModel> {
    if (typeof minBandwidthMbps !== 'number' || !Number.isFinite(minBandwidthMbps) || minBandwidthMbps < 0) {
      throw errors.invalid(`minimum bandwidth must be a non-negative number of Mbit/s; got ${String(minBandwidthMbps)}`, {
        field: 'minBandwidthMbps',
        value: String(minBandwidthMbps),
      });
    }
    const [terminals, r] = await Promise.all([this.terminals(), this.call({ type: 'get-model', 'min-bw': minBandwidthMbps })]);
    const edges = r.edges;
    if (!Array.isArray(edges)) this.badReply('get-model', r);
    const good = (edges as unknown[]).filter(
      (e): e is DpbEdge => typeof e === 'object' && e !== null && typeof (e as DpbEdge).from === 'string' && typeof (e as DpbEdge).to === 'string',
    );
    const chords = edgesToChords(good)
      .filter((c) => c.from !== c.to)
      .map((c) => (c.from < c.to ? c : { from: c.to, to: c.from, cost: c.cost, upstreamMbps: c.downstreamMbps, downstreamMbps: c.upstreamMbps }));
    return { network: this.name, terminals, chords };
  }

  onModelChange(listener: () => void): () => void {
    const wrapped = (): void => listener();
    this.modelListeners.add(wrapped);
    if (!this.modelWatch && !this.closed) this.startModelWatch();
    return () => {
      if (!this.modelListeners.delete(wrapped)) return;
      if (this.modelListeners.size === 0 && this.modelWatch) {
        this.modelWatch.abort();
        this.modelWatch = undefined;
      }
    };
  }

  /**
   * Calls `listener(false)` when the connection is lost or cannot be made,
   * and `listener(true)` when one is made again. While anyone listens, the
   * model watch keeps the connection open (and retried with backoff) as a
   * probe, so an idle server's disappearance is noticed too.
   */
  onAvailabilityChange(listener: (available: boolean) => void): () => void {
    return this.availability.subscribe(listener);
  }


  async createService(options: { handle?: string } = {}): Promise<Service> {
    const handle = options?.handle;
    if (handle === undefined) {
      const r = await this.call({ type: 'new-service' });
      return new SshService(this, this.idOf('new-service', r), null);
    }
    if (typeof handle !== 'string') throw errors.invalid('handle must be a string', { field: 'handle', value: String(handle) });
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = await this.call({ type: 'new-service', handle });
      if (r['service-id'] !== undefined) return new SshService(this, this.idOf('new-service', r), handle);
      // {}: a live service has the handle; return it (idempotent, as local networks are)
      const found = await this.call({ type: 'find-service', handle });
      if (found['service-id'] !== undefined) return new SshService(this, this.idOf('find-service', found), handle);
      // released in between: try again
    }
    throw errors.unavailable(`network ${this.name} at ${this.remote}: handle ${JSON.stringify(handle)} keeps changing hands`, {
      network: this.name,
      remote: this.remote,
      handle,
    });
  }

  async service(ref: ServiceRef): Promise<Service> {
    const s = await this.findService(ref);
    if (s) return s;
    if (typeof ref === 'number') throw errors.notFound('service', `${ref} in network ${this.name}`, { network: this.name, service: ref, remote: this.remote });
    throw errors.notFound('handle', `${JSON.stringify(ref.handle)} in network ${this.name}`, { network: this.name, handle: ref.handle, remote: this.remote });
  }

  async findService(ref: ServiceRef): Promise<Service | undefined> {
    if (typeof ref === 'number') {
      if (!Number.isSafeInteger(ref) || ref < 0) throw errors.invalid(`a service id is a non-negative integer; got ${ref}`, { field: 'service', value: ref });
      try {
        const info = await this.describeById(ref);
        return new SshService(this, ref, info.handle);
      } catch (e) {
        if (isBrokerError(e) && e.code === 'NOT_FOUND' && (e.details.kind === 'service' || e.details.dpbError === 'service-unknown')) return undefined;
        throw e;
      }
    }
    if (typeof ref !== 'object' || ref === null || typeof ref.handle !== 'string') {
      throw errors.invalid('a service reference is an id or { handle }', { field: 'service' });
    }
    const r = await this.call({ type: 'find-service', handle: ref.handle });
    if (r['service-id'] === undefined) return undefined;
    return new SshService(this, this.idOf('find-service', r), ref.handle);
  }

  async services(): Promise<Service[]> {
    const r = await this.call({ type: 'get-services' });
    const ids = r['service-ids'];
    if (!Array.isArray(ids) || !ids.every((i) => Number.isSafeInteger(i))) this.badReply('get-services', r);
    const found = await Promise.all((ids as number[]).map((id) => this.findService(id)));
    return found.filter((s): s is Service => s !== undefined);
  }

  /** `describe-service` (a dpb extension): the service's ServiceInfo. @internal */
  async describeById(id: number): Promise<ServiceInfo> {
    const r = await this.call({ type: 'describe-service', 'service-id': id });
    const info = r.service as ServiceInfo | undefined;
    if (typeof info !== 'object' || info === null || info.id !== id || !isServiceStatus(info.status)) this.badReply('describe-service', r);
    return { ...info, network: this.name };
  }

  idOf(type: string, r: Reply): number {
    const id = r['service-id'];
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) this.badReply(type, r);
    return id as number;
  }

  /** Starts a watch of service `id` that resumes after connection losses. @internal */
  openWatch(id: number, signal?: AbortSignal): ServiceWatch {
    const ac = new AbortController();
    const queue = new EventQueue<ServiceEvent>(() => ac.abort());
    const stop = (): void => {
      ac.abort();
      queue.end();
    };
    if (signal?.aborted || this.closed) stop();
    else {
      signal?.addEventListener('abort', stop, { once: true });
      this.watches.add(ac);
      void this.runWatch(id, queue, ac.signal).finally(() => {
        this.watches.delete(ac);
        signal?.removeEventListener('abort', stop);
      });
    }
    return { [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](), close: stop };
  }

  private async runWatch(id: number, queue: EventQueue<ServiceEvent>, signal: AbortSignal): Promise<void> {
    let last: ServiceStatus | undefined;
    let ended = false;
    let failure: unknown;
    while (!signal.aborted && !ended) {
      try {
        await this.conn.stream(
          { type: 'watch-service', 'service-id': id, 'with-intent': true },
          (c) => {
            if (isDpbErrorObject(c)) {
              failure = this.conn.remoteError(c);
              ended = true;
              return 'done';
            }
            const status = c.status;
            if (!isServiceStatus(status)) {
              failure = errors.internal(`network ${this.name} at ${this.remote}: bad watch-service frame`, undefined, { network: this.name, service: id });
              ended = true;
              return 'done';
            }
            if (status !== last) {
              last = status;
              queue.push(this.eventOf(id, status, c));
            }
            if (status === 'RELEASED') {
              ended = true;
              return 'done';
            }
            return 'more';
          },
          signal,
        );
      } catch (e) {
        if (signal.aborted || this.closed) break;
        if (isBrokerError(e) && e.code === 'UNAVAILABLE' && e.details.reason !== 'closed') {
          this.logger.debug('ssh remote: watch interrupted; resuming', { network: this.name, service: id, reason: e.details.reason });
          await this.conn.pause(signal);
          continue;
        }
        failure = e;
        ended = true;
      }
    }
    if (failure !== undefined && !signal.aborted) queue.fail(failure);
    else queue.end();
  }

  private eventOf(id: number, status: ServiceStatus, frame: Reply): ServiceEvent {
    const intent: ServiceIntent = (SERVICE_INTENTS as readonly string[]).includes(String(frame.intent))
      ? (frame.intent as ServiceIntent)
      : status === 'RELEASING' || status === 'RELEASED'
        ? 'RELEASE'
        : status === 'ACTIVE' || status === 'ACTIVATING'
          ? 'ACTIVE'
          : 'INACTIVE';
    const ev: ServiceEvent = { network: this.name, service: id, status, intent, at: Date.now() };
    if (Array.isArray(frame.errors) && frame.errors.length > 0) ev.errors = frame.errors as ServiceEvent['errors'];
    return ev;
  }

  private startModelWatch(): void {
    const ac = new AbortController();
    this.modelWatch = ac;
    void this.runModelWatch(ac.signal);
  }

  private async runModelWatch(signal: AbortSignal): Promise<void> {
    let readies = 0;
    const refusals = new Backoff(this.reconnect);
    while (!signal.aborted && !this.closed) {
      let refused: unknown;
      try {
        await this.conn.stream(
          { type: 'watch-model' },
          (c) => {
            if (isDpbErrorObject(c)) {
              refused = this.conn.remoteError(c);
              return 'done';
            }
            if (c.event === 'ready') {
              refusals.reset();
              // after a reconnection the model may have changed unseen
              if (readies++ > 0) this.notifyModel();
            } else if (c.event === 'model') this.notifyModel();
            return 'more';
          },
          signal,
        );
      } catch (e) {
        if (signal.aborted || this.closed) break;
        if (!isBrokerError(e) || e.code !== 'UNAVAILABLE') refused = e;
      }
      if (signal.aborted || this.closed) break;
      if (readies > 0) readies = 1; // the next ready is a reconnection (or a fresh subscription)
      if (refused !== undefined) {
        this.logger.warn('ssh remote: model changes cannot be watched', { network: this.name, remote: this.remote, error: String(refused) });
        await sleep(refusals.next(), signal);
      } else await this.conn.pause(signal);
    }
  }

  private notifyModel(): void {
    if (this.notifyPending) return;
    this.notifyPending = true;
    setImmediate(() => {
      this.notifyPending = false;
      for (const l of [...this.modelListeners]) {
        try {
          l();
        } catch (e) {
          this.logger.warn('model change listener threw', { network: this.name, error: String(e) });
        }
      }
    });
  }

  /** Ends the connection, every watch and the model watch. Later calls fail with UNAVAILABLE. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.modelWatch?.abort();
    this.modelWatch = undefined;
    this.modelListeners.clear();
    for (const w of [...this.watches]) w.abort();
    this.conn.close();
  }
}

/** A service of an {@link SshNetwork}. */
export class SshService implements Service {
  readonly network: string;

  constructor(
    private readonly net: SshNetwork,
    readonly id: number,
    readonly handle: string | null,
  ) {
    this.network = net.name;
  }

  private async command(type: string, extra: Reply = {}): Promise<void> {
    await this.net.call({ type, 'service-id': this.id, ...extra });
  }

  async define(request: ServiceRequest): Promise<void> {
    if (typeof request !== 'object' || request === null || !Array.isArray((request as ServiceRequest).circuits)) {
      throw errors.invalid('a service request needs a "circuits" array', { field: 'circuits', network: this.network, service: this.id });
    }
    const circuits = request.circuits.map((c, i) => {
      if (typeof c !== 'object' || c === null) throw errors.invalid(`circuits[${i}] must be an object`, { field: `circuits[${i}]`, network: this.network, service: this.id });
      return c;
    });
    await this.command('define-service', { segment: requestToSegment({ circuits }) });
  }

  activate(): Promise<void> {
    return this.command('activate-service');
  }

  deactivate(): Promise<void> {
    return this.command('deactivate-service');
  }

  reset(): Promise<void> {
    return this.command('reset-service');
  }

  release(): Promise<void> {
    return this.command('release-service');
  }

  async status(): Promise<ServiceStatus> {
    return this.wait([], 0);
  }

  describe(): Promise<ServiceInfo> {
    return this.net.describeById(this.id);
  }

  async awaitStatus(acceptable: readonly ServiceStatus[], timeoutMs: number): Promise<ServiceStatus> {
    if (!Array.isArray(acceptable) || !acceptable.every(isServiceStatus)) {
      throw errors.invalid('acceptable must be a list of status names', { field: 'acceptable', network: this.network, service: this.id });
    }
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs)) throw errors.invalid('timeoutMs must be a number', { field: 'timeoutMs', value: String(timeoutMs) });
    const deadline = Date.now() + Math.max(0, timeoutMs);
    for (;;) {
      const chunk = Math.min(Math.max(0, deadline - Date.now()), MAX_SERVER_WAIT_MS);
      const status = await this.wait(acceptable, chunk);
      if (acceptable.includes(status) || status === 'RELEASED' || Date.now() >= deadline) return status;
    }
  }

  private async wait(acceptable: readonly ServiceStatus[], timeoutMs: number): Promise<ServiceStatus> {
    const ms = Math.ceil(timeoutMs);
    const r = await this.net.call({ type: 'await-service-status', 'service-id': this.id, acceptable: [...acceptable], 'timeout-millis': ms }, ms);
    if (!isServiceStatus(r.status)) this.net.badReply('await-service-status', r);
    return r.status as ServiceStatus;
  }

  watch(options?: { signal?: AbortSignal }): ServiceWatch {
    return this.net.openWatch(this.id, options?.signal);
  }
}
