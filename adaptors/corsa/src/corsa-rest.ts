import { BrokerError, type ErrorCode, isBrokerError } from '@dpb/model';
import type { HttpRequest, HttpResult, HttpTransport } from './http-json-client';

/** A VFC as the switch reports it (the fields the fabric uses). */
export interface CorsaBridgeInfo {
  name: string;
  descr: string;
  /** 16 lower-case hex digits, or undefined when the switch did not say. */
  dpid?: string;
}

/** A tunnel attachment as the switch reports it. */
export interface CorsaTunnelInfo {
  ofport: number;
  port: string;
  vlanId?: number;
  innerVlanId?: number;
  /** Egress shaping rate, Mbit/s; undefined when not shaped. */
  shapedRate?: number;
  /** Meter CIR, kbit/s (0: none). */
  cir: number;
  /** Meter CBS, KB. */
  cbs: number;
  ifdescr: string;
}

/** A controller attached to a VFC; `connected` undefined when the switch does not say. */
export interface CorsaControllerInfo {
  id: string;
  connected?: boolean;
}

/** The body of a tunnel attachment (wire names). */
export interface TunnelAttachBody {
  ofport: number;
  port: string;
  'vlan-id'?: number;
  'inner-vlan-id'?: number;
  'shaped-rate'?: number;
  ifdescr?: string;
}

/** The body of a VFC creation (wire names). */
export interface BridgeCreateBody {
  bridge: string;
  subtype: string;
  resources: number;
  netns: string;
  'bridge-descr': string;
}

/** The body of a controller attachment (wire names). */
export interface ControllerAttachBody {
  controller: string;
  ip: string;
  port: number;
  tls: boolean;
}

/** One JSON-Patch replace operation. */
export interface PatchOp {
  op: 'replace';
  path: string;
  value: unknown;
}

/**
 * Whether a failure may go away by itself (retry later) or will not (report
 * the bridge failed): transport trouble, timeouts, 5xx, 408/429 and a
 * rejected token (401: fixed by an operator, not by failing services) are
 * transient; other 4xx (403 included: the switch refuses) are not.
 */
export function isTransient(e: unknown): boolean {
  if (!isBrokerError(e)) return true;
  const status = e.details.httpStatus;
  if (typeof status === 'number') return status >= 500 || status === 408 || status === 429 || status === 401;
  return e.code === 'UNAVAILABLE' || e.code === 'TIMEOUT' || e.code === 'INTERNAL';
}

function codeOf(status: number, body: unknown): ErrorCode {
  const kind = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).error : undefined;
  if (typeof kind === 'string' && /exhaust|no.?space|full/i.test(kind)) return 'RESOURCE_EXHAUSTED';
  if (status === 400 || status === 422) return 'INVALID_ARGUMENT';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'BUSY';
  if (status === 408 || status === 504) return 'TIMEOUT';
  if (status === 507) return 'RESOURCE_EXHAUSTED';
  if (status >= 500) return 'UNAVAILABLE';
  return 'INTERNAL';
}

/** The switch's own words from an error body, kept short. */
function reasonOf(body: unknown): string | undefined {
  if (typeof body === 'string') return body.slice(0, 200);
  if (typeof body === 'object' && body !== null) {
    const b = body as Record<string, unknown>;
    const nested = typeof b.error === 'object' && b.error !== null ? (b.error as Record<string, unknown>) : undefined;
    const msg = b.message ?? nested?.message ?? b.error;
    if (typeof msg === 'string') return msg.slice(0, 200);
  }
  return undefined;
}

/** A BrokerError for an unexpected HTTP status, naming the request and what the far end said. */
export function httpError(inferior: string, request: HttpRequest, result: HttpResult, what: string): BrokerError {
  const reason = reasonOf(result.body);
  return new BrokerError(codeOf(result.status, result.body), `${what}: ${request.method} ${request.path} answered ${result.status}${reason ? `: ${reason}` : ''}`, {
    details: {
      inferior,
      method: request.method,
      path: request.path,
      httpStatus: result.status,
      ...(reason !== undefined ? { reason } : {}),
    },
  });
}

const num = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
};

/** Normalises a dpid as the switch reports it (bare hex or `0x...`) to 16 lower-case hex digits. */
export function normaliseDpid(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v.toString(16).padStart(16, '0');
  if (typeof v !== 'string') return undefined;
  const m = /^(?:0x)?([0-9a-f]{1,16})$/i.exec(v.trim());
  return m ? (m[1] as string).toLowerCase().padStart(16, '0') : undefined;
}

