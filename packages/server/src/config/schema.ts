import { errors, type LabelRange, MAX_MBPS, NAME_PATTERN, parseTerminalRef, type TerminalRef } from '@dpb/model';
import { formatLabelRange, parseLabelRangeText } from '@dpb/protocol';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { checkPasswordHashFormat, parsePublicKeyLine, type UserConfig } from '../auth/authenticator';
import { type Right, RIGHTS } from '../auth/principal';
import { FABRIC_DRIVERS } from '../fabric-drivers';
import { LOG_LEVELS, type LogLevel } from '../logger';

/**
 * The dpb-server configuration. YAML keys are exactly these camelCase
 * names; {@link validateConfig} turns parsed YAML into this type, filling
 * defaults, and throws CONFIG_INVALID naming the key path of the first
 * problem (`details.path`, e.g. `networks[2].trunks[0].labels`).
 */
export interface DpbConfig {
  server: ServerConfig;
  store: StoreConfig;
  networks: NetworkConfig[];
  /** Credentials and their rights (REST tokens, SSH keys and passwords). */
  users: UserConfig[];
}

export interface ServerConfig {
  rest: RestConfig;
  ssh: SshConfig;
  log: { level: LogLevel };
}

/**
 * `none`: every caller gets every right (allowed only on a loopback address);
 * `required`: every request must carry a configured credential.
 * Default: `none` on loopback, `required` elsewhere.
 */
export type ListenerAuth = 'none' | 'required';

export interface SshConfig {
  /** Default true. */
  enabled: boolean;
  /** Default 127.0.0.1. */
  host: string;
  /** Default 4754. 0 picks a free port. */
  port: number;
  auth: ListenerAuth;
  /** Host private key (OpenSSH or PEM); generated (ed25519) when missing. Default `ssh_host_ed25519_key` beside the config. */
  hostKeyFile: string;
  /** Largest JSON frame accepted, bytes; default 1 MiB. */
  maxFrameBytes: number;
}

export interface RestConfig {
  auth: ListenerAuth;
  /** Default 127.0.0.1. */
  host: string;
  /** Default 4753 (the original DPB port). 0 picks a free port. */
  port: number;
  /** Largest request body accepted, bytes; default 1 MiB. */
  maxBodyBytes: number;
}

/** `{ sqlite: PATH }` (resolved against the config file's directory) or `{ memory: {} }`. */
export type StoreConfig = { sqlite: string } | { memory: Record<string, never> };

export type NetworkConfig = SwitchNetworkConfig | AggregatorNetworkConfig | RemoteNetworkConfig;

/**
 * A network served by another dpb-server, reached over REST v1 or over SSH
 * (the DPB JSON protocol). Its local `name` may differ from its name there.
 */
export type RemoteNetworkConfig = {
  name: string;
  kind: 'remote';
  /** Requests that take longer fail with UNAVAILABLE; default 10 s. */
  requestTimeoutMs?: number;
} & (
  | {
      transport: 'rest';
      /** `http(s)://host:port/api/v1/networks/NAME`. */
      url: string;
      /** Bearer token for that server. */
      token?: string;
    }
  | {
      transport: 'ssh';
      host: string;
      port: number;
      user: string;
      /** The network's name on that server (the SSH command). */
      network: string;
      /** Private key file (resolved against the config's directory). */
      keyFile?: string;
      password?: string;
      /** Expected host key fingerprint, `SHA256:…`; checked when given. */
      hostKey?: string;
    }
);

/** The fabric of a switch network: which driver, and its parsed config. */
export interface FabricConfig {
  /** The key under `fabric:` (a registered driver's kind, e.g. `memory`, `openflow`, `corsa`). */
  kind: string;
  /** What the driver's `parseConfig` returned. */
  config: unknown;
  /** The config file's directory (relative paths in the fabric's config resolve against it). */
  configDir: string;
}

