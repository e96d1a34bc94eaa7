import { isBrokerError, type ServiceEvent, type ServiceStatus, type ServiceWatch } from '@dpb/model';
import { RestNetwork } from '@dpb/remote';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { WAN_YAML } from '../rest/broker';
import { AUTH_SERVER, startServer, SWITCH_YAML, type TestServer, TOKEN, USERS_YAML } from './rest-fixtures';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

/**
 * RestNetwork beyond the conformance suite: naming, model change events,
 * error fidelity, unreachable and silent servers, and watches that survive a
 * dropped connection.
 */

jest.setTimeout(20_000);

const FAST = { reconnect: { minMs: 20, maxMs: 200 } };

async function rejection(f: () => Promise<unknown>): Promise<{ code: string; details: Record<string, unknown> }> {
  try {
    await f();
  } catch (e) {
    if (!isBrokerError(e)) throw new Error(`expected a BrokerError, got ${String(e)}`);
    return { code: e.code, details: e.details as Record<string, unknown> };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

function rejectionSync(f: () => unknown): { code: string; details: Record<string, unknown> } {
  try {
    f();
  } catch (e) {
    if (!isBrokerError(e)) throw new Error(`expected a BrokerError, got ${String(e)}`);
    return { code: e.code, details: e.details as Record<string, unknown> };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Waits until `check()` holds, checking every 10 ms, failing after `ms`. */
async function eventually(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Counts calls of a listener, and lets a test wait for the n-th. */
function counter(): { listener: () => void; count: () => number; reach: (n: number, what: string) => Promise<void> } {
  let n = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    listener: () => {
      n++;
      for (const w of waiters.filter((x) => x.n <= n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
    count: () => n,
    reach: (target, what) =>
      n >= target
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`${what}: ${n} calls, wanted ${target}`)), 5_000);
            waiters.push({ n: target, resolve: () => (clearTimeout(timer), resolve()) });
          }),
  };
}

/** Collects a watch's events; `until(status, n)` waits for the n-th event with that status. */
function collect(watch: ServiceWatch): {
  events: ServiceEvent[];
  statuses: () => ServiceStatus[];
  done: Promise<void>;
  until: (s: ServiceStatus, n?: number) => Promise<void>;
} {
  const events: ServiceEvent[] = [];
  const waiters: { check: () => boolean; resolve: () => void }[] = [];
  const count = (s: ServiceStatus): number => events.filter((e) => e.status === s).length;
  const done = (async () => {
    for await (const ev of watch) {
      events.push(ev);
      for (const w of waiters.filter((x) => x.check())) w.resolve();
    }
  })();
  return {
    events,
    statuses: () => events.map((e) => e.status),
    done,
    until: (s, n = 1) =>
      count(s) >= n
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no ${s} #${n} within 5 s; saw ${events.map((e) => e.status).join(' ')}`)), 5_000);
            waiters.push({ check: () => count(s) >= n, resolve: () => (clearTimeout(timer), resolve()) });
          }),
  };
}

const ELINE = (label: number, mbps = 10) => ({
  circuits: [
    { terminal: 'london', label, ingressMbps: mbps, egressMbps: mbps },
    { terminal: 'paris', label, ingressMbps: mbps, egressMbps: mbps },
  ],
});

describe('RestNetwork: construction', () => {
  it('rejects a bad URL or option with INVALID_ARGUMENT naming it, before any request', () => {
    for (const url of [
      'not a url',
      'ftp://h:1/api/v1/networks/wan',
      'http://h:1/api/v2/networks/wan',
      'http://h:1/api/v1/networks/',
      'http://h:1/api/v1/networks/wan/services',
      'http://user:pw@h:1/api/v1/networks/wan',
      'http://h:1/api/v1/networks/wan?x=1',
      'http://h:1/api/v1/networks/bad%3Aname',
    ]) {
      const r = rejectionSync(() => new RestNetwork({ url }));
      expect({ url, code: r.code, field: r.details.field }).toEqual({ url, code: 'INVALID_ARGUMENT', field: 'url' });
      expect(r.details.value).toBe(url);
    }
    const u = 'http://127.0.0.1:1/api/v1/networks/wan';
    expect(rejectionSync(() => new RestNetwork({ url: u, name: 'a:b' })).details.field).toBe('name');
    expect(rejectionSync(() => new RestNetwork({ url: u, requestTimeoutMs: 0 })).details.field).toBe('requestTimeoutMs');
    expect(rejectionSync(() => new RestNetwork({ url: u, reconnect: { minMs: 0, maxMs: 10 } })).details.field).toBe('reconnect.minMs');
    expect(rejectionSync(() => new RestNetwork({ url: u, reconnect: { minMs: 50, maxMs: 10 } })).details.field).toBe('reconnect.maxMs');
    expect(rejectionSync(() => new RestNetwork({ url: u, token: 'a\nb' })).details.field).toBe('token');
  });

  it('takes its name from the URL (a path prefix and trailing slash are fine), or from the options', () => {
    const a = new RestNetwork({ url: 'https://broker.example:8443/dpb/api/v1/networks/site-1/' });
    expect({ name: a.name, kind: a.kind, url: a.url }).toEqual({ name: 'site-1', kind: 'remote', url: 'https://broker.example:8443/dpb/api/v1/networks/site-1' });
    expect(new RestNetwork({ url: a.url, name: 'paris-site' }).name).toBe('paris-site');
  });
});

