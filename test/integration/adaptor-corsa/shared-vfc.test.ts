import type { BridgeState } from '@dpb/model';
import { bridge, circuit, type CorsaRig, corsaRig, corsaCall } from './rig';

let rig: CorsaRig;
afterEach(async () => {
  await rig?.close();
});

const A = bridge('lab/1', circuit('phys.25', 100, 100, 50), circuit('phys.13', 400, 10, 20));
const B = bridge('lab/2', circuit('phys.3.100', 20), circuit('phys.4', 20), circuit('phys', 5));

/** The shared VFC's name and dpid. */
function sharedVfc(r: CorsaRig): { name: string; dpid: string } {
  const b = Object.values(r.emu.state().bridges).find((x) => x['bridge-descr'] === 'dpb:lab:shared');
  if (!b) throw new Error('no shared VFC');
  return { name: b.name, dpid: b.dpid };
}

/** Bridge id -> its ofports on the shared VFC, from the tunnels' ifdescr. */
function portsByBridge(r: CorsaRig): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  const { name } = sharedVfc(r);
  for (const t of Object.values(r.emu.state().bridges[name]?.tunnels ?? {})) {
    const id = t.ifdescr.replace(/^dpb:lab:/, '');
    (out[id] ??= []).push(t.ofport);
  }
  for (const v of Object.values(out)) v.sort((a, b) => a - b);
  return out;
}

