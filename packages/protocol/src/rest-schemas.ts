import {
  errors,
  HANDLE_PATTERN,
  type LabelRange,
  MAX_CIRCUITS,
  MAX_LABEL,
  MAX_MBPS,
  NAME_PATTERN,
  SERVICE_INTENTS,
  SERVICE_STATUSES,
} from '@dpb/model';

/**
 * JSON Schemas (draft-07 subset, as ajv and OpenAPI 3.1 read it) for every
 * REST request body, plus the main response shapes. The server validates
 * request bodies with exactly these schemas and the OpenAPI document embeds
 * them, so the spec, the validator and the docs cannot drift apart.
 */

/** A JSON Schema object, loosely typed. */
export type JsonSchema = Record<string, unknown>;

const name: JsonSchema = { type: 'string', pattern: NAME_PATTERN.source, description: 'letters, digits, _ . -; 1-64 characters' };
const handle: JsonSchema = { type: 'string', pattern: HANDLE_PATTERN.source, description: 'caller-chosen id, 1-160 printable ASCII characters' };
const mbps: JsonSchema = { type: 'number', minimum: 0, maximum: MAX_MBPS, description: 'Mbit/s' };
const signedMbps: JsonSchema = { type: 'number', minimum: -MAX_MBPS, maximum: MAX_MBPS, description: 'Mbit/s, may be negative' };
const quota: JsonSchema = { type: ['number', 'null'], minimum: 0, maximum: MAX_MBPS, description: 'Mbit/s; null removes the limit' };
const label: JsonSchema = { type: 'integer', minimum: 0, maximum: MAX_LABEL };
const cost: JsonSchema = { type: 'number', exclusiveMinimum: 0, maximum: 1e9 };

/** `network:terminal`, as a string. */
export const TERMINAL_REF_PATTERN = `^${NAME_PATTERN.source.slice(1, -1)}:${NAME_PATTERN.source.slice(1, -1)}$`;

/** `100`, `100-399` or `100-399:1100` (start labels 100..399 map to end labels from 1100). */
export const LABEL_RANGE_TEXT_PATTERN = '^[0-9]{1,10}(-[0-9]{1,10})?(:[0-9]{1,10})?$';

const terminalRef: JsonSchema = {
  oneOf: [
    { type: 'string', pattern: TERMINAL_REF_PATTERN, description: 'network:terminal' },
    {
      type: 'object',
      required: ['network', 'terminal'],
      additionalProperties: false,
      properties: { network: name, terminal: name },
    },
  ],
};

/** One circuit of a service request. */
export const circuitSchema: JsonSchema = {
  type: 'object',
  required: ['terminal', 'label', 'ingressMbps'],
  additionalProperties: false,
  properties: {
    terminal: name,
    label,
    ingressMbps: mbps,
    egressMbps: { ...mbps, type: ['number', 'null'], description: 'Mbit/s; omitted = whatever the other circuits send' },
  },
};

const circuits: JsonSchema = { type: 'array', minItems: 2, maxItems: MAX_CIRCUITS, items: circuitSchema };

const labelRangeObject: JsonSchema = {
  type: 'object',
  required: ['startBase', 'count'],
  additionalProperties: false,
  properties: {
    startBase: label,
    count: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    endBase: { ...label, description: 'defaults to startBase (no translation)' },
  },
};

const labelRange: JsonSchema = {
  oneOf: [{ type: 'string', pattern: LABEL_RANGE_TEXT_PATTERN, description: '"100-399" or "100-399:1100"' }, labelRangeObject],
};

const directional: JsonSchema = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: { upstreamMbps: mbps, downstreamMbps: mbps },
};

