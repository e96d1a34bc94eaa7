import { isBrokerError } from '@dpb/model';
import { attachBody, endpointOfTunnel, meterOps, type PlannedBridge, type PlannedCircuit, tunnelChange, tunnelKey } from './bridge-plan';
import { endpointsConflict } from './corsa-interface';
import { type CorsaBridgeInfo, type CorsaControllerInfo, type CorsaTunnelInfo, isTransient } from './corsa-rest';
import type { Entry, FabricCore, Realiser } from './fabric-core';
import type { AppView, PortGroupsClient } from './portgroups-client';

/** The id the fabric gives the controller it attaches to its VFCs. */
export const CONTROLLER_ID = 'dpb';

/** VFC names the fabric allocates: `br1` .. `br<BRIDGE_NAME_LIMIT>`. */
export const BRIDGE_NAME_LIMIT = 63;

/** An owned VFC as last read (or written). */
export interface OwnedVfc {
  name: string;
  descr: string;
  /** 16 lower-case hex digits; undefined until the switch has said. */
  dpid?: string;
  tunnels: Map<number, CorsaTunnelInfo>;
  /** Controller id -> whether the switch says it is connected (undefined: it does not say). */
  controllers: Map<string, boolean | undefined>;
}

/** Controller id -> connected, from what the switch reports. */
export function controllerMap(list: readonly CorsaControllerInfo[]): Map<string, boolean | undefined> {
  return new Map(list.map((c) => [c.id, c.connected]));
}

/** Shortest and longest wait between two looks while something settles (a controller connecting, a slice installing). */
export const POLL_MIN_MS = 50;
export const POLL_MAX_MS = 5_000;

/** An owned VFC nobody needs; `now`: delete it without waiting for the desired set. */
export interface Garbage {
  name: string;
  now: boolean;
  /** Its dpid, when the switch reported one (its slices are cleared at the app first). */
  dpid?: string;
}

export const describeError = (e: unknown): string => (isBrokerError(e) ? e.message : e instanceof Error ? e.message : String(e));

/** The tunnel a planned circuit becomes once attached at `ofport`. */
export function tunnelOf(c: PlannedCircuit, ofport: number, ifdescr: string): CorsaTunnelInfo {
  const t: CorsaTunnelInfo = { ofport, port: c.endpoint.port, cir: c.meter?.cirKbps ?? 0, cbs: c.meter?.cbsKB ?? 0, ifdescr };
  if (c.endpoint.vlanId !== undefined) t.vlanId = c.endpoint.vlanId;
  if (c.endpoint.innerVlanId !== undefined) t.innerVlanId = c.endpoint.innerVlanId;
  if (c.shapedRateMbps !== undefined) t.shapedRate = c.shapedRateMbps;
  return t;
}

/** The lowest of 1, 2, ... not in `used`. */
export function lowestFree(used: (n: number) => boolean): number {
  let n = 1;
  while (used(n)) n++;
  return n;
}

/**
 * vfc-per-service mode: each bridge is one VFC named `brN`, described
 * `<prefix>partial:<bridge id>` while it is being built and
 * `<prefix>complete:<bridge id>` once whole; its circuits are tunnels at
 * ofports 1..n, and the configured controller is attached.
 *
 * With the port-group app (`app`), the VFC's ofports are also the one slice
 * of the VFC's dpid at the app (slice id = bridge id): the app installs
 * direct rules for two ports and learning for more. The bridge is `up` only
 * once the app reports that slice `installed` with exactly the VFC's ofports.
 * A VFC's slices are cleared at the app before the VFC is deleted (best
 * effort: a VFC is deleted even while the app cannot be reached, and its
 * dpid is cleared later).
 */
