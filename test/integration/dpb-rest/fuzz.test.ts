import http from 'node:http';
import { call, startBroker, type TestBroker } from '../rest/broker';
import { DPB_YAML, expectNothingAllocated, SWITCHES, usage } from './fixtures';

/**
 * Fuzzes one running broker with random REST requests under /network,
 * /5gnetwork and /api/v1: random paths (mostly near real routes, some
 * junk), methods, content types and bodies (valid, wrong types, deep JSON,
 * binary junk, oversized). Every reply must be a well-formed HTTP response
 * below 500 with a JSON body (none for 204 and HEAD); afterwards the
 * broker's accounting must match its services, and releasing everything
 * must give every trunk label and every Mbit/s back.
 *
 * Seeded: set DPB_FUZZ_SEED to replay a run; DPB_FUZZ_COUNT to change the count.
 */

const COUNT = Number(process.env.DPB_FUZZ_COUNT ?? 10_000);
const SEED = Number(process.env.DPB_FUZZ_SEED ?? 20241122);
const WORKERS = 8;
const MAX_BODY = 16 * 1024;
/** A reply slower than this counts as a hang (every wait the generator asks for is far shorter). */
const HANG_MS = 10_000;

/** mulberry32: small, fast, seedable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(readonly rnd: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.rnd() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)] as T;
  }
  /** Picks by weight: [weight, value] pairs. */
  weighted<T>(xs: readonly [number, T][]): T {
    const total = xs.reduce((s, [w]) => s + w, 0);
    let r = this.rnd() * total;
    for (const [w, v] of xs) {
      r -= w;
      if (r < 0) return v;
    }
    return (xs[xs.length - 1] as [number, T])[1];
  }
}

/** What the generator has learnt from replies: ids and handles that exist. */
interface Known {
  ids: Map<string, number[]>;
  handles: string[];
}

const STATUSES = ['DORMANT', 'ESTABLISHING', 'INACTIVE', 'ACTIVATING', 'ACTIVE', 'DEACTIVATING', 'FAILED', 'RELEASING', 'RELEASED'];
const TERMINALS: Record<string, string[]> = {
  wan: ['london', 'paris', 'frankfurt', '1', '2', '3'],
  lab: ['a', 'b', 'c', '7', '8'],
  london: ['vms', 'p1'],
  paris: ['vms', 'p2'],
};
const NETS = ['wan', 'lab', 'london', 'paris'];
const JUNK_NETS = ['atlantis', 'WAN', '', '%zz', '%E2%82', 'wan%2Fservices', 'x'.repeat(300), '..', 'wan%00', '%F0%9F%92%A9'];
const JUNK_IDS = ['0', '-1', '1.5', '99999999999', '2147483648', '2147483647', '00007', 'abc', '%31', '1e3', ' 1', '', '9'.repeat(400)];
const HANDLE_POOL = Array.from({ length: 12 }, (_, i) => `5a6b7c8d-0000-4000-8000-${String(i).padStart(12, '0')}`);
const JUNK_UUIDS = ['not-a-uuid', '5A6B7C8D-0000-4000-8000-00000000000G', '%zz', '5a6b7c8d00004000800000000000001', 'ffffffff-ffff-ffff-ffff-ffffffffffffff'];
const KEYS = ['segment', 'endpoints', 'acceptable', 'circuits', 'terminal-name', 'label', 'ingress-bw', 'egress-bw', 'handle', 'activate', 'bandwidth', 'island_switch_port', 'island_service_vlan_id', '__proto__', 'constructor', 'name', 'interface', 'x'];

function randomScalar(g: Gen): unknown {
  return g.weighted<() => unknown>([
    [3, () => g.int(-5, 5000)],
    [1, () => g.rnd() * 1e6 - 5e5],
    [1, () => g.pick([1e308, -0, 2 ** 53 + 1, 1e-300, 4095, 4096])],
    [2, () => g.pick(['', 'london', 'ACTIVE', '10', 'x'.repeat(g.int(0, 200)), '\u0000', '\ud83d\ude00', '\ud800'])],
    [1, () => g.pick([true, false, null])],
  ])();
}

