/// <reference types="jest" />
import {
  type AggregatorServiceRecord,
  type AggregatorStore,
  type ErrorCode,
  type ErrorDetails,
  isBrokerError,
  type SanitizedRequest,
  type StoreProvider,
  type SwitchServiceRecord,
  type SwitchStore,
  type SwitchTerminalRecord,
  type TrunkRecord,
  type TunnelRecord,
} from '@dpb/model';

/** What a store factory hands the suite. */
export interface StoreFixture {
  provider: StoreProvider;
  /**
   * Closes the provider last handed out and opens a new one over the same
   * data, as a process restart would. Omit for stores that cannot survive one.
   */
  reopen?: () => Promise<StoreProvider>;
  /** Closes whichever provider is current and removes any files. */
  teardown(): Promise<void>;
}

/** Settles `p` and checks it failed with a BrokerError of `code` whose details include `details`. */
export async function expectBrokerError(p: Promise<unknown>, code: ErrorCode, details: ErrorDetails = {}): Promise<void> {
  let failure: unknown;
  try {
    await p;
  } catch (e) {
    failure = e;
  }
  expect(isBrokerError(failure)).toBe(true);
  const e = failure as { code: ErrorCode; details: ErrorDetails };
  expect({ code: e.code, details: e.details }).toMatchObject({ code, details });
}

const request = (terminalA: string, labelA: number, terminalB: string, labelB: number): SanitizedRequest => ({
  circuits: [
    { terminal: terminalA, label: labelA, ingressMbps: 12.5, egressMbps: 7.25 },
    { terminal: terminalB, label: labelB, ingressMbps: 7.25, egressMbps: 12.5 },
  ],
});

function switchService(id: number, over: Partial<SwitchServiceRecord> = {}): SwitchServiceRecord {
  return {
    id,
    handle: `sw-${id}`,
    intent: 'ACTIVE',
    request: request('a', id, 'b', 4000 + id),
    errors: [],
    createdAt: 1_700_000_000_000 + id,
    ...over,
  };
}

function trunk(id: number, over: Partial<TrunkRecord> = {}): TrunkRecord {
  return {
    id,
    start: { network: 'left', terminal: `l${id}` },
    end: { network: 'right', terminal: `r${id}` },
    upstreamMbps: 1000.5,
    downstreamMbps: 250.125,
    cost: 0.1,
    commissioned: true,
    labelRanges: [{ startBase: 100, count: 50, endBase: 2100 }],
    ...over,
  };
}

function tunnel(trunkId: number, startLabel: number, endLabel: number, mbps = 10): TunnelRecord {
  return { trunkId, startLabel, endLabel, upstreamMbps: mbps, downstreamMbps: mbps / 2 };
}

function aggService(id: number, tunnels: TunnelRecord[], over: Partial<AggregatorServiceRecord> = {}): AggregatorServiceRecord {
  return {
    id,
    handle: `agg-${id}`,
    intent: 'INACTIVE',
    request: request('x', id, 'y', id + 1),
    errors: [],
    createdAt: 1_700_000_000_000 + id,
    generation: 1,
    subservices: [
      { network: 'left', handle: `agg/${id}/1/left`, id: 40 + id, request: request('l1', id, 'l2', id) },
      { network: 'right', handle: `agg/${id}/1/right`, id: null, request: request('r1', id, 'r2', id) },
    ],
    tunnels,
    ...over,
  };
}

/**
 * The store conformance suite: every {@link StoreProvider} (memory, SQLite)
 * must pass it. `factory` is called before each test and `teardown` after.
 */
