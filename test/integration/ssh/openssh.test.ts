/**
 * The system OpenSSH client against our server: key authentication, the
 * handshake frame on stdout, a request/reply, a clean exit after EOF, and a
 * wrong key refused (ssh exits 255). Also ssh2's client with a wrong password.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FrameReader, frame, type Json, sshConnect } from './reference-client';
import { type SshBroker, startSshBroker, WAN_YAML } from './ssh-broker';

const SSH = '/usr/bin/ssh';
const haveSsh = existsSync(SSH) && existsSync('/usr/bin/ssh-keygen');
const maybe = haveSsh ? describe : describe.skip;
if (!haveSsh) console.warn('skipping the OpenSSH tests: /usr/bin/ssh or /usr/bin/ssh-keygen is missing');

let broker: SshBroker;
let keyDir: string;
let goodKey: string;
let wrongKey: string;

function keygen(file: string): string {
  execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', path.basename(file), '-f', file]);
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

/** Runs ssh with the given key and host-key options; collects stdout frames and the exit code. */
class OpenSsh {
  readonly child: ChildProcessWithoutNullStreams;
  readonly frames: Json[] = [];
  stderr = '';
  private readonly reader = new FrameReader();
  private readonly waiters: (() => void)[] = [];
  readonly exited: Promise<number | null>;

  constructor(port: number, key: string, hostKeyOptions: string[], user = 'ops', command = 'wan') {
    this.child = spawn(
      SSH,
      ['-p', String(port), ...hostKeyOptions, '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-F', '/dev/null', '-i', key, `${user}@127.0.0.1`, command],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.frames.push(...(this.reader.push(chunk) as Json[]));
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Waits until `n` frames have arrived (deadline 10 s). */
  async frameCount(n: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (this.frames.length < n) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} frames; got ${JSON.stringify(this.frames)}; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async exitCode(): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_r, reject) => {
      timer = setTimeout(() => {
        this.child.kill();
        reject(new Error(`ssh did not exit within 10 s; stderr: ${this.stderr}`));
      }, 10_000);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

const LAX = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR'];

maybe('OpenSSH client', () => {
  beforeAll(async () => {
    keyDir = mkdtempSync(path.join(tmpdir(), 'dpb-openssh-'));
    goodKey = path.join(keyDir, 'id_good');
    wrongKey = path.join(keyDir, 'id_wrong');
    const pub = keygen(goodKey);
    keygen(wrongKey);
    broker = await startSshBroker(WAN_YAML, {
      auth: 'required',
      usersYaml: `users:
  - { name: ops, sshKeys: [${JSON.stringify(pub)}], rights: { "*": [control, manage] } }
  - { name: pw, password: "right-password", rights: { wan: [control] } }
`,
    });
  });

  afterAll(async () => {
    await broker?.close();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  });

  it('gets the handshake frame, runs a request/reply, and exits 0 after EOF', async () => {
    const ssh = new OpenSsh(broker.port, goodKey, LAX);
    await ssh.frameCount(1);
    expect(ssh.frames[0]).toEqual({ 'network-name': 'wan', aggregator: true });
    ssh.child.stdin.write(frame({ session: 1, content: { type: 'get-terminals' } }));
    await ssh.frameCount(2);
    expect(ssh.frames[1]).toEqual({ content: { 'terminal-names': ['frankfurt', 'london', 'paris'] }, session: 1 });
    ssh.child.stdin.write(Buffer.concat([frame({ session: 1 }), frame({ content: { type: 'new-service', handle: 'from-openssh' }, session: 2 })]));
    await ssh.frameCount(3);
    expect(ssh.frames[2]).toMatchObject({ session: 2, content: { 'service-id': expect.any(Number) } });
    ssh.child.stdin.end();
    expect(await ssh.exitCode()).toBe(0);
    const svc = await broker.wired.networks.get('wan')!.control.findService({ handle: 'from-openssh' });
    expect(svc).toBeDefined();
    await svc!.release();
  });

  it('verifies the host key the server wrote beside its key file (StrictHostKeyChecking=yes)', async () => {
    const hostKeyFile = path.join(broker.dir, 'keys', 'host_ed25519');
    const known = path.join(broker.dir, 'known_hosts');
    const [type, blob] = readFileSync(`${hostKeyFile}.pub`, 'utf8').trim().split(/\s+/);
    writeFileSync(known, `[127.0.0.1]:${broker.port} ${type} ${blob}\n`);
    const ssh = new OpenSsh(broker.port, goodKey, ['-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${known}`]);
    await ssh.frameCount(1);
    expect(ssh.frames[0]).toEqual({ 'network-name': 'wan', aggregator: true });
    ssh.child.stdin.end();
    expect(await ssh.exitCode()).toBe(0);
    // and ssh-keygen agrees with the fingerprint the server reports
    const printed = execFileSync('/usr/bin/ssh-keygen', ['-l', '-f', `${hostKeyFile}.pub`]).toString();
    expect(printed).toContain(broker.server.fingerprint);
  });

  it('refuses a wrong key: ssh exits 255 and no frame is written', async () => {
    const ssh = new OpenSsh(broker.port, wrongKey, LAX);
    ssh.child.stdin.end();
    expect(await ssh.exitCode()).toBe(255);
    expect(ssh.frames).toEqual([]);
  });

  it('refuses a wrong password through ssh2 (and a user that does not exist); the right one works', async () => {
    await expect(sshConnect({ port: broker.port, username: 'pw', password: 'guess' })).rejects.toMatchObject({ level: 'client-authentication' });
    await expect(sshConnect({ port: broker.port, username: 'ops', password: 'guess' })).rejects.toMatchObject({ level: 'client-authentication' });
    await expect(sshConnect({ port: broker.port, username: 'nobody', password: 'guess' })).rejects.toMatchObject({ level: 'client-authentication' });
    const ok = await sshConnect({ port: broker.port, username: 'pw', password: 'right-password' });
    ok.end();
  });
});
