import { SshNetwork, type SshNetworkOptions } from '@dpb/remote';
import { generateHostKeyPair, type Listeners, parseConfig, startListeners, wire, type Wired } from '@dpb/server';
import type { NetworkControlFixture } from '@dpb/testkit';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { silentLoggerFor } from '../shell/shell-fixtures';

/** One ed25519 key pair for the test user, made once per test file. */
const USER_KEY = generateHostKeyPair();

/** Where host keys live for this test file (made once, reused by every server). */
const KEY_DIR = mkdtempSync(path.join(tmpdir(), 'dpb-remote-ssh-'));
afterAll(() => rmSync(KEY_DIR, { recursive: true, force: true }));

export const SSH_USER = 'superior';

/** Users: `superior` (key) with control on everything, plus `extra` lines (YAML list items). */
export function usersYaml(extra = ''): string {
  return `
users:
  - { name: ${SSH_USER}, rights: { '*': [control] }, sshKeys: [${JSON.stringify(USER_KEY.public)}] }
${extra}`;
}

/** An in-process dpb-server (memory store, REST and SSH on port 0, auth required). */
export interface SshTestServer {
  wired: Wired;
  listeners: Listeners;
  port: number;
  fingerprint: string;
  close(): Promise<void>;
}

export async function startSshServer(yaml: string, o: { hostKeyName?: string; extraUsers?: string } = {}): Promise<SshTestServer> {
  const hostKeyFile = path.join(KEY_DIR, o.hostKeyName ?? 'host_key');
  const config = parseConfig(
    `store: { memory: {} }\nserver: { rest: { port: 0 }, ssh: { port: 0, auth: required, hostKeyFile: ${JSON.stringify(hostKeyFile)} } }\n${usersYaml(o.extraUsers)}\n${yaml}`,
    { baseDir: KEY_DIR },
  );
  const wired = await wire(config);
  let listeners: Listeners;
  try {
    listeners = await startListeners(config, wired.networks, silentLoggerFor());
  } catch (e) {
    await wired.close();
    throw e;
  }
  return {
    wired,
    listeners,
    port: listeners.sshPort as number,
    fingerprint: listeners.sshFingerprint as string,
    close: async () => {
      await listeners.close();
      await wired.close();
    },
  };
}

/** An SshNetwork on `network` of a server (key auth, host key checked, quick backoff). */
export function sshNetwork(port: number, network: string, o: Partial<SshNetworkOptions> = {}): SshNetwork {
  return new SshNetwork({
    host: '127.0.0.1',
    port,
    username: SSH_USER,
    privateKey: USER_KEY.private,
    network,
    reconnect: { minMs: 20, maxMs: 200 },
    requestTimeoutMs: 5_000,
    ...o,
  });
}

/** A conformance fixture: a fresh server and an SshNetwork on one of its networks. */
export function sshFixture(yaml: string, network: string, terminals: [string, string, string]): () => Promise<NetworkControlFixture> {
  return async () => {
    const server = await startSshServer(yaml);
    const remote = sshNetwork(server.port, network, { hostKey: { fingerprint: server.fingerprint } });
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

/** A TCP relay between a client and a server that a test can cut (every connection at once). */
export interface CuttableProxy {
  port: number;
  /** Connections relayed so far. */
  readonly accepted: number;
  /** Destroys every relayed connection (new ones are still accepted). */
  cut(): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<CuttableProxy> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((inbound) => {
    accepted++;
    const outbound = connect(targetPort, '127.0.0.1');
    sockets.add(inbound);
    sockets.add(outbound);
    const drop = (): void => {
      inbound.destroy();
      outbound.destroy();
      sockets.delete(inbound);
      sockets.delete(outbound);
    };
    inbound.on('error', drop).on('close', drop);
    outbound.on('error', drop).on('close', drop);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return accepted;
    },
    cut: () => {
      for (const s of [...sockets]) s.destroy();
      sockets.clear();
    },
    close: async () => {
      for (const s of [...sockets]) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Switch `lab` (a, b, c) and nothing else. */
export const LAB_YAML = `
networks:
  - name: lab
    kind: switch
    fabric: { memory: {} }
    terminals: { a: port1, b: port2, c: port3 }
    quotas: { a: { ingressMbps: 1000, egressMbps: 1000 } }
`;
