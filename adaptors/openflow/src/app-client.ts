import * as http from 'node:http';
import * as https from 'node:https';
import type { AppCircuit } from './interface-description';
import { API_PATH } from './openflow-config';

/** Timers the fabric and its client use; injectable so tests can count them. */
export interface TimerApi {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers, unref'd so they never keep a process alive on their own. */
export const nodeTimers: TimerApi = {
  setTimeout(callback, ms) {
    const h = setTimeout(callback, ms);
    h.unref?.();
    return h;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/** What the app reports about one slice. */
export interface AppSliceStatus {
  circuits: AppCircuit[];
  state: 'installed' | 'pending' | 'failed';
  reason?: string;
}

/** The body of `GET /datapaths/{dpid}/slices` (and of PUT/DELETE replies). */
export interface AppSlicesReply {
  dpid: string;
  connected: boolean;
  generation: number;
  appliedGeneration?: number;
  slices: Record<string, AppSliceStatus>;
  switch?: unknown;
}

/** The body of `PUT /datapaths/{dpid}/slices`. */
export interface AppSlicesRequest {
  generation: number;
  slices: Record<string, { circuits: AppCircuit[] }>;
}

/** The outcome of one request: answered, refused (4xx) or not answered (network, timeout, 5xx, garbage). */
export type AppResult<T> =
  | { ok: true; status: number; body: T }
  | { ok: false; kind: 'unreachable'; message: string; request: string; status?: number }
  | { ok: false; kind: 'rejected'; status: number; code: string; message: string; details: Record<string, unknown>; request: string };

export interface OpenflowAppClientOptions {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:8181`. */
  controller: string;
  token?: string;
  requestTimeoutMs: number;
  timers?: TimerApi;
}

const MAX_REPLY_BYTES = 64 * 1024 * 1024;

/**
 * A small client of dpb's OpenFlow app (REST API v1, see the contract in the
 * README). Never throws: every call resolves to an {@link AppResult}.
 * {@link close} aborts the requests in flight.
 */
export class OpenflowAppClient {
  readonly base: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly timers: TimerApi;
  private readonly agent: http.Agent;
  private readonly inflight = new Set<() => void>();
  private closed = false;

  constructor(options: OpenflowAppClientOptions) {
    this.base = `${options.controller}${API_PATH}`;
    this.token = options.token;
    this.timeoutMs = options.requestTimeoutMs;
    this.timers = options.timers ?? nodeTimers;
    const isHttps = this.base.startsWith('https:');
    this.agent = isHttps ? new https.Agent({ keepAlive: true, maxSockets: 4 }) : new http.Agent({ keepAlive: true, maxSockets: 4 });
  }

  /** `GET /datapaths/{dpid}/slices?switch=0`: desired and observed state, without the switch's tables. */
  getSlices(dpid: string, timeoutMs = this.timeoutMs): Promise<AppResult<AppSlicesReply>> {
    return this.call('GET', `/datapaths/${dpid}/slices?switch=0`, undefined, timeoutMs).then((r) => asSlicesReply(r, `GET ${API_PATH}/datapaths/${dpid}/slices`));
  }

  /** `PUT /datapaths/{dpid}/slices?switch=0`: the complete desired set of slices (the reply without the switch's tables, which run to a megabyte at 500 services). */
  putSlices(dpid: string, body: AppSlicesRequest, timeoutMs = this.timeoutMs): Promise<AppResult<AppSlicesReply>> {
    return this.call('PUT', `/datapaths/${dpid}/slices?switch=0`, body, timeoutMs).then((r) => asSlicesReply(r, `PUT ${API_PATH}/datapaths/${dpid}/slices`));
  }

  /** `GET /health`. */
  health(timeoutMs = this.timeoutMs): Promise<AppResult<unknown>> {
    return this.call('GET', '/health', undefined, timeoutMs);
  }

  /** Aborts the requests in flight (they resolve as unreachable) and frees the sockets. */
  close(): void {
    this.closed = true;
    for (const abort of [...this.inflight]) abort();
    this.agent.destroy();
  }

  private call(method: string, path: string, body: unknown, timeoutMs: number): Promise<AppResult<unknown>> {
    const url = new URL(this.base + path);
    const request = `${method} ${url.pathname}`;
    if (this.closed) return Promise.resolve({ ok: false, kind: 'unreachable', message: 'the fabric is closed', request });
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    const headers: Record<string, string | number> = { Accept: 'application/json' };
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = payload.length;
    }
    if (this.token !== undefined) headers.Authorization = `Bearer ${this.token}`;
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise<AppResult<unknown>>((resolve) => {
      let done = false;
      let timer: unknown;
      const finish = (r: AppResult<unknown>): void => {
        if (done) return;
        done = true;
        this.timers.clearTimeout(timer);
        this.inflight.delete(abort);
        resolve(r);
      };
      const req = lib.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_REPLY_BYTES) {
            req.destroy();
            finish({ ok: false, kind: 'unreachable', message: `reply larger than ${MAX_REPLY_BYTES} bytes`, request });
            return;
          }
          chunks.push(c);
        });
        res.on('error', (e) => finish({ ok: false, kind: 'unreachable', message: e.message, request }));
        res.on('end', () => finish(interpret(request, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
      });
      const abort = (): void => {
        req.destroy();
        finish({ ok: false, kind: 'unreachable', message: 'aborted (the fabric is closing)', request });
      };
      this.inflight.add(abort);
      timer = this.timers.setTimeout(() => {
        req.destroy();
        finish({ ok: false, kind: 'unreachable', message: `no answer within ${timeoutMs} ms`, request });
      }, timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) =>
        finish({ ok: false, kind: 'unreachable', message: e.code ?? e.message, request }),
      );
      req.end(payload);
    });
  }
}

function interpret(request: string, status: number, text: string): AppResult<unknown> {
  let json: unknown;
  let parsed = false;
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text);
      parsed = true;
    } catch {
      parsed = false;
    }
  }
  if (status >= 200 && status < 300) {
    if (!parsed) return { ok: false, kind: 'unreachable', status, message: `HTTP ${status} without a JSON body`, request };
    return { ok: true, status, body: json };
  }
  const envelope = parsed && isObject(json) && isObject(json.error) ? json.error : undefined;
  const message =
    envelope && typeof envelope.message === 'string' ? envelope.message : text.trim().slice(0, 200) || `HTTP ${status}`;
  if (status >= 400 && status < 500) {
    return {
      ok: false,
      kind: 'rejected',
      status,
      code: envelope && typeof envelope.code === 'string' ? envelope.code : `HTTP_${status}`,
      message,
      details: envelope && isObject(envelope.details) ? envelope.details : {},
      request,
    };
  }
  return { ok: false, kind: 'unreachable', status, message: `HTTP ${status}: ${message}`, request };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

const STATES = new Set(['installed', 'pending', 'failed']);

/** Checks the shape of a slices reply; a malformed one counts as no answer. */
function asSlicesReply(r: AppResult<unknown>, request: string): AppResult<AppSlicesReply> {
  if (!r.ok) return r;
  const b = r.body;
  if (!isObject(b) || !isObject(b.slices) || typeof b.generation !== 'number') {
    return { ok: false, kind: 'unreachable', status: r.status, message: 'the app answered without a slices reply (generation, slices)', request };
  }
  for (const [id, s] of Object.entries(b.slices)) {
    if (!isObject(s) || typeof s.state !== 'string' || !STATES.has(s.state)) {
      return { ok: false, kind: 'unreachable', status: r.status, message: `the app answered with a malformed slice ${JSON.stringify(id)}`, request };
    }
  }
  return { ok: true, status: r.status, body: b as unknown as AppSlicesReply };
}
