import { commandNames, EXIT, TransportError } from '@dpb/cli';
import { errorReply, FakeTransport, run, service, trunk } from './fake-transport';

const NETWORKS = [
  { name: 'london', kind: 'switch', terminals: 2, services: 0 },
  { name: 'wan', kind: 'aggregator', terminals: 4, services: 1, trunks: 4 },
];

function noStackTrace(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe('usage errors are refused before anything is sent (exit 2)', () => {
  test.each([
    [['-n', 'wan', 'services', 'create', 'london:x:5', 'paris:100:5']],
    [['-n', 'wan', 'services', 'define', '1', 'london:100', 'paris:100']], // no ingress rate anywhere
    [['-n', 'wan', 'services', 'define', '1', 'london:100:5']], // one circuit
    [['services', 'list']], // no network
    [['-n', 'bad name', 'services', 'list']],
    [['services', 'explode']],
    [['networks', 'list', '--bogus']],
    [['-n', 'wan', 'services', 'await', '1', 'UP']],
    [['-n', 'wan', 'services', 'await', '1', 'ACTIVE', '--timeout', 'soon']],
    [['-n', 'wan', 'trunks', 'close', '4', '100-199:1100']],
    [['-n', 'wan', 'trunks', 'provide', '4']],
    [['-n', 'wan', 'trunks', 'open', 'core', '100-199']],
    [['-n', 'london', 'quotas', 'set', 'vms']],
    [['-n', 'london', 'quotas', 'set', 'vms', '--ingress', '5', '--adjust-ingress', '1']],
    [['-n', 'wan', 'services', 'create', '--handle', '123']],
    [['--url', 'ftp://x', 'networks', 'list']],
  ])('%j', async (argv) => {
    const t = new FakeTransport(() => ({ status: 200, body: [] }));
    const r = await run(argv, t, argv.includes('--url') ? { transport: undefined } : {});
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/^dpb: /);
    noStackTrace(r.stderr);
    expect(t.calls).toEqual([]);
  });

  test('a noun without a verb shows the verbs of that noun', async () => {
    const r = await run(['services'], new FakeTransport());
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain('dpb services define');
  });
});

