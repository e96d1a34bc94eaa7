import { isAllowedTransition, type Service, type ServiceStatus } from '@dpb/model';
import { eline, makeRig, rejection, type SwitchRig, WAIT_MS } from './fixtures';

let rig: SwitchRig;
afterEach(async () => {
  await rig?.close();
});

async function activeService(r: SwitchRig, a = 'a', b = 'b', label = 100, mbps = 10): Promise<Service> {
  const s = await r.sw.createService();
  await s.define(eline(a, b, label, mbps));
  await s.activate();
  expect(await s.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
  return s;
}

function watchAll(s: Service): { statuses: ServiceStatus[]; valid(): void } {
  const statuses: ServiceStatus[] = [];
  void (async () => {
    for await (const ev of s.watch()) statuses.push(ev.status);
  })();
  return {
    statuses,
    valid() {
      for (let i = 1; i < statuses.length; i++) {
        expect(isAllowedTransition(statuses[i - 1] as ServiceStatus, statuses[i] as ServiceStatus)).toBe(true);
      }
    },
  };
}

describe('terminals', () => {
  it('maps terminals to canonical interfaces with their label spaces', async () => {
    rig = await makeRig();
    const d = await rig.sw.terminal('d');
    expect(d).toMatchObject({ interface: 'p4/0-8000', labels: { min: 0, max: 8000 }, ingressQuotaMbps: null });
    expect(await rig.sw.terminals()).toEqual(['a', 'b', 'c', 'd']);
    expect(rig.sw.control).toBe(rig.sw);
    expect(rig.sw.kind).toBe('switch');
  });

  it('rejects a bad description, a taken name and a taken interface', async () => {
    rig = await makeRig();
    const bad = await rejection(() => rig.sw.addTerminal('e', 'p5/9-1'));
    expect(bad.code).toBe('INVALID_ARGUMENT');
    expect(bad.details).toMatchObject({ field: 'interface', terminal: 'e' });
    expect((await rejection(() => rig.sw.addTerminal('a', 'p9'))).code).toBe('ALREADY_EXISTS');
    const busy = await rejection(() => rig.sw.addTerminal('e', ' p1/0-4095'));
    expect(busy.code).toBe('BUSY');
    expect(busy.details.terminal).toBe('a');
    expect((await rejection(() => rig.sw.addTerminal('bad name', 'p9'))).code).toBe('INVALID_ARGUMENT');
    expect(await rig.sw.terminals()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('refuses to remove a terminal a defined service uses', async () => {
    rig = await makeRig();
    const s = await rig.sw.createService();
    await s.define(eline('a', 'b'));
    const r = await rejection(() => rig.sw.removeTerminal('a'));
    expect(r.code).toBe('BUSY');
    expect(r.details.terminal).toBe('a');
    await rig.sw.removeTerminal('c');
    expect(await rig.sw.terminals()).toEqual(['a', 'b', 'd']);
    expect((await rejection(() => rig.sw.removeTerminal('c'))).code).toBe('NOT_FOUND');
    expect((await rejection(() => rig.sw.terminal('c'))).details.kind).toBe('terminal');
  });
});

describe('define validation', () => {
  it('[item 37] checks labels against the interface label space at define time', async () => {
    rig = await makeRig();
    const s = await rig.sw.createService();
    const r = await rejection(() => s.define(eline('a', 'b', 4096)));
    expect(r.code).toBe('INVALID_ARGUMENT');
    expect(r.details).toMatchObject({ terminal: 'a', label: 4096, labels: { min: 0, max: 4095 } });
    expect(await s.status()).toBe('DORMANT');
    // terminal d accepts labels up to 8000
    const t = await rig.sw.createService();
    await t.define({
      circuits: [
        { terminal: 'd', label: 8000, ingressMbps: 1 },
        { terminal: 'd', label: 7999, ingressMbps: 1 },
      ],
    });
    await t.activate();
    expect(await t.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
  });

  it('NOT_FOUND names the unknown terminal', async () => {
    rig = await makeRig();
    const s = await rig.sw.createService();
    const r = await rejection(() => s.define(eline('a', 'zz')));
    expect(r).toEqual({ code: 'NOT_FOUND', details: expect.objectContaining({ kind: 'terminal', terminal: 'zz' }) });
  });

  it('BUSY when a circuit is held by another defined service, naming it', async () => {
    rig = await makeRig();
    const first = await rig.sw.createService();
    await first.define(eline('a', 'b', 100));
    const second = await rig.sw.createService();
    const r = await rejection(() => second.define(eline('a', 'c', 100)));
    expect(r.code).toBe('BUSY');
    expect(r.details).toMatchObject({ terminal: 'a', label: 100, service: first.id });
    expect(await second.status()).toBe('DORMANT');
    // another label on the same terminal is fine
    await second.define(eline('a', 'c', 101));
    expect(await second.status()).toBe('INACTIVE');
  });

  it('persists the definition before acknowledging it', async () => {
    rig = await makeRig();
    const s = await rig.sw.createService({ handle: 'x' });
    await s.define(eline('a', 'b'));
    const snap = await rig.store.load();
    const rec = snap.services.find((r) => r.id === s.id);
    expect(rec?.request?.circuits).toHaveLength(2);
    expect(rec?.handle).toBe('x');
    await s.activate();
    expect((await rig.store.load()).services.find((r) => r.id === s.id)?.intent).toBe('ACTIVE');
  });

  it('a store failure during define leaves the service DORMANT and the circuits free', async () => {
    rig = await makeRig();
    const s = await rig.sw.createService();
    const original = rig.sw['store'].putService.bind(rig.sw['store']);
    rig.sw['store'].putService = async () => {
      throw new Error('disk full');
    };
    const r = await rejection(() => s.define(eline('a', 'b')));
    expect(r.code).toBe('INTERNAL');
    expect(await s.status()).toBe('DORMANT');
    rig.sw['store'].putService = original;
    expect((await rig.sw.terminal('a')).circuitsInUse).toBe(0);
    await s.define(eline('a', 'b'));
    expect(await s.status()).toBe('INACTIVE');
  });
});

describe('quotas', () => {
  it('RESOURCE_EXHAUSTED with terminal, direction and amounts', async () => {
    rig = await makeRig();
    await rig.sw.modifyQuota('a', { ingress: { set: 15 }, egress: { set: 100 } });
    await activeService(rig, 'a', 'b', 100, 10);
    const s = await rig.sw.createService();
    const r = await rejection(() => s.define(eline('a', 'c', 101, 10)));
    expect(r.code).toBe('RESOURCE_EXHAUSTED');
    expect(r.details).toMatchObject({ terminal: 'a', direction: 'ingress', requestedMbps: 10, availableMbps: 5 });
    expect(await s.status()).toBe('DORMANT');
    await rig.sw.modifyQuota('c', { egress: { set: 4 } });
    const e = await rejection(() => s.define(eline('a', 'c', 101, 5)));
    expect(e.details).toMatchObject({ terminal: 'c', direction: 'egress', requestedMbps: 5, availableMbps: 4 });
  });

  it('quota is freed on release, reset and failure', async () => {
    rig = await makeRig();
    await rig.sw.modifyQuota('a', { ingress: { set: 10 } });
    const fits = async (): Promise<Service> => {
      const s = await rig.sw.createService();
      await s.define(eline('a', 'b', 200 + s.id, 10));
      return s;
    };
    const s1 = await fits();
    expect((await rejection(fits)).code).toBe('RESOURCE_EXHAUSTED');
    await s1.release();
    expect(await s1.awaitStatus(['RELEASED'], WAIT_MS)).toBe('RELEASED');
    const s2 = await fits();
    await s2.reset();
    expect(await s2.awaitStatus(['DORMANT'], WAIT_MS)).toBe('DORMANT');
    const s3 = await fits();
    rig.fabric.failNext('no room');
    await s3.activate();
    expect(await s3.awaitStatus(['FAILED'], WAIT_MS)).toBe('FAILED');
    const s4 = await fits();
    expect(await s4.status()).toBe('INACTIVE');
    expect((await rig.sw.terminal('a')).ingressUsedMbps).toBe(10);
  });

  it('modifyQuota: set, adjust, remove; negative INVALID_ARGUMENT; below use BUSY; unlimited cannot be adjusted', async () => {
    rig = await makeRig();
    await activeService(rig, 'a', 'b', 100, 10);
    expect(await rig.sw.modifyQuota('a', { ingress: { set: 50 } })).toMatchObject({ ingressQuotaMbps: 50, egressQuotaMbps: null });
    expect((await rig.sw.modifyQuota('a', { ingress: { adjust: -20 } })).ingressQuotaMbps).toBe(30);
    expect((await rig.sw.modifyQuota('a', { ingress: { adjust: 5 } })).ingressQuotaMbps).toBe(35);
    const neg = await rejection(() => rig.sw.modifyQuota('a', { ingress: { adjust: -100 } }));
    expect(neg.code).toBe('INVALID_ARGUMENT');
    expect(neg.details).toMatchObject({ terminal: 'a', direction: 'ingress' });
    expect((await rejection(() => rig.sw.modifyQuota('a', { ingress: { set: -1 } }))).code).toBe('INVALID_ARGUMENT');
    const below = await rejection(() => rig.sw.modifyQuota('a', { ingress: { set: 9 } }));
    expect(below.code).toBe('BUSY');
    expect(below.details).toMatchObject({ terminal: 'a', direction: 'ingress', requestedMbps: 9 });
    const unl = await rejection(() => rig.sw.modifyQuota('a', { egress: { adjust: 10 } }));
    expect(unl.code).toBe('FAILED_PRECONDITION');
    expect(unl.details).toMatchObject({ terminal: 'a', direction: 'egress' });
    // all or nothing: a bad egress change leaves ingress alone
    await rejection(() => rig.sw.modifyQuota('a', { ingress: { set: 40 }, egress: { set: -5 } }));
    expect((await rig.sw.terminal('a')).ingressQuotaMbps).toBe(35);
    expect((await rig.sw.modifyQuota('a', { ingress: { set: null } })).ingressQuotaMbps).toBeNull();
    expect((await rejection(() => rig.sw.modifyQuota('zz', { ingress: { set: 1 } }))).code).toBe('NOT_FOUND');
    const stored = (await rig.store.load()).terminals.find((t) => t.name === 'a');
    expect(stored?.ingressQuotaMbps).toBeNull();
  });

  it('[Q-5] adjusting a quota never turns "no limit" into zero, and defines work with dormant services around', async () => {
    rig = await makeRig();
    await rig.sw.createService(); // a dormant service must not break define (DPB threw an NPE)
    await rejection(() => rig.sw.modifyQuota('a', { ingress: { adjust: 10 } }));
    expect((await rig.sw.terminal('a')).ingressQuotaMbps).toBeNull();
    await rig.sw.modifyQuota('a', { ingress: { set: 20 } });
    expect((await rig.sw.modifyQuota('a', { ingress: { adjust: 0 } })).ingressQuotaMbps).toBe(20);
    const s = await rig.sw.createService();
    await s.define(eline('a', 'b', 100, 10));
    expect(await s.status()).toBe('INACTIVE');
  });

  it('[Q-24] limits use sanitised flows and count only defined, non-failed services', async () => {
    rig = await makeRig();
    await rig.sw.modifyQuota('a', { egress: { set: 10 } });
    await rig.sw.modifyQuota('b', { egress: { set: 10 } });
    // no egress given: sanitised to what the other circuit sends (5), which fits under 10
    const s = await rig.sw.createService();
    await s.define({
      circuits: [
        { terminal: 'a', label: 1, ingressMbps: 5 },
        { terminal: 'b', label: 1, ingressMbps: 5 },
      ],
    });
    expect((await rig.sw.terminal('a')).egressUsedMbps).toBe(5);
    // dormant services and failed ones do not count
    await rig.sw.createService();
    rig.fabric.failNext('broken');
    await s.activate();
    expect(await s.awaitStatus(['FAILED'], WAIT_MS)).toBe('FAILED');
    expect((await rig.sw.terminal('a')).egressUsedMbps).toBe(0);
    const t = await rig.sw.createService();
    await t.define(eline('a', 'b', 2, 10));
    expect(await t.status()).toBe('INACTIVE');
  });
});

describe('fabric trouble', () => {
  it('a bridge the fabric fails makes the service FAILED with an error record; reset returns it to DORMANT', async () => {
    rig = await makeRig();
    const s = await rig.sw.createService();
    const w = watchAll(s);
    await s.define(eline('a', 'b'));
    rig.fabric.failNext('port exploded');
    await s.activate();
    expect(await s.awaitStatus(['FAILED'], WAIT_MS)).toBe('FAILED');
    const info = await s.describe();
    expect(info.errors).toHaveLength(1);
    expect(['UNAVAILABLE', 'INTERNAL']).toContain(info.errors[0]?.code);
    expect(info.errors[0]?.details).toMatchObject({ bridge: 'sw1/' + s.id, reason: 'port exploded' });
    expect((await rejection(() => s.activate())).code).toBe('FAILED_PRECONDITION');
    // a failed service holds nothing: another service can take its circuits
    const other = await activeService(rig, 'a', 'b', 100);
    await other.release();
    await s.reset();
    expect(await s.awaitStatus(['DORMANT'], WAIT_MS)).toBe('DORMANT');
    expect((await s.describe()).errors).toEqual([]);
    expect((await rig.store.load()).services.find((r) => r.id === s.id)).toMatchObject({ intent: 'INACTIVE', request: null, errors: [] });
    await s.define(eline('a', 'b'));
    await s.activate();
    expect(await s.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
    w.valid();
    expect(w.statuses).toContain('FAILED');
  });

  it('release after failure reaches RELEASED and removes the failed bridge', async () => {
    rig = await makeRig();
    const s = await rig.sw.createService();
    await s.define(eline('a', 'b'));
    rig.fabric.failInterface('p2', 'cable cut');
    await s.activate();
    expect(await s.awaitStatus(['FAILED'], WAIT_MS)).toBe('FAILED');
    await s.release();
    expect(await s.awaitStatus(['RELEASED'], WAIT_MS)).toBe('RELEASED');
    expect(rig.fabric.snapshot()).toEqual([]);
  });

  it('an up bridge that fails later makes the service FAILED', async () => {
    rig = await makeRig();
    const s = await activeService(rig);
    rig.fabric.failInterface('p1', 'optic died');
    expect(await s.awaitStatus(['FAILED'], WAIT_MS)).toBe('FAILED');
    expect((await s.describe()).errors[0]?.details.reason).toBe('optic died');
  });

  it('an unreachable fabric keeps the service ACTIVATING, then ACTIVE once reachable', async () => {
    rig = await makeRig();
    const s = await rig.sw.createService();
    await s.define(eline('a', 'b'));
    rig.fabric.setReachable(false);
    await s.activate(); // never throws into the caller
    expect(await s.awaitStatus(['ACTIVE', 'FAILED'], 60)).toBe('ACTIVATING');
    rig.fabric.setReachable(true);
    expect(await s.awaitStatus(['ACTIVE', 'FAILED'], WAIT_MS)).toBe('ACTIVE');
  });

  it('release while the fabric is unreachable completes once it is back', async () => {
    rig = await makeRig();
    const s = await activeService(rig);
    rig.fabric.setReachable(false);
    await s.release();
    expect(await s.awaitStatus(['RELEASED'], 60)).toBe('RELEASING');
    rig.fabric.setReachable(true);
    expect(await s.awaitStatus(['RELEASED'], WAIT_MS)).toBe('RELEASED');
    expect(rig.fabric.snapshot()).toEqual([]);
  });

  it('a lost bridge is restored (ACTIVATING until up again)', async () => {
    rig = await makeRig({ fabric: { delayMs: 5 } });
    const s = await activeService(rig);
    const w = watchAll(s);
    rig.fabric.loseBridge('sw1/' + s.id);
    expect(await s.awaitStatus(['ACTIVATING'], WAIT_MS)).toBe('ACTIVATING');
    expect(await s.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
    expect(rig.fabric.reach({ interface: 'p1', label: 100 }, { interface: 'p2', label: 100 })).toEqual({ connected: true, rateMbps: 10 });
    w.valid();
  });

  it('a rebooted fabric gets every active bridge back, and no inactive one', async () => {
    rig = await makeRig();
    const s1 = await activeService(rig, 'a', 'b', 100);
    const s2 = await activeService(rig, 'a', 'c', 101);
    const s3 = await rig.sw.createService();
    await s3.define(eline('b', 'c', 102));
    rig.fabric.reboot();
    await new Promise<void>((r) => setImmediate(r));
    expect(await s1.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
    expect(await s2.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
    expect(rig.fabric.snapshot().map((b) => b.id)).toEqual([`sw1/${s1.id}`, `sw1/${s2.id}`]);
    expect(await s3.status()).toBe('INACTIVE');
  });

  it('periodic repair removes a stray bridge on the fabric', async () => {
    rig = await makeRig({ switch: { repairIntervalMs: 10 } });
    const s = await activeService(rig);
    await rig.fabric.ensureBridge({
      id: 'stray',
      circuits: [
        { interface: 'p3', label: 7, ingressMbps: 1, egressMbps: 1 },
        { interface: 'p4', label: 7, ingressMbps: 1, egressMbps: 1 },
      ],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('stray bridge never removed')), WAIT_MS);
      const off = rig.fabric.subscribe((st) => {
        if (st.id === 'stray' && st.condition === 'absent') {
          clearTimeout(timer);
          off();
          resolve();
        }
      });
    });
    expect(rig.fabric.snapshot().map((b) => b.id)).toEqual([`sw1/${s.id}`]);
    expect(await s.status()).toBe('ACTIVE');
  });
});

describe('lifecycle regressions', () => {
  it('[Q-10] release while ACTIVATING converges to RELEASED (slow fabric)', async () => {
    rig = await makeRig({ fabric: { delayMs: 30 } });
    const s = await rig.sw.createService();
    const w = watchAll(s);
    await s.define(eline('a', 'b'));
    await s.activate();
    expect(await s.status()).toBe('ACTIVATING');
    await s.release();
    expect(await s.awaitStatus(['RELEASED'], WAIT_MS)).toBe('RELEASED');
    expect(rig.fabric.snapshot()).toEqual([]);
    expect(w.statuses).not.toContain('ACTIVE');
    w.valid();
  });

  it('[Q-10] reset while ACTIVATING converges to DORMANT (slow fabric)', async () => {
    rig = await makeRig({ fabric: { delayMs: 30 } });
    const s = await rig.sw.createService();
    await s.define(eline('a', 'b'));
    await s.activate();
    await s.reset();
    expect(await s.awaitStatus(['DORMANT'], WAIT_MS)).toBe('DORMANT');
    expect(rig.fabric.snapshot()).toEqual([]);
  });

  it('[Q-13] a completed reset keeps the record (intent INACTIVE) and a second reset works', async () => {
    rig = await makeRig();
    const s = await activeService(rig);
    await s.reset();
    expect(await s.awaitStatus(['DORMANT'], WAIT_MS)).toBe('DORMANT');
    const rec = (await rig.store.load()).services.find((r) => r.id === s.id);
    expect(rec).toMatchObject({ intent: 'INACTIVE', request: null });
    await s.define(eline('a', 'c'));
    await s.activate();
    expect(await s.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
    await s.reset();
    expect(await s.awaitStatus(['DORMANT'], WAIT_MS)).toBe('DORMANT');
    // survives a restart as DORMANT
    const again = await rig.reopen();
    expect(await (await again.service(s.id)).status()).toBe('DORMANT');
  });

  it('[Q-21] deactivate then activate again reaches ACTIVE; conflicting bridges fail instead of crashing', async () => {
    rig = await makeRig();
    const s = await activeService(rig);
    for (let i = 0; i < 3; i++) {
      await s.deactivate();
      expect(await s.awaitStatus(['INACTIVE'], WAIT_MS)).toBe('INACTIVE');
      await s.activate();
      expect(await s.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
    }
  });

  it('[Q-21] model shows no chords only when the fabric is really full', async () => {
    rig = await makeRig({ fabric: { maxBridges: 1 } });
    expect((await rig.sw.model()).chords.length).toBe(6);
    const inactive = await rig.sw.createService();
    await inactive.define(eline('c', 'd', 5, 1));
    expect((await rig.sw.model()).chords.length).toBe(6); // DPB counted services without bridges
    const s = await activeService(rig);
    expect((await rig.sw.model()).chords).toEqual([]);
    await s.deactivate();
    expect(await s.awaitStatus(['INACTIVE'], WAIT_MS)).toBe('INACTIVE');
    expect((await rig.sw.model()).chords.length).toBe(6);
  });

  it('deactivate while ACTIVATING converges to INACTIVE', async () => {
    rig = await makeRig({ fabric: { delayMs: 30 } });
    const s = await rig.sw.createService();
    const w = watchAll(s);
    await s.define(eline('a', 'b'));
    await s.activate();
    await s.deactivate();
    expect(await s.awaitStatus(['INACTIVE'], WAIT_MS)).toBe('INACTIVE');
    expect(rig.fabric.snapshot()).toEqual([]);
    w.valid();
  });

  it('operations on a released service fail with FAILED_PRECONDITION; release stays harmless', async () => {
    rig = await makeRig();
    const s = await rig.sw.createService({ handle: 'gone' });
    await s.release();
    expect(await s.awaitStatus(['RELEASED'], WAIT_MS)).toBe('RELEASED');
    for (const op of [() => s.activate(), () => s.deactivate(), () => s.reset(), () => s.define(eline('a', 'b'))]) {
      const r = await rejection(op);
      expect(r.code).toBe('FAILED_PRECONDITION');
      expect(r.details.status).toBe('RELEASED');
    }
    await s.release();
    // the handle is free again, and ids are not reused
    const t = await rig.sw.createService({ handle: 'gone' });
    expect(t.id).toBeGreaterThan(s.id);
  });
});

describe('model', () => {
  it('capacities follow the remaining quotas each way, filtered by minimum bandwidth', async () => {
    rig = await makeRig();
    await rig.sw.modifyQuota('a', { ingress: { set: 100 }, egress: { set: 40 } });
    await rig.sw.modifyQuota('b', { ingress: { set: 30 } });
    let m = await rig.sw.model(0);
    const ab = m.chords.find((c) => c.from === 'a' && c.to === 'b');
    expect(ab).toEqual({ from: 'a', to: 'b', cost: 0.001, upstreamMbps: 100, downstreamMbps: 30 });
    expect(m.chords.find((c) => c.from === 'c' && c.to === 'd')).toMatchObject({ upstreamMbps: Infinity, downstreamMbps: Infinity });
    await activeService(rig, 'a', 'b', 100, 20);
    m = await rig.sw.model(0);
    expect(m.chords.find((c) => c.from === 'a' && c.to === 'b')).toMatchObject({ upstreamMbps: 80, downstreamMbps: 10 });
    m = await rig.sw.model(50);
    expect(m.chords.find((c) => c.from === 'a' && c.to === 'b')).toBeDefined(); // 80 one way is enough
    expect(m.chords.find((c) => c.from === 'b' && c.to === 'c')).toMatchObject({ upstreamMbps: 10, downstreamMbps: Infinity });
    m = await rig.sw.model(90);
    expect(m.chords.find((c) => c.from === 'a' && c.to === 'b')).toBeUndefined();
    expect(m.terminals).toEqual(['a', 'b', 'c', 'd']);
    expect((await rejection(() => rig.sw.model(-1))).code).toBe('INVALID_ARGUMENT');
  });

  it('onModelChange fires on terminal, quota and definition changes', async () => {
    rig = await makeRig();
    let calls = 0;
    let wake: () => void = () => {};
    const off = rig.sw.onModelChange(() => {
      calls++;
      wake();
    });
    const next = (): Promise<void> => new Promise<void>((r) => (wake = r));
    let p = next();
    await rig.sw.addTerminal('e', 'p9');
    await p;
    p = next();
    await rig.sw.modifyQuota('e', { ingress: { set: 50 } });
    await p;
    p = next();
    const s = await rig.sw.createService();
    await s.define(eline('e', 'b'));
    await p;
    p = next();
    await s.release();
    await p;
    expect(calls).toBe(4);
    off();
  });

  it('onModelChange stays quiet when only unlimited terminals are used, so superiors keep their cached model', async () => {
    rig = await makeRig();
    let calls = 0;
    const off = rig.sw.onModelChange(() => calls++);
    const s = await rig.sw.createService();
    await s.define(eline('a', 'b'));
    await s.activate();
    await s.awaitStatus(['ACTIVE'], 2000);
    await s.release();
    expect(await s.awaitStatus(['RELEASED'], 2000)).toBe('RELEASED');
    await rig.sw.addTerminal('z', 'p99');
    await new Promise((r) => setImmediate(r));
    // only the new terminal changed the model
    expect(calls).toBe(1);
    off();
  });
});

describe('services and describe', () => {
  it('describe gives request, intent, errors and history', async () => {
    rig = await makeRig();
    const s = await activeService(rig);
    const info = await s.describe();
    expect(info).toMatchObject({ network: 'sw1', id: s.id, handle: null, status: 'ACTIVE', intent: 'ACTIVE', errors: [] });
    expect(info.request?.circuits.map((c) => `${c.terminal}:${c.label}`)).toEqual(['a:100', 'b:100']);
    expect(info.history.map((h) => h.status)).toEqual(['DORMANT', 'ESTABLISHING', 'INACTIVE', 'ACTIVATING', 'ACTIVE']);
  });

  it('joins all circuits of a service in one bridge with their rates; reach answers', async () => {
    rig = await makeRig();
    const s = await rig.sw.createService();
    await s.define({
      circuits: [
        { terminal: 'a', label: 10, ingressMbps: 30, egressMbps: 5 },
        { terminal: 'b', label: 20, ingressMbps: 10 },
        { terminal: 'd', label: 7000, ingressMbps: 1, egressMbps: 100 },
      ],
    });
    await s.activate();
    expect(await s.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
    const snap = rig.fabric.snapshot();
    expect(snap).toHaveLength(1);
    expect(snap[0]?.id).toBe(`sw1/${s.id}`);
    expect(snap[0]?.circuits.map((c) => c.interface)).toEqual(['p1', 'p2', 'p4/0-8000']);
    const reach = (a: [string, number], b: [string, number]) =>
      rig.fabric.reach({ interface: a[0], label: a[1] }, { interface: b[0], label: b[1] });
    expect(reach(['p1', 10], ['p2', 20])).toEqual({ connected: true, rateMbps: 30 }); // b's egress: 30 + 1 sent by others
    expect(reach(['p2', 20], ['p1', 10])).toEqual({ connected: true, rateMbps: 5 });
    expect(reach(['p1', 10], ['p4/0-8000', 7000])).toEqual({ connected: true, rateMbps: 30 });
    expect(reach(['p1', 10], ['p3', 10]).connected).toBe(false);
    await s.deactivate();
    expect(await s.awaitStatus(['INACTIVE'], WAIT_MS)).toBe('INACTIVE');
    expect(reach(['p1', 10], ['p2', 20]).connected).toBe(false);
  });

  it('createService validates handles and never reuses ids', async () => {
    rig = await makeRig();
    expect((await rejection(() => rig.sw.createService({ handle: '' }))).code).toBe('INVALID_ARGUMENT');
    const a = await rig.sw.createService();
    await a.release();
    await a.awaitStatus(['RELEASED'], WAIT_MS);
    const b = await rig.sw.createService();
    expect(b.id).toBe(a.id + 1);
  });
});
