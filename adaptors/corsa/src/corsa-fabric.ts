import {
  type BridgeCondition,
  type BridgeListener,
  type BridgeSpec,
  type BridgeState,
  defaultRuntime,
  errors,
  type Fabric,
  type FabricInterface,
  isBrokerError,
  type Logger,
  type Runtime,
  BridgeStateFeed,
} from '@dpb/model';
import { compareEndpoints, meterFor, type PlannedBridge, type PlannedCircuit, shapedRateFor, signatureOf } from './bridge-plan';
import type { CorsaFabricConfig } from './corsa-config';
import { endpointKey, endpointsConflict, parseCorsaInterface, tunnelEndpoint } from './corsa-interface';
import { CorsaRest } from './corsa-rest';
import type { Entry, FabricCore, Realiser } from './fabric-core';
import { HttpJsonClient, type HttpTransport } from './http-json-client';
import { PortGroupsClient } from './portgroups-client';
import { SharedVfcRealiser } from './shared-vfc';
import { VfcPerServiceRealiser } from './vfc-per-service';

/** How a {@link CorsaFabric} is built: its validated config plus where it runs. */
export interface CorsaFabricOptions extends CorsaFabricConfig {
  /** The switch network it serves: default prefix `dpb:<network>:`, log fields and error details. Default "corsa". */
  network?: string;
  runtime?: Runtime;
  /** Replaces the HTTP(S) client of the Corsa API (tests). */
  transport?: HttpTransport;
  /** Replaces the HTTP(S) client of the port-group app (tests). */
  appTransport?: HttpTransport;
}

/**
 * A {@link Fabric} on a Corsa DP2000-series switch, driven through the
 * switch's management REST API.
 *
 * - `vfc-per-service`: one VFC (virtual forwarding context) per bridge, its
 *   circuits attached as tunnels (VLAN tagging, egress shaping and ingress
 *   metering by the switch) and an OpenFlow controller attached: with `app`,
 *   dpb's port-group app, told the VFC's ofports as one slice (static rules
 *   for an E-Line, learning for more circuits); without, a generic learning
 *   controller dpb does not talk to.
 * - `shared-vfc`: one VFC for every bridge; each circuit is a tunnel on it,
 *   and dpb's port-group app groups the ofports into one slice per bridge.
 *
 * The fabric is declarative and level-triggered: calls record what is wanted
 * and one worker moves the switch there, one pass at a time; it re-reads the
 * switch at start, on `reconcile`, after failures and every `pushIntervalMs`.
 * Bridges it owns are recognised by their descriptions (`bridge-descr`,
 * tunnel `ifdescr`, both starting with the ownership prefix), so a restarted
 * broker adopts what is there instead of rebuilding it. Transient failures
 * (timeouts, 5xx, unreachable) leave a bridge `pending` with the reason and
 * are retried with backoff; refusals (other 4xx) make it `failed`, with
 * nothing left on the switch. Nothing is done on the switch until the first
 * call (building the fabric does no I/O).
 */
