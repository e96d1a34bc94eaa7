/**
 * Builders and independent checkers for the planner tests. Everything here
 * recomputes from the input (pieces, demand, validity) without using the
 * planner's own code, so the tests can catch its mistakes.
 */
import { fits } from '@dpb/model';
import type { Plan, PlanChord, PlanEndpoint, PlanInput, PlanTrunk } from '@dpb/planner';

export const key = (network: string, terminal: string): string => `${network}:${terminal}`;

/** Full-mesh chords over a switch's terminals (cost 0.001, unlimited unless given). */
export function mesh(network: string, terminals: string[], capacityMbps = Infinity, cost = 0.001): PlanChord[] {
  const sorted = [...terminals].sort();
  const out: PlanChord[] = [];
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      out.push({ network, from: sorted[i]!, to: sorted[j]!, cost, upstreamMbps: capacityMbps, downstreamMbps: capacityMbps });
    }
  }
  return out;
}

export function trunk(
  id: number,
  start: string,
  end: string,
  upstreamMbps: number,
  downstreamMbps = upstreamMbps,
  cost = 1,
): PlanTrunk {
  const [sn, st] = start.split(':') as [string, string];
  const [en, et] = end.split(':') as [string, string];
  return { id, start: { network: sn, terminal: st }, end: { network: en, terminal: et }, cost, upstreamMbps, downstreamMbps };
}

export function endpoint(at: string, ingressMbps: number, egressMbps: number): PlanEndpoint {
  const [network, terminal] = at.split(':') as [string, string];
  return { network, terminal, ingressMbps, egressMbps };
}

/** A seeded shuffle (mulberry32), so a failing case can be replayed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const rand = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Pieces computed independently: vertex key → `network#index`. */
export function piecesOf(input: PlanInput): Map<string, string> {
  const vertices = new Set<string>();
  for (const t of input.trunks) {
    vertices.add(key(t.start.network, t.start.terminal));
    vertices.add(key(t.end.network, t.end.terminal));
  }
  for (const c of input.chords) {
    vertices.add(key(c.network, c.from));
    vertices.add(key(c.network, c.to));
  }
  for (const e of input.endpoints) vertices.add(key(e.network, e.terminal));
  const parent = new Map<string, string>([...vertices].map((v) => [v, v]));
  const find = (v: string): string => {
    while (parent.get(v) !== v) v = parent.get(v)!;
    return v;
  };
  for (const c of input.chords) parent.set(find(key(c.network, c.from)), find(key(c.network, c.to)));
  const members = new Map<string, string[]>();
  for (const v of vertices) {
    const r = find(v);
    members.set(r, [...(members.get(r) ?? []), v]);
  }
  const byNetwork = new Map<string, { min: string; vs: string[] }[]>();
  for (const vs of members.values()) {
    const network = vs[0]!.split(':')[0]!;
    const min = vs.map((v) => v.split(':')[1]!).sort()[0]!;
    byNetwork.set(network, [...(byNetwork.get(network) ?? []), { min, vs }]);
  }
  const out = new Map<string, string>();
  for (const [network, comps] of byNetwork) {
    comps.sort((a, b) => (a.min < b.min ? -1 : a.min > b.min ? 1 : 0));
    comps.forEach((c, i) => c.vs.forEach((v) => out.set(v, `${network}#${i}`)));
  }
  return out;
}

interface TreeEdge {
  u: string;
  v: string;
  kind: 'trunk' | 'chord';
  upCapacity: number;
  downCapacity: number;
  upDemand: number;
  downDemand: number;
  name: string;
}

/** The plan's edges joined to the input's data. */
export function treeEdges(input: PlanInput, plan: Plan): TreeEdge[] {
  const out: TreeEdge[] = [];
  for (const pt of plan.trunks) {
    const t = input.trunks.find((x) => x.id === pt.id)!;
    out.push({
      u: key(t.start.network, t.start.terminal),
      v: key(t.end.network, t.end.terminal),
      kind: 'trunk',
      upCapacity: t.upstreamMbps,
      downCapacity: t.downstreamMbps,
      upDemand: pt.upstreamMbps,
      downDemand: pt.downstreamMbps,
      name: `trunk ${t.id}`,
    });
  }
  for (const pc of plan.chords) {
    const c = input.chords.find((x) => x.network === pc.network && x.from === pc.from && x.to === pc.to)!;
    out.push({
      u: key(c.network, c.from),
      v: key(c.network, c.to),
      kind: 'chord',
      upCapacity: c.upstreamMbps,
      downCapacity: c.downstreamMbps,
      upDemand: pc.upstreamMbps,
      downDemand: pc.downstreamMbps,
      name: `chord ${c.network}:${c.from}-${c.to}`,
    });
  }
  return out;
}

/** Vertices reachable from `start` over `edges`, skipping edge `skip`. */
function side(edges: readonly { u: string; v: string }[], start: string, skip: number): Set<string> {
  const seen = new Set([start]);
  const stack = [start];
  while (stack.length > 0) {
    const x = stack.pop()!;
    edges.forEach((e, i) => {
      if (i === skip) return;
      const y = e.u === x ? e.v : e.v === x ? e.u : undefined;
      if (y !== undefined && !seen.has(y)) {
        seen.add(y);
        stack.push(y);
      }
    });
  }
  return seen;
}

