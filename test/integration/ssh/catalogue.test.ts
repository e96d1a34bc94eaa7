/**
 * Every message type of dpb-interfaces.md §2.7, driven through the
 * reference client against a broker wired from YAML.
 */
import { DPB_EXTENSION_TYPES, DPB_MESSAGE_TYPES } from '@dpb/protocol';
import { type Json, ReferenceClient } from './reference-client';
import { type SshBroker, startSshBroker, WAN_YAML } from './ssh-broker';

const YAML = `${WAN_YAML}
  - name: lab
    kind: switch
    fabric: { memory: {} }
    terminals: { a: port1, b: port2, c: port3 }
    quotas: { a: { ingressMbps: 1000, egressMbps: 1000 } }
`;

let broker: SshBroker;
let wan: ReferenceClient;
let lab: ReferenceClient;

beforeAll(async () => {
  broker = await startSshBroker(YAML);
  wan = await ReferenceClient.connect({ port: broker.port, network: 'wan' });
  lab = await ReferenceClient.connect({ port: broker.port, network: 'lab' });
});

afterAll(async () => {
  await wan?.close();
  await lab?.close();
  await broker?.close();
});

function expectError(reply: Json, error: string, code: string): Json {
  expect({ error: reply.error, code: reply.code }).toEqual({ error, code });
  expect(typeof reply.msg).toBe('string');
  expect(reply.msg.length).toBeGreaterThan(0);
  expect(typeof reply.details).toBe('object');
  return reply;
}

const seg = (...c: [string, number, number, number?][]): Json[] =>
  c.map(([t, label, i, e]) => ({ 'terminal-name': t, label, 'ingress-bw': i, ...(e === undefined ? {} : { 'egress-bw': e }) }));

describe('handshake (§2.4)', () => {
  it('names an aggregator, a switch, and is exactly the DPB frame', async () => {
    expect(JSON.stringify(wan.hello)).toBe('{"network-name":"wan","aggregator":true}');
    expect(JSON.stringify(lab.hello)).toBe('{"network-name":"lab","switch":true}');
  });

  it('refuses an unknown network with no-network and exit status 1', async () => {
    const c = await ReferenceClient.connect({ port: broker.port, network: 'atlantis' });
    expect(JSON.stringify(c.hello)).toBe('{"error":"no-network","network-name":"atlantis"}');
    await c.waitClosed();
    expect(c.exitCode).toBe(1);
    await c.close();
  });

  it('takes the trimmed command (and one pair of quotes) as the network name', async () => {
    const c = await ReferenceClient.open(wan.ssh, "  'lab'  ");
    expect(c.hello).toEqual({ 'network-name': 'lab', switch: true });
    await c.close();
  });
});

