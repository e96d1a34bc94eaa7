import { BrokerError, errors, type Logger, silentLogger } from '@dpb/model';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { ANONYMOUS, type Principal, requireRight } from '../auth/principal';
import type { Authenticator } from '../auth/authenticator';
import type { ListenerAuth } from '../config/schema';
import { ensureManagement, type Networks } from '../networks';
import { authenticate, principalOf } from './auth';
import { mountDpbRoutes } from './dpb';
import { errorHandler } from './error-handler';
import { jsonReply } from './json-reply';
import { buildOpenApi, expressPath } from './openapi';
import type { RouteContext, RouteDef } from './route';
import { RouteTable } from './route-table';
import { networkRoutes } from './routes/networks';
import { serviceRoutes } from './routes/services';
import { terminalRoutes } from './routes/terminals';
import { trunkRoutes } from './routes/trunks';
import { validateBody } from './validate';

/** Routes that use a network's management (a remote network's is resolved first), and the summaries that report it. */
const MANAGEMENT_PATH = /^\/api\/v1\/networks\/\{net\}(\/(terminals|trunks|tunnels)(\/.*)?)?$/;

/** Every route the app serves (except the OpenAPI document itself, which is added to this list below). */
const baseRoutes: RouteDef[] = [...networkRoutes, ...terminalRoutes, ...trunkRoutes, ...serviceRoutes];

/** The full route table, OpenAPI route included. */
export const ROUTES: readonly RouteDef[] = [
  ...baseRoutes,
  {
    method: 'get',
    path: '/api/v1/openapi.json',
    operationId: 'openapi',
    summary: 'This OpenAPI document',
    responses: { 200: { description: 'OpenAPI 3.1 document' } },
    handler: async () => ({ status: 200, body: OPENAPI }),
  },
];

/** The OpenAPI document, generated from {@link ROUTES}. */
export const OPENAPI: Record<string, unknown> = buildOpenApi(ROUTES);

export interface AppOptions {
  networks: Networks;
  /** `none` (default): callers without credentials get every right; `required`: 401 without a valid credential. */
  auth?: ListenerAuth;
  /** Resolves bearer tokens and Basic credentials; without it only anonymous access works. */
  authenticator?: Authenticator;
  logger?: Logger;
  /** Largest request body, bytes; default 1 MiB. */
  maxBodyBytes?: number;
}

/** What a route needs: nothing, any right on the network, or a particular right. */
export type Access = 'public' | 'see' | 'control' | 'manage';

/**
 * The right a REST v1 route needs, from its path and method: services need
 * `control`; changing terminals, trunks or quotas needs `manage`; reading a
 * network, its model, terminals or trunks needs either. `/healthz` and the
 * OpenAPI document are public; the network list shows only networks the
 * caller holds a right on.
 */
export function accessFor(route: Pick<RouteDef, 'method' | 'path'>): Access {
  if (!route.path.includes('{net}')) return route.path === '/api/v1/networks' ? 'see' : 'public';
  if (route.path.includes('/services')) return 'control';
  if (/\/(terminals|trunks)/.test(route.path)) return route.method === 'get' ? 'see' : 'manage';
  return 'see';
}

function checkAccess(principal: Principal, access: Access, network: string | undefined): void {
  if (access === 'public' || network === undefined) return;
  if (access === 'see') {
    if (!principal.canSee(network)) requireRight(principal, network, 'control');
    return;
  }
  requireRight(principal, network, access);
}

/** The query parameters each route accepts (computed once). */
const ALLOWED_QUERY = new Map<RouteDef, ReadonlySet<string>>(ROUTES.map((r) => [r, new Set((r.query ?? []).map((q) => q.name))]));

function singleQuery(req: Request, route: RouteDef): Record<string, string> {
  const out: Record<string, string> = {};
  // no query string: nothing to parse (Express parses req.query on every read)
  if (req.url.indexOf('?') === -1) return out;
  const allowed = ALLOWED_QUERY.get(route) ?? new Set((route.query ?? []).map((q) => q.name));
  for (const [k, v] of Object.entries(req.query as Record<string, unknown>)) {
    if (!allowed.has(k)) {
      throw errors.invalid(`unknown query parameter ${k}${allowed.size ? `; allowed: ${[...allowed].join(', ')}` : ''}`, { field: k });
    }
    const list = Array.isArray(v) ? v : [v];
    if (!list.every((x) => typeof x === 'string')) throw errors.invalid(`query parameter ${k} is malformed`, { field: k });
    out[k] = (list as string[]).join(',');
  }
  return out;
}

