import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type {
  AggregatorServiceRecord,
  SanitizedRequest,
  StoreProvider,
  SwitchServiceRecord,
  TrunkRecord,
  TunnelRecord,
} from '@dpb/model';
import { openSqliteStore } from '@dpb/store';
import { expectBrokerError } from '@dpb/testkit';
import type { SqliteConnection } from '../../../packages/store/src/hot-statements';
import { PartialWriteError, WriteQueue } from '../../../packages/store/src/write-queue';

// better-sqlite3 ships no types (and @types/better-sqlite3 is not installed): the little we use here.
interface RawDatabase extends SqliteConnection {
  exec(sql: string): void;
  close(): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (file: string, options?: { readonly?: boolean }) => RawDatabase;

// The SQLite store's hot path: service puts and deletes on prepared
// statements, child rows written as differences, group commit with a
// savepoint only where a job needs one, counters raised only when needed.

const request = (a: number, b: number): SanitizedRequest => ({
  circuits: [
    { terminal: 'a', label: a, ingressMbps: 10, egressMbps: 2.5 },
    { terminal: 'b', label: b, ingressMbps: 2.5, egressMbps: 10 },
  ],
});

function switchService(id: number, over: Partial<SwitchServiceRecord> = {}): SwitchServiceRecord {
  return { id, handle: `sw-${id}`, intent: 'ACTIVE', request: request(id, id + 1), errors: [], createdAt: 1_700_000_000_000 + id, ...over };
}

function trunk(id: number): TrunkRecord {
  return {
    id,
    start: { network: 'l', terminal: `l${id}` },
    end: { network: 'r', terminal: `r${id}` },
    upstreamMbps: 1000,
    downstreamMbps: 1000,
    cost: 1,
    commissioned: true,
    labelRanges: [{ startBase: 0, count: 1000, endBase: 0 }],
  };
}

const tunnel = (trunkId: number, start: number, end: number, mbps = 10): TunnelRecord => ({
  trunkId,
  startLabel: start,
  endLabel: end,
  upstreamMbps: mbps,
  downstreamMbps: mbps / 2,
});

function aggService(id: number, subs: number, tunnels: TunnelRecord[], over: Partial<AggregatorServiceRecord> = {}): AggregatorServiceRecord {
  return {
    id,
    handle: `agg-${id}`,
    intent: 'INACTIVE',
    request: request(id, id + 1),
    errors: [],
    createdAt: 1_700_000_000_000 + id,
    generation: 1,
    subservices: Array.from({ length: subs }, (_, j) => ({
      network: `n${j}`,
      handle: `agg/${id}/${j}`,
      id: j % 2 === 0 ? null : 100 + j,
      request: request(j, j + 1),
    })),
    tunnels,
    ...over,
  };
}

describe('SQLite store hot path', () => {
  let dir: string;
  let file: string;
  let provider: StoreProvider;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpb-store-hot-'));
    file = path.join(dir, 'dpb.sqlite');
    provider = await openSqliteStore({ path: file });
  });
  afterEach(async () => {
    await provider.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function reopen(): Promise<StoreProvider> {
    await provider.close();
    provider = await openSqliteStore({ path: file });
    return provider;
  }

  it('rewrites sub-services and tunnels to exactly the last put: same, appended, changed, shortened, emptied', async () => {
    const s = provider.aggregatorStore('agg');
    await s.putTrunk(trunk(1));
    await s.putTrunk(trunk(2));
    const versions: AggregatorServiceRecord[] = [
      aggService(1, 2, [tunnel(1, 1, 2), tunnel(2, 3, 4)]),
      aggService(1, 2, [tunnel(1, 1, 2), tunnel(2, 3, 4)], { intent: 'ACTIVE', generation: 2 }),
      aggService(1, 3, [tunnel(1, 1, 2), tunnel(2, 3, 4), tunnel(1, 5, 6)]),
      aggService(1, 3, [tunnel(1, 1, 2), tunnel(2, 3, 4, 20), tunnel(1, 5, 6)]),
      aggService(1, 1, [tunnel(2, 3, 4)]),
      aggService(1, 0, []),
      aggService(1, 2, [tunnel(1, 7, 8)]),
    ];
    for (const v of versions) {
      await s.putService(v);
      expect((await s.load()).services).toEqual([v]);
    }
    expect((await (await reopen()).aggregatorStore('agg').load()).services).toEqual([versions.at(-1)]);
  });

  it('lets a service move labels between its own tunnels, and frees what it gave up', async () => {
    const s = provider.aggregatorStore('agg');
    await s.putTrunk(trunk(1));
    await s.putService(aggService(1, 1, [tunnel(1, 1, 11), tunnel(1, 2, 12), tunnel(1, 3, 13)]));
    const swapped = aggService(1, 1, [tunnel(1, 2, 12), tunnel(1, 1, 11)]);
    await s.putService(swapped);
    await s.putService(aggService(2, 1, [tunnel(1, 3, 13)]));
    await expectBrokerError(s.putService(aggService(3, 1, [tunnel(1, 1, 99)])), 'BUSY', {
      kind: 'label',
      trunk: 1,
      label: 1,
      side: 'start',
      service: 1,
    });
    expect((await s.load()).services.map((x) => x.tunnels)).toEqual([swapped.tunnels, [tunnel(1, 3, 13)]]);
  });

  it('stores what was put even if the caller changes its objects before the write commits', async () => {
    const sw = provider.switchStore('sw');
    const agg = provider.aggregatorStore('agg');
    await agg.putTrunk(trunk(1));
    const a = switchService(1);
    const b = aggService(1, 2, [tunnel(1, 1, 2)]);
    const keptA = structuredClone(a);
    const keptB = structuredClone(b);
    const writes = [sw.putService(a), agg.putService(b)];
    a.request!.circuits[0]!.label = 999;
    a.errors.push({ code: 'INTERNAL', message: 'later', details: {}, at: 1 });
    b.subservices[0]!.request.circuits[0]!.label = 999;
    b.tunnels[0]!.startLabel = 500;
    b.tunnels.push(tunnel(1, 3, 4));
    await Promise.all(writes);
    expect((await sw.load()).services).toEqual([keptA]);
    expect((await agg.load()).services).toEqual([keptB]);
  });

  it('commits a batch around a refused write: only the refused one changes nothing', async () => {
    const sw = provider.switchStore('sw');
    const agg = provider.aggregatorStore('agg');
    await agg.putTrunk(trunk(1));
    await sw.putService(switchService(1, { handle: 'taken' }));
    await agg.putService(aggService(1, 1, [tunnel(1, 1, 2)]));
    // all issued in one turn: one transaction
    const results = await Promise.allSettled([
      sw.putService(switchService(2)),
      sw.putService(switchService(50, { handle: 'taken' })), // refused by its first write
      agg.putService(aggService(2, 2, [tunnel(1, 3, 4), tunnel(1, 1, 5)])), // refused after writing its row
      agg.putService(aggService(1, 2, [tunnel(1, 1, 2), tunnel(1, 6, 7)], { generation: 2 })),
      sw.deleteService(1),
      agg.putService(aggService(3, 1, [tunnel(1, 8, 9)])),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'ALREADY_EXISTS', details: { kind: 'handle', handle: 'taken', service: 1 } });
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'BUSY', details: { kind: 'label', trunk: 1, label: 1, service: 1 } });
    const swLoaded = await sw.load();
    expect(swLoaded.services.map((x) => x.id)).toEqual([2]);
    expect(swLoaded.nextServiceId).toBe(3); // the refused put of 50 did not raise the counter
    const aggLoaded = await agg.load();
    expect(aggLoaded.services.map((x) => [x.id, x.generation, x.tunnels.length])).toEqual([
      [1, 2, 2],
      [3, 1, 1],
    ]);
    expect(aggLoaded.nextServiceId).toBe(4);
  });