/** Random JSON-ish value; `depth` bounds ordinary nesting (deep nesting is generated separately). */
function randomJson(g: Gen, depth = 3): unknown {
  if (depth <= 0 || g.chance(0.4)) return randomScalar(g);
  if (g.chance(0.5)) return Array.from({ length: g.int(0, 4) }, () => randomJson(g, depth - 1));
  const o: Record<string, unknown> = {};
  for (let i = g.int(0, 4); i > 0; i--) o[g.pick(KEYS)] = randomJson(g, depth - 1);
  return o;
}

function label(g: Gen): unknown {
  return g.weighted<unknown>([
    [10, g.int(100, 400)],
    [1, g.pick([0, 4095, 4096, 5000, -1, 2 ** 31, 1.5, '100', null])],
  ]);
}

function mbps(g: Gen): unknown {
  return g.weighted<unknown>([
    [10, g.pick([0, 1, 5, 10, 10.5, 50])],
    [1, g.pick([2000, 1e7, 1e13, -1, '10', null, [], {}])],
  ]);
}

function segmentBody(g: Gen, net: string): unknown {
  const terms = TERMINALS[net] ?? ['a', 'b'];
  const n = g.weighted([
    [1, 1],
    [6, 2],
    [3, 3],
    [1, 0],
  ]);
  const segment = Array.from({ length: n }, () => {
    const c: Record<string, unknown> = {
      'terminal-name': g.chance(0.93) ? g.pick(terms) : g.pick(['atlantis', 42, '', null]),
      label: label(g),
      'ingress-bw': mbps(g),
      'egress-bw': mbps(g),
    };
    if (g.chance(0.05)) delete c[g.pick(Object.keys(c))];
    return c;
  });
  return g.chance(0.95) ? { segment } : { segment: g.pick([segment[0], 'x', null, 5]) };
}

function establishBody(g: Gen): unknown {
  const n = g.weighted([
    [1, 1],
    [6, 2],
    [2, 3],
  ]);
  const endpoints = Array.from({ length: n }, () => {
    const e: Record<string, unknown> = { island_switch_port: g.chance(0.93) ? g.int(1, 3) : g.pick([9, -1, '1', 1.5]), island_service_vlan_id: label(g) };
    if (g.chance(0.3)) e.bandwidth = mbps(g);
    if (g.chance(0.2)) e.ingress_bandwidth = mbps(g);
    if (g.chance(0.2)) e.egress_bandwidth = mbps(g);
    return e;
  });
  const body: Record<string, unknown> = { endpoints };
  if (g.chance(0.3)) body.bandwidth = mbps(g);
  return body;
}

/** An await-status body: valid ones wait at most 30 ms; invalid timeouts are never large valid integers. */
function awaitBody(g: Gen): unknown {
  const body: Record<string, unknown> = {
    'timeout-millis': g.weighted<unknown>([
      [10, g.int(0, 30)],
      [1, g.pick([-1, 1.5, '10', null, [], true])],
    ]),
  };
  if (g.chance(0.8)) body.acceptable = Array.from({ length: g.int(0, 3) }, () => (g.chance(0.95) ? g.pick(STATUSES) : g.pick(['active', 'SOON', 3, null])));
  else if (g.chance(0.5)) body.acceptable = g.pick(['ACTIVE', 5, {}]);
  if (g.chance(0.05)) delete body['timeout-millis'];
  return body;
}

function v1CircuitsBody(g: Gen, net: string): unknown {
  const terms = TERMINALS[net] ?? ['a', 'b'];
  const circuits = Array.from({ length: g.int(1, 3) }, () => ({ terminal: g.pick(terms), label: label(g), ingressMbps: mbps(g) }));
  const body: Record<string, unknown> = { circuits };
  if (g.chance(0.3)) body.handle = g.pick(HANDLE_POOL);
  if (g.chance(0.5)) body.activate = g.chance(0.9) ? true : 'yes';
  return body;
}

/** A body as text (or bytes), with a content type (or none). */
function encode(g: Gen, value: unknown): { body: string | Uint8Array; type: string | undefined } {
  const type = g.weighted<string | undefined>([
    [6, 'application/json'],
    [3, undefined],
    [1, 'text/plain'],
    [1, 'application/octet-stream'],
    [1, 'application/json; charset=utf-16'],
    [1, 'multipart/form-data; boundary=x'],
  ]);
  return { body: JSON.stringify(value) ?? 'null', type };
}

