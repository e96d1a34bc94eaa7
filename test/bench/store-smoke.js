// Store throughput smoke test (not part of `npm test`).
//   npx tsc -b packages/store && node test/bench/store-smoke.js [count]
// Measures acknowledged puts per second through the SQLite store on a temp
// file: switch service puts, and aggregator service puts with 2 sub-services
// and 2 tunnels each, issued concurrently (as a busy broker does) and one at a
// time (each awaited before the next).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { openSqliteStore } = require('../../packages/store/dist');

const N = Number(process.argv[2] ?? 5000);
const request = {
  circuits: [
    { terminal: 'a', label: 10, ingressMbps: 10, egressMbps: 10 },
    { terminal: 'b', label: 20, ingressMbps: 10, egressMbps: 10 },
  ],
};

function switchService(id) {
  return { id, handle: `h-${id}`, intent: 'ACTIVE', request, errors: [], createdAt: Date.now() };
}

function aggregatorService(id) {
  return {
    ...switchService(id),
    generation: 1,
    subservices: [
      { network: 's1', handle: `agg/${id}/1`, id: id, request },
      { network: 's2', handle: `agg/${id}/2`, id: null, request },
    ],
    tunnels: [
      { trunkId: 1, startLabel: id, endLabel: id, upstreamMbps: 10, downstreamMbps: 10 },
      { trunkId: 2, startLabel: id, endLabel: id, upstreamMbps: 10, downstreamMbps: 10 },
    ],
  };
}

async function measure(label, n, fn) {
  const t0 = process.hrtime.bigint();
  await fn(n);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${label.padEnd(44)} ${String(Math.round(n / s)).padStart(8)} puts/s  (${n} in ${s.toFixed(2)} s)`);
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpb-store-bench-'));
  const provider = await openSqliteStore({ path: path.join(dir, 'bench.sqlite') });
  const sw = provider.switchStore('sw');
  const agg = provider.aggregatorStore('agg');
  for (const id of [1, 2]) {
    await agg.putTrunk({
      id, start: { network: 's1', terminal: 't' }, end: { network: 's2', terminal: 't' },
      upstreamMbps: 1000, downstreamMbps: 1000, cost: 1, commissioned: true,
      labelRanges: [{ startBase: 0, count: 1_000_000, endBase: 0 }],
    });
  }
  let next = 1;
  await measure('switch putService, concurrent', N, (n) =>
    Promise.all(Array.from({ length: n }, () => sw.putService(switchService(next++)))));
  await measure('switch putService, sequential', Math.min(N, 2000), async (n) => {
    for (let i = 0; i < n; i++) await sw.putService(switchService(next++));
  });
  await measure('aggregator putService, concurrent', N, (n) =>
    Promise.all(Array.from({ length: n }, () => agg.putService(aggregatorService(next++)))));
  await measure('aggregator putService, sequential', Math.min(N, 2000), async (n) => {
    for (let i = 0; i < n; i++) await agg.putService(aggregatorService(next++));
  });
  await provider.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
