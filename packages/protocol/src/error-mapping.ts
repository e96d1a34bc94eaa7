import { type BrokerError, type ErrorCode, type ErrorDetails, toBrokerError } from '@dpb/model';

/**
 * The one table from {@link ErrorCode} to HTTP status. Every REST handler's
 * failure goes through {@link httpStatusFor}; handlers never choose a status
 * themselves.
 */
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  BUSY: 409,
  RESOURCE_EXHAUSTED: 409,
  FAILED_PRECONDITION: 409,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
  CONFIG_INVALID: 400,
  INTERNAL: 500,
};

/**
 * Transport-level refinements, keyed by `details.reason`: the HTTP layer
 * itself reports two conditions that have their own status codes. They keep
 * their ErrorCode (so other transports see the usual code) and only the HTTP
 * status differs.
 */
export const HTTP_REASONS = {
  /** The request body is larger than the server accepts (code INVALID_ARGUMENT). */
  PAYLOAD_TOO_LARGE: 413,
  /** The path exists but not for this method (code NOT_FOUND, kind route). */
  METHOD_NOT_ALLOWED: 405,
} as const;

export type HttpReason = keyof typeof HTTP_REASONS;

/** The HTTP status for an error code (and, for the two transport cases, its reason). */
export function httpStatusFor(code: ErrorCode, details: ErrorDetails = {}): number {
  const reason = details.reason;
  if (typeof reason === 'string' && Object.prototype.hasOwnProperty.call(HTTP_REASONS, reason)) {
    return HTTP_REASONS[reason as HttpReason];
  }
  return HTTP_STATUS_BY_CODE[code];
}

/** The JSON error body every REST error carries. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: ErrorDetails };
}

/** Status and body for anything thrown; non-BrokerErrors become INTERNAL. */
export function errorResponse(e: unknown): { status: number; body: ErrorBody; error: BrokerError } {
  const error = toBrokerError(e);
  return {
    status: httpStatusFor(error.code, error.details),
    body: { error: { code: error.code, message: error.message, details: jsonSafe(error.details) } },
    error,
  };
}

/** Details are plain JSON already; this drops anything that is not (functions, cycles, Infinity). */
function jsonSafe(details: ErrorDetails): ErrorDetails {
  try {
    return JSON.parse(
      JSON.stringify(details, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)),
    ) as ErrorDetails;
  } catch {
    return {};
  }
}

/** JSON Schema of the error body, for the OpenAPI document. */
export const errorBodySchema = {
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', enum: Object.keys(HTTP_STATUS_BY_CODE) },
        message: { type: 'string' },
        details: { type: 'object', description: 'Names the thing at fault: kind, network, terminal, service, trunk, label, field, path, ...' },
      },
    },
  },
} as const;
