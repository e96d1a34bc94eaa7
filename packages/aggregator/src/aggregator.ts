import {
  type AggregatorManagement,
  type AggregatorServiceRecord,
  type AggregatorStore,
  type AggregatorTerminalInfo,
  type AggregatorTerminalRecord,
  AsyncMutex,
  BrokerError,
  ChangeNotifier,
  type Chord,
  type CircuitFlow,
  checkHandle,
  checkMbps,
  checkName,
  compareCircuits,
  defaultRuntime,
  type DirectionalMbps,
  type ErrorDetails,
  errors,
  flowsByTerminal,
  formatServiceRef,
  type LabelRange,
  type LabelRevocation,
  type Logger,
  type NetworkControl,
  type NetworkModel,
  type Runtime,
  type SanitizedRequest,
  type Service,
  type ServiceRef,
  type SubserviceRecord,
  type TerminalRef,
  terminalRefKey,
  toBrokerError,
  type TrunkInfo,
  type TrunkRecord,
  type TrunkSpec,
  type TunnelInfo,
  type TunnelRecord,
  ReleasedServices,
} from '@dpb/model';
import { type Plan, type PlanChord, type PlanEndpoint, type PlanFailure, PlanningGraph, type PlanTrunk } from '@dpb/planner';

/** What a re-plan must not use: trunks by id, and chords of inferiors (either orientation). */
export interface PlanAvoidance {
  trunks: number[];
  chords: { network: string; from: string; to: string }[];
}

function chordKey(network: string, a: string, b: string): string {
  return a < b ? `${network}\u0000${a}\u0000${b}` : `${network}\u0000${b}\u0000${a}`;
}
import { AggregatorService } from './aggregator-service';
import { modelChords, type ModelEdge } from './model-chords';
import { checkRange, type HeldTunnel, TrunkState } from './trunk-table';

export interface AggregatorOptions {
  name: string;
  store: AggregatorStore;
  /** Finds an inferior network by name; inferiors are reached only through NetworkControl. */
  inferiors: (network: string) => NetworkControl | undefined;
  runtime?: Runtime;
  /** How long an inferior's model may be reused without a change event; default 5000 ms. */
  modelCacheMs?: number;
}

interface CachedModel {
  model: NetworkModel;
  at: number;
}

/** Prefix of the handles this aggregator gives its sub-services. */
function subHandlePrefix(aggregator: string): string {
  return `${aggregator}/`;
}

/**
 * A network of inferior networks joined by trunks. Implements the user
 * interface (NetworkControl) and the management interface
 * (AggregatorManagement). Plans each service with the planner and delegates
 * one sub-service per inferior network piece, through NetworkControl only.
 *
 * Planning and allocation happen under one network-wide lock and are written
 * to the store in one transaction, so no two concurrent defines can
 * oversubscribe a trunk or share a label.
 */
export class Aggregator implements NetworkControl, AggregatorManagement {
  readonly kind = 'aggregator' as const;
  readonly name: string;
  readonly logger: Logger;
  private readonly store: AggregatorStore;
  private readonly runtime: Runtime;
  private readonly findInferior: (network: string) => NetworkControl | undefined;
  private readonly modelCacheMs: number;
  private readonly terminalsByName = new Map<string, AggregatorTerminalRecord>();
  /** `network:terminal` of inner terminals exposed as outer terminals → outer name. */
  private readonly exposed = new Map<string, string>();
  private readonly trunkStates = new Map<number, TrunkState>();
  /** `network:terminal` → trunk id, for both ends of every trunk. */
  private readonly trunkEnds = new Map<string, number>();
  private readonly servicesById = new Map<number, AggregatorService>();
  private readonly releasedServices: ReleasedServices;
  private readonly servicesByHandle = new Map<string, AggregatorService>();
  /** Serialises planning+allocation and management changes. */
  private readonly lock = new AsyncMutex();
  private readonly notifier = new ChangeNotifier();
  private readonly models = new Map<string, CachedModel>();
  private readonly modelSubscriptions = new Map<string, () => void>();
  private readonly availabilitySubscriptions = new Map<string, () => void>();
  private readonly orphanTimers = new Set<ReturnType<typeof setTimeout>>();
  /** The planner's graph, kept between defines; trunk capacities are synced as tunnels come and go. */
  private graph: { planning: PlanningGraph; builtAt: number; trunks: Set<number> } | undefined;
  private nextServiceId = 1;
  private nextTrunkId = 1;
  private closed = false;

