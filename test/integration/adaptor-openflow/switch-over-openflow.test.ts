import { OpenflowFabric, type OpenflowFabricOptions } from '@dpb/adaptor-openflow';
import { type Runtime, type ServiceRequest, systemClock } from '@dpb/model';
import { MemoryStoreProvider } from '@dpb/store';
import { LogicalSwitch } from '@dpb/switch';
import { FakeApp } from '../../unit/adaptor-openflow/fake-app';

/**
 * A logical switch driving the OpenFlow fabric over real HTTP, against a
 * stand-in for the app that answers per the REST contract (the real app and
 * OVS are exercised by the e2e suite).
 */

const DPID = '0000000000000001';
const WAIT_MS = 5000;

interface Lab {
  app: FakeApp;
  provider: MemoryStoreProvider;
  fabric: OpenflowFabric;
  sw: LogicalSwitch;
  errors: string[];
  reopen(): Promise<void>;
  close(): Promise<void>;
}

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

async function start(options: Partial<OpenflowFabricOptions> = {}): Promise<Lab> {
  const app = await FakeApp.start();
  const provider = new MemoryStoreProvider();
  const errors: string[] = [];
  const runtime: Runtime = {
    clock: systemClock,
    logger: {
      debug() {},
      info() {},
      warn() {},
      error(message, fields) {
        if (!message.startsWith('openflow app refused')) errors.push(`${message} ${JSON.stringify(fields)}`);
      },
    },
  };
  const open = async () => {
    const fabric = new OpenflowFabric({
      controller: app.url,
      dpid: DPID,
      name: 'sw1',
      pushIntervalMs: 60_000,
      retryMinMs: 5,
      retryMaxMs: 50,
      statusPollMs: 5,
      runtime,
      ...options,
    });
    const sw = await LogicalSwitch.open({ name: 'sw1', fabric, store: provider.switchStore('sw1'), repairIntervalMs: 0, retryMinMs: 5, retryMaxMs: 50, runtime });
    return { fabric, sw };
  };
  const first = await open();
  const l: Lab = {
    app,
    provider,
    ...first,
    errors,
    async reopen() {
      await l.sw.close();
      await l.fabric.close();
      Object.assign(l, await open());
    },
    async close() {
      await l.sw.close();
      await l.fabric.close();
      await app.stop();
      if (errors.length > 0) throw new Error(`errors logged:\n${errors.join('\n')}`);
    },
  };
  for (const [t, d] of Object.entries({ a: '1', b: '2.100', c: 'phys', d: '4' })) await l.sw.addTerminal(t, d);
  return l;
}

const request = (...circuits: [string, number][]): ServiceRequest => ({
  circuits: circuits.map(([terminal, label]) => ({ terminal, label, ingressMbps: 10, egressMbps: 10 })),
});

async function activeService(l: Lab, req: ServiceRequest) {
  const s = await l.sw.createService();
  await s.define(req);
  await s.activate();
  expect(await s.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
  return s;
}

function appSlices(l: Lab): string[] {
  return [...(l.app.slices.get(DPID)?.keys() ?? [])].sort();
}

describe('a logical switch over the openflow fabric', () => {
  it('activates a service only once the app reports it installed, and release removes the slice', async () => {
    lab = await start();
    const s = await activeService(lab, request(['a', 10], ['b', 20], ['c', 5]));
    expect(appSlices(lab)).toEqual([`sw1/${s.id}`]);
    expect(lab.app.slices.get(DPID)?.get(`sw1/${s.id}`)?.circuits).toEqual([
      { port: 1, vlan: 10, ingressKbps: 10000, egressKbps: 10000 },
      { port: 2, vlan: 100, innerVlan: 20, ingressKbps: 10000, egressKbps: 10000 },
      { port: 5, ingressKbps: 10000, egressKbps: 10000 },
    ]);
    await s.release();
    expect(await s.awaitStatus(['RELEASED'], WAIT_MS)).toBe('RELEASED');
    expect(appSlices(lab)).toEqual([]);
  });

  it('labels outside an interface\'s space are refused at define', async () => {
    lab = await start({ ports: 8 });
    const s = await lab.sw.createService();
    for (const req of [request(['a', 4095], ['d', 1]), request(['c', 9], ['d', 1]), request(['b', 0], ['d', 1])]) {
      await expect(s.define(req)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { kind: 'label' } });
    }
    expect(lab.app.puts().every((p) => Object.keys((p.body as { slices: object }).slices).length === 0)).toBe(true);
  });

  it('stays ACTIVATING while the switch is not connected, ACTIVE once it is', async () => {
    lab = await start();
    lab.app.connected = false;
    const s = await lab.sw.createService();
    await s.define(request(['a', 10], ['d', 10]));
    await s.activate();
    expect(await s.awaitStatus(['ACTIVATING'], WAIT_MS)).toBe('ACTIVATING');
    await lab.app.waitFor(() => lab!.app.puts().length > 0 && 'sw1/1' in lab!.app.lastPut().slices);
    lab.app.connected = true;
    expect(await s.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
  });

  it('rides out an unreachable app: ACTIVATING, then ACTIVE without any client action', async () => {
    lab = await start();
    lab.app.fail(...Array.from({ length: 5 }, () => ({ kind: 'drop' as const })));
    const s = await lab.sw.createService();
    await s.define(request(['a', 11], ['d', 11]));
    await s.activate();
    expect(await s.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
    expect(appSlices(lab)).toEqual(['sw1/1']);
  });

  it('a slice the switch refuses fails the service, and the slice leaves the app', async () => {
    lab = await start();
    lab.app.stateOf = (id) => (id === 'sw1/2' ? { state: 'failed', reason: 'OFPMMFC_OUT_OF_METERS' } : { state: 'installed' });
    await activeService(lab, request(['a', 10], ['d', 10]));
    const s = await lab.sw.createService();
    await s.define(request(['a', 20], ['d', 20]));
    await s.activate();
    expect(await s.awaitStatus(['FAILED'], WAIT_MS)).toBe('FAILED');
    expect((await s.describe()).errors[0]?.details).toMatchObject({ bridge: 'sw1/2', reason: 'OFPMMFC_OUT_OF_METERS' });
    await lab.app.waitFor(() => !('sw1/2' in lab!.app.lastPut().slices));
    expect(appSlices(lab)).toEqual(['sw1/1']);
  });

  it('restores a restarted app from its timer', async () => {
    lab = await start({ pushIntervalMs: 40 });
    const s = await activeService(lab, request(['a', 10], ['d', 10]));
    lab.app.restart();
    await lab.app.waitFor(() => appSlices(lab!).length === 1);
    expect(appSlices(lab)).toEqual([`sw1/${s.id}`]);
    expect(await s.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
  });

  it('a broker restart never takes an active slice off the app', async () => {
    lab = await start();
    const s = await activeService(lab, request(['a', 10], ['d', 10]));
    const before = lab.app.puts().length;
    await lab.reopen();
    const again = await lab.sw.service(s.id);
    expect(await again.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
    const after = lab.app.puts().slice(before);
    expect(after.length).toBeGreaterThan(0);
    for (const p of after) expect(Object.keys((p.body as { slices: object }).slices)).toEqual([`sw1/${s.id}`]);
    expect(appSlices(lab)).toEqual([`sw1/${s.id}`]);
  });
});
