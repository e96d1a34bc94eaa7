import { BrokerError, errors } from '@dpb/model';
import { fromDpbError, isDpbErrorObject, toDpbError } from '@dpb/protocol';

const ctx = { network: 'wan' };
const trunk = { start: { network: 'core', terminal: 'x' }, end: { network: 'london', terminal: 'up' } };
const trunkFields = { 'start-network-name': 'core', 'start-terminal-name': 'x', 'end-network-name': 'london', 'end-terminal-name': 'up' };

describe('toDpbError (§2.8)', () => {
  it('always carries error, a non-empty msg, our code and details', () => {
    const e = toDpbError(new BrokerError('INVALID_ARGUMENT', '', { details: { field: 'x' } }), ctx);
    expect(e).toEqual({ error: 'bad-argument', msg: 'INVALID_ARGUMENT', code: 'INVALID_ARGUMENT', details: { field: 'x' } });
    expect(isDpbErrorObject(e)).toBe(true);
  });

  it('maps NOT_FOUND by kind: terminal, inferior terminal, service, handle, network, trunk', () => {
    expect(toDpbError(errors.notFound('terminal', 'a', { network: 'wan', terminal: 'a' }), ctx)).toMatchObject({
      error: 'terminal-unknown',
      'network-name': 'wan',
      'terminal-name': 'a',
      code: 'NOT_FOUND',
      details: { kind: 'terminal', terminal: 'a' },
    });
    expect(toDpbError(errors.notFound('terminal', 'p:s', { network: 'paris', terminal: 's', inferior: 'paris' }), ctx)).toMatchObject({
      error: 'subterminal-unknown',
      'network-name': 'wan',
      'subnetwork-name': 'paris',
      'subterminal-name': 's',
    });
    expect(toDpbError(errors.notFound('service', '7', { network: 'wan', service: 7 }), ctx)).toMatchObject({ error: 'service-unknown', 'service-id': 7 });
    expect(toDpbError(errors.notFound('handle', 'h', { network: 'wan', handle: 'h' }), ctx)).toMatchObject({ error: 'service-unknown', handle: 'h' });
    expect(toDpbError(errors.notFound('network', 'mars', { network: 'mars', inferior: 'mars' }), ctx)).toMatchObject({
      error: 'subnetwork-unknown',
      'network-name': 'wan',
      'subnetwork-name': 'mars',
    });
    expect(toDpbError(new BrokerError('NOT_FOUND', 'gone', { details: { kind: 'trunk', reason: 'trunk-expired' } }), { ...ctx, trunk })).toMatchObject({
      error: 'trunk-expired',
      ...trunkFields,
    });
    expect(toDpbError(errors.notFound('trunk', 'at', { inferior: 'core', terminal: 'x' }), ctx)).toMatchObject({
      error: 'trunk-unknown',
      'subnetwork-name': 'core',
      'subterminal-name': 'x',
    });
  });

  it('maps define failures to segment-invalid with the service id, except unknown terminals and busy circuits', () => {
    const define = { ...ctx, type: 'define-service', serviceId: 3 };
    expect(toDpbError(errors.invalid('bad label', { field: 'circuits[0].label' }), define)).toMatchObject({ error: 'segment-invalid', 'service-id': 3 });
    expect(toDpbError(errors.exhausted('no room', { kind: 'trunk', trunk: 1, direction: 'upstream' }), define)).toMatchObject({ error: 'segment-invalid' });
    expect(toDpbError(errors.notFound('terminal', 'z', { terminal: 'z' }), define)).toMatchObject({ error: 'terminal-unknown' });
    expect(toDpbError(errors.busy('in use', { kind: 'circuit', terminal: 'a', label: 5, service: 2 }), define)).toMatchObject({
      error: 'circuit-logic',
      'terminal-name': 'a',
      label: 5,
    });
    // a malformed message is still bad-argument
    expect(toDpbError(errors.invalid('no', { reason: 'missing-member', field: 'segment' }), define)).toMatchObject({ error: 'bad-argument' });
  });

  it('maps trunk management failures with the four trunk fields as the request named them', () => {
    const t = { ...ctx, trunk, type: 'decrease-trunk-bw' };
    expect(toDpbError(errors.exhausted('short', { kind: 'trunk', trunk: 1, direction: 'downstream', availableMbps: 20 }), t)).toMatchObject({
      error: 'bw-unavailable',
      direction: 'downstream',
      amount: 20,
      ...trunkFields,
    });
    expect(toDpbError(errors.busy('held', { kind: 'label', trunk: 1, label: 105, service: 4 }), t)).toMatchObject({ error: 'labels-in-use', labels: [105], ...trunkFields });
    expect(toDpbError(errors.busy('overlap', { kind: 'label', trunk: 1, labels: { min: 10, max: 12 } }), t)).toMatchObject({ labels: [10, 11, 12] });
  });

  it('maps the rest: exists, busy terminals, state, rights, availability, internal', () => {
    expect(toDpbError(errors.exists('terminal', 'a', { terminal: 'a' }), ctx)).toMatchObject({ error: 'terminal-exists', 'terminal-name': 'a' });
    expect(toDpbError(errors.busy('used', { network: 'wan', terminal: 'a', service: 1 }), ctx)).toMatchObject({ error: 'terminal-busy', 'terminal-name': 'a' });
    expect(toDpbError(errors.busy('used', { network: 'wan', terminal: 'a', inferior: 'paris' }), { ...ctx, subterminal: { network: 'paris', terminal: 's' } })).toMatchObject({
      error: 'subterminal-busy',
      'subnetwork-name': 'paris',
      'subterminal-name': 's',
    });
    expect(toDpbError(errors.precondition('released', { service: 4 }), ctx)).toMatchObject({ error: 'service-logic', 'service-id': 4 });
    expect(toDpbError(errors.precondition('wrong kind', { reason: 'wrong-network-kind' }), ctx)).toMatchObject({ error: 'network-logic', 'network-name': 'wan' });
    expect(toDpbError(errors.permissionDenied('no', { network: 'wan', right: 'manage', principal: 'u' }), ctx)).toMatchObject({
      error: 'unauthorized',
      network: 'wan',
      right: 'manage',
      code: 'PERMISSION_DENIED',
    });
    expect(toDpbError(errors.unavailable('down', {}), ctx)).toMatchObject({ error: 'network-resource', 'network-name': 'wan' });
    expect(toDpbError(errors.timeout('slow', {}), ctx)).toMatchObject({ error: 'network-resource' });
    expect(toDpbError(new TypeError('oops'), ctx)).toMatchObject({ error: 'unknown', type: 'INTERNAL', code: 'INTERNAL', msg: 'oops' });
  });

  it('keeps details plain JSON (Infinity becomes null, cycles are dropped)', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(toDpbError(errors.invalid('x', { availableMbps: Infinity }), ctx).details).toEqual({ availableMbps: null });
    expect(toDpbError(errors.invalid('x', { loop: cyclic }), ctx).details).toEqual({});
  });
});

