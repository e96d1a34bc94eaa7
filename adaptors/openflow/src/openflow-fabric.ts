import {
  type BridgeCondition,
  type BridgeListener,
  type BridgeSpec,
  type BridgeState,
  checkMbps,
  defaultRuntime,
  errors,
  type Fabric,
  type FabricInterface,
  type Runtime,
  BridgeStateFeed,
} from '@dpb/model';
import {
  type AppResult,
  type AppSlicesReply,
  type AppSlicesRequest,
  nodeTimers,
  OpenflowAppClient,
  type TimerApi,
} from './app-client';
import {
  type AppCircuit,
  circuitFor,
  circuitName,
  circuitsConflict,
  compareAppCircuits,
  DEFAULT_PORTS,
  kbpsOf,
  type OpenflowInterface,
  parseOpenflowInterface,
} from './interface-description';
import {
  DEFAULT_PUSH_INTERVAL_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  normaliseController,
  normaliseDpid,
  type OpenflowFabricConfig,
} from './openflow-config';

/** What {@link OpenflowFabric} is built from: the config plus knobs for tests. */
export interface OpenflowFabricOptions extends Partial<Omit<OpenflowFabricConfig, 'controller' | 'dpid'>> {
  /** Base URL of the app, e.g. `http://127.0.0.1:8181` (a trailing slash is ignored). */
  controller: string;
  /** Datapath id: 16 hex digits, `0x...`, or a decimal integer. */
  dpid: string | number;
  /** Names the fabric in logs and errors (the switch network); default `openflow`. */
  name?: string;
  runtime?: Runtime;
  /** First delay before retrying after the app could not be reached, ms; default 100. Doubles up to `retryMaxMs`. */
  retryMinMs?: number;
  /** Longest delay between retries, ms; default 5000. */
  retryMaxMs?: number;
  /** First delay before reading the app's status again while a slice is pending, ms; default 250. Doubles up to min(2000, pushIntervalMs) while nothing changes. */
  statusPollMs?: number;
  /** Extra time a PUT may take per slice that changed since the last accepted PUT, ms; default 20. */
  perSliceTimeoutMs?: number;
  /** Timers (injected by tests to check none is left behind). */
  timers?: TimerApi;
}

/** The slice id grammar of the app: 1..128 of `[A-Za-z0-9._:/@-]`. */
const SLICE_ID = /^[A-Za-z0-9._:/@-]{1,128}$/;
const SLICE_REF = /slices\[("(?:[^"\\]|\\.)*")\]/g;
/** Longest pause between status reads while a slice is pending, ms. */
const MAX_POLL_MS = 2000;

type Phase = 'active' | 'failed' | 'removing';

interface Entry {
  id: string;
  /** Circuits as sent to the app (sorted), or undefined when refused locally. */
  circuits: AppCircuit[] | undefined;
  /** JSON of `circuits`: equal keys, equal slices. */
  key: string;
  /** The change number at which the current spec (or removal) was set. */
  version: number;
  /** active: wanted and sent; failed: refused (not sent); removing: to be removed, not yet confirmed. */
  phase: Phase;
  condition: Exclude<BridgeCondition, 'absent'>;
  reason: string | undefined;
  /** Has it ever been in a PUT (so the app may hold it)? */
  everSent: boolean;
  /** The state last queued for listeners. */
  told: string | undefined;
}

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * The Fabric of ONE datapath served by dpb's OpenFlow app (`ryu-apps/`), over
 * the app's REST API.
 *
 * Declarative: the fabric keeps the desired set of bridges and PUTs the whole
 * set (one slice per bridge) on every change, coalescing bursts (changes made
 * while a PUT is in flight go out together in exactly one more PUT), and again
 * every `pushIntervalMs`, so an app that restarted (its state is volatile) is
 * refilled. Each method resolves once the PUT that carries its change has been
 * answered, or has failed and a retry is scheduled.
 *
 * Status is what the app says: a bridge is `up` only when the app reports its
 * slice `installed` on the switch; `pending` while the app says pending or
 * cannot be reached (the reason says which); `failed` with the app's or the
 * switch's reason; `absent` once the app confirmed its removal. Listeners get
 * changes asynchronously, in order, and only when the condition or reason
 * changes.
 */
