import { call, circuits, expectError, startBroker, type TestBroker, WAN_YAML } from './broker';

let b: TestBroker;
beforeEach(async () => {
  b = await startBroker(WAN_YAML);
});
afterEach(async () => {
  await b.close();
});

const W = '/api/v1/networks/wan';

describe('REST v1 on an aggregator built from config', () => {
  it('a multi-site service reaches ACTIVE via ?wait=ACTIVE, then releases and gives the bandwidth back', async () => {
    const created = await call(b.base, 'POST', `${W}/services`, {
      handle: 'three-sites',
      circuits: circuits(['london', 100, 50, 100], ['paris', 200, 50, 100], ['frankfurt', 300, 50, 100]),
      activate: true,
    });
    expect(created.status).toBe(201);
    const active = await call(b.base, 'GET', `${W}/services/three-sites?wait=ACTIVE,FAILED&timeoutMs=10000`);
    expect(active.body.status).toBe('ACTIVE');
    expect(active.body.realisation.tunnels).toHaveLength(3);
    expect(active.body.realisation.subservices.every((s: { status: string }) => s.status === 'ACTIVE')).toBe(true);

    const trunks = (await call(b.base, 'GET', `${W}/trunks`)).body as { id: number; allocated: { upstreamMbps: number }; labelsInUse: number }[];
    expect(trunks.map((t) => t.labelsInUse)).toEqual([1, 1, 1]);

    expect((await call(b.base, 'DELETE', `${W}/services/three-sites`)).status).toBe(202);
    // a released service stays readable by id, as RELEASED, for a while
    const gone = await call(b.base, 'GET', `${W}/services/${created.body.id}?wait=RELEASED&timeoutMs=10000`);
    expect(gone.status).toBe(200);
    expect(gone.body.status).toBe('RELEASED');
    expect((await call(b.base, 'GET', `${W}/services`)).body).toEqual([]);
    const after = (await call(b.base, 'GET', `${W}/trunks`)).body as { allocated: { upstreamMbps: number; downstreamMbps: number } }[];
    expect(after.every((t) => t.allocated.upstreamMbps === 0 && t.allocated.downstreamMbps === 0)).toBe(true);
  });

  it('lists terminals with their inferiors, and the model', async () => {
    const terms = await call(b.base, 'GET', `${W}/terminals`);
    expect(terms.body).toEqual([
      { name: 'frankfurt', inferior: { network: 'frankfurt', terminal: 'vms' } },
      { name: 'london', inferior: { network: 'london', terminal: 'vms' } },
      { name: 'paris', inferior: { network: 'paris', terminal: 'vms' } },
    ]);
    const model = await call(b.base, 'GET', `${W}/model`);
    const lf = model.body.chords.find((c: { from: string; to: string }) => c.from === 'frankfurt' && c.to === 'london');
    expect(lf.upstreamMbps).toBe(1000);
    expect((await call(b.base, 'GET', `${W}/terminals/london`)).body.inferior).toEqual({ network: 'london', terminal: 'vms' });
    expect((await call(b.base, 'GET', `${W}`)).body).toMatchObject({ kind: 'aggregator', terminals: 3, trunks: 3 });
  });

  it('adds and removes an aggregator terminal', async () => {
    const add = await call(b.base, 'POST', `${W}/terminals`, { name: 'paris-spare', inferior: 'paris:spare' });
    expect(add.status).toBe(201);
    expectError(await call(b.base, 'POST', `${W}/terminals`, { name: 'again', inferior: { network: 'paris', terminal: 'spare' } }), 409, 'BUSY');
    expectError(await call(b.base, 'POST', `${W}/terminals`, { name: 'x', inferior: 'nowhere:vms' }), 404, 'NOT_FOUND');
    expectError(await call(b.base, 'POST', `${W}/terminals`, { name: 'x', interface: 'eth9' }), 400, 'INVALID_ARGUMENT');
    expect((await call(b.base, 'DELETE', `${W}/terminals/paris-spare`)).status).toBe(204);
  });

  it('trunks: add, get, patch bandwidth/cost/commissioned, labels define/revoke, delete', async () => {
    expect((await call(b.base, 'DELETE', `${W}/terminals/paris`)).status).toBe(204);
    expect((await call(b.base, 'DELETE', `${W}/terminals/london`)).status).toBe(204);
    const add = await call(b.base, 'POST', `${W}/trunks`, { start: 'paris:vms', end: 'london:vms', upstreamMbps: 100, downstreamMbps: 200, cost: 5, labels: ['10-19', { startBase: 30, count: 5, endBase: 40 }] });
    expect(add.status).toBe(201);
    const id = add.body.id as number;
    expect(add.body).toMatchObject({ cost: 5, commissioned: true, capacity: { upstreamMbps: 100, downstreamMbps: 200 }, labelCount: 15 });
    expect((await call(b.base, 'GET', `${W}/trunks/${id}`)).body.id).toBe(id);

    const p = await call(b.base, 'PATCH', `${W}/trunks/${id}`, { withdrawMbps: { upstreamMbps: 50 }, provideMbps: { downstreamMbps: 100 }, cost: 2, commissioned: false });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ cost: 2, commissioned: false, capacity: { upstreamMbps: 50, downstreamMbps: 300 } });

    const before = (await call(b.base, 'GET', `${W}/trunks/${id}`)).body;
    expectError(await call(b.base, 'PATCH', `${W}/trunks/${id}`, { withdrawMbps: { upstreamMbps: 5000 } }), 409, 'RESOURCE_EXHAUSTED');
    expectError(await call(b.base, 'PATCH', `${W}/trunks/${id}`, { cost: -1 }), 400, 'INVALID_ARGUMENT');
    expectError(await call(b.base, 'PATCH', `${W}/trunks/${id}`, { provideMbps: { upstreamMbps: -1 } }), 400, 'INVALID_ARGUMENT');
    expect((await call(b.base, 'GET', `${W}/trunks/${id}`)).body).toEqual(before);

    const def = await call(b.base, 'POST', `${W}/trunks/${id}/labels`, { startBase: 100, count: 10 });
    expect(def.body.labelCount).toBe(25);
    expectError(await call(b.base, 'POST', `${W}/trunks/${id}/labels`, { startBase: 105, count: 10 }), 409, 'BUSY');
    const rev = await call(b.base, 'POST', `${W}/trunks/${id}/labels/revoke`, { base: 100, count: 10 });
    expect(rev.body.labelCount).toBe(15);

    expect((await call(b.base, 'DELETE', `${W}/trunks/${id}`)).status).toBe(204);
    expectError(await call(b.base, 'GET', `${W}/trunks/${id}`), 404, 'NOT_FOUND');
    expectError(await call(b.base, 'GET', `${W}/trunks/abc`), 400, 'INVALID_ARGUMENT');
  });

  it('a trunk carrying a service cannot be removed (BUSY); a request beyond capacity is RESOURCE_EXHAUSTED', async () => {
    const s = await call(b.base, 'POST', `${W}/services`, { circuits: circuits(['london', 100, 10], ['paris', 100, 10]) });
    expect(s.status).toBe(201);
    expectError(await call(b.base, 'DELETE', `${W}/trunks/1`), 409, 'BUSY');
    const before = (await call(b.base, 'GET', `${W}/services`)).body;
    expectError(await call(b.base, 'POST', `${W}/services`, { circuits: circuits(['london', 101, 2000], ['frankfurt', 101, 2000]) }), 409, 'RESOURCE_EXHAUSTED');
    expect((await call(b.base, 'GET', `${W}/services`)).body).toEqual(before);
  });

  it('restarting on the same store keeps REST changes and re-applies config idempotently', async () => {
    const { MemoryStoreProvider } = await import('@dpb/store');
    const { parseConfig, wire } = await import('@dpb/server');
    const provider = new MemoryStoreProvider();
    const config = parseConfig(`store: { memory: {} }\n${WAN_YAML}`, { baseDir: '/tmp' });
    const first = await wire(config, { storeProvider: provider });
    const wan1 = first.networks.get('wan')?.aggregator;
    await wan1?.addTerminal('paris-spare', { network: 'paris', terminal: 'spare' });
    await first.close();
    const second = await wire(config, { storeProvider: provider });
    try {
      const wan2 = second.networks.get('wan')?.aggregator;
      expect((await wan2?.terminalDetails())?.map((t) => t.name)).toEqual(['frankfurt', 'london', 'paris', 'paris-spare']);
      expect((await wan2?.trunks())?.map((t) => [t.id, t.capacity.upstreamMbps, t.labelCount])).toEqual([
        [1, 10000, 900],
        [2, 10000, 900],
        [3, 1000, 900],
      ]);
    } finally {
      await second.close();
    }
  });
});
