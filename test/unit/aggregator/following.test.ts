import { Aggregator } from '@dpb/aggregator';
import type { NetworkControl, Service, ServiceEvent, ServiceStatus } from '@dpb/model';
import { expectStatus, INITIATE, Wan } from './fixtures';

/**
 * The aggregator follows in-process sub-services by listening to them (one
 * small object each) and any other service (e.g. a remote network's) by
 * watching it. Both paths must converge the same way.
 */

/** A service with only the Service contract (no listen), as a remote network's services are. */
function contractOnly(s: Service): Service {
  return {
    network: s.network,
    id: s.id,
    handle: s.handle,
    define: (r) => s.define(r),
    activate: () => s.activate(),
    deactivate: () => s.deactivate(),
    reset: () => s.reset(),
    release: () => s.release(),
    status: () => s.status(),
    describe: () => s.describe(),
    awaitStatus: (a, t) => s.awaitStatus(a, t),
    watch: (o) => s.watch(o),
  };
}

/** An inferior whose services offer only `watch`. */
function watchOnly(n: NetworkControl): NetworkControl {
  const wrap = (s: Service | undefined): Service | undefined => (s ? contractOnly(s) : undefined);
  return {
    name: n.name,
    kind: n.kind,
    terminals: () => n.terminals(),
    model: (m) => n.model(m),
    onModelChange: (l) => n.onModelChange(l),
    createService: async (o) => contractOnly(await n.createService(o)),
    service: async (r) => contractOnly(await n.service(r)),
    findService: async (r) => wrap(await n.findService(r)),
    services: async () => (await n.services()).map(contractOnly),
  };
}

const circuit = (terminal: string, label: number, mbps: number) => ({ terminal, label, ingressMbps: mbps, egressMbps: mbps });

describe.each(['listen', 'watch'] as const)('an aggregator following its sub-services by %s', (how) => {
  let w: Wan;
  let agg: Aggregator;
  beforeEach(async () => {
    w = await Wan.build(INITIATE);
    if (how === 'watch') {
      await w.agg.close();
      agg = await Aggregator.open({
        name: 'wan',
        store: w.provider.aggregatorStore('wan'),
        inferiors: (name) => {
          const s = w.switches.get(name);
          return s ? watchOnly(s) : undefined;
        },
        modelCacheMs: 60_000,
      });
      w.agg = agg;
    } else {
      agg = w.agg;
    }
  });
  afterEach(async () => {
    await w.close();
  });

  test('the service goes ACTIVE, through the same statuses, and RELEASED with nothing left in the switches', async () => {
    const s = await agg.createService();
    const seen: ServiceStatus[] = [];
    const following = (async () => {
      for await (const ev of s.watch() as AsyncIterable<ServiceEvent>) seen.push(ev.status);
    })();
    await s.define({ circuits: [circuit('lancs-vms', 10, 50), circuit('bristol-vms', 20, 50)] });
    await s.activate();
    await expectStatus(s, 'ACTIVE');
    await s.release();
    await expectStatus(s, 'RELEASED');
    await following;
    expect(seen).toEqual(['DORMANT', 'ESTABLISHING', 'INACTIVE', 'ACTIVATING', 'ACTIVE', 'RELEASING', 'RELEASED']);
    expect(await w.inferiorServices()).toEqual([]);
  });

  test('a sub-service failing in its switch fails the service, and reset brings it back to DORMANT', async () => {
    const s = await agg.createService();
    await s.define({ circuits: [circuit('lancs-vms', 10, 50), circuit('bristol-vms', 20, 50)] });
    await expectStatus(s, 'INACTIVE');
    w.fabrics.get('lancs')?.failNext('port 7 is down');
    await s.activate();
    await expectStatus(s, 'FAILED');
    expect((await s.describe()).errors[0]?.details.inferior).toBe('lancs');
    await s.reset();
    await expectStatus(s, 'DORMANT');
    expect(await w.inferiorServices()).toEqual([]);
  });
});
