import { MBPS_EPSILON } from '@dpb/model';
import { chordBetween, type GraphIndex } from './build-graph';
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

/** Result of a shortest-path search; valid until its search space is used again. */
export interface ShortestPaths {
  /** Distance (in search weight) from the nearest source; Infinity for vertices not settled. */
  distance(v: number): number;
  /** Edge by which a settled vertex was reached; -1 for sources and vertices not settled. */
  predecessor(v: number): number;
  /** True when every target (or `stopAfter` of them) was settled. */
  reachedAll: boolean;
}

/**
 * Working memory of one search, kept with the graph and reused. Each
 * vertex's state is three adjacent numbers in one Float64Array: a stamp
 * (4 · generation + flags: 1 settled, 2 target; below 4 · generation: not
 * seen this search), its distance and its predecessor. A search touches a
 * vertex with one cache line instead of five scattered arrays, and a new
 * search invalidates everything in O(1) by bumping the generation instead of
 * refilling. (On a 45,000-terminal graph each search visits most vertices in
 * random order, so memory traffic is what it costs.)
 */
export class SearchSpace {
  /** [stamp, distance, predecessor] per vertex. Predecessor ≥ 0: edge; -1: none (a source); ≤ -2: the chord from vertex (−2 − pred) of the same piece (resolved on demand). */
  readonly v: Float64Array;
  /** Per piece: stamp (generation) when its state was decided, the state, and the vertex its chords were offered from. */
  readonly pieceSeen: Float64Array;
  readonly pieceState: Int8Array;
  readonly pieceFrom: Int32Array;
  /** Per lazily expanded piece: the smallest distance offered to any of its vertices so far. */
  readonly pieceBest: Float64Array;
  /** Stamp (4 · generation) of the pieces a search may not enter by a trunk. */
  readonly pieceBlocked: Float64Array;
  readonly heap = new MinHeap();
  /** 4 · generation of the current search. */
  base = 0;

  constructor(vertices: number, pieces: number) {
    this.v = new Float64Array(3 * vertices);
    this.pieceSeen = new Float64Array(pieces);
    this.pieceState = new Int8Array(pieces);
    this.pieceFrom = new Int32Array(pieces);
    this.pieceBest = new Float64Array(pieces);
    this.pieceBlocked = new Float64Array(pieces);
  }

  /** Starts a new search: every stamp of earlier searches becomes stale. */
  next(): number {
    this.heap.clear();
    this.base += 4;
    return this.base;
  }
}

/** Search spaces of one graph, by slot (a plan uses one per endpoint and one for blocked searches). */
const spaces = new WeakMap<GraphIndex, SearchSpace[]>();

/** The search space in `slot` for graph g (created on first use). */
export function searchSpace(g: GraphIndex, slot: number): SearchSpace {
  let list = spaces.get(g);
  if (!list) spaces.set(g, (list = []));
  while (list.length <= slot) list.push(new SearchSpace(g.keys.length, g.pieces.length));
  return list[slot]!;
}

const SETTLED = 1;
const TARGET = 2;

class Paths implements ShortestPaths {
  constructor(
    private readonly g: GraphIndex,
    private readonly s: SearchSpace,
    private readonly base: number,
    readonly reachedAll: boolean,
  ) {}

  private settled(x: number): boolean {
    const m = this.s.v[3 * x]!;
    return m >= this.base && ((m - this.base) & SETTLED) === SETTLED;
  }

  distance(x: number): number {
    return this.s.base === this.base && this.settled(x) ? this.s.v[3 * x + 1]! : Infinity;
  }

  predecessor(x: number): number {
    if (this.s.base !== this.base || !this.settled(x)) return -1;
    const p = this.s.v[3 * x + 2]!;
    return p >= -1 ? p : chordBetween(this.g, -2 - p, x);
  }
}

