import { CorsaFabric, type CorsaFabricOptions, type HttpRequest, type HttpTransport } from '@dpb/adaptor-corsa';
import type { BridgeSpec, BridgeState } from '@dpb/model';
import { CorsaApi } from '../../support/corsa-emulator/corsa-api';

const TOKEN = 'Bearer t';

/** The emulated Corsa API in-process (no HTTP): a transport plus the requests it saw. */
function inProcessCorsa() {
  const api = new CorsaApi({ ports: 64, lags: 8, maxBridges: 63, maxResources: 100 }, () => 'http://corsa', TOKEN);
  const seen: HttpRequest[] = [];
  const transport: HttpTransport = async (r) => {
    seen.push(r);
    const res = api.handle({
      method: r.method,
      path: `/api/v1/${r.path}`,
      headers: { authorization: TOKEN, 'content-type': 'application/json' },
      rawBody: r.body === undefined ? '' : JSON.stringify(r.body),
    });
    return { status: res.status, body: res.body };
  };
  return { api, seen, transport };
}

function options(transport: HttpTransport, overrides: Partial<CorsaFabricOptions> = {}): CorsaFabricOptions {
  return {
    api: { url: 'http://corsa.invalid' },
    mode: 'vfc-per-service',
    ports: 64,
    lags: 0,
    subtype: 'openflow',
    resources: 3,
    netns: 'default',
    controller: { host: '10.0.0.1', port: 6653 },
    shaping: true,
    metering: true,
    maxBridges: 63,
    requestTimeoutMs: 1000,
    pushIntervalMs: 0,
    retryMinMs: 10,
    retryMaxMs: 20,
    network: 'lab',
    transport,
    ...overrides,
  };
}

const ELINE: BridgeSpec = {
  id: 'lab/1',
  circuits: [
    { interface: 'phys.1', label: 10, ingressMbps: 10, egressMbps: 10 },
    { interface: 'phys.2', label: 10, ingressMbps: 10, egressMbps: 10 },
  ],
};

async function rejection(p: Promise<unknown>): Promise<{ code: string; details: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    const b = e as { name?: string; code?: string; details?: Record<string, unknown> };
    if (b.name !== 'BrokerError') throw e;
    return { code: b.code as string, details: b.details ?? {} };
  }
  throw new Error('expected a BrokerError');
}

let fabric: CorsaFabric | undefined;
afterEach(async () => {
  await fabric?.close();
  fabric = undefined;
});

