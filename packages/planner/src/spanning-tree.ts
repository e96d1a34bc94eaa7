import { type GraphIndex, incidentEdges } from './build-graph';
import { type EdgeFilter, otherEnd, shortestPaths, type ShortestPaths } from './dijkstra';

/** A tree over the planning graph. */
export interface SpanningTree {
  /** Edge indices, ascending. */
  edges: number[];
  /** The endpoint the tree was grown from (the most remote one). */
  root: number;
}

/**
 * Grows a Steiner tree joining `endpoints` (vertex indices, in key order),
 * in the manner of DPB's FIBSpanGuide: start at the endpoint with the largest
 * eccentricity among the endpoints, then repeatedly extend the tree along a
 * shortest path towards the most remote endpoint not yet reached.
 *
 * Piece rule: once a vertex of a piece is in the tree the whole piece counts
 * as reached; a trunk may never lead into a reached piece (chords always may).
 * Contracting each piece to a point, the tree's trunks therefore form a tree,
 * so no piece is ever entered twice (which would be a forwarding loop, as a
 * piece is realised as one multipoint bridge).
 *
 * For each target, the path is first taken from the target's own
 * shortest-path tree (free: computed for the eccentricities); only if that
 * path breaks the piece rule is a multi-source search run from the tree with
 * trunks into reached pieces blocked. Spurs (non-endpoint leaves) are pruned.
 *
 * @returns the tree, or undefined if the endpoints cannot be joined under the filter
 */
export function growTree(g: GraphIndex, endpoints: readonly number[], filter: EdgeFilter): SpanningTree | undefined {
  const k = endpoints.length;
  const searches: ShortestPaths[] = [];
  for (const s of endpoints) {
    const sp = shortestPaths(g, [s], endpoints, filter);
    if (!sp.reachedAll) return undefined;
    searches.push(sp);
  }
  // Eccentricity of each endpoint among the endpoints; most remote first,
  // ties by key order (endpoints are in key order).
  const ecc = searches.map((sp) => {
    let worst = 0;
    for (const t of endpoints) worst = Math.max(worst, sp.dist[t]!);
    return worst;
  });
  const sequence = [...Array(k).keys()].sort((a, b) => ecc[b]! - ecc[a]! || a - b);

  const inTree = new Set<number>();
  const reachedPieces = new Set<number>();
  const treeEdges: number[] = [];
  const addVertex = (v: number): void => {
    inTree.add(v);
    reachedPieces.add(g.pieceOf[v]!);
  };
  const root = endpoints[sequence[0]!]!;
  addVertex(root);

  for (const i of sequence) {
    const target = endpoints[i]!;
    while (!inTree.has(target)) {
      const path = pathFromSearch(g, searches[i]!, target, inTree, reachedPieces) ?? blockedSearchPath(g, target, inTree, reachedPieces, filter);
      if (path === undefined) return undefined;
      for (const [e, y] of path) {
        treeEdges.push(e);
        addVertex(y);
      }
    }
  }
  return { edges: pruneSpurs(g, treeEdges, endpoints), root };
}

type Step = [edge: number, to: number];

/** The shortest path from the tree to `target` in the target's own search, if it obeys the piece rule. */
function pathFromSearch(
  g: GraphIndex,
  sp: ShortestPaths,
  target: number,
  inTree: ReadonlySet<number>,
  reachedPieces: ReadonlySet<number>,
): Step[] | undefined {
  let best = -1;
  let bestDist = Infinity;
  for (const v of inTree) {
    const d = sp.dist[v]!;
    if (d < bestDist || (d === bestDist && v < best)) {
      best = v;
      bestDist = d;
    }
  }
  if (best < 0 || bestDist === Infinity) return undefined;
  const path: Step[] = [];
  const pathPieces = new Set<number>();
  let x = best;
  while (x !== target) {
    const e = sp.pred[x]!;
    if (e < 0) return undefined;
    const y = otherEnd(g, e, x);
    if (inTree.has(y)) return undefined;
    if (e < g.trunkCount) {
      const p = g.pieceOf[y]!;
      if (reachedPieces.has(p) || pathPieces.has(p)) return undefined;
      pathPieces.add(p);
    }
    path.push([e, y]);
    x = y;
  }
  return path;
}

/**
 * A shortest path from the tree to `target` with trunks into reached pieces
 * blocked. The search cannot see pieces the path itself enters, so the path
 * is cut before any trunk that would re-enter one; the cut path still ends in
 * a new piece, so growth always progresses.
 */
function blockedSearchPath(
  g: GraphIndex,
  target: number,
  inTree: ReadonlySet<number>,
  reachedPieces: ReadonlySet<number>,
  filter: EdgeFilter,
): Step[] | undefined {
  const sources = [...inTree].sort((a, b) => a - b);
  const sp = shortestPaths(g, sources, [target], { ...filter, blockedPieces: reachedPieces });
  if (!sp.reachedAll) return undefined;
  const backwards: Step[] = [];
  let x = target;
  while (!inTree.has(x)) {
    const e = sp.pred[x]!;
    backwards.push([e, x]);
    x = otherEnd(g, e, x);
  }
  const path: Step[] = [];
  const pathPieces = new Set<number>();
  for (let i = backwards.length - 1; i >= 0; i--) {
    const step = backwards[i]!;
    const [e, y] = step;
    if (e < g.trunkCount) {
      const p = g.pieceOf[y]!;
      if (pathPieces.has(p)) break;
      pathPieces.add(p);
    }
    path.push(step);
  }
  return path;
}

/** Removes non-endpoint leaves until none is left; returns the remaining edges, ascending. */
export function pruneSpurs(g: GraphIndex, edges: readonly number[], endpoints: readonly number[]): number[] {
  const keep = new Set(endpoints);
  const incident = incidentEdges(g, edges);
  const alive = new Set(edges);
  const degree = new Map<number, number>();
  for (const [v, list] of incident) degree.set(v, list.length);
  const queue: number[] = [];
  for (const [v, d] of degree) if (d === 1 && !keep.has(v)) queue.push(v);
  while (queue.length > 0) {
    const v = queue.pop()!;
    if (degree.get(v) !== 1) continue;
    for (const e of incident.get(v)!) {
      if (!alive.has(e)) continue;
      alive.delete(e);
      degree.set(v, 0);
      const w = otherEnd(g, e, v);
      const dw = degree.get(w)! - 1;
      degree.set(w, dw);
      if (dw === 1 && !keep.has(w)) queue.push(w);
    }
  }
  return [...alive].sort((a, b) => a - b);
}
