import { errors } from '@dpb/model';
import { loadFactor, used } from './load-weight';
import { compareStrings, computePieces, DisjointSets, type PieceInfo } from './pieces';
import type { PlanChord, PlanTrunk } from './types';
import { NameCheck, validateChord, validateTrunk } from './validate-input';

/**
 * The planning graph in index form: vertices are inferior terminals
 * (`network:terminal`), numbered in key order; edges are trunks (numbered
 * first, in id order) and chords (numbered after, by the vertex numbers of
 * their two ends, smaller first). Because every numbering comes from a sort,
 * the order of the input arrays never influences a plan.
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
  /** network → terminal → vertex. */
  readonly vertexOf: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Piece of each vertex. */
  readonly pieceOf: Int32Array;
  readonly pieces: readonly PieceInfo[];
  /** The vertices of piece p are pieceMembers[pieceStart[p] .. pieceStart[p+1]), ascending. */
  readonly pieceStart: Int32Array;
  readonly pieceMembers: Int32Array;
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
  /** Cost as given (what a plan's cost adds up). */
  readonly cost: Float64Array;
  /** What searches minimise: cost, times the load factor for trunks with load information. */
  readonly weight: Float64Array;
  /** Capacity U→V (upstream) and V→U (downstream); mutable through PlanningGraph. */
  readonly capUV: Float64Array;
  readonly capVU: Float64Array;
  /** min(capUV, capVU), for the per-request adequacy filter. */
  readonly minCap: Float64Array;
  /** Trunk load information (NaN when not given): labels free and in all, total capacity each way. */
  readonly freeLabels: Float64Array;
  readonly labelCount: Float64Array;
  readonly totalUV: Float64Array;
  readonly totalVU: Float64Array;
  /** See PlanningOptions.loadWeight. */
  readonly loadWeight: number;
  /** Trunk id of each trunk edge. */
  readonly trunkIds: readonly number[];
  readonly edgeOfTrunk: ReadonlyMap<number, number>;
  /** The chord of each chord edge (index e - trunkCount), as given. */
  readonly chordRefs: readonly { network: string; from: string; to: string }[];

  /**
   * Trunk adjacency (CSR): the trunk arcs of vertex v are
   * [trunkStart[v], trunkStart[v+1]), to trunkTo[a] by edge trunkEdge[a].
   * Kept apart from the chords, with each arc's weight and smaller capacity
   * beside it, so that a search reads a few small arrays in order instead of
   * jumping through the (much larger) chord arrays: on a 45,000-terminal
   * graph this halved the time per search.
   */
  readonly trunkStart: Int32Array;
  readonly trunkTo: Int32Array;
  readonly trunkEdge: Int32Array;
  readonly trunkArcWeight: Float64Array;
  readonly trunkArcMinCap: Float64Array;
  /** The piece each trunk arc leads into. */
  readonly trunkArcPiece: Int32Array;
  /** The two arcs of trunk edge e (from its U end, from its V end). */
  readonly trunkArcU: Int32Array;
  readonly trunkArcV: Int32Array;
  /** Chord adjacency (CSR), as for trunks: [chordStart[v], chordStart[v+1]). */
  readonly chordStart: Int32Array;
  readonly chordTo: Int32Array;
  readonly chordEdge: Int32Array;
  /**
   * For each piece: 1 if its chords form a complete graph with one cost
   * (a switch's full mesh). In such a piece only the first vertex a search
   * settles needs to relax its chords; see Search.
   */
  readonly pieceIsUniformMesh: Uint8Array;
  /** The one chord cost of a uniform mesh piece (NaN otherwise). */
  readonly pieceChordCost: Float64Array;
  /** For each piece, the smallest min(capUV, capVU) over its chords (Infinity without chords). */
  readonly pieceMinChordCap: Float64Array;
}

