import { MemoryFabric } from '@dpb/adaptor-memory';
import { eline, makeRig, type SwitchRig, WAIT_MS } from './fixtures';

let rig: SwitchRig;
afterEach(async () => {
  await rig?.close();
});

describe('restart recovery', () => {
  async function populate(r: SwitchRig) {
    await r.sw.modifyQuota('a', { ingress: { set: 100 } });
    const active = await r.sw.createService({ handle: 'act' });
    await active.define(eline('a', 'b', 100));
    await active.activate();
    expect(await active.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
    const inactive = await r.sw.createService({ handle: 'inact' });
    await inactive.define(eline('a', 'c', 101));
    const dormant = await r.sw.createService({ handle: 'dorm' });
    return { active, inactive, dormant };
  }

  it('on a fresh fabric: ACTIVE comes back ACTIVE, INACTIVE stays INACTIVE, quotas and handles survive', async () => {
    rig = await makeRig();
    const before = await populate(rig);
    await rig.sw.close();
    const fabric = new MemoryFabric();
    const sw = await rig.reopen({ fabric });
    const active = await sw.service({ handle: 'act' });
    expect(active.id).toBe(before.active.id);
    expect(await active.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
    expect(fabric.reach({ interface: 'p1', label: 100 }, { interface: 'p2', label: 100 }).connected).toBe(true);
    expect(await (await sw.service({ handle: 'inact' })).status()).toBe('INACTIVE');
    expect(await (await sw.service({ handle: 'dorm' })).status()).toBe('DORMANT');
    expect(await sw.terminal('a')).toMatchObject({ ingressQuotaMbps: 100, ingressUsedMbps: 20, circuitsInUse: 2 });
    // ids continue without reuse
    const next = await sw.createService();
    expect(next.id).toBeGreaterThan(before.dormant.id);
    await fabric.close();
  });

  it('on the same fabric: the bridge is kept, stale bridges are removed', async () => {
    rig = await makeRig();
    const before = await populate(rig);
    await rig.sw.close();
    await rig.fabric.ensureBridge({
      id: 'sw1/999',
      circuits: [
        { interface: 'p3', label: 5, ingressMbps: 1, egressMbps: 1 },
        { interface: 'p4', label: 5, ingressMbps: 1, egressMbps: 1 },
      ],
    });
    const sw = await rig.reopen();
    const active = await sw.service(before.active.id);
    expect(await active.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
    expect(rig.fabric.snapshot().map((b) => b.id)).toEqual([`sw1/${before.active.id}`]);
  });

  it('a service closed mid-release completes its release; one closed mid-reset completes its reset', async () => {
    rig = await makeRig();
    const { active, inactive } = await populate(rig);
    rig.fabric.setReachable(false);
    await active.release();
    await inactive.activate();
    await inactive.reset();
    expect(await active.status()).toBe('RELEASING');
    expect(await inactive.status()).toBe('RELEASING');
    await rig.sw.close();
    rig.fabric.setReachable(true);
    const sw = await rig.reopen();
    expect(await sw.findService(active.id)).toBeUndefined();
    expect((await rig.store.load()).services.map((s) => s.id)).not.toContain(active.id);
    const reset = await sw.service(inactive.id);
    expect(await reset.status()).toBe('DORMANT');
    expect((await reset.describe()).intent).toBe('INACTIVE');
    expect(rig.fabric.snapshot()).toEqual([]);
    // the released circuits are free
    const s = await sw.createService();
    await s.define(eline('a', 'b', 100));
    await s.activate();
    expect(await s.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
  });

  it('a FAILED service stays FAILED across a restart, holding nothing', async () => {
    rig = await makeRig();
    const s = await rig.sw.createService();
    await s.define(eline('a', 'b'));
    const removed = new Promise<void>((resolve) => {
      const off = rig.fabric.subscribe((st) => {
        if (st.id === `sw1/${s.id}` && st.condition === 'absent') {
          off();
          resolve();
        }
      });
    });
    rig.fabric.failNext('nope');
    await s.activate();
    expect(await s.awaitStatus(['FAILED'], WAIT_MS)).toBe('FAILED');
    await removed; // the switch removes the failed bridge
    expect(rig.fabric.snapshot()).toEqual([]);
    await rig.sw.close();
    const sw = await rig.reopen();
    const again = await sw.service(s.id);
    expect(await again.status()).toBe('FAILED');
    expect((await again.describe()).errors).toHaveLength(1);
    expect((await sw.terminal('a')).circuitsInUse).toBe(0);
    await again.reset();
    expect(await again.awaitStatus(['DORMANT'], WAIT_MS)).toBe('DORMANT');
  });

  it('opening with the fabric unreachable keeps ACTIVE services ACTIVATING until it is back', async () => {
    rig = await makeRig();
    const { active } = await populate(rig);
    await rig.sw.close();
    const fabric = new MemoryFabric();
    fabric.setReachable(false);
    const sw = await rig.reopen({ fabric });
    const s = await sw.service(active.id);
    expect(await s.awaitStatus(['ACTIVE'], 50)).toBe('ACTIVATING');
    fabric.setReachable(true);
    expect(await s.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
    await fabric.close();
  });

  it('close ends watches and waits without touching the fabric', async () => {
    rig = await makeRig();
    const s = await rig.sw.createService();
    await s.define(eline('a', 'b'));
    await s.activate();
    expect(await s.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
    const waiting = s.awaitStatus(['RELEASED'], 60_000);
    const ended = (async () => {
      for await (const _ of s.watch()) {
        // drain
      }
    })();
    await rig.sw.close();
    expect(await waiting).toBe('ACTIVE');
    await ended;
    expect(rig.fabric.snapshot().map((b) => b.condition)).toEqual(['up']);
    const r = await (async () => {
      try {
        await s.deactivate();
        return undefined;
      } catch (e) {
        return (e as { code: string }).code;
      }
    })();
    expect(r).toBe('UNAVAILABLE');
  });
});

describe('delayed fabric lifecycle', () => {
  it('walks through ACTIVATING and DEACTIVATING with a slow fabric', async () => {
    rig = await makeRig({ fabric: { delayMs: 15 } });
    const s = await rig.sw.createService();
    const seen: string[] = [];
    const done = (async () => {
      for await (const ev of s.watch()) seen.push(ev.status);
    })();
    await s.define(eline('a', 'b'));
    await s.activate();
    expect(await s.status()).toBe('ACTIVATING');
    expect(await s.awaitStatus(['ACTIVE'], WAIT_MS)).toBe('ACTIVE');
    await s.deactivate();
    expect(await s.awaitStatus(['INACTIVE'], WAIT_MS)).toBe('INACTIVE');
    await s.release();
    expect(await s.awaitStatus(['RELEASED'], WAIT_MS)).toBe('RELEASED');
    await done;
    expect(seen).toEqual([
      'DORMANT',
      'ESTABLISHING',
      'INACTIVE',
      'ACTIVATING',
      'ACTIVE',
      'DEACTIVATING',
      'INACTIVE',
      'RELEASING',
      'RELEASED',
    ]);
  });
});
