import { EXIT, parseDpbClientWords, UsageError } from '@dpb/cli';
import { errorReply, FakeTransport, type Handler, run, service, trunk } from './fake-transport';

/** A fake server: networks london (switch) and wan (aggregator) with trunk 4 frankfurt:uplink - core:frankfurt. */
function fakeServer(extra: Handler = () => undefined): FakeTransport {
  return new FakeTransport((c) => {
    const r = extra(c);
    if (r) return r;
    const m = /^\/api\/v1\/networks\/([^/?]+)(.*)$/.exec(c.path);
    const net = m?.[1];
    const rest = m?.[2] ?? '';
    if (net !== 'london' && net !== 'wan') return errorReply(404, 'NOT_FOUND', { kind: 'network', network: net });
    if (rest === '' && c.method === 'GET') return { status: 200, body: { name: net, kind: net === 'wan' ? 'aggregator' : 'switch', terminals: 2, services: 0 } };
    if (rest === '/trunks' && c.method === 'GET') return { status: 200, body: [trunk()] };
    if (rest.startsWith('/trunks')) return { status: 200, body: trunk() };
    if (rest === '/services' && c.method === 'POST') return { status: 201, body: service({ id: 7, handle: (c.body as { handle?: string }).handle ?? null, status: 'DORMANT' }) };
    if (rest.startsWith('/services')) return { status: 200, body: service({ id: 7 }) };
    if (rest.startsWith('/terminals')) return { status: 200, body: { name: 'x' } };
    return undefined;
  });
}

const sent = (t: FakeTransport): [string, string, unknown][] => t.calls.filter((c) => c.method !== 'GET').map((c) => [c.method, c.path, c.body]);

describe('dpb-client word sequences: checked as a whole first', () => {
  test('the documented examples parse (dpb-interfaces.md §3.4)', () => {
    const topology =
      '-n london add-terminal openstack phys.25 add-terminal paris phys.13 -n paris add-terminal london phys.29 add-terminal athens phys.29 ' +
      '-n athens add-terminal paris phys.13 add-terminal openstack phys.24 -n aggr add-terminal athens-openstack athens:openstack ' +
      'add-terminal london-openstack london:openstack add-trunk athens:paris paris:athens add-trunk london:paris paris:london ' +
      'provide paris:athens 5000 provide paris:london 5000 open paris:athens 100-399 open paris:london 400-699';
    expect(parseDpbClientWords(topology.split(' ')).map((s) => s.op)).toEqual([
      ...['network', 'add-terminal', 'add-terminal', 'network', 'add-terminal', 'add-terminal', 'network', 'add-terminal', 'add-terminal'],
      ...['network', 'add-terminal', 'add-terminal', 'add-trunk', 'add-trunk', 'provide', 'provide', 'open', 'open'],
    ]);
    const steps = parseDpbClientWords('-n aggr -s 1 -b 100 -e athens-openstack:50 -e london-openstack:80 initiate'.split(' '));
    expect(steps.filter((s) => s.op === 'circuit')).toMatchObject([
      { circuit: { terminal: 'athens-openstack', label: 50, ingressMbps: 100, egressMbps: 100 } },
      { circuit: { terminal: 'london-openstack', label: 80, ingressMbps: 100, egressMbps: 100 } },
    ]);
    for (const q of ['1000', 'off', '1000:500', '1000:-', 'off:-']) expect(parseDpbClientWords(['-n', 'london', 'quota', 'openstack', q])).toHaveLength(2);
  });

  test('--in/--out set one rate each; rates reset after initiate', () => {
    const steps = parseDpbClientWords('-n wan new --in 10 -e a:1 --out 20 -e b:2 initiate'.split(' '));
    expect(steps.filter((s) => s.op === 'circuit')).toMatchObject([
      { circuit: { terminal: 'a', label: 1, ingressMbps: 10 } },
      { circuit: { terminal: 'b', label: 2, ingressMbps: 10, egressMbps: 20 } },
    ]);
    expect(() => parseDpbClientWords('-n wan new -b 5 -e a:1 -e b:2 initiate -e c:3'.split(' '))).toThrow(UsageError);
  });

  test.each([
    ['-n wan bogus'],
    ['-n wan -s'],
    ['-n wan -s one'],
    ['activate'],
    ['-n wan activate'],
    ['-n wan -s 1 release activate'],
    ['-n wan -s 1 -e london:1 -e paris:1 initiate'],
    ['-n wan -s 1 -b 5 -e london:1 initiate'],
    ['-n wan -s 1 -b fast -e london:1'],
    ['-n wan -s 1 await soon ACTIVE'],
    ['-n wan -s 1 await 5 UP'],
    ['-n london quota vms -:-'],
    ['-n wan close core:frankfurt 1-2:3'],
    ['-n wan open core 1-2'],
    ['-n wan provide core:frankfurt 1:2:3'],
    ['-n wan new:123'],
    [''],
  ])('%p is a usage error (exit 2) and nothing is sent', async (line) => {
    const t = fakeServer();
    const r = await run(['dpb-client', ...line.split(' ').filter(Boolean)], t);
    expect(r.code).toBe(line === '' ? EXIT.OK : EXIT.USAGE); // no words at all prints the help
    expect(t.calls).toEqual([]);
  });
});