export class OpenflowFabric implements Fabric {
  readonly kind = 'openflow';
  readonly name: string;
  readonly dpid: string;
  readonly controller: string;
  private readonly ports: number;
  private readonly pushIntervalMs: number;
  private readonly requestTimeoutMs: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly statusPollMs: number;
  private readonly perSliceTimeoutMs: number;
  private readonly runtime: Runtime;
  private readonly timers: TimerApi;
  private readonly client: OpenflowAppClient;

  private readonly entries = new Map<string, Entry>();
  private readonly feed = new BridgeStateFeed();
  private waiters: Waiter[] = [];

  /** Change counter: every change of the desired set takes the next number. */
  private seq = 0;
  /** Changes up to this number have been in a PUT that was answered or is being retried. */
  private pushedSeq = 0;
  /** Changes up to this number have been accepted by the app (PUT answered 200). */
  private confirmedSeq = 0;
  /** Slices of the last accepted PUT, id → key. */
  private confirmedKeys = new Map<string, string>();
  private confirmedGeneration = -1;
  private anyConfirmed = false;

  private generation = 0;
  private generationKnown = false;
  private staleGenerations = 0;
  /** A full PUT is wanted even if nothing changed (timer, app restart, lost slice). */
  private forcePush = false;
  /** A status read is wanted (a slice is pending). */
  private statusWanted = false;
  /** Some method has been called: before that the fabric pushes nothing. */
  private primed = false;
  /** reconcile has been called: the desired set is complete. */
  private reconciled = false;
  /** Slices found on the app at start that this fabric does not know: kept until the first reconcile. */
  private readonly adopted = new Map<string, AppCircuit[]>();
  private adoptionDone = false;

  /** Why the app cannot be reached right now, or undefined. */
  private outage: string | undefined;
  private loop: Promise<void> | undefined;
  private retryTimer: unknown;
  private retryDelayMs = 0;
  private tickTimer: unknown;
  private pollTimer: unknown;
  private pollDelayMs: number;
  private closed = false;

  constructor(options: OpenflowFabricOptions) {
    const controller = normaliseController(options.controller);
    if (controller === undefined) {
      throw errors.invalid('controller must be an http(s) URL such as http://127.0.0.1:8181', {
        field: 'controller',
        value: String(options.controller).slice(0, 80),
      });
    }
    const dpid = normaliseDpid(options.dpid);
    if (dpid === undefined) {
      throw errors.invalid('dpid must be 16 hex digits, 0x followed by hex digits, or a decimal integer', {
        field: 'dpid',
        value: String(options.dpid).slice(0, 40),
      });
    }
    this.controller = controller;
    this.dpid = dpid;
    this.name = options.name ?? 'openflow';
    this.ports = positive(options.ports ?? DEFAULT_PORTS, 'ports');
    this.pushIntervalMs = positive(options.pushIntervalMs ?? DEFAULT_PUSH_INTERVAL_MS, 'pushIntervalMs');
    this.requestTimeoutMs = positive(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, 'requestTimeoutMs');
    this.retryMinMs = positive(options.retryMinMs ?? 100, 'retryMinMs');
    this.retryMaxMs = Math.max(this.retryMinMs, positive(options.retryMaxMs ?? 5000, 'retryMaxMs'));
    this.statusPollMs = positive(options.statusPollMs ?? 250, 'statusPollMs');
    this.perSliceTimeoutMs = options.perSliceTimeoutMs ?? 20;
    this.pollDelayMs = this.statusPollMs;
    this.runtime = options.runtime ?? defaultRuntime;
    this.timers = options.timers ?? nodeTimers;
    this.client = new OpenflowAppClient({
      controller,
      ...(options.token !== undefined ? { token: options.token } : {}),
      requestTimeoutMs: this.requestTimeoutMs,
      timers: this.timers,
    });
    this.armTick();
  }

  describeInterface(description: string): FabricInterface {
    const { description: canonical, labels } = parseOpenflowInterface(description, this.ports);
    return { description: canonical, labels };
  }

  maxBridges(): number | undefined {
    return undefined;
  }

