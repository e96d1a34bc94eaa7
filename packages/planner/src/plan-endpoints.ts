import { fits, type TerminalRef } from '@dpb/model';
import { type GraphIndex, vertexIndex } from './build-graph';
import { computeDemand, type EdgeDemand } from './demand';
import type { EdgeFilter } from './dijkstra';
import { compareStrings, DisjointSets } from './pieces';
import { growTree, type SpanningTree } from './spanning-tree';
import type { Plan, PlanEndpoint, PlannedChord, PlannedTrunk, PlanPiece, PlanResult, Shortfall } from './types';

interface Endpoint {
  ref: TerminalRef;
  key: string;
  /** Vertex index, or -1 for a terminal that appears in no edge. */
  vertex: number;
  ingressMbps: number;
  egressMbps: number;
}

/** A removed edge and what it lacked in each direction. */
interface EdgeShortfall {
  edge: number;
  /** Total shortfall over both directions, Mbit/s. */
  totalMbps: number;
  entries: Shortfall[];
}

/**
 * The planning loop over an index graph; `endpoints` are already validated.
 *
 * 1. Endpoints that cannot be joined even ignoring capacity: `unreachable`.
 * 2. Grow a tree over the usable edges (see {@link growTree}); an edge that
 *    cannot carry the smallest possible per-direction need of any tree edge,
 *    min(smallest ingress, smallest egress), can be on no feasible tree and
 *    is skipped.
 * 3. Compute each tree edge's demand each way (trunks and chords alike).
 * 4. If some edge is short, remove the worst (largest total shortfall,
 *    lowest edge index on a tie) for the rest of this plan and go to 2. Every
 *    round removes a different edge, so the loop ends (fixes DPB ).
 */
export function planEndpoints(g: GraphIndex, input: readonly PlanEndpoint[]): PlanResult {
  const endpoints: Endpoint[] = input
    .map((ep) => {
      const key = `${ep.network}:${ep.terminal}`;
      return {
        ref: { network: ep.network, terminal: ep.terminal },
        key,
        vertex: vertexIndex(g, ep.network, ep.terminal),
        ingressMbps: ep.ingressMbps,
        egressMbps: ep.egressMbps,
      };
    })
    .sort((a, b) => compareStrings(a.key, b.key));

  if (endpoints.length === 1) return { ok: true, plan: singleVertexPlan(g, endpoints[0]!) };

  const unreachable = findUnreachable(g, endpoints);
  if (unreachable.length > 0) return { ok: false, failure: { reason: 'unreachable', unreachable } };

  const vertices = endpoints.map((ep) => ep.vertex);
  const ingress = new Map<number, number>();
  const egress = new Map<number, number>();
  let minIn = Infinity;
  let minEg = Infinity;
  for (const ep of endpoints) {
    ingress.set(ep.vertex, ep.ingressMbps);
    egress.set(ep.vertex, ep.egressMbps);
    minIn = Math.min(minIn, ep.ingressMbps);
    minEg = Math.min(minEg, ep.egressMbps);
  }
  const removed = new Set<number>();
  const filter: EdgeFilter = { minMbps: Math.min(minIn, minEg), removed };
  const shortfalls: EdgeShortfall[] = [];

  for (let attempts = 1; ; attempts++) {
    const tree = growTree(g, vertices, filter);
    if (tree === undefined) {
      // Explain the failure: with the adequacy filter off, the tree the
      // planner would have tried shows which edges lack what.
      if (filter.minMbps > 0) {
        const unfiltered = growTree(g, vertices, { minMbps: 0, removed });
        if (unfiltered !== undefined) {
          const demands = computeDemand(g, unfiltered.edges, unfiltered.root, ingress, egress);
          for (const d of demands) {
            const s = shortfallOf(g, d);
            if (s !== undefined) shortfalls.push(s);
          }
        }
      }
      if (shortfalls.length === 0) {
        // No tree at all and nothing short: some endpoint is cut off by trunks without a free label.
        const cut = findUnreachable(g, endpoints, labelComponents(g));
        if (cut.length > 0) return { ok: false, failure: { reason: 'unreachable', unreachable: cut } };
      }
      shortfalls.sort((a, b) => b.totalMbps - a.totalMbps || a.edge - b.edge);
      return { ok: false, failure: { reason: 'insufficient-capacity', shortfalls: shortfalls.flatMap((s) => s.entries) } };
    }
    const demands = computeDemand(g, tree.edges, tree.root, ingress, egress);
    let worst: EdgeShortfall | undefined;
    for (const d of demands) {
      const s = shortfallOf(g, d);
      if (s !== undefined && (worst === undefined || s.totalMbps > worst.totalMbps)) worst = s;
    }
    if (worst === undefined) return { ok: true, plan: buildPlan(g, endpoints, tree, demands, attempts) };
    removed.add(worst.edge);
    shortfalls.push(worst);
  }
}