describe('help', () => {
  test.each(commandNames().filter((n) => n.includes(' ')))('[§7 27] "%s --help" prints usage with an example', async (name) => {
    const t = new FakeTransport();
    const r = await run([...name.split(' '), '--help'], t);
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toContain(`dpb ${name}`);
    expect(r.stdout).toMatch(/Examples:\n\s+dpb /);
    expect(t.calls).toEqual([]);
  });

  test.each([[[]], [['networks']], [['terminals']], [['quotas']], [['trunks']], [['services']]])('%j --help has examples too', async (words) => {
    const r = await run([...words, '--help'], new FakeTransport());
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/Examples:\n\s+dpb /);
  });

  test('"help NOUN VERB" is the same as "NOUN VERB --help"', async () => {
    const a = await run(['help', 'services', 'define'], new FakeTransport());
    const b = await run(['services', 'define', '--help'], new FakeTransport());
    expect(a).toEqual(b);
  });

  test('help for a command that does not exist is a usage error', async () => {
    expect((await run(['help', 'services', 'explode'], new FakeTransport())).code).toBe(EXIT.USAGE);
    expect((await run(['help', 'dpb-client'], new FakeTransport())).stdout).toContain('dpb-client WORD');
  });

  test('--version', async () => {
    expect((await run(['--version'], new FakeTransport())).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  test('completion prints a completion script that asks dpb for completions', async () => {
    const r = await run(['completion'], new FakeTransport());
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toContain('--get-yargs-completions');
  });

  test('the completion protocol lists verbs of a noun', async () => {
    const r = await run(['--get-yargs-completions', 'dpb', 'trunks', ''], new FakeTransport());
    expect(r.stdout.split('\n')).toEqual(expect.arrayContaining(['provide', 'withdraw', 'decommission']));
  });
});

describe('output', () => {
  test('--json prints the reply body as it came', async () => {
    const r = await run(['--json', 'networks', 'list'], new FakeTransport(() => ({ status: 200, body: NETWORKS })));
    expect(JSON.parse(r.stdout)).toEqual(NETWORKS);
  });

  test('tables for people', async () => {
    const r = await run(['networks', 'list'], new FakeTransport(() => ({ status: 200, body: NETWORKS })));
    expect(r.stdout.split('\n')[0]?.split(/\s+/)).toEqual(['NAME', 'KIND', 'TERMINALS', 'SERVICES', 'TRUNKS']);
    expect(r.stdout).toMatch(/^wan\s+aggregator\s+4\s+1\s+4$/m);
  });

  test('the network comes from DPB_NETWORK when -n is not given', async () => {
    const t = new FakeTransport(() => ({ status: 200, body: [] }));
    expect((await run(['services', 'list'], t, { env: { DPB_NETWORK: 'wan' } })).code).toBe(0);
    expect(t.calls[0]?.path).toBe('/api/v1/networks/wan/services');
  });
});

describe('errors name what failed and set the exit code', () => {
  test('a refusal: exit 1 with the code, message and the thing at fault', async () => {
    const t = new FakeTransport(() => errorReply(409, 'RESOURCE_EXHAUSTED', { trunk: 4, direction: 'upstream', requestedMbps: 2000, availableMbps: 1000 }));
    const r = await run(['-n', 'wan', 'services', 'create', 'london:101:2000', 'frankfurt:101:2000'], t);
    expect(r.code).toBe(EXIT.REFUSED);
    expect(r.stderr).toContain('create a service on network wan');
    expect(r.stderr).toContain('RESOURCE_EXHAUSTED');
    expect(r.stderr).toContain('trunk 4');
    expect(r.stderr).toContain('availableMbps 1000');
    noStackTrace(r.stderr);
  });

  test.each([
    [401, 'UNAUTHENTICATED'],
    [403, 'PERMISSION_DENIED'],
  ])('%i is exit 4 with a hint', async (status, code) => {
    const r = await run(['networks', 'list'], new FakeTransport(() => errorReply(status, code)));
    expect(r.code).toBe(EXIT.AUTH);
    expect(r.stderr).toContain(code);
    expect(r.stderr).toMatch(/^hint: /m);
  });

  test('no reply at all is exit 3', async () => {
    const failing = {
      request: async () => {
        throw new TransportError('cannot connect to http://x: ECONNREFUSED', 'CONNECT');
      },
      events: async function* () {
        yield* [];
      },
    };
    const r = await run(['networks', 'list'], failing);
    expect(r.code).toBe(EXIT.UNREACHABLE);
    expect(r.stderr).toContain('ECONNREFUSED');
  });

  test('an error reply without an error body still names the status', async () => {
    const r = await run(['networks', 'list'], new FakeTransport(() => ({ status: 502, body: '<html>bad gateway</html>' })));
    expect(r.code).toBe(EXIT.REFUSED);
    expect(r.stderr).toContain('HTTP_502');
  });

  test('an aborted signal ends the run with 130 and sends nothing', async () => {
    const abort = new AbortController();
    abort.abort();
    const t = new FakeTransport(() => ({ status: 200, body: [] }));
    const r = await run(['networks', 'list'], t, { signal: abort.signal });
    expect(r.code).toBe(EXIT.INTERRUPTED);
    expect(t.calls).toEqual([]);
  });
});

describe('fixedConnection (the management shell)', () => {
  test.each([[['--url', 'http://elsewhere', 'networks', 'list']], [['--token=stolen', 'networks', 'list']], [['networks', 'list', '--config', '/tmp/x']]])(
    '%j is refused and nothing is sent',
    async (argv) => {
      const t = new FakeTransport(() => ({ status: 200, body: [] }));
      const r = await run(argv, t, { fixedConnection: true });
      expect(r.code).toBe(EXIT.USAGE);
      expect(t.calls).toEqual([]);
    },
  );

  test('completion is not offered; other commands work', async () => {
    const t = new FakeTransport(() => ({ status: 200, body: NETWORKS }));
    expect((await run(['completion'], t, { fixedConnection: true })).code).toBe(EXIT.USAGE);
    expect(commandNames({ fixedConnection: true })).not.toContain('completion');
    expect((await run(['networks', 'list'], t, { fixedConnection: true })).code).toBe(EXIT.OK);
    const help = await run(['--help'], t, { fixedConnection: true });
    expect(help.stdout).not.toContain('--url');
  });
});

describe('services', () => {
  test('create sends handle, circuits with defaults, and activate', async () => {
    const t = new FakeTransport(() => ({ status: 201, body: service({ status: 'ACTIVATING' }) }));
    const r = await run(['-n', 'wan', 'services', 'create', '--handle', 'demo-1', 'london:100', 'paris:100:20', 'amsterdam:100::70', '--bw', '50', '--activate'], t);
    expect(r.code).toBe(0);
    expect(t.calls).toEqual([
      {
        method: 'POST',
        path: '/api/v1/networks/wan/services',
        body: {
          handle: 'demo-1',
          circuits: [
            { terminal: 'london', label: 100, ingressMbps: 50, egressMbps: 50 },
            { terminal: 'paris', label: 100, ingressMbps: 20, egressMbps: 50 },
            { terminal: 'amsterdam', label: 100, ingressMbps: 50, egressMbps: 70 },
          ],
          activate: true,
        },
      },
    ]);
    expect(r.stdout).toMatch(/^created service 1 \(demo-1\) on wan: ACTIVATING/);
  });

  test('a handle is percent-encoded in the path', async () => {
    const t = new FakeTransport(() => ({ status: 202, body: service() }));
    await run(['-n', 'wan', 'services', 'release', 'a b/c'], t);
    expect(t.calls[0]).toMatchObject({ method: 'DELETE', path: '/api/v1/networks/wan/services/a%20b%2Fc' });
  });

  test('await asks the server to wait (FAILED included) with a longer client timeout', async () => {
    const t = new FakeTransport(() => ({ status: 200, body: service(), headers: { 'dpb-wait': 'reached' } }));
    const r = await run(['-n', 'wan', 'services', 'await', 'demo-1', 'active'], t);
    expect(r.code).toBe(EXIT.OK);
    expect(t.calls).toEqual([{ method: 'GET', path: '/api/v1/networks/wan/services/demo-1?wait=ACTIVE,FAILED&timeoutMs=30000', body: undefined, timeoutMs: 45000 }]);
  });

  test('await longer than the server allows waits in slices', async () => {
    let n = 0;
    const t = new FakeTransport(() => ({ status: 200, body: service({ status: n++ === 0 ? 'ACTIVATING' : 'ACTIVE' }) }));
    const r = await run(['-n', 'wan', 'services', 'await', '1', 'ACTIVE', '--timeout', '2m'], t);
    expect(r.code).toBe(EXIT.OK);
    expect(t.calls).toHaveLength(2);
    expect(t.calls[0]?.path).toMatch(/timeoutMs=60000$/);
  });

  test('await: timeout is exit 5, FAILED when not asked for is exit 6', async () => {
    const slow = new FakeTransport(() => ({ status: 200, body: service({ status: 'ACTIVATING' }), headers: { 'dpb-wait': 'timeout' } }));
    expect((await run(['-n', 'wan', 'services', 'await', '1', 'ACTIVE', '--timeout', '0s'], slow)).code).toBe(EXIT.WAIT_TIMEOUT);
    const failed = new FakeTransport(() => ({ status: 200, body: service({ status: 'FAILED', errors: [{ code: 'UNAVAILABLE', message: 'fabric down', details: {}, at: 0 }] }) }));
    const r = await run(['-n', 'wan', 'services', 'await', '1', 'ACTIVE'], failed);
    expect(r.code).toBe(EXIT.WRONG_STATUS);
    expect(r.stderr).toContain('UNAVAILABLE');
    expect((await run(['-n', 'wan', 'services', 'await', '1', 'ACTIVE,FAILED'], failed)).code).toBe(EXIT.OK);
  });

  test('watch prints one line per event until RELEASED; --json one object per line', async () => {
    const t = new FakeTransport();
    t.events_ = ['ACTIVE', 'RELEASING', 'RELEASED'].map((status, i) => ({
      event: 'status',
      data: JSON.stringify({ network: 'wan', service: 1, status, intent: i ? 'RELEASE' : 'ACTIVE', at: i }),
    }));
    const r = await run(['-n', 'wan', 'services', 'watch', '1'], t);
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout.trim().split('\n').map((l) => l.split(': ')[1]?.split(' ')[0])).toEqual(['ACTIVE', 'RELEASING', 'RELEASED']);
    expect(t.eventPaths).toEqual(['/api/v1/networks/wan/services/1/events']);
    const j = await run(['-n', 'wan', '--json', 'services', 'watch', '1'], t);
    expect(j.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { status: string }).status)).toEqual(['ACTIVE', 'RELEASING', 'RELEASED']);
  });

  test('a stream that ends before RELEASED is exit 3', async () => {
    const t = new FakeTransport();
    t.events_ = [{ event: 'status', data: JSON.stringify({ network: 'wan', service: 1, status: 'ACTIVE', intent: 'ACTIVE', at: 0 }) }];
    expect((await run(['-n', 'wan', 'services', 'watch', '1'], t)).code).toBe(EXIT.UNREACHABLE);
  });
});

