import { type CliIo, HttpTransport, runCli } from '@dpb/cli';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, stringify } from 'yaml';

/** The `npm start` demo: config/default.yaml itself, without its server and store sections. */
export const DEMO_YAML = (() => {
  const demo = parse(readFileSync(resolve(__dirname, '../../../config/default.yaml'), 'utf8')) as Record<string, unknown>;
  return stringify({ networks: demo.networks });
})();

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `dpb` in-process against `base` over real HTTP. */
export async function dpb(base: string, argv: string[], io: Partial<CliIo> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (s) => void (stdout += s) },
    stderr: { write: (s) => void (stderr += s) },
    env: {},
    transport: new HttpTransport(base),
    ...io,
  });
  return { code, stdout, stderr };
}

/** `dpb --json …`, parsed; fails the test unless it exits 0. */
export async function dpbJson<T = any>(base: string, argv: string[]): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await dpb(base, ['--json', ...argv]);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(r.stdout) as T;
}

/** The compiled binary (npm test builds it with tsc -b before jest runs). */
export const BIN = resolve(__dirname, '../../../packages/cli/dist/main.js');

export function requireBinary(): void {
  if (!existsSync(BIN)) {
    throw new Error(`${BIN} is missing: build it first with "npx tsc -b packages/cli" (npm test runs tsc -b before jest)`);
  }
}

/** Spawns `node packages/cli/dist/main.js …` (asynchronously, so an in-process server keeps serving). */
export function spawnDpb(argv: string[], env: Record<string, string>, onStdout?: (chunk: string, kill: (signal: NodeJS.Signals) => void) => void): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = execFile(process.execPath, [BIN, ...argv], { env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number | undefined) ?? (child.exitCode ?? -1) : 0;
      resolvePromise({ code: typeof code === 'number' ? code : -1, stdout: String(stdout), stderr: String(stderr) });
    });
    if (onStdout) child.stdout?.on('data', (d: Buffer) => onStdout(d.toString(), (s) => child.kill(s)));
  });
}

/**
 * Jest timeout for a test that starts the dpb binary: each start is a cold
 * Node process (1-2 s on a loaded 2-core machine), so the 5 s default is too
 * tight for a test that starts it twice while other suites run.
 */
export const BINARY_TEST_TIMEOUT_MS = 30_000;
