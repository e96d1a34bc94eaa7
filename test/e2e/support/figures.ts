import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './lab';

/** Summary of a sample of durations (ms). */
export interface Stats {
  n: number;
  minMs: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  meanMs: number;
}

/** Nearest-rank percentile of a sorted array. */
function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function stats(samples: number[]): Stats {
  if (samples.length === 0) throw new Error('no samples');
  const s = [...samples].sort((a, b) => a - b);
  const r = (x: number): number => Math.round(x * 10) / 10;
  return {
    n: s.length,
    minMs: r(s[0]!),
    medianMs: r(s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2),
    p95Ms: r(percentile(s, 95)),
    maxMs: r(s[s.length - 1]!),
    meanMs: r(s.reduce((a, b) => a + b, 0) / s.length),
  };
}

function tryRun(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n')[0] ?? null;
  } catch {
    return null;
  }
}

/** What the figures were measured on. */
export function machine(): Record<string, unknown> {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
    kernel: os.release(),
    node: process.version,
    openvswitch: tryRun('ovs-vswitchd', ['--version'])?.replace(/^.*\) /, '') ?? null,
    osKen: tryRun('dpkg-query', ['-W', '-f', '${Version}', 'python3-os-ken']),
    commit: tryRun('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD']),
  };
}

/**
 * Writes `bench-results/e2e-<name>-<time>.json` (figures plus the machine)
 * and prints the figures, so a run's numbers can go into docs/benchmarks.md.
 */
export function recordFigures(name: string, figures: Record<string, unknown>): string {
  const dir = path.join(REPO, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const at = new Date().toISOString();
  const file = path.join(dir, `e2e-${name}-${at.replace(/[:.]/g, '-')}.json`);
  const doc = { name: `e2e-${name}`, at, machine: machine(), figures };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  // eslint-disable-next-line no-console
  console.log(`e2e figures (${name}), written to ${path.relative(REPO, file)}:\n${JSON.stringify(figures, null, 2)}`);
  return file;
}
