import { errors } from '@dpb/model';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import * as path from 'node:path';

/** The two ways of using a Corsa switch. */
export type CorsaMode = 'vfc-per-service' | 'shared-vfc';

export const CORSA_MODES: readonly CorsaMode[] = ['vfc-per-service', 'shared-vfc'];

/**
 * Whom an HTTPS client trusts. `ca`: verify the server against these CA
 * certificates (PEM), hostname included. `pinnedCert`: accept exactly this
 * server certificate (PEM; it may be self-signed), without a hostname check,
 * as the original DPB did.
 */
export type TlsTrust = { ca: string } | { pinnedCert: string };

/** An HTTP endpoint the fabric talks to. */
export interface EndpointConfig {
  /** Base URL without the API path, e.g. `https://10.11.12.13`; no trailing slash. */
  url: string;
  /** The exact `Authorization` header value, e.g. `Bearer abc`; undefined sends none. */
  authorization?: string;
  tls?: TlsTrust;
}

/** The OpenFlow controller the fabric attaches to its VFCs. */
export interface ControllerConfig {
  host: string;
  port: number;
}

/**
 * The validated `fabric: { corsa: {...} }` configuration of a switch network.
 * Every field is filled in (defaults applied) except `prefix` (default
 * `dpb:<network>:`, known only when the fabric is created), `app` (required
 * in shared-vfc mode, optional in vfc-per-service mode) and `maxBridges` (unlimited in shared-vfc mode unless given).
 */
export interface CorsaFabricConfig {
  /** The management API; `/api/v1/` is appended to `url`. */
  api: EndpointConfig;
  mode: CorsaMode;
  /** Ownership prefix of `bridge-descr` and tunnel `ifdescr`. */
  prefix?: string;
  /** Physical ports 1..ports (default 64). */
  ports: number;
  /** LAGs 1..lags (default 0: none). */
  lags: number;
  /** VFC subtype (default `openflow`). */
  subtype: string;
  /** Switch resources per VFC, percent (default 3). */
  resources: number;
  /** Network namespace of the VFC's controller connection (default `default`). */
  netns: string;
  controller: ControllerConfig;
  /**
   * dpb's port-group app (`ryu-apps/dpb_portgroups.py`); `/dpb/api/v1/` is
   * appended to its `url`. Required in shared-vfc mode. Optional in
   * vfc-per-service mode: then each VFC's circuits are pushed to the app as
   * one slice (static rules for an E-Line, learning for more circuits);
   * without it the VFCs' controller is a generic learning switch.
   */
  app?: EndpointConfig;
  /** Egress shaping (`shaped-rate`) from each circuit's egress rate (default true). */
  shaping: boolean;
  /** Ingress metering (tunnel meter CIR/CBS) from each circuit's ingress rate (default true). */
  metering: boolean;
  /** Most bridges at once; default 63 in vfc-per-service mode, unlimited in shared-vfc mode. */
  maxBridges?: number;
  /** Each HTTP request fails after this long (default 10000). */
  requestTimeoutMs: number;
  /** How often the switch (and, in shared-vfc mode, the app) is audited and repaired; 0 disables (default 30000). */
  pushIntervalMs: number;
  /** First delay before retrying a bridge after a transient failure (default 500); doubles up to `retryMaxMs`. */
  retryMinMs: number;
  /** Longest delay between retries (default 30000). */
  retryMaxMs: number;
}

/** Default most VFCs in vfc-per-service mode (the original DPB's `capacity.bridges`). */
export const DEFAULT_MAX_VFCS = 63;

const TOP_KEYS = [
  'url',
  'token',
  'tokenFile',
  'caFile',
  'certFile',
  'mode',
  'prefix',
  'ports',
  'lags',
  'subtype',
  'resources',
  'netns',
  'controller',
  'app',
  'shaping',
  'metering',
  'maxBridges',
  'requestTimeoutMs',
  'pushIntervalMs',
  'retryMinMs',
  'retryMaxMs',
] as const;

const APP_KEYS = ['url', 'token', 'tokenFile', 'caFile', 'certFile'] as const;

type Obj = Record<string, unknown>;

