import { type ChildProcess, execFile, spawn } from 'node:child_process';
import type { LabHost } from './topology';

/**
 * Real packets between lab hosts: ping, continuous probes, iperf3 and
 * tcpdump. Everything runs through `ip netns exec` (hosts) or in the root
 * namespace (captures on bridge ports and trunk veths). Waiting polls a
 * condition with a deadline; nothing sleeps a fixed time.
 */

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exec(cmd: string, args: string[], timeoutMs = 30_000): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function inNetns(h: LabHost, cmd: string[]): [string, string[]] {
  return ['ip', ['netns', 'exec', h.netns, ...cmd]];
}

/** Forgets what a host learnt about its neighbours (a failed ARP entry delays the first echo otherwise). */
export async function flushNeighbours(h: LabHost): Promise<void> {
  await exec(...inNetns(h, ['ip', 'neigh', 'flush', 'dev', 'eth0']));
}

/** Makes `a` and `b` know each other's MAC for good, so probes measure forwarding only, not ARP. */
export async function pinNeighbours(a: LabHost, b: LabHost): Promise<void> {
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    const r = await exec(...inNetns(x, ['ip', 'neigh', 'replace', y.ip, 'lladdr', y.mac, 'nud', 'permanent', 'dev', 'eth0']));
    if (r.code !== 0) throw new Error(`cannot pin ${y.name}'s MAC in ${x.name}: ${r.stderr}`);
  }
}

export interface PingResult {
  sent: number;
  received: number;
}

/** `ping -c count` from a host; never throws for lost packets. */
export async function ping(from: LabHost, to: LabHost | string, options: { count?: number; intervalS?: number; waitS?: number } = {}): Promise<PingResult> {
  const ip = typeof to === 'string' ? to : to.ip;
  const count = options.count ?? 3;
  const args = ['ping', '-n', '-q', '-c', String(count), '-i', String(options.intervalS ?? 0.2), '-W', String(options.waitS ?? 1), ip];
  const r = await exec(...inNetns(from, args), 30_000);
  const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
  if (!m) throw new Error(`ping from ${from.name} to ${ip} gave no statistics (exit ${r.code}): ${r.stderr}${r.stdout}`);
  return { sent: Number(m[1]), received: Number(m[2]) };
}

/** Pings until a reply comes (flushing stale neighbour entries each round); returns the ms it took. Throws after `timeoutMs`. */
export async function waitReachable(from: LabHost, to: LabHost, timeoutMs = 15_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    await flushNeighbours(from);
    const r = await ping(from, to, { count: 1, waitS: 1 });
    if (r.received > 0) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`${from.name} (${from.ip}) did not reach ${to.name} (${to.ip}) within ${timeoutMs} ms`);
    }
  }
}

/** True if not one of `count` echoes from `from` to `to` is answered. */
export async function isolated(from: LabHost, to: LabHost, count = 3): Promise<boolean> {
  const r = await ping(from, to, { count, intervalS: 0.2, waitS: 1 });
  return r.received === 0;
}

/** Runs `fn` over `items` with at most `limit` at a time; results in item order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * A continuous ping (`ping -D -i interval`) from one host to another that
 * records the wall-clock time (ms) of every reply. With pinned neighbours
 * (see {@link pinNeighbours}) the replies show exactly when the data path
 * carries traffic.
 */
export class Probe {
  readonly replies: { seq: number; atMs: number }[] = [];
  private child: ChildProcess | undefined;
  private buffer = '';
  private waiters: (() => void)[] = [];

  private constructor(
    readonly from: LabHost,
    readonly to: LabHost,
  ) {}

  /** Starts the probe; resolves once ping runs (its header is printed). */
  static async start(from: LabHost, to: LabHost, options: { intervalS?: number; count?: number } = {}): Promise<Probe> {
    const p = new Probe(from, to);
    // stdbuf: ping block-buffers a pipe, which would hold back its header and replies.
    const args = ['netns', 'exec', from.netns, 'stdbuf', '-oL', 'ping', '-n', '-D', '-i', String(options.intervalS ?? 0.01), '-W', '1'];
    if (options.count !== undefined) args.push('-c', String(options.count), '-w', '600');
    args.push(to.ip);
    const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    p.child = child;
    await new Promise<void>((resolve, reject) => {
      let started = false;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the probe from ${from.name} to ${to.name} did not start within 10 s`));
      }, 10_000);
      child.stdout!.on('data', (d: Buffer) => {
        p.buffer += d.toString();
        if (!started && p.buffer.includes('PING ')) {
          started = true;
          clearTimeout(timer);
          resolve();
        }
        p.parse();
      });
      child.once('error', reject);
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (!started) reject(new Error(`ping from ${from.name} exited with ${code} before starting`));
        p.notify();
      });
    });
    return p;
  }

  private parse(): void {
    const lines = this.buffer.split('\n');
    this.buffer = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^\[(\d+\.\d+)\] \d+ bytes from [^:]+: icmp_seq=(\d+)/.exec(line);
      if (m) this.replies.push({ atMs: Number(m[1]) * 1000, seq: Number(m[2]) });
    }
    this.notify();
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the time of the first reply received at or after `sinceMs`; rejects after `timeoutMs`. */
  async firstReplyAfter(sinceMs: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = this.replies.find((x) => x.atMs >= sinceMs);
      if (r) return r.atMs;
      if (!this.running) throw new Error(`the probe from ${this.from.name} to ${this.to.name} ended`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply from ${this.to.name} to ${this.from.name}'s probe within ${timeoutMs} ms`);
      await this.changed(left);
    }
  }

