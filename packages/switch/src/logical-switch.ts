import {
  AsyncMutex,
  type BridgeSpec,
  type BridgeState,
  ChangeNotifier,
  type Chord,
  checkHandle,
  checkMbps,
  checkName,
  defaultRuntime,
  errorRecord,
  errors,
  type Fabric,
  type FabricInterface,
  fits,
  formatServiceRef,
  isAllowedTransition,
  isBrokerError,
  type NetworkControl,
  type NetworkModel,
  type QuotaChange,
  type QuotaChanges,
  roundMbps,
  type Runtime,
  sanitizeRequest,
  type Service,
  type ServiceInfo,
  type ServiceRef,
  type ServiceRequest,
  type ServiceStatus,
  ReleasedServices,
  StatusHub,
  type SwitchManagement,
  type SwitchServiceRecord,
  type SwitchStore,
  type SwitchTerminalInfo,
  toBrokerError,
} from '@dpb/model';
import { type ServiceEntry, type ServiceHost, SwitchService } from './switch-service';
import { remaining, type TerminalState, TerminalTable } from './terminal-table';

export interface LogicalSwitchOptions {
  name: string;
  fabric: Fabric;
  store: SwitchStore;
  runtime?: Runtime;
  /** How often the full desired state is pushed to the fabric again, ms; default 30000; 0 disables. */
  repairIntervalMs?: number;
  /** First delay before retrying a fabric call that failed, ms; default 20. Doubles up to `retryMaxMs`. */
  retryMinMs?: number;
  /** Longest delay between retries, ms; default 5000. */
  retryMaxMs?: number;
}

/** Cost of every chord of a switch: small and positive, as DPB's 0.001. */
export const SWITCH_CHORD_COST = 0.001;

const DEFAULT_REPAIR_INTERVAL_MS = 30_000;

/**
 * A network made of one switching fabric.
 *
 * Terminals map to fabric interfaces; each terminal may have an ingress and
 * an egress quota. A defined service holds its circuits and counts against
 * the quotas of their terminals; an active one has one fabric bridge joining
 * all its circuits. Every change of intent or definition is written to the
 * store before it is acknowledged. Status is derived from the intent and the
 * fabric's reports, and every path converges: fabric calls that fail are
 * retried with backoff, bridges the fabric loses are restored, and the full
 * desired state is pushed to the fabric at start-up and periodically.
 */
export class LogicalSwitch implements NetworkControl, SwitchManagement, ServiceHost {
  readonly kind = 'switch' as const;
  readonly name: string;
  private readonly fabric: Fabric;
  private readonly store: SwitchStore;
  private readonly runtime: Runtime;
  private readonly repairIntervalMs: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly table: TerminalTable;
  private readonly entries = new Map<number, ServiceEntry>();
  private released!: ReleasedServices;
  private readonly handles = new Map<string, ServiceEntry>();
  private readonly modelChanges = new ChangeNotifier();
  /** What the model looked like when listeners were last told (see notifyModel). */
  private modelSignature: string | undefined;
  private readonly manage = new AsyncMutex();
  private nextServiceId = 1;
  private closed = false;
  private unsubscribe: (() => void) | undefined;
  private repairTimer: ReturnType<typeof setInterval> | undefined;
  private repairRetry: ReturnType<typeof setTimeout> | undefined;
  private repairRetryMs = 0;
  private repairing: Promise<void> | undefined;

  private constructor(options: LogicalSwitchOptions) {
    this.name = checkName(options.name, 'name');
    this.fabric = options.fabric;
    this.store = options.store;
    this.runtime = options.runtime ?? defaultRuntime;
    this.released = new ReleasedServices(this.runtime.clock);
    this.repairIntervalMs = options.repairIntervalMs ?? DEFAULT_REPAIR_INTERVAL_MS;
    this.retryMinMs = options.retryMinMs ?? 20;
    this.retryMaxMs = options.retryMaxMs ?? 5_000;
    this.table = new TerminalTable(this.name);
  }