describe('trunks', () => {
  const routes = (extra: Record<string, unknown> = {}) =>
    new FakeTransport((c) => {
      if (c.method === 'GET' && c.path === '/api/v1/networks/wan/trunks') return { status: 200, body: [trunk({ id: 1, start: { network: 'london', terminal: 'uplink' }, end: { network: 'core', terminal: 'london' } }), trunk()] };
      return { status: 200, body: trunk(extra) };
    });

  test('[§7 26] a trunk named by an end is looked up; --up/--down are always start->end / end->start', async () => {
    const t = routes();
    expect((await run(['-n', 'wan', 'trunks', 'provide', 'core:frankfurt', '--up', '5', '--down', '2'], t)).code).toBe(0);
    expect(t.calls.map((c) => [c.method, c.path, c.body])).toEqual([
      ['GET', '/api/v1/networks/wan/trunks', undefined],
      ['PATCH', '/api/v1/networks/wan/trunks/4', { provideMbps: { upstreamMbps: 5, downstreamMbps: 2 } }],
    ]);
  });

  test('a trunk id needs no lookup; one RATE means both ways', async () => {
    const t = routes();
    await run(['-n', 'wan', 'trunks', 'withdraw', '4', '1G'], t);
    expect(t.calls.map((c) => c.body)).toEqual([{ withdrawMbps: { upstreamMbps: 1000, downstreamMbps: 1000 } }]);
  });

  test('an unknown end is exit 1 naming it', async () => {
    const r = await run(['-n', 'wan', 'trunks', 'delay', 'paris:nowhere', '5'], routes());
    expect(r.code).toBe(EXIT.REFUSED);
    expect(r.stderr).toContain('paris:nowhere');
  });

  test('open and close label ranges at either side', async () => {
    const t = routes();
    await run(['-n', 'wan', 'trunks', 'open', '4', '2000-2009:3000'], t);
    await run(['-n', 'wan', 'trunks', 'open', '4', '3000-3009:2000', '--side', 'end'], t);
    await run(['-n', 'wan', 'trunks', 'close', '4', '3000-3009', '--side', 'end'], t);
    expect(t.calls.map((c) => [c.path, c.body])).toEqual([
      ['/api/v1/networks/wan/trunks/4/labels', { startBase: 2000, count: 10, endBase: 3000 }],
      ['/api/v1/networks/wan/trunks/4/labels', { startBase: 2000, count: 10, endBase: 3000 }],
      ['/api/v1/networks/wan/trunks/4/labels/revoke', { side: 'end', base: 3000, count: 10 }],
    ]);
  });

  test('add sends ends, capacity, labels and cost', async () => {
    const t = routes();
    await run(['-n', 'wan', 'trunks', 'add', 'a:x', 'b:y', '--capacity', '1000', '--down', '200', '--labels', '100-199,300-309:1300', '--cost', '2', '--decommissioned'], t);
    expect(t.calls[0]?.body).toEqual({ start: 'a:x', end: 'b:y', upstreamMbps: 1000, downstreamMbps: 200, labels: ['100-199', '300-309:1300'], cost: 2, commissioned: false });
  });
});

