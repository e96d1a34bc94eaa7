import { CorsaFabric, type CorsaFabricOptions } from '@dpb/adaptor-corsa';
import type { Service, ServiceRequest, ServiceStatus } from '@dpb/model';
import { MemoryStoreProvider } from '@dpb/store';
import { LogicalSwitch } from '@dpb/switch';
import { startAppStandIn, type AppStandIn } from './app-standin';
import { type CorsaEmulator, startCorsaEmulator } from '../../support/corsa-emulator';
import { fabricOptions, WAIT_MS } from './rig';

/** A logical switch on a Corsa fabric (emulated switch), with a memory store that survives reopening. */
interface SwitchRig {
  emu: CorsaEmulator;
  app?: AppStandIn;
  sw: LogicalSwitch;
  fabric: CorsaFabric;
  /** Closes the switch and its fabric and opens new ones on the same store and switch (a broker restart). */
  restart(): Promise<LogicalSwitch>;
  close(): Promise<void>;
}

const TERMINALS: Record<string, string> = {
  a: 'phys.1', // C-tagged: label = VLAN
  b: 'phys.2',
  c: 'phys.3',
  q: 'phys.4.100', // S-tag 100: label = inner VLAN (QinQ)
  ports: 'phys', // whole untagged ports: label = port
};

/** `vfc-per-service+app`: vfc-per-service mode with the port-group app (stand-in). */
async function switchRig(mode: 'vfc-per-service' | 'shared-vfc' | 'vfc-per-service+app', repairIntervalMs = 0): Promise<SwitchRig> {
  const emu = await startCorsaEmulator();
  const app = mode === 'vfc-per-service' ? undefined : await startAppStandIn();
  const provider = new MemoryStoreProvider();
  const overrides: Partial<CorsaFabricOptions> =
    mode === 'shared-vfc' ? { mode, app: { url: (app as AppStandIn).url } } : app ? { mode: 'vfc-per-service', app: { url: app.url } } : {};
  const open = async (): Promise<{ sw: LogicalSwitch; fabric: CorsaFabric }> => {
    const fabric = new CorsaFabric(fabricOptions(emu, overrides));
    const sw = await LogicalSwitch.open({ name: 'lab', fabric, store: provider.switchStore('lab'), repairIntervalMs, retryMinMs: 5, retryMaxMs: 50 });
    return { sw, fabric };
  };
  let current = await open();
  for (const [name, iface] of Object.entries(TERMINALS)) await current.sw.addTerminal(name, iface);
  const rig: SwitchRig = {
    emu,
    ...(app ? { app } : {}),
    sw: current.sw,
    fabric: current.fabric,
    async restart() {
      await current.sw.close();
      await current.fabric.close();
      current = await open();
      rig.sw = current.sw;
      rig.fabric = current.fabric;
      return current.sw;
    },
    async close() {
      await current.sw.close();
      await current.fabric.close();
      await emu.close();
      await app?.close();
    },
  };
  return rig;
}

async function expectStatus(s: Service, status: ServiceStatus): Promise<void> {
  expect(await s.awaitStatus([status], WAIT_MS)).toBe(status);
}

/** Owned VFCs and their tunnels, as `port[.vlan[.inner]]@shaped/cir`. */
function vfcs(emu: CorsaEmulator): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const b of Object.values(emu.state().bridges)) {
    out[b['bridge-descr']] = Object.values(b.tunnels)
      .map((t) => `${[t.port, t['vlan-id'], t['inner-vlan-id']].filter((x) => x !== undefined).join('.')}@${t['shaped-rate']}/${t.meter.cir}`)
      .sort();
  }
  return out;
}

const ELINE: ServiceRequest = {
  circuits: [
    { terminal: 'a', label: 10, ingressMbps: 50 },
    { terminal: 'b', label: 20, ingressMbps: 50 },
  ],
};

let rig: SwitchRig;
afterEach(async () => {
  await rig?.close();
});

