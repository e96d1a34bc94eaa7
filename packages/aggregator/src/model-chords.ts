import type { Chord } from '@dpb/model';

/** A directed view of one usable edge for the model computation. */
interface Arc {
  to: string;
  cost: number;
  /** Capacity in the direction of travel. */
  forwardMbps: number;
  /** Capacity against the direction of travel. */
  backwardMbps: number;
}

export interface ModelEdge {
  a: string;
  b: string;
  cost: number;
  /** a→b capacity. */
  abMbps: number;
  /** b→a capacity. */
  baMbps: number;
}

/**
 * The chords an aggregator reports to its superior: for every pair of outer
 * terminals whose inner terminals are joined by edges that can carry at least
 * `minMbps` in at least one direction, the least-cost path's cost and its
 * bottleneck capacity each way. (DPB reported only the cost, [Q-30] and §9.3.)
 */
export function modelChords(
  outer: readonly { name: string; inner: string }[],
  edges: readonly ModelEdge[],
  minMbps: number,
): Chord[] {
  const adj = new Map<string, Arc[]>();
  const add = (from: string, arc: Arc): void => {
    let l = adj.get(from);
    if (!l) adj.set(from, (l = []));
    l.push(arc);
  };
  for (const e of edges) {
    if (Math.max(e.abMbps, e.baMbps) < minMbps) continue;
    add(e.a, { to: e.b, cost: e.cost, forwardMbps: e.abMbps, backwardMbps: e.baMbps });
    add(e.b, { to: e.a, cost: e.cost, forwardMbps: e.baMbps, backwardMbps: e.abMbps });
  }
  const sorted = [...outer].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  const chords: Chord[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const src = sorted[i] as { name: string; inner: string };
    const best = shortestPaths(adj, src.inner);
    for (let j = i + 1; j < sorted.length; j++) {
      const dst = sorted[j] as { name: string; inner: string };
      if (dst.inner === src.inner) {
        chords.push({ from: src.name, to: dst.name, cost: 0.001, upstreamMbps: Infinity, downstreamMbps: Infinity });
        continue;
      }
      const r = best.get(dst.inner);
      if (!r) continue;
      chords.push({ from: src.name, to: dst.name, cost: Math.round(r.cost * 1e6) / 1e6, upstreamMbps: r.forward, downstreamMbps: r.backward });
    }
  }
  return chords;
}

interface Reach {
  cost: number;
  /** Bottleneck from the source to here. */
  forward: number;
  /** Bottleneck from here back to the source. */
  backward: number;
}

/** Dijkstra by cost (ties: wider forward bottleneck, then name), tracking bottlenecks both ways; a binary heap with lazy deletion. */
function shortestPaths(adj: Map<string, Arc[]>, source: string): Map<string, Reach> {
  type Entry = { v: string; r: Reach };
  const done = new Map<string, Reach>();
  const best = new Map<string, Reach>([[source, { cost: 0, forward: Infinity, backward: Infinity }]]);
  const heap: Entry[] = [{ v: source, r: best.get(source) as Reach }];
  const before = (a: Entry, b: Entry): boolean =>
    a.r.cost < b.r.cost || (a.r.cost === b.r.cost && (a.r.forward > b.r.forward || (a.r.forward === b.r.forward && a.v < b.v)));
  const push = (x: Entry): void => {
    let i = heap.length;
    heap.push(x);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(x, heap[p] as Entry)) break;
      heap[i] = heap[p] as Entry;
      i = p;
    }
    heap[i] = x;
  };
  const pop = (): Entry => {
    const top = heap[0] as Entry;
    const last = heap.pop() as Entry;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) break;
        const r = l + 1;
        const c = r < heap.length && before(heap[r] as Entry, heap[l] as Entry) ? r : l;
        if (!before(heap[c] as Entry, last)) break;
        heap[i] = heap[c] as Entry;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  };
  while (heap.length > 0) {
    const { v, r } = pop();
    if (done.has(v) || best.get(v) !== r) continue;
    done.set(v, r);
    for (const arc of adj.get(v) ?? []) {
      if (done.has(arc.to)) continue;
      const cand: Reach = {
        cost: r.cost + arc.cost,
        forward: Math.min(r.forward, arc.forwardMbps),
        backward: Math.min(r.backward, arc.backwardMbps),
      };
      const cur = best.get(arc.to);
      if (!cur || cand.cost < cur.cost || (cand.cost === cur.cost && cand.forward > cur.forward)) {
        best.set(arc.to, cand);
        push({ v: arc.to, r: cand });
      }
    }
  }
  return done;
}