  /**
   * Loads the store, finishes releases and resets that were under way,
   * pushes the desired bridges to the fabric (removing stale ones) and starts
   * the periodic repair.
   */
  static async open(options: LogicalSwitchOptions): Promise<LogicalSwitch> {
    const sw = new LogicalSwitch(options);
    await sw.load();
    return sw;
  }

  get control(): NetworkControl {
    return this;
  }

  /** Stops timers and ends every watch and wait; leaves the fabric as it is. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.repairTimer) clearInterval(this.repairTimer);
    if (this.repairRetry) clearTimeout(this.repairRetry);
    this.unsubscribe?.();
    const entries = [...this.entries.values()];
    for (const e of entries) {
      if (e.retryTimer) clearTimeout(e.retryTimer);
      e.retryTimer = undefined;
    }
    // let running operations finish, so that nothing writes to the store afterwards
    await Promise.all(entries.map((e) => e.mutex.run(() => undefined)));
    await this.repairing;
    for (const e of entries) e.hub.dispose();
  }

  // ------------------------------------------------------------------ NetworkControl

  async terminals(): Promise<string[]> {
    return this.table.names();
  }

  async model(minBandwidthMbps = 0): Promise<NetworkModel> {
    const min = checkMbps(minBandwidthMbps, 'minBandwidthMbps');
    const names = this.table.names();
    const chords: Chord[] = [];
    const max = this.fabric.maxBridges();
    if (max === undefined || this.bridgesWanted() < max) {
      for (let i = 0; i < names.length; i++) {
        for (let j = i + 1; j < names.length; j++) {
          const from = this.table.get(names[i] as string) as TerminalState;
          const to = this.table.get(names[j] as string) as TerminalState;
          const upstreamMbps = Math.min(
            remaining(from.ingressQuotaMbps, from.ingressUsedMbps),
            remaining(to.egressQuotaMbps, to.egressUsedMbps),
          );
          const downstreamMbps = Math.min(
            remaining(to.ingressQuotaMbps, to.ingressUsedMbps),
            remaining(from.egressQuotaMbps, from.egressUsedMbps),
          );
          if (!fits(min, upstreamMbps) && !fits(min, downstreamMbps)) continue;
          chords.push({ from: from.name, to: to.name, cost: SWITCH_CHORD_COST, upstreamMbps, downstreamMbps });
        }
      }
    }
    return { network: this.name, terminals: names, chords };
  }

  onModelChange(listener: () => void): () => void {
    return this.modelChanges.subscribe(listener);
  }

  async createService(options: { handle?: string } = {}): Promise<Service> {
    this.checkOpen();
    const handle = options.handle === undefined || options.handle === null ? null : checkHandle(options.handle);
    return this.manage.run(async () => {
      if (handle !== null) {
        const existing = this.handles.get(handle);
        if (existing) return this.facade(existing);
      }
      const id = this.nextServiceId;
      const createdAt = this.now();
      const record: SwitchServiceRecord = { id, handle, intent: 'INACTIVE', request: null, errors: [], createdAt };
      await this.store.putService(record);
      this.nextServiceId = id + 1;
      return this.facade(this.addEntry(record));
    });
  }

  async service(ref: ServiceRef): Promise<Service> {
    const s = await this.findService(ref);
    if (s) return s;
    if (typeof ref === 'number') {
      throw errors.notFound('service', `${this.name}:${ref}`, { network: this.name, service: ref });
    }
    throw errors.notFound('handle', `${this.name}:${formatServiceRef(ref)}`, { network: this.name, handle: ref.handle });
  }

  async findService(ref: ServiceRef): Promise<Service | undefined> {
    const e = typeof ref === 'number' ? this.entries.get(ref) : this.handles.get(ref?.handle);
    if (e) return this.facade(e);
    return typeof ref === 'number' ? this.released.get(ref) : undefined;
  }

  async services(): Promise<Service[]> {
    return [...this.entries.values()].sort((a, b) => a.id - b.id).map((e) => this.facade(e));
  }

  // ------------------------------------------------------------------ SwitchManagement

  addTerminal(name: string, interfaceDescription: string): Promise<SwitchTerminalInfo> {
    return this.manage.run(async () => {
      this.checkOpen();
      checkName(name, 'name');
      if (this.table.get(name)) {
        throw errors.exists('terminal', `${this.name}:${name}`, { network: this.name, terminal: name });
      }
      const iface = this.describe_(interfaceDescription, name);
      const other = this.table.onInterface(iface.description);
      if (other !== undefined) {
        throw errors.busy(`interface ${iface.description} is already terminal ${this.name}:${other}`, {
          kind: 'interface',
          network: this.name,
          terminal: other,
          value: iface.description,
        });
      }
      const record = { name, interface: interfaceDescription, ingressQuotaMbps: null, egressQuotaMbps: null };
      await this.store.putTerminal(record);
      const t = this.table.add(record, iface);
      this.notifyModel();
      return this.table.info(t);
    });
  }

  removeTerminal(name: string): Promise<void> {
    return this.manage.run(async () => {
      this.checkOpen();
      const t = this.table.require(name);
      if (t.circuitsInUse > 0) {
        throw errors.busy(`terminal ${this.name}:${name} is used by ${t.circuitsInUse} circuit(s) of defined services`, {
          kind: 'terminal',
          network: this.name,
          terminal: name,
        });
      }
      this.table.remove(name);
      try {
        await this.store.deleteTerminal(name);
      } catch (e) {
        this.table.restore(t);
        throw toBrokerError(e);
      }
      this.notifyModel();
    });
  }

  async terminal(name: string): Promise<SwitchTerminalInfo> {
    return this.table.info(this.table.require(name));
  }

  async terminalDetails(): Promise<SwitchTerminalInfo[]> {
    return this.table.names().map((n) => this.table.info(this.table.require(n)));
  }

  /**
   * Changes a terminal's quotas. `{ set: x }` sets the limit (null removes
   * it); `{ adjust: d }` moves an existing limit by d. Adjusting an unlimited
   * quota is refused (FAILED_PRECONDITION): set a limit first. A negative
   * result is INVALID_ARGUMENT; a limit below what defined services already
   * use is BUSY. Both directions are checked before either changes.
   */
  modifyQuota(name: string, changes: QuotaChanges): Promise<SwitchTerminalInfo> {
    return this.manage.run(async () => {
      this.checkOpen();
      const t = this.table.require(name);
      const ingress = this.newQuota(t, 'ingress', changes?.ingress, t.ingressQuotaMbps, t.ingressUsedMbps);
      const egress = this.newQuota(t, 'egress', changes?.egress, t.egressQuotaMbps, t.egressUsedMbps);
      const before = { ingress: t.ingressQuotaMbps, egress: t.egressQuotaMbps };
      // apply at once, so that a define running meanwhile sees the new limits
      t.ingressQuotaMbps = ingress;
      t.egressQuotaMbps = egress;
      try {
        await this.store.putTerminal(this.table.record(t));
      } catch (e) {
        t.ingressQuotaMbps = before.ingress;
        t.egressQuotaMbps = before.egress;
        throw toBrokerError(e);
      }
      this.notifyModel();
      return this.table.info(t);
    });
  }

