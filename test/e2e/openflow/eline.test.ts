import { appSlices, type ServiceInfo } from '../support/lab-broker';
import { useLab } from '../support/setup';
import { host, trunkVeth } from '../support/topology';
import { Capture, isolated, pinNeighbours, ping, waitReachable } from '../support/traffic';

/**
 * A two-circuit service across three switches (site a on s1, site d on s3,
 * through s2) with a different VLAN at each end: real hosts ping each other
 * only while the service is ACTIVE, and every frame on the trunks carries the
 * label the aggregator allocated on that trunk.
 */
jest.setTimeout(180_000);

const ctx = useLab();

describe('two-circuit service across three switches (OVS + os-ken)', () => {
  const hosts = () => {
    const t = ctx.lab.topology;
    return { a1: host(t, 'a1'), d1: host(t, 'd1'), a2: host(t, 'a2'), d2: host(t, 'd2'), b1: host(t, 'b1') };
  };

  test('hosts reach each other only while the service is ACTIVE; not before define, nor after deactivate or release', async () => {
    const { a1, d1, a2, d2 } = hosts();
    expect(a1.vlan).not.toBe(d1.vlan);
    const svc = ctx.services;

    const created = await svc.create({ handle: 'eline-life' });
    expect(created.status).toBe('DORMANT');
    expect(await isolated(a1, d1)).toBe(true);

    await svc.define(created.id, [
      { terminal: 'a', label: a1.vlan, ingressMbps: 100 },
      { terminal: 'd', label: d1.vlan, ingressMbps: 100 },
    ]);
    await svc.waitFor(created.id, ['INACTIVE']);
    expect(await isolated(a1, d1)).toBe(true);

    await svc.activate(created.id);
    await svc.waitFor(created.id, ['ACTIVE'], 30_000);
    await waitReachable(a1, d1, 10_000);
    await waitReachable(d1, a1, 10_000);
    expect((await ping(a1, d1, { count: 5, intervalS: 0.05 })).received).toBe(5);
    // The same sites' hosts in other VLANs stay outside.
    expect(await isolated(a2, d1)).toBe(true);
    expect(await isolated(a1, d2)).toBe(true);

    await svc.deactivate(created.id);
    await svc.waitFor(created.id, ['INACTIVE'], 30_000);
    expect(await isolated(a1, d1)).toBe(true);

    await svc.activate(created.id);
    await svc.waitFor(created.id, ['ACTIVE'], 30_000);
    await waitReachable(a1, d1, 10_000);

    await svc.releaseAndWait(created.id);
    expect(await isolated(a1, d1)).toBe(true);
    expect(await isolated(d1, a1)).toBe(true);

    // Nothing of the service is left in the controller app.
    for (const s of ctx.lab.topology.switches) {
      expect({ dpid: s.dpid, slices: Object.keys((await appSlices(ctx.lab, s.dpid)).slices) }).toEqual({ dpid: s.dpid, slices: [] });
    }
  });

  test('frames on each trunk carry the label the aggregator allocated there; the unused s1-s3 trunk carries none', async () => {
    const { a1, d1 } = hosts();
    const t = ctx.lab.topology;
    const svc = ctx.services;
    const created = await svc.create({
      handle: 'eline-labels',
      circuits: [
        { terminal: 'a', label: a1.vlan, ingressMbps: 100 },
        { terminal: 'd', label: d1.vlan, ingressMbps: 100 },
      ],
      activate: true,
    });
    const info: ServiceInfo = await svc.waitFor(created.id, ['ACTIVE'], 30_000);
    const tunnels = info.realisation?.tunnels ?? [];
    // The planner takes s1-s2-s3 (cost 2), not the direct s1-s3 trunk (cost 5).
    expect(tunnels.map((x) => [x.start.network, x.end.network].sort().join('-')).sort()).toEqual(['s1-s2', 's2-s3']);

    await pinNeighbours(a1, d1);
    const captures = await Promise.all([
      ...tunnels.map((x) => Capture.start(trunkVeth(t, x.start.network, x.end.network), ['ether', 'host', a1.mac])),
      Capture.start(trunkVeth(t, 's1', 's3'), ['ether', 'host', a1.mac]),
    ]);
    const unused = captures.pop()!;
    try {
      await waitReachable(a1, d1, 10_000);
      expect((await ping(a1, d1, { count: 5, intervalS: 0.05 })).received).toBe(5);
      for (const [i, x] of tunnels.entries()) {
        const cap = captures[i]!;
        // No translation on a veth: both ends of the tunnel use the same label.
        expect(x.startLabel).toBe(x.endLabel);
        const there = await cap.waitFor((f) => f.srcMac === a1.mac, 5_000);
        const back = await cap.waitFor((f) => f.dstMac === a1.mac, 5_000);
        expect({ trunk: cap.iface, out: there.vlans, back: back.vlans }).toEqual({ trunk: cap.iface, out: [x.startLabel], back: [x.startLabel] });
        // Every frame of the pair on that trunk carries that one label.
        expect(new Set(cap.frames.map((f) => f.vlans.join('.')))).toEqual(new Set([String(x.startLabel)]));
      }
    } finally {
      await Promise.all([...captures, unused].map((c) => c.stop()));
    }
    expect(unused.frames).toEqual([]);
    await svc.releaseAndWait(created.id);
  });
});
