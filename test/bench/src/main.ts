import * as fs from 'node:fs';
import * as path from 'node:path';
import { type BenchContext, REPO, runsOf } from './context';
import { contendedCores, describeMachine, finish, machineInfo } from './machine';
import { binTable, contendedScenarios, textTable, writeResults } from './report';
import { runReplayScenario } from './replay-scenario';
import type { ScenarioResult } from './result';
import { SCENARIOS } from './scenarios';
import { updateDocs } from './docs';
import { barabasiAlbert, formatRequests, formatTopology, readRequests, readTopology, requestStream } from './topology';
import { runInternal } from './internal';

const USAGE = `npm run bench [-- [SCENARIO...] [--quick] [--runs N] [--warmups N] [--out DIR] [--update-docs]]
npm run bench -- list
npm run bench -- replay --topology FILE --requests FILE [--keep-going] [--store memory|sqlite] [--runs N] [--warmups N] [--bin N]
npm run bench -- generate ba --n N --m M [--seed S] [--requests N] [--max-circuits K] --out PREFIX

Runs the named scenarios (default: all), prints a table and writes
bench-results/<name>-<date>.json with the machine, Node version, git commit
and, for every figure, median, p95, p99 and n, plus SVG plots.
--quick: fewer runs and smaller sizes (smoke use; not for publication).
--update-docs: also rewrite the generated tables and plots of docs/benchmarks.md.`;

interface Args {
  positional: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
      else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) flags.set(a.slice(2), argv[++i]!);
      else flags.set(a.slice(2), true);
    } else positional.push(a);
  }
  return { positional, flags };
}

const BOOLEAN_FLAGS = new Set(['quick', 'keep-going', 'update-docs', 'help']);

function flag(args: Args, name: string): string | undefined {
  const v = args.flags.get(name);
  if (v === undefined) return undefined;
  if (v === true) throw new Error(`--${name} needs a value`);
  return v;
}

function intFlag(args: Args, name: string): number | undefined {
  const v = flag(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer; got ${v}`);
  return n;
}

function isTrue(args: Args, name: string): boolean {
  return args.flags.get(name) === true;
}

function context(args: Args): BenchContext {
  const ctx: BenchContext = {
    quick: isTrue(args, 'quick'),
    log: (m) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`),
  };
  const runs = intFlag(args, 'runs');
  const warmups = intFlag(args, 'warmups');
  if (runs !== undefined) ctx.runs = runs;
  if (warmups !== undefined) ctx.warmups = warmups;
  return ctx;
}

async function runSuite(suite: string, args: Args, run: (ctx: BenchContext) => Promise<ScenarioResult[]>): Promise<number> {
  const ctx = context(args);
  const machine = machineInfo(REPO);
  const results = await run(ctx);
  finish(machine);
  console.log(`\n${describeMachine(machine)}${ctx.quick ? '; --quick' : ''}`);
  console.log(textTable(results));
  if (suite.startsWith('replay-')) console.log(`\n${binTable(results)}`);
  const contended = contendedScenarios(results);
  if (contended.length > 0) {
    console.log(
      `\nmeasured under contention (other processes used > ${contendedCores} core on average): ${contended
        .map((r) => `${r.name} (${r.otherCores})`)
        .join(', ')}; re-run at a quiet moment before publishing.`,
    );
  }
  const out = path.resolve(flag(args, 'out') ?? path.join(REPO, 'bench-results'));
  const written = writeResults(out, { suite, machine, argv: process.argv.slice(2), quick: ctx.quick, results });
  console.log(`\nresults: ${written.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
  if (isTrue(args, 'update-docs')) {
    const doc = updateDocs({ suite, machine, argv: process.argv.slice(2), quick: ctx.quick, results });
    console.log(`updated ${path.relative(process.cwd(), doc)}`);
  }
  return 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  for (const [k, v] of args.flags) {
    if (BOOLEAN_FLAGS.has(k) && v !== true) {
      // `--quick paper-54`: the value was a positional
      args.flags.set(k, true);
      args.positional.push(v);
    }
  }
  if (isTrue(args, 'help')) {
    console.log(USAGE);
    return 0;
  }
  const [command, ...rest] = args.positional;
  if (command === 'internal') return runInternal(rest, args.flags);
  if (command === 'list') {
    for (const s of SCENARIOS) console.log(`${s.name.padEnd(24)} ${s.title}`);
    return 0;
  }
  if (command === 'replay') {
    const topology = flag(args, 'topology');
    const requests = flag(args, 'requests');
    if (!topology || !requests) throw new Error(`replay needs --topology FILE and --requests FILE\n\n${USAGE}`);
    const store = flag(args, 'store') ?? 'memory';
    if (store !== 'memory' && store !== 'sqlite') throw new Error(`--store must be memory or sqlite; got ${store}`);
    const name = flag(args, 'name') ?? path.basename(topology).replace(/\.topology\.csv$|\.csv$/, '');
    return runSuite(`replay-${name}`, args, async (ctx) => {
      const { runs, warmups } = runsOf(ctx, 3, 1);
      return [
        await runReplayScenario(ctx, {
          name,
          title: `replay of ${path.basename(topology)} + ${path.basename(requests)} (${store} store)`,
          topology: readTopology(topology),
          requests: readRequests(requests),
          store,
          keepGoing: isTrue(args, 'keep-going'),
          runs,
          warmups,
          ...(intFlag(args, 'bin') ? { binWidth: intFlag(args, 'bin')! } : {}),
          params: { topologyFile: topology, requestsFile: requests },
        }),
      ];
    });
  }
  if (command === 'generate') {
    if (rest[0] !== 'ba') throw new Error(`generate knows: ba\n\n${USAGE}`);
    const out = flag(args, 'out');
    const n = intFlag(args, 'n');
    const m = intFlag(args, 'm');
    if (!out || n === undefined || m === undefined) throw new Error(`generate ba needs --n, --m and --out PREFIX\n\n${USAGE}`);
    const seed = intFlag(args, 'seed') ?? 1;
    const topology = barabasiAlbert({ n, m, seed });
    const stream = requestStream({
      vertices: topology.vertices,
      count: intFlag(args, 'requests') ?? 8000,
      maxCircuits: intFlag(args, 'max-circuits') ?? 4,
      seed: seed + 1,
    });
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    fs.writeFileSync(`${out}.topology.csv`, formatTopology(topology));
    fs.writeFileSync(`${out}.requests.csv`, formatRequests(stream));
    console.log(`wrote ${out}.topology.csv (${topology.vertices.length} switches, ${topology.edges.length} trunks) and ${out}.requests.csv (${stream.length} requests)`);
    return 0;
  }
  const names = args.positional;
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; \`npm run bench -- list\` lists them\n\n${USAGE}`);
  const chosen = names.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => names.includes(s.name));
  const suite = names.length === 1 ? names[0]! : names.length === 0 ? 'suite' : 'selection';
  return runSuite(suite, args, async (ctx) => {
    const results: ScenarioResult[] = [];
    for (const s of chosen) {
      ctx.log(`${s.name}: ${s.title}`);
      results.push(await s.run(ctx));
    }
    return results;
  });
}