const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`;

const join = (p: string, k: string): string => (p === '' ? k : `${p}.${k}`);

function fail(p: string, message: string, details: Record<string, unknown> = {}): never {
  throw errors.config(p, message, details);
}

function mapping(v: unknown, p: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(p, `must be a mapping; got ${describe(v)}`);
  return v as Obj;
}

function onlyKeys(o: Obj, p: string, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) fail(join(p, k), `unknown key "${k}"; allowed here: ${allowed.join(', ')}`, { key: k });
  }
}

function str(v: unknown, p: string, pattern?: RegExp, what?: string): string {
  if (typeof v !== 'string' || v.trim().length === 0) fail(p, `must be a non-empty string; got ${describe(v)}`);
  if (pattern && !pattern.test(v)) fail(p, `must be ${what ?? pattern.source}; got ${JSON.stringify(v)}`);
  return v;
}

function int(v: unknown, p: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(p, `must be an integer from ${min} to ${max}; got ${describe(v)}`);
  }
  return v;
}

function bool(v: unknown, p: string): boolean {
  if (typeof v !== 'boolean') fail(p, `must be true or false; got ${describe(v)}`);
  return v;
}

function readFile(p: string, file: string, configDir: string): string {
  const full = path.resolve(configDir, file);
  try {
    return readFileSync(full, 'utf8');
  } catch (e) {
    return fail(p, `cannot read ${full}: ${(e as Error).message}`, { file: full });
  }
}

/** `http(s)://host[:port][/path]`, normalised: no trailing slash, no query or fragment. */
function baseUrl(v: unknown, p: string): string {
  const text = str(v, p);
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return fail(p, `must be an http or https URL; got ${JSON.stringify(text)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') fail(p, `must be an http or https URL; got ${JSON.stringify(text)}`);
  if (u.search !== '' || u.hash !== '') fail(p, `must not have a query or fragment; got ${JSON.stringify(text)}`);
  if (u.username !== '' || u.password !== '') fail(p, 'must not carry credentials; use token or tokenFile');
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/**
 * The Authorization header value from `token` or `tokenFile`: the file's
 * lines joined without separators (as the original DPB read its authz file),
 * blanks trimmed; a value without a scheme gets `Bearer ` in front.
 */
function authorization(o: Obj, p: string, configDir: string, required: boolean): string | undefined {
  if (o.token !== undefined && o.tokenFile !== undefined) fail(join(p, 'tokenFile'), 'give token or tokenFile, not both');
  let raw: string | undefined;
  if (o.token !== undefined) raw = str(o.token, join(p, 'token')).trim();
  else if (o.tokenFile !== undefined) {
    const kp = join(p, 'tokenFile');
    raw = readFile(kp, str(o.tokenFile, kp), configDir)
      .split(/\r?\n/)
      .map((l) => l.trim())
      .join('');
    if (raw.length === 0) fail(kp, 'the token file is empty');
  } else if (required) {
    fail(join(p, 'token'), 'is required (or tokenFile): the Corsa API needs a token');
  }
  if (raw === undefined) return undefined;
  if (/[\r\n]/.test(raw)) fail(join(p, o.token !== undefined ? 'token' : 'tokenFile'), 'must be a single line');
  return /^[A-Za-z][A-Za-z0-9_.-]*\s+\S/.test(raw) ? raw : `Bearer ${raw}`;
}

function pemCertificates(p: string, pem: string): string {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks) fail(p, 'holds no PEM certificate');
  for (const b of blocks) {
    try {
      new X509Certificate(b);
    } catch (e) {
      fail(p, `holds a certificate that cannot be parsed: ${(e as Error).message}`);
    }
  }
  return blocks.join('\n');
}

function tlsTrust(o: Obj, p: string, url: string, configDir: string): TlsTrust | undefined {
  if (o.caFile !== undefined && o.certFile !== undefined) fail(join(p, 'certFile'), 'give caFile or certFile, not both');
  for (const key of ['caFile', 'certFile'] as const) {
    if (o[key] === undefined) continue;
    const kp = join(p, key);
    if (!url.startsWith('https:')) fail(kp, `only applies to an https url; url is ${url}`);
    const pem = pemCertificates(kp, readFile(kp, str(o[key], kp), configDir));
    return key === 'caFile' ? { ca: pem } : { pinnedCert: pem };
  }
  return undefined;
}

function endpoint(o: Obj, p: string, configDir: string, tokenRequired: boolean): EndpointConfig {
  const url = baseUrl(o.url, join(p, 'url'));
  const out: EndpointConfig = { url };
  const auth = authorization(o, p, configDir, tokenRequired);
  if (auth !== undefined) out.authorization = auth;
  const tls = tlsTrust(o, p, url, configDir);
  if (tls) out.tls = tls;
  return out;
}

/**
 * Validates the raw value of `fabric: { corsa: ... }` found at `p` (e.g.
 * `networks[0].fabric.corsa`), reading the token and certificate files it
 * names (relative to `configDir`). Throws CONFIG_INVALID with `details.path`
 * the exact key at fault.
 */
export function parseCorsaConfig(raw: unknown, p: string, context: { configDir: string }): CorsaFabricConfig {
  const o = mapping(raw, p);
  onlyKeys(o, p, TOP_KEYS);
  const mode = o.mode === undefined ? 'vfc-per-service' : (str(o.mode, join(p, 'mode')) as CorsaMode);
  if (!CORSA_MODES.includes(mode)) fail(join(p, 'mode'), `must be one of ${CORSA_MODES.join(', ')}; got ${JSON.stringify(mode)}`);
  const api = endpoint(o, p, context.configDir, true);
  const controllerRaw = o.controller;
  if (controllerRaw === undefined) fail(join(p, 'controller'), 'is required: { host, port } of the OpenFlow controller the VFCs connect to');
  const cp = join(p, 'controller');
  const c = mapping(controllerRaw, cp);
  onlyKeys(c, cp, ['host', 'port']);
  const controller: ControllerConfig = {
    host: str(c.host, join(cp, 'host')),
    port: c.port === undefined ? 6653 : int(c.port, join(cp, 'port'), 1, 65535),
  };
  if (isIP(controller.host) === 0) {
    fail(join(cp, 'host'), `must be an IP address (the Corsa API takes the controller's "ip"); got ${JSON.stringify(controller.host)}`);
  }
  let app: EndpointConfig | undefined;
  if (mode === 'shared-vfc' && o.app === undefined) fail(join(p, 'app'), 'is required in shared-vfc mode: { url } of the dpb port-group app');
  if (o.app !== undefined) {
    const ap = join(p, 'app');
    const a = mapping(o.app, ap);
    onlyKeys(a, ap, APP_KEYS);
    app = endpoint(a, ap, context.configDir, false);
  }
  let prefix: string | undefined;
  if (o.prefix !== undefined) {
    prefix = str(o.prefix, join(p, 'prefix'), /^[\x21-\x7e][\x20-\x7e]{0,47}$/, '1-48 printable ASCII characters');
  }
  const optInt = (key: string, min: number, max: number, dflt: number): number =>
    o[key] === undefined ? dflt : int(o[key], join(p, key), min, max);
  const optBool = (key: string, dflt: boolean): boolean => (o[key] === undefined ? dflt : bool(o[key], join(p, key)));
  const optStr = (key: string, dflt: string): string =>
    o[key] === undefined ? dflt : str(o[key], join(p, key), /^[A-Za-z0-9_.:-]{1,64}$/, '1-64 letters, digits, "_", ".", ":" or "-"');
  const retryMinMs = optInt('retryMinMs', 1, 3_600_000, 500);
  const retryMaxMs = optInt('retryMaxMs', 1, 3_600_000, 30_000);
  if (retryMaxMs < retryMinMs) fail(join(p, 'retryMaxMs'), `must be at least retryMinMs (${retryMinMs}); got ${retryMaxMs}`);
  const config: CorsaFabricConfig = {
    api,
    mode,
    ports: optInt('ports', 1, 10_000, 64),
    lags: optInt('lags', 0, 10_000, 0),
    subtype: optStr('subtype', 'openflow'),
    resources: optInt('resources', 1, 100, 3),
    netns: optStr('netns', 'default'),
    controller,
    shaping: optBool('shaping', true),
    metering: optBool('metering', true),
    requestTimeoutMs: optInt('requestTimeoutMs', 1, 600_000, 10_000),
    pushIntervalMs: optInt('pushIntervalMs', 0, 86_400_000, 30_000),
    retryMinMs,
    retryMaxMs,
  };
  if (prefix !== undefined) config.prefix = prefix;
  if (app) config.app = app;
  if (o.maxBridges !== undefined) config.maxBridges = int(o.maxBridges, join(p, 'maxBridges'), 1, 100_000);
  else if (mode === 'vfc-per-service') config.maxBridges = DEFAULT_MAX_VFCS;
  return config;
}