  // ------------------------------------------------------------------ service operations (ServiceHost)

  define(e: ServiceEntry, request: ServiceRequest): Promise<void> {
    return e.mutex.run(async () => {
      this.checkOpen();
      if (e.released || e.intent === 'RELEASE' || e.intent === 'RESET' || e.request !== null || e.errors.length > 0) {
        throw this.wrongState(e, 'define');
      }
      const req = sanitizeRequest(request);
      this.table.check(e.id, req);
      // hold before the first await, so that no other define can take the same resources
      this.table.hold(e.id, req);
      e.held = true;
      e.request = req;
      e.establishing = true;
      this.publish(e);
      try {
        await this.store.putService(this.record(e));
      } catch (err) {
        this.table.unhold(e.id, req);
        e.held = false;
        e.request = null;
        e.establishing = false;
        this.publish(e);
        throw toBrokerError(err);
      }
      e.establishing = false;
      this.publish(e);
      this.notifyModel();
      if (e.intent === 'ACTIVE') this.kick(e);
    });
  }

  activate(e: ServiceEntry): Promise<void> {
    return e.mutex.run(async () => {
      this.checkOpen();
      if (e.released || e.intent === 'RELEASE' || e.intent === 'RESET' || e.errors.length > 0) {
        throw this.wrongState(e, 'activate');
      }
      if (e.intent === 'ACTIVE') return;
      await this.store.putService({ ...this.record(e), intent: 'ACTIVE' });
      e.intent = 'ACTIVE';
      this.publish(e);
      this.kick(e);
      if (e.request) this.notifyModel();
    });
  }

