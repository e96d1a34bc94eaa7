import {
  type AggregatorServiceRecord,
  type AggregatorSnapshot,
  type AggregatorStore,
  type AggregatorTerminalRecord,
  errors,
  type StoreProvider,
  type SwitchServiceRecord,
  type SwitchSnapshot,
  type SwitchStore,
  type SwitchTerminalRecord,
  type SanitizedRequest,
  type TrunkRecord,
} from '@dpb/model';
import {
  checkAggregatorServiceRecord,
  checkAggregatorTerminalRecord,
  checkServiceRecord,
  checkSwitchTerminalRecord,
  checkTrunkRecord,
} from '../record-checks';

/** Deep copy, so callers can never alias what the store holds. */
function copy<T>(x: T): T {
  return structuredClone(x);
}

function copyRequest(r: SanitizedRequest | null): SanitizedRequest | null {
  return r === null ? null : { circuits: r.circuits.map((c) => ({ ...c })) };
}

/** Deep copy of a service record by its known shape: structuredClone costs about ten times more on records this small. */
function copyService<T extends SwitchServiceRecord>(s: T): T {
  return { ...s, request: copyRequest(s.request), errors: s.errors.map((e) => ({ ...e, details: structuredClone(e.details) })) };
}

function copyAggregatorService(s: AggregatorServiceRecord): AggregatorServiceRecord {
  return {
    ...copyService(s),
    subservices: s.subservices.map((sub) => ({ ...sub, request: copyRequest(sub.request) as SanitizedRequest })),
    tunnels: s.tunnels.map((t) => ({ ...t })),
  };
}

