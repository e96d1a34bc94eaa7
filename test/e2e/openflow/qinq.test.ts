import { useLab } from '../support/setup';
import { host, site } from '../support/topology';
import { Capture, isolated, pinNeighbours, ping, waitReachable } from '../support/traffic';

/**
 * QinQ: site e reaches s2's port 2 inside 802.1ad outer VLAN 100, its hosts'
 * VLANs being the inner tags (terminal "2.100", label = inner VLAN). Services
 * join such circuits with single-tagged ones elsewhere; the frames on the
 * QinQ port carry both tags, and two inner VLANs of the same outer one stay apart.
 * (Open vSwitch parses the second tag only with vlan-limit=2, set by ovs-up.sh.)
 */
jest.setTimeout(180_000);

const ctx = useLab();

describe('QinQ circuits (OVS + os-ken)', () => {
  test('a QinQ circuit and a single-tagged one reach each other; frames on the QinQ port carry outer and inner tags', async () => {
    const t = ctx.lab.topology;
    const e = site(t, 'e');
    expect(e.outerVlan).toBe(100);
    const [a1, e1, d2, e2] = ['a1', 'e1', 'd2', 'e2'].map((n) => host(t, n)) as [ReturnType<typeof host>, ReturnType<typeof host>, ReturnType<typeof host>, ReturnType<typeof host>];
    const svc = ctx.services;
    const x = await svc.create({
      handle: 'qinq-x',
      circuits: [
        { terminal: 'a', label: a1.vlan, ingressMbps: 20 },
        { terminal: 'e', label: e1.vlan, ingressMbps: 20 },
      ],
      activate: true,
    });
    const y = await svc.create({
      handle: 'qinq-y',
      circuits: [
        { terminal: 'd', label: d2.vlan, ingressMbps: 20 },
        { terminal: 'e', label: e2.vlan, ingressMbps: 20 },
      ],
      activate: true,
    });
    await svc.waitFor(x.id, ['ACTIVE'], 30_000);
    await svc.waitFor(y.id, ['ACTIVE'], 30_000);

    await pinNeighbours(a1, e1);
    const cap = await Capture.start(e.uplink, ['ether', 'host', e1.mac]);
    try {
      await waitReachable(a1, e1, 10_000);
      await waitReachable(e1, a1, 10_000);
      expect((await ping(e1, a1, { count: 5, intervalS: 0.05 })).received).toBe(5);
      const toE1 = await cap.waitFor((f) => f.dstMac === e1.mac, 5_000);
      const fromE1 = await cap.waitFor((f) => f.srcMac === e1.mac, 5_000);
      expect({ toE1: toE1.vlans, fromE1: fromE1.vlans, to802_1ad: /0x88a8/.test(toE1.line) }).toEqual({ toE1: [100, e1.vlan], fromE1: [100, e1.vlan], to802_1ad: true });
    } finally {
      await cap.stop();
    }

    await waitReachable(d2, e2, 10_000);
    await waitReachable(e2, d2, 10_000);
    // Same outer VLAN, other inner VLAN, other service: apart.
    expect(await isolated(a1, e2)).toBe(true);
    expect(await isolated(d2, e1)).toBe(true);

    await svc.releaseAndWait(x.id);
    expect(await isolated(a1, e1)).toBe(true);
    // The other inner VLAN's service is untouched.
    expect((await ping(d2, e2, { count: 3, intervalS: 0.1 })).received).toBe(3);
    await svc.releaseAndWait(y.id);
  });
});