export class VfcPerServiceRealiser implements Realiser {
  /** Every bridge name on the switch (ours or not). */
  private names = new Set<string>();
  /** Bridge id -> its complete VFC. */
  private vfcs = new Map<string, OwnedVfc>();
  /** Owned VFCs no bridge needs: half-built ones, duplicates, the shared VFC of the other mode. */
  private garbage = new Map<string, Garbage>();
  private readonly pollDelay = new Map<string, number>();
  /** app: the app's last answer per dpid (dropped on every scan, so the app is read again). */
  private readonly views = new Map<string, AppView>();
  /** app: highest generation the app reported or accepted, per dpid. */
  private readonly generations = new Map<string, number>();
  /** app: dpids of VFCs that are gone whose slices are still to be cleared at the app. */
  private readonly staleDpids = new Set<string>();
  /** app: bridges whose slice must be PUT even if the app's answer matches (a new VFC; a tunnel attached again at the same ofport). */
  private readonly mustPush = new Set<string>();
  /** app: bridges pushed since the last scan (a slice that is not installed is pushed once per scan, then polled). */
  private readonly pushed = new Set<string>();

  constructor(
    private readonly core: FabricCore,
    private readonly app?: PortGroupsClient,
  ) {}

  private get prefix(): string {
    return this.core.prefix;
  }

  private descr(kind: 'partial' | 'complete', id: string): string {
    return `${this.prefix}${kind}:${id}`;
  }

  async scan(): Promise<void> {
    const rest = this.core.rest;
    const all = await rest.listBridges();
    const names = new Set(all.map((b) => b.name));
    const vfcs = new Map<string, OwnedVfc>();
    const garbage = new Map<string, Garbage>();
    for (const b of [...all].sort(byBridgeName)) {
      if (!b.descr.startsWith(this.prefix)) continue;
      const tail = b.descr.slice(this.prefix.length);
      const id = tail.startsWith('complete:') ? tail.slice('complete:'.length) : undefined;
      if (id === undefined || id.length === 0 || vfcs.has(id)) {
        // half-built and duplicate VFCs go at once; others (e.g. the other mode's shared VFC) once the desired set is known
        const g: Garbage = { name: b.name, now: tail.startsWith('partial:') || (id !== undefined && id.length > 0) };
        if (b.dpid !== undefined) g.dpid = b.dpid;
        garbage.set(b.name, g);
        continue;
      }
      const tunnels = await rest.listTunnels(b.name);
      const controllers = tunnels === undefined ? undefined : await rest.listControllers(b.name);
      if (tunnels === undefined || controllers === undefined) continue; // deleted meanwhile
      const vfc: OwnedVfc = { name: b.name, descr: b.descr, tunnels: new Map(tunnels.map((t) => [t.ofport, t])), controllers: controllerMap(controllers) };
      if (b.dpid !== undefined) vfc.dpid = b.dpid;
      vfcs.set(id, vfc);
    }
    if (this.app) {
      // VFCs that vanished (a switch reboot): their slices are cleared at the app; everything is read from the app again
      const live = new Set([...vfcs.values()].map((v) => v.dpid));
      for (const old of this.vfcs.values()) if (old.dpid !== undefined && !live.has(old.dpid)) this.staleDpids.add(old.dpid);
      this.views.clear();
      this.pushed.clear();
    }
    this.names = names;
    this.vfcs = vfcs;
    this.garbage = garbage;
    for (const id of vfcs.keys()) this.core.adopt(id);
  }

