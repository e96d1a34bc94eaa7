import { startCorsaEmulator, type CorsaDataplane, type CorsaEmulator, type CorsaTunnel } from '../../support/corsa-emulator';
import { bridgeBody, call } from './http';

/** A data plane that records every callback; `gate` (when set) holds each callback until released. */
function recorder() {
  const calls: string[] = [];
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  const step = async (text: string): Promise<void> => {
    calls.push(`start ${text}`);
    if (gate) await gate;
    calls.push(`end ${text}`);
  };
  const dp: CorsaDataplane = {
    bridgeCreated: (b, dpid) => step(`bridgeCreated ${b} ${dpid.length}`),
    bridgeDeleted: (b) => step(`bridgeDeleted ${b}`),
    controllerAttached: (b, ip, port, name) => step(`controllerAttached ${b} ${name} ${ip}:${port}`),
    controllerDetached: (b, name) => step(`controllerDetached ${b} ${name}`),
    tunnelAttached: (b, ofport, t: CorsaTunnel) => step(`tunnelAttached ${b} ${ofport} ${t.port}/${t['vlan-id'] ?? '-'}/${t['inner-vlan-id'] ?? '-'} ${t.ifdescr}`),
    tunnelDetached: (b, ofport, t: CorsaTunnel) => step(`tunnelDetached ${b} ${ofport} ${t.port}`),
    dpidChanged: (b, dpid) => step(`dpidChanged ${b} ${dpid}`),
  };
  return {
    dp,
    calls,
    ends: () => calls.filter((c) => c.startsWith('end ')).map((c) => c.slice(4)),
    hold() {
      gate = new Promise<void>((r) => (open = r));
    },
    release() {
      gate = undefined;
      open?.();
    },
  };
}

let emu: CorsaEmulator;
afterEach(async () => {
  await emu?.close();
});

describe('the emulator data-plane hook (opt-in)', () => {
  test('every change reaches the data plane in order, with the dpid, the controller and the tunnel as GET reports it', async () => {
    const rec = recorder();
    emu = await startCorsaEmulator({ dataplane: rec.dp });
    expect((await call(emu, 'POST', 'bridges', bridgeBody('br2'))).status).toBe(201);
    expect((await call(emu, 'POST', 'bridges/br2/controllers', { controller: 'dpb', ip: '198.18.71.1', port: 6671 })).status).toBe(201);
    expect((await call(emu, 'POST', 'bridges/br2/tunnels', { ofport: 3, port: '7', 'vlan-id': 100, 'inner-vlan-id': 20, ifdescr: 'x' })).status).toBe(201);
    expect((await call(emu, 'POST', 'bridges/br2/tunnels', { ofport: 4, port: '8' })).status).toBe(201);
    // a meter PATCH is not passed on; reads are not either
    expect((await call(emu, 'PATCH', 'bridges/br2/tunnels/3', [{ op: 'replace', path: '/meter/cir', value: 10 }])).status).toBe(204);
    await call(emu, 'GET', 'bridges?list=true');
    expect((await call(emu, 'PATCH', 'bridges/br2', [{ op: 'replace', path: '/dpid', value: '0xab' }])).status).toBe(204);
    expect((await call(emu, 'DELETE', 'bridges/br2/tunnels/4')).status).toBe(204);
    expect((await call(emu, 'DELETE', 'bridges/br2/controllers/dpb')).status).toBe(204);
    expect((await call(emu, 'DELETE', 'bridges/br2')).status).toBe(204);
    expect(rec.ends()).toEqual([
      'bridgeCreated br2 16',
      'controllerAttached br2 dpb 198.18.71.1:6671',
      'tunnelAttached br2 3 7/100/20 x',
      'tunnelAttached br2 4 8/-/- ',
      'dpidChanged br2 00000000000000ab',
      'tunnelDetached br2 4 8',
      'controllerDetached br2 dpb',
      'bridgeDeleted br2',
    ]);
    expect(emu.dataplaneErrors).toEqual([]);
  });

  test('a request that changes the switch is answered only after the data plane has followed it', async () => {
    const rec = recorder();
    emu = await startCorsaEmulator({ dataplane: rec.dp });
    rec.hold();
    let answered = false;
    const created = call(emu, 'POST', 'bridges', bridgeBody('br1')).then((r) => {
      answered = true;
      return r;
    });
    await new Promise<void>((resolve) => {
      const check = (): void => (rec.calls.includes('start bridgeCreated br1 16') ? resolve() : void setImmediate(check));
      check();
    });
    expect(answered).toBe(false);
    // the switch state is already changed
    expect(Object.keys(emu.state().bridges)).toEqual(['br1']);
    rec.release();
    expect((await created).status).toBe(201);
    expect(rec.calls).toEqual(['start bridgeCreated br1 16', 'end bridgeCreated br1 16']);
  });

  test('refused requests and injected failures without processing change nothing in the data plane', async () => {
    const rec = recorder();
    emu = await startCorsaEmulator({ dataplane: rec.dp });
    expect((await call(emu, 'POST', 'bridges', { bridge: 'br1' })).status).toBe(400);
    emu.faults.failNext({ method: 'POST' }, 503);
    expect((await call(emu, 'POST', 'bridges', bridgeBody('br1'))).status).toBe(503);
    emu.faults.failNext({ method: 'POST' }, 500, undefined, 1, { process: true });
    expect((await call(emu, 'POST', 'bridges', bridgeBody('br1'))).status).toBe(500);
    expect(rec.ends()).toEqual(['bridgeCreated br1 16']);
  });

  test('a reboot that drops the configuration deletes every bridge in the data plane; keepConfig deletes none', async () => {
    const rec = recorder();
    emu = await startCorsaEmulator({ dataplane: rec.dp });
    for (const br of ['br3', 'br1']) await call(emu, 'POST', 'bridges', bridgeBody(br));
    emu.faults.reboot({ keepConfig: true });
    await emu.dataplaneIdle();
    expect(rec.ends().filter((c) => c.startsWith('bridgeDeleted'))).toEqual([]);
    emu.faults.reboot();
    await emu.dataplaneIdle();
    expect(rec.ends().filter((c) => c.startsWith('bridgeDeleted'))).toEqual(['bridgeDeleted br1', 'bridgeDeleted br3']);
  });

  test('a failing callback is recorded, later changes still reach the data plane, and the API answers normally', async () => {
    const rec = recorder();
    const dp: CorsaDataplane = {
      ...rec.dp,
      tunnelAttached: () => {
        throw new Error('ovs-vsctl: no such bridge');
      },
    };
    emu = await startCorsaEmulator({ dataplane: dp });
    await call(emu, 'POST', 'bridges', bridgeBody('br1'));
    expect((await call(emu, 'POST', 'bridges/br1/tunnels', { ofport: 1, port: '1' })).status).toBe(201);
    expect((await call(emu, 'DELETE', 'bridges/br1')).status).toBe(204);
    expect(emu.dataplaneErrors).toEqual([{ event: 'tunnelAttached br1 1', message: 'ovs-vsctl: no such bridge' }]);
    expect(rec.ends()).toEqual(['bridgeCreated br1 16', 'bridgeDeleted br1']);
  });

  test('without a data plane, nothing waits: dataplaneIdle resolves at once and errors stay empty', async () => {
    emu = await startCorsaEmulator();
    await call(emu, 'POST', 'bridges', bridgeBody('br1'));
    await emu.dataplaneIdle();
    expect(emu.dataplaneErrors).toEqual([]);
  });
});
