import { call, startBroker, type TestBroker } from '../rest/broker';
import { DPB_YAML, expectNothingAllocated, settle, usage } from './fixtures';
import { type ConnectionPoint, DpbNetworkClient, OsmDpbRestConnector, SdnConnectorError } from './reference-client';

let b: TestBroker;
beforeEach(async () => {
  b = await startBroker(DPB_YAML);
});
afterEach(async () => {
  await b.close();
});

const cp = (terminal: string, vlan: number | string): ConnectionPoint => ({ service_endpoint_id: terminal, service_endpoint_encapsulation_info: { vlan } });

describe("OSM's DPB connector in REST mode (osm-wim §2.3-2.4), unmodified, against dpb-server", () => {
  it('create, status, edit, status, delete: every call is 200 with JSON, and nothing leaks', async () => {
    const osm = new OsmDpbRestConnector(b.base, 'wan');

    // create_connectivity_service: create-service (no body, no Content-Type), define, activate
    const [serviceId, connInfo] = await osm.createConnectivityService('ELINE (L2)', [cp('london', 100), cp('paris', '200')]);
    expect(connInfo).toBeNull();
    expect(serviceId).toMatch(/^[0-9]+$/);
    expect(osm.sent.map((s) => [s.suffix, s.contentType ?? null, s.body ?? null])).toEqual([
      ['create-service', null, null],
      [`service/${serviceId}/define`, 'application/json', '{"segment": [{"terminal-name": "london", "label": 100, "ingress-bw": 10.0, "egress-bw": 10.0}, {"terminal-name": "paris", "label": 200, "ingress-bw": 10.0, "egress-bw": 10.0}]}'],
      [`service/${serviceId}/activate`, null, null],
    ]);

    // get_connectivity_service_status: await-status {"timeout-millis":10000,"acceptable":["ACTIVE","FAILED"]}
    expect(await osm.getConnectivityServiceStatus(serviceId)).toEqual({ wim_status: 'ACTIVE', dpbStatus: 'ACTIVE' });
    expect(osm.sent.at(-1)?.body).toBe('{"timeout-millis": 10000, "acceptable": ["ACTIVE", "FAILED"]}');
    const v1 = (await call(b.base, 'GET', `/api/v1/networks/wan/services/${serviceId}`)).body;
    expect(v1.request.circuits.map((c: { terminal: string; label: number }) => `${c.terminal}:${c.label}`)).toEqual(['london:100', 'paris:200']);

    // edit_connectivity_service: reset, await DORMANT, define (new segment, same id), activate
    await osm.editConnectivityService(serviceId, null, [cp('london', 101), cp('frankfurt', 102), cp('paris', 103)]);
    expect(osm.sent.slice(-4).map((s) => s.suffix)).toEqual([`service/${serviceId}/reset`, `service/${serviceId}/await-status`, `service/${serviceId}/define`, `service/${serviceId}/activate`]);
    expect(await osm.getConnectivityServiceStatus(serviceId)).toEqual({ wim_status: 'ACTIVE', dpbStatus: 'ACTIVE' });
    const edited = (await call(b.base, 'GET', `/api/v1/networks/wan/services/${serviceId}`)).body;
    expect(edited.request.circuits.map((c: { terminal: string; label: number }) => `${c.terminal}:${c.label}`)).toEqual(['frankfurt:102', 'london:101', 'paris:103']);
    expect((await usage(b.base)).trunks.map((t) => t.labelsInUse)).toEqual([1, 1, 1]);

    // delete_connectivity_service: release
    await osm.deleteConnectivityService(serviceId);
    expect(await settle(b.base, 'wan', Number(serviceId), ['RELEASED'])).toMatch(/^(RELEASED|GONE)$/);
    await expectNothingAllocated(b.base);
  });

  it('a refused define is an SdnConnectorError with a 4xx; the service it created stays DORMANT until deleted', async () => {
    const osm = new OsmDpbRestConnector(b.base, 'wan');
    const err = await osm.createConnectivityService('ELINE (L2)', [cp('london', 100), cp('atlantis', 100)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SdnConnectorError);
    expect((err as SdnConnectorError).httpCode).toBe(404);
    // like the real connector, it does not clean up: the created service is left DORMANT
    const sid = Number(/service\/([0-9]+)\/define/.exec(osm.sent.at(-1)?.suffix ?? '')?.[1]);
    // (OSM's own poll would wait its full 10 s for ACTIVE/FAILED here and report wim_status null)
    expect(await new DpbNetworkClient(b.base, 'wan').awaitStatus(sid, ['DORMANT'], 0)).toBe('DORMANT');
    await osm.deleteConnectivityService(String(sid));
    expect(await settle(b.base, 'wan', sid, ['RELEASED'])).toMatch(/^(RELEASED|GONE)$/);
    await expectNothingAllocated(b.base);
  });

  it('delete of a service that is already gone still succeeds (release is idempotent)', async () => {
    const osm = new OsmDpbRestConnector(b.base, 'wan');
    await expect(osm.deleteConnectivityService('987654')).resolves.toBeUndefined();
  });
});
