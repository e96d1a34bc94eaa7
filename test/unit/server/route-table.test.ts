import express from 'express';
import fc from 'fast-check';
import { expressPath, RouteTable, ROUTES, type RouteDef } from '@dpb/server';

type Picked = { operationId: string; params: Record<string, string> } | { error: unknown } | '405' | 'none';

/** Express's own router with the app's route table registered the way createApp registers it. */
function expressRouter(): (method: string, url: string) => Picked {
  const router = express.Router({ caseSensitive: false, strict: false });
  const byPath = new Map<string, RouteDef[]>();
  for (const r of ROUTES) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r]);
  let picked: Picked = 'none';
  for (const [path, routes] of byPath) {
    for (const r of routes) {
      router[r.method](expressPath(path), (req: express.Request) => {
        picked = { operationId: r.operationId, params: { ...(req.params as Record<string, string>) } };
      });
    }
    router.all(expressPath(path), () => {
      picked = '405';
    });
  }
  return (method, url) => {
    picked = 'none';
    const req = { method, url, headers: {} } as unknown as express.Request;
    router(req, {} as express.Response, (err?: unknown) => {
      if (err) picked = { error: err };
    });
    return picked;
  };
}

function table(): RouteTable<string> {
  const t = new RouteTable<string>();
  for (const r of ROUTES) t.add(r.method, r.path, r.operationId);
  return t;
}

/** Whatever the table answers, Express's router answers the same (route and decoded parameters). */
function agrees(t: RouteTable<string>, router: ReturnType<typeof expressRouter>, method: string, url: string): void {
  const found = t.match(method, url);
  if (found === undefined) return; // left to Express
  expect({ method, url, picked: router(method, url) }).toEqual({ method, url, picked: { operationId: found.handler, params: found.params } });
}

describe('RouteTable', () => {
  const t = table();
  const router = expressRouter();

  it('finds each REST v1 route with its parameters', () => {
    expect(t.match('GET', '/api/v1/networks/aggr/services/12')).toEqual({ handler: 'getService', params: { net: 'aggr', service: '12' } });
    expect(t.match('DELETE', '/api/v1/networks/aggr/services/12')).toEqual({ handler: 'releaseService', params: { net: 'aggr', service: '12' } });
    expect(t.match('POST', '/api/v1/networks/aggr/services')).toEqual({ handler: 'createService', params: { net: 'aggr' } });
    expect(t.match('POST', '/api/v1/networks/aggr/services/7/activate')).toEqual({ handler: 'activateService', params: { net: 'aggr', service: '7' } });
    expect(t.match('GET', '/api/v1/openapi.json')).toEqual({ handler: 'openapi', params: {} });
  });

  it('accepts one trailing slash and any case in literal segments, as Express does', () => {
    expect(t.match('GET', '/api/v1/networks/aggr/services/')?.handler).toBe('listServices');
    expect(t.match('GET', '/API/V1/Networks/Aggr/SERVICES')).toEqual({ handler: 'listServices', params: { net: 'Aggr' } });
    expect(t.match('GET', '/api/v1/networks/aggr/services//')).toBeUndefined();
  });

  it('decodes parameters, and leaves undecodable ones to Express', () => {
    expect(t.match('GET', '/api/v1/networks/a%20b/services/h%2Fx')?.params).toEqual({ net: 'a b', service: 'h/x' });
    expect(t.match('GET', '/api/v1/networks/a%zz/services')).toBeUndefined();
  });

  it('leaves unknown paths, other methods on a known path (405), HEAD and OPTIONS to Express', () => {
    expect(t.match('GET', '/api/v1/nothing')).toBeUndefined();
    expect(t.match('PATCH', '/api/v1/networks/aggr/services/1')).toBeUndefined();
    expect(t.match('HEAD', '/api/v1/networks/aggr/services/1')).toBeUndefined();
    expect(t.match('OPTIONS', '/api/v1/networks')).toBeUndefined();
    expect(t.match('GET', '/network/aggr/services')).toBeUndefined();
    expect(t.match('GET', '/api/v1/networks/caf\u00e9/services')).toBeUndefined();
  });

  it('answers only as Express would: fixed cases', () => {
    const urls = [
      '/',
      '/api/v1/networks',
      '/api/v1/networks/',
      '/api/v1/networks/x',
      '/api/v1/networks/x/model',
      '/api/v1/networks/x/terminals/t1',
      '/api/v1/networks/x/trunks/3',
      '/api/v1/networks/x/services/5/events',
      '/api/v1/networks/x/services/5/circuits',
      '/api/v1/networks/%41/services/%31',
      '/Api/V1/Networks/x/Services/5/Deactivate/',
      '/api/v1/openapi.json/',
      '/api/v1/networks/x/services/5/reset',
    ];
    for (const url of urls) for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) agrees(t, router, method, url);
  });

  it('answers only as Express would: generated paths', () => {
    const segment = fc.oneof(
      fc.constantFrom('api', 'v1', 'API', 'networks', 'services', 'terminals', 'trunks', 'model', 'events', 'activate', 'circuits', 'openapi.json', 'quota', '', '%2F', '%41b', 'x%20y'),
      fc.stringMatching(/^[A-Za-z0-9._~%-]{1,6}$/),
    );
    const prefix = fc.constantFrom([], ['api'], ['api', 'v1'], ['api', 'v1', 'networks']);
    fc.assert(
      fc.property(prefix, fc.array(segment, { maxLength: 5 }), fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), fc.boolean(), (pre, rest, method, slash) => {
        const url = `/${[...pre, ...rest].join('/')}${slash ? '/' : ''}`;
        agrees(t, router, method, url);
      }),
      { numRuns: 3000 },
    );
  });

  it('every route of ROUTES is found by the table, so none goes through the slow path', () => {
    for (const r of ROUTES) {
      const url = r.path.replace(/\{[A-Za-z]+\}/g, 'p1');
      expect(t.match(r.method.toUpperCase(), url)?.handler).toBe(r.operationId);
    }
  });
});
