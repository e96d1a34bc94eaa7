import { flowsByTerminal, isBrokerError, sanitizeRequest } from '@dpb/model';
import { plan, type PlanInput, type PlanResult } from '@dpb/planner';
import { endpoint, mesh, shuffled, trunk } from './planner-fixtures';

function ok(result: PlanResult) {
  if (!result.ok) throw new Error(`expected a plan, got ${JSON.stringify(result.failure)}`);
  return result.plan;
}

/**
 * The INITIATE star of dpb-core.md §3.4: hub slough, spokes lancs, bristol,
 * kcl, edin; each switch has a `vms` terminal and full-mesh chords.
 */
function initiate(): Omit<PlanInput, 'endpoints'> {
  const spokes = ['lancs', 'bristol', 'kcl', 'edin'];
  const capacity: Record<string, number> = { lancs: 1024, bristol: 9216, kcl: 9216, edin: 1024 };
  return {
    trunks: spokes.map((s, i) => trunk(i + 1, `slough:to-${s}`, `${s}:to-slough`, capacity[s]!)),
    chords: [
      ...mesh('slough', ['vms', ...spokes.map((s) => `to-${s}`)]),
      ...spokes.flatMap((s) => mesh(s, ['vms', 'to-slough'])),
    ],
  };
}

/** Endpoints as the aggregator computes them: sanitise, then sum per inner terminal. */
function initiateEndpoints() {
  const outerToInner: Record<string, string> = {
    'lancs-vms': 'lancs:vms',
    'bristol-vms': 'bristol:vms',
    'slough-vms': 'slough:vms',
  };
  const request = sanitizeRequest({
    circuits: [
      { terminal: 'lancs-vms', label: 1234, ingressMbps: 100 },
      { terminal: 'bristol-vms', label: 1234, ingressMbps: 100 },
      { terminal: 'slough-vms', label: 2222, ingressMbps: 100 },
      { terminal: 'slough-vms', label: 2223, ingressMbps: 100 },
    ],
  });
  return [...flowsByTerminal(request)].map(([outer, f]) => endpoint(outerToInner[outer]!, f.ingressMbps, f.egressMbps));
}

describe('plan: the worked example of dpb-core §3.4', () => {
  const input: PlanInput = { ...initiate(), endpoints: initiateEndpoints() };

  it('sums slough.vms circuits into one endpoint and egress sanitises to 300 each', () => {
    const slough = input.endpoints.find((e) => e.network === 'slough')!;
    expect(slough).toMatchObject({ ingressMbps: 200, egressMbps: 600 });
    expect(input.endpoints.find((e) => e.network === 'lancs')).toMatchObject({ ingressMbps: 100, egressMbps: 300 });
  });

  it('puts 300 upstream (slough→lancs) and 100 downstream on the slough-lancs trunk', () => {
    const p = ok(plan(input));
    expect(p.trunks).toEqual([
      { id: 1, upstreamMbps: 300, downstreamMbps: 100 },
      { id: 2, upstreamMbps: 300, downstreamMbps: 100 },
    ]);
    expect(p.attempts).toBe(1);
    expect(p.pieces).toEqual([
      { network: 'bristol', index: 0, terminals: ['to-slough', 'vms'] },
      { network: 'lancs', index: 0, terminals: ['to-slough', 'vms'] },
      { network: 'slough', index: 0, terminals: ['to-bristol', 'to-lancs', 'vms'] },
    ]);
    // Each spoke joins vms to its trunk by one chord; inside slough two chords join vms and the two trunk ends.
    expect(p.chords.filter((c) => c.network !== 'slough').map((c) => `${c.network}:${c.from}-${c.to}`)).toEqual([
      'bristol:to-slough-vms',
      'lancs:to-slough-vms',
    ]);
    const inSlough = p.chords.filter((c) => c.network === 'slough');
    expect(inSlough).toHaveLength(2);
    expect(new Set(inSlough.flatMap((c) => [c.from, c.to]))).toEqual(new Set(['vms', 'to-lancs', 'to-bristol']));
    const lancsChord = p.chords.find((c) => c.network === 'lancs')!;
    // from to-slough to vms: 300 into lancs, 100 out of it.
    expect(lancsChord).toMatchObject({ from: 'to-slough', to: 'vms', upstreamMbps: 300, downstreamMbps: 100 });
    expect(p.cost).toBeCloseTo(2 + 4 * 0.001, 9);
  });
});