  private constructor(options: AggregatorOptions) {
    this.name = checkName(options.name, 'name');
    this.store = options.store;
    this.runtime = options.runtime ?? defaultRuntime;
    this.releasedServices = new ReleasedServices(this.runtime.clock);
    this.logger = this.runtime.logger;
    this.findInferior = options.inferiors;
    this.modelCacheMs = options.modelCacheMs ?? 5000;
  }

  /** Loads the aggregator from its store and drives every service back towards its intent. */
  static async open(options: AggregatorOptions): Promise<Aggregator> {
    const a = new Aggregator(options);
    await a.load();
    return a;
  }

  get control(): NetworkControl {
    return this;
  }

  now(): number {
    return this.runtime.clock.now();
  }

  // ------------------------------------------------------------ NetworkControl

  async terminals(): Promise<string[]> {
    return [...this.terminalsByName.keys()].sort();
  }

  async model(minBandwidthMbps = 0): Promise<NetworkModel> {
    checkMbps(minBandwidthMbps, 'minBandwidthMbps');
    const outer = [...this.terminalsByName.values()].map((t) => ({ name: t.name, inner: terminalRefKey(t.inferior) }));
    const edges: ModelEdge[] = [];
    for (const t of this.trunkStates.values()) {
      if (!t.usable) continue;
      const a = t.available;
      edges.push({
        a: terminalRefKey(t.record.start),
        b: terminalRefKey(t.record.end),
        cost: t.record.cost,
        abMbps: a.upstreamMbps,
        baMbps: a.downstreamMbps,
      });
    }
    for (const network of this.inferiorNames()) {
      for (const c of await this.inferiorChords(network)) {
        edges.push({
          a: `${network}:${c.from}`,
          b: `${network}:${c.to}`,
          cost: c.cost,
          abMbps: c.upstreamMbps,
          baMbps: c.downstreamMbps,
        });
      }
    }
    const chords: Chord[] = modelChords(outer, edges, minBandwidthMbps);
    return { network: this.name, terminals: await this.terminals(), chords };
  }

  onModelChange(listener: () => void): () => void {
    return this.notifier.subscribe(listener);
  }

  async createService(options: { handle?: string } = {}): Promise<Service> {
    this.checkOpen();
    const handle = options.handle === undefined || options.handle === null ? null : checkHandle(options.handle);
    if (handle !== null) {
      const existing = this.servicesByHandle.get(handle);
      if (existing) return existing;
    }
    const record: AggregatorServiceRecord = {
      id: this.nextServiceId++,
      handle,
      intent: 'INACTIVE',
      request: null,
      errors: [],
      createdAt: this.now(),
      generation: 0,
      subservices: [],
      tunnels: [],
    };
    const svc = new AggregatorService(this, record);
    this.servicesById.set(record.id, svc);
    if (handle !== null) this.servicesByHandle.set(handle, svc);
    try {
      await this.store.putService(record);
    } catch (e) {
      this.servicesById.delete(record.id);
      if (handle !== null) this.servicesByHandle.delete(handle);
      throw toBrokerError(e);
    }
    return svc;
  }

  async service(ref: ServiceRef): Promise<Service> {
    const s = await this.findService(ref);
    if (s) return s;
    if (typeof ref === 'number') throw errors.notFound('service', `${ref} of network ${this.name}`, { network: this.name, service: ref });
    throw errors.notFound('handle', `${JSON.stringify(ref.handle)} of network ${this.name}`, { network: this.name, handle: ref.handle });
  }

  async findService(ref: ServiceRef): Promise<Service | undefined> {
    if (typeof ref === 'number') return this.servicesById.get(ref) ?? this.releasedServices.get(ref);
    if (typeof ref === 'object' && ref !== null && typeof ref.handle === 'string') return this.servicesByHandle.get(ref.handle);
    throw errors.invalid(`not a service reference: ${formatServiceRef(ref)}`, { field: 'service' });
  }

  async services(): Promise<Service[]> {
    return [...this.servicesById.values()].filter((s) => !s.released).sort((a, b) => a.id - b.id);
  }

  // -------------------------------------------------------- AggregatorManagement

