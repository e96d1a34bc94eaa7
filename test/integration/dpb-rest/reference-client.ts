/**
 * Clients of the original DPB REST APIs, written from the reference
 * (dpb-interfaces.md §1.3 "Generic network-control API", §1.4
 * "5GExchange API", and osm-wim.md §2.3-2.4 "the DPB connector"), not from
 * the server code. They speak the wire shapes exactly as documented there;
 * the tests use them to check that dpb-server is a drop-in target.
 */

/** A raw HTTP reply: status, the text, and the text parsed as JSON when it is JSON. */
export interface WireReply {
  status: number;
  contentType: string | null;
  text: string;
  /** The body parsed as JSON (undefined when empty or not JSON). */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

export interface WireOptions {
  /** HTTP Basic credentials, as OSM would put them in `user:pass@host`. */
  basic?: { user: string; password: string };
  /** A bearer token. */
  token?: string;
}

/** Sends one request; `body` strings are sent as they are, other values as JSON; undefined sends no body at all. */
export async function wire(method: string, url: string, body?: unknown, options: WireOptions & { contentType?: string | null } = {}): Promise<WireReply> {
  const headers: Record<string, string> = {};
  if (options.basic) headers.Authorization = `Basic ${Buffer.from(`${options.basic.user}:${options.basic.password}`).toString('base64')}`;
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    if (options.contentType !== null) headers['Content-Type'] = options.contentType ?? 'application/json';
  }
  const r = await fetch(url, init);
  const text = await r.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, contentType: r.headers.get('content-type'), text, json, headers: r.headers };
}

/** One circuit of a DPB segment (§1.3 `define`). */
export interface SegmentCircuit {
  terminalName: string;
  label: number;
  ingressBw: number;
  egressBw: number;
}

/** DPB's status names (§2.6 of osm-wim.md). */
export type DpbStatus = 'DORMANT' | 'ESTABLISHING' | 'INACTIVE' | 'ACTIVATING' | 'ACTIVE' | 'DEACTIVATING' | 'FAILED' | 'RELEASING' | 'RELEASED';

/**
 * The generic network-control API, `P = /network/<name>` (dpb-interfaces.md §1.3).
 * Each method returns the raw reply so tests can check status codes; the
 * `…Ok` helpers insist on a 2xx and return the documented member.
 */
export class DpbNetworkClient {
  readonly prefix: string;

  constructor(
    base: string,
    readonly network: string,
    private readonly options: WireOptions = {},
  ) {
    this.prefix = `${base}/network/${encodeURIComponent(network)}`;
  }

  private send(method: string, suffix: string, body?: unknown): Promise<WireReply> {
    return wire(method, `${this.prefix}${suffix}`, body, this.options);
  }

  /** GET P/services → `{"service-ids":[…]}`. */
  services(): Promise<WireReply> {
    return this.send('GET', '/services');
  }

  /** POST P/create-service (body ignored) → `{"service-id":n}`. */
  createService(): Promise<WireReply> {
    return this.send('POST', '/create-service');
  }

  /** PUT or POST P/service/<sid>/define with `{"segment":[{"terminal-name","label","ingress-bw","egress-bw"}]}`. */
  define(sid: number | string, segment: SegmentCircuit[], method: 'PUT' | 'POST' = 'POST'): Promise<WireReply> {
    const body = {
      segment: segment.map((c) => ({ 'terminal-name': c.terminalName, label: c.label, 'ingress-bw': c.ingressBw, 'egress-bw': c.egressBw })),
    };
    return this.send(method, `/service/${sid}/define`, body);
  }

  activate(sid: number | string): Promise<WireReply> {
    return this.send('POST', `/service/${sid}/activate`);
  }

  deactivate(sid: number | string): Promise<WireReply> {
    return this.send('POST', `/service/${sid}/deactivate`);
  }

  reset(sid: number | string): Promise<WireReply> {
    return this.send('POST', `/service/${sid}/reset`);
  }

  release(sid: number | string): Promise<WireReply> {
    return this.send('POST', `/service/${sid}/release`);
  }

  /** POST P/service/<sid>/await-status with `{"acceptable":[…],"timeout-millis":n}` → `{"status":"…"}`. */
  awaitStatusPost(sid: number | string, acceptable: DpbStatus[], timeoutMillis: number): Promise<WireReply> {
    return this.send('POST', `/service/${sid}/await-status`, { acceptable, 'timeout-millis': timeoutMillis });
  }

