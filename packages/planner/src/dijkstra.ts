import { MBPS_EPSILON } from '@dpb/model';
import type { GraphIndex } from './build-graph';
import { MinHeap } from './min-heap';

/** Which edges a search may use. */
export interface EdgeFilter {
  /** Edges that may not carry less than this in both directions are skipped (per-request adequacy). */
  minMbps: number;
  /** Edges removed after a shortfall; never used again in this plan. */
  removed: ReadonlySet<number>;
  /** When set, trunks leading into a vertex of one of these pieces are skipped. */
  blockedPieces?: ReadonlySet<number>;
}

/** Result of a shortest-path search. */
export interface ShortestPaths {
  /** Distance from the nearest source; Infinity for vertices not settled. */
  dist: Float64Array;
  /** Edge by which each settled vertex was reached; -1 for sources and unsettled vertices. */
  pred: Int32Array;
  /** True when every target was settled. */
  reachedAll: boolean;
}

/** True when edge e may be used under the filter (the blocked-piece rule is checked per arc). */
export function usable(g: GraphIndex, e: number, filter: EdgeFilter): boolean {
  if (filter.removed.size > 0 && filter.removed.has(e)) return false;
  return filter.minMbps <= g.minCap[e]! + MBPS_EPSILON;
}

/**
 * Multi-source Dijkstra over the index graph, stopping as soon as every
 * target is settled. Deterministic: the heap orders equal distances by
 * vertex index, arcs are scanned in edge order, and only a strictly shorter
 * distance replaces a predecessor.
 *
 * (graphology-shortest-path's dijkstra returns node paths for every vertex
 * and cannot stop early, filter edges or start from several sources; on the
 * 128-switch benchmark graph it took about 1.7 ms per source, against tens
 * of microseconds here.)
 */
export function shortestPaths(
  g: GraphIndex,
  sources: readonly number[],
  targets: readonly number[],
  filter: EdgeFilter,
): ShortestPaths {
  const n = g.keys.length;
  const dist = new Float64Array(n).fill(Infinity);
  const pred = new Int32Array(n).fill(-1);
  const settled = new Uint8Array(n);
  const wanted = new Uint8Array(n);
  let remaining = 0;
  for (const t of targets) {
    if (wanted[t] === 0) {
      wanted[t] = 1;
      remaining++;
    }
  }
  const heap = new MinHeap();
  for (const s of sources) {
    if (dist[s] !== 0) {
      dist[s] = 0;
      heap.push(0, s);
    }
  }
  const { adjStart, adjEdge, adjTo, adjChordStart, cost, pieceOf, trunkCount, minCap } = g;
  const minMbps = filter.minMbps - MBPS_EPSILON;
  const removed = filter.removed.size > 0 ? filter.removed : null;
  const blocked = filter.blockedPieces && filter.blockedPieces.size > 0 ? filter.blockedPieces : null;
  // Uniform full meshes: once one vertex of such a piece is settled at d and
  // has offered d + c to every other, no later vertex of the piece (settled
  // at >= d) can offer anything strictly better, so their chord arcs are
  // skipped. The result is identical to a full scan; the cost per piece
  // drops from s^2 arcs to s. Only valid while every chord of the piece is
  // usable, so pieces with a removed or too-small chord are scanned in full.
  const meshState = new Int8Array(g.pieces.length); // 0 unknown, 1 relaxed once, -1 scan in full
  if (removed !== null) {
    for (const e of removed) if (e >= trunkCount) meshState[pieceOf[g.edgeU[e]!]!] = -1;
  }
  const { pieceIsUniformMesh, pieceMinChordCap } = g;
  while (heap.size > 0 && remaining > 0) {
    const x = heap.pop();
    if (settled[x] === 1) continue;
    const dx = heap.lastDist;
    if (dx > dist[x]!) continue;
    settled[x] = 1;
    if (wanted[x] === 1) remaining--;
    let end = adjStart[x + 1]!;
    const px = pieceOf[x]!;
    const state = meshState[px]!;
    if (state === 1) end = adjChordStart[x]!;
    else if (state === 0) meshState[px] = pieceIsUniformMesh[px] === 1 && pieceMinChordCap[px]! >= minMbps ? 1 : -1;
    for (let p = adjStart[x]!; p < end; p++) {
      const y = adjTo[p]!;
      if (settled[y] === 1) continue;
      const e = adjEdge[p]!;
      if (minCap[e]! < minMbps) continue;
      if (removed !== null && removed.has(e)) continue;
      if (blocked !== null && e < trunkCount && blocked.has(pieceOf[y]!)) continue;
      const d = dx + cost[e]!;
      if (d < dist[y]!) {
        dist[y] = d;
        pred[y] = e;
        heap.push(d, y);
      }
    }
  }
  // Unsettled vertices keep tentative distances; report them as unknown.
  for (let v = 0; v < n; v++) {
    if (settled[v] === 0) {
      dist[v] = Infinity;
      pred[v] = -1;
    }
  }
  return { dist, pred, reachedAll: remaining === 0 };
}

/** The other end of edge e from vertex x. */
export function otherEnd(g: GraphIndex, e: number, x: number): number {
  const u = g.edgeU[e]!;
  return u === x ? g.edgeV[e]! : u;
}