export interface SwitchNetworkConfig {
  name: string;
  kind: 'switch';
  fabric: FabricConfig;
  /** Terminal name → fabric interface description. */
  terminals: Record<string, string>;
  /** Terminal name → quotas (Mbit/s). */
  quotas: Record<string, { ingressMbps?: number; egressMbps?: number }>;
  /** How often the switch re-pushes its desired state to the fabric; switch default if omitted. */
  repairIntervalMs?: number;
}

/** Capacity of a trunk: the same both ways, or each way. */
export type CapacityConfig = number | { upstream: number; downstream: number };

export interface TrunkConfig {
  /** [start, end], each `network:terminal` of an inferior. */
  ends: [string, string];
  capacityMbps: CapacityConfig;
  /** `"100-399"`, `"100-399:1100"`, or a list of those. */
  labels: string | string[];
  /** Default 1. */
  cost?: number;
  /** Default: left as stored (true for a new trunk). */
  commissioned?: boolean;
}

export interface AggregatorNetworkConfig {
  name: string;
  kind: 'aggregator';
  /** Names of networks in this file. */
  inferiors: string[];
  /** Terminal name → `network:terminal` of an inferior. */
  terminals: Record<string, string>;
  trunks: TrunkConfig[];
  /** How long a cached inferior model is reused; aggregator default if omitted. */
  modelCacheMs?: number;
}

export const DEFAULT_REST_HOST = '127.0.0.1';
export const DEFAULT_REST_PORT = 4753;
export const DEFAULT_SSH_PORT = 4754;
export const DEFAULT_SSH_HOST_KEY = 'ssh_host_ed25519_key';
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_SQLITE_FILE = 'dpb.sqlite';

// ---------------------------------------------------------------- helpers

type Obj = Record<string, unknown>;

function fail(p: string, message: string, details: Record<string, unknown> = {}): never {
  throw errors.config(p, message, details);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function obj(v: unknown, p: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(p, `must be a mapping; got ${describe(v)}`);
  return v as Obj;
}

/** Rejects keys not in `allowed`. */
function keys(o: Obj, p: string, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      fail(join(p, k), `unknown key "${k}"; allowed here: ${allowed.join(', ')}`, { key: k });
    }
  }
}

function join(p: string, k: string | number): string {
  if (typeof k === 'number') return `${p}[${k}]`;
  return p === '' ? k : `${p}.${k}`;
}

function str(v: unknown, p: string): string {
  if (typeof v !== 'string' || v.length === 0) fail(p, `must be a non-empty string; got ${describe(v)}`);
  return v;
}

function nameOf(v: unknown, p: string): string {
  if (typeof v !== 'string' || !NAME_PATTERN.test(v)) {
    fail(p, `must be a name of 1-64 letters, digits, '_', '.', '-', starting with a letter or digit; got ${describe(v)}`);
  }
  return v;
}

function num(v: unknown, p: string, opts: { min?: number; max?: number; integer?: boolean; positive?: boolean } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(p, `must be a number; got ${describe(v)}`);
  if (opts.integer && !Number.isInteger(v)) fail(p, `must be a whole number; got ${v}`);
  if (opts.positive && !(v > 0)) fail(p, `must be greater than 0; got ${v}`);
  if (opts.min !== undefined && v < opts.min) fail(p, `must be at least ${opts.min}; got ${v}`);
  if (opts.max !== undefined && v > opts.max) fail(p, `must be at most ${opts.max}; got ${v}`);
  return v;
}

function mbps(v: unknown, p: string): number {
  return num(v, p, { min: 0, max: MAX_MBPS });
}

function bool(v: unknown, p: string): boolean {
  if (typeof v !== 'boolean') fail(p, `must be true or false; got ${describe(v)}`);
  return v;
}

function ref(v: unknown, p: string): TerminalRef {
  const s = str(v, p);
  try {
    return parseTerminalRef(s, p);
  } catch {
    return fail(p, `must look like network:terminal; got ${JSON.stringify(s)}`);
  }
}

// ---------------------------------------------------------------- sections

