/**
 * The emulated Corsa DP2000 management API as a synchronous request handler
 * over in-memory state (bridges, their controllers and tunnels). No I/O: the
 * HTTP server in corsa-emulator.ts feeds it requests and adds faults.
 *
 * Routes, bodies and status codes follow dpb-adaptors.md §3.1, cross-checked
 * with public Corsa clients (status codes of bridge/tunnel/controller calls,
 * `links` maps keyed by name in list and create answers).
 */
import { isIP } from 'node:net';
import type {
  CorsaBridge,
  CorsaController,
  CorsaMeter,
  CorsaState,
  CorsaTunnel,
  CorsaTunnelType,
} from './corsa-types';
import { badRequest, checkObject, checkPatch, checks, CorsaApiError, type FieldRule } from './request-validation';

/** Sizes of the emulated switch. */
export interface CorsaLimits {
  ports: number;
  lags: number;
  maxBridges: number;
  maxResources: number;
}

/** A request as the API sees it. */
export interface ApiRequest {
  method: string;
  /** Path with query. */
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Raw body text ('' when none). */
  rawBody: string;
}

/** What to answer. `body` undefined means no body. */
export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Bridge subtypes the emulator accepts (VFC types of the DP2000 family). */
export const BRIDGE_SUBTYPES = ['openflow', 'vpws', 'l2-vpn', 'ls-vpn', 'l2-l3-vpn', 'l3-vpn'] as const;

/** Top-level collections of the real API; only `bridges` is emulated, the others answer 501. */
export const ROOT_LINKS = [
  'users',
  'datapath',
  'bridges',
  'stats',
  'system',
  'equipment',
  'containers',
  'queue-profiles',
  'netns',
  'ports',
  'tunnels',
] as const;

/** Highest ofport the emulator accepts (OpenFlow's last regular port number is 0xfeff here). */
export const MAX_OFPORT = 0xfeff;
const MAX_DESCR = 255;

interface TunnelRecord {
  ofport: number;
  type: CorsaTunnelType;
  port: string;
  vlan?: number;
  inner?: number;
  tpid?: string;
  trafficClass: number;
  shapedRate?: number;
  ifdescr: string;
  meter: CorsaMeter;
}

interface ControllerRecord {
  name: string;
  host: string;
  port: number;
  tls: boolean;
}

interface BridgeRecord {
  name: string;
  subtype: string;
  dpid: string;
  resources: number;
  trafficClass: number;
  netns: string;
  descr: string;
  controllers: Map<string, ControllerRecord>;
  tunnels: Map<number, TunnelRecord>;
}

const clone = <T>(v: T): T => structuredClone(v);

/**
 * A change of the emulated switch that a data plane (see
 * {@link CorsaDataplane}) must follow. The API queues them as requests are
 * handled; the server hands them to the data plane in order.
 */
export type DataplaneEvent =
  | { kind: 'bridgeCreated'; bridge: string; dpid: string }
  | { kind: 'dpidChanged'; bridge: string; dpid: string }
  | { kind: 'bridgeDeleted'; bridge: string }
  | { kind: 'controllerAttached'; bridge: string; controller: string; ip: string; port: number }
  | { kind: 'controllerDetached'; bridge: string; controller: string }
  | { kind: 'tunnelAttached'; bridge: string; ofport: number; tunnel: CorsaTunnel }
  | { kind: 'tunnelDetached'; bridge: string; ofport: number; tunnel: CorsaTunnel };

/** The emulated API and the switch state behind it. */
export class CorsaApi {
  private readonly bridges = new Map<string, BridgeRecord>();
  private readonly portDown = new Set<string>();
  private readonly controllerDown = new Set<string>();
  private boots = 0;
  private dpidSeq = 0;
  /** Changes not yet handed to the data plane. */
  private events: DataplaneEvent[] = [];
  /** High 32 bits of generated dpids: fixed per emulator so that dpids differ between emulators. */
  private readonly dpidBase: number;

  constructor(
    private readonly limits: CorsaLimits,
    /** Base URL for hrefs, e.g. `http://127.0.0.1:1234`. */
    private readonly baseUrl: () => string,
    private readonly token: string,
  ) {
    this.dpidBase = 0xc0a50000 + Math.floor(Math.random() * 0x10000);
  }

  // ---------------------------------------------------------------- state

