/**
 * A DPB JSON protocol client written from the reference
 * (dpb-interfaces.md §2.3–2.5, §2.9), independently of the server and of
 * @dpb/protocol: its own framing, handshake reading, session allocation,
 * one request per session, and watch streams. It talks over ssh2's Client.
 */
import { Client, type ClientChannel } from 'ssh2';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface ConnectOptions {
  port: number;
  network: string;
  username?: string;
  password?: string;
  privateKey?: string;
  /** Deadline for every wait, ms (default 10 s). */
  timeoutMs?: number;
}

/** §2.3: a 4-byte big-endian length, then that many bytes of UTF-8 JSON. */
export function frame(value: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

/** Splits a byte stream into JSON frames (values that fail to parse are kept as `{unparsable: text}`). */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): unknown[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: unknown[] = [];
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (this.buf.length < 4 + len) break;
      const text = this.buf.subarray(4, 4 + len).toString('utf8');
      this.buf = this.buf.subarray(4 + len);
      try {
        out.push(JSON.parse(text));
      } catch {
        out.push({ unparsable: text });
      }
    }
    return out;
  }

  get leftover(): number {
    return this.buf.length;
  }
}

/** A waiting queue of frames with deadline-bound reads. */
class Inbox {
  private readonly items: Json[] = [];
  private readonly waiters: ((f: Json | undefined) => void)[] = [];
  ended = false;

  put(f: Json): void {
    const w = this.waiters.shift();
    if (w) w(f);
    else this.items.push(f);
  }

  end(): void {
    this.ended = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  get size(): number {
    return this.items.length;
  }

  /** The next frame, or undefined if the stream ends first; rejects after `timeoutMs`. */
  take(timeoutMs: number, what: string): Promise<Json | undefined> {
    const f = this.items.shift();
    if (f) return Promise.resolve(f);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(deliver);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const deliver = (x: Json | undefined): void => {
        clearTimeout(timer);
        resolve(x);
      };
      this.waiters.push(deliver);
    });
  }
}

/** Opens an SSH connection (resolves when authenticated; rejects with the auth error otherwise). */
export function sshConnect(o: { port: number; username?: string; password?: string; privateKey?: string; timeoutMs?: number }): Promise<Client> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.once('ready', () => {
      c.setNoDelay(true);
      resolve(c);
    });
    c.once('error', (e) => reject(e));
    c.connect({
      host: '127.0.0.1',
      port: o.port,
      username: o.username ?? 'anyone',
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.privateKey !== undefined ? { privateKey: o.privateKey } : {}),
      readyTimeout: o.timeoutMs ?? 10_000,
      hostVerifier: () => true,
    });
  });
}

/** Runs `command` on a connected client and returns the raw channel. */
export function sshExec(c: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => c.exec(command, (err, ch) => (err ? reject(err) : resolve(ch))));
}

/**
 * The reference client: one exec channel to a network, multiplexed into
 * sessions. `call` is the reference's one-request-per-session call; `watch`
 * keeps its session open for a stream.
 */
export class ReferenceClient {
  /** The handshake frame (§2.4). */
  hello!: Json;
  /** Frames without a `session` member (the reference ignores them; kept for tests). */
  readonly unsessioned: Json[] = [];
  /** Every frame received after the handshake, in order. */
  readonly received: Json[] = [];
  exitCode: number | undefined;
  private readonly reader = new FrameReader();
  private readonly inboxes = new Map<number, Inbox>();
  private readonly first = new Inbox();
  private readonly inUse = new Set<number>();
  private nextNumber = 0;
  private gotHello = false;
  private readonly closed: Promise<void>;
  readonly timeoutMs: number;

  private constructor(
    readonly ssh: Client,
    readonly channel: ClientChannel,
    timeoutMs: number,
    private readonly ownsConnection: boolean,
  ) {
    this.timeoutMs = timeoutMs;
    channel.on('data', (chunk: Buffer) => {
      for (const f of this.reader.push(chunk)) this.dispatch(f as Json);
    });
    channel.on('exit', (code: number | null) => {
      if (typeof code === 'number') this.exitCode = code;
    });
    this.closed = new Promise((resolve) => {
      channel.on('close', () => {
        this.first.end();
        for (const b of this.inboxes.values()) b.end();
        resolve();
      });
    });
  }

  /** Connects, runs the network name as the command, reads the handshake. */
  static async connect(o: ConnectOptions): Promise<ReferenceClient> {
    const ssh = await sshConnect(o);
    ssh.on('error', () => undefined);
    return ReferenceClient.open(ssh, o.network, o.timeoutMs ?? 10_000, true);
  }

