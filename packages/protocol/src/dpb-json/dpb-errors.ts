import {
  BrokerError,
  ERROR_CODES,
  type ErrorCode,
  type ErrorDetails,
  type ErrorSubject,
  type TerminalRef,
  toBrokerError,
} from '@dpb/model';

/**
 * Error objects of the DPB JSON protocol (dpb-interfaces.md §2.8), and the
 * one mapping between them and {@link BrokerError}. Every error reply is
 *
 * ```json
 * {"error":"<dpb code>","msg":"…", …DPB's members for that code…, "code":"<ErrorCode>","details":{…}}
 * ```
 *
 * DPB clients read `error` and the DPB members; dpb clients read `code` and
 * `details` and get back exactly the BrokerError the server threw
 * ({@link fromDpbError}).
 */

/** The DPB error codes we send (and recognise). */
export const DPB_ERROR_CODES = [
  'unauthorized',
  'no-network',
  'bad-argument',
  'network-resource',
  'trunk-expired',
  'trunk-unknown',
  'trunk-mgmt',
  'network-mgmt',
  'subnetwork-unknown',
  'terminal-unknown',
  'terminal-exists',
  'terminal-name',
  'terminal-busy',
  'own-terminal',
  'terminal-mgmt',
  'terminal-config',
  'subterminal-busy',
  'subterminal-unknown',
  'subterminal-mgmt',
  'labels-in-use',
  'labels-unavailable',
  'label-mgmt',
  'bw-unavailable',
  'segment-invalid',
  'service-unknown',
  'service-logic',
  'network-logic',
  'circuit-logic',
  'terminal-logic',
  'unknown',
] as const;

export type DpbErrorCode = (typeof DPB_ERROR_CODES)[number];

/** An error reply as it goes on the wire. */
export interface DpbErrorObject {
  error: DpbErrorCode;
  msg: string;
  code: ErrorCode;
  details: ErrorDetails;
  [member: string]: unknown;
}

/** What the replying side knows about the request, to fill DPB's members. */
export interface DpbErrorContext {
  /** The network the connection is bound to. */
  network: string;
  /** The request's `type`. */
  type?: string;
  /** The request's `service-id`. */
  serviceId?: number;
  /** The trunk ends as the request gave them (start = the request's start). */
  trunk?: { start: TerminalRef; end: TerminalRef };
  /** The inferior terminal a request named (`map-terminal`, `remove-trunk`, `check-trunk`). */
  subterminal?: TerminalRef;
}

const LABEL_LIST_LIMIT = 4096;

function trunkFields(ctx: DpbErrorContext): Record<string, string> {
  if (!ctx.trunk) return {};
  return {
    'start-network-name': ctx.trunk.start.network,
    'start-terminal-name': ctx.trunk.start.terminal,
    'end-network-name': ctx.trunk.end.network,
    'end-terminal-name': ctx.trunk.end.terminal,
  };
}

function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

function labelList(d: ErrorDetails): number[] {
  const r = d.labels;
  if (r && typeof r.min === 'number' && typeof r.max === 'number' && r.max >= r.min && r.max - r.min < LABEL_LIST_LIMIT) {
    if (typeof d.label === 'number') return [d.label];
    const out: number[] = [];
    for (let l = r.min; l <= r.max; l++) out.push(l);
    return out;
  }
  return typeof d.label === 'number' ? [d.label] : [];
}

/** The inferior terminal an error is about: from its details, else from the request. */
function subterminalOf(d: ErrorDetails, ctx: DpbErrorContext): TerminalRef | undefined {
  const field = str(d.field);
  if (ctx.trunk && (field === 'start' || field === 'end')) return ctx.trunk[field];
  if (ctx.subterminal) return ctx.subterminal;
  if (ctx.trunk) return ctx.trunk.start;
  const inferior = str(d.inferior);
  const terminal = str(d.terminal);
  return inferior && terminal ? { network: inferior, terminal } : undefined;
}

function subterminalFields(ref: TerminalRef | undefined, d: ErrorDetails): Record<string, string> {
  const network = ref?.network ?? str(d.inferior) ?? str(d.network);
  const terminal = ref?.terminal ?? str(d.terminal);
  return { ...(network ? { 'subnetwork-name': network } : {}), ...(terminal ? { 'subterminal-name': terminal } : {}) };
}

