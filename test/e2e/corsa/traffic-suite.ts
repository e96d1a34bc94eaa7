import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestBroker } from '../../integration/rest/broker';
import { type CorsaEmulator, startCorsaEmulator } from '../../support/corsa-emulator';
import { recordFigures } from '../support/figures';
import { isolated, pinNeighbours, ping, Probe, waitReachable } from '../support/traffic';
import { Services, startCorsaBroker } from './corsa-broker';
import { CONTROLLER_IP, type CorsaHost, CorsaLab, until } from './corsa-lab';
import { OvsDataplane } from './ovs-dataplane';

export type CorsaMode = 'vfc-per-service' | 'shared-vfc';

/** Longest a service may take to carry traffic again after a reboot (the fabric reads the switch back every second here). */
export const RESTORE_BOUND_MS = 30_000;
/** Longest ping gap a broker restart may cause (a few packets at 20 ms). */
export const RESTART_GAP_BOUND_MS = 200;

interface Ctx {
  lab: CorsaLab;
  dataplane: OvsDataplane;
  emu: CorsaEmulator;
  broker: TestBroker;
  services: Services;
  dir: string;
  yaml: string;
  h: Record<'e1' | 'e2' | 'm1' | 'm2' | 'm3' | 'm4', CorsaHost>;
}

/**
 * The broker on a Corsa switch network (emulated API) whose VFCs are Open
 * vSwitch bridges controlled by the real port-group app: real packets
 * between hosts behind the tunnels, in the given mode.
 *
 * Hosts (one /24; each behind the tunnel endpoint named):
 *   e1 port 1 VLAN 100, e2 port 2 VLAN 100            (the E-Line's circuits a:100, b:100)
 *   m1 port 1 VLAN 200, m2 port 3 VLAN 200,
 *   m3 port 5 S-VLAN 200 C-VLAN 30, m4 whole port 6   (the 4-circuit service a:200, c:200, q:30, ports:6)
 */