  /** A deep copy of the state, with wire field names. */
  state(): CorsaState {
    const bridges: Record<string, CorsaBridge> = {};
    let resourcesUsed = 0;
    for (const b of this.bridges.values()) {
      resourcesUsed += b.resources;
      const controllers: Record<string, CorsaController> = {};
      for (const c of b.controllers.values()) controllers[c.name] = this.controllerView(b, c);
      const tunnels: Record<number, CorsaTunnel> = {};
      for (const t of b.tunnels.values()) tunnels[t.ofport] = this.tunnelView(t);
      bridges[b.name] = {
        name: b.name,
        subtype: b.subtype,
        dpid: b.dpid,
        resources: b.resources,
        'traffic-class': b.trafficClass,
        netns: b.netns,
        'bridge-descr': b.descr,
        protocols: this.protocols(b),
        controllers,
        tunnels,
      };
    }
    return clone({ bridges, resourcesUsed, boots: this.boots });
  }

  /** Restart: count the boot; without `keepConfig` forget every bridge. */
  reboot(keepConfig: boolean): void {
    this.boots += 1;
    if (keepConfig) return;
    for (const name of [...this.bridges.keys()].sort((a, b) => bridgeNumber(a) - bridgeNumber(b))) this.events.push({ kind: 'bridgeDeleted', bridge: name });
    this.bridges.clear();
  }

  /** The data-plane changes since the last call, in the order they happened. */
  takeEvents(): DataplaneEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  setPortOperState(port: string, state: 'up' | 'down'): void {
    if (state === 'down') this.portDown.add(port);
    else this.portDown.delete(port);
  }

  setControllerConnected(bridge: string, controller: string, connected: boolean): void {
    const key = `${bridge}/${controller}`;
    if (connected) this.controllerDown.delete(key);
    else this.controllerDown.add(key);
  }

  clearOverrides(): void {
    this.portDown.clear();
    this.controllerDown.clear();
  }

  // ---------------------------------------------------------------- dispatch

  /** Answers one request. Never throws. */
  handle(req: ApiRequest): ApiResponse {
    try {
      return this.dispatch(req);
    } catch (e) {
      if (e instanceof CorsaApiError) return { status: e.status, body: e.toBody(), headers: e.headers };
      const message = e instanceof Error ? e.message : String(e);
      return { status: 500, body: { error: 'internal', message: `emulator bug: ${message}` } };
    }
  }

  private dispatch(req: ApiRequest): ApiResponse {
    const auth = req.headers['authorization'];
    if (auth === undefined) throw new CorsaApiError(401, 'unauthorized', 'missing Authorization header');
    if (auth !== this.token) throw new CorsaApiError(401, 'unauthorized', 'invalid token');

    const url = new URL(req.path, 'http://emulator');
    const list = url.searchParams.get('list') === 'true';
    let pathname = url.pathname;
    if (pathname.length > 1 && pathname.endsWith('/')) pathname = pathname.slice(0, -1);
    if (pathname !== '/api/v1' && !pathname.startsWith('/api/v1/')) throw notFound(`no route ${pathname}`);
    const segs = pathname
      .slice('/api/v1'.length)
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
    const m = req.method;
    const [top, br, sub, id, ...rest] = segs;

    if (top === undefined) return this.route(m, { GET: () => this.root() });
    if (top !== 'bridges') {
      if ((ROOT_LINKS as readonly string[]).includes(top)) {
        throw new CorsaApiError(501, 'not-emulated', `/api/v1/${top} exists on the switch but is not emulated`);
      }
      throw notFound(`no route ${pathname}`);
    }
    if (br === undefined) {
      return this.route(m, {
        GET: () => this.listBridges(list),
        POST: () => this.createBridge(req),
      });
    }
    if (sub === undefined) {
      return this.route(m, {
        GET: () => ok(this.bridgeView(this.bridge(br))),
        PATCH: () => this.patchBridge(br, req),
        DELETE: () => this.deleteBridge(br),
      });
    }
    if (rest.length > 0) throw notFound(`no route ${pathname}`);
    if (sub === 'tunnels') {
      if (id === undefined) {
        return this.route(m, {
          GET: () => this.listTunnels(br, list),
          POST: () => this.attachTunnel(br, req),
        });
      }
      return this.route(m, {
        GET: () => ok(this.tunnelView(this.tunnel(br, id))),
        PATCH: () => this.patchTunnel(br, id, req),
        DELETE: () => this.detachTunnel(br, id),
      });
    }
    if (sub === 'controllers') {
      if (id === undefined) {
        return this.route(m, {
          GET: () => this.listControllers(br, list),
          POST: () => this.addController(br, req),
        });
      }
      return this.route(m, {
        GET: () => {
          const b = this.bridge(br);
          return ok(this.controllerView(b, this.controller(b, id)));
        },
        DELETE: () => this.deleteController(br, id),
      });
    }
    throw notFound(`no route ${pathname}`);
  }

