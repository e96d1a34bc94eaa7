import { type BrokerError, isAllowedTransition, type ServiceEvent, type ServiceStatus } from '@dpb/model';
import { caught, eventually, expectStatus, INITIATE, ref, Wan } from './fixtures';

/** Collects a service's events until it reaches one of `until`. */
async function collect(events: AsyncIterable<ServiceEvent>, until: ServiceStatus[]): Promise<ServiceStatus[]> {
  const out: ServiceStatus[] = [];
  for await (const ev of events) {
    out.push(ev.status);
    if (until.includes(ev.status)) break;
  }
  return out;
}

function expectLegal(seq: ServiceStatus[]): void {
  for (let i = 1; i < seq.length; i++) {
    expect([seq[i - 1], seq[i], isAllowedTransition(seq[i - 1] as ServiceStatus, seq[i] as ServiceStatus)]).toEqual([seq[i - 1], seq[i], true]);
  }
}

async function expectNothingHeld(w: Wan): Promise<void> {
  for (const t of await w.agg.trunks()) {
    expect({ id: t.id, inUse: t.labelsInUse, up: t.allocated.upstreamMbps, down: t.allocated.downstreamMbps }).toEqual({
      id: t.id,
      inUse: 0,
      up: 0,
      down: 0,
    });
  }
  expect(await w.inferiorServices()).toEqual([]);
}

const circuit = (terminal: string, label: number, ingressMbps: number, egressMbps?: number) =>
  egressMbps === undefined ? { terminal, label, ingressMbps } : { terminal, label, ingressMbps, egressMbps };

