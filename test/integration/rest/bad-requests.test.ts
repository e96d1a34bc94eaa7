import { BrokerError, ERROR_CODES, type NetworkControl } from '@dpb/model';
import { HTTP_STATUS_BY_CODE } from '@dpb/protocol';
import { call, circuits, expectError, listen, startBroker, SWITCH_YAML, type TestBroker } from './broker';

let b: TestBroker;
beforeAll(async () => {
  b = await startBroker(SWITCH_YAML, 4096);
});
afterAll(async () => {
  await b.close();
});

const S = '/api/v1/networks/lab/services';

/** What a follow-up GET must show unchanged. */
async function snapshot(): Promise<unknown> {
  const [services, terminals] = await Promise.all([call(b.base, 'GET', S), call(b.base, 'GET', '/api/v1/networks/lab/terminals')]);
  return { services: services.body, terminals: terminals.body };
}

describe('bad requests get a 4xx JSON error naming the field, and change nothing', () => {
  const good = () => circuits(['a', 10, 10], ['b', 20, 10]);
  const cases: [string, string, string, unknown, number, string, Record<string, unknown>][] = [
    ['malformed JSON', 'POST', S, '{"circuits": [', 400, 'INVALID_ARGUMENT', { field: 'body', reason: 'MALFORMED_JSON' }],
    ['a JSON string body', 'POST', S, '"hello"', 400, 'INVALID_ARGUMENT', { field: 'body' }],
    ['an array body', 'POST', S, '[]', 400, 'INVALID_ARGUMENT', { field: 'body' }],
    ['label of the wrong type', 'POST', S, { circuits: [{ terminal: 'a', label: 'ten', ingressMbps: 1 }, { terminal: 'b', label: 2, ingressMbps: 1 }] }, 400, 'INVALID_ARGUMENT', { field: 'circuits[0].label' }],
    ['fractional label', 'POST', S, { circuits: [{ terminal: 'a', label: 1.5, ingressMbps: 1 }, { terminal: 'b', label: 2, ingressMbps: 1 }] }, 400, 'INVALID_ARGUMENT', { field: 'circuits[0].label' }],
    ['unknown key at the top', 'POST', S, { circuits: good(), colour: 'red' }, 400, 'INVALID_ARGUMENT', { field: 'colour' }],
    ['unknown key in a circuit', 'POST', S, { circuits: [{ terminal: 'a', label: 1, ingressMbps: 1, vlan: 3 }, { terminal: 'b', label: 2, ingressMbps: 1 }] }, 400, 'INVALID_ARGUMENT', { field: 'circuits[0].vlan' }],
    ['missing ingress', 'POST', S, { circuits: [{ terminal: 'a', label: 1 }, { terminal: 'b', label: 2, ingressMbps: 1 }] }, 400, 'INVALID_ARGUMENT', { field: 'circuits[0].ingressMbps' }],
    ['negative bandwidth', 'POST', S, { circuits: circuits(['a', 10, -5], ['b', 20, 10]) }, 400, 'INVALID_ARGUMENT', { field: 'circuits[0].ingressMbps', value: -5 }],
    ['absurd bandwidth', 'POST', S, { circuits: circuits(['a', 10, 10], ['b', 20, 10, 1e13]) }, 400, 'INVALID_ARGUMENT', { field: 'circuits[1].egressMbps' }],
    ['one circuit', 'POST', S, { circuits: circuits(['a', 10, 10]) }, 400, 'INVALID_ARGUMENT', { field: 'circuits' }],
    ['duplicate circuit', 'POST', S, { circuits: circuits(['a', 10, 10], ['a', 10, 10]) }, 400, 'INVALID_ARGUMENT', { kind: 'circuit', terminal: 'a', label: 10 }],
    ['VLAN beyond 4095', 'POST', S, { circuits: circuits(['a', 5000, 10], ['b', 20, 10]) }, 400, 'INVALID_ARGUMENT', { label: 5000 }],
    ['unknown terminal', 'POST', S, { circuits: circuits(['zz', 10, 10], ['b', 20, 10]) }, 404, 'NOT_FOUND', { kind: 'terminal', terminal: 'zz' }],
    ['over the quota', 'POST', S, { circuits: circuits(['a', 10, 2000], ['b', 20, 10]) }, 409, 'RESOURCE_EXHAUSTED', { terminal: 'a' }],
    ['bad handle', 'POST', S, { handle: '' }, 400, 'INVALID_ARGUMENT', { field: 'handle' }],
    ['unknown network', 'GET', '/api/v1/networks/nope/services', undefined, 404, 'NOT_FOUND', { kind: 'network', network: 'nope' }],
    ['unknown service id', 'GET', `${S}/999`, undefined, 404, 'NOT_FOUND', { kind: 'service' }],
    ['unknown handle', 'POST', `${S}/no-such/activate`, undefined, 404, 'NOT_FOUND', { kind: 'handle' }],
    ['bad wait status', 'GET', `${S}/1?wait=SOON`, undefined, 400, 'INVALID_ARGUMENT', { field: 'wait' }],
    ['wait too long', 'GET', `${S}/1?wait=ACTIVE&timeoutMs=999999`, undefined, 400, 'INVALID_ARGUMENT', { field: 'timeoutMs' }],
    ['unknown query parameter', 'GET', `${S}?colour=red`, undefined, 400, 'INVALID_ARGUMENT', { field: 'colour' }],
    ['bad status filter', 'GET', `${S}?status=GREEN`, undefined, 400, 'INVALID_ARGUMENT', { field: 'status' }],
    ['bad minMbps', 'GET', '/api/v1/networks/lab/model?minMbps=-1', undefined, 400, 'INVALID_ARGUMENT', { field: 'minMbps' }],
    ['body where none is taken', 'POST', `${S}/1/activate`, { now: true }, 400, 'INVALID_ARGUMENT', { field: 'body' }],
    ['terminal on a bad interface', 'POST', '/api/v1/networks/lab/terminals', { name: 'x', interface: 'no good' }, 400, 'INVALID_ARGUMENT', { field: 'interface' }],
    ['terminal that exists', 'POST', '/api/v1/networks/lab/terminals', { name: 'a', interface: 'port9' }, 409, 'ALREADY_EXISTS', { kind: 'terminal' }],
    ['terminal on a taken interface', 'POST', '/api/v1/networks/lab/terminals', { name: 'x', interface: 'port1' }, 409, 'BUSY', {}],
    ['switch terminal with inferior', 'POST', '/api/v1/networks/lab/terminals', { name: 'x', interface: 'p', inferior: 'a:b' }, 400, 'INVALID_ARGUMENT', { field: 'inferior' }],
    ['negative quota', 'PATCH', '/api/v1/networks/lab/terminals/a', { ingressQuotaMbps: -1 }, 400, 'INVALID_ARGUMENT', { field: 'ingressQuotaMbps' }],
    ['empty patch', 'PATCH', '/api/v1/networks/lab/terminals/a', {}, 400, 'INVALID_ARGUMENT', { field: 'body' }],
    ['unknown route', 'GET', '/api/v2/networks', undefined, 404, 'NOT_FOUND', { kind: 'route' }],
    ['wrong method', 'PUT', '/api/v1/networks/lab/terminals', { name: 'x' }, 405, 'NOT_FOUND', { kind: 'route', reason: 'METHOD_NOT_ALLOWED' }],
    ['oversized body', 'POST', S, { handle: 'x'.repeat(100), pad: 'y'.repeat(10_000) }, 413, 'INVALID_ARGUMENT', { field: 'body', reason: 'PAYLOAD_TOO_LARGE' }],
  ];
  it.each(cases)('%s', async (_what, method, path, body, status, code, details) => {
    const before = await snapshot();
    const res = await call(b.base, method, path, body);
    expect(expectError(res, status, code)).toMatchObject(details);
    expect(await snapshot()).toEqual(before);
  });

  it('405 carries an Allow header', async () => {
    const res = await call(b.base, 'DELETE', S);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST, HEAD');
  });

  it('defining a defined service is FAILED_PRECONDITION and keeps the first definition', async () => {
    const svc = (await call(b.base, 'POST', S, { circuits: circuits(['a', 40, 10], ['b', 40, 10]) })).body;
    const res = await call(b.base, 'PUT', `${S}/${svc.id}/circuits`, { circuits: circuits(['a', 41, 10], ['b', 41, 10]) });
    expectError(res, 409, 'FAILED_PRECONDITION');
    expect((await call(b.base, 'GET', `${S}/${svc.id}`)).body.request).toEqual(svc.request);
    await call(b.base, 'DELETE', `${S}/${svc.id}`);
    await call(b.base, 'GET', `${S}/${svc.id}?wait=RELEASED&timeoutMs=5000`);
  });

  it('a circuit in use by another service is BUSY, and the new service is not left behind', async () => {
    const first = (await call(b.base, 'POST', S, { circuits: circuits(['a', 50, 10], ['b', 50, 10]) })).body;
    const before = await snapshot();
    expectError(await call(b.base, 'POST', S, { handle: 'second', circuits: circuits(['a', 50, 10], ['c', 50, 10]) }), 409, 'BUSY');
    expect(await snapshot()).toEqual(before);
    await call(b.base, 'DELETE', `${S}/${first.id}`);
    await call(b.base, 'GET', `${S}/${first.id}?wait=RELEASED&timeoutMs=5000`);
  });

  it('removing a terminal a defined service uses is BUSY', async () => {
    const svc = (await call(b.base, 'POST', S, { circuits: circuits(['b', 60, 10], ['c', 60, 10]) })).body;
    expectError(await call(b.base, 'DELETE', '/api/v1/networks/lab/terminals/c'), 409, 'BUSY');
    expect((await call(b.base, 'GET', '/api/v1/networks/lab/terminals/c')).status).toBe(200);
    await call(b.base, 'DELETE', `${S}/${svc.id}`);
  });
});

