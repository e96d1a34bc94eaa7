import { type CliIo, HttpTransport, runCli } from '@dpb/cli';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The `npm start` demo (config/default.yaml) without its server and store sections. */
export const DEMO_YAML = `
networks:
  - name: core
    kind: switch
    fabric: { memory: {} }
    terminals: { london: eth1, paris: eth2, amsterdam: eth3, frankfurt: eth4 }
  - name: london
    kind: switch
    fabric: { memory: {} }
    terminals: { vms: eth1, uplink: eth0 }
    quotas: { vms: { ingressMbps: 5000, egressMbps: 5000 } }
  - name: paris
    kind: switch
    fabric: { memory: {} }
    terminals: { vms: eth1, uplink: eth0 }
  - name: amsterdam
    kind: switch
    fabric: { memory: {} }
    terminals: { vms: eth1, uplink: eth0 }
  - name: frankfurt
    kind: switch
    fabric: { memory: {} }
    terminals: { vms: eth1, uplink: eth0 }
  - name: wan
    kind: aggregator
    inferiors: [core, london, paris, amsterdam, frankfurt]
    terminals: { london: "london:vms", paris: "paris:vms", amsterdam: "amsterdam:vms", frankfurt: "frankfurt:vms" }
    trunks:
      - { ends: ["london:uplink", "core:london"], capacityMbps: 10000, labels: "100-999", cost: 1 }
      - { ends: ["paris:uplink", "core:paris"], capacityMbps: 10000, labels: "100-999", cost: 1 }
      - { ends: ["amsterdam:uplink", "core:amsterdam"], capacityMbps: 10000, labels: "100-999", cost: 2 }
      - { ends: ["frankfurt:uplink", "core:frankfurt"], capacityMbps: { upstream: 1000, downstream: 1000 }, labels: "100-999:1100", cost: 3 }
`;

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