/** The DPB code and members for a BrokerError in a context. */
function dpbCodeFor(e: BrokerError, ctx: DpbErrorContext): { error: DpbErrorCode; members: Record<string, unknown> } {
  const d = e.details;
  const net = { 'network-name': ctx.network };
  const serviceId = typeof d.service === 'number' ? d.service : ctx.serviceId;
  const service = serviceId === undefined ? {} : { 'service-id': serviceId };
  const isDefine = ctx.type === 'define-service';
  const kind: ErrorSubject | undefined = d.kind;
  switch (e.code) {
    case 'INVALID_ARGUMENT': {
      const protocolProblem = typeof d.reason === 'string' && ['not-an-object', 'unknown-type', 'missing-member', 'wrong-member-type'].includes(d.reason);
      if (isDefine && !protocolProblem) return { error: 'segment-invalid', members: { ...net, ...service } };
      if (ctx.type === 'add-terminal' && d.field === 'interface') return { error: 'terminal-config', members: { ...net, config: str(d.value) ?? '' } };
      return { error: 'bad-argument', members: {} };
    }
    case 'NOT_FOUND':
      if (kind === 'terminal') {
        if (str(d.inferior) !== undefined && d.inferior !== ctx.network) {
          return { error: 'subterminal-unknown', members: { ...net, ...subterminalFields({ network: str(d.inferior) as string, terminal: str(d.terminal) ?? '' }, d) } };
        }
        return { error: 'terminal-unknown', members: { ...net, 'terminal-name': str(d.terminal) ?? '' } };
      }
      if (kind === 'service' || kind === 'handle') {
        return { error: 'service-unknown', members: { ...net, ...service, ...(typeof d.handle === 'string' ? { handle: d.handle } : {}) } };
      }
      if (kind === 'network') return { error: 'subnetwork-unknown', members: { ...net, 'subnetwork-name': str(d.inferior) ?? str(d.network) ?? '' } };
      if (kind === 'trunk') {
        if (d.reason === 'trunk-expired') return { error: 'trunk-expired', members: { ...net, ...trunkFields(ctx) } };
        return { error: 'trunk-unknown', members: { ...net, ...subterminalFields(subterminalOf(d, ctx), d) } };
      }
      return { error: 'bad-argument', members: {} };
    case 'ALREADY_EXISTS':
      if (kind === 'terminal') return { error: 'terminal-exists', members: { ...net, 'terminal-name': str(d.terminal) ?? '' } };
      return { error: 'bad-argument', members: {} };
    case 'BUSY':
      if (kind === 'label') return { error: 'labels-in-use', members: { ...net, labels: labelList(d), ...trunkFields(ctx) } };
      if (kind === 'circuit') {
        return { error: 'circuit-logic', members: { ...net, 'terminal-name': str(d.terminal) ?? '', ...(typeof d.label === 'number' ? { label: d.label } : {}) } };
      }
      if (str(d.inferior) !== undefined) return { error: 'subterminal-busy', members: { ...net, ...subterminalFields(subterminalOf(d, ctx), d) } };
      if (str(d.terminal) !== undefined) return { error: 'terminal-busy', members: { ...net, 'terminal-name': str(d.terminal) } };
      if (d.trunk !== undefined || ctx.trunk) return { error: 'trunk-mgmt', members: { ...net, ...trunkFields(ctx) } };
      return { error: 'network-logic', members: { ...net } };
    case 'RESOURCE_EXHAUSTED':
      if (isDefine) return { error: 'segment-invalid', members: { ...net, ...service } };
      if (kind === 'trunk' && (d.direction === 'upstream' || d.direction === 'downstream')) {
        return {
          error: 'bw-unavailable',
          members: { ...net, direction: d.direction, amount: typeof d.availableMbps === 'number' ? d.availableMbps : 0, ...trunkFields(ctx) },
        };
      }
      return { error: 'network-resource', members: { ...net } };
    case 'FAILED_PRECONDITION':
      if (serviceId !== undefined) return { error: 'service-logic', members: { ...net, ...service } };
      return { error: 'network-logic', members: { ...net } };
    case 'UNAUTHENTICATED':
    case 'PERMISSION_DENIED':
      return { error: 'unauthorized', members: { network: str(d.network) ?? ctx.network, ...(typeof d.right === 'string' ? { right: d.right } : {}) } };
    case 'UNAVAILABLE':
    case 'TIMEOUT':
      return { error: 'network-resource', members: { ...net } };
    case 'CONFIG_INVALID':
      return { error: 'bad-argument', members: {} };
    case 'INTERNAL':
      return { error: 'unknown', members: { type: 'INTERNAL' } };
  }
}

/** Details as plain JSON: drops functions and cycles, turns Infinity into null. */
export function jsonSafeDetails(details: ErrorDetails): ErrorDetails {
  try {
    const text = JSON.stringify(details, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : typeof v === 'bigint' ? String(v) : v));
    return text === undefined ? {} : (JSON.parse(text) as ErrorDetails);
  } catch {
    return {};
  }
}

/**
 * The DPB error object for anything thrown. Non-BrokerErrors are INTERNAL.
 * Always carries `error` (DPB code), `msg` (never empty), DPB's members for
 * that code, and our `code` and `details`.
 */
export function toDpbError(e: unknown, context: DpbErrorContext): DpbErrorObject {
  const b = toBrokerError(e);
  const { error, members } = dpbCodeFor(b, context);
  return { error, msg: b.message || b.code, ...members, code: b.code, details: jsonSafeDetails(b.details) };
}

/** True when a reply is an error object (it has a string `error`). */
export function isDpbErrorObject(reply: unknown): reply is { error: string } & Record<string, unknown> {
  return typeof reply === 'object' && reply !== null && typeof (reply as { error?: unknown }).error === 'string';
}

