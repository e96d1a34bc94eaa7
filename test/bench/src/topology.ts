import * as fs from 'node:fs';
import { seededRandom } from './stats';

/**
 * Topologies and request streams in the format of the original DPB's
 * experiment (see test/bench/scenarios/README.md): every vertex is a switch
 * with one customer terminal `host`, every edge a trunk between two switches.
 */

/** One trunk between switches `u` and `v`: `capacityMbps` each way, `cost` (the CSV's `delay`). */
export interface TopologyEdge {
  u: number;
  v: number;
  capacityMbps: number;
  cost: number;
}

export interface Topology {
  /** Switch numbers, ascending. */
  vertices: number[];
  edges: TopologyEdge[];
}

/** One request of a stream: join the `host` terminals of `switches`, every circuit on `label`. */
export interface RequestRow {
  index: number;
  label: number;
  switches: number[];
}

function rows(text: string, file: string, columns: readonly string[]): string[][] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const head = (lines.shift() ?? '').split(',').map((c) => c.trim());
  const at = columns.map((c) => head.indexOf(c));
  const missing = columns.filter((_, i) => at[i]! < 0);
  if (missing.length > 0) throw new Error(`${file}: header must name ${columns.join(', ')}; missing ${missing.join(', ')}`);
  return lines.map((l) => {
    const cells = l.split(',');
    return at.map((i) => (cells[i] ?? '').trim());
  });
}

function num(x: string, file: string, line: number, column: string): number {
  const n = Number(x);
  if (x === '' || !Number.isFinite(n)) throw new Error(`${file}, row ${line}: ${column} must be a number; got ${JSON.stringify(x)}`);
  return n;
}

/** Parses `u,v,capacity_mbps,delay` rows. */
export function parseTopology(text: string, file = 'topology'): Topology {
  const edges = rows(text, file, ['u', 'v', 'capacity_mbps', 'delay']).map(([u, v, c, d], i) => ({
    u: num(u!, file, i + 1, 'u'),
    v: num(v!, file, i + 1, 'v'),
    capacityMbps: num(c!, file, i + 1, 'capacity_mbps'),
    cost: num(d!, file, i + 1, 'delay'),
  }));
  for (const [i, e] of edges.entries()) {
    if (e.u === e.v) throw new Error(`${file}, row ${i + 1}: a trunk joins two different switches; both ends are ${e.u}`);
    if (e.capacityMbps < 0 || e.cost < 0) throw new Error(`${file}, row ${i + 1}: capacity and delay must not be negative`);
  }
  const vertices = [...new Set(edges.flatMap((e) => [e.u, e.v]))].sort((a, b) => a - b);
  return { vertices, edges };
}

/** Parses `index,label,switches` rows (switches space-separated). */
export function parseRequests(text: string, file = 'requests'): RequestRow[] {
  return rows(text, file, ['index', 'label', 'switches']).map(([index, label, switches], i) => {
    const list = switches!.split(/\s+/).filter((s) => s !== '').map((s) => num(s, file, i + 1, 'switches'));
    if (list.length === 0) throw new Error(`${file}, row ${i + 1}: a request needs at least one switch`);
    if (new Set(list).size !== list.length) throw new Error(`${file}, row ${i + 1}: a switch appears twice in one request`);
    return { index: num(index!, file, i + 1, 'index'), label: num(label!, file, i + 1, 'label'), switches: list };
  });
}

export function readTopology(file: string): Topology {
  return parseTopology(fs.readFileSync(file, 'utf8'), file);
}

export function readRequests(file: string): RequestRow[] {
  return parseRequests(fs.readFileSync(file, 'utf8'), file);
}

export function formatTopology(t: Topology): string {
  return ['u,v,capacity_mbps,delay', ...t.edges.map((e) => `${e.u},${e.v},${e.capacityMbps},${e.cost}`)].join('\n') + '\n';
}

export function formatRequests(requests: readonly RequestRow[]): string {
  return ['index,label,switches', ...requests.map((r) => `${r.index},${r.label},${r.switches.join(' ')}`)].join('\n') + '\n';
}

/** Degree of every vertex. */
export function degrees(t: Topology): Map<number, number> {
  const d = new Map<number, number>(t.vertices.map((v) => [v, 0]));
  for (const e of t.edges) {
    d.set(e.u, d.get(e.u)! + 1);
    d.set(e.v, d.get(e.v)! + 1);
  }
  return d;
}

export interface BarabasiAlbertOptions {
  /** Number of switches (>= m + 1). */
  n: number;
  /** Edges each new switch brings (>= 1). */
  m: number;
  seed: number;
  /**
   * Capacity of a trunk from the degrees of its ends once the graph is
   * complete; default 1000 · min(degree) Mbit/s each way, as the original
   * experiment (so a hub-to-hub trunk is wide and a leaf's is thin).
   */
  capacityMbps?: (degreeU: number, degreeV: number) => number;
  /** Smallest and largest cost, drawn uniformly; default 1..10. */
  cost?: [number, number];
}

