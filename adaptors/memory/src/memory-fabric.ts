import {
  type BridgeCondition,
  type BridgeListener,
  type BridgeSpec,
  type BridgeState,
  errors,
  type Fabric,
  type FabricCircuit,
  type FabricInterface,
  BridgeStateFeed,
} from '@dpb/model';
import { type MemoryInterface, parseInterfaceDescription } from './interface-description';

export interface MemoryFabricOptions {
  /** Names the fabric in errors and logs; default "memory". */
  name?: string;
  /** Most bridges the fabric holds at once; default unlimited. */
  maxBridges?: number;
  /** How long a bridge stays `pending` before it comes `up`, in ms; default 0 (next turn of the event loop). */
  delayMs?: number;
}

/** A circuit as the fabric holds it: its interface reduced to the port. */
export interface MemoryBridgeCircuit extends FabricCircuit {
  port: string;
}

/** What {@link MemoryFabric.snapshot} shows of one bridge. */
export interface MemoryBridgeSnapshot {
  id: string;
  condition: BridgeCondition;
  reason?: string;
  circuits: FabricCircuit[];
}

/** A channel as {@link MemoryFabric.reach} takes it. */
export interface MemoryChannel {
  interface: string;
  label: number;
}

interface BridgeRecord {
  id: string;
  circuits: MemoryBridgeCircuit[];
  condition: Exclude<BridgeCondition, 'absent'>;
  reason?: string;
  timer?: { cancel(): void };
}

const channelKey = (port: string, label: number): string => `${port}:${label}`;

/** Most parsed interface descriptions kept (a fabric normally has a few dozen interfaces). */
const MAX_PARSED_INTERFACES = 4096;

/**
 * An in-process switching fabric that keeps real bridge state.
 *
 * Bridges join channels (interface + label). A channel belongs to at most one
 * bridge: a bridge that would take a channel already held by another bridge is
 * reported `failed` (not thrown), as is one beyond `maxBridges`. New bridges are
 * `pending`, then `up` after `delayMs` (never inside the call). State changes reach
 * subscribers asynchronously and in order; every method resolves only after the
 * changes it caused have been delivered.
 *
 * Tests ask {@link reach} where traffic goes, and inject faults with
 * {@link failNext}, {@link failInterface}, {@link setReachable}, {@link setDelay},
 * {@link loseBridge} and {@link reboot}.
 */
export class MemoryFabric implements Fabric {
  readonly kind = 'memory';
  readonly name: string;
  private readonly limit: number | undefined;
  private delayMs: number;
  private readonly bridgeTable = new Map<string, BridgeRecord>();
  /** port → label → id of the bridge holding that channel (pending or up bridges only). */
  private readonly channels = new Map<string, Map<number, string>>();
  /** Parsed interface descriptions, so that every circuit on a port shares its strings (memory, issue 7). */
  private readonly interfaces = new Map<string, MemoryInterface>();
  private readonly feed = new BridgeStateFeed();
  private reachable = true;
  private failures: { reason: string; count: number } | undefined;
  /** port → reason bridges on it fail. */
  private readonly failingPorts = new Map<string, string>();

  constructor(options: MemoryFabricOptions = {}) {
    this.name = options.name ?? 'memory';
    if (options.maxBridges !== undefined && !(Number.isInteger(options.maxBridges) && options.maxBridges >= 0)) {
      throw errors.invalid('maxBridges must be a non-negative integer', { field: 'maxBridges', value: options.maxBridges });
    }
    this.limit = options.maxBridges;
    this.delayMs = checkDelay(options.delayMs ?? 0);
  }

  describeInterface(description: string): FabricInterface {
    const { description: canonical, labels } = parseInterfaceDescription(description);
    return { description: canonical, labels };
  }

  maxBridges(): number | undefined {
    return this.limit;
  }

  async reconcile(bridges: readonly BridgeSpec[]): Promise<void> {
    this.checkReachable();
    const specs = bridges.map((b) => this.normalise(b));
    const ids = new Set<string>();
    for (const s of specs) {
      if (ids.has(s.id)) throw errors.invalid(`bridge ${s.id} appears twice`, { kind: 'bridge', field: 'id', value: s.id });
      ids.add(s.id);
    }
    for (const id of [...this.bridgeTable.keys()]) if (!ids.has(id)) this.drop(id);
    for (const s of specs) this.apply(s);
    await this.flush();
  }

  async ensureBridge(spec: BridgeSpec): Promise<void> {
    this.checkReachable();
    this.apply(this.normalise(spec));
    await this.flush();
  }

  async removeBridge(id: string): Promise<void> {
    this.checkReachable();
    this.drop(id);
    await this.flush();
  }

  async bridges(): Promise<BridgeState[]> {
    this.checkReachable();
    return [...this.bridgeTable.values()].map((b) => stateOf(b));
  }

