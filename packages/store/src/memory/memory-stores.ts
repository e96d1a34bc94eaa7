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

/** Terminals in name order (byte order, as SQLite sorts them). */
function sortedByName<T extends { name: string }>(items: Iterable<T>): T[] {
  return [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Throws ALREADY_EXISTS if another stored service has `service`'s handle. */
function checkHandleFree(services: Map<number, { id: number; handle: string | null }>, service: { id: number; handle: string | null }, network?: string): void {
  if (service.handle === null) return;
  for (const other of services.values()) {
    if (other.handle === service.handle && other.id !== service.id) {
      throw errors.exists('handle', service.handle, {
        ...(network === undefined ? {} : { network }),
        handle: service.handle,
        service: other.id,
      });
    }
  }
}

/** What a memory switch store holds; shared by stores opened on the same network. */
export interface MemorySwitchData {
  terminals: Map<string, SwitchTerminalRecord>;
  services: Map<number, SwitchServiceRecord>;
  nextServiceId: number;
}

/** What a memory aggregator store holds. */
export interface MemoryAggregatorData {
  terminals: Map<string, AggregatorTerminalRecord>;
  trunks: Map<number, TrunkRecord>;
  services: Map<number, AggregatorServiceRecord>;
  /** `trunk:start:<label>` and `trunk:end:<label>` → service id: the double-booking guard. */
  held: Map<string, number>;
  nextServiceId: number;
  nextTrunkId: number;
}

export function emptySwitchData(): MemorySwitchData {
  return { terminals: new Map(), services: new Map(), nextServiceId: 1 };
}

export function emptyAggregatorData(): MemoryAggregatorData {
  return { terminals: new Map(), trunks: new Map(), services: new Map(), held: new Map(), nextServiceId: 1, nextTrunkId: 1 };
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
    checkHandleFree(this.data.services, service, this.network);
    this.data.services.set(service.id, copy(service));
    this.data.nextServiceId = Math.max(this.data.nextServiceId, service.id + 1);
  }

  async deleteService(id: number): Promise<void> {
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
    checkHandleFree(this.data.services, service, this.network);
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
    for (const t of service.tunnels) {
      this.data.held.set(startKey(t.trunkId, t.startLabel), service.id);
      this.data.held.set(endKey(t.trunkId, t.endLabel), service.id);
    }
    this.data.services.set(service.id, copy(service));
    this.data.nextServiceId = Math.max(this.data.nextServiceId, service.id + 1);
  }

  async deleteService(id: number): Promise<void> {
    this.unhold(id);
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