  async addTerminal(name: string, inferior: TerminalRef): Promise<AggregatorTerminalInfo> {
    checkName(name, 'name');
    const ref = this.checkTerminalRef(inferior, 'inferior');
    return this.lock.run(async () => {
      if (this.terminalsByName.has(name)) throw errors.exists('terminal', `${name} of network ${this.name}`, { network: this.name, terminal: name });
      await this.checkInferiorTerminal(ref);
      const key = terminalRefKey(ref);
      const already = this.exposed.get(key);
      if (already !== undefined) {
        throw errors.busy(`${key} is already exposed as terminal ${already} of ${this.name}`, { network: this.name, terminal: already, inferior: ref.network });
      }
      const trunk = this.trunkEnds.get(key);
      if (trunk !== undefined) {
        throw errors.busy(`${key} is an end of trunk ${trunk}; a trunk end cannot also be a terminal`, { network: this.name, trunk, inferior: ref.network });
      }
      const rec: AggregatorTerminalRecord = { name, inferior: ref };
      await this.store.putTerminal(rec);
      this.terminalsByName.set(name, rec);
      this.exposed.set(key, name);
      this.topologyChanged();
      return { name, inferior: { ...ref } };
    });
  }

  async removeTerminal(name: string): Promise<void> {
    return this.lock.run(async () => {
      const t = this.requireTerminal(name);
      for (const s of this.servicesById.values()) {
        if (s.record.request?.circuits.some((c) => c.terminal === name)) {
          throw errors.busy(`terminal ${name} of ${this.name} is used by service ${s.id}`, { network: this.name, terminal: name, service: s.id });
        }
      }
      await this.store.deleteTerminal(name);
      this.terminalsByName.delete(name);
      this.exposed.delete(terminalRefKey(t.inferior));
      this.topologyChanged();
    });
  }

  async terminalDetails(): Promise<AggregatorTerminalInfo[]> {
    return [...this.terminalsByName.values()]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((t) => ({ name: t.name, inferior: { ...t.inferior } }));
  }

  async addTrunk(spec: TrunkSpec): Promise<TrunkInfo> {
    if (typeof spec !== 'object' || spec === null) throw errors.invalid('a trunk needs start and end', { field: 'trunk' });
    const start = this.checkTerminalRef(spec.start, 'start');
    const end = this.checkTerminalRef(spec.end, 'end');
    if (start.network === end.network) {
      throw errors.invalid(`a trunk joins two different inferior networks; both ends are in ${start.network}`, { field: 'end', network: this.name, inferior: start.network });
    }
    const up = checkMbps(spec.upstreamMbps ?? 0, 'upstreamMbps');
    const down = checkMbps(spec.downstreamMbps ?? 0, 'downstreamMbps');
    const cost = checkCost(spec.cost ?? 1);
    return this.lock.run(async () => {
      for (const [field, ref] of [['start', start], ['end', end]] as const) {
        await this.checkInferiorTerminal(ref);
        const key = terminalRefKey(ref);
        const trunk = this.trunkEnds.get(key);
        if (trunk !== undefined) throw errors.busy(`${key} is already an end of trunk ${trunk}`, { field, network: this.name, trunk, inferior: ref.network });
        const outer = this.exposed.get(key);
        if (outer !== undefined) throw errors.busy(`${key} is exposed as terminal ${outer}; it cannot also be a trunk end`, { field, network: this.name, terminal: outer, inferior: ref.network });
      }
      const id = this.nextTrunkId;
      let record: TrunkRecord = {
        id,
        start,
        end,
        upstreamMbps: up,
        downstreamMbps: down,
        cost,
        commissioned: spec.commissioned ?? true,
        labelRanges: [],
      };
      for (const r of spec.labels ?? []) record = new TrunkState(record).withLabels(checkRange(r, id));
      await this.store.putTrunk(record);
      this.nextTrunkId = id + 1;
      this.indexTrunk(new TrunkState(record));
      this.topologyChanged();
      return (this.trunkStates.get(id) as TrunkState).info();
    });
  }

  async removeTrunk(id: number): Promise<void> {
    return this.lock.run(async () => {
      const t = this.requireTrunk(id);
      if (t.labelCount - t.freeLabels > 0) {
        const holder = t.tunnels()[0];
        throw errors.busy(`trunk ${id} of ${this.name} still carries ${t.labelCount - t.freeLabels} tunnel(s)`, { network: this.name, trunk: id, service: holder?.service });
      }
      await this.store.deleteTrunk(id);
      this.trunkStates.delete(id);
      this.trunkEnds.delete(terminalRefKey(t.record.start));
      this.trunkEnds.delete(terminalRefKey(t.record.end));
      this.topologyChanged();
    });
  }

