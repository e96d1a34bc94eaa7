import fc from 'fast-check';
import { fits, isBrokerError } from '@dpb/model';
import { DEFAULT_LOAD_WEIGHT, plan, PlanningGraph, type PlanTrunk } from '@dpb/planner';
import { bruteForceFeasible, endpoint, mesh, treeEdges, trunk } from './planner-fixtures';

/**
 * Load-aware routing (PlanningOptions.loadWeight) and the reuse of search
 * memory across plans.
 *
 * Two switches a and b joined by two parallel trunks (1 via p, 2 via q) of
 * equal cost: by cost alone the tie goes to trunk 1.
 */
function twoPaths(load1: Partial<PlanTrunk> = {}, load2: Partial<PlanTrunk> = {}): { trunks: PlanTrunk[]; chords: ReturnType<typeof mesh> } {
  return {
    trunks: [{ ...trunk(1, 'a:p', 'b:p', 1000, 1000, 5), ...load1 }, { ...trunk(2, 'a:q', 'b:q', 1000, 1000, 5), ...load2 }],
    chords: [...mesh('a', ['vms', 'p', 'q']), ...mesh('b', ['vms', 'p', 'q'])],
  };
}
const request = [endpoint('a:vms', 10, 10), endpoint('b:vms', 10, 10)];

