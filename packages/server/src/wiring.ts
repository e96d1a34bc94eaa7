import { FABRIC_DRIVERS } from './fabric-drivers';
import { Aggregator } from '@dpb/aggregator';
import {
  type AggregatorManagement,
  BrokerError,
  errors,
  type Fabric,
  isBrokerError,
  type LabelRange,
  type Logger,
  type NetworkControl,
  parseTerminalRef,
  type Runtime,
  silentLogger,
  type StoreProvider,
  type SwitchManagement,
  systemClock,
  type TrunkInfo,
} from '@dpb/model';
import { formatLabelRange } from '@dpb/protocol';
import { MemoryStoreProvider, openSqliteStore } from '@dpb/store';
import { LogicalSwitch } from '@dpb/switch';
import { RestNetwork, SshNetwork } from '@dpb/remote';
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  type AggregatorNetworkConfig,
  type RemoteNetworkConfig,
  dependencyOrder,
  type DpbConfig,
  type StoreConfig,
  type SwitchNetworkConfig,
  trunkCapacity,
  trunkLabelRanges,
} from './config/schema';
import type { NetworkEntry } from './networks';

/** The networks a config describes, built and reconciled, and how to close them. */
export interface Wired {
  networks: Map<string, NetworkEntry>;
  /** Memory fabrics by switch name (for demos and tests: fault injection, reachability). */
  fabrics: Map<string, Fabric>;
  /** Closes networks (aggregators first), fabrics and the store. Safe to call twice. */
  close(): Promise<void>;
}

export interface WireOptions {
  logger?: Logger;
  /** Overrides the configured store (tests share one provider across restarts). */
  storeProvider?: StoreProvider;
}

/** Opens the configured store. The SQLite file's directory is created if missing. */
export async function openStore(config: StoreConfig): Promise<StoreProvider> {
  if ('memory' in config) return new MemoryStoreProvider();
  if (config.sqlite !== ':memory:') mkdirSync(path.dirname(config.sqlite), { recursive: true });
  return openSqliteStore({ path: config.sqlite });
}

/** Wraps a failure while applying `keyPath` of the config as CONFIG_INVALID naming it. */
function asConfigError(keyPath: string, e: unknown): BrokerError {
  const b = isBrokerError(e) ? e : undefined;
  return errors.config(keyPath, b ? b.message : String(e), { ...(b ? { cause: b.code, ...b.details } : {}), path: keyPath });
}

function describeFailure(e: unknown): Record<string, unknown> {
  return isBrokerError(e) ? { code: e.code, message: e.message, details: e.details } : { message: String(e) };
}

/**
 * Applies a switch's config on top of its stored state:
 * - a terminal missing from the store is added (failure is fatal: CONFIG_INVALID naming the key);
 * - a terminal on a different interface is moved (removed and re-added) when no defined
 *   service uses it; otherwise the stored one is kept and a warning logged;
 * - configured quotas are set when they differ (kept with a warning if services already use more);
 * - anything the config does not mention (terminals added over REST, quotas not configured) is kept.
 */
export async function reconcileSwitch(sw: SwitchManagement, fabric: Fabric, cfg: SwitchNetworkConfig, at: string, logger: Logger): Promise<void> {
  const stored = new Map((await sw.terminalDetails()).map((t) => [t.name, t] as const));
  for (const [name, desc] of Object.entries(cfg.terminals)) {
    const keyPath = `${at}.terminals.${name}`;
    const have = stored.get(name);
    if (!have) {
      try {
        await sw.addTerminal(name, desc);
      } catch (e) {
        throw asConfigError(keyPath, e);
      }
      continue;
    }
    let canonical = desc;
    try {
      canonical = fabric.describeInterface(desc).description;
    } catch (e) {
      throw asConfigError(keyPath, e);
    }
    if (have.interface !== canonical) {
      if (have.circuitsInUse > 0) {
        logger.warn('config moves a terminal that services use; keeping the stored interface', { network: sw.name, terminal: name, stored: have.interface, configured: desc, path: keyPath });
        continue;
      }
      await sw.removeTerminal(name);
      try {
        await sw.addTerminal(name, desc);
      } catch (e) {
        await sw.addTerminal(name, have.interface).catch(() => undefined);
        throw asConfigError(keyPath, e);
      }
      logger.info('terminal moved to the configured interface', { network: sw.name, terminal: name, from: have.interface, to: desc });
    }
  }
  for (const [name, q] of Object.entries(cfg.quotas)) {
    const keyPath = `${at}.quotas.${name}`;
    const have = await sw.terminal(name);
    const changes: { ingress?: { set: number }; egress?: { set: number } } = {};
    if (q.ingressMbps !== undefined && have.ingressQuotaMbps !== q.ingressMbps) changes.ingress = { set: q.ingressMbps };
    if (q.egressMbps !== undefined && have.egressQuotaMbps !== q.egressMbps) changes.egress = { set: q.egressMbps };
    if (!changes.ingress && !changes.egress) continue;
    try {
      await sw.modifyQuota(name, changes);
    } catch (e) {
      logger.warn('cannot apply configured quota; keeping the stored one', { network: sw.name, terminal: name, path: keyPath, error: describeFailure(e) });
    }
  }
}

