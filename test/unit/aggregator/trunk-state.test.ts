import * as fc from 'fast-check';
import { isBrokerError, type LabelRange, type TrunkRecord } from '@dpb/model';
import { TrunkState } from '@dpb/aggregator';

function trunk(labelRanges: LabelRange[]): TrunkRecord {
  return {
    id: 7,
    start: { network: 'a', terminal: 'up' },
    end: { network: 'b', terminal: 'up' },
    upstreamMbps: 1000,
    downstreamMbps: 1000,
    cost: 1,
    commissioned: true,
    labelRanges,
  };
}

function codeOf(f: () => unknown): { code: string; details: Record<string, unknown> } | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (!isBrokerError(e)) throw e;
    return { code: e.code, details: e.details };
  }
}

/** Disjoint ranges (on both sides) with gaps, built from random sizes. */
const rangesArb = fc
  .array(fc.record({ gap: fc.integer({ min: 0, max: 5 }), count: fc.integer({ min: 1, max: 6 }), shift: fc.integer({ min: 0, max: 3 }) }), {
    minLength: 1,
    maxLength: 5,
  })
  .map((parts) => {
    let s = 10;
    return parts.map((p) => {
      s += p.gap;
      // the end side runs in the opposite order, so byStart and byEnd differ
      const r = { startBase: s, count: p.count, endBase: 5000 - s - p.count - p.shift * 100 };
      s += p.count;
      return r;
    });
  });

describe('TrunkState (label ranges kept as ranges)', () => {
  test('a trunk of 3,996 pairs counts, translates and allocates lowest first', () => {
    const t = new TrunkState(trunk([{ startBase: 100, count: 3996, endBase: 100 }]));
    expect(t.labelCount).toBe(3996);
    expect(t.freeLabels).toBe(3996);
    expect(t.lowestFreePair()).toEqual({ startLabel: 100, endLabel: 100 });
    for (let i = 0; i < 3; i++) {
      const p = t.lowestFreePair() as { startLabel: number; endLabel: number };
      t.hold({ trunkId: 7, ...p, upstreamMbps: 1, downstreamMbps: 2, service: i + 1 });
    }
    expect(t.freeLabels).toBe(3993);
    expect(t.lowestFreePair()).toEqual({ startLabel: 103, endLabel: 103 });
    t.free(101, 2);
    expect(t.lowestFreePair()).toEqual({ startLabel: 101, endLabel: 101 });
    expect(t.info()).toMatchObject({ labelCount: 3996, labelsInUse: 2, allocated: { upstreamMbps: 2, downstreamMbps: 4 } });
  });

  test('holding an undefined or held pair is refused, naming the trunk and label', () => {
    const t = new TrunkState(trunk([{ startBase: 100, count: 2, endBase: 200 }]));
    expect(codeOf(() => t.hold({ trunkId: 7, startLabel: 100, endLabel: 201, upstreamMbps: 0, downstreamMbps: 0, service: 1 }))).toMatchObject({
      code: 'INTERNAL',
      details: { trunk: 7, label: 100 },
    });
    t.hold({ trunkId: 7, startLabel: 101, endLabel: 201, upstreamMbps: 0, downstreamMbps: 0, service: 1 });
    expect(codeOf(() => t.hold({ trunkId: 7, startLabel: 101, endLabel: 201, upstreamMbps: 0, downstreamMbps: 0, service: 2 }))).toMatchObject({
      code: 'BUSY',
      details: { trunk: 7, label: 101, service: 1 },
    });
    t.hold({ trunkId: 7, startLabel: 100, endLabel: 200, upstreamMbps: 0, downstreamMbps: 0, service: 2 });
    expect(t.lowestFreePair()).toBeUndefined();
    expect(t.usable).toBe(false);
  });

  test('withLabels names the first overlapping pair (start side first), as before', () => {
    const t = new TrunkState(trunk([{ startBase: 100, count: 10, endBase: 1100 }]));
    // start 105..109 overlap; end 1000..1004 do not
    expect(codeOf(() => t.withLabels({ startBase: 105, count: 5, endBase: 1000 }))).toMatchObject({ code: 'BUSY', details: { trunk: 7, label: 105 } });
    // end side overlaps from the third pair on: 1100 is the end of the pair 102/1100
    expect(codeOf(() => t.withLabels({ startBase: 300, count: 5, endBase: 1098 }))).toMatchObject({ code: 'BUSY', details: { trunk: 7, label: 1100 } });
    expect(t.withLabels({ startBase: 110, count: 5, endBase: 1110 }).labelRanges).toEqual([{ startBase: 100, count: 15, endBase: 1100 }]);
  });

  test('ranges, translation, revocation and lowest-free allocation agree with a pair-by-pair model', () => {
    fc.assert(
      fc.property(
        rangesArb,
        fc.array(fc.oneof(fc.record({ op: fc.constant('hold' as const) }), fc.record({ op: fc.constant('free' as const), k: fc.nat(40) })), {
          maxLength: 60,
        }),
        fc.integer({ min: 0, max: 60 }),
        (ranges, ops, probe) => {
          const t = new TrunkState(trunk(ranges));
          const pairs = new Map<number, number>();
          for (const r of ranges) for (let i = 0; i < r.count; i++) pairs.set(r.startBase + i, r.endBase + i);
          const ends = new Map([...pairs].map(([s, e]) => [e, s]));
          const held = new Map<number, number>(); // start → service
          let nextService = 1;
          for (const o of ops) {
            if (o.op === 'hold') {
              const free = [...pairs.keys()].filter((s) => !held.has(s)).sort((a, b) => a - b)[0];
              const got = t.lowestFreePair();
              expect(got).toEqual(free === undefined ? undefined : { startLabel: free, endLabel: pairs.get(free) });
              if (got) {
                t.hold({ trunkId: 7, ...got, upstreamMbps: 1, downstreamMbps: 1, service: nextService });
                held.set(got.startLabel, nextService++);
              }
            } else {
              const starts = [...held.keys()];
              if (starts.length === 0) continue;
              const s = starts[o.k % starts.length] as number;
              t.free(s, held.get(s) as number);
              held.delete(s);
            }
            expect(t.freeLabels).toBe(pairs.size - held.size);
          }
          expect(t.labelCount).toBe(pairs.size);
          const label = 10 + probe;
          expect(t.endOf(label)).toBe(pairs.get(label));
          expect(t.startOf(5000 - label)).toBe(ends.get(5000 - label));
          // revoking a start label that no tunnel holds leaves every other pair
          if (pairs.has(label) && !held.has(label)) {
            const next = new TrunkState(t.withoutLabels({ side: 'start', base: label, count: 1 }));
            expect(next.labelCount).toBe(pairs.size - 1);
            expect(next.endOf(label)).toBeUndefined();
            for (const [s, e] of pairs) if (s !== label) expect(next.endOf(s)).toBe(e);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
