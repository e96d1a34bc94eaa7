import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AggregatorServiceRecord, SwitchServiceRecord } from '@dpb/model';
import { openSqliteStore } from '@dpb/store';

// The child is plain JS on the compiled store; it also exports the records it writes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const child = require('./crash-child.js') as {
  aggRecord(id: number, generation: number): AggregatorServiceRecord;
  switchRecord(id: number): SwitchServiceRecord;
};

const ROOT = path.resolve(__dirname, '../../..');
const CHILD = path.join(__dirname, 'crash-child.js');
const DEADLINE_MS = 30_000;

/** What the test saw acknowledged, accumulated over every run on the same file. */
interface Acks {
  aggGeneration: Map<number, number>;
  switchIds: Set<number>;
  deleteStarted: Set<number>;
  deleted: Set<number>;
}

/** Runs the child until it has acknowledged `killAfter` writes, then SIGKILLs it. */
function runAndKill(file: string, killAfter: number, acks: Acks): Promise<number> {
  return new Promise((resolve, reject) => {
    const proc: ChildProcess = spawn(process.execPath, [CHILD, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = 0;
    let buffered = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`child made no progress to ${killAfter} acks within ${DEADLINE_MS} ms (saw ${seen}); stderr: ${stderr}`));
    }, DEADLINE_MS);
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [what, idText, genText] = line.split(' ');
        const id = Number(idText);
        if (what === 'agg') acks.aggGeneration.set(id, Math.max(acks.aggGeneration.get(id) ?? 0, Number(genText)));
        else if (what === 'sw') acks.switchIds.add(id);
        else if (what === 'del-start') acks.deleteStarted.add(id);
        else if (what === 'del') acks.deleted.add(id);
        else continue;
        seen++;
        if (seen >= killAfter && !killed) {
          killed = true;
          proc.kill('SIGKILL');
        }
      }
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && killed) resolve(seen);
      else reject(new Error(`child exited early (code ${code}, signal ${signal}); stderr: ${stderr}`));
    });
  });
}

describe('SQLite store survives SIGKILL', () => {
  let dir: string;

  beforeAll(() => {
    // the child runs on the compiled package
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', 'packages/store'], { cwd: ROOT, stdio: 'pipe' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpb-store-crash-'));
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged write, and no service is half-written, over repeated kills', async () => {
    const file = path.join(dir, 'crash.sqlite');
    const acks: Acks = { aggGeneration: new Map(), switchIds: new Set(), deleteStarted: new Set(), deleted: new Set() };
    const killPoints = Array.from({ length: 8 }, () => 1 + Math.floor(Math.random() * 400));
    for (const killAfter of killPoints) {
      const seen = await runAndKill(file, killAfter, acks);
      expect(seen).toBeGreaterThanOrEqual(killAfter);

      const provider = await openSqliteStore({ path: file });
      try {
        const agg = await provider.aggregatorStore('agg').load();
        const sw = await provider.switchStore('sw').load();
        const stored = new Map(agg.services.map((s) => [s.id, s]));

        // every stored service is one complete version, with all its tunnels and sub-services
        for (const s of agg.services) expect(s).toEqual(child.aggRecord(s.id, s.generation));
        for (const s of sw.services) expect(s).toEqual(child.switchRecord(s.id));
        expect(agg.trunks.map((t) => t.id)).toEqual([1, 2]);

        // every acknowledged write is there
        for (const [id, generation] of acks.aggGeneration) {
          const s = stored.get(id);
          if (acks.deleted.has(id)) expect(s).toBeUndefined();
          else if (!acks.deleteStarted.has(id)) {
            expect(s?.generation ?? 0).toBeGreaterThanOrEqual(generation);
            expect(agg.nextServiceId).toBeGreaterThan(id);
          }
        }
        const swIds = new Set(sw.services.map((s) => s.id));
        for (const id of acks.switchIds) expect(swIds.has(id)).toBe(true);

        // no label is booked twice (the schema guarantees it; check the data anyway)
        const labels = agg.services.flatMap((s) => s.tunnels.flatMap((t) => [`${t.trunkId}:s:${t.startLabel}`, `${t.trunkId}:e:${t.endLabel}`]));
        expect(new Set(labels).size).toBe(labels.length);
      } finally {
        await provider.close();
      }
    }
  }, 120_000);
});