describe('any network (§2.7.1)', () => {
  it('get-terminals and check-terminal', async () => {
    expect(await wan.ok({ type: 'get-terminals' })).toEqual({ 'terminal-names': ['frankfurt', 'london', 'paris'] });
    expect(await wan.ok({ type: 'check-terminal', 'terminal-name': 'london' })).toEqual({ exists: true });
    expect(await wan.ok({ type: 'check-terminal', 'terminal-name': 'tokyo' })).toEqual({ exists: false });
  });

  it('new-service, find-service, check-service, get-services; a taken handle gives {}', async () => {
    const plain = await wan.ok({ type: 'new-service' });
    expect(typeof plain['service-id']).toBe('number');
    const named = await wan.ok({ type: 'new-service', handle: 'osm-1' });
    expect(typeof named['service-id']).toBe('number');
    expect(await wan.ok({ type: 'new-service', handle: 'osm-1' })).toEqual({});
    expect(await wan.ok({ type: 'find-service', handle: 'osm-1' })).toEqual({ 'service-id': named['service-id'] });
    expect(await wan.ok({ type: 'find-service', handle: 'nobody' })).toEqual({});
    expect(await wan.ok({ type: 'check-service', 'service-id': named['service-id'] })).toEqual({ exists: true });
    expect(await wan.ok({ type: 'check-service', 'service-id': 999999 })).toEqual({ exists: false });
    const ids = (await wan.ok({ type: 'get-services' }))['service-ids'];
    expect(ids).toEqual(expect.arrayContaining([plain['service-id'], named['service-id']]));
    for (const id of [plain['service-id'], named['service-id']]) await wan.ok({ type: 'release-service', 'service-id': id });
  });

  it('[§7 12a] watch-service sends the current status first, then each change, ending after RELEASED', async () => {
    const id = (await wan.ok({ type: 'new-service' }))['service-id'] as number;
    const w = wan.watch(id);
    expect(await w.next()).toEqual({ status: 'DORMANT' });
    expect(await wan.ok({ type: 'define-service', 'service-id': id, segment: seg(['london', 100, 10, 10], ['paris', 200, 10, 10]) })).toEqual({});
    expect(await ReferenceClient.until(w, 'INACTIVE')).toEqual(['ESTABLISHING', 'INACTIVE']);
    expect(await wan.ok({ type: 'activate-service', 'service-id': id })).toEqual({});
    expect(await wan.ok({ type: 'await-service-status', 'service-id': id, acceptable: ['ACTIVE', 'FAILED'], 'timeout-millis': 5000 })).toEqual({ status: 'ACTIVE' });
    expect(await ReferenceClient.until(w, 'ACTIVE')).toEqual(['ACTIVATING', 'ACTIVE']);

    // the broker really carries it
    const svc = await broker.wired.networks.get('wan')!.control.service(id);
    expect((await svc.describe()).request?.circuits.map((c) => `${c.terminal}:${c.label}`)).toEqual(['london:100', 'paris:200']);

    expect(await wan.ok({ type: 'deactivate-service', 'service-id': id })).toEqual({});
    expect(await wan.ok({ type: 'await-service-status', 'service-id': id, acceptable: ['INACTIVE'], 'timeout-millis': 5000 })).toEqual({ status: 'INACTIVE' });
    expect(await ReferenceClient.until(w, 'INACTIVE')).toEqual(['DEACTIVATING', 'INACTIVE']);
    expect(await wan.ok({ type: 'reset-service', 'service-id': id })).toEqual({});
    expect(await wan.ok({ type: 'await-service-status', 'service-id': id, acceptable: ['DORMANT'], 'timeout-millis': 5000 })).toEqual({ status: 'DORMANT' });
    expect(await ReferenceClient.until(w, 'DORMANT')).toEqual(['RELEASING', 'DORMANT']);
    expect(await wan.ok({ type: 'release-service', 'service-id': id })).toEqual({});
    expect(await ReferenceClient.until(w, 'RELEASED')).toEqual(['RELEASING', 'RELEASED']);
    // nothing follows RELEASED: a later round trip on another session finds the watch session empty
    await wan.ok({ type: 'get-terminals' });
    expect(wan.pending(w.session)).toBe(0);
    w.close();
  });

  it('await-service-status returns the current status on timeout, and at once for a status already reached', async () => {
    const id = (await wan.ok({ type: 'new-service' }))['service-id'] as number;
    expect(await wan.ok({ type: 'await-service-status', 'service-id': id, acceptable: ['ACTIVE'], 'timeout-millis': 50 })).toEqual({ status: 'DORMANT' });
    expect(await wan.ok({ type: 'await-service-status', 'service-id': id, acceptable: ['DORMANT'], 'timeout-millis': 60_000 })).toEqual({ status: 'DORMANT' });
    await wan.ok({ type: 'release-service', 'service-id': id });
  });

  it('closing a watch session stops the stream at once', async () => {
    const id = (await wan.ok({ type: 'new-service' }))['service-id'] as number;
    const w = wan.watch(id);
    expect(await w.next()).toEqual({ status: 'DORMANT' });
    w.close();
    await wan.ok({ type: 'get-terminals' }); // the close frame is processed before this reply
    await wan.ok({ type: 'define-service', 'service-id': id, segment: seg(['london', 101, 1], ['paris', 201, 1]) });
    await wan.ok({ type: 'await-service-status', 'service-id': id, acceptable: ['INACTIVE'], 'timeout-millis': 5000 });
    await wan.ok({ type: 'release-service', 'service-id': id });
    await wan.ok({ type: 'await-service-status', 'service-id': id, acceptable: ['RELEASED'], 'timeout-millis': 5000 });
    await wan.ok({ type: 'get-terminals' });
    expect(wan.pending(w.session)).toBe(0);
  });

  it('get-model: edges with weight and capacity each way', async () => {
    const r = await wan.ok({ type: 'get-model', 'min-bw': 0 });
    const pairs = (r.edges as Json[]).map((e) => `${e.from}-${e.to}`).sort();
    expect(pairs).toEqual(['frankfurt-london', 'frankfurt-paris', 'london-paris']);
    for (const e of r.edges as Json[]) {
      expect(typeof e.weight).toBe('number');
      expect(typeof e.upstream).toBe('number');
      expect(typeof e.downstream).toBe('number');
    }
    const lp = (r.edges as Json[]).find((e) => e.from === 'london' && e.to === 'paris')!;
    expect(lp.upstream).toBe(10000);
    const big = await wan.ok({ type: 'get-model', 'min-bw': 5000 });
    expect((big.edges as Json[]).map((e) => `${e.from}-${e.to}`)).toEqual(['london-paris']);
    // a switch's chords without quotas are unlimited: the members are left out
    const sw = await lab.ok({ type: 'get-model', 'min-bw': 0 });
    const bc = (sw.edges as Json[]).find((e) => e.from === 'b' && e.to === 'c')!;
    expect(bc).toEqual({ from: 'b', to: 'c', weight: expect.any(Number) });
  });

  it('dump-status: readable text naming the network, services and trunks', async () => {
    const id = (await wan.ok({ type: 'new-service', handle: 'dumped' }))['service-id'] as number;
    const out = (await wan.ok({ type: 'dump-status' })).output as string;
    expect(out.split('\n')[0]).toBe('aggregate wan:');
    expect(out).toContain(`  ${id} DORMANT (intent=INACTIVE) dumped`);
    expect(out).toContain('[london:uplink, core:london] =(10000Mbps, 10000Mbps, 1) [900]');
    expect(((await lab.ok({ type: 'dump-status' })).output as string).split('\n')[0]).toBe('Switch lab:');
    await wan.ok({ type: 'release-service', 'service-id': id });
  });

  it('errors: one error frame for unknown or missing type, missing or mistyped members, unknown service or terminal', async () => {
    expect(expectError(await wan.call({ type: 'frobnicate' }), 'bad-argument', 'INVALID_ARGUMENT').details).toMatchObject({ reason: 'unknown-type', field: 'type' });
    expect(expectError(await wan.call({}), 'bad-argument', 'INVALID_ARGUMENT').details).toMatchObject({ reason: 'missing-member', field: 'type' });
    expect(expectError(await wan.call({ type: 'check-terminal' }), 'bad-argument', 'INVALID_ARGUMENT').details).toMatchObject({
      reason: 'missing-member',
      field: 'terminal-name',
    });
    expect(expectError(await wan.call({ type: 'activate-service', 'service-id': 'one' }), 'bad-argument', 'INVALID_ARGUMENT').details).toMatchObject({
      reason: 'wrong-member-type',
      field: 'service-id',
    });
    expect(
      expectError(await wan.call({ type: 'define-service', 'service-id': 1, segment: [{ 'terminal-name': 'london', label: -1, 'ingress-bw': 1 }] }), 'bad-argument', 'INVALID_ARGUMENT')
        .details,
    ).toMatchObject({ field: 'segment[0].label' });
    const unknown = expectError(await wan.call({ type: 'activate-service', 'service-id': 424242 }), 'service-unknown', 'NOT_FOUND');
    expect(unknown).toMatchObject({ 'network-name': 'wan', 'service-id': 424242, details: { kind: 'service', service: 424242 } });
    for (const type of ['define-service', 'deactivate-service', 'reset-service', 'release-service', 'watch-service', 'await-service-status']) {
      const r = await wan.call({ type, 'service-id': 424242, segment: seg(['london', 1, 1], ['paris', 1, 1]), acceptable: ['ACTIVE'], 'timeout-millis': 10 });
      expectError(r, 'service-unknown', 'NOT_FOUND');
    }
    const id = (await lab.ok({ type: 'new-service' }))['service-id'] as number;
    const t = expectError(await lab.call({ type: 'define-service', 'service-id': id, segment: seg(['a', 10, 1], ['zz', 10, 1]) }), 'terminal-unknown', 'NOT_FOUND');
    expect(t).toMatchObject({ 'network-name': 'lab', 'terminal-name': 'zz', details: { kind: 'terminal', terminal: 'zz' } });
    const big = expectError(await lab.call({ type: 'define-service', 'service-id': id, segment: seg(['a', 10, 5000], ['b', 10, 1]) }), 'segment-invalid', 'RESOURCE_EXHAUSTED');
    expect(big).toMatchObject({ 'network-name': 'lab', 'service-id': id, details: { terminal: 'a', direction: 'ingress' } });
    expect(await lab.ok({ type: 'await-service-status', 'service-id': id, acceptable: ['DORMANT'], 'timeout-millis': 10 })).toEqual({ status: 'DORMANT' });
    await lab.ok({ type: 'release-service', 'service-id': id });
    const st = expectError(await wan.call({ type: 'await-service-status', 'service-id': 1, acceptable: ['SLEEPING'], 'timeout-millis': 10 }), 'bad-argument', 'INVALID_ARGUMENT');
    expect(st.details).toMatchObject({ field: 'acceptable[0]' });
  });
});

