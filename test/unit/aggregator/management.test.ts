import { caught, expectStatus, ref, Wan } from './fixtures';

describe('aggregator management', () => {
  let w: Wan;
  beforeEach(async () => {
    w = await Wan.build({
      switches: { a: ['vms', 'up', 'spare'], b: ['vms', 'up', 'spare'], c: ['vms'] },
      terminals: { 'a-vms': 'a:vms', 'b-vms': 'b:vms' },
      trunks: [{ ends: ['a:up', 'b:up'], up: 1000, down: 400, labels: { startBase: 100, count: 10, endBase: 1100 }, cost: 2 }],
    });
  });
  afterEach(async () => {
    await w.close();
  });

  test('labels are translated across a trunk as its ranges say', async () => {
    const s = await w.agg.createService();
    await s.define({ circuits: [{ terminal: 'a-vms', label: 7, ingressMbps: 10 }, { terminal: 'b-vms', label: 7, ingressMbps: 10 }] });
    const info = await s.describe();
    expect(info.realisation?.tunnels).toMatchObject([{ trunk: 1, startLabel: 100, endLabel: 1100 }]);
    const bSub = info.realisation?.subservices.find((x) => x.network === 'b');
    expect(bSub?.request.circuits.map((c) => `${c.terminal}:${c.label}`)).toEqual(['up:1100', 'vms:7']);
  });

  test('a trunk end cannot be a terminal and a terminal cannot be a trunk end', async () => {
    const e1 = await caught(w.agg.addTerminal('x', ref('a:up')));
    expect(e1.code).toBe('BUSY');
    expect(e1.details.trunk).toBe(1);
    const e2 = await caught(w.agg.addTrunk({ start: ref('a:vms'), end: ref('c:vms'), upstreamMbps: 1 }));
    expect(e2.code).toBe('BUSY');
    expect(e2.details.terminal).toBe('a-vms');
    const e3 = await caught(w.agg.addTrunk({ start: ref('a:spare'), end: ref('b:up'), upstreamMbps: 1 }));
    expect(e3.code).toBe('BUSY');
    expect(e3.details).toMatchObject({ field: 'end', trunk: 1 });
  });

  test('unknown inferiors and inferior terminals are NOT_FOUND', async () => {
    expect((await caught(w.agg.addTerminal('x', ref('zz:vms')))).details).toMatchObject({ kind: 'network', network: 'zz' });
    expect((await caught(w.agg.addTerminal('x', ref('a:nope')))).details).toMatchObject({ kind: 'terminal', terminal: 'nope', network: 'a' });
    expect((await caught(w.agg.trunk(99))).details).toMatchObject({ kind: 'trunk', trunk: 99 });
    expect((await caught(w.agg.removeTerminal('nope'))).code).toBe('NOT_FOUND');
  });

  test('duplicate terminals, same-network trunks and bad values are refused and change nothing', async () => {
    expect((await caught(w.agg.addTerminal('a-vms', ref('a:spare')))).code).toBe('ALREADY_EXISTS');
    expect((await caught(w.agg.addTrunk({ start: ref('a:spare'), end: ref('a:vms') }))).code).toBe('INVALID_ARGUMENT');
    expect((await caught(w.agg.setCost(1, -1))).details.field).toBe('cost');
    expect((await caught(w.agg.provideBandwidth(1, { upstreamMbps: -5, downstreamMbps: 0 }))).details.field).toBe('upstreamMbps');
    expect((await caught(w.agg.defineLabels(1, { startBase: 105, count: 3, endBase: 2000 }))).code).toBe('BUSY');
    expect((await caught(w.agg.defineLabels(1, { startBase: 2000, count: 3, endBase: 1105 }))).code).toBe('BUSY');
    expect((await caught(w.agg.defineLabels(1, { startBase: -1, count: 3, endBase: 0 }))).code).toBe('INVALID_ARGUMENT');
    const t = await w.agg.trunk(1);
    expect(t).toMatchObject({ cost: 2, capacity: { upstreamMbps: 1000, downstreamMbps: 400 }, labelCount: 10 });
  });

  test('bandwidth can be provided and withdrawn, but not below what tunnels hold', async () => {
    const s = await w.agg.createService();
    await s.define({ circuits: [{ terminal: 'a-vms', label: 1, ingressMbps: 300 }, { terminal: 'b-vms', label: 1, ingressMbps: 300 }] });
    expect((await w.agg.trunk(1)).available).toEqual({ upstreamMbps: 700, downstreamMbps: 100 });
    const e = await caught(w.agg.withdrawBandwidth(1, { upstreamMbps: 0, downstreamMbps: 200 }));
    expect(e.code).toBe('RESOURCE_EXHAUSTED');
    expect(e.details).toMatchObject({ trunk: 1, direction: 'downstream', requestedMbps: 200, availableMbps: 100 });
    const t = await w.agg.provideBandwidth(1, { upstreamMbps: 0, downstreamMbps: 600 });
    expect(t.capacity).toEqual({ upstreamMbps: 1000, downstreamMbps: 1000 });
    expect(t.available).toEqual({ upstreamMbps: 700, downstreamMbps: 700 });
  });

  test('[Q-22] labels and trunks in use cannot be revoked or removed; after release they can', async () => {
    const s = await w.agg.createService();
    await s.define({ circuits: [{ terminal: 'a-vms', label: 1, ingressMbps: 3 }, { terminal: 'b-vms', label: 1, ingressMbps: 3 }] });
    await s.activate();
    await expectStatus(s, 'ACTIVE');
    const revoke = await caught(w.agg.revokeLabels(1, { side: 'end', base: 1100, count: 1 }));
    expect(revoke.code).toBe('BUSY');
    expect(revoke.details).toMatchObject({ trunk: 1, label: 1100, service: s.id });
    expect((await caught(w.agg.removeTrunk(1))).code).toBe('BUSY');
    expect((await caught(w.agg.removeTerminal('a-vms'))).code).toBe('BUSY');
    // revoking a free label really removes it: it is never allocated afterwards
    const t = await w.agg.revokeLabels(1, { side: 'start', base: 101, count: 1 });
    expect(t.labelCount).toBe(9);
    const s2 = await w.agg.createService();
    await s2.define({ circuits: [{ terminal: 'a-vms', label: 2, ingressMbps: 3 }, { terminal: 'b-vms', label: 2, ingressMbps: 3 }] });
    expect((await s2.describe()).realisation?.tunnels[0]).toMatchObject({ startLabel: 102, endLabel: 1102 });
    await s.release();
    await s2.release();
    await expectStatus(s, 'RELEASED');
    await expectStatus(s2, 'RELEASED');
    await w.agg.removeTrunk(1);
    expect(await w.agg.trunks()).toEqual([]);
  });

  test('[Q-7] labels beyond 16 bits are allocated and translated intact', async () => {
    const wide = await Wan.build({
      switches: { a: ['vms', 'up'], b: ['vms', 'up'] },
      terminals: { 'a-vms': 'a:vms', 'b-vms': 'b:vms' },
      trunks: [{ ends: ['a:up', 'b:up'], up: 100, labels: { startBase: 70000, count: 2, endBase: 40000 } }],
      labelSpace: '0-100000',
    });
    const s = await wide.agg.createService();
    await s.define({ circuits: [{ terminal: 'a-vms', label: 65537, ingressMbps: 1 }, { terminal: 'b-vms', label: 65537, ingressMbps: 1 }] });
    expect((await s.describe()).realisation?.tunnels[0]).toMatchObject({ startLabel: 70000, endLabel: 40000 });
    const bSub = (await s.describe()).realisation?.subservices.find((x) => x.network === 'b');
    expect(bSub?.request.circuits.map((c) => `${c.terminal}:${c.label}`)).toEqual(['up:40000', 'vms:65537']);
    await wide.close();
  });

  test('[Q-17][Q-18][Q-23] withdraw beyond what is free, negative costs and (de)commissioning behave', async () => {
    expect((await caught(w.agg.withdrawBandwidth(1, { upstreamMbps: 5000, downstreamMbps: 0 }))).code).toBe('RESOURCE_EXHAUSTED');
    expect((await caught(w.agg.setCost(1, -0.5))).code).toBe('INVALID_ARGUMENT');
    expect((await w.agg.decommission(1)).commissioned).toBe(false);
    expect((await w.agg.recommission(1)).commissioned).toBe(true);
  });

  test('the model reports cost and bottleneck capacity each way between outer terminals', async () => {
    const m = await w.agg.model(0);
    expect(m.terminals).toEqual(['a-vms', 'b-vms']);
    expect(m.chords).toHaveLength(1);
    const c = m.chords[0];
    expect(c?.from).toBe('a-vms');
    expect(c?.to).toBe('b-vms');
    expect(c?.upstreamMbps).toBe(1000);
    expect(c?.downstreamMbps).toBe(400);
    expect(c?.cost).toBeGreaterThanOrEqual(2);
    expect((await w.agg.model(2000)).chords).toEqual([]);
  });
});