export class CorsaFabric implements Fabric {
  readonly kind = 'corsa';
  readonly network: string;
  readonly prefix: string;
  private readonly config: CorsaFabricConfig;
  private readonly logger: Logger;
  private readonly clock: Runtime['clock'];
  private readonly clients: HttpJsonClient[] = [];
  private readonly realiser: Realiser;
  private readonly table = new Map<string, Entry>();
  private readonly feed = new BridgeStateFeed();
  private authoritative = false;
  private closed = false;
  private scanned = false;
  private scanWanted = true;
  private followUpWanted = false;
  private lastScanAt = -Infinity;
  private requested = 0;
  private completed = 0;
  private waiters: { ticket: number; resolve: () => void }[] = [];
  private running: Promise<void> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimerAt = 0;
  private auditTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: CorsaFabricOptions) {
    const { network, runtime, transport, appTransport, ...config } = options;
    this.config = config;
    this.network = network ?? 'corsa';
    this.prefix = config.prefix ?? `dpb:${this.network}:`;
    const rt = runtime ?? defaultRuntime;
    this.logger = rt.logger;
    this.clock = rt.clock;
    const inferior = `corsa ${this.network}`;
    let api = transport;
    if (!api) {
      const client = new HttpJsonClient({ endpoint: config.api, apiPath: '/api/v1/', timeoutMs: config.requestTimeoutMs, name: inferior });
      this.clients.push(client);
      api = client.transport;
    }
    const rest = new CorsaRest(api, inferior);
    const core = this.core(rest);
    let appApi = appTransport;
    if (!appApi && config.app) {
      const client = new HttpJsonClient({ endpoint: config.app, apiPath: '/dpb/api/v1/', timeoutMs: config.requestTimeoutMs, name: `port-group app of ${this.network}` });
      this.clients.push(client);
      appApi = client.transport;
    }
    const app = appApi ? new PortGroupsClient(appApi, `port-group app of ${this.network}`) : undefined;
    if (config.mode === 'shared-vfc') {
      if (!app) throw errors.invalid('shared-vfc mode needs the port-group app (app.url)', { field: 'app' });
      this.realiser = new SharedVfcRealiser(core, app);
    } else {
      this.realiser = new VfcPerServiceRealiser(core, app);
    }
  }

  describeInterface(description: string): FabricInterface {
    const { description: canonical, labels } = parseCorsaInterface(description, this.config);
    return { description: canonical, labels };
  }

  maxBridges(): number | undefined {
    return this.config.maxBridges;
  }

  async reconcile(bridges: readonly BridgeSpec[]): Promise<void> {
    this.checkOpen();
    const plans = bridges.map((b) => this.plan(b));
    const ids = new Set<string>();
    for (const p of plans) {
      if (ids.has(p.id)) throw errors.invalid(`bridge ${p.id} appears twice`, { kind: 'bridge', field: 'id', value: p.id });
      ids.add(p.id);
    }
    this.authoritative = true;
    for (const e of this.table.values()) {
      if (!ids.has(e.id)) this.disown(e);
    }
    for (const p of plans) this.want(p);
    await this.run(true);
  }

  async ensureBridge(spec: BridgeSpec): Promise<void> {
    this.checkOpen();
    const changed = this.want(this.plan(spec));
    if (!changed && this.scanned) return this.flush();
    await this.run(false);
  }

  async removeBridge(id: string): Promise<void> {
    this.checkOpen();
    if (typeof id !== 'string' || id.length === 0) throw errors.invalid('a bridge needs an id', { kind: 'bridge', field: 'id' });
    const e = this.table.get(id);
    if (e) this.disown(e);
    else if (this.scanned) return this.flush();
    else this.table.set(id, this.newEntry(id, 'absent'));
    await this.run(false);
  }

  async bridges(): Promise<BridgeState[]> {
    this.checkOpen();
    if (!this.scanned) await this.run(true);
    return [...this.table.values()]
      .filter((e) => !(e.want === 'absent' && e.condition === 'absent'))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((e) => stateOf(e));
  }

  subscribe(listener: BridgeListener): () => void {
    return this.feed.subscribe(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.auditTimer) clearInterval(this.auditTimer);
    this.retryTimer = undefined;
    this.auditTimer = undefined;
    for (const c of this.clients) c.close();
    await this.running;
    this.realiser.close?.();
    for (const w of this.waiters.splice(0)) w.resolve();
    await this.flush();
    this.feed.clear();
  }

  // ------------------------------------------------------------------ desired state

  /**
   * Turns a spec into a plan: canonical interfaces, endpoints, QoS. Malformed
   * specs throw INVALID_ARGUMENT; a spec the switch cannot carry (label
   * outside its interface, two circuits on one endpoint) yields a plan with
   * `refusal`, reported as `failed`.
   */
  private plan(spec: BridgeSpec): PlannedBridge & { refusal?: string } {
    if (typeof spec?.id !== 'string' || spec.id.length === 0) throw errors.invalid('a bridge needs an id', { kind: 'bridge', field: 'id' });
    if (!Array.isArray(spec.circuits)) {
      throw errors.invalid(`bridge ${spec.id} needs a circuits array`, { kind: 'bridge', field: 'circuits' });
    }
    let refusal: string | undefined;
    const circuits: PlannedCircuit[] = [];
    spec.circuits.forEach((c, i) => {
      const iface = parseCorsaInterface(c.interface, this.config);
      if (!Number.isInteger(c.label)) {
        throw errors.invalid(`bridge ${spec.id}: circuits[${i}].label must be an integer`, { kind: 'label', field: `circuits[${i}].label`, value: String(c.label) });
      }
      for (const [field, v] of [['ingressMbps', c.ingressMbps], ['egressMbps', c.egressMbps]] as const) {
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
          throw errors.invalid(`bridge ${spec.id}: circuits[${i}].${field} must be a non-negative number`, { kind: 'bridge', field: `circuits[${i}].${field}`, value: String(v) });
        }
      }
      let endpoint;
      try {
        endpoint = tunnelEndpoint(iface, c.label);
      } catch (e) {
        refusal ??= isBrokerError(e) ? e.message : String(e);
        return;
      }
      const planned: PlannedCircuit = {
        interface: iface.description,
        label: c.label,
        endpoint,
        key: endpointKey(endpoint),
        ingressMbps: c.ingressMbps,
        egressMbps: c.egressMbps,
      };
      if (this.config.shaping) planned.shapedRateMbps = shapedRateFor(c.egressMbps);
      if (this.config.metering) planned.meter = meterFor(c.ingressMbps);
      circuits.push(planned);
    });
    circuits.sort((a, b) => compareEndpoints(a.endpoint, b.endpoint));
    for (let i = 0; i < circuits.length && refusal === undefined; i++) {
      for (let j = i + 1; j < circuits.length; j++) {
        const a = circuits[i] as PlannedCircuit;
        const b = circuits[j] as PlannedCircuit;
        if (endpointsConflict(a.endpoint, b.endpoint)) {
          refusal = `circuits ${a.interface}:${a.label} and ${b.interface}:${b.label} of bridge ${spec.id} land on the same port and tags`;
          break;
        }
      }
    }
    if (circuits.length === 0 && refusal === undefined) refusal = `bridge ${spec.id} has no circuits`;
    const plan: PlannedBridge & { refusal?: string } = { id: spec.id, circuits, signature: signatureOf(circuits) };
    if (refusal !== undefined) plan.refusal = refusal;
    return plan;
  }

  /** Records that `plan` is wanted; true when that changes anything. */
  private want(plan: PlannedBridge & { refusal?: string }): boolean {
    let e = this.table.get(plan.id);
    if (!e) {
      e = this.newEntry(plan.id, 'present');
      this.table.set(plan.id, e);
    }
    const same = e.want === 'present' && e.plan?.signature === plan.signature;
    if (same && e.failed === undefined) return false;
    e.want = 'present';
    const { refusal, ...clean } = plan;
    e.plan = clean;
    e.failed = undefined;
    e.retryAt = 0;
    e.retryDelayMs = 0;
    const why = refusal ?? this.refusal(e);
    if (why !== undefined) this.failEntry(e, why);
    return true;
  }

  /** Why the fabric cannot take this bridge beside the others it carries, or undefined. */
  private refusal(e: Entry): string | undefined {
    const plan = e.plan as PlannedBridge;
    let held = 0;
    for (const other of this.table.values()) {
      if (other === e || other.failed !== undefined) continue;
      if (other.want === 'unknown') held++;
      if (other.want !== 'present' || !other.plan) continue;
      held++;
      for (const c of plan.circuits) {
        const clash = other.plan.circuits.find((o) => endpointsConflict(c.endpoint, o.endpoint));
        if (clash) {
          return `circuit ${c.interface}:${c.label} conflicts with circuit ${clash.interface}:${clash.label} of bridge ${other.id}`;
        }
      }
    }
    const max = this.config.maxBridges;
    if (max !== undefined && held >= max) return `the fabric is full (${max} bridges)`;
    return undefined;
  }

  private disown(e: Entry): void {
    if (e.want === 'absent') return;
    e.want = 'absent';
    e.plan = undefined;
    e.retryAt = 0;
    e.retryDelayMs = 0;
  }

  private newEntry(id: string, want: Entry['want']): Entry {
    return { id, want, condition: 'absent', retryAt: 0, retryDelayMs: 0 };
  }

  // ------------------------------------------------------------------ the worker

  /** Asks for a pass (after a scan when `scan`); resolves once a pass that started after this call has ended. */
  private run(scan: boolean): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.startAudit();
    const ticket = ++this.requested;
    if (scan) this.scanWanted = true;
    const done = new Promise<void>((resolve) => this.waiters.push({ ticket, resolve }));
    this.startWorker();
    return done;
  }

  private startWorker(): void {
    if (this.running || this.closed) return;
    this.running = this.work().finally(() => {
      this.running = undefined;
      if (!this.closed && this.completed < this.requested) this.startWorker();
      else this.armRetry();
    });
  }

  private async work(): Promise<void> {
    let followUps = 0;
    while (!this.closed && this.completed < this.requested) {
      const upto = this.requested;
      this.followUpWanted = false;
      try {
        if (this.scanWanted || !this.scanned) {
          this.scanWanted = false;
          await this.realiser.scan();
          this.scanned = true;
          this.lastScanAt = this.clock.now();
        }
        await this.realiser.sync();
      } catch (err) {
        if (this.closed) break;
        this.scanWanted = true;
        const reason = isBrokerError(err) ? err.message : String(err);
        this.logger.warn('corsa fabric could not read or reach the switch; retrying', { network: this.network, error: isBrokerError(err) ? err.toJSON() : reason });
        for (const e of this.table.values()) {
          if (e.want === 'present' && e.failed === undefined && e.condition !== 'up') this.retryLaterEntry(e, reason, false);
          else if (e.want === 'absent' && e.condition !== 'absent') this.retryLaterEntry(e, reason, true);
        }
      }
      // a pass that failed a bridge runs again at once to free what it holds, before callers hear back
      if (this.followUpWanted && followUps < 3 && !this.closed) {
        followUps++;
        continue;
      }
      followUps = 0;
      this.completed = Math.max(this.completed, upto);
      await this.flush();
      const ready = this.waiters.filter((w) => w.ticket <= this.completed);
      this.waiters = this.waiters.filter((w) => w.ticket > this.completed);
      for (const w of ready) w.resolve();
    }
  }

  /** Sets the timer for the earliest entry waiting on a backoff. */
  private armRetry(): void {
    if (this.closed) return;
    let at = Infinity;
    for (const e of this.table.values()) if (e.retryAt > 0 && e.retryAt < at) at = e.retryAt;
    if (at === Infinity) return;
    if (this.retryTimer && this.retryTimerAt <= at) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimerAt = at;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.run(false);
    }, Math.max(0, at - this.clock.now()));
    this.retryTimer.unref?.();
  }

  private startAudit(): void {
    if (this.auditTimer || this.closed || this.config.pushIntervalMs <= 0) return;
    const every = this.config.pushIntervalMs;
    this.auditTimer = setInterval(() => {
      // a reconcile (the logical switch's repair) may just have read the switch
      if (this.clock.now() - this.lastScanAt >= every / 2) void this.run(true);
    }, every);
    this.auditTimer.unref?.();
  }

  private checkOpen(): void {
    if (this.closed) throw errors.unavailable(`corsa fabric ${this.network} is closed`, { inferior: `corsa ${this.network}` });
  }

  // ------------------------------------------------------------------ reports

  /** Records and queues a state change; a `pending` without a reason keeps the reason it had. */
  private report(e: Entry, condition: BridgeCondition, reason?: string): void {
    let r = condition === 'pending' || condition === 'failed' ? reason : undefined;
    if (condition === 'pending' && r === undefined && e.condition === 'pending') r = e.reason;
    if (e.condition === condition && e.reason === r) return;
    e.condition = condition;
    e.reason = r;
    this.feed.push(stateOf(e));
  }

  private retryLaterEntry(e: Entry, reason: string, keepCondition: boolean): void {
    e.retryDelayMs = Math.min(Math.max(this.config.retryMinMs, e.retryDelayMs * 2), this.config.retryMaxMs);
    e.retryAt = this.clock.now() + e.retryDelayMs;
    if (!keepCondition) this.report(e, 'pending', reason);
  }

  private failEntry(e: Entry, reason: string): void {
    e.failed = reason;
    e.retryAt = 0;
    e.retryDelayMs = 0;
    this.report(e, 'failed', reason);
  }

  private core(rest: CorsaRest): FabricCore {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      config: this.config,
      network: this.network,
      prefix: this.prefix,
      rest,
      logger: this.logger,
      get authoritative() {
        return self.authoritative;
      },
      now: () => this.clock.now(),
      entries: () => [...this.table.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
      adopt: (id) => {
        let e = this.table.get(id);
        if (!e) {
          e = this.newEntry(id, this.authoritative ? 'absent' : 'unknown');
          this.table.set(id, e);
          if (e.want === 'unknown') this.report(e, 'up');
        }
        return e;
      },
      due: (e) => e.retryAt <= this.clock.now(),
      report: (e, condition, reason) => this.report(e, condition, reason),
      succeed: (e) => {
        e.retryAt = 0;
        e.retryDelayMs = 0;
        this.report(e, 'up');
      },
      retryLater: (e, reason, keep = false) => this.retryLaterEntry(e, reason, keep),
      pollLater: (e, delayMs) => {
        e.retryAt = this.clock.now() + delayMs;
      },
      fail: (e, reason) => {
        this.failEntry(e, reason);
        this.followUpWanted = true;
      },
      gone: (e) => {
        e.retryAt = 0;
        e.retryDelayMs = 0;
        if (e.want === 'present' && e.failed === undefined) return;
        if (e.want !== 'present') {
          this.report(e, 'absent');
          this.table.delete(e.id);
        }
      },
      wantScan: () => {
        this.scanWanted = true;
      },
      followUp: () => {
        this.followUpWanted = true;
      },
      checkOpen: () => {
        if (this.closed) throw errors.unavailable(`corsa fabric ${this.network} closed during a pass`, { inferior: `corsa ${this.network}` });
      },
    };
  }

  /** Delivers queued states to listeners on a later microtask, in order. */
  private flush(): Promise<void> {
    return this.feed.flush();
  }
}

function stateOf(e: Entry): BridgeState {
  return e.reason === undefined ? { id: e.id, condition: e.condition } : { id: e.id, condition: e.condition, reason: e.reason };
}
