/**
 * Pieces: the connected components of each network's chords. A terminal
 * with no chord is a piece on its own. Each piece is realised as one
 * sub-service (one bridge) of its network, so two pieces are never merged,
 * even when they belong to the same network (DPB keyed terminals
 * without a group by `null` and merged them).
 */

/** A piece as the planning graph keeps it. */
export interface PieceInfo {
  network: string;
  /** Position among the network's pieces, ordered by their smallest terminal name. */
  index: number;
  /** The smallest terminal name of the piece. */
  minTerminal: string;
}

/** Union-find with path halving over vertex indices. */
export class DisjointSets {
  private readonly parent: Int32Array;

  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }

  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      const gp = p[p[x]!]!;
      p[x] = gp;
      x = gp;
    }
    return x;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    // Smaller root wins, so the result does not depend on the union order.
    if (ra < rb) this.parent[rb] = ra;
    else this.parent[ra] = rb;
  }
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Assigns every vertex its piece.
 *
 * @param networks network of each vertex
 * @param terminals terminal name of each vertex
 * @param chordEnds pairs of vertex indices joined by a chord
 * @returns the piece of each vertex, and the pieces ordered by network then index
 */
export function computePieces(
  networks: readonly string[],
  terminals: readonly string[],
  chordEnds: ArrayLike<number>,
): { pieceOf: Int32Array; pieces: PieceInfo[] } {
  const n = networks.length;
  const sets = new DisjointSets(n);
  for (let i = 0; i + 1 < chordEnds.length; i += 2) sets.union(chordEnds[i]!, chordEnds[i + 1]!);
  // Smallest terminal name of each component.
  const minOfRoot = new Map<number, string>();
  for (let v = 0; v < n; v++) {
    const r = sets.find(v);
    const m = minOfRoot.get(r);
    const t = terminals[v]!;
    if (m === undefined || t < m) minOfRoot.set(r, t);
  }
  const roots = [...minOfRoot.keys()];
  roots.sort((a, b) => compareStrings(networks[a]!, networks[b]!) || compareStrings(minOfRoot.get(a)!, minOfRoot.get(b)!));
  const pieceOfRoot = new Map<number, number>();
  const pieces: PieceInfo[] = [];
  let index = 0;
  roots.forEach((r, i) => {
    const network = networks[r]!;
    if (i > 0 && networks[roots[i - 1]!] !== network) index = 0;
    pieceOfRoot.set(r, pieces.length);
    pieces.push({ network, index: index++, minTerminal: minOfRoot.get(r)! });
  });
  const pieceOf = new Int32Array(n);
  for (let v = 0; v < n; v++) pieceOf[v] = pieceOfRoot.get(sets.find(v))!;
  return { pieceOf, pieces };
}
