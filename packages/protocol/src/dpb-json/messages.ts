import {
  type Chord,
  errors,
  isServiceStatus,
  type NetworkModel,
  type QuotaChange,
  type ServiceRequest,
  type ServiceStatus,
} from '@dpb/model';
import { describeJson } from './envelope';

/**
 * The message catalogue of the DPB JSON protocol (dpb-interfaces.md §2.7),
 * as data: every request `type`, its members and their kinds, which kind of
 * network accepts it, and which right it needs. Servers validate requests
 * with {@link validateDpbRequest}; clients build requests with the same
 * names.
 */

/** Kinds of request members. A trailing `?` marks an optional member. */
export type DpbMemberKind =
  | 'string'
  | 'string?'
  /** A non-negative integer (ids, labels, counts, milliseconds). */
  | 'integer'
  /** A finite number (Mbit/s, cost). */
  | 'number'
  /** An array of service status names. */
  | 'statuses'
  /** An array of circuits: {@link DpbCircuit}. */
  | 'segment'
  /** `{"action":"set"|…,"amount":number|null}`: {@link DpbBandwidthChange}. */
  | 'bandwidth-change?';

/** Which networks accept a message: every network, switches only, aggregators only. */
export type DpbScope = 'any' | 'switch' | 'aggregator';

/**
 * The right a message needs: `see` = any right on the network (queries of
 * terminals, trunks, the model); `control` = services; `manage` = changes to
 * terminals, trunks and quotas.
 */
export type DpbAccess = 'see' | 'control' | 'manage';

export interface DpbMessageSpec {
  readonly scope: DpbScope;
  readonly access: DpbAccess;
  readonly members: Readonly<Record<string, DpbMemberKind>>;
  /** True for `watch-service` and `watch-model`: a stream of replies rather than one. */
  readonly stream?: true;
}

const TRUNK_ENDS = {
  'start-network-name': 'string',
  'start-terminal-name': 'string',
  'end-network-name': 'string',
  'end-terminal-name': 'string',
} as const;

/** The catalogue. Keys are the wire `type` names. */
export const DPB_MESSAGES = {
  // §2.7.1 any network
  'get-terminals': { scope: 'any', access: 'see', members: {} },
  'check-terminal': { scope: 'any', access: 'see', members: { 'terminal-name': 'string' } },
  'remove-terminal': { scope: 'any', access: 'manage', members: { 'terminal-name': 'string' } },
  'dump-status': { scope: 'any', access: 'see', members: {} },
  'get-services': { scope: 'any', access: 'control', members: {} },
  'check-service': { scope: 'any', access: 'control', members: { 'service-id': 'integer' } },
  'find-service': { scope: 'any', access: 'control', members: { handle: 'string' } },
  'new-service': { scope: 'any', access: 'control', members: { handle: 'string?' } },
  'define-service': { scope: 'any', access: 'control', members: { 'service-id': 'integer', segment: 'segment' } },
  'activate-service': { scope: 'any', access: 'control', members: { 'service-id': 'integer' } },
  'deactivate-service': { scope: 'any', access: 'control', members: { 'service-id': 'integer' } },
  'reset-service': { scope: 'any', access: 'control', members: { 'service-id': 'integer' } },
  'release-service': { scope: 'any', access: 'control', members: { 'service-id': 'integer' } },
  'await-service-status': {
    scope: 'any',
    access: 'control',
    members: { 'service-id': 'integer', acceptable: 'statuses', 'timeout-millis': 'integer' },
  },
  'watch-service': { scope: 'any', access: 'control', members: { 'service-id': 'integer' }, stream: true },
  'get-model': { scope: 'any', access: 'see', members: { 'min-bw': 'number' } },
  // §2.7.2 switches
  'add-terminal': { scope: 'switch', access: 'manage', members: { 'terminal-name': 'string', 'terminal-config': 'string' } },
  'get-switch-terminals': { scope: 'switch', access: 'see', members: {} },
  'modify-terminal-bandwidth': {
    scope: 'switch',
    access: 'manage',
    members: { 'terminal-name': 'string', ingress: 'bandwidth-change?', egress: 'bandwidth-change?' },
  },
  // §2.7.3 aggregators: terminals and the trunk set
  'map-terminal': {
    scope: 'aggregator',
    access: 'manage',
    members: { 'terminal-name': 'string', 'subnetwork-name': 'string', 'subterminal-name': 'string' },
  },
  'get-aggregator-terminals': { scope: 'aggregator', access: 'see', members: {} },
  'add-trunk': { scope: 'aggregator', access: 'manage', members: TRUNK_ENDS },
  'remove-trunk': { scope: 'aggregator', access: 'manage', members: { 'subnetwork-name': 'string', 'subterminal-name': 'string' } },
  'check-trunk': { scope: 'aggregator', access: 'see', members: { 'start-subnetwork-name': 'string', 'start-subterminal-name': 'string' } },
  'get-trunks': { scope: 'aggregator', access: 'see', members: {} },
  // §2.7.4 aggregators: one trunk, named by both ends (either orientation)
  'get-trunk-delay': { scope: 'aggregator', access: 'see', members: TRUNK_ENDS },
  'set-trunk-delay': { scope: 'aggregator', access: 'manage', members: { ...TRUNK_ENDS, delay: 'number' } },
  'increase-trunk-bw': { scope: 'aggregator', access: 'manage', members: { ...TRUNK_ENDS, 'upstream-bw': 'number', 'downstream-bw': 'number' } },
  'decrease-trunk-bw': { scope: 'aggregator', access: 'manage', members: { ...TRUNK_ENDS, 'upstream-bw': 'number', 'downstream-bw': 'number' } },
  'define-trunk-label-range': {
    scope: 'aggregator',
    access: 'manage',
    members: { ...TRUNK_ENDS, 'start-label': 'integer', 'label-count': 'integer', 'end-label': 'integer' },
  },
  'revoke-trunk-start-label-range': { scope: 'aggregator', access: 'manage', members: { ...TRUNK_ENDS, 'start-label': 'integer', 'label-count': 'integer' } },
  'revoke-trunk-end-label-range': { scope: 'aggregator', access: 'manage', members: { ...TRUNK_ENDS, 'end-label': 'integer', 'label-count': 'integer' } },
  'decommission-trunk': { scope: 'aggregator', access: 'manage', members: TRUNK_ENDS },
  'recommission-trunk': { scope: 'aggregator', access: 'manage', members: TRUNK_ENDS },
  'is-trunk-commissioned': { scope: 'aggregator', access: 'see', members: TRUNK_ENDS },
  // dpb extensions (not in DPB; see DPB_EXTENSION_TYPES)
  'describe-service': { scope: 'any', access: 'control', members: { 'service-id': 'integer' } },
  'watch-model': { scope: 'any', access: 'see', members: {}, stream: true },
} as const satisfies Record<string, DpbMessageSpec>;

