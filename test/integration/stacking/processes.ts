import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import * as path from 'node:path';

const MAIN = path.resolve(__dirname, '../../../packages/server/dist/main.js');

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Makes an ed25519 key pair with OpenSSH's ssh-keygen; returns the private key file. */
export function makeKey(dir: string, name: string): string {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
  return file;
}

/** A dpb-server child process, started from a config file, restartable on the same file. */
export class Broker {
  private child: ChildProcess | undefined;
  private stderr = '';

  constructor(
    readonly name: string,
    readonly configFile: string,
    readonly restPort: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.restPort}`;
  }

  static write(dir: string, name: string, yaml: string, restPort: number): Broker {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, yaml);
    return new Broker(name, file, restPort);
  }

  /** Starts the process and resolves once it prints where it listens (or rejects with its stderr). */
  async start(deadlineMs = 20_000): Promise<void> {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (npm test runs tsc -b)`);
    const child = spawn(process.execPath, [MAIN, '--config', this.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-20_000);
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start within ${deadlineMs} ms:\n${this.stderr}`)), deadlineMs);
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('REST API on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited with ${code} before listening:\n${this.stderr}`));
      });
    });
  }

  /** Kills the process at once (no clean shutdown) and waits for it to be gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** Stops the process cleanly (SIGTERM). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  log(): string {
    return this.stderr;
  }
}

/** REST v1 JSON call against a broker; throws on transport errors only. */
export async function api(base: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  const init: RequestInit = { method, headers: { 'Content-Type': 'application/json' } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const r = await fetch(`${base}/api/v1${p}`, init);
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * Waits (server-side long poll, `?wait=`) until a service's status is one of
 * `statuses` or `timeoutMs` passes; returns the status either way.
 */
export async function waitStatus(base: string, network: string, service: string | number, statuses: string[], timeoutMs = 20_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const slice = Math.max(1, Math.min(60_000, end - Date.now()));
    const r = await api(base, 'GET', `/networks/${network}/services/${service}?wait=${statuses.join(',')}&timeoutMs=${slice}`);
    if (r.status !== 200) throw new Error(`waiting on ${network}/${service}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    if (statuses.includes(r.body.status) || Date.now() >= end) return r.body.status as string;
  }
}

/** A TCP link between two brokers that a test can take down (every connection cut, new ones refused) and bring back. */
export class Link {
  private readonly sockets = new Set<import('node:net').Socket>();
  private isDown = false;
  private server: import('node:net').Server | undefined;
  port = 0;

  constructor(private readonly targetPort: number) {}

  async start(port = 0): Promise<void> {
    const net = await import('node:net');
    this.server = net.createServer((client) => {
      if (this.isDown) {
        client.destroy();
        return;
      }
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  down(): void {
    this.isDown = true;
    for (const s of this.sockets) s.destroy();
  }

  up(): void {
    this.isDown = false;
  }

  async close(): Promise<void> {
    this.down();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A site broker's config: switches `<p>-edge` (vms, lab) and `<p>-core` under the aggregator `name` (terminals vms, lab, uplink). */
export function siteYaml(name: string, p: string, rest: number, ssh: number, users: string): string {
  return `
server:
  rest: { host: 127.0.0.1, port: ${rest} }
  ssh: { host: 127.0.0.1, port: ${ssh}, hostKeyFile: ${name}_host_key }
store: { sqlite: ${name}.sqlite }
${users}
networks:
  - { name: ${p}-edge, kind: switch, fabric: { memory: {} }, terminals: { vms: eth1, lab: eth2, core: eth0 } }
  - { name: ${p}-core, kind: switch, fabric: { memory: {} }, terminals: { edge: eth1, wan: eth2 } }
  - name: ${name}
    kind: aggregator
    inferiors: [${p}-edge, ${p}-core]
    terminals: { vms: "${p}-edge:vms", lab: "${p}-edge:lab", uplink: "${p}-core:wan" }
    trunks:
      - { ends: ["${p}-edge:core", "${p}-core:edge"], capacityMbps: 10000, labels: "100-999" }
`;
}