/** Label pairs of `want` not yet on the trunk, as ranges; pairs whose start label maps elsewhere are reported. */
function missingLabelRanges(trunk: TrunkInfo, want: LabelRange[]): { missing: LabelRange[]; conflicts: number[] } {
  const have = new Map<number, number>();
  const endsUsed = new Set<number>();
  for (const r of trunk.labelRanges) {
    for (let i = 0; i < r.count; i++) {
      have.set(r.startBase + i, r.endBase + i);
      endsUsed.add(r.endBase + i);
    }
  }
  const missing: LabelRange[] = [];
  const conflicts: number[] = [];
  for (const r of want) {
    let run: LabelRange | undefined;
    for (let i = 0; i < r.count; i++) {
      const s = r.startBase + i;
      const e = r.endBase + i;
      const mapped = have.get(s);
      const absent = mapped === undefined && !endsUsed.has(e);
      if (mapped !== undefined && mapped !== e) conflicts.push(s);
      if (mapped === undefined && endsUsed.has(e)) conflicts.push(s);
      if (absent) {
        if (run && run.startBase + run.count === s && run.endBase + run.count === e) run.count++;
        else {
          run = { startBase: s, count: 1, endBase: e };
          missing.push(run);
        }
      } else run = undefined;
    }
  }
  return { missing, conflicts };
}

/**
 * Applies an aggregator's config on top of its stored state:
 * - terminals missing from the store are added; one mapped to a different inferior
 *   terminal is re-mapped when possible (a warning if it is in use);
 * - a configured trunk is found by its start end; missing → added with the configured
 *   capacity, labels, cost (and commissioned flag);
 * - an existing trunk gets the configured capacity (provide or withdraw the difference;
 *   a withdrawal below what tunnels hold is skipped with a warning), cost, and commissioned
 *   flag when given; configured label pairs it lacks are added. Labels are never revoked at
 *   start-up: label pairs, terminals and trunks added over REST are kept.
 * - a trunk whose configured end differs from the stored one is replaced when it carries
 *   no tunnels, otherwise left with a warning.
 */
