import { bridge, circuit, type CorsaRig, corsaRig } from './rig';
import type { AppStandIn } from './app-standin';

/**
 * vfc-per-service mode with dpb's port-group app (`app:`): each VFC's
 * ofports are pushed to the app as the one slice of the VFC's dpid, so an
 * E-Line is two static rules and more circuits a learning slice. The app is
 * the recording stand-in; the switch the emulator.
 */
let rig: CorsaRig;
afterEach(async () => {
  await rig?.close();
});

const ELINE = bridge('lab/1', circuit('phys.25', 100, 100, 50), circuit('phys.13', 400, 10, 20));
const LAN = bridge('lab/2', circuit('phys.3.100', 20), circuit('phys.4', 20), circuit('phys', 5));

const appOf = (r: CorsaRig): AppStandIn => r.app as AppStandIn;

/** Owned VFCs: bridge id -> { name, dpid, ofports }. */
function vfcs(r: CorsaRig): Record<string, { name: string; dpid: string; ofports: number[] }> {
  const out: Record<string, { name: string; dpid: string; ofports: number[] }> = {};
  for (const b of Object.values(r.emu.state().bridges)) {
    const id = b['bridge-descr'].replace(/^dpb:lab:complete:/, '');
    out[id] = { name: b.name, dpid: b.dpid, ofports: Object.values(b.tunnels).map((t) => t.ofport) };
  }
  return out;
}

const puts = (r: CorsaRig) => appOf(r).requests.filter((x) => x.method === 'PUT');