describe('dpb-client: the original defects are fixed', () => {
  test('[§7 18] a failure stops the run with a non-zero exit code and a message, never a stack trace', async () => {
    const t = fakeServer((c) => (c.path.includes('/services/99') ? errorReply(404, 'NOT_FOUND', { kind: 'service', service: 99 }) : undefined));
    const r = await run(['dpb-client', '-n', 'wan', '-s', '99', 'activate'], t);
    expect(r.code).toBe(EXIT.REFUSED);
    expect(r.stderr).toContain('NOT_FOUND');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(sent(t)).toEqual([]); // activate was not attempted
  });

  test('[§7 18] -S with an unknown handle does not stop silently', async () => {
    const t = fakeServer((c) => (c.path.includes('?handle=') ? { status: 200, body: [] } : undefined));
    const r = await run(['dpb-client', '-n', 'wan', '-S', 'nope', 'release'], t);
    expect(r.code).toBe(EXIT.REFUSED);
    expect(r.stderr).toContain('nope');
    expect(sent(t)).toEqual([]);
  });

  test('[§7 18] decommission and recommission act and report nothing odd (no "Unknown command")', async () => {
    const t = fakeServer();
    const r = await run(['dpb-client', '-n', 'wan', 'decommission', 'core:frankfurt', 'recommission', 'frankfurt:uplink', 'list-trunks'], t);
    expect(r).toEqual({ code: 0, stdout: '[frankfurt, uplink] + [core, frankfurt]\n', stderr: '' });
    expect(sent(t)).toEqual([
      ['PATCH', '/api/v1/networks/wan/trunks/4', { commissioned: false }],
      ['PATCH', '/api/v1/networks/wan/trunks/4', { commissioned: true }],
    ]);
  });

  test.each([
    ['-n london provide a:b 5', 'aggregator'],
    ['-n london open a:b 1-5', 'aggregator'],
    ['-n london decommission a:b', 'aggregator'],
    ['-n london list-trunks', 'aggregator'],
    ['-n wan quota london 5', 'switch'],
  ])('[§7 18] %p on the wrong kind of network is a clear error, not a crash', async (line, needed) => {
    const t = fakeServer();
    const r = await run(['dpb-client', ...line.split(' ')], t);
    expect(r.code).toBe(EXIT.REFUSED);
    expect(r.stderr).toContain(needed);
    expect(sent(t)).toEqual([]);
  });

  test('[§7 24] an aggregator terminal is added without looking the inferior up locally', async () => {
    const t = fakeServer();
    expect((await run(['dpb-client', '-n', 'wan', 'add-terminal', 'london-lab', 'london:lab'], t)).code).toBe(0);
    expect(t.calls.map((c) => [c.method, c.path, c.body])).toEqual([
      ['GET', '/api/v1/networks/wan', undefined],
      ['POST', '/api/v1/networks/wan/terminals', { name: 'london-lab', inferior: 'london:lab' }],
    ]);
  });
});