  async reconcile(bridges: readonly BridgeSpec[]): Promise<void> {
    this.checkOpen();
    if (!Array.isArray(bridges)) throw errors.invalid('reconcile needs a list of bridges', { field: 'bridges' });
    const specs = bridges.map((b) => this.normalise(b));
    const ids = new Set<string>();
    for (const s of specs) {
      if (ids.has(s.id)) throw errors.invalid(`bridge ${s.id} appears twice`, { kind: 'bridge', field: 'id', value: s.id });
      ids.add(s.id);
    }
    this.primed = true;
    this.reconciled = true;
    this.adopted.clear();
    for (const e of [...this.entries.values()]) if (!ids.has(e.id)) this.markRemoved(e);
    // Bridges already carried unchanged keep their circuits; the others are checked against them, in the order given.
    const unchanged = specs.filter((s) => {
      const e = this.entries.get(s.id);
      return e !== undefined && e.phase === 'active' && e.key === s.key;
    });
    const rest = specs.filter((s) => !unchanged.includes(s));
    // While their new specs are applied, the old circuits of changing bridges block nobody.
    const changing = new Set(rest.map((s) => s.id));
    for (const s of rest) {
      changing.delete(s.id);
      this.apply(s, changing);
    }
    return this.scheduled(++this.seq);
  }

  async ensureBridge(spec: BridgeSpec): Promise<void> {
    this.checkOpen();
    const s = this.normalise(spec);
    this.primed = true;
    this.adopted.delete(s.id);
    this.apply(s);
    return this.scheduled(++this.seq);
  }

  async removeBridge(id: string): Promise<void> {
    this.checkOpen();
    if (typeof id !== 'string' || id.length === 0) throw errors.invalid('a bridge id must be a non-empty string', { kind: 'bridge', field: 'id' });
    this.primed = true;
    const wasAdopted = this.adopted.delete(id);
    const e = this.entries.get(id);
    if (e === undefined) {
      // Unknown here: once the app has accepted any PUT of ours it cannot hold it either.
      if (this.anyConfirmed && !wasAdopted) return;
      return this.scheduled(++this.seq);
    }
    this.markRemoved(e);
    if (!this.entries.has(id)) return this.flush();
    return this.scheduled(++this.seq);
  }

  async bridges(): Promise<BridgeState[]> {
    this.checkOpen();
    return [...this.entries.values()].map((e) => stateOf(e));
  }

  subscribe(listener: BridgeListener): () => void {
    return this.feed.subscribe(listener);
  }

  /** Stops the timers, aborts requests in flight and retries; calls still waiting reject with UNAVAILABLE. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timers.clearTimeout(this.tickTimer);
    this.timers.clearTimeout(this.retryTimer);
    this.timers.clearTimeout(this.pollTimer);
    this.tickTimer = this.retryTimer = this.pollTimer = undefined;
    this.client.close();
    await this.loop;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(errors.unavailable(`fabric ${this.name} is closed`, { inferior: this.name }));
    await this.flush();
    this.feed.clear();
  }

  // ------------------------------------------------------------------ desired state

  private checkOpen(): void {
    if (this.closed) throw errors.unavailable(`fabric ${this.name} is closed`, { inferior: this.name });
  }

  /** Checks a spec's shape (throws INVALID_ARGUMENT, changing nothing) and computes its slice, or why it is refused. */
  private normalise(spec: BridgeSpec): { id: string; circuits: AppCircuit[] | undefined; key: string; refused?: string } {
    if (typeof spec !== 'object' || spec === null) throw errors.invalid('a bridge must be an object', { kind: 'bridge' });
    const id = spec.id;
    if (typeof id !== 'string' || !SLICE_ID.test(id)) {
      throw errors.invalid(`bridge id ${JSON.stringify(id)} must be 1-128 characters of letters, digits and . _ : / @ -`, {
        kind: 'bridge',
        field: 'id',
        value: typeof id === 'string' ? id.slice(0, 80) : String(id),
      });
    }
    if (!Array.isArray(spec.circuits)) throw errors.invalid(`bridge ${id} needs a circuits array`, { kind: 'bridge', field: 'circuits' });
    const parsed: { iface: OpenflowInterface; label: number; ingressMbps: number; egressMbps: number }[] = [];
    spec.circuits.forEach((c, i) => {
      const field = `circuits[${i}]`;
      if (typeof c !== 'object' || c === null) throw errors.invalid(`bridge ${id}: ${field} must be an object`, { kind: 'bridge', field });
      const iface = parseOpenflowInterface(c.interface, this.ports);
      if (typeof c.label !== 'number' || !Number.isInteger(c.label)) {
        throw errors.invalid(`bridge ${id}: ${field}.label must be an integer`, { kind: 'label', field: `${field}.label`, value: String(c.label) });
      }
      const ingressMbps = checkMbps(c.ingressMbps, `${field}.ingressMbps`, { kind: 'bridge', bridge: id });
      const egressMbps = checkMbps(c.egressMbps, `${field}.egressMbps`, { kind: 'bridge', bridge: id });
      parsed.push({ iface, label: c.label, ingressMbps, egressMbps });
    });
    if (parsed.length === 0) return { id, circuits: undefined, key: '', refused: 'a bridge needs at least one circuit' };
    const circuits: AppCircuit[] = [];
    for (const p of parsed) {
      const c = circuitFor(p.iface, p.label);
      if ('refused' in c) return { id, circuits: undefined, key: '', refused: c.refused };
      circuits.push({ ...c, ingressKbps: kbpsOf(p.ingressMbps), egressKbps: kbpsOf(p.egressMbps) });
    }
    circuits.sort(compareAppCircuits);
    for (let i = 0; i < circuits.length; i++) {
      for (let j = i + 1; j < circuits.length; j++) {
        const a = circuits[i] as AppCircuit;
        const b = circuits[j] as AppCircuit;
        if (circuitsConflict(a, b)) {
          const refused =
            compareAppCircuits(a, b) === 0 && a.vlan === b.vlan && a.innerVlan === b.innerVlan
              ? `circuit ${circuitName(a)} appears twice`
              : `circuits ${circuitName(a)} and ${circuitName(b)} overlap`;
          return { id, circuits: undefined, key: '', refused };
        }
      }
    }
    return { id, circuits, key: JSON.stringify(circuits) };
  }

