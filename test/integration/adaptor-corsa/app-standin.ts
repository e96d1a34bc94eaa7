import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A recording stand-in for the REST API of dpb's port-group app
 * (`ryu-apps/dpb_portgroups.py`), for checking the shapes of the requests
 * the Corsa fabric sends in shared-vfc mode. It keeps the slices per dpid
 * like the app does (full replacement, generations) and answers with the
 * contract's GET body; whether slices are `installed` or `pending` is up to
 * the test. It does not stand in for the app's behaviour on a switch.
 */
export interface AppStandIn {
  url: string;
  /** Every request on arrival: method, path, parsed body. */
  requests: { method: string; path: string; body: unknown }[];
  /** Slices per dpid as last PUT: slice id -> ports. */
  slices(dpid: string): Record<string, number[]> | undefined;
  /** What slices report: installed (default) or pending. */
  install: 'installed' | 'pending';
  /** The next `times` requests get `status` with a contract error body (with `details`, e.g. `{ field }`). */
  failNext(status: number, times?: number, details?: Record<string, unknown>): void;
  /** Forgets every dpid (an app restart). */
  restart(): void;
  /** Called on each request's arrival (after it is recorded). */
  onRequest?: (r: { method: string; path: string; body: unknown }) => void;
  close(): Promise<void>;
}

interface Datapath {
  generation: number;
  slices: Record<string, { circuits: { port: number }[] }>;
}

export async function startAppStandIn(): Promise<AppStandIn> {
  const dps = new Map<string, Datapath>();
  let failures: { status: number; left: number; details: Record<string, unknown> } | undefined;
  const self: AppStandIn = {
    url: '',
    requests: [],
    install: 'installed',
    slices: (dpid) => {
      const d = dps.get(dpid);
      if (!d) return undefined;
      return Object.fromEntries(Object.entries(d.slices).map(([id, s]) => [id, s.circuits.map((c) => c.port)]));
    },
    failNext(status, times = 1, details = {}) {
      failures = { status, left: times, details };
    },
    restart() {
      dps.clear();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const view = (dpid: string, d: Datapath) => ({
    dpid,
    connected: true,
    generation: d.generation,
    appliedGeneration: d.generation,
    slices: Object.fromEntries(Object.entries(d.slices).map(([id, s]) => [id, { circuits: s.circuits, state: self.install, ...(self.install === 'pending' ? { reason: 'port 3 is not on the switch' } : {}) }])),
  });
  const error = (code: string, message: string, details: Record<string, unknown> = {}) => ({ error: { code, message, details } });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body: unknown = text ? JSON.parse(text) : undefined;
      const path = req.url ?? '/';
      const method = req.method ?? 'GET';
      const rec = { method, path, body };
      self.requests.push(rec);
      self.onRequest?.(rec);
      const answer = (status: number, b: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(b));
      };
      if (failures) {
        const f = failures;
        if (--f.left <= 0) failures = undefined;
        return answer(f.status, error(f.status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT', 'injected', f.details));
      }
      const m = /^\/dpb\/api\/v1\/datapaths\/([0-9a-f]{16})\/slices(\?switch=0)?$/.exec(path);
      if (!m) return answer(404, error('NOT_FOUND', `no route ${path}`));
      const dpid = m[1] as string;
      const d = dps.get(dpid);
      if (method === 'GET') return d ? answer(200, view(dpid, d)) : answer(404, error('NOT_FOUND', 'unknown dpid', { dpid }));
      if (method === 'DELETE') {
        const cleared = { generation: d?.generation ?? 0, slices: {} };
        dps.set(dpid, cleared);
        return answer(200, view(dpid, cleared));
      }
      if (method !== 'PUT') return answer(405, error('INVALID_ARGUMENT', 'method'));
      const b = body as { generation?: unknown; slices?: unknown };
      if (typeof b !== 'object' || b === null || typeof b.slices !== 'object' || b.slices === null) {
        return answer(400, error('INVALID_ARGUMENT', 'slices must be an object', { field: 'slices' }));
      }
      for (const key of Object.keys(b)) if (key !== 'generation' && key !== 'slices') return answer(400, error('INVALID_ARGUMENT', 'unknown key', { field: key }));
      const slices = b.slices as Record<string, { circuits?: unknown }>;
      for (const [id, s] of Object.entries(slices)) {
        if (!/^[A-Za-z0-9._:/@-]{1,128}$/.test(id)) return answer(400, error('INVALID_ARGUMENT', 'bad slice id', { field: `slices[${JSON.stringify(id)}]` }));
        const circuits = s?.circuits;
        if (!Array.isArray(circuits) || circuits.length === 0) {
          return answer(400, error('INVALID_ARGUMENT', 'circuits', { field: `slices[${JSON.stringify(id)}].circuits` }));
        }
        for (const [i, c] of circuits.entries()) {
          const keys = typeof c === 'object' && c !== null ? Object.keys(c) : [];
          if (keys.length !== 1 || keys[0] !== 'port' || !Number.isInteger((c as { port: unknown }).port) || (c as { port: number }).port < 1) {
            return answer(400, error('INVALID_ARGUMENT', 'a circuit is { port }', { field: `slices[${JSON.stringify(id)}].circuits[${i}]` }));
          }
        }
      }
      const generation = b.generation === undefined ? undefined : (b.generation as number);
      if (generation !== undefined && d && generation < d.generation) {
        return answer(409, error('CONFLICT', 'stale generation', { field: 'generation' }));
      }
      const next: Datapath = { generation: generation ?? d?.generation ?? 0, slices: slices as Datapath['slices'] };
      dps.set(dpid, next);
      return answer(200, view(dpid, next));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  self.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return self;
}
