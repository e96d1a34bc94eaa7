import type { BridgeState } from '@dpb/model';
import { bridge, circuit, type CorsaRig, corsaRig, corsaCall } from './rig';

let rig: CorsaRig;
afterEach(async () => {
  await rig?.close();
});

const ELINE = bridge('lab/1', circuit('phys.25', 100), circuit('phys.13', 400));
const TUNNELS = /^\/api\/v1\/bridges\/br\d+\/tunnels$/;

/** Only the complete VFC of lab/1 is on the switch, whole. */
function expectOnlyEline(rig: CorsaRig): void {
  const bridges = Object.values(rig.emu.state().bridges);
  expect(bridges.map((b) => b['bridge-descr'])).toEqual(['dpb:lab:complete:lab/1']);
  expect(Object.values(bridges[0]?.tunnels ?? {}).map((t) => `${t.port}.${t['vlan-id']}`).sort()).toEqual(['13.400', '25.100']);
  expect(Object.keys(bridges[0]?.controllers ?? {})).toEqual(['dpb']);
}

describe('corsa fabric faults', () => {
  it('[R12] a 5xx while attaching a tunnel rolls the VFC back; the bridge waits (pending, with the reason) and is retried', async () => {
    rig = await corsaRig();
    rig.emu.faults.failNext({ method: 'POST', path: TUNNELS }, 503);
    await rig.fabric.ensureBridge(ELINE);
    await rig.until('lab/1', 'up');
    const calls = rig.take().map((r) => `${r.method} ${r.path}`);
    expect(calls.slice(0, 4)).toEqual(['POST /api/v1/bridges', 'POST /api/v1/bridges/br1/tunnels', 'DELETE /api/v1/bridges/br1', 'POST /api/v1/bridges']);
    expect(rig.events.map((e) => e.condition)).toEqual(['pending', 'pending', 'up']);
    expect(rig.events[1]?.reason).toMatch(/503/);
    expectOnlyEline(rig);
  });

  it('a refusal (400) during activation fails the bridge honestly and leaves nothing behind', async () => {
    rig = await corsaRig();
    rig.emu.faults.failNext({ method: 'PATCH', path: /tunnels\/2$/ }, 400, { error: 'invalid-field', message: "field '/meter/cir' is wrong", field: '/meter/cir' });
    await rig.fabric.ensureBridge(ELINE);
    const failed = await rig.until('lab/1', 'failed');
    expect(failed.reason).toMatch(/400/);
    expect(rig.emu.state().bridges).toEqual({});
    expect(await rig.fabric.bridges()).toEqual([failed]);
  });

  it('a timeout while creating the VFC (the switch made it anyway) is rolled back and retried: one VFC in the end', async () => {
    rig = await corsaRig({ fabric: { requestTimeoutMs: 150 } });
    rig.emu.faults.delayNext({ method: 'POST', path: /^\/api\/v1\/bridges$/ }, 600, 1, { process: true });
    await rig.fabric.ensureBridge(ELINE);
    const pending = rig.events.find((e) => e.reason !== undefined);
    expect(pending?.reason).toMatch(/150 ms/);
    await rig.until('lab/1', 'up');
    expectOnlyEline(rig);
  });

  it('a hung meter PATCH times out; the VFC is rolled back and built again', async () => {
    rig = await corsaRig({ fabric: { requestTimeoutMs: 150 } });
    rig.emu.faults.hangNext({ method: 'PATCH', path: /tunnels\/1$/ });
    await rig.fabric.ensureBridge(ELINE);
    await rig.until('lab/1', 'up');
    expect(rig.take().filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual(['/api/v1/bridges/br1']);
    expectOnlyEline(rig);
  });

  it('when the rollback fails too, the half-built VFC is found by its description and deleted', async () => {
    rig = await corsaRig();
    rig.emu.faults.failNext({ method: 'POST', path: TUNNELS }, 500);
    rig.emu.faults.failNext({ method: 'DELETE', path: /^\/api\/v1\/bridges\/br1$/ }, 500);
    await rig.fabric.ensureBridge(ELINE);
    await rig.until('lab/1', 'up');
    const calls = rig.take({ gets: true }).map((r) => `${r.method} ${r.path}`);
    // the retry reads the switch, deletes the leftover, then builds again
    const retry = calls.indexOf('GET /api/v1/bridges?list=true', 1);
    expect(calls.slice(retry, retry + 3)).toEqual(['GET /api/v1/bridges?list=true', 'DELETE /api/v1/bridges/br1', 'POST /api/v1/bridges']);
    expectOnlyEline(rig);
  });

  it('a switch that cannot be reached at start: bridges pending with the reason, up once it answers', async () => {
    rig = await corsaRig();
    rig.emu.faults.failNext({ method: 'GET', path: /bridges\?list=true$/ }, 503, undefined, 3);
    await rig.fabric.reconcile([ELINE]);
    expect(await rig.fabric.bridges()).toEqual([{ id: 'lab/1', condition: 'pending', reason: expect.stringMatching(/503/) }]);
    await rig.until('lab/1', 'up');
    expectOnlyEline(rig);
  });

  it('a token the switch refuses (401) keeps bridges pending and is retried, not failed', async () => {
    rig = await corsaRig();
    rig.emu.faults.failNext({}, 401, { error: 'unauthorized', message: 'invalid token' }, 2);
    await rig.fabric.ensureBridge(ELINE);
    expect(rig.events[0]).toEqual({ id: 'lab/1', condition: 'pending', reason: expect.stringMatching(/401/) });
    await rig.until('lab/1', 'up');
    expect(rig.events.some((e) => e.condition === 'failed')).toBe(false);
  });

  it('an emulated reboot (state lost): the audit restores every bridge', async () => {
    rig = await corsaRig({ fabric: { pushIntervalMs: 100 } });
    const other = bridge('lab/2', circuit('phys.3.100', 20), circuit('phys.4', 20), circuit('phys', 5));
    await rig.fabric.reconcile([ELINE, other]);
    await rig.until('lab/1', 'up');
    await rig.until('lab/2', 'up');
    const before = rig.events.length;
    rig.emu.faults.reboot();
    expect(rig.emu.state().bridges).toEqual({});
    await rig.when(() => rig.events.slice(before).filter((e) => e.condition === 'up').length === 2);
    const after = rig.events.slice(before);
    expect(after.filter((e) => e.id === 'lab/1').map((e) => e.condition)).toEqual(['pending', 'up']);
    expect(after.filter((e) => e.id === 'lab/2').map((e) => e.condition)).toEqual(['pending', 'up']);
    const descrs = Object.values(rig.emu.state().bridges).map((b) => b['bridge-descr']).sort();
    expect(descrs).toEqual(['dpb:lab:complete:lab/1', 'dpb:lab:complete:lab/2']);
  });

  it('a reconcile after a reboot restores the bridges too', async () => {
    rig = await corsaRig();
    await rig.fabric.reconcile([ELINE]);
    await rig.until('lab/1', 'up');
    rig.emu.faults.reboot();
    await rig.fabric.reconcile([ELINE]);
    await rig.until('lab/1', 'up');
    expectOnlyEline(rig);
  });

  it('drift is repaired: a detached tunnel, a changed meter and a removed controller are put back', async () => {
    rig = await corsaRig();
    await rig.fabric.reconcile([ELINE]);
    await rig.until('lab/1', 'up');
    await corsaCall(rig.emu, 'DELETE', 'bridges/br1/tunnels/1');
    await corsaCall(rig.emu, 'PATCH', 'bridges/br1/tunnels/2', [{ op: 'replace', path: '/meter/cir', value: 1 }]);
    await corsaCall(rig.emu, 'DELETE', 'bridges/br1/controllers/dpb');
    rig.take();
    await rig.fabric.reconcile([ELINE]);
    await rig.until('lab/1', 'up');
    expect(rig.take().map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v1/bridges/br1/tunnels',
      'PATCH /api/v1/bridges/br1/tunnels/1',
      'PATCH /api/v1/bridges/br1/tunnels/2',
      'POST /api/v1/bridges/br1/controllers',
    ]);
    expectOnlyEline(rig);
    expect(rig.emu.state().bridges.br1?.tunnels[2]?.meter.cir).toBe(100_000);
  });
});