  async trunk(id: number): Promise<TrunkInfo> {
    return this.requireTrunk(id).info();
  }

  async findTrunk(end: TerminalRef): Promise<TrunkInfo | undefined> {
    const id = this.trunkEnds.get(terminalRefKey(end));
    return id === undefined ? undefined : this.trunkStates.get(id)?.info();
  }

  async trunks(): Promise<TrunkInfo[]> {
    return [...this.trunkStates.values()].sort((a, b) => a.id - b.id).map((t) => t.info());
  }

  async tunnels(trunk?: number): Promise<TunnelInfo[]> {
    if (trunk !== undefined) return this.requireTrunk(trunk).tunnels();
    return [...this.trunkStates.values()].sort((a, b) => a.id - b.id).flatMap((t) => t.tunnels());
  }

  async provideBandwidth(id: number, amount: DirectionalMbps): Promise<TrunkInfo> {
    return this.changeTrunk(id, (t) => t.withBandwidth(amount, 1));
  }

  async withdrawBandwidth(id: number, amount: DirectionalMbps): Promise<TrunkInfo> {
    return this.changeTrunk(id, (t) => t.withBandwidth(amount, -1));
  }

  async setCost(id: number, cost: number): Promise<TrunkInfo> {
    const c = checkCost(cost);
    return this.changeTrunk(id, (t) => ({ ...t.record, cost: c }));
  }

  async defineLabels(id: number, range: LabelRange): Promise<TrunkInfo> {
    return this.changeTrunk(id, (t) => t.withLabels(range));
  }

  async revokeLabels(id: number, revocation: LabelRevocation): Promise<TrunkInfo> {
    return this.changeTrunk(id, (t) => t.withoutLabels(revocation));
  }

  async decommission(id: number): Promise<TrunkInfo> {
    return this.changeTrunk(id, (t) => ({ ...t.record, commissioned: false }));
  }

  async recommission(id: number): Promise<TrunkInfo> {
    return this.changeTrunk(id, (t) => ({ ...t.record, commissioned: true }));
  }

  /** Stops timers and watches; leaves the store and the inferiors as they are. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.orphanTimers) clearTimeout(t);
    this.orphanTimers.clear();
    for (const unsub of this.modelSubscriptions.values()) unsub();
    this.modelSubscriptions.clear();
    for (const unsub of this.availabilitySubscriptions.values()) unsub();
    this.availabilitySubscriptions.clear();
    for (const s of this.servicesById.values()) s.close();
  }

  // ------------------------------------------------- used by AggregatorService

  /** The inferior network, or UNAVAILABLE. */
  inferior(network: string): NetworkControl {
    const n = this.findInferior(network);
    if (!n) throw errors.unavailable(`inferior network ${network} of ${this.name} is not available`, { network: this.name, inferior: network });
    return n;
  }

  trunkRecord(id: number): TrunkRecord | undefined {
    return this.trunkStates.get(id)?.record;
  }

  async persist(svc: AggregatorService): Promise<void> {
    await this.store.putService(svc.record);
  }

  modelChanged(): void {
    this.notifier.notify();
  }

  /** Terminals, trunks or an inferior's model changed: the planning graph must be rebuilt. */
  private topologyChanged(): void {
    this.graph = undefined;
    this.notifier.notify();
  }

  /**
   * Keeps the cached planning graph in step with a trunk's remaining
   * capacity and free labels. A trunk that runs out of labels stays in the
   * graph with freeLabels 0 (the planner then never plans over it), so
   * running out no longer forces a rebuild.
   */
  private syncTrunk(id: number): void {
    const g = this.graph;
    const t = this.trunkStates.get(id);
    if (!g || !t) return;
    if (t.record.commissioned !== g.trunks.has(id)) {
      this.graph = undefined;
      return;
    }
    if (t.record.commissioned) {
      const a = t.available;
      g.planning.setTrunkState(id, { upstreamMbps: a.upstreamMbps, downstreamMbps: a.downstreamMbps, freeLabels: t.freeLabels });
    }
  }

