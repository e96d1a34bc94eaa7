import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StoreProvider } from '@dpb/model';
import { openSqliteStore } from '@dpb/store';
import { describeStore, expectBrokerError } from '@dpb/testkit';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'dpb-store-test-'));
}

describeStore('SQLite file', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'dpb.sqlite');
  let current: StoreProvider = await openSqliteStore({ path: file });
  return {
    provider: current,
    reopen: async () => {
      await current.close();
      current = await openSqliteStore({ path: file });
      return current;
    },
    teardown: async () => {
      await current.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeStore('SQLite :memory:', async () => {
  const provider = await openSqliteStore({ path: ':memory:' });
  return { provider, teardown: () => provider.close() };
});

describe('SQLite store lifecycle', () => {
  it('finishes writes queued before close, then refuses new ones (UNAVAILABLE)', async () => {
    const provider = await openSqliteStore({ path: ':memory:' });
    const store = provider.switchStore('n');
    const pending = store.putTerminal({ name: 'p', interface: 'phys:1', ingressQuotaMbps: null, egressQuotaMbps: null });
    await provider.close();
    await expect(pending).resolves.toBeUndefined();
    await expectBrokerError(store.load(), 'UNAVAILABLE');
    await provider.close(); // idempotent
  });

  it('refuses an empty network name', async () => {
    const provider = await openSqliteStore({ path: ':memory:' });
    try {
      expect(() => provider.switchStore('')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    } finally {
      await provider.close();
    }
  });

  it('reports a path it cannot open as UNAVAILABLE', async () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'a-directory');
      fs.mkdirSync(file);
      await expectBrokerError(openSqliteStore({ path: file }), 'UNAVAILABLE', { path: file });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
