import { BrokerError, errors, type Logger, silentLogger } from '@dpb/model';
import {
  closeEnvelope,
  dataEnvelope,
  encodeFrame,
  FrameDecoder,
  fromDpbError,
  HANDSHAKE,
  type HandshakeKind,
  isDpbErrorObject,
  MAX_SESSION_NUMBER,
  parseEnvelope,
  parseHandshake,
} from '@dpb/protocol';
import { createHash } from 'node:crypto';
import { Client, type ClientChannel } from 'ssh2';
import { Backoff, type BackoffOptions, sleep } from '../common/backoff';
import { causeMessage } from '../common/remote-errors';

/** How to reach one network on a dpb-server (or DPB) over SSH. */
export interface SshConnectionOptions {
  host: string;
  port: number;
  username: string;
  privateKey?: Buffer | string;
  password?: string;
  /** When given, the server's host key must have this fingerprint (`SHA256:…`). */
  hostKey?: { fingerprint: string };
  /** The network's name on the server (the exec command). */
  network: string;
  /** The network's local name (for error details). */
  localName: string;
  /** `ssh://host:port/network`, for `details.remote`. */
  remote: string;
  logger?: Logger;
  /** Connect and handshake timeout, ms. */
  connectTimeoutMs: number;
  reconnect: BackoffOptions;
  /** Most sessions in progress at once on the channel (the server allows 256). */
  maxSessions?: number;
  /** Told when a connection is made (true) and when one is lost or cannot be made (false). */
  onReachable?: (reachable: boolean) => void;
}

/** Receives the frames of one session. Return `'done'` to end the session (a close frame is sent). */
export type SessionListener = (content: Record<string, unknown>) => 'more' | 'done';

interface OpenSession {
  frame(content: Record<string, unknown>): void;
  lost(e: BrokerError): void;
}

interface Link {
  client: Client;
  channel: ClientChannel;
  kind: HandshakeKind;
  /** Counts connections made; lets watchers tell a reconnection. */
  generation: number;
}