describe('switch networks (§2.7.2)', () => {
  it('add-terminal, get-switch-terminals, remove-terminal', async () => {
    expect(await lab.ok({ type: 'add-terminal', 'terminal-name': 'd', 'terminal-config': 'port4' })).toEqual({});
    expect((await lab.ok({ type: 'get-switch-terminals' })).terminals).toMatchObject({ a: 'port1', b: 'port2', c: 'port3', d: 'port4' });
    expectError(await lab.call({ type: 'add-terminal', 'terminal-name': 'd', 'terminal-config': 'port5' }), 'terminal-exists', 'ALREADY_EXISTS');
    expect(await lab.ok({ type: 'remove-terminal', 'terminal-name': 'd' })).toEqual({});
    expect(await lab.ok({ type: 'check-terminal', 'terminal-name': 'd' })).toEqual({ exists: false });
    const gone = expectError(await lab.call({ type: 'remove-terminal', 'terminal-name': 'd' }), 'terminal-unknown', 'NOT_FOUND');
    expect(gone['terminal-name']).toBe('d');
  });

  it('modify-terminal-bandwidth: set, set null, adjust, adjust null, adjust from unlimited', async () => {
    const sw = broker.wired.networks.get('lab')!.switch!;
    const quota = async (t: string): Promise<[number | null, number | null]> => {
      const i = await sw.terminal(t);
      return [i.ingressQuotaMbps, i.egressQuotaMbps];
    };
    const mod = (t: string, ingress?: Json, egress?: Json): Promise<Json> =>
      lab.ok({ type: 'modify-terminal-bandwidth', 'terminal-name': t, ...(ingress ? { ingress } : {}), ...(egress ? { egress } : {}) });
    expect(await mod('b', { action: 'set', amount: 300 }, { action: 'set', amount: 400 })).toEqual({});
    expect(await quota('b')).toEqual([300, 400]);
    await mod('b', { action: 'adjust', amount: 50 }, { action: 'adjust', amount: null });
    expect(await quota('b')).toEqual([350, 400]);
    await mod('b', { action: 'anything-else', amount: -100 });
    expect(await quota('b')).toEqual([250, 400]);
    await mod('b', { action: 'set', amount: null }, { action: 'set', amount: null });
    expect(await quota('b')).toEqual([null, null]);
    await mod('b', { action: 'adjust', amount: 70 });
    expect(await quota('b')).toEqual([70, null]);
    expectError(await lab.call({ type: 'modify-terminal-bandwidth', 'terminal-name': 'b', ingress: { action: 'adjust', amount: -100 } }), 'bad-argument', 'INVALID_ARGUMENT');
    expect(await quota('b')).toEqual([70, null]);
    await mod('b', { action: 'set', amount: null });
    expectError(await lab.call({ type: 'modify-terminal-bandwidth', 'terminal-name': 'zz', ingress: { action: 'set', amount: 1 } }), 'terminal-unknown', 'NOT_FOUND');
  });

  it('switch messages on an aggregator (and the reverse) are errors, not crashes', async () => {
    const r = expectError(await wan.call({ type: 'add-terminal', 'terminal-name': 'x', 'terminal-config': 'port9' }), 'network-logic', 'FAILED_PRECONDITION');
    expect(r.details).toMatchObject({ reason: 'wrong-network-kind', networkKind: 'aggregator', type: 'add-terminal' });
    expectError(await wan.call({ type: 'get-switch-terminals' }), 'network-logic', 'FAILED_PRECONDITION');
    expectError(await lab.call({ type: 'get-trunks' }), 'network-logic', 'FAILED_PRECONDITION');
    expectError(await lab.call({ type: 'map-terminal', 'terminal-name': 'x', 'subnetwork-name': 'a', 'subterminal-name': 'b' }), 'network-logic', 'FAILED_PRECONDITION');
  });
});