export async function reconcileAggregator(ag: AggregatorManagement, cfg: AggregatorNetworkConfig, at: string, logger: Logger): Promise<void> {
  const stored = new Map((await ag.terminalDetails()).map((t) => [t.name, t] as const));
  for (const [name, refText] of Object.entries(cfg.terminals)) {
    const keyPath = `${at}.terminals.${name}`;
    const inferior = parseTerminalRef(refText, keyPath);
    const have = stored.get(name);
    if (have && have.inferior.network === inferior.network && have.inferior.terminal === inferior.terminal) continue;
    if (have) {
      try {
        await ag.removeTerminal(name);
      } catch (e) {
        logger.warn('config re-maps a terminal that is in use; keeping the stored mapping', { network: ag.name, terminal: name, path: keyPath, error: describeFailure(e) });
        continue;
      }
    }
    try {
      await ag.addTerminal(name, inferior);
    } catch (e) {
      throw asConfigError(keyPath, e);
    }
  }
  for (const [i, t] of cfg.trunks.entries()) {
    const keyPath = `${at}.trunks[${i}]`;
    const start = parseTerminalRef(t.ends[0], `${keyPath}.ends[0]`);
    const end = parseTerminalRef(t.ends[1], `${keyPath}.ends[1]`);
    const cap = trunkCapacity(t.capacityMbps);
    const labels = trunkLabelRanges(t.labels, `${keyPath}.labels`);
    let trunk = await ag.findTrunk(start);
    const id0 = trunk?.id;
    if (trunk && !(trunk.start.network === start.network && trunk.start.terminal === start.terminal && trunk.end.network === end.network && trunk.end.terminal === end.terminal)) {
      try {
        await ag.removeTrunk(trunk.id);
        logger.info('stored trunk replaced by the configured one', { network: ag.name, trunk: trunk.id, path: keyPath });
        trunk = undefined;
      } catch (e) {
        logger.warn('configured trunk differs from a stored one that carries services; keeping the stored trunk', { network: ag.name, trunk: id0, path: keyPath, error: describeFailure(e) });
        continue;
      }
    }
    if (!trunk) {
      try {
        await ag.addTrunk({ start, end, ...cap, cost: t.cost ?? 1, labels, commissioned: t.commissioned ?? true });
      } catch (e) {
        throw asConfigError(keyPath, e);
      }
      continue;
    }
    const id = trunk.id;
    const update = async (what: string, action: () => Promise<unknown>): Promise<void> => {
      try {
        await action();
      } catch (e) {
        logger.warn(`cannot apply configured ${what}; keeping the stored value`, { network: ag.name, trunk: id, path: `${keyPath}.${what}`, error: describeFailure(e) });
      }
    };
    const more = { upstreamMbps: Math.max(0, cap.upstreamMbps - trunk.capacity.upstreamMbps), downstreamMbps: Math.max(0, cap.downstreamMbps - trunk.capacity.downstreamMbps) };
    const less = { upstreamMbps: Math.max(0, trunk.capacity.upstreamMbps - cap.upstreamMbps), downstreamMbps: Math.max(0, trunk.capacity.downstreamMbps - cap.downstreamMbps) };
    if (more.upstreamMbps > 0 || more.downstreamMbps > 0) await update('capacityMbps', () => ag.provideBandwidth(id, more));
    if (less.upstreamMbps > 0 || less.downstreamMbps > 0) await update('capacityMbps', () => ag.withdrawBandwidth(id, less));
    const cost = t.cost ?? 1;
    if (trunk.cost !== cost) await update('cost', () => ag.setCost(id, cost));
    if (t.commissioned !== undefined && t.commissioned !== trunk.commissioned) {
      await update('commissioned', () => (t.commissioned ? ag.recommission(id) : ag.decommission(id)));
    }
    const { missing, conflicts } = missingLabelRanges(trunk, labels);
    if (conflicts.length > 0) {
      logger.warn('configured label pairs conflict with stored ones; keeping the stored pairs', { network: ag.name, trunk: id, path: `${keyPath}.labels`, startLabels: conflicts.slice(0, 10) });
    }
    for (const r of missing) await update('labels', () => ag.defineLabels(id, r));
    if (missing.length > 0) logger.info('label pairs added from config', { network: ag.name, trunk: id, ranges: missing.map(formatLabelRange) });
  }
}

/**
 * Builds every network of `config` in dependency order (inferiors first),
 * on one store provider, and reconciles each with its config. On any
 * failure, everything opened so far is closed again and the error
 * (CONFIG_INVALID naming the key, or the store's error) is thrown.
 */
