import fc from 'fast-check';
import { fits } from '@dpb/model';
import { plan, type PlanChord, type PlanEndpoint, type PlanInput, type PlanTrunk } from '@dpb/planner';
import {
  bruteForceFeasible,
  connected,
  formulaDemand,
  key,
  piecesOf,
  shuffled,
  treeEdges,
  treeProblem,
} from './planner-fixtures';

/**
 * Random small topologies: 2-3 networks of 1-3 terminals, partial chord
 * meshes, up to 5 trunks, 1-4 endpoints; capacities small enough that both
 * success and shortfall are common. At most 14 edges, so a brute force over
 * every edge subset can say whether any tree carries the request.
 */
const capacity = fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 60 }));
const arbitraryInput: fc.Arbitrary<PlanInput> = fc
  .record({
    sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 3 }),
    chordSeeds: fc.array(fc.record({ present: fc.boolean(), cost: fc.integer({ min: 1, max: 5 }), up: capacity, down: capacity }), {
      minLength: 9,
      maxLength: 9,
    }),
    trunkSeeds: fc.array(
      fc.record({
        a: fc.nat(),
        b: fc.nat(),
        cost: fc.integer({ min: 1, max: 10 }),
        up: fc.integer({ min: 0, max: 60 }),
        down: fc.integer({ min: 0, max: 60 }),
      }),
      { maxLength: 5 },
    ),
    endpointSeeds: fc.array(fc.record({ v: fc.nat(), ingress: fc.integer({ min: 0, max: 30 }), egress: fc.integer({ min: 0, max: 30 }) }), {
      minLength: 1,
      maxLength: 4,
    }),
  })
  .map(({ sizes, chordSeeds, trunkSeeds, endpointSeeds }) => {
    const vertices = sizes.flatMap((size, n) => Array.from({ length: size }, (_, t) => ({ network: `n${n}`, terminal: `t${t}` })));
    const chords: PlanChord[] = [];
    let seed = 0;
    sizes.forEach((size, n) => {
      for (let i = 0; i < size; i++) {
        for (let j = i + 1; j < size; j++) {
          const s = chordSeeds[seed++ % chordSeeds.length]!;
          if (s.present) chords.push({ network: `n${n}`, from: `t${i}`, to: `t${j}`, cost: s.cost, upstreamMbps: s.up, downstreamMbps: s.down });
        }
      }
    });
    const trunks: PlanTrunk[] = [];
    trunkSeeds.forEach((s, i) => {
      const a = vertices[s.a % vertices.length]!;
      const b = vertices[s.b % vertices.length]!;
      if (a.network === b.network) return;
      trunks.push({ id: 3 * i + 1, start: a, end: b, cost: s.cost, upstreamMbps: s.up, downstreamMbps: s.down });
    });
    const endpoints: PlanEndpoint[] = [];
    for (const s of endpointSeeds) {
      const v = vertices[s.v % vertices.length]!;
      if (!endpoints.some((e) => e.network === v.network && e.terminal === v.terminal)) {
        endpoints.push({ ...v, ingressMbps: s.ingress, egressMbps: s.egress });
      }
    }
    return { trunks, chords, endpoints };
  });

const RUNS = Number(process.env.DPB_PLANNER_RUNS ?? 400);

describe('plan: properties over random small topologies', () => {
  it('on success, the edges form a tree spanning every endpoint, and contracted by piece the trunks form a tree', () => {
    fc.assert(
      fc.property(arbitraryInput, (input) => {
        const r = plan(input);
        if (!r.ok) return;
        const edges = treeEdges(input, r.plan);
        expect(treeProblem(input.endpoints, edges, piecesOf(input))).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });

  it('on success, the pieces listed are exactly those the tree touches, with independently computed indexes', () => {
    fc.assert(
      fc.property(arbitraryInput, (input) => {
        const r = plan(input);
        if (!r.ok) return;
        const pieces = piecesOf(input);
        const expected = new Map<string, Set<string>>();
        const touch = (v: string): void => {
          const p = pieces.get(v)!;
          expected.set(p, (expected.get(p) ?? new Set()).add(v.split(':')[1]!));
        };
        input.endpoints.forEach((e) => touch(key(e.network, e.terminal)));
        for (const pt of r.plan.trunks) {
          const t = input.trunks.find((x) => x.id === pt.id)!;
          touch(key(t.start.network, t.start.terminal));
          touch(key(t.end.network, t.end.terminal));
        }
        const got = new Map(r.plan.pieces.map((p) => [`${p.network}#${p.index}`, new Set(p.terminals)]));
        expect(got).toEqual(expected);
        for (const p of r.plan.pieces) expect(p.terminals).toEqual([...p.terminals].sort());
      }),
      { numRuns: RUNS },
    );
  });

  it('on success, every trunk and chord demand fits its capacity both ways and equals min(ingress behind, egress beyond)', () => {
    fc.assert(
      fc.property(arbitraryInput, (input) => {
        const r = plan(input);
        if (!r.ok) return;
        const edges = treeEdges(input, r.plan);
        edges.forEach((e, i) => {
          expect(fits(e.upDemand, e.upCapacity) && fits(e.downDemand, e.downCapacity)).toBe(true);
          const f = formulaDemand(input.endpoints, edges, i);
          expect(e.upDemand).toBeCloseTo(f.up, 9);
          expect(e.downDemand).toBeCloseTo(f.down, 9);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('is deterministic: the same input, in any order, gives the same result', () => {
    fc.assert(
      fc.property(arbitraryInput, fc.integer(), (input, seed) => {
        const a = plan(input);
        expect(plan(input)).toEqual(a);
        const b = plan({
          trunks: shuffled(input.trunks, seed),
          chords: shuffled(input.chords, seed + 1),
          endpoints: shuffled(input.endpoints, seed + 2),
        });
        expect(b).toEqual(a);
      }),
      { numRuns: RUNS },
    );
  });

  it('agrees with brute force: connected requests are never unreachable, and nothing infeasible is accepted', () => {
    let feasible = 0;
    let rejectedFeasible = 0;
    fc.assert(
      fc.property(arbitraryInput, (input) => {
        const r = plan(input);
        const isConnected = connected(input);
        if (!isConnected) {
          expect(r.ok ? 'ok' : r.failure.reason).toBe('unreachable');
          return;
        }
        expect(r.ok ? 'ok' : r.failure.reason).not.toBe('unreachable');
        const canCarry = bruteForceFeasible(input);
        if (!canCarry) expect(r.ok).toBe(false);
        if (canCarry) {
          feasible++;
          if (!r.ok) rejectedFeasible++;
        }
        if (!r.ok && r.failure.reason === 'insufficient-capacity') {
          expect(r.failure.shortfalls.length).toBeGreaterThan(0);
          for (const s of r.failure.shortfalls) expect(fits(s.requiredMbps, s.availableMbps)).toBe(false);
        }
      }),
      { numRuns: RUNS, seed: Number(process.env.DPB_PLANNER_SEED ?? 20240601) },
    );
    // Heuristic admission gap (future work): with this fixed seed, the share of
    // requests that some tree could carry but the planner rejects. Measured
    // when written: see packages/planner/README.md. Kept as a loose bound so
    // a regression in the heuristic shows up.
    expect(feasible).toBeGreaterThan(50);
    expect(rejectedFeasible / feasible).toBeLessThan(0.1);
    // eslint-disable-next-line no-console
    if (process.env.DPB_PLANNER_STATS) console.log(`brute-force feasible ${feasible}, rejected by planner ${rejectedFeasible}`);
  });
});