describe('fromDpbError', () => {
  it('gives back exactly the BrokerError a dpb server sent', () => {
    const original = errors.exhausted('short', { kind: 'trunk', trunk: 1, direction: 'upstream', availableMbps: 3 });
    const back = fromDpbError(JSON.parse(JSON.stringify(toDpbError(original, { ...ctx, trunk }))));
    expect(back).toBeInstanceOf(BrokerError);
    expect({ code: back.code, message: back.message, details: back.details }).toEqual({
      code: 'RESOURCE_EXHAUSTED',
      message: 'short',
      details: { ...original.details, dpbError: 'bw-unavailable' },
    });
  });

  it('maps errors of the original DPB (no code or details) from their members', () => {
    expect(fromDpbError({ error: 'terminal-unknown', msg: 'no', 'network-name': 'n', 'terminal-name': 't' })).toMatchObject({
      code: 'NOT_FOUND',
      details: { kind: 'terminal', network: 'n', terminal: 't', dpbError: 'terminal-unknown' },
    });
    expect(fromDpbError({ error: 'bw-unavailable', msg: 'x', direction: 'upstream', amount: 4, 'network-name': 'n' })).toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
      details: { direction: 'upstream', availableMbps: 4 },
    });
    expect(fromDpbError({ error: 'labels-in-use', labels: [5, 3, 9] })).toMatchObject({ code: 'BUSY', details: { labels: { min: 3, max: 9 } } });
    expect(fromDpbError({ error: 'unauthorized', network: 'n' })).toMatchObject({ code: 'PERMISSION_DENIED', details: { network: 'n' } });
    expect(fromDpbError({ error: 'something-new' })).toMatchObject({ code: 'INTERNAL', details: { dpbError: 'something-new' } });
    expect(fromDpbError({ error: 'service-unknown', 'service-id': 3 }).message.length).toBeGreaterThan(0);
  });
});