describe('CorsaFabric (in-process switch)', () => {
  it('does no I/O until first used; describes interfaces and capacity without the switch', async () => {
    const corsa = inProcessCorsa();
    fabric = new CorsaFabric(options(corsa.transport, { maxBridges: 7, lags: 4 }));
    expect(fabric.kind).toBe('corsa');
    expect(fabric.maxBridges()).toBe(7);
    expect(fabric.describeInterface('lag.2')).toEqual({ description: 'lag.2', labels: { min: 1, max: 4094 } });
    expect(() => fabric?.describeInterface('eth0')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(corsa.seen).toEqual([]);
  });

  it('reports states asynchronously, in order, after the call that caused them; every listener hears them', async () => {
    const corsa = inProcessCorsa();
    fabric = new CorsaFabric(options(corsa.transport));
    const heard: BridgeState[] = [];
    const alsoHeard: BridgeState[] = [];
    fabric.subscribe(() => {
      throw new Error('a faulty listener');
    });
    fabric.subscribe((s) => heard.push(s));
    const off = fabric.subscribe((s) => alsoHeard.push(s));
    const call = fabric.ensureBridge(ELINE);
    expect(heard).toEqual([]);
    await call;
    expect(heard).toEqual([
      { id: 'lab/1', condition: 'pending' },
      { id: 'lab/1', condition: 'up' },
    ]);
    off();
    await fabric.removeBridge('lab/1');
    expect(heard.at(-1)).toEqual({ id: 'lab/1', condition: 'absent' });
    expect(alsoHeard).toHaveLength(2);
  });

  it('refuses malformed specs with INVALID_ARGUMENT and changes nothing', async () => {
    const corsa = inProcessCorsa();
    fabric = new CorsaFabric(options(corsa.transport));
    const f = fabric;
    expect((await rejection(f.ensureBridge({ id: '', circuits: [] }))).details).toMatchObject({ field: 'id' });
    expect((await rejection(f.ensureBridge({ id: 'x', circuits: [{ interface: 'eth0', label: 1, ingressMbps: 1, egressMbps: 1 }] }))).details).toMatchObject({
      field: 'interface',
      value: 'eth0',
    });
    expect((await rejection(f.ensureBridge({ id: 'x', circuits: [{ interface: 'phys.1', label: 1.5, ingressMbps: 1, egressMbps: 1 }] }))).details).toMatchObject({
      field: 'circuits[0].label',
    });
    expect((await rejection(f.ensureBridge({ id: 'x', circuits: [{ interface: 'phys.1', label: 1, ingressMbps: -1, egressMbps: 1 }] }))).details).toMatchObject({
      field: 'circuits[0].ingressMbps',
    });
    expect((await rejection(f.reconcile([ELINE, ELINE]))).details).toMatchObject({ kind: 'bridge', value: 'lab/1' });
    expect(corsa.seen).toEqual([]);
  });

  it('with shaping and metering off, tunnels carry neither', async () => {
    const corsa = inProcessCorsa();
    fabric = new CorsaFabric(options(corsa.transport, { shaping: false, metering: false, prefix: 'dpb:vc:london:' }));
    await fabric.ensureBridge(ELINE);
    expect(corsa.seen.filter((r) => r.method !== 'GET').map((r) => [r.method, r.path, r.body])).toEqual([
      ['POST', 'bridges', { bridge: 'br1', subtype: 'openflow', resources: 3, netns: 'default', 'bridge-descr': 'dpb:vc:london:partial:lab/1' }],
      ['POST', 'bridges/br1/tunnels', { ofport: 1, port: '1', 'vlan-id': 10, ifdescr: 'dpb:vc:london:lab/1' }],
      ['POST', 'bridges/br1/tunnels', { ofport: 2, port: '2', 'vlan-id': 10, ifdescr: 'dpb:vc:london:lab/1' }],
      ['POST', 'bridges/br1/controllers', { controller: 'dpb', ip: '10.0.0.1', port: 6653, tls: false }],
      ['PATCH', 'bridges/br1', [{ op: 'replace', path: '/bridge-descr', value: 'dpb:vc:london:complete:lab/1' }]],
    ]);
    expect(corsa.api.state().bridges.br1?.tunnels[1]?.['is-shaped']).toBe(false);
  });

  it('leaves VFCs of other prefixes alone, even when reconciling to nothing', async () => {
    const corsa = inProcessCorsa();
    const other = new CorsaFabric(options(corsa.transport, { network: 'paris' }));
    await other.ensureBridge({ ...ELINE, id: 'paris/1' });
    fabric = new CorsaFabric(options(corsa.transport));
    await fabric.reconcile([]);
    expect(Object.values(corsa.api.state().bridges).map((b) => b['bridge-descr'])).toEqual(['dpb:paris:complete:paris/1']);
    expect(await fabric.bridges()).toEqual([]);
    await other.close();
  });

  it('after close(), calls fail with UNAVAILABLE', async () => {
    const corsa = inProcessCorsa();
    fabric = new CorsaFabric(options(corsa.transport));
    await fabric.close();
    expect((await rejection(fabric.ensureBridge(ELINE))).code).toBe('UNAVAILABLE');
    expect((await rejection(fabric.bridges())).code).toBe('UNAVAILABLE');
    await fabric.close();
  });

  it('a label outside its interface fails the bridge (reason names it) without asking the switch', async () => {
    const corsa = inProcessCorsa();
    fabric = new CorsaFabric(options(corsa.transport));
    await fabric.reconcile([]);
    corsa.seen.length = 0;
    await fabric.ensureBridge({ id: 'lab/9', circuits: [ELINE.circuits[0] as BridgeSpec['circuits'][0], { interface: 'phys.2', label: 4095, ingressMbps: 1, egressMbps: 1 }] });
    expect(await fabric.bridges()).toEqual([{ id: 'lab/9', condition: 'failed', reason: expect.stringMatching(/4095/) }]);
    expect(corsa.seen.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('vfc-per-service with the app: a 3-circuit VFC is one slice of all its ofports; the app installing late keeps the bridge pending', async () => {
    const corsa = inProcessCorsa();
    const appSeen: HttpRequest[] = [];
    let state = 'pending';
    const slices = new Map<string, unknown>();
    const app: HttpTransport = async (r) => {
      appSeen.push(r);
      const dpid = /datapaths\/([0-9a-f]{16})\//.exec(r.path)?.[1] as string;
      if (r.method === 'PUT') slices.set(dpid, (r.body as { slices: unknown }).slices);
      const mine = (slices.get(dpid) ?? {}) as Record<string, { circuits: unknown[] }>;
      return {
        status: r.method === 'GET' && !slices.has(dpid) ? 404 : 200,
        body: { dpid, generation: 1, slices: Object.fromEntries(Object.entries(mine).map(([id, x]) => [id, { circuits: x.circuits, state }])) },
      };
    };
    fabric = new CorsaFabric(options(corsa.transport, { appTransport: app }));
    const heard: BridgeState[] = [];
    fabric.subscribe((s) => heard.push(s));
    const lan: BridgeSpec = { id: 'lab/2', circuits: [...ELINE.circuits, { interface: 'phys', label: 5, ingressMbps: 1, egressMbps: 1 }] };
    await fabric.ensureBridge(lan);
    const dpid = corsa.api.state().bridges.br1?.dpid as string;
    expect(appSeen.map((r) => [r.method, r.path, r.body])).toEqual([
      ['PUT', `datapaths/${dpid}/slices`, { generation: 1, slices: { 'lab/2': { circuits: [{ port: 1 }, { port: 2 }, { port: 3 }] } } }],
    ]);
    expect(heard.at(-1)).toEqual({ id: 'lab/2', condition: 'pending', reason: 'waiting for the port-group app to install the slice on VFC br1' });
    const up = new Promise<void>((resolve) => fabric?.subscribe((s) => s.condition === 'up' && resolve()));
    state = 'installed';
    await up;
    // it looked again (a GET after a short delay), without pushing again
    expect(appSeen.map((r) => r.method)).toEqual(['PUT', 'GET']);
  });
});