  async sync(): Promise<void> {
    const core = this.core;
    // 1. VFCs of ours that nothing needs: half-built ones always, the rest once the desired set is known
    for (const g of [...this.garbage.values()]) {
      if (!g.now && !core.authoritative) continue;
      core.checkOpen();
      if (g.dpid !== undefined) await this.clearApp(g.dpid);
      try {
        await core.rest.deleteBridge(g.name);
        this.garbage.delete(g.name);
        this.names.delete(g.name);
      } catch (err) {
        core.wantScan();
        core.logger.warn('corsa: could not delete a VFC nobody needs; will retry', { network: core.network, vfc: g.name, error: describeError(err) });
      }
    }
    // 2. removals first, so that what they free can be used by the bridges after them
    for (const e of core.entries()) {
      const holdsNothing = e.want === 'absent' || e.failed !== undefined;
      if (!holdsNothing) continue;
      const vfc = this.vfcs.get(e.id);
      if (!vfc) {
        core.gone(e);
        continue;
      }
      if (!core.due(e)) continue;
      core.checkOpen();
      // the app forgets the VFC's slice first (best effort: the VFC goes anyway, which stops its traffic)
      if (vfc.dpid !== undefined) await this.clearApp(vfc.dpid);
      try {
        await core.rest.deleteBridge(vfc.name);
        this.vfcs.delete(e.id);
        this.mustPush.delete(e.id);
        this.pushed.delete(e.id);
        this.names.delete(vfc.name);
        core.gone(e);
      } catch (err) {
        core.wantScan();
        core.retryLater(e, `removing VFC ${vfc.name}: ${describeError(err)}`, true);
      }
    }
    // 3. creations and updates
    for (const e of core.entries()) {
      if (e.want !== 'present' || e.failed !== undefined || !e.plan || !core.due(e)) continue;
      core.checkOpen();
      const vfc = this.vfcs.get(e.id);
      if (vfc) await this.update(e, e.plan, vfc);
      else await this.create(e, e.plan);
    }
    // 4. slices of VFCs that are gone
    if (this.app) await this.clearStale();
  }

  /** Another VFC of ours that holds (or may hold) an endpoint of `plan`. */
  private blocker(id: string, circuits: readonly PlannedCircuit[]): string | undefined {
    for (const [other, vfc] of this.vfcs) {
      if (other === id) continue;
      for (const t of vfc.tunnels.values()) {
        const c = circuits.find((x) => endpointsConflict(x.endpoint, endpointOfTunnel(t)));
        if (c) return `circuit ${c.interface}:${c.label} is still attached to VFC ${vfc.name} of bridge ${other}`;
      }
    }
    return undefined;
  }

  private async create(e: Entry, plan: PlannedBridge): Promise<void> {
    const core = this.core;
    const cfg = core.config;
    const max = cfg.maxBridges;
    if (max !== undefined && this.vfcs.size >= max) {
      core.fail(e, `the fabric is full (${max} VFCs)`);
      return;
    }
    const blocked = this.blocker(e.id, plan.circuits);
    if (blocked) {
      core.retryLater(e, blocked);
      return;
    }
    core.report(e, 'pending');
    let name: string | undefined;
    let built: OwnedVfc;
    try {
      for (let attempt = 0; ; attempt++) {
        const n = lowestFree((k) => this.names.has(`br${k}`));
        if (n > BRIDGE_NAME_LIMIT || attempt >= BRIDGE_NAME_LIMIT) {
          core.fail(e, `no free VFC name on the switch (br1..br${BRIDGE_NAME_LIMIT} are taken)`);
          return;
        }
        const candidate = `br${n}`;
        name = candidate;
        const made = await core.rest.createBridge({
          bridge: candidate,
          subtype: cfg.subtype,
          resources: cfg.resources,
          netns: cfg.netns,
          'bridge-descr': this.descr('partial', e.id),
        });
        this.names.add(candidate);
        if (made === 'created') break;
        // taken by someone meanwhile: read the names again and try the next one
        name = undefined;
        core.checkOpen();
        for (const b of await core.rest.listBridges()) this.names.add(b.name);
      }
      const vfcName = name as string;
      const ifdescr = `${this.prefix}${e.id}`;
      const tunnels = new Map<number, CorsaTunnelInfo>();
      let ofport = 0;
      for (const c of plan.circuits) {
        core.checkOpen();
        ofport++;
        await core.rest.attachTunnel(vfcName, attachBody(c, ofport, ifdescr));
        if (c.meter) await core.rest.patchTunnel(vfcName, ofport, meterOps(c.meter));
        tunnels.set(ofport, tunnelOf(c, ofport, ifdescr));
      }
      core.checkOpen();
      await core.rest.attachController(vfcName, { controller: CONTROLLER_ID, ip: cfg.controller.host, port: cfg.controller.port, tls: false });
      await core.rest.setBridgeDescr(vfcName, this.descr('complete', e.id));
      const vfc: OwnedVfc = { name: vfcName, descr: this.descr('complete', e.id), tunnels, controllers: new Map([[CONTROLLER_ID, undefined]]) };
      this.vfcs.set(e.id, vfc);
      this.mustPush.add(e.id);
      built = vfc;
    } catch (err) {
      // roll back: the half-built VFC goes (if that fails too, the next scan finds it by its description)
      if (name !== undefined) {
        try {
          await core.rest.deleteBridge(name);
          this.names.delete(name);
        } catch (undo) {
          core.wantScan();
          core.logger.warn('corsa: could not roll back a half-built VFC; will delete it later', { network: core.network, vfc: name, error: describeError(undo) });
        }
      }
      this.settleFailure(e, err, name === undefined ? 'creating a VFC' : `building VFC ${name}`);
      return;
    }
    // the VFC is whole: from here on a failure is retried on it, not rolled back
    try {
      await this.settle(e, plan, built);
    } catch (err) {
      this.settleFailure(e, err, `reading back VFC ${built.name}`);
    }
  }

