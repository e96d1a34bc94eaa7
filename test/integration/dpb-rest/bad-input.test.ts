import { startBroker, type TestBroker } from '../rest/broker';
import { DPB_YAML, usage, uuid } from './fixtures';
import { DpbNetworkClient, ok, wire, type WireReply } from './reference-client';

const MAX_BODY = 4096;
let b: TestBroker;
/** A defined, ACTIVE service and a DORMANT one, so that "state unchanged" has something to compare. */
let active: number;
let dormant: number;
beforeAll(async () => {
  b = await startBroker(DPB_YAML, MAX_BODY);
  const dpb = new DpbNetworkClient(b.base, 'wan');
  active = await dpb.newService();
  ok(await dpb.define(active, [
    { terminalName: 'london', label: 500, ingressBw: 10, egressBw: 10 },
    { terminalName: 'paris', label: 500, ingressBw: 10, egressBw: 10 },
  ]));
  ok(await dpb.activate(active));
  expect(await dpb.awaitStatus(active, ['ACTIVE', 'FAILED'], 10_000)).toBe('ACTIVE');
  dormant = await dpb.newService();
});
afterAll(async () => {
  await b.close();
});

/** Everything a bad request must leave alone: usage, and every service's status and request. */
async function snapshot(): Promise<unknown> {
  const u = await usage(b.base);
  const services = (await wire('GET', `${b.base}/api/v1/networks/wan/services`)).json as { id: number; status: string; request: unknown; handle: string | null }[];
  return { u, services: services.map((s) => ({ id: s.id, status: s.status, request: s.request, handle: s.handle })) };
}

const circuit = (t: unknown, label: unknown = 600, i: unknown = 1, e: unknown = 1) => ({ 'terminal-name': t, label, 'ingress-bw': i, 'egress-bw': e });
const endpoint = (port: unknown, vlan: unknown = 700, extra: Record<string, unknown> = {}) => ({ island_switch_port: port, island_service_vlan_id: vlan, ...extra });
const U = uuid(7);

type Case = [what: string, method: string, path: () => string, body: unknown, status: number, code: string, details: Record<string, unknown>];

const N = '/network/wan';
const S = () => `${N}/service/${dormant}`;
const F = `/5gnetwork/wan/service/by-handle/${U}`;

