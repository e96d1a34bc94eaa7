// Child process of crash.test.ts: opens the SQLite store on argv[2] and writes
// a stream of puts (new services, replacements, deletes) in concurrent waves,
// printing one line per acknowledged write AFTER its promise resolved:
//   agg <id> <generation> | sw <id> | del-start <id> | del <id>
// The test SIGKILLs it at a random point and checks what survived.
// Plain JS on the compiled store (packages/store/dist): no ts-node here.
'use strict';
const path = require('node:path');

const request = (id) => ({
  circuits: [
    { terminal: 'a', label: id % 4096, ingressMbps: 10, egressMbps: 2.5 },
    { terminal: 'b', label: (id * 7) % 4096, ingressMbps: 2.5, egressMbps: 10 },
  ],
});

/** The aggregator service record with this id and generation: the test knows it too. */
function aggRecord(id, generation) {
  const n = id + generation;
  return {
    id,
    handle: `svc-${id}`,
    intent: generation % 2 === 1 ? 'INACTIVE' : 'ACTIVE',
    request: request(id),
    errors: generation > 1 ? [{ code: 'UNAVAILABLE', message: `gen ${generation}`, details: { service: id }, at: generation }] : [],
    createdAt: 1_700_000_000_000 + id,
    generation,
    subservices: Array.from({ length: 1 + (n % 3) }, (_, j) => ({
      network: `inf${j}`,
      handle: `agg/${id}/${generation}/${j}`,
      id: j % 2 === 0 ? null : id * 100 + j,
      request: request(id + j),
    })),
    // labels id*10+k on trunk 1 + k%2: never shared between services
    tunnels: Array.from({ length: 1 + (n % 4) }, (_, k) => ({
      trunkId: 1 + (k % 2),
      startLabel: id * 10 + k,
      endLabel: id * 10 + k + 5,
      upstreamMbps: id + k / 4,
      downstreamMbps: generation + 0.5,
    })),
  };
}

function switchRecord(id) {
  return { id, handle: `sw-${id}`, intent: 'ACTIVE', request: request(id), errors: [], createdAt: 1_700_000_000_000 + id };
}

function trunkRecord(id) {
  return {
    id,
    start: { network: 'inf0', terminal: `t${id}` },
    end: { network: 'inf1', terminal: `t${id}` },
    upstreamMbps: 1e6,
    downstreamMbps: 1e6,
    cost: 1,
    commissioned: true,
    labelRanges: [{ startBase: 0, count: 1_000_000_000, endBase: 0 }],
  };
}

async function main() {
  const { openSqliteStore } = require(path.join(__dirname, '../../../packages/store/dist'));
  const provider = await openSqliteStore({ path: process.argv[2] });
  const agg = provider.aggregatorStore('agg');
  const sw = provider.switchStore('sw');
  const snap = await agg.load();
  const swSnap = await sw.load();
  for (const id of [1, 2]) if (!snap.trunks.some((t) => t.id === id)) await agg.putTrunk(trunkRecord(id));
  const live = new Map(snap.services.map((s) => [s.id, s.generation]));
  let nextId = Math.max(snap.nextServiceId, swSnap.nextServiceId);
  const say = (line) => process.stdout.write(`${line}\n`);
  say('ready');
  for (;;) {
    const ops = [];
    const touched = new Set();
    for (let i = 0; i < 6; i++) {
      const id = nextId++;
      touched.add(id);
      live.set(id, 1);
      ops.push(agg.putService(aggRecord(id, 1)).then(() => say(`agg ${id} 1`)));
      ops.push(sw.putService(switchRecord(id)).then(() => say(`sw ${id}`)));
    }
    const ids = [...live.keys()].filter((id) => !touched.has(id));
    for (let i = 0; i < 3 && ids.length > 0; i++) {
      const id = ids.splice(Math.floor(Math.random() * ids.length), 1)[0];
      const gen = live.get(id) + 1;
      live.set(id, gen);
      ops.push(agg.putService(aggRecord(id, gen)).then(() => say(`agg ${id} ${gen}`)));
    }
    if (ids.length > 0 && Math.random() < 0.5) {
      const id = ids.splice(Math.floor(Math.random() * ids.length), 1)[0];
      live.delete(id);
      say(`del-start ${id}`);
      ops.push(agg.deleteService(id).then(() => say(`del ${id}`)));
    }
    await Promise.all(ops);
  }
}

module.exports = { aggRecord, switchRecord };

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  });
}
