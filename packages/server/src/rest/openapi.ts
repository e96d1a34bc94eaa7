import { errorBodySchema, HTTP_REASONS, HTTP_STATUS_BY_CODE, requestSchemas, responseSchemas } from '@dpb/protocol';
import { PATH_PARAMS, type RouteDef } from './route';

/** `/api/v1/networks/{net}` → `/api/v1/networks/:net` (express). */
export function expressPath(openapiPath: string): string {
  return openapiPath.replace(/\{([A-Za-z]+)\}/g, ':$1');
}

function ref(schema: string): Record<string, unknown> {
  if (schema.endsWith('[]')) return { type: 'array', items: ref(schema.slice(0, -2)) };
  return { $ref: `#/components/schemas/${schema}` };
}

/**
 * The OpenAPI 3.1 document of the REST API, generated from the same route
 * table the app serves and the same request schemas it validates with.
 */
export function buildOpenApi(routes: readonly RouteDef[], version = '0.1.0'): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const params = [...r.path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      description: PATH_PARAMS[m[1] as string] ?? m[1],
      schema: { type: 'string' },
    }));
    for (const q of r.query ?? []) params.push({ name: q.name, in: 'query', required: false, description: q.description, schema: q.schema as { type: string } });
    const responses: Record<string, unknown> = {};
    for (const [status, resp] of Object.entries(r.responses)) {
      if (!resp.schema) responses[status] = { description: resp.description };
      else if (resp.schema === 'text/event-stream') responses[status] = { description: resp.description, content: { 'text/event-stream': { schema: { type: 'string' } } } };
      else responses[status] = { description: resp.description, content: { 'application/json': { schema: ref(resp.schema) } } };
    }
    responses.default = { description: 'error (status from the ErrorCode table)', content: { 'application/json': { schema: ref('ErrorBody') } } };
    const op: Record<string, unknown> = { operationId: r.operationId, summary: r.summary, parameters: params, responses };
    if (r.description) op.description = r.description;
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: ref(r.body) } } };
    (paths[r.path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'dpb REST API',
      version,
      description:
        'Networks, terminals, trunks and services of a dpb broker. Errors are {"error":{"code","message","details"}}; ' +
        `status by code: ${Object.entries(HTTP_STATUS_BY_CODE).map(([c, s]) => `${c} ${s}`).join(', ')}; ` +
        `plus ${Object.entries(HTTP_REASONS).map(([c, s]) => `${s} for details.reason ${c}`).join(', ')}.`,
    },
    paths,
    components: { schemas: { ...requestSchemas, ...responseSchemas, ErrorBody: errorBodySchema } },
  };
}