/** The formula: flow a→b = min(Σ ingress on a's side, Σ egress on b's side). */
export function formulaDemand(
  endpoints: readonly PlanEndpoint[],
  edges: readonly { u: string; v: string }[],
  i: number,
): { up: number; down: number } {
  const uSide = side(edges, edges[i]!.u, i);
  let inU = 0;
  let egU = 0;
  let inV = 0;
  let egV = 0;
  for (const e of endpoints) {
    if (uSide.has(key(e.network, e.terminal))) {
      inU += e.ingressMbps;
      egU += e.egressMbps;
    } else {
      inV += e.ingressMbps;
      egV += e.egressMbps;
    }
  }
  return { up: Math.min(inU, egV), down: Math.min(inV, egU) };
}

/**
 * Checks that `edges` form a valid tree for the endpoints: acyclic,
 * connected over every endpoint, no non-endpoint leaf, and with each piece
 * contracted to a point the trunks still form a tree. Returns a reason or
 * undefined.
 */
export function treeProblem(
  endpoints: readonly PlanEndpoint[],
  edges: readonly { u: string; v: string; kind: 'trunk' | 'chord' }[],
  pieces: ReadonlyMap<string, string>,
): string | undefined {
  const keys = endpoints.map((e) => key(e.network, e.terminal));
  const vertices = new Set<string>(keys);
  for (const e of edges) {
    vertices.add(e.u);
    vertices.add(e.v);
  }
  if (edges.length !== vertices.size - 1) return `not a tree: ${edges.length} edges over ${vertices.size} vertices`;
  const reach = side(edges, keys[0]!, -1);
  for (const v of vertices) if (!reach.has(v)) return `vertex ${v} not connected`;
  const degree = new Map<string, number>();
  for (const e of edges) {
    degree.set(e.u, (degree.get(e.u) ?? 0) + 1);
    degree.set(e.v, (degree.get(e.v) ?? 0) + 1);
  }
  for (const [v, d] of degree) if (d === 1 && !keys.includes(v)) return `spur at ${v}`;
  const trunks = edges.filter((e) => e.kind === 'trunk');
  const piecesTouched = new Set([...vertices].map((v) => pieces.get(v)!));
  if (trunks.length !== piecesTouched.size - 1) return `contracted trunks do not form a tree (${trunks.length} trunks, ${piecesTouched.size} pieces)`;
  const contracted = trunks.map((e) => ({ u: pieces.get(e.u)!, v: pieces.get(e.v)! }));
  const pieceReach = side(contracted, pieces.get(keys[0]!)!, -1);
  for (const p of piecesTouched) if (!pieceReach.has(p)) return `piece ${p} entered twice or not joined`;
  return undefined;
}

/** True when every demand fits its capacity both ways. */
export function demandsFit(edges: readonly TreeEdge[]): boolean {
  return edges.every((e) => fits(e.upDemand, e.upCapacity) && fits(e.downDemand, e.downCapacity));
}

/**
 * Brute force: is there any valid tree (over all subsets of trunks and
 * chords) whose demands fit? Only for tiny graphs (≤ 14 edges).
 */
export function bruteForceFeasible(input: PlanInput): boolean {
  const pieces = piecesOf(input);
  const all = [
    ...input.trunks.map((t) => ({
      u: key(t.start.network, t.start.terminal),
      v: key(t.end.network, t.end.terminal),
      kind: 'trunk' as const,
      up: t.upstreamMbps,
      down: t.downstreamMbps,
    })),
    ...input.chords.map((c) => ({
      u: key(c.network, c.from),
      v: key(c.network, c.to),
      kind: 'chord' as const,
      up: c.upstreamMbps,
      down: c.downstreamMbps,
    })),
  ];
  if (all.length > 14) throw new Error('graph too big to brute-force');
  if (input.endpoints.length === 1) return true;
  for (let mask = 1; mask < 1 << all.length; mask++) {
    const edges = all.filter((_, i) => (mask >> i) & 1);
    if (treeProblem(input.endpoints, edges, pieces) !== undefined) continue;
    const ok = edges.every((e, i) => {
      const d = formulaDemand(input.endpoints, edges, i);
      return fits(d.up, e.up) && fits(d.down, e.down);
    });
    if (ok) return true;
  }
  return false;
}

/** True when the endpoints are connected over all trunks and chords, capacity ignored. */
export function connected(input: PlanInput): boolean {
  const edges = [
    ...input.trunks.map((t) => ({ u: key(t.start.network, t.start.terminal), v: key(t.end.network, t.end.terminal) })),
    ...input.chords.map((c) => ({ u: key(c.network, c.from), v: key(c.network, c.to) })),
  ];
  const keys = input.endpoints.map((e) => key(e.network, e.terminal));
  const reach = side(edges, keys[0]!, -1);
  return keys.every((k) => reach.has(k));
}