  /** GET P/service/<sid>/await-status?timeout-millis=<n>&acceptable=<S>&acceptable=<S>… → `{"status":"…"}`. */
  awaitStatusGet(sid: number | string, acceptable: DpbStatus[], timeoutMillis: number): Promise<WireReply> {
    const q = [`timeout-millis=${timeoutMillis}`, ...acceptable.map((s) => `acceptable=${s}`)].join('&');
    return this.send('GET', `/service/${sid}/await-status?${q}`);
  }

  // ---- conveniences that insist on success

  async serviceIds(): Promise<number[]> {
    return ok(await this.services())['service-ids'] as number[];
  }

  async newService(): Promise<number> {
    return ok(await this.createService())['service-id'] as number;
  }

  async awaitStatus(sid: number, acceptable: DpbStatus[], timeoutMillis: number): Promise<DpbStatus> {
    return ok(await this.awaitStatusPost(sid, acceptable, timeoutMillis)).status as DpbStatus;
  }
}

/** One 5GEx endpoint (§1.4). */
export interface FiveGExEndpoint {
  island_switch_port: number;
  island_service_vlan_id: number;
  bandwidth?: number;
  ingress_bandwidth?: number;
  egress_bandwidth?: number;
}

/** The 5GExchange API, `Q = /5gnetwork/<name>` (dpb-interfaces.md §1.4). */
export class FiveGExClient {
  readonly prefix: string;

  constructor(
    base: string,
    readonly network: string,
    private readonly options: WireOptions = {},
  ) {
    this.prefix = `${base}/5gnetwork/${encodeURIComponent(network)}`;
  }

  /** PUT or POST Q/service/by-handle/<uuid> with `{"bandwidth"?, "endpoints":[…]}`; success is 200 `{}`. */
  establish(uuid: string, body: { bandwidth?: number; endpoints: FiveGExEndpoint[] } | string, method: 'PUT' | 'POST' = 'PUT'): Promise<WireReply> {
    return wire(method, `${this.prefix}/service/by-handle/${uuid}`, body, this.options);
  }

  /** DELETE Q/service/by-handle/<uuid>, or POST Q/service/by-handle/<uuid>/release; 200 `{}`, 404 for an unknown handle. */
  release(uuid: string, via: 'DELETE' | 'POST' = 'DELETE'): Promise<WireReply> {
    return via === 'DELETE'
      ? wire('DELETE', `${this.prefix}/service/by-handle/${uuid}`, undefined, this.options)
      : wire('POST', `${this.prefix}/service/by-handle/${uuid}/release`, undefined, this.options);
  }
}

/** Throws unless the reply is 2xx with a JSON object; returns the object. */
export function ok(r: WireReply): Record<string, unknown> {
  if (r.status < 200 || r.status > 299 || typeof r.json !== 'object' || r.json === null) {
    throw new Error(`expected 2xx with a JSON object, got ${r.status} ${r.text.slice(0, 200)}`);
  }
  return r.json as Record<string, unknown>;
}

// ------------------------------------------------------------------ OSM

/** OSM's SdnConnectorError, with the HTTP status the connector saw. */
export class SdnConnectorError extends Error {
  constructor(
    message: string,
    readonly httpCode: number,
  ) {
    super(message);
  }
}

/** A connection point as OSM hands it to a WIM connector (osm-wim.md §1.4). */
export interface ConnectionPoint {
  service_endpoint_id: string;
  service_endpoint_encapsulation_info: { vlan: number | string | null };
}

/** `json.dumps` as Python writes it (`", "` and `": "` separators); numbers flagged as floats keep their `.0`. */
function pyDumps(x: unknown, floats: ReadonlySet<string> = new Set(), key = ''): string {
  if (Array.isArray(x)) return `[${x.map((v) => pyDumps(v, floats, key)).join(', ')}]`;
  if (typeof x === 'object' && x !== null) {
    return `{${Object.entries(x)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pyDumps(v, floats, k)}`)
      .join(', ')}}`;
  }
  if (typeof x === 'number' && floats.has(key) && Number.isInteger(x)) return `${x}.0`;
  return JSON.stringify(x);
}

/**
 * OSM RO's DPB connector in REST mode (`wimconn_dpb.py`, `DpbRestInterface`),
 * as osm-wim.md §2.3-2.4 describe it: every call is `requests.post(url,
 * json=data)` to `http://{wim_url}:{port}/network/{network}/…`, with no
 * body and no Content-Type when data is None; any status but 200 is an
 * SdnConnectorError; rates are hard-coded 10.0; polls wait 10 s.
 */