const CODE_BY_DPB: Readonly<Record<DpbErrorCode, { code: ErrorCode; kind?: ErrorSubject }>> = {
  unauthorized: { code: 'PERMISSION_DENIED' },
  'no-network': { code: 'NOT_FOUND', kind: 'network' },
  'bad-argument': { code: 'INVALID_ARGUMENT' },
  'network-resource': { code: 'UNAVAILABLE' },
  'trunk-expired': { code: 'NOT_FOUND', kind: 'trunk' },
  'trunk-unknown': { code: 'NOT_FOUND', kind: 'trunk' },
  'trunk-mgmt': { code: 'FAILED_PRECONDITION', kind: 'trunk' },
  'network-mgmt': { code: 'FAILED_PRECONDITION' },
  'subnetwork-unknown': { code: 'NOT_FOUND', kind: 'network' },
  'terminal-unknown': { code: 'NOT_FOUND', kind: 'terminal' },
  'terminal-exists': { code: 'ALREADY_EXISTS', kind: 'terminal' },
  'terminal-name': { code: 'INVALID_ARGUMENT', kind: 'terminal' },
  'terminal-busy': { code: 'BUSY', kind: 'terminal' },
  'own-terminal': { code: 'INVALID_ARGUMENT', kind: 'terminal' },
  'terminal-mgmt': { code: 'FAILED_PRECONDITION', kind: 'terminal' },
  'terminal-config': { code: 'INVALID_ARGUMENT', kind: 'interface' },
  'subterminal-busy': { code: 'BUSY', kind: 'terminal' },
  'subterminal-unknown': { code: 'NOT_FOUND', kind: 'terminal' },
  'subterminal-mgmt': { code: 'FAILED_PRECONDITION', kind: 'terminal' },
  'labels-in-use': { code: 'BUSY', kind: 'label' },
  'labels-unavailable': { code: 'BUSY', kind: 'label' },
  'label-mgmt': { code: 'FAILED_PRECONDITION', kind: 'label' },
  'bw-unavailable': { code: 'RESOURCE_EXHAUSTED', kind: 'trunk' },
  'segment-invalid': { code: 'INVALID_ARGUMENT' },
  'service-unknown': { code: 'NOT_FOUND', kind: 'service' },
  'service-logic': { code: 'FAILED_PRECONDITION', kind: 'service' },
  'network-logic': { code: 'FAILED_PRECONDITION' },
  'circuit-logic': { code: 'FAILED_PRECONDITION', kind: 'circuit' },
  'terminal-logic': { code: 'FAILED_PRECONDITION', kind: 'terminal' },
  unknown: { code: 'INTERNAL' },
};

function isErrorCode(x: unknown): x is ErrorCode {
  return typeof x === 'string' && (ERROR_CODES as readonly string[]).includes(x);
}

/**
 * The BrokerError an error reply stands for. A reply from a dpb server
 * carries `code` and `details` and comes back exactly; a reply from the
 * original DPB is mapped from its `error` code and members (unknown codes
 * become INTERNAL). `details.dpbError` keeps the DPB code either way.
 */
export function fromDpbError(reply: Record<string, unknown>): BrokerError {
  const dpbError = typeof reply.error === 'string' ? reply.error : 'unknown';
  const msg = typeof reply.msg === 'string' && reply.msg !== '' ? reply.msg : `the server answered with error ${dpbError}`;
  if (isErrorCode(reply.code) && typeof reply.details === 'object' && reply.details !== null && !Array.isArray(reply.details)) {
    return new BrokerError(reply.code, msg, { details: { ...(reply.details as ErrorDetails), dpbError } });
  }
  const known = (DPB_ERROR_CODES as readonly string[]).includes(dpbError) ? CODE_BY_DPB[dpbError as DpbErrorCode] : { code: 'INTERNAL' as const };
  const details: ErrorDetails = { dpbError };
  if (known.kind) details.kind = known.kind;
  const network = str(reply['network-name']) ?? str(reply.network);
  if (network) details.network = network;
  const terminal = str(reply['terminal-name']) ?? str(reply['subterminal-name']);
  if (terminal) details.terminal = terminal;
  const sub = str(reply['subnetwork-name']);
  if (sub) details.inferior = sub;
  if (typeof reply['service-id'] === 'number') details.service = reply['service-id'];
  if (reply.direction === 'upstream' || reply.direction === 'downstream') details.direction = reply.direction;
  if (typeof reply.amount === 'number') details.availableMbps = reply.amount;
  if (typeof reply.label === 'number') details.label = reply.label;
  if (Array.isArray(reply.labels) && reply.labels.every((l) => typeof l === 'number') && reply.labels.length > 0) {
    const ls = reply.labels as number[];
    details.labels = { min: ls.reduce((a, b) => Math.min(a, b)), max: ls.reduce((a, b) => Math.max(a, b)) };
  }
  return new BrokerError(known.code, msg, { details });
}