/** Whether `host` is a loopback address (or `localhost`). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

function listenerAuth(v: unknown, p: string, host: string): ListenerAuth {
  const loopback = isLoopbackHost(host);
  if (v === undefined) return loopback ? 'none' : 'required';
  if (v !== 'none' && v !== 'required') fail(p, `must be none or required; got ${describe(v)}`);
  if (v === 'none' && !loopback) {
    fail(p, `auth none is allowed only on a loopback address, and ${host} is not one: anyone who can reach it could control every network. Use auth: required with users, or bind to 127.0.0.1`, { host });
  }
  return v;
}

function server(v: unknown, baseDir: string): ServerConfig {
  const o = v === undefined || v === null ? {} : obj(v, 'server');
  keys(o, 'server', ['rest', 'ssh', 'log']);
  const r = o.rest === undefined || o.rest === null ? {} : obj(o.rest, 'server.rest');
  keys(r, 'server.rest', ['host', 'port', 'maxBodyBytes', 'auth']);
  const host = r.host === undefined ? DEFAULT_REST_HOST : str(r.host, 'server.rest.host');
  const port = r.port === undefined ? DEFAULT_REST_PORT : num(r.port, 'server.rest.port', { integer: true, min: 0, max: 65535 });
  const maxBodyBytes =
    r.maxBodyBytes === undefined
      ? DEFAULT_MAX_BODY_BYTES
      : num(r.maxBodyBytes, 'server.rest.maxBodyBytes', { integer: true, min: 1024, max: 64 * 1024 * 1024 });
  const auth = listenerAuth(r.auth, 'server.rest.auth', host);

  const sp = 'server.ssh';
  const so = o.ssh === undefined || o.ssh === null ? {} : o.ssh === false ? { enabled: false } : obj(o.ssh, sp);
  keys(so, sp, ['enabled', 'host', 'port', 'auth', 'hostKeyFile', 'maxFrameBytes']);
  const sshHost = so.host === undefined ? DEFAULT_REST_HOST : str(so.host, `${sp}.host`);
  const ssh: SshConfig = {
    enabled: so.enabled === undefined ? true : bool(so.enabled, `${sp}.enabled`),
    host: sshHost,
    port: so.port === undefined ? DEFAULT_SSH_PORT : num(so.port, `${sp}.port`, { integer: true, min: 0, max: 65535 }),
    auth: listenerAuth(so.auth, `${sp}.auth`, sshHost),
    hostKeyFile: path.resolve(baseDir, so.hostKeyFile === undefined ? DEFAULT_SSH_HOST_KEY : str(so.hostKeyFile, `${sp}.hostKeyFile`)),
    maxFrameBytes:
      so.maxFrameBytes === undefined ? DEFAULT_MAX_BODY_BYTES : num(so.maxFrameBytes, `${sp}.maxFrameBytes`, { integer: true, min: 1024, max: 64 * 1024 * 1024 }),
  };

  const l = o.log === undefined || o.log === null ? {} : obj(o.log, 'server.log');
  keys(l, 'server.log', ['level']);
  let level: LogLevel = 'info';
  if (l.level !== undefined) {
    if (!(LOG_LEVELS as readonly unknown[]).includes(l.level)) {
      fail('server.log.level', `must be one of ${LOG_LEVELS.join(', ')}; got ${describe(l.level)}`);
    }
    level = l.level as LogLevel;
  }
  return { rest: { host, port, maxBodyBytes, auth }, ssh, log: { level } };
}

function users(v: unknown, baseDir: string): UserConfig[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail('users', `must be a list; got ${describe(v)}`);
  const seen = new Map<string, number>();
  const tokens = new Map<string, number>();
  return v.map((u, i): UserConfig => {
    const p = `users[${i}]`;
    const o = obj(u, p);
    keys(o, p, ['name', 'rights', 'token', 'password', 'passwordHash', 'sshKeys', 'sshKeysFile']);
    const name = nameOf(o.name, `${p}.name`);
    const prev = seen.get(name);
    if (prev !== undefined) fail(`${p}.name`, `user ${name} is already defined at users[${prev}]`, { user: name });
    seen.set(name, i);
    const rp = `${p}.rights`;
    const ro = obj(o.rights, rp);
    const rights: Record<string, Right[]> = {};
    for (const [net, list] of Object.entries(ro)) {
      if (net !== '*') nameOf(net, `${rp}.${net}`);
      const items = typeof list === 'string' ? [list] : list;
      if (!Array.isArray(items)) fail(`${rp}.${net}`, `must be a list of rights (control, manage); got ${describe(list)}`);
      rights[net] = items.map((x: unknown, j: number) => {
        if (!(RIGHTS as readonly unknown[]).includes(x)) fail(`${rp}.${net}[${j}]`, `must be control or manage; got ${describe(x)}`);
        return x as Right;
      });
    }
    const out: UserConfig = { name, rights, sshKeys: [] };
    if (o.token !== undefined) {
      out.token = str(o.token, `${p}.token`);
      if (out.token.length < 16) fail(`${p}.token`, 'must be at least 16 characters (use a random string, e.g. openssl rand -hex 24)');
      const other = tokens.get(out.token);
      if (other !== undefined) fail(`${p}.token`, `is the same token as users[${other}]`);
      tokens.set(out.token, i);
    }
    if (o.password !== undefined) out.password = str(o.password, `${p}.password`);
    if (o.passwordHash !== undefined) {
      const h = str(o.passwordHash, `${p}.passwordHash`);
      try {
        checkPasswordHashFormat(h);
      } catch (e) {
        fail(`${p}.passwordHash`, (e as Error).message);
      }
      out.passwordHash = h;
    }
    const lines: { line: string; at: string }[] = [];
    if (o.sshKeys !== undefined) {
      if (!Array.isArray(o.sshKeys)) fail(`${p}.sshKeys`, `must be a list of OpenSSH public key lines; got ${describe(o.sshKeys)}`);
      o.sshKeys.forEach((k, j) => lines.push({ line: str(k, `${p}.sshKeys[${j}]`), at: `${p}.sshKeys[${j}]` }));
    }
    if (o.sshKeysFile !== undefined) {
      const file = path.resolve(baseDir, str(o.sshKeysFile, `${p}.sshKeysFile`));
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        return fail(`${p}.sshKeysFile`, `cannot read ${file}: ${(e as Error).message}`, { file });
      }
      text.split('\n').forEach((l, j) => {
        if (l.trim() !== '' && !l.trim().startsWith('#')) lines.push({ line: l.trim(), at: `${p}.sshKeysFile (${file} line ${j + 1})` });
      });
    }
    for (const { line, at } of lines) {
      try {
        parsePublicKeyLine(line);
      } catch (e) {
        fail(at, (e as Error).message);
      }
      out.sshKeys.push(line);
    }
    if (out.token === undefined && out.password === undefined && out.passwordHash === undefined && out.sshKeys.length === 0) {
      fail(p, `user ${name} has no credential: give token, password, passwordHash, sshKeys or sshKeysFile`, { user: name });
    }
    return out;
  });
}

function store(v: unknown, baseDir: string): StoreConfig {
  if (v === undefined || v === null) return { sqlite: path.resolve(baseDir, DEFAULT_SQLITE_FILE) };
  const o = obj(v, 'store');
  keys(o, 'store', ['sqlite', 'memory']);
  const ks = Object.keys(o);
  if (ks.length !== 1) fail('store', `must name exactly one of sqlite, memory; got ${ks.length === 0 ? 'none' : ks.join(', ')}`);
  if (o.sqlite !== undefined) {
    const file = str(o.sqlite, 'store.sqlite');
    return { sqlite: file === ':memory:' ? file : path.resolve(baseDir, file) };
  }
  const m = o.memory === null ? {} : obj(o.memory, 'store.memory');
  keys(m, 'store.memory', []);
  return { memory: {} };
}

function nameMap(v: unknown, p: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  const o = obj(v, p);
  for (const k of Object.keys(o)) nameOf(k, join(p, k));
  return o;
}

function fabricOf(v: unknown, p: string, baseDir: string): FabricConfig {
  const kinds = [...FABRIC_DRIVERS.keys()].join(', ');
  const f = obj(v, p);
  const ks = Object.keys(f);
  if (ks.length !== 1) fail(p, `must name exactly one fabric (${kinds}); got ${ks.length === 0 ? 'none' : ks.join(', ')}`);
  const kind = ks[0] as string;
  const driver = FABRIC_DRIVERS.get(kind);
  if (driver === undefined) fail(join(p, kind), `unknown fabric "${kind}"; known fabrics: ${kinds}`, { key: kind });
  return { kind, config: driver.parseConfig(f[kind], join(p, kind), { configDir: baseDir }), configDir: baseDir };
}

function switchNetwork(o: Obj, p: string, name: string, baseDir: string): SwitchNetworkConfig {
  keys(o, p, ['name', 'kind', 'fabric', 'terminals', 'quotas', 'repairIntervalMs']);
  const fabric = fabricOf(o.fabric, join(p, 'fabric'), baseDir);

  const tp = join(p, 'terminals');
  const raw = nameMap(o.terminals, tp);
  const terminals: Record<string, string> = {};
  const byInterface = new Map<string, string>();
  for (const [t, desc] of Object.entries(raw)) {
    const d = typeof desc === 'number' ? String(desc) : str(desc, join(tp, t));
    const other = byInterface.get(d);
    if (other !== undefined) fail(join(tp, t), `interface "${d}" is already used by terminal ${other}`, { terminal: t });
    byInterface.set(d, t);
    terminals[t] = d;
  }

  const qp = join(p, 'quotas');
  const quotas: SwitchNetworkConfig['quotas'] = {};
  for (const [t, q] of Object.entries(nameMap(o.quotas, qp))) {
    const pp = join(qp, t);
    if (!(t in terminals)) fail(pp, `terminal ${t} is not among this switch's terminals`, { terminal: t });
    const qo = obj(q, pp);
    keys(qo, pp, ['ingressMbps', 'egressMbps']);
    const entry: { ingressMbps?: number; egressMbps?: number } = {};
    if (qo.ingressMbps !== undefined) entry.ingressMbps = mbps(qo.ingressMbps, join(pp, 'ingressMbps'));
    if (qo.egressMbps !== undefined) entry.egressMbps = mbps(qo.egressMbps, join(pp, 'egressMbps'));
    quotas[t] = entry;
  }
  const out: SwitchNetworkConfig = { name, kind: 'switch', fabric, terminals, quotas };
  if (o.repairIntervalMs !== undefined) {
    out.repairIntervalMs = num(o.repairIntervalMs, join(p, 'repairIntervalMs'), { integer: true, min: 10, max: 86_400_000 });
  }
  return out;
}

/** The label ranges of a trunk's `labels` value. */
export function trunkLabelRanges(labels: string | string[], p = 'labels'): LabelRange[] {
  const list = Array.isArray(labels) ? labels : [labels];
  const ranges: LabelRange[] = [];
  list.forEach((text, i) => {
    const ip = Array.isArray(labels) ? join(p, i) : p;
    if (typeof text !== 'string' && typeof text !== 'number') fail(ip, `must be a label range like "100-399" or "100-399:1100"; got ${describe(text)}`);
    let r: LabelRange;
    try {
      r = parseLabelRangeText(String(text), ip);
    } catch (e) {
      return fail(ip, (e as Error).message.replace(`${ip}: `, '').replace(`${ip} `, ''), { value: String(text) });
    }
    for (const [j, q] of ranges.entries()) {
      const overlaps = (a: number, b: number) => a < b + q.count && b < a + r.count;
      if (overlaps(r.startBase, q.startBase) || overlaps(r.endBase, q.endBase)) {
        fail(ip, `label range ${formatLabelRange(r)} overlaps ${formatLabelRange(q)} (entry ${j})`, { value: String(text) });
      }
    }
    ranges.push(r);
  });
  if (ranges.length === 0) fail(p, 'must give at least one label range');
  return ranges;
}