  /** Makes `s` the desired spec of its bridge; refusals and conflicts become `failed`. */
  private apply(s: { id: string; circuits: AppCircuit[] | undefined; key: string; refused?: string }, ignore?: ReadonlySet<string>): void {
    const existing = this.entries.get(s.id);
    if (existing && existing.phase === 'active' && existing.key === s.key) return; // already carried: nothing changes
    const version = this.seq + 1; // the change number the caller is about to take
    const e: Entry = existing ?? {
      id: s.id,
      circuits: undefined,
      key: '',
      version,
      phase: 'active',
      condition: 'pending',
      reason: undefined,
      everSent: false,
      told: undefined,
    };
    e.version = version;
    e.circuits = s.circuits;
    e.key = s.key;
    this.entries.set(s.id, e);
    const refused = s.refused ?? (s.circuits ? this.conflict(s.id, s.circuits, ignore) : undefined);
    if (refused !== undefined) {
      e.phase = 'failed';
      this.set(e, 'failed', refused);
      return;
    }
    e.phase = 'active';
    this.set(e, 'pending', this.outage);
  }

  /** Why `circuits` cannot join the device: a circuit of another wanted bridge claims the same frames. */
  private conflict(id: string, circuits: AppCircuit[], ignore?: ReadonlySet<string>): string | undefined {
    for (const other of this.entries.values()) {
      if (other.id === id || other.phase !== 'active' || !other.circuits || ignore?.has(other.id)) continue;
      for (const a of circuits) {
        for (const b of other.circuits) {
          if (circuitsConflict(a, b)) return `circuit ${circuitName(a)} overlaps circuit ${circuitName(b)} of bridge ${other.id}`;
        }
      }
    }
    return undefined;
  }

  /** The bridge is no longer wanted: gone at once if the app never saw it, else removed by the next PUT. */
  private markRemoved(e: Entry): void {
    if (!e.everSent) {
      this.entries.delete(e.id);
      if (e.told !== undefined) this.feed.push({ id: e.id, condition: 'absent' });
      return;
    }
    if (e.phase !== 'removing') {
      e.phase = 'removing';
      e.version = this.seq + 1;
    }
  }

  /** Resolves once change `seq` has been in a PUT that was answered (or is being retried). */
  private scheduled(seq: number): Promise<void> {
    if (this.retryTimer !== undefined) {
      // The app is unreachable and a full push is already scheduled: it will carry this change.
      return this.flush();
    }
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
    this.pollDelayMs = this.statusPollMs;
    this.kick();
    return p;
  }

  // ------------------------------------------------------------------ talking to the app

  private hasWork(): boolean {
    return this.seq > this.pushedSeq || this.forcePush || this.statusWanted;
  }

