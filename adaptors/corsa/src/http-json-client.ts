import { errors } from '@dpb/model';
import { X509Certificate } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { PeerCertificate } from 'node:tls';
import type { EndpointConfig } from './corsa-config';

/** What came back from a request: any HTTP status, the body parsed as JSON when it is JSON. */
export interface HttpResult {
  status: number;
  /** Parsed JSON, the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
}

/** One request as the fabric makes it; {@link HttpJsonClient} is the real transport, tests may supply another. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Relative to the client's API base, e.g. `bridges/br1/tunnels?list=true`. */
  path: string;
  body?: unknown;
}

/** Sends one request; throws UNAVAILABLE (network) or TIMEOUT, never for an HTTP status. */
export type HttpTransport = (request: HttpRequest) => Promise<HttpResult>;

export interface HttpJsonClientOptions {
  endpoint: EndpointConfig;
  /** Appended to the endpoint's URL, e.g. `/api/v1/`. */
  apiPath: string;
  timeoutMs: number;
  /** Names the far end in error details (`details.inferior`). */
  name: string;
}

/**
 * A small JSON-over-HTTP(S) client on node:http/node:https: one keep-alive
 * agent, an `Authorization` header on every request, a deadline per request,
 * and TLS trust from the endpoint (a CA, or one pinned certificate without a
 * hostname check). Never throws for an HTTP status; transport failures are
 * UNAVAILABLE and timeouts TIMEOUT, with `details.inferior`, `method`, `path`.
 */
export class HttpJsonClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly inFlight = new Set<http.ClientRequest>();
  private closed = false;

  constructor(private readonly options: HttpJsonClientOptions) {
    this.base = new URL(`${options.endpoint.url}${options.apiPath}`);
    const tls = options.endpoint.tls;
    if (this.base.protocol === 'https:') {
      const agentOptions: https.AgentOptions = { keepAlive: true, maxSockets: 8 };
      if (tls && 'ca' in tls) agentOptions.ca = tls.ca;
      if (tls && 'pinnedCert' in tls) {
        const pinned = new Set(
          (tls.pinnedCert.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
            (pem) => new X509Certificate(pem).fingerprint256,
          ),
        );
        agentOptions.ca = tls.pinnedCert;
        agentOptions.checkServerIdentity = (_host: string, cert: PeerCertificate) => {
          // accept when the pinned certificate is anywhere in the chain the server showed
          const seen = new Set<PeerCertificate>();
          for (let c: PeerCertificate | undefined = cert; c && !seen.has(c); c = (c as { issuerCertificate?: PeerCertificate }).issuerCertificate) {
            seen.add(c);
            if (pinned.has(c.fingerprint256)) return undefined;
          }
          return new Error('the server certificate is not the pinned one');
        };
      }
      this.agent = new https.Agent(agentOptions);
    } else {
      this.agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    }
  }

  /** The transport function bound to this client. */
  readonly transport: HttpTransport = (r) => this.request(r);

  /** Sends one request and reads the whole answer. */
  request(r: HttpRequest): Promise<HttpResult> {
    const url = new URL(r.path, this.base);
    const where = { inferior: this.options.name, method: r.method, path: url.pathname + url.search };
    if (this.closed) return Promise.reject(errors.unavailable(`${this.options.name}: client closed`, where));
    const payload = r.body === undefined ? undefined : Buffer.from(JSON.stringify(r.body), 'utf8');
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.options.endpoint.authorization !== undefined) headers.Authorization = this.options.endpoint.authorization;
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise<HttpResult>((resolve, reject) => {
      let settled = false;
      const done = (f: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(req);
        f();
      };
      const req = lib.request(url, { method: r.method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => done(() => reject(errors.unavailable(`${this.options.name}: ${e.message}`, where, e))));
        res.on('end', () =>
          done(() => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = undefined;
            if (text.length > 0) {
              try {
                body = JSON.parse(text);
              } catch {
                body = text;
              }
            }
            resolve({ status: res.statusCode ?? 0, body });
          }),
        );
      });
      const timer = setTimeout(() => {
        done(() => reject(errors.timeout(`${this.options.name}: no answer to ${r.method} ${where.path} within ${this.options.timeoutMs} ms`, { ...where, timeoutMs: this.options.timeoutMs })));
        req.destroy();
      }, this.options.timeoutMs);
      this.inFlight.add(req);
      req.on('error', (e) => done(() => reject(errors.unavailable(`${this.options.name}: ${r.method} ${where.path}: ${e.message}`, where, e))));
      if (payload) req.end(payload);
      else req.end();
    });
  }

  /** Aborts requests in flight (they reject with UNAVAILABLE) and closes idle connections. */
  close(): void {
    this.closed = true;
    for (const req of [...this.inFlight]) req.destroy(new Error('client closed'));
    this.agent.destroy();
  }
}
