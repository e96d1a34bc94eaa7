// Planner timing smoke test (not part of `npm test`).
//   npx tsc -b packages/planner && node test/bench/planner-smoke.js [scenario] [bigSwitches]
// 1. On /work/shared/bench/<scenario> (default paper-128): every vertex is a
//    switch `s<u>` with a terminal `host`; trunk u-v joins `s<u>:to<v>` and
//    `s<v>:to<u>`; each switch has full-mesh chords (cost 0.001, unlimited).
//    Replays the request stream (10/10 Mbit/s per circuit), taking each plan's
//    trunk demand off the trunks, until the first rejection; reports the plan
//    time of plan(input) (graph built per call) and of a cached PlanningGraph.
// 2. A Barabási–Albert graph (default 5000 switches, m = 4, ~20000 trunks),
//    same construction, random 2-4 host requests on a cached graph, p50/p99.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { plan, PlanningGraph } = require('../../packages/planner/dist');

const scenario = process.argv[2] ?? 'paper-128';
const bigSwitches = Number(process.argv[3] ?? 5000);
const dir = process.env.DPB_BENCH_DIR ?? '/work/shared/bench';

function topology(edges) {
  const terminals = new Map();
  const note = (s, t) => {
    if (!terminals.has(s)) terminals.set(s, new Set(['host']));
    terminals.get(s).add(t);
  };
  const trunks = edges.map(([u, v, capacityMbps, cost], id) => {
    note(u, `to${v}`);
    note(v, `to${u}`);
    return {
      id,
      start: { network: `s${u}`, terminal: `to${v}` },
      end: { network: `s${v}`, terminal: `to${u}` },
      cost,
      upstreamMbps: capacityMbps,
      downstreamMbps: capacityMbps,
    };
  });
  const chords = [];
  for (const [s, set] of terminals) {
    const list = [...set].sort();
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++)
        chords.push({ network: `s${s}`, from: list[i], to: list[j], cost: 0.001, upstreamMbps: Infinity, downstreamMbps: Infinity });
  }
  return { trunks, chords };
}

function stats(times) {
  const s = [...times].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `p50 ${q(0.5).toFixed(3)} ms, p99 ${q(0.99).toFixed(3)} ms, n=${s.length}`;
}

function now() {
  return Number(process.hrtime.bigint()) / 1e6;
}

// 1. Replay.
const edges = fs
  .readFileSync(path.join(dir, `${scenario}.topology.csv`), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(',').map(Number));
const requests = fs
  .readFileSync(path.join(dir, `${scenario}.requests.csv`), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(',')[2].trim().split(/\s+/).map(Number));
const { trunks, chords } = topology(edges);
console.log(`${scenario}: ${trunks.length} trunks, ${chords.length} chords`);
const endpointsOf = (switches) =>
  switches.map((u) => ({ network: `s${u}`, terminal: 'host', ingressMbps: 10, egressMbps: 10 }));

for (let round = 0; round < 2; round++) {
  const remaining = trunks.map((t) => ({ ...t }));
  const graph = new PlanningGraph({ trunks: remaining, chords });
  const cachedTimes = [];
  const perCallTimes = [];
  let admitted = 0;
  for (const switches of requests) {
    const endpoints = endpointsOf(switches);
    let t0 = now();
    const result = graph.plan(endpoints);
    cachedTimes.push(now() - t0);
    if (admitted % 10 === 0) {
      t0 = now();
      plan({ endpoints, trunks: remaining, chords });
      perCallTimes.push(now() - t0);
    }
    if (!result.ok) break;
    admitted++;
    for (const pt of result.plan.trunks) {
      const t = remaining[pt.id];
      t.upstreamMbps -= pt.upstreamMbps;
      t.downstreamMbps -= pt.downstreamMbps;
      graph.setTrunkCapacity(pt.id, t.upstreamMbps, t.downstreamMbps);
    }
  }
  if (round === 1) {
    console.log(`  admitted ${admitted} before the first rejection`);
    console.log(`  cached PlanningGraph.plan: ${stats(cachedTimes)}`);
    console.log(`  plan(input) incl. graph build: ${stats(perCallTimes)}`);
  }
}

// 2. Large BA graph.
function barabasiAlbert(n, m, seed) {
  let x = seed >>> 0;
  const rand = () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
  const out = [];
  const targets = [];
  for (let v = 1; v <= m; v++) {
    out.push([0, v]);
    targets.push(0, v);
  }
  for (let v = m + 1; v < n; v++) {
    const chosen = new Set();
    while (chosen.size < m) chosen.add(targets[Math.floor(rand() * targets.length)]);
    for (const u of chosen) {
      out.push([u, v]);
      targets.push(u, v);
    }
  }
  return out.map(([u, v]) => [u, v, 10000, 1 + rand() * 10]);
}
if (bigSwitches > 0) {
  const big = topology(barabasiAlbert(bigSwitches, 4, 42));
  let t0 = now();
  const graph = new PlanningGraph(big);
  console.log(
    `BA-${bigSwitches}: ${big.trunks.length} trunks, ${big.chords.length} chords; graph built in ${(now() - t0).toFixed(1)} ms`,
  );
  let x = 7;
  const rand = () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
  const times = [];
  for (let i = 0; i < 300; i++) {
    const k = 2 + Math.floor(rand() * 3);
    const set = new Set();
    while (set.size < k) set.add(Math.floor(rand() * bigSwitches));
    t0 = now();
    const r = graph.plan(endpointsOf([...set]));
    if (i >= 20) times.push(now() - t0);
    if (!r.ok) console.log('  unexpected failure', JSON.stringify(r.failure).slice(0, 200));
  }
  console.log(`  cached PlanningGraph.plan: ${stats(times)}`);
}
