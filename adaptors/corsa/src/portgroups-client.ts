import { BrokerError } from '@dpb/model';
import { httpError } from './corsa-rest';
import type { HttpRequest, HttpTransport } from './http-json-client';

/** What the port-group app says about one slice. */
export interface AppSlice {
  /** The ofports of the slice, sorted. */
  ports: number[];
  state: 'installed' | 'pending' | 'failed';
  reason?: string;
}

/** The app's view of one datapath (the shared VFC). */
export interface AppView {
  dpid: string;
  connected: boolean;
  generation: number;
  slices: Map<string, AppSlice>;
}

/**
 * Client of dpb's port-group controller app (`ryu-apps/dpb_portgroups.py`),
 * which groups the shared VFC's ofports into one slice per bridge. It speaks
 * the REST contract of dpb's OpenFlow apps (`/dpb/api/v1/`) with circuits
 * `{ port }` only.
 */
export class PortGroupsClient {
  constructor(
    private readonly transport: HttpTransport,
    private readonly inferior: string,
  ) {}

  /** `GET datapaths/{dpid}/slices?switch=0`; undefined when the app has never heard of the dpid (404). */
  async get(dpid: string): Promise<AppView | undefined> {
    const request: HttpRequest = { method: 'GET', path: `datapaths/${dpid}/slices?switch=0` };
    const res = await this.transport(request);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw httpError(this.inferior, request, res, 'reading the port-group app');
    return parseView(dpid, res.body);
  }

  /**
   * `PUT datapaths/{dpid}/slices`: the complete slice set (slice id -> ofports).
   * A stale generation is CONFLICT-like: BUSY with `details.field` `generation`.
   */
  async put(dpid: string, generation: number, slices: ReadonlyMap<string, readonly number[]>): Promise<AppView> {
    const body = {
      generation,
      slices: Object.fromEntries([...slices].map(([id, ports]) => [id, { circuits: ports.map((port) => ({ port })) }])),
    };
    const request: HttpRequest = { method: 'PUT', path: `datapaths/${dpid}/slices`, body };
    const res = await this.transport(request);
    if (res.status !== 200) {
      const e = httpError(this.inferior, request, res, 'pushing slices to the port-group app');
      const field = errorField(res.body);
      if (field !== undefined) e.details.field = field;
      throw e;
    }
    return parseView(dpid, res.body);
  }

  /** `DELETE datapaths/{dpid}/slices` (404 counts as done). */
  async clear(dpid: string): Promise<void> {
    const request: HttpRequest = { method: 'DELETE', path: `datapaths/${dpid}/slices` };
    const res = await this.transport(request);
    if (res.status !== 200 && res.status !== 204 && res.status !== 404) {
      throw httpError(this.inferior, request, res, 'clearing slices at the port-group app');
    }
  }
}

function errorField(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const err = (body as { error?: { details?: { field?: unknown } } }).error;
  const f = err?.details?.field;
  return typeof f === 'string' ? f : undefined;
}

function parseView(dpid: string, body: unknown): AppView {
  if (typeof body !== 'object' || body === null) {
    throw new BrokerError('INTERNAL', 'the port-group app answered without a JSON object', { details: { field: 'body' } });
  }
  const b = body as Record<string, unknown>;
  const slices = new Map<string, AppSlice>();
  const raw = typeof b.slices === 'object' && b.slices !== null ? (b.slices as Record<string, unknown>) : {};
  for (const [id, s] of Object.entries(raw)) {
    if (typeof s !== 'object' || s === null) continue;
    const so = s as Record<string, unknown>;
    const ports = (Array.isArray(so.circuits) ? so.circuits : [])
      .map((c) => (typeof c === 'object' && c !== null ? (c as Record<string, unknown>).port : undefined))
      .filter((p): p is number => typeof p === 'number')
      .sort((x, y) => x - y);
    const state = so.state === 'installed' || so.state === 'failed' ? so.state : 'pending';
    const slice: AppSlice = { ports, state };
    if (typeof so.reason === 'string') slice.reason = so.reason;
    slices.set(id, slice);
  }
  return {
    dpid,
    connected: b.connected === true,
    generation: typeof b.generation === 'number' ? b.generation : 0,
    slices,
  };
}
