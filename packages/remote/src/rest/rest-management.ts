import {
  type AggregatorManagement,
  type AggregatorTerminalInfo,
  type DirectionalMbps,
  errors,
  type LabelRange,
  type LabelRevocation,
  type NetworkControl,
  type QuotaChanges,
  type SwitchManagement,
  type SwitchTerminalInfo,
  type TerminalRef,
  type TrunkInfo,
  type TrunkSpec,
  type TunnelInfo,
} from '@dpb/model';
import type { RestTransport } from './rest-transport';

/** What a remote network offers besides control: the management of a switch or of an aggregator. */
export interface RemoteManagement {
  /** `switch`, `aggregator`, or `none` (the remote serves it as a control interface only). */
  kind: 'switch' | 'aggregator' | 'none';
  switch?: SwitchManagement;
  aggregator?: AggregatorManagement;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Shared plumbing: requests, and checks that replies have the promised shape. */
class Proxy {
  constructor(
    readonly control: NetworkControl,
    private readonly transport: RestTransport,
    private readonly url: string,
  ) {}

  get name(): string {
    return this.control.name;
  }

  malformed(what: string): Error {
    return errors.internal(`network ${this.name} at ${this.url}: malformed ${what} in the reply`, undefined, {
      network: this.name,
      remote: this.url,
      field: what,
    });
  }

  async call(method: string, path: string, body?: unknown, query?: Record<string, string | number | undefined>): Promise<unknown> {
    const r = await this.transport.request(method, path, { ...(body === undefined ? {} : { body }), ...(query ? { query } : {}) });
    return r.body;
  }

  one<T>(body: unknown, what: string, check: (v: Record<string, unknown>) => boolean): T {
    if (!isObject(body) || !check(body)) throw this.malformed(what);
    return body as unknown as T;
  }

  list<T>(body: unknown, what: string, check: (v: Record<string, unknown>) => boolean): T[] {
    if (!Array.isArray(body)) throw this.malformed(`${what} list`);
    return body.map((b) => this.one<T>(b, what, check));
  }
}

const seg = (s: string): string => encodeURIComponent(s);

const isSwitchTerminal = (v: Record<string, unknown>): boolean =>
  typeof v.name === 'string' && typeof v.interface === 'string' && typeof v.circuitsInUse === 'number';
const isAggregatorTerminal = (v: Record<string, unknown>): boolean =>
  typeof v.name === 'string' && isObject(v.inferior) && typeof v.inferior.network === 'string' && typeof v.inferior.terminal === 'string';
const isTrunk = (v: Record<string, unknown>): boolean =>
  typeof v.id === 'number' && isObject(v.start) && isObject(v.end) && isObject(v.capacity) && isObject(v.available) && Array.isArray(v.labelRanges);
const isTunnel = (v: Record<string, unknown>): boolean =>
  typeof v.trunk === 'number' && typeof v.service === 'number' && typeof v.startLabel === 'number' && typeof v.endLabel === 'number';

/**
 * The management of a switch served by another dpb-server, over REST v1:
 * terminals and their quotas. Errors keep the remote's code and details.
 */
export class RestSwitchManagement implements SwitchManagement {
  private readonly p: Proxy;

  constructor(control: NetworkControl, transport: RestTransport, url: string) {
    this.p = new Proxy(control, transport, url);
  }

  get name(): string {
    return this.p.name;
  }

  get control(): NetworkControl {
    return this.p.control;
  }

  async addTerminal(name: string, interfaceDescription: string): Promise<SwitchTerminalInfo> {
    return this.p.one(await this.p.call('POST', '/terminals', { name, interface: interfaceDescription }), 'Terminal', isSwitchTerminal);
  }

  async removeTerminal(name: string): Promise<void> {
    await this.p.call('DELETE', `/terminals/${seg(name)}`);
  }

  async terminal(name: string): Promise<SwitchTerminalInfo> {
    return this.p.one(await this.p.call('GET', `/terminals/${seg(name)}`), 'Terminal', isSwitchTerminal);
  }

  async terminalDetails(): Promise<SwitchTerminalInfo[]> {
    return this.p.list(await this.p.call('GET', '/terminals'), 'Terminal', isSwitchTerminal);
  }

  async modifyQuota(name: string, changes: QuotaChanges): Promise<SwitchTerminalInfo> {
    const body: Record<string, number | null> = {};
    for (const dir of ['ingress', 'egress'] as const) {
      const c = changes[dir];
      if (c === undefined) continue;
      if ('set' in c) body[`${dir}QuotaMbps`] = c.set;
      else body[`${dir}QuotaAdjustMbps`] = c.adjust;
    }
    return this.p.one(await this.p.call('PATCH', `/terminals/${seg(name)}`, body), 'Terminal', isSwitchTerminal);
  }
}

/**
 * The management of an aggregator served by another dpb-server, over REST
 * v1: terminals, trunks, bandwidth, labels, commissioning, tunnels. Terminal
 * references name the remote aggregator's own inferiors.
 */
export class RestAggregatorManagement implements AggregatorManagement {
  private readonly p: Proxy;