function trunksOf(r: ReturnType<typeof plan>): number[] | string {
  return r.ok ? r.plan.trunks.map((t) => t.id) : r.failure.reason;
}

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('load-aware routing', () => {
  it('without load information, plans by cost alone (the tie goes to the lower trunk id)', () => {
    expect(trunksOf(plan({ ...twoPaths(), endpoints: request }))).toEqual([1]);
  });

  it('steers around a trunk whose labels are running out', () => {
    const input = twoPaths({ freeLabels: 10, labelCount: 300 }, { freeLabels: 290, labelCount: 300 });
    expect(trunksOf(plan({ ...input, endpoints: request }))).toEqual([2]);
  });

  it('steers around a trunk whose capacity is mostly held, in either direction', () => {
    for (const load1 of [{ upstreamMbps: 100, capacityUpstreamMbps: 1000 }, { downstreamMbps: 100, capacityDownstreamMbps: 1000 }]) {
      const input = twoPaths(load1, { capacityUpstreamMbps: 1000, capacityDownstreamMbps: 1000 });
      expect(trunksOf(plan({ ...input, endpoints: request }))).toEqual([2]);
    }
  });

  it('loadWeight 0 plans by cost alone even with load information', () => {
    const input = twoPaths({ freeLabels: 1, labelCount: 300 }, { freeLabels: 300, labelCount: 300 });
    expect(trunksOf(plan({ ...input, endpoints: request, options: { loadWeight: 0 } }))).toEqual([1]);
  });

  it('a trunk with no free label pair is never planned over', () => {
    const input = twoPaths({ freeLabels: 0, labelCount: 300 }, { freeLabels: 0, labelCount: 300 });
    expect(plan({ ...input, endpoints: request })).toEqual({ ok: false, failure: { reason: 'unreachable', unreachable: [{ network: 'b', terminal: 'vms' }] } });
    const graph = new PlanningGraph(twoPaths({ freeLabels: 5, labelCount: 300 }));
    graph.setTrunkState(1, { upstreamMbps: 1000, downstreamMbps: 1000, freeLabels: 0 });
    expect(trunksOf(graph.plan(request))).toEqual([2]);
    graph.setTrunkState(1, { upstreamMbps: 1000, downstreamMbps: 1000, freeLabels: 1 });
    expect(trunksOf(graph.plan(request))).toEqual([2]);
    graph.setTrunkState(1, { upstreamMbps: 1000, downstreamMbps: 1000, freeLabels: 300 });
    expect(trunksOf(graph.plan(request))).toEqual([1]);
  });

  it('a loaded trunk is still used when it is much cheaper than the way round', () => {
    const input = twoPaths({ freeLabels: 150, labelCount: 300 });
    input.trunks[1]!.cost = 5 * (1 + 3 * DEFAULT_LOAD_WEIGHT);
    expect(trunksOf(plan({ ...input, endpoints: request }))).toEqual([1]);
  });

  it('the plan cost adds up trunk costs, not load weights', () => {
    const input = twoPaths({ freeLabels: 10, labelCount: 300 }, { freeLabels: 10, labelCount: 300 });
    const r = plan({ ...input, endpoints: request });
    expect(r.ok && r.plan.cost).toBeCloseTo(5 + 2 * 0.001, 9);
  });

  it('setTrunkState moves new plans off a trunk as it fills, and back when it empties', () => {
    const graph = new PlanningGraph(twoPaths({ freeLabels: 300, labelCount: 300 }, { freeLabels: 300, labelCount: 300 }));
    expect(trunksOf(graph.plan(request))).toEqual([1]);
    graph.setTrunkState(1, { upstreamMbps: 1000, downstreamMbps: 1000, freeLabels: 20 });
    expect(trunksOf(graph.plan(request))).toEqual([2]);
    graph.setTrunkState(1, { upstreamMbps: 1000, downstreamMbps: 1000, freeLabels: 300 });
    expect(trunksOf(graph.plan(request))).toEqual([1]);
    // capacity alone keeps the label count last given
    graph.setTrunkCapacity(1, 1000, 1000);
    expect(trunksOf(graph.plan(request))).toEqual([1]);
  });

  it('rejects bad load fields with INVALID_ARGUMENT naming the trunk and field, and changes nothing', () => {
    for (const bad of [{ freeLabels: -1 }, { freeLabels: 1.5 }, { labelCount: NaN }, { capacityUpstreamMbps: -3 }, { freeLabels: 301, labelCount: 300 }]) {
      const e = caught(() => plan({ ...twoPaths(bad), endpoints: request }));
      expect(isBrokerError(e)).toBe(true);
      expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', details: { kind: 'trunk', trunk: 1 } });
      expect(String((e as { details: { field: string } }).details.field)).toMatch(/^trunks\[\d\]\.(freeLabels|labelCount|capacityUpstreamMbps)$/);
    }
    const graph = new PlanningGraph(twoPaths({ freeLabels: 300, labelCount: 300 }));
    const before = graph.plan(request);
    for (const state of [
      { upstreamMbps: 1000, downstreamMbps: 1000, freeLabels: 301 },
      { upstreamMbps: 1000, downstreamMbps: 1000, freeLabels: -2 },
      { upstreamMbps: -1, downstreamMbps: 1000 },
    ]) {
      expect(caught(() => graph.setTrunkState(1, state))).toMatchObject({ code: 'INVALID_ARGUMENT', details: { trunk: 1 } });
    }
    expect(caught(() => graph.setTrunkState(7, { upstreamMbps: 1, downstreamMbps: 1 }))).toMatchObject({ code: 'NOT_FOUND', details: { trunk: 7 } });
    expect(graph.plan(request)).toEqual(before);
  });

  it('rejects a negative or non-finite loadWeight naming the option', () => {
    for (const loadWeight of [-1, NaN, Infinity]) {
      expect(caught(() => new PlanningGraph(twoPaths(), { loadWeight }))).toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'loadWeight' } });
    }
  });
});

/** Random trunks over 4 switches with random load fields; 2-4 endpoints. */
const loaded = fc
  .record({
    trunks: fc.array(
      fc.record({
        a: fc.integer({ min: 0, max: 3 }),
        b: fc.integer({ min: 0, max: 3 }),
        cost: fc.integer({ min: 1, max: 9 }),
        up: fc.integer({ min: 0, max: 60 }),
        down: fc.integer({ min: 0, max: 60 }),
        total: fc.integer({ min: 60, max: 100 }),
        labels: fc.integer({ min: 1, max: 10 }),
        free: fc.integer({ min: 0, max: 10 }),
      }),
      { maxLength: 6 },
    ),
    endpoints: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 2, maxLength: 4 }),
    flow: fc.integer({ min: 1, max: 30 }),
    loadWeight: fc.constantFrom(0, 0.5, 2, 10),
  })
  .map(({ trunks, endpoints, flow, loadWeight }) => {
    const ends = new Map<number, string[]>([0, 1, 2, 3].map((s) => [s, ['vms']]));
    const list: PlanTrunk[] = [];
    trunks.forEach((t, i) => {
      if (t.a === t.b) return;
      ends.get(t.a)!.push(`t${i}`);
      ends.get(t.b)!.push(`t${i}`);
      list.push({
        ...trunk(i + 1, `s${t.a}:t${i}`, `s${t.b}:t${i}`, t.up, t.down, t.cost),
        capacityUpstreamMbps: t.total,
        capacityDownstreamMbps: t.total,
        labelCount: t.labels,
        freeLabels: Math.min(t.free, t.labels),
      });
    });
    return {
      trunks: list,
      chords: [...ends].flatMap(([s, names]) => mesh(`s${s}`, names)),
      endpoints: endpoints.map((s) => endpoint(`s${s}:vms`, flow, flow)),
      options: { loadWeight },
    };
  });