  subscribe(listener: BridgeListener): () => void {
    return this.feed.subscribe(listener);
  }

  async close(): Promise<void> {
    for (const b of this.bridgeTable.values()) b.timer?.cancel();
    await this.flush();
    this.feed.clear();
  }

  /**
   * Does traffic entering at circuit `a` leave at circuit `b`, and at what rate?
   * Connected iff both channels are in the same `up` bridge; the rate is the
   * lower of a's ingress and b's egress (Mbit/s).
   */
  reach(a: MemoryChannel, b: MemoryChannel): { connected: boolean; rateMbps: number } {
    const none = { connected: false, rateMbps: 0 };
    let pa: string;
    let pb: string;
    try {
      pa = this.parse(a.interface).port;
      pb = this.parse(b.interface).port;
    } catch {
      return none;
    }
    if (pa === pb && a.label === b.label) return none;
    const id = this.holder(pa, a.label);
    if (id === undefined || this.holder(pb, b.label) !== id) return none;
    const bridge = this.bridgeTable.get(id);
    if (!bridge || bridge.condition !== 'up') return none;
    const ca = bridge.circuits.find((c) => c.port === pa && c.label === a.label);
    const cb = bridge.circuits.find((c) => c.port === pb && c.label === b.label);
    if (!ca || !cb) return none;
    return { connected: true, rateMbps: Math.min(ca.ingressMbps, cb.egressMbps) };
  }

  /** The next `count` bridges created fail with `reason`. */
  failNext(reason: string, count = 1): void {
    this.failures = count > 0 ? { reason, count } : undefined;
  }

  /**
   * With a reason, every bridge using the interface fails now and new ones fail
   * too; with `undefined`, new bridges on it succeed again.
   */
  failInterface(description: string, reason: string | undefined): void {
    const { port } = this.parse(description);
    if (reason === undefined) {
      this.failingPorts.delete(port);
      return;
    }
    this.failingPorts.set(port, reason);
    for (const b of this.bridgeTable.values()) {
      if (b.condition !== 'failed' && b.circuits.some((c) => c.port === port)) this.fail(b, reason);
    }
    void this.flush();
  }

  /** While false, every call rejects with UNAVAILABLE (the device cannot be reached). */
  setReachable(reachable: boolean): void {
    this.reachable = reachable;
  }

  /** Changes how long new bridges stay pending. */
  setDelay(ms: number): void {
    this.delayMs = checkDelay(ms);
  }

  /** The device silently drops a bridge: it is reported `absent`. */
  loseBridge(id: string): void {
    this.drop(id);
    void this.flush();
  }

  /** The device restarts: every bridge is dropped and reported `absent`. */
  reboot(): void {
    for (const id of [...this.bridgeTable.keys()]) this.drop(id);
    void this.flush();
  }

  /** Every bridge with its condition and circuits, by id. */
  snapshot(): MemoryBridgeSnapshot[] {
    return [...this.bridgeTable.values()]
      .sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
      .map((b) => ({
        ...stateOf(b),
        circuits: b.circuits.map((c) => ({
          interface: c.interface,
          label: c.label,
          ingressMbps: c.ingressMbps,
          egressMbps: c.egressMbps,
        })),
      }));
  }

  // ---- internals ----

  private checkReachable(): void {
    if (!this.reachable) {
      throw errors.unavailable(`fabric ${this.name} cannot be reached`, { inferior: this.name });
    }
  }

  private normalise(spec: BridgeSpec): { id: string; circuits: MemoryBridgeCircuit[] } {
    if (typeof spec?.id !== 'string' || spec.id.length === 0) {
      throw errors.invalid('a bridge needs an id', { kind: 'bridge', field: 'id' });
    }
    if (!Array.isArray(spec.circuits)) {
      throw errors.invalid(`bridge ${spec.id} needs a circuits array`, { kind: 'bridge', field: 'circuits' });
    }
    const circuits = spec.circuits.map((c) => {
      const iface = this.parse(c.interface);
      if (!Number.isInteger(c.label)) {
        throw errors.invalid(`bridge ${spec.id}: label must be an integer`, { kind: 'label', field: 'label', value: String(c.label) });
      }
      return {
        interface: iface.description,
        port: iface.port,
        label: c.label,
        ingressMbps: c.ingressMbps,
        egressMbps: c.egressMbps,
      };
    });
    return { id: spec.id, circuits };
  }