  deactivate(e: ServiceEntry): Promise<void> {
    return e.mutex.run(async () => {
      this.checkOpen();
      if (e.released) throw this.wrongState(e, 'deactivate');
      if (e.intent !== 'ACTIVE') return;
      await this.store.putService({ ...this.record(e), intent: 'INACTIVE' });
      e.intent = 'INACTIVE';
      this.publish(e);
      this.kick(e);
      if (e.request) this.notifyModel();
    });
  }

  reset(e: ServiceEntry): Promise<void> {
    return e.mutex.run(async () => {
      this.checkOpen();
      if (e.released || e.intent === 'RELEASE') throw this.wrongState(e, 'reset');
      if (e.intent === 'RESET') return;
      if (e.request === null && e.errors.length === 0 && !e.establishing) {
        // already DORMANT: only forget an early activation
        if (e.intent !== 'INACTIVE') {
          await this.store.putService({ ...this.record(e), intent: 'INACTIVE' });
          e.intent = 'INACTIVE';
          this.publish(e);
        }
        return;
      }
      await this.store.putService({ ...this.record(e), intent: 'RESET' });
      e.intent = 'RESET';
      this.publish(e);
      this.kick(e);
    });
  }

  release(e: ServiceEntry): Promise<void> {
    return e.mutex.run(async () => {
      if (e.released || e.intent === 'RELEASE') return;
      this.checkOpen();
      await this.store.putService({ ...this.record(e), intent: 'RELEASE' });
      e.intent = 'RELEASE';
      this.publish(e);
      this.kick(e);
    });
  }

  describe(e: ServiceEntry): ServiceInfo {
    return {
      network: this.name,
      id: e.id,
      handle: e.handle,
      status: e.hub.status,
      intent: e.intent,
      request: e.request === null || e.released ? null : structuredClone(e.request),
      errors: e.errors.map((r) => structuredClone(r)),
      history: e.hub.history(),
      createdAt: e.createdAt,
    };
  }

  // ------------------------------------------------------------------ start-up and repair