  /**
   * The planning graph over every usable trunk and every inferior's chords,
   * built when needed. With `avoid` (a re-plan around an inferior that
   * refused), a one-off graph without those trunks and chords.
   */
  private async planningGraph(avoid?: PlanAvoidance): Promise<PlanningGraph> {
    const g = this.graph;
    if (!avoid && g) return g.planning; // rebuilt only when topologyChanged() drops it, never merely because it aged
    const skipTrunk = new Set(avoid?.trunks ?? []);
    const skipChord = new Set((avoid?.chords ?? []).map((c) => chordKey(c.network, c.from, c.to)));
    const trunks: PlanTrunk[] = [];
    for (const t of this.trunkStates.values()) {
      if (!t.record.commissioned || skipTrunk.has(t.id)) continue;
      const a = t.available;
      // load information: lets the planner spread services before a cut fills up (docs/benchmarks.md)
      trunks.push({
        id: t.id,
        start: t.record.start,
        end: t.record.end,
        cost: t.record.cost,
        upstreamMbps: a.upstreamMbps,
        downstreamMbps: a.downstreamMbps,
        freeLabels: t.freeLabels,
        labelCount: t.labelCount,
        capacityUpstreamMbps: t.record.upstreamMbps,
        capacityDownstreamMbps: t.record.downstreamMbps,
      });
    }
    const chords: PlanChord[] = [];
    for (const network of this.inferiorNames()) {
      for (const c of await this.inferiorChords(network)) {
        if (!skipChord.has(chordKey(network, c.from, c.to))) chords.push({ network, ...c });
      }
    }
    const planning = new PlanningGraph({ trunks, chords });
    if (!avoid) this.graph = { planning, builtAt: this.now(), trunks: new Set(trunks.map((t) => t.id)) };
    return planning;
  }

  /** Drops the cached model of an inferior (it refused what its model promised), so the next plan asks it afresh. */
  forgetModel(network: string): void {
    this.models.delete(network);
    this.graph = undefined;
  }

  /**
   * Plans the request and reserves its tunnels, under the network lock, and
   * writes the definition in one transaction. On any failure nothing is held.
   */
  async allocate(svc: AggregatorService, request: SanitizedRequest, avoid?: PlanAvoidance): Promise<Plan> {
    const inner = this.mapToInner(request);
    let chosen: Plan | undefined;
    await this.lock.run(async () => {
      const endpoints: PlanEndpoint[] = [];
      for (const [key, flow] of flowsByTerminal({ circuits: inner })) {
        const [network, terminal] = splitKey(key);
        endpoints.push({ network, terminal, ingressMbps: flow.ingressMbps, egressMbps: flow.egressMbps });
      }
      for (const e of endpoints) this.inferior(e.network);
      const result = (await this.planningGraph(avoid)).plan(endpoints);
      if (!result.ok) throw this.explainPlanFailure(result.failure);
      const p = result.plan;
      chosen = p;
      // allocate the lowest free label pair of each tree trunk
      const tunnels: TunnelRecord[] = [];
      for (const pt of p.trunks) {
        const t = this.trunkStates.get(pt.id) as TrunkState;
        const pair = t.lowestFreePair();
        if (!pair) throw errors.internal(`planner chose trunk ${pt.id} with no free label`, undefined, { trunk: pt.id });
        tunnels.push({ trunkId: pt.id, ...pair, upstreamMbps: round(pt.upstreamMbps), downstreamMbps: round(pt.downstreamMbps) });
      }
      // one sub-service per piece: its customer circuits plus its trunk-end circuits
      const pieceOf = new Map<string, number>();
      p.pieces.forEach((piece, i) => {
        for (const term of piece.terminals) pieceOf.set(`${piece.network}:${term}`, i);
      });
      const circuitsOf: CircuitFlow[][] = p.pieces.map(() => []);
      const place = (network: string, c: CircuitFlow): void => {
        const i = pieceOf.get(`${network}:${c.terminal}`);
        if (i === undefined) throw errors.internal(`planner left ${network}:${c.terminal} out of every piece`);
        (circuitsOf[i] as CircuitFlow[]).push(c);
      };
      inner.forEach((c) => {
        const [network, terminal] = splitKey(c.terminal);
        place(network, { terminal, label: c.label, ingressMbps: c.ingressMbps, egressMbps: c.egressMbps });
      });
      for (const tun of tunnels) {
        const t = (this.trunkStates.get(tun.trunkId) as TrunkState).record;
        place(t.start.network, { terminal: t.start.terminal, label: tun.startLabel, ingressMbps: tun.downstreamMbps, egressMbps: tun.upstreamMbps });
        place(t.end.network, { terminal: t.end.terminal, label: tun.endLabel, ingressMbps: tun.upstreamMbps, egressMbps: tun.downstreamMbps });
      }
      const generation = svc.record.generation + 1;
      const subservices: SubserviceRecord[] = p.pieces.map((piece, i) => ({
        network: piece.network,
        handle: `${subHandlePrefix(this.name)}${svc.id}/${generation}/${i}`,
        id: null,
        request: { circuits: (circuitsOf[i] as CircuitFlow[]).sort(compareCircuits) },
      }));
      const record: AggregatorServiceRecord = { ...svc.record, request, generation, subservices, tunnels };
      const held: HeldTunnel[] = tunnels.map((t) => ({ ...t, service: svc.id }));
      for (const h of held) {
        (this.trunkStates.get(h.trunkId) as TrunkState).hold(h);
        this.syncTrunk(h.trunkId);
      }
      try {
        await this.store.putService(record);
      } catch (e) {
        for (const h of held) {
          this.trunkStates.get(h.trunkId)?.free(h.startLabel, svc.id);
          this.syncTrunk(h.trunkId);
        }
        throw toBrokerError(e);
      }
      svc.record = record;
    });
    this.modelChanged();
    return chosen as Plan;
  }