/** Capacity each way of a trunk's `capacityMbps` value. */
export function trunkCapacity(c: CapacityConfig): { upstreamMbps: number; downstreamMbps: number } {
  return typeof c === 'number' ? { upstreamMbps: c, downstreamMbps: c } : { upstreamMbps: c.upstream, downstreamMbps: c.downstream };
}

function trunk(v: unknown, p: string): TrunkConfig {
  const o = obj(v, p);
  keys(o, p, ['ends', 'capacityMbps', 'labels', 'cost', 'commissioned']);
  const ep = join(p, 'ends');
  if (!Array.isArray(o.ends) || o.ends.length !== 2) fail(ep, `must be a list of two network:terminal ends; got ${describe(o.ends)}`);
  const ends = [str(o.ends[0], join(ep, 0)), str(o.ends[1], join(ep, 1))] as [string, string];
  ref(ends[0], join(ep, 0));
  ref(ends[1], join(ep, 1));
  if (ends[0] === ends[1]) fail(join(ep, 1), 'a trunk cannot join a terminal to itself');
  const cp = join(p, 'capacityMbps');
  let capacityMbps: CapacityConfig;
  if (o.capacityMbps === undefined) fail(cp, 'is required (a number, or { upstream, downstream })');
  if (typeof o.capacityMbps === 'object' && o.capacityMbps !== null && !Array.isArray(o.capacityMbps)) {
    const c = o.capacityMbps as Obj;
    keys(c, cp, ['upstream', 'downstream']);
    capacityMbps = { upstream: mbps(c.upstream, join(cp, 'upstream')), downstream: mbps(c.downstream, join(cp, 'downstream')) };
  } else capacityMbps = mbps(o.capacityMbps, cp);
  const lp = join(p, 'labels');
  if (o.labels === undefined) fail(lp, 'is required, e.g. "100-399" or "100-399:1100"');
  const labels = Array.isArray(o.labels) ? o.labels.map((x, i) => (typeof x === 'number' ? String(x) : str(x, join(lp, i)))) : typeof o.labels === 'number' ? String(o.labels) : str(o.labels, lp);
  trunkLabelRanges(labels, lp);
  const out: TrunkConfig = { ends, capacityMbps, labels };
  if (o.cost !== undefined) out.cost = num(o.cost, join(p, 'cost'), { positive: true, max: 1e9 });
  if (o.commissioned !== undefined) out.commissioned = bool(o.commissioned, join(p, 'commissioned'));
  return out;
}