  private async load(): Promise<void> {
    const snapshot = await this.store.load();
    for (const t of snapshot.terminals) {
      let iface: FabricInterface;
      try {
        iface = this.fabric.describeInterface(t.interface);
      } catch (e) {
        throw errors.config(
          `networks.${this.name}.terminals.${t.name}`,
          `stored interface ${JSON.stringify(t.interface)} is not valid for this fabric: ${toBrokerError(e).message}`,
          { network: this.name, terminal: t.name },
        );
      }
      this.table.add(t, iface);
    }
    this.nextServiceId = Math.max(1, snapshot.nextServiceId);
    for (const stored of snapshot.services) {
      this.nextServiceId = Math.max(this.nextServiceId, stored.id + 1);
      let record = stored;
      if (record.intent === 'RELEASE') {
        await this.store.deleteService(record.id);
        continue;
      }
      if (record.intent === 'RESET') {
        record = { ...record, intent: 'INACTIVE', request: null, errors: [] };
        await this.store.putService(record);
      }
      const e = this.addEntry(record);
      if (e.request && e.errors.length === 0) {
        const missing = e.request.circuits.find((c) => !this.table.get(c.terminal));
        if (missing) {
          e.errors = [
            errorRecord(
              errors.internal(`terminal ${this.name}:${missing.terminal} of service ${e.id} is gone`, undefined, {
                network: this.name,
                terminal: missing.terminal,
                service: e.id,
              }),
              this.now(),
            ),
          ];
          e.dirty = true;
          this.publish(e);
          this.kick(e);
        } else {
          this.table.hold(e.id, e.request);
          e.held = true;
        }
      }
    }
    this.unsubscribe = this.fabric.subscribe((state) => this.observe(state));
    await this.repair();
    if (this.repairIntervalMs > 0) {
      this.repairTimer = setInterval(() => void this.repair(), this.repairIntervalMs);
      this.repairTimer.unref?.();
    }
  }

  /**
   * Pushes the full desired state to the fabric (removing every other
   * bridge), then reads the fabric's state back, so that lost or stale
   * bridges are noticed even if no event said so.
   */
  private repair(): Promise<void> {
    if (this.repairing) return this.repairing;
    this.repairing = this.repairOnce().finally(() => {
      this.repairing = undefined;
    });
    return this.repairing;
  }

  private async repairOnce(): Promise<void> {
    if (this.closed) return;
    const desired = [...this.entries.values()].filter((e) => this.wantsBridge(e));
    try {
      await this.fabric.reconcile(desired.map((e) => this.spec(e)));
      if (this.closed) return;
      for (const e of desired) if (this.wantsBridge(e)) e.bridgeWanted = true;
      const states = new Map((await this.fabric.bridges()).map((s) => [s.id, s]));
      if (this.closed) return;
      for (const e of this.entries.values()) {
        const id = this.bridgeId(e);
        const s = states.get(id) ?? { id, condition: 'absent' as const };
        if (s.condition !== e.bridgeCondition || (!e.bridgeWanted && s.condition !== 'absent')) this.observe(s);
        else this.publish(e);
      }
      this.repairRetryMs = 0;
    } catch (err) {
      this.runtime.logger.warn('switch repair failed; retrying', { network: this.name, error: toBrokerError(err).toJSON() });
      for (const e of desired) this.kick(e);
      this.repairRetryMs = Math.min(Math.max(this.retryMinMs, this.repairRetryMs * 2), this.retryMaxMs);
      if (!this.closed && !this.repairRetry) {
        this.repairRetry = setTimeout(() => {
          this.repairRetry = undefined;
          void this.repair();
        }, this.repairRetryMs);
        this.repairRetry.unref?.();
      }
    }
  }

  // ------------------------------------------------------------------ convergence

  /** A state report from the fabric. */
  private observe(state: BridgeState): void {
    const e = this.entryOfBridge(state.id);
    if (!e || e.released || this.closed) return;
    switch (state.condition) {
      case 'pending':
      case 'up':
        if (!e.bridgeWanted) {
          // a bridge we asked to remove (or never asked for): remove it again
          e.bridgeStray = true;
          this.kick(e);
          return;
        }
        e.bridgeCondition = state.condition;
        break;
      case 'failed':
        e.bridgeCondition = 'failed';
        if (e.bridgeWanted && this.wantsBridge(e)) {
          this.fail(e, state.reason ?? 'the fabric refused the bridge');
        }
        this.kick(e);
        break;
      case 'absent':
        e.bridgeCondition = 'absent';
        e.bridgeStray = false;
        this.kick(e);
        break;
    }
    this.publish(e);
  }

