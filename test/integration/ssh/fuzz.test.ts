/**
 * Fuzzing the JSON channel: well over 10,000 random frames (seeded) over a
 * few concurrent connections — valid envelopes with random messages, close
 * frames, frames that are not envelopes, not objects, not JSON, not UTF-8,
 * and batches that end in an oversized or negative length, a truncated
 * frame, or random bytes. Every well-formed data envelope must get exactly
 * one reply on its session (before the channel closes), every batch must end
 * within a deadline, nothing may fail unexpectedly on the server, and
 * afterwards a normal client works and the topology and allocations are as
 * they were.
 */
import type { Logger } from '@dpb/model';
import type { Client } from 'ssh2';
import { frame, type Json, ReferenceClient, sshConnect } from './reference-client';
import { allocations, type SshBroker, startSshBroker, topology, WAN_YAML } from './ssh-broker';

const SEED = Number(process.env.DPB_FUZZ_SEED ?? 0x5eed2024);
const CONNECTIONS = 4;
const BATCHES_PER_CONNECTION = 5;
const FRAMES_PER_BATCH = 520;
const BATCH_DEADLINE_MS = 15_000;

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPES = [
  'get-terminals', 'check-terminal', 'remove-terminal', 'dump-status', 'get-services', 'check-service', 'find-service', 'new-service',
  'define-service', 'activate-service', 'deactivate-service', 'reset-service', 'release-service', 'await-service-status', 'get-model',
  'add-terminal', 'get-switch-terminals', 'modify-terminal-bandwidth', 'map-terminal', 'get-aggregator-terminals', 'add-trunk', 'remove-trunk',
  'check-trunk', 'get-trunks', 'get-trunk-delay', 'set-trunk-delay', 'increase-trunk-bw', 'decrease-trunk-bw', 'define-trunk-label-range',
  'revoke-trunk-start-label-range', 'revoke-trunk-end-label-range', 'decommission-trunk', 'recommission-trunk', 'is-trunk-commissioned',
];
const MEMBERS = [
  'terminal-name', 'service-id', 'handle', 'segment', 'acceptable', 'timeout-millis', 'min-bw', 'terminal-config', 'ingress', 'egress',
  'subnetwork-name', 'subterminal-name', 'start-network-name', 'start-terminal-name', 'end-network-name', 'end-terminal-name',
  'start-subnetwork-name', 'start-subterminal-name', 'delay', 'upstream-bw', 'downstream-bw', 'start-label', 'label-count', 'end-label',
];
const ENDS = ['start-network-name', 'start-terminal-name', 'end-network-name', 'end-terminal-name'];
/** Members of each type, from dpb-interfaces.md §2.7. */
const TYPE_MEMBERS: Record<string, string[]> = {
  'check-terminal': ['terminal-name'],
  'remove-terminal': ['terminal-name'],
  'check-service': ['service-id'],
  'find-service': ['handle'],
  'new-service': ['handle'],
  'define-service': ['service-id', 'segment'],
  'activate-service': ['service-id'],
  'deactivate-service': ['service-id'],
  'reset-service': ['service-id'],
  'release-service': ['service-id'],
  'await-service-status': ['service-id', 'acceptable', 'timeout-millis'],
  'get-model': ['min-bw'],
  'add-terminal': ['terminal-name', 'terminal-config'],
  'modify-terminal-bandwidth': ['terminal-name', 'ingress', 'egress'],
  'map-terminal': ['terminal-name', 'subnetwork-name', 'subterminal-name'],
  'add-trunk': ENDS,
  'remove-trunk': ['subnetwork-name', 'subterminal-name'],
  'check-trunk': ['start-subnetwork-name', 'start-subterminal-name'],
  'get-trunk-delay': ENDS,
  'set-trunk-delay': [...ENDS, 'delay'],
  'increase-trunk-bw': [...ENDS, 'upstream-bw', 'downstream-bw'],
  'decrease-trunk-bw': [...ENDS, 'upstream-bw', 'downstream-bw'],
  'define-trunk-label-range': [...ENDS, 'start-label', 'label-count', 'end-label'],
  'revoke-trunk-start-label-range': [...ENDS, 'start-label', 'label-count'],
  'revoke-trunk-end-label-range': [...ENDS, 'end-label', 'label-count'],
  'decommission-trunk': ENDS,
  'recommission-trunk': ENDS,
  'is-trunk-commissioned': ENDS,
};
const STATUSES = ['DORMANT', 'ESTABLISHING', 'INACTIVE', 'ACTIVATING', 'ACTIVE', 'DEACTIVATING', 'FAILED', 'RELEASING', 'RELEASED'];
const REAL_TERMINALS = ['london', 'paris', 'frankfurt', 'vms', 'uplink'];

