/**
 * SshNetwork beyond the conformance suite: one multiplexed connection, the
 * model watch, host key and handshake refusals, and behaviour when the
 * server stops or the connection is cut.
 */
import { type BrokerError, isAllowedTransition, isBrokerError, type ServiceStatus } from '@dpb/model';
import type { SshNetwork } from '@dpb/remote';
import { type CuttableProxy, LAB_YAML, type SshTestServer, sshNetwork, startProxy, startSshServer } from './ssh-fixtures';

jest.setTimeout(20_000);

const YAML = `${LAB_YAML}
  - name: other
    kind: switch
    fabric: { memory: {} }
    terminals: { x: port1, y: port2 }
`;

const NOBODY = `  - { name: nobody, rights: { other: [control] }, password: nobody-password }\n`;

let server: SshTestServer;
const opened: SshNetwork[] = [];
const proxies: CuttableProxy[] = [];

beforeAll(async () => {
  server = await startSshServer(YAML, { extraUsers: NOBODY });
});

afterEach(async () => {
  for (const n of opened.splice(0)) await n.close();
  for (const p of proxies.splice(0)) await p.close();
});

afterAll(async () => {
  await server?.close();
});

function open(port = server.port, network = 'lab', o: Parameters<typeof sshNetwork>[2] = {}): SshNetwork {
  const n = sshNetwork(port, network, o);
  opened.push(n);
  return n;
}

async function proxied(): Promise<{ proxy: CuttableProxy; net: SshNetwork }> {
  const proxy = await startProxy(server.port);
  proxies.push(proxy);
  return { proxy, net: open(proxy.port) };
}

async function rejection(p: Promise<unknown>): Promise<BrokerError> {
  try {
    await p;
  } catch (e) {
    if (!isBrokerError(e)) throw e;
    return e;
  }
  throw new Error('expected a rejection');
}