describe('plan: table of small cases', () => {
  const line = {
    trunks: [trunk(1, 'a:east', 'b:west', 100), trunk(2, 'b:east', 'c:west', 100)],
    chords: [...mesh('a', ['vms', 'east']), ...mesh('b', ['west', 'east', 'vms']), ...mesh('c', ['west', 'vms'])],
  };
  const cases: { name: string; input: PlanInput; expect: (r: PlanResult) => void }[] = [
    {
      name: 'a line of three switches, ends joined through the middle',
      input: { ...line, endpoints: [endpoint('a:vms', 10, 10), endpoint('c:vms', 10, 10)] },
      expect: (r) => {
        const p = ok(r);
        expect(p.trunks).toEqual([
          { id: 1, upstreamMbps: 10, downstreamMbps: 10 },
          { id: 2, upstreamMbps: 10, downstreamMbps: 10 },
        ]);
        expect(p.pieces.map((x) => [x.network, x.terminals])).toEqual([
          ['a', ['east', 'vms']],
          ['b', ['east', 'west']],
          ['c', ['vms', 'west']],
        ]);
      },
    },
    {
      name: 'a single endpoint vertex (two circuits on one terminal) needs no edge',
      input: { ...line, endpoints: [endpoint('b:vms', 20, 20)] },
      expect: (r) =>
        expect(ok(r)).toEqual({
          trunks: [],
          chords: [],
          pieces: [{ network: 'b', index: 0, terminals: ['vms'] }],
          cost: 0,
          attempts: 1,
        }),
    },
    {
      name: 'a single endpoint on a terminal in no edge is a piece of its own',
      input: { ...line, endpoints: [endpoint('b:aaa', 20, 20)] },
      expect: (r) => expect(ok(r).pieces).toEqual([{ network: 'b', index: 0, terminals: ['aaa'] }]),
    },
    {
      name: 'an endpoint in no edge is unreachable, and is named',
      input: { ...line, endpoints: [endpoint('a:vms', 1, 1), endpoint('c:vms', 1, 1), endpoint('d:vms', 1, 1)] },
      expect: (r) =>
        expect(r).toEqual({ ok: false, failure: { reason: 'unreachable', unreachable: [{ network: 'd', terminal: 'vms' }] } }),
    },
    {
      name: 'endpoints in two disconnected parts are unreachable even with ample capacity',
      input: {
        trunks: [trunk(1, 'a:x', 'b:x', 1000)],
        chords: [...mesh('a', ['x', 'vms']), ...mesh('c', ['x', 'vms'])],
        endpoints: [endpoint('a:vms', 1, 1), endpoint('b:x', 1, 1), endpoint('c:vms', 1, 1)],
      },
      expect: (r) =>
        expect(r).toEqual({ ok: false, failure: { reason: 'unreachable', unreachable: [{ network: 'c', terminal: 'vms' }] } }),
    },
    {
      name: 'the cheaper of two parallel trunks is chosen; a full one is avoided',
      input: {
        trunks: [trunk(1, 'a:p1', 'b:p1', 100, 100, 1), trunk(2, 'a:p2', 'b:p2', 100, 100, 5), trunk(3, 'a:p3', 'b:p3', 0, 0, 0.5)],
        chords: [...mesh('a', ['vms', 'p1', 'p2', 'p3']), ...mesh('b', ['vms', 'p1', 'p2', 'p3'])],
        endpoints: [endpoint('a:vms', 50, 50), endpoint('b:vms', 50, 50)],
      },
      expect: (r) => expect(ok(r).trunks).toEqual([{ id: 1, upstreamMbps: 50, downstreamMbps: 50 }]),
    },
    {
      name: 'asymmetric flows: ingress-only and egress-only endpoints get per-direction demand',
      input: {
        trunks: [trunk(1, 'h:to-a', 'a:up', 1000), trunk(2, 'h:to-b', 'b:up', 1000), trunk(3, 'h:to-c', 'c:up', 1000)],
        chords: [...mesh('h', ['to-a', 'to-b', 'to-c']), ...mesh('a', ['up', 'vms']), ...mesh('b', ['up', 'vms']), ...mesh('c', ['up', 'vms'])],
        endpoints: [endpoint('a:vms', 100, 0), endpoint('b:vms', 0, 100), endpoint('c:vms', 0, 50)],
      },
      expect: (r) =>
        expect(ok(r).trunks).toEqual([
          // h→a: nothing is consumed at a; a→h: a's 100, all of it wanted beyond.
          { id: 1, upstreamMbps: 0, downstreamMbps: 100 },
          // h→b: min(100 produced beyond, 100 consumed at b).
          { id: 2, upstreamMbps: 100, downstreamMbps: 0 },
          // h→c: min(100, 50).
          { id: 3, upstreamMbps: 50, downstreamMbps: 0 },
        ]),
    },
    {
      name: 'a trunk short in one direction only is rejected for that direction',
      input: {
        trunks: [trunk(1, 'a:x', 'b:x', 100, 20)],
        chords: [...mesh('a', ['x', 'vms']), ...mesh('b', ['x', 'vms'])],
        endpoints: [endpoint('a:vms', 10, 50), endpoint('b:vms', 50, 10)],
      },
      expect: (r) =>
        expect(r).toEqual({
          ok: false,
          failure: {
            reason: 'insufficient-capacity',
            shortfalls: [{ trunk: 1, direction: 'downstream', requiredMbps: 50, availableMbps: 20 }],
          },
        }),
    },
    {
      name: 'demand within 1e-6 of capacity fits (floating-point dust)',
      input: {
        trunks: [trunk(1, 'a:x', 'b:x', 0.3)],
        chords: [...mesh('a', ['x', 'v1', 'v2']), ...mesh('b', ['x', 'vms'])],
        endpoints: [endpoint('a:v1', 0.1, 0), endpoint('a:v2', 0.2, 0), endpoint('b:vms', 0, 0.3)],
      },
      expect: (r) => expect(ok(r).trunks).toHaveLength(1),
    },
  ];
  it.each(cases)('$name', ({ input, expect: check }) => check(plan(input)));
});

