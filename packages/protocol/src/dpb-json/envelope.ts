/**
 * Session envelopes and the handshake of the DPB JSON protocol
 * (dpb-interfaces.md §2.4, §2.5).
 */

/** Member names of envelopes. */
export const ENVELOPE_MEMBERS = { content: 'content', session: 'session' } as const;

/** Highest session number accepted (JSON numbers are exact up to here). */
export const MAX_SESSION_NUMBER = Number.MAX_SAFE_INTEGER;

/**
 * A decoded envelope:
 * - `data`: `{"content":{…},"session":n}` (member order irrelevant); `content` may be
 *   any JSON value here — whether it is a valid message is the receiver's business;
 * - `close`: `{"session":n}` without `content`: this side is done with session n;
 * - `invalid`: not an envelope (no or bad `session`); `reason` says why.
 */
export type Envelope =
  | { kind: 'data'; session: number; content: unknown }
  | { kind: 'close'; session: number }
  | { kind: 'invalid'; reason: string };

/** True for a session number: a non-negative safe integer. */
export function isSessionNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** Classifies a decoded frame (after the handshake) as data, close, or not an envelope. */
export function parseEnvelope(frame: Record<string, unknown>): Envelope {
  if (!Object.prototype.hasOwnProperty.call(frame, ENVELOPE_MEMBERS.session)) {
    return { kind: 'invalid', reason: 'the frame has no "session" member' };
  }
  const session = frame[ENVELOPE_MEMBERS.session];
  if (!isSessionNumber(session)) {
    return { kind: 'invalid', reason: `"session" must be a non-negative integer; got ${describeJson(session)}` };
  }
  if (!Object.prototype.hasOwnProperty.call(frame, ENVELOPE_MEMBERS.content)) return { kind: 'close', session };
  return { kind: 'data', session, content: frame[ENVELOPE_MEMBERS.content] };
}

/** A data envelope; `content` first, as DPB's own ends write it. */
export function dataEnvelope(session: number, content: object): { content: object; session: number } {
  return { content, session };
}

/** A close envelope for `session`. */
export function closeEnvelope(session: number): { session: number } {
  return { session };
}

/** What the handshake says about the network (§2.4). */
export type HandshakeKind = 'aggregator' | 'switch' | 'network';

/** Handshake member names and error codes. */
export const HANDSHAKE = {
  networkName: 'network-name',
  network: 'network',
  error: 'error',
  unauthorized: 'unauthorized',
  noNetwork: 'no-network',
} as const;

/** The success handshake frame: `{"network-name":n,"aggregator":true}` (or `switch` / `network`). */
export function helloFrame(network: string, kind: HandshakeKind): Record<string, unknown> {
  return { [HANDSHAKE.networkName]: network, [kind]: true };
}

/** `{"error":"unauthorized","network":n}`: the caller has no right on the network. */
export function unauthorizedFrame(network: string): Record<string, unknown> {
  return { [HANDSHAKE.error]: HANDSHAKE.unauthorized, [HANDSHAKE.network]: network };
}

/** `{"error":"no-network","network-name":n}`: no such network. */
export function noNetworkFrame(network: string): Record<string, unknown> {
  return { [HANDSHAKE.error]: HANDSHAKE.noNetwork, [HANDSHAKE.networkName]: network };
}

/** A decoded handshake, as a client sees it. */
export type Handshake =
  | { ok: true; network: string; kind: HandshakeKind }
  | { ok: false; error: string; network: string | undefined; frame: Record<string, unknown> };

/** Reads the first frame of a connection. */
export function parseHandshake(frame: Record<string, unknown>): Handshake {
  const error = frame[HANDSHAKE.error];
  if (error !== undefined) {
    const n = frame[HANDSHAKE.networkName] ?? frame[HANDSHAKE.network];
    return { ok: false, error: typeof error === 'string' ? error : describeJson(error), network: typeof n === 'string' ? n : undefined, frame };
  }
  const network = frame[HANDSHAKE.networkName];
  if (typeof network !== 'string') {
    return { ok: false, error: 'bad-handshake', network: undefined, frame };
  }
  const kind: HandshakeKind = frame.aggregator === true ? 'aggregator' : frame.switch === true ? 'switch' : 'network';
  return { ok: true, network, kind };
}

/** A short description of a JSON value for messages (never the whole value). */
export function describeJson(x: unknown): string {
  if (x === undefined) return 'nothing';
  if (x === null) return 'null';
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (typeof x === 'object') return 'an object';
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  return `${typeof x} ${String(x)}`;
}
