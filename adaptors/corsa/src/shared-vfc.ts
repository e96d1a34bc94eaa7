import { isBrokerError } from '@dpb/model';
import { attachBody, endpointOfTunnel, meterOps, type PlannedCircuit, tunnelChange, tunnelKey } from './bridge-plan';
import { endpointsConflict } from './corsa-interface';
import { type CorsaTunnelInfo, isTransient } from './corsa-rest';
import type { Entry, FabricCore, Realiser } from './fabric-core';
import type { AppView, PortGroupsClient } from './portgroups-client';
import {
  BRIDGE_NAME_LIMIT,
  CONTROLLER_ID,
  controllerMap,
  describeError,
  type Garbage,
  lowestFree,
  POLL_MAX_MS,
  POLL_MIN_MS,
  tunnelOf,
} from './vfc-per-service';

/** The shared VFC as last read (or written). */
interface SharedVfc {
  name: string;
  dpid?: string;
  controllers: Map<string, boolean | undefined>;
  tunnels: Map<number, CorsaTunnelInfo>;
}

/**
 * shared-vfc mode: one VFC (`<prefix>shared`) carries every bridge. Each
 * circuit is a tunnel on it whose `ifdescr` is `<prefix><bridge id>` (so a
 * restarted broker knows which tunnel belongs to which bridge), and dpb's
 * port-group app is told the complete set of slices (bridge id -> ofports).
 *
 * Ordering rules that keep circuits of different services apart:
 * - the app is told the new port sets before any tunnel is detached;
 * - an ofport is not reused while the app may still have it in a slice
 *   (the app's last answer lists it, or it was detached without the app
 *   confirming first).
 */
export class SharedVfcRealiser implements Realiser {
  private names = new Set<string>();
  private vfc: SharedVfc | undefined;
  private garbage = new Map<string, Garbage>();
  /** The app's last answer for the VFC's dpid; undefined while unknown. */
  private view: AppView | undefined;
  /** Highest generation the app has reported or accepted. */
  private generation = 0;
  /** ofports detached without the app confirming it had dropped them. */
  private quarantine = new Set<number>();
  /** dpids of VFCs that are gone: their slices are cleared at the app. */
  private staleDpids = new Set<string>();
  private pollDelay = new Map<string, number>();
  /**
   * Push even if the app's last answer matches: after reading the switch
   * (level-triggered repair) and after a tunnel was attached again at the
   * same ofport (the app keeps a port that left the switch out of its slice
   * until a PUT lists it again).
   */
  private mustPush = false;

  constructor(
    private readonly core: FabricCore,
    private readonly app: PortGroupsClient,
  ) {}

  private get sharedDescr(): string {
    return `${this.core.prefix}shared`;
  }

  private ownerOf(t: CorsaTunnelInfo): string | undefined {
    const p = this.core.prefix;
    return t.ifdescr.startsWith(p) && t.ifdescr.length > p.length ? t.ifdescr.slice(p.length) : undefined;
  }

  async scan(): Promise<void> {
    const { rest, prefix } = this.core;
    const all = await rest.listBridges();
    const names = new Set(all.map((b) => b.name));
    const garbage = new Map<string, Garbage>();
    let found: { name: string; dpid?: string } | undefined;
    for (const b of [...all].sort((x, y) => nameNumber(x.name) - nameNumber(y.name))) {
      if (!b.descr.startsWith(prefix)) continue;
      if (b.descr === this.sharedDescr && !found) {
        found = b.dpid === undefined ? { name: b.name } : { name: b.name, dpid: b.dpid };
        continue;
      }
      garbage.set(b.name, { name: b.name, now: b.descr.slice(prefix.length).startsWith('partial:') });
    }
    let vfc: SharedVfc | undefined;
    if (found) {
      const tunnels = await rest.listTunnels(found.name);
      const controllers = tunnels === undefined ? undefined : await rest.listControllers(found.name);
      let dpid = found.dpid;
      if (dpid === undefined && tunnels !== undefined) dpid = (await rest.getBridge(found.name))?.dpid;
      if (tunnels !== undefined && controllers !== undefined) {
        vfc = { name: found.name, controllers: controllerMap(controllers), tunnels: new Map(tunnels.map((t) => [t.ofport, t])) };
        if (dpid !== undefined) vfc.dpid = dpid;
      }
    }
    const before = this.vfc?.dpid;
    if (before !== undefined && before !== vfc?.dpid) {
      this.staleDpids.add(before);
      this.view = undefined;
      this.quarantine.clear();
    }
    this.names = names;
    this.garbage = garbage;
    this.vfc = vfc;
    for (const t of vfc?.tunnels.values() ?? []) {
      const owner = this.ownerOf(t);
      if (owner !== undefined) this.core.adopt(owner);
    }
    if (vfc?.dpid !== undefined) await this.readApp(vfc.dpid);
    this.mustPush = true;
  }

