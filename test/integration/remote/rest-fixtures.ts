import { RestNetwork, type RestNetworkOptions } from '@dpb/remote';
import { type Listeners, parseConfig, startListeners, wire, type Wired } from '@dpb/server';
import type { NetworkControlFixture } from '@dpb/testkit';
import { silentLoggerFor } from '../shell/shell-fixtures';

/** An in-process dpb-server (memory store, REST on port 0, no SSH). */
export interface TestServer {
  wired: Wired;
  listeners: Listeners;
  /** REST base, e.g. http://127.0.0.1:PORT. */
  base: string;
  /** URL of a network: BASE/api/v1/networks/NAME. */
  url(network: string): string;
  close(): Promise<void>;
}

export async function startServer(yaml: string, server = 'server: { rest: { port: 0 }, ssh: false }'): Promise<TestServer> {
  const config = parseConfig(`store: { memory: {} }\n${server}\n${yaml}`, { baseDir: '/tmp' });
  const wired = await wire(config);
  const listeners = await startListeners(config, wired.networks, silentLoggerFor());
  return {
    wired,
    listeners,
    base: listeners.restUrl,
    url: (network) => `${listeners.restUrl}/api/v1/networks/${network}`,
    close: async () => {
      await listeners.close();
      await wired.close();
    },
  };
}

/** A conformance fixture: a fresh server and a RestNetwork on one of its networks. */
export function restFixture(
  yaml: string,
  network: string,
  terminals: [string, string, string],
  options: { server?: string; client?: Partial<RestNetworkOptions> } = {},
): () => Promise<NetworkControlFixture> {
  return async () => {
    const server = await startServer(yaml, options.server);
    const remote = new RestNetwork({ url: server.url(network), reconnect: { minMs: 20, maxMs: 200 }, ...options.client });
    return {
      network: remote,
      terminals,
      label: 100,
      badLabel: 5000,
      teardown: async () => {
        await remote.close();
        await server.close();
      },
    };
  };
}

export const SWITCH_YAML = `
networks:
  - name: lab
    kind: switch
    fabric: { memory: {} }
    terminals: { a: port1, b: port2, c: port3 }
    quotas: { a: { ingressMbps: 1000, egressMbps: 1000 } }
`;

export const TOKEN = 'remote-token-0123456789abcdef';
export const AUTH_SERVER = 'server: { rest: { port: 0, auth: required }, ssh: false }';
export const USERS_YAML = `
users:
  - { name: superior, rights: { '*': [control] }, token: ${TOKEN} }
`;
