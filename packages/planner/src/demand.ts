import { type GraphIndex, incidentEdges } from './build-graph';
import { otherEnd } from './dijkstra';

/** Demand on one tree edge, in the edge's own orientation. */
export interface EdgeDemand {
  edge: number;
  /** U→V: trunk start→end, chord from→to. */
  upstreamMbps: number;
  /** V→U. */
  downstreamMbps: number;
}

/**
 * Directional demand on every edge of a tree. Removing edge (a, b) splits
 * the endpoints in two; the flow a→b is min(Σ ingress on a's side, Σ egress
 * on b's side), and b→a likewise: no more can be sent than is produced
 * behind the edge, nor more than is consumed beyond it.
 *
 * @param ingress ingress of each endpoint vertex (other vertices produce nothing)
 * @param egress egress of each endpoint vertex
 * @returns one demand per tree edge, in the order of `edges`
 */
export function computeDemand(
  g: GraphIndex,
  edges: readonly number[],
  root: number,
  ingress: ReadonlyMap<number, number>,
  egress: ReadonlyMap<number, number>,
): EdgeDemand[] {
  const incident = incidentEdges(g, edges);
  let totalIn = 0;
  let totalEg = 0;
  for (const x of ingress.values()) totalIn += x;
  for (const x of egress.values()) totalEg += x;

  // Depth-first order from the root, with each vertex's parent edge.
  const order: number[] = [root];
  const parentEdge = new Map<number, number>([[root, -1]]);
  for (let i = 0; i < order.length; i++) {
    const v = order[i]!;
    for (const e of incident.get(v) ?? []) {
      if (e === parentEdge.get(v)) continue;
      const w = otherEnd(g, e, v);
      if (parentEdge.has(w)) continue;
      parentEdge.set(w, e);
      order.push(w);
    }
  }
  // Sums below each vertex, children first.
  const subIn = new Map<number, number>();
  const subEg = new Map<number, number>();
  for (const v of order) {
    subIn.set(v, ingress.get(v) ?? 0);
    subEg.set(v, egress.get(v) ?? 0);
  }
  const byEdge = new Map<number, EdgeDemand>();
  for (let i = order.length - 1; i > 0; i--) {
    const c = order[i]!;
    const e = parentEdge.get(c)!;
    const p = otherEnd(g, e, c);
    const inC = subIn.get(c)!;
    const egC = subEg.get(c)!;
    subIn.set(p, subIn.get(p)! + inC);
    subEg.set(p, subEg.get(p)! + egC);
    const childToParent = Math.max(0, Math.min(inC, totalEg - egC));
    const parentToChild = Math.max(0, Math.min(totalIn - inC, egC));
    const childIsU = g.edgeU[e] === c;
    byEdge.set(e, {
      edge: e,
      upstreamMbps: childIsU ? childToParent : parentToChild,
      downstreamMbps: childIsU ? parentToChild : childToParent,
    });
  }
  return edges.map((e) => byEdge.get(e)!);
}
