import { formatMbps, renderTable, renderTerminals, renderTrunks } from '@dpb/cli';

describe('tables', () => {
  test('columns line up, numbers align right, no trailing blanks', () => {
    const t = renderTable(
      [{ header: 'NAME' }, { header: 'RATE (Mbit/s)', align: 'right' }, { header: 'NOTE' }],
      [
        ['a', '5', ''],
        ['longer', '1000', 'x'],
      ],
    );
    expect(t.split('\n')).toEqual(['NAME    RATE (Mbit/s)  NOTE', 'a                   5', 'longer           1000  x']);
  });

  test('unlimited bandwidth reads "unlimited"; others to 1 kbit/s', () => {
    expect(formatMbps(null)).toBe('unlimited');
    expect(formatMbps(Infinity)).toBe('unlimited');
    expect(formatMbps(0.0104)).toBe('0.01');
    expect(formatMbps(1000)).toBe('1000');
  });

  test('switch terminals show quotas with units in the headers', () => {
    const out = renderTerminals('london', [
      { name: 'vms', interface: 'eth1', labels: { min: 0, max: 4095 }, ingressQuotaMbps: null, egressQuotaMbps: 500, ingressUsedMbps: 50, egressUsedMbps: 0, circuitsInUse: 1 },
    ]);
    const [head, row] = out.split('\n') as [string, string];
    expect(head).toMatch(/QUOTA IN \(Mbit\/s\)/);
    expect(row.split(/\s{2,}/)).toEqual(['vms', 'eth1', '0-4095', 'unlimited', '50', '500', '0', '1']);
  });

  test('trunks show capacity up/down and label ranges', () => {
    const out = renderTrunks('wan', [
      {
        id: 4,
        start: { network: 'frankfurt', terminal: 'uplink' },
        end: { network: 'core', terminal: 'frankfurt' },
        cost: 3,
        commissioned: false,
        capacity: { upstreamMbps: 1000, downstreamMbps: 500 },
        allocated: { upstreamMbps: 0, downstreamMbps: 0 },
        available: { upstreamMbps: 1000, downstreamMbps: 500 },
        labelRanges: [{ startBase: 100, count: 900, endBase: 1100 }],
        labelCount: 900,
        labelsInUse: 2,
      },
    ]);
    expect(out.split('\n')[1]?.trim().split(/\s{2,}/)).toEqual(['4', 'frankfurt:uplink', 'core:frankfurt', '3', 'decommissioned', '1000/500', '1000/500', '100-999:1100', '2/900']);
  });
});
