/**
 * A binary min-heap of (distance, id) pairs in typed arrays, ordered by
 * distance and then by id, so that equal distances always pop in the same
 * order. Stale entries are allowed (lazy deletion): the caller skips ids it
 * has already settled. `clear()` keeps the storage for the next search.
 */
export class MinHeap {
  private keys = new Float64Array(256);
  private ids = new Int32Array(256);
  private n = 0;
  /** Distance of the entry most recently popped. */
  lastDist = 0;

  get size(): number {
    return this.n;
  }

  /** The smallest distance waiting; call only when size > 0. */
  get minKey(): number {
    return this.keys[0]!;
  }

  clear(): void {
    this.n = 0;
  }

  push(d: number, v: number): void {
    if (this.n === this.keys.length) {
      const keys = new Float64Array(this.n * 2);
      keys.set(this.keys);
      this.keys = keys;
      const ids = new Int32Array(this.n * 2);
      ids.set(this.ids);
      this.ids = ids;
    }
    const keys = this.keys;
    const ids = this.ids;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pd = keys[p]!;
      const pv = ids[p]!;
      if (pd < d || (pd === d && pv <= v)) break;
      keys[i] = pd;
      ids[i] = pv;
      i = p;
    }
    keys[i] = d;
    ids[i] = v;
  }

  /** Removes the smallest entry and returns its id; call only when size > 0. Its distance is in {@link lastDist}. */
  pop(): number {
    const keys = this.keys;
    const ids = this.ids;
    const top = ids[0]!;
    this.lastDist = keys[0]!;
    const n = --this.n;
    if (n > 0) {
      const d = keys[n]!;
      const v = ids[n]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        let cd = keys[l]!;
        let cv = ids[l]!;
        if (r < n) {
          const rd = keys[r]!;
          const rv = ids[r]!;
          if (rd < cd || (rd === cd && rv < cv)) {
            c = r;
            cd = rd;
            cv = rv;
          }
        }
        if (d < cd || (d === cd && v <= cv)) break;
        keys[i] = cd;
        ids[i] = cv;
        i = c;
      }
      keys[i] = d;
      ids[i] = v;
    }
    return top;
  }
}
