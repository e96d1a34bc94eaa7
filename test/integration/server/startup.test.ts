import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const MAIN = path.resolve(__dirname, '../../../packages/server/dist/main.js');

function run(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [MAIN, ...args], { timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin);
  });
}

let dir: string;
beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (npm test runs tsc -b)`);
  dir = mkdtempSync(path.join(tmpdir(), 'dpb-startup-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// each test starts the dpb-server binary (a cold Node start is 1-2 s on a loaded 2-core machine, 5 s or more under
// heavy load; the second test starts it three times)
const BINARY_TEST_MS = 30_000;

describe('dpb-server start-up', () => {
  it('refuses to listen beyond loopback without auth, and says why', async () => {
    const file = path.join(dir, 'open.yaml');
    writeFileSync(file, 'server:\n  rest: { host: 0.0.0.0, port: 0, auth: none }\nstore: { memory: {} }\nnetworks:\n  - { name: a, kind: switch, fabric: { memory: {} }, terminals: { x: eth1 } }\n');
    const r = await run(['--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/CONFIG_INVALID at server\.rest\.auth/);
    expect(r.stderr).toMatch(/only on a loopback address/);
  }, BINARY_TEST_MS);

  it('hash-password prints a hash that the config accepts as a passwordHash', async () => {
    const r = await run(['hash-password'], 'correct horse\n');
    expect(r.code).toBe(0);
    const hash = r.stdout.trim();
    expect(hash).toMatch(/^scrypt:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    const file = path.join(dir, 'users.yaml');
    writeFileSync(
      file,
      `users: [{ name: u, rights: { a: [control] }, passwordHash: '${hash}' }]\nstore: { memory: {} }\nnetworks:\n  - { name: a, kind: switch, fabric: { memory: {} }, terminals: { x: eth1 } }\n`,
    );
    expect((await run(['--config', file, '--check-config'])).code).toBe(0);
    expect((await run(['hash-password'], '\n')).code).toBe(1);
  }, BINARY_TEST_MS);
});