  /** Reads the app's view of the dpid; leaves it unknown when the app cannot be reached. */
  private async readApp(dpid: string): Promise<void> {
    try {
      const view = await this.app.get(dpid);
      this.view = view ?? { dpid, connected: false, generation: 0, slices: new Map() };
      this.generation = Math.max(this.generation, this.view.generation);
    } catch (err) {
      this.view = undefined;
      this.core.logger.warn('corsa: the port-group app cannot be read', { network: this.core.network, dpid, error: describeError(err) });
    }
  }

  async sync(): Promise<void> {
    const core = this.core;
    await this.dropGarbage();
    const wanting = core.entries().filter((e) => e.want === 'present' && e.failed === undefined);
    if (!this.vfc) {
      for (const e of core.entries()) if (e.want !== 'present' || e.failed !== undefined) core.gone(e);
      if (wanting.length === 0) {
        await this.clearStale();
        return;
      }
      if (!(await this.createVfc(wanting))) return;
    } else if (!this.vfc.controllers.has(CONTROLLER_ID) && wanting.length > 0) {
      try {
        core.checkOpen();
        await core.rest.attachController(this.vfc.name, this.controllerBody());
        this.vfc.controllers.set(CONTROLLER_ID, undefined);
      } catch (err) {
        core.wantScan();
        for (const e of wanting) if (core.due(e)) core.retryLater(e, `attaching the controller to VFC ${this.vfc.name}: ${describeError(err)}`, e.condition === 'up');
      }
    }
    const vfc = this.vfc as SharedVfc;
    const dpid = vfc.dpid;
    if (dpid !== undefined && !this.view) await this.readApp(dpid);

    // which tunnels stay, which go
    const entries = new Map(core.entries().map((e) => [e.id, e]));
    const kept = new Map<string, Map<string, CorsaTunnelInfo>>();
    const detach: CorsaTunnelInfo[] = [];
    for (const t of [...vfc.tunnels.values()].sort((a, b) => a.ofport - b.ofport)) {
      const owner = this.ownerOf(t);
      if (owner === undefined) continue; // not ours: never touched
      const e = entries.get(owner);
      const key = tunnelKey(t);
      const mine = kept.get(owner) ?? new Map<string, CorsaTunnelInfo>();
      const keep =
        e !== undefined &&
        !mine.has(key) &&
        (e.want === 'unknown' || (e.want === 'present' && e.failed === undefined && e.plan !== undefined && e.plan.circuits.some((c) => c.key === key)));
      if (keep) {
        mine.set(key, t);
        kept.set(owner, mine);
      } else detach.push(t);
    }

    // tell the app first, then detach
    if (detach.length > 0) {
      let confirmed = false;
      const staying = [...kept.values()].flatMap((m) => [...m.values()]);
      if (dpid !== undefined) confirmed = await this.push(dpid, this.slicesOf(staying, entries));
      for (const t of detach) {
        core.checkOpen();
        try {
          await core.rest.detachTunnel(vfc.name, t.ofport);
          vfc.tunnels.delete(t.ofport);
          if (!confirmed) this.quarantine.add(t.ofport);
        } catch (err) {
          core.wantScan();
          const owner = entries.get(this.ownerOf(t) as string);
          if (owner) {
            const keep = owner.want !== 'present' || owner.failed !== undefined || owner.condition === 'up';
            core.retryLater(owner, `detaching ofport ${t.ofport} of VFC ${vfc.name}: ${describeError(err)}`, keep);
          }
        }
      }
    }
    const owners = new Set<string>();
    for (const t of vfc.tunnels.values()) {
      const o = this.ownerOf(t);
      if (o !== undefined) owners.add(o);
    }
    for (const e of core.entries()) if ((e.want === 'absent' || e.failed !== undefined) && !owners.has(e.id)) core.gone(e);

    // attach what is missing, fix QoS
    const waiting = new Map<string, string>();
    for (const e of core.entries()) {
      if (e.want !== 'present' || e.failed !== undefined || !e.plan || !core.due(e)) continue;
      core.checkOpen();
      const why = await this.realise(e, e.plan.circuits, kept.get(e.id) ?? new Map(), vfc);
      if (why !== undefined) waiting.set(e.id, why);
    }

    // the complete slice set, then each bridge's state
    let appError: string | undefined;
    const slices = this.slicesOf(vfc.tunnels.values(), entries);
    if (dpid === undefined) appError = `the switch did not report the dpid of VFC ${vfc.name}`;
    else if (!this.view || this.mustPush || !sameSlices(this.view, slices)) {
      if (!(await this.push(dpid, slices))) appError = this.lastAppError;
    } else if (core.entries().some((e) => e.want === 'present' && e.failed === undefined && e.condition !== 'up')) {
      await this.readApp(dpid);
      if (!this.view) appError = 'the port-group app cannot be read';
    }
    for (const e of core.entries()) {
      if (e.want !== 'present' || e.failed !== undefined || !e.plan) continue;
      if (waiting.has(e.id)) continue;
      if (!this.complete(e, vfc)) continue; // a failure on the way was recorded already
      const slice = this.view?.slices.get(e.id);
      const ports = slices.get(e.id) ?? [];
      if (appError !== undefined) core.retryLater(e, `port-group app: ${appError}`, e.condition === 'up');
      else if (slice && slice.state === 'installed' && samePorts(slice.ports, ports)) {
        this.pollDelay.delete(e.id);
        core.succeed(e);
      } else if (slice && slice.state === 'failed') core.fail(e, `port-group app: ${slice.reason ?? 'the slice failed'}`);
      else {
        const delay = Math.min(Math.max(POLL_MIN_MS, (this.pollDelay.get(e.id) ?? 0) * 2), POLL_MAX_MS);
        this.pollDelay.set(e.id, delay);
        core.report(e, 'pending', `waiting for the port-group app to install the slice${slice?.reason ? `: ${slice.reason}` : ''}`);
        core.pollLater(e, delay);
      }
    }
    await this.clearStale();
  }

