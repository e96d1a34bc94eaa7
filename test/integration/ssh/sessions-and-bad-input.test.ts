/**
 * Sessions (§2.5) as we serve them — sequential within a session, concurrent
 * across sessions, bounded, reclaimed — and bad input: every framing problem
 * gets an error frame or a closed channel, never a crash, a hang or a
 * change of state.
 */
import type { NetworkControl, Service, ServiceWatch } from '@dpb/model';
import type { NetworkEntry, Networks, Wired } from '@dpb/server';
import { frame, type Json, ReferenceClient } from './reference-client';
import { allocations, type SshBroker, startSshBroker, topology, WAN_YAML } from './ssh-broker';

/** Wraps every network so that open service watches can be counted. */
class WatchCounter {
  open = 0;
  private zero: (() => void)[] = [];

  networks(wired: Wired): Networks {
    const out = new Map<string, NetworkEntry>();
    for (const [name, e] of wired.networks) out.set(name, { ...e, control: this.control(e.control) });
    return out;
  }

  /** Resolves once no watch is open (deadline 5 s). */
  async settled(): Promise<void> {
    if (this.open === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((r) => this.zero.push(r)),
      new Promise<never>((_r, reject) => {
        timer = setTimeout(() => reject(new Error(`${this.open} watch(es) still open`)), 5000);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  private ended(): void {
    this.open--;
    if (this.open === 0) for (const r of this.zero.splice(0)) r();
  }

  private control(c: NetworkControl): NetworkControl {
    const wrap = (s: Service): Service => this.service(s);
    return new Proxy(c, {
      get: (t, p) => {
        const v = Reflect.get(t, p, t) as unknown;
        if (p === 'service') return async (ref: never) => wrap(await t.service(ref));
        if (p === 'findService') return async (ref: never) => ((s) => (s ? wrap(s) : s))(await t.findService(ref));
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
  }

  private service(s: Service): Service {
    return new Proxy(s, {
      get: (t, p) => {
        if (p === 'watch') {
          return (o?: { signal?: AbortSignal }): ServiceWatch => {
            const w = t.watch(o);
            this.open++;
            let done = false;
            const end = (): void => {
              if (!done) {
                done = true;
                this.ended();
              }
            };
            const it = w[Symbol.asyncIterator]();
            return {
              close: () => {
                w.close();
              },
              [Symbol.asyncIterator]: () => ({
                next: async () => {
                  const r = await it.next();
                  if (r.done) end();
                  return r;
                },
                return: async () => {
                  const r = it.return ? await it.return() : { done: true as const, value: undefined };
                  end();
                  return r;
                },
              }),
            };
          };
        }
        const v = Reflect.get(t, p, t) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
  }
}

const counter = new WatchCounter();
let broker: SshBroker;

beforeAll(async () => {
  broker = await startSshBroker(WAN_YAML, {
    maxFrameBytes: 4096,
    channelLimits: { maxSessions: 3, maxQueuedPerSession: 2 },
    networks: (w) => counter.networks(w),
  });
});

afterAll(async () => {
  await broker?.close();
});

const connect = (): Promise<ReferenceClient> => ReferenceClient.connect({ port: broker.port, network: 'wan' });

/** Raw bytes of a frame whose body is `body` (any bytes). */
function rawFrame(body: Buffer | string, length?: number): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const head = Buffer.alloc(4);
  head.writeUInt32BE(length ?? b.length);
  return Buffer.concat([head, b]);
}

/** Reads the next frame that has no session member (deadline). */
async function nextUnsessioned(c: ReferenceClient, already: number): Promise<Json> {
  const deadline = Date.now() + 5000;
  while (c.unsessioned.length <= already) {
    if (Date.now() > deadline) throw new Error('no sessionless error frame arrived');
    await c.ok({ type: 'get-terminals' }); // a round trip: anything the server wrote before it has arrived
  }
  return c.unsessioned[already] as Json;
}

describe('sessions', () => {
  it('runs requests of one session in order, and other sessions alongside', async () => {
    const c = await connect();
    const id = (await c.ok({ type: 'new-service' }))['service-id'];
    c.writeRaw(
      Buffer.concat([
        frame({ content: { type: 'await-service-status', 'service-id': id, acceptable: ['ACTIVE'], 'timeout-millis': 300 }, session: 40 }),
        frame({ content: { type: 'check-service', 'service-id': id }, session: 40 }),
        frame({ session: 41, content: { type: 'get-terminals' } }),
      ]),
    );
    expect(await c.read(40)).toEqual({ status: 'DORMANT' });
    expect(await c.read(40)).toEqual({ exists: true });
    const order = c.received.filter((f) => f.session === 40 || f.session === 41).map((f) => f.session);
    expect(order).toEqual([41, 40, 40]); // session 41 did not wait for session 40's long request
    await c.ok({ type: 'release-service', 'service-id': id });
    await c.close();
  });

  it('accepts any non-negative session number, reuse after close, and never-closed sessions without limit', async () => {
    const c = await connect();
    for (const n of [0, 7, 123456789, Number.MAX_SAFE_INTEGER]) {
      c.send(n, { type: 'check-terminal', 'terminal-name': 'paris' });
      expect(await c.read(n)).toEqual({ exists: true });
    }
    c.sendClose(7);
    c.send(7, { type: 'check-terminal', 'terminal-name': 'tokyo' });
    expect(await c.read(7)).toEqual({ exists: false });
    // maxSessions is 3 here, yet 60 sessions that are never closed are fine: idle sessions hold nothing
    for (let n = 1000; n < 1060; n++) {
      c.send(n, { type: 'get-terminals' });
      expect((await c.read(n))?.['terminal-names']).toHaveLength(3);
    }
    await c.close();
  });

  it('refuses a session beyond maxSessions and a request beyond maxQueuedPerSession with an error, each answered once', async () => {
    const c = await connect();
    const id = (await c.ok({ type: 'new-service' }))['service-id'];
    const watches = [c.watch(id), c.watch(id)];
    for (const w of watches) expect(await w.next()).toEqual({ status: 'DORMANT' });
    // two sessions watch; a third runs a long wait with two requests queued behind it, and a third is refused
    const wait = { type: 'await-service-status', 'service-id': id, acceptable: ['ACTIVE'], 'timeout-millis': 300 };
    c.writeRaw(Buffer.concat([frame({ content: wait, session: 50 }), frame({ content: { type: 'get-terminals' }, session: 50 }), frame({ content: { type: 'get-terminals' }, session: 50 }), frame({ content: { type: 'get-terminals' }, session: 50 })]));
    c.send(51, { type: 'get-terminals' });
    const refused = await c.read(51);
    expect(refused).toMatchObject({ error: 'network-resource', code: 'RESOURCE_EXHAUSTED', details: { reason: 'too-many-sessions', limit: 3 } });
    const first = await c.read(50);
    expect(first).toMatchObject({ error: 'network-resource', code: 'RESOURCE_EXHAUSTED', details: { reason: 'session-queue-full', session: 50 } });
    expect(await c.read(50)).toEqual({ status: 'DORMANT' });
    expect((await c.read(50))?.['terminal-names']).toHaveLength(3);
    expect((await c.read(50))?.['terminal-names']).toHaveLength(3);
    await c.ok({ type: 'get-terminals' });
    expect(c.pending(50)).toBe(0); // four requests, four replies
    // closing a watch frees its place at once
    watches[0]!.close();
    c.send(52, { type: 'get-terminals' });
    expect((await c.read(52))?.['terminal-names']).toHaveLength(3);
    watches[1]!.close();
    await c.ok({ type: 'release-service', 'service-id': id });
    await counter.settled();
    await c.close();
  });

  it('a channel that goes away mid-watch leaves no watch behind (EOF, abrupt close)', async () => {
    const c = await connect();
    const id = (await c.ok({ type: 'new-service' }))['service-id'];
    const w = c.watch(id);
    expect(await w.next()).toEqual({ status: 'DORMANT' });
    expect(counter.open).toBe(1);
    await c.endAndWait(); // EOF: the server ends every session and closes
    expect(c.exitCode).toBe(0);
    await counter.settled();

    const d = await connect();
    const w2 = d.watch(id);
    expect(await w2.next()).toEqual({ status: 'DORMANT' });
    await d.close(); // abrupt
    await counter.settled();

    const e = await connect();
    await e.ok({ type: 'release-service', 'service-id': id });
    await e.close();
  });

  it('closing the server ends watches and long waits at once', async () => {
    const own = new WatchCounter();
    const b = await startSshBroker(WAN_YAML, { networks: (w) => own.networks(w) });
    const c = await ReferenceClient.connect({ port: b.port, network: 'wan' });
    const id = (await c.ok({ type: 'new-service' }))['service-id'];
    const w = c.watch(id);
    expect(await w.next()).toEqual({ status: 'DORMANT' });
    c.send(77, { type: 'await-service-status', 'service-id': id, acceptable: ['ACTIVE'], 'timeout-millis': 600_000 });
    await c.ok({ type: 'get-terminals' }); // the wait has started
    const started = Date.now();
    await b.close();
    await c.waitClosed(5000);
    expect(Date.now() - started).toBeLessThan(5000);
    await own.settled();
  });
});

describe('back-pressure', () => {
  it('stops reading while requests wait, so 500 pipelined requests in one session are all answered, in order', async () => {
    const b = await startSshBroker(WAN_YAML, { channelLimits: { maxQueuedPerChannel: 8 } });
    const c = await ReferenceClient.connect({ port: b.port, network: 'wan' });
    try {
      const names = ['london', 'paris', 'tokyo'];
      c.writeRaw(Buffer.concat(Array.from({ length: 500 }, (_x, i) => frame({ session: 5, content: { type: 'check-terminal', 'terminal-name': names[i % 3] } }))));
      for (let i = 0; i < 500; i++) expect(await c.read(5)).toEqual({ exists: i % 3 !== 2 }); // none refused: the per-session queue (64) never filled
    } finally {
      await c.close();
      await b.close();
    }
  });
});

describe('channels', () => {
  it('allows 10 session channels per connection; one more is refused until one closes', async () => {
    const first = await connect();
    const others: ReferenceClient[] = [];
    for (let i = 1; i < 10; i++) others.push(await ReferenceClient.open(first.ssh, 'wan'));
    await expect(ReferenceClient.open(first.ssh, 'wan')).rejects.toThrow();
    const last = others.pop() as ReferenceClient;
    await last.close();
    await last.waitClosed();
    const again = await ReferenceClient.open(first.ssh, 'wan');
    expect(await again.ok({ type: 'get-terminals' })).toEqual({ 'terminal-names': ['frankfurt', 'london', 'paris'] });
    await first.close();
  });
});

describe('bad input', () => {
  let before: unknown;
  beforeAll(async () => {
    before = await topology(broker.wired);
  });
  afterEach(async () => {
    expect(await topology(broker.wired)).toEqual(before);
    expect(await allocations(broker.wired)).toEqual({ mbps: 0, labels: 0, circuits: 0 });
  });

  it('frames that are not JSON objects or not envelopes: a sessionless error each, and the channel goes on', async () => {
    const c = await connect();
    const cases: [Buffer, string][] = [
      [rawFrame('{"session":1,'), 'invalid-json'],
      [rawFrame(''), 'invalid-json'],
      [rawFrame(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 'invalid-utf8'],
      [rawFrame('[1,2]'), 'not-object'],
      [rawFrame('42'), 'not-object'],
      [rawFrame('"x"'), 'not-object'],
      [rawFrame('null'), 'not-object'],
      [frame({ content: { type: 'get-terminals' } }), 'not-an-envelope'],
      [frame({ session: -1, content: { type: 'get-terminals' } }), 'not-an-envelope'],
      [frame({ session: 1.5, content: { type: 'get-terminals' } }), 'not-an-envelope'],
      [frame({ session: '1', content: { type: 'get-terminals' } }), 'not-an-envelope'],
      [frame({ session: 2 ** 53, content: { type: 'get-terminals' } }), 'not-an-envelope'],
    ];
    let seen = 0;
    for (const [bytes, reason] of cases) {
      c.writeRaw(bytes);
      const e = await nextUnsessioned(c, seen++);
      expect(e).toMatchObject({ error: 'bad-argument', code: 'INVALID_ARGUMENT', details: { reason } });
      expect(e.session).toBeUndefined();
    }
    // content that is not a message: an error on that session
    for (const content of ['hi', null, [1], 5]) {
      c.send(9, content);
      expect(await c.read(9)).toMatchObject({ error: 'bad-argument', details: { reason: 'not-an-object' } });
    }
    expect(await c.ok({ type: 'get-terminals' })).toEqual({ 'terminal-names': ['frankfurt', 'london', 'paris'] });
    await c.close();
  });

  it('a frame of exactly maxFrameBytes is read; one byte more gets an error and the channel closes (exit 2)', async () => {
    const c = await connect();
    const base = JSON.stringify({ session: 3, content: { type: 'get-terminals' } });
    c.writeRaw(rawFrame(base.slice(0, -1) + ' '.repeat(4096 - base.length) + '}'));
    expect((await c.read(3))?.['terminal-names']).toHaveLength(3);
    const id = (await c.ok({ type: 'new-service' }))['service-id'];
    // a slow request first: it is still answered before the channel closes
    c.writeRaw(Buffer.concat([frame({ session: 4, content: { type: 'await-service-status', 'service-id': id, acceptable: ['ACTIVE'], 'timeout-millis': 200 } }), rawFrame('x'.repeat(10), 4097)]));
    expect(await c.read(4)).toEqual({ status: 'DORMANT' });
    await c.waitClosed();
    expect(c.exitCode).toBe(2);
    expect(c.unsessioned).toEqual([expect.objectContaining({ error: 'bad-argument', details: expect.objectContaining({ reason: 'frame-too-large', value: 4097, maxFrameBytes: 4096 }) })]);
    const d = await connect();
    await d.ok({ type: 'release-service', 'service-id': id });
    await d.close();
  });

  it('a negative length closes the channel with an error frame (exit 2)', async () => {
    const c = await connect();
    c.writeRaw(Buffer.from([0x80, 0, 0, 0, 1, 2, 3]));
    await c.waitClosed();
    expect(c.exitCode).toBe(2);
    expect(c.unsessioned).toEqual([expect.objectContaining({ error: 'bad-argument', details: expect.objectContaining({ reason: 'negative-length' }) })]);
  });

  it('a frame cut short by EOF: an error frame, then the channel closes', async () => {
    const c = await connect();
    c.writeRaw(rawFrame('{"session":1,"content"', 100));
    await c.endAndWait();
    expect(c.exitCode).toBe(2);
    expect(c.unsessioned).toEqual([expect.objectContaining({ details: expect.objectContaining({ reason: 'truncated' }) })]);
  });

  it('after all that, a normal client still works', async () => {
    const c = await connect();
    const id = (await c.ok({ type: 'new-service' }))['service-id'];
    await c.ok({ type: 'define-service', 'service-id': id, segment: [{ 'terminal-name': 'london', label: 300, 'ingress-bw': 5 }, { 'terminal-name': 'paris', label: 300, 'ingress-bw': 5 }] });
    await c.ok({ type: 'activate-service', 'service-id': id });
    expect(await c.ok({ type: 'await-service-status', 'service-id': id, acceptable: ['ACTIVE'], 'timeout-millis': 5000 })).toEqual({ status: 'ACTIVE' });
    await c.ok({ type: 'release-service', 'service-id': id });
    expect(await c.ok({ type: 'await-service-status', 'service-id': id, acceptable: ['RELEASED'], 'timeout-millis': 5000 })).toEqual({ status: 'RELEASED' });
    await c.close();
  });
});
