import type { LabelSpace } from '../circuit';

/**
 * The southbound seam: what a logical switch asks of a switching fabric.
 *
 * The contract is declarative. The switch tells the fabric which bridges it
 * wants (one per active service, each joining a set of circuits with their
 * rates); the fabric makes the device match and reports each bridge's state
 * through `subscribe`. Every call is idempotent and safe to repeat.
 */

/** A parsed fabric interface description. */
export interface FabricInterface {
  /** The canonical description; equal interfaces have equal descriptions. */
  description: string;
  /** Labels this interface accepts (e.g. VLAN ids 1..4094). */
  labels: LabelSpace;
}

/** One circuit of a bridge: an interface, a label, and its rates. */
export interface FabricCircuit {
  /** Canonical interface description. */
  interface: string;
  label: number;
  /** Police traffic entering the network here to this rate, Mbit/s. */
  ingressMbps: number;
  /** Shape traffic leaving the network here to this rate, Mbit/s. */
  egressMbps: number;
}

/** A bridge the switch wants: one layer-2 broadcast domain over its circuits. */
export interface BridgeSpec {
  /** Unique within the fabric; chosen by the switch. */
  id: string;
  circuits: FabricCircuit[];
}

/**
 * - pending: accepted, not yet confirmed on the device;
 * - up: carrying traffic as specified;
 * - failed: the device refused or lost it (reason says why);
 * - absent: not on the device (e.g. after removal).
 */
export type BridgeCondition = 'pending' | 'up' | 'failed' | 'absent';

export interface BridgeState {
  id: string;
  condition: BridgeCondition;
  reason?: string;
}

export type BridgeListener = (state: BridgeState) => void;

export interface Fabric {
  /** e.g. "memory", "openflow", "corsa". */
  readonly kind: string;

  /** Parses and validates an interface description; INVALID_ARGUMENT if malformed. */
  describeInterface(description: string): FabricInterface;

  /** How many bridges the device can hold in all, or undefined if unlimited. */
  maxBridges(): number | undefined;

  /**
   * Makes the device carry exactly `bridges`: creates or updates each, and
   * removes every other bridge this fabric owns. Used at start-up and
   * periodically to repair drift.
   */
  reconcile(bridges: readonly BridgeSpec[]): Promise<void>;

  /** Creates the bridge, or updates it to match `spec`. */
  ensureBridge(spec: BridgeSpec): Promise<void>;

  /** Removes the bridge; succeeds if it is already gone. */
  removeBridge(id: string): Promise<void>;

  /** The state of every bridge the fabric knows about. */
  bridges(): Promise<BridgeState[]>;

  /** Bridge state changes, delivered asynchronously in order. Returns unsubscribe. */
  subscribe(listener: BridgeListener): () => void;

  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** What a fabric is given when the server builds it. */
export interface FabricContext {
  /** The switch network this fabric serves (for logs and error details). */
  network: string;
  /** Directory of the config file: relative paths in the fabric's config resolve against it. */
  configDir: string;
  runtime: import('./runtime').Runtime;
}

/**
 * How dpb-server turns the `fabric: { <kind>: {...} }` key of a switch
 * network's config into a {@link Fabric}. Each adaptor package exports one.
 */
export interface FabricDriver<C = unknown> {
  /** The key under `fabric:` that selects this driver, e.g. "memory", "openflow", "corsa". */
  readonly kind: string;
  /**
   * Validates the raw YAML value found at `path` (e.g. `networks[0].fabric.openflow`)
   * and returns the typed config. Throws `errors.config(path + '.key', message)`
   * (CONFIG_INVALID) naming the exact key at fault; never does I/O beyond reading
   * files the config names (certificates, token files).
   */
  parseConfig(raw: unknown, path: string, context: { configDir: string }): C;
  /**
   * Builds the fabric. Must not block on the device: a fabric whose device is
   * unreachable is created anyway, reports its bridges `pending` or `failed`,
   * and keeps retrying in the background.
   */
  create(config: C, context: FabricContext): Fabric;
  /**
   * Parses an interface description exactly as a fabric built from `config`
   * would (no I/O), so a config file can be checked before anything starts.
   * INVALID_ARGUMENT when malformed. Optional: without it, descriptions are
   * checked when the fabric is built.
   */
  describeInterface?(description: string, config: C): FabricInterface;
}