describe('aggregator lifecycle', () => {
  let w: Wan;
  beforeEach(async () => {
    w = await Wan.build(INITIATE);
  });
  afterEach(async () => {
    await w.close();
  });

  test('the worked example of dpb-core §3.4 allocates 300 up and 100 down on slough→lancs', async () => {
    const s = await w.agg.createService();
    await s.define({
      circuits: [circuit('lancs-vms', 1234, 100), circuit('bristol-vms', 1111, 100), circuit('slough-vms', 2222, 100), circuit('slough-vms', 2223, 100)],
    });
    await s.activate();
    await expectStatus(s, 'ACTIVE');
    const lancs = await w.agg.findTrunk(ref('lancs:slough'));
    expect(lancs?.allocated).toEqual({ upstreamMbps: 300, downstreamMbps: 100 });
    expect(lancs?.available).toEqual({ upstreamMbps: 724, downstreamMbps: 924 });
    const info = await s.describe();
    const lancsSub = info.realisation?.subservices.find((x) => x.network === 'lancs');
    expect(lancsSub?.request.circuits).toEqual([
      { terminal: 'slough', label: 1000, ingressMbps: 300, egressMbps: 100 },
      { terminal: 'vms', label: 1234, ingressMbps: 100, egressMbps: 300 },
    ]);
    expect(info.realisation?.subservices.map((x) => x.network).sort()).toEqual(['bristol', 'lancs', 'slough']);
    expect(info.realisation?.subservices.every((x) => x.status === 'ACTIVE')).toBe(true);
    // every piece is a real bridge on its switch's fabric
    const bridge = w.fabrics.get('lancs')?.reach({ interface: 'vms', label: 1234 }, { interface: 'slough', label: 1000 });
    expect(bridge).toEqual({ connected: true, rateMbps: 100 });
  });

  test('define, activate, deactivate, reactivate and release emit legal events and give everything back', async () => {
    const s = await w.agg.createService({ handle: 'osm-1' });
    const events = s.watch();
    const seen = collect(events, ['RELEASED']);
    await s.define({ circuits: [circuit('lancs-vms', 10, 50), circuit('kcl-vms', 20, 50)] });
    await expectStatus(s, 'INACTIVE');
    await s.activate();
    await expectStatus(s, 'ACTIVE');
    await s.deactivate();
    await expectStatus(s, 'INACTIVE');
    await s.activate();
    await expectStatus(s, 'ACTIVE');
    await s.release();
    await expectStatus(s, 'RELEASED');
    const seq = await seen;
    expectLegal(seq);
    expect(seq[0]).toBe('DORMANT');
    expect(seq.filter((x) => x === 'ACTIVE')).toHaveLength(2);
    expect(seq[seq.length - 1]).toBe('RELEASED');
    await expectNothingHeld(w);
    expect(await w.agg.findService({ handle: 'osm-1' })).toBeUndefined();
  });

  test('activate before define is remembered', async () => {
    const s = await w.agg.createService();
    await s.activate();
    expect(await s.status()).toBe('DORMANT');
    await s.define({ circuits: [circuit('edin-vms', 5, 10), circuit('kcl-vms', 5, 10)] });
    await expectStatus(s, 'ACTIVE');
  });

  test('[Q-10] release while ACTIVATING converges and gives everything back', async () => {
    await w.close();
    w = await Wan.build({ ...INITIATE, delayMs: 40 });
    const s = await w.agg.createService();
    await s.define({ circuits: [circuit('lancs-vms', 10, 50), circuit('bristol-vms', 20, 50)] });
    await expectStatus(s, 'INACTIVE');
    await s.activate();
    expect(await s.status()).toBe('ACTIVATING');
    await s.release();
    await expectStatus(s, 'RELEASED');
    await expectNothingHeld(w);
  });

  test('[Q-12] reset while ACTIVATING shows RELEASING, returns to DORMANT, keeps id and handle, and can be defined again', async () => {
    await w.close();
    w = await Wan.build({ ...INITIATE, delayMs: 40 });
    const s = await w.agg.createService({ handle: 'h' });
    await s.define({ circuits: [circuit('lancs-vms', 10, 50), circuit('bristol-vms', 20, 50)] });
    await s.activate();
    const resetting = s.reset();
    // a service being reset says so
    expect(await s.status()).toBe('RELEASING');
    await resetting;
    await expectStatus(s, 'DORMANT');
    expect((await w.agg.service({ handle: 'h' })).id).toBe(s.id);
    await expectNothingHeld(w);
    await s.define({ circuits: [circuit('lancs-vms', 10, 50), circuit('bristol-vms', 20, 50)] });
    await s.activate();
    await expectStatus(s, 'ACTIVE');
  });

  test('reset during define converges to DORMANT with nothing held', async () => {
    const s = await w.agg.createService();
    const defining = s.define({ circuits: [circuit('lancs-vms', 10, 50), circuit('bristol-vms', 20, 50)] });
    const resetting = s.reset();
    await Promise.all([defining.catch(() => undefined), resetting]);
    await expectStatus(s, 'DORMANT');
    await expectNothingHeld(w);
  });

  test('an inferior failing mid-way fails the service, gives everything back, and reset recovers', async () => {
    const s = await w.agg.createService();
    await s.define({ circuits: [circuit('lancs-vms', 10, 50), circuit('bristol-vms', 20, 50)] });
    await expectStatus(s, 'INACTIVE');
    w.fabrics.get('lancs')?.failNext('port 7 is down');
    await s.activate();
    await expectStatus(s, 'FAILED');
    const info = await s.describe();
    expect(info.errors.length).toBeGreaterThan(0);
    expect(info.errors[0]?.details.inferior).toBe('lancs');
    // failure gives back every label, every Mbit/s and every sub-service
    await eventually(() => expectNothingHeld(w));
    await expect(s.activate()).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    await s.reset();
    await expectStatus(s, 'DORMANT');
    await s.define({ circuits: [circuit('lancs-vms', 10, 50), circuit('bristol-vms', 20, 50)] });
    await s.activate();
    await expectStatus(s, 'ACTIVE');
  });

  test('[Q-11] define errors name the thing at fault and leave nothing behind', async () => {
    const s = await w.agg.createService();
    const unknown = await caught(s.define({ circuits: [circuit('nowhere', 1, 10), circuit('kcl-vms', 1, 10)] }));
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.details).toMatchObject({ kind: 'terminal', terminal: 'nowhere' });
    const badLabel = await caught(s.define({ circuits: [circuit('lancs-vms', 5000, 10), circuit('kcl-vms', 1, 10)] }));
    expect(badLabel.code).toBe('INVALID_ARGUMENT');
    expect(badLabel.details).toMatchObject({ inferior: 'lancs', terminal: 'lancs-vms', label: 5000 });
    const tooBig = await caught(s.define({ circuits: [circuit('lancs-vms', 1, 2000), circuit('kcl-vms', 1, 2000)] }));
    expect(tooBig.code).toBe('RESOURCE_EXHAUSTED');
    expect(tooBig.details).toMatchObject({ reason: 'insufficient-capacity', trunk: 1, requestedMbps: 2000, availableMbps: 1024 });
    expect(await s.status()).toBe('DORMANT');
    await expectNothingHeld(w);
    await s.define({ circuits: [circuit('lancs-vms', 1, 10), circuit('kcl-vms', 1, 10)] });
    await expectStatus(s, 'INACTIVE');
    await expect(s.define({ circuits: [circuit('lancs-vms', 2, 10), circuit('kcl-vms', 2, 10)] })).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
    });
  });

  test('[Q-16] concurrent defines never oversubscribe a trunk or share a label', async () => {
    const services = await Promise.all(Array.from({ length: 30 }, () => w.agg.createService()));
    const results = await Promise.allSettled(
      services.map((s, i) => s.define({ circuits: [circuit('lancs-vms', 100 + i, 100), circuit('bristol-vms', 100 + i, 100)] })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    expect(ok).toBe(10);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as BrokerError).code).toBe('RESOURCE_EXHAUSTED');
    const lancs = await w.agg.findTrunk(ref('lancs:slough'));
    expect(lancs?.allocated.upstreamMbps).toBeLessThanOrEqual(1024);
    const tunnels = await w.agg.tunnels(lancs?.id);
    expect(new Set(tunnels.map((t) => t.startLabel)).size).toBe(tunnels.length);
    expect(tunnels).toHaveLength(10);
  });

  test('[Q-9] a service inside one switch needs no trunk', async () => {
    const s = await w.agg.createService();
    await s.define({ circuits: [circuit('slough-vms', 10, 10), circuit('slough-vms', 11, 10)] });
    await s.activate();
    await expectStatus(s, 'ACTIVE');
    expect((await s.describe()).realisation?.tunnels).toEqual([]);
  });

  test('when labels run out the next service is refused as unreachable', async () => {
    await w.close();
    w = await Wan.build({
      ...INITIATE,
      trunks: INITIATE.trunks.map((t) => ({ ...t, labels: { startBase: 1000, count: 2 } })),
    });
    for (let i = 0; i < 2; i++) {
      const s = await w.agg.createService();
      await s.define({ circuits: [circuit('lancs-vms', i, 1), circuit('kcl-vms', i, 1)] });
    }
    const s = await w.agg.createService();
    const e = await caught(s.define({ circuits: [circuit('lancs-vms', 9, 1), circuit('kcl-vms', 9, 1)] }));
    expect(e.code).toBe('RESOURCE_EXHAUSTED');
    expect(e.details.reason).toBe('unreachable');
  });

  test('a decommissioned trunk gets no new tunnels; recommissioning restores it', async () => {
    const t = await w.agg.findTrunk(ref('lancs:slough'));
    await w.agg.decommission(t?.id as number);
    const s = await w.agg.createService();
    await expect(s.define({ circuits: [circuit('lancs-vms', 1, 1), circuit('kcl-vms', 1, 1)] })).rejects.toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
    });
    await w.agg.recommission(t?.id as number);
    await s.define({ circuits: [circuit('lancs-vms', 1, 1), circuit('kcl-vms', 1, 1)] });
    await expectStatus(s, 'INACTIVE');
  });
});
