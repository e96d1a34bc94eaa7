import { Authenticator, createApp, parseConfig, wire, type Wired } from '@dpb/server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { call, circuits, expectError, WAN_YAML } from './broker';

const TOKENS = {
  ops: 'ops-token-0123456789abcdef',
  osm: 'osm-token-0123456789abcdef',
  topo: 'topo-token-0123456789abcde',
  paris: 'paris-token-0123456789abcd',
};

const USERS = new Authenticator([
  { name: 'ops', rights: { '*': ['control', 'manage'] }, token: TOKENS.ops, sshKeys: [] },
  { name: 'osm', rights: { wan: ['control'] }, token: TOKENS.osm, password: 'osm-password', sshKeys: [] },
  { name: 'topo', rights: { wan: ['manage'] }, token: TOKENS.topo, sshKeys: [] },
  { name: 'paris', rights: { paris: ['control', 'manage'] }, token: TOKENS.paris, sshKeys: [] },
]);

let wired: Wired;
let server: Server;
let base: string;

async function serve(auth: 'none' | 'required'): Promise<void> {
  wired = await wire(parseConfig(`store: { memory: {} }\n${WAN_YAML}`, { baseDir: '/tmp' }));
  const app = createApp({ networks: wired.networks, auth, authenticator: USERS });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await wired.close();
});

const bearer = (who: keyof typeof TOKENS) => ({ Authorization: `Bearer ${TOKENS[who]}` });
const W = '/api/v1/networks/wan';
const TRUNK = { start: 'paris:spare', end: 'core:frankfurt', upstreamMbps: 10 };

describe('REST v1 rights on a listener with auth: required', () => {
  beforeEach(() => serve('required'));

  it('401 without a credential or with a wrong one, with a challenge; health stays public', async () => {
    const none = await call(base, 'GET', '/api/v1/networks');
    expect(expectError(none, 401, 'UNAUTHENTICATED')).toMatchObject({ reason: 'NO_CREDENTIAL' });
    expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
    expectError(await call(base, 'GET', '/api/v1/networks', undefined, { Authorization: 'Bearer nope-nope-nope-nope' }), 401, 'UNAUTHENTICATED');
    expectError(await call(base, 'GET', '/api/v1/networks', undefined, { Authorization: 'Digest x' }), 401, 'UNAUTHENTICATED');
    expect((await call(base, 'GET', '/healthz')).status).toBe(200);
    expect((await call(base, 'GET', '/api/v1/openapi.json')).status).toBe(200);
  });

  it('a control-only credential runs services but cannot add a trunk, a terminal or a quota', async () => {
    const created = await call(base, 'POST', `${W}/services`, { circuits: circuits(['london', 100, 10], ['paris', 100, 10]) }, bearer('osm'));
    expect(created.status).toBe(201);
    expect(expectError(await call(base, 'POST', `${W}/trunks`, TRUNK, bearer('osm')), 403, 'PERMISSION_DENIED')).toEqual({ network: 'wan', right: 'manage', principal: 'osm' });
    expectError(await call(base, 'POST', `${W}/terminals`, { name: 'x', inferior: 'paris:spare' }, bearer('osm')), 403, 'PERMISSION_DENIED');
    expectError(await call(base, 'PATCH', `${W}/trunks/1`, { cost: 5 }, bearer('osm')), 403, 'PERMISSION_DENIED');
    expect((await call(base, 'GET', `${W}/trunks`, undefined, bearer('osm'))).status).toBe(200);
    // nothing changed
    const trunks = await call(base, 'GET', `${W}/trunks`, undefined, bearer('ops'));
    expect(trunks.body.map((t: { cost: number }) => t.cost)).toEqual([1, 1, 3]);
  });

  it('a manage-only credential changes the topology but cannot touch services', async () => {
    expect((await call(base, 'PATCH', `${W}/trunks/1`, { cost: 2 }, bearer('topo'))).status).toBe(200);
    expect(expectError(await call(base, 'GET', `${W}/services`, undefined, bearer('topo')), 403, 'PERMISSION_DENIED')).toMatchObject({ right: 'control' });
    expectError(await call(base, 'POST', `${W}/services`, {}, bearer('topo')), 403, 'PERMISSION_DENIED');
  });

  it('a credential for one network cannot touch another, nor see it listed', async () => {
    const list = await call(base, 'GET', '/api/v1/networks', undefined, bearer('paris'));
    expect(list.body.map((n: { name: string }) => n.name)).toEqual(['paris']);
    expect(expectError(await call(base, 'GET', W, undefined, bearer('paris')), 403, 'PERMISSION_DENIED')).toMatchObject({ network: 'wan' });
    expectError(await call(base, 'POST', `${W}/services`, {}, bearer('paris')), 403, 'PERMISSION_DENIED');
    expectError(await call(base, 'POST', '/api/v1/networks/london/terminals', { name: 'x', interface: 'eth9' }, bearer('paris')), 403, 'PERMISSION_DENIED');
    expect((await call(base, 'POST', '/api/v1/networks/paris/terminals', { name: 'x', interface: 'eth9' }, bearer('paris'))).status).toBe(201);
  });

  it('accepts HTTP Basic with the password or the token', async () => {
    const basic = (u: string, p: string) => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
    expect((await call(base, 'GET', `${W}/services`, undefined, basic('osm', 'osm-password'))).status).toBe(200);
    expect((await call(base, 'GET', `${W}/services`, undefined, basic('osm', TOKENS.osm))).status).toBe(200);
    expectError(await call(base, 'GET', `${W}/services`, undefined, basic('osm', 'wrong')), 401, 'UNAUTHENTICATED');
  });
});

describe('REST v1 on a listener with auth: none', () => {
  beforeEach(() => serve('none'));

  it('gives an anonymous caller every right, but still checks a credential that is sent', async () => {
    expect((await call(base, 'PATCH', `${W}/trunks/1`, { cost: 2 })).status).toBe(200);
    expect((await call(base, 'POST', `${W}/services`, { circuits: circuits(['london', 100, 10], ['paris', 100, 10]) })).status).toBe(201);
    expectError(await call(base, 'GET', '/api/v1/networks', undefined, { Authorization: 'Bearer wrong-wrong-wrong-wrong' }), 401, 'UNAUTHENTICATED');
    expectError(await call(base, 'PATCH', `${W}/trunks/1`, { cost: 5 }, bearer('osm')), 403, 'PERMISSION_DENIED');
  });
});