class Gen {
  constructor(readonly r: () => number) {}

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)] as T;
  }

  chance(p: number): boolean {
    return this.r() < p;
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(this.r() * 256);
    return b;
  }

  string(): string {
    const choices = [
      () => '',
      () => `zz${this.int(0, 9)}`,
      () => 'x'.repeat(this.int(1, 300)),
      () => String.fromCharCode(...Array.from({ length: this.int(1, 12) }, () => this.int(0, 0xd7ff))),
      () => '\u0000\n\t"\\',
      () => '__proto__',
      () => 'constructor',
      () => this.pick(STATUSES),
      () => 'NOT IMPLEMENTED',
    ];
    return this.pick(choices)();
  }

  number(): number {
    return this.pick([0, -1, 1, 0.5, -0.000001, 1e308, -1e308, 2 ** 31, 2 ** 53, Number.MAX_SAFE_INTEGER, this.int(-1000, 100000), this.r() * 1e6]);
  }

  /** Any JSON value, nested at most `depth` deep. */
  json(depth = 3): unknown {
    const k = this.int(0, depth > 0 ? 6 : 4);
    switch (k) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.number();
      case 3:
      case 4:
        return this.string();
      case 5:
        return Array.from({ length: this.int(0, 4) }, () => this.json(depth - 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = this.int(0, 4); i > 0; i--) o[this.chance(0.5) ? this.pick(MEMBERS) : this.string()] = this.json(depth - 1);
        return o;
      }
    }
  }

  /** A plausible value for a member (real terminals only inside segments: topology must not change). */
  good(member: string): unknown {
    switch (member) {
      case 'service-id':
        return this.int(0, 80);
      case 'handle':
        return `fz-${this.int(0, 30)}`;
      case 'segment':
        return Array.from({ length: this.int(1, 3) }, () => ({
          'terminal-name': this.chance(0.8) ? this.pick(REAL_TERMINALS) : this.string(),
          label: this.chance(0.9) ? this.int(100, 999) : this.json(0),
          'ingress-bw': this.chance(0.9) ? this.int(0, 60) : this.json(0),
          ...(this.chance(0.5) ? { 'egress-bw': this.chance(0.8) ? this.int(0, 60) : null } : {}),
        }));
      case 'acceptable':
        return Array.from({ length: this.int(0, 3) }, () => this.pick(STATUSES));
      case 'timeout-millis':
        return this.chance(0.1) ? 10_000_000 : this.int(0, 40);
      case 'min-bw':
        return this.int(0, 20000);
      case 'ingress':
      case 'egress':
        return { action: this.pick(['set', 'adjust', 'x']), amount: this.chance(0.3) ? null : this.int(-50, 5000) };
      case 'delay':
      case 'upstream-bw':
      case 'downstream-bw':
      case 'start-label':
      case 'label-count':
      case 'end-label':
        return this.int(0, 2000);
      default:
        return `zz${this.int(0, 9)}`; // names that are never real, so management requests cannot succeed
    }
  }

  message(): unknown {
    if (this.chance(0.08)) return this.json();
    const msg: Record<string, unknown> = {};
    if (!this.chance(0.05)) msg.type = this.chance(0.9) ? this.pick(TYPES) : this.json(1);
    // mostly the members the type takes (per the reference), mostly plausible; sometimes anything
    const own = typeof msg.type === 'string' && Object.prototype.hasOwnProperty.call(TYPE_MEMBERS, msg.type) ? (TYPE_MEMBERS[msg.type] as string[]) : [];
    for (const m of own) if (this.chance(0.92)) msg[m] = this.chance(0.85) ? this.good(m) : this.json(1);
    for (const m of MEMBERS) if (!own.includes(m) && this.chance(0.05)) msg[m] = this.chance(0.5) ? this.good(m) : this.json(1);
    return msg;
  }

  session(): number {
    return this.chance(0.95) ? this.int(0, 20) : this.pick([this.int(21, 1e6), Number.MAX_SAFE_INTEGER]);
  }
}

