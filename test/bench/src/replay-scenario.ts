import * as path from 'node:path';
import type { StoreProvider } from '@dpb/model';
import type { Broker, StoreKind } from './broker';
import { type BenchContext, runsOf, SCENARIO_DIR } from './context';
import { CpuWatch } from './machine';
import { countFigure, type Figure, type ScenarioResult, timeFigure } from './result';
import { replayOnce, type ReplayRun } from './replay';
import { binByKey, coarseBins, summarize } from './stats';
import { bridgeBound, readRequests, readTopology, type RequestRow, type Topology } from './topology';

/** The original DPB's figures on the shared scenarios (test/bench/scenarios/README.md), ms and counts. */
export interface OriginalFigures {
  defineP50: number;
  planP50: number;
  planP99: number;
  admitted: number;
}

export const ORIGINAL: Record<string, OriginalFigures> = {
  'paper-54': { defineP50: 1.82, planP50: 1.55, planP99: 3.62, admitted: 2976 },
  'paper-128': { defineP50: 5.57, planP50: 4.87, planP99: 10.78, admitted: 4998 },
  'algoperf-54': { defineP50: 0.9, planP50: 0.79, planP99: 1.99, admitted: 838 },
  'algoperf-128': { defineP50: 2.4, planP50: 1.91, planP99: 4.6, admitted: 1383 },
};

export const SHARED_SCENARIOS = Object.keys(ORIGINAL);

export function sharedFiles(name: string): { topology: string; requests: string } {
  return { topology: path.join(SCENARIO_DIR, `${name}.topology.csv`), requests: path.join(SCENARIO_DIR, `${name}.requests.csv`) };
}

export interface ReplayScenarioOptions {
  name: string;
  title: string;
  topology: Topology;
  /** Builds the broker instead of the flat one on `topology`. */
  build?: (provider: StoreProvider) => Promise<Broker>;
  requests: RequestRow[];
  store: StoreKind;
  original?: OriginalFigures;
  /** Also run the stream once with keep-going (total admitted). */
  keepGoing: boolean;
  /** Compute the bridge bound on admission (shared scenarios: 300 labels per trunk). */
  bound?: boolean;
  /** Measured runs and discarded warm-ups. */
  runs: number;
  warmups: number;
  binWidth?: number;
  params?: Record<string, unknown>;
}

/** Bin edges (services in place) of the compact latency table. */
const COARSE = [0, 50, 100, 250, 500, 1000, 2000, 3000, 4000, 5000, 6000, 8000, 12000, 20000];

/** Bin width for the flatness figure: wide enough for stable medians. */
const FLAT_BIN = 500;

