import type { ErrorDetails } from '@dpb/model';
import { ApiError, CliError, EXIT, HttpReplyError, InterruptedError, TransportError } from './errors';
import type { Transport, TransportEvent, TransportResponse } from './transport';

/** `/api/v1/networks/wan/services/demo-1`, each segment percent-encoded. */
export function apiPath(...segments: (string | number)[]): string {
  return `/api/v1/${segments.map((s) => encodeURIComponent(String(s))).join('/')}`;
}

/** Turns an error reply into an {@link ApiError} carrying the server's code, message and details. */
export function apiErrorFrom(doing: string, status: number, body: unknown): ApiError {
  const err = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  if (err && typeof err.code === 'string') {
    const details = typeof err.details === 'object' && err.details !== null ? (err.details as ErrorDetails) : {};
    return new ApiError(doing, status, err.code, typeof err.message === 'string' ? err.message : '', details);
  }
  const text = typeof body === 'string' ? body.trim().slice(0, 200) : '';
  return new ApiError(doing, status, `HTTP_${status}`, text || 'the server replied without an error body', {});
}

/**
 * The CLI's view of REST v1: every call says what it is doing, so a failure
 * becomes one readable line (`cannot define service 3 on network wan:
 * RESOURCE_EXHAUSTED: ... (trunk 4, direction upstream, ...)`).
 */
export class ApiClient {
  constructor(
    readonly transport: Transport,
    private readonly signal?: AbortSignal,
  ) {}

  /** One request; resolves with a 2xx reply, throws ApiError / TransportError / InterruptedError otherwise. */
  async call(method: string, path: string, body: unknown, doing: string, timeoutMs?: number): Promise<TransportResponse> {
    if (this.signal?.aborted) throw new InterruptedError();
    let res: TransportResponse;
    try {
      res = await this.transport.request(method, path, body, {
        ...(this.signal ? { signal: this.signal } : {}),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
    } catch (e) {
      throw wrapTransportFailure(e, doing, this.signal);
    }
    if (res.status < 200 || res.status > 299) throw apiErrorFrom(doing, res.status, res.body);
    if (typeof res.body === 'string') {
      throw new CliError(`cannot ${doing}: the server replied with something that is not JSON: ${res.body.slice(0, 80)}`, EXIT.REFUSED);
    }
    return res;
  }

  /** GET, returning the JSON body. */
  async get<T>(path: string, doing: string): Promise<T> {
    return (await this.call('GET', path, undefined, doing)).body as T;
  }

  /** Server-sent events of `path`; error replies become ApiError. */
  async *events(path: string, doing: string): AsyncIterable<TransportEvent> {
    try {
      for await (const ev of this.transport.events(path, this.signal)) yield ev;
    } catch (e) {
      if (e instanceof HttpReplyError) throw apiErrorFrom(doing, e.status, e.body);
      throw wrapTransportFailure(e, doing, this.signal);
    }
    if (this.signal?.aborted) throw new InterruptedError();
  }
}

function wrapTransportFailure(e: unknown, doing: string, signal: AbortSignal | undefined): Error {
  if (signal?.aborted) return new InterruptedError();
  if (e instanceof TransportError) return new TransportError(`cannot ${doing}: ${e.message}`, e.reason, e.cause, e.hint);
  if (e instanceof CliError) return e;
  return new TransportError(`cannot ${doing}: ${e instanceof Error ? e.message : String(e)}`, 'TRANSPORT', e);
}
