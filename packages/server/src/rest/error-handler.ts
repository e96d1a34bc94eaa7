import { errors, type Logger, toBrokerError } from '@dpb/model';
import { errorResponse } from '@dpb/protocol';
import type { ErrorRequestHandler, Response } from 'express';
import { WWW_AUTHENTICATE } from './auth';

/** Body-parser failures (they carry `type` and `status`) as BrokerErrors. */
function fromBodyParser(e: unknown, limitBytes: number): unknown {
  if (e instanceof URIError) return errors.invalid(`request path could not be decoded: ${e.message}`, { field: 'path' });
  const t = (e as { type?: unknown } | null)?.type;
  switch (t) {
    case 'entity.too.large':
      return errors.invalid(`request body is larger than ${limitBytes} bytes`, { field: 'body', reason: 'PAYLOAD_TOO_LARGE', limitBytes });
    case 'entity.parse.failed':
      return errors.invalid(`request body is not a JSON object or array: ${(e as Error).message}`, { field: 'body', reason: 'MALFORMED_JSON' });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return errors.invalid(`request body encoding is not supported: ${(e as Error).message}`, { field: 'body' });
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return errors.invalid(`request body could not be read: ${(e as Error).message}`, { field: 'body' });
    default:
      return e;
  }
}

/** Writes any error as the JSON error body with the status from the one mapping table. */
export function sendError(res: Response, e: unknown, logger: Logger, context: Record<string, unknown> = {}): void {
  const { status, body, error } = errorResponse(e);
  if (status >= 500) logger.error('request failed', { ...context, error: error, cause: error.cause instanceof Error ? error.cause : undefined });
  else logger.debug('request rejected', { ...context, code: error.code, details: error.details });
  if (res.headersSent) {
    res.end();
    return;
  }
  if (error.code === 'UNAUTHENTICATED') res.setHeader('WWW-Authenticate', WWW_AUTHENTICATE);
  if (error.details.reason === 'METHOD_NOT_ALLOWED' && Array.isArray(error.details.allow)) {
    res.setHeader('Allow', (error.details.allow as string[]).join(', '));
  }
  res.status(status).json(body);
}

/** The express error middleware: everything thrown or passed to next() ends here. */
export function errorHandler(logger: Logger, limitBytes: number): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const e = toBrokerError(fromBodyParser(err, limitBytes));
    sendError(res, e, logger, { method: req.method, path: req.path });
  };
}
