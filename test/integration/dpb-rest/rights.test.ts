import { Authenticator, createApp, type UserConfig } from '@dpb/server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startBroker, type TestBroker } from '../rest/broker';
import { DPB_YAML, expectNothingAllocated, settle, usage, uuid } from './fixtures';
import { DpbNetworkClient, FiveGExClient, OsmDpbRestConnector, ok, wire, type WireOptions, type WireReply } from './reference-client';

let b: TestBroker;
let server: Server;
let base: string;

const users: UserConfig[] = [
  { name: 'alice', rights: { wan: ['control'] }, password: 'alice-pw', token: 'alice-token', sshKeys: [] },
  { name: 'manny', rights: { wan: ['manage'], lab: ['manage'] }, password: 'manny-pw', sshKeys: [] },
  { name: 'osm', rights: { '*': ['control'] }, password: 'osm-pw', sshKeys: [] },
];

beforeAll(async () => {
  b = await startBroker(DPB_YAML);
  const app = createApp({ networks: b.wired.networks, auth: 'required', authenticator: new Authenticator(users) });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await b.close();
});

const alice: WireOptions = { basic: { user: 'alice', password: 'alice-pw' } };
const manny: WireOptions = { basic: { user: 'manny', password: 'manny-pw' } };
const U = uuid(42);
const establishBody = { endpoints: [{ island_switch_port: 1, island_service_vlan_id: 300 }, { island_switch_port: 2, island_service_vlan_id: 300 }] };
const segment = [
  { terminalName: 'a', label: 10, ingressBw: 1, egressBw: 1 },
  { terminalName: 'b', label: 10, ingressBw: 1, egressBw: 1 },
];

/** Every DPB-compatible route on `net`, as [label, request] pairs. */
function everyRoute(net: string, who: WireOptions): [string, () => Promise<WireReply>][] {
  const c = new DpbNetworkClient(base, net, who);
  const f = new FiveGExClient(base, net, who);
  return [
    ['services', () => c.services()],
    ['create-service', () => c.createService()],
    ['define', () => c.define(1, segment)],
    ['activate', () => c.activate(1)],
    ['deactivate', () => c.deactivate(1)],
    ['reset', () => c.reset(1)],
    ['release', () => c.release(1)],
    ['await-status GET', () => c.awaitStatusGet(1, ['ACTIVE'], 10)],
    ['await-status POST', () => c.awaitStatusPost(1, ['ACTIVE'], 10)],
    ['5GEx establish', () => f.establish(U, establishBody)],
    ['5GEx release', () => f.release(U)],
    ['5GEx release (POST)', () => f.release(U, 'POST')],
  ];
}

function codeOf(r: WireReply): string | undefined {
  return r.json?.error?.code ?? r.json?.code;
}

describe('rights on the DPB-compatible routes (auth: required)', () => {
  it('no credential, or a wrong one: 401 with a JSON body and a challenge, on every route', async () => {
    const before = await usage(b.base);
    for (const who of [{}, { basic: { user: 'alice', password: 'wrong' } }, { token: 'nope' }] as WireOptions[]) {
      for (const [what, send] of everyRoute('wan', who)) {
        const r = await send();
        expect({ what, status: r.status, code: codeOf(r) }).toEqual({ what, status: 401, code: 'UNAUTHENTICATED' });
        expect(r.headers.get('www-authenticate')).toMatch(/Basic/);
      }
    }
    expect(await usage(b.base)).toEqual(before);
  });

  it('control on network A only: every route on network B is 403 naming the network, in each API’s error shape', async () => {
    const before = await usage(b.base);
    for (const [what, send] of everyRoute('lab', alice)) {
      const r = await send();
      expect({ what, status: r.status, code: codeOf(r) }).toEqual({ what, status: 403, code: 'PERMISSION_DENIED' });
      const details = r.json.error?.details ?? r.json.details;
      expect(details).toMatchObject({ network: 'lab', right: 'control', principal: 'alice' });
      if (what.startsWith('5GEx')) expect(typeof r.json['error-message']).toBe('string');
    }
    // a network that does not exist is not revealed either
    expect((await new DpbNetworkClient(base, 'atlantis', alice).services()).status).toBe(403);
    expect(await usage(b.base)).toEqual(before);
  });

  it('manage without control: cannot create, define, establish or release services (403)', async () => {
    const before = await usage(b.base);
    for (const [what, send] of everyRoute('wan', manny)) {
      const r = await send();
      expect({ what, status: r.status, code: codeOf(r) }).toEqual({ what, status: 403, code: 'PERMISSION_DENIED' });
    }
    expect(await usage(b.base)).toEqual(before);
  });

  it('HTTP Basic user:password (as OSM sends for user:pass@host) and a bearer token both work on the network the user controls', async () => {
    const byPassword = new DpbNetworkClient(base, 'wan', alice);
    const sid = await byPassword.newService();
    ok(await byPassword.define(sid, [
      { terminalName: 'london', label: 310, ingressBw: 5, egressBw: 5 },
      { terminalName: 'paris', label: 310, ingressBw: 5, egressBw: 5 },
    ]));
    const byToken = new DpbNetworkClient(base, 'wan', { token: 'alice-token' });
    ok(await byToken.activate(sid));
    expect(await byToken.awaitStatus(sid, ['ACTIVE', 'FAILED'], 10_000)).toBe('ACTIVE');
    expect(await byToken.serviceIds()).toEqual([sid]);
    ok(await byPassword.release(sid));
    expect(await settle(b.base, 'wan', sid, ['RELEASED'])).toMatch(/^(RELEASED|GONE)$/);

    const f = new FiveGExClient(base, 'wan', alice);
    expect((await f.establish(U, establishBody)).status).toBe(200);
    expect((await f.release(U)).status).toBe(200);
    const id = (await wire('GET', `${base}/api/v1/networks/wan/services?handle=${U}`, undefined, alice)).json?.[0]?.id as number | undefined;
    if (id !== undefined) expect(await settle(b.base, 'wan', id, ['RELEASED'])).toMatch(/^(RELEASED|GONE)$/);
    await expectNothingAllocated(b.base);
  });

  it("OSM's connector with Basic credentials runs its whole sequence", async () => {
    const osm = new OsmDpbRestConnector(base, 'lab', { user: 'osm', password: 'osm-pw' });
    const cps = [
      { service_endpoint_id: 'a', service_endpoint_encapsulation_info: { vlan: 20 } },
      { service_endpoint_id: 'b', service_endpoint_encapsulation_info: { vlan: 21 } },
    ];
    const [sid] = await osm.createConnectivityService('ELINE (L2)', cps);
    expect((await osm.getConnectivityServiceStatus(sid)).wim_status).toBe('ACTIVE');
    await osm.deleteConnectivityService(sid);
    expect(await settle(b.base, 'lab', Number(sid), ['RELEASED'])).toMatch(/^(RELEASED|GONE)$/);
    // and without the credentials it is refused
    await expect(new OsmDpbRestConnector(base, 'lab').createConnectivityService('ELINE (L2)', cps)).rejects.toMatchObject({ httpCode: 401 });
    await expectNothingAllocated(b.base);
  });
});