export function corsaTrafficSuite(mode: CorsaMode): void {
  const ctx = {} as Ctx;
  const figures: Record<string, unknown> = { mode };
  const probes: Probe[] = [];
  let started = false;

  const yamlFor = (dir: string, emuUrl: string, lab: CorsaLab): string => `
store: { sqlite: ${path.join(dir, 'dpb.sqlite')} }
networks:
  - name: lab
    kind: switch
    fabric:
      corsa:
        url: ${emuUrl}
        token: corsa-test-token
        mode: ${mode}
        ports: 8
        controller: { host: ${CONTROLLER_IP}, port: ${lab.settings.ofPort} }
        app: { url: ${lab.appUrl} }
        pushIntervalMs: 1000
        retryMinMs: 100
        retryMaxMs: 2000
    terminals: { a: phys.1, b: phys.2, c: phys.3, q: phys.5.200, ports: phys }
`;

  beforeAll(async () => {
    started = true;
    ctx.lab = new CorsaLab();
    await ctx.lab.up();
    const l = ctx.lab;
    ctx.h = {
      e1: await l.addHost('e1', '10.71.0.11', { port: '1', vlanId: 100 }),
      e2: await l.addHost('e2', '10.71.0.12', { port: '2', vlanId: 100 }),
      m1: await l.addHost('m1', '10.71.0.21', { port: '1', vlanId: 200 }),
      m2: await l.addHost('m2', '10.71.0.22', { port: '3', vlanId: 200 }),
      m3: await l.addHost('m3', '10.71.0.23', { port: '5', vlanId: 200, innerVlanId: 30 }),
      m4: await l.addHost('m4', '10.71.0.24', { port: '6' }),
    };
    ctx.dataplane = new OvsDataplane(l);
    ctx.emu = await startCorsaEmulator({ ports: 8, dataplane: ctx.dataplane });
    ctx.dir = mkdtempSync(path.join(os.tmpdir(), 'cg-corsa-broker-'));
    ctx.yaml = yamlFor(ctx.dir, ctx.emu.url, l);
    ctx.broker = await startCorsaBroker(ctx.yaml);
    ctx.services = new Services(ctx.broker.base, 'lab');
  }, 180_000);

  afterAll(async () => {
    for (const p of probes) await p.stop().catch(() => undefined);
    await ctx.broker?.close().catch((e: Error) => console.warn(`corsa e2e: closing the broker: ${e.message}`));
    await ctx.emu?.close().catch((e: Error) => console.warn(`corsa e2e: closing the emulator: ${e.message}`));
    if (started && (typeof process.getuid !== 'function' || process.getuid() === 0)) {
      await ctx.dataplane?.reset().catch((e: Error) => console.warn(`corsa e2e: removing the VFC bridges: ${e.message}`));
      await ctx.lab?.down();
    }
    if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
    if (Object.keys(figures).length > 1) recordFigures(`corsa-${mode}`, figures);
  }, 120_000);

  const svc = (): Services => ctx.services;
  const eline = [
    { terminal: 'a', label: 100, ingressMbps: 50 },
    { terminal: 'b', label: 100, ingressMbps: 50 },
  ];
  const lan = [
    { terminal: 'a', label: 200, ingressMbps: 20 },
    { terminal: 'c', label: 200, ingressMbps: 20 },
    { terminal: 'q', label: 30, ingressMbps: 20 },
    { terminal: 'ports', label: 6, ingressMbps: 20 },
  ];
  const lanHosts = (): CorsaHost[] => [ctx.h.m1, ctx.h.m2, ctx.h.m3, ctx.h.m4];

  /** The emulated VFCs (name -> dpid). */
  const vfcs = (): Record<string, string> => Object.fromEntries(Object.values(ctx.emu.state().bridges).map((b) => [b.name, b.dpid]));

  /** Every ordered pair of the 4-circuit service's hosts answers. */
  async function allPairsReach(timeoutMs: number): Promise<void> {
    const hs = lanHosts();
    for (const a of hs) for (const b of hs) if (a !== b) await waitReachable(a, b, timeoutMs);
  }

  let elineId = 0;
  let lanId = 0;

  describe(`Corsa fabric, ${mode}: real traffic through Open vSwitch VFCs and the port-group app`, () => {
    test('a two-circuit service: hosts ping only while it is ACTIVE (not before, not after release); two static rules, no controller in the path', async () => {
      const { e1, e2 } = ctx.h;
      const created = await svc().create({ handle: 'eline-life', circuits: eline });
      await svc().waitFor(created.id, ['INACTIVE']);
      expect(await isolated(e1, e2)).toBe(true);

      const t0 = Date.now();
      await svc().activate(created.id);
      await svc().waitFor(created.id, ['ACTIVE'], 30_000);
      const activeMs = Date.now() - t0;
      await waitReachable(e1, e2, 10_000);
      const reachMs = Date.now() - t0;
      await waitReachable(e2, e1, 10_000);
      expect((await ping(e1, e2, { count: 5, intervalS: 0.05 })).received).toBe(5);
      figures.elineActivation = { untilActiveMs: activeMs, untilFirstReplyMs: reachMs };

      // the E-Line is forwarded by two static rules (in_port -> output), no packet goes to the controller
      const bridges = await ctx.lab.bridges();
      expect(bridges).toHaveLength(1);
      const br = bridges[0] as string;
      const ports = await ctx.lab.ports(br);
      const [p1, p2] = [ports[e1.switchIf], ports[e2.switchIf]];
      const flows = await ctx.lab.flows(br);
      expect(flows.filter((f) => /in_port=/.test(f) && /actions=output:/.test(f)).map((f) => f.replace(/^.*in_port=(\d+).*actions=output:(\d+).*$/, '$1>$2')).sort()).toEqual(
        [`${p1}>${p2}`, `${p2}>${p1}`].sort(),
      );
      expect(flows.filter((f) => /CONTROLLER/.test(f))).toEqual([]);
      const dpid = Object.values(vfcs())[0] as string;

      await svc().release(created.id);
      await svc().waitFor(created.id, ['RELEASED'], 30_000);
      expect(await isolated(e1, e2)).toBe(true);
      expect(await isolated(e2, e1)).toBe(true);
      if (mode === 'vfc-per-service') expect(await ctx.lab.bridges()).toEqual([]);
      else expect(await ctx.lab.ports(br)).toEqual({});
      // the app holds nothing for the service any more
      const r = await fetch(`${ctx.lab.appUrl}/dpb/api/v1/datapaths/${dpid}/slices?switch=0`);
      expect((await r.json()) as unknown).toMatchObject({ slices: {} });
      expect(ctx.emu.dataplaneErrors).toEqual([]);
    });

    test('a four-circuit service (C-tag, C-tag, QinQ, whole port): every pair reaches the others; the hosts of another service do not', async () => {
      const { e1, e2, m1, m2 } = ctx.h;
      const t0 = Date.now();
      const e = await svc().create({ handle: 'eline', circuits: eline, activate: true });
      const m = await svc().create({ handle: 'lan', circuits: lan, activate: true });
      elineId = e.id;
      lanId = m.id;
      await svc().waitFor(e.id, ['ACTIVE'], 30_000);
      await svc().waitFor(m.id, ['ACTIVE'], 30_000);
      figures.twoServicesUntilActiveMs = Date.now() - t0;
      await allPairsReach(10_000);
      figures.twoServicesUntilAllPairsMs = Date.now() - t0;
      await waitReachable(e1, e2, 10_000);
      for (const x of [e1, e2]) for (const y of lanHosts()) expect({ from: x.name, to: y.name, isolated: await isolated(x, y, 2) }).toEqual({ from: x.name, to: y.name, isolated: true });
      expect(await isolated(m1, e2, 2)).toBe(true);
      expect(await isolated(m2, e1, 2)).toBe(true);
      const bridges = await ctx.lab.bridges();
      expect(bridges).toHaveLength(mode === 'vfc-per-service' ? 2 : 1);
      if (mode === 'vfc-per-service') {
        // each service its own VFC: the E-Line's forwards by static rules only, the 4-circuit one learns (frames of unknown sources go to the app)
        const seen: Record<string, { ports: string[]; learns: boolean }> = {};
        for (const br of bridges) {
          const ports = Object.keys(await ctx.lab.ports(br)).sort();
          seen[ports.includes(e1.switchIf) ? 'eline' : 'lan'] = { ports, learns: (await ctx.lab.flows(br)).some((f) => /CONTROLLER/.test(f)) };
        }
        expect(seen).toEqual({
          eline: { ports: [e1.switchIf, e2.switchIf].sort(), learns: false },
          lan: { ports: lanHosts().map((h) => h.switchIf).sort(), learns: true },
        });
      }
      expect(ctx.emu.dataplaneErrors).toEqual([]);
    });

    test('an emulated reboot (the switch loses every VFC, OVS bridges deleted): traffic comes back without any client action', async () => {
      const { e1, e2 } = ctx.h;
      await pinNeighbours(e1, e2);
      const probe = await Probe.start(e1, e2, { intervalS: 0.05 });
      probes.push(probe);
      await probe.firstReplyAfter(Date.now(), 5_000);
      const before = vfcs();
      const t0 = Date.now();
      ctx.emu.faults.reboot();
      await ctx.emu.dataplaneIdle();
      expect(await ctx.lab.bridges()).toEqual([]);
      const down = Date.now();
      const back = await probe.firstReplyAfter(down, RESTORE_BOUND_MS + 10_000);
      const outage = probe.longestGap(t0, back);
      await probe.stop();
      await svc().waitFor(elineId, ['ACTIVE'], 30_000);
      await svc().waitFor(lanId, ['ACTIVE'], 30_000);
      await allPairsReach(RESTORE_BOUND_MS);
      const allBackMs = Date.now() - t0;
      expect(await isolated(e1, ctx.h.m1, 2)).toBe(true);
      // new VFCs, with new dpids
      const after = vfcs();
      expect(Object.keys(after)).toHaveLength(Object.keys(before).length);
      for (const d of Object.values(after)) expect(Object.values(before)).not.toContain(d);
      figures.reboot = { elineRestoredMs: Math.round(back - t0), elineOutageMs: Math.round(outage.gapMs), lanAllPairsBackMs: allBackMs };
      expect(back - t0).toBeLessThan(RESTORE_BOUND_MS);
      expect(ctx.emu.dataplaneErrors).toEqual([]);
    });

    test('a broker restart: no ping gap beyond a few packets, no tunnel detached or attached, nothing rebuilt', async () => {
      const { e1, e2, m1, m3 } = ctx.h;
      await pinNeighbours(e1, e2);
      await pinNeighbours(m1, m3);
      const pe = await Probe.start(e1, e2, { intervalS: 0.02 });
      const pm = await Probe.start(m1, m3, { intervalS: 0.02 });
      probes.push(pe, pm);
      await pe.firstReplyAfter(Date.now(), 5_000);
      await pm.firstReplyAfter(Date.now(), 5_000);
      const mark = ctx.emu.requests.length;
      const t0 = Date.now();
      await ctx.broker.close();
      ctx.broker = await startCorsaBroker(ctx.yaml);
      ctx.services.base = ctx.broker.base;
      const upMs = Date.now() - t0;
      await svc().waitFor(elineId, ['ACTIVE'], 30_000);
      await svc().waitFor(lanId, ['ACTIVE'], 30_000);
      // the new broker has read the switch back (its first reconcile) and run at least two audits since
      await until('the restarted broker read the switch back twice', () => ctx.emu.requests.slice(mark).filter((r) => r.path === '/api/v1/bridges?list=true').length >= 3, 15_000);
      const t1 = Date.now();
      await pe.stop();
      await pm.stop();
      const gapE = pe.longestGap(t0, t1);
      const gapM = pm.longestGap(t0, t1);
      figures.brokerRestart = { restartUntilServingMs: upMs, windowMs: t1 - t0, elineLongestGapMs: Math.round(gapE.gapMs), lanLongestGapMs: Math.round(gapM.gapMs), probeIntervalMs: 20 };
      expect(ctx.emu.requests.slice(mark).filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`)).toEqual([]);
      expect(gapE.gapMs).toBeLessThan(RESTART_GAP_BOUND_MS);
      expect(gapM.gapMs).toBeLessThan(RESTART_GAP_BOUND_MS);
      expect(ctx.emu.dataplaneErrors).toEqual([]);
    });
  });
}
