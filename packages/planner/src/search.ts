import { MBPS_EPSILON } from '@dpb/model';
import { chordBetween, type GraphIndex } from './build-graph';
import type { EdgeFilter, SearchSpace } from './dijkstra';

const SETTLED = 1;

/**
 * One Dijkstra search over the index graph (by search weight), advanced a
 * step at a time, so that two can run against each other (see nearestPath).
 *
 * Determinism: the heap orders equal distances by id (vertices before
 * pieces), arcs are scanned in edge order, and only a strictly shorter
 * distance replaces a predecessor.
 *
 * Uniform full meshes (a switch's chords, all of one cost c and all usable)
 * are expanded lazily: when the first vertex x of such a piece settles at d,
 * one heap entry for the piece at d + c stands for its s − 1 chords; when it
 * pops, every member not yet settled settles at d + c by the chord from x
 * (none can be nearer: it would have popped first). An offer by a trunk into
 * such a piece is made only if it beats the piece's best offer so far by
 * more than c (otherwise the chords reach that vertex as soon). The result
 * is that of a full scan at the cost of one heap entry per piece.
 *
 * Direction. Forward, a trunk may not lead into a blocked piece (the piece
 * rule: the search runs from the tree, whose pieces are blocked). Backward
 * (the search runs from the far end of the paths it finds, so a path goes
 * from the vertex reached to the vertex it came from), a trunk may not leave
 * a vertex of a blocked piece, for the path would enter that piece by it.
 * Chords are always allowed. Both directions use the same edges (the same
 * capacity filter: an edge must carry the minimum both ways; the same
 * removed edges) and the same weights (a trunk weighs the same both ways),
 * and the same pieces are expanded lazily, so the backward search finds
 * exactly the reverses of the paths the forward one would.
 */
export class Search {
  private readonly n: number;
  readonly base: number;
  private readonly minMbps: number;
  private readonly removed: ReadonlySet<number> | null;
  private readonly blocked: boolean;
  /** Called when a vertex gets a first or better distance (offer, or settling by a piece's chords). */
  onLabel: ((x: number, d: number) => void) | undefined;
  /**
   * Called when the first vertex x of a lazily expanded piece p settles (at
   * d): from then on every other member of p is reachable at d + the
   * piece's chord cost (see {@link Search.firstSettled}).
   */
  onFirstSettled: ((p: number, x: number, d: number) => void) | undefined;

  constructor(
    private readonly g: GraphIndex,
    private readonly space: SearchSpace,
    filter: EdgeFilter,
    private readonly backward = false,
  ) {
    this.n = g.keys.length;
    this.base = space.next();
    this.minMbps = filter.minMbps - MBPS_EPSILON;
    this.removed = filter.removed.size > 0 ? filter.removed : null;
    this.blocked = filter.blockedPieces !== undefined && filter.blockedPieces.size > 0;
    if (this.blocked) for (const p of filter.blockedPieces!) space.pieceBlocked[p] = this.base;
    if (this.removed !== null) {
      for (const e of this.removed) {
        if (e < g.trunkCount) continue;
        const p = g.pieceOf[g.edgeU[e]!]!;
        this.stateOf(p);
        space.pieceState[p] = -1;
      }
    }
  }

  /** Piece state this search: 1 lazily expanded (uniform, every chord usable), 2 expanded (all its vertices settled), -1 scanned in full. */
  private stateOf(p: number): number {
    const s = this.space;
    if (s.pieceSeen[p] === this.base) return s.pieceState[p]!;
    s.pieceSeen[p] = this.base;
    const g = this.g;
    const st = g.pieceIsUniformMesh[p] === 1 && g.pieceMinChordCap[p]! >= this.minMbps ? 1 : -1;
    s.pieceState[p] = st;
    s.pieceFrom[p] = -1;
    s.pieceBest[p] = Infinity;
    return st;
  }

  /** Starts from `sources` at distance 0. */
  start(sources: readonly number[]): void {
    const { v, heap, pieceBest } = this.space;
    for (const s of sources) {
      const i = 3 * s;
      const fresh = v[i]! < this.base;
      if (fresh) v[i] = this.base;
      if (fresh || v[i + 1] !== 0) {
        v[i + 1] = 0;
        v[i + 2] = -1;
        heap.push(0, s);
        this.onLabel?.(s, 0);
      }
      const p = this.g.pieceOf[s]!;
      if (this.stateOf(p) === 1) pieceBest[p] = 0;
    }
  }

  /**
   * Smallest key waiting; Infinity when done. Every vertex not yet settled
   * is at least this far (a piece entry's key is what its members settle at),
   * which is what the meeting rule of nearestPath relies on.
   */
  get top(): number {
    return this.space.heap.size > 0 ? this.space.heap.minKey : Infinity;
  }

  /** Entries waiting in the heap (a measure of the frontier). */
  get size(): number {
    return this.space.heap.size;
  }

  get done(): boolean {
    return this.space.heap.size === 0;
  }

  /** Distance found so far (tentative or settled), Infinity if not reached. */
  label(x: number): number {
    return this.space.v[3 * x]! >= this.base ? this.space.v[3 * x + 1]! : Infinity;
  }