  private async update(e: Entry, plan: PlannedBridge, vfc: OwnedVfc): Promise<void> {
    const core = this.core;
    const cfg = core.config;
    const ifdescr = `${this.prefix}${e.id}`;
    const byKey = new Map<string, CorsaTunnelInfo>();
    const detach: CorsaTunnelInfo[] = [];
    for (const t of [...vfc.tunnels.values()].sort((a, b) => a.ofport - b.ofport)) {
      const key = tunnelKey(t);
      if (byKey.has(key) || !plan.circuits.some((c) => c.key === key)) detach.push(t);
      else byKey.set(key, t);
    }
    const attach: PlannedCircuit[] = [];
    const reattach: [PlannedCircuit, CorsaTunnelInfo][] = [];
    const meter: [PlannedCircuit, CorsaTunnelInfo][] = [];
    for (const c of plan.circuits) {
      const t = byKey.get(c.key);
      if (!t) attach.push(c);
      else {
        const change = tunnelChange(t, c);
        if (change === 'reattach') reattach.push([c, t]);
        else if (change === 'meter') meter.push([c, t]);
      }
    }
    const needController = !vfc.controllers.has(CONTROLLER_ID);
    if (detach.length + attach.length + reattach.length + meter.length === 0 && !needController) {
      try {
        await this.settle(e, plan, vfc);
      } catch (err) {
        this.settleFailure(e, err, `reading the controllers of VFC ${vfc.name}`);
      }
      return;
    }
    const blocked = attach.length > 0 ? this.blocker(e.id, attach) : undefined;
    if (blocked) {
      core.retryLater(e, blocked);
      return;
    }
    if (detach.length + attach.length + reattach.length > 0 || needController) core.report(e, 'pending');
    // the app re-admits a port that left the switch only when a PUT lists it again
    if (detach.length + attach.length + reattach.length > 0) this.mustPush.add(e.id);
    try {
      for (const t of detach) {
        core.checkOpen();
        await core.rest.detachTunnel(vfc.name, t.ofport);
        vfc.tunnels.delete(t.ofport);
      }
      for (const [c, t] of reattach) {
        core.checkOpen();
        // shaping is fixed when a tunnel is attached: attach it again, at the same ofport
        await core.rest.detachTunnel(vfc.name, t.ofport);
        vfc.tunnels.delete(t.ofport);
        await core.rest.attachTunnel(vfc.name, attachBody(c, t.ofport, ifdescr));
        if (c.meter) await core.rest.patchTunnel(vfc.name, t.ofport, meterOps(c.meter));
        vfc.tunnels.set(t.ofport, tunnelOf(c, t.ofport, ifdescr));
      }
      for (const c of attach) {
        core.checkOpen();
        const ofport = lowestFree((n) => vfc.tunnels.has(n));
        await core.rest.attachTunnel(vfc.name, attachBody(c, ofport, ifdescr));
        if (c.meter) await core.rest.patchTunnel(vfc.name, ofport, meterOps(c.meter));
        vfc.tunnels.set(ofport, tunnelOf(c, ofport, ifdescr));
      }
      for (const [c, t] of meter) {
        core.checkOpen();
        await core.rest.patchTunnel(vfc.name, t.ofport, meterOps(c.meter as { cirKbps: number; cbsKB: number }));
        vfc.tunnels.set(t.ofport, { ...t, cir: c.meter?.cirKbps ?? 0, cbs: c.meter?.cbsKB ?? 0 });
      }
      if (needController) {
        core.checkOpen();
        await core.rest.attachController(vfc.name, { controller: CONTROLLER_ID, ip: cfg.controller.host, port: cfg.controller.port, tls: false });
        vfc.controllers.set(CONTROLLER_ID, undefined);
      }
      await this.settle(e, plan, vfc);
    } catch (err) {
      core.wantScan();
      // a refused update fails the bridge; the next pass deletes its VFC (a failed bridge holds nothing)
      this.settleFailure(e, err, `updating VFC ${vfc.name}`);
    }
  }

