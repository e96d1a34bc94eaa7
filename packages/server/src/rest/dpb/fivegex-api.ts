import { AsyncMutex, BrokerError, errors, isBrokerError, type Logger, sanitizeRequest, type Service } from '@dpb/model';
import type { Request, Response, Router } from 'express';
import { establishToRequest, inClientTerms } from './parse';
import { type DpbPath, type DpbRouteContext, type DpbShared, prefixErrorHandler, registerPaths, sendDpbError } from './plumbing';

/** How our request's fields are called in a 5GEx establish body. */
export const ENDPOINT_NAMES = {
  list: 'endpoints',
  member: { terminal: 'island_switch_port', label: 'island_service_vlan_id', ingressMbps: 'ingress_bandwidth', egressMbps: 'egress_bandwidth' },
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The UUID in the path, lower-cased (DPB only matched lower case); INVALID_ARGUMENT if it is not one. */
export function parseUuid(s: string): string {
  if (!UUID.test(s)) {
    throw errors.invalid(`the service handle in the path must be a UUID (8-4-4-4-12 hex digits); got ${JSON.stringify(s.slice(0, 60))}`, {
      field: 'uuid',
      value: s.slice(0, 60),
    });
  }
  return s.toLowerCase();
}

/** Runs sections one at a time per key (one establish per network and handle). */
class KeyedLock {
  private readonly locks = new Map<string, AsyncMutex>();

  async run<T>(key: string, section: () => Promise<T>): Promise<T> {
    let lock = this.locks.get(key);
    if (!lock) {
      lock = new AsyncMutex();
      this.locks.set(key, lock);
    }
    try {
      return await lock.run(section);
    } finally {
      if (lock.pending === 0 && this.locks.get(key) === lock) this.locks.delete(key);
    }
  }
}

/** Releases a service this request created and waits (briefly) until its handle is free again. */
async function undo(svc: Service, logger: Logger): Promise<void> {
  try {
    await svc.release();
    await svc.awaitStatus(['RELEASED'], 5_000);
  } catch (e) {
    logger.warn('could not release a service after a failed 5GEx establish', { network: svc.network, service: svc.id, error: e });
  }
}

/** Options of the 5GEx routes. */
export interface FiveGExOptions {
  /** How long establish waits for ACTIVE. */
  establishTimeoutMs: number;
}

/**
 * DPB's 5GExchange API (`FiveGExchangeNetworkControlServer`), under
 * `/5gnetwork/<name>`: establish a service by UUID handle (waiting for
 * ACTIVE) and release it by handle.
 */
export function fiveGExPaths(shared: DpbShared, options: FiveGExOptions): DpbPath[] {
  const locks = new KeyedLock();
  const Q = '/5gnetwork/:net/service/by-handle/:uuid';
  const uuidOf = (ctx: DpbRouteContext) => parseUuid((ctx.req.params as Record<string, string>).uuid as string);

  async function establish(ctx: DpbRouteContext): Promise<object> {
    const { control, network } = ctx;
    const handle = uuidOf(ctx);
    let body: unknown;
    try {
      body = await ctx.bodies.read(ctx.req, ctx.res);
    } catch (e) {
      if (isBrokerError(e) && e.details.reason === 'MALFORMED_JSON') throw new BrokerError(e.code, `failed to parse request: ${e.message}`, { details: e.details });
      throw e;
    }
    if (body === undefined) throw errors.invalid('establish needs a JSON object body: {"bandwidth"?, "endpoints":[{"island_switch_port","island_service_vlan_id", …}]}', { field: 'body' });
    const request = establishToRequest(body);
    const known = new Set(await control.terminals());
    request.circuits.forEach((c, i) => {
      if (!known.has(c.terminal)) {
        throw new BrokerError('NOT_FOUND', `no such terminal: ${c.terminal}(${c.terminal}) in network ${network}`, {
          details: { kind: 'terminal', network, terminal: c.terminal, field: `endpoints[${i}].island_switch_port` },
        });
      }
    });
    try {
      sanitizeRequest(request);
    } catch (e) {
      throw inClientTerms(e, request, ENDPOINT_NAMES);
    }
    await locks.run(`${network}\n${handle}`, async () => {
      const existing = await control.findService({ handle });
      if (existing && (await existing.status()) !== 'RELEASED') {
        throw new BrokerError('ALREADY_EXISTS', `service handle in use: ${handle}`, { details: { kind: 'handle', network, handle, service: existing.id } });
      }
      const svc = await control.createService({ handle });
      try {
        await svc.define(request);
        await svc.activate();
      } catch (e) {
        await undo(svc, shared.logger);
        throw inClientTerms(e, request, ENDPOINT_NAMES);
      }
      const status = await svc.awaitStatus(['ACTIVE', 'FAILED'], options.establishTimeoutMs);
      if (status === 'ACTIVE') return;
      const info = status === 'FAILED' ? await svc.describe().catch(() => undefined) : undefined;
      await undo(svc, shared.logger);
      const details = { kind: 'handle' as const, network, handle, service: svc.id, status };
      if (status === 'FAILED') {
        const why = info?.errors.at(-1)?.message;
        throw errors.precondition(`service ${handle} failed while activating${why ? ` (${why})` : ''}; it has been released`, { ...details, errors: info?.errors.slice(-3) ?? [] });
      }
      if (status === 'RELEASED') throw errors.precondition(`service ${handle} was released before it became active`, details);
      throw errors.timeout(`service ${handle} did not become active within ${options.establishTimeoutMs} ms (it was ${status}); it has been released`, {
        ...details,
        timeoutMs: options.establishTimeoutMs,
      });
    });
    return {};
  }

  async function release(ctx: DpbRouteContext): Promise<object> {
    const handle = uuidOf(ctx);
    const svc = await ctx.control.findService({ handle });
    if (!svc || (await svc.status()) === 'RELEASED') {
      throw new BrokerError('NOT_FOUND', `unknown handle: ${handle}`, { details: { kind: 'handle', network: ctx.network, handle } });
    }
    await svc.release();
    return {};
  }

  return [
    { path: Q, methods: { put: establish, post: establish, delete: release } },
    { path: `${Q}/release`, methods: { post: release } },
  ];
}

/** Mounts the `/5gnetwork/<name>/…` routes; any other path under `/5gnetwork` is a 404 in the 5GEx error shape. */
export function mountFiveGExApi(router: Router, shared: DpbShared, options: FiveGExOptions): void {
  registerPaths(router, '5gnetwork', shared, fiveGExPaths(shared, options));
  router.use('/5gnetwork', (req: Request, res: Response) => {
    const e = errors.notFound('route', `${req.method} ${req.originalUrl.split('?')[0] ?? ''}`.slice(0, 200), { method: req.method, path: req.originalUrl.split('?')[0]?.slice(0, 200) });
    sendDpbError('5gnetwork', res, e, shared.logger, { api: '5gnetwork', method: req.method, path: req.originalUrl });
  });
  router.use('/5gnetwork', prefixErrorHandler('5gnetwork', shared.logger));
}