interface Batch {
  bytes: Buffer;
  frames: number;
  /** Data envelopes per session number. */
  expected: Map<number, number>;
  tail: 'eof' | 'huge' | 'negative' | 'truncated' | 'junk';
}

function rawFrame(body: Buffer, length = body.length): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(length >>> 0);
  return Buffer.concat([head, body]);
}

function makeBatch(g: Gen): Batch {
  const parts: Buffer[] = [];
  const expected = new Map<number, number>();
  for (let i = 0; i < FRAMES_PER_BATCH; i++) {
    const k = g.r();
    if (k < 0.72) {
      const session = g.session();
      const content = g.message();
      const env = g.chance(0.5) ? { session, content } : { content, session };
      parts.push(frame(env));
      expected.set(session, (expected.get(session) ?? 0) + 1);
    } else if (k < 0.8) {
      parts.push(frame({ session: g.session() }));
    } else if (k < 0.86) {
      const bad = g.pick([{ content: g.message() }, { session: -g.int(1, 9), content: {} }, { session: g.string(), content: {} }, { session: 1.25, content: {} }, { session: 2 ** 60 }]);
      parts.push(frame(bad));
    } else if (k < 0.9) {
      parts.push(rawFrame(Buffer.from(g.pick(['{', '{"session":1,"content":', 'nul', '}{', '{"a":1}x', '']))));
    } else if (k < 0.94) {
      parts.push(rawFrame(Buffer.concat([Buffer.from('{"session":1,"content":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}')])));
    } else {
      parts.push(frame(g.pick([[1, 2], 'text', 42, null, true, [{ session: 1 }]])));
    }
  }
  const tail = g.pick(['eof', 'eof', 'huge', 'negative', 'truncated', 'junk'] as const);
  if (tail === 'huge') parts.push(rawFrame(g.bytes(g.int(0, 64)), g.int(1024 * 1024 + 1, 0x7fffffff)));
  if (tail === 'negative') parts.push(rawFrame(g.bytes(g.int(0, 64)), g.int(0x80000000, 0xffffffff)));
  if (tail === 'truncated') {
    const len = g.int(10, 2000);
    parts.push(rawFrame(g.bytes(g.int(0, len - 1)), len));
  }
  if (tail === 'junk') parts.push(g.bytes(g.int(1, 3000)));
  return { bytes: Buffer.concat(parts), frames: FRAMES_PER_BATCH + (tail === 'eof' ? 0 : 1), expected, tail };
}