  /** The first settled vertex of piece p if p is lazily expanded and one of its vertices is settled; otherwise -1. */
  firstSettled(p: number): number {
    const s = this.space;
    return s.pieceSeen[p] === this.base && s.pieceState[p]! >= 1 ? s.pieceFrom[p]! : -1;
  }

  /** Edge by which a reached vertex was reached (-1 for a source or an unreached vertex). */
  predecessor(x: number): number {
    if (this.space.v[3 * x]! < this.base) return -1;
    const p = this.space.v[3 * x + 2]!;
    return p >= -1 ? p : chordBetween(this.g, -2 - p, x);
  }

  private settle(x: number): void {
    const v = this.space.v;
    v[3 * x] = v[3 * x]! + SETTLED;
  }

  private offer(y: number, d: number, e: number): void {
    const { v, heap } = this.space;
    const i = 3 * y;
    if (v[i]! < this.base) v[i] = this.base;
    else if (d >= v[i + 1]!) return;
    v[i + 1] = d;
    v[i + 2] = e;
    heap.push(d, y);
    this.onLabel?.(y, d);
  }

  /** Offers x's trunk arcs (at distance dx). */
  private relaxTrunks(x: number, dx: number): void {
    const g = this.g;
    const { v, pieceBlocked, pieceBest } = this.space;
    const { trunkStart, trunkTo, trunkEdge, trunkArcWeight, trunkArcMinCap, trunkArcPiece, pieceChordCost } = g;
    const base = this.base;
    if (this.backward && this.blocked && pieceBlocked[g.pieceOf[x]!] === base) return;
    const minMbps = this.minMbps;
    const removed = this.removed;
    const forwardBlocked = !this.backward && this.blocked;
    for (let a = trunkStart[x]!, end = trunkStart[x + 1]!; a < end; a++) {
      if (trunkArcMinCap[a]! < minMbps) continue;
      // Piece-level checks first: small arrays read in arc order, so the
      // (large, randomly placed) vertex state is read only when it matters.
      const q = trunkArcPiece[a]!;
      const sq = this.stateOf(q);
      if (sq === 2) continue;
      if (forwardBlocked && pieceBlocked[q] === base) continue;
      const y = trunkTo[a]!;
      const my = v[3 * y]!;
      if (my >= base && ((my - base) & SETTLED) === SETTLED) continue;
      if (removed !== null && removed.has(trunkEdge[a]!)) continue;
      const d = dx + trunkArcWeight[a]!;
      if (sq === 1) {
        const best = pieceBest[q]!;
        if (d >= best + pieceChordCost[q]!) continue;
        if (d < best) pieceBest[q] = d;
      }
      this.offer(y, d, trunkEdge[a]!);
    }
  }

  /** Offers x's chord arcs one by one (pieces that are not lazily expanded). */
  private relaxChords(x: number, dx: number): void {
    const { chordStart, chordTo, chordEdge, weight, minCap } = this.g;
    const v = this.space.v;
    const base = this.base;
    for (let a = chordStart[x]!, end = chordStart[x + 1]!; a < end; a++) {
      const y = chordTo[a]!;
      const my = v[3 * y]!;
      if (my >= base && ((my - base) & SETTLED) === SETTLED) continue;
      const e = chordEdge[a]!;
      if (minCap[e]! < this.minMbps || (this.removed !== null && this.removed.has(e))) continue;
      this.offer(y, dx + weight[e]!, e);
    }
  }

  /** Takes the nearest waiting entry: settles a vertex (or expands a piece) and relaxes what it reaches. */
  step(): void {
    const g = this.g;
    const { v, heap, pieceFrom, pieceState } = this.space;
    const n = this.n;
    const base = this.base;
    const id = heap.pop();
    const dx = heap.lastDist;
    if (id >= n) {
      // A uniform mesh piece's chords from its first settled vertex.
      const p = id - n;
      const from = pieceFrom[p]!;
      pieceState[p] = 2;
      for (let k = g.pieceStart[p]!, end = g.pieceStart[p + 1]!; k < end; k++) {
        const y = g.pieceMembers[k]!;
        const i = 3 * y;
        const my = v[i]!;
        if (my < base) v[i] = base;
        else if (((my - base) & SETTLED) === SETTLED) continue;
        const better = !(my >= base) || dx < v[i + 1]!;
        v[i + 1] = dx;
        v[i + 2] = -2 - from;
        if (better) this.onLabel?.(y, dx);
        this.settle(y);
        this.relaxTrunks(y, dx);
      }
      return;
    }
    const x = id;
    const mx = v[3 * x]!;
    if (((mx - base) & SETTLED) === SETTLED || dx > v[3 * x + 1]!) return;
    this.settle(x);
    this.relaxTrunks(x, dx);
    const px = g.pieceOf[x]!;
    if (this.stateOf(px) >= 1) {
      if (pieceFrom[px] === -1) {
        pieceFrom[px] = x;
        heap.push(dx + g.pieceChordCost[px]!, n + px);
        this.onFirstSettled?.(px, x, dx);
      }
    } else {
      this.relaxChords(x, dx);
    }
  }
}
