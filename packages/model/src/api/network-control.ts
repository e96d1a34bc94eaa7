import type { ErrorRecord } from '../errors';
import type { ServiceEvent, StatusChange } from '../events';
import type { NetworkModel } from '../model-view';
import type { TerminalRef } from '../names';
import type { SanitizedRequest, ServiceRequest } from '../request';
import type { ServiceIntent, ServiceStatus } from '../status';

/** A service by id, or by the handle its client chose. */
export type ServiceRef = number | { handle: string };

export function formatServiceRef(ref: ServiceRef): string {
  return typeof ref === 'number' ? String(ref) : `handle ${JSON.stringify(ref.handle)}`;
}

export type NetworkKind = 'switch' | 'aggregator' | 'remote';

/** How a service is realised by an aggregator: its trunk tunnels and inferior sub-services. */
export interface ServiceRealisation {
  tunnels: {
    trunk: number;
    start: TerminalRef;
    end: TerminalRef;
    startLabel: number;
    endLabel: number;
    upstreamMbps: number;
    downstreamMbps: number;
  }[];
  subservices: {
    network: string;
    handle: string;
    id: number | null;
    status: ServiceStatus | 'UNKNOWN';
    request: SanitizedRequest;
  }[];
}

/** A snapshot of one service. */
export interface ServiceInfo {
  network: string;
  id: number;
  handle: string | null;
  status: ServiceStatus;
  intent: ServiceIntent;
  /** The accepted (sanitised) request; null while DORMANT or once released. */
  request: SanitizedRequest | null;
  /** Why the service failed (when FAILED), newest last. */
  errors: ErrorRecord[];
  /** Recent status changes, oldest first (bounded). */
  history: StatusChange[];
  createdAt: number;
  /** Aggregators only: tunnels and sub-services. */
  realisation?: ServiceRealisation;
}

/**
 * An open subscription to a service's status. Iterate it with `for await`;
 * leaving the loop, calling `close()`, or aborting the signal ends it.
 *
 * The first event is the status at the moment `watch()` was called; after
 * that, every change, in order. The stream ends after RELEASED.
 */
export interface ServiceWatch extends AsyncIterable<ServiceEvent> {
  close(): void;
}

/**
 * A service: a set of circuits with a lifecycle.
 *
 * All methods are asynchronous. `define` settles once the request has been
 * accepted (planned, resources reserved) or rejected; the others settle once
 * the intent is recorded. Progress is observed through `status`,
 * `awaitStatus` and `watch`.
 */
export interface Service {
  readonly network: string;
  readonly id: number;
  readonly handle: string | null;

  /**
   * Reserves resources for the request. Throws INVALID_ARGUMENT (bad request),
   * NOT_FOUND (unknown terminal), BUSY (circuit in use), RESOURCE_EXHAUSTED
   * (no capacity; details say where), FAILED_PRECONDITION (already defined,
   * releasing, released). On a throw nothing is reserved and the service is
   * still DORMANT.
   */
  define(request: ServiceRequest): Promise<void>;
  /** Asks for traffic to flow; remembered if given before define. */
  activate(): Promise<void>;
  /** Asks for traffic to stop, keeping resources. */
  deactivate(): Promise<void>;
  /** Gives everything back and returns to DORMANT, keeping id and handle. */
  reset(): Promise<void>;
  /** Gives everything back and ends the service. Releasing a released service does nothing. */
  release(): Promise<void>;

  status(): Promise<ServiceStatus>;
  describe(): Promise<ServiceInfo>;
  /**
   * Waits until the status is one of `acceptable` (or RELEASED, which always
   * ends the wait) or `timeoutMs` passes; returns the latest status either way.
   */
  awaitStatus(acceptable: readonly ServiceStatus[], timeoutMs: number): Promise<ServiceStatus>;
  watch(options?: { signal?: AbortSignal }): ServiceWatch;
}

/**
 * The user-facing interface of any network: a switch, an aggregator, or a
 * network in another process. Aggregators reach their inferiors only
 * through this interface.
 */
export interface NetworkControl {
  readonly name: string;
  readonly kind: NetworkKind;

  /** Names of this network's terminals, sorted. */
  terminals(): Promise<string[]>;

  /**
   * Which pairs of terminals can be connected with at least `minBandwidthMbps`
   * in at least one direction, at what cost, with how much capacity each way.
   */
  model(minBandwidthMbps?: number): Promise<NetworkModel>;

  /**
   * Calls `listener` (asynchronously, coalesced) whenever the model may have
   * changed: terminals, quotas, capacity, trunks. Returns an unsubscribe function.
   */
  onModelChange(listener: () => void): () => void;

  /**
   * Creates a DORMANT service. With a handle, idempotent: if a live service
   * already has that handle, that service is returned.
   */
  createService(options?: { handle?: string }): Promise<Service>;

  /**
   * Networks in another process only (local networks leave it out): calls
   * `listener(false)` when the network becomes unreachable and
   * `listener(true)` when it answers again, after which anything may have
   * changed while it was away. Returns an unsubscribe function. Subscribing
   * makes the network probe its server (it keeps an event stream open).
   */
  onAvailabilityChange?(listener: (available: boolean) => void): () => void;

  /**
   * The service, or NOT_FOUND (details.kind 'service' or 'handle'). A
   * released service stays findable by id (status RELEASED) for a while
   * (see ReleasedServices); its handle is free at once.
   */
  service(ref: ServiceRef): Promise<Service>;
  /** The service, or undefined. */
  findService(ref: ServiceRef): Promise<Service | undefined>;
  /** Every service not yet released, by id. */
  services(): Promise<Service[]>;
}
