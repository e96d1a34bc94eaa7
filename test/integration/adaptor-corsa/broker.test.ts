import { call, startBroker, type TestBroker } from '../rest/broker';
import { type CorsaEmulator, startCorsaEmulator } from '../../support/corsa-emulator';
import { type AppStandIn, startAppStandIn } from './app-standin';


/**
 * The whole broker (REST v1, real config parsing and wiring) on a Corsa
 * switch network (emulated switch), vfc-per-service mode.
 */
let emu: CorsaEmulator;
let broker: TestBroker | undefined;
let app: AppStandIn | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
  await emu?.close();
  await app?.close();
  app = undefined;
});

const yaml = (url: string) => `
networks:
  - name: lab
    kind: switch
    fabric:
      corsa:
        url: ${url}
        token: corsa-test-token
        controller: { host: 172.17.1.1, port: 6653 }
        ports: 48
        pushIntervalMs: 0
        retryMinMs: 20
        retryMaxMs: 200
    terminals: { a: phys.1, b: phys.2, c: "3", q: phys.4.100, ports: phys }
`;

/** Owned VFCs: description -> tunnels as `port[.vlan[.inner]]`. */
function vfcs(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const b of Object.values(emu.state().bridges)) {
    out[b['bridge-descr']] = Object.values(b.tunnels)
      .map((t) => [t.port, t['vlan-id'], t['inner-vlan-id']].filter((x) => x !== undefined).join('.'))
      .sort();
  }
  return out;
}

async function waitFor(base: string, id: number, status: string): Promise<Record<string, unknown>> {
  const r = await call(base, 'GET', `/api/v1/networks/lab/services/${id}?wait=${status}&timeoutMs=5000`);
  expect(r.body.status).toBe(status);
  return r.body as Record<string, unknown>;
}

describe('the broker on a Corsa switch network', () => {
  it('define, activate, change (reset + define), deactivate, release over REST; multipoint with QinQ', async () => {
    emu = await startCorsaEmulator({ ports: 48 });
    broker = await startBroker(yaml(emu.url));
    const base = broker.base;

    const created = await call(base, 'POST', '/api/v1/networks/lab/services', {
      handle: 'lan-1',
      circuits: [
        { terminal: 'a', label: 10, ingressMbps: 10 },
        { terminal: 'q', label: 30, ingressMbps: 10 },
        { terminal: 'ports', label: 5, ingressMbps: 10 },
      ],
    });
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    await waitFor(base, id, 'INACTIVE');
    expect(vfcs()).toEqual({});

    expect((await call(base, 'POST', `/api/v1/networks/lab/services/${id}/activate`)).status).toBe(202);
    await waitFor(base, id, 'ACTIVE');
    expect(vfcs()).toEqual({ [`dpb:lab:complete:lab/${id}`]: ['1.10', '4.100.30', '5'] });

    // change: reset, define again (an E-Line now), activate
    await call(base, 'POST', `/api/v1/networks/lab/services/${id}/reset`);
    await waitFor(base, id, 'DORMANT');
    expect(vfcs()).toEqual({});
    const defined = await call(base, 'PUT', `/api/v1/networks/lab/services/${id}/circuits`, {
      circuits: [
        { terminal: 'a', label: 10, ingressMbps: 25 },
        { terminal: 'c', label: 300, ingressMbps: 25 },
      ],
    });
    expect(defined.status).toBe(200);
    await call(base, 'POST', `/api/v1/networks/lab/services/${id}/activate`);
    await waitFor(base, id, 'ACTIVE');
    expect(vfcs()).toEqual({ [`dpb:lab:complete:lab/${id}`]: ['1.10', '3.300'] });
    const tunnels = Object.values(Object.values(emu.state().bridges)[0]?.tunnels ?? {});
    expect(tunnels.map((t) => [t['shaped-rate'], t.meter.cir])).toEqual([
      [25, 25_000],
      [25, 25_000],
    ]);

    await call(base, 'POST', `/api/v1/networks/lab/services/${id}/deactivate`);
    await waitFor(base, id, 'INACTIVE');
    expect(vfcs()).toEqual({});

    await call(base, 'POST', `/api/v1/networks/lab/services/${id}/activate`);
    await waitFor(base, id, 'ACTIVE');
    expect((await call(base, 'DELETE', `/api/v1/networks/lab/services/${id}`)).status).toBe(202);
    await waitFor(base, id, 'RELEASED');
    expect(vfcs()).toEqual({});
  });

  it('vfc-per-service with app: each ACTIVE service is one slice of its own VFC at the app; release clears it', async () => {
    emu = await startCorsaEmulator({ ports: 48 });
    app = await startAppStandIn();
    broker = await startBroker(yaml(emu.url).replace('ports: 48', `ports: 48\n        app: { url: "${app.url}" }`));
    const base = broker.base;
    const dpidOf = (id: number): string => Object.values(emu.state().bridges).find((b) => b['bridge-descr'] === `dpb:lab:complete:lab/${id}`)?.dpid ?? '';

    const eline = await call(base, 'POST', '/api/v1/networks/lab/services', {
      circuits: [
        { terminal: 'a', label: 10, ingressMbps: 10 },
        { terminal: 'b', label: 20, ingressMbps: 10 },
      ],
      activate: true,
    });
    const lan = await call(base, 'POST', '/api/v1/networks/lab/services', {
      circuits: [
        { terminal: 'a', label: 11, ingressMbps: 10 },
        { terminal: 'q', label: 30, ingressMbps: 10 },
        { terminal: 'ports', label: 5, ingressMbps: 10 },
      ],
      activate: true,
    });
    const e = eline.body.id as number;
    const l = lan.body.id as number;
    await waitFor(base, e, 'ACTIVE');
    await waitFor(base, l, 'ACTIVE');
    const [de, dl] = [dpidOf(e), dpidOf(l)];
    expect(app.slices(de)).toEqual({ [`lab/${e}`]: [1, 2] });
    expect(app.slices(dl)).toEqual({ [`lab/${l}`]: [1, 2, 3] });

    await call(base, 'DELETE', `/api/v1/networks/lab/services/${e}`);
    await waitFor(base, e, 'RELEASED');
    expect(app.slices(de)).toEqual({});
    expect(app.slices(dl)).toEqual({ [`lab/${l}`]: [1, 2, 3] });
    expect(Object.keys(vfcs())).toEqual([`dpb:lab:complete:lab/${l}`]);
  });

  it('a terminal with an interface the Corsa fabric does not accept is a config error naming it', async () => {
    emu = await startCorsaEmulator();
    await expect(startBroker(yaml(emu.url).replace('q: phys.4.100', 'q: phys.4x2'))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: { path: expect.stringMatching(/terminals\.q$/) },
    });
  });

  it('a bad corsa key is a config error naming its path', async () => {
    emu = await startCorsaEmulator();
    await expect(startBroker(yaml(emu.url).replace('ports: 48', 'ports: 48\n        colour: blue'))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: { path: 'networks[0].fabric.corsa.colour' },
    });
  });
});
