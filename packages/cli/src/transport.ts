/** A reply from the server: status, parsed JSON body (or text, or undefined if empty), headers (lower-case names). */
export interface TransportResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** One server-sent event. */
export interface TransportEvent {
  event: string;
  data: string;
}

/** Per-request options a transport may honour. */
export interface RequestOptions {
  /** Abort the request (Ctrl-C). */
  signal?: AbortSignal;
  /** Longest time to wait for the reply, ms (the transport's default otherwise). */
  timeoutMs?: number;
}

/**
 * How the CLI reaches REST v1. Paths are absolute (`/api/v1/networks/wan`).
 * `request` returns every HTTP reply, error statuses included, and throws
 * {@link TransportError} only when there is no reply (cannot connect,
 * timeout). `events` yields server-sent events until the server ends the
 * stream or `signal` aborts; it throws {@link HttpReplyError} if the server
 * answers with an error status instead of a stream.
 *
 * {@link HttpTransport} implements it with fetch; the server's management
 * shell may supply an in-process one.
 */
export interface Transport {
  request(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<TransportResponse>;
  events(path: string, signal?: AbortSignal): AsyncIterable<TransportEvent>;
}