/** Replays a stream `warmups + runs` times on fresh brokers (the first `warmups` discarded), then once with keep-going. */
export async function runReplayScenario(ctx: BenchContext, o: ReplayScenarioOptions): Promise<ScenarioResult> {
  const watch = new CpuWatch();
  const measured: ReplayRun[] = [];
  for (let i = 0; i < o.warmups + o.runs; i++) {
    const r = await replayOnce({ topology: o.topology, requests: o.requests, store: o.store, ...(o.build ? { build: o.build } : {}) });
    const tag = i < o.warmups ? 'warm-up' : 'run';
    ctx.log(`${o.name}: ${tag} ${i < o.warmups ? i + 1 : i - o.warmups + 1}: admitted ${r.admittedBeforeFirstRejection} in ${(r.elapsedMs / 1000).toFixed(1)} s`);
    if (i >= o.warmups) measured.push(r);
  }
  let keepGoing: ReplayRun | undefined;
  if (o.keepGoing) {
    keepGoing = await replayOnce({ topology: o.topology, requests: o.requests, store: o.store, keepGoing: true, ...(o.build ? { build: o.build } : {}) });
    ctx.log(`${o.name}: keep-going: admitted ${keepGoing.admittedTotal} of ${keepGoing.attempted} in ${(keepGoing.elapsedMs / 1000).toFixed(1)} s`);
  }
  const cat = (k: keyof ReplayRun['samples']): number[] => measured.flatMap((r) => r.samples[k]);
  const existing = cat('existing');
  const define = cat('defineMs');
  const untilActive = cat('untilActiveMs');
  const planMs = cat('planMs');
  const orig = o.original;
  const notes: string[] = [];
  const defineSummary = summarize(define);
  const figures: Figure[] = [
    timeFigure('define', define, {
      ...(orig ? { original: orig.defineP50 } : {}),
      ...(orig
        ? {
            target: {
              text: `median <= ${(orig.defineP50 / 10).toFixed(3)} ms (10x) and p99 < 3x median`,
              met: defineSummary.median <= orig.defineP50 / 10 && defineSummary.p99 < 3 * defineSummary.median,
            },
          }
        : {}),
    }),
    timeFigure('define, CPU time', cat('defineCpuMs')),
    timeFigure('until ACTIVE', untilActive),
    timeFigure('plan', planMs, orig ? { original: orig.planP50 } : {}),
  ];
  const planSummary = summarize(planMs);
  if (orig) {
    figures.push({ name: 'plan p99 vs original p99', unit: 'ms', summary: planSummary, original: orig.planP99, ratio: orig.planP99 / planSummary.p99 });
  }
  const admitted = measured.map((r) => r.admittedBeforeFirstRejection);
  figures.push(
    countFigure('admitted before first rejection', 'services', admitted, {
      ...(orig
        ? {
            original: orig.admitted,
            target: { text: `>= ${orig.admitted} (aim ${Math.ceil(orig.admitted * 1.1)})`, met: Math.min(...admitted) >= orig.admitted },
          }
        : {}),
    }),
  );
  if (o.bound) {
    const b = bridgeBound(o.topology, o.requests, 300);
    figures.push(countFigure('upper bound from bridges', 'services', [b.admitted]));
    if (b.bridge) {
      notes.push(
        `no planner can admit more than ${b.admitted} before the first rejection: request ${b.admitted} needs bridge ${b.bridge.u}-${b.bridge.v}, whose ${b.reason} the earlier requests with switches on both sides have used up`,
      );
    }
  }
  if (keepGoing) figures.push(countFigure(`admitted of ${keepGoing.attempted} (keep going)`, 'services', [keepGoing.admittedTotal]));
  const over = [...measured, ...(keepGoing ? [keepGoing] : [])].map((r) => r.oversubscribedTrunks);
  figures.push(countFigure('oversubscribed trunks', 'trunks', over, { target: { text: '0', met: over.every((x) => x === 0) } }));
  const flatBins = binByKey(existing, untilActive, FLAT_BIN).filter((b) => b.summary.n >= 50);
  if (flatBins.length >= 2) {
    const medians = flatBins.map((b) => b.summary.median);
    const ratio = Math.max(...medians) / Math.min(...medians);
    figures.push({
      name: `flatness (max/min median per ${FLAT_BIN} services)`,
      unit: 'x',
      summary: { ...summarize([ratio]) },
      target: { text: '<= 1.5', met: ratio <= 1.5 },
    });
  }
  const binWidth = o.binWidth ?? 50;
  const { otherCores, wallS } = watch.stop();
  return {
    name: o.name,
    title: o.title,
    params: {
      ...(o.params ?? {}),
      switches: o.topology.vertices.length,
      trunks: o.topology.edges.length,
      requests: o.requests.length,
      store: o.store,
      runs: o.runs,
      warmups: o.warmups,
      binWidth,
    },
    figures,
    bins: {
      'until ACTIVE': binByKey(existing, untilActive, binWidth),
      define: binByKey(existing, define, binWidth),
      plan: binByKey(existing, planMs, binWidth),
      'until ACTIVE (coarse)': coarseBins(existing, untilActive, COARSE),
      'plan (coarse)': coarseBins(existing, planMs, COARSE),
    },
    runs: [
      ...measured.map((r) => ({
        mode: 'stop at first rejection',
        admitted: r.admittedBeforeFirstRejection,
        firstRejection: r.firstRejection,
        elapsedMs: Math.round(r.elapsedMs),
      })),
      ...(keepGoing ? [{ mode: 'keep going', admitted: keepGoing.admittedTotal, attempted: keepGoing.attempted, firstRejection: keepGoing.firstRejection, elapsedMs: Math.round(keepGoing.elapsedMs) }] : []),
    ],
    notes,
    otherCores,
    wallS,
  };
}

/** A scenario of the shared set: replay on the memory store, the original's figures beside. */
export function sharedReplay(ctx: BenchContext, name: string, store: StoreKind = 'memory'): Promise<ScenarioResult> {
  const files = sharedFiles(name);
  const { runs, warmups } = store === 'memory' ? runsOf(ctx, 5, 1) : { runs: ctx.runs ?? (ctx.quick ? 1 : 2), warmups: ctx.warmups ?? 1 };
  return runReplayScenario(ctx, {
    name: store === 'memory' ? name : `${name}-${store}`,
    title: `replay of ${name} (${store} store)`,
    topology: readTopology(files.topology),
    requests: readRequests(files.requests),
    store,
    original: ORIGINAL[name]!,
    keepGoing: store === 'memory',
    bound: true,
    runs,
    warmups,
  });
}
