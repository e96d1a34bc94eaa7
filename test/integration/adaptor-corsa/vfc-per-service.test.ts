import { bridge, circuit, type CorsaRig, corsaRig, corsaCall } from './rig';

let rig: CorsaRig;
afterEach(async () => {
  await rig?.close();
});

const meter = (cir: number, cbs: number) => [
  { op: 'replace', path: '/meter/cir', value: cir },
  { op: 'replace', path: '/meter/cbs', value: cbs },
];

describe('corsa fabric, vfc-per-service mode', () => {
  it('builds one VFC per bridge with the exact request sequence and reports pending, then up', async () => {
    rig = await corsaRig();
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('phys.25', 100, 100, 50), circuit('phys.13', 400, 10, 20)));
    await rig.until('lab/1', 'up');
    expect(rig.take({ gets: true })).toEqual([
      { method: 'GET', path: '/api/v1/bridges?list=true', body: undefined },
      {
        method: 'POST',
        path: '/api/v1/bridges',
        body: { bridge: 'br1', subtype: 'openflow', resources: 3, netns: 'default', 'bridge-descr': 'dpb:lab:partial:lab/1' },
      },
      { method: 'POST', path: '/api/v1/bridges/br1/tunnels', body: { ofport: 1, port: '13', 'vlan-id': 400, 'shaped-rate': 20, ifdescr: 'dpb:lab:lab/1' } },
      { method: 'PATCH', path: '/api/v1/bridges/br1/tunnels/1', body: meter(10_000, 25) },
      { method: 'POST', path: '/api/v1/bridges/br1/tunnels', body: { ofport: 2, port: '25', 'vlan-id': 100, 'shaped-rate': 50, ifdescr: 'dpb:lab:lab/1' } },
      { method: 'PATCH', path: '/api/v1/bridges/br1/tunnels/2', body: meter(100_000, 250) },
      { method: 'POST', path: '/api/v1/bridges/br1/controllers', body: { controller: 'dpb', ip: '172.17.1.1', port: 6653, tls: false } },
      { method: 'PATCH', path: '/api/v1/bridges/br1', body: [{ op: 'replace', path: '/bridge-descr', value: 'dpb:lab:complete:lab/1' }] },
      { method: 'GET', path: '/api/v1/bridges/br1/controllers?list=true', body: undefined },
    ]);
    expect(rig.events).toEqual([
      { id: 'lab/1', condition: 'pending' },
      { id: 'lab/1', condition: 'up' },
    ]);
    const br1 = rig.emu.state().bridges.br1;
    expect(br1).toMatchObject({ subtype: 'openflow', resources: 3, netns: 'default', 'bridge-descr': 'dpb:lab:complete:lab/1' });
    expect(br1?.controllers.dpb).toMatchObject({ host: '172.17.1.1', port: 6653, tls: false });
    expect(br1?.tunnels[1]).toMatchObject({ type: 'ctag', port: '13', 'vlan-id': 400, 'is-shaped': true, 'shaped-rate': 20, meter: { cir: 10_000, cbs: 25 } });
    expect(br1?.tunnels[2]).toMatchObject({ type: 'ctag', port: '25', 'vlan-id': 100, 'shaped-rate': 50, meter: { cir: 100_000, cbs: 250 } });
    expect(await rig.fabric.bridges()).toEqual([{ id: 'lab/1', condition: 'up' }]);
  });

  it('maps untagged ports, C-tags, QinQ and LAGs onto the matching tunnel types (multipoint)', async () => {
    rig = await corsaRig({ fabric: { lags: 4 } });
    await rig.fabric.ensureBridge(
      bridge('lab/2', circuit('phys', 7, 5), circuit('phys.3.100', 20, 5), circuit('lag.2', 30, 5), circuit('lag', 4, 5)),
    );
    await rig.until('lab/2', 'up');
    const tunnels = Object.values(rig.emu.state().bridges.br1?.tunnels ?? {}).map((t) => ({
      ofport: t.ofport,
      type: t.type,
      port: t.port,
      vlan: t['vlan-id'],
      inner: t['inner-vlan-id'],
    }));
    expect(tunnels).toEqual([
      { ofport: 1, type: 'stag-ctag', port: '3', vlan: 100, inner: 20 },
      { ofport: 2, type: 'untagged', port: '7', vlan: undefined, inner: undefined },
      { ofport: 3, type: 'ctag', port: 'lag2', vlan: 30, inner: undefined },
      { ofport: 4, type: 'untagged', port: 'lag4', vlan: undefined, inner: undefined },
    ]);
  });

  it('is idempotent: the same bridge again sends nothing, and equal interfaces in other spellings are the same bridge', async () => {
    rig = await corsaRig();
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('phys.25', 100), circuit('phys.13', 400)));
    await rig.until('lab/1', 'up');
    rig.take({ gets: true });
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('phys.25', 100), circuit('phys.13', 400)));
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('13', 400), circuit('PHYS025', 100)));
    expect(rig.take({ gets: true })).toEqual([]);
    expect(rig.events.map((e) => e.condition)).toEqual(['pending', 'up']);
  });

  it('an ingress change patches the meter only, and the bridge stays up', async () => {
    rig = await corsaRig();
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('phys.25', 100, 100, 100), circuit('phys.13', 400, 100, 100)));
    await rig.until('lab/1', 'up');
    rig.take();
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('phys.25', 100, 40, 100), circuit('phys.13', 400, 100, 100)));
    expect(rig.take()).toEqual([{ method: 'PATCH', path: '/api/v1/bridges/br1/tunnels/2', body: meter(40_000, 100) }]);
    expect(rig.events.map((e) => e.condition)).toEqual(['pending', 'up']);
    expect(rig.emu.state().bridges.br1?.tunnels[2]?.meter).toMatchObject({ cir: 40_000, cbs: 100 });
  });

  it('an egress change re-attaches the tunnel at the same ofport (shaping is fixed at attach)', async () => {
    rig = await corsaRig();
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('phys.25', 100, 100, 100), circuit('phys.13', 400, 100, 100)));
    await rig.until('lab/1', 'up');
    rig.take();
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('phys.25', 100, 100, 30), circuit('phys.13', 400, 100, 100)));
    await rig.until('lab/1', 'up');
    expect(rig.take()).toEqual([
      { method: 'DELETE', path: '/api/v1/bridges/br1/tunnels/2', body: undefined },
      { method: 'POST', path: '/api/v1/bridges/br1/tunnels', body: { ofport: 2, port: '25', 'vlan-id': 100, 'shaped-rate': 30, ifdescr: 'dpb:lab:lab/1' } },
      { method: 'PATCH', path: '/api/v1/bridges/br1/tunnels/2', body: meter(100_000, 250) },
    ]);
    expect(rig.events.map((e) => e.condition)).toEqual(['pending', 'up', 'pending', 'up']);
    expect(rig.emu.state().bridges.br1?.tunnels[2]?.['shaped-rate']).toBe(30);
  });

  it('a new circuit set is applied in place: gone circuits detached, new ones attached at free ofports', async () => {
    rig = await corsaRig();
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('phys.25', 100), circuit('phys.13', 400), circuit('phys.14', 400)));
    await rig.until('lab/1', 'up');
    rig.take();
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('phys.25', 100), circuit('phys.14', 400), circuit('phys.15', 401)));
    await rig.until('lab/1', 'up');
    expect(rig.take()).toEqual([
      { method: 'DELETE', path: '/api/v1/bridges/br1/tunnels/1', body: undefined },
      { method: 'POST', path: '/api/v1/bridges/br1/tunnels', body: { ofport: 1, port: '15', 'vlan-id': 401, 'shaped-rate': 100, ifdescr: 'dpb:lab:lab/1' } },
      { method: 'PATCH', path: '/api/v1/bridges/br1/tunnels/1', body: meter(100_000, 250) },
    ]);
    const ports = Object.values(rig.emu.state().bridges.br1?.tunnels ?? {}).map((t) => `${t.port}.${t['vlan-id']}`);
    expect(ports.sort()).toEqual(['14.400', '15.401', '25.100']);
  });

  it('removeBridge deletes the VFC and reports absent; removing it again does nothing', async () => {
    rig = await corsaRig();
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('phys.25', 100), circuit('phys.13', 400)));
    await rig.until('lab/1', 'up');
    rig.take();
    await rig.fabric.removeBridge('lab/1');
    expect(rig.take()).toEqual([{ method: 'DELETE', path: '/api/v1/bridges/br1', body: undefined }]);
    expect(rig.events.at(-1)).toEqual({ id: 'lab/1', condition: 'absent' });
    expect(rig.emu.state().bridges).toEqual({});
    await rig.fabric.removeBridge('lab/1');
    await rig.fabric.removeBridge('lab/never');
    expect(rig.take({ gets: true })).toEqual([]);
    expect(await rig.fabric.bridges()).toEqual([]);
  });

  it('allocates the lowest free VFC name, leaves foreign VFCs alone, and on 409 reads the names again', async () => {
    rig = await corsaRig();
    await corsaCall(rig.emu, 'POST', 'bridges', { bridge: 'br1', subtype: 'openflow', resources: 2, 'bridge-descr': 'someone else' });
    rig.take();
    rig.emu.faults.failNext({ method: 'POST', path: /^\/api\/v1\/bridges$/ }, 409, { error: 'bridge-exists', message: 'bridge br2 already exists' });
    await rig.fabric.reconcile([bridge('lab/1', circuit('phys.25', 100), circuit('phys.13', 400))]);
    await rig.until('lab/1', 'up');
    const calls = rig.take({ gets: true }).map((r) => `${r.method} ${r.path}${r.method === 'POST' && r.path.endsWith('/bridges') ? ` ${(r.body as { bridge: string }).bridge}` : ''}`);
    expect(calls.slice(0, 5)).toEqual([
      'GET /api/v1/bridges?list=true',
      'POST /api/v1/bridges br2',
      'GET /api/v1/bridges?list=true',
      'POST /api/v1/bridges br3',
      'POST /api/v1/bridges/br3/tunnels',
    ]);
    const state = rig.emu.state();
    expect(Object.keys(state.bridges).sort()).toEqual(['br1', 'br3']);
    expect(state.bridges.br1?.['bridge-descr']).toBe('someone else');
  });

  it('a circuit held by a foreign VFC fails the bridge, with the VFC rolled back', async () => {
    rig = await corsaRig();
    await corsaCall(rig.emu, 'POST', 'bridges', { bridge: 'br1', subtype: 'openflow', resources: 2, 'bridge-descr': 'someone else' });
    await corsaCall(rig.emu, 'POST', 'bridges/br1/tunnels', { ofport: 1, port: '13', 'vlan-id': 400 });
    rig.take();
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('phys.25', 100), circuit('phys.13', 400)));
    const failed = await rig.until('lab/1', 'failed');
    expect(failed.reason).toMatch(/13/);
    expect(rig.take().map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v1/bridges',
      'POST /api/v1/bridges/br2/tunnels',
      'DELETE /api/v1/bridges/br2',
    ]);
    expect(Object.keys(rig.emu.state().bridges)).toEqual(['br1']);
    // ensuring it again retries
    await corsaCall(rig.emu, 'DELETE', 'bridges/br1');
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('phys.25', 100), circuit('phys.13', 400)));
    await rig.until('lab/1', 'up');
  });

  it('refuses, without touching the switch: labels outside the interface, circuits on the same port and tags, a full fabric', async () => {
    rig = await corsaRig({ fabric: { maxBridges: 1 } });
    await rig.fabric.reconcile([]);
    rig.take({ gets: true });
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('phys', 65), circuit('phys.13', 400)));
    expect((await rig.until('lab/1', 'failed')).reason).toMatch(/65/);
    await rig.fabric.ensureBridge(bridge('lab/2', circuit('phys.3', 10), circuit('phys.3.10', 20)));
    await rig.until('lab/2', 'failed');
    expect(rig.take({ gets: true })).toEqual([]);
    await rig.fabric.ensureBridge(bridge('lab/3', circuit('phys.3', 10), circuit('phys.4', 10)));
    await rig.until('lab/3', 'up');
    await rig.fabric.ensureBridge(bridge('lab/4', circuit('phys.5', 10), circuit('phys.6', 10)));
    expect((await rig.until('lab/4', 'failed')).reason).toMatch(/full/);
    // a bridge that overlaps another one's circuits (a whole port vs a VLAN on it)
    await rig.fabric.removeBridge('lab/4');
    await rig.fabric.ensureBridge(bridge('lab/5', circuit('phys', 3), circuit('phys.6', 10)));
    expect((await rig.until('lab/5', 'failed')).reason).toMatch(/lab\/3/);
    expect(Object.keys(rig.emu.state().bridges)).toEqual(['br1']);
  });

  it('a switch out of resources fails the bridge (403), leaving nothing behind', async () => {
    rig = await corsaRig({ emulator: { maxResources: 5 }, fabric: { resources: 3 } });
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('phys.1', 100), circuit('phys.2', 100)));
    await rig.until('lab/1', 'up');
    await rig.fabric.ensureBridge(bridge('lab/2', circuit('phys.1', 101), circuit('phys.2', 101)));
    expect((await rig.until('lab/2', 'failed')).reason).toMatch(/403/);
    expect(Object.keys(rig.emu.state().bridges)).toEqual(['br1']);
  });

  it('stays pending while the switch says the controller is not connected, up once it is', async () => {
    rig = await corsaRig();
    rig.emu.faults.setControllerConnected('br1', 'dpb', false);
    await rig.fabric.ensureBridge(bridge('lab/1', circuit('phys.25', 100), circuit('phys.13', 400)));
    const pending = await rig.until('lab/1', 'pending');
    await new Promise<void>((resolve) => {
      const off = rig.emu.on('request', (r) => {
        if (r.path.endsWith('/controllers?list=true')) {
          off();
          resolve();
        }
      });
    });
    expect(rig.events.at(-1)?.reason ?? pending.reason).toMatch(/not connected/);
    rig.emu.faults.setControllerConnected('br1', 'dpb', true);
    await rig.until('lab/1', 'up');
  });

  it('reports state for many bridges at once and keeps them apart', async () => {
    rig = await corsaRig();
    const specs = [1, 2, 3, 4, 5].map((n) => bridge(`lab/${n}`, circuit('phys.1', 100 + n, 10), circuit('phys.2', 100 + n, 10), circuit('phys.3', 100 + n, 10)));
    await Promise.all(specs.map((s) => rig.fabric.ensureBridge(s)));
    for (const s of specs) await rig.until(s.id, 'up');
    const state = rig.emu.state();
    expect(Object.keys(state.bridges)).toHaveLength(5);
    const descrs = Object.values(state.bridges).map((b) => b['bridge-descr']).sort();
    expect(descrs).toEqual(specs.map((s) => `dpb:lab:complete:${s.id}`).sort());
    expect(new Set(rig.events.map((e) => e.id)).size).toBe(5);
  });
});
