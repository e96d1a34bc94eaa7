import { errors, type TerminalRef } from '@dpb/model';
import { compareStrings, computePieces, DisjointSets, type PieceInfo } from './pieces';
import type { PlanChord, PlanTrunk } from './types';
import { validateChord, validateTrunk } from './validate-input';

/**
 * The planning graph in index form: vertices are inferior terminals
 * (`network:terminal`), numbered in key order; edges are trunks (numbered
 * first, in id order) and chords (numbered after, in (network, smaller end,
 * larger end) order). Because every numbering comes from a sort, the order of
 * the input arrays never influences a plan.
 *
 * Adjacency is kept as compressed sparse rows (typed arrays), which is what
 * makes a shortest-path search over a few thousand chords cost tens of
 * microseconds instead of milliseconds.
 */
export interface GraphIndex {
  /** `network:terminal` of each vertex, sorted. */
  readonly keys: readonly string[];
  readonly networks: readonly string[];
  readonly terminals: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
  /** Piece of each vertex. */
  readonly pieceOf: Int32Array;
  readonly pieces: readonly PieceInfo[];
  /** For each network, the smallest terminal of each of its pieces, sorted. */
  readonly pieceMinima: ReadonlyMap<string, readonly string[]>;
  /** Connected component of each vertex over all edges, capacity ignored. */
  readonly componentOf: Int32Array;

  readonly edgeCount: number;
  /** Edges [0, trunkCount) are trunks; the rest are chords. */
  readonly trunkCount: number;
  /** First end: trunk start, chord `from`. */
  readonly edgeU: Int32Array;
  /** Second end: trunk end, chord `to`. */
  readonly edgeV: Int32Array;
  readonly cost: Float64Array;
  /** Capacity U→V (upstream) and V→U (downstream); mutable through PlanningGraph. */
  readonly capUV: Float64Array;
  readonly capVU: Float64Array;
  /** min(capUV, capVU), for the per-request adequacy filter. */
  readonly minCap: Float64Array;
  /** Trunk id of each trunk edge. */
  readonly trunkIds: readonly number[];
  readonly edgeOfTrunk: ReadonlyMap<number, number>;
  /** The chord of each chord edge (index e - trunkCount), as given. */
  readonly chordRefs: readonly { network: string; from: string; to: string }[];

  /** CSR adjacency: the arcs of vertex v are [adjStart[v], adjStart[v+1]). */
  readonly adjStart: Int32Array;
  readonly adjEdge: Int32Array;
  readonly adjTo: Int32Array;
  /** First chord arc of each vertex (trunk arcs come first, as trunk edges are numbered first). */
  readonly adjChordStart: Int32Array;
  /**
   * For each piece: 1 if its chords form a complete graph with one cost
   * (a switch's full mesh). In such a piece only the first vertex a search
   * settles needs to relax its chords; see shortestPaths.
   */
  readonly pieceIsUniformMesh: Uint8Array;
  /** For each piece, the smallest min(capUV, capVU) over its chords (Infinity without chords). */
  readonly pieceMinChordCap: Float64Array;
}

function key(network: string, terminal: string): string {
  return `${network}:${terminal}`;
}

/**
 * Builds the index form of the planning graph from trunks and chords.
 * Throws INVALID_ARGUMENT (naming the trunk or chord) on malformed input or
 * duplicates: two trunks with one id, or two chords for the same pair of
 * terminals of one network.
 */
