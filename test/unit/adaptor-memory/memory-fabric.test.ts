import { MemoryFabric, parseInterfaceDescription } from '@dpb/adaptor-memory';
import type { BridgeSpec, BridgeState } from '@dpb/model';

/** Records every state a fabric reports, and waits for a given one. */
function recorder(fabric: MemoryFabric) {
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
  const until = (id: string, condition: BridgeState['condition']): Promise<void> => {
    if (states.some((s) => s.id === id && s.condition === condition)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${id} never became ${condition}`)), 2000);
      waiters.push({
        match: (s) => s.id === id && s.condition === condition,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  };
  const of = (id: string) => states.filter((s) => s.id === id).map((s) => s.condition);
  return { states, until, of };
}

const spec = (id: string, ...circuits: [string, number][]): BridgeSpec => ({
  id,
  circuits: circuits.map(([iface, label]) => ({ interface: iface, label, ingressMbps: 10, egressMbps: 20 })),
});

async function errorOf(f: () => unknown): Promise<{ code: string; details: Record<string, unknown> }> {
  try {
    await f();
  } catch (e) {
    const b = e as { code: string; details: Record<string, unknown> };
    return { code: b.code, details: b.details };
  }
  throw new Error('expected a failure');
}

describe('memory fabric interface descriptions', () => {
  it('parses a bare port as VLAN ids 0..4095', () => {
    const f = new MemoryFabric();
    expect(f.describeInterface('p1')).toEqual({ description: 'p1', labels: { min: 0, max: 4095 } });
    expect(f.describeInterface(' eth0.1 ')).toEqual({ description: 'eth0.1', labels: { min: 0, max: 4095 } });
  });

  it('parses a label space and normalises the description', () => {
    const f = new MemoryFabric();
    expect(f.describeInterface('p4/0-8000')).toEqual({ description: 'p4/0-8000', labels: { min: 0, max: 8000 } });
    expect(f.describeInterface('p4/007-0100').description).toBe('p4/7-100');
    expect(f.describeInterface('p4/0-4095').description).toBe('p4');
    expect(parseInterfaceDescription('x/1-2').port).toBe('x');
  });

  it.each(['', 'p 1', 'p1/', 'p1/5', 'p1/9-3', 'p1/1-99999999999', 'a:b', 'p1/-1-5'])(
    'rejects %j with INVALID_ARGUMENT naming the field',
    async (d) => {
      const e = await errorOf(() => new MemoryFabric().describeInterface(d));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.details.field).toBe('interface');
      expect(e.details.value).toBe(d);
    },
  );
});

describe('memory fabric bridges', () => {
  it('reports pending then up, never inside the call, and joins the channels', async () => {
    const f = new MemoryFabric();
    const r = recorder(f);
    const sync: BridgeState[] = [];
    f.subscribe((s) => sync.push(s));
    const p = f.ensureBridge(spec('b1', ['p1', 10], ['p2', 20]));
    expect(sync).toHaveLength(0);
    await p;
    await r.until('b1', 'up');
    expect(r.of('b1')).toEqual(['pending', 'up']);
    expect(f.reach({ interface: 'p1', label: 10 }, { interface: 'p2', label: 20 })).toEqual({ connected: true, rateMbps: 10 });
    expect(f.reach({ interface: 'p1', label: 10 }, { interface: 'p2', label: 21 }).connected).toBe(false);
    expect(f.reach({ interface: 'p1', label: 10 }, { interface: 'p1', label: 10 }).connected).toBe(false);
    expect(await f.bridges()).toEqual([{ id: 'b1', condition: 'up' }]);
  });

  it('is not connected while pending; delayMs holds bridges pending', async () => {
    const f = new MemoryFabric({ delayMs: 20 });
    const r = recorder(f);
    await f.ensureBridge(spec('b1', ['p1', 10], ['p2', 10]));
    expect(r.of('b1')).toEqual(['pending']);
    expect(f.reach({ interface: 'p1', label: 10 }, { interface: 'p2', label: 10 }).connected).toBe(false);
    await r.until('b1', 'up');
    expect(f.reach({ interface: 'p1', label: 10 }, { interface: 'p2', label: 10 }).connected).toBe(true);
  });

  it('ensuring the same bridge again changes nothing; new rates apply in place', async () => {
    const f = new MemoryFabric();
    const r = recorder(f);
    await f.ensureBridge(spec('b1', ['p1', 10], ['p2', 10]));
    await r.until('b1', 'up');
    await f.ensureBridge(spec('b1', ['p1', 10], ['p2', 10]));
    await f.ensureBridge({
      id: 'b1',
      circuits: [
        { interface: 'p1', label: 10, ingressMbps: 5, egressMbps: 5 },
        { interface: 'p2', label: 10, ingressMbps: 7, egressMbps: 3 },
      ],
    });
    expect(r.of('b1')).toEqual(['pending', 'up']);
    expect(f.reach({ interface: 'p1', label: 10 }, { interface: 'p2', label: 10 }).rateMbps).toBe(3);
    expect(f.reach({ interface: 'p2', label: 10 }, { interface: 'p1', label: 10 }).rateMbps).toBe(5);
  });

  it('changing the circuits of an up bridge rebuilds it', async () => {
    const f = new MemoryFabric();
    const r = recorder(f);
    await f.ensureBridge(spec('b1', ['p1', 10], ['p2', 10]));
    await r.until('b1', 'up');
    await f.ensureBridge(spec('b1', ['p1', 10], ['p3', 10]));
    await new Promise<void>((res) => f.subscribe((s) => s.condition === 'up' && res()));
    expect(r.of('b1')).toEqual(['pending', 'up', 'pending', 'up']);
    expect(f.reach({ interface: 'p1', label: 10 }, { interface: 'p3', label: 10 }).connected).toBe(true);
    expect(f.reach({ interface: 'p1', label: 10 }, { interface: 'p2', label: 10 }).connected).toBe(false);
  });

  it('a bridge taking a channel of another bridge fails with a reason', async () => {
    const f = new MemoryFabric();
    const r = recorder(f);
    await f.ensureBridge(spec('b1', ['p1', 10], ['p2', 10]));
    await f.ensureBridge(spec('b2', ['p1', 10], ['p3', 10]));
    expect(r.of('b2')).toEqual(['failed']);
    const b2 = r.states.find((s) => s.id === 'b2');
    expect(b2?.reason).toMatch(/b1/);
    await r.until('b1', 'up');
    // the failed bridge holds nothing: b1 is untouched and p3:10 is free
    expect(f.reach({ interface: 'p1', label: 10 }, { interface: 'p2', label: 10 }).connected).toBe(true);
    await f.ensureBridge(spec('b3', ['p3', 10], ['p4', 10]));
    await r.until('b3', 'up');
  });

  it('the same port with another label space is the same channel', async () => {
    const f = new MemoryFabric();
    const r = recorder(f);
    await f.ensureBridge(spec('b1', ['p1', 10], ['p2', 10]));
    await f.ensureBridge(spec('b2', ['p1/0-8000', 10], ['p3', 10]));
    expect(r.of('b2')).toEqual(['failed']);
  });

  it('a label outside the interface label space fails the bridge', async () => {
    const f = new MemoryFabric();
    const r = recorder(f);
    await f.ensureBridge(spec('b1', ['p1', 4096], ['p2', 10]));
    expect(r.of('b1')).toEqual(['failed']);
    await f.ensureBridge(spec('b2', ['p1/0-8000', 8000], ['p2', 10]));
    await r.until('b2', 'up');
  });

  it('enforces maxBridges', async () => {
    const f = new MemoryFabric({ maxBridges: 1 });
    expect(f.maxBridges()).toBe(1);
    expect(new MemoryFabric().maxBridges()).toBeUndefined();
    const r = recorder(f);
    await f.ensureBridge(spec('b1', ['p1', 1], ['p2', 1]));
    await f.ensureBridge(spec('b2', ['p1', 2], ['p2', 2]));
    expect(r.of('b2')).toEqual(['failed']);
    await f.removeBridge('b1');
    await f.ensureBridge(spec('b2', ['p1', 2], ['p2', 2]));
    await r.until('b2', 'up');
  });

  it('removeBridge reports absent, frees the channels, and is idempotent', async () => {
    const f = new MemoryFabric({ delayMs: 10 });
    const r = recorder(f);
    await f.ensureBridge(spec('b1', ['p1', 10], ['p2', 10]));
    await f.removeBridge('b1');
    await f.removeBridge('b1');
    await f.removeBridge('never-there');
    expect(r.of('b1')).toEqual(['pending', 'absent']);
    expect(await f.bridges()).toEqual([]);
    await f.ensureBridge(spec('b2', ['p1', 10], ['p2', 10]));
    await r.until('b2', 'up');
    // the cancelled b1 never came up
    expect(r.of('b1')).toEqual(['pending', 'absent']);
  });

  it('reconcile keeps exactly the given bridges', async () => {
    const f = new MemoryFabric();
    const r = recorder(f);
    await f.ensureBridge(spec('stale', ['p1', 10], ['p2', 10]));
    await f.ensureBridge(spec('keep', ['p1', 11], ['p2', 11]));
    await r.until('keep', 'up');
    await f.reconcile([spec('keep', ['p1', 11], ['p2', 11]), spec('new', ['p1', 10], ['p3', 10])]);
    await r.until('new', 'up');
    expect(r.of('stale')).toEqual(['pending', 'up', 'absent']);
    expect(r.of('keep')).toEqual(['pending', 'up']);
    expect(f.snapshot().map((b) => [b.id, b.condition])).toEqual([
      ['keep', 'up'],
      ['new', 'up'],
    ]);
    const dup = await errorOf(() => f.reconcile([spec('x', ['p1', 1], ['p2', 1]), spec('x', ['p1', 2], ['p2', 2])]));
    expect(dup.code).toBe('INVALID_ARGUMENT');
  });
});

describe('memory fabric fault injection', () => {
  it('failNext fails the next bridges, then succeeds', async () => {
    const f = new MemoryFabric();
    const r = recorder(f);
    f.failNext('port on fire', 2);
    await f.ensureBridge(spec('b1', ['p1', 1], ['p2', 1]));
    await f.ensureBridge(spec('b2', ['p1', 2], ['p2', 2]));
    await f.ensureBridge(spec('b3', ['p1', 3], ['p2', 3]));
    expect(r.states.filter((s) => s.condition === 'failed').map((s) => [s.id, s.reason])).toEqual([
      ['b1', 'port on fire'],
      ['b2', 'port on fire'],
    ]);
    await r.until('b3', 'up');
    // ensuring a failed bridge again retries it
    await f.ensureBridge(spec('b1', ['p1', 1], ['p2', 1]));
    await r.until('b1', 'up');
  });

  it('failInterface fails bridges on it until cleared', async () => {
    const f = new MemoryFabric();
    const r = recorder(f);
    await f.ensureBridge(spec('b1', ['p1', 1], ['p2', 1]));
    await f.ensureBridge(spec('b2', ['p3', 1], ['p4', 1]));
    await r.until('b1', 'up');
    f.failInterface('p2', 'cable cut');
    await r.until('b1', 'failed');
    expect(r.states.find((s) => s.id === 'b1' && s.condition === 'failed')?.reason).toBe('cable cut');
    expect(f.reach({ interface: 'p1', label: 1 }, { interface: 'p2', label: 1 }).connected).toBe(false);
    await f.ensureBridge(spec('b3', ['p2', 5], ['p3', 5]));
    expect(r.of('b3')).toEqual(['failed']);
    f.failInterface('p2', undefined);
    await f.ensureBridge(spec('b3', ['p2', 5], ['p3', 5]));
    await r.until('b3', 'up');
    expect(r.of('b2')).toEqual(['pending', 'up']);
  });

  it('setReachable(false) makes every call reject with UNAVAILABLE', async () => {
    const f = new MemoryFabric({ name: 'lab' });
    f.setReachable(false);
    for (const call of [
      () => f.ensureBridge(spec('b1', ['p1', 1], ['p2', 1])),
      () => f.removeBridge('b1'),
      () => f.reconcile([]),
      () => f.bridges(),
    ]) {
      const e = await errorOf(call);
      expect(e.code).toBe('UNAVAILABLE');
      expect(e.details.inferior).toBe('lab');
    }
    f.setReachable(true);
    expect(await f.bridges()).toEqual([]);
  });

  it('setDelay changes how long new bridges stay pending', async () => {
    const f = new MemoryFabric();
    const r = recorder(f);
    f.setDelay(15);
    await f.ensureBridge(spec('b1', ['p1', 1], ['p2', 1]));
    expect(f.snapshot()[0]?.condition).toBe('pending');
    await r.until('b1', 'up');
    expect(() => f.setDelay(-1)).toThrow();
  });

  it('loseBridge and reboot drop bridges, reporting absent', async () => {
    const f = new MemoryFabric();
    const r = recorder(f);
    await f.ensureBridge(spec('b1', ['p1', 1], ['p2', 1]));
    await f.ensureBridge(spec('b2', ['p1', 2], ['p2', 2]));
    await f.ensureBridge(spec('b3', ['p1', 3], ['p2', 3]));
    await r.until('b3', 'up');
    f.loseBridge('b1');
    await r.until('b1', 'absent');
    expect(f.reach({ interface: 'p1', label: 1 }, { interface: 'p2', label: 1 }).connected).toBe(false);
    f.reboot();
    await r.until('b2', 'absent');
    await r.until('b3', 'absent');
    expect(f.snapshot()).toEqual([]);
  });

  it('delivers states in order to every listener, isolating a faulty one', async () => {
    const f = new MemoryFabric();
    f.subscribe(() => {
      throw new Error('faulty listener');
    });
    const r = recorder(f);
    const unsubscribed: BridgeState[] = [];
    const off = f.subscribe((s) => unsubscribed.push(s));
    off();
    await f.ensureBridge(spec('b1', ['p1', 1], ['p2', 1]));
    await f.removeBridge('b1');
    await f.ensureBridge(spec('b1', ['p1', 1], ['p2', 1]));
    await r.until('b1', 'up');
    expect(r.of('b1')).toEqual(['pending', 'absent', 'pending', 'up']);
    expect(unsubscribed).toEqual([]);
  });
});