/**
 * Message types dpb adds to DPB's catalogue (the original server answers
 * them with an unknown-type error): `describe-service` (a service's full
 * ServiceInfo) and `watch-model` (a stream of model-change notices).
 */
export const DPB_EXTENSION_TYPES = ['describe-service', 'watch-model'] as const;

/** Every request type name. */
export type DpbMessageType = keyof typeof DPB_MESSAGES;

/** Every request type name, in catalogue order. */
export const DPB_MESSAGE_TYPES = Object.keys(DPB_MESSAGES) as DpbMessageType[];

/** True for a request type name of the catalogue. */
export function isDpbMessageType(x: unknown): x is DpbMessageType {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(DPB_MESSAGES, x);
}

/** One circuit of a `segment`, as on the wire. */
export interface DpbCircuit {
  'terminal-name': string;
  label: number;
  'ingress-bw': number;
  /** Absent or null: whatever the other circuits send. */
  'egress-bw'?: number | null;
}

/** One direction of `modify-terminal-bandwidth`. */
export interface DpbBandwidthChange {
  /** `set`; anything else means adjust (DPB's rule). */
  action: string;
  /** Mbit/s; null with `set` removes the limit, with adjust changes nothing. */
  amount: number | null;
}

interface MemberTypes {
  string: string;
  'string?': string | undefined;
  integer: number;
  number: number;
  statuses: ServiceStatus[];
  segment: DpbCircuit[];
  'bandwidth-change?': DpbBandwidthChange | undefined;
}

/** A validated request of type `T`. */
export type DpbRequestOf<T extends DpbMessageType> = { type: T } & {
  -readonly [M in keyof (typeof DPB_MESSAGES)[T]['members']]: MemberTypes[(typeof DPB_MESSAGES)[T]['members'][M] & keyof MemberTypes];
};

/** Any validated request. */
export type DpbRequest = { [T in DpbMessageType]: DpbRequestOf<T> }[DpbMessageType];

/** Why a message was refused by {@link validateDpbRequest} (`details.reason`). */
export type DpbMessageProblem = 'not-an-object' | 'unknown-type' | 'missing-member' | 'wrong-member-type';

