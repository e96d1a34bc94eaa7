import { EXIT } from '@dpb/cli';
import { startBroker, type TestBroker } from '../rest/broker';
import { DEMO_YAML, dpb, dpbJson } from './cli-fixtures';

let b: TestBroker;
beforeEach(async () => {
  b = await startBroker(DEMO_YAML);
});
afterEach(async () => {
  await b.close();
});

const client = (...words: string[]) => dpb(b.base, ['dpb-client', ...words]);

describe('dpb dpb-client against a live broker', () => {
  test('builds, activates, awaits, watches and releases a service in one line', async () => {
    const r = await client('-n', 'wan', 'new:compat', '-b', '100', '-e', 'london:300', '-e', 'frankfurt:300', 'initiate', 'activate', 'await', '10', 'ACTIVE');
    expect(r).toEqual({ code: 0, stdout: 'Created new service: 1 (compat) on wan\nStatus is now ACTIVE\n', stderr: '' });
    const svc = await dpbJson(b.base, ['-n', 'wan', 'services', 'show', 'compat']);
    expect(svc.request.circuits).toEqual([
      { terminal: 'frankfurt', label: 300, ingressMbps: 100, egressMbps: 100 },
      { terminal: 'london', label: 300, ingressMbps: 100, egressMbps: 100 },
    ]);
    // the frankfurt trunk translates VLANs: site label L is core label L + 1000
    const tunnel = svc.realisation.tunnels.find((t: { trunk: number }) => t.trunk === 4);
    expect(tunnel.endLabel - tunnel.startLabel).toBe(1000);

    const w = await client('-n', 'wan', '-S', 'compat', 'watch', 'release');
    expect(w.code).toBe(0);
    const lines = w.stderr.trim().split('\n');
    expect(lines[0]).toBe('Listener attached...');
    expect(lines[1]).toBe('srv 1: ACTIVE');
    expect(lines[lines.length - 1]).toBe('srv 1: RELEASED');
    expect(await dpbJson(b.base, ['-n', 'wan', 'services', 'list'])).toEqual([]);
  });

  test('management words: terminals, quotas, trunks, labels, bandwidth, cost, commissioning', async () => {
    const setup = await client(
      ...['-n', 'paris', 'add-terminal', 'spare', 'eth5', 'quota', 'spare', '1000:-'],
      ...['-n', 'core', 'add-terminal', 'paris2', 'eth9'],
      ...['-n', 'wan', 'add-trunk', 'core:paris2', 'paris:spare', 'provide', 'paris:spare', '500:200', 'open', 'paris:spare', '100-109:2100'],
      ...['set-delay', 'core:paris2', '7', 'decommission', 'core:paris2', 'recommission', 'paris:spare', 'add-terminal', 'paris-spare2', 'paris:vms'],
    );
    // paris:vms is already the terminal "paris" of wan: the last word is refused, with the earlier ones done
    expect(setup.code).toBe(EXIT.REFUSED);
    expect(setup.stderr).toContain('BUSY');
    expect(setup.stderr).not.toContain('Unknown command');

    const t = (await dpbJson(b.base, ['-n', 'wan', 'trunks', 'show', 'paris:spare'])) as Record<string, unknown>;
    expect(t).toMatchObject({
      id: 5,
      start: { network: 'core', terminal: 'paris2' },
      end: { network: 'paris', terminal: 'spare' },
      cost: 7,
      commissioned: true,
      // "provide paris:spare 500:200": 500 from paris:spare (the end) to the start, 200 the other way
      capacity: { upstreamMbps: 200, downstreamMbps: 500 },
      // "open paris:spare 100-109:2100": paris:spare labels 100-109 pair with core:paris2 labels 2100-2109
      labelRanges: [{ startBase: 2100, count: 10, endBase: 100 }],
    });
    expect(await dpbJson(b.base, ['-n', 'paris', 'terminals', 'show', 'spare'])).toMatchObject({ ingressQuotaMbps: 1000, egressQuotaMbps: null });

    const listed = await client('-n', 'wan', 'list-trunks', 'list-terminals', '-n', 'paris', 'list-terminals');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('[core, paris2] + [paris, spare]\n');
    expect(listed.stdout).toContain('london -> [london, vms]\n');
    expect(listed.stdout).toContain('spare -> eth5\n');

    const closed = await client('-n', 'wan', 'close', 'paris:spare', '100-109', 'withdraw', 'core:paris2', '200', 'remove-trunk', 'paris:spare', '-n', 'paris', 'remove-terminal', 'spare');
    expect(closed).toMatchObject({ code: 0, stderr: '' });
    expect((await dpbJson(b.base, ['-n', 'wan', 'trunks', 'list'])).map((x: { id: number }) => x.id)).toEqual([1, 2, 3, 4]);
  });

  test('[§7 18] failures are reported with a non-zero exit code, never silently', async () => {
    const unknownNetwork = await client('-n', 'nowhere', 'dump');
    expect(unknownNetwork.code).toBe(EXIT.REFUSED);
    expect(unknownNetwork.stderr).toMatch(/NOT_FOUND.*nowhere/);

    const unknownService = await client('-n', 'wan', '-s', '42', 'activate');
    expect(unknownService.code).toBe(EXIT.REFUSED);
    expect(unknownService.stderr).toContain('42');

    const unknownHandle = await client('-n', 'wan', '-S', 'ghost', 'release');
    expect(unknownHandle.code).toBe(EXIT.REFUSED);
    expect(unknownHandle.stderr).toContain('ghost');

    const noTrunk = await client('-n', 'wan', 'provide', 'paris:vms', '10');
    expect(noTrunk.code).toBe(EXIT.REFUSED);
    expect(noTrunk.stderr).toContain('paris:vms');
  });

  test('[§7 18] commands for the other kind of network say so instead of crashing', async () => {
    const r = await client('-n', 'london', 'open', 'london:uplink', '100-199');
    expect(r.code).toBe(EXIT.REFUSED);
    expect(r.stderr).toContain('london is a switch');
    const q = await client('-n', 'wan', 'quota', 'london', '100');
    expect(q.code).toBe(EXIT.REFUSED);
    expect(q.stderr).toContain('wan is an aggregator');
  });

  test('deactivate, await INACTIVE, dump', async () => {
    const r = await client(
      ...['-n', 'wan', 'new:later', '--in', '10', '-e', 'london:401', '--out', '20', '-e', 'paris:401', 'initiate', 'activate', 'await', '10', 'active'],
      ...['deactivate', 'await', '10', 'INACTIVE,FAILED', 'wait', 'dump'],
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Status is now ACTIVE\nStatus is now INACTIVE\n');
    expect(r.stdout).toMatch(/^\s*1\s+later\s+INACTIVE\s+INACTIVE\s+london:401, paris:401$/m);
    const svc = await dpbJson(b.base, ['-n', 'wan', 'services', 'show', 'later']);
    // --in applies to both circuits; --out only to the one after it (london's egress is whatever paris sends)
    expect(svc.request.circuits).toEqual([
      { terminal: 'london', label: 401, ingressMbps: 10, egressMbps: 10 },
      { terminal: 'paris', label: 401, ingressMbps: 10, egressMbps: 10 },
    ]);
  });
});
