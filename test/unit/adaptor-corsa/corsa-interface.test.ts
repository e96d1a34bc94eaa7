import { circuitOfEndpoint, endpointKey, endpointsConflict, parseCorsaInterface, tunnelEndpoint } from '@dpb/adaptor-corsa';
import * as fc from 'fast-check';

const COUNTS = { ports: 64, lags: 8 };

function rejection(f: () => unknown): { code: string; details: Record<string, unknown> } {
  try {
    f();
  } catch (e) {
    const b = e as { name?: string; code?: string; details?: Record<string, unknown> };
    if (b.name !== 'BrokerError') throw e;
    return { code: b.code as string, details: b.details ?? {} };
  }
  throw new Error('expected a BrokerError');
}

describe('Corsa interface descriptions', () => {
  it.each([
    ['phys', 'phys', 1, 64],
    ['lag', 'lag', 1, 8],
    ['phys.25', 'phys.25', 1, 4094],
    ['25', 'phys.25', 1, 4094],
    ['phys25', 'phys.25', 1, 4094],
    [' PHYS.025 ', 'phys.25', 1, 4094],
    ['lag.2', 'lag.2', 1, 4094],
    ['lag2', 'lag.2', 1, 4094],
    ['phys.3.100', 'phys.3.100', 1, 4094],
    ['3.0100', 'phys.3.100', 1, 4094],
    ['lag.8.4094', 'lag.8.4094', 1, 4094],
  ])('%j is %j with labels %i..%i', (text, canonical, min, max) => {
    expect(parseCorsaInterface(text, COUNTS)).toMatchObject({ description: canonical, labels: { min, max } });
  });

  it('[R13] one double-tag encoding: the 24-bit x2 form is refused, phys.N.S is canonical', () => {
    expect(rejection(() => parseCorsaInterface('phys.3x2', COUNTS)).code).toBe('INVALID_ARGUMENT');
    expect(parseCorsaInterface('3.100', COUNTS).description).toBe('phys.3.100');
    expect(tunnelEndpoint(parseCorsaInterface('phys.3.100', COUNTS), 20)).toEqual({ port: '3', vlanId: 100, innerVlanId: 20 });
  });

  it.each([
    ['', 'empty'],
    ['eth1', 'unknown root'],
    ['phys.', 'dangling dot'],
    ['.3', 'no root'],
    ['phys.0', 'port 0'],
    ['phys.65', 'port beyond the count'],
    ['lag.9', 'LAG beyond the count'],
    ['phys.3.0', 'outer VLAN 0'],
    ['phys.3.4095', 'outer VLAN 4095'],
    ['phys.3x2', 'the 24-bit x2 form'],
    ['3x2', 'the 24-bit x2 form, bare'],
    ['phys.3.100.20', 'too many parts'],
  ])('%j is refused (%s) naming the interface', (text) => {
    expect(rejection(() => parseCorsaInterface(text, COUNTS))).toEqual({
      code: 'INVALID_ARGUMENT',
      details: { kind: 'interface', field: 'interface', value: text },
    });
  });

  it('refuses LAG descriptions when the fabric has no LAGs', () => {
    expect(rejection(() => parseCorsaInterface('lag', { ports: 64, lags: 0 })).details.field).toBe('interface');
    expect(rejection(() => parseCorsaInterface('lag.1', { ports: 64, lags: 0 })).details.field).toBe('interface');
  });

  it('maps circuits to tunnel endpoints: whole ports, C-tags, QinQ, LAGs', () => {
    const at = (d: string, label: number) => tunnelEndpoint(parseCorsaInterface(d, COUNTS), label);
    expect(at('phys', 7)).toEqual({ port: '7' });
    expect(at('lag', 3)).toEqual({ port: 'lag3' });
    expect(at('phys.25', 100)).toEqual({ port: '25', vlanId: 100 });
    expect(at('lag.2', 30)).toEqual({ port: 'lag2', vlanId: 30 });
    expect(at('phys.3.100', 20)).toEqual({ port: '3', vlanId: 100, innerVlanId: 20 });
  });

  it('refuses labels outside the interface (VLAN 0 and 4095, ports beyond the count), naming the label', () => {
    const phys25 = parseCorsaInterface('phys.25', COUNTS);
    for (const label of [0, 4095, -1, 1.5]) {
      expect(rejection(() => tunnelEndpoint(phys25, label))).toMatchObject({ code: 'INVALID_ARGUMENT', details: { kind: 'label', label } });
    }
    expect(rejection(() => tunnelEndpoint(parseCorsaInterface('phys', COUNTS), 65)).details).toMatchObject({ kind: 'label', label: 65, labels: { min: 1, max: 64 } });
  });

  it('a circuit recovered from its tunnel is the canonical circuit that made it (round trip)', () => {
    const description = fc.oneof(
      fc.constant('phys'),
      fc.constant('lag'),
      fc.integer({ min: 1, max: 64 }).map((n) => `phys.${n}`),
      fc.integer({ min: 1, max: 8 }).map((n) => `lag${n}`),
      fc.tuple(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 4094 })).map(([n, s]) => `${n}.${s}`),
    );
    fc.assert(
      fc.property(description, fc.integer({ min: 1, max: 4094 }), (d, raw) => {
        const iface = parseCorsaInterface(d, COUNTS);
        const label = Math.min(raw, iface.labels.max);
        const e = tunnelEndpoint(iface, label);
        expect(circuitOfEndpoint(e)).toEqual({ interface: iface.description, label });
        expect(endpointKey(e)).toBe(endpointKey(tunnelEndpoint(parseCorsaInterface(iface.description, COUNTS), label)));
      }),
    );
  });

  it('tells which endpoints cannot be attached together', () => {
    const e = (port: string, vlanId?: number, innerVlanId?: number) => ({ port, ...(vlanId ? { vlanId } : {}), ...(innerVlanId ? { innerVlanId } : {}) });
    expect(endpointsConflict(e('3'), e('3', 100))).toBe(true);
    expect(endpointsConflict(e('3', 100), e('3', 100, 20))).toBe(true);
    expect(endpointsConflict(e('3', 100, 20), e('3', 100, 20))).toBe(true);
    expect(endpointsConflict(e('3', 100, 20), e('3', 100, 21))).toBe(false);
    expect(endpointsConflict(e('3', 100), e('3', 101))).toBe(false);
    expect(endpointsConflict(e('3'), e('4'))).toBe(false);
    expect(endpointsConflict(e('3'), e('lag3'))).toBe(false);
  });
});