describe('plan: fixed DPB defects', () => {
  it('[Q-8] a bridge trunk short of capacity is rejected and planning terminates', () => {
    // The bridge can carry the smallest flow (10) but not what the tree needs
    // across it (40 a→b), which made DPB pick it again for ever.
    const input: PlanInput = {
      trunks: [trunk(7, 'a:x', 'b:x', 30, 30)],
      chords: [...mesh('a', ['x', 'vms']), ...mesh('b', ['x', 'v1', 'v2'])],
      endpoints: [endpoint('a:vms', 100, 20), endpoint('b:v1', 10, 20), endpoint('b:v2', 10, 20)],
    };
    expect(plan(input)).toEqual({
      ok: false,
      failure: {
        reason: 'insufficient-capacity',
        shortfalls: [{ trunk: 7, direction: 'upstream', requiredMbps: 40, availableMbps: 30 }],
      },
    });
  });

  it('[Q-8] a bridge trunk below even the smallest flow is reported with the demand a tree would need', () => {
    const input: PlanInput = {
      trunks: [trunk(7, 'a:x', 'b:x', 5, 1000)],
      chords: [...mesh('a', ['x', 'vms']), ...mesh('b', ['x', 'vms'])],
      endpoints: [endpoint('a:vms', 100, 100), endpoint('b:vms', 100, 100)],
    };
    expect(plan(input)).toEqual({
      ok: false,
      failure: {
        reason: 'insufficient-capacity',
        shortfalls: [{ trunk: 7, direction: 'upstream', requiredMbps: 100, availableMbps: 5 }],
      },
    });
  });

  it('[Q-8] after dropping a short trunk the next tree is tried, and attempts are counted', () => {
    // Cheapest route a-b-c has a short b-c trunk; the dearer direct a-c trunk fits.
    const input: PlanInput = {
      trunks: [trunk(1, 'a:tb', 'b:ta', 1000, 1000, 1), trunk(2, 'b:tc', 'c:tb', 50, 50, 1), trunk(3, 'a:tc', 'c:ta', 1000, 1000, 10)],
      chords: [...mesh('a', ['vms', 'tb', 'tc']), ...mesh('b', ['vms', 'ta', 'tc']), ...mesh('c', ['vms', 'ta', 'tb'])],
      endpoints: [endpoint('a:vms', 100, 100), endpoint('b:vms', 10, 10), endpoint('c:vms', 100, 100)],
    };
    const p = ok(plan(input));
    expect(p.attempts).toBe(2);
    expect(p.trunks.map((t) => t.id)).toEqual([1, 3]);
  });

  it('[Q-9] endpoints all inside one switch need no trunk', () => {
    const input: PlanInput = {
      // The switch's only trunk is full, which made DPB skip modelling it.
      trunks: [trunk(1, 's:uplink', 'core:s', 0)],
      chords: [...mesh('s', ['a', 'b', 'c', 'uplink']), ...mesh('core', ['s', 'x'])],
      endpoints: [endpoint('s:a', 10, 20), endpoint('s:b', 10, 20), endpoint('s:c', 10, 20)],
    };
    const p = ok(plan(input));
    expect(p.trunks).toEqual([]);
    expect(p.pieces).toEqual([{ network: 's', index: 0, terminals: ['a', 'b', 'c'] }]);
    expect(p.chords).toHaveLength(2);
  });

  it('[Q-9] endpoints inside one switch with no trunks at all', () => {
    const p = ok(plan({ trunks: [], chords: mesh('s', ['a', 'b']), endpoints: [endpoint('s:a', 1, 1), endpoint('s:b', 1, 1)] }));
    expect(p.chords).toEqual([{ network: 's', from: 'a', to: 'b', upstreamMbps: 1, downstreamMbps: 1 }]);
  });

  it('[Q-9] two pieces of one network are never merged', () => {
    // Network n is fragmented: {a, p} and {q, z} have no chord between them.
    // m joins them; the tree passes n, m, n again, as three pieces.
    const input: PlanInput = {
      trunks: [trunk(1, 'n:p', 'm:x', 100), trunk(2, 'm:y', 'n:q', 100)],
      chords: [...mesh('n', ['a', 'p']), ...mesh('n', ['q', 'z']), ...mesh('m', ['x', 'y'])],
      endpoints: [endpoint('n:a', 5, 5), endpoint('n:z', 5, 5)],
    };
    const p = ok(plan(input));
    expect(p.pieces).toEqual([
      { network: 'm', index: 0, terminals: ['x', 'y'] },
      { network: 'n', index: 0, terminals: ['a', 'p'] },
      { network: 'n', index: 1, terminals: ['q', 'z'] },
    ]);
    expect(p.trunks.map((t) => t.id)).toEqual([1, 2]);
  });

  it('[Q-9] the tree never re-enters a piece it has reached, even when that is cheaper', () => {
    // Inside s, a-b is dear (10); going out to t and back would cost 2, but
    // would enter s twice, making a loop through s's single bridge.
    const input: PlanInput = {
      trunks: [trunk(1, 's:a', 't:x', 100), trunk(2, 't:y', 's:b', 100)],
      chords: [{ network: 's', from: 'a', to: 'b', cost: 10, upstreamMbps: 100, downstreamMbps: 100 }, ...mesh('t', ['x', 'y'])],
      endpoints: [endpoint('s:a', 5, 5), endpoint('s:b', 5, 5)],
    };
    const p = ok(plan(input));
    expect(p.trunks).toEqual([]);
    expect(p.chords).toEqual([{ network: 's', from: 'a', to: 'b', upstreamMbps: 5, downstreamMbps: 5 }]);
  });

  it('inner chord capacity is enforced: a thin chord is routed around', () => {
    // a:vms reaches trunk 1 only over a 5 Mbit/s chord; trunk 2 is dearer but its chord is wide.
    const input: PlanInput = {
      trunks: [trunk(1, 'a:t1', 'b:u1', 1000, 1000, 1), trunk(2, 'a:t2', 'b:u2', 1000, 1000, 5)],
      chords: [
        { network: 'a', from: 'vms', to: 't1', cost: 0.001, upstreamMbps: 5, downstreamMbps: 5 },
        { network: 'a', from: 'vms', to: 't2', cost: 0.001, upstreamMbps: Infinity, downstreamMbps: Infinity },
        ...mesh('b', ['u1', 'u2', 'vms']),
      ],
      endpoints: [endpoint('a:vms', 50, 50), endpoint('b:vms', 50, 50)],
    };
    expect(ok(plan(input)).trunks.map((t) => t.id)).toEqual([2]);
  });

  it('inner chord capacity is enforced: a short chord is named in the failure', () => {
    const input: PlanInput = {
      trunks: [trunk(1, 'a:t1', 'b:u1', 1000)],
      chords: [
        { network: 'a', from: 't1', to: 'vms', cost: 0.001, upstreamMbps: 80, downstreamMbps: 20 },
        ...mesh('a', ['v2', 'vms']).map((c) => ({ ...c, upstreamMbps: Infinity, downstreamMbps: Infinity })),
        ...mesh('b', ['u1', 'vms']),
      ],
      endpoints: [endpoint('a:vms', 40, 30), endpoint('a:v2', 0, 10), endpoint('b:vms', 30, 40)],
    };
    // a:vms → b needs min(40, 40) = 40 on to→from of the chord (20 there).
    expect(plan(input)).toEqual({
      ok: false,
      failure: {
        reason: 'insufficient-capacity',
        shortfalls: [{ chord: { network: 'a', from: 't1', to: 'vms' }, direction: 'downstream', requiredMbps: 40, availableMbps: 20 }],
      },
    });
  });

  it('non-determinism fixed: shuffled inputs give identical plans', () => {
    // A 4x4 grid of switches with equal costs everywhere: many equal-cost trees.
    const trunks = [];
    const chords = [];
    let id = 1;
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 4; c++) {
        const terms = ['vms'];
        if (c < 3) trunks.push(trunk(id++, `s${r}${c}:e`, `s${r}${c + 1}:w`, 100));
        if (r < 3) trunks.push(trunk(id++, `s${r}${c}:s`, `s${r + 1}${c}:n`, 100));
        if (c < 3) terms.push('e');
        if (c > 0) terms.push('w');
        if (r < 3) terms.push('s');
        if (r > 0) terms.push('n');
        chords.push(...mesh(`s${r}${c}`, terms));
      }
    }
    const endpoints = [endpoint('s00:vms', 10, 10), endpoint('s33:vms', 10, 10), endpoint('s03:vms', 10, 10), endpoint('s30:vms', 10, 10)];
    const reference = plan({ trunks, chords, endpoints });
    expect(reference.ok).toBe(true);
    for (let seed = 1; seed <= 20; seed++) {
      expect(plan({ trunks: shuffled(trunks, seed), chords: shuffled(chords, seed + 100), endpoints: shuffled(endpoints, seed + 200) })).toEqual(
        reference,
      );
    }
  });
});

