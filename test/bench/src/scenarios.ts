import type { BenchContext } from './context';
import { cycleScenario } from './cycles';
import { memoryScenario } from './memory';
import { baPlanning } from './planning-scenario';
import { restScenario } from './rest';
import { baReplay, hierarchyReplay } from './scale-scenarios';
import { sharedReplay, SHARED_SCENARIOS } from './replay-scenario';
import type { ScenarioResult } from './result';

/** A named scenario of the suite. */
export interface Scenario {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}

export const SCENARIOS: Scenario[] = [
  ...SHARED_SCENARIOS.map((name) => ({
    name,
    title: `the original experiment on ${name}: define..ACTIVE until the first rejection, then keep going (memory store)`,
    run: (ctx: BenchContext) => sharedReplay(ctx, name),
  })),
  {
    name: 'ba-5000-planning',
    title: 'the planner alone on a 5,000-switch Barabási–Albert graph (m = 4, ~20,000 trunks), 2-4 switch requests',
    run: (ctx) => baPlanning(ctx, { n: 5000, m: 4, requests: ctx.quick ? 100 : 1000, maxCircuits: 4, seed: 42, warmupPlans: 20 }),
  },
  {
    name: 'paper-54-sqlite',
    title: 'the original experiment on paper-54 through the SQLite store (a fresh file per run)',
    run: (ctx) => sharedReplay(ctx, 'paper-54', 'sqlite'),
  },
  {
    name: 'sqlite-cycles',
    title: 'define+activate+release cycles per second through the SQLite store, 1 and 16 at a time',
    run: (ctx) => cycleScenario(ctx, 'sqlite'),
  },
  {
    name: 'memory-cycles',
    title: 'the same cycles on the memory store (what persistence costs, by difference)',
    run: (ctx) => cycleScenario(ctx, 'memory'),
  },
  {
    name: 'rest',
    title: 'REST API of a running dpb-server (SQLite): service cycles with 1 and 16 concurrent clients',
    run: (ctx) => restScenario(ctx),
  },
  {
    name: 'ba-1000-replay',
    title: 'define..ACTIVE through the aggregator on a 1,000-switch Barabási–Albert graph (m = 3), 2-4 switch requests',
    run: (ctx) => baReplay(ctx, { n: 1000, m: 3, requests: ctx.quick ? 300 : 2000, seed: 7 }),
  },
  {
    name: 'hierarchy',
    title: 'define..ACTIVE through a national aggregator over 8 regional aggregators of 50 switches, 2-4 switch requests',
    run: (ctx) => hierarchyReplay(ctx, { regions: 8, switchesPerRegion: 50, m: 2, requests: ctx.quick ? 150 : 600, seed: 11 }),
  },
  {
    name: 'memory',
    title: 'resident memory with 10,000 and 100,000 ACTIVE services in one process',
    run: (ctx) => memoryScenario(ctx),
  },
];