/** Request bodies, by name. */
export const requestSchemas = {
  /** POST /networks/{net}/services */
  serviceCreate: {
    type: 'object',
    additionalProperties: false,
    properties: {
      handle,
      circuits,
      activate: { type: 'boolean', description: 'activate at once (needs circuits, or is remembered until define)' },
    },
  },
  /** PUT /networks/{net}/services/{id}/circuits */
  serviceDefine: {
    type: 'object',
    required: ['circuits'],
    additionalProperties: false,
    properties: { circuits },
  },
  /** POST /networks/{net}/terminals (switch: interface; aggregator: inferior) */
  terminalCreate: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: {
      name,
      interface: { type: 'string', minLength: 1, maxLength: 256, description: 'switch only: fabric interface description' },
      inferior: { ...terminalRef, description: 'aggregator only: inferior terminal' },
      ingressQuotaMbps: quota,
      egressQuotaMbps: quota,
    },
  },
  /** PATCH /networks/{net}/terminals/{t} (switch quotas) */
  terminalPatch: {
    type: 'object',
    minProperties: 1,
    additionalProperties: false,
    properties: {
      ingressQuotaMbps: quota,
      egressQuotaMbps: quota,
      ingressQuotaAdjustMbps: signedMbps,
      egressQuotaAdjustMbps: signedMbps,
    },
  },
  /** POST /networks/{net}/trunks */
  trunkCreate: {
    type: 'object',
    required: ['start', 'end'],
    additionalProperties: false,
    properties: {
      start: terminalRef,
      end: terminalRef,
      upstreamMbps: mbps,
      downstreamMbps: mbps,
      cost,
      labels: { type: 'array', maxItems: 1000, items: labelRange },
      commissioned: { type: 'boolean' },
    },
  },
  /** PATCH /networks/{net}/trunks/{id} */
  trunkPatch: {
    type: 'object',
    minProperties: 1,
    additionalProperties: false,
    properties: {
      withdrawMbps: directional,
      provideMbps: directional,
      cost,
      commissioned: { type: 'boolean' },
    },
  },
  /** POST /networks/{net}/trunks/{id}/labels */
  labelsDefine: labelRangeObject,
  /** POST /networks/{net}/trunks/{id}/labels/revoke */
  labelsRevoke: {
    type: 'object',
    required: ['base', 'count'],
    additionalProperties: false,
    properties: {
      side: { type: 'string', enum: ['start', 'end'], description: 'default start' },
      base: label,
      count: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    },
  },
} satisfies Record<string, JsonSchema>;

export type RequestSchemaName = keyof typeof requestSchemas;

/** Typed forms of the request bodies (after validation). */
export interface CircuitBody {
  terminal: string;
  label: number;
  ingressMbps: number;
  egressMbps?: number | null;
}
export type TerminalRefBody = string | { network: string; terminal: string };
export type LabelRangeBody = string | { startBase: number; count: number; endBase?: number };
export interface ServiceCreateBody {
  handle?: string;
  circuits?: CircuitBody[];
  activate?: boolean;
}
export interface ServiceDefineBody {
  circuits: CircuitBody[];
}
export interface TerminalCreateBody {
  name: string;
  interface?: string;
  inferior?: TerminalRefBody;
  ingressQuotaMbps?: number | null;
  egressQuotaMbps?: number | null;
}
export interface TerminalPatchBody {
  ingressQuotaMbps?: number | null;
  egressQuotaMbps?: number | null;
  ingressQuotaAdjustMbps?: number;
  egressQuotaAdjustMbps?: number;
}
export interface DirectionalBody {
  upstreamMbps?: number;
  downstreamMbps?: number;
}
export interface TrunkCreateBody {
  start: TerminalRefBody;
  end: TerminalRefBody;
  upstreamMbps?: number;
  downstreamMbps?: number;
  cost?: number;
  labels?: LabelRangeBody[];
  commissioned?: boolean;
}
export interface TrunkPatchBody {
  withdrawMbps?: DirectionalBody;
  provideMbps?: DirectionalBody;
  cost?: number;
  commissioned?: boolean;
}
export interface LabelsDefineBody {
  startBase: number;
  count: number;
  endBase?: number;
}
export interface LabelsRevokeBody {
  side?: 'start' | 'end';
  base: number;
  count: number;
}

/**
 * Parses label range text: `100` (one label), `100-399`, or `100-399:1100`
 * (start labels 100..399 pair with end labels 1100..1399). Throws
 * INVALID_ARGUMENT naming `field`.
 */
export function parseLabelRangeText(text: string, field: string): LabelRange {
  const m = /^([0-9]{1,10})(?:-([0-9]{1,10}))?(?::([0-9]{1,10}))?$/.exec(text.trim());
  if (!m) {
    throw errors.invalid(`${field} must look like 100, 100-399 or 100-399:1100; got ${JSON.stringify(text)}`, {
      kind: 'label',
      field,
      value: text,
    });
  }
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  const endBase = m[3] === undefined ? lo : Number(m[3]);
  if (hi < lo) {
    throw errors.invalid(`${field}: range ${text} ends before it starts`, { kind: 'label', field, value: text });
  }
  const count = hi - lo + 1;
  for (const [what, v] of [
    ['start', hi],
    ['end', endBase + count - 1],
  ] as const) {
    if (v > MAX_LABEL) {
      throw errors.invalid(`${field}: ${what} labels of ${text} go beyond ${MAX_LABEL}`, { kind: 'label', field, value: text });
    }
  }
  return { startBase: lo, count, endBase };
}