describe('terminals and quotas', () => {
  const kinds = (kind: string) =>
    new FakeTransport((c) => (c.method === 'GET' ? { status: 200, body: { name: 'n', kind, terminals: 0, services: 0 } } : { status: 201, body: { name: 'lab', inferior: { network: 'london', terminal: 'lab' } } }));

  test('add on a switch sends the interface and quotas; on an aggregator the inferior terminal', async () => {
    const sw = kinds('switch');
    await run(['-n', 'london', 'terminals', 'add', 'lab', 'phys:7', '--ingress-quota', '200', '--egress-quota', 'off'], sw);
    expect(sw.calls[1]?.body).toEqual({ name: 'lab', interface: 'phys:7', ingressQuotaMbps: 200, egressQuotaMbps: null });
    const ag = kinds('aggregator');
    await run(['-n', 'wan', 'terminals', 'add', 'london-lab', 'london:lab'], ag);
    expect(ag.calls[1]?.body).toEqual({ name: 'london-lab', inferior: { network: 'london', terminal: 'lab' } });
  });

  test('quotas on an aggregator terminal are a usage error', async () => {
    const ag = kinds('aggregator');
    const r = await run(['-n', 'wan', 'terminals', 'add', 'x', 'london:lab', '--ingress-quota', '5'], ag);
    expect(r.code).toBe(EXIT.USAGE);
    expect(ag.calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });

  test('[§7 26] quotas set: set, remove and adjust by a relative amount', async () => {
    const t = new FakeTransport(() => ({ status: 200, body: { name: 'vms', interface: 'eth1', labels: { min: 0, max: 4095 }, ingressQuotaMbps: null, egressQuotaMbps: 400, ingressUsedMbps: 0, egressUsedMbps: 0, circuitsInUse: 0 } }));
    expect((await run(['-n', 'london', 'quotas', 'set', 'vms', '--ingress', 'off', '--adjust-egress', '-100'], t)).code).toBe(0);
    await run(['-n', 'london', 'quotas', 'set', 'vms', '--both', '1G'], t);
    expect(t.calls.map((c) => [c.method, c.path, c.body])).toEqual([
      ['PATCH', '/api/v1/networks/london/terminals/vms', { ingressQuotaMbps: null, egressQuotaAdjustMbps: -100 }],
      ['PATCH', '/api/v1/networks/london/terminals/vms', { ingressQuotaMbps: 1000, egressQuotaMbps: 1000 }],
    ]);
  });
});