function aggregatorNetwork(o: Obj, p: string, name: string): AggregatorNetworkConfig {
  keys(o, p, ['name', 'kind', 'inferiors', 'terminals', 'trunks', 'modelCacheMs']);
  const ip = join(p, 'inferiors');
  if (!Array.isArray(o.inferiors) || o.inferiors.length === 0) fail(ip, `must be a non-empty list of network names; got ${describe(o.inferiors)}`);
  const inferiors: string[] = [];
  o.inferiors.forEach((x, i) => {
    const n = nameOf(x, join(ip, i));
    if (n === name) fail(join(ip, i), `an aggregator cannot be its own inferior`);
    if (inferiors.includes(n)) fail(join(ip, i), `inferior ${n} is listed twice`);
    inferiors.push(n);
  });
  const tp = join(p, 'terminals');
  const terminals: Record<string, string> = {};
  for (const [t, r] of Object.entries(nameMap(o.terminals, tp))) {
    terminals[t] = str(r, join(tp, t));
    ref(terminals[t], join(tp, t));
  }
  const trp = join(p, 'trunks');
  if (o.trunks !== undefined && o.trunks !== null && !Array.isArray(o.trunks)) fail(trp, `must be a list; got ${describe(o.trunks)}`);
  const trunks = ((o.trunks as unknown[] | undefined | null) ?? []).map((t, i) => trunk(t, join(trp, i)));
  const out: AggregatorNetworkConfig = { name, kind: 'aggregator', inferiors, terminals, trunks };
  if (o.modelCacheMs !== undefined) out.modelCacheMs = num(o.modelCacheMs, join(p, 'modelCacheMs'), { integer: true, min: 0, max: 3_600_000 });
  return out;
}