  /** Opens another exec channel on an existing connection. */
  static async open(ssh: Client, network: string, timeoutMs = 10_000, ownsConnection = false): Promise<ReferenceClient> {
    // listeners go on inside the exec callback: the handshake (and an exit status) may arrive in the same packet batch
    const c = await new Promise<ReferenceClient>((resolve, reject) =>
      ssh.exec(network, (err, channel) => (err ? reject(err) : resolve(new ReferenceClient(ssh, channel, timeoutMs, ownsConnection)))),
    );
    const hello = await c.first.take(timeoutMs, 'the handshake');
    if (!hello) throw new Error('the channel closed before the handshake');
    c.hello = hello;
    return c;
  }

  private dispatch(f: Json): void {
    if (!this.gotHello) {
      this.gotHello = true;
      this.first.put(f);
      return;
    }
    this.received.push(f);
    if (typeof f !== 'object' || f === null || typeof f.session !== 'number') {
      this.unsessioned.push(f);
      return;
    }
    this.inbox(f.session).put(f);
  }

  private inbox(n: number): Inbox {
    let b = this.inboxes.get(n);
    if (!b) {
      b = new Inbox();
      this.inboxes.set(n, b);
    }
    return b;
  }

  /** §2.9: numbers start at 0, increase, and skip numbers still in use. */
  allocate(): number {
    while (this.inUse.has(this.nextNumber)) this.nextNumber++;
    const n = this.nextNumber++;
    this.inUse.add(n);
    return n;
  }

  /** Writes raw bytes to the channel. */
  writeRaw(bytes: Buffer): void {
    this.channel.write(bytes);
  }

  /** Sends `{"content":…,"session":n}` (content first, as the reference does). */
  send(session: number, content: unknown): void {
    this.channel.write(frame({ content, session }));
  }

  /** Sends the close frame `{"session":n}`. */
  sendClose(session: number): void {
    this.channel.write(frame({ session }));
  }

  /** The next frame on session `n` (its `content`), or undefined if the channel closes first. */
  async read(n: number, what = `a reply on session ${n}`): Promise<Json | undefined> {
    const f = await this.inbox(n).take(this.timeoutMs, what);
    return f?.content;
  }

  /** Frames received on session `n` and not yet read. */
  pending(n: number): number {
    return this.inboxes.get(n)?.size ?? 0;
  }

  /** Every `type` sent through `call` or `watch` (for coverage checks). */
  readonly sentTypes = new Set<string>();

  /** One request in a fresh session: send, read exactly one reply, close the session. */
  async call(content: Json): Promise<Json> {
    if (typeof content.type === 'string') this.sentTypes.add(content.type);
    const n = this.allocate();
    this.send(n, content);
    try {
      const reply = await this.read(n, `the reply to ${String(content.type)}`);
      if (reply === undefined) throw new Error(`the channel closed before the reply to ${String(content.type)}`);
      return reply;
    } finally {
      if (!this.channel.destroyed) this.sendClose(n);
      this.inUse.delete(n);
      this.inboxes.delete(n);
    }
  }

  /** Like `call`, but throws when the reply is an error object. */
  async ok(content: Json): Promise<Json> {
    const r = await this.call(content);
    if (typeof r.error === 'string') throw new Error(`${String(content.type)} failed: ${JSON.stringify(r)}`);
    return r;
  }

  /** Starts `watch-service` in its own session; read statuses with `next()`, stop with `close()`. */
  watch(serviceId: number): { session: number; next(): Promise<Json | undefined>; close(): void } {
    const n = this.allocate();
    this.sentTypes.add('watch-service');
    this.send(n, { type: 'watch-service', 'service-id': serviceId });
    return {
      session: n,
      next: () => this.read(n, `a status on watch session ${n}`),
      close: () => {
        this.sendClose(n);
        this.inUse.delete(n);
      },
    };
  }

  /** Reads statuses from a watch until `status` arrives; returns every status seen. */
  static async until(w: { next(): Promise<Json | undefined> }, status: string): Promise<string[]> {
    const seen: string[] = [];
    for (;;) {
      const f = await w.next();
      if (f === undefined) throw new Error(`the watch ended before ${status}; saw ${seen.join(',')}`);
      seen.push(String(f.status));
      if (f.status === status) return seen;
    }
  }

  /** Resolves when the channel is closed (with a deadline). */
  async waitClosed(timeoutMs = this.timeoutMs): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.closed,
      new Promise((_r, reject) => {
        timer = setTimeout(() => reject(new Error('timed out waiting for the channel to close')), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /** Sends EOF (we are done writing) and waits for the server to close the channel. */
  async endAndWait(): Promise<void> {
    this.channel.end();
    await this.waitClosed();
  }

  /** Closes the channel (and the connection, if this client opened it). */
  async close(): Promise<void> {
    try {
      this.channel.close();
    } catch {
      // gone
    }
    if (this.ownsConnection) this.ssh.end();
  }
}