  private route(method: string, handlers: Record<string, () => ApiResponse>): ApiResponse {
    const h = handlers[method];
    if (!h) {
      const allow = Object.keys(handlers).join(', ');
      throw new CorsaApiError(405, 'method-not-allowed', `${method} not allowed here; allowed: ${allow}`, {}, { Allow: allow });
    }
    return h();
  }

  // ---------------------------------------------------------------- views

  private href(...segs: (string | number)[]): { href: string } {
    return { href: `${this.baseUrl()}/api/v1/${segs.map((s) => encodeURIComponent(String(s))).join('/')}` };
  }

  private root(): ApiResponse {
    const links: Record<string, { href: string }> = {};
    for (const l of ROOT_LINKS) links[l] = this.href(l);
    return ok({ links });
  }

  private protocols(b: BridgeRecord): string[] {
    return b.subtype === 'openflow' ? ['OpenFlow13'] : [];
  }

  private bridgeView(b: BridgeRecord): Record<string, unknown> {
    return {
      bridge: b.name,
      dpid: b.dpid,
      subtype: b.subtype,
      resources: b.resources,
      'traffic-class': b.trafficClass,
      netns: b.netns,
      'bridge-descr': b.descr,
      protocols: this.protocols(b),
      links: {
        tunnels: this.href('bridges', b.name, 'tunnels'),
        controllers: this.href('bridges', b.name, 'controllers'),
      },
    };
  }

  private tunnelView(t: TunnelRecord): CorsaTunnel {
    const v: CorsaTunnel = {
      ofport: t.ofport,
      type: t.type,
      port: t.port,
      'traffic-class': t.trafficClass,
      'is-shaped': t.shapedRate !== undefined,
      ifdescr: t.ifdescr,
      'oper-state': this.portDown.has(t.port) ? 'down' : 'up',
      meter: { ...t.meter },
    };
    if (t.vlan !== undefined) v['vlan-id'] = t.vlan;
    if (t.inner !== undefined) v['inner-vlan-id'] = t.inner;
    if (t.tpid !== undefined) v.tpid = t.tpid;
    if (t.shapedRate !== undefined) v['shaped-rate'] = t.shapedRate;
    return v;
  }

  private controllerView(b: BridgeRecord, c: ControllerRecord): CorsaController {
    const connected = !this.controllerDown.has(`${b.name}/${c.name}`);
    return {
      controller: c.name,
      host: c.host,
      port: c.port,
      tls: c.tls,
      connected,
      message: connected ? '' : 'connection refused',
      role: connected ? 'master' : 'other',
    };
  }

  // ---------------------------------------------------------------- lookups

  private bridge(name: string): BridgeRecord {
    const b = this.bridges.get(name);
    if (!b) throw notFound(`bridge ${name} does not exist`, { bridge: name });
    return b;
  }

  private tunnel(br: string, id: string): TunnelRecord {
    const b = this.bridge(br);
    const t = /^[1-9][0-9]*$/.test(id) ? b.tunnels.get(Number(id)) : undefined;
    if (!t) throw notFound(`tunnel ${id} does not exist on bridge ${br}`, { bridge: br, ofport: id });
    return t;
  }

  private controller(b: BridgeRecord, id: string): ControllerRecord {
    const c = b.controllers.get(id);
    if (!c) throw notFound(`controller ${id} does not exist on bridge ${b.name}`, { bridge: b.name, controller: id });
    return c;
  }

  // ---------------------------------------------------------------- bridges

  private listBridges(list: boolean): ApiResponse {
    const all = [...this.bridges.values()].sort((a, b) => bridgeNumber(a.name) - bridgeNumber(b.name));
    if (list) return ok({ list: all.map((b) => this.bridgeView(b)) });
    const links: Record<string, { href: string }> = {};
    for (const b of all) links[b.name] = this.href('bridges', b.name);
    return ok({ links });
  }