  /** The fabric failed the bridge: FAILED, resources freed, bridge to be removed. */
  private fail(e: ServiceEntry, reason: string): void {
    const bridge = this.bridgeId(e);
    const err = errors.unavailable(`bridge ${bridge} of service ${this.name}:${e.id} failed: ${reason}`, {
      kind: 'bridge',
      network: this.name,
      service: e.id,
      bridge,
      reason,
    });
    e.errors = [errorRecord(err, this.now())];
    if (e.held && e.request) this.table.unhold(e.id, e.request);
    e.held = false;
    e.dirty = true;
    this.publish(e);
    this.notifyModel();
  }

  /**
   * Tells model listeners only when the model really changed: the remaining
   * quota of a terminal that has one, the terminal set, or the fabric filling
   * up. Unlimited terminals never change the model, so superiors can keep
   * their cached copy across most defines.
   */
  private notifyModel(): void {
    const max = this.fabric.maxBridges();
    let sig = max !== undefined && this.bridgesWanted() >= max ? 'full' : 'open';
    for (const name of this.table.names()) {
      const t = this.table.get(name) as TerminalState;
      sig += `|${name}:${t.ingressQuotaMbps === null ? '-' : remaining(t.ingressQuotaMbps, t.ingressUsedMbps)}:${
        t.egressQuotaMbps === null ? '-' : remaining(t.egressQuotaMbps, t.egressUsedMbps)
      }`;
    }
    if (sig === this.modelSignature) return;
    this.modelSignature = sig;
    this.modelChanges.notify();
  }

  /** Queues one convergence pass for the service (coalesced). */
  private kick(e: ServiceEntry): void {
    if (e.convergeQueued || e.released || this.closed) return;
    e.convergeQueued = true;
    e.mutex
      .run(async () => {
        e.convergeQueued = false;
        await this.converge(e);
      })
      .catch((err) => this.runtime.logger.error('switch convergence failed', { network: this.name, service: e.id, error: String(err) }));
  }

  /** Moves the fabric and the store one step towards the service's intent. Runs under the service's mutex. */
  private async converge(e: ServiceEntry): Promise<void> {
    if (e.released || this.closed) return;
    try {
      if (e.dirty) {
        await this.store.putService(this.record(e));
        e.dirty = false;
      }
      if (this.wantsBridge(e)) {
        if (!e.bridgeWanted || e.bridgeCondition === 'absent') {
          e.bridgeWanted = true;
          e.bridgeOps++;
          this.publish(e);
          await this.fabric.ensureBridge(this.spec(e));
          if (!this.closed) this.notifyModel();
        }
      } else if (e.bridgeWanted || e.bridgeCondition !== 'absent' || e.bridgeStray) {
        e.bridgeWanted = false;
        const op = ++e.bridgeOps;
        this.publish(e);
        await this.fabric.removeBridge(this.bridgeId(e));
        if (e.bridgeOps === op && !e.bridgeWanted) {
          e.bridgeCondition = 'absent';
          e.bridgeStray = false;
        }
        this.publish(e);
        if (!this.closed) this.notifyModel();
      }
      if (this.closed) return;
      if ((e.intent === 'RELEASE' || e.intent === 'RESET') && !e.bridgeWanted && e.bridgeCondition === 'absent') {
        await this.finish(e);
      }
      e.retryDelayMs = 0;
    } catch (err) {
      if (this.closed) return;
      e.retryDelayMs = Math.min(Math.max(this.retryMinMs, e.retryDelayMs * 2), this.retryMaxMs);
      this.runtime.logger.warn('switch could not reach its goal; retrying', {
        network: this.name,
        service: e.id,
        retryMs: e.retryDelayMs,
        error: isBrokerError(err) ? err.toJSON() : String(err),
      });
      this.publish(e);
      if (!e.retryTimer) {
        e.retryTimer = setTimeout(() => {
          e.retryTimer = undefined;
          this.kick(e);
        }, e.retryDelayMs);
        e.retryTimer.unref?.();
      }
    }
  }