function bad(reason: DpbMessageProblem, message: string, details: Record<string, unknown>): never {
  throw errors.invalid(message, { reason, ...details });
}

/**
 * Validates a message (the `content` of a data envelope) against the
 * catalogue. Throws INVALID_ARGUMENT with `details.reason` (a
 * {@link DpbMessageProblem}), `details.type` and `details.field` naming the
 * member at fault. Unknown extra members are ignored, as DPB does.
 */
export function validateDpbRequest(content: unknown): DpbRequest {
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    bad('not-an-object', `a message must be a JSON object; got ${describeJson(content)}`, { field: 'content' });
  }
  const msg = content as Record<string, unknown>;
  const type = msg.type;
  if (type === undefined) bad('missing-member', 'the message has no "type"', { field: 'type' });
  if (!isDpbMessageType(type)) {
    bad('unknown-type', `unknown message type ${describeJson(type)}`, { field: 'type', value: typeof type === 'string' ? type.slice(0, 80) : describeJson(type) });
  }
  const spec: DpbMessageSpec = DPB_MESSAGES[type];
  const out: Record<string, unknown> = { type };
  for (const [member, kind] of Object.entries(spec.members)) {
    out[member] = checkMember(type, member, kind, Object.prototype.hasOwnProperty.call(msg, member) ? msg[member] : undefined);
  }
  return out as DpbRequest;
}

function checkMember(type: string, field: string, kind: DpbMemberKind, v: unknown): unknown {
  const optional = kind.endsWith('?');
  if (v === undefined) {
    if (optional) return undefined;
    bad('missing-member', `${type} needs "${field}"`, { type, field });
  }
  const wrong = (what: string, at = field, value: unknown = v): never =>
    bad('wrong-member-type', `${type}: "${at}" must be ${what}; got ${describeJson(value)}`, { type, field: at });
  switch (kind) {
    case 'string':
    case 'string?':
      if (typeof v !== 'string') wrong('a string');
      return v;
    case 'integer':
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) wrong('a non-negative integer');
      return v;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) wrong('a finite number');
      return v;
    case 'statuses': {
      if (!Array.isArray(v)) wrong('an array of status names');
      const arr = v as unknown[];
      if (arr.length > 64) wrong('an array of at most 64 status names');
      return arr.map((s, i) => {
        if (!isServiceStatus(s)) {
          bad('wrong-member-type', `${type}: "${field}[${i}]" must be a status name; got ${describeJson(s)}`, {
            type,
            field: `${field}[${i}]`,
            value: typeof s === 'string' ? s.slice(0, 40) : describeJson(s),
          });
        }
        return s;
      });
    }
    case 'segment':
      return checkSegment(type, field, v);
    case 'bandwidth-change?': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) wrong('an object {"action","amount"}');
      const o = v as Record<string, unknown>;
      const action = o.action ?? 'adjust';
      if (typeof action !== 'string') wrong('a string', `${field}.action`, action);
      const amount = o.amount;
      if (amount !== null && (typeof amount !== 'number' || !Number.isFinite(amount))) wrong('a finite number or null', `${field}.amount`, amount);
      return { action: action as string, amount: amount as number | null } satisfies DpbBandwidthChange;
    }
  }
}

/** Most circuits a segment may have on the wire (the model has its own limit too). */
const MAX_SEGMENT = 4096;