  freeTunnels(svc: AggregatorService): void {
    for (const t of svc.record.tunnels) {
      this.trunkStates.get(t.trunkId)?.free(t.startLabel, svc.id);
      this.syncTrunk(t.trunkId);
    }
  }

  async removeService(svc: AggregatorService): Promise<void> {
    await this.store.deleteService(svc.id);
    this.servicesById.delete(svc.id);
    this.releasedServices.remember(svc);
    if (svc.record.handle !== null && this.servicesByHandle.get(svc.record.handle) === svc) {
      this.servicesByHandle.delete(svc.record.handle);
    }
  }

  /** Releases a sub-service nothing refers to any more, retrying until it is gone. */
  releaseOrphan(network: string, handle: string, attempt = 0): void {
    if (this.closed) return;
    void (async () => {
      try {
        const s = await this.inferior(network).findService({ handle });
        if (s) await s.release();
      } catch (e) {
        const delay = Math.min(30_000, 200 * 2 ** attempt);
        this.logger.warn('could not release an orphaned sub-service; will retry', { network: this.name, inferior: network, handle, error: toBrokerError(e).message });
        const t = setTimeout(() => {
          this.orphanTimers.delete(t);
          this.releaseOrphan(network, handle, attempt + 1);
        }, delay);
        t.unref?.();
        this.orphanTimers.add(t);
      }
    })();
  }

  /** Adds this network's view to an inferior's error (terminal names mapped back to ours). */
  explainInferiorError(e: unknown, from?: string): BrokerError {
    const b = toBrokerError(e);
    const inferior = from ?? (typeof b.details.inferior === 'string' ? b.details.inferior : typeof b.details.network === 'string' ? b.details.network : undefined);
    const details: ErrorDetails = { ...b.details, network: this.name, ...(inferior ? { inferior } : {}) };
    if (inferior && typeof b.details.terminal === 'string') {
      const outer = this.exposed.get(`${inferior}:${b.details.terminal}`);
      if (outer !== undefined) details.terminal = outer;
      else details.inferiorTerminal = b.details.terminal;
    }
    const message = inferior && inferior !== this.name ? `${this.name}: inferior ${inferior} refused: ${b.message}` : b.message;
    return new BrokerError(b.code, message, { details, cause: b });
  }

  // ------------------------------------------------------------------ internals

  private async load(): Promise<void> {
    const snap = await this.store.load();
    this.nextServiceId = snap.nextServiceId;
    this.nextTrunkId = snap.nextTrunkId;
    for (const t of snap.terminals) {
      this.terminalsByName.set(t.name, t);
      this.exposed.set(terminalRefKey(t.inferior), t.name);
    }
    for (const r of snap.trunks) this.indexTrunk(new TrunkState(r));
    for (const r of snap.services) {
      const svc = new AggregatorService(this, r);
      this.servicesById.set(r.id, svc);
      if (r.handle !== null) this.servicesByHandle.set(r.handle, svc);
      for (const t of r.tunnels) this.trunkStates.get(t.trunkId)?.hold({ ...t, service: r.id });
    }
    await Promise.all([...this.servicesById.values()].map((s) => s.recover()));
    await this.sweepOrphans();
  }

