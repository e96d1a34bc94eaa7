import { isBrokerError, type StoreProvider } from '@dpb/model';
import { performance } from 'node:perf_hooks';
import { type Broker, buildFlatBroker, openStore, oversubscribed, PlanTimer, type StoreKind, type TrunkLabels } from './broker';
import type { RequestRow, Topology } from './topology';

/**
 * The original DPB's experiment (test/bench/scenarios/README.md) on a fresh
 * broker: take the requests in order; create, define and activate each and
 * wait until it is ACTIVE; stop at the first request that cannot be
 * satisfied (or, with `keepGoing`, go on and count every admitted one).
 * Services are never released.
 */
export interface ReplayOptions {
  topology: Topology;
  /** Builds the broker instead of the flat one on `topology` (e.g. a hierarchy). */
  build?: (provider: StoreProvider) => Promise<Broker>;
  requests: readonly RequestRow[];
  store: StoreKind;
  keepGoing?: boolean;
  labels?: TrunkLabels;
  /** Circuit flow each way, Mbit/s; default 10. */
  flowMbps?: number;
  /** Longest wait for ACTIVE, ms; default 10000. */
  activeTimeoutMs?: number;
}

/** Per admitted request, parallel arrays. */
export interface ReplaySamples {
  /** Services already in place when the request was made. */
  existing: number[];
  /** The define call alone (planning, allocation, sub-services defined). */
  defineMs: number[];
  /** createService + define + activate + wait until ACTIVE. */
  untilActiveMs: number[];
  /** PlanningGraph.plan alone, summed over every plan call the request caused (every level). */
  planMs: number[];
  /**
   * CPU time of this process during the define call (all its threads, GC
   * included). Unlike wall-clock time it hardly grows when other processes
   * compete for the cores, so it compares runs made under contention.
   */
  defineCpuMs: number[];
}

export interface ReplayRun {
  /** Requests admitted before the first rejection. */
  admittedBeforeFirstRejection: number;
  /** Index and reason of the first rejection, if any. */
  firstRejection?: { index: number; code: string; reason?: string; details: Record<string, unknown> };
  /** keepGoing: every admitted request of the stream. */
  admittedTotal: number;
  attempted: number;
  samples: ReplaySamples;
  /** Trunks holding more than they have (must be 0). */
  oversubscribedTrunks: number;
  /** Wall-clock time of the whole run, ms. */
  elapsedMs: number;
}

/** Runs one replay on a fresh broker (and store). */
export async function replayOnce(options: ReplayOptions): Promise<ReplayRun> {
  const store = await openStore(options.store);
  const broker = options.build
    ? await options.build(store.provider)
    : await buildFlatBroker(options.topology, store.provider, options.labels ? { labels: options.labels } : {});
  try {
    return await replayOn(broker, options.requests, options);
  } finally {
    await broker.close();
    await store.dispose();
  }
}

/** Runs a request stream against an existing broker (see {@link replayOnce}). */
export async function replayOn(
  broker: Broker,
  requests: readonly RequestRow[],
  options: { keepGoing?: boolean; flowMbps?: number; activeTimeoutMs?: number },
): Promise<ReplayRun> {
  const timer = PlanTimer.install();
  const flow = options.flowMbps ?? 10;
  const timeoutMs = options.activeTimeoutMs ?? 10_000;
  const samples: ReplaySamples = { existing: [], defineMs: [], untilActiveMs: [], planMs: [], defineCpuMs: [] };
  let admitted = 0;
  let admittedBefore = -1;
  let firstRejection: ReplayRun['firstRejection'];
  let attempted = 0;
  const started = performance.now();
  for (const r of requests) {
    attempted++;
    const circuits = r.switches.map((s) => ({
      terminal: broker.terminalOf(s),
      label: r.label,
      ingressMbps: flow,
      egressMbps: flow,
    }));
    const t0 = performance.now();
    const svc = await broker.top.createService();
    timer.take();
    const c1 = process.cpuUsage();
    const t1 = performance.now();
    try {
      await svc.define({ circuits });
    } catch (e) {
      if (!isBrokerError(e) || e.code !== 'RESOURCE_EXHAUSTED') throw e;
      if (firstRejection === undefined) {
        admittedBefore = admitted;
        const details = { ...e.details };
        delete details.shortfalls;
        firstRejection = { index: r.index, code: e.code, reason: typeof e.details.reason === 'string' ? e.details.reason : undefined, details };
      }
      await svc.release();
      if (!options.keepGoing) break;
      continue;
    }
    const t2 = performance.now();
    const c2 = process.cpuUsage(c1);
    const plan = timer.take();
    await svc.activate();
    const status = await svc.awaitStatus(['ACTIVE', 'FAILED'], timeoutMs);
    const t3 = performance.now();
    if (status !== 'ACTIVE') throw new Error(`request ${r.index} ended ${status}, not ACTIVE`);
    samples.existing.push(admitted);
    samples.defineMs.push(t2 - t1);
    samples.untilActiveMs.push(t3 - t0);
    samples.planMs.push(plan.ms);
    samples.defineCpuMs.push((c2.user + c2.system) / 1000);
    admitted++;
  }
  const elapsedMs = performance.now() - started;
  const trunks = (await Promise.all(broker.aggregators.map((a) => a.trunks()))).flat();
  return {
    admittedBeforeFirstRejection: admittedBefore < 0 ? admitted : admittedBefore,
    ...(firstRejection ? { firstRejection } : {}),
    admittedTotal: admitted,
    attempted,
    samples,
    oversubscribedTrunks: oversubscribed(trunks).length,
    elapsedMs,
  };
}