  it('never lowers or reuses ids: counters across puts below the top, deletes and reopen', async () => {
    const sw = provider.switchStore('sw');
    const agg = provider.aggregatorStore('agg');
    await sw.putService(switchService(7));
    await sw.putService(switchService(3));
    await sw.putService(switchService(7, { intent: 'INACTIVE' }));
    await sw.deleteService(7);
    await agg.putService(aggService(5, 1, []));
    await agg.putService(aggService(2, 1, []));
    await agg.deleteService(5);
    expect((await sw.load()).nextServiceId).toBe(8);
    expect((await agg.load()).nextServiceId).toBe(6);
    const p = await reopen();
    expect((await p.switchStore('sw').load()).nextServiceId).toBe(8);
    // a second store object on the same network sees the same counter
    await p.switchStore('sw').putService(switchService(9));
    expect((await p.switchStore('sw').load()).nextServiceId).toBe(10);
    expect((await p.aggregatorStore('agg').load()).nextServiceId).toBe(6);
  });

  it('deletes a service with its sub-services and tunnels, freeing its labels', async () => {
    const agg = provider.aggregatorStore('agg');
    await agg.putTrunk(trunk(1));
    await agg.putService(aggService(1, 3, [tunnel(1, 1, 2), tunnel(1, 3, 4)]));
    await agg.deleteService(1);
    await agg.putService(aggService(2, 1, [tunnel(1, 1, 2), tunnel(1, 3, 4)]));
    await agg.deleteTrunk(1).catch(() => undefined); // busy: service 2 holds it
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM subservices WHERE service_id = 1').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM tunnels').get()).toEqual({ n: 2 });
    } finally {
      db.close();
    }
  });
});

