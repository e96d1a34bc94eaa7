import { RestAggregatorManagement, RestNetwork, RestSwitchManagement } from '@dpb/remote';
import { call, circuits, WAN_YAML } from '../rest/broker';
import { ReferenceClient } from '../ssh/reference-client';
import { startSshBroker } from '../ssh/ssh-broker';
import { startServer, type TestServer } from './rest-fixtures';

/**
 * Management proxies: a dpb-server that reaches networks of another server
 * over REST manages them as if they were its own (switch terminals and
 * quotas, aggregator terminals, trunks, labels, tunnels), over its REST v1 and
 * its SSH protocol, with the remote's errors and an honest UNAVAILABLE when
 * the remote cannot be reached.
 */

jest.setTimeout(30_000);

function proxyYaml(site: TestServer): string {
  return `
networks:
  - { name: far-wan, kind: remote, url: "${site.url('wan')}", requestTimeoutMs: 2000 }
  - { name: far-paris, kind: remote, url: "${site.url('paris')}", requestTimeoutMs: 2000 }
`;
}

describe('management of remote networks over REST', () => {
  let site: TestServer;
  let top: TestServer;

  beforeAll(async () => {
    site = await startServer(WAN_YAML);
    top = await startServer(proxyYaml(site));
  });
  afterAll(async () => {
    await top?.close();
    await site?.close();
  });

  it('reports what each remote network manages', async () => {
    const list = await call(top.base, 'GET', '/api/v1/networks');
    expect(list.status).toBe(200);
    const wan = await call(top.base, 'GET', '/api/v1/networks/far-wan');
    expect(wan.body).toMatchObject({ name: 'far-wan', kind: 'remote', management: 'aggregator', trunks: 3 });
    const paris = await call(top.base, 'GET', '/api/v1/networks/far-paris');
    expect(paris.body).toMatchObject({ kind: 'remote', management: 'switch' });
    const local = await call(site.base, 'GET', '/api/v1/networks/paris');
    expect(local.body).toMatchObject({ kind: 'switch', management: 'switch' });
  });

  it('manages a remote switch: terminals with interfaces, quotas, removal, and the remote errors', async () => {
    const listed = await call(top.base, 'GET', '/api/v1/networks/far-paris/terminals');
    expect(listed.status).toBe(200);
    expect(listed.body.map((t: { name: string; interface: string }) => [t.name, t.interface])).toEqual(
      expect.arrayContaining([['vms', 'eth1'], ['spare', 'eth2']]),
    );

    const added = await call(top.base, 'POST', '/api/v1/networks/far-paris/terminals', { name: 'extra', interface: 'eth7', ingressQuotaMbps: 300 });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ name: 'extra', interface: 'eth7', ingressQuotaMbps: 300 });
    // it is really there, on the site's own switch
    expect((await site.wired.networks.get('paris')?.switch?.terminal('extra'))?.ingressQuotaMbps).toBe(300);

    const patched = await call(top.base, 'PATCH', '/api/v1/networks/far-paris/terminals/extra', { egressQuotaMbps: 40, ingressQuotaAdjustMbps: -100 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ ingressQuotaMbps: 200, egressQuotaMbps: 40 });

    const dup = await call(top.base, 'POST', '/api/v1/networks/far-paris/terminals', { name: 'extra', interface: 'eth8' });
    const direct = await call(site.base, 'POST', '/api/v1/networks/paris/terminals', { name: 'extra', interface: 'eth8' });
    expect(dup.status).toBe(direct.status);
    expect(dup.body.error.code).toBe(direct.body.error.code);
    expect(dup.body.error.details).toMatchObject({ terminal: 'extra' });

    expect((await call(top.base, 'DELETE', '/api/v1/networks/far-paris/terminals/extra')).status).toBe(204);
    expect((await call(top.base, 'GET', '/api/v1/networks/far-paris/terminals/extra')).status).toBe(404);
    await expect(site.wired.networks.get('paris')?.switch?.terminal('extra')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('manages a remote aggregator: trunks, bandwidth, cost, labels, commissioning, tunnels, terminals', async () => {
    const trunks = await call(top.base, 'GET', '/api/v1/networks/far-wan/trunks');
    expect(trunks.status).toBe(200);
    expect(trunks.body).toEqual((await call(site.base, 'GET', '/api/v1/networks/wan/trunks')).body);
    const frankfurt = trunks.body.find((t: { start: { network: string } }) => t.start.network === 'frankfurt');

    const cost = await call(top.base, 'PATCH', `/api/v1/networks/far-wan/trunks/${frankfurt.id}`, { cost: 7, withdrawMbps: { upstreamMbps: 100 } });
    expect(cost.status).toBe(200);
    expect(cost.body).toMatchObject({ cost: 7, capacity: { upstreamMbps: 900, downstreamMbps: 1000 } });
    expect((await site.wired.networks.get('wan')?.aggregator?.trunk(frankfurt.id))?.cost).toBe(7);

    const labels = await call(top.base, 'POST', `/api/v1/networks/far-wan/trunks/${frankfurt.id}/labels`, { startBase: 2000, count: 10, endBase: 3000 });
    expect(labels.status).toBe(200);
    expect(labels.body.labelCount).toBe(frankfurt.labelCount + 10);
    const revoked = await call(top.base, 'POST', `/api/v1/networks/far-wan/trunks/${frankfurt.id}/labels/revoke`, { side: 'end', base: 3000, count: 10 });
    expect(revoked.body.labelCount).toBe(frankfurt.labelCount);

    const off = await call(top.base, 'PATCH', `/api/v1/networks/far-wan/trunks/${frankfurt.id}`, { commissioned: false });
    expect(off.body.commissioned).toBe(false);
    const on = await call(top.base, 'PATCH', `/api/v1/networks/far-wan/trunks/${frankfurt.id}`, { commissioned: true });
    expect(on.body.commissioned).toBe(true);

    // a service on the site makes tunnels; the proxy lists them per trunk
    const svc = await call(site.base, 'POST', '/api/v1/networks/wan/services', { circuits: circuits(['london', 100, 10], ['frankfurt', 200, 20]), activate: true });
    expect(svc.status).toBe(201);
    const tunnels = await call(top.base, 'GET', `/api/v1/networks/far-wan/tunnels?trunk=${frankfurt.id}`);
    expect(tunnels.status).toBe(200);
    expect(tunnels.body).toEqual([expect.objectContaining({ trunk: frankfurt.id, service: svc.body.id })]);
    const all = await call(top.base, 'GET', '/api/v1/networks/far-wan/tunnels');
    expect(all.body).toHaveLength(2);
    // the remote's BUSY comes back as it is
    const busy = await call(top.base, 'DELETE', `/api/v1/networks/far-wan/trunks/${frankfurt.id}`);
    expect(busy.status).toBe(409);
    expect(busy.body.error.details).toMatchObject({ trunk: frankfurt.id });
    expect((await call(site.base, 'DELETE', `/api/v1/networks/wan/services/${svc.body.id}`)).status).toBeLessThan(300);

    const t = await call(top.base, 'POST', '/api/v1/networks/far-wan/terminals', { name: 'paris-spare', inferior: 'paris:spare' });
    expect(t.status).toBe(201);
    expect(t.body).toEqual({ name: 'paris-spare', inferior: { network: 'paris', terminal: 'spare' } });
    expect((await site.wired.networks.get('wan')?.control.terminals())?.includes('paris-spare')).toBe(true);
    expect((await call(top.base, 'DELETE', '/api/v1/networks/far-wan/terminals/paris-spare')).status).toBe(204);

    const added = await call(top.base, 'POST', '/api/v1/networks/far-wan/trunks', {
      start: 'paris:spare', end: 'core:frankfurt', upstreamMbps: 5, labels: ['10-19'],
    });
    // core:frankfurt already ends a trunk: the site's own error, through the proxy
    const direct = await call(site.base, 'POST', '/api/v1/networks/wan/trunks', { start: 'paris:spare', end: 'core:frankfurt', upstreamMbps: 5, labels: ['10-19'] });
    expect([added.status, added.body.error?.code]).toEqual([direct.status, direct.body.error?.code]);
  });

  it('gives the proxies directly from RestNetwork.management()', async () => {
    const sw = new RestNetwork({ url: site.url('london') });
    const ag = new RestNetwork({ url: site.url('wan') });
    try {
      const m1 = await sw.management();
      expect(m1.kind).toBe('switch');
      expect(m1.switch).toBeInstanceOf(RestSwitchManagement);
      expect((await m1.switch?.terminalDetails())?.map((t) => t.name).sort()).toEqual(['uplink', 'vms']);
      const m2 = await ag.management();
      expect(m2.aggregator).toBeInstanceOf(RestAggregatorManagement);
      expect(await m2.aggregator?.findTrunk({ network: 'core', terminal: 'paris' })).toMatchObject({ start: { network: 'paris', terminal: 'uplink' } });
      expect(await m2.aggregator?.findTrunk({ network: 'core', terminal: 'nowhere' })).toBeUndefined();
    } finally {
      await sw.close();
      await ag.close();
    }
  });

  it('serves the same proxies over its SSH protocol', async () => {
    const ssh = await startSshBroker(proxyYaml(site));
    try {
      const c = await ReferenceClient.connect({ port: ssh.port, network: 'far-wan' });
      try {
        const trunks = await c.ok({ type: 'get-trunks' });
        expect(trunks.trunks).toHaveLength(3);
      } finally {
        await c.close();
      }
      const s = await ReferenceClient.connect({ port: ssh.port, network: 'far-paris' });
      try {
        const terms = await s.ok({ type: 'get-switch-terminals' });
        expect(terms.terminals).toMatchObject({ vms: 'eth1', uplink: 'eth0' });
      } finally {
        await s.close();
      }
    } finally {
      await ssh.close();
    }
  });
});

describe('management of an unreachable remote network', () => {
  it('is UNAVAILABLE naming the network, not "not supported", and works once the remote is up', async () => {
    const site = await startServer(WAN_YAML);
    const url = site.url('wan');
    const port = Number(new URL(url).port);
    await site.close();
    const top = await startServer(`
networks:
  - { name: far-wan, kind: remote, url: "${url}", requestTimeoutMs: 1000 }
`);
    let again: TestServer | undefined;
    try {
      const down = await call(top.base, 'GET', '/api/v1/networks/far-wan/trunks');
      expect(down.status).toBe(503);
      expect(down.body.error).toMatchObject({ code: 'UNAVAILABLE', details: { network: 'far-wan' } });
      // the site comes back on the same port
      again = await startServer(WAN_YAML, `server: { rest: { port: ${port} }, ssh: false }`);
      const up = await call(top.base, 'GET', '/api/v1/networks/far-wan/trunks');
      expect(up.status).toBe(200);
      expect(up.body).toHaveLength(3);
    } finally {
      await top.close();
      await again?.close();
    }
  });

  it('says a remote reached over SSH offers control only', async () => {
    const top = await startServer(`
networks:
  - { name: far, kind: remote, ssh: "ssh://u@127.0.0.1:1/wan", password: x, requestTimeoutMs: 500 }
`);
    try {
      const r = await call(top.base, 'GET', '/api/v1/networks/far/trunks');
      expect(r.status).toBe(409);
      expect(r.body.error).toMatchObject({ code: 'FAILED_PRECONDITION', details: { network: 'far', networkKind: 'remote', management: 'none' } });
    } finally {
      await top.close();
    }
  });
});