describe('corsa fabric, shared-vfc mode', () => {
  it('creates the shared VFC once, attaches tunnels tagged with the bridge id, then PUTs the complete slice set', async () => {
    rig = await corsaRig({ shared: true });
    await rig.fabric.ensureBridge(A);
    await rig.until('lab/1', 'up');
    const { dpid } = sharedVfc(rig);
    expect(rig.take({ gets: true })).toEqual([
      { method: 'GET', path: '/api/v1/bridges?list=true', body: undefined },
      {
        method: 'POST',
        path: '/api/v1/bridges',
        body: { bridge: 'br1', subtype: 'openflow', resources: 3, netns: 'default', 'bridge-descr': 'dpb:lab:partial:shared' },
      },
      { method: 'POST', path: '/api/v1/bridges/br1/controllers', body: { controller: 'dpb', ip: '172.17.1.1', port: 6653, tls: false } },
      { method: 'PATCH', path: '/api/v1/bridges/br1', body: [{ op: 'replace', path: '/bridge-descr', value: 'dpb:lab:shared' }] },
      { method: 'GET', path: '/api/v1/bridges/br1', body: undefined },
      { method: 'POST', path: '/api/v1/bridges/br1/tunnels', body: { ofport: 1, port: '13', 'vlan-id': 400, 'shaped-rate': 20, ifdescr: 'dpb:lab:lab/1' } },
      {
        method: 'PATCH',
        path: '/api/v1/bridges/br1/tunnels/1',
        body: [
          { op: 'replace', path: '/meter/cir', value: 10_000 },
          { op: 'replace', path: '/meter/cbs', value: 25 },
        ],
      },
      { method: 'POST', path: '/api/v1/bridges/br1/tunnels', body: { ofport: 2, port: '25', 'vlan-id': 100, 'shaped-rate': 50, ifdescr: 'dpb:lab:lab/1' } },
      {
        method: 'PATCH',
        path: '/api/v1/bridges/br1/tunnels/2',
        body: [
          { op: 'replace', path: '/meter/cir', value: 100_000 },
          { op: 'replace', path: '/meter/cbs', value: 250 },
        ],
      },
    ]);
    expect(rig.app?.requests).toEqual([
      { method: 'GET', path: `/dpb/api/v1/datapaths/${dpid}/slices?switch=0`, body: undefined },
      { method: 'PUT', path: `/dpb/api/v1/datapaths/${dpid}/slices`, body: { generation: 1, slices: { 'lab/1': { circuits: [{ port: 1 }, { port: 2 }] } } } },
    ]);
    expect(rig.events).toEqual([
      { id: 'lab/1', condition: 'pending' },
      { id: 'lab/1', condition: 'up' },
    ]);
  });

  it('gives each bridge its own fresh ofports, QinQ and whole ports included; the PUT names every slice', async () => {
    rig = await corsaRig({ shared: true });
    await rig.fabric.reconcile([A, B]);
    await rig.until('lab/1', 'up');
    await rig.until('lab/2', 'up');
    expect(portsByBridge(rig)).toEqual({ 'lab/1': [1, 2], 'lab/2': [3, 4, 5] });
    const { dpid, name } = sharedVfc(rig);
    expect(rig.app?.slices(dpid)).toEqual({ 'lab/1': [1, 2], 'lab/2': [3, 4, 5] });
    const types = Object.values(rig.emu.state().bridges[name]?.tunnels ?? {}).map((t) => `${t.ofport}:${t.type}:${t.port}`);
    expect(types).toEqual(['1:ctag:13', '2:ctag:25', '3:stag-ctag:3', '4:ctag:4', '5:untagged:5']);
    // only one VFC for everything
    expect(Object.keys(rig.emu.state().bridges)).toEqual([name]);
  });

  it('[R9] on removal the app is told the new port sets before any tunnel is detached', async () => {
    rig = await corsaRig({ shared: true });
    await rig.fabric.reconcile([A, B]);
    await rig.until('lab/2', 'up');
    rig.timeline.length = 0;
    await rig.fabric.removeBridge('lab/2');
    const { dpid, name } = sharedVfc(rig);
    expect(rig.timeline).toEqual([
      `app PUT /dpb/api/v1/datapaths/${dpid}/slices`,
      `corsa DELETE /api/v1/bridges/${name}/tunnels/3`,
      `corsa DELETE /api/v1/bridges/${name}/tunnels/4`,
      `corsa DELETE /api/v1/bridges/${name}/tunnels/5`,
    ]);
    expect(rig.app?.slices(dpid)).toEqual({ 'lab/1': [1, 2] });
    expect(rig.events.at(-1)).toEqual({ id: 'lab/2', condition: 'absent' });
    expect(portsByBridge(rig)).toEqual({ 'lab/1': [1, 2] });
  });

  it('[R9] an ofport is not reused while the app may still group it with other ports', async () => {
    rig = await corsaRig({ shared: true });
    await rig.fabric.reconcile([A, B]);
    await rig.until('lab/2', 'up');
    // the app cannot be told: lab/2's tunnels are detached anyway (release must work), but its ofports are held back
    rig.app?.failNext(503, 2);
    await rig.fabric.removeBridge('lab/2');
    expect(portsByBridge(rig)).toEqual({ 'lab/1': [1, 2] });
    const C = bridge('lab/3', circuit('phys.7', 70), circuit('phys.8', 80));
    await rig.fabric.ensureBridge(C);
    await rig.until('lab/3', 'up');
    expect(portsByBridge(rig)).toEqual({ 'lab/1': [1, 2], 'lab/3': [6, 7] });
    // once the app confirmed a set without them, they are free again
    await rig.fabric.ensureBridge(bridge('lab/4', circuit('phys.9', 90), circuit('phys.10', 90)));
    await rig.until('lab/4', 'up');
    expect(portsByBridge(rig)['lab/4']).toEqual([3, 4]);
  });

  it('a bridge is pending until the app reports its slice installed', async () => {
    rig = await corsaRig({ shared: true });
    (rig.app as NonNullable<CorsaRig['app']>).install = 'pending';
    await rig.fabric.ensureBridge(A);
    const pending = await rig.until('lab/1', 'pending');
    await rig.when(() => rig.events.some((e) => /install/.test(e.reason ?? '')));
    expect(rig.events.at(-1)?.reason).toMatch(/port 3 is not on the switch/);
    expect(pending.condition).toBe('pending');
    (rig.app as NonNullable<CorsaRig['app']>).install = 'installed';
    await rig.until('lab/1', 'up');
    // it looked again with GETs, without pushing again
    expect(rig.app?.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
  });

  it('while the app cannot be reached, new circuits wait (no ofport is allocated blind); then they come up', async () => {
    rig = await corsaRig({ shared: true });
    await rig.fabric.ensureBridge(A);
    await rig.until('lab/1', 'up');
    rig.app?.restart();
    rig.app?.failNext(503, 3);
    await rig.fabric.reconcile([A, B]);
    expect((await rig.fabric.bridges()).find((b) => b.id === 'lab/2')).toMatchObject({ condition: 'pending', reason: expect.stringMatching(/app/) });
    await rig.until('lab/2', 'up');
    const { dpid } = sharedVfc(rig);
    // the restarted app got the complete set back
    expect(rig.app?.slices(dpid)).toEqual({ 'lab/1': [1, 2], 'lab/2': [3, 4, 5] });
  });

  it('[R11] a broker restart keeps every tunnel (no detach-everything) and pushes the complete set again', async () => {
    rig = await corsaRig({ shared: true });
    await rig.fabric.reconcile([A, B]);
    await rig.until('lab/1', 'up');
    await rig.until('lab/2', 'up');
    await rig.fabric.close();
    const before = rig.emu.state();
    rig.take();
    rig.app?.restart(); // the app restarted too: its state is empty
    const seen: BridgeState[] = [];
    const second = rig.reopen();
    second.subscribe((s) => seen.push(s));
    await second.reconcile([A, B]);
    await rig.until('lab/2', 'up', second);
    expect(rig.take()).toEqual([]); // no change on the switch
    expect(rig.emu.state()).toEqual(before);
    const { dpid } = sharedVfc(rig);
    expect(rig.app?.slices(dpid)).toEqual({ 'lab/1': [1, 2], 'lab/2': [3, 4, 5] });
    expect(seen.every((s) => s.condition === 'up')).toBe(true);
  });

  it('after a restart, tunnels of bridges nobody wants are detached (after telling the app); the rest stay', async () => {
    rig = await corsaRig({ shared: true });
    await rig.fabric.reconcile([A, B]);
    await rig.until('lab/2', 'up');
    await rig.fabric.close();
    rig.timeline.length = 0;
    const second = rig.reopen();
    await second.reconcile([A]);
    const { dpid, name } = sharedVfc(rig);
    expect(rig.timeline.filter((l) => !l.includes(' GET '))).toEqual([
      `app PUT /dpb/api/v1/datapaths/${dpid}/slices`,
      `corsa DELETE /api/v1/bridges/${name}/tunnels/3`,
      `corsa DELETE /api/v1/bridges/${name}/tunnels/4`,
      `corsa DELETE /api/v1/bridges/${name}/tunnels/5`,
    ]);
    expect(portsByBridge(rig)).toEqual({ 'lab/1': [1, 2] });
    expect(await second.bridges()).toEqual([{ id: 'lab/1', condition: 'up' }]);
  });

  it('an emulated reboot: the shared VFC comes back with a new dpid, every bridge is restored, the old dpid is cleared at the app', async () => {
    rig = await corsaRig({ shared: true, fabric: { pushIntervalMs: 100 } });
    await rig.fabric.reconcile([A, B]);
    await rig.until('lab/1', 'up');
    await rig.until('lab/2', 'up');
    const old = sharedVfc(rig).dpid;
    const before = rig.events.length;
    rig.emu.faults.reboot();
    await rig.when(() => rig.events.slice(before).filter((e) => e.condition === 'up').length === 2);
    const now = sharedVfc(rig).dpid;
    expect(now).not.toBe(old);
    expect(rig.app?.slices(now)).toEqual({ 'lab/1': [1, 2], 'lab/2': [3, 4, 5] });
    await rig.when(() => rig.app?.requests.some((r) => r.method === 'DELETE' && r.path.includes(old)) === true);
    expect(rig.app?.slices(old)).toEqual({});
  });

  it('[R12] a tunnel the switch refuses fails that bridge only; what it attached is detached again', async () => {
    rig = await corsaRig({ shared: true });
    await rig.fabric.ensureBridge(A);
    await rig.until('lab/1', 'up');
    const { name } = sharedVfc(rig);
    await corsaCall(rig.emu, 'POST', 'bridges', { bridge: 'br9', subtype: 'openflow', resources: 3, 'bridge-descr': 'foreign' });
    await corsaCall(rig.emu, 'POST', 'bridges/br9/tunnels', { ofport: 1, port: '5' });
    await rig.fabric.ensureBridge(B);
    expect((await rig.until('lab/2', 'failed')).reason).toMatch(/409/);
    expect(portsByBridge(rig)).toEqual({ 'lab/1': [1, 2] });
    expect(await rig.fabric.bridges()).toEqual([
      { id: 'lab/1', condition: 'up' },
      { id: 'lab/2', condition: 'failed', reason: expect.stringMatching(/409/) },
    ]);
  });

  it('circuit changes: an egress change re-attaches at the same ofport; a replaced circuit may take the ofport the app confirmed free', async () => {
    rig = await corsaRig({ shared: true });
    await rig.fabric.reconcile([A, B]);
    await rig.until('lab/2', 'up');
    const changed = bridge('lab/1', circuit('phys.25', 100, 100, 70), circuit('phys.14', 400, 10, 20));
    await rig.fabric.ensureBridge(changed);
    await rig.until('lab/1', 'up');
    expect(portsByBridge(rig)).toEqual({ 'lab/1': [1, 2], 'lab/2': [3, 4, 5] });
    const { dpid, name } = sharedVfc(rig);
    expect(rig.app?.slices(dpid)).toEqual({ 'lab/1': [1, 2], 'lab/2': [3, 4, 5] });
    expect(rig.emu.state().bridges[name]?.tunnels[1]).toMatchObject({ port: '14', 'vlan-id': 400 });
    expect(rig.emu.state().bridges[name]?.tunnels[2]?.['shaped-rate']).toBe(70);
  });

  it('a stale generation (someone pushed a newer one) is answered by reading the app and pushing above it', async () => {
    rig = await corsaRig({ shared: true });
    await rig.fabric.ensureBridge(A);
    await rig.until('lab/1', 'up');
    const { dpid } = sharedVfc(rig);
    // another writer moved the app to generation 50
    const r = await fetch(`${rig.app?.url}/dpb/api/v1/datapaths/${dpid}/slices`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ generation: 50, slices: { 'lab/1': { circuits: [{ port: 1 }, { port: 2 }] } } }),
    });
    expect(r.status).toBe(200);
    await rig.fabric.ensureBridge(B);
    await rig.until('lab/2', 'up');
    const puts = (rig.app?.requests ?? []).filter((x) => x.method === 'PUT').map((x) => (x.body as { generation: number }).generation);
    expect(puts).toEqual([1, 50, 2, 51]);
    expect(rig.app?.slices(dpid)).toEqual({ 'lab/1': [1, 2], 'lab/2': [3, 4, 5] });
  });

  it('a slice the app refuses (4xx naming it) fails that bridge, and its tunnels are detached', async () => {
    rig = await corsaRig({ shared: true });
    await rig.fabric.ensureBridge(A);
    await rig.until('lab/1', 'up');
    const app = rig.app as NonNullable<CorsaRig['app']>;
    const original = app.onRequest;
    let refused = false;
    app.onRequest = (r) => {
      original?.(r);
      if (!refused && r.method === 'PUT' && JSON.stringify(r.body).includes('lab/2')) {
        refused = true;
        app.failNext(400, 1, { field: 'slices["lab/2"].circuits[0].port' });
      }
    };
    await rig.fabric.ensureBridge(B);
    const failed = await rig.until('lab/2', 'failed');
    expect(failed.reason).toMatch(/400/);
    expect(portsByBridge(rig)).toEqual({ 'lab/1': [1, 2] });
    expect((await rig.fabric.bridges()).find((b) => b.id === 'lab/1')?.condition).toBe('up');
  });

  it('a circuit held by a tunnel dpb does not own on the shared VFC fails the bridge at once', async () => {
    rig = await corsaRig({ shared: true });
    await rig.fabric.ensureBridge(A);
    await rig.until('lab/1', 'up');
    const { name } = sharedVfc(rig);
    await corsaCall(rig.emu, 'POST', `bridges/${name}/tunnels`, { ofport: 40, port: '4', 'vlan-id': 20, ifdescr: 'manual' });
    await rig.fabric.reconcile([A, B]);
    expect((await rig.until('lab/2', 'failed')).reason).toMatch(/does not own/);
    expect(portsByBridge(rig)).toEqual({ 'lab/1': [1, 2], manual: [40] });
    expect(rig.emu.state().bridges[name]?.tunnels[40]?.ifdescr).toBe('manual');
  });

  it('an egress change re-attaches the tunnel at its ofport and pushes the unchanged set again (the app re-admits a port only when a PUT lists it)', async () => {
    rig = await corsaRig({ shared: true });
    await rig.fabric.ensureBridge(A);
    await rig.until('lab/1', 'up');
    const { dpid, name } = sharedVfc(rig);
    rig.timeline.length = 0;
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('phys.25', 100, 100, 60), circuit('phys.13', 400, 10, 20)));
    await rig.until('lab/1', 'up');
    expect(rig.timeline.filter((l) => !l.includes(' GET '))).toEqual([
      `corsa DELETE /api/v1/bridges/${name}/tunnels/2`,
      `corsa POST /api/v1/bridges/${name}/tunnels`,
      `corsa PATCH /api/v1/bridges/${name}/tunnels/2`,
      `app PUT /dpb/api/v1/datapaths/${dpid}/slices`,
    ]);
    expect(rig.app?.slices(dpid)).toEqual({ 'lab/1': [1, 2] });
    expect(rig.emu.state().bridges[name]?.tunnels[2]?.['shaped-rate']).toBe(60);
  });
});
