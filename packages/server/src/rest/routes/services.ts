import {
  checkHandle,
  errors,
  isServiceStatus,
  type NetworkControl,
  sameRequest,
  sanitizeRequest,
  type Service,
  type ServiceRef,
  type ServiceRequest,
  type ServiceStatus,
} from '@dpb/model';
import type { CircuitBody, ServiceCreateBody, ServiceDefineBody } from '@dpb/protocol';
import { parseNumberParam, type RouteDef } from '../route';

/** Longest a `?wait=` may block, ms. */
export const MAX_WAIT_MS = 60_000;
/** How long `?wait=` blocks when `timeoutMs` is not given, ms. */
export const DEFAULT_WAIT_MS = 30_000;
/** SSE keep-alive comment interval, ms. */
/** How often an idle event stream gets a comment line, so proxies keep it open. */
export const SSE_HEARTBEAT_MS = 15_000;

const base = '/api/v1/networks/{net}/services';

/** Digits are a service id; anything else is a handle. */
export function parseServiceRef(s: string): ServiceRef {
  if (/^[0-9]{1,15}$/.test(s)) return Number(s);
  return { handle: checkHandle(s, 'service') };
}

/** Comma-separated statuses (the query may repeat too). */
export function parseStatuses(s: string, field: string): ServiceStatus[] {
  const out: ServiceStatus[] = [];
  for (const part of s.split(',')) {
    const t = part.trim().toUpperCase();
    if (!isServiceStatus(t)) {
      throw errors.invalid(`${field}: ${JSON.stringify(part.slice(0, 40))} is not a service status`, { field, value: part.slice(0, 40) });
    }
    out.push(t);
  }
  return out;
}

function toRequest(circuits: CircuitBody[]): ServiceRequest {
  return {
    circuits: circuits.map((c) => ({
      terminal: c.terminal,
      label: c.label,
      ingressMbps: c.ingressMbps,
      ...(c.egressMbps === undefined || c.egressMbps === null ? {} : { egressMbps: c.egressMbps }),
    })),
  };
}

function location(control: NetworkControl, svc: Service): string {
  return `/api/v1/networks/${encodeURIComponent(control.name)}/services/${svc.id}`;
}

/** Releases a service this request created, so a failed create leaves nothing behind. */
async function undoCreate(svc: Service): Promise<void> {
  try {
    await svc.release();
    await svc.awaitStatus(['RELEASED'], 5_000);
  } catch {
    // best effort: the original error is what the caller needs
  }
}

function lifecycle(verb: 'activate' | 'deactivate' | 'reset', summary: string): RouteDef {
  return {
    method: 'post',
    path: `${base}/{service}/${verb}`,
    operationId: `${verb}Service`,
    summary,
    responses: { 202: { description: 'intent recorded; the service as it is now', schema: 'ServiceInfo' } },
    handler: async ({ net, params }) => {
      const svc = await net.control.service(parseServiceRef(params.service as string));
      await svc[verb]();
      return { status: 202, body: await svc.describe() };
    },
  };
}

