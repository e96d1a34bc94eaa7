import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';

/** Express's weak ETag for a UTF-8 body: `W/"<length hex>-<sha1 base64, 27 chars>"`. */
export function weakEtag(text: string): string {
  const length = Buffer.byteLength(text, 'utf8');
  if (length === 0) return 'W/"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk"';
  const hash = createHash('sha1').update(text, 'utf8').digest('base64').substring(0, 27);
  return `W/"${length.toString(16)}-${hash}"`;
}

/**
 * Writes `body` as a JSON reply with the same status line, headers and bytes
 * as Express's `res.status(status).json(body)` (Content-Type
 * `application/json; charset=utf-8`, Content-Length, weak ETag), in one
 * socket write and without Express's per-reply machinery. Non-finite numbers
 * become `null`, as in JSON.stringify.
 *
 * Conditional requests (If-None-Match, If-Modified-Since: a 304 may be due),
 * HEAD, a Content-Type already set, and a body that is not JSON go through
 * Express as before.
 */
export function jsonReply(req: Request, res: Response, status: number, body: unknown): void {
  const h = req.headers;
  if (
    body === undefined ||
    typeof body === 'function' ||
    req.method === 'HEAD' ||
    h['if-none-match'] !== undefined ||
    h['if-modified-since'] !== undefined ||
    res.hasHeader('content-type') ||
    !Number.isInteger(status) ||
    status < 200 ||
    status > 999 ||
    status === 204 ||
    status === 304
  ) {
    res.status(status).json(body);
    return;
  }
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text, 'utf8'));
  res.setHeader('ETag', weakEtag(text));
  res.end(text, 'utf8');
}
