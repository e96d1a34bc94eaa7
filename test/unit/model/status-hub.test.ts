import { StatusHub } from '@dpb/model';

describe('StatusHub', () => {
  test('a watch starts with the current status, delivers changes in order and ends after RELEASED', async () => {
    const hub = new StatusHub('n', 1, { status: 'DORMANT', intent: 'INACTIVE', at: 0 });
    const w = hub.watch();
    expect(hub.update('ESTABLISHING', 'INACTIVE', 1)).toBe(true);
    expect(hub.update('ESTABLISHING', 'INACTIVE', 2)).toBe(false);
    hub.update('INACTIVE', 'INACTIVE', 3);
    hub.update('RELEASING', 'RELEASE', 4);
    hub.update('RELEASED', 'RELEASE', 5);
    const seen: string[] = [];
    for await (const ev of w) seen.push(ev.status);
    expect(seen).toEqual(['DORMANT', 'ESTABLISHING', 'INACTIVE', 'RELEASING', 'RELEASED']);
    expect(hub.history().map((h) => h.at)).toEqual([0, 1, 3, 4, 5]);
  });

  test('awaitStatus returns at once when acceptable, wakes on a change, and RELEASED ends any wait', async () => {
    const hub = new StatusHub('n', 1, { status: 'INACTIVE', intent: 'INACTIVE', at: 0 });
    expect(await hub.awaitStatus(['INACTIVE'], 1000)).toBe('INACTIVE');
    const active = hub.awaitStatus(['ACTIVE'], 5000);
    hub.update('ACTIVATING', 'ACTIVE', 1);
    hub.update('ACTIVE', 'ACTIVE', 2);
    expect(await active).toBe('ACTIVE');
    const never = hub.awaitStatus(['DORMANT'], 5000);
    hub.update('RELEASING', 'RELEASE', 3);
    hub.update('RELEASED', 'RELEASE', 4);
    expect(await never).toBe('RELEASED');
  });

  test('awaitStatus returns the latest status when the time runs out', async () => {
    const hub = new StatusHub('n', 1, { status: 'INACTIVE', intent: 'INACTIVE', at: 0 });
    const p = hub.awaitStatus(['ACTIVE'], 20);
    hub.update('ACTIVATING', 'ACTIVE', 1);
    expect(await p).toBe('ACTIVATING');
  });

  test('closing a watch ends its iteration', async () => {
    const hub = new StatusHub('n', 1, { status: 'DORMANT', intent: 'INACTIVE', at: 0 });
    const w = hub.watch();
    const it = w[Symbol.asyncIterator]();
    expect((await it.next()).value?.status).toBe('DORMANT');
    const pending = it.next();
    w.close();
    expect((await pending).done).toBe(true);
  });
});