  private kick(): void {
    if (this.loop || this.closed || this.retryTimer !== undefined) return;
    this.loop = this.run()
      .catch((err) => this.runtime.logger.error('openflow fabric push loop failed', { network: this.name, error: String(err) }))
      .finally(() => {
        this.loop = undefined;
        if (!this.closed && this.hasWork()) this.kick();
      });
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      if (!this.generationKnown && (this.seq > this.pushedSeq || this.forcePush)) {
        const at = this.seq;
        const r = await this.client.getSlices(this.dpid);
        if (this.closed) return;
        if (r.ok) {
          this.generation = Math.max(this.generation, r.body.generation);
          this.generationKnown = true;
          this.adopt(r.body);
        } else if (r.kind === 'rejected') {
          // 404: the app has never seen this dpid; any other refusal shows again on the PUT.
          this.generationKnown = true;
        } else {
          await this.unreachable(r.message, at, r.request);
          return;
        }
      }
      if (this.seq > this.pushedSeq || this.forcePush) {
        this.forcePush = false;
        this.statusWanted = false;
        if (!(await this.push())) return;
        continue;
      }
      if (this.statusWanted) {
        this.statusWanted = false;
        if (!(await this.readStatus())) return;
        continue;
      }
      return;
    }
  }

  /** One full-state PUT and what follows from its answer. False when a retry has been scheduled instead. */
  private async push(): Promise<boolean> {
    const at = this.seq;
    const body = this.body();
    const included = Object.keys(body.slices);
    for (const id of included) {
      const e = this.entries.get(id);
      if (e) e.everSent = true;
    }
    let changed = 0;
    for (const [id, s] of Object.entries(body.slices)) if (this.confirmedKeys.get(id) !== JSON.stringify(s.circuits)) changed++;
    const r = await this.client.putSlices(this.dpid, body, this.requestTimeoutMs + changed * this.perSliceTimeoutMs);
    if (this.closed) return false;
    if (r.ok) {
      this.outage = undefined;
      this.retryDelayMs = 0;
      this.staleGenerations = 0;
      this.anyConfirmed = true;
      this.confirmedSeq = Math.max(this.confirmedSeq, at);
      this.confirmedGeneration = body.generation;
      this.confirmedKeys = new Map(Object.entries(body.slices).map(([id, s]) => [id, JSON.stringify(s.circuits)]));
      this.observe(r.body, at, 'put');
      await this.answered(at);
      return true;
    }
    if (r.kind === 'rejected' && r.status === 409 && r.details.field === 'generation') {
      // A stale generation: someone pushed a higher one (or we restarted). Read it and go above it.
      this.generationKnown = false;
      this.forcePush = true;
      if (++this.staleGenerations <= 3) return true;
      await this.unreachable(`the app keeps refusing generation ${body.generation} as stale`, at);
      return false;
    }
    if (r.kind === 'rejected') {
      const progress = this.rejected(r, at, included);
      if (progress) this.outage = undefined;
      await this.answered(at);
      if (progress) {
        this.seq++; // the failed bridges leave the desired set: push again without them
        return true;
      }
      await this.unreachable(`the app refused the full state (${r.code}): ${r.message}`, at);
      return false;
    }
    await this.unreachable(r.message, at, r.request);
    return false;
  }

  /** A status read. False when a retry has been scheduled instead. */
  private async readStatus(): Promise<boolean> {
    const r = await this.client.getSlices(this.dpid);
    if (this.closed) return false;
    if (r.ok) {
      this.outage = undefined;
      this.retryDelayMs = 0;
      if (r.body.generation < this.confirmedGeneration) {
        this.runtime.logger.info('openflow app lost its state (restarted?); pushing again', { network: this.name, dpid: this.dpid });
        this.forcePush = true;
      }
      this.observe(r.body, this.confirmedSeq, 'get');
      await this.flush();
      return true;
    }
    if (r.kind === 'rejected' && r.status === 404) {
      // The app does not know the dpid any more: it restarted. Everything it held is gone.
      this.runtime.logger.info('openflow app does not know the datapath (restarted?); pushing again', { network: this.name, dpid: this.dpid });
      for (const e of this.entries.values()) {
        if (e.phase === 'active') this.set(e, 'pending', `the OpenFlow app lost the slice (it restarted?); pushing it again`);
      }
      this.forcePush = true;
      await this.flush();
      return true;
    }
    if (r.kind === 'rejected') {
      this.runtime.logger.warn('openflow app refused a status read', { network: this.name, status: r.status, code: r.code, message: r.message });
      return true;
    }
    await this.unreachable(r.message, this.confirmedSeq, r.request);
    return false;
  }

  /** The PUT body: every wanted bridge, plus slices adopted from the app until the first reconcile. */
  private body(): AppSlicesRequest {
    this.generation++;
    const slices: AppSlicesRequest['slices'] = {};
    if (!this.reconciled) for (const [id, circuits] of this.adopted) slices[id] = { circuits };
    for (const e of this.entries.values()) {
      if (e.phase === 'active' && e.circuits) slices[e.id] = { circuits: e.circuits };
    }
    return { generation: this.generation, slices };
  }

  /** Slices found on the app at start that nobody asked for yet: kept as they are until the first reconcile. */
  private adopt(reply: AppSlicesReply): void {
    if (this.adoptionDone) return;
    this.adoptionDone = true;
    if (this.reconciled) return;
    for (const [id, s] of Object.entries(reply.slices)) {
      if (!this.entries.has(id) && SLICE_ID.test(id) && Array.isArray(s.circuits) && s.circuits.length > 0) {
        this.adopted.set(id, s.circuits);
      }
    }
    if (this.adopted.size > 0) {
      this.runtime.logger.info('openflow fabric keeps slices found on the app until the switch reconciles', {
        network: this.name,
        dpid: this.dpid,
        slices: this.adopted.size,
      });
    }
  }

  /** Maps the app's report onto the bridges whose current spec it covers (set at or before change `at`). */
  private observe(reply: AppSlicesReply, at: number, source: 'put' | 'get'): void {
    let anyPending = false;
    const queued = this.feed.pending;
    for (const e of [...this.entries.values()]) {
      if (e.version > at) continue; // a newer spec is on its way
      if (e.phase === 'removing') {
        if (source === 'put') {
          this.entries.delete(e.id);
          this.feed.push({ id: e.id, condition: 'absent' });
        }
        continue;
      }
      if (e.phase !== 'active') continue;
      const s = reply.slices[e.id];
      if (s === undefined) {
        // Lost by the app (a restart?): a status read pushes again at once; a PUT's own answer waits for the next read.
        this.set(e, 'pending', 'the OpenFlow app does not hold the slice (it restarted?); pushing it again');
        if (source === 'get') this.forcePush = true;
        anyPending = true;
        continue;
      }
      switch (s.state) {
        case 'installed':
          this.set(e, 'up', undefined);
          break;
        case 'pending':
          anyPending = true;
          this.set(
            e,
            'pending',
            nonEmpty(s.reason) ??
              (reply.connected === false ? `datapath ${this.dpid} is not connected to the OpenFlow app` : 'the switch has not confirmed it yet'),
          );
          break;
        case 'failed':
          // Refused by the switch: no longer sent (the app removes what it installed); the switch decides what next.
          e.phase = 'failed';
          this.set(e, 'failed', nonEmpty(s.reason) ?? 'the switch refused the slice');
          this.seq++;
          break;
      }
    }
    // Poll quickly while things move (a switch connecting, ports appearing), then back off.
    if (!anyPending || this.feed.pending > queued) this.pollDelayMs = this.statusPollMs;
    if (anyPending) this.schedulePoll();
  }

  /** A 4xx: marks the bridges at fault failed. True if any bridge (or adopted slice) was taken out. */
  private rejected(r: Extract<AppResult<unknown>, { kind: 'rejected' }>, at: number, included: string[]): boolean {
    const reason = `the OpenFlow app refused it (${r.code}): ${r.message}`;
    this.runtime.logger.error('openflow app refused the desired state', {
      network: this.name,
      dpid: this.dpid,
      status: r.status,
      code: r.code,
      message: r.message,
      details: r.details,
    });
    const inBody = new Set(included);
    const named = [...slicesNamed(r.details)].filter((id) => inBody.has(id));
    let progress = false;
    for (const id of named) {
      if (this.adopted.delete(id)) progress = true;
    }
    const candidates = (ids: Iterable<string>): Entry[] => {
      const out: Entry[] = [];
      for (const id of ids) {
        const e = this.entries.get(id);
        if (e && e.phase === 'active' && e.version <= at) out.push(e);
      }
      return out;
    };
    let targets: Entry[];
    if (r.status === 401 || r.status === 403) {
      targets = candidates(included);
    } else {
      const pool = named.length > 0 ? candidates(named) : candidates(included);
      const fresh = pool.filter((e) => e.version > this.confirmedSeq || this.confirmedKeys.get(e.id) !== e.key);
      targets = fresh.length > 0 ? fresh : pool;
    }
    for (const e of targets) {
      e.phase = 'failed';
      this.set(e, 'failed', reason);
      progress = true;
    }
    return progress;
  }

  /** No answer: wanted bridges are pending (the reason says why) and a full push is retried with backoff. */
  private async unreachable(message: string, at: number, request?: string): Promise<void> {
    const reason = `the OpenFlow app at ${this.controller} cannot be reached: ${message}`;
    if (this.outage === undefined) {
      this.runtime.logger.warn('openflow app unreachable; retrying with backoff', { network: this.name, dpid: this.dpid, request, error: message });
    }
    this.outage = reason;
    for (const e of this.entries.values()) if (e.phase === 'active') this.set(e, 'pending', reason);
    this.retryDelayMs = Math.min(Math.max(this.retryMinMs, this.retryDelayMs * 2), this.retryMaxMs);
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = undefined;
      this.forcePush = true;
      this.kick();
    }, this.retryDelayMs);
    // The retry pushes the full state, so every change made so far is scheduled: release all waiting calls.
    await this.answered(Math.max(at, this.seq));
  }

  /** Delivers queued states, then resolves the calls whose change went out with change `at`. */
  private async answered(at: number): Promise<void> {
    this.pushedSeq = Math.max(this.pushedSeq, at);
    await this.flush();
    const ready = this.waiters.filter((w) => w.seq <= this.pushedSeq);
    this.waiters = this.waiters.filter((w) => w.seq > this.pushedSeq);
    for (const w of ready) w.resolve();
  }

  private schedulePoll(): void {
    if (this.pollTimer !== undefined || this.closed) return;
    const delay = this.pollDelayMs;
    this.pollDelayMs = Math.min(this.pollDelayMs * 2, Math.min(MAX_POLL_MS, this.pushIntervalMs));
    this.pollTimer = this.timers.setTimeout(() => {
      this.pollTimer = undefined;
      this.statusWanted = true;
      this.kick();
    }, delay);
  }

  private armTick(): void {
    if (this.closed) return;
    this.tickTimer = this.timers.setTimeout(() => {
      this.tickTimer = undefined;
      if (this.primed) {
        this.forcePush = true;
        this.kick();
      }
      this.armTick();
    }, this.pushIntervalMs);
  }

  // ------------------------------------------------------------------ reporting

  /** Records a bridge's condition; queues it for listeners if it changed. */
  private set(e: Entry, condition: Exclude<BridgeCondition, 'absent'>, reason: string | undefined): boolean {
    e.condition = condition;
    e.reason = condition === 'up' ? undefined : reason;
    const told = `${e.condition}|${e.reason ?? ''}`;
    if (told === e.told) return false;
    e.told = told;
    this.feed.push(stateOf(e));
    return true;
  }

  /** Delivers queued states to listeners on a later microtask, in order. */
  private flush(): Promise<void> {
    return this.feed.flush();
  }
}

function stateOf(e: Entry): BridgeState {
  return e.reason === undefined ? { id: e.id, condition: e.condition } : { id: e.id, condition: e.condition, reason: e.reason };
}

function nonEmpty(s: unknown): string | undefined {
  return typeof s === 'string' && s.trim() !== '' ? s : undefined;
}

function positive(x: number, field: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) {
    throw errors.invalid(`${field} must be a positive number`, { field, value: String(x) });
  }
  return x;
}

/** Slice ids an error's details name, as `slices["<id>"]...` paths or as plain values. */
function slicesNamed(details: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  const visit = (v: unknown, depth: number): void => {
    if (depth > 6) return;
    if (typeof v === 'string') {
      for (const m of v.matchAll(SLICE_REF)) {
        try {
          out.add(JSON.parse(m[1] as string) as string);
        } catch {
          // not a JSON string: ignore
        }
      }
      if (SLICE_ID.test(v)) out.add(v);
    } else if (Array.isArray(v)) {
      for (const x of v) visit(x, depth + 1);
    } else if (typeof v === 'object' && v !== null) {
      for (const x of Object.values(v)) visit(x, depth + 1);
    }
  };
  visit(details, 0);
  return out;
}
