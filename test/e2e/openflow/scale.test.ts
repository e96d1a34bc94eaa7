import { recordFigures } from '../support/figures';
import { appSlices, type CircuitSpec } from '../support/lab-broker';
import { useLab } from '../support/setup';
import { host, type LabHost } from '../support/topology';
import { isolated, mapLimit, waitReachable } from '../support/traffic';

/**
 * 500 services on the three switches at once: all become ACTIVE, the app
 * reports every slice installed, a sample of them carries traffic between
 * real hosts (whose access ports are moved to the sampled service's VLANs)
 * and only between the right ones; the time to bring them all up (and to
 * release them all) is measured.
 */
jest.setTimeout(900_000);

const ctx = useLab();
const N = Number(process.env.DPB_E2E_SCALE_SERVICES ?? 500);
const DEADLINE_MS = 600_000;

/** Service i joins these two sites; (a,d) and (b,d) cross all three switches. */
const PAIRS: [string, string][] = [
  ['a', 'd'],
  ['b', 'c'],
  ['a', 'c'],
  ['b', 'd'],
];
const firstLabel = (i: number) => 1000 + i;
const secondLabel = (i: number) => 2000 + i;

describe(`${N} services at once (OVS + os-ken)`, () => {
  const figures: Record<string, unknown> = { services: N };
  const ids: number[] = [];
  let baseFlows: Record<string, number> = {};
  afterAll(() => {
    if (Object.keys(figures).length > 1) recordFigures('scale', figures);
  });

  const circuits = (i: number): CircuitSpec[] => {
    const [x, y] = PAIRS[i % PAIRS.length]!;
    return [
      { terminal: x, label: firstLabel(i), ingressMbps: 1 },
      { terminal: y, label: secondLabel(i), ingressMbps: 1 },
    ];
  };

  test(`${N} services become ACTIVE and every slice is installed on the switches`, async () => {
    baseFlows = Object.fromEntries(await Promise.all(ctx.lab.topology.switches.map(async (s) => [s.name, await ctx.lab.flowCount(s.bridge)] as const)));
    const t0 = Date.now();
    const created = await mapLimit(
      Array.from({ length: N }, (_, i) => i),
      32,
      (i) => ctx.services.create({ handle: `scale-${i}`, circuits: circuits(i), activate: true }),
    );
    const acceptedMs = Date.now() - t0;
    ids.push(...created.map((c) => c.id));
    await mapLimit(ids, 64, (id) => ctx.services.waitFor(id, ['ACTIVE'], DEADLINE_MS));
    const allActiveMs = Date.now() - t0;

    // Sites a and b are on s1, c on s2, d on s3, and paths go s1-s2-s3: every
    // service has a slice on s1 and on s2, those that reach d also on s3.
    const toD = Array.from({ length: N }, (_, i) => i).filter((i) => PAIRS[i % PAIRS.length]![1] === 'd').length;
    const expected: Record<string, number> = { s1: N, s2: N, s3: toD };
    const flows: Record<string, number> = {};
    for (const s of ctx.lab.topology.switches) {
      const slices = Object.entries((await appSlices(ctx.lab, s.dpid)).slices);
      const notInstalled = slices.filter(([, v]) => v.state !== 'installed').map(([k, v]) => `${k}: ${v.state} ${v.reason ?? ''}`);
      expect({ switch: s.name, slices: slices.length, notInstalled: notInstalled.slice(0, 5) }).toEqual({ switch: s.name, slices: expected[s.name], notInstalled: [] });
      flows[s.name] = (await ctx.lab.flowCount(s.bridge)) - (baseFlows[s.name] ?? 0);
    }
    figures.install = { acceptedAllMs: acceptedMs, allActiveMs, servicesPerSecond: Math.round((N / allActiveMs) * 1000 * 10) / 10, slicesPerSwitch: expected, flowsAddedPerSwitch: flows };
  });

  test('a sample of the services carries traffic between the right hosts only', async () => {
    const t = ctx.lab.topology;
    const hostOf: Record<string, LabHost> = { a: host(t, 'a1'), b: host(t, 'b1'), c: host(t, 'c1'), d: host(t, 'd1') };
    const original = Object.values(hostOf).map((h) => [h, h.vlan] as const);
    const sample = Array.from({ length: 12 }, (_, k) => Math.floor((k * (N - 1)) / 11));
    const checked: number[] = [];
    try {
      for (const i of sample) {
        const [x, y] = PAIRS[i % PAIRS.length]!;
        const hx = hostOf[x]!;
        const hy = hostOf[y]!;
        await ctx.lab.retag(hx.port, firstLabel(i));
        await ctx.lab.retag(hy.port, secondLabel(i));
        await waitReachable(hx, hy, 10_000);
        await waitReachable(hy, hx, 10_000);
        // The neighbouring service between the same sites does not join them.
        const j = i + PAIRS.length < N ? i + PAIRS.length : i - PAIRS.length;
        await ctx.lab.retag(hy.port, secondLabel(j));
        expect({ service: i, other: j, isolated: await isolated(hx, hy, 2) }).toEqual({ service: i, other: j, isolated: true });
        checked.push(i);
      }
    } finally {
      for (const [h, vlan] of original) await ctx.lab.retag(h.port, vlan);
    }
    expect(checked).toEqual(sample);
  });

  test(`releasing all ${N} leaves nothing on the switches`, async () => {
    const t0 = Date.now();
    await mapLimit(ids, 32, (id) => ctx.services.release(id));
    await mapLimit(ids, 64, (id) => ctx.services.waitFor(id, ['RELEASED'], DEADLINE_MS));
    const releasedMs = Date.now() - t0;
    for (const s of ctx.lab.topology.switches) {
      expect({
        switch: s.name,
        slices: Object.keys((await appSlices(ctx.lab, s.dpid)).slices).length,
        flows: await ctx.lab.flowCount(s.bridge),
        meters: await ctx.lab.meterCount(s.bridge),
      }).toEqual({ switch: s.name, slices: 0, flows: baseFlows[s.name], meters: 0 });
    }
    figures.release = { allReleasedMs: releasedMs };
  });
});
