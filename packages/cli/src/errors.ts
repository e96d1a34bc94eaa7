import type { ErrorDetails } from '@dpb/model';

/**
 * Exit codes of `dpb` (and of {@link runCli}). Scripts can rely on them;
 * docs/cli.md lists them.
 */
export const EXIT = {
  /** Success. */
  OK: 0,
  /** The server refused the request (any error reply except 401/403), or a named thing does not exist. */
  REFUSED: 1,
  /** Bad command line: unknown command or option, missing or malformed argument. Nothing was sent. */
  USAGE: 2,
  /** Cannot reach the server: connection refused, no reply in time, event stream broken. */
  UNREACHABLE: 3,
  /** Not authenticated (401) or not allowed (403). */
  AUTH: 4,
  /** `await`: the deadline passed before the service reached a status asked for. */
  WAIT_TIMEOUT: 5,
  /** `await`: the service settled in a status not asked for (FAILED, or RELEASED). */
  WRONG_STATUS: 6,
  /** Interrupted (Ctrl-C, or the caller's AbortSignal). */
  INTERRUPTED: 130,
} as const;

/** An error `dpb` reports as a message on stderr and an exit code, never a stack trace. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    /** The exit code this error ends the run with (see {@link EXIT}). */
    readonly exitCode: number,
    /** An extra line telling the user what to do next. */
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** A bad command line; detected before anything is sent to the server. Exit code 2. */
export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(message: string, hint?: string) {
    super(message, EXIT.USAGE, hint);
  }
}

/** The server could not be reached, did not answer in time, or broke an event stream. Exit code 3. */
export class TransportError extends CliError {
  override name = 'TransportError';
  constructor(
    message: string,
    /** Short machine-readable reason: CONNECT, TIMEOUT, STREAM, BAD_URL, ... */
    readonly reason: string,
    cause?: unknown,
    hint?: string,
  ) {
    super(message, EXIT.UNREACHABLE, hint);
    if (cause !== undefined) this.cause = cause;
  }
}

/** The run was interrupted by its AbortSignal (Ctrl-C). Exit code 130. */
export class InterruptedError extends CliError {
  override name = 'InterruptedError';
  constructor() {
    super('interrupted', EXIT.INTERRUPTED);
  }
}

/**
 * Thrown by {@link Transport.events} when the server answers the event
 * request with an error status instead of a stream.
 */
export class HttpReplyError extends Error {
  override name = 'HttpReplyError';
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

/** The server replied with an error: its code, message and details, plus what the CLI was doing. */
export class ApiError extends CliError {
  override name = 'ApiError';
  constructor(
    /** What the command was doing, e.g. `define service demo-1 on network wan`. */
    readonly doing: string,
    readonly status: number,
    /** The server's `error.code` (e.g. NOT_FOUND), or `HTTP_<status>` if the reply had no error body. */
    readonly code: string,
    readonly serverMessage: string,
    readonly details: ErrorDetails,
  ) {
    super(
      `cannot ${doing}: ${code}: ${serverMessage}${formatDetails(details)}`,
      status === 401 || status === 403 ? EXIT.AUTH : EXIT.REFUSED,
      hintFor(status, code),
    );
  }
}

function hintFor(status: number, code: string): string | undefined {
  if (status === 401 || code === 'UNAUTHENTICATED') {
    return 'give a bearer token with --token, the DPB_TOKEN environment variable, or "token:" in the config file';
  }
  if (status === 403 || code === 'PERMISSION_DENIED') return 'the token\'s user lacks that right on this network; ask the operator';
  return undefined;
}

/** ` (kind network, network nowhere)`: the thing at fault, from an error's details. */
export function formatDetails(details: ErrorDetails | undefined): string {
  if (!details) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(details)) {
    if (v === undefined) continue;
    const text = typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
    parts.push(`${k} ${text.length > 100 ? `${text.slice(0, 99)}…` : text}`);
  }
  return parts.length ? ` (${parts.join(', ')})` : '';
}
