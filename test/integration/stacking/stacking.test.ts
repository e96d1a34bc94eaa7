import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { api, Broker, freePort, Link, makeKey, siteYaml, waitStatus } from './processes';

/**
 * Three dpb-server processes: two site brokers (aggregators over memory-fabric
 * switches, SQLite stores) and a top aggregator reaching site A over REST v1
 * (through a link the test can cut) and site B over SSH. Faults are real:
 * SIGKILL, restart on the same store, a cut TCP link.
 */
jest.setTimeout(180_000);

let dir: string;
let siteA: Broker;
let siteB: Broker;
let top: Broker;
let linkA: Link;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'dpb-stacking-'));
  const key = makeKey(dir, 'top_ed25519');
  const [aRest, aSsh, bRest, bSsh, tRest, tSsh] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
  siteA = Broker.write(dir, 'site-a', siteYaml('site-a', 'a', aRest, aSsh, `users: [{ name: top, rights: { site-a: [control] }, token: site-a-token-for-top-0123 }]`), aRest);
  siteB = Broker.write(dir, 'site-b', siteYaml('site-b', 'b', bRest, bSsh, `users: [{ name: top, rights: { site-b: [control] }, sshKeysFile: top_ed25519.pub }]`), bRest);
  linkA = new Link(aRest);
  await linkA.start();
  top = Broker.write(
    dir,
    'top',
    `
server:
  rest: { host: 127.0.0.1, port: ${tRest} }
  ssh: { host: 127.0.0.1, port: ${tSsh}, hostKeyFile: top_host_key }
store: { sqlite: top.sqlite }
networks:
  - { name: site-a, kind: remote, url: "http://127.0.0.1:${linkA.port}/api/v1/networks/site-a", token: site-a-token-for-top-0123, requestTimeoutMs: 3000 }
  - { name: site-b, kind: remote, ssh: "ssh://top@127.0.0.1:${bSsh}/site-b", keyFile: ${key}, requestTimeoutMs: 3000 }
  - name: top
    kind: aggregator
    inferiors: [site-a, site-b]
    modelCacheMs: 1000
    terminals: { a-vms: "site-a:vms", a-lab: "site-a:lab", b-vms: "site-b:vms" }
    trunks:
      - { ends: ["site-a:uplink", "site-b:uplink"], capacityMbps: 1000, labels: "2000-2099" }
`,
    tRest,
  );
  await Promise.all([siteA.start(), siteB.start()]);
  await top.start();
});

afterAll(async () => {
  await Promise.all([top?.kill(), siteA?.kill(), siteB?.kill()]);
  await linkA?.close();
  rmSync(dir, { recursive: true, force: true });
});

const T = (s: string) => `/networks/top/services/${s}`;

/** Every level is idle: no services, no labels or bandwidth held on any trunk. */
async function expectNothingHeld(): Promise<void> {
  for (const [b, net] of [
    [top, 'top'],
    [siteA, 'site-a'],
    [siteB, 'site-b'],
  ] as const) {
    expect({ net, services: (await api(b.url, 'GET', `/networks/${net}/services`)).body }).toEqual({ net, services: [] });
    const trunks = (await api(b.url, 'GET', `/networks/${net}/trunks`)).body as { labelsInUse: number; allocated: { upstreamMbps: number; downstreamMbps: number } }[];
    for (const t of trunks) expect({ net, labelsInUse: t.labelsInUse, ...t.allocated }).toEqual({ net, labelsInUse: 0, upstreamMbps: 0, downstreamMbps: 0 });
  }
  for (const sw of ['a-edge', 'a-core']) expect((await api(siteA.url, 'GET', `/networks/${sw}/services`)).body).toEqual([]);
  for (const sw of ['b-edge', 'b-core']) expect((await api(siteB.url, 'GET', `/networks/${sw}/services`)).body).toEqual([]);
}

/** The single live sub-service of `net` on a site. */
async function onlySubservice(site: Broker, net: string): Promise<{ handle: string; status: string; request: { circuits: unknown[] } }> {
  const list = (await api(site.url, 'GET', `/networks/${net}/services`)).body as { handle: string; status: string; request: { circuits: unknown[] } }[];
  expect(list).toHaveLength(1);
  return list[0] as { handle: string; status: string; request: { circuits: unknown[] } };
}