/** At most 3 switches and 3 trunks (so brute force can enumerate the trees), every trunk with a free label. */
const small = fc
  .record({
    trunks: fc.array(
      fc.record({
        a: fc.integer({ min: 0, max: 2 }),
        b: fc.integer({ min: 0, max: 2 }),
        cost: fc.integer({ min: 1, max: 9 }),
        up: fc.integer({ min: 0, max: 60 }),
        down: fc.integer({ min: 0, max: 60 }),
        used: fc.integer({ min: 0, max: 100 }),
        free: fc.integer({ min: 1, max: 10 }),
      }),
      { maxLength: 3 },
    ),
    endpoints: fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { minLength: 2, maxLength: 3 }),
    flow: fc.integer({ min: 1, max: 30 }),
    loadWeight: fc.constantFrom(0.5, 2, 10),
  })
  .map(({ trunks, endpoints, flow, loadWeight }) => {
    const ends = new Map<number, string[]>([0, 1, 2].map((s) => [s, ['vms']]));
    const list: PlanTrunk[] = [];
    trunks.forEach((t, i) => {
      if (t.a === t.b) return;
      ends.get(t.a)!.push(`t${i}`);
      ends.get(t.b)!.push(`t${i}`);
      list.push({
        ...trunk(i + 1, `s${t.a}:t${i}`, `s${t.b}:t${i}`, t.up, t.down, t.cost),
        capacityUpstreamMbps: t.up + t.used,
        capacityDownstreamMbps: t.down + t.used,
        labelCount: 10,
        freeLabels: t.free,
      });
    });
    return {
      trunks: list,
      chords: [...ends].flatMap(([s, names]) => mesh(`s${s}`, names)),
      endpoints: endpoints.map((s) => endpoint(`s${s}:vms`, flow, flow)),
      options: { loadWeight },
    };
  });

describe('load-aware routing: properties', () => {
  it('never accepts a plan that oversubscribes a trunk', () => {
    fc.assert(
      fc.property(loaded, (input) => {
        const r = plan(input);
        if (!r.ok) return;
        for (const e of treeEdges(input, r.plan)) expect(fits(e.upDemand, e.upCapacity) && fits(e.downDemand, e.downCapacity)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('rarely rejects what some tree could carry (load weights change the tree tried first, not what is feasible)', () => {
    let feasible = 0;
    let rejected = 0;
    fc.assert(
      fc.property(small, (input) => {
        fc.pre(input.trunks.length + input.chords.length <= 14); // what brute force enumerates
        const r = plan(input);
        if (!bruteForceFeasible(input)) {
          expect(r.ok).toBe(false);
          return;
        }
        feasible++;
        if (!r.ok) rejected++;
      }),
      { numRuns: 400, seed: 20261121 },
    );
    expect(feasible).toBeGreaterThan(50);
    expect(rejected / feasible).toBeLessThan(0.05);
  });

  it('planning on a kept graph gives what a fresh graph gives, whatever was planned before (search memory is reset)', () => {
    fc.assert(
      fc.property(fc.array(loaded, { minLength: 2, maxLength: 4 }), (inputs) => {
        const base = inputs[0]!;
        const graph = new PlanningGraph(base, base.options);
        for (const other of inputs) {
          const endpoints = other.endpoints;
          expect(graph.plan(endpoints)).toEqual(new PlanningGraph(base, base.options).plan(endpoints));
        }
      }),
      { numRuns: 200 },
    );
  });
});