  private createBridge(req: ApiRequest): ApiResponse {
    const rules: Record<string, FieldRule> = {
      bridge: { required: true, check: checks.string(8, /^br[1-9][0-9]*$/, "'br' followed by a number") },
      subtype: { required: true, check: checks.oneOf(BRIDGE_SUBTYPES) },
      resources: { required: true, check: checks.integer(1, 100) },
      netns: { check: checks.string(64, /^[A-Za-z0-9_.-]+$/, 'a namespace name') },
      'bridge-descr': { check: checks.string(MAX_DESCR) },
      dpid: { check: checks.dpid() },
      'traffic-class': { check: checks.integer(0, 7) },
    };
    const v = checkObject(jsonBody(req), rules);
    const name = v['bridge'] as string;
    if (bridgeNumber(name) > this.limits.maxBridges) {
      throw badRequest.invalidField('bridge', `must be br1..br${this.limits.maxBridges}`);
    }
    if (this.bridges.has(name)) {
      throw new CorsaApiError(409, 'bridge-exists', `bridge ${name} already exists`, { field: 'bridge', bridge: name });
    }
    const dpid = (v['dpid'] as string | undefined) ?? this.newDpid();
    this.assertDpidFree(dpid, undefined);
    const resources = v['resources'] as number;
    const used = [...this.bridges.values()].reduce((s, b) => s + b.resources, 0);
    if (used + resources > this.limits.maxResources) {
      throw new CorsaApiError(403, 'resources-exhausted', `only ${this.limits.maxResources - used} resources left, ${resources} requested`, {
        field: 'resources',
        requested: resources,
        available: this.limits.maxResources - used,
      });
    }
    this.bridges.set(name, {
      name,
      subtype: v['subtype'] as string,
      dpid,
      resources,
      trafficClass: (v['traffic-class'] as number | undefined) ?? 0,
      netns: (v['netns'] as string | undefined) ?? 'default',
      descr: (v['bridge-descr'] as string | undefined) ?? '',
      controllers: new Map(),
      tunnels: new Map(),
    });
    this.events.push({ kind: 'bridgeCreated', bridge: name, dpid });
    return created(name, this.href('bridges', name));
  }

  private patchBridge(br: string, req: ApiRequest): ApiResponse {
    const b = this.bridge(br);
    const ops = checkPatch(jsonBody(req, true), {
      '/bridge-descr': checks.string(MAX_DESCR),
      '/dpid': checks.dpid(),
    });
    for (const op of ops) if (op.path === '/dpid') this.assertDpidFree(op.value as string, b.name);
    for (const op of ops) {
      if (op.path === '/bridge-descr') b.descr = op.value as string;
      else if (b.dpid !== op.value) {
        b.dpid = op.value as string;
        this.events.push({ kind: 'dpidChanged', bridge: b.name, dpid: b.dpid });
      }
    }
    return { status: 204 };
  }

  private deleteBridge(br: string): ApiResponse {
    this.bridge(br);
    this.bridges.delete(br);
    this.events.push({ kind: 'bridgeDeleted', bridge: br });
    return { status: 204 };
  }

  private newDpid(): string {
    for (;;) {
      this.dpidSeq += 1;
      const dpid = this.dpidBase.toString(16).padStart(8, '0') + this.dpidSeq.toString(16).padStart(8, '0');
      if (![...this.bridges.values()].some((b) => b.dpid === dpid)) return dpid;
    }
  }

  private assertDpidFree(dpid: string, self: string | undefined): void {
    const holder = [...this.bridges.values()].find((b) => b.dpid === dpid && b.name !== self);
    if (holder) {
      throw new CorsaApiError(409, 'dpid-in-use', `dpid ${dpid} is used by bridge ${holder.name}`, { field: 'dpid', bridge: holder.name });
    }
  }

  // ---------------------------------------------------------------- tunnels

  private listTunnels(br: string, list: boolean): ApiResponse {
    const b = this.bridge(br);
    const all = [...b.tunnels.values()].sort((x, y) => x.ofport - y.ofport);
    if (list) return ok({ list: all.map((t) => this.tunnelView(t)) });
    const links: Record<string, { href: string }> = {};
    for (const t of all) links[String(t.ofport)] = this.href('bridges', br, 'tunnels', t.ofport);
    return ok({ links });
  }

