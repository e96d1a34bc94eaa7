import { chordBetween, type GraphIndex } from './build-graph';
import { MinHeap } from './min-heap';
import { Search } from './search';

/** Which edges a search may use. */
export interface EdgeFilter {
  /** Edges that may not carry less than this in both directions are skipped (per-request adequacy). */
  minMbps: number;
  /** Edges removed after a shortfall; never used again in this plan. */
  removed: ReadonlySet<number>;
  /** The tree's pieces: a forward search takes no trunk into them, a backward one none out of them. */
  blockedPieces?: ReadonlySet<number>;
}

/**
 * Working memory of one search, kept with the graph and reused. Each
 * vertex's state is three adjacent numbers in one Float64Array: a stamp
 * (4 · generation, plus 1 once settled; below 4 · generation: not seen this
 * search), its distance and its predecessor. A search touches a
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

/** Search spaces of one graph, by slot (a plan uses two: the forward and the backward search). */
const spaces = new WeakMap<GraphIndex, SearchSpace[]>();

/** The search space in `slot` for graph g (created on first use). */
export function searchSpace(g: GraphIndex, slot: number): SearchSpace {
  let list = spaces.get(g);
  if (!list) spaces.set(g, (list = []));
  while (list.length <= slot) list.push(new SearchSpace(g.keys.length, g.pieces.length));
  return list[slot]!;
}

type Step = [edge: number, to: number];

/**
 * The least-weight path from any vertex of `tree` to the nearest of
 * `targets`, by two searches that meet in the middle: one forward from the
 * tree (trunks into blocked pieces forbidden), one backward from all the
 * targets at once (trunks out of blocked pieces forbidden); see Search.
 *
 * Meeting rule (what makes the result exactly least-weight): μ, the best
 * meeting so far, is lowered every time either side gives a vertex a first
 * or better distance that the other side has also reached (distance +
 * the other side's distance), and every time both sides have settled a
 * vertex of one lazily expanded piece (the chord between their first settled
 * vertices: such a piece hides its chords until it expands, so neither side
 * would label the other's vertex in time). The searches stop as soon as the
 * two smallest keys waiting add up to μ or more: any cheaper path would need
 * a vertex not yet settled by either side, which is then at least that far.
 * Which side steps is free for correctness; the side with fewer entries
 * waiting steps (the tree side starts from many vertices, the target side
 * from a few): on a 5,000-switch Barabási–Albert graph this halved the plan
 * time against stepping the side with the smaller key, and two half-radius
 * searches settle far fewer vertices than one full one, as distance balls
 * grow fast there.
 *
 * @returns the steps (edge, vertex reached) from a tree vertex to a target, or undefined if none is reachable
 */
export function nearestPath(
  g: GraphIndex,
  tree: readonly number[],
  targets: readonly number[],
  filter: EdgeFilter,
  forwardSpace: SearchSpace,
  backwardSpace: SearchSpace,
): Step[] | undefined {
  const f = new Search(g, forwardSpace, filter);
  const b = new Search(g, backwardSpace, filter, true);
  let best = Infinity;
  // The meeting: at vertex `meet`, or (hubFrom >= 0) across one chord of a lazily expanded piece, from hubFrom (forward) to `meet` (backward).
  let meet = -1;
  let hubFrom = -1;
  const candidate = (x: number, d: number, other: Search): void => {
    const o = other.label(x);
    if (o < Infinity && d + o < best) {
      best = d + o;
      meet = x;
      hubFrom = -1;
    }
  };
  // A lazily expanded piece hides its chords until it expands, so two
  // searches may each have settled a vertex of one piece while neither has
  // labelled the other's: the chord between them is a meeting of its own.
  // Without it the stopping rule is wrong (a piece entry waits in each heap
  // at its first vertex's distance + the chord cost, so the two next
  // distances can add up to more than a path across the piece costs).
  const hub = (p: number, fx: number, df: number, bx: number, db: number): void => {
    if (fx < 0 || bx < 0 || fx === bx) return;
    const d = df + g.pieceChordCost[p]! + db;
    if (d < best) {
      best = d;
      meet = bx;
      hubFrom = fx;
    }
  };
  f.onLabel = (x, d) => candidate(x, d, b);
  b.onLabel = (x, d) => candidate(x, d, f);
  f.onFirstSettled = (p, x, d) => {
    const y = b.firstSettled(p);
    if (y >= 0) hub(p, x, d, y, b.label(y));
  };
  b.onFirstSettled = (p, y, d) => {
    const x = f.firstSettled(p);
    if (x >= 0) hub(p, x, f.label(x), y, d);
  };
  f.start(tree);
  b.start(targets);
  while (!(f.done && b.done) && f.top + b.top < best) {
    // Ties go forward.
    if (f.size <= b.size) f.step();
    else b.step();
  }
  if (meet < 0) return undefined;
  const inTree = new Set(tree);
  const forward: Step[] = [];
  if (hubFrom >= 0) forward.push([chordBetween(g, hubFrom, meet), meet]);
  for (let x = hubFrom >= 0 ? hubFrom : meet; !inTree.has(x); ) {
    const e = f.predecessor(x);
    forward.push([e, x]);
    x = otherEnd(g, e, x);
  }
  forward.reverse();
  // Backward predecessors lead from the meeting point to a target (a source of that search).
  for (let x = meet, e = b.predecessor(x); e >= 0; e = b.predecessor(x)) {
    x = otherEnd(g, e, x);
    forward.push([e, x]);
  }
  return forward;
}

/** The other end of edge e from vertex x. */
export function otherEnd(g: GraphIndex, e: number, x: number): number {
  const u = g.edgeU[e]!;
  return u === x ? g.edgeV[e]! : u;
}
