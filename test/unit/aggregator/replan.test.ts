import type { LogicalSwitch } from '@dpb/switch';
import { caught, eventually, expectStatus, Wan, type WanSpec } from './fixtures';

/**
 * When an inferior refuses its sub-service (something its model did not
 * show, e.g. a trunk label it does not accept), the aggregator re-plans
 * around that inferior once, and otherwise gives up naming who refused and
 * why. Nothing is held after a refusal.
 */

/** Two routes from a to d: through b (cheaper) and through c. */
const DIAMOND: WanSpec = {
  switches: { a: ['vms', 'b', 'c'], b: ['a', 'd'], c: ['a', 'd'], d: ['vms', 'b', 'c'] },
  terminals: { 'a-vms': 'a:vms', 'd-vms': 'd:vms' },
  trunks: [
    { ends: ['a:b', 'b:a'], up: 1000, cost: 1 },
    { ends: ['b:d', 'd:b'], up: 1000, cost: 1 },
    { ends: ['a:c', 'c:a'], up: 1000, cost: 5 },
    { ends: ['c:d', 'd:c'], up: 1000, cost: 5 },
  ],
};

/** Puts terminal `t` of switch `sw` on an interface whose labels (0-500) exclude the trunk labels (1000+). */
async function narrow(w: Wan, sw: string, t: string): Promise<void> {
  const s = w.switches.get(sw) as LogicalSwitch;
  await s.removeTerminal(t);
  await s.addTerminal(t, `${t}/0-500`);
}

const REQUEST = {
  circuits: [
    { terminal: 'a-vms', label: 10, ingressMbps: 10, egressMbps: 10 },
    { terminal: 'd-vms', label: 20, ingressMbps: 10, egressMbps: 10 },
  ],
};

/** Waits until no trunk holds a label or bandwidth and no switch has a live service. */
async function nothingHeld(w: Wan): Promise<void> {
  await eventually(async () => {
    for (const t of await w.agg.trunks()) {
      expect({ trunk: t.id, labelsInUse: t.labelsInUse, allocated: t.allocated }).toEqual({
        trunk: t.id,
        labelsInUse: 0,
        allocated: { upstreamMbps: 0, downstreamMbps: 0 },
      });
    }
  });
  await eventually(async () => expect(await w.inferiorServices()).toEqual([]));
}

describe('re-planning around an inferior that refuses', () => {
  test('a refused sub-service is planned around once: the service goes ACTIVE the other way', async () => {
    const w = await Wan.build(DIAMOND);
    try {
      await narrow(w, 'b', 'a');
      const s = await w.agg.createService();
      await s.define(REQUEST);
      await s.activate();
      await expectStatus(s, 'ACTIVE');
      const info = await s.describe();
      expect(info.realisation?.subservices.map((x) => x.network).sort()).toEqual(['a', 'c', 'd']);
      const inUse = (await w.agg.trunks()).filter((t) => t.labelsInUse > 0).map((t) => `${t.start.network}-${t.end.network}`);
      expect(inUse.sort()).toEqual(['a-c', 'c-d']);
      // b kept nothing: its refused sub-service is released
      await eventually(async () => expect(await (w.switches.get('b') as LogicalSwitch).services()).toEqual([]));
      await s.release();
      await nothingHeld(w);
    } finally {
      await w.close();
    }
  });

  test('with no other route it gives up, naming the inferior that refused and why; nothing is held', async () => {
    const w = await Wan.build({ ...DIAMOND, trunks: (DIAMOND.trunks).slice(0, 2) });
    try {
      await narrow(w, 'b', 'a');
      const s = await w.agg.createService();
      const e = await caught(s.define(REQUEST));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.details).toMatchObject({ network: 'wan', inferior: 'b', replanned: true });
      expect((e.details.refusals as { inferior?: string; code: string }[]).map((r) => r.code)).toEqual(['INVALID_ARGUMENT', 'RESOURCE_EXHAUSTED']);
      expect(e.message).toMatch(/inferior b refused/);
      expect(await s.status()).toBe('DORMANT');
      await nothingHeld(w);
      // the service can still be defined once the site is fixed
      await (w.switches.get('b') as LogicalSwitch).removeTerminal('a');
      await (w.switches.get('b') as LogicalSwitch).addTerminal('a', 'a');
      await s.define(REQUEST);
      await s.activate();
      await expectStatus(s, 'ACTIVE');
      await s.release();
      await nothingHeld(w);
    } finally {
      await w.close();
    }
  });

  test('when the re-plan is refused too, both refusals are reported and nothing is held', async () => {
    const w = await Wan.build(DIAMOND);
    try {
      await narrow(w, 'b', 'a');
      await narrow(w, 'c', 'a');
      const s = await w.agg.createService();
      const e = await caught(s.define(REQUEST));
      expect(e.details).toMatchObject({ inferior: 'b', replanned: true });
      expect((e.details.refusals as { inferior?: string }[]).map((r) => r.inferior)).toEqual(['b', 'c']);
      expect(e.message).toMatch(/refused too \(inferior c\)/);
      await nothingHeld(w);
    } finally {
      await w.close();
    }
  });
});
