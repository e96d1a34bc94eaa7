import { BURST_MS, CorsaRest, type HttpRequest, type HttpResult, isTransient, meterFor, MIN_CBS_KB, shapedRateFor } from '@dpb/adaptor-corsa';

/** A transport that answers from a table and records what it was asked. */
function scripted(answers: Record<string, HttpResult>) {
  const asked: HttpRequest[] = [];
  const transport = async (r: HttpRequest): Promise<HttpResult> => {
    asked.push(r);
    const a = answers[`${r.method} ${r.path}`];
    if (!a) throw new Error(`unexpected ${r.method} ${r.path}`);
    return a;
  };
  return { asked, rest: new CorsaRest(transport, 'corsa lab') };
}

async function failure(p: Promise<unknown>): Promise<{ code: string; details: Record<string, unknown>; transient: boolean }> {
  try {
    await p;
  } catch (e) {
    const b = e as { name?: string; code?: string; details?: Record<string, unknown> };
    if (b.name !== 'BrokerError') throw e;
    return { code: b.code as string, details: b.details ?? {}, transient: isTransient(e) };
  }
  throw new Error('expected a failure');
}

describe('Corsa REST client', () => {
  it('reads VFCs from ?list=true, normalising dpids (bare hex or 0x...)', async () => {
    const { rest } = scripted({
      'GET bridges?list=true': {
        status: 200,
        body: { list: [{ bridge: 'br1', dpid: 'A1', 'bridge-descr': 'x' }, { bridge: 'br2', dpid: '0x00000000000000b2' }, { nonsense: true }] },
      },
    });
    expect(await rest.listBridges()).toEqual([
      { name: 'br1', descr: 'x', dpid: '00000000000000a1' },
      { name: 'br2', descr: '', dpid: '00000000000000b2' },
    ]);
  });

  it('falls back to reading each VFC when the switch answers the list with links only', async () => {
    const { rest, asked } = scripted({
      'GET bridges?list=true': { status: 200, body: { links: { br3: { href: 'x' } } } },
      'GET bridges/br3': { status: 200, body: { bridge: 'br3', dpid: '3', 'bridge-descr': 'dpb:lab:shared' } },
    });
    expect(await rest.listBridges()).toEqual([{ name: 'br3', descr: 'dpb:lab:shared', dpid: '0000000000000003' }]);
    expect(asked.map((r) => r.path)).toEqual(['bridges?list=true', 'bridges/br3']);
  });

  it('reads tunnels (untagged ones carry no VLAN) and controllers with their connection state', async () => {
    const { rest } = scripted({
      'GET bridges/br1/tunnels?list=true': {
        status: 200,
        body: {
          list: [
            { ofport: 1, type: 'untagged', port: '7', 'vlan-id': 0, 'is-shaped': false, ifdescr: 'a', meter: { cir: 0, cbs: 0 } },
            { ofport: 2, type: 'stag-ctag', port: '3', 'vlan-id': 100, 'inner-vlan-id': 20, 'is-shaped': true, 'shaped-rate': 5, ifdescr: 'b', meter: { cir: 5000, cbs: 13 } },
          ],
        },
      },
      'GET bridges/br1/controllers?list=true': { status: 200, body: { list: [{ controller: 'dpb', connected: false }, { controller: 'other' }] } },
    });
    expect(await rest.listTunnels('br1')).toEqual([
      { ofport: 1, port: '7', cir: 0, cbs: 0, ifdescr: 'a' },
      { ofport: 2, port: '3', vlanId: 100, innerVlanId: 20, shapedRate: 5, cir: 5000, cbs: 13, ifdescr: 'b' },
    ]);
    expect(await rest.listControllers('br1')).toEqual([{ id: 'dpb', connected: false }, { id: 'other' }]);
  });

  it('a VFC that is gone reads as undefined, and deleting what is gone succeeds', async () => {
    const { rest } = scripted({
      'GET bridges/br9': { status: 404, body: { error: 'not-found' } },
      'GET bridges/br9/tunnels?list=true': { status: 404, body: {} },
      'DELETE bridges/br9': { status: 404, body: {} },
      'DELETE bridges/br9/tunnels/3': { status: 404, body: {} },
    });
    expect(await rest.getBridge('br9')).toBeUndefined();
    expect(await rest.listTunnels('br9')).toBeUndefined();
    await rest.deleteBridge('br9');
    await rest.detachTunnel('br9', 3);
  });

  it('a taken VFC name is an answer, not an error', async () => {
    const { rest } = scripted({ 'POST bridges': { status: 409, body: { error: 'bridge-exists' } } });
    expect(await rest.createBridge({ bridge: 'br1', subtype: 'openflow', resources: 3, netns: 'default', 'bridge-descr': 'x' })).toBe('taken');
  });

  it.each([
    [500, 'UNAVAILABLE', true],
    [503, 'UNAVAILABLE', true],
    [504, 'TIMEOUT', true],
    [429, 'INTERNAL', true],
    [401, 'UNAUTHENTICATED', true],
    [403, 'PERMISSION_DENIED', false],
    [400, 'INVALID_ARGUMENT', false],
    [404, 'NOT_FOUND', false],
    [409, 'BUSY', false],
  ])('an unexpected %i is %s (transient: %s), naming the request and what the switch said', async (status, code, transient) => {
    const { rest } = scripted({ 'POST bridges/br1/tunnels': { status, body: { error: 'x', message: 'the switch says no' } } });
    expect(await failure(rest.attachTunnel('br1', { ofport: 1, port: '1' }))).toEqual({
      code,
      transient,
      details: { inferior: 'corsa lab', method: 'POST', path: 'bridges/br1/tunnels', httpStatus: status, reason: 'the switch says no' },
    });
  });

  it('resource exhaustion reads as RESOURCE_EXHAUSTED and is not retried', async () => {
    const { rest } = scripted({ 'POST bridges': { status: 403, body: { error: 'resources-exhausted', message: 'only 1 left' } } });
    const f = await failure(rest.createBridge({ bridge: 'br1', subtype: 'openflow', resources: 3, netns: 'default', 'bridge-descr': 'x' }));
    expect(f).toMatchObject({ code: 'RESOURCE_EXHAUSTED', transient: false });
  });
});

describe('QoS values', () => {
  it('meters police at ingress Mbit/s x 1000 kbit/s with a burst of 20 ms at that rate, at least 3 KB', () => {
    expect(BURST_MS).toBe(20);
    expect(meterFor(100)).toEqual({ cirKbps: 100_000, cbsKB: 250 });
    expect(meterFor(10)).toEqual({ cirKbps: 10_000, cbsKB: 25 });
    expect(meterFor(0.01)).toEqual({ cirKbps: 10, cbsKB: MIN_CBS_KB });
    expect(meterFor(0)).toEqual({ cirKbps: 1, cbsKB: MIN_CBS_KB });
    expect(meterFor(1000.4)).toEqual({ cirKbps: 1_000_400, cbsKB: 2501 });
  });

  it('[R19] the CIR is x1000, not x1024', () => {
    expect(meterFor(1).cirKbps).toBe(1000);
  });

  it('shapes egress at the egress rate in Mbit/s, to 1 kbit/s', () => {
    expect(shapedRateFor(50)).toBe(50);
    expect(shapedRateFor(33.33333)).toBe(33.333);
    expect(shapedRateFor(-1)).toBe(0);
  });
});