  /** Completes a release (record deleted, RELEASED) or a reset (DORMANT, record kept). */
  private async finish(e: ServiceEntry): Promise<void> {
    if (e.intent === 'RELEASE') {
      await this.store.deleteService(e.id);
      if (e.held && e.request) this.table.unhold(e.id, e.request);
      e.held = false;
      e.released = true;
      this.released.remember(this.facade(e));
      this.entries.delete(e.id);
      if (e.handle !== null && this.handles.get(e.handle) === e) this.handles.delete(e.handle);
      if (e.retryTimer) clearTimeout(e.retryTimer);
      e.retryTimer = undefined;
      this.publish(e);
      this.notifyModel();
      return;
    }
    const record: SwitchServiceRecord = { ...this.record(e), intent: 'INACTIVE', request: null, errors: [] };
    await this.store.putService(record);
    if (e.held && e.request) this.table.unhold(e.id, e.request);
    e.held = false;
    e.request = null;
    e.errors = [];
    e.intent = 'INACTIVE';
    e.dirty = false;
    this.publish(e);
    this.notifyModel();
  }

  // ------------------------------------------------------------------ helpers

  private wantsBridge(e: ServiceEntry): boolean {
    return !e.released && e.intent === 'ACTIVE' && e.request !== null && e.errors.length === 0 && !e.establishing;
  }

  private bridgesWanted(): number {
    let n = 0;
    for (const e of this.entries.values()) if (this.wantsBridge(e)) n++;
    return n;
  }

  /** The status, derived from intent, definition and what the fabric reports. */
  private derive(e: ServiceEntry): ServiceStatus {
    if (e.released) return 'RELEASED';
    if (e.intent === 'RELEASE' || e.intent === 'RESET') return 'RELEASING';
    if (e.errors.length > 0) return 'FAILED';
    if (e.establishing) return 'ESTABLISHING';
    if (e.request === null) return 'DORMANT';
    if (e.intent === 'ACTIVE') return e.bridgeWanted && e.bridgeCondition === 'up' ? 'ACTIVE' : 'ACTIVATING';
    return e.bridgeCondition === 'absent' ? 'INACTIVE' : 'DEACTIVATING';
  }

  private publish(e: ServiceEntry): void {
    const before = e.hub.status;
    const after = this.derive(e);
    if (before !== after && !isAllowedTransition(before, after)) {
      this.runtime.logger.error('switch service made a transition outside the status table', {
        network: this.name,
        service: e.id,
        from: before,
        to: after,
      });
    }
    e.hub.update(after, e.intent, this.now(), e.errors);
  }

  private spec(e: ServiceEntry): BridgeSpec {
    const circuits = (e.request?.circuits ?? []).map((c) => ({
      interface: this.table.require(c.terminal).iface.description,
      label: c.label,
      ingressMbps: c.ingressMbps,
      egressMbps: c.egressMbps,
    }));
    return { id: this.bridgeId(e), circuits };
  }

  private record(e: ServiceEntry): SwitchServiceRecord {
    return {
      id: e.id,
      handle: e.handle,
      intent: e.intent,
      // not cloned: every store copies (memory) or serialises (SQLite) what it is given
      request: e.request,
      errors: e.errors,
      createdAt: e.createdAt,
    };
  }

  private addEntry(record: SwitchServiceRecord): ServiceEntry {
    const e: ServiceEntry = {
      id: record.id,
      handle: record.handle,
      createdAt: record.createdAt,
      intent: record.intent,
      request: record.request,
      errors: record.errors ?? [],
      establishing: false,
      held: false,
      released: false,
      bridgeWanted: false,
      bridgeCondition: 'absent',
      bridgeStray: false,
      bridgeOps: 0,
      dirty: false,
      hub: undefined as unknown as StatusHub,
      mutex: new AsyncMutex(),
      facade: undefined,
      convergeQueued: false,
      retryTimer: undefined,
      retryDelayMs: 0,
    };
    (e as { hub: StatusHub }).hub = new StatusHub(this.name, e.id, {
      status: this.derive(e),
      intent: e.intent,
      at: this.now(),
      ...(e.errors.length > 0 ? { errors: e.errors } : {}),
    });
    this.entries.set(e.id, e);
    if (e.handle !== null) this.handles.set(e.handle, e);
    return e;
  }

