import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MIGRATIONS_TABLE, openSqliteStore } from '@dpb/store';

// better-sqlite3 ships no types (and @types/better-sqlite3 is not installed): the little we use here.
interface RawDatabase {
  prepare(sql: string): { all(): unknown[] };
  pragma(pragma: string, options?: { simple: boolean }): unknown;
  exec(sql: string): void;
  close(): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (file: string, options?: { readonly?: boolean }) => RawDatabase;

describe('SQLite store migrations', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpb-store-migrations-'));
    file = path.join(dir, 'dpb.sqlite');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function inspect<T>(fn: (db: RawDatabase) => T): T {
    const db = new Database(file, { readonly: true });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  }

  it('[Q-19] applies migrations once, keeps data across reopen, opens in WAL mode, with one table per record type', async () => {
    let provider = await openSqliteStore({ path: file });
    await provider.switchStore('s').putService({
      id: 1,
      handle: 'h',
      intent: 'INACTIVE',
      request: null,
      errors: [],
      createdAt: 5,
    });
    await provider.close();
    const applied = inspect((db) => db.prepare(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`).all());
    expect(applied.length).toBeGreaterThan(0);

    provider = await openSqliteStore({ path: file });
    expect((await provider.switchStore('s').load()).services.map((s) => s.handle)).toEqual(['h']);
    await provider.close();

    inspect((db) => {
      expect(db.prepare(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`).all()).toEqual(applied);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((t) => t.name);
      expect(tables).toEqual(
        expect.arrayContaining([
          'switch_terminals',
          'switch_services',
          'aggregator_terminals',
          'trunks',
          'trunk_label_ranges',
          'aggregator_services',
          'subservices',
          'tunnels',
          'counters',
        ]),
      );
    });
  });

  it('enforces the double-booking guard in the schema itself', async () => {
    const provider = await openSqliteStore({ path: file });
    await provider.close();
    const db = new Database(file);
    try {
      db.pragma('foreign_keys = ON');
      db.exec(`INSERT INTO trunks VALUES ('n', 1, 'a', 'p', 'b', 'q', 1, 1, 1, 1)`);
      db.exec(`INSERT INTO aggregator_services VALUES ('n', 1, NULL, 'ACTIVE', 1, NULL, '[]', 0)`);
      db.exec(`INSERT INTO aggregator_services VALUES ('n', 2, NULL, 'ACTIVE', 1, NULL, '[]', 0)`);
      db.exec(`INSERT INTO tunnels VALUES ('n', 1, 0, 1, 10, 20, 1, 1)`);
      expect(() => db.exec(`INSERT INTO tunnels VALUES ('n', 2, 0, 1, 10, 21, 1, 1)`)).toThrow(/UNIQUE/);
      expect(() => db.exec(`INSERT INTO tunnels VALUES ('n', 2, 0, 1, 11, 20, 1, 1)`)).toThrow(/UNIQUE/);
      expect(() => db.exec(`INSERT INTO tunnels VALUES ('n', 2, 0, 9, 11, 21, 1, 1)`)).toThrow(/FOREIGN KEY/);
      expect(() => db.exec(`DELETE FROM trunks WHERE id = 1`)).toThrow(/FOREIGN KEY/);
    } finally {
      db.close();
    }
  });
});