/** Sets a trunk's search weight from its cost and load. */
export function updateWeight(g: GraphIndex, e: number): void {
  const u = Math.max(
    used(g.freeLabels[e]!, g.labelCount[e]!),
    used(g.capUV[e]!, g.totalUV[e]!),
    used(g.capVU[e]!, g.totalVU[e]!),
  );
  const w = g.cost[e]! * loadFactor(u, g.loadWeight);
  g.weight[e] = w;
  g.trunkArcWeight[g.trunkArcU[e]!] = w;
  g.trunkArcWeight[g.trunkArcV[e]!] = w;
}

/**
 * Sets a trunk's remaining capacity each way (and the copies its arcs keep).
 * A trunk known to have no free label pair can carry no new tunnel: its
 * arcs get capacity −∞, so no search uses it.
 */
export function updateCapacity(g: GraphIndex, e: number, upstreamMbps: number, downstreamMbps: number): void {
  g.capUV[e] = upstreamMbps;
  g.capVU[e] = downstreamMbps;
  const c = Math.min(upstreamMbps, downstreamMbps);
  g.minCap[e] = c;
  const arc = g.freeLabels[e] === 0 ? -Infinity : c;
  g.trunkArcMinCap[g.trunkArcU[e]!] = arc;
  g.trunkArcMinCap[g.trunkArcV[e]!] = arc;
}

/**
 * Builds the index form of the planning graph from trunks and chords.
 * Throws INVALID_ARGUMENT (naming the trunk or chord) on malformed input or
 * duplicates: two trunks with one id, or two chords for the same pair of
 * terminals of one network.
 */
