import type { MemoryFabric } from '@dpb/adaptor-memory';
import { silentLogger } from '@dpb/model';
import { ANONYMOUS } from '@dpb/server';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
// createApp mounts these routes with the 30 s establish timeout; this test mounts them with a short one
import { mountDpbRoutes } from '@dpb/server';
import { startBroker, type TestBroker } from '../rest/broker';
import { DPB_YAML, expectNothingAllocated, uuid } from './fixtures';
import { FiveGExClient } from './reference-client';

let b: TestBroker;
let server: Server;
let base: string;
const TIMEOUT_MS = 300;

beforeAll(async () => {
  b = await startBroker(DPB_YAML);
  const app = express();
  app.use((_req, res, next) => {
    res.locals.principal = ANONYMOUS;
    next();
  });
  mountDpbRoutes(app, { networks: b.wired.networks, logger: silentLogger, maxBodyBytes: 65536, establishTimeoutMs: TIMEOUT_MS });
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

describe('5GEx establish that does not reach ACTIVE in time (DPB answered 419)', () => {
  it('answers 504 TIMEOUT naming the handle, releases the service, and the handle is free again', async () => {
    const paris = b.wired.fabrics.get('paris') as MemoryFabric;
    paris.setDelay(5_000);
    const f = new FiveGExClient(base, 'wan');
    const U = uuid(500);
    const body = { endpoints: [{ island_switch_port: 1, island_service_vlan_id: 800 }, { island_switch_port: 2, island_service_vlan_id: 800 }] };
    const t0 = Date.now();
    const r = await f.establish(U, body);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect({ status: r.status, code: r.json.code, handle: r.json.details.handle, timeoutMs: r.json.details.timeoutMs }).toEqual({
      status: 504,
      code: 'TIMEOUT',
      handle: U,
      timeoutMs: TIMEOUT_MS,
    });
    expect(typeof r.json['error-message']).toBe('string');
    await expectNothingAllocated(b.base);

    paris.setDelay(0);
    const again = await f.establish(U, body);
    expect({ status: again.status, json: again.json }).toEqual({ status: 200, json: {} });
    expect((await f.release(U)).status).toBe(200);
  });
});