  /** Creates or updates a bridge; records failure as state. */
  private apply(spec: { id: string; circuits: MemoryBridgeCircuit[] }): void {
    const existing = this.bridgeTable.get(spec.id);
    if (existing && existing.condition !== 'failed' && sameChannels(existing.circuits, spec.circuits)) {
      existing.circuits = spec.circuits; // rates apply in place
      return;
    }
    if (existing) this.unindex(existing);
    const record: BridgeRecord = { id: spec.id, circuits: spec.circuits, condition: 'pending' };
    this.bridgeTable.set(spec.id, record);
    const reason = this.refusal(spec);
    if (reason !== undefined) {
      record.condition = 'failed';
      record.reason = reason;
      this.emit(record);
      return;
    }
    for (const c of record.circuits) {
      let labels = this.channels.get(c.port);
      if (!labels) this.channels.set(c.port, (labels = new Map()));
      labels.set(c.label, record.id);
    }
    this.emit(record);
    record.timer = this.later(() => {
      if (this.bridgeTable.get(record.id) !== record || record.condition !== 'pending') return;
      record.condition = 'up';
      record.timer = undefined;
      this.emit(record);
      void this.flush();
    });
  }

  /** Why the device would refuse this bridge, or undefined. */
  private refusal(spec: { id: string; circuits: MemoryBridgeCircuit[] }): string | undefined {
    const seen = new Set<string>();
    for (const c of spec.circuits) {
      const { labels } = this.parse(c.interface);
      if (c.label < labels.min || c.label > labels.max) {
        return `label ${c.label} is outside ${labels.min}-${labels.max} on interface ${c.interface}`;
      }
      const key = channelKey(c.port, c.label);
      if (seen.has(key)) return `channel ${c.interface}:${c.label} appears twice`;
      seen.add(key);
      const holder = this.holder(c.port, c.label);
      if (holder !== undefined && holder !== spec.id) return `channel ${c.interface}:${c.label} is in bridge ${holder}`;
    }
    if (this.limit !== undefined) {
      let held = 0;
      for (const b of this.bridgeTable.values()) if (b.id !== spec.id && b.condition !== 'failed') held++;
      if (held >= this.limit) return `fabric ${this.name} is full (${this.limit} bridges)`;
    }
    for (const c of spec.circuits) {
      const why = this.failingPorts.get(c.port);
      if (why !== undefined) return why;
    }
    if (this.failures) {
      const reason = this.failures.reason;
      if (--this.failures.count <= 0) this.failures = undefined;
      return reason;
    }
    return undefined;
  }

  private fail(b: BridgeRecord, reason: string): void {
    this.unindex(b);
    b.condition = 'failed';
    b.reason = reason;
    this.emit(b);
  }

  private drop(id: string): void {
    const b = this.bridgeTable.get(id);
    if (!b) return;
    this.unindex(b);
    this.bridgeTable.delete(id);
    this.feed.push({ id, condition: 'absent' });
  }

  private unindex(b: BridgeRecord): void {
    b.timer?.cancel();
    b.timer = undefined;
    for (const c of b.circuits) {
      const labels = this.channels.get(c.port);
      if (labels?.get(c.label) === b.id) {
        labels.delete(c.label);
        if (labels.size === 0) this.channels.delete(c.port);
      }
    }
  }

  /** The id of the bridge holding a channel, if any. */
  private holder(port: string, label: number): string | undefined {
    return this.channels.get(port)?.get(label);
  }

  /** Parses an interface description once; later calls share the result. */
  private parse(description: string): MemoryInterface {
    const known = typeof description === 'string' ? this.interfaces.get(description) : undefined;
    if (known) return known;
    const parsed = parseInterfaceDescription(description);
    if (this.interfaces.size >= MAX_PARSED_INTERFACES) this.interfaces.clear();
    this.interfaces.set(description, parsed);
    return parsed;
  }

  private later(f: () => void): { cancel(): void } {
    if (this.delayMs <= 0) {
      const h = setImmediate(f);
      return { cancel: () => clearImmediate(h) };
    }
    const h = setTimeout(f, this.delayMs);
    return { cancel: () => clearTimeout(h) };
  }

  private emit(b: BridgeRecord): void {
    this.feed.push(stateOf(b));
  }

  /** Delivers queued states to listeners on a later microtask, in order. */
  private flush(): Promise<void> {
    return this.feed.flush();
  }
}

function stateOf(b: BridgeRecord): BridgeState {
  return b.reason === undefined || b.condition !== 'failed'
    ? { id: b.id, condition: b.condition }
    : { id: b.id, condition: b.condition, reason: b.reason };
}

function sameChannels(a: MemoryBridgeCircuit[], b: MemoryBridgeCircuit[]): boolean {
  if (a.length !== b.length) return false;
  const ka = a.map((c) => channelKey(c.port, c.label)).sort();
  const kb = b.map((c) => channelKey(c.port, c.label)).sort();
  return ka.every((k, i) => k === kb[i]);
}

function checkDelay(ms: number): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw errors.invalid('delayMs must be a non-negative number', { field: 'delayMs', value: String(ms) });
  }
  return ms;
}
