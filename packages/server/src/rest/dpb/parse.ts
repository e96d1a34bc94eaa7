import {
  BrokerError,
  checkLabel,
  checkMbps,
  type CircuitRequest,
  errors,
  isBrokerError,
  isServiceStatus,
  NAME_PATTERN,
  type ServiceRequest,
  type ServiceStatus,
} from '@dpb/model';

/** Largest service id the DPB-compatible API accepts in a path (DPB parsed ids as 32-bit signed integers). */
export const MAX_DPB_SERVICE_ID = 2_147_483_647;

/** Longest an `await-status` may block; larger `timeout-millis` values are clamped to this (10 minutes). */
export const MAX_AWAIT_MS = 10 * 60_000;

/** How long a 5GEx establish waits for ACTIVE before it gives up and releases the service (DPB: 30 s). */
export const ESTABLISH_TIMEOUT_MS = 30_000;

/** 5GEx rate used when neither the endpoint nor the request gives one, Mbit/s (DPB's default). */
export const DEFAULT_5GEX_MBPS = 10;

/** A short, safe description of a JSON value's type, for messages (never the value itself). */
export function jsonType(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  switch (typeof x) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof x;
  }
}

/** A JSON scalar kept short for `details.value`; objects and arrays are not copied. */
function shortValue(x: unknown): string | number | boolean | null {
  if (typeof x === 'string') return x.slice(0, 80);
  if (typeof x === 'number') return Number.isFinite(x) ? x : String(x);
  if (typeof x === 'boolean' || x === null) return x;
  return jsonType(x);
}

/** The value for a message: short scalars as JSON, objects and arrays by type only. */
function shown(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (typeof x === 'number' || typeof x === 'boolean' || x === null) return String(x);
  return jsonType(x);
}

function wrongType(field: string, wanted: string, x: unknown): BrokerError {
  return errors.invalid(`${field} must be ${wanted}; got ${shown(x)}`, { field, value: shortValue(x), expected: wanted });
}

/** The value as a JSON object, or INVALID_ARGUMENT naming `field`. */
export function requireObject(x: unknown, field: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw wrongType(field, 'a JSON object', x);
  return x as Record<string, unknown>;
}

/** A member that must be present (not undefined or null). */
function member(o: Record<string, unknown>, key: string, field: string): unknown {
  const v = Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
  if (v === undefined || v === null) throw errors.invalid(`${field} is required`, { field });
  return v;
}

/** An optional member: undefined when absent or null. */
function optional(o: Record<string, unknown>, key: string): unknown {
  const v = Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
  return v === null ? undefined : v;
}

function requireArray(x: unknown, field: string): unknown[] {
  if (!Array.isArray(x)) throw wrongType(field, 'an array', x);
  return x;
}

function requireNumber(x: unknown, field: string): number {
  if (typeof x !== 'number') throw wrongType(field, 'a number', x);
  return x;
}

function requireInteger(x: unknown, field: string): number {
  if (typeof x !== 'number' || !Number.isInteger(x)) throw wrongType(field, 'an integer', x);
  return x;
}

/** A service id from a path segment: decimal digits, at most {@link MAX_DPB_SERVICE_ID}; INVALID_ARGUMENT otherwise. */
export function parseServiceId(s: string): number {
  if (!/^[0-9]+$/.test(s)) {
    throw errors.invalid(`the service id in the path must be decimal digits; got ${JSON.stringify(s.slice(0, 40))}`, {
      field: 'service-id',
      value: s.slice(0, 40),
    });
  }
  const n = s.length > 12 ? Infinity : Number(s);
  if (n > MAX_DPB_SERVICE_ID) {
    throw errors.invalid(`the service id in the path must be at most ${MAX_DPB_SERVICE_ID}; got ${s.slice(0, 40)}`, {
      field: 'service-id',
      value: s.slice(0, 40),
    });
  }
  return n;
}

