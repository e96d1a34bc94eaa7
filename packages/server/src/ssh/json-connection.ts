import { errors, isBrokerError, type Logger } from '@dpb/model';
import {
  DPB_MESSAGES,
  dataEnvelope,
  type DecodedFrame,
  type DpbRequest,
  encodeFrame,
  FrameDecoder,
  type FrameError,
  helloFrame,
  noNetworkFrame,
  parseEnvelope,
  toDpbError,
  unauthorizedFrame,
  validateDpbRequest,
} from '@dpb/protocol';
import type { Duplex } from 'node:stream';
import type { Principal } from '../auth/principal';
import { ensureManagement, type NetworkEntry, type Networks } from '../networks';
import { checkAllowed, errorContextOf, handleRequest, type HandlerContext, streamModelChanges } from './dpb-handlers';
import type { KeyedLock } from './keyed-lock';

/** Bounds that keep one JSON channel from using unbounded memory. */
export interface JsonChannelLimits {
  /** Largest frame accepted, bytes. */
  maxFrameBytes: number;
  /** Sessions with work queued, running or watching, per channel; a new session beyond this is refused. */
  maxSessions: number;
  /** Requests waiting behind the running one, per session; more are refused at once. */
  maxQueuedPerSession: number;
  /** Requests waiting in all sessions of a channel before the server stops reading (back-pressure). */
  maxQueuedPerChannel: number;
  /** Bytes of requests waiting in all sessions of a channel before the server stops reading (back-pressure). */
  maxQueuedBytesPerChannel: number;
  /** Longest `await-service-status` wait, ms. */
  maxAwaitMs: number;
}

export const DEFAULT_JSON_CHANNEL_LIMITS: Omit<JsonChannelLimits, 'maxFrameBytes'> = {
  maxSessions: 256,
  maxQueuedPerSession: 64,
  maxQueuedPerChannel: 512,
  maxQueuedBytesPerChannel: 16 * 1024 * 1024,
  maxAwaitMs: 10 * 60_000,
};

/** Exit status of the channel: 0 after the client's EOF, 1 refused handshake, 2 framing error. */
export const EXIT_OK = 0;
export const EXIT_REFUSED = 1;
export const EXIT_FRAMING = 2;

/** The part of an SSH channel the protocol needs (an ssh2 ServerChannel, or a test double). */
export interface JsonChannel extends Duplex {
  exit(status: number): void;
}

interface Queued {
  content: unknown;
  bytes: number;
}

interface Session {
  readonly number: number;
  readonly queue: Queued[];
  running: boolean;
  /** The client sent a close frame: finish the queue, stop any watch. */
  closed: boolean;
  /** Aborts the session's watch. */
  watch: AbortController | undefined;
}

export interface ServeJsonOptions {
  channel: JsonChannel;
  /** The command the client ran: the network name. */
  network: string;
  networks: Networks;
  principal: Principal;
  limits: JsonChannelLimits;
  locks: KeyedLock;
  logger: Logger;
}

/** A served channel, as its owner sees it. */
export interface JsonChannelHandle {
  /** Ends the channel now (server shutdown): aborts waits and watches, drops queued work. */
  destroy(): void;
  /** Resolves once the channel is finished (closed or destroyed). */
  readonly done: Promise<void>;
}

/**
 * Serves the DPB JSON protocol on one exec channel: writes the handshake,
 * then reads framed envelopes, runs each session's requests one after
 * another (sessions concurrently), and writes exactly one reply per request
 * (a stream for `watch-service`).
 */
export function serveJsonChannel(options: ServeJsonOptions): JsonChannelHandle {
  return new JsonConnection(options).handle;
}

class JsonConnection {
  readonly handle: JsonChannelHandle;
  private readonly channel: JsonChannel;
  private readonly decoder: FrameDecoder;
  private readonly sessions = new Map<number, Session>();
  /** Every session object with work (several may share a number after a close frame). */
  private readonly live = new Set<Session>();
  private readonly abort = new AbortController();
  private entry: NetworkEntry | undefined;
  private ctx: HandlerContext | undefined;
  private queued = 0;
  private queuedBytes = 0;
  private inputPaused = false;
  /** No more frames will be read: EOF, a fatal framing error, or destroy. */
  private inputDone = false;
  private exitCode = EXIT_OK;
  private finished = false;
  private destroyed = false;
  private resolveDone!: () => void;