  /**
   * The VFC is built: up once the switch says the controller is connected
   * (a VFC without its controller forwards nothing); until then pending,
   * looking again after a growing delay.
   */
  private async settle(e: Entry, plan: PlannedBridge, vfc: OwnedVfc): Promise<void> {
    const core = this.core;
    if (e.plan !== plan || e.want !== 'present') return;
    if (vfc.controllers.get(CONTROLLER_ID) !== true) {
      const list = await core.rest.listControllers(vfc.name);
      if (list === undefined) {
        core.wantScan();
        core.retryLater(e, `VFC ${vfc.name} disappeared`);
        return;
      }
      vfc.controllers = controllerMap(list);
    }
    const connected = vfc.controllers.get(CONTROLLER_ID);
    if (connected === false) {
      const delay = Math.min(Math.max(POLL_MIN_MS, (this.pollDelay.get(e.id) ?? 0) * 2), POLL_MAX_MS);
      this.pollDelay.set(e.id, delay);
      const c = core.config.controller;
      core.report(e, 'pending', `the controller ${c.host}:${c.port} is not connected to VFC ${vfc.name}`);
      core.pollLater(e, delay);
      return;
    }
    if (!vfc.controllers.has(CONTROLLER_ID)) {
      // someone removed it meanwhile: the next pass attaches it again
      core.followUp();
      return;
    }
    if (this.app && !(await this.settleSlice(e, vfc, this.app))) return;
    this.pollDelay.delete(e.id);
    core.succeed(e);
  }

  /**
   * app: makes the app hold exactly this VFC's ofports as the bridge's one
   * slice on the VFC's dpid, and tells whether the app reports it installed.
   * Otherwise the bridge's state is reported here (pending while the app
   * installs or cannot be reached, failed when the app refuses the slice or
   * the switch refused its rules) and false is returned.
   */
  private async settleSlice(e: Entry, vfc: OwnedVfc, app: PortGroupsClient): Promise<boolean> {
    const core = this.core;
    if (vfc.dpid === undefined) {
      const info = await core.rest.getBridge(vfc.name);
      if (info === undefined) {
        core.wantScan();
        core.retryLater(e, `VFC ${vfc.name} disappeared`);
        return false;
      }
      if (info.dpid === undefined) {
        core.retryLater(e, `the switch did not report the dpid of VFC ${vfc.name}`, e.condition === 'up');
        return false;
      }
      vfc.dpid = info.dpid;
    }
    const dpid = vfc.dpid;
    const ports = [...vfc.tunnels.keys()].sort((a, b) => a - b);
    let view: AppView;
    try {
      const known = this.views.get(dpid);
      const current = this.mustPush.has(e.id) ? undefined : (known ?? (await this.readApp(app, dpid)));
      const slice = current?.slices.get(e.id);
      const same = current !== undefined && current.slices.size === 1 && slice !== undefined && samePorts(slice.ports, ports);
      if (!same || (slice.state !== 'installed' && !this.pushed.has(e.id))) {
        view = await this.pushApp(app, dpid, e.id, ports);
        this.mustPush.delete(e.id);
        this.pushed.add(e.id);
      } else if (slice.state !== 'installed') {
        view = await this.readApp(app, dpid); // installing: look again
      } else {
        view = current;
      }
    } catch (err) {
      const reason = `port-group app: ${describeError(err)}`;
      if (isTransient(err)) core.retryLater(e, reason, e.condition === 'up');
      else core.fail(e, reason);
      return false;
    }
    const slice = view.slices.get(e.id);
    if (slice && slice.state === 'installed' && samePorts(slice.ports, ports)) return true;
    if (slice && slice.state === 'failed') {
      core.fail(e, `port-group app: ${slice.reason ?? 'the slice failed'}`);
      return false;
    }
    const delay = Math.min(Math.max(POLL_MIN_MS, (this.pollDelay.get(e.id) ?? 0) * 2), POLL_MAX_MS);
    this.pollDelay.set(e.id, delay);
    core.report(e, 'pending', `waiting for the port-group app to install the slice on VFC ${vfc.name}${slice?.reason ? `: ${slice.reason}` : ''}`);
    core.pollLater(e, delay);
    return false;
  }

