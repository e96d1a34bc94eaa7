import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { HOST_LABELS } from './broker';
import { type BenchContext, REPO, runsOf } from './context';
import { CpuWatch, processCpuSeconds } from './machine';
import { countFigure, type Figure, type ScenarioResult, timeFigure } from './result';
import { sharedFiles } from './replay-scenario';
import { seededRandom } from './stats';
import { randomSwitches, readTopology, type Topology } from './topology';

/**
 * The REST API of a running dpb-server (a separate process, as deployed:
 * SQLite store, the memory fabric), on the paper-54 topology. Each client
 * loops over service cycles:
 *
 *   POST   /api/v1/networks/aggr/services {circuits, activate: true}   (create + define + activate)
 *   GET    /api/v1/networks/aggr/services/{id}?wait=ACTIVE,FAILED     (until ACTIVE)
 *   DELETE /api/v1/networks/aggr/services/{id}                        (release)
 *   GET    /api/v1/networks/aggr/services/{id}?wait=RELEASED          (until RELEASED)
 *
 * with 1 and 16 clients at once, over keep-alive connections (node:http with
 * a keep-alive agent: the client shares the machine's cores with the server,
 * and fetch costs it 2-3 times as much CPU per request).
 */

/** dpb-server's YAML config for the original experiment's broker on `topology`. */
export function serverConfig(topology: Topology, sqliteFile: string): string {
  const terminals = new Map<number, Record<string, string>>(topology.vertices.map((v) => [v, { host: `host/${HOST_LABELS.min}-${HOST_LABELS.max}` }]));
  for (const e of topology.edges) {
    terminals.get(e.u)![`to${e.v}`] = `to${e.v}`;
    terminals.get(e.v)![`to${e.u}`] = `to${e.u}`;
  }
  const config = {
    server: { rest: { host: '127.0.0.1', port: 0 }, ssh: { enabled: false }, log: { level: 'warn' } },
    store: { sqlite: sqliteFile },
    networks: [
      ...topology.vertices.map((v) => ({ name: `v${v}`, kind: 'switch', fabric: { memory: {} }, terminals: terminals.get(v) })),
      {
        name: 'aggr',
        kind: 'aggregator',
        inferiors: topology.vertices.map((v) => `v${v}`),
        terminals: Object.fromEntries(topology.vertices.map((v) => [`a${v}`, `v${v}:host`])),
        trunks: topology.edges.map((e) => ({
          ends: [`v${e.u}:to${e.v}`, `v${e.v}:to${e.u}`],
          capacityMbps: e.capacityMbps,
          labels: '1000-1299',
          cost: e.cost,
        })),
      },
    ],
  };
  return stringify(config);
}

/** Starts dpb-server on a config; resolves with its REST base URL once it listens. */
export async function startServer(configFile: string): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  // DPB_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server.
  const nodeArgs = (process.env.DPB_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, path.join(REPO, 'packages/server/dist/main.js'), '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dpb-server did not start in 60 s: ${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /REST API on (http:\/\/[^\s/]+)\/api\/v1/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dpb-server exited (${code}) before listening: ${err}`));
    });
  });
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

interface RestRun {
  cycles: number;
  requests: number;
  seconds: number;
  cycleMs: number[];
  requestMs: number[];
  errors: number;
}

/** One keep-alive connection per client at most (16 clients, 16 connections). */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

interface CallInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

function request(url: string, init: CallInit): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

async function call(url: string, init: CallInit, samples: number[] | undefined): Promise<{ status: number; body: { id?: number; status?: string } }> {
  const t0 = performance.now();
  const { status, text } = await request(url, init);
  samples?.push(performance.now() - t0);
  return { status, body: text ? (JSON.parse(text) as { id?: number; status?: string }) : {} };
}

