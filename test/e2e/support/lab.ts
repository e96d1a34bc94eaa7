import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { readTopology, type LabTopology } from './topology';

export const REPO = path.resolve(__dirname, '../../..');
export const LAB_DIR = path.join(REPO, 'test/e2e/lab');
export const DEFAULT_TOPOLOGY = path.join(LAB_DIR, 'topologies/wan3.topo');

/** The Debian packages the real-switch suite needs. */
export const INSTALL_HINT =
  'apt-get install -y openvswitch-switch python3-os-ken iperf3 iputils-ping ethtool tcpdump (and run the suite as root)';

export interface LabSettings {
  /** Name prefix of every bridge, veth and netns (at most 6 characters). */
  prefix: string;
  /** OVS_RUNDIR of the lab: OVS database, sockets, logs, the app's pid and log. */
  runDir: string;
  /** Where the controller app listens for switches. */
  ofPort: number;
  /** The controller app's REST port. */
  restPort: number;
  topologyFile: string;
}

/**
 * The e2e suite's lab settings. They differ from the tutorial's defaults
 * (prefix `dl-`, ports 6653/8181) so that a lab a person has up is never
 * touched by the tests; override with DPB_E2E_PREFIX, DPB_E2E_RUNDIR,
 * DPB_E2E_OF_PORT, DPB_E2E_REST_PORT.
 */
export function e2eSettings(): LabSettings {
  return {
    prefix: process.env.DPB_E2E_PREFIX ?? 'dt-',
    runDir: process.env.DPB_E2E_RUNDIR ?? '/tmp/dpb-e2e',
    ofPort: Number(process.env.DPB_E2E_OF_PORT ?? 6663),
    restPort: Number(process.env.DPB_E2E_REST_PORT ?? 8183),
    topologyFile: DEFAULT_TOPOLOGY,
  };
}

