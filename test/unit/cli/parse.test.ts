import {
  EXIT,
  parseCircuit,
  parseDuration,
  parseLabelRangeArg,
  parseMbps,
  parseQuota,
  parseSignedMbps,
  parseStatusList,
  parseTrunkArg,
  UsageError,
} from '@dpb/cli';

function usage(f: () => unknown): UsageError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).exitCode).toBe(EXIT.USAGE);
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('circuit arguments terminal:label[:in[:out]]', () => {
  test('rates come from the text, else from the defaults', () => {
    expect(parseCircuit('london:100:50:200')).toEqual({ terminal: 'london', label: 100, ingressMbps: 50, egressMbps: 200 });
    expect(parseCircuit('london:100', { ingressMbps: 10, egressMbps: 20 })).toEqual({ terminal: 'london', label: 100, ingressMbps: 10, egressMbps: 20 });
    expect(parseCircuit('london:100:5', { ingressMbps: 10, egressMbps: 20 })).toEqual({ terminal: 'london', label: 100, ingressMbps: 5, egressMbps: 20 });
    expect(parseCircuit('london:100::7', { ingressMbps: 10 })).toEqual({ terminal: 'london', label: 100, ingressMbps: 10, egressMbps: 7 });
  });

  test('egress may stay unset ("whatever the others send")', () => {
    expect(parseCircuit('paris:7:1G')).toEqual({ terminal: 'paris', label: 7, ingressMbps: 1000 });
  });

  test('[§7 25] no silent 0 Mbit/s: a circuit without an ingress rate is a usage error', () => {
    usage(() => parseCircuit('london:100'));
    usage(() => parseCircuit('london:100::50'));
  });

  test.each(['london', 'london:', ':100:5', 'london:x:5', 'london:-1:5', 'lon don:1:5', 'a:1:2:3:4', 'london:1:fast', 'london:1:-5'])(
    'refuses %p',
    (text) => {
      usage(() => parseCircuit(text, { ingressMbps: 1 }));
    },
  );
});

describe('bandwidths', () => {
  test('decimal Mbit/s with optional k/M/G/T prefixes', () => {
    expect(parseMbps('100', 'x')).toBe(100);
    expect(parseMbps('2.5', 'x')).toBe(2.5);
    expect(parseMbps('1G', 'x')).toBe(1000);
    expect(parseMbps('500k', 'x')).toBe(0.5);
    expect(parseMbps('10Gbit/s', 'x')).toBe(10_000);
    expect(parseSignedMbps('-100', 'x')).toBe(-100);
    expect(parseSignedMbps('+250', 'x')).toBe(250);
  });

  test.each(['', 'abc', '0x10', '1e', '-1', '100bps', '20T'])('refuses %p', (text) => {
    usage(() => parseMbps(text, 'RATE'));
  });

  test('quotas: a number, or off/unlimited/none for no limit', () => {
    expect(parseQuota('1000', 'q')).toBe(1000);
    expect(parseQuota('off', 'q')).toBeNull();
    expect(parseQuota('Unlimited', 'q')).toBeNull();
    usage(() => parseQuota('-5', 'q'));
  });
});

describe('other arguments', () => {
  test('durations', () => {
    expect(parseDuration('30s', 't')).toBe(30_000);
    expect(parseDuration('500ms', 't')).toBe(500);
    expect(parseDuration('2m', 't')).toBe(120_000);
    expect(parseDuration('1.5', 't')).toBe(1500);
    usage(() => parseDuration('soon', 't'));
    usage(() => parseDuration('-1s', 't'));
  });

  test('statuses: any case, separated by commas, blanks or slashes; no duplicates', () => {
    expect(parseStatusList('active,FAILED', 's')).toEqual(['ACTIVE', 'FAILED']);
    expect(parseStatusList('inactive / active active', 's')).toEqual(['INACTIVE', 'ACTIVE']);
    usage(() => parseStatusList('ACTIVE,UP', 's'));
    usage(() => parseStatusList(' , ', 's'));
  });

  test('a trunk is an id or one of its ends', () => {
    expect(parseTrunkArg('4')).toEqual({ id: 4 });
    expect(parseTrunkArg('core:frankfurt')).toEqual({ end: { network: 'core', terminal: 'frankfurt' } });
    usage(() => parseTrunkArg('frankfurt'));
    usage(() => parseTrunkArg('a:b:c'));
  });

  test('label ranges', () => {
    expect(parseLabelRangeArg('100-199', 'r')).toEqual({ startBase: 100, count: 100, endBase: 100 });
    expect(parseLabelRangeArg('100-199:1100', 'r')).toEqual({ startBase: 100, count: 100, endBase: 1100 });
    usage(() => parseLabelRangeArg('199-100', 'r'));
    usage(() => parseLabelRangeArg('a-b', 'r'));
  });
});
