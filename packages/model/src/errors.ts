/**
 * The one error class of dpb, with a closed set of codes.
 *
 * Every failure that crosses a package boundary is a {@link BrokerError}. Its
 * `code` says what kind of failure it is (and so which HTTP status or wire
 * error name a transport uses); its `details` name the thing at fault
 * (network, terminal, service, trunk, label, direction, key path, ...), so
 * callers and tests never need to parse the message.
 */

/** The closed set of error codes. Documented in docs/errors.md. */
export const ERROR_CODES = [
  /** Malformed request: wrong type, label out of range, absurd bandwidth. */
  'INVALID_ARGUMENT',
  /** Something named does not exist; `details.kind` says what. */
  'NOT_FOUND',
  /** A name or handle is already taken. */
  'ALREADY_EXISTS',
  /** A terminal, label or trunk is in use by something else. */
  'BUSY',
  /** Not enough bandwidth or labels; details give where, which way, how much. */
  'RESOURCE_EXHAUSTED',
  /** The operation is not allowed in the current state (e.g. define twice). */
  'FAILED_PRECONDITION',
  /** No or bad credentials. */
  'UNAUTHENTICATED',
  /** Credentials lack the right (control or manage) for this network. */
  'PERMISSION_DENIED',
  /** An inferior network, adaptor, switch or store could not be reached. */
  'UNAVAILABLE',
  /** Something did not complete in time. */
  'TIMEOUT',
  /** The configuration is invalid; `details.path` is the key path. */
  'CONFIG_INVALID',
  /** Anything else: a bug or an unexpected failure. */
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** What kind of thing a NOT_FOUND (or other) error refers to. */
export type ErrorSubject =
  | 'network'
  | 'terminal'
  | 'service'
  | 'handle'
  | 'trunk'
  | 'label'
  | 'circuit'
  | 'interface'
  | 'bridge'
  | 'route'
  | 'credential';

/**
 * Details name what was at fault. All fields are optional; each error sets
 * the ones that apply. Values are plain JSON so that transports can copy
 * them onto the wire unchanged.
 */
export interface ErrorDetails {
  /** What kind of thing the error is about. */
  kind?: ErrorSubject;
  network?: string;
  terminal?: string;
  service?: number | string;
  handle?: string;
  trunk?: number;
  label?: number;
  /** Labels involved, e.g. a conflicting range. */
  labels?: { min: number; max: number };
  /** `ingress`/`egress` at a terminal, `upstream`/`downstream` on a trunk or chord. */
  direction?: 'ingress' | 'egress' | 'upstream' | 'downstream';
  requestedMbps?: number;
  availableMbps?: number;
  /** Key path of a config error, or JSON path of a bad request field. */
  path?: string;
  /** The field at fault in a request. */
  field?: string;
  /** A value that was rejected (kept short). */
  value?: string | number | boolean | null;
  /** Current status of a service, for FAILED_PRECONDITION. */
  status?: string;
  /** Inferior network or adaptor that reported the failure. */
  inferior?: string;
  /** Anything else worth saying, as plain JSON. */
  [extra: string]: unknown;
}

export interface BrokerErrorOptions {
  details?: ErrorDetails;
  cause?: unknown;
}

/** The single error class. Identify it with {@link isBrokerError} or by `name`. */
export class BrokerError extends Error {
  override readonly name = 'BrokerError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, options: BrokerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  /** A plain JSON form, as transports put it on the wire. */
  toJSON(): { code: ErrorCode; message: string; details: ErrorDetails } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** True for any BrokerError, even one from another copy of this module. */
export function isBrokerError(e: unknown): e is BrokerError {
  return (
    e instanceof BrokerError ||
    (typeof e === 'object' &&
      e !== null &&
      (e as { name?: unknown }).name === 'BrokerError' &&
      typeof (e as { code?: unknown }).code === 'string')
  );
}

/** Wraps anything thrown into a BrokerError (INTERNAL unless it already is one). */
export function toBrokerError(e: unknown, fallback: ErrorCode = 'INTERNAL'): BrokerError {
  if (isBrokerError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new BrokerError(fallback, message, { cause: e });
}

/** Shorthand constructors for the common cases, so messages stay uniform. */
export const errors = {
  invalid(message: string, details: ErrorDetails = {}): BrokerError {
    return new BrokerError('INVALID_ARGUMENT', message, { details });
  },
  notFound(kind: ErrorSubject, what: string, details: ErrorDetails = {}): BrokerError {
    return new BrokerError('NOT_FOUND', `${kind} ${what} not found`, { details: { kind, ...details } });
  },
  exists(kind: ErrorSubject, what: string, details: ErrorDetails = {}): BrokerError {
    return new BrokerError('ALREADY_EXISTS', `${kind} ${what} already exists`, {
      details: { kind, ...details },
    });
  },
  busy(message: string, details: ErrorDetails = {}): BrokerError {
    return new BrokerError('BUSY', message, { details });
  },
  exhausted(message: string, details: ErrorDetails = {}): BrokerError {
    return new BrokerError('RESOURCE_EXHAUSTED', message, { details });
  },
  precondition(message: string, details: ErrorDetails = {}): BrokerError {
    return new BrokerError('FAILED_PRECONDITION', message, { details });
  },
  unavailable(message: string, details: ErrorDetails = {}, cause?: unknown): BrokerError {
    return new BrokerError('UNAVAILABLE', message, { details, cause });
  },
  timeout(message: string, details: ErrorDetails = {}): BrokerError {
    return new BrokerError('TIMEOUT', message, { details });
  },
  unauthenticated(message: string, details: ErrorDetails = {}): BrokerError {
    return new BrokerError('UNAUTHENTICATED', message, { details });
  },
  permissionDenied(message: string, details: ErrorDetails = {}): BrokerError {
    return new BrokerError('PERMISSION_DENIED', message, { details });
  },
  config(path: string, message: string, details: ErrorDetails = {}): BrokerError {
    return new BrokerError('CONFIG_INVALID', `${path}: ${message}`, { details: { path, ...details } });
  },
  internal(message: string, cause?: unknown, details: ErrorDetails = {}): BrokerError {
    return new BrokerError('INTERNAL', message, { details, cause });
  },
};

/** A recorded error, as kept in a service's error list and stored. */
export interface ErrorRecord {
  code: ErrorCode;
  message: string;
  details: ErrorDetails;
  /** Epoch milliseconds. */
  at: number;
}

export function errorRecord(e: unknown, at: number): ErrorRecord {
  const b = toBrokerError(e);
  return { code: b.code, message: b.message, details: b.details, at };
}