  constructor(private readonly o: ServeJsonOptions) {
    this.channel = o.channel;
    this.decoder = new FrameDecoder({ maxFrameBytes: o.limits.maxFrameBytes });
    const done = new Promise<void>((r) => {
      this.resolveDone = r;
    });
    this.handle = { destroy: () => this.destroy(), done };
    this.channel.on('error', (e: Error) => {
      o.logger.debug('ssh channel error', { error: e.message });
      this.destroy();
    });
    this.channel.on('close', () => this.destroy());
    this.start();
  }

  private start(): void {
    const { network, networks, principal } = this.o;
    if (!principal.canSee(network)) {
      this.o.logger.info('ssh: network refused', { network, user: principal.name, reason: 'unauthorized' });
      this.refuse(unauthorizedFrame(network));
      return;
    }
    const entry = networks.get(network);
    if (!entry) {
      this.o.logger.info('ssh: network refused', { network, user: principal.name, reason: 'no-network' });
      this.refuse(noNetworkFrame(network));
      return;
    }
    this.entry = entry;
    this.ctx = { entry, principal, signal: this.abort.signal, locks: this.o.locks, maxAwaitMs: this.o.limits.maxAwaitMs };
    const kind = entry.control.kind === 'aggregator' ? 'aggregator' : entry.control.kind === 'switch' ? 'switch' : 'network';
    this.write(helloFrame(network, kind));
    this.channel.on('data', (chunk: Buffer) => {
      if (this.inputDone) return;
      this.decoder.push(chunk);
      this.pump();
    });
    this.channel.on('end', () => {
      if (this.inputDone) return;
      this.pump(true);
      const e = this.decoder.end();
      if (e) this.framingError(e);
      this.stopInput();
    });
  }

  private refuse(frame: Record<string, unknown>): void {
    this.inputDone = true;
    this.write(frame);
    this.channel.on('data', () => undefined); // drain whatever the client sends
    this.exitCode = EXIT_REFUSED;
    this.finish();
  }

  /** Takes frames from the decoder until it needs bytes or the queues are full. */
  private pump(force = false): void {
    while (!this.inputDone && (force || !this.inputPaused)) {
      const f = this.decoder.next();
      if (!f) break;
      this.onFrame(f);
      if (!force && !this.inputDone && this.full()) {
        this.inputPaused = true;
        this.channel.pause();
      }
    }
  }

  private full(): boolean {
    return this.queued >= this.o.limits.maxQueuedPerChannel || this.queuedBytes >= this.o.limits.maxQueuedBytesPerChannel;
  }

  private maybeResume(): void {
    if (this.inputPaused && this.queued < this.o.limits.maxQueuedPerChannel / 2 && this.queuedBytes < this.o.limits.maxQueuedBytesPerChannel / 2) {
      this.inputPaused = false;
      this.pump();
      if (!this.inputPaused && !this.inputDone) this.channel.resume();
    }
  }

  private onFrame(f: DecodedFrame): void {
    if (!f.ok) {
      this.framingError(f.error);
      if (f.error.fatal) this.stopInput();
      return;
    }
    const env = parseEnvelope(f.value);
    switch (env.kind) {
      case 'invalid':
        this.writeUnsessioned(errors.invalid(`not a session envelope: ${env.reason}`, { reason: 'not-an-envelope', field: 'session' }));
        return;
      case 'close':
        this.closeSession(env.session);
        return;
      case 'data':
        this.enqueue(env.session, env.content, f.bytes);
        return;
    }
  }