  private attachTunnel(br: string, req: ApiRequest): ApiResponse {
    const b = this.bridge(br);
    const rules: Record<string, FieldRule> = {
      ofport: { check: checks.integer(1, MAX_OFPORT) },
      port: { required: true, check: (v, f) => this.checkPort(v, f) },
      'vlan-id': { check: checks.integer(0, 4094) },
      'inner-vlan-id': { check: checks.integer(1, 4094) },
      tpid: { check: checks.oneOf(['0x88a8', '0x8100'] as const) },
      'shaped-rate': { check: checks.nonNegative() },
      'traffic-class': { check: checks.integer(0, 7) },
      ifdescr: { check: checks.string(MAX_DESCR) },
    };
    const v = checkObject(jsonBody(req), rules);
    const vlan = v['vlan-id'] as number | undefined;
    const inner = v['inner-vlan-id'] as number | undefined;
    const tpidIn = v['tpid'] as string | undefined;
    if (inner !== undefined && vlan === undefined) throw badRequest.missingField('vlan-id');
    if (tpidIn !== undefined && inner === undefined) {
      throw badRequest.invalidField('tpid', "is only allowed with 'inner-vlan-id' (double-tagged tunnels)");
    }
    let type: CorsaTunnelType;
    let tpid: string | undefined;
    if (vlan === undefined) type = 'untagged';
    else if (inner === undefined) type = 'ctag';
    else {
      tpid = tpidIn ?? '0x88a8';
      type = tpid === '0x8100' ? 'ctag-ctag' : 'stag-ctag';
    }
    const port = v['port'] as string;
    let ofport = v['ofport'] as number | undefined;
    if (ofport === undefined) {
      ofport = 1;
      while (b.tunnels.has(ofport)) ofport += 1;
    } else if (b.tunnels.has(ofport)) {
      throw new CorsaApiError(409, 'ofport-in-use', `ofport ${ofport} of bridge ${br} is in use`, { field: 'ofport', bridge: br, ofport });
    }
    for (const other of this.bridges.values()) {
      for (const t of other.tunnels.values()) {
        if (tunnelsConflict(t, { port, vlan, inner })) {
          throw new CorsaApiError(409, 'tunnel-conflict', `port ${port}${tagText(vlan, inner)} overlaps tunnel ${t.ofport} of bridge ${other.name} (port ${t.port}${tagText(t.vlan, t.inner)})`, {
            field: 'port',
            conflict: { bridge: other.name, ofport: t.ofport },
          });
        }
      }
    }
    const record: TunnelRecord = {
      ofport,
      type,
      port,
      trafficClass: (v['traffic-class'] as number | undefined) ?? 0,
      ifdescr: (v['ifdescr'] as string | undefined) ?? '',
      meter: { cir: 0, cbs: 0, eir: 0, ebs: 0 },
    };
    if (vlan !== undefined) record.vlan = vlan;
    if (inner !== undefined) record.inner = inner;
    if (tpid !== undefined) record.tpid = tpid;
    if (v['shaped-rate'] !== undefined) record.shapedRate = v['shaped-rate'] as number;
    b.tunnels.set(ofport, record);
    this.events.push({ kind: 'tunnelAttached', bridge: br, ofport, tunnel: this.tunnelView(record) });
    return created(String(ofport), this.href('bridges', br, 'tunnels', ofport));
  }

  private checkPort(v: unknown, field: string): string {
    if (typeof v !== 'string') {
      throw badRequest.invalidField(field, `must be a string ("N" or "lagN"), not ${v === null ? 'null' : typeof v}`);
    }
    const phys = /^([1-9][0-9]*)$/.exec(v);
    if (phys) {
      if (Number(phys[1]) > this.limits.ports) throw badRequest.invalidField(field, `physical port must be 1..${this.limits.ports}`);
      return v;
    }
    const lag = /^lag([1-9][0-9]*)$/.exec(v);
    if (lag) {
      if (Number(lag[1]) > this.limits.lags) throw badRequest.invalidField(field, `LAG must be lag1..lag${this.limits.lags}`);
      return v;
    }
    throw badRequest.invalidField(field, 'must be a port number "N" or a LAG "lagN"');
  }

  private patchTunnel(br: string, id: string, req: ApiRequest): ApiResponse {
    const t = this.tunnel(br, id);
    const ops = checkPatch(jsonBody(req, true), {
      '/meter/cir': checks.nonNegative(),
      '/meter/cbs': checks.nonNegative(),
      '/meter/eir': checks.nonNegative(),
      '/meter/ebs': checks.nonNegative(),
      '/ifdescr': checks.string(MAX_DESCR),
    });
    for (const op of ops) {
      if (op.path === '/ifdescr') t.ifdescr = op.value as string;
      else t.meter[op.path.slice('/meter/'.length) as keyof CorsaMeter] = op.value as number;
    }
    return { status: 204 };
  }