async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_r, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no end within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function runBatch(ssh: Client, network: string, batch: Batch, label: string): Promise<void> {
  const c = await ReferenceClient.open(ssh, network, BATCH_DEADLINE_MS);
  expect(c.hello['network-name']).toBe(network);
  c.writeRaw(batch.bytes);
  c.channel.end();
  await withDeadline(c.waitClosed(BATCH_DEADLINE_MS), BATCH_DEADLINE_MS, label);
  const got = new Map<number, number>();
  for (const f of c.received) {
    if (typeof f.session !== 'number') continue;
    expect(typeof f.content).toBe('object');
    got.set(f.session, (got.get(f.session) ?? 0) + 1);
  }
  // exactly one reply per data envelope, on its own session
  expect({ label, replies: Object.fromEntries([...got].sort((a, b) => a[0] - b[0])) }).toEqual({
    label,
    replies: Object.fromEntries([...batch.expected].sort((a, b) => a[0] - b[0])),
  });
  if (batch.tail === 'eof') expect(c.exitCode).toBe(0);
  if (batch.tail === 'huge' || batch.tail === 'negative' || batch.tail === 'truncated') expect(c.exitCode).toBe(2);
}

let broker: SshBroker;
const problems: unknown[] = [];
const logger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error: (message, fields) => problems.push({ message, fields }),
};
const onRejection = (e: unknown): void => {
  problems.push({ unhandledRejection: e });
};

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  broker = await startSshBroker(WAN_YAML, {
    auth: 'required',
    usersYaml: `users:
  - { name: fuzz, password: "fz", rights: { "*": [control, manage] } }
  - { name: fuzzctl, password: "fz", rights: { "*": [control] } }
`,
    channelLimits: { maxAwaitMs: 100 },
    logger,
  });
});

afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await broker?.close();
});

it(`answers every envelope of ${CONNECTIONS * BATCHES_PER_CONNECTION * FRAMES_PER_BATCH}+ random frames exactly once, survives, and changes nothing it should not (seed ${SEED})`, async () => {
  const before = await topology(broker.wired);
  const started = Date.now();
  let frames = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_x, i) => {
      const g = new Gen(prng(SEED + i));
      // the aggregator with every right (management names are never real); the switch control-only
      const [user, network] = i % 2 === 0 ? ['fuzz', 'wan'] : ['fuzzctl', 'core'];
      const ssh = await sshConnect({ port: broker.port, username: user, password: 'fz' });
      ssh.on('error', () => undefined);
      try {
        for (let b = 0; b < BATCHES_PER_CONNECTION; b++) {
          const batch = makeBatch(g);
          frames += batch.frames;
          await runBatch(ssh, network, batch, `connection ${i} batch ${b} (${batch.tail})`);
        }
      } finally {
        ssh.end();
      }
    }),
  );
  expect(frames).toBeGreaterThanOrEqual(10_000);
  expect(problems).toEqual([]);

  // a normal client still works
  const c = await ReferenceClient.connect({ port: broker.port, network: 'wan', username: 'fuzz', password: 'fz' });
  const id = (await c.ok({ type: 'new-service' }))['service-id'];
  await c.ok({
    type: 'define-service',
    'service-id': id,
    segment: [
      { 'terminal-name': 'frankfurt', label: 4000, 'ingress-bw': 1 },
      { 'terminal-name': 'paris', label: 4000, 'ingress-bw': 1 },
    ],
  });
  await c.ok({ type: 'activate-service', 'service-id': id });
  expect(await c.ok({ type: 'await-service-status', 'service-id': id, acceptable: ['ACTIVE', 'FAILED'], 'timeout-millis': 5000 })).toEqual({ status: 'ACTIVE' });
  await c.close();

  // topology unchanged; once every service is released, nothing is left allocated
  expect(await topology(broker.wired)).toEqual(before);
  const aggregatorsFirst = [...broker.wired.networks.values()].sort((a, b) => Number(!a.aggregator) - Number(!b.aggregator));
  for (const e of aggregatorsFirst) {
    const services = await e.control.services();
    await Promise.all(services.map((s) => s.release()));
    for (const s of services) expect(await s.awaitStatus(['RELEASED'], 5000)).toBe('RELEASED');
  }
  expect(await allocations(broker.wired)).toEqual({ mbps: 0, labels: 0, circuits: 0 });
  expect(Date.now() - started).toBeLessThan(60_000);
}, 90_000);
