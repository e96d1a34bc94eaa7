import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  type CircuitRequest,
  isAllowedTransition,
  isBrokerError,
  type NetworkControl,
  type Service,
  type ServiceRequest,
  type ServiceStatus,
  type ServiceWatch,
  SERVICE_STATUSES,
} from '@dpb/model';

/** What a conformance run needs: a fresh network and a way to dispose of it. */
export interface NetworkControlFixture {
  network: NetworkControl;
  /** At least three terminal names, any two of which can be joined at 10 Mbit/s each way. */
  terminals: [string, string, string, ...string[]];
  /** A label every listed terminal accepts; default 100. */
  label?: number;
  /** A label the terminals refuse, if there is one. */
  badLabel?: number;
  teardown(): Promise<void>;
}

/** Deadline for every wait in the suite, ms. */
const WAIT_MS = 2_000;

/** Every status, for waits that should end at the first change. */
const ANY_BUT = (s: ServiceStatus): ServiceStatus[] => SERVICE_STATUSES.filter((x) => x !== s);

/** Runs `f`, expecting a BrokerError; returns it. */
async function rejection(f: () => Promise<unknown>): Promise<{ code: string; details: Record<string, unknown> }> {
  try {
    await f();
  } catch (e) {
    if (!isBrokerError(e)) throw new Error(`expected a BrokerError, got ${String(e)}`);
    return { code: e.code, details: e.details as Record<string, unknown> };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Collects a watch's statuses until it ends. */
function collect(watch: ServiceWatch): { statuses: ServiceStatus[]; done: Promise<void> } {
  const statuses: ServiceStatus[] = [];
  const done = (async () => {
    for await (const ev of watch) statuses.push(ev.status);
  })();
  return { statuses, done };
}

/** Resolves with `p`, or rejects once `ms` have passed. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

function expectValidSequence(statuses: ServiceStatus[]): void {
  for (let i = 1; i < statuses.length; i++) {
    const from = statuses[i - 1] as ServiceStatus;
    const to = statuses[i] as ServiceStatus;
    if (!isAllowedTransition(from, to)) {
      throw new Error(`transition ${from} -> ${to} is not in STATUS_TRANSITIONS (sequence ${statuses.join(' ')})`);
    }
  }
}

/**
 * The behaviour every {@link NetworkControl} shares: switches, aggregators and
 * remote clients all pass it. `factory` builds a fresh network for each test.
 */
export function describeNetworkControl(label: string, factory: () => Promise<NetworkControlFixture>): void {
  describe(`NetworkControl conformance: ${label}`, () => {
    let fx: NetworkControlFixture;
    let net: NetworkControl;
    let t: [string, string, string, ...string[]];
    let lbl: number;
    let nextLabel: number;

    beforeEach(async () => {
      fx = await factory();
      net = fx.network;
      t = fx.terminals;
      lbl = fx.label ?? 100;
      nextLabel = lbl;
    });

    afterEach(async () => {
      await fx.teardown();
    });

    const circuit = (terminal: string, l = lbl, ingressMbps = 10, egressMbps = 10): CircuitRequest => ({
      terminal,
      label: l,
      ingressMbps,
      egressMbps,
    });
    const eline = (a = t[0], b = t[1], l = lbl): ServiceRequest => ({ circuits: [circuit(a, l), circuit(b, l)] });
    /** A request on fresh circuits, so tests in one network never collide. */
    const fresh = (): ServiceRequest => eline(t[0], t[1], nextLabel++);

    async function expectStatus(s: Service, acceptable: ServiceStatus[], expected = acceptable[0]): Promise<void> {
      expect(await s.awaitStatus(acceptable, WAIT_MS)).toBe(expected);
    }

    describe('services', () => {
      it('creates services with distinct ids, listed and found by id', async () => {
        const a = await net.createService();
        const b = await net.createService();
        expect(a.id).not.toBe(b.id);
        expect(a.network).toBe(net.name);
        expect(await a.status()).toBe('DORMANT');
        expect((await net.service(a.id)).id).toBe(a.id);
        expect((await net.findService(b.id))?.id).toBe(b.id);
        const ids = (await net.services()).map((s) => s.id);
        expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
      });

      it('finds a service by handle, and creating with a live handle returns the same service', async () => {
        const a = await net.createService({ handle: 'conformance-h1' });
        expect(a.handle).toBe('conformance-h1');
        expect((await net.service({ handle: 'conformance-h1' })).id).toBe(a.id);
        const again = await net.createService({ handle: 'conformance-h1' });
        expect(again.id).toBe(a.id);
        const other = await net.createService({ handle: 'conformance-h2' });
        expect(other.id).not.toBe(a.id);
      });

      it('says NOT_FOUND for an unknown id or handle, naming the kind', async () => {
        const byId = await rejection(() => net.service(987_654_321));
        expect(byId.code).toBe('NOT_FOUND');
        expect(byId.details.kind).toBe('service');
        const byHandle = await rejection(() => net.service({ handle: 'no-such-handle' }));
        expect(byHandle.code).toBe('NOT_FOUND');
        expect(byHandle.details.kind).toBe('handle');
        expect(await net.findService(987_654_321)).toBeUndefined();
        expect(await net.findService({ handle: 'no-such-handle' })).toBeUndefined();
      });
    });

    describe('lifecycle', () => {
      it('goes define, activate, deactivate, activate, release, with every watched transition allowed', async () => {
        const s = await net.createService();
        const seen = collect(s.watch());
        await s.define(eline());
        await expectStatus(s, ['INACTIVE']);
        expect((await s.describe()).request?.circuits).toHaveLength(2);
        await s.activate();
        await expectStatus(s, ['ACTIVE']);
        await s.deactivate();
        await expectStatus(s, ['INACTIVE']);
        await s.activate();
        await expectStatus(s, ['ACTIVE']);
        await s.release();
        await expectStatus(s, ['RELEASED']);
        await within(seen.done, WAIT_MS, 'the watch ending after RELEASED');
        const st = seen.statuses;
        expect(st[0]).toBe('DORMANT');
        expect(st[st.length - 1]).toBe('RELEASED');
        expect(st.filter((x) => x === 'ACTIVE')).toHaveLength(2);
        expect(st).toContain('RELEASING');
        expectValidSequence(st);
        expect((await net.services()).map((x) => x.id)).not.toContain(s.id);
        // a released service stays findable by id for a while, as RELEASED, and is never listed
        const gone = await net.findService(s.id);
        expect(gone?.id).toBe(s.id);
        expect(await gone?.status()).toBe('RELEASED');
        expect(await gone?.awaitStatus(['ACTIVE'], 10_000)).toBe('RELEASED');
        await gone?.release();
        if (s.handle !== null) expect(await net.findService({ handle: s.handle })).toBeUndefined();
      });

      it('remembers activate before define and reaches ACTIVE', async () => {
        const s = await net.createService();
        const seen = collect(s.watch());
        await s.activate();
        expect(await s.status()).toBe('DORMANT');
        await s.define(eline());
        await expectStatus(s, ['ACTIVE']);
        expect((await s.describe()).intent).toBe('ACTIVE');
        await s.release();
        await expectStatus(s, ['RELEASED']);
        await within(seen.done, WAIT_MS, 'the watch ending');
        expectValidSequence(seen.statuses);
      });

      it('resets to DORMANT keeping id and handle, and can be defined again', async () => {
        const s = await net.createService({ handle: 'conformance-reset' });
        const seen = collect(s.watch());
        await s.define(eline());
        await s.activate();
        await expectStatus(s, ['ACTIVE']);
        await s.reset();
        await expectStatus(s, ['DORMANT']);
        const info = await s.describe();
        expect(info.id).toBe(s.id);
        expect(info.handle).toBe('conformance-reset');
        expect(info.request).toBeNull();
        expect(info.intent).toBe('INACTIVE');
        expect((await net.service({ handle: 'conformance-reset' })).id).toBe(s.id);
        await s.define(eline());
        await expectStatus(s, ['INACTIVE']);
        await s.activate();
        await expectStatus(s, ['ACTIVE']);
        await s.release();
        await expectStatus(s, ['RELEASED']);
        await within(seen.done, WAIT_MS, 'the watch ending');
        expectValidSequence(seen.statuses);
        expect(seen.statuses).toContain('DORMANT');
      });

      it('converges when released while ACTIVATING', async () => {
        const s = await net.createService();
        const seen = collect(s.watch());
        await s.define(eline());
        await s.activate();
        await s.release();
        await expectStatus(s, ['RELEASED']);
        await within(seen.done, WAIT_MS, 'the watch ending');
        expectValidSequence(seen.statuses);
      });

      it('converges when reset while ACTIVATING, and the circuits are free again', async () => {
        const s = await net.createService();
        const seen = collect(s.watch());
        await s.define(eline());
        await s.activate();
        await s.reset();
        await expectStatus(s, ['DORMANT']);
        const other = await net.createService();
        await other.define(eline());
        await other.activate();
        await expectStatus(other, ['ACTIVE']);
        await other.release();
        await s.release();
        await expectStatus(s, ['RELEASED']);
        await within(seen.done, WAIT_MS, 'the watch ending');
        expectValidSequence(seen.statuses);
      });

      it('treats a second release as harmless', async () => {
        const s = await net.createService();
        await s.define(fresh());
        await s.release();
        await s.release();
        await expectStatus(s, ['RELEASED']);
        await s.release();
        expect(await s.status()).toBe('RELEASED');
      });

      it('lets a new service use the circuits of a released one', async () => {
        const a = await net.createService();
        await a.define(eline(t[0], t[2]));
        await a.activate();
        await expectStatus(a, ['ACTIVE']);
        await a.release();
        await expectStatus(a, ['RELEASED']);
        const b = await net.createService();
        await b.define(eline(t[0], t[2]));
        await b.activate();
        await expectStatus(b, ['ACTIVE']);
        await b.release();
        await expectStatus(b, ['RELEASED']);
      });

      it('joins three circuits in one service', async () => {
        const s = await net.createService();
        await s.define({ circuits: [circuit(t[0]), circuit(t[1]), circuit(t[2])] });
        await s.activate();
        await expectStatus(s, ['ACTIVE']);
        expect((await s.describe()).request?.circuits).toHaveLength(3);
        await s.release();
        await expectStatus(s, ['RELEASED']);
      });
    });

    describe('define errors leave the service DORMANT', () => {
      async function expectRejected(request: unknown, code: string): Promise<Record<string, unknown>> {
        const s = await net.createService();
        const r = await rejection(() => s.define(request as ServiceRequest));
        expect(r.code).toBe(code);
        expect(await s.status()).toBe('DORMANT');
        expect((await s.describe()).request).toBeNull();
        return r.details;
      }

      it('NOT_FOUND for an unknown terminal', async () => {
        const d = await expectRejected({ circuits: [circuit(t[0]), circuit('no-such-terminal')] }, 'NOT_FOUND');
        expect(d.kind).toBe('terminal');
      });

      it('INVALID_ARGUMENT for a single circuit', async () => {
        await expectRejected({ circuits: [circuit(t[0])] }, 'INVALID_ARGUMENT');
      });

      it('INVALID_ARGUMENT for a circuit given twice', async () => {
        await expectRejected({ circuits: [circuit(t[0]), circuit(t[0]), circuit(t[1])] }, 'INVALID_ARGUMENT');
      });

      it('INVALID_ARGUMENT for negative or absurd bandwidth', async () => {
        await expectRejected({ circuits: [circuit(t[0], lbl, -1), circuit(t[1])] }, 'INVALID_ARGUMENT');
        await expectRejected({ circuits: [circuit(t[0], lbl, 1e15), circuit(t[1])] }, 'INVALID_ARGUMENT');
        await expectRejected({ circuits: [circuit(t[0], lbl, Number.NaN), circuit(t[1])] }, 'INVALID_ARGUMENT');
      });

      it('INVALID_ARGUMENT for a label the terminals refuse', async () => {
        if (fx.badLabel === undefined) return;
        await expectRejected(eline(t[0], t[1], fx.badLabel), 'INVALID_ARGUMENT');
      });

      it('a failed define leaves the circuits free', async () => {
        const s = await net.createService();
        const r = await rejection(() => s.define({ circuits: [circuit(t[0]), circuit('no-such-terminal')] }));
        expect(r.code).toBe('NOT_FOUND');
        await s.define(eline());
        await s.activate();
        await expectStatus(s, ['ACTIVE']);
        await s.release();
        await expectStatus(s, ['RELEASED']);
      });

      it('FAILED_PRECONDITION for defining twice, leaving the first definition', async () => {
        const s = await net.createService();
        await s.define(eline());
        await expectStatus(s, ['INACTIVE']);
        const r = await rejection(() => s.define(eline(t[0], t[2], lbl + 1)));
        expect(r.code).toBe('FAILED_PRECONDITION');
        expect(r.details.status).toBeDefined();
        expect(await s.status()).toBe('INACTIVE');
        expect((await s.describe()).request?.circuits.map((c) => c.terminal)).toEqual([t[0], t[1]].sort());
      });

      it('FAILED_PRECONDITION for defining a released service', async () => {
        const s = await net.createService();
        await s.release();
        await expectStatus(s, ['RELEASED']);
        const r = await rejection(() => s.define(eline()));
        expect(r.code).toBe('FAILED_PRECONDITION');
      });
    });

    describe('awaitStatus and watch', () => {
      it('awaitStatus returns at once when the status is already acceptable', async () => {
        const s = await net.createService();
        const started = Date.now();
        expect(await s.awaitStatus(['DORMANT'], 60_000)).toBe('DORMANT');
        expect(Date.now() - started).toBeLessThan(1_000);
      });

      it('awaitStatus returns the latest status when the time runs out', async () => {
        const s = await net.createService();
        expect(await s.awaitStatus(['ACTIVE'], 30)).toBe('DORMANT');
      });

      it('RELEASED ends any wait', async () => {
        const s = await net.createService();
        const waiting = s.awaitStatus(['ACTIVE'], 60_000);
        await s.release();
        expect(await within(waiting, WAIT_MS, 'the wait ending')).toBe('RELEASED');
      });

      it("watch's first event is the current status, and close() ends it", async () => {
        const s = await net.createService();
        await s.define(fresh());
        await expectStatus(s, ['INACTIVE']);
        const w = s.watch();
        const it = w[Symbol.asyncIterator]();
        const first = await it.next();
        expect(first.done).toBe(false);
        expect(first.value?.status).toBe('INACTIVE');
        expect(first.value?.service).toBe(s.id);
        expect(first.value?.network).toBe(net.name);
        w.close();
        expect((await within(it.next(), WAIT_MS, 'the watch ending')).done).toBe(true);
      });

      it('a watch on a released service gives RELEASED and ends', async () => {
        const s = await net.createService();
        await s.release();
        await expectStatus(s, ['RELEASED']);
        const seen = collect(s.watch());
        await within(seen.done, WAIT_MS, 'the watch ending');
        expect(seen.statuses).toEqual(['RELEASED']);
      });

      it('history records the changes', async () => {
        const s = await net.createService();
        await s.define(fresh());
        await expectStatus(s, ['INACTIVE']);
        const h = (await s.describe()).history.map((c) => c.status);
        expect(h[0]).toBe('DORMANT');
        expect(h[h.length - 1]).toBe('INACTIVE');
        expect(await s.awaitStatus(ANY_BUT('INACTIVE'), 20)).toBe('INACTIVE');
      });
    });

    describe('model', () => {
      it('names only its own terminals, with positive costs and non-negative capacities', async () => {
        const terminals = await net.terminals();
        expect(terminals).toEqual(expect.arrayContaining([...t]));
        expect([...terminals].sort()).toEqual(terminals);
        const m = await net.model(0);
        expect(m.network).toBe(net.name);
        expect([...m.terminals].sort()).toEqual([...terminals].sort());
        expect(m.chords.length).toBeGreaterThan(0);
        for (const c of m.chords) {
          expect(terminals).toContain(c.from);
          expect(terminals).toContain(c.to);
          expect(c.from < c.to).toBe(true);
          expect(c.cost).toBeGreaterThan(0);
          expect(c.upstreamMbps).toBeGreaterThanOrEqual(0);
          expect(c.downstreamMbps).toBeGreaterThanOrEqual(0);
        }
        const pairs = new Set(m.chords.map((c) => `${c.from}|${c.to}`));
        expect(pairs.size).toBe(m.chords.length);
      });

      it('shows a chord able to carry 10 Mbit/s between the first two terminals', async () => {
        const m = await net.model(10);
        const [a, b] = [t[0], t[1]].sort() as [string, string];
        const chord = m.chords.find((c) => c.from === a && c.to === b);
        expect(chord).toBeDefined();
        expect(Math.max(chord?.upstreamMbps ?? 0, chord?.downstreamMbps ?? 0)).toBeGreaterThanOrEqual(10);
      });
    });
  });
}
