#!/usr/bin/env node
// npm run bench [-- --scenario NAME] [--runs N]
// Replays the original DPB's experiment (../shared/bench/README.md) through
// the real aggregator and switch code, on memory stores and memory fabrics:
// define and activate each request in order until the first rejection.
// Reports medians of define time and define-until-ACTIVE time, and the
// number admitted. The full harness (plots, SQLite, REST, memory) is future
// work; this is the baseline.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { Aggregator } = require('@dpb/aggregator');
const { MemoryFabric } = require('@dpb/adaptor-memory');
const { LogicalSwitch } = require('@dpb/switch');
const { MemoryStoreProvider } = require('@dpb/store');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const benchDir = path.resolve(__dirname, '../../../shared/bench');
const scenarios = opt('scenario') ? [opt('scenario')] : ['paper-54', 'paper-128', 'algoperf-54', 'algoperf-128'];
const runs = Number(opt('runs', '3'));
const warmups = 1;

function readCsv(file) {
  const [head, ...rows] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i], v])));
}

async function build(topology) {
  const provider = new MemoryStoreProvider();
  const vertices = new Set();
  for (const e of topology) vertices.add(e.u).add(e.v);
  const switches = new Map();
  for (const v of vertices) {
    const sw = await LogicalSwitch.open({ name: `v${v}`, fabric: new MemoryFabric({ name: `v${v}` }), store: provider.switchStore(`v${v}`), repairIntervalMs: 0 });
    await sw.addTerminal('host', 'host/0-65535');
    switches.set(`v${v}`, sw);
  }
  for (const e of topology) {
    await switches.get(`v${e.u}`).addTerminal(`to${e.v}`, `to${e.v}`);
    await switches.get(`v${e.v}`).addTerminal(`to${e.u}`, `to${e.u}`);
  }
  const agg = await Aggregator.open({ name: 'aggr', store: provider.aggregatorStore('aggr'), inferiors: (n) => switches.get(n), modelCacheMs: 3600_000 });
  for (const v of vertices) await agg.addTerminal(`a${v}`, { network: `v${v}`, terminal: 'host' });
  for (const e of topology) {
    const cap = Number(e.capacity_mbps);
    await agg.addTrunk({
      start: { network: `v${e.u}`, terminal: `to${e.v}` },
      end: { network: `v${e.v}`, terminal: `to${e.u}` },
      upstreamMbps: cap,
      downstreamMbps: cap,
      cost: Number(e.delay),
      labels: [{ startBase: 1000, count: 300, endBase: 1000 }],
    });
  }
  return { agg, switches };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

async function replay(name) {
  const topology = readCsv(path.join(benchDir, `${name}.topology.csv`));
  const requests = readCsv(path.join(benchDir, `${name}.requests.csv`));
  const { agg, switches } = await build(topology);
  const define = [];
  const total = [];
  let admitted = 0;
  for (const r of requests) {
    const circuits = r.switches.split(' ').map((v) => ({ terminal: `a${v}`, label: Number(r.label), ingressMbps: 10, egressMbps: 10 }));
    const t0 = performance.now();
    const s = await agg.createService();
    try {
      await s.define({ circuits });
    } catch (e) {
      if (e.code !== 'RESOURCE_EXHAUSTED') throw e;
      break;
    }
    const t1 = performance.now();
    await s.activate();
    const st = await s.awaitStatus(['ACTIVE', 'FAILED'], 10_000);
    const t2 = performance.now();
    if (st !== 'ACTIVE') throw new Error(`request ${r.index} ended ${st}`);
    define.push(t1 - t0);
    total.push(t2 - t0);
    admitted++;
  }
  await agg.close();
  for (const sw of switches.values()) await sw.close();
  return { define, total, admitted };
}

(async () => {
  const rows = [];
  for (const name of scenarios) {
    const results = [];
    for (let i = 0; i < warmups + runs; i++) {
      const r = await replay(name);
      if (i >= warmups) results.push(r);
    }
    const define = results.flatMap((r) => r.define);
    const total = results.flatMap((r) => r.total);
    rows.push({
      scenario: name,
      'define p50 ms': median(define).toFixed(3),
      'define p99 ms': pct(define, 99).toFixed(3),
      'until ACTIVE p50 ms': median(total).toFixed(3),
      admitted: [...new Set(results.map((r) => r.admitted))].join('/'),
      samples: define.length,
    });
  }
  console.log(`machine: ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, node ${process.version}, ${runs} runs after ${warmups} warm-up`);
  console.table(rows);
  const outDir = path.resolve(__dirname, '../../bench-results');
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `replay-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify({ node: process.version, cpus: os.cpus().length, rows }, null, 2));
  console.log(`results: ${path.relative(process.cwd(), file)}`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