/** Terminals in name order (byte order, as SQLite sorts them). */
function sortedByName<T extends { name: string }>(items: Iterable<T>): T[] {
  return [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Throws ALREADY_EXISTS if another stored service has `service`'s handle (an index lookup: a scan made every put O(services)). */
function checkHandleFree(handles: Map<string, number>, service: { id: number; handle: string | null }, network?: string): void {
  if (service.handle === null) return;
  const other = handles.get(service.handle);
  if (other !== undefined && other !== service.id) {
    throw errors.exists('handle', service.handle, {
      ...(network === undefined ? {} : { network }),
      handle: service.handle,
      service: other,
    });
  }
}

/** Keeps the handle index in step with a put (old record replaced by next) or a delete (next undefined). */
function reindex(handles: Map<string, number>, old: { id: number; handle: string | null } | undefined, next: { id: number; handle: string | null } | undefined): void {
  if (old?.handle != null && handles.get(old.handle) === old.id) handles.delete(old.handle);
  if (next?.handle != null) handles.set(next.handle, next.id);
}

/** What a memory switch store holds; shared by stores opened on the same network. */
export interface MemorySwitchData {
  terminals: Map<string, SwitchTerminalRecord>;
  services: Map<number, SwitchServiceRecord>;
  /** handle → service id */
  handles: Map<string, number>;
  nextServiceId: number;
}

/** What a memory aggregator store holds. */
export interface MemoryAggregatorData {
  terminals: Map<string, AggregatorTerminalRecord>;
  trunks: Map<number, TrunkRecord>;
  services: Map<number, AggregatorServiceRecord>;
  /** handle → service id */
  handles: Map<string, number>;
  /** `trunk:start:<label>` and `trunk:end:<label>` → service id: the double-booking guard. */
  held: Map<string, number>;
  nextServiceId: number;
  nextTrunkId: number;
}

export function emptySwitchData(): MemorySwitchData {
  return { terminals: new Map(), services: new Map(), handles: new Map(), nextServiceId: 1 };
}

export function emptyAggregatorData(): MemoryAggregatorData {
  return { terminals: new Map(), trunks: new Map(), services: new Map(), handles: new Map(), held: new Map(), nextServiceId: 1, nextTrunkId: 1 };
}

/**
 * A switch store in memory: the same contract as the SQLite store, for tests,
 * benchmarks and transient networks. Nothing survives the process, but a new
 * store opened on the same `MemoryStoreProvider` sees what an earlier one
 * wrote, which is how tests simulate a restart.
 */
export class MemorySwitchStore implements SwitchStore {
  constructor(
    private readonly data: MemorySwitchData = emptySwitchData(),
    private readonly network?: string,
  ) {}

  async load(): Promise<SwitchSnapshot> {
    return copy({
      terminals: sortedByName(this.data.terminals.values()),
      services: [...this.data.services.values()].sort((a, b) => a.id - b.id),
      nextServiceId: this.data.nextServiceId,
    });
  }

  async putTerminal(terminal: SwitchTerminalRecord): Promise<void> {
    checkSwitchTerminalRecord(terminal);
    this.data.terminals.set(terminal.name, copy(terminal));
  }

  async deleteTerminal(name: string): Promise<void> {
    this.data.terminals.delete(name);
  }

  async putService(service: SwitchServiceRecord): Promise<void> {
    checkServiceRecord(service);
    checkHandleFree(this.data.handles, service, this.network);
    reindex(this.data.handles, this.data.services.get(service.id), service);
    this.data.services.set(service.id, copyService(service));
    this.data.nextServiceId = Math.max(this.data.nextServiceId, service.id + 1);
  }

  async deleteService(id: number): Promise<void> {
    reindex(this.data.handles, this.data.services.get(id), undefined);
    this.data.services.delete(id);
  }

  async close(): Promise<void> {}
}

const startKey = (trunk: number, label: number): string => `${trunk}:s:${label}`;
const endKey = (trunk: number, label: number): string => `${trunk}:e:${label}`;

export class MemoryAggregatorStore implements AggregatorStore {
  constructor(
    private readonly data: MemoryAggregatorData = emptyAggregatorData(),
    private readonly network?: string,
  ) {}

  async load(): Promise<AggregatorSnapshot> {
    return copy({
      terminals: sortedByName(this.data.terminals.values()),
      trunks: [...this.data.trunks.values()].sort((a, b) => a.id - b.id),
      services: [...this.data.services.values()].sort((a, b) => a.id - b.id),
      nextServiceId: this.data.nextServiceId,
      nextTrunkId: this.data.nextTrunkId,
    });
  }

  async putTerminal(terminal: AggregatorTerminalRecord): Promise<void> {
    checkAggregatorTerminalRecord(terminal);
    this.data.terminals.set(terminal.name, copy(terminal));
  }

  async deleteTerminal(name: string): Promise<void> {
    this.data.terminals.delete(name);
  }

  async putTrunk(trunk: TrunkRecord): Promise<void> {
    checkTrunkRecord(trunk);
    this.data.trunks.set(trunk.id, copy(trunk));
    this.data.nextTrunkId = Math.max(this.data.nextTrunkId, trunk.id + 1);
  }

  async deleteTrunk(id: number): Promise<void> {
    let user: number | undefined;
    for (const [key, service] of this.data.held) {
      if (key.startsWith(`${id}:`) && (user === undefined || service < user)) user = service;
    }
    if (user !== undefined) {
      throw errors.busy(`trunk ${id} still carries tunnels of service ${user}`, {
        kind: 'trunk',
        ...this.where(),
        trunk: id,
        service: user,
      });
    }
    this.data.trunks.delete(id);
  }

  async putService(service: AggregatorServiceRecord): Promise<void> {
    // validate everything before changing anything: the put is all or nothing
    checkAggregatorServiceRecord(service);
    checkHandleFree(this.data.handles, service, this.network);
    for (const t of service.tunnels) {
      if (!this.data.trunks.has(t.trunkId)) {
        throw errors.notFound('trunk', String(t.trunkId), { ...this.where(), trunk: t.trunkId, service: service.id });
      }
    }
    for (const t of service.tunnels) {
      for (const [key, label, side] of [
        [startKey(t.trunkId, t.startLabel), t.startLabel, 'start'],
        [endKey(t.trunkId, t.endLabel), t.endLabel, 'end'],
      ] as const) {
        const holder = this.data.held.get(key);
        if (holder !== undefined && holder !== service.id) {
          throw errors.busy(`${side} label ${label} of trunk ${t.trunkId} is held by service ${holder}`, {
            kind: 'label',
            ...this.where(),
            trunk: t.trunkId,
            label,
            side,
            service: holder,
          });
        }
      }
    }
    this.unhold(service.id);
    reindex(this.data.handles, this.data.services.get(service.id), service);
    for (const t of service.tunnels) {
      this.data.held.set(startKey(t.trunkId, t.startLabel), service.id);
      this.data.held.set(endKey(t.trunkId, t.endLabel), service.id);
    }
    this.data.services.set(service.id, copyAggregatorService(service));
    this.data.nextServiceId = Math.max(this.data.nextServiceId, service.id + 1);
  }

  async deleteService(id: number): Promise<void> {
    this.unhold(id);
    reindex(this.data.handles, this.data.services.get(id), undefined);
    this.data.services.delete(id);
  }

  async close(): Promise<void> {}

  private where(): { network?: string } {
    return this.network === undefined ? {} : { network: this.network };
  }

  private unhold(id: number): void {
    const old = this.data.services.get(id);
    if (!old) return;
    for (const t of old.tunnels) {
      this.data.held.delete(startKey(t.trunkId, t.startLabel));
      this.data.held.delete(endKey(t.trunkId, t.endLabel));
    }
  }
}

/**
 * Memory stores for any number of networks. Opening the same network's store
 * twice gives two stores over the same data, as reopening a database would.
 */
export class MemoryStoreProvider implements StoreProvider {
  private readonly switches = new Map<string, MemorySwitchData>();
  private readonly aggregators = new Map<string, MemoryAggregatorData>();

  switchStore(network: string): SwitchStore {
    let d = this.switches.get(network);
    if (!d) this.switches.set(network, (d = emptySwitchData()));
    return new MemorySwitchStore(d, network);
  }

  aggregatorStore(network: string): AggregatorStore {
    let d = this.aggregators.get(network);
    if (!d) this.aggregators.set(network, (d = emptyAggregatorData()));
    return new MemoryAggregatorStore(d, network);
  }

  async close(): Promise<void> {}
}