/** Items of a `?list=true` answer (`{ list: [...] }`) or the keys of a `links` answer. */
function itemsOf(body: unknown): { list?: unknown[]; names?: string[] } {
  if (typeof body !== 'object' || body === null) return {};
  const b = body as Record<string, unknown>;
  if (Array.isArray(b.list)) return { list: b.list };
  if (typeof b.links === 'object' && b.links !== null) return { names: Object.keys(b.links as object) };
  return {};
}

/**
 * The calls of the Corsa management REST API (`/api/v1/`) the fabric makes,
 * with the status codes each expects. Unexpected answers become BrokerErrors
 * (see {@link httpError}; `details.httpStatus` is the status); use
 * {@link isTransient} to tell a retry from a refusal.
 */
export class CorsaRest {
  constructor(
    private readonly transport: HttpTransport,
    /** Names the switch in error details. */
    private readonly inferior: string,
  ) {}

  private async call(request: HttpRequest, ok: readonly number[], what: string): Promise<HttpResult> {
    const result = await this.transport(request);
    if (!ok.includes(result.status)) throw httpError(this.inferior, request, result, what);
    return result;
  }

  /** `GET bridges?list=true`: every VFC with its description and dpid. */
  async listBridges(): Promise<CorsaBridgeInfo[]> {
    const res = await this.call({ method: 'GET', path: 'bridges?list=true' }, [200], 'listing VFCs');
    const { list, names } = itemsOf(res.body);
    if (list) return list.map((b) => parseBridge(b)).filter((b): b is CorsaBridgeInfo => b !== undefined);
    // a switch that ignores ?list=true: read each bridge
    const out: CorsaBridgeInfo[] = [];
    for (const name of names ?? []) {
      const b = await this.getBridge(name);
      if (b) out.push(b);
    }
    return out;
  }

  /** `GET bridges/{br}`; undefined on 404. */
  async getBridge(name: string): Promise<CorsaBridgeInfo | undefined> {
    const request: HttpRequest = { method: 'GET', path: `bridges/${name}` };
    const res = await this.transport(request);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw httpError(this.inferior, request, res, `reading VFC ${name}`);
    return parseBridge(res.body, name);
  }

  /** `POST bridges`: 'created' (201) or 'taken' (409: the name is in use). */
  async createBridge(body: BridgeCreateBody): Promise<'created' | 'taken'> {
    const request: HttpRequest = { method: 'POST', path: 'bridges', body };
    const res = await this.transport(request);
    if (res.status === 201) return 'created';
    if (res.status === 409) return 'taken';
    throw httpError(this.inferior, request, res, `creating VFC ${body.bridge}`);
  }

  /** `PATCH bridges/{br}` replacing `bridge-descr` (204). */
  async setBridgeDescr(name: string, descr: string): Promise<void> {
    await this.call(
      { method: 'PATCH', path: `bridges/${name}`, body: [{ op: 'replace', path: '/bridge-descr', value: descr }] },
      [200, 204],
      `describing VFC ${name}`,
    );
  }

  /** `DELETE bridges/{br}` (204; 404 counts as done). */
  async deleteBridge(name: string): Promise<void> {
    await this.call({ method: 'DELETE', path: `bridges/${name}` }, [200, 204, 404], `deleting VFC ${name}`);
  }

  /** `GET bridges/{br}/tunnels?list=true`; undefined when the VFC is gone (404). */
  async listTunnels(bridge: string): Promise<CorsaTunnelInfo[] | undefined> {
    const request: HttpRequest = { method: 'GET', path: `bridges/${bridge}/tunnels?list=true` };
    const res = await this.transport(request);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw httpError(this.inferior, request, res, `listing tunnels of VFC ${bridge}`);
    const { list, names } = itemsOf(res.body);
    if (list) return list.map((t) => parseTunnel(t)).filter((t): t is CorsaTunnelInfo => t !== undefined);
    const out: CorsaTunnelInfo[] = [];
    for (const n of names ?? []) {
      const r = await this.call({ method: 'GET', path: `bridges/${bridge}/tunnels/${n}` }, [200], `reading tunnel ${n} of VFC ${bridge}`);
      const t = parseTunnel(r.body);
      if (t) out.push(t);
    }
    return out;
  }