/** Status names (case-insensitive); INVALID_ARGUMENT naming `field` for anything else. */
export function parseStatusNames(list: readonly unknown[], field: string): ServiceStatus[] {
  const out: ServiceStatus[] = [];
  list.forEach((x, i) => {
    const f = `${field}[${i}]`;
    if (typeof x !== 'string') throw wrongType(f, 'a status name', x);
    const t = x.trim().toUpperCase();
    if (!isServiceStatus(t)) {
      throw errors.invalid(`${f}: ${JSON.stringify(x.slice(0, 40))} is not a service status`, { field: f, value: x.slice(0, 40) });
    }
    out.push(t);
  });
  return out;
}

/** `acceptable` in a POSTed await-status body: absent, or an array of status names. */
export function parseAcceptable(x: unknown): ServiceStatus[] {
  if (x === undefined || x === null) return [];
  return parseStatusNames(requireArray(x, 'acceptable'), 'acceptable');
}

/** `acceptable` query values: repeated and/or comma-separated status names. */
export function parseAcceptableQuery(x: unknown): ServiceStatus[] {
  if (x === undefined) return [];
  const values = Array.isArray(x) ? x : [x];
  const parts: unknown[] = [];
  for (const v of values) {
    if (typeof v !== 'string') return parseStatusNames([v], 'acceptable');
    for (const p of v.split(',')) if (p.trim() !== '') parts.push(p);
  }
  return parseStatusNames(parts, 'acceptable');
}

/**
 * A non-negative integer timeout in ms, clamped to {@link MAX_AWAIT_MS};
 * INVALID_ARGUMENT otherwise. From a query string (`fromQuery`) it is decimal
 * digits; in a JSON body it must be a JSON number.
 */
export function parseTimeoutMillis(x: unknown, fromQuery = false): number {
  const field = 'timeout-millis';
  if (x === undefined || x === null) throw errors.invalid(`${field} is required`, { field });
  let n: number;
  if (fromQuery) {
    if (typeof x !== 'string') throw errors.invalid(`${field} must be given once`, { field });
    if (!/^[0-9]{1,30}$/.test(x.trim())) {
      throw errors.invalid(`${field} must be a non-negative integer number of milliseconds; got ${JSON.stringify(x.slice(0, 40))}`, {
        field,
        value: x.slice(0, 40),
      });
    }
    n = Number(x.trim());
  } else {
    n = requireInteger(x, field);
    if (n < 0) throw errors.invalid(`${field} must not be negative; got ${n}`, { field, value: n });
  }
  return Math.min(n, MAX_AWAIT_MS);
}

/**
 * DPB's `define` body, `{"segment":[{"terminal-name","label","ingress-bw","egress-bw"}, …]}`,
 * as our ServiceRequest. Every member is required (as in DPB); other members are ignored.
 * Throws INVALID_ARGUMENT naming the member (`segment[1].ingress-bw`).
 */
export function segmentToRequest(body: unknown): ServiceRequest {
  const o = requireObject(body, 'body');
  const segment = requireArray(member(o, 'segment', 'segment'), 'segment');
  const circuits: CircuitRequest[] = segment.map((raw, i) => {
    const f = `segment[${i}]`;
    const c = requireObject(raw, f);
    const terminal = member(c, 'terminal-name', `${f}.terminal-name`);
    if (typeof terminal !== 'string') throw wrongType(`${f}.terminal-name`, 'a string', terminal);
    if (!NAME_PATTERN.test(terminal)) {
      throw errors.invalid(`${f}.terminal-name is not a valid terminal name; got ${JSON.stringify(terminal.slice(0, 80))}`, {
        field: `${f}.terminal-name`,
        value: terminal.slice(0, 80),
      });
    }
    const label = checkLabel(requireInteger(member(c, 'label', `${f}.label`), `${f}.label`), `${f}.label`, { terminal });
    const ingressMbps = checkMbps(requireNumber(member(c, 'ingress-bw', `${f}.ingress-bw`), `${f}.ingress-bw`), `${f}.ingress-bw`, { terminal, label });
    const egressMbps = checkMbps(requireNumber(member(c, 'egress-bw', `${f}.egress-bw`), `${f}.egress-bw`), `${f}.egress-bw`, { terminal, label });
    return { terminal, label, ingressMbps, egressMbps };
  });
  return { circuits };
}

