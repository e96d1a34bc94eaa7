import { isBrokerError, type Logger } from '@dpb/model';
import { decodeErrorBody, type RemoteContext, unavailable } from '../common';
import { parseSse, type SseEvent } from './sse';

/** Settings of a {@link RestTransport}. */
export interface RestTransportOptions {
  /** `http(s)://host:port[/prefix]/api/v1/networks/NAME`, without a trailing slash. */
  url: string;
  /** The local name of the network, for errors. */
  network: string;
  token?: string;
  /** Longest an ordinary request may take, ms. */
  requestTimeoutMs: number;
  /** Longest an open event stream may stay silent before it counts as dropped, ms. */
  streamIdleMs: number;
  logger: Logger;
  /** Told after every request whether the server answered (any HTTP reply) or could not be reached. */
  onReachable?: (reachable: boolean) => void;
}

/** A JSON reply. */
export interface RestReply {
  status: number;
  body: unknown;
  headers: Headers;
}

/** Options of one request. */
export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** Overrides the request timeout (waits), ms. */
  timeoutMs?: number;
}

function withQuery(path: string, query: RequestOptions['query']): string {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/**
 * HTTP for one remote network: JSON requests with a timeout each, error
 * bodies decoded into BrokerErrors, connection failures and timeouts as
 * UNAVAILABLE, and server-sent event streams. `close()` aborts everything in
 * flight.
 */
export class RestTransport {
  private readonly closer = new AbortController();
  private readonly context: RemoteContext;

  constructor(private readonly options: RestTransportOptions) {
    this.context = { network: options.network, url: options.url };
  }

  /** True once closed. */
  get closed(): boolean {
    return this.closer.signal.aborted;
  }

  /** Aborts every request and stream, now and later. */
  close(): void {
    this.closer.abort();
  }

  private headers(json: boolean, accept = 'application/json'): Record<string, string> {
    const h: Record<string, string> = { Accept: accept };
    if (json) h['Content-Type'] = 'application/json';
    if (this.options.token !== undefined) h.Authorization = `Bearer ${this.options.token}`;
    return h;
  }

  private ctx(url: string): RemoteContext {
    return { network: this.context.network, url };
  }

  private closedError(url: string): Error {
    return unavailable(this.ctx(url), 'request failed', new Error('client closed'));
  }

  /**
   * Sends a request; returns the parsed reply for 2xx, throws the decoded
   * error otherwise. A GET that fails on the connection (not a timeout) is
   * tried once more at once: a pooled keep-alive connection may have died.
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<RestReply> {
    try {
      const reply = await this.requestOnce(method, path, options);
      this.options.onReachable?.(true);
      return reply;
    } catch (e) {
      if (!this.closed && isBrokerError(e) && e.code === 'UNAVAILABLE' && e.details.httpStatus === undefined) this.options.onReachable?.(false);
      else if (!this.closed) this.options.onReachable?.(true);
      throw e;
    }
  }

  private async requestOnce(method: string, path: string, options: RequestOptions): Promise<RestReply> {
    try {
      return await this.attempt(method, path, options);
    } catch (e) {
      if (method !== 'GET' || this.closed || !(e instanceof RetryableFailure)) throw unwrap(e);
      this.debug('retrying a GET after a connection failure', { path, error: e.error.message });
      return this.attempt(method, path, options).catch((e2: unknown) => {
        throw unwrap(e2);
      });
    }
  }

  private async attempt(method: string, path: string, options: RequestOptions): Promise<RestReply> {
    const url = this.options.url + withQuery(path, options.query);
    if (this.closed) throw this.closedError(url);
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const signal = AbortSignal.any([timeout.signal, this.closer.signal]);
    let res: Response;
    let text: string;
    try {
      const init: RequestInit = { method, headers: this.headers(options.body !== undefined), signal };
      if (options.body !== undefined) init.body = JSON.stringify(options.body);
      res = await fetch(url, init);
      text = await res.text();
    } catch (e) {
      if (this.closed) throw this.closedError(url);
      if (timeout.signal.aborted) throw unavailable(this.ctx(url), `${method} got no reply`, new Error(`timed out after ${timeoutMs} ms`));
      throw new RetryableFailure(unavailable(this.ctx(url), `${method} failed`, e));
    } finally {
      clearTimeout(timer);
    }
    let body: unknown = undefined;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    if (!res.ok) throw decodeErrorBody(body, res.status, this.ctx(url));
    return { status: res.status, body, headers: res.headers };
  }

  /**
   * Opens an event stream and yields its events until the server ends it
   * (returns), the connection fails or stays silent too long (throws
   * UNAVAILABLE), or `signal` aborts (returns). An error reply is thrown as
   * its BrokerError.
   */
  async *events(path: string, signal: AbortSignal): AsyncGenerator<SseEvent> {
    const url = this.options.url + path;
    if (this.closed || signal.aborted) return;
    const conn = new AbortController();
    const stop = (): void => conn.abort();
    this.closer.signal.addEventListener('abort', stop);
    signal.addEventListener('abort', stop);
    let idle = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = (ms: number): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        idle = true;
        conn.abort();
      }, ms);
    };
    try {
      arm(this.options.requestTimeoutMs);
      let res: Response;
      try {
        res = await fetch(url, { headers: this.headers(false, 'text/event-stream'), signal: conn.signal });
      } catch (e) {
        if (signal.aborted || this.closed) return;
        throw unavailable(this.ctx(url), 'event stream failed', idle ? new Error(`no reply within ${this.options.requestTimeoutMs} ms`) : e);
      }
      if (!res.ok || res.body === null) {
        const text = await res.text().catch(() => '');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: decoded from the status
        }
        throw decodeErrorBody(body, res.status, this.ctx(url));
      }
      arm(this.options.streamIdleMs);
      try {
        for await (const ev of parseSse(observe(res.body, () => arm(this.options.streamIdleMs)))) yield ev;
      } catch (e) {
        if (signal.aborted || this.closed) return;
        throw unavailable(this.ctx(url), 'event stream dropped', idle ? new Error(`silent for ${this.options.streamIdleMs} ms`) : e);
      }
    } finally {
      clearTimeout(timer);
      this.closer.signal.removeEventListener('abort', stop);
      signal.removeEventListener('abort', stop);
      conn.abort(); // releases the connection if the consumer stopped early
    }
  }

  /** Logs at debug level. */
  debug(message: string, fields: Record<string, unknown> = {}): void {
    this.options.logger.debug(message, { network: this.context.network, url: this.context.url, ...fields });
  }
}

/** A connection failure that may be retried; carries the UNAVAILABLE error to throw otherwise. */
class RetryableFailure extends Error {
  constructor(readonly error: Error) {
    super(error.message);
  }
}

function unwrap(e: unknown): unknown {
  return e instanceof RetryableFailure ? e.error : e;
}

/** Calls `onChunk` for every chunk of `body` (to reset an idle timer). */
function observe(body: ReadableStream<Uint8Array>, onChunk: () => void): ReadableStream<Uint8Array> {
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        onChunk();
        controller.enqueue(chunk);
      },
    }),
  );
}