  /** `POST bridges/{br}/tunnels` (201). */
  async attachTunnel(bridge: string, body: TunnelAttachBody): Promise<void> {
    await this.call({ method: 'POST', path: `bridges/${bridge}/tunnels`, body }, [201], `attaching ofport ${body.ofport} of VFC ${bridge}`);
  }

  /** `PATCH bridges/{br}/tunnels/{ofport}` (204). */
  async patchTunnel(bridge: string, ofport: number, ops: PatchOp[]): Promise<void> {
    await this.call({ method: 'PATCH', path: `bridges/${bridge}/tunnels/${ofport}`, body: ops }, [200, 204], `setting the meter of ofport ${ofport} of VFC ${bridge}`);
  }

  /** `DELETE bridges/{br}/tunnels/{ofport}` (204; 404 counts as done). */
  async detachTunnel(bridge: string, ofport: number): Promise<void> {
    await this.call({ method: 'DELETE', path: `bridges/${bridge}/tunnels/${ofport}` }, [200, 204, 404], `detaching ofport ${ofport} of VFC ${bridge}`);
  }

  /** `GET bridges/{br}/controllers?list=true`: the controllers and whether each is connected; undefined when the VFC is gone (404). */
  async listControllers(bridge: string): Promise<CorsaControllerInfo[] | undefined> {
    const request: HttpRequest = { method: 'GET', path: `bridges/${bridge}/controllers?list=true` };
    const res = await this.transport(request);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw httpError(this.inferior, request, res, `listing controllers of VFC ${bridge}`);
    const { list, names } = itemsOf(res.body);
    if (list) {
      const out: CorsaControllerInfo[] = [];
      for (const raw of list) {
        if (typeof raw !== 'object' || raw === null) continue;
        const c = raw as Record<string, unknown>;
        if (typeof c.controller !== 'string') continue;
        out.push(typeof c.connected === 'boolean' ? { id: c.controller, connected: c.connected } : { id: c.controller });
      }
      return out;
    }
    return (names ?? []).map((id) => ({ id }));
  }

  /** `POST bridges/{br}/controllers` (201). */
  async attachController(bridge: string, body: ControllerAttachBody): Promise<void> {
    await this.call({ method: 'POST', path: `bridges/${bridge}/controllers`, body }, [201], `attaching controller ${body.controller} to VFC ${bridge}`);
  }

  /** `DELETE bridges/{br}/controllers/{id}` (204; 404 counts as done). */
  async detachController(bridge: string, id: string): Promise<void> {
    await this.call({ method: 'DELETE', path: `bridges/${bridge}/controllers/${id}` }, [200, 204, 404], `detaching controller ${id} from VFC ${bridge}`);
  }
}

function parseBridge(raw: unknown, fallbackName?: string): CorsaBridgeInfo | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const b = raw as Record<string, unknown>;
  const links = b.links as Record<string, unknown> | undefined;
  const selfLink = links && typeof links.self === 'object' && links.self !== null ? (links.self as Record<string, unknown>) : undefined;
  const name = typeof b.bridge === 'string' ? b.bridge : typeof b.name === 'string' ? b.name : typeof selfLink?.bridge === 'string' ? (selfLink.bridge as string) : fallbackName;
  if (name === undefined) return undefined;
  const out: CorsaBridgeInfo = { name, descr: typeof b['bridge-descr'] === 'string' ? (b['bridge-descr'] as string) : '' };
  const dpid = normaliseDpid(b.dpid);
  if (dpid !== undefined) out.dpid = dpid;
  return out;
}

function parseTunnel(raw: unknown): CorsaTunnelInfo | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const t = raw as Record<string, unknown>;
  const ofport = num(t.ofport);
  if (ofport === undefined || typeof t.port !== 'string') return undefined;
  const meter = typeof t.meter === 'object' && t.meter !== null ? (t.meter as Record<string, unknown>) : {};
  const out: CorsaTunnelInfo = {
    ofport,
    port: t.port,
    cir: num(meter.cir) ?? 0,
    cbs: num(meter.cbs) ?? 0,
    ifdescr: typeof t.ifdescr === 'string' ? t.ifdescr : '',
  };
  const vlan = num(t['vlan-id']);
  const inner = num(t['inner-vlan-id']);
  if (vlan !== undefined && t.type !== 'untagged') out.vlanId = vlan;
  if (inner !== undefined && out.vlanId !== undefined) out.innerVlanId = inner;
  const shaped = num(t['shaped-rate']);
  if (t['is-shaped'] !== false && shaped !== undefined) out.shapedRate = shaped;
  return out;
}