  /** Releases sub-services in inferiors that carry our handle prefix but that no service refers to. */
  private async sweepOrphans(): Promise<void> {
    const known = new Set<string>();
    for (const s of this.servicesById.values()) for (const sub of s.record.subservices) known.add(`${sub.network}\n${sub.handle}`);
    const prefix = subHandlePrefix(this.name);
    for (const network of this.inferiorNames()) {
      const inf = this.findInferior(network);
      if (!inf) continue;
      try {
        for (const s of await inf.services()) {
          if (s.handle !== null && s.handle.startsWith(prefix) && !known.has(`${network}\n${s.handle}`)) {
            this.logger.info('releasing an orphaned sub-service', { network: this.name, inferior: network, handle: s.handle });
            await s.release();
          }
        }
      } catch (e) {
        this.logger.warn('could not sweep an inferior for orphans', { network: this.name, inferior: network, error: toBrokerError(e).message });
      }
    }
  }

  private indexTrunk(t: TrunkState): void {
    this.trunkStates.set(t.id, t);
    this.trunkEnds.set(terminalRefKey(t.record.start), t.id);
    this.trunkEnds.set(terminalRefKey(t.record.end), t.id);
  }

  private changeTrunk(id: number, change: (t: TrunkState) => TrunkRecord): Promise<TrunkInfo> {
    return this.lock.run(async () => {
      const t = this.requireTrunk(id);
      const record = change(t);
      await this.store.putTrunk(record);
      const next = new TrunkState(record);
      for (const tun of t.tunnels()) next.hold({ trunkId: id, startLabel: tun.startLabel, endLabel: tun.endLabel, upstreamMbps: tun.upstreamMbps, downstreamMbps: tun.downstreamMbps, service: tun.service });
      this.indexTrunk(next);
      this.topologyChanged();
      return next.info();
    });
  }

  private inferiorNames(): string[] {
    const names = new Set<string>();
    for (const t of this.terminalsByName.values()) names.add(t.inferior.network);
    for (const t of this.trunkStates.values()) {
      names.add(t.record.start.network);
      names.add(t.record.end.network);
    }
    return [...names].sort();
  }

  /**
   * Follows whether an inferior in another process is reachable (once per
   * network): while it is not, services using it are not reported ACTIVE on
   * its word, and its cached model is dropped; when it is back, those
   * services find their sub-services again and converge.
   */
  followAvailability(network: string): void {
    if (this.availabilitySubscriptions.has(network) || this.closed) return;
    const inf = this.findInferior(network);
    if (!inf?.onAvailabilityChange) {
      this.availabilitySubscriptions.set(network, () => undefined);
      return;
    }
    this.availabilitySubscriptions.set(
      network,
      inf.onAvailabilityChange((available) => {
        this.logger[available ? 'info' : 'warn'](available ? 'inferior reachable again; reconciling its sub-services' : 'inferior unreachable', {
          network: this.name,
          inferior: network,
        });
        this.models.delete(network);
        for (const s of this.servicesById.values()) s.inferiorAvailability(network, available);
        this.topologyChanged();
      }),
    );
  }

  /** An inferior's chords, cached until it says its model changed (or the cache ages out). */
  private async inferiorChords(network: string): Promise<Chord[]> {
    const cached = this.models.get(network);
    if (cached && this.now() - cached.at <= this.modelCacheMs) return cached.model.chords;
    const inf = this.inferior(network);
    if (!this.modelSubscriptions.has(network)) {
      this.modelSubscriptions.set(
        network,
        inf.onModelChange(() => {
          this.models.delete(network);
          this.topologyChanged();
        }),
      );
    }
    const model = await inf.model(0);
    if (this.modelCacheMs > 0) this.models.set(network, { model, at: this.now() });
    return model.chords;
  }

