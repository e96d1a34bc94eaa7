import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { errors, MAX_LABEL } from '@dpb/model';
import { DEFAULT_PORTS } from './interface-description';

/** The path of the app's REST API under its base URL. */
export const API_PATH = '/dpb/api/v1';

/**
 * `fabric: { openflow: {...} }` of a switch network, parsed and normalised.
 * One fabric drives ONE datapath of the app.
 */
export interface OpenflowFabricConfig {
  /** Base URL of the app, e.g. `http://127.0.0.1:8181`, without a trailing slash (the API is at `<controller>/dpb/api/v1`). */
  controller: string;
  /** Datapath id as 16 lower-case hex digits. */
  dpid: string;
  /** Bearer token sent on every request (from `token` or the file `tokenFile`). */
  token?: string;
  /** How often the full state is pushed again and the app's status read, ms; default 10000. */
  pushIntervalMs: number;
  /** How long one request may take before it counts as failed, ms; default 5000. */
  requestTimeoutMs: number;
  /** Label range of the `phys` interface (ports 1..ports); default 255. */
  ports: number;
}

export const DEFAULT_PUSH_INTERVAL_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

const KEYS = ['controller', 'dpid', 'token', 'tokenFile', 'pushIntervalMs', 'requestTimeoutMs', 'ports'];
const HEX16 = /^[0-9a-fA-F]{16}$/;
const HEX0X = /^0[xX]([0-9a-fA-F]{1,16})$/;
const DECIMAL = /^\d{1,20}$/;
const TOKEN = /^[\x21-\x7e]+$/;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * Normalises a datapath id: 16 hex digits (any case), `0x` followed by 1-16
 * hex digits, or a decimal integer (number or string) below 2^64. Returns 16
 * lower-case hex digits, or undefined if `raw` is none of these. A string of
 * exactly 16 digits is read as hex.
 */
export function normaliseDpid(raw: unknown): string | undefined {
  let value: bigint;
  if (typeof raw === 'number') {
    if (!Number.isSafeInteger(raw) || raw < 0) return undefined;
    value = BigInt(raw);
  } else if (typeof raw === 'bigint') {
    value = raw;
  } else if (typeof raw === 'string') {
    const s = raw.trim();
    let m: RegExpExecArray | null;
    if (HEX16.test(s)) value = BigInt(`0x${s}`);
    else if ((m = HEX0X.exec(s))) value = BigInt(`0x${m[1] as string}`);
    else if (DECIMAL.test(s)) value = BigInt(s);
    else return undefined;
  } else {
    return undefined;
  }
  if (value < 0n || value >= 1n << 64n) return undefined;
  return value.toString(16).padStart(16, '0');
}

/**
 * Normalises the app's base URL: http or https, no query, fragment or
 * credentials; a trailing slash is dropped. Returns undefined if unusable.
 */
export function normaliseController(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') return undefined;
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

function integer(v: unknown, p: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw errors.config(p, `must be a whole number from ${min} to ${max}; got ${describe(v)}`, { value: describe(v) });
  }
  return v;
}

function token(v: unknown, p: string, what: string): string {
  if (typeof v !== 'string' || !TOKEN.test(v)) {
    throw errors.config(p, `${what} must be a non-empty string of printable characters without blanks`);
  }
  return v;
}

/**
 * Validates `fabric: { openflow: {...} }`; `path` is where it sits (e.g.
 * `networks[0].fabric.openflow`). Reads `tokenFile` (relative to
 * `configDir`). Throws CONFIG_INVALID whose `details.path` is the exact key
 * at fault.
 */
export function parseOpenflowConfig(raw: unknown, path: string, context: { configDir: string }): OpenflowFabricConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw errors.config(path, `must be a mapping with at least controller and dpid; got ${describe(raw)}`);
  }
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!KEYS.includes(k)) throw errors.config(`${path}.${k}`, `unknown key "${k}"; allowed here: ${KEYS.join(', ')}`, { key: k });
  }
  if (o.controller === undefined) throw errors.config(`${path}.controller`, 'is required: the base URL of the OpenFlow app, e.g. http://127.0.0.1:8181');
  const controller = normaliseController(o.controller);
  if (controller === undefined) {
    throw errors.config(`${path}.controller`, `must be an http(s) URL without query or credentials, e.g. http://127.0.0.1:8181; got ${describe(o.controller)}`, {
      value: describe(o.controller),
    });
  }
  if (o.dpid === undefined) throw errors.config(`${path}.dpid`, 'is required: the datapath id (16 hex digits, 0x... or a decimal number)');
  const dpid = normaliseDpid(o.dpid);
  if (dpid === undefined) {
    throw errors.config(
      `${path}.dpid`,
      `must be 16 hex digits (quote it in YAML), 0x followed by hex digits, or a decimal integer below 2^64; got ${describe(o.dpid)}`,
      { value: describe(o.dpid) },
    );
  }
  const out: OpenflowFabricConfig = {
    controller,
    dpid,
    pushIntervalMs: DEFAULT_PUSH_INTERVAL_MS,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    ports: DEFAULT_PORTS,
  };
  if (o.token !== undefined && o.tokenFile !== undefined) {
    throw errors.config(`${path}.tokenFile`, 'give either token or tokenFile, not both');
  }
  if (o.token !== undefined) out.token = token(o.token, `${path}.token`, 'token');
  if (o.tokenFile !== undefined) {
    const p = `${path}.tokenFile`;
    if (typeof o.tokenFile !== 'string' || o.tokenFile.trim() === '') throw errors.config(p, `must be a file name; got ${describe(o.tokenFile)}`);
    const file = isAbsolute(o.tokenFile) ? o.tokenFile : resolve(context.configDir, o.tokenFile);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw errors.config(p, `cannot read ${file}: ${(e as Error).message}`, { file });
    }
    out.token = token(text.trim(), p, `the token in ${file}`);
  }
  if (o.pushIntervalMs !== undefined) out.pushIntervalMs = integer(o.pushIntervalMs, `${path}.pushIntervalMs`, 100, 86_400_000);
  if (o.requestTimeoutMs !== undefined) out.requestTimeoutMs = integer(o.requestTimeoutMs, `${path}.requestTimeoutMs`, 100, 600_000);
  if (o.ports !== undefined) out.ports = integer(o.ports, `${path}.ports`, 1, Math.min(MAX_LABEL, 0xffffff00));
  return out;
}
