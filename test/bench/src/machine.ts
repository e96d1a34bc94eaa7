import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';

/** Where and on what a benchmark ran. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  os: string;
  node: string;
  v8: string;
  commit: string;
  /** True when the work tree had uncommitted changes. */
  dirty: boolean;
  /** 1-minute load average when the run started and ended (others' work competing for the cores shows here). */
  loadAverageStart: number;
  loadAverageEnd?: number;
  startedAt: string;
  finishedAt?: string;
}

function git(args: string[], cwd: string): string | undefined {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

export function machineInfo(repo: string): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    commit: git(['rev-parse', 'HEAD'], repo) ?? 'unknown',
    dirty: (git(['status', '--porcelain', '--untracked-files=no'], repo) ?? '') !== '',
    loadAverageStart: Math.round(os.loadavg()[0]! * 100) / 100,
    startedAt: new Date().toISOString(),
  };
}

export function finish(info: MachineInfo): void {
  info.loadAverageEnd = Math.round(os.loadavg()[0]! * 100) / 100;
  info.finishedAt = new Date().toISOString();
}

/** One line for the top of a report. */
export function describeMachine(m: MachineInfo): string {
  const load = m.loadAverageEnd === undefined ? `${m.loadAverageStart}` : `${m.loadAverageStart} → ${m.loadAverageEnd}`;
  return `${m.cpuModel}, ${m.cores} cores, ${m.ramGiB} GiB; node ${m.node}; commit ${m.commit.slice(0, 10)}${m.dirty ? '+dirty' : ''}; load ${load}`;
}

/** Busy and total CPU time of the whole machine so far, seconds (Linux /proc/stat; undefined elsewhere). */
function machineCpu(): { busyS: number; totalS: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = f[3]! + (f[4] ?? 0);
    return { busyS: (total - idle) / 100, totalS: total / 100 };
  } catch {
    return undefined;
  }
}

/** CPU time of a process by pid, seconds (Linux only). */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * Measures how much CPU other processes used while a scenario ran: the
 * machine's busy time minus this process's (and any `ownSeconds` added, for
 * child processes the bench started). `otherCores` is the average number of
 * cores busy with others' work; above about 0.1 the figures were measured
 * under contention and need a quiet re-run.
 */
export class CpuWatch {
  private readonly machine = machineCpu();
  private readonly self = process.cpuUsage();
  private readonly wall = performance.now();
  private own = 0;

  addOwnSeconds(s: number): void {
    this.own += s;
  }

  stop(): { otherCores: number; wallS: number } {
    const wallS = (performance.now() - this.wall) / 1000;
    const now = machineCpu();
    if (!now || !this.machine || wallS <= 0) return { otherCores: NaN, wallS };
    const u = process.cpuUsage(this.self);
    const selfS = (u.user + u.system) / 1e6 + this.own;
    const busy = now.busyS - this.machine.busyS;
    return { otherCores: Math.max(0, Math.round(((busy - selfS) / wallS) * 100) / 100), wallS };
  }
}

/** Other processes' average core use above which a scenario's figures count as measured under contention. */
export const contendedCores = 0.1;
