import fc from 'fast-check';
import { dijkstra } from 'graphology-shortest-path';
import { plan, PlanningGraph, type PlanChord, type PlanTrunk } from '@dpb/planner';
import { endpoint, mesh, trunk } from './planner-fixtures';

/** Runs per property (DPB_SEARCH_RUNS for a longer local check; DPB_SEARCH_SEED to replay or vary). */
const RUNS = Number(process.env.DPB_SEARCH_RUNS ?? 300);
const SEED = process.env.DPB_SEARCH_SEED === undefined ? {} : { seed: Number(process.env.DPB_SEARCH_SEED) };

/**
 * The searches behind the tree growth (two searches meeting in the middle,
 * switches' chord meshes expanded lazily, offers into a mesh pruned) must
 * find least-cost paths. Random networks of switches with 1-3 trunk ends and
 * a host each; chords cheap next to trunks (so a least-cost path never
 * leaves a switch and comes back, which the piece rule would forbid), some
 * switches' meshes uniform (expanded lazily), some with a different cost per
 * chord or a chord missing (scanned chord by chord), some trunks too narrow
 * one way. For two hosts, the plan's cost must equal graphology's shortest
 * path over the trunks wide enough.
 */
const network = fc
  .record({
    switches: fc.integer({ min: 2, max: 7 }),
    // near-equal trunk costs, so that paths tie or differ by less than a chord
    trunks: fc.array(fc.record({ a: fc.nat(), b: fc.nat(), cost: fc.constantFrom(1, 1.05, 1.1, 1.2, 1.5, 2), share: fc.nat(), narrow: fc.nat() }), {
      minLength: 1,
      maxLength: 12,
    }),
    meshKind: fc.array(fc.constantFrom('uniform', 'varied', 'partial'), { minLength: 7, maxLength: 7 }),
    chordCost: fc.array(fc.integer({ min: 1, max: 150 }), { minLength: 7, maxLength: 7 }),
    pair: fc.tuple(fc.nat(), fc.nat()),
  })
  .map(({ switches, trunks, meshKind, chordCost, pair }) => {
    const ends = new Map<number, string[]>([...Array(switches).keys()].map((s) => [s, ['host']]));
    const list: PlanTrunk[] = [];
    trunks.forEach((t, i) => {
      const a = t.a % switches;
      const b = t.b % switches;
      if (a === b || ends.get(a)!.length > 3 || ends.get(b)!.length > 3) return;
      // now and then a trunk shares its start terminal with an earlier trunk (a path may then pass a switch without a chord)
      const shared = t.share % 3 === 0 ? ends.get(a)!.slice(1)[0] : undefined;
      const at = shared ?? `t${i}`;
      if (!shared) ends.get(a)!.push(at);
      ends.get(b)!.push(`t${i}`);
      // now and then a trunk too narrow one way for the request (1 Mbit/s each way): both searches must skip it
      list.push(trunk(i + 1, `s${a}:${at}`, `s${b}:t${i}`, t.narrow % 5 === 0 ? 0.5 : 1000, t.narrow % 5 === 1 ? 0.5 : 1000, t.cost));
    });
    const chords: PlanChord[] = [];
    for (const [s, names] of ends) {
      const c = chordCost[s]! / 1000;
      const m = mesh(`s${s}`, names, Infinity, c);
      if (meshKind[s] === 'varied') m.forEach((x, i) => (x.cost = c + i / 1000));
      if (meshKind[s] === 'partial' && m.length > 2) m.splice(1, 1); // still connected: a triangle or more minus one chord
      chords.push(...m);
    }
    const a = pair[0] % switches;
    let b = pair[1] % switches;
    if (a === b) b = (b + 1) % switches;
    return { trunks: list, chords, endpoints: [endpoint(`s${a}:host`, 1, 1), endpoint(`s${b}:host`, 1, 1)] };
  });

describe('planner searches', () => {
  it('find a least-cost path that crosses a switch (a uniform mesh) between the vertices where the two searches reach it', () => {
    // s0:host ~0.14~ s0:t0 -1.1- s1:t0 ~0.123~ s1:t4 costs 1.363; by trunk 3 (s0:t4 - s1:t4, 1.2) it is 1.48. The forward
    // search settles s1:t0 and the backward one starts at s1:t4 before either expands s1's mesh (all chords of one cost,
    // expanded lazily): the chord between them is a meeting of its own, or the searches stop on the 1.48 path.
    const s0 = mesh('s0', ['host', 't0', 't4'], Infinity, 0.14).filter((c) => !(c.from === 'host' && c.to === 't4'));
    const input = {
      trunks: [trunk(1, 's0:t0', 's1:t0', 1000, 1000, 1.1), trunk(2, 's0:t0', 's1:t3', 1000, 1000, 1.5), trunk(3, 's0:t4', 's1:t4', 1000, 1000, 1.2)],
      chords: [...s0, ...mesh('s1', ['host', 't0', 't3', 't4'], Infinity, 0.123)],
      endpoints: [endpoint('s0:host', 1, 1), endpoint('s1:t4', 1, 1)],
    };
    const r = plan(input);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.plan.cost).toBeCloseTo(1.363, 9);
    expect(r.plan.trunks.map((t) => t.id)).toEqual([1]);
    expect(r.plan.chords.map((c) => `${c.network}:${c.from}-${c.to}`).sort()).toEqual(['s0:host-t0', 's1:t0-t4']);
  });

  it('join two hosts along a least-cost path over wide enough edges (graphology oracle), or fail with the right reason', () => {
    fc.assert(
      fc.property(network, (input) => {
        const all = new PlanningGraph(input).toGraphology();
        const [a, b] = input.endpoints.map((e) => `${e.network}:${e.terminal}`) as [string, string];
        const r = plan(input);
        if (!all.hasNode(a) || !all.hasNode(b)) return;
        const byCost = (_e: string, x: { cost: number }): number => x.cost;
        const g = all.copy();
        g.filterEdges((_e, x) => Math.min(x.upstreamMbps, x.downstreamMbps) < 1).forEach((e) => g.dropEdge(e));
        const path = dijkstra.bidirectional(g, a, b, byCost);
        if (!path) {
          expect(r.ok ? 'ok' : r.failure.reason).toBe(dijkstra.bidirectional(all, a, b, byCost) ? 'insufficient-capacity' : 'unreachable');
          return;
        }
        let length = 0;
        for (let i = 1; i < path.length; i++) length += Math.min(...g.edges(path[i - 1]!, path[i]!).map((e) => g.getEdgeAttribute(e, 'cost')));
        expect(r.ok).toBe(true);
        expect(r.ok && r.plan.cost).toBeCloseTo(length, 9);
      }),
      { numRuns: RUNS, ...SEED },
    );
  });

  it('a kept graph plans many requests in a row exactly as fresh graphs do', () => {
    fc.assert(
      fc.property(network, fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 2, maxLength: 6 }), (input, pairs) => {
        const kept = new PlanningGraph(input);
        const hosts = [...new Set(input.chords.map((c) => c.network))].sort();
        for (const [i, j] of pairs) {
          const a = hosts[i % hosts.length]!;
          const b = hosts[j % hosts.length]!;
          if (a === b) continue;
          const endpoints = [endpoint(`${a}:host`, 1, 1), endpoint(`${b}:host`, 1, 1)];
          expect(kept.plan(endpoints)).toEqual(new PlanningGraph(input).plan(endpoints));
        }
      }),
      { numRuns: Math.ceil(RUNS / 3), ...SEED },
    );
  });
});
