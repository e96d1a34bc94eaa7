import { createApp, expressPath, OPENAPI, ROUTES } from '@dpb/server';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

describe('OpenAPI document', () => {
  it('lists exactly the routes the app serves, method by method', () => {
    const app = createApp({ networks: new Map() }) as unknown as { router: { stack: Layer[] } };
    const served = new Set<string>();
    const catchAll = new Set<string>();
    for (const layer of app.router.stack) {
      if (!layer.route) continue;
      // the per-path fallback that answers 405 for other methods is registered for every method
      if (layer.route.methods.acl) {
        catchAll.add(layer.route.path);
        continue;
      }
      for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') served.add(`${m.toUpperCase()} ${layer.route.path}`);
    }
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(OPENAPI.paths as Record<string, Record<string, unknown>>)) {
      for (const m of Object.keys(ops)) documented.add(`${m.toUpperCase()} ${expressPath(path)}`);
    }
    expect([...served].sort()).toEqual([...documented].sort());
    expect(documented.size).toBe(ROUTES.length);
    expect([...catchAll].sort()).toEqual(Object.keys(OPENAPI.paths as object).map(expressPath).sort());
  });

  it('references only schemas it defines, and every body route names its request schema', () => {
    const text = JSON.stringify(OPENAPI);
    const schemas = (OPENAPI.components as { schemas: Record<string, unknown> }).schemas;
    for (const m of text.matchAll(/"#\/components\/schemas\/([A-Za-z]+)"/g)) expect(Object.keys(schemas)).toContain(m[1]);
    for (const r of ROUTES.filter((r) => r.method !== 'get' && r.method !== 'delete')) {
      if (r.path.endsWith('/activate') || r.path.endsWith('/deactivate') || r.path.endsWith('/reset')) continue;
      expect(r.body).toBeDefined();
    }
  });

  it('covers every route of the architecture outline', () => {
    const paths = Object.keys(OPENAPI.paths as object);
    for (const p of [
      '/healthz',
      '/api/v1/networks',
      '/api/v1/networks/{net}',
      '/api/v1/networks/{net}/terminals/{terminal}',
      '/api/v1/networks/{net}/trunks/{trunk}/labels/revoke',
      '/api/v1/networks/{net}/services/{service}/circuits',
      '/api/v1/networks/{net}/services/{service}/events',
      '/api/v1/networks/{net}/model',
      '/api/v1/openapi.json',
    ]) {
      expect(paths).toContain(p);
    }
  });
});