describe('aggregator networks (§2.7.3, §2.7.4)', () => {
  const ends = (sn: string, st: string, en: string, et: string): Json => ({
    'start-network-name': sn,
    'start-terminal-name': st,
    'end-network-name': en,
    'end-terminal-name': et,
  });
  const fwd = ends('london', 'spare', 'core', 'spare');
  const rev = ends('core', 'spare', 'london', 'spare');
  const agg = () => broker.wired.networks.get('wan')!.aggregator!;
  const stored = async () => (await agg().findTrunk({ network: 'london', terminal: 'spare' }))!;

  it('map-terminal, get-aggregator-terminals, remove-terminal', async () => {
    expect(await wan.ok({ type: 'map-terminal', 'terminal-name': 'paris2', 'subnetwork-name': 'paris', 'subterminal-name': 'spare' })).toEqual({});
    expect((await wan.ok({ type: 'get-aggregator-terminals' })).terminals).toEqual({
      frankfurt: { 'subnetwork-name': 'frankfurt', 'subterminal-name': 'vms' },
      london: { 'subnetwork-name': 'london', 'subterminal-name': 'vms' },
      paris: { 'subnetwork-name': 'paris', 'subterminal-name': 'vms' },
      paris2: { 'subnetwork-name': 'paris', 'subterminal-name': 'spare' },
    });
    const busy = expectError(await wan.call({ type: 'map-terminal', 'terminal-name': 'p3', 'subnetwork-name': 'paris', 'subterminal-name': 'spare' }), 'subterminal-busy', 'BUSY');
    expect(busy).toMatchObject({ 'network-name': 'wan', 'subnetwork-name': 'paris', 'subterminal-name': 'spare' });
    const unk = expectError(await wan.call({ type: 'map-terminal', 'terminal-name': 'p3', 'subnetwork-name': 'paris', 'subterminal-name': 'nope' }), 'subterminal-unknown', 'NOT_FOUND');
    expect(unk).toMatchObject({ 'subnetwork-name': 'paris', 'subterminal-name': 'nope' });
    const net = expectError(await wan.call({ type: 'map-terminal', 'terminal-name': 'p3', 'subnetwork-name': 'mars', 'subterminal-name': 'x' }), 'subnetwork-unknown', 'NOT_FOUND');
    expect(net['subnetwork-name']).toBe('mars');
    expect(await wan.ok({ type: 'remove-terminal', 'terminal-name': 'paris2' })).toEqual({});
    expect(await wan.ok({ type: 'check-terminal', 'terminal-name': 'paris2' })).toEqual({ exists: false });
  });

  it('add-trunk, check-trunk from either end, get-trunks', async () => {
    expect(await wan.ok({ type: 'add-trunk', ...fwd })).toEqual({});
    expect(await wan.ok({ type: 'check-trunk', 'start-subnetwork-name': 'london', 'start-subterminal-name': 'spare' })).toEqual({
      'end-subnetwork-name': 'core',
      'end-subterminal-name': 'spare',
    });
    expect(await wan.ok({ type: 'check-trunk', 'start-subnetwork-name': 'core', 'start-subterminal-name': 'spare' })).toEqual({
      'end-subnetwork-name': 'london',
      'end-subterminal-name': 'spare',
    });
    expect(await wan.ok({ type: 'check-trunk', 'start-subnetwork-name': 'core', 'start-subterminal-name': 'nowhere' })).toEqual({});
    expect((await wan.ok({ type: 'get-trunks' })).trunks).toContainEqual(fwd);
    expectError(await wan.call({ type: 'add-trunk', ...ends('london', 'spare', 'paris', 'spare') }), 'subterminal-busy', 'BUSY');
  });

  it('delay, bandwidth and labels are oriented relative to the given start', async () => {
    expect(await wan.ok({ type: 'set-trunk-delay', ...rev, delay: 2.5 })).toEqual({});
    expect(await wan.ok({ type: 'get-trunk-delay', ...fwd })).toEqual({ delay: 2.5 });
    // given core→london = stored downstream
    expect(await wan.ok({ type: 'increase-trunk-bw', ...rev, 'upstream-bw': 100, 'downstream-bw': 30 })).toEqual({});
    expect((await stored()).capacity).toEqual({ upstreamMbps: 30, downstreamMbps: 100 });
    expect(await wan.ok({ type: 'decrease-trunk-bw', ...fwd, 'upstream-bw': 10, 'downstream-bw': 0 })).toEqual({});
    expect((await stored()).capacity).toEqual({ upstreamMbps: 20, downstreamMbps: 100 });
    const short = expectError(await wan.call({ type: 'decrease-trunk-bw', ...rev, 'upstream-bw': 0, 'downstream-bw': 50 }), 'bw-unavailable', 'RESOURCE_EXHAUSTED');
    expect(short).toMatchObject({ 'network-name': 'wan', direction: 'downstream', amount: 20, ...rev });
    expect((await stored()).capacity).toEqual({ upstreamMbps: 20, downstreamMbps: 100 });

    expect(await wan.ok({ type: 'define-trunk-label-range', ...rev, 'start-label': 500, 'label-count': 10, 'end-label': 700 })).toEqual({});
    expect((await stored()).labelRanges).toEqual([{ startBase: 700, count: 10, endBase: 500 }]);
    const clash = expectError(await wan.call({ type: 'define-trunk-label-range', ...fwd, 'start-label': 705, 'label-count': 1, 'end-label': 900 }), 'labels-in-use', 'BUSY');
    expect(clash).toMatchObject({ 'network-name': 'wan', ...fwd });
    expect(Array.isArray(clash.labels)).toBe(true);
    expect(await wan.ok({ type: 'revoke-trunk-start-label-range', ...rev, 'start-label': 500, 'label-count': 2 })).toEqual({});
    expect((await stored()).labelRanges).toEqual([{ startBase: 702, count: 8, endBase: 502 }]);
    expect(await wan.ok({ type: 'revoke-trunk-end-label-range', ...rev, 'end-label': 702, 'label-count': 3 })).toEqual({});
    expect((await stored()).labelRanges).toEqual([{ startBase: 705, count: 5, endBase: 505 }]);
  });

  it('decommission-trunk, is-trunk-commissioned, recommission-trunk', async () => {
    expect(await wan.ok({ type: 'is-trunk-commissioned', ...fwd })).toEqual({ commissioned: true });
    expect(await wan.ok({ type: 'decommission-trunk', ...rev })).toEqual({});
    expect(await wan.ok({ type: 'is-trunk-commissioned', ...fwd })).toEqual({ commissioned: false });
    expect(await wan.ok({ type: 'recommission-trunk', ...fwd })).toEqual({});
    expect(await wan.ok({ type: 'is-trunk-commissioned', ...rev })).toEqual({ commissioned: true });
  });

  it('[§7 13] a per-trunk request whose ends do not match is trunk-expired with the four trunk fields', async () => {
    const wrong = ends('london', 'spare', 'paris', 'spare');
    const r = expectError(await wan.call({ type: 'get-trunk-delay', ...wrong }), 'trunk-expired', 'NOT_FOUND');
    expect(r).toMatchObject({ 'network-name': 'wan', ...wrong, details: { kind: 'trunk', reason: 'trunk-expired' } });
    const none = expectError(await wan.call({ type: 'set-trunk-delay', ...ends('paris', 'spare', 'core', 'spare'), delay: 1 }), 'trunk-expired', 'NOT_FOUND');
    expect(none['start-terminal-name']).toBe('spare');
  });

  it('remove-trunk by either end; unknown end is trunk-unknown', async () => {
    expect(await wan.ok({ type: 'remove-trunk', 'subnetwork-name': 'core', 'subterminal-name': 'spare' })).toEqual({});
    expect(await wan.ok({ type: 'check-trunk', 'start-subnetwork-name': 'london', 'start-subterminal-name': 'spare' })).toEqual({});
    const r = expectError(await wan.call({ type: 'remove-trunk', 'subnetwork-name': 'core', 'subterminal-name': 'spare' }), 'trunk-unknown', 'NOT_FOUND');
    expect(r).toMatchObject({ 'network-name': 'wan', 'subnetwork-name': 'core', 'subterminal-name': 'spare' });
  });
});

