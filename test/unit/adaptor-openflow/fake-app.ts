import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TimerApi } from '@dpb/adaptor-openflow';

/**
 * A stand-in for dpb's OpenFlow app at the unit tier: a tiny HTTP server on
 * port 0 that RECORDS every request and answers per the REST contract
 * (declarative PUT, generation check, GET with slice states, error
 * envelopes, bearer token). Faults are injected per request.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export type SliceState = 'installed' | 'pending' | 'failed';

interface SliceRecord {
  circuits: unknown[];
}

type Fault =
  | { kind: 'status'; status: number; body?: unknown }
  | { kind: 'drop' }
  | { kind: 'hang' };

export class FakeApp {
  readonly requests: RecordedRequest[] = [];
  /** Desired slices per dpid, as the last accepted PUT gave them. */
  readonly slices = new Map<string, Map<string, SliceRecord>>();
  readonly generations = new Map<string, number>();
  connected = true;
  /** Token required in `Authorization: Bearer`, if any. */
  token: string | undefined;
  /** Per-slice state the app reports; default installed (pending when not connected). */
  stateOf: (id: string) => { state: SliceState; reason?: string } = () => ({ state: 'installed' });
  private faults: Fault[] = [];
  private held: (() => void)[] = [];
  private holding = false;
  private waiters: { match: (r: RecordedRequest) => boolean; resolve: () => void }[] = [];
  private readonly server: http.Server;
  private readonly sockets = new Set<import('node:net').Socket>();
  url = '';

  private constructor() {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(): Promise<FakeApp> {
    const app = new FakeApp();
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    app.url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    return app;
  }

  async stop(): Promise<void> {
    this.release();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next requests meet these faults, one each, in order. */
  fail(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  /** Holds PUT answers until {@link release}. */
  hold(): void {
    this.holding = true;
  }

  /** Sends every held answer and stops holding. */
  release(): void {
    this.holding = false;
    const held = this.held;
    this.held = [];
    for (const h of held) h();
  }

  /** Forgets everything, as a restarted app would. */
  restart(): void {
    this.slices.clear();
    this.generations.clear();
  }

  puts(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'PUT');
  }

  lastPut(): { generation: number; slices: Record<string, { circuits: unknown[] }> } {
    const p = this.puts().at(-1);
    if (!p) throw new Error('no PUT yet');
    return p.body as { generation: number; slices: Record<string, { circuits: unknown[] }> };
  }

  /** Resolves when a request matching `match` has arrived (now or later); rejects after `timeoutMs`. */
  waitFor(match: (r: RecordedRequest) => boolean, timeoutMs = 3000): Promise<void> {
    if (this.requests.some(match)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the expected request never came')), timeoutMs);
      this.waiters.push({
        match,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Waits until `n` requests matching have arrived. */
  waitForCount(match: (r: RecordedRequest) => boolean, n: number, timeoutMs = 3000): Promise<void> {
    return this.waitFor(() => this.requests.filter(match).length >= n, timeoutMs);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://x');
      const rec: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.search,
        headers: req.headers,
        body: text === '' ? undefined : JSON.parse(text),
      };
      this.requests.push(rec);
      for (const w of [...this.waiters]) {
        if (w.match(rec)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve();
        }
      }
      const fault = this.faults.shift();
      if (fault?.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'hang') return;
      if (fault?.kind === 'status') {
        send(res, fault.status, fault.body ?? { error: { code: 'INTERNAL', message: 'injected', details: {} } });
        return;
      }
      const answer = (): void => this.answer(rec, res);
      if (this.holding && rec.method === 'PUT') this.held.push(answer);
      else answer();
    });
  }

  private answer(rec: RecordedRequest, res: http.ServerResponse): void {
    const err = (status: number, code: string, message: string, details: Record<string, unknown> = {}): void =>
      send(res, status, { error: { code, message, details } });
    if (this.token !== undefined && rec.headers.authorization !== `Bearer ${this.token}`) {
      return err(401, 'UNAUTHENTICATED', 'a valid bearer token is required');
    }
    if (rec.method === 'GET' && rec.path === '/dpb/api/v1/health') {
      return send(res, 200, { app: 'dpb-openflow', apiVersion: 1, datapaths: this.slices.size, connected: this.connected ? 1 : 0 });
    }
    const m = /^\/dpb\/api\/v1\/datapaths\/([^/]+)\/slices$/.exec(rec.path);
    if (!m) return err(404, 'NOT_FOUND', 'no such route');
    const dpid = (m[1] as string).toLowerCase();
    if (!/^[0-9a-f]{16}$/.test(dpid)) return err(400, 'INVALID_ARGUMENT', 'bad dpid', { field: 'dpid' });
    if (rec.method === 'GET') {
      if (!this.slices.has(dpid)) return err(404, 'NOT_FOUND', `datapath ${dpid} unknown`, { dpid });
      return send(res, 200, this.view(dpid));
    }
    if (rec.method === 'PUT') {
      const body = rec.body as { generation?: number; slices?: Record<string, SliceRecord> };
      const current = this.generations.get(dpid) ?? 0;
      if (body.generation !== undefined && body.generation < current) {
        return err(409, 'CONFLICT', `generation ${body.generation} is older than ${current}`, { field: 'generation' });
      }
      if (typeof body.slices !== 'object' || body.slices === null) return err(400, 'INVALID_ARGUMENT', 'slices missing', { field: 'slices' });
      this.slices.set(dpid, new Map(Object.entries(body.slices)));
      this.generations.set(dpid, body.generation ?? current);
      return send(res, 200, this.view(dpid));
    }
    return err(404, 'NOT_FOUND', 'no such route');
  }

  private view(dpid: string): unknown {
    const slices: Record<string, unknown> = {};
    for (const [id, s] of this.slices.get(dpid) ?? []) {
      const st = this.connected ? this.stateOf(id) : { state: 'pending' as const, reason: 'datapath not connected' };
      slices[id] = { circuits: s.circuits, ...st };
    }
    const g = this.generations.get(dpid) ?? 0;
    return { dpid, connected: this.connected, generation: g, appliedGeneration: g, slices };
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Real timers that count the ones still pending, so tests can check none is left behind. */
export function countingTimers(): TimerApi & { live(): number } {
  const live = new Set<unknown>();
  return {
    setTimeout(callback, ms) {
      const h = setTimeout(() => {
        live.delete(h);
        callback();
      }, ms);
      live.add(h);
      return h;
    },
    clearTimeout(handle) {
      if (handle === undefined) return;
      live.delete(handle);
      clearTimeout(handle as NodeJS.Timeout);
    },
    live: () => live.size,
  };
}