export function describeStore(label: string, factory: () => Promise<StoreFixture>): void {
  describe(`store conformance: ${label}`, () => {
    let fixture: StoreFixture;
    let provider: StoreProvider;

    beforeEach(async () => {
      fixture = await factory();
      provider = fixture.provider;
    });
    afterEach(async () => {
      await fixture.teardown();
    });

    const sw = (network = 'sw1'): SwitchStore => provider.switchStore(network);
    const agg = (network = 'agg1'): AggregatorStore => provider.aggregatorStore(network);

    describe('switch store', () => {
      it('starts empty with service ids from 1', async () => {
        expect(await sw().load()).toEqual({ terminals: [], services: [], nextServiceId: 1 });
      });

      it('round-trips terminals, null quotas included, sorted by name, replaced by name', async () => {
        const s = sw();
        const t1: SwitchTerminalRecord = { name: 'port2', interface: 'phys:2', ingressQuotaMbps: null, egressQuotaMbps: null };
        const t2: SwitchTerminalRecord = { name: 'port1', interface: 'vlan:1.100', ingressQuotaMbps: 99.875, egressQuotaMbps: 0 };
        await s.putTerminal(t1);
        await s.putTerminal(t2);
        expect((await s.load()).terminals).toEqual([t2, t1]);
        const t1b = { ...t1, interface: 'phys:7', egressQuotaMbps: 10 };
        await s.putTerminal(t1b);
        expect((await s.load()).terminals).toEqual([t2, t1b]);
        await s.deleteTerminal('port1');
        await s.deleteTerminal('no-such-terminal');
        expect((await s.load()).terminals).toEqual([t1b]);
      });

      it('[Q-13] round-trips services exactly (a dormant RESET service keeps its row; null handle and request; JSON errors), sorted by id', async () => {
        const s = sw();
        const a = switchService(5);
        const b = switchService(2, { handle: null, request: null, intent: 'RESET' });
        const c = switchService(9, {
          intent: 'ACTIVE',
          errors: [
            { code: 'UNAVAILABLE', message: 'fabric down', details: { terminal: 'a', label: 5, nested: { list: [1, null, 'x'] } }, at: 1_700_000_000_123 },
          ],
        });
        for (const x of [a, b, c]) await s.putService(x);
        expect(await s.load()).toEqual({ terminals: [], services: [b, a, c], nextServiceId: 10 });
      });

      it('replaces a service by id', async () => {
        const s = sw();
        await s.putService(switchService(1));
        const changed = switchService(1, { handle: 'other', intent: 'RELEASE', request: null, errors: [] });
        await s.putService(changed);
        expect((await s.load()).services).toEqual([changed]);
      });

      it('never reuses a service id after delete', async () => {
        const s = sw();
        await s.putService(switchService(7));
        await s.putService(switchService(3));
        expect((await s.load()).nextServiceId).toBe(8);
        await s.deleteService(7);
        await s.deleteService(3);
        await s.deleteService(1234);
        expect(await s.load()).toEqual({ terminals: [], services: [], nextServiceId: 8 });
      });

      it('keeps handles unique among stored services', async () => {
        const s = sw();
        await s.putService(switchService(1, { handle: 'h' }));
        await expectBrokerError(s.putService(switchService(2, { handle: 'h' })), 'ALREADY_EXISTS', {
          kind: 'handle',
          handle: 'h',
          service: 1,
        });
        expect((await s.load()).services.map((x) => x.id)).toEqual([1]);
        await s.putService(switchService(1, { handle: 'h', intent: 'INACTIVE' }));
        await s.putService(switchService(3, { handle: null }));
        await s.putService(switchService(4, { handle: null }));
        await s.deleteService(1);
        await s.putService(switchService(2, { handle: 'h' }));
        expect((await s.load()).services.map((x) => [x.id, x.handle])).toEqual([
          [2, 'h'],
          [3, null],
          [4, null],
        ]);
      });

      it('frees a handle when its service takes another one', async () => {
        const s = sw();
        await s.putService(switchService(1, { handle: 'h' }));
        await s.putService(switchService(1, { handle: 'g' }));
        await s.putService(switchService(2, { handle: 'h' }));
        await expectBrokerError(s.putService(switchService(3, { handle: 'g' })), 'ALREADY_EXISTS', { kind: 'handle', handle: 'g', service: 1 });
        await s.putService(switchService(1, { handle: null }));
        await s.putService(switchService(3, { handle: 'g' }));
        expect((await s.load()).services.map((x) => [x.id, x.handle])).toEqual([
          [1, null],
          [2, 'h'],
          [3, 'g'],
        ]);
      });

      it('keeps what was put, whatever the caller later does to its objects', async () => {
        const s = sw();
        const put = switchService(1, { errors: [{ code: 'UNAVAILABLE', message: 'down', details: { network: 'n', hops: [1] }, at: 5 }] });
        await s.putService(put);
        const kept = structuredClone(put);
        put.request!.circuits[0]!.label = 999;
        put.errors[0]!.message = 'changed';
        (put.errors[0]!.details as { hops: number[] }).hops.push(2);
        const loaded = await s.load();
        expect(loaded.services).toEqual([kept]);
        loaded.services[0]!.request!.circuits[1]!.label = 7;
        expect((await s.load()).services).toEqual([kept]);
      });

      it('rejects non-finite numbers (Infinity is never stored) and stores nothing', async () => {
        const s = sw();
        await expectBrokerError(
          s.putTerminal({ name: 'p', interface: 'phys:1', ingressQuotaMbps: Infinity, egressQuotaMbps: null }),
          'INVALID_ARGUMENT',
          { field: 'ingressQuotaMbps' },
        );
        await expectBrokerError(s.putService(switchService(1, { createdAt: NaN })), 'INVALID_ARGUMENT', { field: 'createdAt' });
        expect(await s.load()).toEqual({ terminals: [], services: [], nextServiceId: 1 });
      });

      it('hands out copies: changing a written or loaded record changes nothing stored', async () => {
        const s = sw();
        const rec = switchService(1);
        await s.putService(rec);
        (rec.request as SanitizedRequest).circuits[0]!.label = 999;
        const loaded = await s.load();
        loaded.services[0]!.errors.push({ code: 'INTERNAL', message: 'x', details: {}, at: 0 });
        expect((await s.load()).services).toEqual([switchService(1)]);
      });

      it('isolates networks, ids included', async () => {
        await sw('a').putTerminal({ name: 'p', interface: 'phys:1', ingressQuotaMbps: null, egressQuotaMbps: null });
        await sw('a').putService(switchService(4, { handle: 'same' }));
        await sw('b').putService(switchService(1, { handle: 'same' }));
        expect((await sw('a').load()).services.map((x) => x.id)).toEqual([4]);
        expect(await sw('b').load()).toEqual({ terminals: [], services: [switchService(1, { handle: 'same' })], nextServiceId: 2 });
        await sw('b').deleteService(4);
        expect((await sw('a').load()).services).toHaveLength(1);
      });

      it('a second store on the same network sees what the first wrote', async () => {
        await sw('n').putService(switchService(1));
        expect((await sw('n').load()).services).toEqual([switchService(1)]);
      });
    });

    describe('aggregator store', () => {
      async function withTrunks(s: AggregatorStore, ...ids: number[]): Promise<void> {
        for (const id of ids) await s.putTrunk(trunk(id));
      }

      it('starts empty with service and trunk ids from 1', async () => {
        expect(await agg().load()).toEqual({ terminals: [], trunks: [], services: [], nextServiceId: 1, nextTrunkId: 1 });
      });

      it('round-trips terminals, sorted by name, replaced by name', async () => {
        const s = agg();
        const t1 = { name: 'zeta', inferior: { network: 'left', terminal: 'p1' } };
        const t2 = { name: 'alpha', inferior: { network: 'right', terminal: 'p9' } };
        await s.putTerminal(t1);
        await s.putTerminal(t2);
        const t1b = { name: 'zeta', inferior: { network: 'right', terminal: 'p2' } };
        await s.putTerminal(t1b);
        expect((await s.load()).terminals).toEqual([t2, t1b]);
        await s.deleteTerminal('alpha');
        expect((await s.load()).terminals).toEqual([t1b]);
      });

      it('[Q-14][Q-20] round-trips trunks (no label ranges, several in order), replaces them, never reuses trunk ids', async () => {
        const s = agg();
        const t3 = trunk(3, {
          commissioned: false,
          cost: 2.75,
          labelRanges: [
            { startBase: 500, count: 10, endBase: 40 },
            { startBase: 1, count: 3, endBase: 4000 },
            { startBase: 2_000_000_000, count: 1, endBase: 0 },
          ],
        });
        const t1 = trunk(1, { labelRanges: [] });
        await s.putTrunk(t3);
        await s.putTrunk(t1);
        expect(await s.load()).toMatchObject({ trunks: [t1, t3], nextTrunkId: 4 });
        const t3b = trunk(3, { upstreamMbps: 0, downstreamMbps: 0, labelRanges: [{ startBase: 7, count: 2, endBase: 9 }] });
        await s.putTrunk(t3b);
        expect((await s.load()).trunks).toEqual([t1, t3b]);
        await s.deleteTrunk(3);
        await s.deleteTrunk(1);
        expect(await s.load()).toMatchObject({ trunks: [], nextTrunkId: 4 });
      });

      it('round-trips services with sub-services and tunnels exactly, sorted by id', async () => {
        const s = agg();
        await withTrunks(s, 1, 2);
        const a = aggService(8, [tunnel(1, 100, 2100), tunnel(2, 100, 2100, 0.5)]);
        const b = aggService(3, [], { handle: null, request: null, subservices: [], intent: 'RELEASE', generation: 4 });
        const c = aggService(5, [tunnel(1, 101, 2101)], {
          errors: [{ code: 'RESOURCE_EXHAUSTED', message: 'm', details: { trunk: 1, direction: 'upstream', requestedMbps: 5, availableMbps: 1.5 }, at: 17 }],
        });
        for (const x of [a, b, c]) await s.putService(x);
        const snap = await s.load();
        expect(snap.services).toEqual([b, c, a]);
        expect(snap.nextServiceId).toBe(9);
      });

      it('replaces a service with its sub-services and tunnels, freeing labels it no longer holds', async () => {
        const s = agg();
        await withTrunks(s, 1);
        await s.putService(aggService(1, [tunnel(1, 100, 2100), tunnel(1, 101, 2101)]));
        const smaller = aggService(1, [tunnel(1, 102, 2102)], {
          generation: 2,
          subservices: [{ network: 'left', handle: 'agg/1/2/left', id: null, request: request('l1', 1, 'l2', 1) }],
        });
        await s.putService(smaller);
        expect((await s.load()).services).toEqual([smaller]);
        await s.putService(aggService(2, [tunnel(1, 100, 2100), tunnel(1, 101, 2101)]));
        expect((await s.load()).services.map((x) => x.tunnels.length)).toEqual([1, 2]);
      });

      it('refuses a start label held by another service (BUSY) and changes nothing', async () => {
        const s = agg();
        await withTrunks(s, 1, 2);
        await s.putService(aggService(1, [tunnel(1, 100, 2100)]));
        const before2 = aggService(2, [tunnel(2, 100, 2100)]);
        await s.putService(before2);
        const before = await s.load();
        await expectBrokerError(
          s.putService(aggService(2, [tunnel(2, 105, 2105), tunnel(1, 100, 2999)], { generation: 9 })),
          'BUSY',
          { kind: 'label', trunk: 1, label: 100, service: 1 },
        );
        await expectBrokerError(s.putService(aggService(3, [tunnel(1, 100, 2999)])), 'BUSY', {
          kind: 'label',
          trunk: 1,
          label: 100,
          service: 1,
        });
        expect(await s.load()).toEqual(before);
      });

      it('refuses an end label held by another service (BUSY) and changes nothing', async () => {
        const s = agg();
        await withTrunks(s, 1);
        await s.putService(aggService(1, [tunnel(1, 100, 2100)]));
        const before = await s.load();
        await expectBrokerError(s.putService(aggService(2, [tunnel(1, 101, 2100)])), 'BUSY', {
          kind: 'label',
          trunk: 1,
          label: 2100,
          service: 1,
        });
        expect(await s.load()).toEqual(before);
      });

      it('[Q-15] lets the same labels be used on another trunk, in another network, and after release', async () => {
        await withTrunks(agg('a'), 1, 2);
        await withTrunks(agg('b'), 1);
        await agg('a').putService(aggService(1, [tunnel(1, 100, 2100)]));
        await agg('a').putService(aggService(2, [tunnel(2, 100, 2100)]));
        await agg('b').putService(aggService(1, [tunnel(1, 100, 2100)]));
        await agg('a').deleteService(1);
        await agg('a').putService(aggService(3, [tunnel(1, 100, 2100)]));
        expect((await agg('a').load()).services.map((x) => x.id)).toEqual([2, 3]);
        expect((await agg('b').load()).services.map((x) => x.id)).toEqual([1]);
      });

      it('refuses a tunnel on an unknown trunk (NOT_FOUND) and changes nothing', async () => {
        await withTrunks(agg('other'), 7);
        const s = agg();
        await withTrunks(s, 1);
        await s.putService(aggService(1, [tunnel(1, 100, 2100)]));
        const before = await s.load();
        await expectBrokerError(s.putService(aggService(1, [tunnel(7, 100, 2100)])), 'NOT_FOUND', { kind: 'trunk', trunk: 7 });
        await expectBrokerError(s.putService(aggService(2, [tunnel(1, 110, 2110), tunnel(7, 1, 1)])), 'NOT_FOUND', {
          kind: 'trunk',
          trunk: 7,
        });
        expect(await s.load()).toEqual(before);
      });

      it('refuses one service naming the same label of a trunk twice', async () => {
        const s = agg();
        await withTrunks(s, 1);
        await expectBrokerError(s.putService(aggService(1, [tunnel(1, 100, 2100), tunnel(1, 100, 2101)])), 'INVALID_ARGUMENT', {
          kind: 'label',
          trunk: 1,
          label: 100,
        });
        await expectBrokerError(s.putService(aggService(1, [tunnel(1, 100, 2100), tunnel(1, 101, 2100)])), 'INVALID_ARGUMENT', {
          kind: 'label',
          trunk: 1,
          label: 2100,
        });
        expect((await s.load()).services).toEqual([]);
      });

      it('[Q-22] refuses to delete a trunk that carries tunnels (BUSY); deletes it with its ranges once free', async () => {
        const s = agg();
        await withTrunks(s, 1, 2);
        await s.putService(aggService(4, [tunnel(2, 100, 2100)]));
        const before = await s.load();
        await expectBrokerError(s.deleteTrunk(2), 'BUSY', { kind: 'trunk', trunk: 2, service: 4 });
        expect(await s.load()).toEqual(before);
        await s.deleteService(4);
        await s.deleteTrunk(2);
        // a new trunk 2 would be a new id; the old one left nothing behind
        await s.putTrunk(trunk(2, { labelRanges: [] }));
        expect((await s.load()).trunks).toEqual([trunk(1), trunk(2, { labelRanges: [] })]);
      });

      it('[Q-23] keeps tunnels when their trunk is replaced (decommissioned, capacity changed)', async () => {
        const s = agg();
        await withTrunks(s, 1);
        const svc = aggService(1, [tunnel(1, 100, 2100)]);
        await s.putService(svc);
        await s.putTrunk(trunk(1, { commissioned: false, upstreamMbps: 5 }));
        expect(await s.load()).toMatchObject({ trunks: [trunk(1, { commissioned: false, upstreamMbps: 5 })], services: [svc] });
        await s.putTrunk(trunk(1));
        expect(await s.load()).toMatchObject({ trunks: [trunk(1)], services: [svc] });
        await expectBrokerError(s.deleteTrunk(1), 'BUSY', { kind: 'trunk', trunk: 1 });
      });

      it('[Q-20] never reuses service ids after delete', async () => {
        const s = agg();
        await s.putService(aggService(1, []));
        await s.putService(aggService(2, []));
        await s.deleteService(2);
        await s.deleteService(1);
        expect((await s.load()).nextServiceId).toBe(3);
      });

      it('keeps handles unique among stored services', async () => {
        const s = agg();
        await s.putService(aggService(1, [], { handle: 'H' }));
        await expectBrokerError(s.putService(aggService(2, [], { handle: 'H' })), 'ALREADY_EXISTS', {
          kind: 'handle',
          handle: 'H',
          service: 1,
        });
        await agg('elsewhere').putService(aggService(2, [], { handle: 'H' }));
        expect((await s.load()).services.map((x) => x.id)).toEqual([1]);
      });

      it('frees a handle when its service takes another one or is deleted', async () => {
        const s = agg();
        await s.putService(aggService(1, [], { handle: 'H' }));
        await s.putService(aggService(1, [], { handle: 'G' }));
        await s.putService(aggService(2, [], { handle: 'H' }));
        await expectBrokerError(s.putService(aggService(3, [], { handle: 'G' })), 'ALREADY_EXISTS', { kind: 'handle', handle: 'G', service: 1 });
        await s.deleteService(1);
        await s.putService(aggService(3, [], { handle: 'G' }));
        expect((await s.load()).services.map((x) => [x.id, x.handle])).toEqual([
          [2, 'H'],
          [3, 'G'],
        ]);
      });

      it('keeps what was put, whatever the caller later does to its objects', async () => {
        const s = agg();
        await withTrunks(s, 1);
        const put = aggService(1, [tunnel(1, 100, 2100)]);
        await s.putService(put);
        const kept = structuredClone(put);
        put.subservices[0]!.request.circuits[0]!.label = 999;
        put.subservices[1]!.id = 77;
        put.tunnels[0]!.upstreamMbps = 1;
        put.request!.circuits[0]!.ingressMbps = 1;
        expect((await s.load()).services).toEqual([kept]);
      });

      it('rejects non-finite numbers and stores nothing', async () => {
        const s = agg();
        await expectBrokerError(s.putTrunk(trunk(1, { upstreamMbps: Infinity })), 'INVALID_ARGUMENT', { field: 'upstreamMbps' });
        await withTrunks(s, 2);
        await expectBrokerError(s.putService(aggService(1, [tunnel(2, 1, 1, NaN)])), 'INVALID_ARGUMENT', { kind: 'service', service: 1 });
        expect(await s.load()).toMatchObject({ trunks: [trunk(2)], services: [] });
      });

      it('[Q-16] settles writes issued together independently and in order: one conflict fails alone', async () => {
        const s = agg();
        await withTrunks(s, 1);
        const results = await Promise.allSettled([
          s.putService(aggService(1, [tunnel(1, 100, 2100)])),
          s.putService(aggService(2, [tunnel(1, 100, 2200)])),
          s.putService(aggService(3, [tunnel(1, 101, 2101)])),
          s.deleteService(1),
          s.putService(aggService(4, [tunnel(1, 100, 2100)])),
        ]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
        await expectBrokerError(Promise.reject((results[1] as PromiseRejectedResult).reason), 'BUSY', { trunk: 1, label: 100, service: 1 });
        expect((await s.load()).services.map((x) => x.id)).toEqual([3, 4]);
      });
    });

    it('keeps everything across close and reopen', async () => {
      if (!fixture.reopen) return; // this store does not survive a restart
      const s = sw('s');
      const terminal: SwitchTerminalRecord = { name: 'p', interface: 'phys:1', ingressQuotaMbps: null, egressQuotaMbps: 3.5 };
      await s.putTerminal(terminal);
      await s.putService(switchService(1));
      await s.putService(switchService(6, { handle: null, request: null }));
      await s.deleteService(6);
      const a = agg('a');
      await a.putTerminal({ name: 't', inferior: { network: 's', terminal: 'p' } });
      await a.putTrunk(trunk(1));
      await a.putTrunk(trunk(2, { commissioned: false }));
      await a.deleteTrunk(2);
      await a.putService(aggService(3, [tunnel(1, 100, 2100)]));
      const swBefore = await s.load();
      const aggBefore = await a.load();
      provider = await fixture.reopen();
      expect(await provider.switchStore('s').load()).toEqual(swBefore);
      expect(await provider.aggregatorStore('a').load()).toEqual(aggBefore);
      expect(swBefore.nextServiceId).toBe(7);
      expect(aggBefore.nextTrunkId).toBe(3);
      // the double-booking guard survives too
      await expectBrokerError(provider.aggregatorStore('a').putService(aggService(4, [tunnel(1, 100, 1)])), 'BUSY', {
        trunk: 1,
        label: 100,
        service: 3,
      });
    });
  });
}
