import { OpenflowFabric, type OpenflowFabricOptions, type TimerApi } from '@dpb/adaptor-openflow';
import type { BridgeSpec, BridgeState } from '@dpb/model';
import { countingTimers, FakeApp } from './fake-app';

const DPID = '000000000000000a';
const SLICES = `/dpb/api/v1/datapaths/${DPID}/slices`;

/** Records every state a fabric reports, and waits for a given one. */
function recorder(fabric: OpenflowFabric) {
  const states: BridgeState[] = [];
  const waiters: { match: (s: BridgeState) => boolean; resolve: () => void }[] = [];
  fabric.subscribe((s) => {
    states.push(s);
    for (const w of [...waiters]) {
      if (w.match(s)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const until = (id: string, condition: BridgeState['condition'], after = 0): Promise<BridgeState> => {
    const found = states.slice(after).find((s) => s.id === id && s.condition === condition);
    if (found) return Promise.resolve(found);
    return new Promise<BridgeState>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${id} never became ${condition}; saw ${JSON.stringify(states)}`)), 3000);
      const match = (s: BridgeState) => s.id === id && s.condition === condition;
      waiters.push({
        match,
        resolve: () => {
          clearTimeout(timer);
          resolve(states.filter(match).at(-1) as BridgeState);
        },
      });
    });
  };
  const of = (id: string) => states.filter((s) => s.id === id).map((s) => s.condition);
  return { states, until, of };
}

const circuit = (iface: string, label: number, ingressMbps = 10, egressMbps = 20) => ({ interface: iface, label, ingressMbps, egressMbps });
const spec = (id: string, ...circuits: ReturnType<typeof circuit>[]): BridgeSpec => ({ id, circuits });
const eline = (id: string, vlanA: number, vlanB = vlanA): BridgeSpec => spec(id, circuit('1', vlanA), circuit('2', vlanB));

async function errorOf(f: () => unknown): Promise<{ code: string; details: Record<string, unknown> }> {
  try {
    await f();
  } catch (e) {
    const b = e as { code: string; details: Record<string, unknown> };
    return { code: b.code, details: b.details };
  }
  throw new Error('expected a failure');
}

interface Rig {
  app: FakeApp;
  fabric: OpenflowFabric;
  rec: ReturnType<typeof recorder>;
  timers: ReturnType<typeof countingTimers>;
}

let rigs: Rig[] = [];

async function rig(options: Partial<OpenflowFabricOptions> = {}, prepare?: (app: FakeApp) => void): Promise<Rig> {
  const app = await FakeApp.start();
  prepare?.(app);
  const timers = countingTimers();
  const fabric = new OpenflowFabric({
    controller: `${app.url}/`,
    dpid: 10,
    pushIntervalMs: 60_000,
    requestTimeoutMs: 2000,
    retryMinMs: 5,
    retryMaxMs: 40,
    statusPollMs: 5,
    name: 'sw1',
    timers,
    ...options,
  });
  const r = { app, fabric, rec: recorder(fabric), timers };
  rigs.push(r);
  return r;
}

afterEach(async () => {
  for (const r of rigs) {
    await r.fabric.close();
    await r.app.stop();
  }
  rigs = [];
});

describe('openflow fabric: what it sends', () => {
  it('[R2] reads the generation, then PUTs the full state: one slice per bridge with every circuit, canonical, in kbit/s', async () => {
    const { app, fabric } = await rig({ token: 'tok' });
    await fabric.ensureBridge(
      spec('sw1/1', circuit('3', 100, 10, 20), circuit('phys', 5, 0.0104, 0), circuit('3.200', 30, 50, 1.5), circuit('004', 7, 1, 1)),
    );
    expect(app.requests.map((r) => `${r.method} ${r.path}${r.query}`)).toEqual([`GET ${SLICES}?switch=0`, `PUT ${SLICES}?switch=0`]);
    const put = app.puts()[0]!;
    expect(put.headers['content-type']).toBe('application/json');
    expect(app.requests.every((r) => r.headers.authorization === 'Bearer tok')).toBe(true);
    expect(put.body).toEqual({
      generation: 1,
      slices: {
        'sw1/1': {
          circuits: [
            { port: 3, vlan: 100, ingressKbps: 10000, egressKbps: 20000 },
            { port: 3, vlan: 200, innerVlan: 30, ingressKbps: 50000, egressKbps: 1500 },
            { port: 4, vlan: 7, ingressKbps: 1000, egressKbps: 1000 },
            { port: 5, ingressKbps: 10, egressKbps: 1 },
          ],
        },
      },
    });
  });

  it('sends no Authorization header without a token, and keeps a path prefix of the controller URL', async () => {
    const { app, fabric } = await rig();
    await fabric.ensureBridge(eline('sw1/1', 10));
    expect(app.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
    expect(app.requests.every((r) => r.path.startsWith('/dpb/api/v1/'))).toBe(true);
  });

  it('every change is one full-state PUT: removed bridges leave the body', async () => {
    const { app, fabric } = await rig();
    await fabric.ensureBridge(eline('sw1/1', 10));
    await fabric.ensureBridge(eline('sw1/2', 20));
    expect(Object.keys(app.lastPut().slices).sort()).toEqual(['sw1/1', 'sw1/2']);
    await fabric.removeBridge('sw1/1');
    expect(Object.keys(app.lastPut().slices)).toEqual(['sw1/2']);
    await fabric.reconcile([eline('sw1/3', 30)]);
    expect(Object.keys(app.lastPut().slices)).toEqual(['sw1/3']);
    expect(app.puts()).toHaveLength(4);
  });

  it('generation strictly increases and starts above the app\'s', async () => {
    const { app, fabric } = await rig({}, (a) => {
      a.slices.set(DPID, new Map());
      a.generations.set(DPID, 41);
    });
    await fabric.reconcile([]);
    await fabric.ensureBridge(eline('sw1/1', 10));
    await fabric.ensureBridge(eline('sw1/1', 10));
    expect(app.puts().map((p) => (p.body as { generation: number }).generation)).toEqual([42, 43, 44]);
  });

  it('a stale generation (409) makes it read the app\'s generation and go above it', async () => {
    const { app, fabric, rec } = await rig();
    await fabric.ensureBridge(eline('sw1/1', 10));
    app.generations.set(DPID, 100); // someone else pushed
    await fabric.ensureBridge(eline('sw1/2', 20));
    await rec.until('sw1/2', 'up');
    const gens = app.puts().map((p) => (p.body as { generation: number }).generation);
    expect(gens.at(-1)).toBe(101);
    expect(app.requests.filter((r) => r.method === 'GET')).toHaveLength(2);
    expect(rec.of('sw1/1')).toEqual(['pending', 'up']);
  });

  it('coalesces: changes made while a PUT is in flight go out in exactly one more PUT', async () => {
    const { app, fabric, rec } = await rig();
    await fabric.reconcile([]);
    app.hold();
    const first = fabric.ensureBridge(eline('sw1/1', 10));
    await app.waitForCount((r) => r.method === 'PUT', 2);
    const more = [
      fabric.ensureBridge(eline('sw1/2', 20)),
      fabric.ensureBridge(eline('sw1/3', 30)),
      fabric.ensureBridge(eline('sw1/4', 40)),
      fabric.removeBridge('sw1/1'),
      fabric.ensureBridge(eline('sw1/5', 50)),
    ];
    app.release();
    await Promise.all([first, ...more]);
    expect(app.puts()).toHaveLength(3);
    expect(Object.keys(app.lastPut().slices).sort()).toEqual(['sw1/2', 'sw1/3', 'sw1/4', 'sw1/5']);
    expect(rec.of('sw1/1')).toEqual(['pending', 'absent']); // removed before the app's answer counted
    for (const id of ['sw1/2', 'sw1/3', 'sw1/4', 'sw1/5']) expect(rec.of(id)).toEqual(['pending', 'up']);
  });

  it('until the first reconcile, slices it finds on the app are kept (no blip on a broker restart)', async () => {
    const { app, fabric } = await rig({}, (a) => {
      a.slices.set(DPID, new Map([['sw1/9', { circuits: [{ port: 1, vlan: 9 }, { port: 2, vlan: 9 }] }]]));
      a.generations.set(DPID, 5);
    });
    await fabric.ensureBridge(eline('sw1/1', 10));
    expect(Object.keys(app.lastPut().slices).sort()).toEqual(['sw1/1', 'sw1/9']);
    expect(app.lastPut().slices['sw1/9']).toEqual({ circuits: [{ port: 1, vlan: 9 }, { port: 2, vlan: 9 }] });
    await fabric.reconcile([eline('sw1/1', 10)]);
    expect(Object.keys(app.lastPut().slices)).toEqual(['sw1/1']);
  });

  it('pushes nothing before it is asked for anything', async () => {
    const base = countingTimers();
    let ticks = 0;
    let thirdTick!: () => void;
    const ticked = new Promise<void>((resolve) => (thirdTick = resolve));
    const timers: TimerApi = {
      setTimeout: (cb, ms) =>
        base.setTimeout(() => {
          cb();
          if (ms === 15 && ++ticks === 3) thirdTick();
        }, ms),
      clearTimeout: (h) => base.clearTimeout(h),
    };
    const { app } = await rig({ pushIntervalMs: 15, timers });
    await ticked;
    expect(app.requests).toEqual([]);
  });
});

describe('openflow fabric: bad input', () => {
  it('rejects malformed specs with INVALID_ARGUMENT and changes nothing', async () => {
    const { app, fabric } = await rig();
    let e = await errorOf(() => fabric.ensureBridge(spec('sw1/1', circuit('3', 10), circuit('x9', 10))));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.details.field).toBe('interface');
    expect(e.details.value).toBe('x9');
    e = await errorOf(() => fabric.ensureBridge(spec('sw1/1', circuit('3', 1.5))));
    expect(e.code).toBe('INVALID_ARGUMENT');
    e = await errorOf(() => fabric.ensureBridge(spec('sw1/1', circuit('3', 10, -1))));
    expect(e.code).toBe('INVALID_ARGUMENT');
    e = await errorOf(() => fabric.ensureBridge(spec('bad id!', circuit('3', 10))));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.details.field).toBe('id');
    e = await errorOf(() => fabric.reconcile([eline('sw1/1', 10), eline('sw1/1', 11)]));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.details.value).toBe('sw1/1');
    expect(await fabric.bridges()).toEqual([]);
    expect(app.requests).toEqual([]);
  });

  it('[R13] a label outside its interface\'s space (VLAN 0, 4095) fails the bridge, naming the label; it is never sent', async () => {
    const { app, fabric, rec } = await rig({ ports: 24 });
    await fabric.ensureBridge(spec('sw1/1', circuit('3', 4095), circuit('4', 10)));
    await fabric.ensureBridge(spec('sw1/2', circuit('phys', 25), circuit('phys', 2)));
    await fabric.ensureBridge(spec('sw1/3', circuit('3.7', 0), circuit('4', 11)));
    for (const [id, label] of [['sw1/1', '4095'], ['sw1/2', '25'], ['sw1/3', '0']] as const) {
      const s = await rec.until(id, 'failed');
      expect(s.reason).toContain(label);
    }
    expect(app.puts().every((p) => Object.keys((p.body as { slices: object }).slices).length === 0)).toBe(true);
  });

  it('a bridge whose circuits claim frames another bridge holds fails; the holder is untouched', async () => {
    const { app, fabric, rec } = await rig();
    await fabric.ensureBridge(spec('sw1/1', circuit('phys', 3), circuit('phys', 4)));
    await fabric.ensureBridge(spec('sw1/2', circuit('3', 100), circuit('5', 100)));
    await fabric.ensureBridge(spec('sw1/3', circuit('6', 100), circuit('6.100', 7)));
    await fabric.ensureBridge(spec('sw1/4', circuit('7', 1), circuit('7', 1)));
    expect(rec.of('sw1/1')).toEqual(['pending', 'up']);
    for (const id of ['sw1/2', 'sw1/3', 'sw1/4']) expect(rec.of(id)).toEqual(['failed']);
    expect(Object.keys(app.lastPut().slices)).toEqual(['sw1/1']);
  });

  it('reconcile lets bridges swap circuits in one step', async () => {
    const { fabric, rec } = await rig();
    await fabric.reconcile([eline('sw1/1', 10), eline('sw1/2', 20)]);
    await fabric.reconcile([eline('sw1/2', 10), eline('sw1/1', 20)]);
    expect((await fabric.bridges()).map((b) => b.condition)).toEqual(['up', 'up']);
    expect(rec.states.some((s) => s.condition === 'failed')).toBe(false);
  });
});

describe('openflow fabric: status', () => {
  it('pending until the app reports the slice installed; the call resolves after the answer was delivered', async () => {
    const { fabric, rec } = await rig();
    const seenSync: BridgeState[] = [];
    fabric.subscribe((s) => seenSync.push(s));
    const p = fabric.ensureBridge(eline('sw1/1', 10));
    expect(seenSync).toEqual([]); // never inside the call
    await p;
    expect(rec.of('sw1/1')).toEqual(['pending', 'up']);
    expect(await fabric.bridges()).toEqual([{ id: 'sw1/1', condition: 'up' }]);
  });

  it('stays pending (with the app\'s reason) while the switch is not connected, and comes up when it connects', async () => {
    const { app, fabric, rec } = await rig();
    app.connected = false;
    await fabric.ensureBridge(eline('sw1/1', 10));
    const pending = rec.states.at(-1) as BridgeState;
    expect(pending.condition).toBe('pending');
    expect(pending.reason).toBeDefined();
    const puts = app.puts().length;
    app.connected = true;
    await rec.until('sw1/1', 'up');
    expect(app.puts()).toHaveLength(puts); // found by reading status, no push needed
    expect(app.requests.at(-1)?.query).toBe('?switch=0');
  });

  it('while a slice stays pending it reads the status again, backing off; a change makes it quick again', async () => {
    const delays: number[] = [];
    const base = countingTimers();
    const timers: TimerApi = {
      setTimeout: (cb, ms) => {
        delays.push(ms);
        return base.setTimeout(cb, ms);
      },
      clearTimeout: (h) => base.clearTimeout(h),
    };
    let reason = 'port 2 is missing';
    const { app, fabric, rec } = await rig({ statusPollMs: 3, requestTimeoutMs: 1000, perSliceTimeoutMs: 0, timers }, (a) => {
      a.stateOf = () => ({ state: 'pending', reason });
    });
    await fabric.ensureBridge(eline('sw1/1', 10));
    const gets = () => app.requests.filter((r) => r.method === 'GET').length;
    await app.waitFor(() => gets() >= 6);
    reason = 'port 1 is missing';
    await app.waitFor(() => gets() >= 9);
    const polls = delays.filter((d) => d < 1000);
    expect(polls.slice(0, 5)).toEqual([3, 6, 12, 24, 48]);
    const again = polls.indexOf(3, 5);
    expect(again).toBeGreaterThan(4); // quick again after the change ...
    expect(polls.slice(again, again + 2)).toEqual([3, 6]); // ... then backing off again
  });

  it('reports the app\'s pending reason (e.g. a missing port) and failure reason, each once', async () => {
    const states: Record<string, { state: 'pending' | 'failed' | 'installed'; reason?: string }> = {
      'sw1/1': { state: 'pending', reason: 'port 2 is missing' },
      'sw1/2': { state: 'failed', reason: 'OFPET_METER_MOD_FAILED' },
    };
    const { app, fabric, rec } = await rig({}, (a) => {
      a.stateOf = (id) => states[id] ?? { state: 'installed' };
    });
    await fabric.ensureBridge(eline('sw1/1', 10));
    await fabric.ensureBridge(eline('sw1/2', 20));
    await rec.until('sw1/2', 'failed');
    expect(rec.states.filter((s) => s.id === 'sw1/1')).toEqual([
      { id: 'sw1/1', condition: 'pending' },
      { id: 'sw1/1', condition: 'pending', reason: 'port 2 is missing' },
    ]);
    expect(rec.states.filter((s) => s.id === 'sw1/2').at(-1)).toEqual({ id: 'sw1/2', condition: 'failed', reason: 'OFPET_METER_MOD_FAILED' });
    // the failed slice is taken out of the desired state; the pending one stays
    await app.waitFor(() => !('sw1/2' in app.lastPut().slices));
    expect(Object.keys(app.lastPut().slices)).toEqual(['sw1/1']);
    states['sw1/1'] = { state: 'installed' };
    await rec.until('sw1/1', 'up');
  });

  it('removal is confirmed as absent only once the app accepted the state without it', async () => {
    const { app, fabric, rec } = await rig({ retryMinMs: 20 });
    await fabric.ensureBridge(eline('sw1/1', 10));
    app.fail({ kind: 'status', status: 503 });
    await fabric.removeBridge('sw1/1');
    expect(rec.of('sw1/1')).toEqual(['pending', 'up']); // not confirmed yet
    await rec.until('sw1/1', 'absent');
    expect(Object.keys(app.lastPut().slices)).toEqual([]);
    expect(await fabric.bridges()).toEqual([]);
  });

  it('removing a bridge the app never saw is immediate; removing an unknown one is a no-op', async () => {
    const { app, fabric, rec } = await rig();
    await fabric.reconcile([]);
    await fabric.ensureBridge(spec('sw1/1', circuit('3', 5000)));
    const n = app.requests.length;
    await fabric.removeBridge('sw1/1');
    expect(rec.of('sw1/1')).toEqual(['failed', 'absent']);
    await fabric.removeBridge('sw1/404');
    expect(app.requests.length).toBe(n);
  });

  it('ensuring a failed bridge again retries it', async () => {
    let fail = true;
    const { fabric, rec } = await rig({}, (a) => {
      a.stateOf = () => (fail ? { state: 'failed', reason: 'no meters left' } : { state: 'installed' });
    });
    await fabric.ensureBridge(eline('sw1/1', 10));
    await rec.until('sw1/1', 'failed');
    fail = false;
    await fabric.ensureBridge(eline('sw1/1', 10));
    expect(rec.of('sw1/1')).toEqual(['pending', 'failed', 'pending', 'up']);
  });

  it('[R1] re-pushes the full state on its timer, restoring a restarted app', async () => {
    const { app, fabric, rec } = await rig({ pushIntervalMs: 30 });
    await fabric.ensureBridge(eline('sw1/1', 10));
    app.restart();
    await app.waitFor(() => app.slices.get(DPID)?.has('sw1/1') === true);
    expect(rec.of('sw1/1')).toEqual(['pending', 'up']); // no event for an unchanged state
  });

  it('[R1] notices a restarted app when reading status, and pushes again', async () => {
    let pending = true;
    const { app, fabric, rec } = await rig({}, (a) => {
      a.stateOf = () => (pending ? { state: 'pending', reason: 'installing' } : { state: 'installed' });
    });
    await fabric.ensureBridge(eline('sw1/1', 10));
    const puts = app.puts().length;
    app.restart();
    pending = false;
    await rec.until('sw1/1', 'up');
    expect(app.puts().length).toBeGreaterThan(puts);
    expect(app.slices.get(DPID)?.has('sw1/1')).toBe(true);
  });
});

describe('openflow fabric: failures', () => {
  it('[R15] app unreachable or 5xx: bridges pending (the reason says so), the call resolves, retries bring them up', async () => {
    const { app, fabric, rec } = await rig();
    app.fail({ kind: 'drop' }, { kind: 'status', status: 503 }, { kind: 'status', status: 500 });
    await fabric.ensureBridge(eline('sw1/1', 10));
    const s = rec.states.at(-1) as BridgeState;
    expect(s).toMatchObject({ id: 'sw1/1', condition: 'pending' });
    expect(s.reason).toContain(app.url);
    await rec.until('sw1/1', 'up');
    expect(app.puts().length).toBeGreaterThanOrEqual(1);
  });

  it('backs off exponentially up to the cap', async () => {
    const delays: number[] = [];
    const base = countingTimers();
    const timers: TimerApi = {
      setTimeout: (cb, ms) => {
        delays.push(ms);
        return base.setTimeout(cb, ms);
      },
      clearTimeout: (h) => base.clearTimeout(h),
    };
    const { app, fabric, rec } = await rig({ retryMinMs: 3, retryMaxMs: 20, timers });
    app.fail(...Array.from({ length: 6 }, () => ({ kind: 'status' as const, status: 502 })));
    await fabric.ensureBridge(eline('sw1/1', 10));
    await rec.until('sw1/1', 'up');
    expect(delays.filter((d) => d <= 20)).toEqual([3, 6, 12, 20, 20, 20]);
    expect(rec.of('sw1/1')).toEqual(['pending', 'pending', 'up']); // the unreachable reason is told once
  });

  it('tells an outage once, whichever requests (status reads, pushes) met it', async () => {
    let installed = false;
    const { app, fabric, rec } = await rig({}, (a) => {
      a.stateOf = () => (installed ? { state: 'installed' } : { state: 'pending', reason: 'installing' });
    });
    await fabric.ensureBridge(eline('sw1/1', 10));
    const before = app.requests.length;
    app.fail(...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 503 })));
    await app.waitFor(() => app.requests.length >= before + 5);
    expect(new Set(app.requests.slice(before, before + 4).map((r) => r.method))).toEqual(new Set(['GET', 'PUT']));
    installed = true;
    await rec.until('sw1/1', 'up');
    expect(rec.states.filter((s) => s.reason?.includes(app.url))).toHaveLength(1);
  });

  it('[R15] a 200 without the contract\'s body is not taken for success', async () => {
    const { app, fabric, rec } = await rig();
    await fabric.reconcile([]);
    app.fail({ kind: 'status', status: 200, body: { hello: 'world' } });
    await fabric.ensureBridge(eline('sw1/1', 10));
    expect(rec.of('sw1/1')).toEqual(['pending', 'pending']);
    expect(rec.states.at(-1)?.reason).toContain(app.url);
    await rec.until('sw1/1', 'up');
  });

  it('a request that gets no answer times out and is retried', async () => {
    const { app, fabric, rec } = await rig({ requestTimeoutMs: 100, perSliceTimeoutMs: 0 });
    app.fail({ kind: 'hang' });
    await fabric.ensureBridge(eline('sw1/1', 10));
    expect(rec.states.at(-1)?.condition).toBe('pending');
    await rec.until('sw1/1', 'up');
  });

  it('changes made while a retry is scheduled resolve at once and go out with the retry', async () => {
    const { app, fabric, rec } = await rig({ retryMinMs: 50, retryMaxMs: 50 });
    app.fail({ kind: 'status', status: 503 }, { kind: 'status', status: 503 });
    await fabric.ensureBridge(eline('sw1/1', 10));
    const n = app.requests.length;
    await fabric.ensureBridge(eline('sw1/2', 20));
    expect(app.requests.length).toBe(n);
    expect(rec.of('sw1/2')).toEqual(['pending']);
    await rec.until('sw1/2', 'up');
    await rec.until('sw1/1', 'up');
  });

  it('[R15] a 4xx naming a slice fails that bridge with the app\'s message; the others go on', async () => {
    const { app, fabric, rec } = await rig();
    await fabric.ensureBridge(eline('sw1/1', 10));
    app.fail({
      kind: 'status',
      status: 400,
      body: { error: { code: 'INVALID_ARGUMENT', message: 'vlan not allowed', details: { field: 'slices["sw1/2"].circuits[0].vlan' } } },
    });
    await fabric.ensureBridge(eline('sw1/2', 20));
    const failed = await rec.until('sw1/2', 'failed');
    expect(failed.reason).toContain('vlan not allowed');
    await app.waitFor(() => app.puts().length >= 3);
    expect(Object.keys(app.lastPut().slices)).toEqual(['sw1/1']);
    expect(rec.of('sw1/1')).toEqual(['pending', 'up']);
  });

  it('a 409 naming two slices fails the one that changed, not the one already carried', async () => {
    const { app, fabric, rec } = await rig();
    await fabric.ensureBridge(eline('sw1/1', 10));
    app.fail({
      kind: 'status',
      status: 409,
      body: {
        error: {
          code: 'CONFLICT',
          message: 'circuits overlap',
          details: { field: 'slices["sw1/2"].circuits[0]', conflictsWith: 'slices["sw1/1"].circuits[0]' },
        },
      },
    });
    await fabric.ensureBridge(eline('sw1/2', 11));
    await rec.until('sw1/2', 'failed');
    expect(rec.of('sw1/1')).toEqual(['pending', 'up']);
  });

  it('a 4xx naming nothing fails the bridges that changed since the last accepted state', async () => {
    const { app, fabric, rec } = await rig();
    await fabric.ensureBridge(eline('sw1/1', 10));
    app.fail({ kind: 'status', status: 400, body: 'not json at all' });
    await fabric.ensureBridge(eline('sw1/2', 20));
    await rec.until('sw1/2', 'failed');
    expect(rec.of('sw1/1')).toEqual(['pending', 'up']);
  });

  it('[R17] a refused token fails every bridge with the app\'s message', async () => {
    const { fabric, rec } = await rig({ token: 'wrong' }, (a) => {
      a.token = 'right';
    });
    await fabric.ensureBridge(eline('sw1/1', 10));
    expect(rec.of('sw1/1')).toEqual(['pending', 'failed']);
  });
});

describe('openflow fabric: close', () => {
  it('leaves no timer behind, idle or busy', async () => {
    const idle = await rig();
    await idle.fabric.ensureBridge(eline('sw1/1', 10));
    await idle.fabric.close();
    expect(idle.timers.live()).toBe(0);

    const busy = await rig({ retryMinMs: 10_000, retryMaxMs: 10_000 });
    busy.app.fail({ kind: 'status', status: 503 });
    await busy.fabric.ensureBridge(eline('sw1/1', 10)); // a retry is now scheduled in 10 s
    busy.app.hold();
    await busy.fabric.close();
    expect(busy.timers.live()).toBe(0);
  });

  it('aborts a request in flight: the waiting call rejects with UNAVAILABLE; later calls too', async () => {
    const { app, fabric, timers } = await rig();
    await fabric.reconcile([]);
    app.hold();
    const pending = errorOf(() => fabric.ensureBridge(eline('sw1/1', 10)));
    await app.waitForCount((r) => r.method === 'PUT', 2);
    await fabric.close();
    expect((await pending).code).toBe('UNAVAILABLE');
    expect(timers.live()).toBe(0);
    expect((await errorOf(() => fabric.ensureBridge(eline('sw1/2', 10)))).code).toBe('UNAVAILABLE');
    expect((await errorOf(() => fabric.bridges())).code).toBe('UNAVAILABLE');
  });

  it('a failing listener does not stop the others', async () => {
    const { fabric, rec } = await rig();
    fabric.subscribe(() => {
      throw new Error('boom');
    });
    await fabric.ensureBridge(eline('sw1/1', 10));
    expect(rec.of('sw1/1')).toEqual(['pending', 'up']);
  });
});
