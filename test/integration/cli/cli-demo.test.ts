import { EXIT, HttpTransport, runCli, type Transport } from '@dpb/cli';
import { startBroker, type TestBroker } from '../rest/broker';
import { DEMO_YAML, dpb, dpbJson } from './cli-fixtures';

let b: TestBroker;
beforeEach(async () => {
  b = await startBroker(DEMO_YAML);
});
afterEach(async () => {
  await b.close();
});

/** A transport that counts the requests it passes on. */
function counting(base: string): { transport: Transport; count: () => number } {
  const inner = new HttpTransport(base);
  let n = 0;
  return {
    transport: {
      request: (...a) => {
        n++;
        return inner.request(...a);
      },
      events: (...a) => {
        n++;
        return inner.events(...a);
      },
    },
    count: () => n,
  };
}

describe('dpb against a live broker (the demo topology)', () => {
  test('manages the demo end to end: terminals, a trunk, bandwidth, labels, then a service through it', async () => {
    const ok = async (...argv: string[]): Promise<string> => {
      const r = await dpb(b.base, argv);
      expect({ argv, code: r.code, stderr: r.stderr }).toEqual({ argv, code: 0, stderr: '' });
      return r.stdout;
    };
    // a second path from paris to the core, on new switch terminals
    await ok('-n', 'paris', 'terminals', 'add', 'spare', 'eth5', '--ingress-quota', '800');
    await ok('-n', 'core', 'terminals', 'add', 'paris2', 'eth9');
    expect(await dpbJson(b.base, ['-n', 'paris', 'terminals', 'show', 'spare'])).toMatchObject({ interface: 'eth5', ingressQuotaMbps: 800, egressQuotaMbps: null });
    await ok('-n', 'paris', 'quotas', 'set', 'spare', '--adjust-ingress=-300', '--egress', '900');
    expect(await dpbJson(b.base, ['-n', 'paris', 'terminals', 'show', 'spare'])).toMatchObject({ ingressQuotaMbps: 500, egressQuotaMbps: 900 });

    const added = await ok('-n', 'wan', 'trunks', 'add', 'paris:spare', 'core:paris2', '--cost', '1');
    expect(added).toMatch(/^added trunk 5/);
    await ok('-n', 'wan', 'trunks', 'provide', 'paris:spare', '400');
    await ok('-n', 'wan', 'trunks', 'open', '5', '100-199');
    await ok('-n', 'wan', 'trunks', 'decommission', 'paris:uplink'); // trunk 2: force the new path
    expect(await dpbJson(b.base, ['-n', 'wan', 'trunks', 'show', '5'])).toMatchObject({
      capacity: { upstreamMbps: 400, downstreamMbps: 400 },
      labelRanges: [{ startBase: 100, count: 100, endBase: 100 }],
      commissioned: true,
    });

    expect(await ok('-n', 'wan', 'services', 'create', '--handle', 'e2e')).toMatch(/^created service 1 \(e2e\) on wan: DORMANT/);
    expect(await ok('-n', 'wan', 'services', 'define', 'e2e', 'london:100', 'paris:100', '--bw', '100')).toMatch(/^defined service 1/);
    await ok('-n', 'wan', 'services', 'activate', 'e2e');
    expect(await ok('-n', 'wan', 'services', 'await', 'e2e', 'ACTIVE', '--timeout', '10s')).toMatch(/ACTIVE/);

    const shown = await dpbJson(b.base, ['-n', 'wan', 'services', 'show', 'e2e']);
    expect(shown.status).toBe('ACTIVE');
    expect(shown.realisation.tunnels.map((t: { trunk: number }) => t.trunk).sort()).toEqual([1, 5]);
    const text = await ok('-n', 'wan', 'services', 'show', '1');
    expect(text).toMatch(/^london:100\s+100\s+100$/m);
    expect(await ok('-n', 'wan', 'services', 'list')).toMatch(/^\s*1\s+e2e\s+ACTIVE\s+ACTIVE\s+london:100, paris:100$/m);
    expect((await dpbJson(b.base, ['-n', 'wan', 'trunks', 'show', '5'])).available).toEqual({ upstreamMbps: 300, downstreamMbps: 300 });

    // watch in the background until RELEASED, while another run releases it
    let watched = '';
    let attached!: () => void;
    const first = new Promise<void>((r) => (attached = r));
    const watching = runCli(['-n', 'wan', 'services', 'watch', 'e2e'], {
      stdout: {
        write: (s) => {
          watched += s;
          attached();
        },
      },
      stderr: { write: (s) => void (watched += s) },
      transport: new HttpTransport(b.base),
    });
    await first;
    await ok('-n', 'wan', 'services', 'release', 'e2e');
    expect(await watching).toBe(EXIT.OK);
    const statuses = watched.trim().split('\n').map((l) => /: ([A-Z]+) \(intent/.exec(l)?.[1]);
    expect(statuses[0]).toBe('ACTIVE');
    expect(statuses[statuses.length - 1]).toBe('RELEASED');
    expect(statuses).toContain('RELEASING');

    expect((await dpbJson(b.base, ['-n', 'wan', 'trunks', 'show', '5'])).allocated).toEqual({ upstreamMbps: 0, downstreamMbps: 0 });
    expect(await dpbJson(b.base, ['-n', 'wan', 'services', 'list'])).toEqual([]);
    await ok('-n', 'wan', 'trunks', 'remove', '5');
    await ok('-n', 'paris', 'terminals', 'remove', 'spare');
  });

  test('--json prints what the REST API returns', async () => {
    const nets = await dpbJson(b.base, ['networks', 'list']);
    expect(nets.map((n: { name: string }) => n.name)).toEqual(['amsterdam', 'core', 'frankfurt', 'london', 'paris', 'wan']);
    expect(await dpbJson(b.base, ['networks', 'show', 'wan'])).toMatchObject({ kind: 'aggregator', trunks: 4, terminalNames: ['amsterdam', 'frankfurt', 'london', 'paris'] });
    const model = await dpbJson(b.base, ['-n', 'wan', 'networks', 'model', '--min-mbps', '2000']);
    expect(model.chords.some((c: { from: string; to: string }) => c.from === 'frankfurt' || c.to === 'frankfurt')).toBe(false);
    expect(await dpbJson(b.base, ['-n', 'wan', 'terminals', 'list'])).toContainEqual({ name: 'london', inferior: { network: 'london', terminal: 'vms' } });
    expect((await dpbJson(b.base, ['-n', 'wan', 'trunks', 'list'])).map((t: { id: number }) => t.id)).toEqual([1, 2, 3, 4]);
    expect((await dpbJson(b.base, ['-n', 'london', 'terminals', 'list'])).find((t: { name: string }) => t.name === 'vms')).toMatchObject({ ingressQuotaMbps: 5000 });
  });

  test('tables for people say "unlimited" and give units', async () => {
    const r = await dpb(b.base, ['-n', 'london', 'terminals', 'list']);
    expect(r.stdout).toMatch(/^uplink\s+eth0\s+0-4095\s+unlimited\s+0\s+unlimited\s+0\s+0$/m);
    expect(r.stdout.split('\n')[0]).toContain('(Mbit/s)');
  });

  test('an unknown network: exit 1 and a message naming it', async () => {
    const r = await dpb(b.base, ['-n', 'nowhere', 'services', 'list']);
    expect(r.code).toBe(EXIT.REFUSED);
    expect(r.stderr).toMatch(/NOT_FOUND.*network nowhere/);
    expect(r.stdout).toBe('');
  });

  test('not enough bandwidth (409): exit 1 naming the trunk and direction, and nothing is left behind', async () => {
    const r = await dpb(b.base, ['-n', 'wan', 'services', 'create', '--handle', 'big', 'london:101:2000', 'frankfurt:101:2000']);
    expect(r.code).toBe(EXIT.REFUSED);
    expect(r.stderr).toContain('RESOURCE_EXHAUSTED');
    expect(r.stderr).toContain('trunk 4');
    expect(r.stderr).toMatch(/direction (upstream|downstream)/);
    expect(await dpbJson(b.base, ['-n', 'wan', 'services', 'list'])).toEqual([]);
  });

  test('wrong kind of network: the server\'s refusal names it', async () => {
    const r = await dpb(b.base, ['-n', 'london', 'trunks', 'list']);
    expect(r.code).toBe(EXIT.REFUSED);
    expect(r.stderr).toContain('FAILED_PRECONDITION');
    expect(r.stderr).toContain('networkKind switch');
  });

  test('bad circuit syntax is a usage error (exit 2) without contacting the server', async () => {
    const c = counting(b.base);
    const r = await dpb(b.base, ['-n', 'wan', 'services', 'create', 'london:100:50', 'paris-100'], { transport: c.transport });
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain('paris-100');
    expect(c.count()).toBe(0);
  });

  test('await: exit 5 when the deadline passes first', async () => {
    await dpbJson(b.base, ['-n', 'wan', 'services', 'create', '--handle', 'idle']);
    const r = await dpb(b.base, ['-n', 'wan', 'services', 'await', 'idle', 'ACTIVE', '--timeout', '50ms']);
    expect(r.code).toBe(EXIT.WAIT_TIMEOUT);
    expect(r.stdout).toMatch(/DORMANT/);
  });

  test('fixedConnection refuses --url and sends nothing', async () => {
    const c = counting(b.base);
    const r = await dpb(b.base, ['--url', 'http://elsewhere:4753', 'networks', 'list'], { transport: c.transport, fixedConnection: true });
    expect(r.code).toBe(EXIT.USAGE);
    expect(c.count()).toBe(0);
    expect((await dpb(b.base, ['networks', 'list'], { transport: c.transport, fixedConnection: true })).code).toBe(0);
  });

  test('completion prints a script', async () => {
    const r = await dpb(b.base, ['completion']);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(100);
  });
});
