import { BrokerError, ERROR_CODES, type ErrorCode, type ErrorDetails, errors, isBrokerError } from '@dpb/model';

/** Where a remote error came from: the local network name and the remote URL. */
export interface RemoteContext {
  network: string;
  url: string;
}

function isErrorCode(s: unknown): s is ErrorCode {
  return typeof s === 'string' && (ERROR_CODES as readonly string[]).includes(s);
}

/** The code for an HTTP status when the body says nothing usable. */
export function codeForHttpStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
    case 413:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
    case 405:
      return 'NOT_FOUND';
    case 409:
      return 'FAILED_PRECONDITION';
    case 408:
    case 504:
      return 'TIMEOUT';
    case 502:
    case 503:
      return 'UNAVAILABLE';
    default:
      return 'INTERNAL';
  }
}

/**
 * Turns a remote error body `{"error":{code,message,details}}` into a
 * BrokerError with the same code and details, plus `details.remote` (the URL
 * the request went to). A body without that shape (a proxy's HTML page, say)
 * gets a code from the HTTP status and `details.httpStatus`.
 */
export function decodeErrorBody(body: unknown, httpStatus: number, context: RemoteContext): BrokerError {
  const e = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  if (typeof e === 'object' && e !== null && isErrorCode((e as { code?: unknown }).code)) {
    const { code, message, details } = e as { code: ErrorCode; message?: unknown; details?: unknown };
    const d: ErrorDetails = typeof details === 'object' && details !== null && !Array.isArray(details) ? { ...(details as ErrorDetails) } : {};
    d.remote = context.url;
    return new BrokerError(code, typeof message === 'string' ? message : `${code} from ${context.url}`, { details: d });
  }
  const code = codeForHttpStatus(httpStatus);
  return new BrokerError(code, `HTTP ${httpStatus} from ${context.url}`, {
    details: { network: context.network, remote: context.url, httpStatus },
  });
}

/** A connection failure or timeout talking to a remote network: UNAVAILABLE naming network, URL and cause. */
export function unavailable(context: RemoteContext, what: string, cause: unknown): BrokerError {
  const message = causeMessage(cause);
  return errors.unavailable(`network ${context.network} at ${context.url}: ${what}: ${message}`, { network: context.network, url: context.url, cause: message }, cause);
}

/** The most useful message of an error and its causes (fetch hides the socket error in `cause`). */
export function causeMessage(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur !== undefined && cur !== null; i++) {
    const m = cur instanceof Error ? cur.message : String(cur);
    const code = (cur as { code?: unknown }).code;
    const text = typeof code === 'string' && !m.includes(code) ? `${m} (${code})` : m;
    if (text && !parts.includes(text)) parts.push(text);
    cur = (cur as { cause?: unknown }).cause;
  }
  return parts.join(': ') || 'unknown error';
}

/** True for failures worth retrying after a pause: the remote was unreachable or slow. */
export function isTransient(e: unknown): boolean {
  return isBrokerError(e) && (e.code === 'UNAVAILABLE' || e.code === 'TIMEOUT');
}
