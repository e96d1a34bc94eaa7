import { appSlices } from '../support/lab-broker';
import { useLab } from '../support/setup';
import { host, type LabHost } from '../support/topology';
import { Capture, isolated, mapLimit, waitReachable } from '../support/traffic';

/**
 * Two four-circuit (E-LAN) services on the same four site ports and the same
 * trunks, one VLAN apart: every pair of hosts of a service reaches each other,
 * no host of one service reaches (or even hears a frame from) a host of the other.
 */
jest.setTimeout(240_000);

const ctx = useLab();

function pairs<T>(xs: T[]): [T, T][] {
  return xs.flatMap((x, i) => xs.slice(i + 1).map((y) => [x, y] as [T, T]));
}

describe('four-circuit multipoint services (OVS + os-ken)', () => {
  test('every pair of a service reaches each other; the other service on the same ports and trunks is isolated', async () => {
    const t = ctx.lab.topology;
    const red = ['a2', 'b1', 'c1', 'd2'].map((n) => host(t, n));
    const blue = ['a3', 'b2', 'c2', 'd3'].map((n) => host(t, n));
    const circuitsOf = (hs: LabHost[]) => hs.map((h) => ({ terminal: h.site, label: h.vlan, ingressMbps: 50 }));
    const svc = ctx.services;

    // Listen on every host's bridge port: no frame of one service may reach a host of the other.
    const captures = await Promise.all([...red, ...blue].map((h) => Capture.start(h.port)));
    try {
      const r = await svc.create({ handle: 'red', circuits: circuitsOf(red), activate: true });
      const b = await svc.create({ handle: 'blue', circuits: circuitsOf(blue), activate: true });
      const [ri, bi] = await Promise.all([svc.waitFor(r.id, ['ACTIVE'], 60_000), svc.waitFor(b.id, ['ACTIVE'], 60_000)]);
      // Both services share the site ports and the s1-s2 and s2-s3 trunks.
      const trunksOf = (i: typeof ri) => (i.realisation?.tunnels ?? []).map((x) => x.trunk).sort();
      expect(trunksOf(ri)).toEqual(trunksOf(bi));
      expect(trunksOf(ri).length).toBeGreaterThanOrEqual(2);

      for (const group of [red, blue]) {
        await mapLimit(pairs(group), 3, async ([x, y]) => {
          await waitReachable(x, y, 15_000);
          await waitReachable(y, x, 15_000);
        });
      }

      const cross = red.flatMap((x) => blue.map((y) => [x, y] as [LabHost, LabHost]));
      const leaks = (await mapLimit(cross, 8, async ([x, y]) => ((await isolated(x, y, 2)) && (await isolated(y, x, 2)) ? [] : [`${x.name}<->${y.name}`]))).flat();
      expect(leaks).toEqual([]);

      // All four circuits of each service are installed on each switch it spans.
      for (const s of t.switches) {
        const slices = (await appSlices(ctx.lab, s.dpid)).slices;
        for (const [id, slice] of Object.entries(slices)) expect({ dpid: s.dpid, id, state: slice.state }).toEqual({ dpid: s.dpid, id, state: 'installed' });
      }
    } finally {
      await Promise.all(captures.map((c) => c.stop()));
    }
    const macs = (hs: LabHost[]) => new Set(hs.map((h) => h.mac));
    for (const [mine, others] of [
      [red, blue],
      [blue, red],
    ] as const) {
      for (const h of mine) {
        const cap = captures.find((c) => c.iface === h.port)!;
        const foreign = cap.frames.filter((f) => macs(others).has(f.srcMac)).map((f) => f.line);
        expect({ host: h.name, foreign }).toEqual({ host: h.name, foreign: [] });
        // ...while it did hear its own service's hosts.
        expect(cap.frames.some((f) => macs(mine).has(f.srcMac) && f.srcMac !== h.mac)).toBe(true);
      }
    }
    await ctx.services.releaseAll();
  });
});
