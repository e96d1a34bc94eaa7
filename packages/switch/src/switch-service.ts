import type {
  AsyncMutex,
  BridgeCondition,
  ErrorRecord,
  SanitizedRequest,
  Service,
  ServiceInfo,
  ServiceIntent,
  ServiceRequest,
  ServiceStatus,
  ServiceWatch,
  StatusHub,
  StatusListener,
} from '@dpb/model';

/** The working state of one switch service (the switch owns and mutates it). */
export interface ServiceEntry {
  readonly id: number;
  readonly handle: string | null;
  readonly createdAt: number;
  intent: ServiceIntent;
  request: SanitizedRequest | null;
  /** Non-empty exactly when the service has FAILED. */
  errors: ErrorRecord[];
  /** A define is being persisted. */
  establishing: boolean;
  /** The request's circuits and flows are counted in the terminal table. */
  held: boolean;
  /** The record is deleted: the service is over. */
  released: boolean;
  /** The last fabric call for the bridge was an ensure (true) or a remove (false). */
  bridgeWanted: boolean;
  /** What the fabric last said about the bridge. */
  bridgeCondition: BridgeCondition;
  /** The fabric shows a bridge we do not want: remove it again. */
  bridgeStray: boolean;
  /** Counts fabric calls, to tell whether a call is still the latest. */
  bridgeOps: number;
  /** The in-memory state differs from the record (e.g. a failure to store). */
  dirty: boolean;
  readonly hub: StatusHub;
  readonly mutex: AsyncMutex;
  /** The service as callers see it, made on first use. */
  facade: SwitchService | undefined;
  convergeQueued: boolean;
  retryTimer: ReturnType<typeof setTimeout> | undefined;
  retryDelayMs: number;
}

/** What a {@link SwitchService} asks of its switch. */
export interface ServiceHost {
  readonly name: string;
  define(e: ServiceEntry, request: ServiceRequest): Promise<void>;
  activate(e: ServiceEntry): Promise<void>;
  deactivate(e: ServiceEntry): Promise<void>;
  reset(e: ServiceEntry): Promise<void>;
  release(e: ServiceEntry): Promise<void>;
  describe(e: ServiceEntry): ServiceInfo;
}

/** A service of a logical switch, as callers see it. */
export class SwitchService implements Service {
  constructor(
    private readonly host: ServiceHost,
    private readonly entry: ServiceEntry,
  ) {}

  get network(): string {
    return this.host.name;
  }

  get id(): number {
    return this.entry.id;
  }

  get handle(): string | null {
    return this.entry.handle;
  }

  define(request: ServiceRequest): Promise<void> {
    return this.host.define(this.entry, request);
  }

  activate(): Promise<void> {
    return this.host.activate(this.entry);
  }

  deactivate(): Promise<void> {
    return this.host.deactivate(this.entry);
  }

  reset(): Promise<void> {
    return this.host.reset(this.entry);
  }

  release(): Promise<void> {
    return this.host.release(this.entry);
  }

  async status(): Promise<ServiceStatus> {
    return this.entry.hub.status;
  }

  async describe(): Promise<ServiceInfo> {
    return this.host.describe(this.entry);
  }

  awaitStatus(acceptable: readonly ServiceStatus[], timeoutMs: number): Promise<ServiceStatus> {
    return this.entry.hub.awaitStatus(acceptable, timeoutMs);
  }

  watch(options?: { signal?: AbortSignal }): ServiceWatch {
    return this.entry.hub.watch(options);
  }

  /** The events of {@link watch} by callback, for in-process followers such as an aggregator (see StatusHub.listen). */
  listen(listener: StatusListener): void {
    this.entry.hub.listen(listener);
  }

  /** Stops a listener given to {@link listen}. */
  unlisten(listener: StatusListener): void {
    this.entry.hub.unlisten(listener);
  }
}