function remoteNetwork(o: Obj, p: string, name: string, baseDir: string): RemoteNetworkConfig {
  keys(o, p, ['name', 'kind', 'url', 'token', 'ssh', 'keyFile', 'password', 'hostKey', 'requestTimeoutMs']);
  const timeout = o.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: num(o.requestTimeoutMs, join(p, 'requestTimeoutMs'), { integer: true, min: 100, max: 600_000 }) };
  if ((o.url === undefined) === (o.ssh === undefined)) fail(p, 'a remote network needs exactly one of url (REST v1) or ssh (ssh://user@host:port/NETWORK)');
  if (o.url !== undefined) {
    const url = str(o.url, join(p, 'url'));
    if (!/^https?:\/\/[^/]+\/api\/v1\/networks\/[^/?#]+\/?$/.test(url)) {
      fail(join(p, 'url'), `must look like http://host:port/api/v1/networks/NAME; got ${JSON.stringify(url)}`);
    }
    for (const k of ['keyFile', 'password', 'hostKey']) if (o[k] !== undefined) fail(join(p, k), `is for ssh remotes; this one has a url`);
    return { name, kind: 'remote', transport: 'rest', url: url.replace(/\/$/, ''), ...(o.token === undefined ? {} : { token: str(o.token, join(p, 'token')) }), ...timeout };
  }
  const sp = join(p, 'ssh');
  const text = str(o.ssh, sp);
  const m = /^ssh:\/\/([^@/]+)@([^/:]+|\[[^\]]+\])(?::(\d+))?\/([^/?#]+)$/.exec(text);
  if (!m) fail(sp, `must look like ssh://user@host:port/NETWORK; got ${JSON.stringify(text)}`);
  if (o.token !== undefined) fail(join(p, 'token'), 'is for url (REST) remotes; this one has ssh');
  if (o.keyFile === undefined && o.password === undefined) fail(p, 'an ssh remote needs keyFile or password');
  const port = m[3] === undefined ? DEFAULT_SSH_PORT : Number(m[3]);
  if (port < 1 || port > 65535) fail(sp, `port must be 1-65535; got ${port}`);
  const out: RemoteNetworkConfig = {
    name,
    kind: 'remote',
    transport: 'ssh',
    user: decodeURIComponent(m[1] as string),
    host: (m[2] as string).replace(/^\[|\]$/g, ''),
    port,
    network: decodeURIComponent(m[4] as string),
    ...timeout,
  };
  if (o.keyFile !== undefined) out.keyFile = path.resolve(baseDir, str(o.keyFile, join(p, 'keyFile')));
  if (o.password !== undefined) out.password = str(o.password, join(p, 'password'));
  if (o.hostKey !== undefined) {
    out.hostKey = str(o.hostKey, join(p, 'hostKey'));
    if (!/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(out.hostKey)) fail(join(p, 'hostKey'), `must be a fingerprint like SHA256:… (ssh-keygen -lf KEY.pub); got ${JSON.stringify(out.hostKey)}`);
  }
  return out;
}

/** Cross-network checks: inferiors exist, no cycles, terminal references resolve, no end used twice. */
function crossCheck(networks: NetworkConfig[]): void {
  const index = new Map(networks.map((n, i) => [n.name, i] as const));
  networks.forEach((n, i) => {
    if (n.kind !== 'aggregator') return;
    const p = `networks[${i}]`;
    n.inferiors.forEach((inf, j) => {
      if (!index.has(inf)) fail(`${p}.inferiors[${j}]`, `no network named ${inf} in this file`, { network: inf });
    });
    // each inferior terminal serves one purpose: one aggregator terminal or one trunk end
    const used = new Map<string, string>();
    const check = (r: string, at: string): void => {
      const t = parseTerminalRef(r, at);
      const inf = networks[index.get(t.network) ?? -1];
      if (!n.inferiors.includes(t.network) || !inf) {
        fail(at, `network ${t.network} is not an inferior of ${n.name}`, { network: t.network });
      }
      // a remote network's terminals are checked when the aggregator starts, not here
      if (inf.kind !== 'remote' && !(t.terminal in inf.terminals)) {
        fail(at, `network ${t.network} has no terminal ${t.terminal} in this file`, { network: t.network, terminal: t.terminal });
      }
      const prev = used.get(r);
      if (prev !== undefined) fail(at, `${r} is already used at ${prev}`, { network: t.network, terminal: t.terminal });
      used.set(r, at);
    };
    for (const [t, r] of Object.entries(n.terminals)) check(r, `${p}.terminals.${t}`);
    n.trunks.forEach((tr, j) => {
      check(tr.ends[0], `${p}.trunks[${j}].ends[0]`);
      check(tr.ends[1], `${p}.trunks[${j}].ends[1]`);
    });
  });
  // cycles: depth-first over inferiors
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === 'done') return;
    const i = index.get(name) as number;
    if (state.get(name) === 'visiting') {
      fail(`networks[${i}].inferiors`, `inferiors form a cycle: ${[...trail, name].join(' -> ')}`, { network: name });
    }
    state.set(name, 'visiting');
    const n = networks[i] as NetworkConfig;
    if (n.kind === 'aggregator') for (const inf of n.inferiors) visit(inf, [...trail, name]);
    state.set(name, 'done');
  };
  for (const n of networks) visit(n.name, []);
}

