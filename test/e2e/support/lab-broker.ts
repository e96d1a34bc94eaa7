import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { call, startBroker, type Res, type TestBroker } from '../../integration/rest/broker';
import { REPO, type Lab } from './lab';

/** The example config the tutorial uses; the suite runs the broker on its networks. */
export const EXAMPLE_CONFIG = path.join(REPO, 'config/examples/openflow-ovs.yaml');

/** The aggregator of the example config, and the network every test's services live on. */
export const WAN = 'wan';

/**
 * The networks of config/examples/openflow-ovs.yaml, pointed at the lab's
 * controller app (the suite's REST port differs from the tutorial's), with
 * optional extra keys for every openflow fabric (e.g. pushIntervalMs).
 */
export function labNetworksYaml(lab: Lab, fabricExtra: Record<string, unknown> = {}): string {
  const doc = parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as { networks: Record<string, unknown>[] };
  for (const n of doc.networks) {
    const of = (n.fabric as { openflow?: Record<string, unknown> } | undefined)?.openflow;
    if (of) Object.assign(of, { controller: lab.controllerUrl }, fabricExtra);
  }
  return stringify({ networks: doc.networks });
}

/** A broker (real wiring, memory store, REST on port 0) in this process, on the lab's switches. */
export function startLabBroker(lab: Lab, fabricExtra: Record<string, unknown> = {}): Promise<TestBroker> {
  return startBroker(labNetworksYaml(lab, fabricExtra));
}

export interface CircuitSpec {
  terminal: string;
  label: number;
  ingressMbps: number;
  egressMbps?: number;
}

export interface ServiceInfo {
  id: number;
  handle: string | null;
  status: string;
  intent: string;
  errors: unknown[];
  history: { status: string; at: number }[];
  realisation?: {
    tunnels: { trunk: number; start: { network: string; terminal: string }; end: { network: string; terminal: string }; startLabel: number; endLabel: number }[];
    subservices: { network: string; id: number | null; status: string }[];
  };
}

function ok(r: Res, what: string): ServiceInfo {
  if (r.status >= 300) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as ServiceInfo;
}

/** REST v1 calls on the aggregator's services, as any client makes them. */
export class Services {
  constructor(
    readonly base: string,
    readonly network: string = WAN,
  ) {}

  private url(rest = ''): string {
    return `/api/v1/networks/${this.network}/services${rest}`;
  }

  async create(options: { handle?: string; circuits?: CircuitSpec[]; activate?: boolean } = {}): Promise<ServiceInfo> {
    return ok(await call(this.base, 'POST', this.url(), options), 'create service');
  }

  async define(id: number, circuits: CircuitSpec[]): Promise<ServiceInfo> {
    return ok(await call(this.base, 'PUT', this.url(`/${id}/circuits`), { circuits }), `define service ${id}`);
  }

  async activate(id: number): Promise<ServiceInfo> {
    return ok(await call(this.base, 'POST', this.url(`/${id}/activate`)), `activate service ${id}`);
  }

  async deactivate(id: number): Promise<ServiceInfo> {
    return ok(await call(this.base, 'POST', this.url(`/${id}/deactivate`)), `deactivate service ${id}`);
  }

  async release(id: number): Promise<ServiceInfo> {
    return ok(await call(this.base, 'DELETE', this.url(`/${id}`)), `release service ${id}`);
  }

  async get(id: number): Promise<ServiceInfo> {
    return ok(await call(this.base, 'GET', this.url(`/${id}`)), `service ${id}`);
  }

  /**
   * Waits (on the server: `?wait=`) until the service's status is one of
   * `statuses`; throws with the service's last state if it is not by `timeoutMs`.
   */
  async waitFor(id: number, statuses: string[], timeoutMs = 30_000): Promise<ServiceInfo> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const slice = Math.max(1, Math.min(60_000, deadline - Date.now()));
      const info = ok(await call(this.base, 'GET', this.url(`/${id}?wait=${statuses.join(',')}&timeoutMs=${slice}`)), `wait for service ${id}`);
      if (statuses.includes(info.status)) return info;
      if (Date.now() >= deadline || info.status === 'RELEASED') {
        throw new Error(`service ${id} is ${info.status}, not ${statuses.join('/')}, after ${timeoutMs} ms: ${JSON.stringify({ errors: info.errors, history: info.history.slice(-6), realisation: info.realisation?.subservices })}`);
      }
    }
  }

  /** Releases and waits for RELEASED. */
  async releaseAndWait(id: number, timeoutMs = 30_000): Promise<void> {
    await this.release(id);
    await this.waitFor(id, ['RELEASED'], timeoutMs);
  }

  /** Releases every live service of the network (cleanup between tests). */
  async releaseAll(timeoutMs = 60_000): Promise<void> {
    const r = await call(this.base, 'GET', this.url());
    const list = (r.body as ServiceInfo[]) ?? [];
    await Promise.all(list.map((s) => this.releaseAndWait(s.id, timeoutMs)));
  }
}

/** What the controller app holds for one datapath (contract-openflow-app.md, GET .../slices). */
export interface AppSlices {
  dpid: string;
  connected: boolean;
  slices: Record<string, { circuits: unknown[]; state: string; reason?: string }>;
  switch?: { flows: unknown[]; meters: unknown[]; groups: unknown[] };
}

export async function appSlices(lab: Lab, dpid: string, withSwitch = false): Promise<AppSlices> {
  return (await lab.appGet(`/datapaths/${dpid}/slices${withSwitch ? '' : '?switch=0'}`)) as AppSlices;
}

/** Polls `check` until it returns true, at most `timeoutMs`; for conditions with no event to wait on. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await check()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
