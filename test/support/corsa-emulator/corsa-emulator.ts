/**
 * An HTTP(S) server that emulates the management REST API of a Corsa DP2000
 * switch, for adaptor tests: real status codes and error bodies, state,
 * validation of every body, a record of every request and injectable faults
 * (5xx, delays, hangs, reboots).
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { errors } from '@dpb/model';
import { CorsaApi, type ApiResponse, type DataplaneEvent } from './corsa-api';
import type {
  CorsaDataplane,
  CorsaEmulator,
  CorsaEmulatorOptions,
  CorsaFaults,
  DataplaneError,
  FaultOptions,
  RecordedRequest,
  RequestMatch,
} from './corsa-types';

/** Default Authorization value. */
export const DEFAULT_CORSA_TOKEN = 'Bearer corsa-test-token';
const MAX_BODY_BYTES = 1 << 20;

type FaultRule =
  | { kind: 'fail'; match: RequestMatch; left: number; status: number; body: unknown; process: boolean }
  | { kind: 'delay'; match: RequestMatch; left: number; ms: number; process: boolean }
  | { kind: 'hang'; match: RequestMatch; left: number; process: boolean };

const positiveInt = (name: string, v: number | undefined, dflt: number, max: number): number => {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 1 || v > max) throw errors.invalid(`${name} must be an integer in 1..${max}`, { field: name, value: v });
  return v;
};

const checkTimes = (times: number | undefined): number => {
  const t = times ?? 1;
  if (!Number.isInteger(t) || t < 1) throw errors.invalid('times must be a positive integer', { field: 'times', value: t });
  return t;
};

function matches(m: RequestMatch, method: string, path: string): boolean {
  if (m.method !== undefined && m.method.toUpperCase() !== method) return false;
  if (m.path !== undefined) {
    m.path.lastIndex = 0;
    if (!m.path.test(path)) return false;
  }
  return true;
}

/** Hands one change to the data plane. */
function deliver(dp: CorsaDataplane, e: DataplaneEvent): void | Promise<void> {
  switch (e.kind) {
    case 'bridgeCreated':
      return dp.bridgeCreated(e.bridge, e.dpid);
    case 'dpidChanged':
      return dp.dpidChanged?.(e.bridge, e.dpid);
    case 'bridgeDeleted':
      return dp.bridgeDeleted(e.bridge);
    case 'controllerAttached':
      return dp.controllerAttached(e.bridge, e.ip, e.port, e.controller);
    case 'controllerDetached':
      return dp.controllerDetached?.(e.bridge, e.controller);
    case 'tunnelAttached':
      return dp.tunnelAttached(e.bridge, e.ofport, e.tunnel);
    case 'tunnelDetached':
      return dp.tunnelDetached(e.bridge, e.ofport, e.tunnel);
  }
}

function eventText(e: DataplaneEvent): string {
  switch (e.kind) {
    case 'bridgeCreated':
    case 'dpidChanged':
      return `${e.kind} ${e.bridge} ${e.dpid}`;
    case 'bridgeDeleted':
      return `${e.kind} ${e.bridge}`;
    case 'controllerAttached':
      return `${e.kind} ${e.bridge} ${e.controller} ${e.ip}:${e.port}`;
    case 'controllerDetached':
      return `${e.kind} ${e.bridge} ${e.controller}`;
    case 'tunnelAttached':
    case 'tunnelDetached':
      return `${e.kind} ${e.bridge} ${e.ofport}`;
  }
}

function parseMaybeJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Starts an emulator on 127.0.0.1, port 0 (HTTPS when `options.tls` is given).
 * Close it with `close()`.
 */