  private detachTunnel(br: string, id: string): ApiResponse {
    const t = this.tunnel(br, id);
    this.bridge(br).tunnels.delete(t.ofport);
    this.events.push({ kind: 'tunnelDetached', bridge: br, ofport: t.ofport, tunnel: this.tunnelView(t) });
    return { status: 204 };
  }

  // ---------------------------------------------------------------- controllers

  private listControllers(br: string, list: boolean): ApiResponse {
    const b = this.bridge(br);
    const all = [...b.controllers.values()];
    if (list) return ok({ list: all.map((c) => this.controllerView(b, c)) });
    const links: Record<string, { href: string }> = {};
    for (const c of all) links[c.name] = this.href('bridges', br, 'controllers', c.name);
    return ok({ links });
  }

  private addController(br: string, req: ApiRequest): ApiResponse {
    const b = this.bridge(br);
    const v = checkObject(jsonBody(req), {
      controller: { required: true, check: checks.string(32, /^[A-Za-z0-9_.-]+$/, 'a name of letters, digits, _ . -') },
      ip: {
        required: true,
        check: (value, f) => {
          if (typeof value !== 'string' || isIP(value) === 0) throw badRequest.invalidField(f, 'must be an IP address string');
          return value;
        },
      },
      port: { required: true, check: checks.integer(1, 65535) },
      tls: { check: checks.boolean() },
    });
    const name = v['controller'] as string;
    if (b.controllers.has(name)) {
      throw new CorsaApiError(409, 'controller-exists', `controller ${name} already exists on bridge ${br}`, { field: 'controller', bridge: br });
    }
    b.controllers.set(name, { name, host: v['ip'] as string, port: v['port'] as number, tls: (v['tls'] as boolean | undefined) ?? false });
    this.events.push({ kind: 'controllerAttached', bridge: br, controller: name, ip: v['ip'] as string, port: v['port'] as number });
    return created(name, this.href('bridges', br, 'controllers', name));
  }

  private deleteController(br: string, id: string): ApiResponse {
    const b = this.bridge(br);
    this.controller(b, id);
    b.controllers.delete(id);
    this.controllerDown.delete(`${br}/${id}`);
    this.events.push({ kind: 'controllerDetached', bridge: br, controller: id });
    return { status: 204 };
  }
}

// ------------------------------------------------------------------ helpers

function ok(body: unknown): ApiResponse {
  return { status: 200, body };
}

function created(key: string, link: { href: string }): ApiResponse {
  return { status: 201, body: { links: { [key]: link } }, headers: { Location: link.href } };
}

function notFound(message: string, extra: Record<string, unknown> = {}): CorsaApiError {
  return new CorsaApiError(404, 'not-found', message, extra);
}

function bridgeNumber(name: string): number {
  return Number(name.slice(2));
}

/** Parses a POST/PATCH body; checks the media type first. */
function jsonBody(req: ApiRequest, patch = false): unknown {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const accepted = patch ? ['application/json', 'application/json-patch+json'] : ['application/json'];
  if (!accepted.includes(type)) {
    throw new CorsaApiError(415, 'unsupported-media-type', `Content-Type must be ${accepted.join(' or ')}, not '${type || 'none'}'`, {
      field: 'content-type',
    });
  }
  if (req.rawBody.trim() === '') throw badRequest.body('empty body');
  try {
    return JSON.parse(req.rawBody) as unknown;
  } catch {
    throw new CorsaApiError(400, 'bad-json', 'body is not valid JSON');
  }
}

function tagText(vlan: number | undefined, inner: number | undefined): string {
  return vlan === undefined ? '' : inner === undefined ? ` vlan ${vlan}` : ` vlan ${vlan}.${inner}`;
}

/**
 * Whether two port+VLAN claims overlap: an untagged tunnel takes the whole
 * port; a single-tagged one takes its VLAN and every double tag under it;
 * double-tagged ones overlap only on the same outer and inner VLAN.
 */
export function tunnelsConflict(
  a: { port: string; vlan?: number | undefined; inner?: number | undefined },
  b: { port: string; vlan?: number | undefined; inner?: number | undefined },
): boolean {
  if (a.port !== b.port) return false;
  if (a.vlan === undefined || b.vlan === undefined) return true;
  if (a.vlan !== b.vlan) return false;
  if (a.inner === undefined || b.inner === undefined) return true;
  return a.inner === b.inner;
}