/** Resolves with `p`, or rejects once `ms` have passed. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

describe('one multiplexed connection', () => {
  it('runs 300 concurrent requests over one TCP connection, more than the server allows sessions at once', async () => {
    const { proxy, net } = await proxied();
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? net.createService() : net.terminals())));
    for (const [i, r] of results.entries()) {
      if (i % 3 === 0) expect(typeof (r as { id: number }).id).toBe('number');
      else expect(r).toEqual(['a', 'b', 'c']);
    }
    const ids = new Set(results.filter((_, i) => i % 3 === 0).map((s) => (s as { id: number }).id));
    expect(ids.size).toBe(100);
    expect(proxy.accepted).toBe(1);
    expect(net.conn.openSessions).toBe(0);
    await Promise.all((await net.services()).map((s) => s.release()));
  });

  it('creating with a taken handle returns the live service (idempotent)', async () => {
    const net = open();
    const [a, b] = await Promise.all([net.createService({ handle: 'same' }), net.createService({ handle: 'same' })]);
    expect(a.id).toBe(b.id);
    expect(a.handle).toBe('same');
    await a.release();
  });

  it('errors keep the server code and details and say where they came from', async () => {
    const net = open();
    const s = await net.createService();
    const e = await rejection(s.define({ circuits: [{ terminal: 'a', label: 100, ingressMbps: 10 }, { terminal: 'zz', label: 100, ingressMbps: 10 }] }));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.details).toMatchObject({ kind: 'terminal', terminal: 'zz', network: 'lab', remote: `ssh://127.0.0.1:${server.port}/lab` });
    await s.release();
  });

  it('uses its local name for services, events and descriptions', async () => {
    const net = open(server.port, 'lab', { name: 'site-a' });
    const s = await net.createService();
    expect(s.network).toBe('site-a');
    expect((await s.describe()).network).toBe('site-a');
    const it = s.watch()[Symbol.asyncIterator]();
    expect((await it.next()).value).toMatchObject({ network: 'site-a', service: s.id, status: 'DORMANT', intent: 'INACTIVE' });
    await it.return?.();
    expect((await net.model()).network).toBe('site-a');
    await s.release();
  });
});

describe('model changes', () => {
  it('calls listeners after a change on the server, and closes the watch with the last listener', async () => {
    const net = open();
    let calls = 0;
    let wake: () => void = () => undefined;
    const off = net.onModelChange(() => {
      calls++;
      wake();
    });
    await net.terminals(); // the watch-model session was opened before this request (same channel, in order)
    expect(calls).toBe(0);
    const called = new Promise<void>((r) => {
      wake = r;
    });
    await server.wired.networks.get('lab')?.switch?.addTerminal('d', 'port4');
    await within(called, 3_000, 'the model listener call');
    expect(await net.terminals()).toEqual(['a', 'b', 'c', 'd']);
    expect(net.conn.openSessions).toBe(1);
    off();
    expect(net.conn.openSessions).toBe(0);
    await server.wired.networks.get('lab')?.switch?.removeTerminal('d');
  });
});

describe('refusals', () => {
  it('refuses a server whose host key has another fingerprint', async () => {
    const net = open(server.port, 'lab', { hostKey: { fingerprint: `SHA256:${'A'.repeat(43)}` } });
    const e = await rejection(net.terminals());
    expect(e.code).toBe('UNAUTHENTICATED');
    expect(e.details).toMatchObject({ reason: 'host-key-mismatch', actual: server.fingerprint, host: '127.0.0.1', port: server.port });
    const ok = open(server.port, 'lab', { hostKey: { fingerprint: server.fingerprint } });
    expect(await ok.terminals()).toEqual(['a', 'b', 'c']);
  });

  it('maps the handshake refusals: no such network is NOT_FOUND, no right is PERMISSION_DENIED', async () => {
    const missing = await rejection(open(server.port, 'atlantis').terminals());
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.details).toMatchObject({ kind: 'network', remoteNetwork: 'atlantis' });
    const nobody = open(server.port, 'lab', { username: 'nobody', password: 'nobody-password', privateKey: undefined });
    const denied = await rejection(nobody.terminals());
    expect(denied.code).toBe('PERMISSION_DENIED');
    expect(denied.details).toMatchObject({ remoteNetwork: 'lab', user: 'nobody' });
    expect(await open(server.port, 'other', { username: 'nobody', password: 'nobody-password', privateKey: undefined }).terminals()).toEqual(['x', 'y']);
  });

  it('refuses wrong credentials with UNAUTHENTICATED', async () => {
    const e = await rejection(open(server.port, 'other', { username: 'nobody', password: 'wrong', privateKey: undefined }).terminals());
    expect(e.code).toBe('UNAUTHENTICATED');
  });

  it('refuses bad options with INVALID_ARGUMENT naming the field', () => {
    const bad = (o: Parameters<typeof sshNetwork>[2]): unknown => {
      try {
        sshNetwork(server.port, 'lab', o);
      } catch (e) {
        return isBrokerError(e) ? { code: e.code, field: e.details.field } : e;
      }
      return 'no error';
    };
    expect(bad({ hostKey: { fingerprint: 'md5:xx' } })).toEqual({ code: 'INVALID_ARGUMENT', field: 'hostKey.fingerprint' });
    expect(bad({ port: 0 })).toEqual({ code: 'INVALID_ARGUMENT', field: 'port' });
    expect(bad({ privateKey: undefined })).toEqual({ code: 'INVALID_ARGUMENT', field: 'privateKey' });
  });
});

describe('failures', () => {
  it('a stopped server gives UNAVAILABLE quickly, naming network, host and port', async () => {
    const own = await startSshServer(LAB_YAML, { hostKeyName: 'host_key_2' });
    const net = open(own.port);
    expect(await net.terminals()).toEqual(['a', 'b', 'c']);
    await own.close();
    const started = Date.now();
    const e = await rejection(net.terminals());
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.details).toMatchObject({ network: 'lab', host: '127.0.0.1', port: own.port });
    const again = await rejection(net.terminals());
    expect(again.code).toBe('UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('cutting the connection fails requests in flight with UNAVAILABLE; the next request reconnects', async () => {
    const { proxy, net } = await proxied();
    const s = await net.createService();
    const waiting = net.conn.openSessions;
    const inFlight = rejection(s.awaitStatus(['ACTIVE'], 60_000));
    await net.terminals(); // the wait is on the wire
    expect(net.conn.openSessions).toBe(waiting + 1);
    proxy.cut();
    const e = await within(inFlight, 3_000, 'the in-flight request failing');
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.details).toMatchObject({ network: 'lab', host: '127.0.0.1', port: proxy.port });
    expect(await net.terminals()).toEqual(['a', 'b', 'c']);
    expect(proxy.accepted).toBe(2);
    expect(await s.status()).toBe('DORMANT');
    await s.release();
  });

  it('a watch resumes after a cut without repeating the last status, and model listeners hear of the reconnection', async () => {
    const { proxy, net } = await proxied();
    let modelCalls = 0;
    let wake: () => void = () => undefined;
    const off = net.onModelChange(() => {
      modelCalls++;
      wake();
    });
    const s = await net.createService();
    await s.define({ circuits: [{ terminal: 'b', label: 300, ingressMbps: 10 }, { terminal: 'c', label: 300, ingressMbps: 10 }] });
    expect(await s.awaitStatus(['INACTIVE'], 3_000)).toBe('INACTIVE');
    const statuses: ServiceStatus[] = [];
    let first: () => void = () => undefined;
    const gotFirst = new Promise<void>((r) => {
      first = r;
    });
    const done = (async () => {
      for await (const ev of s.watch()) {
        statuses.push(ev.status);
        first();
      }
    })();
    await within(gotFirst, 3_000, 'the first watch event');
    const inFlight = rejection(s.awaitStatus(['ACTIVE'], 60_000));
    await net.terminals();
    const reconnected = new Promise<void>((r) => {
      wake = r;
    });
    proxy.cut();
    expect((await within(inFlight, 3_000, 'the in-flight request failing')).code).toBe('UNAVAILABLE');
    expect(await net.terminals()).toEqual(['a', 'b', 'c']); // reconnects; the watch resumes on the new connection
    await within(reconnected, 3_000, 'the model listener call after the reconnection');
    expect(modelCalls).toBe(1);
    await s.activate();
    expect(await s.awaitStatus(['ACTIVE'], 3_000)).toBe('ACTIVE');
    await s.release();
    await within(done, 3_000, 'the watch ending after RELEASED');
    expect(proxy.accepted).toBe(2);
    expect(statuses[0]).toBe('INACTIVE');
    expect(statuses.filter((x) => x === 'INACTIVE')).toHaveLength(1);
    expect(statuses).toContain('ACTIVE');
    expect(statuses[statuses.length - 1]).toBe('RELEASED');
    for (let i = 1; i < statuses.length; i++) expect(isAllowedTransition(statuses[i - 1] as ServiceStatus, statuses[i] as ServiceStatus)).toBe(true);
    off();
  });

  it('close() ends watches and requests in flight, and later calls fail with UNAVAILABLE', async () => {
    const net = open();
    const s = await net.createService();
    const seen: ServiceStatus[] = [];
    let first: () => void = () => undefined;
    const gotFirst = new Promise<void>((r) => {
      first = r;
    });
    const done = (async () => {
      for await (const ev of s.watch()) {
        seen.push(ev.status);
        first();
      }
    })();
    await within(gotFirst, 3_000, 'the first watch event');
    const inFlight = rejection(s.awaitStatus(['ACTIVE'], 60_000));
    await net.terminals();
    await net.close();
    expect((await within(inFlight, 2_000, 'the wait failing')).code).toBe('UNAVAILABLE');
    await within(done, 2_000, 'the watch ending');
    expect(seen).toEqual(['DORMANT']);
    expect((await rejection(net.terminals())).code).toBe('UNAVAILABLE');
    const again = open();
    await (await again.service(s.id)).release();
  });
});