function junkBody(g: Gen): { body: string | Uint8Array; type: string | undefined } {
  const type = g.pick([undefined, 'application/json', 'application/octet-stream', 'application/x-www-form-urlencoded']);
  return g.weighted<() => { body: string | Uint8Array; type: string | undefined }>([
    [3, () => ({ body: Uint8Array.from({ length: g.int(1, 300) }, () => g.int(0, 255)), type })],
    [2, () => ({ body: '['.repeat(g.int(1, 12000)), type })],
    [2, () => {
      const d = g.int(100, 6000);
      return { body: `{"segment":${'['.repeat(d)}${']'.repeat(d)}}`, type };
    }],
    [2, () => {
      const d = g.int(100, 3000);
      return { body: `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`, type };
    }],
    [1, () => ({ body: 'x'.repeat(MAX_BODY + g.int(1, 2000)), type })],
    [2, () => ({ body: g.pick(['', ' ', 'null', 'true', '1', '"s"', '{', '}', '{"segment":', '\ufeff{}', '{"a":1}{"b":2}']), type })],
  ])();
}

interface FuzzRequest {
  method: string;
  path: string;
  body?: string | Uint8Array;
  type?: string;
}

function seg(g: Gen, known: Known, net: string): string {
  const ids = known.ids.get(net) ?? [];
  return g.weighted<() => string>([
    // the newest services are the likeliest to be still DORMANT (definable)
    [4, () => (ids.length ? String(ids[Math.max(0, ids.length - 1 - g.int(0, 2))]) : '1')],
    [4, () => (ids.length ? String(g.pick(ids)) : '1')],
    [2, () => String(g.int(1, 60))],
    [1, () => g.pick(JUNK_IDS)],
  ])();
}

function generate(g: Gen, known: Known): FuzzRequest {
  return generateRaw(g, known);
}