async function restRun(base: string, topology: Topology, clients: number, durationS: number, warmupS: number, seed: number, firstLabel: number): Promise<RestRun> {
  const rand = seededRandom(seed);
  const services = `${base}/api/v1/networks/aggr/services`;
  let label = firstLabel;
  let measuring = false;
  let stop = false;
  const run: RestRun = { cycles: 0, requests: 0, seconds: 0, cycleMs: [], requestMs: [], errors: 0 };
  const json = { 'content-type': 'application/json' };
  const loop = async (): Promise<void> => {
    while (!stop) {
      const picks = randomSwitches(topology.vertices, rand);
      const l = label++;
      const circuits = picks.map((v) => ({ terminal: `a${v}`, label: l, ingressMbps: 10, egressMbps: 10 }));
      const samples = measuring ? ([] as number[]) : undefined;
      const t0 = performance.now();
      const created = await call(services, { method: 'POST', headers: json, body: JSON.stringify({ circuits, activate: true }) }, samples);
      if (created.status !== 201 || typeof created.body.id !== 'number') {
        run.errors++;
        continue;
      }
      const one = `${services}/${created.body.id}`;
      const active = await call(`${one}?wait=ACTIVE,FAILED&timeoutMs=10000`, {}, samples);
      const released = await call(one, { method: 'DELETE' }, samples);
      const gone = await call(`${one}?wait=RELEASED&timeoutMs=10000`, {}, samples);
      if (active.body.status !== 'ACTIVE' || released.status !== 202 || gone.body.status !== 'RELEASED') run.errors++;
      if (samples && measuring && !stop) {
        run.cycleMs.push(performance.now() - t0);
        run.requestMs.push(...samples);
        run.cycles++;
        run.requests += samples.length;
      }
    }
  };
  const running = Array.from({ length: clients }, () => loop());
  await new Promise((r) => setTimeout(r, warmupS * 1000));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, durationS * 1000));
  run.seconds = (performance.now() - t0) / 1000;
  stop = true;
  await Promise.all(running);
  return run;
}

export async function restScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const watch = new CpuWatch();
  const topology = readTopology(sharedFiles('paper-54').topology);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpb-bench-rest-'));
  const configFile = path.join(dir, 'dpb.yaml');
  fs.writeFileSync(configFile, serverConfig(topology, path.join(dir, 'dpb.sqlite')));
  const server = await startServer(configFile);
  const { runs } = runsOf(ctx, 3, 1);
  const durationS = ctx.quick ? 2 : 8;
  const figures: Figure[] = [];
  const raw: unknown[] = [];
  let label = 1;
  try {
    for (const clients of [1, 16]) {
      const results: RestRun[] = [];
      for (let i = 0; i < runs; i++) {
        const r = await restRun(server.url, topology, clients, durationS, ctx.quick ? 0.5 : 2, 200 + i, label);
        label += 1_000_000;
        ctx.log(`rest: ${clients} client(s), run ${i + 1}: ${(r.cycles / r.seconds).toFixed(0)} cycles/s, ${(r.requests / r.seconds).toFixed(0)} requests/s, ${r.errors} errors`);
        results.push(r);
        raw.push({ clients, cycles: r.cycles, requests: r.requests, seconds: Math.round(r.seconds * 100) / 100, errors: r.errors });
      }
      const cps = results.map((r) => r.cycles / r.seconds);
      const rps = results.map((r) => r.requests / r.seconds);
      const requestMs = results.flatMap((r) => r.requestMs);
      const s = clients > 1;
      figures.push(
        countFigure(`cycles/s, ${clients} client${s ? 's' : ''}`, '/s', cps, clients === 16 ? { target: { text: '>= 300/s', met: Math.min(...cps) >= 300 } } : {}),
        countFigure(`requests/s, ${clients} client${s ? 's' : ''}`, '/s', rps),
        timeFigure(`request latency, ${clients} client${s ? 's' : ''}`, requestMs, clients === 16 ? { target: { text: 'p99 < 50 ms', met: percentile99(requestMs) < 50 } } : {}),
        timeFigure(`cycle latency, ${clients} client${s ? 's' : ''}`, results.flatMap((r) => r.cycleMs)),
        countFigure(`errors, ${clients} client${s ? 's' : ''}`, 'requests', results.map((r) => r.errors), { target: { text: '0', met: results.every((r) => r.errors === 0) } }),
      );
    }
  } finally {
    agent.destroy();
    watch.addOwnSeconds(processCpuSeconds(server.child.pid!));
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const { otherCores, wallS } = watch.stop();
  return {
    name: 'rest',
    title: 'REST API of a running dpb-server (SQLite store): service cycles with 1 and 16 concurrent clients',
    params: { topology: 'paper-54', store: 'sqlite', durationS, runs, cycle: 'POST services {circuits, activate}; GET ?wait=ACTIVE; DELETE; GET ?wait=RELEASED' },
    figures,
    runs: raw,
    otherCores,
    wallS,
  };
}

function percentile99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.99 * s.length) - 1)] ?? NaN;
}