describe('WriteQueue', () => {
  let db: RawDatabase;
  let queue: WriteQueue;
  const rows = (): number[] => (db.prepare('SELECT v FROM t ORDER BY v').all() as { v: number }[]).map((r) => r.v);

  beforeEach(() => {
    db = new Database(':memory:');
    db.exec('CREATE TABLE t (v INTEGER PRIMARY KEY)');
    // only direct jobs here: no TypeORM query runner is needed
    queue = new WriteQueue(undefined as never, db);
  });
  afterEach(async () => {
    await queue.close();
    db.close();
  });

  const insert = (v: number) => () => {
    db.prepare('INSERT INTO t (v) VALUES (?)').run(v);
  };

  it('rolls back a job with a savepoint alone when it fails after writing', async () => {
    const results = await Promise.allSettled([
      queue.submitDirect(insert(1)),
      queue.submitDirect(() => {
        insert(2)();
        insert(1)(); // UNIQUE: refused after its first write
      }),
      queue.submitDirect(insert(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(rows()).toEqual([1, 3]);
  });

  it('runs a job refused by its first write without a savepoint, keeping the others', async () => {
    const results = await Promise.allSettled([
      queue.submitDirect(insert(1)),
      queue.submitDirect(insert(1), { refusedOnlyBeforeWriting: true }),
      queue.submitDirect(insert(2), { refusedOnlyBeforeWriting: true }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(rows()).toEqual([1, 2]);
  });

  it('rejects the whole transaction (UNAVAILABLE) when a job without savepoint fails half-way', async () => {
    const results = await Promise.allSettled([
      queue.submitDirect(insert(1)),
      queue.submitDirect(
        () => {
          insert(2)();
          throw new PartialWriteError(new Error('disk trouble'));
        },
        { refusedOnlyBeforeWriting: true },
      ),
      queue.submitDirect(insert(3)),
    ]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'ok'))).toEqual([
      'UNAVAILABLE',
      'UNAVAILABLE',
      'UNAVAILABLE',
    ]);
    expect(rows()).toEqual([]);
    expect(db.inTransaction).toBe(false);
    await queue.submitDirect(insert(4)); // and the queue goes on
    expect(rows()).toEqual([4]);
  });

  it('rolls back a transaction of one failed job entirely', async () => {
    await expect(
      queue.submitDirect(() => {
        insert(5)();
        throw new Error('refused');
      }),
    ).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(rows()).toEqual([]);
    expect(db.inTransaction).toBe(false);
  });
});
