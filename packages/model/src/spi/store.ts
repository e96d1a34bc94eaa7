import type { ErrorRecord } from '../errors';
import type { LabelRange } from '../api/management';
import type { TerminalRef } from '../names';
import type { SanitizedRequest } from '../request';
import type { ServiceIntent } from '../status';

/**
 * Persistence ports. A network loads everything once at start-up, keeps
 * its working state in memory, and writes every change through its store
 * before acknowledging it. Each `put*`/`delete*` call is one atomic
 * transaction: a crash at any instant leaves either the old or the new
 * record, never half of one.
 *
 * Implementations: in-memory (tests, benchmarks) and TypeORM/SQLite.
 * Both pass the same conformance suite (testkit `describeStore`).
 */

/** What every service record holds. */
export interface ServiceRecord {
  id: number;
  handle: string | null;
  intent: ServiceIntent;
  /** Sanitised request, null while DORMANT. */
  request: SanitizedRequest | null;
  /** Errors of a FAILED service; empty otherwise. */
  errors: ErrorRecord[];
  /** Epoch milliseconds. */
  createdAt: number;
}

export interface SwitchTerminalRecord {
  name: string;
  /** Interface description as configured. */
  interface: string;
  ingressQuotaMbps: number | null;
  egressQuotaMbps: number | null;
}

export type SwitchServiceRecord = ServiceRecord;

export interface SwitchSnapshot {
  terminals: SwitchTerminalRecord[];
  services: SwitchServiceRecord[];
  /** Next service id to hand out; ids are never reused. */
  nextServiceId: number;
}

export interface SwitchStore {
  load(): Promise<SwitchSnapshot>;
  /** Insert or replace by name. */
  putTerminal(terminal: SwitchTerminalRecord): Promise<void>;
  deleteTerminal(name: string): Promise<void>;
  /** Insert or replace by id; also makes `nextServiceId` greater than `id`. */
  putService(service: SwitchServiceRecord): Promise<void>;
  deleteService(id: number): Promise<void>;
  close(): Promise<void>;
}

export interface AggregatorTerminalRecord {
  name: string;
  inferior: TerminalRef;
}

export interface TrunkRecord {
  id: number;
  start: TerminalRef;
  end: TerminalRef;
  /** Total capacity start→end, Mbit/s. */
  upstreamMbps: number;
  /** Total capacity end→start, Mbit/s. */
  downstreamMbps: number;
  cost: number;
  commissioned: boolean;
  labelRanges: LabelRange[];
}

/** One label pair of a trunk held by a service. */
export interface TunnelRecord {
  trunkId: number;
  startLabel: number;
  endLabel: number;
  upstreamMbps: number;
  downstreamMbps: number;
}

/** One piece of a service delegated to an inferior network. */
export interface SubserviceRecord {
  network: string;
  /** Derived from the superior service, so a retry never creates a duplicate. */
  handle: string;
  /** The inferior's service id once known. */
  id: number | null;
  request: SanitizedRequest;
}

export interface AggregatorServiceRecord extends ServiceRecord {
  /** Incremented on every define, so sub-service handles differ between definitions. */
  generation: number;
  subservices: SubserviceRecord[];
  tunnels: TunnelRecord[];
}

export interface AggregatorSnapshot {
  terminals: AggregatorTerminalRecord[];
  trunks: TrunkRecord[];
  services: AggregatorServiceRecord[];
  nextServiceId: number;
  nextTrunkId: number;
}

export interface AggregatorStore {
  load(): Promise<AggregatorSnapshot>;
  putTerminal(terminal: AggregatorTerminalRecord): Promise<void>;
  deleteTerminal(name: string): Promise<void>;
  /** Insert or replace by id, label ranges included; makes `nextTrunkId` greater than `id`. */
  putTrunk(trunk: TrunkRecord): Promise<void>;
  /** Fails (BUSY) if tunnels still reference the trunk. */
  deleteTrunk(id: number): Promise<void>;
  /**
   * Insert or replace by id, with its sub-services and tunnels, in one
   * transaction. A tunnel whose (trunk, start label) or (trunk, end label) is
   * held by another service makes the whole put fail with BUSY and change
   * nothing: the store is the last guard against double booking.
   */
  putService(service: AggregatorServiceRecord): Promise<void>;
  deleteService(id: number): Promise<void>;
  close(): Promise<void>;
}

/** Opens the stores of every network in one database. */
export interface StoreProvider {
  switchStore(network: string): SwitchStore;
  aggregatorStore(network: string): AggregatorStore;
  close(): Promise<void>;
}