function generateRaw(g: Gen, known: Known): FuzzRequest {
  const net = g.chance(0.93) ? g.pick(NETS) : g.pick(JUNK_NETS);
  const method = (valid: string[]): string =>
    g.chance(0.9) ? g.pick(valid) : g.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
  const maybe = (valueBody: () => unknown, p = 0.85): { body?: string | Uint8Array; type?: string } => {
    if (g.chance(0.08)) return junkBody(g);
    if (!g.chance(p)) return g.chance(0.5) ? encode(g, randomJson(g)) : {};
    return encode(g, valueBody());
  };
  const slash = () => (g.chance(0.05) ? '/' : '');
  const kind = g.weighted<string>([
    [8, 'dpb-service'],
    [3, 'dpb-create'],
    [2, 'dpb-list'],
    [5, '5gex'],
    [5, 'v1-service'],
    [2, 'v1-other'],
    [1, 'junk'],
  ]);
  const N = `/network/${net}`;
  switch (kind) {
    case 'dpb-create':
      return { method: method(['POST']), path: `${N}/create-service${slash()}`, ...(g.chance(0.7) ? {} : g.chance(0.5) ? junkBody(g) : encode(g, randomJson(g))) };
    case 'dpb-list':
      return { method: method(['GET']), path: `${N}/services${slash()}` };
    case 'dpb-service': {
      const verb = g.weighted<string>([
        [5, 'define'],
        [4, 'activate'],
        [1, 'deactivate'],
        [1, 'reset'],
        [3, 'release'],
        [4, 'await-status'],
        [1, g.pick(['explode', 'define/extra', '', 'AWAIT-STATUS'])],
      ]);
      const P = `${N}/service/${seg(g, known, net)}/${verb}${slash()}`;
      if (verb === 'define') return { method: method(['POST', 'PUT']), path: P, ...maybe(() => segmentBody(g, net)) };
      if (verb === 'await-status') {
        if (g.chance(0.5)) return { method: method(['POST']), path: P, ...maybe(() => awaitBody(g)) };
        const q: string[] = [];
        if (g.chance(0.95)) q.push(`timeout-millis=${g.chance(0.9) ? g.int(0, 30) : g.pick(['-1', '1.5', 'x', '', '%zz'])}`);
        if (g.chance(0.1)) q.push(`timeout-millis=${g.int(0, 30)}`);
        for (let i = g.int(0, 3); i > 0; i--) q.push(`acceptable=${g.chance(0.9) ? g.pick(STATUSES) : g.pick(['SOON', '', '%zz', 'ACTIVE,DORMANT'])}`);
        return { method: method(['GET']), path: `${P}${q.length ? `?${q.join('&')}` : ''}` };
      }
      return { method: method(['POST']), path: P, ...(g.chance(0.8) ? {} : g.chance(0.5) ? junkBody(g) : encode(g, randomJson(g))) };
    }
    case '5gex': {
      const handle = g.weighted<() => string>([
        [8, () => (known.handles.length && g.chance(0.5) ? g.pick(known.handles) : g.pick(HANDLE_POOL))],
        [1, () => g.pick(HANDLE_POOL).toUpperCase()],
        [1, () => g.pick(JUNK_UUIDS)],
      ])();
      const Q = `/5gnetwork/${g.chance(0.8) ? 'wan' : net}/service/by-handle/${handle}`;
      return g.weighted<() => FuzzRequest>([
        [5, () => ({ method: method(['PUT', 'POST']), path: `${Q}${slash()}`, ...maybe(() => establishBody(g)) })],
        [2, () => ({ method: method(['DELETE']), path: `${Q}${slash()}` })],
        [2, () => ({ method: method(['POST']), path: `${Q}/release${slash()}` })],
        [1, () => ({ method: method(['GET']), path: `/5gnetwork/${net}/${g.pick(['', 'service', 'service/by-handle', 'services', 'service/by-handle/x/y/z'])}` })],
      ])();
    }
    case 'v1-service': {
      const B = `/api/v1/networks/${net}/services`;
      return g.weighted<() => FuzzRequest>([
        [3, () => ({ method: method(['POST']), path: B, ...maybe(() => v1CircuitsBody(g, net)) })],
        [2, () => ({ method: method(['GET']), path: `${B}${g.chance(0.5) ? `?status=${g.pick([...STATUSES, 'GREEN'])}` : ''}` })],
        [2, () => ({ method: method(['GET']), path: `${B}/${seg(g, known, net)}${g.chance(0.5) ? `?wait=${g.pick(STATUSES)}&timeoutMs=${g.int(0, 30)}` : ''}` })],
        [2, () => ({ method: method(['POST']), path: `${B}/${seg(g, known, net)}/${g.pick(['activate', 'deactivate', 'reset', 'nope'])}` })],
        [1, () => ({ method: method(['PUT']), path: `${B}/${seg(g, known, net)}/circuits`, ...maybe(() => ({ circuits: (v1CircuitsBody(g, net) as { circuits: unknown }).circuits })) })],
        [2, () => ({ method: method(['DELETE']), path: `${B}/${seg(g, known, net)}` })],
      ])();
    }
    case 'v1-other': {
      const B = `/api/v1/networks/${net}`;
      return g.weighted<() => FuzzRequest>([
        [2, () => ({ method: 'GET', path: g.pick(['/healthz', '/api/v1/networks', B, `${B}/terminals`, `${B}/trunks`, `${B}/model?minMbps=${g.pick(['5', '-1', 'x', '1e9'])}`]) })],
        // management with junk (ids and bodies that cannot match real trunks and terminals, mostly)
        [2, () => ({ method: method(['POST', 'PATCH', 'DELETE']), path: `${B}/trunks/${g.pick(['0', '99', 'x', '-1', '4'])}`, ...encode(g, randomJson(g)) })],
        [2, () => ({ method: method(['POST', 'PATCH', 'DELETE']), path: `${B}/terminals${g.chance(0.5) ? `/${g.pick(['zz', 'nope', '%zz'])}` : ''}`, ...encode(g, randomJson(g)) })],
        [1, () => ({ method: method(['POST']), path: `${B}/trunks/${g.pick(['0', '99', 'x'])}/labels${g.pick(['', '/revoke'])}`, ...encode(g, randomJson(g)) })],
      ])();
    }
    default: {
      const parts = Array.from({ length: g.int(0, 6) }, () => g.pick(['network', '5gnetwork', 'api', 'v1', 'wan', 'service', '1', '..', '%2e%2e', '%zz', '', 'x'.repeat(g.int(1, 50))]));
      return { method: method(['GET', 'POST']), path: `/${g.pick(['network', '5gnetwork', 'api/v1'])}/${parts.join('/')}`, ...(g.chance(0.5) ? junkBody(g) : {}) };
    }
  }
}

