import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildFlatBroker, openStore } from './broker';
import type { BenchContext } from './context';
import { CpuWatch, processCpuSeconds } from './machine';
import { countFigure, type ScenarioResult } from './result';
import { sharedFiles } from './replay-scenario';
import { requestStream, readTopology } from './topology';

/**
 * Resident memory of a broker holding many ACTIVE services: the paper-128
 * topology (128 switches under one aggregator, memory store and fabric),
 * trunks with the VLAN labels 100-4095 and 10 Tbit/s each way, services of
 * 2-4 switches defined and activated one after another (a request that
 * finds no labels is skipped). Measured in a child process (so the
 * harness's own memory does not count), after a full garbage collection, at
 * each checkpoint. The child stops early, saying so, if its resident memory
 * passes a cap (default 4 GiB; DPB_BENCH_MEMORY_CAP_MIB), so as not to
 * starve a shared machine.
 */

export interface MemoryCheckpoint {
  services: number;
  rssMiB: number;
  heapUsedMiB: number;
  /** Seconds spent creating services so far. */
  seconds: number;
  /** Requests refused (no labels left on some cut) so far. */
  rejected: number;
  /** Set when the child stopped at the memory cap before the next checkpoint. */
  capped?: boolean;
}

const MiB = 2 ** 20;

/** Runs in the child: prints one JSON line per checkpoint. */
export async function memoryChild(checkpoints: readonly number[]): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('memory measurement needs node --expose-gc');
  const topology = readTopology(sharedFiles('paper-128').topology);
  for (const e of topology.edges) e.capacityMbps = 10_000_000;
  const store = await openStore('memory');
  const broker = await buildFlatBroker(topology, store.provider, { labels: { base: 100, count: 3996 } });
  const total = Math.max(...checkpoints);
  const capMiB = Number(process.env.DPB_BENCH_MEMORY_CAP_MIB ?? 4096);
  // made a chunk at a time, so the harness's own request data (300,000 requests for 100,000 services would be
  // about 80 MiB of heap) counts neither in the empty broker's figure nor in the figures with services
  function* chunkedRequests(): Generator<ReturnType<typeof requestStream>[number]> {
    for (let chunk = 0; chunk * 5_000 < 3 * total; chunk++) {
      yield* requestStream({ vertices: topology.vertices, count: 5_000, maxCircuits: 4, seed: 5 + chunk, firstLabel: 1 + chunk * 5_000 });
    }
  }
  const requests = chunkedRequests();
  let rejected = 0;
  const measure = (services: number, seconds: number, capped = false): number => {
    gc();
    gc();
    const m = process.memoryUsage();
    const point: MemoryCheckpoint = {
      services,
      rssMiB: Math.round((m.rss / MiB) * 10) / 10,
      heapUsedMiB: Math.round((m.heapUsed / MiB) * 10) / 10,
      seconds: Math.round(seconds * 10) / 10,
      rejected,
      ...(capped ? { capped } : {}),
    };
    process.stdout.write(JSON.stringify(point) + '\n');
    return point.rssMiB;
  };
  measure(0, 0);
  const t0 = performance.now();
  let active = 0;
  const batch: Promise<void>[] = [];
  for (const r of requests) {
    if (active >= total) break;
    const svc = await broker.top.createService();
    try {
      await svc.define({ circuits: r.switches.map((s) => ({ terminal: broker.terminalOf(s), label: r.label, ingressMbps: 10, egressMbps: 10 })) });
    } catch (e) {
      if ((e as { code?: string }).code !== 'RESOURCE_EXHAUSTED') throw e;
      rejected++;
      await svc.release();
      continue;
    }
    await svc.activate();
    batch.push(
      svc.awaitStatus(['ACTIVE', 'FAILED'], 60_000).then((s) => {
        if (s !== 'ACTIVE') throw new Error(`service ${svc.id} ended ${s}`);
      }),
    );
    active++;
    if (batch.length >= 200) await Promise.all(batch.splice(0));
    if (checkpoints.includes(active)) {
      await Promise.all(batch.splice(0));
      measure(active, (performance.now() - t0) / 1000);
    } else if (active % 5000 === 0 && process.memoryUsage().rss / MiB > capMiB) {
      await Promise.all(batch.splice(0));
      measure(active, (performance.now() - t0) / 1000, true);
      break;
    }
  }
  await broker.close();
}

/** Starts the child and collects its checkpoints. */
function runChild(checkpoints: readonly number[], log: (m: string) => void, watch: CpuWatch): Promise<MemoryCheckpoint[]> {
  const runJs = path.resolve(__dirname, '../run.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', runJs, 'internal', 'memory', '--checkpoints', checkpoints.join(',')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const points: MemoryCheckpoint[] = [];
    let buf = '';
    // the child's CPU time is the bench's own, not contention: read it while the child lives (its /proc entry goes at exit)
    let childCpuS = 0;
    const sampleCpu = (): void => {
      childCpuS = Math.max(childCpuS, processCpuSeconds(child.pid!));
    };
    const sampler = setInterval(sampleCpu, 500);
    child.once('exit', () => {
      clearInterval(sampler);
      watch.addOwnSeconds(childCpuS);
    });
    child.stdout.on('data', (d: Buffer) => {
      sampleCpu();
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const p = JSON.parse(line) as MemoryCheckpoint;
        log(`memory: ${p.services} active services: RSS ${p.rssMiB} MiB, heap ${p.heapUsedMiB} MiB (${p.seconds} s)`);
        points.push(p);
      }
    });
    child.once('exit', (code) => (code === 0 ? resolve(points) : reject(new Error(`memory child exited ${code}`))));
  });
}

export async function memoryScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const watch = new CpuWatch();
  const checkpoints = ctx.quick ? [10_000] : [10_000, 100_000];
  const points = await runChild(checkpoints, ctx.log, watch);
  const base = points.find((p) => p.services === 0);
  const measured = points.filter((p) => p.services > 0);
  const perServiceKiB = (p: MemoryCheckpoint): number => (base ? ((p.rssMiB - base.rssMiB) * 1024) / p.services : NaN);
  const figures = measured.flatMap((p) => {
    const n = p.services.toLocaleString('en');
    return [
      countFigure(`RSS, ${n} active services${p.capped ? ' (stopped at the cap)' : ''}`, 'MiB', [p.rssMiB], p.services >= 100_000 ? { target: { text: '< 1024 MiB', met: p.rssMiB < 1024 } } : {}),
      countFigure(`heap used, ${n} active services`, 'MiB', [p.heapUsedMiB]),
      countFigure(`RSS per service above the empty broker, ${n}`, 'KiB', [perServiceKiB(p)]),
    ];
  });
  const last = measured[measured.length - 1];
  const notes: string[] = [];
  if (last?.capped && base) {
    const projected = base.rssMiB + (perServiceKiB(last) * 100_000) / 1024;
    figures.push(
      countFigure('RSS at 100,000 services, projected from the slope', 'MiB', [Math.round(projected)], { target: { text: '< 1024 MiB', met: projected < 1024 } }),
    );
    notes.push(`stopped at ${last.services} services (RSS cap); 100,000 projected linearly from the empty broker's ${base.rssMiB} MiB`);
  }
  const { otherCores, wallS } = watch.stop();
  return {
    name: 'memory',
    title: 'resident memory with many ACTIVE services (paper-128 topology, VLAN labels, one process)',
    params: { topology: 'paper-128', labelsPerTrunk: 3996, store: 'memory', checkpoints, emptyRssMiB: base?.rssMiB },
    figures,
    runs: points,
    notes,
    otherCores,
    wallS,
  };
}
