import { execFile } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_TOPOLOGY, LAB_DIR, Lab, preflight, run } from '../support/lab';
import { isolated } from '../support/traffic';

/**
 * The lab scripts themselves (no controller app needed): what topo-up.sh
 * builds, that the down scripts leave nothing, also after a half-failed up,
 * and that they refuse to run as a normal user. Own prefix and run directory.
 */
jest.setTimeout(120_000);

const lab = new Lab({ prefix: 'dx-', runDir: '/tmp/dpb-e2e-lab', ofPort: 6664, restPort: 8184, topologyFile: DEFAULT_TOPOLOGY });

function exitOf(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env }, (err, _out, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }));
  });
}

/** Everything in the kernel and OVS whose name carries the prefix. */
async function leftovers(): Promise<string[]> {
  const links = (await run('ip', ['-o', 'link', 'show'])).stdout
    .split('\n')
    .map((l) => l.split(': ')[1]?.split('@')[0] ?? '')
    .filter((n) => n.startsWith(lab.settings.prefix));
  const netns = (await run('ip', ['netns', 'list'])).stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(lab.settings.prefix));
  const procs = (await run('ps', ['-eo', 'pid,stat,args'])).stdout
    .split('\n')
    .filter((l) => l.includes(lab.settings.runDir) && !/^\s*\d+\s+Z/.test(l));
  return [...links.map((l) => `link ${l}`), ...netns.map((n) => `netns ${n}`), ...procs.map((p) => `process ${p.trim()}`)];
}

beforeAll(async () => {
  preflight({ app: false });
  await lab.down();
});

afterAll(async () => {
  await lab.down();
});

describe('lab scripts', () => {
  test('refuse to run as a normal user, saying root is needed', async () => {
    // A copy the user nobody can read, wherever the repository is.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dpb-lab-scripts-'));
    chmodSync(dir, 0o755);
    try {
      cpSync(LAB_DIR, path.join(dir, 'lab'), { recursive: true });
      for (const s of ['ovs-up.sh', 'topo-up.sh', 'app-up.sh', 'lab-down.sh']) {
        const r = await exitOf('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', path.join(dir, 'lab', s)], lab.env);
        expect({ script: s, code: r.code, saysRoot: /must run as root/.test(r.stderr) }).toEqual({ script: s, code: 1, saysRoot: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('topo-up builds secure OpenFlow 1.3 switches with fixed dpids and ports, tagged site uplinks and offload-free hosts', async () => {
    await lab.script('ovs-up.sh');
    await lab.script('topo-up.sh', DEFAULT_TOPOLOGY);
    const t = lab.topology;
    expect((await lab.vsctl('get', 'Open_vSwitch', '.', 'other_config:vlan-limit')).stdout.trim()).toBe('"2"');
    for (const s of t.switches) {
      const get = async (col: string) => (await lab.vsctl('get', 'bridge', s.bridge, col)).stdout.trim();
      expect({
        dpid: await get('datapath_id'),
        protocols: await get('protocols'),
        failMode: await get('fail_mode'),
        datapath: await get('datapath_type'),
        controller: (await lab.vsctl('get-controller', s.bridge)).stdout.trim(),
        maxBackoff: (await lab.vsctl('get', 'controller', s.bridge, 'max_backoff')).stdout.trim(),
      }).toEqual({ dpid: `"${s.dpid}"`, protocols: '[OpenFlow13]', failMode: 'secure', datapath: 'netdev', controller: `tcp:127.0.0.1:${lab.settings.ofPort}`, maxBackoff: '1000' });
      const ports = [...t.links.flatMap((l) => [l.a, l.b]).filter((e) => e.switch === s.name).map((e) => e.port), ...t.sites.filter((x) => x.switch === s.name).map((x) => x.port)];
      const show = (await lab.ofctl('show', s.bridge)).stdout;
      const onSwitch = [...show.matchAll(/^ (\d+)\(/gm)].map((m) => Number(m[1]));
      expect(onSwitch.sort((a, b) => a - b)).toEqual(ports.sort((a, b) => a - b));
    }
    for (const h of t.hosts) {
      expect((await lab.vsctl('get', 'port', h.port, 'tag')).stdout.trim()).toBe(String(h.vlan));
      const k = (await run('ip', ['netns', 'exec', h.netns, 'ethtool', '-k', 'eth0'])).stdout;
      expect({ host: h.name, tx: /^tx-checksumming: off/m.test(k) }).toEqual({ host: h.name, tx: true });
      const addr = (await run('ip', ['-n', h.netns, '-o', '-4', 'addr', 'show', 'eth0'])).stdout;
      expect(addr).toContain(`${h.ip}/${h.prefixLength}`);
    }
    // No controller: a secure switch forwards nothing.
    const [a1, b1] = [t.hosts.find((h) => h.name === 'a1')!, t.hosts.find((h) => h.name === 'b1')!];
    expect(await isolated(a1, b1, 2)).toBe(true);
  });

  test('topo-down and ovs-down leave nothing behind', async () => {
    await lab.script('topo-down.sh');
    await lab.script('ovs-down.sh');
    expect(await leftovers()).toEqual([]);
  });

  test('a topo-up that fails half-way tears down what it built', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dpb-topo-'));
    const bad = path.join(dir, 'bad.topo');
    // Everything is valid except the last host, which names a site that does not exist.
    writeFileSync(bad, `${readFileSync(DEFAULT_TOPOLOGY, 'utf8')}\nhost z9 nowhere 999 10.250.0.99/24\n`);
    await lab.script('ovs-up.sh');
    const r = await exitOf(path.join(LAB_DIR, 'topo-up.sh'), [bad], lab.env);
    rmSync(dir, { recursive: true, force: true });
    expect(r.code).not.toBe(0);
    expect((await lab.vsctl('list-br')).stdout.split('\n').filter((b) => b.startsWith(lab.settings.prefix))).toEqual([]);
    await lab.script('ovs-down.sh');
    expect(await leftovers()).toEqual([]);
  });
});