function optionalMbps(o: Record<string, unknown>, key: string, field: string): number | undefined {
  const v = optional(o, key);
  return v === undefined ? undefined : checkMbps(requireNumber(v, field), field);
}

/**
 * A 5GEx establish body as our ServiceRequest. The terminal of an endpoint
 * is the decimal text of `island_switch_port`; its label is
 * `island_service_vlan_id`; each rate defaults to the endpoint's
 * `bandwidth`, then the request's `bandwidth`, then {@link DEFAULT_5GEX_MBPS}.
 * Throws INVALID_ARGUMENT naming the member (`endpoints[0].island_switch_port`).
 */
export function establishToRequest(body: unknown): ServiceRequest {
  const o = requireObject(body, 'body');
  const top = optionalMbps(o, 'bandwidth', 'bandwidth');
  const endpoints = requireArray(member(o, 'endpoints', 'endpoints'), 'endpoints');
  const circuits: CircuitRequest[] = endpoints.map((raw, i) => {
    const f = `endpoints[${i}]`;
    const e = requireObject(raw, f);
    const port = requireInteger(member(e, 'island_switch_port', `${f}.island_switch_port`), `${f}.island_switch_port`);
    if (port < 0) throw errors.invalid(`${f}.island_switch_port must not be negative; got ${port}`, { field: `${f}.island_switch_port`, value: port });
    const terminal = String(port);
    const label = checkLabel(requireInteger(member(e, 'island_service_vlan_id', `${f}.island_service_vlan_id`), `${f}.island_service_vlan_id`), `${f}.island_service_vlan_id`, { terminal });
    const both = optionalMbps(e, 'bandwidth', `${f}.bandwidth`) ?? top ?? DEFAULT_5GEX_MBPS;
    const ingressMbps = optionalMbps(e, 'ingress_bandwidth', `${f}.ingress_bandwidth`) ?? both;
    const egressMbps = optionalMbps(e, 'egress_bandwidth', `${f}.egress_bandwidth`) ?? both;
    return { terminal, label, ingressMbps, egressMbps };
  });
  return { circuits };
}

const CIRCUIT_MEMBER = /^circuits(\[(\d+)\](?:\.(terminal|label|ingressMbps|egressMbps))?)?$/;

/**
 * Renames our request's field paths (`circuits[1].ingressMbps`) in an error
 * from sanitising or defining to the client's vocabulary (`segment[1].ingress-bw`),
 * and names the field of an unknown terminal. Other errors pass unchanged.
 */
export function inClientTerms(
  e: unknown,
  request: ServiceRequest,
  names: { list: string; member: Record<'terminal' | 'label' | 'ingressMbps' | 'egressMbps', string> },
): unknown {
  if (!isBrokerError(e)) return e;
  const details = { ...e.details };
  const field = typeof details.field === 'string' ? details.field : undefined;
  const m = field === undefined ? null : CIRCUIT_MEMBER.exec(field);
  let renamed: string | undefined;
  if (m) {
    const key = m[3] as keyof typeof names.member | undefined;
    renamed = m[1] === undefined ? names.list : `${names.list}[${m[2]}]${key ? `.${names.member[key]}` : ''}`;
  } else if (field === undefined && typeof details.terminal === 'string' && (e.code === 'NOT_FOUND' || e.code === 'INVALID_ARGUMENT')) {
    const i = request.circuits.findIndex((c) => c.terminal === details.terminal && (details.label === undefined || c.label === details.label));
    if (i >= 0) renamed = `${names.list}[${i}].${names.member[details.kind === 'label' || details.label !== undefined ? 'label' : 'terminal']}`;
  }
  if (renamed === undefined) return e;
  details.field = renamed;
  // rename a member path in the message too (a bare "circuits" is left alone: it reads as plain English)
  const message = field === undefined || !field.includes('[') ? e.message : e.message.split(field).join(renamed);
  return new BrokerError(e.code, message, { details, cause: e.cause });
}
