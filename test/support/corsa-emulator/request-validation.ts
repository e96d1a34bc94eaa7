/**
 * Body validation for the Corsa emulator: every POST/PATCH body is checked
 * field by field, and the first problem becomes a 400 whose error body names
 * the field.
 */

/** An HTTP error the emulated switch answers with. */
export class CorsaApiError extends Error {
  override readonly name = 'CorsaApiError';
  constructor(
    readonly status: number,
    /** Short machine-readable kind, sent as `error`. */
    readonly code: string,
    message: string,
    /** More members of the error body (e.g. `field`). */
    readonly extra: Record<string, unknown> = {},
    /** Extra response headers (e.g. `Allow`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** The JSON error body: `{ error, message, ...extra }`. */
  toBody(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...this.extra };
  }
}

/** Shorthands for the 400s of body validation. */
export const badRequest = {
  body(message: string): CorsaApiError {
    return new CorsaApiError(400, 'invalid-body', message);
  },
  unknownField(field: string): CorsaApiError {
    return new CorsaApiError(400, 'unknown-field', `unknown field '${field}'`, { field });
  },
  missingField(field: string): CorsaApiError {
    return new CorsaApiError(400, 'missing-field', `missing required field '${field}'`, { field });
  },
  invalidField(field: string, why: string): CorsaApiError {
    return new CorsaApiError(400, 'invalid-field', `field '${field}' ${why}`, { field });
  },
};

/** Checks one value; throws a {@link CorsaApiError} naming `field` when it is wrong. */
export type Check<T> = (value: unknown, field: string) => T;

/** A field of a request object. */
export interface FieldRule {
  required?: boolean;
  check: Check<unknown>;
}

const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Value checks; each returns the (normalised) value. */
export const checks = {
  string(maxLength: number, pattern?: RegExp, patternText?: string): Check<string> {
    return (v, field) => {
      if (typeof v !== 'string') throw badRequest.invalidField(field, `must be a string, not ${typeName(v)}`);
      if (v.length > maxLength) throw badRequest.invalidField(field, `must be at most ${maxLength} characters`);
      if (pattern && !pattern.test(v)) throw badRequest.invalidField(field, `must be ${patternText ?? pattern.source}`);
      return v;
    };
  },
  integer(min: number, max: number): Check<number> {
    return (v, field) => {
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw badRequest.invalidField(field, `must be an integer, not ${typeName(v)} ${JSON.stringify(v)}`);
      }
      if (v < min || v > max) throw badRequest.invalidField(field, `must be in ${min}..${max}, not ${v}`);
      return v;
    };
  },
  /** A finite number >= 0. */
  nonNegative(): Check<number> {
    return (v, field) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw badRequest.invalidField(field, `must be a number, not ${typeName(v)} ${JSON.stringify(v)}`);
      }
      if (v < 0) throw badRequest.invalidField(field, `must not be negative (${v})`);
      return v;
    };
  },
  boolean(): Check<boolean> {
    return (v, field) => {
      if (typeof v !== 'boolean') throw badRequest.invalidField(field, `must be a boolean, not ${typeName(v)}`);
      return v;
    };
  },
  oneOf<T extends string>(values: readonly T[]): Check<T> {
    return (v, field) => {
      if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
        throw badRequest.invalidField(field, `must be one of ${values.join(', ')}`);
      }
      return v as T;
    };
  },
  /** `0x`-prefixed or bare hex, 1..16 digits, not zero; returns 16 lower-case digits. */
  dpid(): Check<string> {
    return (v, field) => {
      if (typeof v !== 'string') throw badRequest.invalidField(field, `must be a hex string, not ${typeName(v)}`);
      const m = /^(?:0[xX])?([0-9a-fA-F]{1,16})$/.exec(v);
      if (!m || /^0+$/.test(m[1] ?? '')) throw badRequest.invalidField(field, 'must be 1..16 hex digits (optionally 0x-prefixed), not zero');
      return (m[1] ?? '').toLowerCase().padStart(16, '0');
    };
  },
};

/**
 * Checks that `body` is a JSON object whose members all have rules, that
 * required members are present and that each value passes its check.
 * Returns the checked (normalised) values of the members present.
 */
export function checkObject(body: unknown, rules: Record<string, FieldRule>): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest.body(`body must be a JSON object, not ${typeName(body)}`);
  }
  const obj = body as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!Object.prototype.hasOwnProperty.call(rules, key)) throw badRequest.unknownField(key);
  }
  for (const [key, rule] of Object.entries(rules)) {
    if (rule.required && !(key in obj)) throw badRequest.missingField(key);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    const rule = rules[key];
    if (rule) out[key] = rule.check(value, key);
  }
  return out;
}

/** One checked JSON-Patch operation. */
export interface PatchOp {
  path: string;
  value: unknown;
}

/**
 * Checks a JSON-Patch body (RFC 6902 subset: `replace` only) against the
 * patchable paths and their value checks. Returns every op, checked, so that
 * the caller can apply all or nothing.
 */
export function checkPatch(body: unknown, paths: Record<string, Check<unknown>>): PatchOp[] {
  if (!Array.isArray(body)) throw badRequest.body(`body must be a JSON-Patch array, not ${typeName(body)}`);
  return body.map((raw, i) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw badRequest.invalidField(`[${i}]`, 'must be a JSON-Patch operation object');
    }
    const op = raw as Record<string, unknown>;
    for (const key of Object.keys(op)) {
      if (key !== 'op' && key !== 'path' && key !== 'value') throw badRequest.unknownField(`[${i}].${key}`);
    }
    if (!('op' in op)) throw badRequest.missingField(`[${i}].op`);
    if (!('path' in op)) throw badRequest.missingField(`[${i}].path`);
    if (op['op'] !== 'replace') throw badRequest.invalidField(`[${i}].op`, "must be 'replace'");
    const path = op['path'];
    if (typeof path !== 'string') throw badRequest.invalidField(`[${i}].path`, 'must be a string');
    const check = paths[path];
    if (!check) {
      throw new CorsaApiError(400, 'unsupported-path', `path '${path}' cannot be replaced; patchable: ${Object.keys(paths).join(', ')}`, {
        field: path,
      });
    }
    if (!('value' in op)) throw badRequest.missingField(path);
    return { path, value: check(op['value'], path) };
  });
}
