import { call } from '../rest/broker';

/**
 * An aggregator `wan` over four switches (the demo's shape), with customer
 * terminals london/paris/frankfurt and 5GEx-style terminals named "1", "2",
 * "3" (DPB's 5GEx API names a terminal by the decimal island_switch_port),
 * plus a switch `lab` to be "another network" in the rights tests.
 */
export const DPB_YAML = `
networks:
  - name: core
    kind: switch
    fabric: { memory: {} }
    terminals: { london: eth1, paris: eth2, frankfurt: eth3 }
  - name: london
    kind: switch
    fabric: { memory: {} }
    terminals: { vms: eth1, uplink: eth0, p1: eth2 }
  - name: paris
    kind: switch
    fabric: { memory: {} }
    terminals: { vms: eth1, uplink: eth0, p2: eth2 }
  - name: frankfurt
    kind: switch
    fabric: { memory: {} }
    terminals: { vms: eth1, uplink: eth0, p3: eth2 }
  - name: wan
    kind: aggregator
    inferiors: [core, london, paris, frankfurt]
    terminals: { london: "london:vms", paris: "paris:vms", frankfurt: "frankfurt:vms", "1": "london:p1", "2": "paris:p2", "3": "frankfurt:p3" }
    trunks:
      - { ends: ["london:uplink", "core:london"], capacityMbps: 10000, labels: "100-999", cost: 1 }
      - { ends: ["paris:uplink", "core:paris"], capacityMbps: 10000, labels: "100-999", cost: 1 }
      - { ends: ["frankfurt:uplink", "core:frankfurt"], capacityMbps: { upstream: 1000, downstream: 1000 }, labels: "100-999:1100", cost: 3 }
  - name: lab
    kind: switch
    fabric: { memory: {} }
    terminals: { a: port1, b: port2, c: port3, "7": port7, "8": port8 }
`;

/** What REST v1 says about resources: trunks of `wan`, terminals of every switch, live services per network. */
export interface Usage {
  trunks: { id: number; allocated: { upstreamMbps: number; downstreamMbps: number }; labelsInUse: number }[];
  switchTerminals: Record<string, { name: string; ingressUsedMbps: number; egressUsedMbps: number; circuitsInUse: number }[]>;
  services: Record<string, number[]>;
}

export const SWITCHES = ['core', 'london', 'paris', 'frankfurt', 'lab'];

/** Reads trunk, terminal and service usage over REST v1. */
export async function usage(base: string): Promise<Usage> {
  const trunks = (await call(base, 'GET', '/api/v1/networks/wan/trunks')).body as Usage['trunks'];
  const switchTerminals: Usage['switchTerminals'] = {};
  for (const s of SWITCHES) switchTerminals[s] = (await call(base, 'GET', `/api/v1/networks/${s}/terminals`)).body;
  const services: Usage['services'] = {};
  for (const n of [...SWITCHES, 'wan']) {
    services[n] = ((await call(base, 'GET', `/api/v1/networks/${n}/services`)).body as { id: number }[]).map((s) => s.id);
  }
  return { trunks, switchTerminals, services };
}

/** Expects nothing allocated anywhere and no live service on any network. */
export async function expectNothingAllocated(base: string): Promise<void> {
  const u = await usage(base);
  expect(u.trunks.map((t) => ({ id: t.id, ...t.allocated, labels: t.labelsInUse }))).toEqual(u.trunks.map((t) => ({ id: t.id, upstreamMbps: 0, downstreamMbps: 0, labels: 0 })));
  for (const [sw, terms] of Object.entries(u.switchTerminals)) {
    expect({ sw, used: terms.filter((t) => t.circuitsInUse !== 0 || t.ingressUsedMbps !== 0 || t.egressUsedMbps !== 0).map((t) => t.name) }).toEqual({ sw, used: [] });
  }
  expect(u.services).toEqual(Object.fromEntries([...SWITCHES, 'wan'].map((n) => [n, []])));
}

/** A v4-looking UUID from a counter (deterministic). */
export function uuid(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `0f1e2d3c-4b5a-4978-8a6b-${hex}`;
}

/** Waits (with a deadline) until a v1 service reaches one of `statuses` or is gone; returns its last status or 'GONE'. */
export async function settle(base: string, network: string, id: number, statuses: string[], timeoutMs = 10_000): Promise<string> {
  const r = await call(base, 'GET', `/api/v1/networks/${network}/services/${id}?wait=${[...statuses, 'RELEASED'].join(',')}&timeoutMs=${timeoutMs}`);
  if (r.status === 404) return 'GONE';
  return r.body.status as string;
}