function onPath(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Throws (so every test of the file FAILS, never skips) unless the suite can
 * run here: root, the Debian packages, os-ken on /usr/bin/python3, the
 * controller app in ryu-apps/.
 */
export function preflight(options: { app?: boolean } = {}): void {
  const problems: string[] = [];
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    problems.push('not root: the lab creates network namespaces, veths and an Open vSwitch; run the suite as root (sudo npm run test:e2e)');
  }
  const tools: [string, string][] = [
    ['ovsdb-server', 'openvswitch-switch'],
    ['ovs-vswitchd', 'openvswitch-switch'],
    ['ovs-vsctl', 'openvswitch-switch'],
    ['ovs-ofctl', 'openvswitch-switch'],
    ['osken-manager', 'python3-os-ken'],
    ['iperf3', 'iperf3'],
    ['ping', 'iputils-ping'],
    ['ethtool', 'ethtool'],
    ['tcpdump', 'tcpdump'],
    ['ip', 'iproute2'],
  ];
  const needed = options.app === false ? tools.filter(([, pkg]) => pkg !== 'python3-os-ken') : tools;
  const missing = needed.filter(([cmd]) => !onPath(cmd)).map(([cmd, pkg]) => `${cmd} (package ${pkg})`);
  if (missing.length > 0) problems.push(`missing: ${missing.join(', ')}`);
  else if (options.app !== false) {
    try {
      execFileSync('/usr/bin/python3', ['-c', 'import os_ken'], { stdio: 'ignore' });
    } catch {
      problems.push('/usr/bin/python3 cannot import os_ken (package python3-os-ken)');
    }
  }
  if (options.app !== false && !existsSync(path.join(REPO, 'ryu-apps/dpb_openflow.py'))) problems.push('ryu-apps/dpb_openflow.py (the controller app) is missing');
  if (problems.length > 0) {
    throw new Error(`the end-to-end suite cannot run here:\n  - ${problems.join('\n  - ')}\nInstall: ${INSTALL_HINT}`);
  }
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a command; rejects with its output when it fails. */
export function run(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: options.env ?? process.env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${cmd} ${args.join(' ')} failed (${err.message.split('\n')[0]}):\n${stderr}${stdout}`));
      } else resolve({ stdout, stderr });
    });
  });
}

/** The lab: a private Open vSwitch, the topology, and the controller app, driven through the scripts in test/e2e/lab. */
export class Lab {
  readonly topology: LabTopology;

  constructor(readonly settings: LabSettings = e2eSettings()) {
    this.topology = readTopology(settings.topologyFile, settings.prefix);
  }

  /** The environment the lab scripts and the OVS tools need. */
  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      LAB_PREFIX: this.settings.prefix,
      OVS_RUNDIR: this.settings.runDir,
      LAB_OF_PORT: String(this.settings.ofPort),
      LAB_REST_PORT: String(this.settings.restPort),
    };
  }

  /** Base URL of the controller app's REST API (what the openflow fabric's `controller` key names). */
  get controllerUrl(): string {
    return `http://127.0.0.1:${this.settings.restPort}`;
  }

  script(name: string, ...args: string[]): Promise<RunResult> {
    return run(path.join(LAB_DIR, name), args, { env: this.env, timeoutMs: 90_000 });
  }

  /**
   * Checks the machine, clears anything a crashed run left, and brings up OVS,
   * the app and the topology, in the order of lab-up.sh (the app first, so
   * that no switch starts with a long reconnection back-off).
   */
  async up(): Promise<void> {
    preflight();
    await this.down();
    await this.script('ovs-up.sh');
    await this.script('app-up.sh');
    await this.script('topo-up.sh', this.settings.topologyFile);
    await this.script('app-up.sh'); // waits until every switch is connected
  }

  /** Tears everything down; never throws (it runs in afterAll). */
  async down(): Promise<void> {
    for (const s of ['app-down.sh', 'topo-down.sh', 'ovs-down.sh']) {
      await this.script(s).catch((e: Error) => console.warn(`lab: ${s}: ${e.message}`));
    }
  }

  appDown(): Promise<RunResult> {
    return this.script('app-down.sh');
  }

  /** Starts the app; `forget`: without its state file (as after a crash that lost it), so only the broker's push restores the slices. */
  appUp(options: { forget?: boolean } = {}): Promise<RunResult> {
    if (!options.forget) return this.script('app-up.sh');
    return run(path.join(LAB_DIR, 'app-up.sh'), [], { env: { ...this.env, LAB_APP_STATE_FILE: 'none' }, timeoutMs: 90_000 });
  }

  /** ovs-vsctl against the lab's OVS. */
  vsctl(...args: string[]): Promise<RunResult> {
    return run('ovs-vsctl', args, { env: this.env });
  }

  /** ovs-ofctl -O OpenFlow13 against the lab's OVS. */
  ofctl(...args: string[]): Promise<RunResult> {
    return run('ovs-ofctl', ['-O', 'OpenFlow13', ...args], { env: this.env });
  }

  /** Number of flow entries on a bridge. */
  async flowCount(bridge: string): Promise<number> {
    const { stdout } = await this.ofctl('dump-flows', bridge);
    return stdout.split('\n').filter((l) => l.includes('cookie=')).length;
  }

  /** Number of meters on a bridge. */
  async meterCount(bridge: string): Promise<number> {
    const { stdout } = await this.ofctl('dump-meters', bridge);
    return stdout.split('\n').filter((l) => /^meter=\d+/.test(l.trim())).length;
  }

  /** Moves a host's access port to another VLAN (its label at the site). */
  async retag(hostPort: string, vlan: number): Promise<void> {
    await this.vsctl('set', 'port', hostPort, `tag=${vlan}`);
  }

  /** The controller app's REST API (contract-openflow-app.md), for checks of what is on the switches. */
  async appGet(pathname: string): Promise<unknown> {
    const r = await fetch(`${this.controllerUrl}/dpb/api/v1${pathname}`);
    const body: unknown = await r.json();
    if (!r.ok) throw new Error(`GET ${pathname} from the controller app: ${r.status} ${JSON.stringify(body)}`);
    return body;
  }

  /** Where the lab's logs are, for failure messages. */
  get logs(): string {
    return `${this.settings.runDir}/{osken.log,osken.out,ovs-vswitchd.log}`;
  }
}
