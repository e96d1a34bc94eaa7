import { performance } from 'node:perf_hooks';
import { buildFlatBroker, openStore, type StoreKind } from './broker';
import { type BenchContext, runsOf } from './context';
import { CpuWatch } from './machine';
import { countFigure, type Figure, type ScenarioResult, timeFigure } from './result';
import { sharedFiles } from './replay-scenario';
import { seededRandom } from './stats';
import { randomSwitches, readTopology, type Topology } from './topology';

/**
 * Service cycles through the real aggregator and switches on a store:
 * create, define (2-4 random hosts), activate, wait until ACTIVE, release,
 * wait until RELEASED; `workers` such loops at once for `durationS`
 * seconds. Every cycle uses a fresh label, so cycles never collide.
 */
export interface CycleRun {
  cycles: number;
  seconds: number;
  cycleMs: number[];
}

async function cyclesOnce(topology: Topology, store: StoreKind, workers: number, durationS: number, warmupS: number, seed: number): Promise<CycleRun> {
  const s = await openStore(store);
  const broker = await buildFlatBroker(topology, s.provider);
  const rand = seededRandom(seed);
  let label = 1;
  let measuring = false;
  let stop = false;
  const cycleMs: number[] = [];
  const loop = async (): Promise<void> => {
    while (!stop) {
      const picks = randomSwitches(topology.vertices, rand);
      const l = label++;
      const circuits = picks.map((v) => ({ terminal: broker.terminalOf(v), label: l, ingressMbps: 10, egressMbps: 10 }));
      const t0 = performance.now();
      const svc = await broker.top.createService();
      await svc.define({ circuits });
      await svc.activate();
      if ((await svc.awaitStatus(['ACTIVE', 'FAILED'], 10_000)) !== 'ACTIVE') throw new Error(`cycle service ${svc.id} did not become ACTIVE`);
      await svc.release();
      if ((await svc.awaitStatus(['RELEASED'], 10_000)) !== 'RELEASED') throw new Error(`cycle service ${svc.id} was not RELEASED`);
      if (measuring && !stop) cycleMs.push(performance.now() - t0);
    }
  };
  try {
    const running = Array.from({ length: workers }, () => loop());
    await new Promise((r) => setTimeout(r, warmupS * 1000));
    measuring = true;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, durationS * 1000));
    const seconds = (performance.now() - t0) / 1000;
    const cycles = cycleMs.length;
    stop = true;
    await Promise.all(running);
    return { cycles, seconds, cycleMs };
  } finally {
    stop = true;
    await broker.close();
    await s.dispose();
  }
}

/** Cycles per second and cycle latency with 1 and 16 workers, on `store`. */
export async function cycleScenario(ctx: BenchContext, store: StoreKind): Promise<ScenarioResult> {
  const watch = new CpuWatch();
  const topology = readTopology(sharedFiles('paper-54').topology);
  const { runs } = runsOf(ctx, 3, 1);
  const durationS = ctx.quick ? 2 : 8;
  const figures: Figure[] = [];
  const raw: unknown[] = [];
  for (const workers of [1, 16]) {
    const results: CycleRun[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await cyclesOnce(topology, store, workers, durationS, ctx.quick ? 0.5 : 2, 100 + i);
      ctx.log(`${store}-cycles: ${workers} worker(s), run ${i + 1}: ${(r.cycles / r.seconds).toFixed(0)} cycles/s`);
      results.push(r);
      raw.push({ workers, cycles: r.cycles, seconds: Math.round(r.seconds * 100) / 100 });
    }
    const rate = results.map((r) => r.cycles / r.seconds);
    figures.push(
      countFigure(`cycles/s, ${workers} worker${workers > 1 ? 's' : ''}`, '/s', rate, store === 'sqlite' ? { target: { text: '>= 500/s', met: Math.min(...rate) >= 500 } } : {}),
      timeFigure(`cycle latency, ${workers} worker${workers > 1 ? 's' : ''}`, results.flatMap((r) => r.cycleMs)),
    );
  }
  const { otherCores, wallS } = watch.stop();
  return {
    name: `${store}-cycles`,
    title: `define+activate+release cycles through the aggregator on the ${store} store (paper-54 topology, 2-4 switch services)`,
    params: { topology: 'paper-54', store, durationS, runs, cycle: 'create, define, activate, wait ACTIVE, release, wait RELEASED' },
    figures,
    runs: raw,
    otherCores,
    wallS,
  };
}
