import { dijkstra } from 'graphology-shortest-path';
import { isBrokerError } from '@dpb/model';
import { PlanningGraph, type PlanTrunk } from '@dpb/planner';
import { endpoint, mesh, trunk } from './planner-fixtures';

/** A ring of 12 switches with chords across: every switch has `vms` plus its trunk ends. */
function ring(): { trunks: PlanTrunk[]; chords: ReturnType<typeof mesh> } {
  const n = 12;
  const trunks: PlanTrunk[] = [];
  const ends = new Map<number, string[]>();
  const add = (id: number, a: number, b: number, cost: number): void => {
    trunks.push(trunk(id, `s${a}:to${b}`, `s${b}:to${a}`, 1000, 1000, cost));
    ends.set(a, [...(ends.get(a) ?? []), `to${b}`]);
    ends.set(b, [...(ends.get(b) ?? []), `to${a}`]);
  };
  for (let i = 0; i < n; i++) add(i + 1, i, (i + 1) % n, 1 + ((i * 7) % 5));
  add(100, 0, 6, 9);
  add(101, 3, 9, 2);
  const chords = [...ends].flatMap(([s, list]) => mesh(`s${s}`, ['vms', ...list]));
  return { trunks, chords };
}

describe('PlanningGraph', () => {
  it('plans two endpoints along the shortest path graphology finds', () => {
    const graph = new PlanningGraph(ring());
    const g = graph.toGraphology();
    const weight = (_e: string, a: { cost: number }): number => a.cost;
    for (let a = 0; a < 12; a++) {
      for (let b = a + 1; b < 12; b++) {
        const path = dijkstra.bidirectional(g, `s${a}:vms`, `s${b}:vms`, weight);
        let length = 0;
        for (let i = 1; i < path.length; i++) {
          length += Math.min(...g.edges(path[i - 1]!, path[i]!).map((e) => g.getEdgeAttribute(e, 'cost')));
        }
        const r = graph.plan([endpoint(`s${a}:vms`, 1, 1), endpoint(`s${b}:vms`, 1, 1)]);
        expect(r.ok && r.plan.cost).toBeCloseTo(length, 9);
      }
    }
  });

  it('exposes pieces and edges in its graphology copy', () => {
    const g = new PlanningGraph({ trunks: [trunk(4, 'a:x', 'b:x', 10, 20, 3)], chords: mesh('a', ['x', 'y']) }).toGraphology();
    expect(g.order).toBe(3);
    expect(g.getEdgeAttributes('trunk:4')).toEqual({ kind: 'trunk', trunk: 4, cost: 3, upstreamMbps: 10, downstreamMbps: 20 });
    expect(g.hasEdge('chord:a:x:y')).toBe(true);
  });

  it('uses updated trunk capacities and never changes the graph while planning', () => {
    const graph = new PlanningGraph({
      trunks: [trunk(1, 'a:p', 'b:p', 100, 100, 1), trunk(2, 'a:q', 'b:q', 100, 100, 2)],
      chords: [...mesh('a', ['vms', 'p', 'q']), ...mesh('b', ['vms', 'p', 'q'])],
    });
    const endpoints = [endpoint('a:vms', 60, 60), endpoint('b:vms', 60, 60)];
    const first = graph.plan(endpoints);
    expect(first.ok && first.plan.trunks.map((t) => t.id)).toEqual([1]);
    graph.setTrunkCapacity(1, 40, 100);
    const second = graph.plan(endpoints);
    expect(second.ok && second.plan.trunks.map((t) => t.id)).toEqual([2]);
    graph.setTrunkCapacity(2, 0, 0);
    expect(graph.plan(endpoints)).toMatchObject({ ok: false, failure: { reason: 'insufficient-capacity' } });
    graph.setTrunkCapacity(1, 100, 100);
    expect(graph.plan(endpoints)).toEqual(first);
  });

  it('rejects an unknown trunk with NOT_FOUND naming it', () => {
    const graph = new PlanningGraph({ trunks: [], chords: [] });
    let thrown: unknown;
    try {
      graph.setTrunkCapacity(9, 1, 1);
    } catch (e) {
      thrown = e;
    }
    expect(isBrokerError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ code: 'NOT_FOUND', details: { kind: 'trunk', trunk: 9 } });
  });
});
