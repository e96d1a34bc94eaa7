import { buildHierarchyBroker } from './broker';
import { type BenchContext, runsOf } from './context';
import { runReplayScenario } from './replay-scenario';
import type { ScenarioResult } from './result';
import { barabasiAlbert, hierarchy, requestStream, type Topology } from './topology';

/**
 * Larger generated scenarios through the real aggregator and switch code:
 * a flat Barabási–Albert network of n switches under one aggregator, and a
 * two-level hierarchy (regional aggregators under a national one).
 */

export async function baReplay(ctx: BenchContext, o: { n: number; m: number; requests: number; seed: number }): Promise<ScenarioResult> {
  const topology = barabasiAlbert({ n: o.n, m: o.m, seed: o.seed });
  const requests = requestStream({ vertices: topology.vertices, count: o.requests, maxCircuits: 4, seed: o.seed + 1 });
  const { runs, warmups } = runsOf(ctx, 2, 1);
  return runReplayScenario(ctx, {
    name: `ba-${o.n}-replay`,
    title: `replay through the aggregator on a Barabási–Albert graph of ${o.n} switches (m = ${o.m}), ${o.requests} requests of 2-4 switches`,
    topology,
    requests,
    store: 'memory',
    keepGoing: false,
    runs,
    warmups,
    binWidth: Math.max(50, Math.round(o.requests / 40)),
    params: { generator: 'barabasi-albert', m: o.m, seed: o.seed },
  });
}

export async function hierarchyReplay(
  ctx: BenchContext,
  o: { regions: number; switchesPerRegion: number; m: number; requests: number; seed: number },
): Promise<ScenarioResult> {
  const h = hierarchy({
    regions: o.regions,
    switchesPerRegion: o.switchesPerRegion,
    m: o.m,
    bordersPerRegion: 3,
    extraTrunks: o.regions,
    capacityMbps: 40_000,
    seed: o.seed,
  });
  const total = o.regions * o.switchesPerRegion;
  const vertices = [...Array(total).keys()];
  const requests = requestStream({ vertices, count: o.requests, maxCircuits: 4, seed: o.seed + 1 });
  // For the report only: the switch-level topology is the union of the regions (plus national trunks).
  const topology: Topology = {
    vertices,
    edges: [
      ...h.regions.flatMap((r, i) => r.topology.edges.map((e) => ({ ...e, u: e.u + i * o.switchesPerRegion, v: e.v + i * o.switchesPerRegion }))),
      ...h.trunks.map((t) => ({ u: t.a.region * o.switchesPerRegion + t.a.switch, v: t.b.region * o.switchesPerRegion + t.b.switch, capacityMbps: t.capacityMbps, cost: t.cost })),
    ],
  };
  // Each define costs tens of milliseconds here (see docs/benchmarks.md), so one run after one warm-up.
  const runs = ctx.runs ?? 1;
  const warmups = ctx.warmups ?? 1;
  return runReplayScenario(ctx, {
    name: 'hierarchy',
    title: `two-level hierarchy: ${o.regions} regional aggregators of ${o.switchesPerRegion} switches under a national one, ${o.requests} requests of 2-4 switches anywhere`,
    topology,
    build: (provider) => buildHierarchyBroker(h, provider),
    requests,
    store: 'memory',
    keepGoing: false,
    runs,
    warmups,
    binWidth: Math.max(50, Math.round(o.requests / 40)),
    params: { regions: o.regions, switchesPerRegion: o.switchesPerRegion, m: o.m, nationalTrunks: h.trunks.length, seed: o.seed },
  });
}
