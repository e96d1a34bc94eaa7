import { EXIT, runCli } from '@dpb/cli';
import { Authenticator, createApp } from '@dpb/server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startBroker, type TestBroker } from '../rest/broker';
import { BIN, BINARY_TEST_TIMEOUT_MS, type CliResult, DEMO_YAML, requireBinary, spawnDpb } from './cli-fixtures';

let b: TestBroker;
let server: Server;
let url: string;

beforeAll(async () => {
  requireBinary();
  b = await startBroker(DEMO_YAML);
  const authenticator = new Authenticator([
    { name: 'admin', rights: { '*': ['control', 'manage'] }, token: 'admin-token', sshKeys: [] },
    { name: 'user', rights: { wan: ['control'] }, token: 'user-token', sshKeys: [] },
  ]);
  const app = createApp({ networks: b.wired.networks, auth: 'required', authenticator });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await b.close();
});

/** Runs in-process with the connection from the environment only (no transport given). */
async function withEnv(env: Record<string, string>, argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: { write: (s) => void (stdout += s) }, stderr: { write: (s) => void (stderr += s) }, env });
  return { code, stdout, stderr };
}

describe('dpb against a server that requires credentials', () => {
  test('no token: exit 4 with the server\'s UNAUTHENTICATED and a hint', async () => {
    const r = await withEnv({ DPB_URL: url }, ['networks', 'list']);
    expect(r.code).toBe(EXIT.AUTH);
    expect(r.stderr).toContain('UNAUTHENTICATED');
    expect(r.stderr).toMatch(/^hint: .*DPB_TOKEN/m);
  });

  test('a wrong token is refused the same way', async () => {
    expect((await withEnv({ DPB_URL: url, DPB_TOKEN: 'guess' }, ['networks', 'list'])).code).toBe(EXIT.AUTH);
  });

  test('a token from DPB_TOKEN works, and --token works', async () => {
    const r = await withEnv({ DPB_URL: url, DPB_TOKEN: 'admin-token' }, ['--json', 'networks', 'list']);
    expect(r.code).toBe(EXIT.OK);
    expect(JSON.parse(r.stdout)).toHaveLength(6);
    expect((await withEnv({}, ['--url', url, '--token', 'admin-token', 'networks', 'show', 'wan'])).code).toBe(EXIT.OK);
  });

  test('a right the token lacks: exit 4 with PERMISSION_DENIED naming the right', async () => {
    const env = { DPB_URL: url, DPB_TOKEN: 'user-token' };
    expect((await withEnv(env, ['-n', 'wan', 'services', 'list'])).code).toBe(EXIT.OK);
    const r = await withEnv(env, ['-n', 'wan', 'trunks', 'provide', '4', '10']);
    expect(r.code).toBe(EXIT.AUTH);
    expect(r.stderr).toContain('PERMISSION_DENIED');
    expect(r.stderr).toContain('manage');
  });

  test('the binary: exit 4 without a token, 0 with DPB_TOKEN', async () => {
    const denied = await spawnDpb(['networks', 'list'], { DPB_URL: url });
    expect(denied.code).toBe(EXIT.AUTH);
    expect(denied.stderr).toContain('UNAUTHENTICATED');
    expect(denied.stderr).not.toMatch(/^\s+at /m);
    const ok = await spawnDpb(['networks', 'list'], { DPB_URL: url, DPB_TOKEN: 'admin-token' });
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(ok.stdout).toMatch(/^wan\s+aggregator/m);
    expect(BIN).toMatch(/main\.js$/);
  }, BINARY_TEST_TIMEOUT_MS);
});
