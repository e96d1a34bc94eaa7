import { EXIT } from '@dpb/cli';
import { createServer } from 'node:net';
import { startBroker, type TestBroker } from '../rest/broker';
import { BINARY_TEST_TIMEOUT_MS, DEMO_YAML, dpbJson, requireBinary, spawnDpb } from './cli-fixtures';

jest.setTimeout(BINARY_TEST_TIMEOUT_MS);

let b: TestBroker;
beforeAll(async () => {
  requireBinary();
  b = await startBroker(DEMO_YAML);
});
afterAll(async () => {
  await b.close();
});

/** A port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('the dpb binary (packages/cli/dist/main.js)', () => {
  test('prints a table and exits 0', async () => {
    const r = await spawnDpb(['networks', 'list'], { DPB_URL: b.base });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.split('\n')[0]).toMatch(/^NAME\s+KIND\s+TERMINALS\s+SERVICES\s+TRUNKS$/);
  });

  test('a refusal is exit 1 with one message on stderr and nothing on stdout', async () => {
    const r = await spawnDpb(['-n', 'nowhere', 'terminals', 'list'], { DPB_URL: b.base });
    expect(r.code).toBe(EXIT.REFUSED);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^dpb: .*NOT_FOUND.*nowhere/);
  });

  test('a usage error is exit 2', async () => {
    const r = await spawnDpb(['-n', 'wan', 'services', 'define', '1', 'london'], { DPB_URL: b.base });
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/^dpb: /);
  });

  test('no server is exit 3', async () => {
    const r = await spawnDpb(['networks', 'list'], { DPB_URL: `http://127.0.0.1:${await deadPort()}` });
    expect(r.code).toBe(EXIT.UNREACHABLE);
    expect(r.stderr).toContain('ECONNREFUSED');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  test('the network and URL can come from a config file', async () => {
    const { mkdtempSync, writeFileSync, mkdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'dpb-cli-'));
    mkdirSync(join(dir, 'dpb'));
    writeFileSync(join(dir, 'dpb', 'cli.yaml'), `url: ${b.base}\nnetwork: wan\n`);
    const r = await spawnDpb(['--json', 'trunks', 'list'], { XDG_CONFIG_HOME: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(4);
    writeFileSync(join(dir, 'bad.yaml'), 'server: x\n');
    expect((await spawnDpb(['--config', join(dir, 'bad.yaml'), 'networks', 'list'], {})).code).toBe(EXIT.USAGE);
  });

  test('Ctrl-C stops a watch with exit code 130', async () => {
    await dpbJson(b.base, ['-n', 'wan', 'services', 'create', '--handle', 'watched']);
    const r = await spawnDpb(['-n', 'wan', 'services', 'watch', 'watched'], { DPB_URL: b.base }, (chunk, kill) => {
      if (chunk.includes('DORMANT')) kill('SIGINT');
    });
    expect(r.code).toBe(EXIT.INTERRUPTED);
    expect(r.stdout).toMatch(/service 1 on wan: DORMANT/);
  });

  test('completion prints a script', async () => {
    const r = await spawnDpb(['completion'], { SHELL: '/bin/bash' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('complete -o bashdefault -o default -F _dpb_yargs_completions dpb');
  });
});
