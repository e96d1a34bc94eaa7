import { errors, sanitizeRequest } from '@dpb/model';
import type { Router } from 'express';
import { inClientTerms, parseAcceptable, parseAcceptableQuery, parseServiceId, parseTimeoutMillis, requireObject, segmentToRequest } from './parse';
import { type DpbPath, type DpbRouteContext, type DpbShared, prefixErrorHandler, registerPaths } from './plumbing';

/** How our request's fields are called in DPB's `define` body. */
export const SEGMENT_NAMES = {
  list: 'segment',
  member: { terminal: 'terminal-name', label: 'label', ingressMbps: 'ingress-bw', egressMbps: 'egress-bw' },
} as const;

const P = '/network/:net';

function sid(ctx: DpbRouteContext): number {
  return parseServiceId((ctx.req.params as Record<string, string>).sid as string);
}

function lifecycle(verb: 'activate' | 'deactivate' | 'reset'): (ctx: DpbRouteContext) => Promise<object> {
  return async (ctx) => {
    const svc = await ctx.control.service(sid(ctx));
    await svc[verb]();
    return {};
  };
}

async function define(ctx: DpbRouteContext): Promise<object> {
  const id = sid(ctx);
  const body = await ctx.bodies.read(ctx.req, ctx.res);
  if (body === undefined) throw errors.invalid('define needs a JSON object body: {"segment":[{"terminal-name","label","ingress-bw","egress-bw"}, …]}', { field: 'body' });
  const request = segmentToRequest(body);
  const svc = await ctx.control.service(id);
  try {
    sanitizeRequest(request);
    await svc.define(request);
  } catch (e) {
    throw inClientTerms(e, request, SEGMENT_NAMES);
  }
  return {};
}

async function awaitStatusPost(ctx: DpbRouteContext): Promise<object> {
  const id = sid(ctx);
  const body = requireObject(await ctx.bodies.read(ctx.req, ctx.res), 'body');
  const timeoutMs = parseTimeoutMillis(body['timeout-millis']);
  const acceptable = parseAcceptable(body.acceptable);
  const svc = await ctx.control.service(id);
  return { status: await svc.awaitStatus(acceptable, timeoutMs) };
}

async function awaitStatusGet(ctx: DpbRouteContext): Promise<object> {
  const id = sid(ctx);
  const query = ctx.req.query as Record<string, unknown>;
  const timeoutMs = parseTimeoutMillis(query['timeout-millis'], true);
  const acceptable = parseAcceptableQuery(query.acceptable);
  const svc = await ctx.control.service(id);
  return { status: await svc.awaitStatus(acceptable, timeoutMs) };
}

/** DPB's generic network-control API (`RESTNetworkControlServer`), under `/network/<name>`. */
export const NETWORK_PATHS: readonly DpbPath[] = [
  {
    path: `${P}/services`,
    methods: {
      get: async ({ control }) => ({ 'service-ids': (await control.services()).map((s) => s.id).sort((a, b) => a - b) }),
    },
  },
  {
    // the body is ignored (OSM sends none), whatever it is
    path: `${P}/create-service`,
    methods: { post: async ({ control }) => ({ 'service-id': (await control.createService()).id }) },
  },
  { path: `${P}/service/:sid/define`, methods: { put: define, post: define } },
  { path: `${P}/service/:sid/activate`, methods: { post: lifecycle('activate') } },
  { path: `${P}/service/:sid/deactivate`, methods: { post: lifecycle('deactivate') } },
  { path: `${P}/service/:sid/reset`, methods: { post: lifecycle('reset') } },
  {
    path: `${P}/service/:sid/release`,
    methods: {
      // DPB: releasing an unknown service is a success (it is treated as already released)
      post: async (ctx) => {
        const svc = await ctx.control.findService(sid(ctx));
        if (svc) await svc.release();
        return {};
      },
    },
  },
  { path: `${P}/service/:sid/await-status`, methods: { get: awaitStatusGet, post: awaitStatusPost } },
];

/** Mounts the `/network/<name>/…` routes on `router`. */
export function mountNetworkApi(router: Router, shared: DpbShared): void {
  registerPaths(router, 'network', shared, NETWORK_PATHS);
  router.use('/network', prefixErrorHandler('network', shared.logger));
}
