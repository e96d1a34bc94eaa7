import { type Logger, silentLogger } from '@dpb/model';
import { Authenticator, type Networks, parseConfig, type RunningSshServer, type SshLimits, startSshServer, wire, type Wired } from '@dpb/server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** A broker built from YAML by the real wiring (memory store), with the SSH server on port 0. */
export interface SshBroker {
  port: number;
  wired: Wired;
  server: RunningSshServer;
  /** Temp directory holding the host key (and anything a test puts there). */
  dir: string;
  close(): Promise<void>;
}

export interface SshBrokerOptions {
  auth?: 'none' | 'required';
  /** A YAML `users:` block (top level). */
  usersYaml?: string;
  maxFrameBytes?: number;
  limits?: Partial<SshLimits>;
  channelLimits?: Parameters<typeof startSshServer>[0]['channelLimits'];
  /** Where the SSH server logs (default: nowhere). */
  logger?: Logger;
  /** Serves these networks instead of the wired ones (e.g. instrumented wrappers). */
  networks?: (wired: Wired) => Networks;
}

export async function startSshBroker(networksYaml: string, o: SshBrokerOptions = {}): Promise<SshBroker> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dpb-ssh-'));
  const ssh = [`port: 0`, `hostKeyFile: ${JSON.stringify(path.join(dir, 'keys', 'host_ed25519'))}`, `auth: ${o.auth ?? 'none'}`];
  if (o.maxFrameBytes !== undefined) ssh.push(`maxFrameBytes: ${o.maxFrameBytes}`);
  const yaml = `store: { memory: {} }\nserver: { ssh: { ${ssh.join(', ')} } }\n${o.usersYaml ?? ''}\n${networksYaml}`;
  const config = parseConfig(yaml, { baseDir: dir });
  const wired = await wire(config);
  let server: RunningSshServer;
  try {
    server = await startSshServer({
      config: config.server.ssh,
      networks: o.networks ? o.networks(wired) : wired.networks,
      authenticator: new Authenticator(config.users),
      logger: o.logger ?? silentLogger,
      ...(o.limits ? { limits: o.limits } : {}),
      ...(o.channelLimits ? { channelLimits: o.channelLimits } : {}),
    });
  } catch (e) {
    await wired.close();
    throw e;
  }
  return {
    port: server.port,
    wired,
    server,
    dir,
    close: async () => {
      await server.close();
      await wired.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A switch with three terminals (one with quotas). */
export const SWITCH_YAML = `
networks:
  - name: lab
    kind: switch
    fabric: { memory: {} }
    terminals: { a: port1, b: port2, c: port3 }
    quotas: { a: { ingressMbps: 1000, egressMbps: 1000 } }
`;

/** A core switch and three site switches under one aggregator `wan`. */
export const WAN_YAML = `
networks:
  - name: core
    kind: switch
    fabric: { memory: {} }
    terminals: { london: eth1, paris: eth2, frankfurt: eth3, spare: eth4 }
  - name: london
    kind: switch
    fabric: { memory: {} }
    terminals: { vms: eth1, uplink: eth0, spare: eth2 }
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

/** Total allocated trunk bandwidth and labels in use over every aggregator (should be 0 when no service is defined). */
export async function allocations(wired: Wired): Promise<{ mbps: number; labels: number; circuits: number }> {
  let mbps = 0;
  let labels = 0;
  let circuits = 0;
  for (const e of wired.networks.values()) {
    if (e.aggregator) {
      for (const t of await e.aggregator.trunks()) {
        mbps += t.allocated.upstreamMbps + t.allocated.downstreamMbps;
        labels += t.labelsInUse;
      }
    }
    if (e.switch) {
      for (const t of await e.switch.terminalDetails()) {
        mbps += t.ingressUsedMbps + t.egressUsedMbps;
        circuits += t.circuitsInUse;
      }
    }
  }
  return { mbps, labels, circuits };
}

/** A snapshot of topology (terminals, trunks with capacity/cost/labels/commissioning, quotas) for "state unchanged" checks. */
export async function topology(wired: Wired): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, e] of [...wired.networks.entries()].sort()) {
    if (e.switch) {
      out[name] = (await e.switch.terminalDetails()).map((t) => [t.name, t.interface, t.ingressQuotaMbps, t.egressQuotaMbps]);
    }
    if (e.aggregator) {
      out[name] = {
        terminals: await e.aggregator.terminalDetails(),
        trunks: (await e.aggregator.trunks()).map((t) => [t.id, t.start, t.end, t.capacity, t.cost, t.commissioned, t.labelRanges]),
      };
    }
  }
  return out;
}
