import * as planner from '@dpb/planner';
import type { PlanChord, PlanEndpoint, PlanTrunk } from '@dpb/planner';
import { performance } from 'node:perf_hooks';
import type { RequestRow, Topology } from './topology';

/**
 * The request stream replayed against the planner alone, with the
 * aggregator's bookkeeping imitated: trunk i+1 per edge i (start `v<u>:to<v>`,
 * end `v<v>:to<u>`), a full mesh of chords of cost 0.001 and unlimited
 * capacity in every switch (what a switch without quotas reports), each
 * planned trunk taking one label and its demand each way; a trunk without a
 * free label leaves the graph. No services, stores or fabrics: this isolates
 * the planner's speed and its admission decisions.
 */
export interface PlannerReplayOptions {
  topology: Topology;
  requests: readonly RequestRow[];
  /** Labels per trunk; default 300. */
  labels?: number;
  flowMbps?: number;
  keepGoing?: boolean;
  /** The planner module to use (default: the built @dpb/planner); for A/B experiments. */
  planner?: typeof planner;
  /** Pass each trunk's free labels and total capacity to the planner (what the aggregator can tell it). */
  trunkState?: boolean;
  /** PlanningOptions.loadWeight (default: the planner's). */
  loadWeight?: number;
}

export interface PlannerReplayResult {
  admittedBeforeFirstRejection: number;
  admittedTotal: number;
  attempted: number;
  existing: number[];
  planMs: number[];
  buildMs: number;
  /** Time to build the first planning graph, ms. */
  firstBuildMs: number;
  firstRejection?: { index: number; reason: string };
  /** Trunks given more than their capacity or labels (must be 0). */
  oversubscribed: number;
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

export function switchChords(topology: Topology, cost = 0.001): PlanChord[] {
  const terminals = new Map<number, string[]>(topology.vertices.map((v) => [v, ['host']]));
  for (const e of topology.edges) {
    terminals.get(e.u)!.push(`to${e.v}`);
    terminals.get(e.v)!.push(`to${e.u}`);
  }
  const chords: PlanChord[] = [];
  for (const [v, list] of terminals) {
    list.sort();
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        chords.push({ network: `v${v}`, from: list[i]!, to: list[j]!, cost, upstreamMbps: Infinity, downstreamMbps: Infinity });
      }
    }
  }
  return chords;
}

export function plannerReplay(o: PlannerReplayOptions): PlannerReplayResult {
  const P = o.planner ?? planner;
  const labels = o.labels ?? 300;
  const flow = o.flowMbps ?? 10;
  const trunks = o.topology.edges.map((e, i) => ({
    id: i + 1,
    start: { network: `v${e.u}`, terminal: `to${e.v}` },
    end: { network: `v${e.v}`, terminal: `to${e.u}` },
    cost: e.cost,
    capacity: e.capacityMbps,
    up: e.capacityMbps,
    down: e.capacityMbps,
    free: labels,
  }));
  const chords = switchChords(o.topology);
  const planTrunk = (t: (typeof trunks)[number]): PlanTrunk => {
    const p: PlanTrunk & Record<string, unknown> = { id: t.id, start: t.start, end: t.end, cost: t.cost, upstreamMbps: t.up, downstreamMbps: t.down };
    if (o.trunkState) {
      p.freeLabels = t.free;
      p.labelCount = labels;
      p.capacityUpstreamMbps = t.capacity;
      p.capacityDownstreamMbps = t.capacity;
    }
    return p;
  };
  let buildMs = 0;
  const build = (): planner.PlanningGraph => {
    const t0 = performance.now();
    const g = new P.PlanningGraph({ trunks: trunks.filter((t) => t.free > 0).map(planTrunk), chords }, o.loadWeight === undefined ? {} : { loadWeight: o.loadWeight });
    buildMs += performance.now() - t0;
    return g;
  };
  let graph = build();
  const result: PlannerReplayResult = { admittedBeforeFirstRejection: -1, admittedTotal: 0, attempted: 0, existing: [], planMs: [], buildMs: 0, firstBuildMs: buildMs, oversubscribed: 0 };
  for (const r of o.requests) {
    result.attempted++;
    const endpoints: PlanEndpoint[] = r.switches.map((s) => ({ network: `v${s}`, terminal: 'host', ingressMbps: flow, egressMbps: flow }));
    const t0 = performance.now();
    const res = graph.plan(endpoints);
    const ms = performance.now() - t0;
    if (!res.ok) {
      if (result.admittedBeforeFirstRejection < 0) {
        result.admittedBeforeFirstRejection = result.admittedTotal;
        result.firstRejection = { index: r.index, reason: res.failure.reason };
      }
      if (!o.keepGoing) break;
      continue;
    }
    result.existing.push(result.admittedTotal);
    result.planMs.push(ms);
    result.admittedTotal++;
    let rebuild = false;
    for (const pt of res.plan.trunks) {
      const t = trunks[pt.id - 1]!;
      t.up = round(t.up - round(pt.upstreamMbps));
      t.down = round(t.down - round(pt.downstreamMbps));
      t.free--;
      if (t.up < -1e-6 || t.down < -1e-6 || t.free < 0) result.oversubscribed++;
      if (t.free === 0) rebuild = true;
      else {
        if (o.trunkState) graph.setTrunkState(t.id, { upstreamMbps: Math.max(0, t.up), downstreamMbps: Math.max(0, t.down), freeLabels: t.free });
        else graph.setTrunkCapacity(t.id, Math.max(0, t.up), Math.max(0, t.down));
      }
    }
    if (rebuild) graph = build();
  }
  if (result.admittedBeforeFirstRejection < 0) result.admittedBeforeFirstRejection = result.admittedTotal;
  result.buildMs = buildMs;
  return result;
}
