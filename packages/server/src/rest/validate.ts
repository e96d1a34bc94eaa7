import { errors } from '@dpb/model';
import { type RequestSchemaName, requestSchemas } from '@dpb/protocol';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<RequestSchemaName, ValidateFunction>();
for (const [name, schema] of Object.entries(requestSchemas)) {
  validators.set(name as RequestSchemaName, ajv.compile(schema));
}

/** `/circuits/0/label` → `circuits[0].label`. */
export function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1);
  if (extra !== undefined) parts.push(extra);
  let out = '';
  for (const p of parts) {
    const k = p.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(k) ? `[${k}]` : out === '' ? k : `.${k}`;
  }
  return out === '' ? 'body' : out;
}

const RANK: Record<string, number> = { additionalProperties: 0, required: 1, minimum: 2, maximum: 2, exclusiveMinimum: 2, enum: 3, pattern: 3, type: 4, oneOf: 9 };

function describeError(e: ErrorObject): { field: string; message: string } {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = fieldPath(e.instancePath, String(p.additionalProperty));
      return { field, message: `unknown field ${field}` };
    }
    case 'required': {
      const field = fieldPath(e.instancePath, String(p.missingProperty));
      return { field, message: `${field} is required` };
    }
    default: {
      const field = fieldPath(e.instancePath);
      const what = e.keyword === 'oneOf' ? 'does not match any allowed form' : (e.message ?? 'is invalid');
      return { field, message: `${field} ${what}` };
    }
  }
}

/** Picks the most telling ajv error: the deepest, then required/unknown before type mismatches. */
function pick(errs: ErrorObject[]): ErrorObject {
  const depth = (e: ErrorObject) => e.instancePath.split('/').length;
  return [...errs].sort((a, b) => depth(b) - depth(a) || (RANK[a.keyword] ?? 5) - (RANK[b.keyword] ?? 5))[0] as ErrorObject;
}

function valueAt(body: unknown, instancePath: string): unknown {
  let v: unknown = body;
  for (const k of instancePath.split('/').slice(1)) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/**
 * Validates a request body against its schema in @dpb/protocol. Throws
 * INVALID_ARGUMENT with `details.field` (e.g. `circuits[1].ingressMbps`).
 */
export function validateBody<T>(name: RequestSchemaName, body: unknown): T {
  if (body === undefined) body = {};
  const v = validators.get(name) as ValidateFunction;
  if (v(body)) return body as T;
  const e = pick(v.errors ?? []);
  const { field, message } = describeError(e);
  const value = valueAt(body, e.instancePath);
  const details: Record<string, unknown> = { field, rule: e.keyword };
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) details.value = value;
  else if (typeof value === 'string') details.value = value.slice(0, 80);
  throw errors.invalid(message, details);
}