describe('a logical switch on the Corsa fabric, vfc-per-service mode', () => {
  it('define, activate, change, deactivate, release: one VFC while active, nothing otherwise', async () => {
    rig = await switchRig('vfc-per-service');
    const s = await rig.sw.createService({ handle: 'eline' });
    await s.define(ELINE);
    await expectStatus(s, 'INACTIVE');
    expect(vfcs(rig.emu)).toEqual({});

    await s.activate();
    await expectStatus(s, 'ACTIVE');
    expect(vfcs(rig.emu)).toEqual({ [`dpb:lab:complete:lab/${s.id}`]: ['1.10@50/50000', '2.20@50/50000'] });

    // change: services are immutable, so reset and define again with other rates and circuits
    await s.reset();
    await expectStatus(s, 'DORMANT');
    expect(vfcs(rig.emu)).toEqual({});
    await s.define({
      circuits: [
        { terminal: 'a', label: 10, ingressMbps: 20, egressMbps: 5 },
        { terminal: 'c', label: 30, ingressMbps: 10 },
      ],
    });
    await s.activate();
    await expectStatus(s, 'ACTIVE');
    expect(vfcs(rig.emu)).toEqual({ [`dpb:lab:complete:lab/${s.id}`]: ['1.10@5/20000', '3.30@20/10000'] });

    await s.deactivate();
    await expectStatus(s, 'INACTIVE');
    expect(vfcs(rig.emu)).toEqual({});

    await s.activate();
    await expectStatus(s, 'ACTIVE');
    await s.release();
    await expectStatus(s, 'RELEASED');
    expect(vfcs(rig.emu)).toEqual({});
  });

  it('multipoint with QinQ and whole ports, beside an E-Line; each service has its own VFC', async () => {
    rig = await switchRig('vfc-per-service');
    const lan = await rig.sw.createService();
    await lan.define({
      circuits: [
        { terminal: 'a', label: 11, ingressMbps: 10 },
        { terminal: 'q', label: 30, ingressMbps: 10 },
        { terminal: 'ports', label: 5, ingressMbps: 10 },
      ],
    });
    await lan.activate();
    const eline = await rig.sw.createService();
    await eline.define(ELINE);
    await eline.activate();
    await expectStatus(lan, 'ACTIVE');
    await expectStatus(eline, 'ACTIVE');
    expect(vfcs(rig.emu)).toEqual({
      [`dpb:lab:complete:lab/${lan.id}`]: ['1.11@20/10000', '4.100.30@20/10000', '5@20/10000'],
      [`dpb:lab:complete:lab/${eline.id}`]: ['1.10@50/50000', '2.20@50/50000'],
    });
    const qinq = Object.values(rig.emu.state().bridges).flatMap((b) => Object.values(b.tunnels)).find((t) => t['inner-vlan-id'] === 30);
    expect(qinq?.type).toBe('stag-ctag');
  });

  it('a label outside the interface is refused at define time, before the fabric is asked', async () => {
    rig = await switchRig('vfc-per-service');
    const s = await rig.sw.createService();
    await expect(s.define({ circuits: [{ terminal: 'a', label: 4095, ingressMbps: 1 }, { terminal: 'b', label: 1, ingressMbps: 1 }] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(rig.emu.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('a service the switch refuses goes FAILED, and nothing is left on the switch', async () => {
    rig = await switchRig('vfc-per-service');
    rig.emu.faults.failNext({ method: 'POST', path: /tunnels$/ }, 400, { error: 'invalid-field', message: 'nope', field: 'port' });
    const s = await rig.sw.createService();
    await s.define(ELINE);
    await s.activate();
    await expectStatus(s, 'FAILED');
    expect((await s.describe()).errors[0]?.details).toMatchObject({ kind: 'bridge', network: 'lab', service: s.id });
    expect(vfcs(rig.emu)).toEqual({});
  });

  it('5xx during activation is retried: the service reaches ACTIVE with exactly one VFC', async () => {
    rig = await switchRig('vfc-per-service');
    rig.emu.faults.failNext({ method: 'POST', path: /controllers$/ }, 502, undefined, 2);
    const s = await rig.sw.createService();
    await s.define(ELINE);
    await s.activate();
    await expectStatus(s, 'ACTIVE');
    expect(Object.keys(vfcs(rig.emu))).toEqual([`dpb:lab:complete:lab/${s.id}`]);
  });

  it('a broker restart drops no service: the VFCs are adopted, not deleted and made again', async () => {
    rig = await switchRig('vfc-per-service');
    const s = await rig.sw.createService({ handle: 'keep' });
    await s.define(ELINE);
    await s.activate();
    await expectStatus(s, 'ACTIVE');
    const inactive = await rig.sw.createService({ handle: 'idle' });
    await inactive.define({ circuits: [{ terminal: 'c', label: 5, ingressMbps: 1 }, { terminal: 'b', label: 5, ingressMbps: 1 }] });
    const before = rig.emu.state();
    const mark = rig.emu.requests.length;
    const sw = await rig.restart();
    const again = await sw.service({ handle: 'keep' });
    await expectStatus(again, 'ACTIVE');
    expect(rig.emu.requests.slice(mark).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(rig.emu.state()).toEqual(before);
    expect(await (await sw.service({ handle: 'idle' })).status()).toBe('INACTIVE');
  });

  it('an emulated reboot: the periodic switch repair restores every ACTIVE service (ACTIVE, ACTIVATING, ACTIVE)', async () => {
    rig = await switchRig('vfc-per-service', 100);
    const services: Service[] = [];
    for (const label of [100, 101, 102]) {
      const s = await rig.sw.createService();
      await s.define({ circuits: [{ terminal: 'a', label, ingressMbps: 5 }, { terminal: 'b', label, ingressMbps: 5 }] });
      await s.activate();
      services.push(s);
    }
    for (const s of services) await expectStatus(s, 'ACTIVE');
    // each service is seen dropping to ACTIVATING and coming back to ACTIVE
    const restored = services.map(async (s) => {
      const w = s.watch();
      const seen: ServiceStatus[] = [];
      const timer = setTimeout(() => w.close(), WAIT_MS);
      for await (const ev of w) {
        seen.push(ev.status);
        if (seen.includes('ACTIVATING') && ev.status === 'ACTIVE') break;
      }
      clearTimeout(timer);
      w.close();
      return seen;
    });
    rig.emu.faults.reboot();
    for (const seen of await Promise.all(restored)) {
      expect(seen[0]).toBe('ACTIVE');
      expect(seen.slice(1)).toEqual(['ACTIVATING', 'ACTIVE']);
    }
    expect(Object.keys(vfcs(rig.emu)).sort()).toEqual(services.map((s) => `dpb:lab:complete:lab/${s.id}`).sort());
  });
});

describe('a logical switch on the Corsa fabric, shared-vfc mode (app stand-in)', () => {
  it('define, activate, deactivate, release, multipoint with QinQ: tunnels on the one VFC, slices at the app', async () => {
    rig = await switchRig('shared-vfc');
    const eline = await rig.sw.createService();
    await eline.define(ELINE);
    await eline.activate();
    const lan = await rig.sw.createService();
    await lan.define({
      circuits: [
        { terminal: 'c', label: 11, ingressMbps: 10 },
        { terminal: 'q', label: 30, ingressMbps: 10 },
        { terminal: 'ports', label: 5, ingressMbps: 10 },
      ],
    });
    await lan.activate();
    await expectStatus(eline, 'ACTIVE');
    await expectStatus(lan, 'ACTIVE');
    const shared = Object.values(rig.emu.state().bridges);
    expect(shared.map((b) => b['bridge-descr'])).toEqual(['dpb:lab:shared']);
    const dpid = shared[0]?.dpid as string;
    const slices = rig.app?.slices(dpid) ?? {};
    expect(Object.keys(slices).sort()).toEqual([`lab/${eline.id}`, `lab/${lan.id}`].sort());
    expect(slices[`lab/${lan.id}`]).toHaveLength(3);

    await eline.deactivate();
    await expectStatus(eline, 'INACTIVE');
    expect(Object.keys(rig.app?.slices(dpid) ?? {})).toEqual([`lab/${lan.id}`]);
    await lan.release();
    await expectStatus(lan, 'RELEASED');
    expect(rig.app?.slices(dpid)).toEqual({});
    expect(Object.values(rig.emu.state().bridges)[0]?.tunnels).toEqual({});
  });

  it('a broker restart drops no service: no tunnel is detached or attached again', async () => {
    rig = await switchRig('shared-vfc');
    const s = await rig.sw.createService({ handle: 'keep' });
    await s.define(ELINE);
    await s.activate();
    await expectStatus(s, 'ACTIVE');
    const before = rig.emu.state();
    const mark = rig.emu.requests.length;
    const sw = await rig.restart();
    await expectStatus(await sw.service({ handle: 'keep' }), 'ACTIVE');
    expect(rig.emu.requests.slice(mark).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(rig.emu.state()).toEqual(before);
  });
});

describe('a logical switch on the Corsa fabric, vfc-per-service mode with the port-group app (stand-in)', () => {
  /** dpid of each owned VFC -> the slices the app holds for it. */
  function appSlices(r: SwitchRig): Record<string, Record<string, number[]> | undefined> {
    const out: Record<string, Record<string, number[]> | undefined> = {};
    for (const b of Object.values(r.emu.state().bridges)) out[b['bridge-descr']] = r.app?.slices(b.dpid);
    return out;
  }

  it('lifecycle: a slice per ACTIVE service on its own VFC; deactivate and release clear it', async () => {
    rig = await switchRig('vfc-per-service+app');
    const s = await rig.sw.createService();
    await s.define(ELINE);
    await s.activate();
    await expectStatus(s, 'ACTIVE');
    expect(appSlices(rig)).toEqual({ [`dpb:lab:complete:lab/${s.id}`]: { [`lab/${s.id}`]: [1, 2] } });
    const dpid = Object.values(rig.emu.state().bridges)[0]?.dpid as string;
    await s.deactivate();
    await expectStatus(s, 'INACTIVE');
    expect(rig.emu.state().bridges).toEqual({});
    expect(rig.app?.slices(dpid)).toEqual({});
    await s.release();
    await expectStatus(s, 'RELEASED');
  });

  it('a broker restart drops no service: nothing on the switch or at the app is changed', async () => {
    rig = await switchRig('vfc-per-service+app');
    const s = await rig.sw.createService({ handle: 'keep' });
    await s.define(ELINE);
    await s.activate();
    await expectStatus(s, 'ACTIVE');
    const before = rig.emu.state();
    const mark = rig.emu.requests.length;
    const appMark = rig.app?.requests.length ?? 0;
    const sw = await rig.restart();
    await expectStatus(await sw.service({ handle: 'keep' }), 'ACTIVE');
    expect(rig.emu.requests.slice(mark).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(rig.emu.state()).toEqual(before);
    expect(rig.app?.requests.slice(appMark).filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('an emulated reboot: the periodic repair restores the service (ACTIVE, ACTIVATING, ACTIVE), the new dpid gets the slice', async () => {
    rig = await switchRig('vfc-per-service+app', 100);
    const s = await rig.sw.createService();
    await s.define(ELINE);
    await s.activate();
    await expectStatus(s, 'ACTIVE');
    const w = s.watch();
    const seen: ServiceStatus[] = [];
    const timer = setTimeout(() => w.close(), WAIT_MS);
    rig.emu.faults.reboot();
    for await (const ev of w) {
      seen.push(ev.status);
      if (seen.includes('ACTIVATING') && ev.status === 'ACTIVE') break;
    }
    clearTimeout(timer);
    w.close();
    expect(seen).toEqual(['ACTIVE', 'ACTIVATING', 'ACTIVE']);
    expect(appSlices(rig)).toEqual({ [`dpb:lab:complete:lab/${s.id}`]: { [`lab/${s.id}`]: [1, 2] } });
  });
});