describe('three dpb-server processes: a top aggregator over two site brokers (REST and SSH)', () => {
  it('a multipoint service over both sites reaches ACTIVE, shows as sub-services with the right circuits and rates, and releases cleanly', async () => {
    const created = await api(top.url, 'POST', '/networks/top/services', {
      handle: 'multi',
      activate: true,
      circuits: [
        { terminal: 'a-vms', label: 100, ingressMbps: 40, egressMbps: 80 },
        { terminal: 'a-lab', label: 101, ingressMbps: 40, egressMbps: 80 },
        { terminal: 'b-vms', label: 200, ingressMbps: 40, egressMbps: 80 },
      ],
    });
    expect(created.status).toBe(201);
    expect(await waitStatus(top.url, 'top', 'multi', ['ACTIVE', 'FAILED'])).toBe('ACTIVE');

    const a = await onlySubservice(siteA, 'site-a');
    const b = await onlySubservice(siteB, 'site-b');
    expect(a.handle).toMatch(/^top\/1\//);
    expect(b.handle).toMatch(/^top\/1\//);
    expect(a.status).toBe('ACTIVE');
    expect(b.status).toBe('ACTIVE');
    // site A carries both its customers and the uplink (which carries what B sends: 40 in, and takes A's 80 out)
    expect(a.request.circuits).toEqual([
      { terminal: 'lab', label: 101, ingressMbps: 40, egressMbps: 80 },
      { terminal: 'uplink', label: 2000, ingressMbps: 40, egressMbps: 80 },
      { terminal: 'vms', label: 100, ingressMbps: 40, egressMbps: 80 },
    ]);
    expect(b.request.circuits).toEqual([
      { terminal: 'uplink', label: 2000, ingressMbps: 80, egressMbps: 40 },
      { terminal: 'vms', label: 200, ingressMbps: 40, egressMbps: 80 },
    ]);
    const trunk = (await api(top.url, 'GET', '/networks/top/trunks/1')).body;
    expect(trunk.labelsInUse).toBe(1);

    expect((await api(top.url, 'DELETE', T('multi'))).status).toBe(202);
    expect(await waitStatus(top.url, 'top', String(created.body.id), ['RELEASED'])).toBe('RELEASED');
    await expectNothingHeld();
  });

  it('survives a site broker killed and restarted (REST and SSH), a cut link, and the top broker killed and restarted, leaking nothing', async () => {
    const created = await api(top.url, 'POST', '/networks/top/services', {
      handle: 'faults',
      activate: true,
      circuits: [
        { terminal: 'a-vms', label: 300, ingressMbps: 10 },
        { terminal: 'b-vms', label: 301, ingressMbps: 10 },
      ],
    });
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    expect(await waitStatus(top.url, 'top', id, ['ACTIVE', 'FAILED'])).toBe('ACTIVE');

    // site A (REST) dies: the top no longer vouches for the service; it comes back by itself
    await siteA.kill();
    expect(await waitStatus(top.url, 'top', id, ['ACTIVATING', 'FAILED'])).toBe('ACTIVATING');
    const shown = (await api(top.url, 'GET', T(id))).body;
    expect(shown.realisation.subservices.find((s: { network: string }) => s.network === 'site-a').status).toBe('UNKNOWN');
    await siteA.start();
    expect(await waitStatus(top.url, 'top', id, ['ACTIVE', 'FAILED'], 30_000)).toBe('ACTIVE');

    // site B (SSH) dies and comes back
    await siteB.kill();
    expect(await waitStatus(top.url, 'top', id, ['ACTIVATING', 'FAILED'])).toBe('ACTIVATING');
    await siteB.start();
    expect(await waitStatus(top.url, 'top', id, ['ACTIVE', 'FAILED'], 30_000)).toBe('ACTIVE');

    // the link to site A is cut, then restored
    linkA.down();
    expect(await waitStatus(top.url, 'top', id, ['ACTIVATING', 'FAILED'])).toBe('ACTIVATING');
    linkA.up();
    expect(await waitStatus(top.url, 'top', id, ['ACTIVE', 'FAILED'], 30_000)).toBe('ACTIVE');

    // the top broker dies and restarts on its store: same service, same sub-services, no duplicates
    await top.kill();
    await top.start();
    expect(await waitStatus(top.url, 'top', id, ['ACTIVE', 'FAILED'], 30_000)).toBe('ACTIVE');
    expect((await onlySubservice(siteA, 'site-a')).status).toBe('ACTIVE');
    expect((await onlySubservice(siteB, 'site-b')).status).toBe('ACTIVE');

    expect((await api(top.url, 'DELETE', T(id))).status).toBe(202);
    expect(await waitStatus(top.url, 'top', id, ['RELEASED'])).toBe('RELEASED');
    await expectNothingHeld();
  });
});