describe('plan: bad input', () => {
  const base = { trunks: [trunk(1, 'a:x', 'b:x', 10)], chords: mesh('a', ['x', 'vms']) };
  const cases: { name: string; input: PlanInput; details: Record<string, unknown> }[] = [
    { name: 'no endpoints', input: { ...base, endpoints: [] }, details: { field: 'endpoints' } },
    {
      name: 'a duplicate endpoint',
      input: { ...base, endpoints: [endpoint('a:vms', 1, 1), endpoint('a:vms', 1, 1)] },
      details: { network: 'a', terminal: 'vms' },
    },
    {
      name: 'a negative ingress',
      input: { ...base, endpoints: [endpoint('a:vms', -1, 1)] },
      details: { network: 'a', terminal: 'vms', direction: 'ingress' },
    },
    {
      name: 'a duplicate trunk id',
      input: { ...base, trunks: [trunk(1, 'a:x', 'b:x', 10), trunk(1, 'a:y', 'b:y', 10)], endpoints: [endpoint('a:vms', 1, 1)] },
      details: { trunk: 1 },
    },
    {
      name: 'a negative trunk cost',
      input: { ...base, trunks: [trunk(3, 'a:x', 'b:x', 10, 10, -1)], endpoints: [endpoint('a:vms', 1, 1)] },
      details: { trunk: 3, field: 'trunks[0].cost' },
    },
    {
      name: 'a NaN chord capacity',
      input: { ...base, chords: [{ network: 'a', from: 'x', to: 'vms', cost: 1, upstreamMbps: NaN, downstreamMbps: 1 }], endpoints: [endpoint('a:vms', 1, 1)] },
      details: { network: 'a', from: 'x', to: 'vms', direction: 'upstream' },
    },
    {
      name: 'two chords for one pair',
      input: { ...base, chords: [...mesh('a', ['x', 'vms']), { network: 'a', from: 'x', to: 'vms', cost: 2, upstreamMbps: 1, downstreamMbps: 1 }], endpoints: [endpoint('a:vms', 1, 1)] },
      details: { network: 'a' },
    },
  ];
  it.each(cases)('rejects $name with INVALID_ARGUMENT naming it', ({ input, details }) => {
    let thrown: unknown;
    try {
      plan(input);
    } catch (e) {
      thrown = e;
    }
    expect(isBrokerError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ code: 'INVALID_ARGUMENT', details: expect.objectContaining(details) });
  });
});