/**
 * Builds the express app (no listen) serving REST v1 over `networks`.
 * Every failure becomes `{"error":{"code","message","details"}}` with the
 * status from @dpb/protocol's table; nothing a client sends can crash it or
 * drop the connection.
 */
export function createApp(options: AppOptions): Express {
  const logger = options.logger ?? silentLogger;
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  const { networks } = options;
  const app = express();
  app.disable('x-powered-by');
  // (JSON.stringify already writes Infinity, for unlimited capacity, as null)
  app.set('query parser', 'simple');
  app.set('strict routing', false);

  const json = express.json({ limit, strict: true, type: () => true });
  const auth = options.auth ?? 'none';
  const authenticator = options.authenticator;
  const PUBLIC = new Set(ROUTES.filter((r) => accessFor(r) === 'public').map((r) => r.path));
  type Dispatch = (req: Request, res: Response, next: NextFunction) => void;
  const table = new RouteTable<Dispatch>();
  app.use((req: Request, res: Response, next: NextFunction) => {
    const pathname = req.path;
    try {
      res.locals.principal = PUBLIC.has(pathname) ? ANONYMOUS : authenticate(req, auth, authenticator);
    } catch (e) {
      next(e);
      return;
    }
    // REST v1's routes straight from a precompiled table (Express's router tries every route's pattern
    // in turn); whatever the table does not answer for certain goes through the router as before
    const found = table.match(req.method, pathname);
    if (!found) {
      next();
      return;
    }
    req.params = found.params;
    found.handler(req, res, next);
  });

  const byPath = new Map<string, RouteDef[]>();
  for (const r of ROUTES) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r]);

  for (const [path, routes] of byPath) {
    const p = expressPath(path);
    for (const route of routes) {
      const access = accessFor(route);
      const run = async (req: Request, res: Response): Promise<void> => {
        const params = req.params as Record<string, string>;
        const query = singleQuery(req, route);
        let body: unknown;
        if (route.body) body = validateBody(route.body, req.body);
        else if (req.body !== undefined && !(typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) && Object.keys(req.body).length === 0)) {
          throw errors.invalid(`${route.method.toUpperCase()} ${path} takes no request body`, { field: 'body' });
        }
        const principal = principalOf(res);
        checkAccess(principal, access, params.net);
        let net = undefined as unknown as RouteContext['net'];
        if (params.net !== undefined) {
          const found = networks.get(params.net);
          if (!found) throw errors.notFound('network', params.net, { network: params.net });
          if (MANAGEMENT_PATH.test(path)) await ensureManagement(found);
          net = found;
        }
        const reply = await route.handler({ req, res, params, query, body, networks, net, logger, principal });
        if (!reply) return;
        if (!(reply.status in route.responses)) throw errors.internal(`handler replied ${reply.status}, not declared for ${route.operationId}`);
        for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
        if (reply.status === 204) res.status(204).end();
        else jsonReply(req, res, reply.status, reply.body);
      };
      const handler = (req: Request, res: Response, next: NextFunction): void => {
        run(req, res).catch(next);
      };
      if (route.method === 'get') {
        app.get(p, handler);
        table.add('get', path, handler);
      } else {
        app[route.method](p, json, handler);
        table.add(route.method, path, (req, res, next) => json(req, res, (err?: unknown) => (err ? next(err) : handler(req, res, next))));
      }
    }
    const allow = routes.map((r) => r.method.toUpperCase());
    if (allow.includes('GET')) allow.push('HEAD');
    app.all(p, (req: Request, _res: Response, next: NextFunction) => {
      next(
        new BrokerError(
          'NOT_FOUND',
          `${req.method} is not allowed on ${path}; allowed: ${allow.join(', ')}`,
          { details: { kind: 'route', method: req.method, path: req.path, allow, reason: 'METHOD_NOT_ALLOWED' } },
        ),
      );
    });
  }

  mountDpbRoutes(app, { networks, logger, maxBodyBytes: limit });

  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(errors.notFound('route', `${req.method} ${req.path}`, { method: req.method, path: req.path }));
  });
  app.use(errorHandler(logger, limit));
  return app;
}