  private changed(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** The longest time between two consecutive replies in [fromMs, toMs], in ms (with the window's edges as bounds). */
  longestGap(fromMs: number, toMs: number): { gapMs: number; startMs: number; endMs: number } {
    const times = [fromMs, ...this.replies.map((r) => r.atMs).filter((t) => t > fromMs && t < toMs), toMs];
    let best = { gapMs: 0, startMs: fromMs, endMs: fromMs };
    for (let i = 1; i < times.length; i++) {
      const g = times[i]! - times[i - 1]!;
      if (g > best.gapMs) best = { gapMs: g, startMs: times[i - 1]!, endMs: times[i]! };
    }
    return best;
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || !this.running) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGINT');
      setTimeout(() => c.kill('SIGKILL'), 3000).unref();
    });
  }
}

export interface UdpResult {
  offeredMbps: number;
  sentMbps: number;
  /** What the receiver got, Mbit/s (iperf3's sum_received). */
  receivedMbps: number;
  lostPercent: number;
}

let nextIperfPort = 5301;

/**
 * UDP from one host to another with iperf3 (`-u -b offered`), receiver-side
 * rate from the client's JSON (`end.sum_received`). The server is a one-off
 * (`-s -1`) in the receiver's namespace, killed if still there afterwards.
 */
export async function iperfUdp(from: LabHost, to: LabHost, options: { offeredMbps: number; seconds?: number; lengthBytes?: number }): Promise<UdpResult> {
  const port = nextIperfPort++;
  const server = spawn('ip', ['netns', 'exec', to.netns, 'iperf3', '-s', '-1', '-p', String(port), '--forceflush'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`iperf3 server in ${to.name} did not start: ${out}`)), 10_000);
      server.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Server listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
      server.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`iperf3 server in ${to.name} exited with ${code}: ${out}`));
      });
    });
    const seconds = options.seconds ?? 5;
    const r = await exec(
      ...inNetns(from, ['iperf3', '-c', to.ip, '-p', String(port), '-u', '-b', `${options.offeredMbps}M`, '-t', String(seconds), '-l', String(options.lengthBytes ?? 1400), '-J']),
      (seconds + 20) * 1000,
    );
    let json: { end?: { sum_sent?: { bits_per_second: number }; sum_received?: { bits_per_second: number; lost_percent: number } }; error?: string };
    try {
      json = JSON.parse(r.stdout) as typeof json;
    } catch {
      throw new Error(`iperf3 from ${from.name} to ${to.name} gave no JSON (exit ${r.code}): ${r.stderr}${r.stdout}`);
    }
    if (json.error || !json.end?.sum_received || !json.end.sum_sent) throw new Error(`iperf3 from ${from.name} to ${to.name}: ${json.error ?? r.stdout}`);
    return {
      offeredMbps: options.offeredMbps,
      sentMbps: json.end.sum_sent.bits_per_second / 1e6,
      receivedMbps: json.end.sum_received.bits_per_second / 1e6,
      lostPercent: json.end.sum_received.lost_percent,
    };
  } finally {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  }
}

/** One frame as tcpdump -e -nn prints it. */
export interface CapturedFrame {
  line: string;
  srcMac: string;
  dstMac: string;
  /** VLAN ids, outermost first (empty when untagged). */
  vlans: number[];
}

/**
 * A tcpdump on an interface of the root namespace (a trunk veth, a host's
 * bridge port). `start` resolves once tcpdump listens; `stop` returns the frames.
 */
export class Capture {
  readonly frames: CapturedFrame[] = [];
  private buffer = '';
  private waiters: (() => void)[] = [];

  private constructor(
    readonly iface: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(iface: string, filter: string[] = []): Promise<Capture> {
    const child = spawn('tcpdump', ['-i', iface, '-e', '-nn', '-l', '--immediate-mode', ...filter], { stdio: ['ignore', 'pipe', 'pipe'] });
    const c = new Capture(iface, child);
    child.stdout!.on('data', (d: Buffer) => c.parse(d.toString()));
    await new Promise<void>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`tcpdump on ${iface} did not start: ${err}`)), 10_000);
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`tcpdump on ${iface} exited with ${code}: ${err}`));
      });
    });
    return c;
  }

  private parse(text: string): void {
    this.buffer += text;
    const lines = this.buffer.split('\n');
    this.buffer = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^\S+\s+([0-9a-f:]{17}) > ([0-9a-f:]{17}),/.exec(line);
      if (!m) continue;
      const vlans = [...line.matchAll(/vlan (\d+), p \d+/g)].map((v) => Number(v[1]));
      this.frames.push({ line, srcMac: m[1]!, dstMac: m[2]!, vlans });
    }
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  /** Waits until a captured frame satisfies `test`, for at most `timeoutMs`. */
  async waitFor(test: (f: CapturedFrame) => boolean, timeoutMs: number): Promise<CapturedFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.find(test);
      if (f) return f;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame on ${this.iface} within ${timeoutMs} ms; saw ${this.frames.length}:\n${this.frames.slice(0, 10).map((x) => x.line).join('\n')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<CapturedFrame[]> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      await new Promise<void>((resolve) => {
        this.child.once('exit', () => resolve());
        this.child.kill('SIGINT');
        setTimeout(() => this.child.kill('SIGKILL'), 3000).unref();
      });
    }
    return this.frames;
  }
}
