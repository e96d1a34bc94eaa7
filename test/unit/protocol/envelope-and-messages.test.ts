import { isBrokerError } from '@dpb/model';
import {
  closeEnvelope,
  dataEnvelope,
  DPB_MESSAGE_TYPES,
  DPB_MESSAGES,
  edgesToChords,
  helloFrame,
  modelToEdges,
  noNetworkFrame,
  parseEnvelope,
  parseHandshake,
  quotaChangeFromDpb,
  requestToSegment,
  segmentToRequest,
  unauthorizedFrame,
  validateDpbRequest,
} from '@dpb/protocol';

function invalid(f: () => unknown): Record<string, unknown> {
  try {
    f();
  } catch (e) {
    if (isBrokerError(e) && e.code === 'INVALID_ARGUMENT') return e.details;
    throw e;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('envelopes (§2.5)', () => {
  it('reads data and close frames in either member order', () => {
    expect(parseEnvelope({ session: 3, content: { type: 'x' } })).toEqual({ kind: 'data', session: 3, content: { type: 'x' } });
    expect(parseEnvelope({ content: null, session: 0 })).toEqual({ kind: 'data', session: 0, content: null });
    expect(parseEnvelope({ session: 9 })).toEqual({ kind: 'close', session: 9 });
  });

  it('says why a frame is not an envelope', () => {
    for (const f of [{}, { content: {} }, { session: -1 }, { session: 1.5 }, { session: '2' }, { session: 2 ** 53 }, { session: null }]) {
      expect(parseEnvelope(f as Record<string, unknown>).kind).toBe('invalid');
    }
  });

  it('writes content first, as DPB does', () => {
    expect(JSON.stringify(dataEnvelope(2, {}))).toBe('{"content":{},"session":2}');
    expect(JSON.stringify(closeEnvelope(2))).toBe('{"session":2}');
  });
});

describe('handshake (§2.4)', () => {
  it('builds the exact frames and reads them back', () => {
    expect(JSON.stringify(helloFrame('aggr', 'aggregator'))).toBe('{"network-name":"aggr","aggregator":true}');
    expect(JSON.stringify(unauthorizedFrame('x'))).toBe('{"error":"unauthorized","network":"x"}');
    expect(JSON.stringify(noNetworkFrame('x'))).toBe('{"error":"no-network","network-name":"x"}');
    expect(parseHandshake(helloFrame('s', 'switch'))).toEqual({ ok: true, network: 's', kind: 'switch' });
    expect(parseHandshake({ 'network-name': 'n', network: true })).toEqual({ ok: true, network: 'n', kind: 'network' });
    expect(parseHandshake(unauthorizedFrame('x'))).toMatchObject({ ok: false, error: 'unauthorized', network: 'x' });
    expect(parseHandshake(noNetworkFrame('y'))).toMatchObject({ ok: false, error: 'no-network', network: 'y' });
    expect(parseHandshake({ hello: 1 })).toMatchObject({ ok: false, error: 'bad-handshake' });
  });
});

describe('message catalogue (§2.7)', () => {
  it('has 37 types (the 35 of DPB and two dpb extensions), each with a scope and a right', () => {
    expect(DPB_MESSAGE_TYPES).toHaveLength(37); // DPB's 35 + dpb's describe-service and watch-model
    expect(DPB_MESSAGES['watch-service']).toMatchObject({ stream: true, access: 'control' });
    expect(DPB_MESSAGES['watch-model']).toMatchObject({ stream: true, access: 'see', scope: 'any' });
    expect(DPB_MESSAGES['describe-service']).toMatchObject({ access: 'control', scope: 'any' });
    expect(DPB_MESSAGES['add-trunk'].access).toBe('manage');
    expect(DPB_MESSAGES['get-trunks'].access).toBe('see');
    expect(DPB_MESSAGES['modify-terminal-bandwidth'].scope).toBe('switch');
  });

  it('validates a request and ignores unknown members', () => {
    expect(validateDpbRequest({ type: 'await-service-status', 'service-id': 4, acceptable: ['ACTIVE', 'FAILED'], 'timeout-millis': 10000, extra: 1 })).toEqual({
      type: 'await-service-status',
      'service-id': 4,
      acceptable: ['ACTIVE', 'FAILED'],
      'timeout-millis': 10000,
    });
    expect(validateDpbRequest({ type: 'new-service' })).toEqual({ type: 'new-service', handle: undefined });
  });

  it('names the problem: not an object, missing or unknown type, missing or mistyped member', () => {
    expect(invalid(() => validateDpbRequest([]))).toMatchObject({ reason: 'not-an-object' });
    expect(invalid(() => validateDpbRequest({}))).toMatchObject({ reason: 'missing-member', field: 'type' });
    expect(invalid(() => validateDpbRequest({ type: 'NOT IMPLEMENTED' }))).toMatchObject({ reason: 'unknown-type', value: 'NOT IMPLEMENTED' });
    expect(invalid(() => validateDpbRequest({ type: 'constructor' }))).toMatchObject({ reason: 'unknown-type' });
    expect(invalid(() => validateDpbRequest({ type: 7 }))).toMatchObject({ reason: 'unknown-type' });
    expect(invalid(() => validateDpbRequest({ type: 'check-service' }))).toMatchObject({ reason: 'missing-member', field: 'service-id', type: 'check-service' });
    expect(invalid(() => validateDpbRequest({ type: 'check-service', 'service-id': -1 }))).toMatchObject({ reason: 'wrong-member-type', field: 'service-id' });
    expect(invalid(() => validateDpbRequest({ type: 'get-model', 'min-bw': 'lots' }))).toMatchObject({ field: 'min-bw' });
    expect(invalid(() => validateDpbRequest({ type: 'await-service-status', 'service-id': 1, acceptable: ['BUSY'], 'timeout-millis': 1 }))).toMatchObject({
      field: 'acceptable[0]',
    });
    expect(
      invalid(() => validateDpbRequest({ type: 'define-service', 'service-id': 1, segment: [{ 'terminal-name': 'a', label: 1 }] })),
    ).toMatchObject({ reason: 'missing-member', field: 'segment[0].ingress-bw' });
    expect(
      invalid(() => validateDpbRequest({ type: 'modify-terminal-bandwidth', 'terminal-name': 'a', ingress: { action: 'set', amount: '5' } })),
    ).toMatchObject({ field: 'ingress.amount' });
  });

  it('converts segments both ways (egress optional)', () => {
    const seg = [
      { 'terminal-name': 'a', label: 10, 'ingress-bw': 5, 'egress-bw': 7 },
      { 'terminal-name': 'b', label: 20, 'ingress-bw': 1 },
    ];
    const req = segmentToRequest(seg);
    expect(req).toEqual({ circuits: [{ terminal: 'a', label: 10, ingressMbps: 5, egressMbps: 7 }, { terminal: 'b', label: 20, ingressMbps: 1 }] });
    expect(requestToSegment(req)).toEqual(seg);
  });

  it('leaves unlimited capacity out of get-model edges, and reads it back as Infinity', () => {
    const edges = modelToEdges({ network: 'n', terminals: ['a', 'b'], chords: [{ from: 'a', to: 'b', cost: 2, upstreamMbps: Infinity, downstreamMbps: 40 }] });
    expect(edges).toEqual([{ from: 'a', to: 'b', weight: 2, downstream: 40 }]);
    expect(edgesToChords(edges)).toEqual([{ from: 'a', to: 'b', cost: 2, upstreamMbps: Infinity, downstreamMbps: 40 }]);
  });

  it('modify-terminal-bandwidth follows DPB: set, set null, adjust, adjust null, adjust from unlimited, other actions adjust', () => {
    expect(quotaChangeFromDpb(undefined, 5, 'ingress')).toBeUndefined();
    expect(quotaChangeFromDpb({ action: 'set', amount: 9 }, 5, 'ingress')).toEqual({ set: 9 });
    expect(quotaChangeFromDpb({ action: 'set', amount: null }, 5, 'ingress')).toEqual({ set: null });
    expect(quotaChangeFromDpb({ action: 'adjust', amount: -2 }, 5, 'egress')).toEqual({ adjust: -2 });
    expect(quotaChangeFromDpb({ action: 'bump', amount: 3 }, 5, 'egress')).toEqual({ adjust: 3 });
    expect(quotaChangeFromDpb({ action: 'adjust', amount: null }, 5, 'egress')).toBeUndefined();
    expect(quotaChangeFromDpb({ action: 'adjust', amount: 30 }, null, 'egress')).toEqual({ set: 30 });
    expect(invalid(() => quotaChangeFromDpb({ action: 'adjust', amount: -1 }, null, 'ingress'))).toMatchObject({ field: 'ingress.amount', direction: 'ingress' });
  });
});