/** Services: create, define, lifecycle, wait, events. */
export const serviceRoutes: RouteDef[] = [
  {
    method: 'get',
    path: base,
    operationId: 'listServices',
    summary: 'Services not yet released, by id',
    query: [
      { name: 'status', description: 'only services in one of these statuses (comma-separated)', schema: { type: 'string' } },
      { name: 'handle', description: 'only the service with this handle', schema: { type: 'string' } },
    ],
    responses: { 200: { description: 'services', schema: 'ServiceInfo[]' } },
    handler: async ({ net, query }) => {
      const statuses = query.status === undefined ? undefined : new Set(parseStatuses(query.status, 'status'));
      const handle = query.handle === undefined ? undefined : checkHandle(query.handle, 'handle');
      let list: Service[];
      if (handle !== undefined) {
        const s = await net.control.findService({ handle });
        list = s ? [s] : [];
      } else list = await net.control.services();
      const infos = await Promise.all(list.map((s) => s.describe()));
      const body = infos.filter((i) => !statuses || statuses.has(i.status)).sort((a, b) => a.id - b.id);
      return { status: 200, body };
    },
  },
  {
    method: 'post',
    path: base,
    operationId: 'createService',
    summary: 'Creates a service (idempotent by handle), optionally defining its circuits and activating it',
    description:
      'Returns 201 for a new service and 200 when a live service already has the handle. ' +
      'With circuits, the service is defined (for an existing service, only if it is not already defined with the same circuits). ' +
      'If defining a new service fails, it is released again and the error returned, so nothing changes.',
    body: 'serviceCreate',
    responses: {
      201: { description: 'created', schema: 'ServiceInfo' },
      200: { description: 'a service with this handle already exists', schema: 'ServiceInfo' },
    },
    handler: async ({ net, body }) => {
      const b = body as ServiceCreateBody;
      const request = b.circuits ? toRequest(b.circuits) : undefined;
      const sanitized = request ? sanitizeRequest(request) : undefined; // INVALID_ARGUMENT before anything is created
      const existing = b.handle === undefined ? undefined : await net.control.findService({ handle: b.handle });
      const svc = existing ?? (await net.control.createService(b.handle === undefined ? {} : { handle: b.handle }));
      const created = existing === undefined;
      try {
        if (request && sanitized) {
          const info = created ? undefined : await svc.describe();
          if (!(info?.request && sameRequest(info.request, sanitized))) await svc.define(request);
        }
        if (b.activate) await svc.activate();
      } catch (e) {
        if (created) await undoCreate(svc);
        throw e;
      }
      return { status: created ? 201 : 200, body: await svc.describe(), headers: { Location: location(net.control, svc) } };
    },
  },
  {
    method: 'get',
    path: `${base}/{service}`,
    operationId: 'getService',
    summary: 'Status, intent, circuits, errors and history; ?wait=STATUS[,STATUS...] blocks until one is reached (or RELEASED, or timeoutMs)',
    description:
      `With wait, the reply comes when the status is one of the listed ones or RELEASED, or after timeoutMs ` +
      `(default ${DEFAULT_WAIT_MS}, at most ${MAX_WAIT_MS}); it is 200 either way, with header Dpb-Wait: reached or timeout.`,
    query: [
      { name: 'wait', description: 'statuses to wait for, comma-separated', schema: { type: 'string' } },
      { name: 'timeoutMs', description: `longest wait, ms (0..${MAX_WAIT_MS})`, schema: { type: 'integer', minimum: 0, maximum: MAX_WAIT_MS } },
    ],
    responses: { 200: { description: 'the service', schema: 'ServiceInfo' } },
    handler: async ({ net, params, query }) => {
      const wait = query.wait === undefined ? undefined : parseStatuses(query.wait, 'wait');
      if (wait === undefined && query.timeoutMs !== undefined) {
        throw errors.invalid('timeoutMs needs wait', { field: 'timeoutMs' });
      }
      const timeoutMs = query.timeoutMs === undefined ? DEFAULT_WAIT_MS : parseNumberParam(query.timeoutMs, 'timeoutMs', 0, MAX_WAIT_MS, true);
      const svc = await net.control.service(parseServiceRef(params.service as string));
      if (!wait) return { status: 200, body: await svc.describe() };
      const reached = await svc.awaitStatus(wait, timeoutMs);
      const ok = wait.includes(reached) || reached === 'RELEASED';
      return { status: 200, body: await svc.describe(), headers: { 'Dpb-Wait': ok ? 'reached' : 'timeout' } };
    },
  },
  {
    method: 'put',
    path: `${base}/{service}/circuits`,
    operationId: 'defineService',
    summary: 'Defines the service: reserves resources for its circuits (rejected with nothing reserved on any error)',
    body: 'serviceDefine',
    responses: { 200: { description: 'the defined service', schema: 'ServiceInfo' } },
    handler: async ({ net, params, body }) => {
      const b = body as ServiceDefineBody;
      const request = toRequest(b.circuits);
      sanitizeRequest(request);
      const svc = await net.control.service(parseServiceRef(params.service as string));
      await svc.define(request);
      return { status: 200, body: await svc.describe() };
    },
  },
  lifecycle('activate', 'Asks for traffic to flow (remembered if given before define)'),
  lifecycle('deactivate', 'Asks for traffic to stop, keeping resources'),
  lifecycle('reset', 'Gives everything back and returns to DORMANT, keeping id and handle'),
  {
    method: 'delete',
    path: `${base}/{service}`,
    operationId: 'releaseService',
    summary: 'Releases the service: gives everything back and ends it',
    responses: { 202: { description: 'release started; the service as it is now', schema: 'ServiceInfo' } },
    handler: async ({ net, params }) => {
      const svc = await net.control.service(parseServiceRef(params.service as string));
      await svc.release();
      return { status: 202, body: await svc.describe() };
    },
  },
  {
    method: 'get',
    path: `${base}/{service}/events`,
    operationId: 'watchService',
    summary: 'Server-sent events: the current status, then every change; the stream ends after RELEASED',
    responses: { 200: { description: 'text/event-stream of `event: status` with a ServiceEvent as data', schema: 'text/event-stream' } },
    handler: async ({ net, params, req, res }) => {
      const svc = await net.control.service(parseServiceRef(params.service as string));
      const abort = new AbortController();
      const watch = svc.watch({ signal: abort.signal });
      res.on('close', () => abort.abort());
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      res.flushHeaders();
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), SSE_HEARTBEAT_MS);
      heartbeat.unref();
      let n = 0;
      try {
        for await (const ev of watch) {
          res.write(`id: ${++n}\nevent: status\ndata: ${JSON.stringify(ev)}\n\n`);
        }
      } finally {
        clearInterval(heartbeat);
        watch.close();
        if (!req.destroyed) res.end();
      }
      return undefined;
    },
  },
];
