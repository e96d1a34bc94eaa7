import { createApp, type NetworkEntry, parseConfig, wire, type Wired } from '@dpb/server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A broker built from YAML by the real wiring (memory store), served on port 0. */
export interface TestBroker {
  base: string;
  wired: Wired;
  close(): Promise<void>;
}

export async function listen(networks: Map<string, NetworkEntry>, maxBodyBytes?: number): Promise<{ base: string; server: Server }> {
  const app = createApp({ networks, ...(maxBodyBytes ? { maxBodyBytes } : {}) });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, server };
}

export async function startBroker(yaml: string, maxBodyBytes?: number): Promise<TestBroker> {
  const config = parseConfig(`store: { memory: {} }\n${yaml}`, { baseDir: '/tmp' });
  const wired = await wire(config);
  const { base, server } = await listen(wired.networks, maxBodyBytes);
  return {
    base,
    wired,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await wired.close();
    },
  };
}

export interface Res {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

/** fetch with a JSON body (objects are stringified; strings are sent as they are). */
export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
  }
  const r = await fetch(base + path, init);
  const text = await r.text();
  let parsed: unknown = undefined;
  if (text.length > 0) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: r.status, body: parsed, headers: r.headers };
}

/** Expects a JSON error with this status and code; returns its details. */
export function expectError(res: Res, status: number, code: string): Record<string, unknown> {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(typeof res.body.error.message).toBe('string');
  return res.body.error.details as Record<string, unknown>;
}

export const SWITCH_YAML = `
networks:
  - name: lab
    kind: switch
    fabric: { memory: {} }
    terminals: { a: port1, b: port2, c: port3 }
    quotas: { a: { ingressMbps: 1000, egressMbps: 1000 } }
`;

export const WAN_YAML = `
networks:
  - name: core
    kind: switch
    fabric: { memory: {} }
    terminals: { london: eth1, paris: eth2, frankfurt: eth3 }
  - name: london
    kind: switch
    fabric: { memory: {} }
    terminals: { vms: eth1, uplink: eth0 }
  - name: paris
    kind: switch
    fabric: { memory: {} }
    terminals: { vms: eth1, uplink: eth0, spare: eth2 }
  - name: frankfurt
    kind: switch
    fabric: { memory: {} }
    terminals: { vms: eth1, uplink: eth0 }
  - name: wan
    kind: aggregator
    inferiors: [core, london, paris, frankfurt]
    terminals: { london: "london:vms", paris: "paris:vms", frankfurt: "frankfurt:vms" }
    trunks:
      - { ends: ["london:uplink", "core:london"], capacityMbps: 10000, labels: "100-999", cost: 1 }
      - { ends: ["paris:uplink", "core:paris"], capacityMbps: 10000, labels: "100-999", cost: 1 }
      - { ends: ["frankfurt:uplink", "core:frankfurt"], capacityMbps: { upstream: 1000, downstream: 1000 }, labels: "100-999:1100", cost: 3 }
`;

export function circuits(...spec: [string, number, number, number?][]): unknown[] {
  return spec.map(([terminal, label, ingressMbps, egressMbps]) => ({ terminal, label, ingressMbps, ...(egressMbps === undefined ? {} : { egressMbps }) }));
}