function checkSegment(type: string, field: string, v: unknown): DpbCircuit[] {
  const at = (i: number, m?: string): string => `${field}[${i}]${m ? `.${m}` : ''}`;
  if (!Array.isArray(v)) bad('wrong-member-type', `${type}: "${field}" must be an array of circuits; got ${describeJson(v)}`, { type, field });
  const arr = v as unknown[];
  if (arr.length > MAX_SEGMENT) bad('wrong-member-type', `${type}: "${field}" has more than ${MAX_SEGMENT} circuits`, { type, field, value: arr.length });
  return arr.map((c, i) => {
    if (typeof c !== 'object' || c === null || Array.isArray(c)) {
      bad('wrong-member-type', `${type}: "${at(i)}" must be an object; got ${describeJson(c)}`, { type, field: at(i) });
    }
    const o = c as Record<string, unknown>;
    const need = (m: string): unknown => {
      if (o[m] === undefined) bad('missing-member', `${type}: "${at(i)}" needs "${m}"`, { type, field: at(i, m) });
      return o[m];
    };
    const terminal = need('terminal-name');
    if (typeof terminal !== 'string') bad('wrong-member-type', `${type}: "${at(i, 'terminal-name')}" must be a string`, { type, field: at(i, 'terminal-name') });
    const label = need('label');
    if (typeof label !== 'number' || !Number.isSafeInteger(label) || label < 0) {
      bad('wrong-member-type', `${type}: "${at(i, 'label')}" must be a non-negative integer; got ${describeJson(label)}`, { type, field: at(i, 'label') });
    }
    const ingress = need('ingress-bw');
    if (typeof ingress !== 'number' || !Number.isFinite(ingress)) {
      bad('wrong-member-type', `${type}: "${at(i, 'ingress-bw')}" must be a finite number; got ${describeJson(ingress)}`, { type, field: at(i, 'ingress-bw') });
    }
    const egress = o['egress-bw'];
    if (egress !== undefined && egress !== null && (typeof egress !== 'number' || !Number.isFinite(egress))) {
      bad('wrong-member-type', `${type}: "${at(i, 'egress-bw')}" must be a finite number or null; got ${describeJson(egress)}`, { type, field: at(i, 'egress-bw') });
    }
    const out: DpbCircuit = { 'terminal-name': terminal as string, label: label as number, 'ingress-bw': ingress as number };
    if (typeof egress === 'number') out['egress-bw'] = egress;
    return out;
  });
}

/** A wire segment as a {@link ServiceRequest}. */
export function segmentToRequest(segment: readonly DpbCircuit[]): ServiceRequest {
  return {
    circuits: segment.map((c) => ({
      terminal: c['terminal-name'],
      label: c.label,
      ingressMbps: c['ingress-bw'],
      ...(typeof c['egress-bw'] === 'number' ? { egressMbps: c['egress-bw'] } : {}),
    })),
  };
}

/** A request as a wire segment (egress written only when known). */
export function requestToSegment(request: ServiceRequest): DpbCircuit[] {
  return request.circuits.map((c) => ({
    'terminal-name': c.terminal,
    label: c.label,
    'ingress-bw': c.ingressMbps,
    ...(c.egressMbps === undefined ? {} : { 'egress-bw': c.egressMbps }),
  }));
}

/** One edge of a `get-model` reply. */
export interface DpbEdge {
  from: string;
  to: string;
  /** Cost (DPB's "delay"). */
  weight?: number;
  /** Capacity from→to, Mbit/s; absent when unlimited. */
  upstream?: number;
  /** Capacity to→from, Mbit/s; absent when unlimited. */
  downstream?: number;
}

/** A model's chords as `get-model` edges; unlimited capacity is left out (JSON has no Infinity). */
export function modelToEdges(model: NetworkModel): DpbEdge[] {
  return model.chords.map((c) => {
    const e: DpbEdge = { from: c.from, to: c.to, weight: c.cost };
    if (Number.isFinite(c.upstreamMbps)) e.upstream = c.upstreamMbps;
    if (Number.isFinite(c.downstreamMbps)) e.downstream = c.downstreamMbps;
    return e;
  });
}

/** `get-model` edges as chords (absent capacity = unlimited; absent weight = 1). */
export function edgesToChords(edges: readonly DpbEdge[]): Chord[] {
  return edges.map((e) => ({
    from: e.from,
    to: e.to,
    cost: typeof e.weight === 'number' ? e.weight : 1,
    upstreamMbps: typeof e.upstream === 'number' ? e.upstream : Infinity,
    downstreamMbps: typeof e.downstream === 'number' ? e.downstream : Infinity,
  }));
}

/**
 * DPB's `modify-terminal-bandwidth` rule for one direction, as a
 * {@link QuotaChange} given the current limit (null = unlimited):
 * `set` + number sets it; `set` + null removes it; any other action adjusts
 * by the amount, counting unlimited as 0 (the result must not be negative);
 * adjust + null changes nothing (undefined).
 */
export function quotaChangeFromDpb(
  change: DpbBandwidthChange | undefined,
  currentMbps: number | null,
  field: 'ingress' | 'egress',
): QuotaChange | undefined {
  if (change === undefined) return undefined;
  if (change.action === 'set') return { set: change.amount };
  if (change.amount === null) return undefined;
  if (currentMbps === null) {
    if (change.amount < 0) {
      throw errors.invalid(`${field}: adjusting an unlimited (counted as 0) limit by ${change.amount} would make it negative`, {
        field: `${field}.amount`,
        direction: field,
        value: change.amount,
      });
    }
    return { set: change.amount };
  }
  return { adjust: change.amount };
}