export async function wire(config: DpbConfig, options: WireOptions = {}): Promise<Wired> {
  const logger = options.logger ?? silentLogger;
  const provider = options.storeProvider ?? (await openStore(config.store));
  const ownsProvider = options.storeProvider === undefined;
  const networks = new Map<string, NetworkEntry>();
  const fabrics = new Map<string, Fabric>();
  const opened: { close(): Promise<void> }[] = [];
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const n of [...opened].reverse()) {
      await n.close().catch((e: unknown) => logger.warn('error while closing', { error: describeFailure(e) }));
    }
    if (ownsProvider) await provider.close().catch((e: unknown) => logger.warn('error while closing the store', { error: describeFailure(e) }));
  };
  const indexOf = new Map(config.networks.map((n, i) => [n.name, i] as const));
  try {
    for (const cfg of dependencyOrder(config.networks)) {
      const at = `networks[${indexOf.get(cfg.name)}]`;
      const runtime: Runtime = { clock: systemClock, logger: withFields(logger, { network: cfg.name }) };
      if (cfg.kind === 'switch') {
        const driver = FABRIC_DRIVERS.get(cfg.fabric.kind);
        if (driver === undefined) throw errors.config(`${at}.fabric`, `unknown fabric "${cfg.fabric.kind}"`);
        const fabric = driver.create(cfg.fabric.config, { network: cfg.name, configDir: cfg.fabric.configDir, runtime });
        opened.push(fabric);
        fabrics.set(cfg.name, fabric);
        const sw = await LogicalSwitch.open({
          name: cfg.name,
          fabric,
          store: provider.switchStore(cfg.name),
          runtime,
          ...(cfg.repairIntervalMs !== undefined ? { repairIntervalMs: cfg.repairIntervalMs } : {}),
        });
        opened.push(sw);
        await reconcileSwitch(sw, fabric, cfg, at, logger);
        networks.set(cfg.name, { control: sw, switch: sw });
      } else if (cfg.kind === 'remote') {
        const remote = openRemote(cfg, withFields(logger, { network: cfg.name }));
        opened.push(remote);
        networks.set(cfg.name, remoteEntry(remote));
      } else {
        const ag = await Aggregator.open({
          name: cfg.name,
          store: provider.aggregatorStore(cfg.name),
          inferiors: (n) => networks.get(n)?.control,
          runtime,
          ...(cfg.modelCacheMs !== undefined ? { modelCacheMs: cfg.modelCacheMs } : {}),
        });
        opened.push(ag);
        await reconcileAggregator(ag, cfg, at, logger);
        networks.set(cfg.name, { control: ag, aggregator: ag });
      }
      logger.info('network ready', { network: cfg.name, kind: cfg.kind });
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { networks, fabrics, close };
}

/**
 * The client for a network served by another dpb-server (REST v1 or SSH).
 * Nothing is contacted here: the first call connects, and a server that is
 * down is retried with backoff, so a superior can start before its inferiors.
 */
export function openRemote(cfg: RemoteNetworkConfig, logger: Logger): NetworkControl & { close(): Promise<void> } {
  const timeout = cfg.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: cfg.requestTimeoutMs };
  if (cfg.transport === 'rest') {
    return new RestNetwork({ url: cfg.url, name: cfg.name, logger, ...(cfg.token === undefined ? {} : { token: cfg.token }), ...timeout });
  }
  let privateKey: Buffer | undefined;
  if (cfg.keyFile !== undefined) {
    try {
      privateKey = readFileSync(cfg.keyFile);
    } catch (e) {
      throw errors.config(`networks.${cfg.name}.keyFile`, `cannot read ${cfg.keyFile}: ${(e as Error).message}`, { file: cfg.keyFile });
    }
  }
  return new SshNetwork({
    host: cfg.host,
    port: cfg.port,
    username: cfg.user,
    network: cfg.network,
    name: cfg.name,
    logger,
    ...(privateKey ? { privateKey } : {}),
    ...(cfg.password === undefined ? {} : { password: cfg.password }),
    ...(cfg.hostKey === undefined ? {} : { hostKey: { fingerprint: cfg.hostKey } }),
    ...timeout,
  });
}

/**
 * The entry of a remote network. Over REST its management (a switch's
 * terminals and quotas, an aggregator's terminals and trunks) is proxied to
 * the remote server once that server has said which it is; over SSH the
 * network offers control only.
 */
export function remoteEntry(remote: NetworkControl): NetworkEntry {
  if (!(remote instanceof RestNetwork)) return { control: remote, management: 'none' };
  const entry: NetworkEntry = { control: remote, management: 'unknown' };
  let pending: Promise<void> | undefined;
  entry.resolveManagement = () => {
    if (entry.management !== 'unknown') return Promise.resolve();
    pending ??= remote
      .management()
      .then((m) => {
        if (m.switch) entry.switch = m.switch;
        if (m.aggregator) entry.aggregator = m.aggregator;
        entry.management = m.kind;
        delete entry.managementError;
      })
      .catch((e: unknown) => {
        entry.managementError = e;
        throw e;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
  return entry;
}

/** A logger adding `fields` to every line. */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  return {
    debug: (m, f) => logger.debug(m, { ...fields, ...f }),
    info: (m, f) => logger.info(m, { ...fields, ...f }),
    warn: (m, f) => logger.warn(m, { ...fields, ...f }),
    error: (m, f) => logger.error(m, { ...fields, ...f }),
  };
}