describe('RestNetwork against a server', () => {
  let server: TestServer;
  let proxy: TcpProxy | undefined;
  let remote: RestNetwork | undefined;

  afterEach(async () => {
    await remote?.close();
    remote = undefined;
    await proxy?.close();
    proxy = undefined;
    await server?.close();
  });

  it('reports models, services and events under its local name; unlimited capacity is Infinity', async () => {
    server = await startServer(SWITCH_YAML);
    remote = new RestNetwork({ url: server.url('lab'), name: 'remote-lab', ...FAST });
    expect(await remote.terminals()).toEqual(['a', 'b', 'c']);
    const m = await remote.model(0);
    expect(m.network).toBe('remote-lab');
    const bc = m.chords.find((c) => c.from === 'b' && c.to === 'c');
    expect(bc?.upstreamMbps).toBe(Infinity);
    expect(bc?.downstreamMbps).toBe(Infinity);
    const ab = m.chords.find((c) => c.from === 'a' && c.to === 'b');
    expect(ab?.upstreamMbps).toBe(1000);
    const s = await remote.createService({ handle: '12345' });
    expect(s.network).toBe('remote-lab');
    // a handle made of digits is still found as a handle, not as an id
    expect((await remote.service({ handle: '12345' })).id).toBe(s.id);
    expect((await s.describe()).network).toBe('remote-lab');
    const w = s.watch();
    const first = await w[Symbol.asyncIterator]().next();
    expect(first.value?.network).toBe('remote-lab');
    w.close();
  });

  it('onModelChange: one shared stream, fires on ready and after a trunk withdraw, closed after the last unsubscribe', async () => {
    server = await startServer(WAN_YAML);
    proxy = await startTcpProxy(server.base);
    remote = new RestNetwork({ url: `${proxy.base}/api/v1/networks/wan`, ...FAST });
    const a = counter();
    const b = counter();
    const offA = remote.onModelChange(a.listener);
    const offB = remote.onModelChange(b.listener);
    await a.reach(1, 'first call (ready)');
    await b.reach(1, 'first call (ready)');
    expect(proxy.accepted()).toBe(1);
    const agg = server.wired.networks.get('wan')?.aggregator;
    if (!agg) throw new Error('wan has no aggregator management');
    await agg.withdrawBandwidth(1, { upstreamMbps: 500, downstreamMbps: 0 });
    await a.reach(2, 'call after the withdraw');
    await b.reach(2, 'call after the withdraw');
    offA();
    expect(proxy.openCarrying('event: ready')).toBe(1);
    offB();
    await eventually(() => proxy?.openCarrying('event: ready') === 0, 'the event stream closing');
  });

  it('onModelChange reconnects after the stream is cut and calls listeners again', async () => {
    server = await startServer(WAN_YAML);
    proxy = await startTcpProxy(server.base);
    remote = new RestNetwork({ url: `${proxy.base}/api/v1/networks/wan`, ...FAST });
    const c = counter();
    const off = remote.onModelChange(c.listener);
    await c.reach(1, 'ready');
    proxy.cut();
    await c.reach(2, 'ready after reconnecting');
    expect(proxy.accepted()).toBe(2);
    const agg = server.wired.networks.get('wan')?.aggregator;
    await agg?.provideBandwidth(1, { upstreamMbps: 100, downstreamMbps: 100 });
    await c.reach(3, 'a change after reconnecting');
    off();
  });

  it('errors keep the remote code and details, plus details.remote', async () => {
    server = await startServer(WAN_YAML);
    const url = server.url('wan');
    remote = new RestNetwork({ url, ...FAST });
    const local = server.wired.networks.get('wan')?.control;
    if (!local) throw new Error('no wan');
    const tooMuch = {
      circuits: [
        { terminal: 'london', label: 101, ingressMbps: 2000 },
        { terminal: 'frankfurt', label: 101, ingressMbps: 2000 },
      ],
    };
    const l = await rejection(async () => (await local.createService()).define(tooMuch));
    const s = await remote.createService();
    const r = await rejection(() => s.define(tooMuch));
    expect(r.code).toBe('RESOURCE_EXHAUSTED');
    expect(l.code).toBe('RESOURCE_EXHAUSTED');
    expect(r.details).toEqual({ ...l.details, remote: `${url}/services/${s.id}/circuits` });
    expect(await s.status()).toBe('DORMANT');

    const nf = await rejection(() => s.define({ circuits: [{ terminal: 'london', label: 1, ingressMbps: 1 }, { terminal: 'atlantis', label: 1, ingressMbps: 1 }] }));
    expect(nf.code).toBe('NOT_FOUND');
    expect(nf.details).toMatchObject({ kind: 'terminal', terminal: 'atlantis' });

    const gone = await rejection(() => remote!.service(424242));
    expect(gone).toMatchObject({ code: 'NOT_FOUND', details: { kind: 'service', service: 424242 } });
    expect(String(gone.details.remote)).toContain(url);

    const noNet = await rejection(() => new RestNetwork({ url: server.url('atlantis') }).terminals());
    expect(noNet).toMatchObject({ code: 'NOT_FOUND', details: { kind: 'network', network: 'atlantis' } });
  });

  it('with auth: required, no or a wrong token is UNAUTHENTICATED and a token without control is PERMISSION_DENIED', async () => {
    const manager = 'manager-token-0123456789abcdef';
    server = await startServer(`${USERS_YAML}  - { name: topo, rights: { wan: [manage] }, token: ${manager} }\n${WAN_YAML}`, AUTH_SERVER);
    const url = server.url('wan');
    expect((await rejection(() => new RestNetwork({ url }).terminals())).code).toBe('UNAUTHENTICATED');
    expect((await rejection(() => new RestNetwork({ url, token: 'wrong-token-0123456789abcdef' }).terminals())).code).toBe('UNAUTHENTICATED');
    const denied = await rejection(() => new RestNetwork({ url, token: manager }).createService());
    expect(denied).toMatchObject({ code: 'PERMISSION_DENIED', details: { network: 'wan' } });
    remote = new RestNetwork({ url, token: TOKEN, ...FAST });
    const s = await remote.createService();
    expect(await s.status()).toBe('DORMANT');
    // the event streams carry the token too
    const c = counter();
    const off = remote.onModelChange(c.listener);
    await c.reach(1, 'ready with a token');
    off();
    const w = s.watch();
    expect((await w[Symbol.asyncIterator]().next()).value?.status).toBe('DORMANT');
    w.close();
  });

  it('a stopped server is UNAVAILABLE naming the network and URL, at once; a watch keeps retrying until closed', async () => {
    server = await startServer(WAN_YAML);
    const url = server.url('wan');
    remote = new RestNetwork({ url, ...FAST });
    const s = await remote.createService();
    await server.close();
    const started = Date.now();
    for (const call of [() => remote!.terminals(), () => remote!.model(), () => remote!.createService(), () => s.activate(), () => s.awaitStatus(['ACTIVE'], 5_000)]) {
      const r = await rejection(call);
      expect(r.code).toBe('UNAVAILABLE');
      expect(r.details.network).toBe('wan');
      expect(String(r.details.url)).toContain(url);
      expect(typeof r.details.cause).toBe('string');
    }
    expect(Date.now() - started).toBeLessThan(2_000);
    // a watch does not fail on a transient error: it retries until closed
    const w = s.watch();
    const next = w[Symbol.asyncIterator]().next();
    w.close();
    expect((await next).done).toBe(true);
    server = await startServer(WAN_YAML); // for afterEach
  });

  it('a server that accepts but never answers is UNAVAILABLE after requestTimeoutMs', async () => {
    server = await startServer(SWITCH_YAML);
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/api/v1/networks/lab`;
      const slow = new RestNetwork({ url, requestTimeoutMs: 300, ...FAST });
      const started = Date.now();
      const r = await rejection(() => slow.terminals());
      expect(r).toMatchObject({ code: 'UNAVAILABLE', details: { network: 'lab' } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(Date.now() - started).toBeLessThan(2_000);
      await slow.close();
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('a watch survives the connection being cut, resuming without duplicates, and ends after RELEASED', async () => {
    server = await startServer(WAN_YAML);
    proxy = await startTcpProxy(server.base);
    remote = new RestNetwork({ url: `${proxy.base}/api/v1/networks/wan`, ...FAST });
    const direct = new RestNetwork({ url: server.url('wan') });
    const s = await remote.createService({ handle: 'survivor' });
    const other = await direct.service(s.id);
    const seen = collect(s.watch());
    await seen.until('DORMANT');
    await other.define(ELINE(200));
    await other.activate();
    await seen.until('ACTIVE');

    // cut while ACTIVE with nothing changing: the server re-sends ACTIVE on the new stream, which is suppressed
    const streamsBefore = proxy.carried('event: status');
    proxy.cut();
    await eventually(() => proxy?.carried('event: status') === streamsBefore + 1, 'the watch reconnecting');
    await other.deactivate();
    await seen.until('INACTIVE', 2);

    // cut, and change the status while the watch is away
    proxy.cut();
    await other.activate();
    expect(await other.awaitStatus(['ACTIVE'], 5_000)).toBe('ACTIVE');
    await eventually(() => proxy?.carried('event: status') === streamsBefore + 2, 'the watch reconnecting again');
    await other.release();
    await seen.done;
    const st = seen.statuses();
    expect(st[0]).toBe('DORMANT');
    expect(st[st.length - 1]).toBe('RELEASED');
    expect(st.filter((x) => x === 'ACTIVE').length).toBe(2);
    for (let i = 1; i < st.length; i++) expect(st[i]).not.toBe(st[i - 1]);
    expect(new Set(seen.events.map((e) => e.service))).toEqual(new Set([s.id]));
    proxy.cut();
    expect(await s.status()).toBe('RELEASED'); // ordinary requests go on after a cut too
    await direct.close();
  });

  it('close() ends watches and the model stream; later calls are UNAVAILABLE', async () => {
    server = await startServer(WAN_YAML);
    proxy = await startTcpProxy(server.base);
    const r = new RestNetwork({ url: `${proxy.base}/api/v1/networks/wan`, ...FAST });
    const s = await r.createService();
    const c = counter();
    r.onModelChange(c.listener);
    const seen = collect(s.watch());
    await seen.until('DORMANT');
    await c.reach(1, 'ready');
    await r.close();
    await seen.done;
    await eventually(() => proxy?.openCarrying('event: ') === 0, 'every stream closing');
    expect((await rejection(() => r.terminals())).code).toBe('UNAVAILABLE');
  });
});

describe('RestNetwork against a stub server', () => {
  let stub: http.Server;
  let base: string;
  const seen: { url: string; auth: string | undefined }[] = [];
  let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void;

  beforeEach(async () => {
    seen.length = 0;
    stub = http.createServer((req, res) => {
      seen.push({ url: req.url ?? '', auth: req.headers.authorization });
      handler(req, res);
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/api/v1/networks/x`;
  });
  afterEach(async () => {
    stub.closeAllConnections();
    await new Promise<void>((r) => stub.close(() => r()));
  });

  const info = (status: string) => JSON.stringify({ network: 'x', id: 7, handle: null, status, intent: 'ACTIVE', request: null, errors: [], history: [], createdAt: 1 });

  it('sends the bearer token, and a non-JSON error body gets its code from the HTTP status', async () => {
    handler = (_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html>bad gateway</html>');
    };
    const r = new RestNetwork({ url: base, token: 'tok-0123456789abcdef' });
    const e = await rejection(() => r.terminals());
    expect(e).toMatchObject({ code: 'UNAVAILABLE', details: { httpStatus: 502, network: 'x' } });
    expect(seen[0]?.auth).toBe('Bearer tok-0123456789abcdef');
  });

  it('awaitStatus beyond the server cap waits in pieces of at most 60 s', async () => {
    let waits = 0;
    handler = (req, res) => {
      const q = new URL(req.url ?? '', 'http://x').searchParams;
      if (q.has('wait')) waits++;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(info(waits >= 2 ? 'ACTIVE' : 'ACTIVATING'));
    };
    const r = new RestNetwork({ url: base });
    const s = await r.service(7);
    expect(await s.awaitStatus(['ACTIVE'], 150_000)).toBe('ACTIVE');
    const timeouts = seen.map((x) => new URL(x.url, 'http://x').searchParams).filter((q) => q.has('wait')).map((q) => Number(q.get('timeoutMs')));
    expect(timeouts).toHaveLength(2);
    expect(timeouts[0]).toBe(60_000);
    expect(timeouts[1]).toBeLessThanOrEqual(60_000);
    expect(new URL(seen[1]?.url ?? '', 'http://x').searchParams.get('wait')).toBe('ACTIVE');
  });
});