export class OsmDpbRestConnector {
  /** Every request sent, for tests to inspect: method, path suffix, Content-Type, body text. */
  readonly sent: { method: string; suffix: string; contentType: string | undefined; body: string | undefined }[] = [];

  constructor(
    private readonly base: string,
    private readonly network: string,
    private readonly auth?: { user: string; password: string },
  ) {}

  private async post(suffix: string, data?: Record<string, unknown>): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = {};
    let body: string | undefined;
    if (data !== undefined) {
      body = pyDumps(data, new Set(['ingress-bw', 'egress-bw']));
      headers['Content-Type'] = 'application/json';
    }
    if (this.auth) headers.Authorization = `Basic ${Buffer.from(`${this.auth.user}:${this.auth.password}`).toString('base64')}`;
    this.sent.push({ method: 'POST', suffix, contentType: headers['Content-Type'], body });
    const r = await fetch(`${this.base}/network/${this.network}/${suffix}`, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });
    const text = await r.text();
    if (r.status !== 200) throw new SdnConnectorError(`DPB ${suffix} failed: ${r.status} ${text.slice(0, 200)}`, r.status);
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new SdnConnectorError(`DPB ${suffix}: reply is not JSON`, 500);
    }
  }

  private segment(cps: ConnectionPoint[]): Record<string, unknown> {
    return {
      segment: cps.map((cp) => {
        const vlan = cp.service_endpoint_encapsulation_info.vlan;
        const label = vlan === null ? NaN : typeof vlan === 'number' ? vlan : Number.parseInt(vlan, 10);
        if (!Number.isInteger(label)) throw new SdnConnectorError('int(None): no VLAN', 500);
        return { 'terminal-name': cp.service_endpoint_id, label, 'ingress-bw': 10.0, 'egress-bw': 10.0 };
      }),
    };
  }

  /** CREATE (no body), DEFINE, ACTIVATE; returns (str(service_id), None). Does not wait, does not clean up. */
  async createConnectivityService(_serviceType: string, cps: ConnectionPoint[]): Promise<[string, null]> {
    const created = await this.post('create-service');
    if (typeof created['service-id'] !== 'number') throw new SdnConnectorError('no service-id', 500);
    const sid = created['service-id'];
    await this.post(`service/${sid}/define`, this.segment(cps));
    await this.post(`service/${sid}/activate`);
    return [String(sid), null];
  }

  /** CHECK with ACTIVE/FAILED and 10 s; maps ACTIVE→ACTIVE, ACTIVATING→BUILD, FAILED→ERROR, others → null. */
  async getConnectivityServiceStatus(uuid: string): Promise<{ wim_status: string | null; dpbStatus: string }> {
    const r = await this.post(`service/${uuid}/await-status`, { 'timeout-millis': 10000, acceptable: ['ACTIVE', 'FAILED'] });
    if (typeof r.status !== 'string') throw new SdnConnectorError('no status', 500);
    const map: Record<string, string> = { ACTIVE: 'ACTIVE', ACTIVATING: 'BUILD', FAILED: 'ERROR' };
    return { wim_status: map[r.status] ?? null, dpbStatus: r.status };
  }

  /** RESET, CHECK DORMANT, DEFINE (same id), ACTIVATE. */
  async editConnectivityService(uuid: string, _connInfo: unknown, cps: ConnectionPoint[]): Promise<void> {
    await this.post(`service/${uuid}/reset`);
    const r = await this.post(`service/${uuid}/await-status`, { 'timeout-millis': 10000, acceptable: ['DORMANT'] });
    if (typeof r.status !== 'string') throw new SdnConnectorError('no status', 500);
    await this.post(`service/${uuid}/define`, this.segment(cps));
    await this.post(`service/${uuid}/activate`);
  }

  /** RELEASE. */
  async deleteConnectivityService(uuid: string): Promise<void> {
    await this.post(`service/${uuid}/release`);
  }
}