/**
 * Validates parsed YAML and fills defaults. Relative paths resolve against
 * `baseDir` (the config file's directory). Throws CONFIG_INVALID with
 * `details.path` on the first problem.
 */
export function validateConfig(raw: unknown, baseDir: string): DpbConfig {
  const root = obj(raw ?? {}, '');
  keys(root, '', ['server', 'store', 'networks', 'users']);
  const srv = server(root.server, baseDir);
  const us = users(root.users, baseDir);
  const st = store(root.store, baseDir);
  if (root.networks === undefined || root.networks === null) fail('networks', 'is required: a list of networks');
  if (!Array.isArray(root.networks)) fail('networks', `must be a list; got ${describe(root.networks)}`);
  const seen = new Map<string, number>();
  const networks = root.networks.map((v, i): NetworkConfig => {
    const p = `networks[${i}]`;
    const o = obj(v, p);
    const name = nameOf(o.name, `${p}.name`);
    const prev = seen.get(name);
    if (prev !== undefined) fail(`${p}.name`, `network ${name} is already defined at networks[${prev}]`, { network: name });
    seen.set(name, i);
    switch (o.kind) {
      case 'switch':
        return switchNetwork(o, p, name, baseDir);
      case 'aggregator':
        return aggregatorNetwork(o, p, name);
      case 'remote':
        return remoteNetwork(o, p, name, baseDir);
      default:
        return fail(`${p}.kind`, `must be switch, aggregator or remote; got ${describe(o.kind)}`);
    }
  });
  crossCheck(networks);
  us.forEach((u, i) => {
    for (const net of Object.keys(u.rights)) {
      if (net !== '*' && !seen.has(net)) fail(`users[${i}].rights.${net}`, `no network named ${net} in this file`, { network: net });
    }
  });
  return { server: srv, store: st, networks, users: us };
}

/** Networks in an order where every inferior comes before its aggregator. */
export function dependencyOrder(networks: readonly NetworkConfig[]): NetworkConfig[] {
  const byName = new Map(networks.map((n) => [n.name, n] as const));
  const out: NetworkConfig[] = [];
  const done = new Set<string>();
  const visit = (n: NetworkConfig): void => {
    if (done.has(n.name)) return;
    done.add(n.name);
    if (n.kind === 'aggregator') for (const inf of n.inferiors) visit(byName.get(inf) as NetworkConfig);
    out.push(n);
  };
  for (const n of networks) visit(n);
  return out;
}