describe('dpb extensions', () => {
  it('describe-service returns the ServiceInfo; unknown ids are service-unknown', async () => {
    const id = (await lab.ok({ type: 'new-service', handle: 'described' }))['service-id'] as number;
    const info = (await lab.ok({ type: 'describe-service', 'service-id': id })).service as Json;
    expect(info).toMatchObject({ network: 'lab', id, handle: 'described', status: 'DORMANT', intent: 'INACTIVE', request: null });
    expect(Array.isArray(info.history)).toBe(true);
    expectError(await lab.call({ type: 'describe-service', 'service-id': 987654 }), 'service-unknown', 'NOT_FOUND');
    await lab.ok({ type: 'release-service', 'service-id': id });
  });

  it('watch-service with "with-intent": true adds each status\'s intent', async () => {
    const id = (await lab.ok({ type: 'new-service' }))['service-id'] as number;
    const n = lab.allocate();
    lab.send(n, { type: 'watch-service', 'service-id': id, 'with-intent': true });
    expect(await lab.read(n)).toEqual({ status: 'DORMANT', intent: 'INACTIVE' });
    await lab.ok({ type: 'release-service', 'service-id': id });
    expect(await lab.read(n)).toEqual({ status: 'RELEASING', intent: 'RELEASE' });
    expect(await lab.read(n)).toEqual({ status: 'RELEASED', intent: 'RELEASE' });
    lab.sendClose(n);
  });

  it('watch-model sends ready, then model on each change of the network, until the close frame', async () => {
    lab.sentTypes.add('watch-model');
    const n = lab.allocate();
    lab.send(n, { type: 'watch-model' });
    expect(await lab.read(n)).toEqual({ event: 'ready' });
    const sw = broker.wired.networks.get('lab')!.switch!;
    await sw.addTerminal('m1', 'port9');
    expect(await lab.read(n)).toEqual({ event: 'model' });
    lab.sendClose(n);
    await lab.ok({ type: 'get-terminals' }); // the close frame has been handled
    await sw.removeTerminal('m1');
    // nothing follows the close: a later round trip finds the session empty
    await lab.ok({ type: 'get-terminals' });
    expect(lab.pending(n)).toBe(0);
  });
});