  /** Attaches the missing tunnels of a bridge and fixes QoS; returns why it waits, if it does. */
  private async realise(e: Entry, circuits: readonly PlannedCircuit[], mine: Map<string, CorsaTunnelInfo>, vfc: SharedVfc): Promise<string | undefined> {
    const core = this.core;
    const ifdescr = `${core.prefix}${e.id}`;
    const missing = circuits.filter((c) => !mine.has(c.key));
    const changes = circuits
      .filter((c) => mine.has(c.key))
      .map((c) => [c, mine.get(c.key) as CorsaTunnelInfo, tunnelChange(mine.get(c.key) as CorsaTunnelInfo, c)] as const)
      .filter(([, , change]) => change !== 'none');
    if (missing.length === 0 && changes.length === 0) return undefined;
    if (missing.length > 0) {
      if (!this.view) {
        const why = 'waiting for the port-group app to answer (new ofports are allocated only when its slices are known)';
        core.retryLater(e, why);
        return why;
      }
      for (const c of missing) {
        const held = [...vfc.tunnels.values()].find((t) => this.ownerOf(t) !== e.id && endpointsConflict(c.endpoint, endpointOfTunnel(t)));
        if (held) {
          const holder = this.ownerOf(held);
          if (holder === undefined) {
            // a tunnel dpb does not own: it will not go away by itself
            const why = `circuit ${c.interface}:${c.label} is taken by ofport ${held.ofport} of VFC ${vfc.name}, which dpb does not own`;
            core.fail(e, why);
            return why;
          }
          const why = `circuit ${c.interface}:${c.label} is still attached at ofport ${held.ofport} of VFC ${vfc.name} for bridge ${holder}`;
          core.retryLater(e, why);
          return why;
        }
      }
    }
    if (missing.length > 0 || changes.some(([, , change]) => change === 'reattach')) core.report(e, 'pending');
    try {
      for (const [c, t, change] of changes) {
        core.checkOpen();
        if (change === 'reattach') {
          // shaping is fixed when a tunnel is attached; the circuit keeps its ofport (same slice)
          await core.rest.detachTunnel(vfc.name, t.ofport);
          vfc.tunnels.delete(t.ofport);
          this.mustPush = true;
          await core.rest.attachTunnel(vfc.name, attachBody(c, t.ofport, ifdescr));
          if (c.meter) await core.rest.patchTunnel(vfc.name, t.ofport, meterOps(c.meter));
          vfc.tunnels.set(t.ofport, tunnelOf(c, t.ofport, ifdescr));
        } else if (c.meter) {
          await core.rest.patchTunnel(vfc.name, t.ofport, meterOps(c.meter));
          vfc.tunnels.set(t.ofport, { ...t, cir: c.meter.cirKbps, cbs: c.meter.cbsKB });
        }
      }
      for (const c of missing) {
        core.checkOpen();
        const ofport = lowestFree((n) => vfc.tunnels.has(n) || this.quarantine.has(n) || this.appHolds(n));
        vfc.tunnels.set(ofport, tunnelOf(c, ofport, ifdescr)); // taken even if the reply is lost
        try {
          await core.rest.attachTunnel(vfc.name, attachBody(c, ofport, ifdescr));
        } catch (err) {
          vfc.tunnels.delete(ofport);
          this.quarantine.add(ofport); // it may have been attached after all
          throw err;
        }
        if (c.meter) await core.rest.patchTunnel(vfc.name, ofport, meterOps(c.meter));
      }
      return undefined;
    } catch (err) {
      try {
        core.checkOpen();
      } catch {
        return 'closed';
      }
      core.wantScan();
      const reason = `attaching circuits of bridge ${e.id} to VFC ${vfc.name}: ${describeError(err)}`;
      if (isTransient(err)) core.retryLater(e, reason);
      else core.fail(e, reason); // the next pass detaches what it holds
      return reason;
    }
  }

