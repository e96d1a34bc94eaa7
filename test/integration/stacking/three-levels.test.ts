import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { api, Broker, freePort, makeKey, siteYaml, waitStatus } from './processes';

/**
 * Three levels of brokers in four processes: `top` (with a local switch `c`)
 * over `mid` (REST), and `mid` over the site brokers `site-a` (REST) and
 * `site-b` (SSH), which run their own switches. One service crosses all of it.
 */
jest.setTimeout(120_000);

let dir: string;
const brokers: Broker[] = [];

afterAll(async () => {
  await Promise.all(brokers.map((b) => b.kill()));
  rmSync(dir, { recursive: true, force: true });
});

it('a service across top, mid and both sites reaches ACTIVE at every level and releases cleanly', async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'dpb-three-levels-'));
  const key = makeKey(dir, 'mid_ed25519');
  const ports = await Promise.all(Array.from({ length: 8 }, () => freePort()));
  const [aRest, aSsh, bRest, bSsh, mRest, mSsh, tRest, tSsh] = ports as [number, number, number, number, number, number, number, number];
  const siteA = Broker.write(dir, 'site-a', siteYaml('site-a', 'a', aRest, aSsh, `users: [{ name: mid, rights: { site-a: [control] }, token: site-a-token-for-mid-0123 }]`), aRest);
  const siteB = Broker.write(dir, 'site-b', siteYaml('site-b', 'b', bRest, bSsh, `users: [{ name: mid, rights: { site-b: [control] }, sshKeysFile: mid_ed25519.pub }]`), bRest);
  const mid = Broker.write(
    dir,
    'mid',
    `
server: { rest: { port: ${mRest} }, ssh: { port: ${mSsh}, hostKeyFile: mid_host_key } }
store: { sqlite: mid.sqlite }
users: [{ name: top, rights: { mid: [control] }, token: mid-token-for-top-012345 }]
networks:
  - { name: site-a, kind: remote, url: "http://127.0.0.1:${aRest}/api/v1/networks/site-a", token: site-a-token-for-mid-0123 }
  - { name: site-b, kind: remote, ssh: "ssh://mid@127.0.0.1:${bSsh}/site-b", keyFile: ${key} }
  - name: mid
    kind: aggregator
    inferiors: [site-a, site-b]
    terminals: { a-vms: "site-a:vms", b-vms: "site-b:vms", to-c: "site-a:lab" }
    trunks:
      - { ends: ["site-a:uplink", "site-b:uplink"], capacityMbps: 1000, labels: "2000-2099" }
`,
    mRest,
  );
  const top = Broker.write(
    dir,
    'top',
    `
server: { rest: { port: ${tRest} }, ssh: { port: ${tSsh}, hostKeyFile: top_host_key } }
store: { sqlite: top.sqlite }
networks:
  - { name: mid, kind: remote, url: "http://127.0.0.1:${mRest}/api/v1/networks/mid", token: mid-token-for-top-012345 }
  - { name: c, kind: switch, fabric: { memory: {} }, terminals: { vms: eth1, uplink: eth0 } }
  - name: top
    kind: aggregator
    inferiors: [mid, c]
    terminals: { a: "mid:a-vms", b: "mid:b-vms", c: "c:vms" }
    trunks:
      - { ends: ["mid:to-c", "c:uplink"], capacityMbps: 500, labels: "3000-3099" }
`,
    tRest,
  );
  brokers.push(siteA, siteB, mid, top);
  await Promise.all([siteA.start(), siteB.start()]);
  await mid.start();
  await top.start();

  const created = await api(top.url, 'POST', '/networks/top/services', {
    handle: 'deep',
    activate: true,
    circuits: [
      { terminal: 'a', label: 100, ingressMbps: 20 },
      { terminal: 'b', label: 200, ingressMbps: 20 },
      { terminal: 'c', label: 300, ingressMbps: 20 },
    ],
  });
  expect(created.status).toBe(201);
  expect(await waitStatus(top.url, 'top', 'deep', ['ACTIVE', 'FAILED'])).toBe('ACTIVE');

  // every level holds exactly one ACTIVE service, and each site's switches carry their pieces
  const one = async (b: Broker, net: string) => {
    const list = (await api(b.url, 'GET', `/networks/${net}/services`)).body as { status: string; handle: string }[];
    expect({ net, n: list.length, status: list[0]?.status }).toEqual({ net, n: 1, status: 'ACTIVE' });
    return list[0] as { status: string; handle: string };
  };
  expect((await one(mid, 'mid')).handle).toMatch(/^top\//);
  expect((await one(siteA, 'site-a')).handle).toMatch(/^mid\//);
  expect((await one(siteB, 'site-b')).handle).toMatch(/^mid\//);
  for (const [b, sw] of [
    [siteA, 'a-edge'],
    [siteA, 'a-core'],
    [siteB, 'b-edge'],
    [siteB, 'b-core'],
  ] as const) {
    expect((await one(b, sw)).handle).toMatch(/^site-[ab]\//);
  }

  expect((await api(top.url, 'DELETE', `/networks/top/services/${created.body.id}`)).status).toBe(202);
  expect(await waitStatus(top.url, 'top', String(created.body.id), ['RELEASED'])).toBe('RELEASED');
  for (const [b, net] of [
    [top, 'top'],
    [mid, 'mid'],
    [siteA, 'site-a'],
    [siteB, 'site-b'],
  ] as const) {
    expect({ net, services: (await api(b.url, 'GET', `/networks/${net}/services`)).body }).toEqual({ net, services: [] });
    for (const t of (await api(b.url, 'GET', `/networks/${net}/trunks`)).body as { labelsInUse: number }[]) expect({ net, inUse: t.labelsInUse }).toEqual({ net, inUse: 0 });
  }
});