let b: TestBroker;
let agent: http.Agent;
beforeAll(async () => {
  b = await startBroker(DPB_YAML, MAX_BODY);
  agent = new http.Agent({ keepAlive: true, maxSockets: WORKERS });
});
afterAll(async () => {
  agent.destroy();
  await b.close();
});

interface Failure {
  request: string;
  problem: string;
}

function describeRequest(r: FuzzRequest): string {
  const body = r.body === undefined ? '' : typeof r.body === 'string' ? ` body=${JSON.stringify(r.body.slice(0, 120))}` : ` body=<${r.body.length} bytes>`;
  return `${r.method} ${r.path.slice(0, 200)}${r.type ? ` [${r.type}]` : ''}${body}`;
}

/** One request over a keep-alive agent (node:http, so that GET and HEAD may carry bodies too). */
function send(r: FuzzRequest): Promise<{ status: number; contentType: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (r.type) headers['Content-Type'] = r.type;
    if (r.body !== undefined) headers['Content-Length'] = Buffer.byteLength(r.body);
    const req = http.request(b.base + r.path, { method: r.method, headers, agent, timeout: HANG_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no reply within ${HANG_MS} ms`)));
    req.on('error', reject);
    req.end(r.body);
  });
}

/** Sends one request and checks the reply's shape; returns the parsed body. */
async function sendChecked(r: FuzzRequest, failures: Failure[]): Promise<{ status: number; json: unknown }> {
  let res: { status: number; contentType: string | undefined; text: string };
  try {
    res = await send(r);
  } catch (e) {
    failures.push({ request: describeRequest(r), problem: `no HTTP response: ${(e as Error).message}` });
    return { status: 0, json: undefined };
  }
  const text = res.text;
  const problem = (p: string) => failures.push({ request: describeRequest(r), problem: `${res.status}: ${p}; body ${text.slice(0, 300)}` });
  if (res.status >= 500 || res.status < 200) problem('status out of range');
  if (res.status === 204 || r.method === 'HEAD') {
    if (text !== '') problem('body on 204/HEAD');
    return { status: res.status, json: undefined };
  }
  if (!/^application\/json/.test(res.contentType ?? '')) problem(`content-type ${res.contentType}`);
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json !== 'object' || json === null) problem('body is not a JSON object or array');
    if (res.status >= 400) {
      const o = json as Record<string, unknown>;
      const ok = (typeof o.error === 'object' && o.error !== null && typeof (o.error as { code?: unknown }).code === 'string') || typeof o['error-message'] === 'string';
      if (!ok) problem('error body without error.code or error-message');
    }
    return { status: res.status, json };
  } catch {
    problem('body is not JSON');
    return { status: res.status, json: undefined };
  }
}

describe('fuzzing the REST interfaces', () => {
  it(`${COUNT} random requests: every reply well-formed, < 500, JSON; afterwards the accounting is consistent and nothing leaks`, async () => {
    const started = Date.now();
    const failures: Failure[] = [];
    const known: Known = { ids: new Map(NETS.map((n) => [n, []])), handles: [] };
    const byStatus = new Map<number, number>();
    const successes = { define: 0, activate: 0, establish: 0, awaited: 0 };
    let sent = 0;

    const worker = async (w: number) => {
      const g = new Gen(prng(SEED + w * 7919));
      while (sent < COUNT && failures.length < 20) {
        sent++;
        const r = generate(g, known);
        const { status, json } = await sendChecked(r, failures);
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
        const o = (json ?? {}) as Record<string, unknown>;
        const net = /^\/(?:network|api\/v1\/networks)\/([^/]+)/.exec(r.path)?.[1];
        if (status === 200 || status === 201) {
          const id = typeof o['service-id'] === 'number' ? o['service-id'] : r.path.startsWith('/api/v1') && r.method === 'POST' && typeof o.id === 'number' ? o.id : undefined;
          if (id !== undefined && net && known.ids.has(net)) known.ids.get(net)?.push(id);
          if (r.path.endsWith('/define') || r.path.endsWith('/define/')) successes.define++;
          if (/\/activate\/?$/.test(r.path)) successes.activate++;
          if (r.path.startsWith('/5gnetwork') && (r.method === 'PUT' || r.method === 'POST') && !r.path.includes('/release')) {
            successes.establish++;
            known.handles.push(r.path.split('/')[5]?.toLowerCase() ?? '');
          }
          if (r.path.includes('await-status') && typeof o.status === 'string') successes.awaited++;
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    const elapsedMs = Date.now() - started;

    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(COUNT);
    // the fuzz reached the happy paths too, not only the error paths
    expect(successes.define).toBeGreaterThan(COUNT / 200);
    expect(successes.activate).toBeGreaterThan(COUNT / 200);
    expect(successes.establish).toBeGreaterThan(COUNT / 500);
    expect(successes.awaited).toBeGreaterThan(COUNT / 200);

    // still alive and answering
    expect((await call(b.base, 'GET', '/healthz')).status).toBe(200);

    // let every service settle, then: each trunk's allocation is exactly the tunnels of the services that exist
    for (const n of [...SWITCHES, 'wan']) {
      const list = (await call(b.base, 'GET', `/api/v1/networks/${n}/services`)).body as { id: number }[];
      for (const s of list) await call(b.base, 'GET', `/api/v1/networks/${n}/services/${s.id}?wait=DORMANT,INACTIVE,ACTIVE,FAILED&timeoutMs=10000`);
    }
    const services = (await call(b.base, 'GET', '/api/v1/networks/wan/services')).body as {
      id: number;
      status: string;
      realisation: { tunnels: { trunk: number; upstreamMbps: number; downstreamMbps: number }[]; subservices: { network: string; id: number | null }[] };
    }[];
    const u = await usage(b.base);
    const expected = new Map(u.trunks.map((t) => [t.id, { upstreamMbps: 0, downstreamMbps: 0, labels: 0 }]));
    for (const s of services) {
      for (const t of s.realisation.tunnels) {
        const e = expected.get(t.trunk);
        if (!e) throw new Error(`service ${s.id} holds a tunnel on trunk ${t.trunk}, which does not exist`);
        e.upstreamMbps += t.upstreamMbps;
        e.downstreamMbps += t.downstreamMbps;
        e.labels++;
      }
    }
    const round = (x: number) => Math.round(x * 1000) / 1000;
    expect(u.trunks.map((t) => ({ id: t.id, up: round(t.allocated.upstreamMbps), down: round(t.allocated.downstreamMbps), labels: t.labelsInUse }))).toEqual(
      u.trunks.map((t) => {
        const e = expected.get(t.id) as { upstreamMbps: number; downstreamMbps: number; labels: number };
        return { id: t.id, up: round(e.upstreamMbps), down: round(e.downstreamMbps), labels: e.labels };
      }),
    );
    // every sub-service an aggregator service names exists on its inferior
    for (const s of services) {
      for (const sub of s.realisation.subservices) {
        if (sub.id !== null) expect({ sub: `${sub.network}/${sub.id}`, status: (await call(b.base, 'GET', `/api/v1/networks/${sub.network}/services/${sub.id}`)).status }).toEqual({ sub: `${sub.network}/${sub.id}`, status: 200 });
      }
    }

    // release everything; then no label, no Mbit/s and no service may remain anywhere
    for (const n of ['wan', ...SWITCHES]) {
      const list = (await call(b.base, 'GET', `/api/v1/networks/${n}/services`)).body as { id: number }[];
      for (const s of list) {
        await call(b.base, 'DELETE', `/api/v1/networks/${n}/services/${s.id}`);
        await call(b.base, 'GET', `/api/v1/networks/${n}/services/${s.id}?wait=RELEASED&timeoutMs=10000`);
      }
    }
    await expectNothingAllocated(b.base);
    // (seen in a run, for the report: statuses and time)
    process.stdout.write(`fuzz: ${sent} requests in ${elapsedMs} ms; statuses ${JSON.stringify(Object.fromEntries([...byStatus].sort((x, y) => x[0] - y[0])))}; ok ${JSON.stringify(successes)}\n`);
  }, 120_000);
});
