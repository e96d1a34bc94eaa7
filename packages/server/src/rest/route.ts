import { errors, type Logger } from '@dpb/model';
import type { RequestSchemaName } from '@dpb/protocol';
import type { Request, Response } from 'express';
import type { Principal } from '../auth/principal';
import { managementOf, type NetworkEntry, type Networks } from '../networks';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A query parameter a route accepts (anything else is rejected). */
export interface QueryParam {
  name: string;
  description: string;
  schema: Record<string, unknown>;
}

/** What a handler returns: a success status from its route's list, and a JSON body (none for 204). */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Everything a handler needs. `net` is resolved (404 otherwise) when the path has `{net}`. */
export interface RouteContext {
  req: Request;
  res: Response;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  networks: Networks;
  net: NetworkEntry;
  logger: Logger;
  /** The authenticated caller (its rights on `net` are already checked). */
  principal: Principal;
}

/**
 * One REST route. The app registers exactly these and the OpenAPI document
 * is generated from exactly these, so the two cannot disagree.
 */
export interface RouteDef {
  method: HttpMethod;
  /** OpenAPI-style path, e.g. `/api/v1/networks/{net}/services/{service}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  /** Request body schema, validated before the handler runs. */
  body?: RequestSchemaName;
  query?: QueryParam[];
  /** Success statuses with a description and the response schema (component name, `X[]`, or 'text/event-stream'). */
  responses: Record<number, { description: string; schema?: string }>;
  /** Returns a reply, or undefined when it wrote the response itself (SSE). */
  handler(ctx: RouteContext): Promise<Reply | undefined>;
}

/** Path parameters documented in the OpenAPI document. */
export const PATH_PARAMS: Record<string, string> = {
  net: 'network name',
  terminal: 'terminal name',
  service: 'service id (digits) or handle',
  trunk: 'trunk id',
};

/** Parses a decimal id path parameter; INVALID_ARGUMENT naming `field` otherwise. */
export function parseId(s: string, field: string): number {
  if (!/^[0-9]{1,15}$/.test(s)) throw errors.invalid(`${field} must be a decimal id; got ${JSON.stringify(s.slice(0, 40))}`, { field, value: s.slice(0, 40) });
  return Number(s);
}

/** Parses a number query parameter within [min, max]. */
export function parseNumberParam(s: string, field: string, min: number, max: number, integer = false): number {
  const n = s.trim() === '' ? NaN : Number(s);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw errors.invalid(`${field} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}; got ${JSON.stringify(s.slice(0, 40))}`, {
      field,
      value: s.slice(0, 40),
    });
  }
  return n;
}

/** FAILED_PRECONDITION for an operation this kind of network does not support. */
export function unsupported(net: NetworkEntry, what: string): never {
  if (net.managementError !== undefined && !net.switch && !net.aggregator) throw net.managementError;
  const remote = net.control.kind === 'remote' ? '; its server manages it (a remote network reached over SSH offers control only; reach it over REST to manage it from here)' : '';
  throw errors.precondition(`network ${net.control.name} (${net.control.kind}) does not support ${what}${remote}`, {
    network: net.control.name,
    networkKind: net.control.kind,
    management: managementOf(net),
  });
}