/**
 * Multi-source Dijkstra over the index graph (by search weight), stopping as
 * soon as every target (or `stopAfter` of them) is settled. Deterministic: the heap orders equal
 * distances by id (vertices before pieces), arcs are scanned in edge order,
 * and only a strictly shorter distance replaces a predecessor.
 *
 * Uniform full meshes (a switch's chords, all of one cost c and all usable)
 * are expanded lazily: when the first vertex x of such a piece settles at d,
 * one heap entry for the piece at d + c stands for its s − 1 chords; when it
 * pops, every member not yet settled settles at d + c by the chord from x
 * (none can be nearer: it would have popped first). The result is that of a
 * full scan at the cost of one heap entry per piece instead of s.
 *
 * (graphology-shortest-path's dijkstra returns node paths for every vertex
 * and cannot stop early, filter edges or start from several sources; on the
 * 128-switch benchmark graph it took about 1.7 ms per source, against tens
 * of microseconds here.)
 *
 * @param space working memory (see {@link searchSpace}); its previous result becomes invalid
 */
export function shortestPaths(
  g: GraphIndex,
  sources: readonly number[],
  targets: readonly number[],
  filter: EdgeFilter,
  space: SearchSpace,
  stopAfter = Infinity,
): ShortestPaths {
  const n = g.keys.length;
  const base = space.next();
  const { v, pieceSeen, pieceState, pieceFrom, pieceBest, pieceBlocked, heap } = space;
  const seenAt = base; // stamp >= base: seen this search
  let remaining = 0;
  for (const t of targets) {
    const i = 3 * t;
    if (v[i]! < seenAt) {
      v[i] = base + TARGET;
      v[i + 1] = Infinity;
      remaining++;
    } else if ((v[i]! - base) < TARGET) {
      v[i] = v[i]! + TARGET;
      remaining++;
    }
  }
  for (const s of sources) {
    const i = 3 * s;
    const fresh = v[i]! < seenAt;
    if (fresh) v[i] = base;
    if (fresh || v[i + 1] !== 0) {
      v[i + 1] = 0;
      v[i + 2] = -1;
      heap.push(0, s);
    }
  }
  const { trunkStart, trunkTo, trunkEdge, trunkArcWeight, trunkArcMinCap, trunkArcPiece, chordStart, chordTo, chordEdge, weight, minCap, pieceOf } = g;
  const { pieceIsUniformMesh, pieceMinChordCap, pieceChordCost, pieceStart, pieceMembers } = g;
  const minMbps = filter.minMbps - MBPS_EPSILON;
  const removed = filter.removed.size > 0 ? filter.removed : null;
  const blocked = filter.blockedPieces !== undefined && filter.blockedPieces.size > 0;
  if (blocked) for (const p of filter.blockedPieces!) pieceBlocked[p] = base;
  // Piece states this search: 1 lazily expanded (uniform, every chord usable), 2 expanded (all its vertices settled), -1 scanned in full.
  const stateOf = (p: number): number => {
    if (pieceSeen[p] === base) return pieceState[p]!;
    pieceSeen[p] = base;
    const s = pieceIsUniformMesh[p] === 1 && pieceMinChordCap[p]! >= minMbps ? 1 : -1;
    pieceState[p] = s;
    pieceFrom[p] = -1;
    pieceBest[p] = Infinity;
    return s;
  };
  if (removed !== null) {
    for (const e of removed) {
      if (e < g.trunkCount) continue;
      const p = pieceOf[g.edgeU[e]!]!;
      stateOf(p);
      pieceState[p] = -1;
    }
  }
  /** Offers y distance d by edge e; y is not settled. */
  const offer = (y: number, d: number, e: number): void => {
    const i = 3 * y;
    const m = v[i]!;
    if (m < seenAt) {
      v[i] = base;
    } else if (d >= v[i + 1]!) {
      return;
    }
    v[i + 1] = d;
    v[i + 2] = e;
    heap.push(d, y);
  };
  for (const s of sources) {
    const p = pieceOf[s]!;
    if (stateOf(p) === 1) pieceBest[p] = 0;
  }
  /**
   * Offers x's trunk arcs (at distance dx). Into a lazily expanded piece an
   * offer is made only if it beats the best offer to that piece so far by
   * more than the piece's chord cost: otherwise the vertex will be reached at
   * least as near through the piece's chords when the piece expands. This
   * prunes most heap entries of a large graph without changing any result.
   */
  const relaxTrunks = (x: number, dx: number): void => {
    for (let a = trunkStart[x]!, end = trunkStart[x + 1]!; a < end; a++) {
      if (trunkArcMinCap[a]! < minMbps) continue;
      // Piece-level checks first: small arrays read in arc order, so the
      // (large, randomly placed) vertex state is read only when it matters.
      const q = trunkArcPiece[a]!;
      const sq = stateOf(q);
      if (sq === 2) continue;
      if (blocked && pieceBlocked[q] === base) continue;
      const y = trunkTo[a]!;
      const my = v[3 * y]!;
      if (my >= seenAt && ((my - base) & SETTLED) === SETTLED) continue;
      if (removed !== null && removed.has(trunkEdge[a]!)) continue;
      const d = dx + trunkArcWeight[a]!;
      if (sq === 1) {
        const best = pieceBest[q]!;
        if (d >= best + pieceChordCost[q]!) continue;
        if (d < best) pieceBest[q] = d;
      }
      offer(y, d, trunkEdge[a]!);
    }
  };
  /** Offers x's chord arcs one by one (pieces that are not lazily expanded). */
  const relaxChords = (x: number, dx: number): void => {
    for (let a = chordStart[x]!, end = chordStart[x + 1]!; a < end; a++) {
      const y = chordTo[a]!;
      const my = v[3 * y]!;
      if (my >= seenAt && ((my - base) & SETTLED) === SETTLED) continue;
      const e = chordEdge[a]!;
      if (minCap[e]! < minMbps || (removed !== null && removed.has(e))) continue;
      offer(y, dx + weight[e]!, e);
    }
  };
  /** Settles x at dx (its stamp says seen); true when it was a target. */
  const settle = (x: number): boolean => {
    const i = 3 * x;
    const flags = v[i]! - base;
    v[i] = v[i]! + SETTLED;
    return flags >= TARGET;
  };
  // Stop once `stopAfter` targets are settled (all by default).
  const goal = Math.max(0, remaining - stopAfter);
  while (heap.size > 0 && remaining > goal) {
    const id = heap.pop();
    const dx = heap.lastDist;
    if (id >= n) {
      // A uniform mesh piece's chords from its first settled vertex.
      const p = id - n;
      const from = pieceFrom[p]!;
      pieceState[p] = 2;
      for (let k = pieceStart[p]!, end = pieceStart[p + 1]!; k < end && remaining > goal; k++) {
        const y = pieceMembers[k]!;
        const i = 3 * y;
        const my = v[i]!;
        if (my < seenAt) v[i] = base;
        else if (((my - base) & SETTLED) === SETTLED) continue;
        v[i + 1] = dx;
        v[i + 2] = -2 - from;
        if (settle(y)) remaining--;
        relaxTrunks(y, dx);
      }
      continue;
    }
    const x = id;
    const mx = v[3 * x]!;
    if (((mx - base) & SETTLED) === SETTLED || dx > v[3 * x + 1]!) continue;
    if (settle(x)) remaining--;
    relaxTrunks(x, dx);
    const px = pieceOf[x]!;
    if (stateOf(px) >= 1) {
      if (pieceFrom[px] === -1) {
        pieceFrom[px] = x;
        heap.push(dx + pieceChordCost[px]!, n + px);
      }
    } else {
      relaxChords(x, dx);
    }
  }
  return new Paths(g, space, base, remaining === goal);
}

/** The other end of edge e from vertex x. */
export function otherEnd(g: GraphIndex, e: number, x: number): number {
  const u = g.edgeU[e]!;
  return u === x ? g.edgeV[e]! : u;
}
