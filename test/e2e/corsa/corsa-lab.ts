import { execFile, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { LabHost } from '../support/topology';

/**
 * The Corsa lab: the data plane behind the Corsa API emulator, built from
 * Open vSwitch (userspace datapath) in a network namespace of its own, and
 * dpb's port-group app (`ryu-apps/dpb_portgroups.py`) under os-ken.
 *
 * ```
 *  default namespace                           namespace cg-sw
 *  ───────────────────                          ─────────────────────────────────────────
 *  jest: broker + Corsa emulator                ovsdb-server, ovs-vswitchd (files in RUN_DIR)
 *  osken-manager dpb_portgroups.py              cg-br1, cg-br2, ... one OVS bridge per VFC
 *    OpenFlow 198.18.71.1:6671  <── cg-mgmt ──>  (controller tcp:198.18.71.1:6671)
 *    REST     127.0.0.1:8171                     cg-<host>-s: a host's veth, a port of a VFC
 *                                                   │ (attached while its tunnel is)
 *  namespace cg-<host>: eth0 (untagged, one /24) ───┘
 * ```
 *
 * Only one userspace ovs-vswitchd can run per network namespace, so this
 * lab's runs in `cg-sw` and never meets the OpenFlow suite's (default
 * namespace). Every name it makes starts with `cg-`; `down()` removes all of
 * it (and what a crashed run left), and only stops processes it started
 * (by the pids in its run directory).
 */

export const REPO = path.resolve(__dirname, '../../..');
export const APP_FILE = path.join(REPO, 'ryu-apps/dpb_portgroups.py');

/** Every name the lab creates starts with this. */
export const PREFIX = 'cg-';
/** The namespace of the emulated switch's data plane (OVS). */
export const SWITCH_NETNS = 'cg-sw';
/** The veth joining the default namespace (controller side) and the switch's namespace. */
export const MGMT_IF = 'cg-mgmt';
export const MGMT_PEER = 'cg-mgmt-sw';
/** The controller's address as the switch sees it (what the VFCs' controller `ip` is). */
export const CONTROLLER_IP = '198.18.71.1';
const SWITCH_MGMT_IP = '198.18.71.2';

export const INSTALL_HINT = 'apt-get install -y openvswitch-switch python3-os-ken iputils-ping ethtool iproute2 (and run the suite as root)';

export interface CorsaLabSettings {
  /** OVS database, sockets, logs; the app's pid and log. */
  runDir: string;
  /** Where the app listens for switches (on {@link CONTROLLER_IP}). */
  ofPort: number;
  /** The app's REST port (127.0.0.1). */
  restPort: number;
}

/** Defaults; override with DPB_CORSA_E2E_RUNDIR, DPB_CORSA_E2E_OF_PORT, DPB_CORSA_E2E_REST_PORT. */
export function corsaLabSettings(): CorsaLabSettings {
  return {
    runDir: process.env.DPB_CORSA_E2E_RUNDIR ?? '/tmp/cg-corsa-e2e',
    ofPort: Number(process.env.DPB_CORSA_E2E_OF_PORT ?? 6671),
    restPort: Number(process.env.DPB_CORSA_E2E_REST_PORT ?? 8171),
  };
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a command; rejects with its output when it fails or times out. */
export function run(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: options.env ?? process.env, timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed (${err.message.split('\n')[0]}): ${stderr.trim()}${stdout.trim()}`));
      else resolve({ stdout, stderr });
    });
  });
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
 * Throws (so every test of the file FAILS, never skips) unless the lab can
 * run here: root, the Debian packages, os-ken on /usr/bin/python3, the app.
 */
export function preflight(): void {
  const problems: string[] = [];
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    problems.push('not root: the Corsa lab creates network namespaces, veths and an Open vSwitch; run the suite as root (sudo npm run test:e2e)');
  }
  const tools: [string, string][] = [
    ['ip', 'iproute2'],
    ['ovsdb-tool', 'openvswitch-switch'],
    ['ovsdb-server', 'openvswitch-switch'],
    ['ovs-vswitchd', 'openvswitch-switch'],
    ['ovs-vsctl', 'openvswitch-switch'],
    ['ovs-ofctl', 'openvswitch-switch'],
    ['ovs-appctl', 'openvswitch-switch'],
    ['osken-manager', 'python3-os-ken'],
    ['ping', 'iputils-ping'],
    ['ethtool', 'ethtool'],
    ['stdbuf', 'coreutils'],
  ];
  const missing = tools.filter(([cmd]) => !onPath(cmd)).map(([cmd, pkg]) => `${cmd} (package ${pkg})`);
  if (missing.length > 0) problems.push(`missing: ${missing.join(', ')}`);
  else {
    try {
      execFileSync('/usr/bin/python3', ['-c', 'import os_ken'], { stdio: 'ignore' });
    } catch {
      problems.push('/usr/bin/python3 cannot import os_ken (package python3-os-ken)');
    }
  }
  if (!existsSync(APP_FILE)) problems.push(`${path.relative(REPO, APP_FILE)} (the port-group app) is missing`);
  if (problems.length > 0) {
    throw new Error(`the Corsa end-to-end suite cannot run here:\n  - ${problems.join('\n  - ')}\nInstall: ${INSTALL_HINT}`);
  }
}

/** Is this pid a live (not zombie) process whose command line mentions `what`? */
function aliveAs(pid: number, what: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(what);
  } catch {
    return false;
  }
}

function pidIn(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 1 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Polls `check` every 50 ms until it holds; throws `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await check()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stops a process the lab started (pid file + expected command), TERM then KILL. */
async function stopPid(file: string, what: string): Promise<void> {
  const pid = pidIn(file);
  if (pid !== undefined && aliveAs(pid, what)) {
    try {
      process.kill(pid, 'SIGTERM');
      await until(`${what} (pid ${pid}) to stop`, () => !aliveAs(pid, what), 5_000);
    } catch {
      if (aliveAs(pid, what)) process.kill(pid, 'SIGKILL');
    }
  }
  rmSync(file, { force: true });
}

/** A host of the lab: a network namespace whose eth0 is one end of a veth; the other end (in the switch's namespace) becomes a VFC port. */
export interface CorsaHost extends LabHost {
  /** The veth end in the switch's namespace (the OVS port). */
  switchIf: string;
  /** The tunnel endpoint it stands behind: the Corsa port and the tags the switch strips (the host itself is untagged). */
  endpoint: { port: string; vlanId?: number; innerVlanId?: number };
}

/** The host's MAC follows from its IPv4 address: 02:00:a:b:c:d. */
export function macOfIp(ip: string): string {
  return ['02', '00', ...ip.split('.').map((n) => Number(n).toString(16).padStart(2, '0'))].join(':');
}

export class CorsaLab {
  readonly hosts = new Map<string, CorsaHost>();

  constructor(readonly settings: CorsaLabSettings = corsaLabSettings()) {}

  /** The environment of the OVS tools (their sockets are in the run directory, whatever the namespace). */
  get env(): NodeJS.ProcessEnv {
    const d = this.settings.runDir;
    return { ...process.env, OVS_RUNDIR: d, OVS_DBDIR: d, OVS_LOGDIR: d, OVS_PKGDATADIR: process.env.OVS_PKGDATADIR ?? '/usr/share/openvswitch' };
  }

  /** The app's REST base URL (the fabric's `app.url`). */
  get appUrl(): string {
    return `http://127.0.0.1:${this.settings.restPort}`;
  }

  get logs(): string {
    return `${this.settings.runDir}/{osken.log,osken.out,ovs-vswitchd.log}`;
  }

  vsctl(...args: string[]): Promise<RunResult> {
    return run('ovs-vsctl', ['--timeout=10', ...args], { env: this.env });
  }

  ofctl(...args: string[]): Promise<RunResult> {
    return run('ovs-ofctl', ['-O', 'OpenFlow13', ...args], { env: this.env });
  }

  /** Checks the machine, clears what a crashed run left, then starts OVS in its namespace and the app. */
  async up(): Promise<void> {
    preflight();
    await this.down();
    const d = this.settings.runDir;
    mkdirSync(d, { recursive: true });
    // the switch's namespace and the management link to it
    await run('ip', ['netns', 'add', SWITCH_NETNS]);
    await run('ip', ['-n', SWITCH_NETNS, 'link', 'set', 'lo', 'up']);
    await run('ip', ['link', 'add', MGMT_IF, 'type', 'veth', 'peer', 'name', MGMT_PEER, 'netns', SWITCH_NETNS]);
    await run('ip', ['addr', 'add', `${CONTROLLER_IP}/30`, 'dev', MGMT_IF]);
    await run('ip', ['link', 'set', MGMT_IF, 'up']);
    await run('ip', ['-n', SWITCH_NETNS, 'addr', 'add', `${SWITCH_MGMT_IP}/30`, 'dev', MGMT_PEER]);
    await run('ip', ['-n', SWITCH_NETNS, 'link', 'set', MGMT_PEER, 'up']);
    // Open vSwitch, every file in the run directory, both daemons in the switch's namespace
    const env = this.env;
    await run('ovsdb-tool', ['create', `${d}/conf.db`, `${env.OVS_PKGDATADIR}/vswitch.ovsschema`], { env });
    await run(
      'ip',
      ['netns', 'exec', SWITCH_NETNS, 'ovsdb-server', `${d}/conf.db`, `--remote=punix:${d}/db.sock`, `--pidfile=${d}/ovsdb-server.pid`, `--log-file=${d}/ovsdb-server.log`, '-vconsole:off', '--detach'],
      { env },
    );
    await run('ovs-vsctl', ['--no-wait', 'init'], { env });
    await run(
      'ip',
      ['netns', 'exec', SWITCH_NETNS, 'ovs-vswitchd', `unix:${d}/db.sock`, `--pidfile=${d}/ovs-vswitchd.pid`, `--log-file=${d}/ovs-vswitchd.log`, '-vconsole:off', '--detach'],
      { env },
    );
    await until('ovs-vswitchd to answer', async () => run('ovs-appctl', ['-t', 'ovs-vswitchd', 'version'], { env }).then(() => true, () => false), 10_000);
    await this.appUp();
  }

  /** Starts the port-group app and waits until its REST API answers. */
  async appUp(): Promise<void> {
    const d = this.settings.runDir;
    const appDir = path.dirname(APP_FILE);
    const pidFile = `${d}/osken.pid`;
    if (pidIn(pidFile) !== undefined && aliveAs(pidIn(pidFile) as number, 'osken-manager')) return;
    const out = openSync(`${d}/osken.out`, 'a');
    // detached: its own session and process group (nothing of jest's terminal reaches it)
    const child = spawn(
      '/usr/bin/osken-manager',
      [
        '--ofp-listen-host', CONTROLLER_IP,
        '--ofp-tcp-listen-port', String(this.settings.ofPort),
        '--user-flags', path.join(appDir, 'dpb_flags.py'),
        '--dpb-rest-host', '127.0.0.1',
        '--dpb-rest-port', String(this.settings.restPort),
        '--log-file', `${d}/osken.log`,
        APP_FILE,
      ],
      { cwd: appDir, env: { ...process.env, PYTHONPATH: appDir }, detached: true, stdio: ['ignore', out, out] },
    );
    closeSync(out);
    if (child.pid === undefined) throw new Error('could not start osken-manager');
    writeFileSync(pidFile, String(child.pid));
    child.unref();
    const pid = child.pid;
    await until(
      `the port-group app's REST API (${this.appUrl}/dpb/api/v1/health); see ${d}/osken.log`,
      async () => {
        if (!aliveAs(pid, 'osken-manager')) throw new Error(`the port-group app exited; see ${d}/osken.out:\n${tail(`${d}/osken.out`)}`);
        try {
          return (await fetch(`${this.appUrl}/dpb/api/v1/health`)).ok;
        } catch {
          return false;
        }
      },
      30_000,
    );
  }

  async appDown(): Promise<void> {
    await stopPid(`${this.settings.runDir}/osken.pid`, 'osken-manager');
  }

  /**
   * A host behind a tunnel endpoint: namespace `cg-<name>`, eth0 with `ip`
   * (/24) and a MAC derived from it, TX checksum offload off (TCP through the
   * userspace datapath needs that); its peer `cg-<name>-s` waits, up, in the
   * switch's namespace until a tunnel on that endpoint is attached.
   */
  async addHost(name: string, ip: string, endpoint: CorsaHost['endpoint']): Promise<CorsaHost> {
    if (!/^[a-z0-9]{1,8}$/.test(name)) throw new Error(`host name ${name}: 1-8 lower-case letters or digits`);
    const netns = `${PREFIX}${name}`;
    const switchIf = `${PREFIX}${name}-s`;
    const mac = macOfIp(ip);
    await run('ip', ['netns', 'add', netns]);
    await run('ip', ['link', 'add', switchIf, 'netns', SWITCH_NETNS, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    await run('ip', ['netns', 'exec', netns, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6']);
    await run('ip', ['netns', 'exec', SWITCH_NETNS, 'sh', '-c', `echo 1 > /proc/sys/net/ipv6/conf/${switchIf}/disable_ipv6`]);
    await run('ip', ['-n', netns, 'link', 'set', 'eth0', 'address', mac]);
    await run('ip', ['-n', netns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    await run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    await run('ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
    await run('ip', ['netns', 'exec', netns, 'ethtool', '-K', 'eth0', 'tx', 'off']);
    await run('ip', ['-n', SWITCH_NETNS, 'link', 'set', switchIf, 'up']);
    const host: CorsaHost = { name, site: endpoint.port, vlan: endpoint.vlanId ?? 0, ip, prefixLength: 24, mac, netns, port: switchIf, switchIf, endpoint };
    this.hosts.set(name, host);
    return host;
  }

  /** The host standing behind this tunnel endpoint, if any. */
  hostAt(port: string, vlanId?: number, innerVlanId?: number): CorsaHost | undefined {
    return [...this.hosts.values()].find((h) => h.endpoint.port === port && h.endpoint.vlanId === vlanId && h.endpoint.innerVlanId === innerVlanId);
  }

  /** The OVS bridges of the lab (one per emulated VFC). */
  async bridges(): Promise<string[]> {
    const { stdout } = await this.vsctl('list-br');
    return stdout.split('\n').filter((b) => b.startsWith(PREFIX)).sort();
  }

  /** Ports of an OVS bridge with their OpenFlow port numbers. */
  async ports(bridge: string): Promise<Record<string, number>> {
    const { stdout } = await this.vsctl('list-ports', bridge);
    const out: Record<string, number> = {};
    for (const name of stdout.split('\n').filter((l) => l.trim() !== '')) {
      out[name] = Number((await this.vsctl('get', 'interface', name, 'ofport')).stdout.trim());
    }
    return out;
  }

  /** The flow entries of a bridge as ovs-ofctl prints them (statistics left out). */
  async flows(bridge: string): Promise<string[]> {
    const { stdout } = await this.ofctl('--no-stats', '--no-names', 'dump-flows', bridge);
    return stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('OFPST_FLOW'));
  }

  /**
   * Tears everything down; never throws (it runs in afterAll). Stops the app
   * and OVS by their pid files, deletes every `cg-` namespace (hosts and the
   * switch's, with their veths) and the management veth, and removes the
   * database and sockets (logs stay for inspection).
   */
  async down(): Promise<void> {
    const d = this.settings.runDir;
    const soft = async (what: string, f: () => Promise<unknown>): Promise<void> => {
      try {
        await f();
      } catch (e) {
        console.warn(`corsa lab: ${what}: ${(e as Error).message}`);
      }
    };
    await soft('stopping the app', () => this.appDown());
    const env = this.env;
    for (const daemon of ['ovs-vswitchd', 'ovsdb-server']) {
      const pid = pidIn(`${d}/${daemon}.pid`);
      if (pid === undefined || !aliveAs(pid, daemon)) {
        rmSync(`${d}/${daemon}.pid`, { force: true });
        continue;
      }
      const args = daemon === 'ovs-vswitchd' ? ['-t', `${d}/${daemon}.${pid}.ctl`, 'exit', '--cleanup'] : ['-t', `${d}/${daemon}.${pid}.ctl`, 'exit'];
      await run('ovs-appctl', args, { env, timeoutMs: 5_000 }).catch(() => undefined);
      await soft(`stopping ${daemon}`, () => stopPid(`${d}/${daemon}.pid`, daemon));
    }
    const { stdout } = await run('ip', ['netns', 'list']).catch(() => ({ stdout: '' }));
    for (const ns of stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(PREFIX))) {
      await soft(`deleting namespace ${ns}`, () => run('ip', ['netns', 'del', ns]));
    }
    // deleting cg-sw takes the management veth with it, a moment later; a leftover one is deleted here
    const linkExists = (): Promise<boolean> => run('ip', ['link', 'show', MGMT_IF]).then(() => true, () => false);
    if (await linkExists()) await run('ip', ['link', 'del', MGMT_IF]).catch(() => undefined);
    await soft(`waiting for ${MGMT_IF} to go`, () => until(`${MGMT_IF} to disappear`, async () => !(await linkExists()), 5_000));
    for (const f of ['conf.db', '.conf.db.~lock~', 'db.sock']) rmSync(path.join(d, f), { force: true });
    this.hosts.clear();
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}