describe('every ErrorCode maps to its HTTP status', () => {
  it.each([...ERROR_CODES])('%s', async (code) => {
    const failing = {
      name: 'stub',
      kind: 'remote',
      terminals: async () => {
        throw new BrokerError(code, `stub fails with ${code}`, { details: { network: 'stub' } });
      },
    } as unknown as NetworkControl;
    const { base, server } = await listen(new Map([['stub', { control: failing }]]));
    try {
      const res = await call(base, 'GET', '/api/v1/networks/stub/terminals');
      expect(expectError(res, HTTP_STATUS_BY_CODE[code], code)).toEqual({ network: 'stub' });
    } finally {
      server.close();
    }
  });

  it('an unexpected throw is 500 INTERNAL with a JSON body', async () => {
    const failing = { name: 'stub', kind: 'remote', terminals: async () => { throw new TypeError('boom'); } } as unknown as NetworkControl;
    const { base, server } = await listen(new Map([['stub', { control: failing }]]));
    try {
      expectError(await call(base, 'GET', '/api/v1/networks/stub/terminals'), 500, 'INTERNAL');
    } finally {
      server.close();
    }
  });
});

describe('paths that are not valid percent-encoding', () => {
  it('are a 400 naming the path, not a 500', async () => {
    const b = await startBroker(SWITCH_YAML);
    try {
      const r = await call(b.base, 'GET', '/api/v1/networks/%zz/services');
      expect(expectError(r, 400, 'INVALID_ARGUMENT')).toMatchObject({ field: 'path' });
    } finally {
      await b.close();
    }
  });
});