const networkCases: Case[] = [
  // define
  ['define: malformed JSON', 'POST', () => `${S()}/define`, '{"segment": [', 400, 'INVALID_ARGUMENT', { field: 'body', reason: 'MALFORMED_JSON' }],
  ['define: binary junk', 'POST', () => `${S()}/define`, '\u0000\u00ff\u00fe{{', 400, 'INVALID_ARGUMENT', { field: 'body', reason: 'MALFORMED_JSON' }],
  ['define: no body', 'POST', () => `${S()}/define`, undefined, 400, 'INVALID_ARGUMENT', { field: 'body' }],
  ['define: array body', 'PUT', () => `${S()}/define`, '[]', 400, 'INVALID_ARGUMENT', { field: 'body' }],
  ['define: string body', 'POST', () => `${S()}/define`, '"segment"', 400, 'INVALID_ARGUMENT', { field: 'body' }],
  ['define: null body', 'POST', () => `${S()}/define`, 'null', 400, 'INVALID_ARGUMENT', { field: 'body' }],
  ['define: missing segment', 'POST', () => `${S()}/define`, { circuits: [] }, 400, 'INVALID_ARGUMENT', { field: 'segment' }],
  ['define: segment not an array', 'POST', () => `${S()}/define`, { segment: { a: 1 } }, 400, 'INVALID_ARGUMENT', { field: 'segment' }],
  ['define: circuit not an object', 'POST', () => `${S()}/define`, { segment: [circuit('london'), 7] }, 400, 'INVALID_ARGUMENT', { field: 'segment[1]' }],
  ['define: missing terminal-name', 'POST', () => `${S()}/define`, { segment: [{ label: 1, 'ingress-bw': 1, 'egress-bw': 1 }, circuit('paris')] }, 400, 'INVALID_ARGUMENT', { field: 'segment[0].terminal-name' }],
  ['define: terminal-name a number', 'POST', () => `${S()}/define`, { segment: [circuit(12), circuit('paris')] }, 400, 'INVALID_ARGUMENT', { field: 'segment[0].terminal-name' }],
  ['define: label a string', 'POST', () => `${S()}/define`, { segment: [circuit('london'), circuit('paris', '600')] }, 400, 'INVALID_ARGUMENT', { field: 'segment[1].label' }],
  ['define: fractional label', 'POST', () => `${S()}/define`, { segment: [circuit('london', 1.5), circuit('paris')] }, 400, 'INVALID_ARGUMENT', { field: 'segment[0].label' }],
  ['define: negative label', 'POST', () => `${S()}/define`, { segment: [circuit('london', -1), circuit('paris')] }, 400, 'INVALID_ARGUMENT', { field: 'segment[0].label' }],
  ['define: missing egress-bw', 'POST', () => `${S()}/define`, { segment: [circuit('london'), { 'terminal-name': 'paris', label: 1, 'ingress-bw': 1 }] }, 400, 'INVALID_ARGUMENT', { field: 'segment[1].egress-bw' }],
  ['define: ingress-bw a string', 'POST', () => `${S()}/define`, { segment: [circuit('london', 600, '10'), circuit('paris')] }, 400, 'INVALID_ARGUMENT', { field: 'segment[0].ingress-bw' }],
  ['define: negative bandwidth', 'POST', () => `${S()}/define`, { segment: [circuit('london'), circuit('paris', 600, 1, -5)] }, 400, 'INVALID_ARGUMENT', { field: 'segment[1].egress-bw' }],
  ['define: absurd bandwidth', 'POST', () => `${S()}/define`, { segment: [circuit('london', 600, 1e13), circuit('paris')] }, 400, 'INVALID_ARGUMENT', { field: 'segment[0].ingress-bw' }],
  ['define: one circuit', 'POST', () => `${S()}/define`, { segment: [circuit('london')] }, 400, 'INVALID_ARGUMENT', { field: 'segment' }],
  ['define: duplicate circuit', 'POST', () => `${S()}/define`, { segment: [circuit('london'), circuit('london')] }, 400, 'INVALID_ARGUMENT', { kind: 'circuit', terminal: 'london', label: 600 }],
  ['define: unknown terminal', 'POST', () => `${S()}/define`, { segment: [circuit('london'), circuit('atlantis')] }, 404, 'NOT_FOUND', { kind: 'terminal', terminal: 'atlantis', field: 'segment[1].terminal-name' }],
  ['define: VLAN beyond 4095', 'POST', () => `${S()}/define`, { segment: [circuit('london', 5000), circuit('paris')] }, 400, 'INVALID_ARGUMENT', { label: 5000 }],
  ['define: label held by another service', 'POST', () => `${S()}/define`, { segment: [circuit('london', 500), circuit('frankfurt')] }, 409, 'BUSY', {}],
  ['define: too much bandwidth', 'POST', () => `${S()}/define`, { segment: [circuit('london', 600, 5000, 5000), circuit('frankfurt', 600, 5000, 5000)] }, 409, 'RESOURCE_EXHAUSTED', {}],
  ['define: already defined', 'POST', () => `${N}/service/${active}/define`, { segment: [circuit('london'), circuit('paris')] }, 409, 'FAILED_PRECONDITION', {}],
  ['define: unknown service', 'POST', () => `${N}/service/999999/define`, { segment: [circuit('london'), circuit('paris')] }, 404, 'NOT_FOUND', { kind: 'service' }],
  ['define: huge id', 'POST', () => `${N}/service/99999999999999999999999/define`, { segment: [circuit('london'), circuit('paris')] }, 400, 'INVALID_ARGUMENT', { field: 'service-id' }],
  ['define: id beyond 2^31-1', 'PUT', () => `${N}/service/2147483648/define`, { segment: [circuit('london'), circuit('paris')] }, 400, 'INVALID_ARGUMENT', { field: 'service-id' }],
  ['define: id not digits', 'POST', () => `${N}/service/-1/define`, { segment: [circuit('london'), circuit('paris')] }, 400, 'INVALID_ARGUMENT', { field: 'service-id' }],
  ['define: oversized body', 'POST', () => `${S()}/define`, { segment: [circuit('london'), circuit('paris')], pad: 'x'.repeat(MAX_BODY) }, 413, 'INVALID_ARGUMENT', { field: 'body', reason: 'PAYLOAD_TOO_LARGE' }],
  ['define: deep JSON', 'POST', () => `${S()}/define`, `{"segment":${'['.repeat(1000)}${']'.repeat(1000)}}`, 400, 'INVALID_ARGUMENT', { field: 'segment[0]' }],
  // lifecycle
  ['activate: unknown service', 'POST', () => `${N}/service/999999/activate`, undefined, 404, 'NOT_FOUND', { kind: 'service' }],
  ['deactivate: unknown service', 'POST', () => `${N}/service/999999/deactivate`, undefined, 404, 'NOT_FOUND', { kind: 'service' }],
  ['reset: unknown service', 'POST', () => `${N}/service/999999/reset`, undefined, 404, 'NOT_FOUND', { kind: 'service' }],
  ['activate: huge id', 'POST', () => `${N}/service/12345678901234567890/activate`, undefined, 400, 'INVALID_ARGUMENT', { field: 'service-id' }],
  ['deactivate: id with letters', 'POST', () => `${N}/service/1a/deactivate`, undefined, 400, 'INVALID_ARGUMENT', { field: 'service-id' }],
  ['reset: id with a sign', 'POST', () => `${N}/service/+1/reset`, undefined, 400, 'INVALID_ARGUMENT', { field: 'service-id' }],
  ['release: huge id', 'POST', () => `${N}/service/99999999999/release`, undefined, 400, 'INVALID_ARGUMENT', { field: 'service-id' }],
  ['release: id not digits', 'POST', () => `${N}/service/one/release`, undefined, 400, 'INVALID_ARGUMENT', { field: 'service-id' }],
  // await-status GET
  ['await GET: no timeout-millis', 'GET', () => `${S()}/await-status?acceptable=ACTIVE`, undefined, 400, 'INVALID_ARGUMENT', { field: 'timeout-millis' }],
  ['await GET: no query at all', 'GET', () => `${S()}/await-status`, undefined, 400, 'INVALID_ARGUMENT', { field: 'timeout-millis' }],
  ['await GET: negative timeout', 'GET', () => `${S()}/await-status?timeout-millis=-5`, undefined, 400, 'INVALID_ARGUMENT', { field: 'timeout-millis' }],
  ['await GET: fractional timeout', 'GET', () => `${S()}/await-status?timeout-millis=1.5`, undefined, 400, 'INVALID_ARGUMENT', { field: 'timeout-millis' }],
  ['await GET: timeout twice', 'GET', () => `${S()}/await-status?timeout-millis=1&timeout-millis=2`, undefined, 400, 'INVALID_ARGUMENT', { field: 'timeout-millis' }],
  ['await GET: bad status', 'GET', () => `${S()}/await-status?timeout-millis=10&acceptable=ACTIVE&acceptable=SOON`, undefined, 400, 'INVALID_ARGUMENT', { field: 'acceptable[1]' }],
  ['await GET: unknown service', 'GET', () => `${N}/service/999999/await-status?timeout-millis=10`, undefined, 404, 'NOT_FOUND', { kind: 'service' }],
  ['await GET: huge id', 'GET', () => `${N}/service/99999999999999/await-status?timeout-millis=10`, undefined, 400, 'INVALID_ARGUMENT', { field: 'service-id' }],
  // await-status POST
  ['await POST: malformed JSON', 'POST', () => `${S()}/await-status`, '{"timeout-millis": 10,', 400, 'INVALID_ARGUMENT', { field: 'body', reason: 'MALFORMED_JSON' }],
  ['await POST: no body', 'POST', () => `${S()}/await-status`, undefined, 400, 'INVALID_ARGUMENT', { field: 'body' }],
  ['await POST: array body', 'POST', () => `${S()}/await-status`, '[10]', 400, 'INVALID_ARGUMENT', { field: 'body' }],
  ['await POST: number body', 'POST', () => `${S()}/await-status`, '10', 400, 'INVALID_ARGUMENT', { field: 'body' }],
  ['await POST: missing timeout', 'POST', () => `${S()}/await-status`, { acceptable: ['ACTIVE'] }, 400, 'INVALID_ARGUMENT', { field: 'timeout-millis' }],
  ['await POST: timeout a string', 'POST', () => `${S()}/await-status`, { 'timeout-millis': '10' }, 400, 'INVALID_ARGUMENT', { field: 'timeout-millis' }],
  ['await POST: negative timeout', 'POST', () => `${S()}/await-status`, { 'timeout-millis': -1 }, 400, 'INVALID_ARGUMENT', { field: 'timeout-millis' }],
  ['await POST: fractional timeout', 'POST', () => `${S()}/await-status`, { 'timeout-millis': 0.5 }, 400, 'INVALID_ARGUMENT', { field: 'timeout-millis' }],
  ['await POST: acceptable not an array', 'POST', () => `${S()}/await-status`, { 'timeout-millis': 1, acceptable: 'ACTIVE' }, 400, 'INVALID_ARGUMENT', { field: 'acceptable' }],
  ['await POST: acceptable with a number', 'POST', () => `${S()}/await-status`, { 'timeout-millis': 1, acceptable: ['ACTIVE', 3] }, 400, 'INVALID_ARGUMENT', { field: 'acceptable[1]' }],
  ['await POST: unknown status', 'POST', () => `${S()}/await-status`, { 'timeout-millis': 1, acceptable: ['GREEN'] }, 400, 'INVALID_ARGUMENT', { field: 'acceptable[0]' }],
  ['await POST: unknown service', 'POST', () => `${N}/service/999999/await-status`, { 'timeout-millis': 1 }, 404, 'NOT_FOUND', { kind: 'service' }],
  // network, paths, methods
  ['services: unknown network', 'GET', () => '/network/atlantis/services', undefined, 404, 'NOT_FOUND', { kind: 'network', network: 'atlantis' }],
  ['create-service: unknown network', 'POST', () => '/network/atlantis/create-service', undefined, 404, 'NOT_FOUND', { kind: 'network' }],
  ['network name is case-sensitive', 'GET', () => '/network/WAN/services', undefined, 404, 'NOT_FOUND', { kind: 'network', network: 'WAN' }],
  ['bad percent-encoding', 'GET', () => '/network/%E0%A4%A/services', undefined, 400, 'INVALID_ARGUMENT', { field: 'path' }],
  ['wrong method on create-service', 'GET', () => `${N}/create-service`, undefined, 405, 'NOT_FOUND', { kind: 'route', reason: 'METHOD_NOT_ALLOWED' }],
  ['wrong method on services', 'DELETE', () => `${N}/services`, undefined, 405, 'NOT_FOUND', { kind: 'route', reason: 'METHOD_NOT_ALLOWED' }],
  ['wrong method on activate', 'PUT', () => `${S()}/activate`, undefined, 405, 'NOT_FOUND', { kind: 'route', reason: 'METHOD_NOT_ALLOWED' }],
  ['unknown verb', 'POST', () => `${S()}/explode`, undefined, 404, 'NOT_FOUND', { kind: 'route' }],
  ['network prefix alone', 'GET', () => N, undefined, 404, 'NOT_FOUND', { kind: 'route' }],
  ['too deep a path', 'POST', () => `${S()}/activate/now`, undefined, 404, 'NOT_FOUND', { kind: 'route' }],
];

