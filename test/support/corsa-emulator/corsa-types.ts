/**
 * Types of the Corsa DP2000 management-API emulator: its options, the state it
 * exposes to tests, recorded requests and fault matchers.
 *
 * Field names of the state objects are the wire names the switch uses
 * (`bridge-descr`, `vlan-id`, `shaped-rate`, ...) so that tests can compare
 * what the adaptor sent with what the emulator holds without a mapping.
 */

/** Options of {@link startCorsaEmulator}. Every field is optional. */
export interface CorsaEmulatorOptions {
  /**
   * The exact `Authorization` header value every request must carry (DPB sends
   * the authz file verbatim, e.g. `"Bearer abc"`). Default `"Bearer corsa-test-token"`.
   */
  token?: string;
  /** PEM key and certificate: serve HTTPS instead of HTTP. */
  tls?: { key: string; cert: string };
  /** Physical ports `"1"`..`"N"`. Default 64. */
  ports?: number;
  /** LAGs `"lag1"`..`"lagN"`. Default 8. */
  lags?: number;
  /** Bridge names `br1`..`brN` are valid. Default 63. */
  maxBridges?: number;
  /** Total `resources` units all bridges together may hold. Default 100. */
  maxResources?: number;
  /**
   * Opt-in data plane behind the emulated VFCs (e.g. Open vSwitch bridges, see
   * `test/e2e/corsa/`). Told of every change in the order it happened; each
   * request is answered only after the data plane has followed it.
   */
  dataplane?: CorsaDataplane;
}

/**
 * A data plane that follows the emulated switch: each VFC a bridge, each
 * tunnel a port at its ofport. The callbacks run one at a time, in the order
 * of the changes; a request that changed something is answered after its
 * callbacks have settled (a reboot's deletions run in the background; see
 * {@link CorsaEmulator.dataplaneIdle}). A callback that throws or rejects is
 * recorded in {@link CorsaEmulator.dataplaneErrors}; the API answers as if it
 * had worked. Meters and shaping are not passed on.
 */
export interface CorsaDataplane {
  /** A VFC was created (POST /bridges), with its dpid (16 lower-case hex digits). */
  bridgeCreated(bridge: string, dpid: string): void | Promise<void>;
  /** A VFC was deleted (DELETE /bridges/{br}, or a reboot that drops the configuration); its tunnels and controllers went with it. */
  bridgeDeleted(bridge: string): void | Promise<void>;
  /** A controller was attached to a VFC. */
  controllerAttached(bridge: string, ip: string, port: number, controller: string): void | Promise<void>;
  /** A controller was removed from a VFC. */
  controllerDetached?(bridge: string, controller: string): void | Promise<void>;
  /** A tunnel was attached at `ofport` (the tunnel as GET reports it: port, tags, ifdescr...). */
  tunnelAttached(bridge: string, ofport: number, tunnel: CorsaTunnel): void | Promise<void>;
  /** A tunnel was detached. */
  tunnelDetached(bridge: string, ofport: number, tunnel: CorsaTunnel): void | Promise<void>;
  /** A VFC's dpid was changed (PATCH /dpid). */
  dpidChanged?(bridge: string, dpid: string): void | Promise<void>;
}

/** A data-plane callback that failed. */
export interface DataplaneError {
  /** The callback and its arguments, e.g. `tunnelAttached br1 2`. */
  event: string;
  message: string;
}

/** Which requests a fault applies to. Both parts optional; absent means "any". */
export interface RequestMatch {
  /** HTTP method, case-insensitive (`"POST"`). */
  method?: string;
  /** Tested against the full request path with query, e.g. `/api/v1/bridges/br1/tunnels?list=true`. */
  path?: RegExp;
}

/** Extra options of a fault. */
export interface FaultOptions {
  /**
   * Whether the emulated switch still carries out the request.
   * - `failNext`: default `false` (the request is rejected, state unchanged);
   *   `true` applies it and then answers with the injected status (a lost reply).
   * - `hangNext`: default `false`; `true` applies it but never answers.
   * - `delayNext`: default `true` (applied on arrival, reply held back);
   *   `false` holds the request and applies it only when the delay ends
   *   (a slow switch: a client that gave up may still see the change later).
   */
  process?: boolean;
}

/** One request the emulator received. */
export interface RecordedRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** Path with query, as sent (e.g. `/api/v1/bridges?list=true`). */
  path: string;
  /** The body parsed as JSON, or the raw text when it is not JSON, or `undefined` when empty. */
  body: unknown;
  /** Status answered; 0 for a request that was never answered (`hangNext`). */
  status: number;
  /** Request headers, lower-case names. */
  headers: Record<string, string>;
  /** The response body sent (parsed JSON, raw text, or `undefined`). */
  response?: unknown;
  /** `Date.now()` when the request arrived. */
  atMs: number;
}