  /** True when every circuit of the bridge is attached with the right QoS. */
  private complete(e: Entry, vfc: SharedVfc): boolean {
    const mine = [...vfc.tunnels.values()].filter((t) => this.ownerOf(t) === e.id);
    return (e.plan?.circuits ?? []).every((c) => mine.some((t) => tunnelKey(t) === c.key && tunnelChange(t, c) === 'none'));
  }

  private appHolds(port: number): boolean {
    if (!this.view) return false; // callers allocate only while the view is known
    for (const s of this.view.slices.values()) if (s.ports.includes(port)) return true;
    return false;
  }

  /**
   * Slice id -> sorted ofports: for each bridge that carries its circuits,
   * the tunnels that serve its plan (one per circuit); for a bridge found on
   * the switch and not yet claimed, every tunnel it has.
   */
  private slicesOf(tunnels: Iterable<CorsaTunnelInfo>, entries: Map<string, Entry>): Map<string, number[]> {
    const byOwner = new Map<string, Map<string, number>>();
    for (const t of [...tunnels].sort((a, b) => a.ofport - b.ofport)) {
      const owner = this.ownerOf(t);
      const e = owner === undefined ? undefined : entries.get(owner);
      if (!e || e.want === 'absent' || e.failed !== undefined) continue;
      const key = tunnelKey(t);
      if (e.want === 'present' && !(e.plan?.circuits ?? []).some((c) => c.key === key)) continue;
      const m = byOwner.get(e.id) ?? new Map<string, number>();
      if (e.want === 'unknown' || !m.has(key)) m.set(e.want === 'unknown' ? `${key}@${t.ofport}` : key, t.ofport);
      byOwner.set(e.id, m);
    }
    const out = new Map<string, number[]>();
    for (const id of [...byOwner.keys()].sort()) {
      const ports = [...(byOwner.get(id) as Map<string, number>).values()].sort((a, b) => a - b);
      if (ports.length > 0) out.set(id, ports);
    }
    return out;
  }

  private lastAppError: string | undefined;

