import * as path from 'node:path';
import { memoryChild } from './memory';
import { plannerReplay } from './planner-replay';
import { sharedFiles, SHARED_SCENARIOS } from './replay-scenario';
import { summarize } from './stats';
import { readRequests, readTopology } from './topology';

/** Sub-commands the harness runs in child processes or for experiments (`npm run bench -- internal ...`). */
export async function runInternal(args: readonly string[], flags: ReadonlyMap<string, string | true>): Promise<number> {
  const [command] = args;
  if (command === 'planner-replay') {
    // Admission and plan time of the planner alone on the shared scenarios; --planner DIR picks another build (A/B).
    const dir = flags.get('planner');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const P = typeof dir === 'string' ? require(path.resolve(dir)) : undefined;
    const tf = flags.get('topology');
    const rf = flags.get('requests');
    const list = typeof tf === 'string' && typeof rf === 'string' ? [{ name: path.basename(tf), f: { topology: tf, requests: rf } }] : SHARED_SCENARIOS.map((name) => ({ name, f: sharedFiles(name) }));
    for (const { name, f } of list) {
      const topology = readTopology(f.topology);
      const requests = readRequests(f.requests);
      for (const keepGoing of [false, true]) {
        const lw = flags.get('load-weight');
        const r = plannerReplay({ topology, requests, keepGoing, planner: P, trunkState: flags.get('trunk-state') === true, ...(typeof lw === 'string' ? { loadWeight: Number(lw) } : {}) });
        const s = summarize(r.planMs);
        console.log(
          `${name.padEnd(13)} ${keepGoing ? 'keep-going' : 'first-rej '} admitted ${String(keepGoing ? r.admittedTotal : r.admittedBeforeFirstRejection).padStart(5)}` +
            ` plan p50 ${s.median.toFixed(3)} p99 ${s.p99.toFixed(3)} ms build ${r.buildMs.toFixed(0)} ms over ${r.oversubscribed}` +
            (r.firstRejection ? ` first rejection #${r.firstRejection.index} ${r.firstRejection.reason}` : ''),
        );
      }
    }
    return 0;
  }
  if (command === 'memory') {
    const list = String(flags.get('checkpoints') ?? '10000').split(',').map(Number);
    await memoryChild(list);
    return 0;
  }
  throw new Error(`unknown internal command ${args.join(' ')}`);
}