describe('corsa fabric, vfc-per-service mode with the port-group app', () => {
  it('builds the VFC, attaches the controller, then PUTs the VFC ofports as one slice for its dpid; up once installed', async () => {
    rig = await corsaRig({ app: true });
    await rig.fabric.ensureBridge(ELINE);
    await rig.until('lab/1', 'up');
    const { name, dpid } = vfcs(rig)['lab/1'] ?? { name: '', dpid: '' };
    expect(name).toBe('br1');
    expect(rig.timeline).toEqual([
      'corsa GET /api/v1/bridges?list=true',
      'corsa POST /api/v1/bridges',
      'corsa POST /api/v1/bridges/br1/tunnels',
      'corsa PATCH /api/v1/bridges/br1/tunnels/1',
      'corsa POST /api/v1/bridges/br1/tunnels',
      'corsa PATCH /api/v1/bridges/br1/tunnels/2',
      'corsa POST /api/v1/bridges/br1/controllers',
      'corsa PATCH /api/v1/bridges/br1',
      'corsa GET /api/v1/bridges/br1/controllers?list=true',
      'corsa GET /api/v1/bridges/br1',
      `app PUT /dpb/api/v1/datapaths/${dpid}/slices`,
    ]);
    expect(appOf(rig).requests).toEqual([
      { method: 'PUT', path: `/dpb/api/v1/datapaths/${dpid}/slices`, body: { generation: 1, slices: { 'lab/1': { circuits: [{ port: 1 }, { port: 2 }] } } } },
    ]);
    expect(rig.events).toEqual([
      { id: 'lab/1', condition: 'pending' },
      { id: 'lab/1', condition: 'up' },
    ]);
    // the tunnels still do tagging, shaping and metering
    expect(rig.emu.state().bridges.br1?.tunnels[1]).toMatchObject({ port: '13', 'vlan-id': 400, 'shaped-rate': 20, meter: { cir: 10_000, cbs: 25 } });
  });

  it('each service gets its own VFC and its own dpid at the app; a multipoint service is one slice of all its ofports', async () => {
    rig = await corsaRig({ app: true });
    await rig.fabric.reconcile([ELINE, LAN]);
    await rig.until('lab/1', 'up');
    await rig.until('lab/2', 'up');
    const v = vfcs(rig);
    expect(v['lab/1']?.dpid).not.toBe(v['lab/2']?.dpid);
    expect(appOf(rig).slices(v['lab/1']?.dpid ?? '')).toEqual({ 'lab/1': [1, 2] });
    expect(appOf(rig).slices(v['lab/2']?.dpid ?? '')).toEqual({ 'lab/2': [1, 2, 3] });
  });

  it('stays pending (with the app reason) until the app reports the slice installed, polling without pushing again', async () => {
    rig = await corsaRig({ app: true });
    appOf(rig).install = 'pending';
    await rig.fabric.ensureBridge(ELINE);
    await rig.when(() => rig.events.some((e) => /install the slice on VFC br1: port 3 is not on the switch/.test(e.reason ?? '')));
    expect(rig.events.at(-1)?.condition).toBe('pending');
    appOf(rig).install = 'installed';
    await rig.until('lab/1', 'up');
    expect(puts(rig)).toHaveLength(1);
    expect(appOf(rig).requests.filter((r) => r.method === 'GET').length).toBeGreaterThan(0);
  });

  it('removal: the app forgets the slice (DELETE) before the VFC is deleted', async () => {
    rig = await corsaRig({ app: true });
    await rig.fabric.ensureBridge(ELINE);
    await rig.until('lab/1', 'up');
    const { dpid } = vfcs(rig)['lab/1'] ?? { dpid: '' };
    rig.timeline.length = 0;
    await rig.fabric.removeBridge('lab/1');
    expect(rig.timeline).toEqual([`app DELETE /dpb/api/v1/datapaths/${dpid}/slices`, 'corsa DELETE /api/v1/bridges/br1']);
    expect(appOf(rig).slices(dpid)).toEqual({});
    expect(rig.events.at(-1)).toEqual({ id: 'lab/1', condition: 'absent' });
    expect(rig.emu.state().bridges).toEqual({});
  });

  it('removal while the app cannot be reached: the VFC goes anyway (its traffic stops); the slice is cleared once the app answers', async () => {
    rig = await corsaRig({ app: true });
    await rig.fabric.ensureBridge(ELINE);
    await rig.until('lab/1', 'up');
    const { dpid } = vfcs(rig)['lab/1'] ?? { dpid: '' };
    appOf(rig).failNext(503, 2); // before the deletion, and once more at the end of that pass
    await rig.fabric.removeBridge('lab/1');
    expect(rig.emu.state().bridges).toEqual({});
    expect(rig.events.at(-1)).toEqual({ id: 'lab/1', condition: 'absent' });
    expect(appOf(rig).slices(dpid)).toEqual({ 'lab/1': [1, 2] });
    await rig.fabric.reconcile([]);
    expect(appOf(rig).slices(dpid)).toEqual({});
  });

  it('the app down at activation: the VFC stays, the bridge is pending with the reason, and comes up once the app answers', async () => {
    rig = await corsaRig({ app: true });
    appOf(rig).failNext(503, 2);
    await rig.fabric.ensureBridge(ELINE);
    expect(rig.events.at(-1)).toMatchObject({ id: 'lab/1', condition: 'pending', reason: expect.stringMatching(/^port-group app: .*503/) });
    await rig.until('lab/1', 'up');
    // built once: no rollback for an app failure
    expect(rig.emu.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/bridges')).toHaveLength(1);
    expect(appOf(rig).slices(vfcs(rig)['lab/1']?.dpid ?? '')).toEqual({ 'lab/1': [1, 2] });
  });

  it('a slice the app refuses (400) fails the bridge; its VFC is deleted and the app cleared', async () => {
    rig = await corsaRig({ app: true });
    appOf(rig).failNext(400, 1, { field: 'slices["lab/1"]' });
    await rig.fabric.ensureBridge(ELINE);
    const failed = await rig.until('lab/1', 'failed');
    expect(failed.reason).toMatch(/^port-group app: .*400/);
    expect(rig.emu.state().bridges).toEqual({});
    // asking again retries
    await rig.fabric.ensureBridge(ELINE);
    await rig.until('lab/1', 'up');
  });

  it('a stale generation (the app knows a newer one) is answered by reading the app and pushing above it', async () => {
    rig = await corsaRig({ app: true });
    appOf(rig).failNext(409, 1, { field: 'generation' });
    await rig.fabric.ensureBridge(ELINE);
    await rig.until('lab/1', 'up');
    expect(appOf(rig).requests.map((r) => r.method)).toEqual(['PUT', 'GET', 'PUT']);
  });

  it('circuit changes: new ofports are pushed; an egress change re-attaches at the same ofport and pushes again (the app re-admits it)', async () => {
    rig = await corsaRig({ app: true });
    await rig.fabric.ensureBridge(ELINE);
    await rig.until('lab/1', 'up');
    const { dpid } = vfcs(rig)['lab/1'] ?? { dpid: '' };
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('phys.25', 100, 100, 50), circuit('phys.13', 400, 10, 20), circuit('phys.14', 7)));
    await rig.until('lab/1', 'up');
    expect(appOf(rig).slices(dpid)).toEqual({ 'lab/1': [1, 2, 3] });
    const before = puts(rig).length;
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('phys.25', 100, 100, 70), circuit('phys.13', 400, 10, 20), circuit('phys.14', 7)));
    await rig.until('lab/1', 'up');
    expect(puts(rig)).toHaveLength(before + 1);
    expect(appOf(rig).slices(dpid)).toEqual({ 'lab/1': [1, 2, 3] });
    // an ingress change is a meter PATCH only: nothing for the app
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('phys.25', 100, 30, 70), circuit('phys.13', 400, 10, 20), circuit('phys.14', 7)));
    expect(puts(rig)).toHaveLength(before + 1);
  });

  it('[R11] a broker restart: the new fabric reads the app, finds the slice installed, and changes nothing on the switch or the app', async () => {
    rig = await corsaRig({ app: true });
    await rig.fabric.reconcile([ELINE, LAN]);
    await rig.until('lab/1', 'up');
    await rig.until('lab/2', 'up');
    await rig.fabric.close();
    rig.take();
    const before = appOf(rig).requests.length;
    const second = rig.reopen();
    await second.reconcile([ELINE, LAN]);
    expect(await second.bridges()).toEqual([
      { id: 'lab/1', condition: 'up' },
      { id: 'lab/2', condition: 'up' },
    ]);
    expect(rig.take()).toEqual([]);
    expect(appOf(rig).requests.slice(before).map((r) => r.method)).toEqual(['GET', 'GET']);
  });

  it('an app restart (it forgot everything) is repaired by the next read-back: the slice is pushed again', async () => {
    rig = await corsaRig({ app: true });
    await rig.fabric.ensureBridge(ELINE);
    await rig.until('lab/1', 'up');
    const { dpid } = vfcs(rig)['lab/1'] ?? { dpid: '' };
    appOf(rig).restart();
    await rig.fabric.reconcile([ELINE]);
    expect(appOf(rig).slices(dpid)).toEqual({ 'lab/1': [1, 2] });
  });

  it('an emulated reboot: the VFC comes back with a new dpid, which gets the slice; the old dpid is cleared at the app', async () => {
    rig = await corsaRig({ app: true, fabric: { pushIntervalMs: 100 } });
    await rig.fabric.reconcile([ELINE]);
    await rig.until('lab/1', 'up');
    const old = vfcs(rig)['lab/1']?.dpid ?? '';
    const before = rig.events.length;
    rig.emu.faults.reboot();
    await rig.when(() => rig.events.slice(before).some((e) => e.condition === 'up'));
    const now = vfcs(rig)['lab/1']?.dpid ?? '';
    expect(now).not.toBe(old);
    expect(appOf(rig).slices(now)).toEqual({ 'lab/1': [1, 2] });
    await rig.when(() => appOf(rig).requests.some((r) => r.method === 'DELETE' && r.path.includes(old)));
    expect(appOf(rig).slices(old)).toEqual({});
  });

  it('without app, nothing is sent to any app and the bridge is up once the controller is attached (a generic learning controller)', async () => {
    rig = await corsaRig();
    await rig.fabric.ensureBridge(ELINE);
    await rig.until('lab/1', 'up');
    expect(rig.timeline.filter((t) => t.startsWith('app '))).toEqual([]);
    expect(rig.timeline.at(-1)).toBe('corsa GET /api/v1/bridges/br1/controllers?list=true');
  });
});