/** The shortfall of an edge under a demand, or undefined if it fits both ways. */
function shortfallOf(g: GraphIndex, d: EdgeDemand): EdgeShortfall | undefined {
  const entries: Shortfall[] = [];
  let totalMbps = 0;
  const check = (direction: 'upstream' | 'downstream', requiredMbps: number, availableMbps: number): void => {
    if (fits(requiredMbps, availableMbps)) return;
    totalMbps += requiredMbps - availableMbps;
    const entry: Shortfall =
      d.edge < g.trunkCount
        ? { trunk: g.trunkIds[d.edge]!, direction, requiredMbps, availableMbps }
        : { chord: { ...g.chordRefs[d.edge - g.trunkCount]! }, direction, requiredMbps, availableMbps };
    entries.push(entry);
  };
  check('upstream', d.upstreamMbps, g.capUV[d.edge]!);
  check('downstream', d.downstreamMbps, g.capVU[d.edge]!);
  if (entries.length === 0) return undefined;
  entries.sort((a, b) => b.requiredMbps - b.availableMbps - (a.requiredMbps - a.availableMbps));
  return { edge: d.edge, totalMbps, entries };
}

/**
 * Endpoints outside the connected component (capacity ignored) holding the
 * most endpoints; on a tie, the component of the first endpoint in key order.
 *
 * @param components component of each vertex (default: over every edge)
 */
function findUnreachable(g: GraphIndex, endpoints: readonly Endpoint[], components: Int32Array = g.componentOf): TerminalRef[] {
  const componentOf = (ep: Endpoint): number => (ep.vertex < 0 ? -1 - endpoints.indexOf(ep) : components[ep.vertex]!);
  const counts = new Map<number, number>();
  for (const ep of endpoints) counts.set(componentOf(ep), (counts.get(componentOf(ep)) ?? 0) + 1);
  let best = componentOf(endpoints[0]!);
  for (const ep of endpoints) {
    const c = componentOf(ep);
    if (counts.get(c)! > counts.get(best)!) best = c;
  }
  return endpoints.filter((ep) => componentOf(ep) !== best).map((ep) => ({ ...ep.ref }));
}

/** Connected components over chords and the trunks that still have a free label (capacity ignored). */
function labelComponents(g: GraphIndex): Int32Array {
  const n = g.keys.length;
  const sets = new DisjointSets(n);
  for (let e = 0; e < g.edgeCount; e++) {
    if (e < g.trunkCount && g.freeLabels[e] === 0) continue;
    sets.union(g.edgeU[e]!, g.edgeV[e]!);
  }
  const out = new Int32Array(n);
  for (let v = 0; v < n; v++) out[v] = sets.find(v);
  return out;
}

function singleVertexPlan(g: GraphIndex, ep: Endpoint): Plan {
  let index: number;
  if (ep.vertex >= 0) {
    index = g.pieces[g.pieceOf[ep.vertex]!]!.index;
  } else {
    // A terminal in no edge is a piece of its own; count the network's pieces before it.
    const minima = g.pieceMinima.get(ep.ref.network) ?? [];
    index = minima.filter((m) => m < ep.ref.terminal).length;
  }
  return {
    trunks: [],
    chords: [],
    pieces: [{ network: ep.ref.network, index, terminals: [ep.ref.terminal] }],
    cost: 0,
    attempts: 1,
  };
}

function buildPlan(
  g: GraphIndex,
  endpoints: readonly Endpoint[],
  tree: SpanningTree,
  demands: readonly EdgeDemand[],
  attempts: number,
): Plan {
  const trunks: PlannedTrunk[] = [];
  const chords: PlannedChord[] = [];
  const piecesUsed = new Map<number, Set<string>>();
  const touch = (v: number): void => {
    const p = g.pieceOf[v]!;
    const set = piecesUsed.get(p);
    if (set) set.add(g.terminals[v]!);
    else piecesUsed.set(p, new Set([g.terminals[v]!]));
  };
  for (const ep of endpoints) touch(ep.vertex);
  let cost = 0;
  for (const d of demands) {
    const e = d.edge;
    cost += g.cost[e]!;
    if (e < g.trunkCount) {
      trunks.push({ id: g.trunkIds[e]!, upstreamMbps: d.upstreamMbps, downstreamMbps: d.downstreamMbps });
      touch(g.edgeU[e]!);
      touch(g.edgeV[e]!);
    } else {
      chords.push({ ...g.chordRefs[e - g.trunkCount]!, upstreamMbps: d.upstreamMbps, downstreamMbps: d.downstreamMbps });
    }
  }
  const pieces: PlanPiece[] = [...piecesUsed.keys()]
    .sort((a, b) => a - b)
    .map((p) => {
      const info = g.pieces[p]!;
      return { network: info.network, index: info.index, terminals: [...piecesUsed.get(p)!].sort(compareStrings) };
    });
  return { trunks, chords, pieces, cost, attempts };
}