const fiveGExCases: Case[] = [
  ['establish: malformed JSON', 'PUT', () => F, '{"endpoints": [', 400, 'INVALID_ARGUMENT', { field: 'body', reason: 'MALFORMED_JSON' }],
  ['establish: binary junk', 'POST', () => F, '\u0001\u0002\u00ff', 400, 'INVALID_ARGUMENT', { field: 'body', reason: 'MALFORMED_JSON' }],
  ['establish: no body', 'PUT', () => F, undefined, 400, 'INVALID_ARGUMENT', { field: 'body' }],
  ['establish: array body', 'PUT', () => F, '[1,2]', 400, 'INVALID_ARGUMENT', { field: 'body' }],
  ['establish: missing endpoints', 'PUT', () => F, { bandwidth: 5 }, 400, 'INVALID_ARGUMENT', { field: 'endpoints' }],
  ['establish: endpoints an object', 'PUT', () => F, { endpoints: { 0: endpoint(1) } }, 400, 'INVALID_ARGUMENT', { field: 'endpoints' }],
  ['establish: endpoint a string', 'PUT', () => F, { endpoints: [endpoint(1), 'two'] }, 400, 'INVALID_ARGUMENT', { field: 'endpoints[1]' }],
  ['establish: missing port', 'PUT', () => F, { endpoints: [endpoint(1), { island_service_vlan_id: 700 }] }, 400, 'INVALID_ARGUMENT', { field: 'endpoints[1].island_switch_port' }],
  ['establish: port a string', 'PUT', () => F, { endpoints: [endpoint('1'), endpoint(2)] }, 400, 'INVALID_ARGUMENT', { field: 'endpoints[0].island_switch_port' }],
  ['establish: negative port', 'PUT', () => F, { endpoints: [endpoint(-1), endpoint(2)] }, 400, 'INVALID_ARGUMENT', { field: 'endpoints[0].island_switch_port' }],
  ['establish: missing VLAN', 'PUT', () => F, { endpoints: [endpoint(1), { island_switch_port: 2 }] }, 400, 'INVALID_ARGUMENT', { field: 'endpoints[1].island_service_vlan_id' }],
  ['establish: fractional VLAN', 'PUT', () => F, { endpoints: [endpoint(1, 7.5), endpoint(2)] }, 400, 'INVALID_ARGUMENT', { field: 'endpoints[0].island_service_vlan_id' }],
  ['establish: bandwidth a string', 'PUT', () => F, { endpoints: [endpoint(1, 700, { bandwidth: 'lots' }), endpoint(2)] }, 400, 'INVALID_ARGUMENT', { field: 'endpoints[0].bandwidth' }],
  ['establish: negative egress', 'PUT', () => F, { endpoints: [endpoint(1), endpoint(2, 700, { egress_bandwidth: -1 })] }, 400, 'INVALID_ARGUMENT', { field: 'endpoints[1].egress_bandwidth' }],
  ['establish: top-level bandwidth wrong', 'PUT', () => F, { bandwidth: [1], endpoints: [endpoint(1), endpoint(2)] }, 400, 'INVALID_ARGUMENT', { field: 'bandwidth' }],
  ['establish: one endpoint', 'PUT', () => F, { endpoints: [endpoint(1)] }, 400, 'INVALID_ARGUMENT', { field: 'endpoints' }],
  ['establish: duplicate endpoint', 'PUT', () => F, { endpoints: [endpoint(1), endpoint(1)] }, 400, 'INVALID_ARGUMENT', { kind: 'circuit', terminal: '1' }],
  ['establish: unknown terminal', 'PUT', () => F, { endpoints: [endpoint(1), endpoint(9)] }, 404, 'NOT_FOUND', { kind: 'terminal', terminal: '9', field: 'endpoints[1].island_switch_port' }],
  ['establish: VLAN beyond 4095 (rejected by the switch; the new service is released)', 'PUT', () => F, { endpoints: [endpoint(1, 5000), endpoint(2)] }, 400, 'INVALID_ARGUMENT', { label: 5000 }],
  ['establish: too much bandwidth (the new service is released)', 'PUT', () => F, { endpoints: [endpoint(1, 700, { bandwidth: 5000 }), endpoint(3, 700, { bandwidth: 5000 })] }, 409, 'RESOURCE_EXHAUSTED', {}],
  ['establish: oversized body', 'PUT', () => F, { endpoints: [endpoint(1), endpoint(2)], pad: 'y'.repeat(MAX_BODY) }, 413, 'INVALID_ARGUMENT', { reason: 'PAYLOAD_TOO_LARGE' }],
  ['establish: not a UUID', 'PUT', () => '/5gnetwork/wan/service/by-handle/not-a-uuid', { endpoints: [endpoint(1), endpoint(2)] }, 400, 'INVALID_ARGUMENT', { field: 'uuid' }],
  ['establish: unknown network', 'PUT', () => `/5gnetwork/atlantis/service/by-handle/${U}`, { endpoints: [endpoint(1), endpoint(2)] }, 404, 'NOT_FOUND', { kind: 'network' }],
  ['release: not a UUID', 'DELETE', () => `/5gnetwork/wan/service/by-handle/${U}x`, undefined, 400, 'INVALID_ARGUMENT', { field: 'uuid' }],
  ['release: unknown handle', 'DELETE', () => F, undefined, 404, 'NOT_FOUND', { kind: 'handle', handle: U }],
  ['release (POST): unknown handle', 'POST', () => `${F}/release`, undefined, 404, 'NOT_FOUND', { kind: 'handle', handle: U }],
  ['wrong method on by-handle', 'GET', () => F, undefined, 405, 'NOT_FOUND', { reason: 'METHOD_NOT_ALLOWED' }],
  ['wrong method on release', 'DELETE', () => `${F}/release`, undefined, 405, 'NOT_FOUND', { reason: 'METHOD_NOT_ALLOWED' }],
  ['unknown path', 'GET', () => '/5gnetwork/wan/services', undefined, 404, 'NOT_FOUND', { kind: 'route' }],
  ['prefix alone', 'GET', () => '/5gnetwork', undefined, 404, 'NOT_FOUND', { kind: 'route' }],
  ['bad percent-encoding', 'DELETE', () => `/5gnetwork/%zz/service/by-handle/${U}`, undefined, 400, 'INVALID_ARGUMENT', { field: 'path' }],
];