  private framingError(e: FrameError): void {
    (e.fatal ? this.o.logger.info : this.o.logger.debug).call(this.o.logger, 'ssh: bad frame', { network: this.o.network, user: this.o.principal.name, reason: e.kind, fatal: e.fatal, length: e.length });
    if (e.fatal) this.exitCode = EXIT_FRAMING;
    this.writeUnsessioned(
      errors.invalid(e.fatal ? `${e.message}; closing the channel` : e.message, {
        reason: e.kind === 'oversize' ? 'frame-too-large' : e.kind,
        field: 'frame',
        value: e.length,
        ...(e.kind === 'oversize' ? { maxFrameBytes: this.decoder.maxFrameBytes } : {}),
      }),
    );
  }

  /** No more input will be read: end every watch, finish queued work, then close. */
  private stopInput(): void {
    if (this.inputDone) return;
    this.inputDone = true;
    if (this.inputPaused) {
      this.inputPaused = false;
      this.channel.resume(); // keep draining (and dropping) input so the client is never stuck writing
    }
    for (const s of this.live) s.watch?.abort();
    this.maybeFinish();
  }

  private enqueue(number: number, content: unknown, bytes: number): void {
    let s = this.sessions.get(number);
    if (!s) {
      if (this.live.size >= this.o.limits.maxSessions) {
        this.replyError(
          number,
          errors.exhausted(`too many sessions in progress on this channel (limit ${this.o.limits.maxSessions}); close some first`, {
            reason: 'too-many-sessions',
            session: number,
            limit: this.o.limits.maxSessions,
          }),
          content,
        );
        return;
      }
      s = { number, queue: [], running: false, closed: false, watch: undefined };
      this.sessions.set(number, s);
      this.live.add(s);
    }
    if (s.queue.length >= this.o.limits.maxQueuedPerSession) {
      this.replyError(
        number,
        errors.exhausted(`session ${number} already has ${s.queue.length} requests waiting (limit ${this.o.limits.maxQueuedPerSession})`, {
          reason: 'session-queue-full',
          session: number,
          limit: this.o.limits.maxQueuedPerSession,
        }),
        content,
      );
      return;
    }
    s.queue.push({ content, bytes });
    this.queued++;
    this.queuedBytes += bytes;
    if (!s.running) void this.run(s);
  }

  private closeSession(number: number): void {
    const s = this.sessions.get(number);
    if (!s) return;
    this.sessions.delete(number);
    s.closed = true;
    if (s.watch) {
      s.watch.abort();
      // a closed session with nothing queued no longer counts against maxSessions (its watch is ending)
      if (s.queue.length === 0) this.live.delete(s);
    }
  }

  private async run(s: Session): Promise<void> {
    s.running = true;
    try {
      while (s.queue.length > 0 && !this.destroyed) {
        const item = s.queue.shift() as Queued;
        this.queued--;
        this.queuedBytes -= item.bytes;
        this.maybeResume();
        await this.writable();
        if (this.destroyed) break;
        await this.process(s, item.content);
      }
    } finally {
      s.running = false;
      this.live.delete(s);
      if (this.sessions.get(s.number) === s) this.sessions.delete(s.number);
      this.maybeFinish();
    }
  }

  /** Handles one request: exactly one reply (or, for watch-service, a stream). Never throws. */
  private async process(s: Session, content: unknown): Promise<void> {
    const network = this.o.network;
    const ctx = this.ctx as HandlerContext;
    let req: DpbRequest | undefined;
    try {
      req = validateDpbRequest(content);
      const spec = DPB_MESSAGES[req.type];
      if (spec.scope !== 'any' || spec.access === 'manage') await ensureManagement(ctx.entry);
      checkAllowed(req, ctx);
      if (req.type === 'watch-service') {
        // `"with-intent": true` (a dpb extension) adds `intent` (and `errors` when FAILED) to each frame
        const raw = content as Record<string, unknown>;
        await this.watch(s, req['service-id'], raw['with-intent'] === true);
        return;
      }
      if (req.type === 'watch-model') {
        await this.watchModel(s);
        return;
      }
      const reply = await handleRequest(req, ctx);
      this.reply(s.number, reply);
    } catch (e) {
      if (!isBrokerError(e) || e.code === 'INTERNAL') {
        this.o.logger.error('ssh: request failed unexpectedly', { network, type: req?.type, error: e });
      }
      this.reply(s.number, toDpbError(e, errorContextOf(network, req, content)));
    }
  }