/**
 * A Barabási–Albert graph: a complete graph on m + 1 switches, then each new
 * switch joins m distinct existing ones chosen with probability proportional
 * to their degree. Edges: m(m+1)/2 + (n − m − 1)·m, so n = 5000, m = 4 gives
 * 19,990 trunks. Deterministic for a seed.
 */
export function barabasiAlbert(options: BarabasiAlbertOptions): Topology {
  const { n, m } = options;
  if (!Number.isInteger(m) || m < 1) throw new Error(`barabasiAlbert: m must be an integer >= 1, got ${m}`);
  if (!Number.isInteger(n) || n < m + 1) throw new Error(`barabasiAlbert: n must be an integer >= m + 1 = ${m + 1}, got ${n}`);
  const rand = seededRandom(options.seed);
  const pairs: [number, number][] = [];
  // Every edge puts both ends here once, so a uniform pick is degree-proportional.
  const ends: number[] = [];
  for (let a = 0; a <= m; a++) {
    for (let b = a + 1; b <= m; b++) {
      pairs.push([a, b]);
      ends.push(a, b);
    }
  }
  for (let v = m + 1; v < n; v++) {
    const chosen = new Set<number>();
    while (chosen.size < m) chosen.add(ends[Math.floor(rand() * ends.length)]!);
    for (const u of [...chosen].sort((a, b) => a - b)) {
      pairs.push([u, v]);
      ends.push(u, v);
    }
  }
  const degree = new Map<number, number>();
  for (const [a, b] of pairs) {
    degree.set(a, (degree.get(a) ?? 0) + 1);
    degree.set(b, (degree.get(b) ?? 0) + 1);
  }
  const capacity = options.capacityMbps ?? ((du: number, dv: number) => 1000 * Math.min(du, dv));
  const [lo, hi] = options.cost ?? [1, 10];
  const edges = pairs.map(([u, v]) => ({
    u,
    v,
    capacityMbps: capacity(degree.get(u)!, degree.get(v)!),
    cost: Math.round((lo + (hi - lo) * rand()) * 1000) / 1000,
  }));
  return { vertices: [...Array(n).keys()], edges };
}

export interface RequestStreamOptions {
  /** Switches to pick from. */
  vertices: readonly number[];
  count: number;
  /** Fewest and most switches per request (inclusive; chosen uniformly). */
  minCircuits?: number;
  maxCircuits?: number;
  seed: number;
  /** Label of the first request; each later request takes the next. Default 1. */
  firstLabel?: number;
  /** Relative weight of each vertex (parallel to `vertices`); default uniform. */
  weights?: readonly number[];
}

/**
 * A stream of `count` requests, each joining 2..k distinct switches' hosts
 * (weighted sampling without replacement when weights are given), with labels
 * counting up from `firstLabel`. Deterministic for a seed.
 */
