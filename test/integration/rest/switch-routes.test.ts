import { call, circuits, expectError, startBroker, SWITCH_YAML, type TestBroker } from './broker';

let b: TestBroker;
beforeEach(async () => {
  b = await startBroker(SWITCH_YAML);
});
afterEach(async () => {
  await b.close();
});

const S = '/api/v1/networks/lab/services';

describe('REST v1 on a switch', () => {
  it('GET /healthz and /api/v1/networks describe the server', async () => {
    expect((await call(b.base, 'GET', '/healthz')).body).toEqual({ status: 'ok', networks: 1 });
    const list = await call(b.base, 'GET', '/api/v1/networks');
    expect(list.body).toEqual([{ name: 'lab', kind: 'switch', management: 'switch', terminals: 3, services: 0 }]);
    const one = await call(b.base, 'GET', '/api/v1/networks/lab');
    expect(one.body).toMatchObject({ name: 'lab', kind: 'switch', terminalNames: ['a', 'b', 'c'] });
  });

  it('terminals: list, get, add with quotas, patch quotas, delete', async () => {
    const list = await call(b.base, 'GET', '/api/v1/networks/lab/terminals');
    expect(list.body.map((t: { name: string }) => t.name)).toEqual(['a', 'b', 'c']);
    expect((await call(b.base, 'GET', '/api/v1/networks/lab/terminals/a')).body).toMatchObject({ ingressQuotaMbps: 1000, egressQuotaMbps: 1000, labels: { min: 0, max: 4095 } });

    const add = await call(b.base, 'POST', '/api/v1/networks/lab/terminals', { name: 'd', interface: 'port4', ingressQuotaMbps: 300 });
    expect(add.status).toBe(201);
    expect(add.body).toMatchObject({ name: 'd', ingressQuotaMbps: 300, egressQuotaMbps: null });
    expect(add.headers.get('location')).toBe('/api/v1/networks/lab/terminals/d');

    const patched = await call(b.base, 'PATCH', '/api/v1/networks/lab/terminals/d', { ingressQuotaAdjustMbps: 200, egressQuotaMbps: 50 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ ingressQuotaMbps: 500, egressQuotaMbps: 50 });
    expect((await call(b.base, 'PATCH', '/api/v1/networks/lab/terminals/d', { ingressQuotaMbps: null })).body.ingressQuotaMbps).toBeNull();

    expect((await call(b.base, 'DELETE', '/api/v1/networks/lab/terminals/d')).status).toBe(204);
    expectError(await call(b.base, 'GET', '/api/v1/networks/lab/terminals/d'), 404, 'NOT_FOUND');
  });

  it('a service goes create → define → activate → ACTIVE (?wait) → deactivate → reset → release', async () => {
    const created = await call(b.base, 'POST', S, {});
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ network: 'lab', status: 'DORMANT', handle: null });
    const id = created.body.id as number;
    expect(created.headers.get('location')).toBe(`${S}/${id}`);

    const defined = await call(b.base, 'PUT', `${S}/${id}/circuits`, { circuits: circuits(['a', 10, 100, 100], ['b', 20, 100]) });
    expect(defined.status).toBe(200);
    expect(defined.body.request.circuits).toEqual([
      { terminal: 'a', label: 10, ingressMbps: 100, egressMbps: 100 },
      { terminal: 'b', label: 20, ingressMbps: 100, egressMbps: 100 },
    ]);
    expect((await call(b.base, 'POST', `${S}/${id}/activate`)).status).toBe(202);
    const active = await call(b.base, 'GET', `${S}/${id}?wait=ACTIVE,FAILED&timeoutMs=5000`);
    expect(active.body.status).toBe('ACTIVE');
    expect(active.headers.get('dpb-wait')).toBe('reached');

    expect((await call(b.base, 'GET', `${S}?status=ACTIVE`)).body.map((s: { id: number }) => s.id)).toEqual([id]);
    expect((await call(b.base, 'GET', `${S}?status=INACTIVE,FAILED`)).body).toEqual([]);
    expect((await call(b.base, 'GET', '/api/v1/networks/lab/terminals/a')).body).toMatchObject({ ingressUsedMbps: 100, circuitsInUse: 1 });

    expect((await call(b.base, 'POST', `${S}/${id}/deactivate`)).status).toBe(202);
    expect((await call(b.base, 'GET', `${S}/${id}?wait=INACTIVE&timeoutMs=5000`)).body.status).toBe('INACTIVE');
    expect((await call(b.base, 'POST', `${S}/${id}/reset`)).status).toBe(202);
    expect((await call(b.base, 'GET', `${S}/${id}?wait=DORMANT&timeoutMs=5000`)).body).toMatchObject({ status: 'DORMANT', request: null });

    const released = await call(b.base, 'DELETE', `${S}/${id}`);
    expect(released.status).toBe(202);
    expect(['RELEASING', 'RELEASED']).toContain(released.body.status);
    expect((await call(b.base, 'GET', S)).body).toEqual([]);
  });

  it('POST /services with handle, circuits and activate is idempotent by handle', async () => {
    const body = { handle: 'h-1', circuits: circuits(['a', 10, 50], ['c', 30, 50]), activate: true };
    const first = await call(b.base, 'POST', S, body);
    expect(first.status).toBe(201);
    const again = await call(b.base, 'POST', S, body);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const byHandle = await call(b.base, 'GET', `${S}/h-1?wait=ACTIVE&timeoutMs=5000`);
    expect(byHandle.body).toMatchObject({ id: first.body.id, status: 'ACTIVE', handle: 'h-1' });
    expect((await call(b.base, 'GET', `${S}?handle=h-1`)).body.map((s: { id: number }) => s.id)).toEqual([first.body.id]);
    expect((await call(b.base, 'GET', `${S}?handle=other`)).body).toEqual([]);
    expect((await call(b.base, 'DELETE', `${S}/h-1`)).status).toBe(202);
  });

  it('?wait that is not reached returns the latest status with Dpb-Wait: timeout', async () => {
    const id = (await call(b.base, 'POST', S, {})).body.id;
    const r = await call(b.base, 'GET', `${S}/${id}?wait=ACTIVE&timeoutMs=0`);
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('DORMANT');
    expect(r.headers.get('dpb-wait')).toBe('timeout');
  });

  it('GET .../events streams the current status, every change, and ends after RELEASED', async () => {
    const id = (await call(b.base, 'POST', S, { circuits: circuits(['a', 11, 10], ['b', 21, 10]) })).body.id;
    const res = await fetch(`${b.base}${S}/${id}/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const statuses = (): string[] => [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1] as string).status);
    const readUntil = async (pred: () => boolean): Promise<void> => {
      while (!pred()) {
        const { value, done } = await reader.read();
        if (done) return;
        text += decoder.decode(value, { stream: true });
      }
    };
    await readUntil(() => statuses().length >= 1);
    expect(statuses()[0]).toBe('INACTIVE');
    await call(b.base, 'POST', `${S}/${id}/activate`);
    await readUntil(() => statuses().includes('ACTIVE'));
    await call(b.base, 'DELETE', `${S}/${id}`);
    await readUntil(() => false); // the server ends the stream after RELEASED
    expect(statuses()).toEqual(['INACTIVE', 'ACTIVATING', 'ACTIVE', 'RELEASING', 'RELEASED']);
    expect(text).toMatch(/^event: status$/m);
  });

  it('GET /model gives chords; unlimited capacity is null', async () => {
    const m = await call(b.base, 'GET', '/api/v1/networks/lab/model');
    expect(m.body.terminals).toEqual(['a', 'b', 'c']);
    const ab = m.body.chords.find((c: { from: string; to: string }) => c.from === 'a' && c.to === 'b');
    expect(ab).toMatchObject({ upstreamMbps: 1000 });
    const bc = m.body.chords.find((c: { from: string; to: string }) => c.from === 'b' && c.to === 'c');
    expect(bc).toMatchObject({ upstreamMbps: null, downstreamMbps: null });
    const filtered = await call(b.base, 'GET', '/api/v1/networks/lab/model?minMbps=5000');
    expect(filtered.body.chords.every((c: { from: string }) => c.from !== 'a')).toBe(true);
  });

  it('GET /api/v1/openapi.json serves the document', async () => {
    const r = await call(b.base, 'GET', '/api/v1/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    expect(Object.keys(r.body.paths)).toContain('/api/v1/networks/{net}/services/{service}');
  });

  it('trunk routes on a switch are FAILED_PRECONDITION (409)', async () => {
    expect(expectError(await call(b.base, 'GET', '/api/v1/networks/lab/trunks'), 409, 'FAILED_PRECONDITION')).toMatchObject({ network: 'lab' });
  });
});
