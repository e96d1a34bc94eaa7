import type { BenchContext } from './context';
import { CpuWatch } from './machine';
import { plannerReplay } from './planner-replay';
import { countFigure, type ScenarioResult, timeFigure } from './result';
import { summarize } from './stats';
import { barabasiAlbert, requestStream } from './topology';

export interface BaPlanningOptions {
  n: number;
  m: number;
  requests: number;
  maxCircuits: number;
  seed: number;
  /** Discarded first plans (JIT warm-up). */
  warmupPlans: number;
}

/**
 * The planner alone on a large Barabási–Albert graph (default 5,000
 * switches, m = 4: 19,990 trunks, ~450,000 chords), a stream of 2..k-switch
 * requests with allocation (labels and capacity) as the aggregator does.
 */
export async function baPlanning(ctx: BenchContext, o: BaPlanningOptions): Promise<ScenarioResult> {
  const watch = new CpuWatch();
  const topology = barabasiAlbert({ n: o.n, m: o.m, seed: o.seed });
  const requests = requestStream({ vertices: topology.vertices, count: o.requests + o.warmupPlans, maxCircuits: o.maxCircuits, seed: o.seed + 1 });
  ctx.log(`ba-${o.n}: ${topology.edges.length} trunks; planning ${requests.length} requests`);
  const r = plannerReplay({ topology, requests, keepGoing: true, labels: 300, trunkState: true });
  const plan = r.planMs.slice(o.warmupPlans);
  const { otherCores, wallS } = watch.stop();
  const s = summarize(plan);
  return {
    name: `ba-${o.n}-planning`,
    title: `planner alone on a Barabási–Albert graph, ${o.n} switches, m = ${o.m}`,
    params: { ...o, trunks: topology.edges.length, firstBuildMs: Math.round(r.firstBuildMs) },
    figures: [
      timeFigure('plan', plan, { target: { text: 'p99 < 20 ms', met: s.p99 < 20 } }),
      timeFigure('graph build', [r.firstBuildMs]),
      countFigure(`admitted of ${r.attempted}`, 'services', [r.admittedTotal]),
      countFigure('oversubscribed trunks', 'trunks', [r.oversubscribed], { target: { text: '0', met: r.oversubscribed === 0 } }),
    ],
    otherCores,
    wallS,
  };
}