/** A tunnel meter (ingress policer). cir/eir in kbit/s, cbs/ebs in KB; 0 means not set. */
export interface CorsaMeter {
  cir: number;
  cbs: number;
  eir: number;
  ebs: number;
}

/** Tunnel type, inferred from the keys present when it was attached. */
export type CorsaTunnelType = 'untagged' | 'ctag' | 'stag-ctag' | 'ctag-ctag';

/** A tunnel (a bridge's ofport bound to a physical port or LAG, maybe with VLAN tags). */
export interface CorsaTunnel {
  ofport: number;
  type: CorsaTunnelType;
  /** `"N"` or `"lagN"`. */
  port: string;
  /** Outer (or only) VLAN id; absent for untagged tunnels. */
  'vlan-id'?: number;
  /** Inner VLAN id of a double-tagged tunnel. */
  'inner-vlan-id'?: number;
  /** Outer TPID of a double-tagged tunnel: `"0x88a8"` (stag-ctag) or `"0x8100"` (ctag-ctag). */
  tpid?: string;
  'traffic-class': number;
  'is-shaped': boolean;
  /** Egress shaping rate in Mbit/s, present when shaped. */
  'shaped-rate'?: number;
  ifdescr: string;
  /** `"down"` while its port is set down through `faults.setPortOperState`. */
  'oper-state': 'up' | 'down';
  meter: CorsaMeter;
}

/** An OpenFlow controller attached to a bridge. */
export interface CorsaController {
  controller: string;
  host: string;
  port: number;
  tls: boolean;
  connected: boolean;
  message: string;
  role: string;
}

/** A bridge (VFC). */
export interface CorsaBridge {
  name: string;
  subtype: string;
  /** Bare lower-case hex, 16 digits (no `0x`). */
  dpid: string;
  resources: number;
  'traffic-class': number;
  netns: string;
  'bridge-descr': string;
  protocols: string[];
  controllers: Record<string, CorsaController>;
  /** Keyed by ofport. */
  tunnels: Record<number, CorsaTunnel>;
}

/** A deep copy of everything the emulated switch holds. */
export interface CorsaState {
  /** Keyed by bridge name. */
  bridges: Record<string, CorsaBridge>;
  /** Sum of `resources` over all bridges. */
  resourcesUsed: number;
  /** How many times `faults.reboot()` ran. */
  boots: number;
}

/** Fault injection on the emulator. Faults are matched in the order they were added. */
export interface CorsaFaults {
  /** The next `times` (default 1) matching requests get `status` with `body` (default: an error body). */
  failNext(match: RequestMatch, status: number, body?: unknown, times?: number, options?: FaultOptions): void;
  /** The reply to the next `times` matching requests is delayed by `ms`. */
  delayNext(match: RequestMatch, ms: number, times?: number, options?: FaultOptions): void;
  /** The next `times` matching requests are never answered (until reboot or close). */
  hangNext(match: RequestMatch, times?: number, options?: FaultOptions): void;
  /**
   * The switch restarts: requests in flight (hung or delayed) are dropped
   * unanswered (their connections are reset; a delayed request not yet applied
   * never is). `keepConfig` false (default) drops every bridge, tunnel and
   * controller; bridges created afterwards get new dpids. `keepConfig` true
   * keeps the configuration, dpids included. `resetConnections` true also
   * resets idle keep-alive connections (default false, because a client that
   * then reuses a pooled connection fails at a timing-dependent moment).
   */
  reboot(options?: { keepConfig?: boolean; resetConnections?: boolean }): void;
  /** Sets a port's (or LAG's) link state; tunnels on it report that `oper-state`. */
  setPortOperState(port: string, state: 'up' | 'down'): void;
  /** Sets what a controller reports as `connected` (default true). */
  setControllerConnected(bridge: string, controller: string, connected: boolean): void;
  /** Removes pending faults and resets port states and controller overrides. */
  clear(): void;
}

/** A running emulator. */
export interface CorsaEmulator {
  /** Base URL, e.g. `http://127.0.0.1:PORT`; the API is under `/api/v1/`. */
  url: string;
  /** The Authorization value it requires. */
  token: string;
  /** Every request, in order of its answer (hung ones on arrival). Tests may truncate it. */
  requests: RecordedRequest[];
  /** A deep copy of the switch state. */
  state(): CorsaState;
  faults: CorsaFaults;
  /**
   * `'request'`: called for every recorded request (when answered; hung ones on
   * arrival). `'arrival'`: called when a request has been read, before it is
   * processed or any fault applies (its `status` is still 0). Returns an
   * unsubscribe function.
   */
  on(event: 'request' | 'arrival', listener: (r: RecordedRequest) => void): () => void;
  /** Data-plane callbacks that failed (empty without `dataplane`). */
  dataplaneErrors: DataplaneError[];
  /** Resolves once the data plane has followed every change so far (at once without `dataplane`). */
  dataplaneIdle(): Promise<void>;
  /** Stops the server and drops every open connection, after the data plane has settled. */
  close(): Promise<void>;
}