  constructor(control: NetworkControl, transport: RestTransport, url: string) {
    this.p = new Proxy(control, transport, url);
  }

  get name(): string {
    return this.p.name;
  }

  get control(): NetworkControl {
    return this.p.control;
  }

  async addTerminal(name: string, inferior: TerminalRef): Promise<AggregatorTerminalInfo> {
    const body = { name, inferior: { network: inferior.network, terminal: inferior.terminal } };
    return this.p.one(await this.p.call('POST', '/terminals', body), 'Terminal', isAggregatorTerminal);
  }

  async removeTerminal(name: string): Promise<void> {
    await this.p.call('DELETE', `/terminals/${seg(name)}`);
  }

  async terminalDetails(): Promise<AggregatorTerminalInfo[]> {
    return this.p.list(await this.p.call('GET', '/terminals'), 'Terminal', isAggregatorTerminal);
  }

  async addTrunk(spec: TrunkSpec): Promise<TrunkInfo> {
    const body: Record<string, unknown> = {
      start: { network: spec.start.network, terminal: spec.start.terminal },
      end: { network: spec.end.network, terminal: spec.end.terminal },
    };
    if (spec.upstreamMbps !== undefined) body.upstreamMbps = spec.upstreamMbps;
    if (spec.downstreamMbps !== undefined) body.downstreamMbps = spec.downstreamMbps;
    if (spec.cost !== undefined) body.cost = spec.cost;
    if (spec.commissioned !== undefined) body.commissioned = spec.commissioned;
    if (spec.labels !== undefined) body.labels = spec.labels.map((l) => ({ startBase: l.startBase, count: l.count, endBase: l.endBase }));
    return this.trunkOf(await this.p.call('POST', '/trunks', body));
  }

  async removeTrunk(id: number): Promise<void> {
    await this.p.call('DELETE', `/trunks/${id}`);
  }

  async trunk(id: number): Promise<TrunkInfo> {
    return this.trunkOf(await this.p.call('GET', `/trunks/${id}`));
  }

  async findTrunk(end: TerminalRef): Promise<TrunkInfo | undefined> {
    const same = (t: TerminalRef): boolean => t.network === end.network && t.terminal === end.terminal;
    return (await this.trunks()).find((t) => same(t.start) || same(t.end));
  }

  async trunks(): Promise<TrunkInfo[]> {
    return this.p.list<TrunkInfo>(await this.p.call('GET', '/trunks'), 'Trunk', isTrunk);
  }

  async tunnels(trunk?: number): Promise<TunnelInfo[]> {
    return this.p.list<TunnelInfo>(await this.p.call('GET', '/tunnels', undefined, { trunk }), 'Tunnel', isTunnel);
  }

  async provideBandwidth(id: number, amount: DirectionalMbps): Promise<TrunkInfo> {
    return this.patch(id, { provideMbps: amount });
  }

  async withdrawBandwidth(id: number, amount: DirectionalMbps): Promise<TrunkInfo> {
    return this.patch(id, { withdrawMbps: amount });
  }

  async setCost(id: number, cost: number): Promise<TrunkInfo> {
    return this.patch(id, { cost });
  }

  async defineLabels(id: number, range: LabelRange): Promise<TrunkInfo> {
    return this.trunkOf(await this.p.call('POST', `/trunks/${id}/labels`, { startBase: range.startBase, count: range.count, endBase: range.endBase }));
  }

  async revokeLabels(id: number, revocation: LabelRevocation): Promise<TrunkInfo> {
    return this.trunkOf(await this.p.call('POST', `/trunks/${id}/labels/revoke`, { side: revocation.side, base: revocation.base, count: revocation.count }));
  }

  async decommission(id: number): Promise<TrunkInfo> {
    return this.patch(id, { commissioned: false });
  }

  async recommission(id: number): Promise<TrunkInfo> {
    return this.patch(id, { commissioned: true });
  }

  private async patch(id: number, body: Record<string, unknown>): Promise<TrunkInfo> {
    return this.trunkOf(await this.p.call('PATCH', `/trunks/${id}`, body));
  }

  private trunkOf(body: unknown): TrunkInfo {
    return this.p.one<TrunkInfo>(body, 'Trunk', isTrunk);
  }
}