export function buildGraph(trunks: readonly PlanTrunk[], chords: readonly PlanChord[], loadWeight: number): GraphIndex {
  if (!Array.isArray(trunks)) throw errors.invalid('trunks must be an array', { field: 'trunks' });
  if (!Array.isArray(chords)) throw errors.invalid('chords must be an array', { field: 'chords' });
  const names = new NameCheck();
  trunks.forEach((t, i) => validateTrunk(t, i, names));
  chords.forEach((c, i) => validateChord(c, i, names));

  // Vertices: every (network, terminal) named, numbered in key order.
  const vertexOf = new Map<string, Map<string, number>>();
  const found: { network: string; terminal: string; key: string }[] = [];
  const note = (network: string, terminal: string): void => {
    let m = vertexOf.get(network);
    if (!m) vertexOf.set(network, (m = new Map()));
    if (!m.has(terminal)) {
      m.set(terminal, -1);
      found.push({ network, terminal, key: `${network}:${terminal}` });
    }
  };
  for (const t of trunks) {
    note(t.start.network, t.start.terminal);
    note(t.end.network, t.end.terminal);
  }
  for (const c of chords) {
    note(c.network, c.from);
    note(c.network, c.to);
  }
  found.sort((a, b) => compareStrings(a.key, b.key));
  const n = found.length;
  const keys = found.map((f) => f.key);
  const networks = found.map((f) => f.network);
  const terminals = found.map((f) => f.terminal);
  found.forEach((f, i) => vertexOf.get(f.network)!.set(f.terminal, i));
  const vertex = (network: string, terminal: string): number => vertexOf.get(network)!.get(terminal)!;

  // Trunks in id order.
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
  // Chords by the vertex numbers of their ends (smaller, larger).
  const chordLo = new Int32Array(chords.length);
  const chordHi = new Int32Array(chords.length);
  chords.forEach((c, i) => {
    const a = vertex(c.network, c.from);
    const b = vertex(c.network, c.to);
    chordLo[i] = Math.min(a, b);
    chordHi[i] = Math.max(a, b);
  });
  const order = new Uint32Array(chords.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((x, y) => chordLo[x]! - chordLo[y]! || chordHi[x]! - chordHi[y]!);
  for (let i = 1; i < order.length; i++) {
    const x = order[i - 1]!;
    const y = order[i]!;
    if (chordLo[x] === chordLo[y] && chordHi[x] === chordHi[y]) {
      const c = chords[y]!;
      throw errors.invalid(`network ${c.network} has two chords between ${c.from} and ${c.to}`, {
        field: 'chords',
        network: c.network,
        from: c.from,
        to: c.to,
      });
    }
  }

  const trunkCount = sortedTrunks.length;
  const m = trunkCount + chords.length;
  const edgeU = new Int32Array(m);
  const edgeV = new Int32Array(m);
  const cost = new Float64Array(m);
  const weight = new Float64Array(m);
  const capUV = new Float64Array(m);
  const capVU = new Float64Array(m);
  const minCap = new Float64Array(m);
  const freeLabels = new Float64Array(m).fill(NaN);
  const labelCount = new Float64Array(m).fill(NaN);
  const totalUV = new Float64Array(m).fill(NaN);
  const totalVU = new Float64Array(m).fill(NaN);
  const trunkIds: number[] = [];
  const edgeOfTrunk = new Map<number, number>();
  const chordRefs: { network: string; from: string; to: string }[] = [];
  sortedTrunks.forEach((t, e) => {
    edgeU[e] = vertex(t.start.network, t.start.terminal);
    edgeV[e] = vertex(t.end.network, t.end.terminal);
    cost[e] = t.cost;
    capUV[e] = t.upstreamMbps;
    capVU[e] = t.downstreamMbps;
    minCap[e] = Math.min(t.upstreamMbps, t.downstreamMbps);
    if (t.freeLabels !== undefined) freeLabels[e] = t.freeLabels;
    if (t.labelCount !== undefined) labelCount[e] = t.labelCount;
    if (t.capacityUpstreamMbps !== undefined) totalUV[e] = t.capacityUpstreamMbps;
    if (t.capacityDownstreamMbps !== undefined) totalVU[e] = t.capacityDownstreamMbps;
    trunkIds.push(t.id);
    edgeOfTrunk.set(t.id, e);
  });
  const chordEnds = new Int32Array(2 * chords.length);
  order.forEach((ci, i) => {
    const c = chords[ci]!;
    const e = trunkCount + i;
    edgeU[e] = vertex(c.network, c.from);
    edgeV[e] = vertex(c.network, c.to);
    chordEnds[2 * i] = edgeU[e]!;
    chordEnds[2 * i + 1] = edgeV[e]!;
    cost[e] = c.cost;
    weight[e] = c.cost;
    capUV[e] = c.upstreamMbps;
    capVU[e] = c.downstreamMbps;
    minCap[e] = Math.min(c.upstreamMbps, c.downstreamMbps);
    chordRefs.push({ network: c.network, from: c.from, to: c.to });
  });

  // Adjacency: trunk arcs and chord arcs in separate CSR arrays, each vertex's arcs in edge order.
  const csr = (first: number, last: number): { start: Int32Array; to: Int32Array; edge: Int32Array; arcU: Int32Array; arcV: Int32Array } => {
    const start = new Int32Array(n + 1);
    for (let e = first; e < last; e++) {
      const a = edgeU[e]! + 1;
      const b = edgeV[e]! + 1;
      start[a] = start[a]! + 1;
      start[b] = start[b]! + 1;
    }
    for (let v = 0; v < n; v++) start[v + 1] = start[v + 1]! + start[v]!;
    const fill = start.slice(0, n);
    const to = new Int32Array(2 * (last - first));
    const edge = new Int32Array(2 * (last - first));
    const arcU = new Int32Array(last - first);
    const arcV = new Int32Array(last - first);
    for (let e = first; e < last; e++) {
      const u = edgeU[e]!;
      const v = edgeV[e]!;
      let a = fill[u]!;
      fill[u] = a + 1;
      to[a] = v;
      edge[a] = e;
      arcU[e - first] = a;
      a = fill[v]!;
      fill[v] = a + 1;
      to[a] = u;
      edge[a] = e;
      arcV[e - first] = a;
    }
    return { start, to, edge, arcU, arcV };
  };
  const tr = csr(0, trunkCount);
  const ch = csr(trunkCount, m);
  const trunkArcWeight = new Float64Array(tr.to.length);
  const trunkArcMinCap = new Float64Array(tr.to.length);

  const { pieceOf, pieces } = computePieces(networks, terminals, chordEnds);
  const trunkArcPiece = new Int32Array(tr.to.length);
  for (let a = 0; a < tr.to.length; a++) trunkArcPiece[a] = pieceOf[tr.to[a]!]!;
  const P = pieces.length;
  const pieceStart = new Int32Array(P + 1);
  for (let v = 0; v < n; v++) pieceStart[pieceOf[v]! + 1] = pieceStart[pieceOf[v]! + 1]! + 1;
  for (let p = 0; p < P; p++) pieceStart[p + 1] = pieceStart[p + 1]! + pieceStart[p]!;
  const pieceMembers = new Int32Array(n);
  const pieceFill = pieceStart.slice(0, P);
  for (let v = 0; v < n; v++) {
    const p = pieceOf[v]!;
    pieceMembers[pieceFill[p]!] = v;
    pieceFill[p] = pieceFill[p]! + 1;
  }
  const pieceChords = new Float64Array(P);
  const pieceChordCost = new Float64Array(P).fill(NaN);
  const pieceIsUniformMesh = new Uint8Array(P).fill(1);
  const pieceMinChordCap = new Float64Array(P).fill(Infinity);
  for (let e = trunkCount; e < m; e++) {
    const p = pieceOf[edgeU[e]!]!;
    pieceChords[p] = pieceChords[p]! + 1;
    if (Number.isNaN(pieceChordCost[p]!)) pieceChordCost[p] = cost[e]!;
    else if (pieceChordCost[p] !== cost[e]) pieceIsUniformMesh[p] = 0;
    pieceMinChordCap[p] = Math.min(pieceMinChordCap[p]!, minCap[e]!);
  }
  for (let p = 0; p < P; p++) {
    const s = pieceStart[p + 1]! - pieceStart[p]!;
    if (pieceChords[p] !== (s * (s - 1)) / 2 || s < 2) pieceIsUniformMesh[p] = 0;
    if (pieceIsUniformMesh[p] === 0) pieceChordCost[p] = NaN;
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

  const g: GraphIndex = {
    keys,
    networks,
    terminals,
    vertexOf,
    pieceOf,
    pieces,
    pieceStart,
    pieceMembers,
    pieceMinima,
    componentOf,
    edgeCount: m,
    trunkCount,
    edgeU,
    edgeV,
    cost,
    weight,
    capUV,
    capVU,
    minCap,
    freeLabels,
    labelCount,
    totalUV,
    totalVU,
    loadWeight,
    trunkIds,
    edgeOfTrunk,
    chordRefs,
    trunkStart: tr.start,
    trunkTo: tr.to,
    trunkEdge: tr.edge,
    trunkArcWeight,
    trunkArcMinCap,
    trunkArcPiece,
    trunkArcU: tr.arcU,
    trunkArcV: tr.arcV,
    chordStart: ch.start,
    chordTo: ch.to,
    chordEdge: ch.edge,
    pieceIsUniformMesh,
    pieceChordCost,
    pieceMinChordCap,
  };
  for (let e = 0; e < trunkCount; e++) {
    updateCapacity(g, e, capUV[e]!, capVU[e]!);
    updateWeight(g, e);
  }
  return g;
}

/** The vertex of `network:terminal`, or -1 if no edge touches it. */
export function vertexIndex(g: GraphIndex, network: string, terminal: string): number {
  return g.vertexOf.get(network)?.get(terminal) ?? -1;
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

/** The chord edge between two vertices of one piece, or -1. */
export function chordBetween(g: GraphIndex, a: number, b: number): number {
  const end = g.chordStart[a + 1]!;
  for (let p = g.chordStart[a]!; p < end; p++) if (g.chordTo[p] === b) return g.chordEdge[p]!;
  return -1;
}
