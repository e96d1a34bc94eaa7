import { MemoryFabric } from '@dpb/adaptor-memory';
import { Aggregator } from '@dpb/aggregator';
import type { NetworkControl, StoreProvider, TrunkInfo } from '@dpb/model';
import { PlanningGraph } from '@dpb/planner';
import { MemoryStoreProvider, openSqliteStore } from '@dpb/store';
import { LogicalSwitch } from '@dpb/switch';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Hierarchy, Topology } from './topology';

/**
 * Brokers built from topologies with the real aggregator and switch code:
 * one LogicalSwitch on a MemoryFabric per switch, aggregators above them,
 * on a memory or SQLite store. Everything runs with the production
 * defaults (model cache, repair interval), as dpb-server would.
 */

/** Labels a host terminal accepts: far beyond the VLAN range, as the shared scenarios need (up to 8000 and more). */
export const HOST_LABELS = { min: 0, max: 16_777_215 };

export interface TrunkLabels {
  /** First label at both ends; default 1000 (the original experiment). */
  base: number;
  /** Labels per trunk; default 300. */
  count: number;
}

export const DEFAULT_TRUNK_LABELS: TrunkLabels = { base: 1000, count: 300 };

export type StoreKind = 'memory' | 'sqlite';

/** A store provider and how to dispose of it (SQLite: a fresh file in a temp directory). */
export async function openStore(kind: StoreKind): Promise<{ provider: StoreProvider; dispose(): Promise<void>; file?: string }> {
  if (kind === 'memory') return { provider: new MemoryStoreProvider(), dispose: async () => undefined };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpb-bench-'));
  const file = path.join(dir, 'bench.sqlite');
  const provider = await openSqliteStore({ path: file });
  return {
    provider,
    file,
    dispose: async () => {
      await provider.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A broker: the top aggregator, every network under it, and how to close them. */
export interface Broker {
  top: Aggregator;
  /** Top aggregator terminal of switch `s`'s host (flat: `a<s>`; hierarchy, with s = region · switchesPerRegion + u: `r<region>s<u>`). */
  terminalOf: (s: number) => string;
  switches: LogicalSwitch[];
  aggregators: Aggregator[];
  close(): Promise<void>;
}

function trunkLabelSpace(labels: TrunkLabels): string {
  return `/0-${Math.max(4095, labels.base + labels.count - 1)}`;
}

/** A trunk per edge, between the switches' `to<peer>` terminals, with the same labels at both ends. */
async function addTrunks(agg: Aggregator, edges: Topology['edges'], nameOf: (v: number) => string, labels: TrunkLabels): Promise<void> {
  for (const e of edges) {
    await agg.addTrunk({
      start: { network: nameOf(e.u), terminal: `to${e.v}` },
      end: { network: nameOf(e.v), terminal: `to${e.u}` },
      upstreamMbps: e.capacityMbps,
      downstreamMbps: e.capacityMbps,
      cost: e.cost,
      labels: [{ startBase: labels.base, count: labels.count, endBase: labels.base }],
    });
  }
}

async function openSwitch(name: string, provider: StoreProvider): Promise<LogicalSwitch> {
  const sw = await LogicalSwitch.open({ name, fabric: new MemoryFabric({ name }), store: provider.switchStore(name) });
  await sw.addTerminal('host', `host/${HOST_LABELS.min}-${HOST_LABELS.max}`);
  return sw;
}

/**
 * Builds the original experiment's broker on `topology`: switch `v<u>` per
 * vertex with terminal `host`, terminals `to<v>` per trunk, one aggregator
 * `aggr` exposing `a<u>` → `v<u>:host`, and per edge a trunk with `labels`,
 * capacity each way and the edge's cost.
 */
export async function buildFlatBroker(
  topology: Topology,
  provider: StoreProvider,
  options: { labels?: TrunkLabels; name?: string; prefix?: string } = {},
): Promise<Broker> {
  const labels = options.labels ?? DEFAULT_TRUNK_LABELS;
  const prefix = options.prefix ?? '';
  const switches = new Map<number, LogicalSwitch>();
  const nameOf = (u: number): string => `${prefix}v${u}`;
  for (const u of topology.vertices) switches.set(u, await openSwitch(nameOf(u), provider));
  const space = trunkLabelSpace(labels);
  for (const e of topology.edges) {
    await switches.get(e.u)!.addTerminal(`to${e.v}`, `to${e.v}${space}`);
    await switches.get(e.v)!.addTerminal(`to${e.u}`, `to${e.u}${space}`);
  }
  const byName = new Map<string, NetworkControl>([...switches].map(([u, sw]) => [nameOf(u), sw]));
  const name = options.name ?? 'aggr';
  const agg = await Aggregator.open({ name, store: provider.aggregatorStore(name), inferiors: (n) => byName.get(n) });
  for (const u of topology.vertices) await agg.addTerminal(`a${u}`, { network: nameOf(u), terminal: 'host' });
  await addTrunks(agg, topology.edges, nameOf, labels);
  const all = [...switches.values()];
  return {
    top: agg,
    terminalOf: (s) => `a${s}`,
    switches: all,
    aggregators: [agg],
    close: async () => {
      await agg.close();
      for (const sw of all) await sw.close();
    },
  };
}

/**
 * Builds a two-level hierarchy: per region a flat broker (switches under a
 * regional aggregator `r<i>` exposing `s<u>` for each host and `n<k>` for
 * the end of national trunk k), and a national aggregator `national`
 * exposing `r<i>s<u>` for every host, with one trunk per national trunk.
 */
export async function buildHierarchyBroker(h: Hierarchy, provider: StoreProvider, options: { labels?: TrunkLabels } = {}): Promise<Broker> {
  const labels = options.labels ?? DEFAULT_TRUNK_LABELS;
  const perRegion = h.regions[0]?.topology.vertices.length ?? 1;
  if (h.regions.some((r) => r.topology.vertices.length !== perRegion)) throw new Error('buildHierarchyBroker: every region needs the same number of switches');
  const space = trunkLabelSpace(labels);
  const regional: Aggregator[] = [];
  const switches: LogicalSwitch[] = [];
  // Terminals on border switches for national trunks, added before the regional aggregators open.
  const borderTerminals = new Map<string, string[]>();
  h.trunks.forEach((t, k) => {
    for (const end of [t.a, t.b]) {
      const key = `${end.region}:${end.switch}`;
      borderTerminals.set(key, [...(borderTerminals.get(key) ?? []), `n${k}`]);
    }
  });
  for (const [r, region] of h.regions.entries()) {
    const sws = new Map<number, LogicalSwitch>();
    const nameOf = (u: number): string => `r${r}v${u}`;
    for (const u of region.topology.vertices) sws.set(u, await openSwitch(nameOf(u), provider));
    for (const e of region.topology.edges) {
      await sws.get(e.u)!.addTerminal(`to${e.v}`, `to${e.v}${space}`);
      await sws.get(e.v)!.addTerminal(`to${e.u}`, `to${e.u}${space}`);
    }
    for (const [key, names] of borderTerminals) {
      const [kr, ks] = key.split(':').map(Number);
      if (kr !== r) continue;
      for (const n of names) await sws.get(ks!)!.addTerminal(n, `${n}${space}`);
    }
    const byName = new Map<string, NetworkControl>([...sws].map(([u, sw]) => [nameOf(u), sw]));
    const name = `r${r}`;
    const agg = await Aggregator.open({ name, store: provider.aggregatorStore(name), inferiors: (n) => byName.get(n) });
    for (const u of region.topology.vertices) await agg.addTerminal(`s${u}`, { network: nameOf(u), terminal: 'host' });
    for (const [key, names] of borderTerminals) {
      const [kr, ks] = key.split(':').map(Number);
      if (kr !== r) continue;
      for (const n of names) await agg.addTerminal(n, { network: nameOf(ks!), terminal: n });
    }
    await addTrunks(agg, region.topology.edges, nameOf, labels);
    regional.push(agg);
    switches.push(...sws.values());
  }
  const byName = new Map<string, NetworkControl>(regional.map((a) => [a.name, a]));
  const national = await Aggregator.open({ name: 'national', store: provider.aggregatorStore('national'), inferiors: (n) => byName.get(n) });
  for (const [r, region] of h.regions.entries()) {
    for (const u of region.topology.vertices) await national.addTerminal(`r${r}s${u}`, { network: `r${r}`, terminal: `s${u}` });
  }
  for (const [k, t] of h.trunks.entries()) {
    await national.addTrunk({
      start: { network: `r${t.a.region}`, terminal: `n${k}` },
      end: { network: `r${t.b.region}`, terminal: `n${k}` },
      upstreamMbps: t.capacityMbps,
      downstreamMbps: t.capacityMbps,
      cost: t.cost,
      labels: [{ startBase: labels.base, count: labels.count, endBase: labels.base }],
    });
  }
  return {
    top: national,
    terminalOf: (s) => `r${Math.floor(s / perRegion)}s${s % perRegion}`,
    switches,
    aggregators: [national, ...regional],
    close: async () => {
      await national.close();
      for (const a of regional) await a.close();
      for (const sw of switches) await sw.close();
    },
  };
}

/**
 * Trunks whose tunnels hold more than their capacity in either direction,
 * or more labels than they have: must always be empty.
 */
export function oversubscribed(trunks: readonly TrunkInfo[]): TrunkInfo[] {
  const eps = 1e-6;
  return trunks.filter(
    (t) =>
      t.allocated.upstreamMbps > t.capacity.upstreamMbps + eps ||
      t.allocated.downstreamMbps > t.capacity.downstreamMbps + eps ||
      t.labelsInUse > t.labelCount,
  );
}

/**
 * Times every PlanningGraph.plan call in this process (the planner the real
 * aggregators use; the same module instance). `take()` returns the time
 * spent planning since the last take, in milliseconds, and the number of
 * calls.
 */
export class PlanTimer {
  private static installed: PlanTimer | undefined;
  private ms = 0;
  private calls = 0;

  static install(): PlanTimer {
    if (PlanTimer.installed) return PlanTimer.installed;
    const timer = new PlanTimer();
    const original = PlanningGraph.prototype.plan;
    PlanningGraph.prototype.plan = function timedPlan(this: PlanningGraph, ...args: Parameters<typeof original>) {
      const t0 = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        timer.ms += performance.now() - t0;
        timer.calls++;
      }
    };
    PlanTimer.installed = timer;
    return timer;
  }

  take(): { ms: number; calls: number } {
    const r = { ms: this.ms, calls: this.calls };
    this.ms = 0;
    this.calls = 0;
    return r;
  }
}