describe('corsa fabric across a broker restart', () => {
  it('[R11] a new fabric adopts the VFCs it finds: nothing is deleted or created again, bridges stay up', async () => {
    rig = await corsaRig();
    const lan = bridge('lab/2', circuit('phys.3.100', 20), circuit('phys.4', 20), circuit('phys', 5));
    await rig.fabric.reconcile([ELINE, lan]);
    await rig.until('lab/1', 'up');
    await rig.until('lab/2', 'up');
    const before = rig.emu.state();
    await rig.fabric.close();
    rig.take();
    const seen: BridgeState[] = [];
    const second = rig.reopen();
    second.subscribe((s) => seen.push(s));
    await second.reconcile([ELINE, lan]);
    expect(rig.take()).toEqual([]); // GETs only
    expect(seen).toEqual([
      { id: 'lab/1', condition: 'up' },
      { id: 'lab/2', condition: 'up' },
    ]);
    expect(rig.emu.state()).toEqual(before);
  });

  it('bridges found before the first reconcile are reported up and kept until the desired set is known', async () => {
    rig = await corsaRig();
    await rig.fabric.reconcile([ELINE]);
    await rig.until('lab/1', 'up');
    await rig.fabric.close();
    const second = rig.reopen();
    expect(await second.bridges()).toEqual([{ id: 'lab/1', condition: 'up' }]);
    rig.take();
    await second.reconcile([]);
    expect(rig.take().map((r) => `${r.method} ${r.path}`)).toEqual(['DELETE /api/v1/bridges/br1']);
    expect(await second.bridges()).toEqual([]);
  });

  it('only what no desired bridge needs is deleted; a half-built VFC left by a crash goes, a changed bridge is fixed in place', async () => {
    rig = await corsaRig();
    const keep = bridge('lab/2', circuit('phys.5', 7), circuit('phys.6', 7));
    const drop = bridge('lab/3', circuit('phys.7', 7), circuit('phys.8', 7));
    await rig.fabric.reconcile([ELINE, keep, drop]);
    for (const id of ['lab/1', 'lab/2', 'lab/3']) await rig.until(id, 'up');
    await rig.fabric.close();
    await corsaCall(rig.emu, 'POST', 'bridges', { bridge: 'br9', subtype: 'openflow', resources: 3, 'bridge-descr': 'dpb:lab:partial:lab/4' });
    await corsaCall(rig.emu, 'POST', 'bridges', { bridge: 'br10', subtype: 'openflow', resources: 3, 'bridge-descr': 'dpb:other:complete:other/1' });
    rig.take();
    const second = rig.reopen();
    const changed = bridge('lab/1', circuit('phys.25', 100, 50, 100), circuit('phys.13', 400));
    await second.reconcile([changed, keep]);
    expect(rig.take().map((r) => `${r.method} ${r.path}`)).toEqual([
      'DELETE /api/v1/bridges/br9',
      'DELETE /api/v1/bridges/br3',
      'PATCH /api/v1/bridges/br1/tunnels/2',
    ]);
    expect(await second.bridges()).toEqual([
      { id: 'lab/1', condition: 'up' },
      { id: 'lab/2', condition: 'up' },
    ]);
    expect(Object.keys(rig.emu.state().bridges).sort()).toEqual(['br1', 'br10', 'br2']);
  });
});

describe('close()', () => {
  it('stops the audit and retry timers and aborts requests in flight', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    rig = await corsaRig({ fabric: { pushIntervalMs: 50, requestTimeoutMs: 5_000 } });
    const baseline = timers();
    rig.emu.faults.hangNext({ method: 'POST', path: /^\/api\/v1\/bridges$/ });
    const ensured = rig.fabric.ensureBridge(ELINE);
    await new Promise<void>((resolve) => {
      const off = rig.emu.on('request', (r) => {
        if (r.method === 'POST') {
          off();
          resolve();
        }
      });
    });
    expect(timers()).toBeGreaterThan(baseline);
    await rig.fabric.close();
    await ensured;
    expect(timers()).toBe(baseline);
  });
});