export function requestStream(options: RequestStreamOptions): RequestRow[] {
  const min = options.minCircuits ?? 2;
  const max = options.maxCircuits ?? 4;
  const vs = options.vertices;
  if (min < 1 || max < min || max > vs.length) throw new Error(`requestStream: need 1 <= min (${min}) <= max (${max}) <= vertices (${vs.length})`);
  const rand = seededRandom(options.seed);
  const weights = options.weights ?? vs.map(() => 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const first = options.firstLabel ?? 1;
  const out: RequestRow[] = [];
  for (let index = 0; index < options.count; index++) {
    const k = min + Math.floor(rand() * (max - min + 1));
    const chosen: number[] = [];
    const taken = new Set<number>();
    let left = total;
    while (chosen.length < k) {
      let x = rand() * left;
      let pick = -1;
      for (let i = 0; i < vs.length; i++) {
        if (taken.has(i)) continue;
        x -= weights[i]!;
        pick = i;
        if (x < 0) break;
      }
      taken.add(pick);
      left -= weights[pick]!;
      chosen.push(vs[pick]!);
    }
    out.push({ index, label: first + index, switches: chosen });
  }
  return out;
}

/** A region of a two-level hierarchy: its own switches and trunks (switch numbers local to the region). */
export interface Region {
  name: string;
  topology: Topology;
  /** Switches of this region that carry inter-region trunks. */
  borders: number[];
}

/** A trunk of the national aggregator, between border switches of two regions. */
export interface NationalTrunk {
  a: { region: number; switch: number };
  b: { region: number; switch: number };
  capacityMbps: number;
  cost: number;
}

export interface Hierarchy {
  regions: Region[];
  trunks: NationalTrunk[];
}

export interface HierarchyOptions {
  regions: number;
  switchesPerRegion: number;
  /** BA parameter inside each region. */
  m: number;
  /** Border switches per region (the highest-degree ones). */
  bordersPerRegion: number;
  /** Extra national trunks beyond a ring of regions. */
  extraTrunks: number;
  capacityMbps: number;
  seed: number;
}

/**
 * A two-level hierarchy: `regions` Barabási–Albert regions (each under its own
 * regional aggregator), joined by national trunks between their border
 * switches: a ring of regions plus `extraTrunks` random chords, under one
 * national aggregator.
 */
export function hierarchy(options: HierarchyOptions): Hierarchy {
  const rand = seededRandom(options.seed ^ 0x5bd1e995);
  const regions: Region[] = [];
  for (let r = 0; r < options.regions; r++) {
    const topology = barabasiAlbert({ n: options.switchesPerRegion, m: options.m, seed: options.seed + 7919 * (r + 1) });
    const d = degrees(topology);
    const borders = [...topology.vertices].sort((a, b) => d.get(b)! - d.get(a)! || a - b).slice(0, options.bordersPerRegion);
    regions.push({ name: `r${r}`, topology, borders });
  }
  const trunks: NationalTrunk[] = [];
  const used = new Set<string>();
  const nextBorder = new Array<number>(options.regions).fill(0);
  const border = (r: number): number => {
    const b = regions[r]!.borders;
    return b[nextBorder[r]!++ % b.length]!;
  };
  const add = (ra: number, rb: number): void => {
    const k = ra < rb ? `${ra}-${rb}` : `${rb}-${ra}`;
    if (ra === rb || used.has(k)) return;
    used.add(k);
    trunks.push({
      a: { region: ra, switch: border(ra) },
      b: { region: rb, switch: border(rb) },
      capacityMbps: options.capacityMbps,
      cost: Math.round((5 + 15 * rand()) * 1000) / 1000,
    });
  };
  for (let r = 0; r < options.regions && options.regions > 1; r++) add(r, (r + 1) % options.regions);
  for (let i = 0, tries = 0; i < options.extraTrunks && tries < 100 * options.extraTrunks; tries++) {
    const before = trunks.length;
    add(Math.floor(rand() * options.regions), Math.floor(rand() * options.regions));
    if (trunks.length > before) i++;
  }
  return { regions, trunks };
}

/**
 * An upper bound on what any planner can admit before the first rejection:
 * the index of the first request that no routing of the earlier ones could
 * have carried, because some bridge (a trunk whose removal disconnects the
 * network) has run out of labels or capacity. Every request with switches on
 * both sides of a bridge must cross it with one label and at least `flowMbps`
 * each way (a tree crosses a bridge once). Returns the number of requests
 * before that one (the whole stream if no bridge runs out), and the bridge.
 */
export function bridgeBound(
  t: Topology,
  requests: readonly RequestRow[],
  labelsPerTrunk: number,
  flowMbps = 10,
): { admitted: number; bridge?: TopologyEdge; reason?: 'labels' | 'capacity' } {
  let best: { admitted: number; bridge?: TopologyEdge; reason?: 'labels' | 'capacity' } = { admitted: requests.length };
  t.edges.forEach((edge, skip) => {
    const adj = new Map<number, number[]>(t.vertices.map((v) => [v, []]));
    t.edges.forEach((e, i) => {
      if (i === skip) return;
      adj.get(e.u)!.push(e.v);
      adj.get(e.v)!.push(e.u);
    });
    const side = new Set([edge.u]);
    const stack = [edge.u];
    while (stack.length > 0) for (const y of adj.get(stack.pop()!)!) if (!side.has(y)) side.add(y) && stack.push(y);
    if (side.has(edge.v)) return; // not a bridge
    let labels = 0;
    let mbps = 0;
    for (let i = 0; i < requests.length && i < best.admitted; i++) {
      const r = requests[i]!;
      const a = r.switches.filter((s) => side.has(s)).length;
      const b = r.switches.length - a;
      if (a === 0 || b === 0) continue;
      labels++;
      mbps += flowMbps * Math.min(a, b);
      if (labels > labelsPerTrunk || mbps > edge.capacityMbps + 1e-9) {
        best = { admitted: i, bridge: edge, reason: labels > labelsPerTrunk ? 'labels' : 'capacity' };
        break;
      }
    }
  });
  return best;
}

/** 2-4 distinct switches of `vertices`, drawn with `rand`: the services of the cycle scenarios. */
export function randomSwitches(vertices: readonly number[], rand: () => number): number[] {
  const k = 2 + Math.floor(rand() * 3);
  const picks = new Set<number>();
  while (picks.size < k) picks.add(vertices[Math.floor(rand() * vertices.length)]!);
  return [...picks];
}