export async function startCorsaEmulator(options: CorsaEmulatorOptions = {}): Promise<CorsaEmulator> {
  const token = options.token ?? DEFAULT_CORSA_TOKEN;
  if (typeof token !== 'string' || token === '') throw errors.invalid('token must be a non-empty string', { field: 'token' });
  const limits = {
    ports: positiveInt('ports', options.ports, 64, 4096),
    lags: positiveInt('lags', options.lags, 8, 1024),
    maxBridges: positiveInt('maxBridges', options.maxBridges, 63, 4096),
    maxResources: positiveInt('maxResources', options.maxResources, 100, 1_000_000),
  };

  let url = '';
  const api = new CorsaApi(limits, () => url, token);
  const dataplane = options.dataplane;
  const dataplaneErrors: DataplaneError[] = [];
  /** The data plane's work, one change at a time, in order; never rejects. */
  let dataplaneChain: Promise<void> = Promise.resolve();
  /** Hands the API's pending changes to the data plane; resolves once it has followed them. */
  const applyChanges = (): Promise<void> => {
    const events = api.takeEvents();
    if (!dataplane || events.length === 0) return dataplaneChain;
    for (const e of events) {
      dataplaneChain = dataplaneChain.then(async () => {
        try {
          await deliver(dataplane, e);
        } catch (err) {
          dataplaneErrors.push({ event: eventText(e), message: err instanceof Error ? err.message : String(err) });
        }
      });
    }
    return dataplaneChain;
  };
  const requests: RecordedRequest[] = [];
  const listeners = new Set<(r: RecordedRequest) => void>();
  const arrivalListeners = new Set<(r: RecordedRequest) => void>();
  let rules: FaultRule[] = [];
  /** Requests held open (hung or delayed): dropped on reboot/close. */
  const held = new Set<{ res: ServerResponse; timer?: NodeJS.Timeout }>();
  const sockets = new Set<Socket>();
  let closed = false;

  const notify = (set: Set<(r: RecordedRequest) => void>, r: RecordedRequest): void => {
    for (const l of [...set]) {
      try {
        l(r);
      } catch {
        // A test listener's failure must not break the emulator.
      }
    }
  };
  const record = (r: RecordedRequest): void => {
    requests.push(r);
    notify(listeners, r);
  };

  const send = (res: ServerResponse, rec: RecordedRequest, answer: ApiResponse): void => {
    let text: string | undefined;
    const headers: Record<string, string> = { ...(answer.headers ?? {}) };
    if (answer.body !== undefined && answer.status !== 204) {
      if (typeof answer.body === 'string') {
        text = answer.body;
        headers['Content-Type'] ??= 'text/plain; charset=utf-8';
      } else {
        text = JSON.stringify(answer.body);
        headers['Content-Type'] = 'application/json';
      }
    }
    rec.status = answer.status;
    rec.response = text === undefined ? undefined : parseMaybeJson(text);
    if (!res.destroyed) {
      res.writeHead(answer.status, headers);
      res.end(text);
    }
    record(rec);
  };

  const takeFault = (method: string, path: string): FaultRule | undefined => {
    const rule = rules.find((r) => matches(r.match, method, path));
    if (!rule) return undefined;
    rule.left -= 1;
    if (rule.left <= 0) rules = rules.filter((r) => r !== rule);
    return rule;
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const atMs = Date.now();
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooBig = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      const method = (req.method ?? 'GET').toUpperCase();
      const path = req.url ?? '/';
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      }
      const rec: RecordedRequest = { method, path, body: parseMaybeJson(rawBody), status: 0, headers, atMs };
      notify(arrivalListeners, { ...rec });
      const run = (): ApiResponse =>
        tooBig
          ? { status: 413, body: { error: 'payload-too-large', message: `body over ${MAX_BODY_BYTES} bytes` } }
          : api.handle({ method, path, headers, rawBody });
      /** Answers once the data plane has followed the request's changes (at once when there were none). */
      const sendApplied = (answer: ApiResponse): void => {
        const applied = applyChanges();
        if (!dataplane) send(res, rec, answer);
        else void applied.then(() => send(res, rec, answer));
      };

      const fault = takeFault(method, path);
      if (!fault) {
        sendApplied(run());
        return;
      }
      switch (fault.kind) {
        case 'fail': {
          if (fault.process) run();
          const body =
            fault.body === undefined
              ? { error: 'injected-fault', message: `injected HTTP ${fault.status}` }
              : fault.body;
          sendApplied({ status: fault.status, body });
          return;
        }
        case 'hang': {
          if (fault.process) run();
          void applyChanges();
          held.add({ res });
          record(rec);
          return;
        }
        case 'delay': {
          const answer = fault.process ? run() : undefined;
          const applied = answer ? applyChanges() : undefined;
          const entry: { res: ServerResponse; timer?: NodeJS.Timeout } = { res };
          entry.timer = setTimeout(() => {
            held.delete(entry);
            if (answer && applied) void applied.then(() => send(res, rec, answer));
            else sendApplied(run());
          }, fault.ms);
          held.add(entry);
          return;
        }
      }
    });
  };

  const dropHeld = (): void => {
    for (const h of held) {
      if (h.timer) clearTimeout(h.timer);
      h.res.socket?.destroy();
      h.res.destroy();
    }
    held.clear();
  };

  const server: Server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, onRequest)
    : createHttpServer(onRequest);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // TLS servers report the raw socket through 'secureConnection' too; 'connection' covers both.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  const faults: CorsaFaults = {
    failNext(match: RequestMatch, status: number, body?: unknown, times?: number, opts?: FaultOptions): void {
      if (!Number.isInteger(status) || status < 100 || status > 599) {
        throw errors.invalid('status must be an HTTP status code', { field: 'status', value: status });
      }
      rules.push({ kind: 'fail', match, left: checkTimes(times), status, body, process: opts?.process ?? false });
    },
    delayNext(match: RequestMatch, ms: number, times?: number, opts?: FaultOptions): void {
      if (!Number.isFinite(ms) || ms < 0) throw errors.invalid('ms must be a non-negative number', { field: 'ms', value: ms });
      rules.push({ kind: 'delay', match, left: checkTimes(times), ms, process: opts?.process ?? true });
    },
    hangNext(match: RequestMatch, times?: number, opts?: FaultOptions): void {
      rules.push({ kind: 'hang', match, left: checkTimes(times), process: opts?.process ?? false });
    },
    reboot(opts?: { keepConfig?: boolean; resetConnections?: boolean }): void {
      dropHeld();
      // Idle keep-alive connections survive unless asked: a client that reuses a
      // reset pooled connection fails at a moment that depends on timing.
      if (opts?.resetConnections) for (const s of sockets) s.destroy();
      api.reboot(opts?.keepConfig ?? false);
      void applyChanges();
    },
    setPortOperState(p: string, state: 'up' | 'down'): void {
      api.setPortOperState(p, state);
    },
    setControllerConnected(bridge: string, controller: string, connected: boolean): void {
      api.setControllerConnected(bridge, controller, connected);
    },
    clear(): void {
      rules = [];
      api.clearOverrides();
    },
  };

  return {
    url,
    token,
    requests,
    state: () => api.state(),
    faults,
    dataplaneErrors,
    dataplaneIdle: () => applyChanges(),
    on(event: 'request' | 'arrival', listener: (r: RecordedRequest) => void): () => void {
      if (event !== 'request' && event !== 'arrival') throw errors.invalid(`unknown event ${String(event)}`, { field: 'event' });
      const set = event === 'request' ? listeners : arrivalListeners;
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      dropHeld();
      listeners.clear();
      arrivalListeners.clear();
      await applyChanges();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
    },
  };
}
