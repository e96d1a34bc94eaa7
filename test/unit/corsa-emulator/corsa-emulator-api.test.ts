import { startCorsaEmulator, tunnelsConflict, type CorsaEmulator } from '../../support/corsa-emulator';
import { bridgeBody, call } from './http';

let emu: CorsaEmulator;

beforeEach(async () => {
  emu = await startCorsaEmulator({ ports: 32, lags: 4, maxBridges: 10, maxResources: 20 });
});
afterEach(async () => {
  await emu.close();
});

const mkBridge = async (name: string, extra: Record<string, unknown> = {}) => {
  const r = await call(emu, 'POST', 'bridges', bridgeBody(name, extra));
  expect(r.status).toBe(201);
};

describe('authentication and routing', () => {
  test('the API root lists the collections with absolute hrefs', async () => {
    const r = await call(emu, 'GET', '');
    expect(r.status).toBe(200);
    expect(Object.keys(r.body.links)).toEqual(
      expect.arrayContaining(['users', 'datapath', 'bridges', 'stats', 'system', 'equipment', 'containers', 'queue-profiles', 'netns', 'ports', 'tunnels']),
    );
    expect(r.body.links.bridges.href).toBe(`${emu.url}/api/v1/bridges`);
  });

  test('401 without or with a wrong token, and nothing changes', async () => {
    const none = await call(emu, 'POST', 'bridges', bridgeBody('br1'), { token: null });
    expect(none.status).toBe(401);
    expect(none.body.error).toBe('unauthorized');
    const wrong = await call(emu, 'POST', 'bridges', bridgeBody('br1'), { token: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    const bare = await call(emu, 'GET', 'bridges', undefined, { token: emu.token.replace('Bearer ', '') });
    expect(bare.status).toBe(401);
    expect(emu.state().bridges).toEqual({});
  });

  test('the token option sets the required Authorization value', async () => {
    const other = await startCorsaEmulator({ token: 'Bearer abc' });
    try {
      expect(other.token).toBe('Bearer abc');
      expect((await call(other, 'GET', 'bridges')).status).toBe(200);
      expect((await call(other, 'GET', 'bridges', undefined, { token: 'Bearer corsa-test-token' })).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  test('unknown routes 404, unemulated collections 501, wrong methods 405 with Allow', async () => {
    expect((await call(emu, 'GET', 'nothing')).status).toBe(404);
    const sys = await call(emu, 'GET', 'system');
    expect(sys.status).toBe(501);
    expect(sys.body.error).toBe('not-emulated');
    const put = await call(emu, 'PUT', 'bridges', bridgeBody('br1'));
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    expect((await call(emu, 'GET', 'bridges/br1/tunnels/1/extra')).status).toBe(404);
  });

  test('bodies must be JSON objects sent as application/json', async () => {
    const form = await call(emu, 'POST', 'bridges', undefined, { raw: 'bridge=br1&subtype=openflow', contentType: 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    const textPlain = await call(emu, 'POST', 'bridges', bridgeBody('br1'), { contentType: 'text/plain;charset=UTF-8' });
    expect(textPlain.status).toBe(415);
    const bad = await call(emu, 'POST', 'bridges', undefined, { raw: '{"bridge":' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('bad-json');
    const arr = await call(emu, 'POST', 'bridges', [bridgeBody('br1')]);
    expect(arr.status).toBe(400);
    expect(arr.body.error).toBe('invalid-body');
    const withCharset = await call(emu, 'POST', 'bridges', bridgeBody('br1'), { contentType: 'application/json; charset=utf-8' });
    expect(withCharset.status).toBe(201);
  });
});

describe('bridges', () => {
  test('create answers 201 with a link keyed by name; list, list=true and get show it', async () => {
    const r = await call(emu, 'POST', 'bridges', bridgeBody('br2', { 'traffic-class': 2 }));
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ links: { br2: { href: `${emu.url}/api/v1/bridges/br2` } } });
    expect(r.headers.get('location')).toBe(`${emu.url}/api/v1/bridges/br2`);
    await mkBridge('br1');

    const list = await call(emu, 'GET', 'bridges');
    expect(list.status).toBe(200);
    expect(Object.keys(list.body.links)).toEqual(['br1', 'br2']);

    const get = await call(emu, 'GET', 'bridges/br2');
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({
      bridge: 'br2',
      subtype: 'openflow',
      resources: 3,
      netns: 'default',
      'bridge-descr': 'dpb:vc:partial',
      'traffic-class': 2,
      protocols: ['OpenFlow13'],
      links: { tunnels: { href: `${emu.url}/api/v1/bridges/br2/tunnels` }, controllers: { href: `${emu.url}/api/v1/bridges/br2/controllers` } },
    });
    expect(get.body.dpid).toMatch(/^[0-9a-f]{16}$/);

    const detail = await call(emu, 'GET', 'bridges?list=true');
    expect(detail.body.list.map((b: { bridge: string }) => b.bridge)).toEqual(['br1', 'br2']);
    expect(detail.body.list[1]).toEqual(get.body);
  });

  test('defaults: netns default, empty description, traffic class 0', async () => {
    await call(emu, 'POST', 'bridges', { bridge: 'br3', subtype: 'vpws', resources: 1 });
    const b = emu.state().bridges['br3'];
    expect(b).toMatchObject({ name: 'br3', subtype: 'vpws', netns: 'default', 'bridge-descr': '', 'traffic-class': 0, protocols: [] });
  });

  test('409 when the name is taken; state keeps the first', async () => {
    await mkBridge('br1');
    const r = await call(emu, 'POST', 'bridges', bridgeBody('br1', { subtype: 'vpws' }));
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ error: 'bridge-exists', field: 'bridge' });
    expect(emu.state().bridges['br1']?.subtype).toBe('openflow');
  });

  test.each([
    ['unknown field', { extra: 1 }, 'unknown-field', 'extra'],
    ['name not brN', { bridge: 'vfc1' }, 'invalid-field', 'bridge'],
    ['name beyond maxBridges', { bridge: 'br11' }, 'invalid-field', 'bridge'],
    ['br0', { bridge: 'br0' }, 'invalid-field', 'bridge'],
    ['unknown subtype', { subtype: 'magic' }, 'invalid-field', 'subtype'],
    ['resources as string', { resources: '3' }, 'invalid-field', 'resources'],
    ['resources zero', { resources: 0 }, 'invalid-field', 'resources'],
    ['resources fractional', { resources: 1.5 }, 'invalid-field', 'resources'],
    ['netns not a string', { netns: 5 }, 'invalid-field', 'netns'],
    ['description not a string', { 'bridge-descr': ['x'] }, 'invalid-field', 'bridge-descr'],
    ['description too long', { 'bridge-descr': 'x'.repeat(256) }, 'invalid-field', 'bridge-descr'],
    ['dpid not hex', { dpid: '0xgg' }, 'invalid-field', 'dpid'],
    ['dpid zero', { dpid: '0x0' }, 'invalid-field', 'dpid'],
    ['dpid too long', { dpid: '0x1' + '0'.repeat(16) }, 'invalid-field', 'dpid'],
    ['dpid a number', { dpid: 10 }, 'invalid-field', 'dpid'],
    ['traffic class 8', { 'traffic-class': 8 }, 'invalid-field', 'traffic-class'],
  ])('400 naming the field: %s', async (_name, patch, error, field) => {
    const r = await call(emu, 'POST', 'bridges', { ...bridgeBody('br1'), ...patch });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error, field });
    expect(typeof r.body.message).toBe('string');
    expect(emu.state().bridges).toEqual({});
  });

  test.each(['bridge', 'subtype', 'resources'])('400 when %s is missing', async (field) => {
    const body = bridgeBody('br1');
    delete body[field];
    const r = await call(emu, 'POST', 'bridges', body);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: 'missing-field', field });
  });

  test('dpids: generated bare hex and distinct; 0x input accepted and reported bare; duplicates 409', async () => {
    await mkBridge('br1');
    await mkBridge('br2');
    await mkBridge('br3', { dpid: '0xA' });
    await mkBridge('br4', { dpid: 'ff00' });
    const s = emu.state().bridges;
    expect(s['br1']?.dpid).not.toBe(s['br2']?.dpid);
    expect(s['br3']?.dpid).toBe('000000000000000a');
    expect(s['br4']?.dpid).toBe('000000000000ff00');
    const dup = await call(emu, 'POST', 'bridges', bridgeBody('br5', { dpid: '0x000000000000000A' }));
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ error: 'dpid-in-use', field: 'dpid', bridge: 'br3' });
  });

  test('403 when the resources would exceed the switch total; freed by delete', async () => {
    await mkBridge('br1', { resources: 15 });
    const r = await call(emu, 'POST', 'bridges', bridgeBody('br2', { resources: 6 }));
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ error: 'resources-exhausted', field: 'resources', requested: 6, available: 5 });
    await mkBridge('br2', { resources: 5 });
    expect(emu.state().resourcesUsed).toBe(20);
    expect((await call(emu, 'DELETE', 'bridges/br1')).status).toBe(204);
    await mkBridge('br3', { resources: 6 });
  });

  test('PATCH replaces bridge-descr and dpid (204); atomically rejects bad ops', async () => {
    await mkBridge('br1');
    await mkBridge('br2', { dpid: '0x22' });
    const okPatch = await call(emu, 'PATCH', 'bridges/br1', [
      { op: 'replace', path: '/bridge-descr', value: 'dpb:vc:complete' },
      { op: 'replace', path: '/dpid', value: '0x00000000000000AB' },
    ]);
    expect(okPatch.status).toBe(204);
    expect(okPatch.body).toBeUndefined();
    expect(emu.state().bridges['br1']).toMatchObject({ 'bridge-descr': 'dpb:vc:complete', dpid: '00000000000000ab' });

    const cases: [unknown, number, string, string | undefined][] = [
      [{ op: 'replace', path: '/bridge-descr', value: 'x' }, 400, 'invalid-body', undefined],
      [[{ op: 'add', path: '/bridge-descr', value: 'x' }], 400, 'invalid-field', '[0].op'],
      [[{ op: 'replace', path: '/subtype', value: 'vpws' }], 400, 'unsupported-path', '/subtype'],
      [[{ op: 'replace', path: '/bridge-descr' }], 400, 'missing-field', '/bridge-descr'],
      [[{ op: 'replace', path: '/bridge-descr', value: 7 }], 400, 'invalid-field', '/bridge-descr'],
      [[{ op: 'replace', path: '/bridge-descr', value: 'y', from: '/x' }], 400, 'unknown-field', '[0].from'],
      [[{ op: 'replace', path: '/bridge-descr', value: 'changed' }, { op: 'replace', path: '/dpid', value: '0x22' }], 409, 'dpid-in-use', 'dpid'],
    ];
    for (const [body, status, error, field] of cases) {
      const r = await call(emu, 'PATCH', 'bridges/br1', body);
      expect({ status: r.status, error: r.body.error, field: r.body.field }).toEqual({ status, error, field });
    }
    expect(emu.state().bridges['br1']).toMatchObject({ 'bridge-descr': 'dpb:vc:complete', dpid: '00000000000000ab' });
    expect((await call(emu, 'PATCH', 'bridges/br9', [])).status).toBe(404);
    expect((await call(emu, 'PATCH', 'bridges/br1', [], { contentType: 'application/json-patch+json' })).status).toBe(204);
  });

  test('DELETE 204 then 404; removes tunnels and controllers with it', async () => {
    await mkBridge('br1');
    expect((await call(emu, 'POST', 'bridges/br1/tunnels', { ofport: 1, port: '3', 'vlan-id': 10 })).status).toBe(201);
    expect((await call(emu, 'DELETE', 'bridges/br1')).status).toBe(204);
    const again = await call(emu, 'DELETE', 'bridges/br1');
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ error: 'not-found', bridge: 'br1' });
    expect((await call(emu, 'GET', 'bridges/br1')).status).toBe(404);
    // the port+VLAN is free again
    await mkBridge('br2');
    expect((await call(emu, 'POST', 'bridges/br2/tunnels', { ofport: 1, port: '3', 'vlan-id': 10 })).status).toBe(201);
  });
});

