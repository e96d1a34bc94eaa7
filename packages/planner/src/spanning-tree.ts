import { type GraphIndex, incidentEdges } from './build-graph';
import { type EdgeFilter, nearestPath, otherEnd, searchSpace } from './dijkstra';

/** A tree over the planning graph. */
export interface SpanningTree {
  /** Edge indices, ascending. */
  edges: number[];
  /** The endpoint the tree was grown from. */
  root: number;
}

/**
 * Grows a Steiner tree joining `endpoints` (vertex indices, in key order)
 * by the shortest-path heuristic: start from the first endpoint; then,
 * repeatedly, join the nearest endpoint not yet reached to the tree along
 * its least-weight path (cost, raised for loaded trunks), found by two
 * searches meeting in the middle (see nearestPath): one from every tree
 * vertex, one from every endpoint not yet reached.
 *
 * (DPB grew the tree from the most remote endpoint towards the others, most
 * remote first, which needs a complete search from every endpoint. On the
 * shared benchmark scenarios the shortest-path heuristic plans 2-3 times
 * faster and, as its trees are cheaper, admits more: see docs/benchmarks.md.)
 *
 * Piece rule: once a vertex of a piece is in the tree the whole piece counts
 * as reached; a trunk may never lead into a reached piece (chords always may).
 * Contracting each piece to a point, the tree's trunks therefore form a tree,
 * so no piece is ever entered twice (which would be a forwarding loop, as a
 * piece is realised as one multipoint bridge). The search blocks trunks into
 * reached pieces (and the backward search trunks out of them); neither can
 * see pieces the new path itself enters, so the
 * path is cut before any trunk that would re-enter one (the cut path still
 * ends in a new piece, so growth always progresses, and the next round goes
 * on from there). Spurs (non-endpoint leaves) are pruned.
 *
 * @returns the tree, or undefined if the endpoints cannot be joined under the filter
 */
export function growTree(g: GraphIndex, endpoints: readonly number[], filter: EdgeFilter): SpanningTree | undefined {
  const inTree = new Set<number>();
  const reachedPieces = new Set<number>();
  const treeEdges: number[] = [];
  const addVertex = (v: number): void => {
    inTree.add(v);
    reachedPieces.add(g.pieceOf[v]!);
  };
  const root = endpoints[0]!;
  addVertex(root);
  const blockedFilter: EdgeFilter = { ...filter, blockedPieces: reachedPieces };
  const forwardSpace = searchSpace(g, 0);
  const backwardSpace = searchSpace(g, 1);
  for (;;) {
    const left = endpoints.filter((e) => !inTree.has(e));
    if (left.length === 0) break;
    const sources = [...inTree].sort((a, b) => a - b);
    const found = nearestPath(g, sources, left, blockedFilter, forwardSpace, backwardSpace);
    if (found === undefined) return undefined;
    // With zero-cost edges a least-weight path may pass through the tree again: keep what follows its last tree vertex.
    let from = 0;
    found.forEach(([, y], i) => {
      if (inTree.has(y)) from = i + 1;
    });
    const path = found.slice(from);
    const pathPieces = new Set<number>();
    for (const [e, y] of path) {
      if (e < g.trunkCount) {
        const p = g.pieceOf[y]!;
        if (pathPieces.has(p)) break;
        pathPieces.add(p);
      }
      treeEdges.push(e);
      addVertex(y);
    }
  }
  return { edges: pruneSpurs(g, treeEdges, endpoints), root };
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
