/**
 * A binary min-heap of (distance, vertex) pairs, ordered by distance and then
 * by vertex index, so that equal distances always pop in the same order.
 * Stale entries are allowed (lazy deletion): the caller skips vertices it has
 * already settled.
 */
export class MinHeap {
  private readonly dist: number[] = [];
  private readonly vertex: number[] = [];

  get size(): number {
    return this.dist.length;
  }

  push(d: number, v: number): void {
    const dist = this.dist;
    const vertex = this.vertex;
    let i = dist.length;
    dist.push(d);
    vertex.push(v);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pd = dist[p]!;
      const pv = vertex[p]!;
      if (pd < d || (pd === d && pv <= v)) break;
      dist[i] = pd;
      vertex[i] = pv;
      i = p;
    }
    dist[i] = d;
    vertex[i] = v;
  }

  /** Removes the smallest entry and returns its vertex; call only when size > 0. Its distance is in {@link lastDist}. */
  pop(): number {
    const dist = this.dist;
    const vertex = this.vertex;
    const topV = vertex[0]!;
    this.lastDist = dist[0]!;
    const d = dist.pop()!;
    const v = vertex.pop()!;
    const n = dist.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        if (r < n) {
          const ld = dist[l]!;
          const rd = dist[r]!;
          if (rd < ld || (rd === ld && vertex[r]! < vertex[l]!)) c = r;
        }
        const cd = dist[c]!;
        const cv = vertex[c]!;
        if (d < cd || (d === cd && v <= cv)) break;
        dist[i] = cd;
        vertex[i] = cv;
        i = c;
      }
      dist[i] = d;
      vertex[i] = v;
    }
    return topV;
  }

  /** Distance of the entry most recently popped. */
  lastDist = 0;
}