describe('dpb-client: words map onto REST v1', () => {
  test('the named trunk end counts as the start: rates and labels are turned round for the other end', async () => {
    const t = fakeServer();
    const r = await run(
      ['dpb-client', '-n', 'wan', 'provide', 'core:frankfurt', '500:200', 'withdraw', 'frankfurt:uplink', '10', 'open', 'core:frankfurt', '1100-1109:100', 'close', 'core:frankfurt', '1100-1109', 'set-delay', 'frankfurt:uplink', '4', 'remove-trunk', 'core:frankfurt', 'add-trunk', 'a:b', 'c:d'],
      t,
    );
    expect(r.code).toBe(0);
    expect(sent(t)).toEqual([
      ['PATCH', '/api/v1/networks/wan/trunks/4', { provideMbps: { upstreamMbps: 200, downstreamMbps: 500 } }],
      ['PATCH', '/api/v1/networks/wan/trunks/4', { withdrawMbps: { upstreamMbps: 10, downstreamMbps: 10 } }],
      ['POST', '/api/v1/networks/wan/trunks/4/labels', { startBase: 100, count: 10, endBase: 1100 }],
      ['POST', '/api/v1/networks/wan/trunks/4/labels/revoke', { side: 'end', base: 1100, count: 10 }],
      ['PATCH', '/api/v1/networks/wan/trunks/4', { cost: 4 }],
      ['DELETE', '/api/v1/networks/wan/trunks/4', undefined],
      ['POST', '/api/v1/networks/wan/trunks', { start: 'a:b', end: 'c:d' }],
    ]);
  });

  test('quota parts: number sets, off removes, - leaves alone, one part means both', async () => {
    const t = fakeServer();
    await run(['dpb-client', '-n', 'london', 'quota', 'vms', '1000:-', 'quota', 'vms', 'off', 'quota', 'vms', '-:50'], t);
    expect(sent(t).map((s) => s[2])).toEqual([{ ingressQuotaMbps: 1000 }, { ingressQuotaMbps: null, egressQuotaMbps: null }, { egressQuotaMbps: 50 }]);
  });

  test('new:handle, circuits, initiate, activate, await, release', async () => {
    const t = fakeServer();
    const r = await run(['dpb-client', '-n', 'wan', 'new:demo', '-b', '100', '-e', 'london:100', '-e', 'paris:100', 'initiate', 'activate', 'await', '5', 'active', 'release'], t);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Created new service: 7 (demo) on wan\nStatus is now ACTIVE\n');
    expect(t.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /api/v1/networks/wan',
      'POST /api/v1/networks/wan/services',
      'PUT /api/v1/networks/wan/services/7/circuits',
      'POST /api/v1/networks/wan/services/7/activate',
      'GET /api/v1/networks/wan/services/7?wait=ACTIVE,FAILED&timeoutMs=5000',
      'DELETE /api/v1/networks/wan/services/7',
    ]);
    expect(t.calls[2]?.body).toEqual({
      circuits: [
        { terminal: 'london', label: 100, ingressMbps: 100, egressMbps: 100 },
        { terminal: 'paris', label: 100, ingressMbps: 100, egressMbps: 100 },
      ],
    });
  });

  test('the network may come from --network before dpb-client', async () => {
    const t = fakeServer();
    expect((await run(['--network', 'wan', 'dpb-client', '-s', '7', 'deactivate'], t)).code).toBe(0);
    expect(sent(t)).toEqual([['POST', '/api/v1/networks/wan/services/7/deactivate', undefined]]);
  });

  test('--help prints the word list', async () => {
    const r = await run(['dpb-client', '--help'], fakeServer());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('decommission N:T');
  });
});