  /** The app's view of a dpid (an empty one when the app has never heard of it). */
  private async readApp(app: PortGroupsClient, dpid: string): Promise<AppView> {
    const view = (await app.get(dpid)) ?? { dpid, connected: false, generation: 0, slices: new Map() };
    this.generations.set(dpid, Math.max(this.generations.get(dpid) ?? 0, view.generation));
    this.views.set(dpid, view);
    return view;
  }

  /** PUTs the dpid's complete slice set: the one bridge and its ofports. A stale generation is answered by reading the app's and pushing above it once. */
  private async pushApp(app: PortGroupsClient, dpid: string, id: string, ports: number[]): Promise<AppView> {
    for (let attempt = 0; ; attempt++) {
      this.core.checkOpen();
      const generation = (this.generations.get(dpid) ?? 0) + 1;
      try {
        const view = await app.put(dpid, generation, new Map([[id, ports]]));
        this.generations.set(dpid, Math.max(generation, view.generation));
        this.views.set(dpid, view);
        return view;
      } catch (err) {
        if (attempt === 0 && isBrokerError(err) && err.details.field === 'generation') {
          await this.readApp(app, dpid);
          continue;
        }
        throw err;
      }
    }
  }

  /** Clears a dpid's slices at the app; when that fails, the dpid is cleared later. Never throws. */
  private async clearApp(dpid: string): Promise<void> {
    if (!this.app) return;
    try {
      await this.app.clear(dpid);
      this.staleDpids.delete(dpid);
    } catch (err) {
      this.staleDpids.add(dpid);
      this.core.logger.warn('corsa: could not clear the slices of a VFC at the port-group app; will retry', {
        network: this.core.network,
        dpid,
        error: describeError(err),
      });
    }
    this.views.delete(dpid);
  }

  /** Clears the slices of dpids whose VFC is gone (unless a VFC of ours has that dpid again). Best effort. */
  private async clearStale(): Promise<void> {
    const inUse = new Set([...this.vfcs.values()].map((v) => v.dpid));
    for (const dpid of [...this.staleDpids]) {
      if (inUse.has(dpid)) {
        this.staleDpids.delete(dpid);
        continue;
      }
      this.core.checkOpen();
      await this.clearApp(dpid);
    }
  }

  private settleFailure(e: Entry, err: unknown, doing: string): void {
    const core = this.core;
    try {
      core.checkOpen();
    } catch {
      return; // closed meanwhile: nothing more to report
    }
    const reason = `${doing}: ${describeError(err)}`;
    core.wantScan();
    if (isTransient(err)) core.retryLater(e, reason);
    else core.fail(e, reason);
  }
}

function samePorts(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}

function byBridgeName(a: CorsaBridgeInfo, b: CorsaBridgeInfo): number {
  const na = /^br(\d+)$/.exec(a.name);
  const nb = /^br(\d+)$/.exec(b.name);
  if (na && nb) return Number(na[1]) - Number(nb[1]);
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
