import { Aggregator } from '@dpb/aggregator';
import type { NetworkControl } from '@dpb/model';
import { MemoryStoreProvider } from '@dpb/store';
import { describeNetworkControl } from '@dpb/testkit';
import { expectStatus, INITIATE, ref, Wan } from './fixtures';

describeNetworkControl('aggregator over switches', async () => {
  const w = await Wan.build(INITIATE);
  return {
    network: w.agg,
    terminals: ['lancs-vms', 'bristol-vms', 'kcl-vms', 'edin-vms'],
    label: 100,
    badLabel: 5000,
    teardown: () => w.close(),
  };
});

/**
 * Two regions, each an aggregator over two switches, under a top aggregator
 * with one trunk between the regions.
 */
async function twoLevels(): Promise<{ top: Aggregator; north: Wan; south: Wan; close(): Promise<void> }> {
  const region = (p: string) => ({
    switches: { [`${p}1`]: ['vms', 'x', 'up'], [`${p}2`]: ['vms', 'x'] },
    terminals: { [`${p}-a`]: `${p}1:vms`, [`${p}-b`]: `${p}2:vms`, [`${p}-up`]: `${p}1:up` },
    trunks: [{ ends: [`${p}1:x`, `${p}2:x`] as [string, string], up: 1000 }],
  });
  const north = await Wan.build(region('n'), 'north');
  const south = await Wan.build(region('s'), 'south');
  const provider = new MemoryStoreProvider();
  const regions = new Map<string, NetworkControl>([
    ['north', north.agg],
    ['south', south.agg],
  ]);
  const top = await Aggregator.open({ name: 'top', store: provider.aggregatorStore('top'), inferiors: (n) => regions.get(n) });
  for (const [t, inner] of Object.entries({ 'n-a': 'north:n-a', 'n-b': 'north:n-b', 's-a': 'south:s-a', 's-b': 'south:s-b' })) {
    await top.addTerminal(t, ref(inner));
  }
  await top.addTrunk({ start: ref('north:n-up'), end: ref('south:s-up'), upstreamMbps: 500, downstreamMbps: 500, labels: [{ startBase: 2000, count: 50, endBase: 2000 }] });
  return {
    top,
    north,
    south,
    close: async () => {
      await top.close();
      await north.close();
      await south.close();
    },
  };
}

describeNetworkControl('aggregator over aggregators', async () => {
  const t = await twoLevels();
  return { network: t.top, terminals: ['n-a', 's-a', 'n-b', 's-b'], label: 100, badLabel: 5000, teardown: () => t.close() };
});

describe('aggregator over aggregators', () => {
  test('a service across both regions is realised in every level and released cleanly', async () => {
    const t = await twoLevels();
    const s = await t.top.createService();
    await s.define({
      circuits: [
        { terminal: 'n-a', label: 10, ingressMbps: 100 },
        { terminal: 's-b', label: 20, ingressMbps: 100 },
      ],
    });
    await s.activate();
    await expectStatus(s, 'ACTIVE');
    // each region carries one sub-service, itself split over its two switches
    const [north] = await t.north.agg.services();
    const [south] = await t.south.agg.services();
    expect((await north?.describe())?.request?.circuits.map((c) => `${c.terminal}:${c.label}`)).toEqual(['n-a:10', 'n-up:2000']);
    expect((await south?.describe())?.request?.circuits.map((c) => `${c.terminal}:${c.label}`)).toEqual(['s-b:20', 's-up:2000']);
    expect((await t.south.inferiorServices()).length).toBe(2);
    expect((await t.top.trunks())[0]?.allocated).toEqual({ upstreamMbps: 100, downstreamMbps: 100 });
    await s.release();
    await expectStatus(s, 'RELEASED');
    expect(await t.north.agg.services()).toEqual([]);
    expect(await t.south.inferiorServices()).toEqual([]);
    expect((await t.top.trunks())[0]?.labelsInUse).toBe(0);
    await t.close();
  });

  test('the superior uses an inferior aggregator capacity: a request the region cannot carry is refused up front', async () => {
    const t = await twoLevels();
    const s = await t.top.createService();
    // n-b → n-up crosses north's 1000 Mbit/s internal trunk: 1500 cannot fit
    await expect(
      s.define({ circuits: [{ terminal: 'n-b', label: 10, ingressMbps: 1500 }, { terminal: 'n-a', label: 11, ingressMbps: 1500 }] }),
    ).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED', details: { inferior: 'north' } });
    expect(await t.north.agg.services()).toEqual([]);
    await t.close();
  });
});