/** The message types of dpb-interfaces.md §2.7.1–2.7.4, copied from the reference. */
const REFERENCE_TYPES = [
  'get-terminals', 'check-terminal', 'remove-terminal', 'dump-status', 'get-services', 'check-service', 'find-service', 'new-service',
  'define-service', 'activate-service', 'deactivate-service', 'reset-service', 'release-service', 'await-service-status', 'watch-service', 'get-model',
  'add-terminal', 'get-switch-terminals', 'modify-terminal-bandwidth',
  'map-terminal', 'get-aggregator-terminals', 'add-trunk', 'remove-trunk', 'check-trunk', 'get-trunks',
  'get-trunk-delay', 'set-trunk-delay', 'increase-trunk-bw', 'decrease-trunk-bw', 'define-trunk-label-range', 'revoke-trunk-start-label-range',
  'revoke-trunk-end-label-range', 'decommission-trunk', 'recommission-trunk', 'is-trunk-commissioned',
];

describe('coverage', () => {
  it('every message type of the reference was driven through the client, and the server knows exactly those', () => {
    const sent = new Set([...wan.sentTypes, ...lab.sentTypes]);
    expect(REFERENCE_TYPES.filter((t) => !sent.has(t))).toEqual([]);
    const extensions: readonly string[] = DPB_EXTENSION_TYPES;
    expect([...DPB_MESSAGE_TYPES].filter((t) => !extensions.includes(t)).sort()).toEqual([...REFERENCE_TYPES].sort());
    expect([...extensions].sort()).toEqual(['describe-service', 'watch-model']);
    expect(extensions.filter((t) => !sent.has(t))).toEqual([]);
  });
});
