import { AsyncMutex, type ServiceEvent, StatusHub, type StatusListener } from '@dpb/model';

/** A listener that records what it is given; `ended` resolves when the hub ends its stream. */
function recorder(): StatusListener & { seen: string[]; ended: Promise<void>; endCalls: number } {
  let resolve: () => void = () => undefined;
  const ended = new Promise<void>((r) => {
    resolve = r;
  });
  const l = {
    seen: [] as string[],
    endCalls: 0,
    ended,
    event(ev: ServiceEvent): void {
      l.seen.push(ev.status);
    },
    end(): void {
      l.endCalls++;
      resolve();
    },
  };
  return l;
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('StatusHub.listen (callback subscription)', () => {
  test('gives the current status, then every change in order, never synchronously, and ends after RELEASED', async () => {
    const hub = new StatusHub('n', 1, { status: 'DORMANT', intent: 'INACTIVE', at: 0 });
    const l = recorder();
    hub.listen(l);
    hub.update('ESTABLISHING', 'INACTIVE', 1);
    expect(l.seen).toEqual([]); // asynchronous, like a watch
    hub.update('INACTIVE', 'INACTIVE', 2);
    hub.update('RELEASING', 'RELEASE', 3);
    hub.update('RELEASED', 'RELEASE', 4);
    await l.ended;
    expect(l.seen).toEqual(['DORMANT', 'ESTABLISHING', 'INACTIVE', 'RELEASING', 'RELEASED']);
    expect(l.endCalls).toBe(1);
  });

  test('sees the same sequence as a watch on the same hub', async () => {
    const hub = new StatusHub('n', 1, { status: 'INACTIVE', intent: 'INACTIVE', at: 0 });
    const l = recorder();
    const w = hub.watch();
    hub.listen(l);
    for (const [s, i] of [['ACTIVATING', 'ACTIVE'], ['ACTIVE', 'ACTIVE'], ['DEACTIVATING', 'INACTIVE'], ['INACTIVE', 'INACTIVE'], ['RELEASING', 'RELEASE'], ['RELEASED', 'RELEASE']] as const) {
      hub.update(s, i, 1);
    }
    const watched: string[] = [];
    for await (const ev of w) watched.push(ev.status);
    await l.ended;
    expect(l.seen).toEqual(watched);
  });

  test('unlisten stops events and the end at once, even for events already queued', async () => {
    const hub = new StatusHub('n', 1, { status: 'INACTIVE', intent: 'INACTIVE', at: 0 });
    const l = recorder();
    const other = recorder();
    hub.listen(l);
    hub.listen(other);
    await flush();
    hub.update('ACTIVATING', 'ACTIVE', 1);
    hub.unlisten(l);
    hub.update('RELEASING', 'RELEASE', 2);
    hub.update('RELEASED', 'RELEASE', 3);
    await other.ended;
    await flush();
    expect(l.seen).toEqual(['INACTIVE']);
    expect(l.endCalls).toBe(0);
    expect(other.seen).toEqual(['INACTIVE', 'ACTIVATING', 'RELEASING', 'RELEASED']);
    hub.unlisten(l); // a second time does nothing
  });

  test('listening to a released service gives RELEASED and ends; dispose ends every listener', async () => {
    const done = new StatusHub('n', 1, { status: 'RELEASED', intent: 'RELEASE', at: 0 });
    const a = recorder();
    done.listen(a);
    await a.ended;
    expect(a.seen).toEqual(['RELEASED']);
    const hub = new StatusHub('n', 2, { status: 'ACTIVE', intent: 'ACTIVE', at: 0 });
    const b = recorder();
    hub.listen(b);
    hub.dispose();
    await b.ended;
    expect(b.seen).toEqual(['ACTIVE']);
  });

  test('history is bounded and keeps statuses and times in order', () => {
    const hub = new StatusHub('n', 1, { status: 'INACTIVE', intent: 'INACTIVE', at: 1.5 });
    for (let i = 0; i < 100; i++) hub.update(i % 2 === 0 ? 'ACTIVATING' : 'INACTIVE', 'ACTIVE', 2 + i);
    const h = hub.history();
    expect(h).toHaveLength(64);
    expect(h[63]).toEqual({ status: 'INACTIVE', at: 101 });
    expect(h[0]).toEqual({ status: 'ACTIVATING', at: 38 });
    expect(new StatusHub('n', 2, { status: 'DORMANT', intent: 'INACTIVE', at: 1.5 }).history()).toEqual([{ status: 'DORMANT', at: 1.5 }]);
  });
});

describe('AsyncMutex (tail dropped when idle)', () => {
  test('runs sections one at a time in order, a throwing section does not block, and it is reusable once idle', async () => {
    const m = new AsyncMutex();
    const order: string[] = [];
    let release: () => void = () => undefined;
    const first = m.run(
      () =>
        new Promise<void>((r) => {
          order.push('a');
          release = r;
        }),
    );
    const bad = m.run(() => {
      order.push('b');
      throw new Error('x');
    });
    const third = m.run(() => {
      order.push('c');
    });
    expect(m.pending).toBe(3);
    await flush();
    expect(order).toEqual(['a']);
    release();
    await first;
    await expect(bad).rejects.toThrow('x');
    await third;
    await flush();
    expect(order).toEqual(['a', 'b', 'c']);
    expect(m.pending).toBe(0);
    await m.run(() => order.push('d'));
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });
});