export function buildGraph(trunks: readonly PlanTrunk[], chords: readonly PlanChord[]): GraphIndex {
  if (!Array.isArray(trunks)) throw errors.invalid('trunks must be an array', { field: 'trunks' });
  if (!Array.isArray(chords)) throw errors.invalid('chords must be an array', { field: 'chords' });
  trunks.forEach(validateTrunk);
  chords.forEach(validateChord);

  // Vertices.
  const refOf = new Map<string, TerminalRef>();
  const note = (network: string, terminal: string): void => {
    const k = key(network, terminal);
    if (!refOf.has(k)) refOf.set(k, { network, terminal });
  };
  for (const t of trunks) {
    note(t.start.network, t.start.terminal);
    note(t.end.network, t.end.terminal);
  }
  for (const c of chords) {
    note(c.network, c.from);
    note(c.network, c.to);
  }
  const keys = [...refOf.keys()].sort(compareStrings);
  const indexOf = new Map<string, number>();
  keys.forEach((k, i) => indexOf.set(k, i));
  const networks = keys.map((k) => refOf.get(k)!.network);
  const terminals = keys.map((k) => refOf.get(k)!.terminal);
  const n = keys.length;

  // Edges, in a canonical order.
  const sortedTrunks = [...trunks].sort((a, b) => a.id - b.id);
  for (let i = 1; i < sortedTrunks.length; i++) {
    if (sortedTrunks[i]!.id === sortedTrunks[i - 1]!.id) {
      throw errors.invalid(`trunk ${sortedTrunks[i]!.id} appears more than once`, {
        kind: 'trunk',
        trunk: sortedTrunks[i]!.id,
        field: 'trunks',
      });
    }
  }
  const chordKey = (c: PlanChord): string =>
    c.from < c.to ? `${c.network}:${c.from}:${c.to}` : `${c.network}:${c.to}:${c.from}`;
  const sortedChords = chords.map((c) => ({ c, k: chordKey(c) })).sort((a, b) => compareStrings(a.k, b.k));
  for (let i = 1; i < sortedChords.length; i++) {
    if (sortedChords[i]!.k === sortedChords[i - 1]!.k) {
      const c = sortedChords[i]!.c;
      throw errors.invalid(`network ${c.network} has two chords between ${c.from} and ${c.to}`, {
        field: 'chords',
        network: c.network,
        from: c.from,
        to: c.to,
      });
    }
  }
  const trunkCount = sortedTrunks.length;
  const m = trunkCount + sortedChords.length;
  const edgeU = new Int32Array(m);
  const edgeV = new Int32Array(m);
  const cost = new Float64Array(m);
  const capUV = new Float64Array(m);
  const capVU = new Float64Array(m);
  const minCap = new Float64Array(m);
  const trunkIds: number[] = [];
  const edgeOfTrunk = new Map<number, number>();
  const chordRefs: { network: string; from: string; to: string }[] = [];
  sortedTrunks.forEach((t, e) => {
    edgeU[e] = indexOf.get(key(t.start.network, t.start.terminal))!;
    edgeV[e] = indexOf.get(key(t.end.network, t.end.terminal))!;
    cost[e] = t.cost;
    capUV[e] = t.upstreamMbps;
    capVU[e] = t.downstreamMbps;
    minCap[e] = Math.min(t.upstreamMbps, t.downstreamMbps);
    trunkIds.push(t.id);
    edgeOfTrunk.set(t.id, e);
  });
  const chordEnds = new Int32Array(2 * sortedChords.length);
  sortedChords.forEach(({ c }, i) => {
    const e = trunkCount + i;
    edgeU[e] = indexOf.get(key(c.network, c.from))!;
    edgeV[e] = indexOf.get(key(c.network, c.to))!;
    chordEnds[2 * i] = edgeU[e]!;
    chordEnds[2 * i + 1] = edgeV[e]!;
    cost[e] = c.cost;
    capUV[e] = c.upstreamMbps;
    capVU[e] = c.downstreamMbps;
    minCap[e] = Math.min(c.upstreamMbps, c.downstreamMbps);
    chordRefs.push({ network: c.network, from: c.from, to: c.to });
  });

  // CSR adjacency; arcs of each vertex in edge order.
  const adjStart = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) {
    const a = edgeU[e]! + 1;
    const b = edgeV[e]! + 1;
    adjStart[a] = adjStart[a]! + 1;
    adjStart[b] = adjStart[b]! + 1;
  }
  for (let v = 0; v < n; v++) adjStart[v + 1] = adjStart[v + 1]! + adjStart[v]!;
  const fill = adjStart.slice(0, n);
  const adjEdge = new Int32Array(2 * m);
  const adjTo = new Int32Array(2 * m);
  for (let e = 0; e < m; e++) {
    const u = edgeU[e]!;
    const v = edgeV[e]!;
    let p = fill[u]!;
    fill[u] = p + 1;
    adjEdge[p] = e;
    adjTo[p] = v;
    p = fill[v]!;
    fill[v] = p + 1;
    adjEdge[p] = e;
    adjTo[p] = u;
  }

  const adjChordStart = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    let p = adjStart[v]!;
    const end = adjStart[v + 1]!;
    while (p < end && adjEdge[p]! < trunkCount) p++;
    adjChordStart[v] = p;
  }

  const { pieceOf, pieces } = computePieces(networks, terminals, chordEnds);
  const pieceSize = new Float64Array(pieces.length);
  for (let v = 0; v < n; v++) {
    const p = pieceOf[v]!;
    pieceSize[p] = pieceSize[p]! + 1;
  }
  const pieceChords = new Float64Array(pieces.length);
  const pieceCost = new Float64Array(pieces.length).fill(NaN);
  const pieceIsUniformMesh = new Uint8Array(pieces.length).fill(1);
  const pieceMinChordCap = new Float64Array(pieces.length).fill(Infinity);
  for (let e = trunkCount; e < m; e++) {
    const p = pieceOf[edgeU[e]!]!;
    pieceChords[p] = pieceChords[p]! + 1;
    if (Number.isNaN(pieceCost[p]!)) pieceCost[p] = cost[e]!;
    else if (pieceCost[p] !== cost[e]) pieceIsUniformMesh[p] = 0;
    pieceMinChordCap[p] = Math.min(pieceMinChordCap[p]!, minCap[e]!);
  }
  for (let p = 0; p < pieces.length; p++) {
    const s = pieceSize[p]!;
    if (pieceChords[p] !== (s * (s - 1)) / 2) pieceIsUniformMesh[p] = 0;
  }
  const pieceMinima = new Map<string, string[]>();
  for (const p of pieces) {
    const list = pieceMinima.get(p.network);
    if (list) list.push(p.minTerminal);
    else pieceMinima.set(p.network, [p.minTerminal]);
  }

  const all = new DisjointSets(n);
  for (let e = 0; e < m; e++) all.union(edgeU[e]!, edgeV[e]!);
  const componentOf = new Int32Array(n);
  for (let v = 0; v < n; v++) componentOf[v] = all.find(v);

  return {
    keys,
    networks,
    terminals,
    indexOf,
    pieceOf,
    pieces,
    pieceMinima,
    componentOf,
    edgeCount: m,
    trunkCount,
    edgeU,
    edgeV,
    cost,
    capUV,
    capVU,
    minCap,
    trunkIds,
    edgeOfTrunk,
    chordRefs,
    adjStart,
    adjEdge,
    adjTo,
    adjChordStart,
    pieceIsUniformMesh,
    pieceMinChordCap,
  };
}

/** Vertex → the given edges that touch it. */
export function incidentEdges(g: GraphIndex, edges: readonly number[]): Map<number, number[]> {
  const incident = new Map<number, number[]>();
  const link = (v: number, e: number): void => {
    const list = incident.get(v);
    if (list) list.push(e);
    else incident.set(v, [e]);
  };
  for (const e of edges) {
    link(g.edgeU[e]!, e);
    link(g.edgeV[e]!, e);
  }
  return incident;
}