  private facade(e: ServiceEntry): SwitchService {
    return (e.facade ??= new SwitchService(this, e));
  }

  /** The fabric bridge of a service: `<switch>/<service id>` (computed, not stored: memory, issue 7). */
  private bridgeId(e: ServiceEntry): string {
    return `${this.name}/${e.id}`;
  }

  /** The live service whose bridge id this is, if any. */
  private entryOfBridge(id: string): ServiceEntry | undefined {
    const prefix = `${this.name}/`;
    if (!id.startsWith(prefix)) return undefined;
    const rest = id.slice(prefix.length);
    const n = Number(rest);
    return Number.isSafeInteger(n) && String(n) === rest ? this.entries.get(n) : undefined;
  }

  private newQuota(
    t: TerminalState,
    direction: 'ingress' | 'egress',
    change: QuotaChange | undefined,
    current: number | null,
    usedMbps: number,
  ): number | null {
    if (change === undefined || change === null) return current;
    const field = `${direction}`;
    const details = { network: this.name, terminal: t.name, direction };
    let next: number | null;
    if ('set' in change) {
      next = change.set === null ? null : checkMbps(change.set, `${field}.set`, details);
    } else if ('adjust' in change) {
      const delta = change.adjust;
      if (typeof delta !== 'number' || !Number.isFinite(delta)) {
        throw errors.invalid(`${field}.adjust must be a finite number of Mbit/s`, {
          ...details,
          field: `${field}.adjust`,
          value: String(delta),
        });
      }
      if (current === null) {
        throw errors.precondition(
          `terminal ${this.name}:${t.name} has no ${direction} limit to adjust; set one first`,
          { ...details, field: `${field}.adjust` },
        );
      }
      next = roundMbps(current + delta);
      if (next < 0) {
        throw errors.invalid(`the ${direction} quota of ${this.name}:${t.name} would become negative (${next} Mbit/s)`, {
          ...details,
          field: `${field}.adjust`,
          value: delta,
          requestedMbps: next,
        });
      }
      checkMbps(next, `${field}.adjust`, details);
    } else {
      throw errors.invalid(`${field} must be {set} or {adjust}`, { ...details, field });
    }
    if (next !== null && !fits(usedMbps, next)) {
      throw errors.busy(
        `defined services use ${usedMbps} Mbit/s of ${direction} at ${this.name}:${t.name}, more than the new limit of ${next}`,
        { ...details, requestedMbps: next, availableMbps: usedMbps, usedMbps },
      );
    }
    return next;
  }

  private describe_(description: string, terminal: string): FabricInterface {
    try {
      return this.fabric.describeInterface(description);
    } catch (e) {
      const b = toBrokerError(e, 'INVALID_ARGUMENT');
      if (b.code === 'INVALID_ARGUMENT') {
        throw errors.invalid(b.message, {
          field: 'interface',
          value: typeof description === 'string' ? description.slice(0, 80) : String(description),
          ...b.details,
          network: this.name,
          terminal,
        });
      }
      throw b;
    }
  }

  private wrongState(e: ServiceEntry, operation: string) {
    const status = e.hub.status;
    return errors.precondition(`cannot ${operation} service ${this.name}:${e.id} while it is ${status}`, {
      kind: 'service',
      network: this.name,
      service: e.id,
      status,
      intent: e.intent,
    });
  }

  private checkOpen(): void {
    if (this.closed) throw errors.unavailable(`switch ${this.name} is closed`, { network: this.name });
  }

  private now(): number {
    return this.runtime.clock.now();
  }
}
