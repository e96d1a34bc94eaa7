import { HttpReplyError, InterruptedError, TransportError, UsageError } from './errors';
import { SseParser } from './sse';
import type { RequestOptions, Transport, TransportEvent, TransportResponse } from './transport';

/** Default longest wait for a reply (or for the headers of an event stream), ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface HttpTransportOptions {
  /** Longest wait for a reply when a request does not say, ms; default 30 000. */
  timeoutMs?: number;
}

/**
 * {@link Transport} over HTTP(S) with Node's global fetch. Sends
 * `Authorization: Bearer <token>` when a token is given (or HTTP Basic when
 * the URL carries `user:password@`), parses JSON replies, and reads
 * server-sent events incrementally.
 */
export class HttpTransport implements Transport {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:4753`. */
  readonly url: string;
  private readonly authorization: string | undefined;
  private readonly timeoutMs: number;

  /** Throws {@link UsageError} unless `url` is an http:// or https:// URL. */
  constructor(url: string, token?: string, options: HttpTransportOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`the server URL must look like http://host:port; got ${JSON.stringify(url)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new UsageError(`the server URL must start with http:// or https://; got ${JSON.stringify(url)}`);
    }
    if (parsed.search || parsed.hash) throw new UsageError(`the server URL must not have a query or fragment; got ${JSON.stringify(url)}`);
    let basic: string | undefined;
    if (parsed.username || parsed.password) {
      basic = Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64');
      parsed.username = '';
      parsed.password = '';
    }
    this.url = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
    this.authorization = token ? `Bearer ${token}` : basic ? `Basic ${basic}` : undefined;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  async request(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<TransportResponse> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.authorization) headers.Authorization = this.authorization;
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    init.signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      const res = await fetch(this.url + path, init);
      const text = await res.text();
      return { status: res.status, body: parseBody(text), headers: headerRecord(res.headers) };
    } catch (e) {
      throw this.failure(e, options.signal, timeout, timeoutMs);
    }
  }

  async *events(path: string, signal?: AbortSignal): AsyncIterable<TransportEvent> {
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (this.authorization) headers.Authorization = this.authorization;
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    // Only the wait for the reply headers is bounded; an open stream may be quiet for long.
    const headerTimeout = new AbortController();
    const timer = setTimeout(() => {
      headerTimeout.abort();
      stop.abort();
    }, this.timeoutMs);
    try {
      let res: Response;
      try {
        if (signal?.aborted) throw new InterruptedError();
        res = await fetch(this.url + path, { headers, signal: stop.signal });
      } catch (e) {
        throw this.failure(e, signal, headerTimeout.signal, this.timeoutMs);
      } finally {
        clearTimeout(timer);
      }
      if (res.status !== 200 || !res.body) {
        const text = await res.text().catch(() => '');
        throw new HttpReplyError(res.status, parseBody(text), headerRecord(res.headers));
      }
      const parser = new SseParser();
      const decoder = new TextDecoder();
      const reader = res.body.getReader();
      try {
        for (;;) {
          let chunk: Awaited<ReturnType<typeof reader.read>>;
          try {
            chunk = await reader.read();
          } catch (e) {
            if (signal?.aborted) throw new InterruptedError();
            throw new TransportError(`the event stream from ${this.url} broke: ${describeCause(e)}`, 'STREAM', e);
          }
          if (chunk.done) break;
          for (const ev of parser.push(decoder.decode(chunk.value, { stream: true }))) yield ev;
        }
        for (const ev of parser.push(decoder.decode())) yield ev;
        parser.end();
      } finally {
        reader.releaseLock();
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      stop.abort();
    }
  }

  private failure(e: unknown, signal: AbortSignal | undefined, timeout: AbortSignal, timeoutMs: number): Error {
    if (e instanceof InterruptedError || signal?.aborted) return new InterruptedError();
    if (timeout.aborted) {
      return new TransportError(`no reply from ${this.url} within ${formatSeconds(timeoutMs)}`, 'TIMEOUT', e);
    }
    return new TransportError(
      `cannot connect to ${this.url}: ${describeCause(e)}`,
      'CONNECT',
      e,
      'is dpb-server running there? The URL comes from --url, DPB_URL or "url:" in the config file',
    );
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** The most specific reason a fetch failed: ECONNREFUSED, ENOTFOUND, ... */
function describeCause(e: unknown): string {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    const c = cur as { code?: unknown; cause?: unknown; errors?: unknown[]; message?: unknown };
    if (typeof c.code === 'string' && !c.code.startsWith('UND_ERR_')) return c.code;
    if (Array.isArray(c.errors) && c.errors.length) cur = c.errors[0];
    else if (c.cause) cur = c.cause;
    else return typeof c.message === 'string' ? c.message : String(cur);
  }
  return e instanceof Error ? e.message : String(e);
}

function parseBody(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function headerRecord(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => {
    out[k.toLowerCase()] = v;
  });
  return out;
}