describe('controllers', () => {
  beforeEach(async () => {
    await mkBridge('br1');
  });

  test('create 201, list, list=true, get with connected, delete 204/404', async () => {
    const c = await call(emu, 'POST', 'bridges/br1/controllers', { controller: 'learner', ip: '172.17.1.1', port: 6653, tls: false });
    expect(c.status).toBe(201);
    expect(c.body).toEqual({ links: { learner: { href: `${emu.url}/api/v1/bridges/br1/controllers/learner` } } });
    expect((await call(emu, 'GET', 'bridges/br1/controllers')).body).toEqual({
      links: { learner: { href: `${emu.url}/api/v1/bridges/br1/controllers/learner` } },
    });
    const expected = { controller: 'learner', host: '172.17.1.1', port: 6653, tls: false, connected: true, message: '', role: 'master' };
    expect((await call(emu, 'GET', 'bridges/br1/controllers/learner')).body).toEqual(expected);
    expect((await call(emu, 'GET', 'bridges/br1/controllers?list=true')).body).toEqual({ list: [expected] });
    expect(emu.state().bridges['br1']?.controllers['learner']).toEqual(expected);

    emu.faults.setControllerConnected('br1', 'learner', false);
    expect((await call(emu, 'GET', 'bridges/br1/controllers/learner')).body.connected).toBe(false);

    expect((await call(emu, 'DELETE', 'bridges/br1/controllers/learner')).status).toBe(204);
    expect((await call(emu, 'DELETE', 'bridges/br1/controllers/learner')).status).toBe(404);
    expect((await call(emu, 'GET', 'bridges/br1/controllers/learner')).status).toBe(404);
  });

  test('409 for a second controller of the same name; 404 on a missing bridge', async () => {
    const body = { controller: 'learner', ip: '10.0.0.1', port: 6653 };
    expect((await call(emu, 'POST', 'bridges/br1/controllers', body)).status).toBe(201);
    const dup = await call(emu, 'POST', 'bridges/br1/controllers', body);
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ error: 'controller-exists', field: 'controller' });
    expect((await call(emu, 'POST', 'bridges/br7/controllers', body)).status).toBe(404);
  });

  test.each([
    [{ ip: '10.0.0.1', port: 6653 }, 'missing-field', 'controller'],
    [{ controller: 'c', port: 6653 }, 'missing-field', 'ip'],
    [{ controller: 'c', ip: '10.0.0.1' }, 'missing-field', 'port'],
    [{ controller: 'c', ip: 'not-an-ip', port: 6653 }, 'invalid-field', 'ip'],
    [{ controller: 'c', ip: '10.0.0.1', port: 70000 }, 'invalid-field', 'port'],
    [{ controller: 'c', ip: '10.0.0.1', port: '6653' }, 'invalid-field', 'port'],
    [{ controller: 'c', ip: '10.0.0.1', port: 6653, tls: 'false' }, 'invalid-field', 'tls'],
    [{ controller: 'c d', ip: '10.0.0.1', port: 6653 }, 'invalid-field', 'controller'],
    [{ controller: 'c', ip: '10.0.0.1', port: 6653, role: 'master' }, 'unknown-field', 'role'],
  ])('400 naming the field for %j', async (body, error, field) => {
    const r = await call(emu, 'POST', 'bridges/br1/controllers', body);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error, field });
    expect(emu.state().bridges['br1']?.controllers).toEqual({});
  });
});

