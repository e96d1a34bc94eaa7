import { recordFigures } from '../support/figures';
import { useLab } from '../support/setup';
import { host } from '../support/topology';
import { iperfUdp, pinNeighbours, waitReachable } from '../support/traffic';

/**
 * Rates are enforced on the switches: UDP offered at 50 Mbit/s (iperf3)
 * through a circuit with a 10 Mbit/s ingress rate arrives at about 10 Mbit/s,
 * through a 50 Mbit/s one at about 50; and a circuit's egress rate limits what
 * it receives.
 */
jest.setTimeout(240_000);

const ctx = useLab();
const OFFERED = 50;
const SECONDS = 5;

describe('ingress and egress rates (OVS meters, iperf3 UDP)', () => {
  const figures: Record<string, unknown> = {};
  afterAll(() => {
    if (Object.keys(figures).length > 0) recordFigures('rates', { offeredMbps: OFFERED, seconds: SECONDS, ...figures });
  });

  test('a 10 Mbit/s ingress circuit carries about 10 Mbit/s of 50 offered; a 50 Mbit/s one about 50', async () => {
    const t = ctx.lab.topology;
    const a1 = host(t, 'a1');
    const d1 = host(t, 'd1');
    // One service, a different ingress rate at each end: a1 sends in at most 10, d1 at most 50.
    const s = await ctx.services.create({
      handle: 'rates',
      circuits: [
        { terminal: 'a', label: a1.vlan, ingressMbps: 10 },
        { terminal: 'd', label: d1.vlan, ingressMbps: 50 },
      ],
      activate: true,
    });
    await ctx.services.waitFor(s.id, ['ACTIVE'], 30_000);
    await pinNeighbours(a1, d1);
    await waitReachable(a1, d1);

    const slow = await iperfUdp(a1, d1, { offeredMbps: OFFERED, seconds: SECONDS });
    const fast = await iperfUdp(d1, a1, { offeredMbps: OFFERED, seconds: SECONDS });
    figures.ingress10 = slow;
    figures.ingress50 = fast;
    expect(slow.sentMbps).toBeGreaterThan(0.9 * OFFERED);
    expect(slow.receivedMbps).toBeGreaterThan(7);
    expect(slow.receivedMbps).toBeLessThan(12.5);
    expect(fast.sentMbps).toBeGreaterThan(0.9 * OFFERED);
    expect(fast.receivedMbps).toBeGreaterThan(40);
    expect(fast.receivedMbps).toBeLessThan(56);
    await ctx.services.releaseAndWait(s.id);
  });

  test('a circuit with a 10 Mbit/s egress rate receives about 10 Mbit/s of 50 sent in elsewhere', async () => {
    const t = ctx.lab.topology;
    const a2 = host(t, 'a2');
    const d2 = host(t, 'd2');
    const s = await ctx.services.create({
      handle: 'egress',
      circuits: [
        { terminal: 'a', label: a2.vlan, ingressMbps: 50, egressMbps: 10 },
        { terminal: 'd', label: d2.vlan, ingressMbps: 50 },
      ],
      activate: true,
    });
    await ctx.services.waitFor(s.id, ['ACTIVE'], 30_000);
    await pinNeighbours(a2, d2);
    await waitReachable(d2, a2);

    const limited = await iperfUdp(d2, a2, { offeredMbps: OFFERED, seconds: SECONDS });
    figures.egress10 = limited;
    expect(limited.sentMbps).toBeGreaterThan(0.9 * OFFERED);
    expect(limited.receivedMbps).toBeGreaterThan(7);
    expect(limited.receivedMbps).toBeLessThan(12.5);
    await ctx.services.releaseAndWait(s.id);
  });
});
