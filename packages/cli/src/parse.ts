import {
  isServiceStatus,
  isValidName,
  HANDLE_PATTERN,
  type LabelRange,
  MAX_LABEL,
  MAX_MBPS,
  type ServiceStatus,
  type TerminalRef,
} from '@dpb/model';
import { type CircuitBody, parseLabelRangeText } from '@dpb/protocol';
import { UsageError } from './errors';

/**
 * Parsers for command-line arguments. Each throws {@link UsageError} naming
 * the argument, so a malformed command line is refused (exit code 2) before
 * anything is sent to the server.
 */

const NUMBER = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const SCALE: Record<string, number> = { '': 1, k: 0.001, K: 0.001, M: 1, G: 1000, T: 1_000_000 };

function q(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/**
 * A bandwidth in Mbit/s: a decimal number, optionally with a unit prefix
 * `k`, `M`, `G` or `T` (so `1G` = 1000, `500k` = 0.5). Between 0 and 10 Tbit/s.
 */
export function parseMbps(text: string, what: string): number {
  const v = parseSignedMbps(text, what);
  if (v < 0) throw new UsageError(`${what} must not be negative; got ${q(text)}`);
  return v;
}

/** Like {@link parseMbps} but may be negative (a quota adjustment). */
export function parseSignedMbps(text: string, what: string): number {
  const t = text.trim();
  const m = /^(.*?)(?:([kKMGT])(?:bit\/s|bps)?)?$/.exec(t);
  const num = m?.[1] ?? '';
  const scale = SCALE[m?.[2] ?? ''];
  if (!m || !NUMBER.test(num) || scale === undefined) {
    throw new UsageError(`${what} must be a number of Mbit/s (e.g. 100, 2.5, 1G); got ${q(text)}`);
  }
  const v = Math.round(Number(num) * scale * 1e6) / 1e6;
  if (!Number.isFinite(v) || Math.abs(v) > MAX_MBPS) {
    throw new UsageError(`${what} must be at most ${MAX_MBPS} Mbit/s (10 Tbit/s); got ${q(text)}`);
  }
  return v;
}

/** A quota: a bandwidth, or `off` / `unlimited` / `none` for no limit (null). */
export function parseQuota(text: string, what: string): number | null {
  if (/^(off|unlimited|none)$/i.test(text.trim())) return null;
  try {
    return parseMbps(text, what);
  } catch {
    throw new UsageError(`${what} must be a number of Mbit/s or "off"; got ${q(text)}`);
  }
}

/** A trunk cost: a positive number. */
export function parseCost(text: string, what = 'cost'): number {
  const t = text.trim();
  if (!NUMBER.test(t) || !(Number(t) > 0) || Number(t) > 1e9) {
    throw new UsageError(`${what} must be a positive number (trunk costs add up along a path); got ${q(text)}`);
  }
  return Number(t);
}

/** A label (VLAN id, ...): a whole number from 0. */
export function parseLabel(text: string, what: string): number {
  if (!/^[0-9]{1,10}$/.test(text) || Number(text) > MAX_LABEL) {
    throw new UsageError(`${what} must be a whole number from 0 to ${MAX_LABEL}; got ${q(text)}`);
  }
  return Number(text);
}

/** A network or terminal name. */
export function parseName(text: string, what: string): string {
  if (!isValidName(text)) {
    throw new UsageError(`${what} must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit; got ${q(text)}`);
  }
  return text;
}

/** `network:terminal`. */
export function parseTerminalRefArg(text: string, what: string): TerminalRef {
  const parts = text.split(':');
  if (parts.length !== 2) throw new UsageError(`${what} must look like network:terminal; got ${q(text)}`);
  return { network: parseName(parts[0] as string, `${what}: the network`), terminal: parseName(parts[1] as string, `${what}: the terminal`) };
}

/** `100`, `100-199` or `100-199:1100` (the labels from 100 pair with those from 1100 at the other side). */
export function parseLabelRangeArg(text: string, what: string): LabelRange {
  try {
    return parseLabelRangeText(text, what);
  } catch {
    throw new UsageError(`${what} must look like 100, 100-199 or 100-199:1100; got ${q(text)}`);
  }
}

/** Rates a circuit takes when its text gives none. */
export interface CircuitDefaults {
  ingressMbps?: number;
  egressMbps?: number;
}

/**
 * A circuit `terminal:label[:in[:out]]`, e.g. `london:100`, `london:100:50`,
 * `london:100:50:200`, `london:100::200`. Missing rates come from
 * `defaults`; an ingress rate is required (there is no silent 0), egress may
 * stay unset ("whatever the other circuits send").
 */
export function parseCircuit(text: string, defaults: CircuitDefaults = {}): CircuitBody {
  const parts = text.split(':');
  if (parts.length < 2 || parts.length > 4) {
    throw new UsageError(`circuit ${q(text)} must look like terminal:label[:in[:out]], e.g. london:100:50`);
  }
  const [terminalText, labelText, inText, outText] = parts as [string, string, string?, string?];
  const terminal = parseName(terminalText, `the terminal of circuit ${q(text)}`);
  const label = parseLabel(labelText, `the label of circuit ${q(text)}`);
  const ingressMbps = inText ? parseMbps(inText, `the ingress rate of circuit ${q(text)}`) : defaults.ingressMbps;
  if (ingressMbps === undefined) {
    throw new UsageError(
      `circuit ${q(text)} has no ingress rate`,
      `write ${terminal}:${label}:IN[:OUT] or give a default with --in or --bw (Mbit/s)`,
    );
  }
  const egressMbps = outText ? parseMbps(outText, `the egress rate of circuit ${q(text)}`) : defaults.egressMbps;
  return { terminal, label, ingressMbps, ...(egressMbps === undefined ? {} : { egressMbps }) };
}

/** A duration: `30s`, `500ms`, `2m`, `1h`, or a bare number of seconds. Returns ms. */
export function parseDuration(text: string, what: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${what} must be a duration such as 30s, 500ms, 2m or 90; got ${q(text)}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  const ms = Math.round(Number(m[1]) * unit);
  if (ms > 7 * 24 * 3_600_000) throw new UsageError(`${what} must be at most a week; got ${q(text)}`);
  return ms;
}

/** Service statuses separated by commas, blanks or slashes, any case: `ACTIVE,failed`. */
export function parseStatusList(text: string, what: string): ServiceStatus[] {
  const out: ServiceStatus[] = [];
  for (const part of text.split(/[\s,/]+/)) {
    if (part === '') continue;
    const s = part.toUpperCase();
    if (!isServiceStatus(s)) {
      throw new UsageError(
        `${what}: ${q(part)} is not a service status`,
        'statuses are DORMANT, ESTABLISHING, INACTIVE, ACTIVATING, ACTIVE, DEACTIVATING, FAILED, RELEASING, RELEASED',
      );
    }
    if (!out.includes(s)) out.push(s);
  }
  if (out.length === 0) throw new UsageError(`${what}: give at least one status, e.g. ACTIVE,FAILED`);
  return out;
}

/** A trunk: its id, or one of its ends `network:terminal`. */
export type TrunkArg = { id: number } | { end: TerminalRef };

export function parseTrunkArg(text: string, what = 'TRUNK'): TrunkArg {
  if (/^[0-9]{1,15}$/.test(text)) return { id: Number(text) };
  if (text.includes(':')) return { end: parseTerminalRefArg(text, what) };
  throw new UsageError(`${what} must be a trunk id (e.g. 4) or one of its ends (e.g. core:frankfurt); got ${q(text)}`);
}

/** A service: its id (digits) or its handle. */
export function parseServiceArg(text: string, what = 'SERVICE'): string {
  if (/^[0-9]{1,15}$/.test(text) || HANDLE_PATTERN.test(text)) return text;
  throw new UsageError(`${what} must be a service id or a handle (printable ASCII); got ${q(text)}`);
}

/** A service handle for a new service. */
export function parseHandle(text: string, what = '--handle'): string {
  if (!HANDLE_PATTERN.test(text)) throw new UsageError(`${what} must be 1-160 printable ASCII characters; got ${q(text)}`);
  if (/^[0-9]+$/.test(text)) {
    throw new UsageError(`${what} must not be all digits (it would read as a service id); got ${q(text)}`);
  }
  return text;
}