describe('tunnels', () => {
  beforeEach(async () => {
    await mkBridge('br1');
    await mkBridge('br2');
  });

  test('attach 201 with a link keyed by ofport; type inferred from the keys present', async () => {
    const a = await call(emu, 'POST', 'bridges/br1/tunnels', { ofport: 1, port: '25' });
    expect(a.status).toBe(201);
    expect(a.body).toEqual({ links: { '1': { href: `${emu.url}/api/v1/bridges/br1/tunnels/1` } } });
    expect((await call(emu, 'POST', 'bridges/br1/tunnels', { ofport: 2, port: '13', 'vlan-id': 400, 'shaped-rate': 100 })).status).toBe(201);
    expect((await call(emu, 'POST', 'bridges/br1/tunnels', { ofport: 3, port: 'lag2', 'vlan-id': 100, 'inner-vlan-id': 20 })).status).toBe(201);
    expect(
      (await call(emu, 'POST', 'bridges/br1/tunnels', { ofport: 4, port: '14', 'vlan-id': 7, 'inner-vlan-id': 8, tpid: '0x8100', ifdescr: 'svc-4', 'traffic-class': 3 }))
        .status,
    ).toBe(201);

    const t = emu.state().bridges['br1']?.tunnels ?? {};
    const meter = { cir: 0, cbs: 0, eir: 0, ebs: 0 };
    expect(t[1]).toEqual({ ofport: 1, type: 'untagged', port: '25', 'traffic-class': 0, 'is-shaped': false, ifdescr: '', 'oper-state': 'up', meter });
    expect(t[2]).toEqual({
      ofport: 2,
      type: 'ctag',
      port: '13',
      'vlan-id': 400,
      'traffic-class': 0,
      'is-shaped': true,
      'shaped-rate': 100,
      ifdescr: '',
      'oper-state': 'up',
      meter,
    });
    expect(t[3]).toMatchObject({ type: 'stag-ctag', port: 'lag2', 'vlan-id': 100, 'inner-vlan-id': 20, tpid: '0x88a8', 'is-shaped': false });
    expect(t[4]).toMatchObject({ type: 'ctag-ctag', 'vlan-id': 7, 'inner-vlan-id': 8, tpid: '0x8100', ifdescr: 'svc-4', 'traffic-class': 3 });

    const get = await call(emu, 'GET', 'bridges/br1/tunnels/2');
    expect(get.status).toBe(200);
    expect(get.body).toEqual(t[2]);
    const links = await call(emu, 'GET', 'bridges/br1/tunnels');
    expect(Object.keys(links.body.links)).toEqual(['1', '2', '3', '4']);
    const list = await call(emu, 'GET', 'bridges/br1/tunnels?list=true');
    expect(list.body.list).toEqual([t[1], t[2], t[3], t[4]]);
  });

  test('without ofport the lowest free one is taken', async () => {
    await call(emu, 'POST', 'bridges/br1/tunnels', { ofport: 1, port: '1' });
    await call(emu, 'POST', 'bridges/br1/tunnels', { ofport: 3, port: '3' });
    const r = await call(emu, 'POST', 'bridges/br1/tunnels', { port: '2' });
    expect(r.status).toBe(201);
    expect(Object.keys(r.body.links)).toEqual(['2']);
  });

  test('409 when the ofport is in use on the bridge', async () => {
    expect((await call(emu, 'POST', 'bridges/br1/tunnels', { ofport: 1, port: '1' })).status).toBe(201);
    const r = await call(emu, 'POST', 'bridges/br1/tunnels', { ofport: 1, port: '2' });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ error: 'ofport-in-use', field: 'ofport', ofport: 1 });
    // the same ofport on another bridge is fine
    expect((await call(emu, 'POST', 'bridges/br2/tunnels', { ofport: 1, port: '2' })).status).toBe(201);
  });

  test.each([
    ['same port and VLAN', { port: '5', 'vlan-id': 10 }, { port: '5', 'vlan-id': 10 }],
    ['untagged port vs a VLAN on it', { port: '5' }, { port: '5', 'vlan-id': 10 }],
    ['a VLAN vs the whole port', { port: '5', 'vlan-id': 10 }, { port: '5' }],
    ['C-tag vs QinQ under it', { port: '5', 'vlan-id': 10 }, { port: '5', 'vlan-id': 10, 'inner-vlan-id': 3 }],
    ['same QinQ pair', { port: 'lag1', 'vlan-id': 10, 'inner-vlan-id': 3 }, { port: 'lag1', 'vlan-id': 10, 'inner-vlan-id': 3 }],
  ])('409 across bridges: %s', async (_name, first, second) => {
    expect((await call(emu, 'POST', 'bridges/br1/tunnels', { ofport: 1, ...first })).status).toBe(201);
    const r = await call(emu, 'POST', 'bridges/br2/tunnels', { ofport: 1, ...second });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ error: 'tunnel-conflict', field: 'port', conflict: { bridge: 'br1', ofport: 1 } });
    // also within the same bridge
    expect((await call(emu, 'POST', 'bridges/br1/tunnels', { ofport: 2, ...second })).status).toBe(409);
    expect(Object.keys(emu.state().bridges['br2']?.tunnels ?? {})).toEqual([]);
  });

  test('non-overlapping claims coexist', async () => {
    const bodies = [
      { port: '5', 'vlan-id': 10 },
      { port: '5', 'vlan-id': 11 },
      { port: '5', 'vlan-id': 12, 'inner-vlan-id': 1 },
      { port: '5', 'vlan-id': 12, 'inner-vlan-id': 2 },
      { port: '6' },
      { port: 'lag1' },
      { port: '7', 'vlan-id': 0 },
    ];
    for (const [i, b] of bodies.entries()) {
      const r = await call(emu, 'POST', `bridges/br${(i % 2) + 1}/tunnels`, b);
      expect(r.status).toBe(201);
    }
  });

  test('conflict rule is symmetric', () => {
    const claims = [{ port: '1' }, { port: '1', vlan: 5 }, { port: '1', vlan: 5, inner: 2 }, { port: '1', vlan: 5, inner: 3 }, { port: '1', vlan: 6 }, { port: '2', vlan: 5 }];
    for (const a of claims) for (const b of claims) expect(tunnelsConflict(a, b)).toBe(tunnelsConflict(b, a));
  });

  test.each([
    ['port missing', { ofport: 1 }, 'missing-field', 'port'],
    ['port as a number', { port: 5 }, 'invalid-field', 'port'],
    ['port 0', { port: '0' }, 'invalid-field', 'port'],
    ['port beyond ports', { port: '33' }, 'invalid-field', 'port'],
    ['LAG beyond lags', { port: 'lag5' }, 'invalid-field', 'port'],
    ['port name junk', { port: 'eth1' }, 'invalid-field', 'port'],
    ['ofport 0', { port: '1', ofport: 0 }, 'invalid-field', 'ofport'],
    ['ofport a string', { port: '1', ofport: '1' }, 'invalid-field', 'ofport'],
    ['vlan 4095', { port: '1', 'vlan-id': 4095 }, 'invalid-field', 'vlan-id'],
    ['vlan negative', { port: '1', 'vlan-id': -1 }, 'invalid-field', 'vlan-id'],
    ['vlan a string', { port: '1', 'vlan-id': '10' }, 'invalid-field', 'vlan-id'],
    ['inner vlan 0', { port: '1', 'vlan-id': 10, 'inner-vlan-id': 0 }, 'invalid-field', 'inner-vlan-id'],
    ['inner vlan 4095', { port: '1', 'vlan-id': 10, 'inner-vlan-id': 4095 }, 'invalid-field', 'inner-vlan-id'],
    ['inner without outer', { port: '1', 'inner-vlan-id': 10 }, 'missing-field', 'vlan-id'],
    ['tpid on a single tag', { port: '1', 'vlan-id': 10, tpid: '0x8100' }, 'invalid-field', 'tpid'],
    ['tpid unknown', { port: '1', 'vlan-id': 10, 'inner-vlan-id': 2, tpid: '0x9100' }, 'invalid-field', 'tpid'],
    ['shaped-rate negative', { port: '1', 'shaped-rate': -1 }, 'invalid-field', 'shaped-rate'],
    ['shaped-rate a string', { port: '1', 'shaped-rate': '100' }, 'invalid-field', 'shaped-rate'],
    ['traffic class 9', { port: '1', 'traffic-class': 9 }, 'invalid-field', 'traffic-class'],
    ['ifdescr a number', { port: '1', ifdescr: 1 }, 'invalid-field', 'ifdescr'],
    ['vlan-range (unsupported)', { port: '1', 'vlan-range': '1-10' }, 'unknown-field', 'vlan-range'],
    ['physical-port (old name)', { 'physical-port': '1' }, 'unknown-field', 'physical-port'],
  ])('400 naming the field: %s', async (_name, body, error, field) => {
    const r = await call(emu, 'POST', 'bridges/br1/tunnels', body);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error, field });
    expect(emu.state().bridges['br1']?.tunnels).toEqual({});
  });

  test('attach on a missing bridge is 404', async () => {
    expect((await call(emu, 'POST', 'bridges/br9/tunnels', { port: '1' })).status).toBe(404);
  });

  test('PATCH sets meter cir/cbs/eir/ebs and ifdescr (204); rejects bad values and shaping changes atomically', async () => {
    await call(emu, 'POST', 'bridges/br1/tunnels', { ofport: 1, port: '25', 'vlan-id': 100, 'shaped-rate': 100 });
    const r = await call(emu, 'PATCH', 'bridges/br1/tunnels/1', [
      { op: 'replace', path: '/meter/cir', value: 100000 },
      { op: 'replace', path: '/meter/cbs', value: 10.5 },
      { op: 'replace', path: '/meter/eir', value: 0 },
      { op: 'replace', path: '/meter/ebs', value: 20 },
      { op: 'replace', path: '/ifdescr', value: 'dpb:svc7' },
    ]);
    expect(r.status).toBe(204);
    expect(emu.state().bridges['br1']?.tunnels[1]).toMatchObject({ meter: { cir: 100000, cbs: 10.5, eir: 0, ebs: 20 }, ifdescr: 'dpb:svc7', 'shaped-rate': 100 });

    const bad: [unknown, string, string][] = [
      [[{ op: 'replace', path: '/meter/cir', value: 5 }, { op: 'replace', path: '/meter/cbs', value: -1 }], 'invalid-field', '/meter/cbs'],
      [[{ op: 'replace', path: '/meter/cir', value: '5' }], 'invalid-field', '/meter/cir'],
      [[{ op: 'replace', path: '/shaped-rate', value: 10 }], 'unsupported-path', '/shaped-rate'],
      [[{ op: 'replace', path: '/meter', value: { cir: 1 } }], 'unsupported-path', '/meter'],
      [[{ op: 'remove', path: '/meter/cir' }], 'invalid-field', '[0].op'],
    ];
    for (const [body, error, field] of bad) {
      const res = await call(emu, 'PATCH', 'bridges/br1/tunnels/1', body);
      expect({ status: res.status, error: res.body.error, field: res.body.field }).toEqual({ status: 400, error, field });
    }
    expect(emu.state().bridges['br1']?.tunnels[1]?.meter).toEqual({ cir: 100000, cbs: 10.5, eir: 0, ebs: 20 });
    expect((await call(emu, 'PATCH', 'bridges/br1/tunnels/2', [])).status).toBe(404);
  });

  test('DELETE 204 then 404; a port down shows in oper-state', async () => {
    await call(emu, 'POST', 'bridges/br1/tunnels', { ofport: 1, port: '25' });
    emu.faults.setPortOperState('25', 'down');
    expect((await call(emu, 'GET', 'bridges/br1/tunnels/1')).body['oper-state']).toBe('down');
    emu.faults.setPortOperState('25', 'up');
    expect((await call(emu, 'GET', 'bridges/br1/tunnels/1')).body['oper-state']).toBe('up');
    expect((await call(emu, 'DELETE', 'bridges/br1/tunnels/1')).status).toBe(204);
    const again = await call(emu, 'DELETE', 'bridges/br1/tunnels/1');
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ error: 'not-found', bridge: 'br1', ofport: '1' });
    expect((await call(emu, 'GET', 'bridges/br1/tunnels/x')).status).toBe(404);
  });
});