  /** Maps outer circuits to inner ones; `terminal` of each result is `network:terminal`. */
  private mapToInner(request: SanitizedRequest): CircuitFlow[] {
    return request.circuits.map((c) => {
      const t = this.terminalsByName.get(c.terminal);
      if (!t) throw errors.notFound('terminal', `${c.terminal} of network ${this.name}`, { network: this.name, terminal: c.terminal });
      return { ...c, terminal: terminalRefKey(t.inferior) };
    });
  }

  private explainPlanFailure(f: PlanFailure): Error {
    const outerOf = (ref: TerminalRef): string => this.exposed.get(terminalRefKey(ref)) ?? terminalRefKey(ref);
    if (f.reason === 'unreachable') {
      const names = f.unreachable.map(outerOf);
      return errors.exhausted(
        `no usable route in ${this.name} reaches ${names.join(', ')} from the other terminals of the request (check trunks: capacity, free labels, commissioning)`,
        { network: this.name, reason: 'unreachable', terminals: names, terminal: names[0] },
      );
    }
    const worst = f.shortfalls[0];
    if (!worst) return errors.exhausted(`not enough capacity in ${this.name} for this request`, { network: this.name, reason: 'insufficient-capacity' });
    const shortfalls = f.shortfalls.map((s) => ({ ...s, requiredMbps: round(s.requiredMbps), availableMbps: round(s.availableMbps) }));
    let where: string;
    if (worst.trunk !== undefined) {
      const t = this.trunkStates.get(worst.trunk)?.record;
      const dir = worst.direction === 'upstream' ? '→' : '←';
      where = t ? `trunk ${worst.trunk} (${terminalRefKey(t.start)} ${dir} ${terminalRefKey(t.end)})` : `trunk ${worst.trunk}`;
    } else {
      const c = worst.chord as { network: string; from: string; to: string };
      where = `inferior ${c.network} between ${c.from} and ${c.to}`;
    }
    return errors.exhausted(
      `not enough capacity in ${this.name}: ${where} ${worst.direction} needs ${round(worst.requiredMbps)} Mbit/s but has ${round(worst.availableMbps)}`,
      {
        network: this.name,
        reason: 'insufficient-capacity',
        ...(worst.trunk !== undefined ? { kind: 'trunk' as const, trunk: worst.trunk } : { inferior: worst.chord?.network }),
        direction: worst.direction,
        requestedMbps: round(worst.requiredMbps),
        availableMbps: round(worst.availableMbps),
        shortfalls,
      },
    );
  }

  private requireTerminal(name: string): AggregatorTerminalRecord {
    const t = this.terminalsByName.get(name);
    if (!t) throw errors.notFound('terminal', `${name} of network ${this.name}`, { network: this.name, terminal: name });
    return t;
  }

  private requireTrunk(id: number): TrunkState {
    const t = typeof id === 'number' ? this.trunkStates.get(id) : undefined;
    if (!t) throw errors.notFound('trunk', `${id} of network ${this.name}`, { network: this.name, trunk: typeof id === 'number' ? id : undefined });
    return t;
  }

  private checkTerminalRef(ref: unknown, field: string): TerminalRef {
    if (typeof ref !== 'object' || ref === null) throw errors.invalid(`${field} must be {network, terminal}`, { field });
    const r = ref as TerminalRef;
    return { network: checkName(r.network, `${field}.network`), terminal: checkName(r.terminal, `${field}.terminal`) };
  }

  private async checkInferiorTerminal(ref: TerminalRef): Promise<void> {
    const inf = this.findInferior(ref.network);
    if (!inf) throw errors.notFound('network', `${ref.network} (an inferior of ${this.name})`, { network: ref.network, inferior: ref.network });
    if (inf === this) throw errors.invalid(`${this.name} cannot be its own inferior`, { network: this.name });
    const terms = await inf.terminals();
    if (!terms.includes(ref.terminal)) {
      throw errors.notFound('terminal', `${ref.terminal} of network ${ref.network}`, { network: ref.network, terminal: ref.terminal, inferior: ref.network });
    }
  }

  private checkOpen(): void {
    if (this.closed) throw errors.unavailable(`network ${this.name} is closed`, { network: this.name });
  }
}

function checkCost(x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x > 1e9) {
    throw errors.invalid(`cost must be a finite number from 0 to 1e9; got ${JSON.stringify(x)}`, { field: 'cost', value: typeof x === 'number' ? x : String(x) });
  }
  return x;
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf(':');
  return [key.slice(0, i), key.slice(i + 1)];
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