  /** PUTs the complete slice set; true when the app accepted it. */
  private async push(dpid: string, slices: Map<string, number[]>): Promise<boolean> {
    const core = this.core;
    for (let attempt = 0; attempt < 2; attempt++) {
      core.checkOpen();
      try {
        const view = await this.app.put(dpid, this.generation + 1, slices);
        this.generation = Math.max(this.generation + 1, view.generation);
        this.view = view;
        this.mustPush = false;
        // the app confirmed the complete set: quarantined ports it does not hold are free again
        for (const p of [...this.quarantine]) if (!this.appHolds(p)) this.quarantine.delete(p);
        this.lastAppError = undefined;
        return true;
      } catch (err) {
        this.lastAppError = describeError(err);
        if (attempt === 0 && isBrokerError(err) && err.details.field === 'generation') {
          // someone pushed a newer generation (e.g. a previous run): go above it
          await this.readApp(dpid);
          continue;
        }
        if (isBrokerError(err) && !isTransient(err)) {
          const m = /^slices\["([^"]+)"\]/.exec(String(err.details.field ?? ''));
          const culprit = m ? core.entries().find((e) => e.id === m[1]) : undefined;
          if (culprit) core.fail(culprit, `port-group app refused the slice: ${describeError(err)}`);
        }
        core.logger.warn('corsa: the port-group app did not take the slices', { network: core.network, dpid, error: describeError(err) });
        return false;
      }
    }
    return false;
  }

  private async createVfc(wanting: Entry[]): Promise<boolean> {
    const core = this.core;
    const cfg = core.config;
    for (const e of wanting) core.report(e, 'pending');
    let name: string | undefined;
    try {
      for (let attempt = 0; ; attempt++) {
        const n = lowestFree((k) => this.names.has(`br${k}`));
        if (n > BRIDGE_NAME_LIMIT || attempt >= BRIDGE_NAME_LIMIT) {
          for (const e of wanting) core.retryLater(e, `no free VFC name on the switch for the shared VFC (br1..br${BRIDGE_NAME_LIMIT} are taken)`);
          core.wantScan();
          return false;
        }
        name = `br${n}`;
        core.checkOpen();
        const made = await core.rest.createBridge({
          bridge: name,
          subtype: cfg.subtype,
          resources: cfg.resources,
          netns: cfg.netns,
          'bridge-descr': `${core.prefix}partial:shared`,
        });
        this.names.add(name);
        if (made === 'created') break;
        name = undefined;
        for (const b of await core.rest.listBridges()) this.names.add(b.name);
      }
      const vfcName = name as string;
      await core.rest.attachController(vfcName, this.controllerBody());
      await core.rest.setBridgeDescr(vfcName, this.sharedDescr);
      const info = await core.rest.getBridge(vfcName);
      this.vfc = { name: vfcName, controllers: new Map([[CONTROLLER_ID, undefined]]), tunnels: new Map() };
      if (info?.dpid !== undefined) this.vfc.dpid = info.dpid;
      this.view = undefined;
      this.quarantine.clear();
      return true;
    } catch (err) {
      if (name !== undefined) {
        try {
          await core.rest.deleteBridge(name);
          this.names.delete(name);
        } catch (undo) {
          core.logger.warn('corsa: could not roll back a half-built shared VFC; will delete it later', { network: core.network, vfc: name, error: describeError(undo) });
        }
      }
      try {
        core.checkOpen();
      } catch {
        return false;
      }
      core.wantScan();
      const reason = `creating the shared VFC: ${describeError(err)}`;
      for (const e of wanting) {
        if (isTransient(err)) core.retryLater(e, reason);
        else core.fail(e, reason);
      }
      return false;
    }
  }

  private controllerBody() {
    const c = this.core.config.controller;
    return { controller: CONTROLLER_ID, ip: c.host, port: c.port, tls: false };
  }

  private async dropGarbage(): Promise<void> {
    const core = this.core;
    for (const g of [...this.garbage.values()]) {
      if (!g.now && !core.authoritative) continue;
      core.checkOpen();
      try {
        await core.rest.deleteBridge(g.name);
        this.garbage.delete(g.name);
        this.names.delete(g.name);
      } catch (err) {
        core.wantScan();
        core.logger.warn('corsa: could not delete a VFC nobody needs; will retry', { network: core.network, vfc: g.name, error: describeError(err) });
      }
    }
  }

  /** Clears the slices of VFCs that are gone (a rebooted switch gives new dpids). Best effort. */
  private async clearStale(): Promise<void> {
    for (const d of [...this.staleDpids]) {
      if (d === this.vfc?.dpid) {
        this.staleDpids.delete(d);
        continue;
      }
      try {
        await this.app.clear(d);
        this.staleDpids.delete(d);
      } catch {
        // the app may be down; try again next pass
      }
    }
  }
}

function nameNumber(name: string): number {
  const m = /^br(\d+)$/.exec(name);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

function samePorts(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}

function sameSlices(view: AppView, slices: Map<string, number[]>): boolean {
  if (view.slices.size !== slices.size) return false;
  for (const [id, ports] of slices) {
    const s = view.slices.get(id);
    if (!s || !samePorts(s.ports, ports)) return false;
  }
  return true;
}