  /**
   * Streams `{"status":S}`: the current status first, then every change,
   * ending after RELEASED, or when the client closes the session or the
   * channel goes away. On a session the client has already closed, only the
   * current status is sent (the one reply the request is owed).
   */
  private async watch(s: Session, id: number, withIntent = false): Promise<void> {
    const svc = await (this.entry as NetworkEntry).control.service(id);
    const ac = new AbortController();
    const stop = (): void => ac.abort();
    this.abort.signal.addEventListener('abort', stop, { once: true });
    s.watch = ac;
    if (s.closed || this.inputDone) {
      this.reply(s.number, { status: await svc.status() });
      s.watch = undefined;
      this.abort.signal.removeEventListener('abort', stop);
      return;
    }
    try {
      for await (const ev of svc.watch({ signal: ac.signal })) {
        if (ac.signal.aborted) break;
        this.reply(
          s.number,
          withIntent ? { status: ev.status, intent: ev.intent, ...(ev.errors && ev.errors.length > 0 ? { errors: ev.errors } : {}) } : { status: ev.status },
        );
        if (ev.status === 'RELEASED') break;
        await this.writable();
      }
    } finally {
      s.watch = undefined;
      this.abort.signal.removeEventListener('abort', stop);
      ac.abort();
    }
  }

  /**
   * Streams `watch-model` (a dpb extension): `{"event":"ready"}`, then
   * `{"event":"model"}` per change, until the client closes the session or
   * the channel goes away. On a session already closed, only `ready`.
   */
  private async watchModel(s: Session): Promise<void> {
    const ac = new AbortController();
    const stop = (): void => ac.abort();
    this.abort.signal.addEventListener('abort', stop, { once: true });
    s.watch = ac;
    try {
      if (s.closed || this.inputDone) {
        this.reply(s.number, { event: 'ready' });
        return;
      }
      await streamModelChanges(this.ctx as HandlerContext, ac.signal, (frame) => this.reply(s.number, frame));
    } finally {
      s.watch = undefined;
      this.abort.signal.removeEventListener('abort', stop);
      ac.abort();
    }
  }

  private replyError(session: number, e: unknown, content: unknown): void {
    this.reply(session, toDpbError(e, errorContextOf(this.o.network, undefined, content)));
  }

  private reply(session: number, body: object): void {
    this.write(dataEnvelope(session, body));
  }

  private writeUnsessioned(e: unknown): void {
    this.write(toDpbError(e, { network: this.o.network }));
  }

  private write(frame: object): void {
    if (this.destroyed || this.finished || !this.channel.writable) return;
    try {
      this.channel.write(encodeFrame(frame));
    } catch (e) {
      this.o.logger.debug('ssh: write failed', { error: (e as Error).message });
      this.destroy();
    }
  }

  /** Waits while the client is not reading what we write (back-pressure). */
  private async writable(): Promise<void> {
    while (!this.destroyed && this.channel.writableNeedDrain) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.channel.off('drain', done);
          this.abort.signal.removeEventListener('abort', done);
          resolve();
        };
        this.channel.on('drain', done);
        this.abort.signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  private maybeFinish(): void {
    if (this.inputDone && this.live.size === 0) this.finish();
  }

  private finish(): void {
    if (this.finished || this.destroyed) return;
    this.finished = true;
    try {
      this.channel.exit(this.exitCode);
      this.channel.end();
    } catch {
      this.destroy();
      return;
    }
    this.abort.abort();
    this.resolveDone();
  }

  private destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.inputDone = true;
    this.abort.abort();
    for (const s of this.live) {
      for (const q of s.queue) {
        this.queued--;
        this.queuedBytes -= q.bytes;
      }
      s.queue.length = 0;
      s.watch?.abort();
    }
    this.sessions.clear();
    if (!this.finished) {
      try {
        this.channel.destroy();
      } catch {
        // already gone
      }
    }
    this.resolveDone();
  }
}
