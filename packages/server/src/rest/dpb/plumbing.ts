import { BrokerError, errors, type Logger, type NetworkControl } from '@dpb/model';
import { errorResponse } from '@dpb/protocol';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { requireRight } from '../../auth/principal';
import type { Networks } from '../../networks';
import { principalOf, WWW_AUTHENTICATE } from '../auth';
import { sendError } from '../error-handler';
import type { JsonBodyReader } from './body';

/** Which of the two DPB APIs a route belongs to; it decides the error body's shape. */
export type DpbApi = 'network' | '5gnetwork';

/** What every DPB-compatible handler gets. */
export interface DpbRouteContext {
  req: Request;
  res: Response;
  /** The network named in the path (the caller holds `control` on it). */
  control: NetworkControl;
  network: string;
  bodies: JsonBodyReader;
}

/** Shared state of the mounted DPB-compatible routes. */
export interface DpbShared {
  networks: Networks;
  logger: Logger;
  bodies: JsonBodyReader;
}

/**
 * Writes an error in the shape of `api`: the standard
 * `{"error":{code,message,details}}` for `/network`, DPB's
 * `{"error-message":…}` (plus `code` and `details`) for `/5gnetwork`.
 */
export function sendDpbError(api: DpbApi, res: Response, e: unknown, logger: Logger, context: Record<string, unknown>): void {
  if (api === 'network') {
    sendError(res, e, logger, context);
    return;
  }
  const { status, body, error } = errorResponse(e);
  if (status >= 500) logger.error('request failed', { ...context, error, cause: error.cause instanceof Error ? error.cause : undefined });
  else logger.debug('request rejected', { ...context, code: error.code, details: error.details });
  if (res.headersSent) {
    res.end();
    return;
  }
  if (error.code === 'UNAUTHENTICATED') res.setHeader('WWW-Authenticate', WWW_AUTHENTICATE);
  if (error.details.reason === 'METHOD_NOT_ALLOWED' && Array.isArray(error.details.allow)) {
    res.setHeader('Allow', (error.details.allow as string[]).join(', '));
  }
  res.status(status).json({ 'error-message': error.message, code: error.code, details: body.error.details });
}

/**
 * An express handler for one DPB-compatible route: checks the caller's
 * `control` right on the network in the path (PERMISSION_DENIED before
 * anything else, so callers learn nothing about networks they may not
 * use), resolves the network (NOT_FOUND), runs `handler` and answers 200
 * with the object it returns. Every failure is answered in the API's error
 * shape; nothing reaches express's error chain.
 */
export function dpbHandler(api: DpbApi, shared: DpbShared, handler: (ctx: DpbRouteContext) => Promise<object>): RequestHandler {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      const network = (req.params as Record<string, string>).net as string;
      requireRight(principalOf(res), network, 'control');
      const entry = shared.networks.get(network);
      if (!entry) throw errors.notFound('network', network, { network });
      const body = await handler({ req, res, control: entry.control, network, bodies: shared.bodies });
      if (!res.headersSent) res.status(200).json(body);
    } catch (e) {
      sendDpbError(api, res, e, shared.logger, { api, method: req.method, path: req.path });
    }
  };
}

/** HTTP methods the DPB-compatible routes use. */
export type DpbMethod = 'get' | 'post' | 'put' | 'delete';

/** One path with its handler per method; any other method is answered 405 with `Allow`. */
export interface DpbPath {
  path: string;
  methods: Partial<Record<DpbMethod, (ctx: DpbRouteContext) => Promise<object>>>;
}

/** Registers `paths` on `router` for `api`. */
export function registerPaths(router: Router, api: DpbApi, shared: DpbShared, paths: readonly DpbPath[]): void {
  for (const { path, methods } of paths) {
    const allow: string[] = [];
    for (const [method, handler] of Object.entries(methods) as [DpbMethod, (ctx: DpbRouteContext) => Promise<object>][]) {
      router[method](path, dpbHandler(api, shared, handler));
      allow.push(method.toUpperCase());
    }
    if (allow.includes('GET')) allow.push('HEAD');
    router.all(path, (req: Request, res: Response) => {
      const e = new BrokerError('NOT_FOUND', `${req.method} is not allowed on ${req.path}; allowed: ${allow.join(', ')}`, {
        details: { kind: 'route', method: req.method, path: req.path, allow, reason: 'METHOD_NOT_ALLOWED' },
      });
      sendDpbError(api, res, e, shared.logger, { api, method: req.method, path: req.path });
    });
  }
}

/**
 * Error middleware for a prefix: failures raised by express itself before a
 * handler runs (a path parameter that is not valid percent-encoding, for
 * one) become 4xx errors in the API's shape instead of a 500.
 */
export function prefixErrorHandler(api: DpbApi, logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const status = (err as { status?: unknown } | null)?.status;
    const e =
      err instanceof URIError || (typeof status === 'number' && status >= 400 && status < 500)
        ? errors.invalid(`the request path could not be decoded: ${(err as Error).message}`.slice(0, 300), { field: 'path' })
        : err;
    sendDpbError(api, res, e, logger, { api, method: req.method, path: req.path });
  };
}
