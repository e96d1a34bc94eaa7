import type { LabelSpace } from '../circuit';
import type { TerminalRef } from '../names';
import type { DirectionalMbps } from '../traffic';
import type { NetworkControl } from './network-control';

/** A switch terminal as management sees it. */
export interface SwitchTerminalInfo {
  name: string;
  /** Fabric interface description, canonical form. */
  interface: string;
  /** Labels the interface accepts. */
  labels: LabelSpace;
  /** Limit on the sum of ingress of defined services here; null = unlimited. */
  ingressQuotaMbps: number | null;
  /** Limit on the sum of egress of defined services here; null = unlimited. */
  egressQuotaMbps: number | null;
  ingressUsedMbps: number;
  egressUsedMbps: number;
  /** Circuits of defined services on this terminal. */
  circuitsInUse: number;
}

/** Set an absolute limit (null removes it), or adjust the current one by a delta. */
export type QuotaChange = { set: number | null } | { adjust: number };

export interface QuotaChanges {
  ingress?: QuotaChange;
  egress?: QuotaChange;
}

/** Management of a switch: terminals on fabric interfaces, and their quotas. */
export interface SwitchManagement {
  readonly name: string;
  readonly control: NetworkControl;

  /** Maps a new terminal onto a fabric interface. ALREADY_EXISTS, INVALID_ARGUMENT (bad description), BUSY (interface taken). */
  addTerminal(name: string, interfaceDescription: string): Promise<SwitchTerminalInfo>;
  /** NOT_FOUND, or BUSY while a defined service uses it. */
  removeTerminal(name: string): Promise<void>;
  terminal(name: string): Promise<SwitchTerminalInfo>;
  terminalDetails(): Promise<SwitchTerminalInfo[]>;
  /** BUSY if the new limit is below what defined services already use; INVALID_ARGUMENT if negative. */
  modifyQuota(name: string, changes: QuotaChanges): Promise<SwitchTerminalInfo>;
}

/** An aggregator terminal: an inferior network's terminal exposed under a new name. */
export interface AggregatorTerminalInfo {
  name: string;
  inferior: TerminalRef;
}

/**
 * A range of label pairs on a trunk: start label `startBase + i` pairs with
 * end label `endBase + i`, for i in [0, count). Translation across the link
 * happens when the bases differ.
 */
export interface LabelRange {
  startBase: number;
  count: number;
  endBase: number;
}

/** One label pair of a trunk held by one service, with its bandwidth. */
export interface TunnelInfo extends DirectionalMbps {
  trunk: number;
  service: number;
  startLabel: number;
  endLabel: number;
}

export interface TrunkInfo {
  id: number;
  start: TerminalRef;
  end: TerminalRef;
  /** Additive cost of using the trunk (DPB's "delay"). */
  cost: number;
  commissioned: boolean;
  /** Total capacity provided. */
  capacity: DirectionalMbps;
  /** Held by tunnels. */
  allocated: DirectionalMbps;
  /** capacity − allocated. */
  available: DirectionalMbps;
  labelRanges: LabelRange[];
  labelCount: number;
  labelsInUse: number;
}

export interface TrunkSpec {
  start: TerminalRef;
  end: TerminalRef;
  /** Initial capacity each way; default 0. */
  upstreamMbps?: number;
  downstreamMbps?: number;
  /** Default 1. */
  cost?: number;
  labels?: LabelRange[];
  commissioned?: boolean;
}

/** Which side's labels a revocation selects. */
export interface LabelRevocation {
  side: 'start' | 'end';
  base: number;
  count: number;
}

/** Management of an aggregator: terminals, trunks, labels, bandwidth, cost. */
export interface AggregatorManagement {
  readonly name: string;
  readonly control: NetworkControl;

  /** NOT_FOUND (inferior network or terminal), ALREADY_EXISTS, BUSY (inferior terminal already a terminal or trunk end). */
  addTerminal(name: string, inferior: TerminalRef): Promise<AggregatorTerminalInfo>;
  /** NOT_FOUND, or BUSY while a defined service uses it. */
  removeTerminal(name: string): Promise<void>;
  terminalDetails(): Promise<AggregatorTerminalInfo[]>;

  /** NOT_FOUND (inferior), BUSY (an end is already used), INVALID_ARGUMENT. */
  addTrunk(spec: TrunkSpec): Promise<TrunkInfo>;
  /** NOT_FOUND, or BUSY while tunnels are allocated on it. */
  removeTrunk(id: number): Promise<void>;
  trunk(id: number): Promise<TrunkInfo>;
  /** The trunk with this inferior terminal at either end, if any. */
  findTrunk(end: TerminalRef): Promise<TrunkInfo | undefined>;
  trunks(): Promise<TrunkInfo[]>;
  tunnels(trunk?: number): Promise<TunnelInfo[]>;

  /** Adds capacity each way. */
  provideBandwidth(id: number, amount: DirectionalMbps): Promise<TrunkInfo>;
  /** Removes capacity each way; RESOURCE_EXHAUSTED if more than is unallocated. */
  withdrawBandwidth(id: number, amount: DirectionalMbps): Promise<TrunkInfo>;
  setCost(id: number, cost: number): Promise<TrunkInfo>;
  /** BUSY if any pair overlaps an existing one on either side. */
  defineLabels(id: number, range: LabelRange): Promise<TrunkInfo>;
  /** BUSY if any selected label is held by a tunnel. */
  revokeLabels(id: number, revocation: LabelRevocation): Promise<TrunkInfo>;
  /** A decommissioned trunk gets no new tunnels; existing ones stay. */
  decommission(id: number): Promise<TrunkInfo>;
  recommission(id: number): Promise<TrunkInfo>;
}