/** `SHA256:<base64 without padding>` of an SSH public key blob, as `ssh-keygen -l` prints it. */
export function sshFingerprint(publicBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Default cap of sessions in progress on one channel (below the server's 256). */
export const DEFAULT_MAX_SSH_SESSIONS = 240;

/**
 * One SSH connection with one exec channel speaking the DPB JSON protocol
 * to one network, multiplexed: each request or watch gets a fresh session
 * number (never reused). Connects lazily; after a loss, every session in
 * progress fails with UNAVAILABLE and the next use reconnects, with an
 * exponential backoff between failed attempts.
 */
export class DpbSshConnection {
  private link: Link | undefined;
  private connecting: Promise<Link> | undefined;
  private readonly sessions = new Map<number, OpenSession>();
  private nextSession = 1;
  private readonly backoff: Backoff;
  /** Earliest time of the next connection attempt (after failed ones). */
  private notBefore = 0;
  private generation = 0;
  private closed = false;
  private readonly closing = new AbortController();
  private readonly logger: Logger;
  private readonly maxSessions: number;
  private inUse = 0;
  private readonly slotWaiters: (() => void)[] = [];

  constructor(private readonly o: SshConnectionOptions) {
    this.backoff = new Backoff(o.reconnect);
    this.logger = o.logger ?? silentLogger;
    this.maxSessions = o.maxSessions ?? DEFAULT_MAX_SSH_SESSIONS;
  }

  /** Sessions in progress (tests, diagnostics). */
  get openSessions(): number {
    return this.sessions.size;
  }

  /** True while connected. */
  get connected(): boolean {
    return this.link !== undefined;
  }

  /** What the handshake said the network is, once connected. */
  get remoteKind(): HandshakeKind | undefined {
    return this.link?.kind;
  }

  /** UNAVAILABLE naming the network, host and port. */
  unavailable(what: string, extra: Record<string, unknown> = {}, cause?: unknown): BrokerError {
    const { localName, host, port, remote } = this.o;
    return errors.unavailable(
      `network ${localName} at ${remote}: ${what}`,
      { network: localName, host, port, remote, ...extra },
      cause,
    );
  }

  /** The BrokerError an error reply stands for, with `details.remote`. */
  remoteError(reply: Record<string, unknown>): BrokerError {
    const e = fromDpbError(reply);
    return new BrokerError(e.code, e.message, { details: { ...e.details, remote: this.o.remote } });
  }

  /**
   * Sends one request in a fresh session and resolves with its one reply
   * (error replies reject with their BrokerError). Rejects with UNAVAILABLE
   * when the server cannot be reached, the connection is lost, or no reply
   * comes within `timeoutMs` (`details.reason` `timeout`).
   */
  async request(content: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ac.abort();
        reject(this.unavailable(`no reply to ${String(content.type)} within ${timeoutMs} ms`, { reason: 'timeout', timeoutMs, type: content.type }));
      }, timeoutMs);
    });
    timedOut.catch(() => undefined);
    let reply: Record<string, unknown> | undefined;
    try {
      await Promise.race([
        this.stream(
          content,
          (c) => {
            reply = c;
            return 'done';
          },
          ac.signal,
          Date.now() + timeoutMs,
        ),
        timedOut,
      ]);
    } finally {
      clearTimeout(timer);
      ac.abort();
    }
    if (reply === undefined) throw this.unavailable(`no reply to ${String(content.type)}`, { reason: 'closed', type: content.type });
    if (isDpbErrorObject(reply)) throw this.remoteError(reply);
    return reply;
  }

  /**
   * Opens a session with `content` and passes each frame to `listener` until
   * it says `'done'` or `signal` aborts (then the close frame is sent). The
   * promise resolves then; it rejects with UNAVAILABLE if the connection
   * cannot be made (before `deadline`) or is lost. Waits for a free session
   * slot when the cap is reached.
   */
  async stream(content: Record<string, unknown>, listener: SessionListener, signal: AbortSignal, deadline = Infinity): Promise<void> {
    await this.acquire(signal);
    try {
      if (signal.aborted) return;
      const link = await this.ready(deadline, signal);
      if (signal.aborted) return;
      await new Promise<void>((resolve, reject) => {
        const n = this.nextSession++;
        if (this.nextSession > MAX_SESSION_NUMBER) this.nextSession = 1;
        const finish = (): void => {
          signal.removeEventListener('abort', onAbort);
          if (this.sessions.get(n) !== session) return;
          this.sessions.delete(n);
          this.write(link, closeEnvelope(n));
          resolve();
        };
        const onAbort = (): void => finish();
        const session: OpenSession = {
          frame: (c) => {
            let r: 'more' | 'done';
            try {
              r = listener(c);
            } catch (e) {
              this.logger.warn('ssh remote: session listener threw', { network: this.o.localName, error: causeMessage(e) });
              r = 'done';
            }
            if (r === 'done') finish();
          },
          lost: (e) => {
            signal.removeEventListener('abort', onAbort);
            this.sessions.delete(n);
            reject(e);
          },
        };
        this.sessions.set(n, session);
        signal.addEventListener('abort', onAbort, { once: true });
        this.write(link, dataEnvelope(n, content));
      });
    } finally {
      this.release();
    }
  }

  /** Ends the connection: every session in progress fails with UNAVAILABLE; later use fails at once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    const link = this.link;
    if (link) this.lost(link, this.unavailable('the client was closed', { reason: 'closed' }));
    for (const w of this.slotWaiters.splice(0)) w();
  }

  /**
   * Waits until the next connection attempt is allowed (after failures),
   * or `signal` aborts. Used by watches before they try again.
   */
  async pause(signal: AbortSignal): Promise<void> {
    const wait = this.notBefore - Date.now();
    if (wait > 0 && !this.closed) await sleep(wait, signal);
  }

  private async acquire(signal: AbortSignal): Promise<void> {
    while (this.inUse >= this.maxSessions && !this.closed && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal.removeEventListener('abort', wake);
          const i = this.slotWaiters.indexOf(wake);
          if (i >= 0) this.slotWaiters.splice(i, 1);
          resolve();
        };
        this.slotWaiters.push(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
    this.inUse++;
  }

  private release(): void {
    this.inUse--;
    this.slotWaiters.shift()?.();
  }

  /** The live link, connecting (after any backoff that fits before `deadline`) if needed. */
  private async ready(deadline: number, signal: AbortSignal): Promise<Link> {
    if (this.closed) throw this.unavailable('the client was closed', { reason: 'closed' });
    if (this.link) return this.link;
    if (!this.connecting) {
      const wait = this.notBefore - Date.now();
      if (wait > 0 && Date.now() + wait > deadline) {
        throw this.unavailable(`not reachable; next attempt in ${Math.ceil(wait)} ms`, { reason: 'backoff', retryInMs: Math.ceil(wait) });
      }
      this.connecting = (async () => {
        if (wait > 0) await sleep(wait, this.closing.signal);
        if (this.closed) throw this.unavailable('the client was closed', { reason: 'closed' });
        return this.open();
      })().finally(() => {
        this.connecting = undefined;
      });
    }
    const connecting = this.connecting;
    if (signal.aborted) return connecting;
    // a caller that gives up does not stop the attempt others may share
    let onAbort: () => void = () => undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(this.unavailable('gave up waiting for the connection', { reason: 'aborted' }));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([connecting, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private attemptFailed(): void {
    this.notBefore = Date.now() + this.backoff.next();
  }

  /** Connects, authenticates, opens the exec channel and reads the handshake. */
  private open(): Promise<Link> {
    const o = this.o;
    return new Promise<Link>((resolve, reject) => {
      const client = new Client();
      let settled = false;
      let link: Link | undefined;
      let hostKeySeen: string | undefined;
      let hostKeyRefused = false;
      const timer = setTimeout(() => fail(this.unavailable(`no handshake within ${o.connectTimeoutMs} ms`, { reason: 'timeout', timeoutMs: o.connectTimeoutMs })), o.connectTimeoutMs);
      const fail = (e: BrokerError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.attemptFailed();
        try {
          client.end();
        } catch {
          // already gone
        }
        client.destroy();
        this.logger.info('ssh remote: connection failed', { network: o.localName, remote: o.remote, code: e.code, reason: e.details.reason });
        if (e.code === 'UNAVAILABLE' && !this.closed) o.onReachable?.(false);
        reject(e);
      };
      const succeed = (l: Link): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.backoff.reset();
        this.notBefore = 0;
        link = l;
        this.link = l;
        if (this.closed) {
          this.lost(l, this.unavailable('the client was closed', { reason: 'closed' }));
          reject(this.unavailable('the client was closed', { reason: 'closed' }));
          return;
        }
        this.logger.debug('ssh remote: connected', { network: o.localName, remote: o.remote, generation: l.generation });
        o.onReachable?.(true);
        resolve(l);
      };
      client.on('error', (e: Error & { level?: string }) => {
        if (!settled) {
          if (hostKeyRefused) {
            fail(
              errors.unauthenticated(`network ${o.localName} at ${o.remote}: the server's host key ${hostKeySeen} is not the expected ${o.hostKey?.fingerprint}`, {
                network: o.localName,
                host: o.host,
                port: o.port,
                remote: o.remote,
                reason: 'host-key-mismatch',
                expected: o.hostKey?.fingerprint,
                actual: hostKeySeen,
              }),
            );
          } else if (e.level === 'client-authentication') {
            fail(
              errors.unauthenticated(`network ${o.localName} at ${o.remote}: the server refused user ${o.username}'s credentials`, {
                network: o.localName,
                host: o.host,
                port: o.port,
                remote: o.remote,
                user: o.username,
                reason: 'authentication-failed',
              }),
            );
          } else {
            fail(this.unavailable(`cannot connect: ${causeMessage(e)}`, { reason: 'connect-failed', cause: causeMessage(e) }, e));
          }
        } else if (link) this.lost(link, this.unavailable(`connection lost: ${causeMessage(e)}`, { reason: 'connection-lost', cause: causeMessage(e) }, e));
      });
      client.on('close', () => {
        if (!settled) fail(this.unavailable('the server closed the connection', { reason: 'connect-failed' }));
        else if (link) this.lost(link, this.unavailable('connection lost', { reason: 'connection-lost' }));
      });
      client.on('ready', () => {
        client.exec(o.network, (err, channel) => {
          if (err) {
            fail(this.unavailable(`cannot start the DPB channel: ${causeMessage(err)}`, { reason: 'channel-refused', cause: causeMessage(err) }, err));
            return;
          }
          const decoder = new FrameDecoder();
          let greeted = false;
          channel.on('data', (chunk: Buffer) => {
            decoder.push(chunk);
            for (let f = decoder.next(); f; f = decoder.next()) {
              if (!f.ok) {
                this.logger.warn('ssh remote: bad frame from the server', { network: o.localName, reason: f.error.kind });
                if (f.error.fatal) {
                  if (link) this.lost(link, this.unavailable(`the server sent a bad frame (${f.error.kind})`, { reason: 'bad-frame' }));
                  else fail(this.unavailable(`the server sent a bad frame (${f.error.kind})`, { reason: 'bad-frame' }));
                  return;
                }
                continue;
              }
              if (!greeted) {
                greeted = true;
                const h = parseHandshake(f.value);
                if (h.ok) {
                  succeed({ client, channel, kind: h.kind, generation: ++this.generation });
                } else {
                  fail(this.handshakeError(h.error, f.value));
                }
                continue;
              }
              this.dispatch(f.value);
            }
          });
          channel.stderr.on('data', () => undefined);
          channel.on('close', () => {
            if (!settled) fail(this.unavailable('the server closed the DPB channel before the handshake', { reason: 'connect-failed' }));
            else if (link) this.lost(link, this.unavailable('the server closed the DPB channel', { reason: 'connection-lost' }));
          });
        });
      });
      try {
        client.connect({
          host: o.host,
          port: o.port,
          username: o.username,
          ...(o.privateKey !== undefined ? { privateKey: o.privateKey } : {}),
          ...(o.password !== undefined ? { password: o.password } : {}),
          readyTimeout: o.connectTimeoutMs,
          keepaliveInterval: 15_000,
          keepaliveCountMax: 3,
          ...(o.hostKey
            ? {
                hostVerifier: (key: Buffer): boolean => {
                  hostKeySeen = sshFingerprint(key);
                  hostKeyRefused = hostKeySeen !== o.hostKey?.fingerprint;
                  return !hostKeyRefused;
                },
              }
            : {}),
        });
      } catch (e) {
        fail(this.unavailable(`cannot connect: ${causeMessage(e)}`, { reason: 'connect-failed', cause: causeMessage(e) }, e));
      }
    });
  }

  private handshakeError(error: string, frame: Record<string, unknown>): BrokerError {
    const o = this.o;
    const base = { network: o.localName, remoteNetwork: o.network, host: o.host, port: o.port, remote: o.remote, dpbError: error };
    if (error === HANDSHAKE.unauthorized) {
      return errors.permissionDenied(`user ${o.username} has no right on network ${o.network} at ${o.remote}`, { ...base, user: o.username });
    }
    if (error === HANDSHAKE.noNetwork) {
      return errors.notFound('network', `${o.network} at ${o.remote}`, base);
    }
    if (isDpbErrorObject(frame)) return this.remoteError(frame);
    return this.unavailable(`unexpected handshake from the server (${error})`, { reason: 'bad-handshake' });
  }

  private dispatch(frame: Record<string, unknown>): void {
    const env = parseEnvelope(frame);
    if (env.kind !== 'data') {
      if (env.kind === 'invalid' && isDpbErrorObject(frame)) {
        this.logger.warn('ssh remote: the server reported a protocol error', { network: this.o.localName, error: frame.error, code: frame.code, details: frame.details });
      }
      return;
    }
    const s = this.sessions.get(env.session);
    if (!s) return; // a frame for a session we already closed
    const c = env.content;
    s.frame(typeof c === 'object' && c !== null && !Array.isArray(c) ? (c as Record<string, unknown>) : { value: c });
  }

  private write(link: Link, frame: object): void {
    if (this.link !== link) return;
    try {
      link.channel.write(encodeFrame(frame));
    } catch (e) {
      this.lost(link, this.unavailable(`write failed: ${causeMessage(e)}`, { reason: 'connection-lost' }, e));
    }
  }

  /** Drops a link: fails its sessions, ends the SSH connection. The next use reconnects. */
  private lost(link: Link, e: BrokerError): void {
    if (this.link !== link) return;
    this.link = undefined;
    this.logger.info('ssh remote: connection lost', { network: this.o.localName, remote: this.o.remote, reason: e.details.reason });
    if (!this.closed) this.o.onReachable?.(false);
    const open = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of open) s.lost(e);
    try {
      link.channel.end();
    } catch {
      // already gone
    }
    try {
      link.client.end();
    } catch {
      // already gone
    }
    link.client.destroy();
  }
}
