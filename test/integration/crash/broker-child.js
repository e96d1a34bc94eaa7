// A broker process for the crash test: an aggregator over four memory switches,
// state in SQLite. Mode "work": random operations, printing one JSON line per
// acknowledged operation. Mode "check": recover, wait for every service to
// settle, print the whole state as one JSON line, exit.
// Uses the compiled packages (npm test builds them first).
'use strict';
const { Aggregator } = require('@dpb/aggregator');
const { MemoryFabric } = require('@dpb/adaptor-memory');
const { LogicalSwitch } = require('@dpb/switch');
const { openSqliteStore } = require('@dpb/store');

const [, , mode, dbPath, seedArg] = process.argv;
let seed = Number(seedArg) || 1;
function rnd() {
  // mulberry32: deterministic per seed
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

const SWITCHES = { core: ['a', 'b', 'c', 'vms'], a: ['vms', 'up'], b: ['vms', 'up'], c: ['vms', 'up'] };
const TRUNKS = [
  ['a:up', 'core:a', 300],
  ['b:up', 'core:b', 300],
  ['c:up', 'core:c', 200],
];
const SITES = ['site-a', 'site-b', 'site-c', 'site-core'];

async function open() {
  const provider = await openSqliteStore({ path: dbPath });
  const switches = new Map();
  for (const name of Object.keys(SWITCHES)) {
    const sw = await LogicalSwitch.open({ name, fabric: new MemoryFabric({ name }), store: provider.switchStore(name), repairIntervalMs: 0 });
    switches.set(name, sw);
  }
  const agg = await Aggregator.open({ name: 'wan', store: provider.aggregatorStore('wan'), inferiors: (n) => switches.get(n) });
  // set up the topology on first run (idempotent)
  for (const [name, terms] of Object.entries(SWITCHES)) {
    const sw = switches.get(name);
    const have = await sw.terminals();
    for (const t of terms) if (!have.includes(t)) await sw.addTerminal(t, t);
  }
  const outer = await agg.terminals();
  const want = { 'site-a': 'a:vms', 'site-b': 'b:vms', 'site-c': 'c:vms', 'site-core': 'core:vms' };
  for (const [o, i] of Object.entries(want)) {
    if (!outer.includes(o)) {
      const [network, terminal] = i.split(':');
      await agg.addTerminal(o, { network, terminal });
    }
  }
  const trunks = await agg.trunks();
  for (const [s, e, cap] of TRUNKS) {
    const [sn, st] = s.split(':');
    const [en, et] = e.split(':');
    if (!trunks.some((t) => t.start.network === sn && t.start.terminal === st)) {
      await agg.addTrunk({ start: { network: sn, terminal: st }, end: { network: en, terminal: et }, upstreamMbps: cap, downstreamMbps: cap, labels: [{ startBase: 100, count: 20, endBase: 100 }] });
    }
  }
  return { provider, switches, agg };
}

const STABLE = ['DORMANT', 'INACTIVE', 'ACTIVE', 'FAILED', 'RELEASED'];

async function work() {
  const { agg } = await open();
  out({ ready: true });
  let label = Math.floor(rnd() * 1000);
  for (;;) {
    const services = await agg.services();
    const r = rnd();
    try {
      if (r < 0.45 || services.length === 0) {
        const s = await agg.createService({ handle: `h${Math.floor(rnd() * 1e9)}` });
        out({ ack: 'create', id: s.id, handle: s.handle });
        const n = 2 + Math.floor(rnd() * 2);
        const sites = [...SITES].sort(() => rnd() - 0.5).slice(0, n);
        label = (label + 1) % 4000;
        const circuits = sites.map((t) => ({ terminal: t, label: label + 1, ingressMbps: 10 + Math.floor(rnd() * 40) }));
        try {
          out({ begin: 'define', id: s.id });
          await s.define({ circuits });
          out({ ack: 'define', id: s.id });
          if (rnd() < 0.7) {
            out({ begin: 'activate', id: s.id });
            await s.activate();
            out({ ack: 'activate', id: s.id });
          }
        } catch (e) {
          out({ refused: 'define', id: s.id, code: e.code });
        }
      } else if (r < 0.7) {
        const s = pick(services);
        out({ begin: 'release', id: s.id });
        await s.release();
        out({ ack: 'release', id: s.id });
      } else if (r < 0.85) {
        const s = pick(services);
        out({ begin: 'reset', id: s.id });
        await s.reset();
        out({ ack: 'reset', id: s.id });
      } else {
        const s = pick(services);
        out({ begin: 'deactivate', id: s.id });
        await s.deactivate();
        out({ ack: 'deactivate', id: s.id });
      }
    } catch (e) {
      out({ error: String(e && e.message), code: e && e.code });
    }
  }
}

async function check() {
  const { provider, switches, agg } = await open();
  const deadline = Date.now() + 10000;
  // wait for every service to settle
  for (const s of await agg.services()) {
    await s.awaitStatus(STABLE, Math.max(1, deadline - Date.now()));
  }
  const state = { services: [], trunks: await agg.trunks(), tunnels: await agg.tunnels(), inferiors: {} };
  for (const s of await agg.services()) {
    const info = await s.describe();
    state.services.push({ id: info.id, handle: info.handle, status: info.status, intent: info.intent, defined: info.request !== null, realisation: info.realisation });
  }
  for (const [name, sw] of switches) {
    const list = [];
    for (const s of await sw.services()) {
      const info = await s.describe();
      list.push({ id: info.id, handle: info.handle, status: info.status, intent: info.intent, circuits: info.request ? info.request.circuits : [] });
    }
    state.inferiors[name] = list;
  }
  out({ state });
  await agg.close();
  for (const sw of switches.values()) await sw.close();
  await provider.close();
  process.exit(0);
}

(mode === 'check' ? check() : work()).catch((e) => {
  out({ fatal: String(e && e.stack) });
  process.exit(3);
});