function send(method: string, path: string, body: unknown): Promise<WireReply> {
  return wire(method, b.base + path, body, { contentType: null });
}

describe('bad input on the DPB generic API: 4xx with our JSON error body naming the field, state unchanged', () => {
  it.each(networkCases)('%s', async (_what, method, path, body, status, code, details) => {
    const before = await snapshot();
    const r = await send(method, path(), body);
    expect({ status: r.status, code: r.json?.error?.code }).toEqual({ status, code });
    expect(r.contentType).toMatch(/^application\/json/);
    expect(typeof r.json.error.message).toBe('string');
    expect(r.json.error.details).toMatchObject(details);
    if (status === 405) expect(r.headers.get('allow')).toBeTruthy();
    expect(await snapshot()).toEqual(before);
  });
});

describe('bad input on the 5GEx API: 4xx with {"error-message", code, details}, state unchanged', () => {
  it.each(fiveGExCases)('%s', async (_what, method, path, body, status, code, details) => {
    const before = await snapshot();
    const r = await send(method, path(), body);
    expect({ status: r.status, code: r.json?.code }).toEqual({ status, code });
    expect(r.contentType).toMatch(/^application\/json/);
    expect(typeof r.json['error-message']).toBe('string');
    expect(r.json.details).toMatchObject(details);
    expect(await snapshot()).toEqual(before);
  });

  it('an unparsable body says "failed to parse request" as DPB did', async () => {
    const r = await send('PUT', F, '{oops');
    expect(r.json['error-message']).toMatch(/^failed to parse request/);
  });
});
