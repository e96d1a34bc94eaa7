import { type BrokerError, MAX_MBPS, sanitizeRequest } from '@dpb/model';

function refusal(input: unknown): BrokerError {
  try {
    sanitizeRequest(input);
  } catch (e) {
    return e as BrokerError;
  }
  throw new Error('expected sanitizeRequest to refuse');
}

describe('sanitizeRequest', () => {
  test('four circuits producing 100 each may each receive 300 (dpb-core §1.4)', () => {
    const r = sanitizeRequest({
      circuits: ['a', 'b', 'c', 'd'].map((terminal) => ({ terminal, label: 1, ingressMbps: 100 })),
    });
    expect(r.circuits.map((c) => [c.ingressMbps, c.egressMbps])).toEqual([
      [100, 300],
      [100, 300],
      [100, 300],
      [100, 300],
    ]);
  });

  test('[Q-1] egress is capped by what the others send after their ingress is raised to the minimum', () => {
    // b sends nothing, so it is raised to 0.01; a may then receive only 0.01
    const r = sanitizeRequest({ circuits: [{ terminal: 'a', label: 1, ingressMbps: 50 }, { terminal: 'b', label: 1, ingressMbps: 0 }] });
    expect(r.circuits).toEqual([
      { terminal: 'a', label: 1, ingressMbps: 50, egressMbps: 0.01 },
      { terminal: 'b', label: 1, ingressMbps: 0.01, egressMbps: 50 },
    ]);
  });

  test('is idempotent and sorts circuits by terminal then label', () => {
    const once = sanitizeRequest({
      circuits: [
        { terminal: 'z', label: 2, ingressMbps: 5, egressMbps: 1 },
        { terminal: 'a', label: 9, ingressMbps: 5 },
        { terminal: 'a', label: 3, ingressMbps: 5 },
      ],
    });
    expect(once.circuits.map((c) => `${c.terminal}:${c.label}`)).toEqual(['a:3', 'a:9', 'z:2']);
    expect(sanitizeRequest(once)).toEqual(once);
  });

  test.each([
    ['no circuits array', {}, 'circuits'],
    ['one circuit', { circuits: [{ terminal: 'a', label: 1, ingressMbps: 1 }] }, 'circuits'],
    ['a bad terminal name', { circuits: [{ terminal: 'a:b', label: 1, ingressMbps: 1 }, { terminal: 'b', label: 1, ingressMbps: 1 }] }, 'circuits[0].terminal'],
    ['a fractional label', { circuits: [{ terminal: 'a', label: 1.5, ingressMbps: 1 }, { terminal: 'b', label: 1, ingressMbps: 1 }] }, 'circuits[0].label'],
    ['a negative label', { circuits: [{ terminal: 'a', label: 1, ingressMbps: 1 }, { terminal: 'b', label: -1, ingressMbps: 1 }] }, 'circuits[1].label'],
    ['a negative ingress', { circuits: [{ terminal: 'a', label: 1, ingressMbps: -1 }, { terminal: 'b', label: 1, ingressMbps: 1 }] }, 'circuits[0].ingressMbps'],
    ['an absurd egress', { circuits: [{ terminal: 'a', label: 1, ingressMbps: 1, egressMbps: MAX_MBPS * 10 }, { terminal: 'b', label: 1, ingressMbps: 1 }] }, 'circuits[0].egressMbps'],
    ['a string rate', { circuits: [{ terminal: 'a', label: 1, ingressMbps: '5' }, { terminal: 'b', label: 1, ingressMbps: 1 }] }, 'circuits[0].ingressMbps'],
    ['NaN', { circuits: [{ terminal: 'a', label: 1, ingressMbps: Number.NaN }, { terminal: 'b', label: 1, ingressMbps: 1 }] }, 'circuits[0].ingressMbps'],
    ['a repeated circuit', { circuits: [{ terminal: 'a', label: 1, ingressMbps: 1 }, { terminal: 'a', label: 1, ingressMbps: 2 }] }, 'circuits[1]'],
  ])('refuses %s, naming the field', (_what, input, field) => {
    const e = refusal(input);
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.details.field).toBe(field);
  });
});