/** Label range from either body form. */
export function labelRangeFromBody(body: LabelRangeBody, field: string): LabelRange {
  if (typeof body === 'string') return parseLabelRangeText(body, field);
  const endBase = body.endBase ?? body.startBase;
  if (body.startBase + body.count - 1 > MAX_LABEL || endBase + body.count - 1 > MAX_LABEL) {
    throw errors.invalid(`${field}: labels go beyond ${MAX_LABEL}`, { kind: 'label', field });
  }
  return { startBase: body.startBase, count: body.count, endBase };
}

/** Formats a label range the way config and docs write it. */
export function formatLabelRange(r: LabelRange): string {
  const span = r.count === 1 ? `${r.startBase}` : `${r.startBase}-${r.startBase + r.count - 1}`;
  return r.endBase === r.startBase ? span : `${span}:${r.endBase}`;
}

const status: JsonSchema = { type: 'string', enum: [...SERVICE_STATUSES] };
const errorRecord: JsonSchema = {
  type: 'object',
  properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' }, at: { type: 'integer' } },
};
const sanitized: JsonSchema = {
  type: ['object', 'null'],
  properties: {
    circuits: {
      type: 'array',
      items: {
        type: 'object',
        properties: { terminal: name, label, ingressMbps: mbps, egressMbps: mbps },
      },
    },
  },
};
const terminalRefObject: JsonSchema = { type: 'object', properties: { network: name, terminal: name } };
const dir: JsonSchema = { type: 'object', properties: { upstreamMbps: mbps, downstreamMbps: mbps } };

/** Response shapes, for the OpenAPI document (not validated at run time). */
export const responseSchemas = {
  NetworkSummary: {
    type: 'object',
    properties: {
      name,
      kind: { type: 'string', enum: ['switch', 'aggregator', 'remote'] },
      management: {
        type: 'string',
        enum: ['switch', 'aggregator', 'none', 'unknown'],
        description: 'what the terminal and trunk routes manage here; for a remote network, what its server manages (unknown until it has answered)',
      },
      terminals: { type: 'integer' },
      services: { type: 'integer' },
      trunks: { type: 'integer', description: 'aggregators only' },
      inferiors: { type: 'array', items: name, description: 'aggregators only' },
    },
  },
  Terminal: {
    type: 'object',
    description: 'switch: interface, labels, quotas and use; aggregator: inferior',
    properties: {
      name,
      interface: { type: 'string' },
      labels: { type: 'object', properties: { min: label, max: label } },
      ingressQuotaMbps: quota,
      egressQuotaMbps: quota,
      ingressUsedMbps: mbps,
      egressUsedMbps: mbps,
      circuitsInUse: { type: 'integer' },
      inferior: terminalRefObject,
    },
  },
  Trunk: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      start: terminalRefObject,
      end: terminalRefObject,
      cost,
      commissioned: { type: 'boolean' },
      capacity: dir,
      allocated: dir,
      available: dir,
      labelRanges: { type: 'array', items: labelRangeObject },
      labelCount: { type: 'integer' },
      labelsInUse: { type: 'integer' },
    },
  },
  Tunnel: {
    type: 'object',
    properties: {
      trunk: { type: 'integer' },
      service: { type: 'integer' },
      startLabel: label,
      endLabel: label,
      upstreamMbps: mbps,
      downstreamMbps: mbps,
    },
  },
  ServiceInfo: {
    type: 'object',
    properties: {
      network: name,
      id: { type: 'integer' },
      handle: { type: ['string', 'null'] },
      status,
      intent: { type: 'string', enum: [...SERVICE_INTENTS] },
      request: sanitized,
      errors: { type: 'array', items: errorRecord },
      history: { type: 'array', items: { type: 'object', properties: { status, at: { type: 'integer' } } } },
      createdAt: { type: 'integer' },
      realisation: { type: 'object', description: 'aggregators only: tunnels and sub-services' },
    },
  },
  ServiceEvent: {
    type: 'object',
    properties: {
      network: name,
      service: { type: 'integer' },
      status,
      intent: { type: 'string', enum: [...SERVICE_INTENTS] },
      at: { type: 'integer' },
      errors: { type: 'array', items: errorRecord },
    },
  },
  NetworkModel: {
    type: 'object',
    properties: {
      network: name,
      terminals: { type: 'array', items: name },
      chords: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            from: name,
            to: name,
            cost,
            upstreamMbps: { type: ['number', 'null'], description: 'null = unlimited' },
            downstreamMbps: { type: ['number', 'null'], description: 'null = unlimited' },
          },
        },
      },
    },
  },
  Health: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] }, networks: { type: 'integer' } } },
} satisfies Record<string, JsonSchema>;