describe('state and records', () => {
  test('state() is a deep copy', async () => {
    await mkBridge('br1');
    const s = emu.state();
    const b = s.bridges['br1'];
    if (b) b['bridge-descr'] = 'changed by test';
    expect(emu.state().bridges['br1']?.['bridge-descr']).toBe('dpb:vc:partial');
  });

  test('every request is recorded with method, path with query, parsed body, status and headers', async () => {
    await mkBridge('br1');
    await call(emu, 'GET', 'bridges?list=true');
    await call(emu, 'POST', 'bridges', undefined, { raw: 'not json' });
    expect(emu.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['POST', '/api/v1/bridges', 201],
      ['GET', '/api/v1/bridges?list=true', 200],
      ['POST', '/api/v1/bridges', 400],
    ]);
    expect(emu.requests[0]?.body).toEqual(bridgeBody('br1'));
    expect(emu.requests[0]?.headers['authorization']).toBe(emu.token);
    expect(emu.requests[0]?.response).toEqual({ links: { br1: { href: `${emu.url}/api/v1/bridges/br1` } } });
    expect(emu.requests[2]?.body).toBe('not json');
    expect(emu.requests[1]?.body).toBeUndefined();
  });

  test('on(request) reports each request once and can be unsubscribed', async () => {
    const seen: string[] = [];
    const off = emu.on('request', (r) => seen.push(`${r.method} ${r.status}`));
    await call(emu, 'GET', 'bridges');
    off();
    await call(emu, 'GET', 'bridges');
    expect(seen).toEqual(['GET 200']);
  });

  test('bad options are rejected with INVALID_ARGUMENT naming the option', async () => {
    await expect(startCorsaEmulator({ ports: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'ports' } });
    await expect(startCorsaEmulator({ token: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'token' } });
  });
});
