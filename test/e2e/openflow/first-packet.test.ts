import { recordFigures, stats } from '../support/figures';
import { useLab } from '../support/setup';
import { host } from '../support/topology';
import { pinNeighbours, Probe } from '../support/traffic';

/**
 * Benchmark: time from one REST call that defines and activates a service
 * (POST .../services with circuits and activate: true) to the first packet
 * delivered across three switches (site a on s1 to site d on s3, through s2),
 * over many services one after the other. A ping every 5 ms runs from before
 * the call (neighbours pinned, so no ARP is involved); the time of its first
 * reply is the end. The figures go to bench-results/e2e-first-packet-*.json.
 */
jest.setTimeout(900_000);

const ctx = useLab();
const N = Number(process.env.DPB_E2E_FIRST_PACKET_SERVICES ?? 50);
const PROBE_INTERVAL_S = 0.005;

describe('define+activate to first packet (OVS + os-ken)', () => {
  test(`over ${N} three-switch services`, async () => {
    const t = ctx.lab.topology;
    const a1 = host(t, 'a1');
    const d1 = host(t, 'd1');
    await pinNeighbours(a1, d1);
    const firstPacket: number[] = [];
    const active: number[] = [];
    let packetBeforeActive = 0;
    try {
      for (let i = 0; i < N; i++) {
        const la = 1500 + i;
        const ld = 2500 + i;
        await ctx.lab.retag(a1.port, la);
        await ctx.lab.retag(d1.port, ld);
        const probe = await Probe.start(a1, d1, { intervalS: PROBE_INTERVAL_S });
        try {
          const t0 = Date.now();
          const s = await ctx.services.create({
            handle: `first-packet-${i}`,
            circuits: [
              { terminal: 'a', label: la, ingressMbps: 10 },
              { terminal: 'd', label: ld, ingressMbps: 10 },
            ],
            activate: true,
          });
          const first = await probe.firstReplyAfter(t0, 60_000);
          const info = await ctx.services.waitFor(s.id, ['ACTIVE'], 60_000);
          const activeAt = info.history.find((h) => h.status === 'ACTIVE')!.at;
          firstPacket.push(first - t0);
          active.push(activeAt - t0);
          if (first < activeAt) packetBeforeActive++;
          await probe.stop();
          await ctx.services.releaseAndWait(s.id);
        } finally {
          await probe.stop();
        }
      }
    } finally {
      await ctx.lab.retag(a1.port, a1.vlan);
      await ctx.lab.retag(d1.port, d1.vlan);
    }
    expect(firstPacket).toHaveLength(N);
    recordFigures('first-packet', {
      services: N,
      path: 's1-s2-s3 (site a to site d)',
      probeIntervalMs: PROBE_INTERVAL_S * 1000,
      defineActivateToFirstPacket: stats(firstPacket),
      defineActivateToActiveStatus: stats(active),
      firstPacketBeforeActiveStatus: packetBeforeActive,
      samplesMs: firstPacket.map(Math.round),
    });
  });
});
