import type { MemoryFabric } from '@dpb/adaptor-memory';
import { call, startBroker, type TestBroker } from '../rest/broker';
import { DPB_YAML, expectNothingAllocated, settle, usage, uuid } from './fixtures';
import { DpbNetworkClient, FiveGExClient, ok, type SegmentCircuit, wire } from './reference-client';

let b: TestBroker;
let dpb: DpbNetworkClient;
let fivegex: FiveGExClient;
beforeEach(async () => {
  b = await startBroker(DPB_YAML);
  dpb = new DpbNetworkClient(b.base, 'wan');
  fivegex = new FiveGExClient(b.base, 'wan');
});
afterEach(async () => {
  await b.close();
});

const seg = (...c: [string, number, number?][]): SegmentCircuit[] => c.map(([terminalName, label, bw]) => ({ terminalName, label, ingressBw: bw ?? 10, egressBw: bw ?? 10 }));

function expectEmptyObject200(r: { status: number; json: unknown; contentType: string | null }): void {
  expect({ status: r.status, json: r.json }).toEqual({ status: 200, json: {} });
  expect(r.contentType).toMatch(/^application\/json/);
}

describe('DPB generic API (/network/<name>) through a client written from the reference', () => {
  it('create-service → DORMANT service listed in services; ids are fresh', async () => {
    expect(await dpb.serviceIds()).toEqual([]);
    const c1 = await dpb.createService();
    expect(c1.status).toBe(200);
    expect(c1.contentType).toMatch(/^application\/json/);
    const a = c1.json['service-id'] as number;
    expect(Number.isInteger(a)).toBe(true);
    const bId = await dpb.newService();
    expect(bId).not.toBe(a);
    expect(await dpb.serviceIds()).toEqual([a, bId].sort((x, y) => x - y));
    expect(await dpb.awaitStatus(a, ['DORMANT'], 0)).toBe('DORMANT');
    // the same service is visible in REST v1, with no handle
    expect((await call(b.base, 'GET', `/api/v1/networks/wan/services/${a}`)).body).toMatchObject({ id: a, handle: null, status: 'DORMANT' });
  });

  it('define (POST and PUT), activate, deactivate, reset, release each answer 200 {} and drive the lifecycle', async () => {
    const sid = await dpb.newService();
    expectEmptyObject200(await dpb.define(sid, seg(['london', 100, 50], ['paris', 200, 50])));
    expect(await dpb.awaitStatus(sid, ['INACTIVE', 'FAILED'], 10_000)).toBe('INACTIVE');
    // define maps terminal-name/label/ingress-bw/egress-bw onto our circuits
    const info = (await call(b.base, 'GET', `/api/v1/networks/wan/services/${sid}`)).body;
    expect(info.request.circuits).toEqual([
      { terminal: 'london', label: 100, ingressMbps: 50, egressMbps: 50 },
      { terminal: 'paris', label: 200, ingressMbps: 50, egressMbps: 50 },
    ]);

    expectEmptyObject200(await dpb.activate(sid));
    expect(await dpb.awaitStatus(sid, ['ACTIVE', 'FAILED'], 10_000)).toBe('ACTIVE');
    expect((await usage(b.base)).trunks.filter((t) => t.labelsInUse > 0).map((t) => t.allocated)).toEqual([
      { upstreamMbps: 50, downstreamMbps: 50 },
      { upstreamMbps: 50, downstreamMbps: 50 },
    ]);

    expectEmptyObject200(await dpb.deactivate(sid));
    expect(await dpb.awaitStatus(sid, ['INACTIVE', 'FAILED'], 10_000)).toBe('INACTIVE');

    expectEmptyObject200(await dpb.reset(sid));
    expect(await dpb.awaitStatus(sid, ['DORMANT'], 10_000)).toBe('DORMANT');
    expect((await usage(b.base)).trunks.every((t) => t.labelsInUse === 0)).toBe(true);

    expectEmptyObject200(await dpb.define(sid, seg(['london', 101], ['frankfurt', 102], ['paris', 103]), 'PUT'));
    expectEmptyObject200(await dpb.activate(sid));
    expect(await dpb.awaitStatus(sid, ['ACTIVE', 'FAILED'], 10_000)).toBe('ACTIVE');

    expectEmptyObject200(await dpb.release(sid));
    expect(await settle(b.base, 'wan', sid, ['RELEASED'])).toMatch(/^(RELEASED|GONE)$/);
    expect(await dpb.serviceIds()).toEqual([]);
    await expectNothingAllocated(b.base);
  });

  it('release of an unknown (or already released) id is 200 {}', async () => {
    expectEmptyObject200(await dpb.release(4242));
    const sid = await dpb.newService();
    expectEmptyObject200(await dpb.release(sid));
    expectEmptyObject200(await dpb.release(sid));
    expect(await dpb.serviceIds()).toEqual([]);
  });

  it('await-status by GET (query) and POST (body): returns at once when already there, else the latest status after the timeout', async () => {
    const sid = await dpb.newService();
    const get = await dpb.awaitStatusGet(sid, ['DORMANT', 'ACTIVE'], 5_000);
    expect({ status: get.status, json: get.json }).toEqual({ status: 200, json: { status: 'DORMANT' } });
    // not reached: 200 with the latest status, after the (short) timeout
    const t0 = Date.now();
    const post = await dpb.awaitStatusPost(sid, ['ACTIVE'], 150);
    expect({ status: post.status, json: post.json }).toEqual({ status: 200, json: { status: 'DORMANT' } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    // no acceptable at all: only the timeout (or RELEASED) ends the wait
    expect((await dpb.awaitStatusGet(sid, [], 20)).json).toEqual({ status: 'DORMANT' });
    // comma-separated acceptable in the query is accepted too
    const comma = await wire('GET', `${dpb.prefix}/service/${sid}/await-status?timeout-millis=1000&acceptable=ACTIVE,DORMANT`);
    expect(comma.json).toEqual({ status: 'DORMANT' });
  });

  it('await-status wakes up when the status is reached, and a release ends any wait with RELEASED', async () => {
    const sid = await dpb.newService();
    ok(await dpb.define(sid, seg(['london', 300], ['paris', 300])));
    const waiting = dpb.awaitStatusPost(sid, ['ACTIVE'], 20_000);
    ok(await dpb.activate(sid));
    expect((await waiting).json).toEqual({ status: 'ACTIVE' });

    const waitForever = dpb.awaitStatusGet(sid, ['DORMANT'], 20_000);
    ok(await dpb.release(sid));
    const ended = await waitForever;
    // a released service either still shows RELEASED (tombstone) or is already forgotten (404)
    if (ended.status === 200) expect(ended.json).toEqual({ status: 'RELEASED' });
    else expect({ status: ended.status, code: ended.json?.error?.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    const after = await dpb.awaitStatusPost(sid, ['ACTIVE'], 10);
    if (after.status === 200) expect(after.json).toEqual({ status: 'RELEASED' });
    else expect({ status: after.status, kind: after.json?.error?.details?.kind }).toEqual({ status: 404, kind: 'service' });
  });

  it('timeouts beyond the maximum are clamped, not refused', async () => {
    const sid = await dpb.newService();
    expect((await dpb.awaitStatusPost(sid, ['DORMANT'], 1e15)).json).toEqual({ status: 'DORMANT' });
    expect((await wire('GET', `${dpb.prefix}/service/${sid}/await-status?timeout-millis=99999999999999999999&acceptable=DORMANT`)).json).toEqual({ status: 'DORMANT' });
  });

  it('routes answer with a trailing slash and with no Content-Type on bodies', async () => {
    const created = await wire('POST', `${dpb.prefix}/create-service/`, 'anything at all', { contentType: null });
    const sid = ok(created)['service-id'] as number;
    const body = JSON.stringify({ segment: [{ 'terminal-name': 'london', label: 400, 'ingress-bw': 1, 'egress-bw': 1 }, { 'terminal-name': 'paris', label: 400, 'ingress-bw': 1, 'egress-bw': 1 }] });
    expectEmptyObject200(await wire('POST', `${dpb.prefix}/service/${sid}/define/`, body, { contentType: null }));
    expectEmptyObject200(await wire('POST', `${dpb.prefix}/service/${sid}/activate/`));
    expect((await wire('GET', `${dpb.prefix}/services/`)).json).toEqual({ 'service-ids': [sid] });
    expectEmptyObject200(await wire('POST', `${dpb.prefix}/service/${sid}/release/`));
  });

  it('works on a switch network as well', async () => {
    const lab = new DpbNetworkClient(b.base, 'lab');
    const sid = await lab.newService();
    ok(await lab.define(sid, seg(['a', 10], ['b', 20], ['c', 30])));
    ok(await lab.activate(sid));
    expect(await lab.awaitStatus(sid, ['ACTIVE', 'FAILED'], 10_000)).toBe('ACTIVE');
    ok(await lab.release(sid));
    expect(await lab.serviceIds()).toEqual([]);
  });
});

describe('DPB 5GExchange API (/5gnetwork/<name>) through a client written from the reference', () => {
  const U = uuid(1);

  it('establish (PUT) waits for ACTIVE and answers 200 {}; the service carries the handle and the defaulted rates', async () => {
    const r = await fivegex.establish(U, {
      bandwidth: 20,
      endpoints: [
        { island_switch_port: 1, island_service_vlan_id: 117, ingress_bandwidth: 5, egress_bandwidth: 6 },
        { island_switch_port: 2, island_service_vlan_id: 118, bandwidth: 7 },
        { island_switch_port: 3, island_service_vlan_id: 119 },
      ],
    });
    expectEmptyObject200(r);
    const info = (await call(b.base, 'GET', `/api/v1/networks/wan/services/${U}`)).body;
    expect({ status: info.status, handle: info.handle }).toEqual({ status: 'ACTIVE', handle: U });
    // terminal = decimal text of island_switch_port; ingress/egress ← endpoint bandwidth ← top-level bandwidth ← 10;
    // egress: 6 (given), 7 (endpoint bandwidth), 20 (top-level) capped by the sanitiser at what the others send (5 + 7)
    expect(info.request.circuits.map((c: { terminal: string; label: number; ingressMbps: number }) => [c.terminal, c.label, c.ingressMbps])).toEqual([
      ['1', 117, 5],
      ['2', 118, 7],
      ['3', 119, 20],
    ]);
    expect(info.request.circuits.map((c: { egressMbps: number }) => c.egressMbps)).toEqual([6, 7, 12]);
    // it is an ordinary service of the network
    expect(await dpb.serviceIds()).toEqual([info.id]);

    expectEmptyObject200(await fivegex.release(U, 'DELETE'));
    expect(await settle(b.base, 'wan', info.id, ['RELEASED'])).toMatch(/^(RELEASED|GONE)$/);
    await expectNothingAllocated(b.base);
  });

  it('establish (POST) with no rates at all uses 10 Mbit/s; release via POST …/release; upper-case UUIDs are the same handle', async () => {
    const upper = U.toUpperCase();
    expectEmptyObject200(await fivegex.establish(upper, { endpoints: [{ island_switch_port: 1, island_service_vlan_id: 120 }, { island_switch_port: 2, island_service_vlan_id: 121 }] }, 'POST'));
    const info = (await call(b.base, 'GET', `/api/v1/networks/wan/services/${U}`)).body;
    expect(info.request.circuits.map((c: { ingressMbps: number; egressMbps: number }) => [c.ingressMbps, c.egressMbps])).toEqual([
      [10, 10],
      [10, 10],
    ]);
    expectEmptyObject200(await wire('POST', `${fivegex.prefix}/service/by-handle/${upper}/release/`));
    expect(await settle(b.base, 'wan', info.id, ['RELEASED'])).toMatch(/^(RELEASED|GONE)$/);
  });

  it('a handle in use is 409; after release the handle can be established again', async () => {
    const body = { endpoints: [{ island_switch_port: 1, island_service_vlan_id: 130 }, { island_switch_port: 3, island_service_vlan_id: 130 }] };
    expectEmptyObject200(await fivegex.establish(U, body));
    const before = await usage(b.base);
    const again = await fivegex.establish(U, { endpoints: [{ island_switch_port: 1, island_service_vlan_id: 131 }, { island_switch_port: 2, island_service_vlan_id: 131 }] });
    expect({ status: again.status, code: again.json.code, kind: again.json.details.kind, handle: again.json.details.handle }).toEqual({ status: 409, code: 'ALREADY_EXISTS', kind: 'handle', handle: U });
    expect(typeof again.json['error-message']).toBe('string');
    expect(await usage(b.base)).toEqual(before);
    const id = (await call(b.base, 'GET', `/api/v1/networks/wan/services/${U}`)).body.id as number;
    expectEmptyObject200(await fivegex.release(U));
    expect(await settle(b.base, 'wan', id, ['RELEASED'])).toMatch(/^(RELEASED|GONE)$/);
    expectEmptyObject200(await fivegex.establish(U, body));
  });

  it('release of an unknown handle is 404 {"error-message"}', async () => {
    const r = await fivegex.release(uuid(99));
    expect({ status: r.status, code: r.json.code, kind: r.json.details.kind }).toEqual({ status: 404, code: 'NOT_FOUND', kind: 'handle' });
    expect(typeof r.json['error-message']).toBe('string');
    const p = await fivegex.release(uuid(99), 'POST');
    expect(p.status).toBe(404);
  });

  it('a service that fails while activating is released and the reply is 409 naming the handle', async () => {
    (b.wired.fabrics.get('paris') as MemoryFabric).failNext('port on fire', 1);
    const r = await fivegex.establish(U, { endpoints: [{ island_switch_port: 1, island_service_vlan_id: 140 }, { island_switch_port: 2, island_service_vlan_id: 140 }] });
    expect({ status: r.status, code: r.json.code, handle: r.json.details.handle, status2: r.json.details.status }).toEqual({
      status: 409,
      code: 'FAILED_PRECONDITION',
      handle: U,
      status2: 'FAILED',
    });
    expect(typeof r.json['error-message']).toBe('string');
    await expectNothingAllocated(b.base);
    // the handle is free again
    expectEmptyObject200(await fivegex.establish(U, { endpoints: [{ island_switch_port: 1, island_service_vlan_id: 140 }, { island_switch_port: 2, island_service_vlan_id: 140 }] }));
  });
});
