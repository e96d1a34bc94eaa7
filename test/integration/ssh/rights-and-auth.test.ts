/**
 * Rights (control vs manage, per network), authentication (none / password /
 * public key, advertised methods, bounded attempts, pre-auth timeout) and the
 * host key (generated 0600, reused, bad files refused with a clear error).
 */
import { silentLogger } from '@dpb/model';
import { Authenticator, generateHostKeyPair, parseConfig, startSshServer } from '@dpb/server';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type AuthenticationType, Client } from 'ssh2';
import { type Json, ReferenceClient, sshConnect } from './reference-client';
import { type SshBroker, startSshBroker, topology, WAN_YAML } from './ssh-broker';

const YAML = `${WAN_YAML}
  - name: lab
    kind: switch
    fabric: { memory: {} }
    terminals: { a: port1, b: port2 }
`;
const KEY = generateHostKeyPair();
const OTHER_KEY = generateHostKeyPair();

const USERS = `users:
  - { name: ctl, password: "ctl-pw", rights: { wan: [control], lab: [control] } }
  - { name: mgr, password: "mgr-pw", sshKeys: [${JSON.stringify(KEY.public)}], rights: { wan: [control, manage], lab: [control, manage] } }
  - { name: labonly, password: "lab-pw", rights: { lab: [control, manage] } }
  - { name: star, password: "star-pw", rights: { "*": [control] } }
  - { name: keyonly, sshKeys: [${JSON.stringify(OTHER_KEY.public)}], rights: { lab: [control] } }
`;

let broker: SshBroker;

beforeAll(async () => {
  broker = await startSshBroker(YAML, { auth: 'required', usersYaml: USERS, limits: { authTimeoutMs: 400, maxAuthAttempts: 3 } });
});

afterAll(async () => {
  await broker?.close();
});

function expectUnauthorized(r: Json, right: string, principal: string, network: string): void {
  expect(r).toMatchObject({ error: 'unauthorized', network, code: 'PERMISSION_DENIED', details: { network, right, principal } });
}

describe('rights', () => {
  it('a control-only credential cannot change terminals, trunks or quotas; nothing changes', async () => {
    const before = await topology(broker.wired);
    const wan = await ReferenceClient.connect({ port: broker.port, network: 'wan', username: 'ctl', password: 'ctl-pw' });
    const lab = await ReferenceClient.connect({ port: broker.port, network: 'lab', username: 'ctl', password: 'ctl-pw' });
    try {
      const ends = { 'start-network-name': 'london', 'start-terminal-name': 'spare', 'end-network-name': 'core', 'end-terminal-name': 'spare' };
      const trunk = { 'start-network-name': 'london', 'start-terminal-name': 'uplink', 'end-network-name': 'core', 'end-terminal-name': 'london' };
      for (const msg of [
        { type: 'add-trunk', ...ends },
        { type: 'remove-trunk', 'subnetwork-name': 'london', 'subterminal-name': 'uplink' },
        { type: 'map-terminal', 'terminal-name': 'x', 'subnetwork-name': 'paris', 'subterminal-name': 'spare' },
        { type: 'remove-terminal', 'terminal-name': 'london' },
        { type: 'set-trunk-delay', ...trunk, delay: 9 },
        { type: 'increase-trunk-bw', ...trunk, 'upstream-bw': 1, 'downstream-bw': 1 },
        { type: 'decommission-trunk', ...trunk },
        { type: 'define-trunk-label-range', ...trunk, 'start-label': 2000, 'label-count': 1, 'end-label': 2000 },
      ]) {
        expectUnauthorized(await wan.call(msg), 'manage', 'ctl', 'wan');
      }
      for (const msg of [
        { type: 'add-terminal', 'terminal-name': 'c', 'terminal-config': 'port3' },
        { type: 'modify-terminal-bandwidth', 'terminal-name': 'a', ingress: { action: 'set', amount: 1 } },
        { type: 'remove-terminal', 'terminal-name': 'a' },
      ]) {
        expectUnauthorized(await lab.call(msg), 'manage', 'ctl', 'lab');
      }
      // …but services and queries work
      const id = (await wan.ok({ type: 'new-service' }))['service-id'];
      await wan.ok({ type: 'release-service', 'service-id': id });
      expect((await wan.ok({ type: 'get-trunks' })).trunks).toHaveLength(3);
      await wan.ok({ type: 'get-model', 'min-bw': 0 });
      await wan.ok({ type: 'get-trunk-delay', ...trunk });
    } finally {
      await wan.close();
      await lab.close();
    }
    expect(await topology(broker.wired)).toEqual(before);
  });

  it('a manage credential can (by key)', async () => {
    const lab = await ReferenceClient.connect({ port: broker.port, network: 'lab', username: 'mgr', privateKey: KEY.private });
    try {
      expect(await lab.ok({ type: 'add-terminal', 'terminal-name': 'c', 'terminal-config': 'port3' })).toEqual({});
      expect(await lab.ok({ type: 'remove-terminal', 'terminal-name': 'c' })).toEqual({});
    } finally {
      await lab.close();
    }
  });

  it('a credential for network A is refused the handshake for network B (and for networks that do not exist)', async () => {
    for (const network of ['wan', 'atlantis']) {
      const c = await ReferenceClient.connect({ port: broker.port, network, username: 'labonly', password: 'lab-pw' });
      expect(JSON.stringify(c.hello)).toBe(`{"error":"unauthorized","network":"${network}"}`);
      await c.waitClosed();
      expect(c.exitCode).toBe(1);
      await c.close();
    }
    const ok = await ReferenceClient.connect({ port: broker.port, network: 'lab', username: 'labonly', password: 'lab-pw' });
    expect(ok.hello).toEqual({ 'network-name': 'lab', switch: true });
    await ok.close();
    // a credential for every network learns that one does not exist
    const star = await ReferenceClient.connect({ port: broker.port, network: 'atlantis', username: 'star', password: 'star-pw' });
    expect(star.hello).toEqual({ error: 'no-network', 'network-name': 'atlantis' });
    await star.close();
  });
});

/** Tries `attempts` in order; resolves with what the server said was left after each, and whether we got in. */
function tryAuth(username: string, attempts: ({ type: 'none' } | { type: 'password'; password: string })[]): Promise<{ left: string[][]; ok: boolean; tried: number }> {
  return new Promise((resolve) => {
    const c = new Client();
    const left: string[][] = [];
    let tried = 0;
    c.on('ready', () => {
      c.end();
      resolve({ left, ok: true, tried });
    });
    c.on('error', () => resolve({ left, ok: false, tried }));
    c.on('close', () => resolve({ left, ok: false, tried }));
    c.connect({
      host: '127.0.0.1',
      port: broker.port,
      username,
      hostVerifier: () => true,
      readyTimeout: 5000,
      authHandler: (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: (m: unknown) => void) => {
        if (methodsLeft) left.push([...methodsLeft].sort());
        const a = attempts[tried++];
        next(a ? { ...a, username } : false);
      },
    } as never);
  });
}

describe('authentication', () => {
  it('advertises only the methods that can succeed for the user', async () => {
    expect((await tryAuth('keyonly', [{ type: 'none' }])).left[0]).toEqual(['publickey']);
    expect((await tryAuth('ctl', [{ type: 'none' }])).left[0]).toEqual(['password']);
    expect((await tryAuth('mgr', [{ type: 'none' }])).left[0]).toEqual(['password', 'publickey']);
  });

  it('refuses a key that is not the user\'s, even a valid one', async () => {
    await expect(sshConnect({ port: broker.port, username: 'mgr', privateKey: OTHER_KEY.private })).rejects.toMatchObject({ level: 'client-authentication' });
    await expect(sshConnect({ port: broker.port, username: 'keyonly', privateKey: KEY.private })).rejects.toMatchObject({ level: 'client-authentication' });
    const ok = await sshConnect({ port: broker.port, username: 'keyonly', privateKey: OTHER_KEY.private });
    ok.end();
  });

  it('drops the connection after maxAuthAttempts failures', async () => {
    const r = await tryAuth('ctl', Array.from({ length: 10 }, (_x, i) => ({ type: 'password' as const, password: `guess-${i}` })));
    expect(r.ok).toBe(false);
    // three refused (the server says what is left after each), then the connection is gone
    expect(r.left.length).toBe(3);
    expect(r.tried).toBeLessThanOrEqual(4);
  });

  it('closes connections that do not authenticate in time, but not authenticated ones', async () => {
    // an authenticated connection opened first outlives the idle unauthenticated one opened after it
    const c = await ReferenceClient.connect({ port: broker.port, network: 'lab', username: 'ctl', password: 'ctl-pw' });
    const closedAfterMs = await new Promise<number>((resolve, reject) => {
      const started = Date.now();
      const s = tcpConnect(broker.port, '127.0.0.1');
      const timer = setTimeout(() => reject(new Error('an idle unauthenticated connection was kept open')), 5000);
      s.on('error', () => undefined);
      s.resume(); // read (and drop) the server's ident line, so the close is seen
      s.on('close', () => {
        clearTimeout(timer);
        resolve(Date.now() - started);
      });
    });
    expect(closedAfterMs).toBeGreaterThanOrEqual(300);
    expect(await c.ok({ type: 'get-terminals' })).toEqual({ 'terminal-names': ['a', 'b'] });
    await c.close();
  });
});

describe('auth none', () => {
  it('accepts the none method, any password and any key, with every right', async () => {
    const open = await startSshBroker(YAML, { auth: 'none' });
    try {
      for (const creds of [{}, { password: 'whatever' }, { privateKey: OTHER_KEY.private }]) {
        const lab = await ReferenceClient.connect({ port: open.port, network: 'lab', username: 'someone', ...creds });
        expect(await lab.ok({ type: 'modify-terminal-bandwidth', 'terminal-name': 'a', ingress: { action: 'set', amount: 5 } })).toEqual({});
        await lab.close();
      }
    } finally {
      await open.close();
    }
  });
});

describe('host key', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  async function start(hostKeyFile: string) {
    const config = parseConfig(`store: { memory: {} }\nserver: { ssh: { port: 0, hostKeyFile: ${JSON.stringify(hostKeyFile)} } }\nnetworks: []\n`, { baseDir: '/tmp' });
    return startSshServer({ config: config.server.ssh, networks: new Map(), authenticator: new Authenticator([]), logger: silentLogger });
  }

  it('is generated (ed25519, mode 0600, directory created) when missing, then reused', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dpb-hostkey-'));
    dirs.push(dir);
    const file = path.join(dir, 'deep', 'er', 'host_key');
    const first = await start(file);
    await first.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const second = await start(file);
    await second.close();
    expect(second.fingerprint).toBe(first.fingerprint);
  });

  it('a present but unreadable or invalid key fails start-up naming the file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dpb-hostkey-'));
    dirs.push(dir);
    const garbage = path.join(dir, 'garbage');
    writeFileSync(garbage, 'not a key\n');
    const pub = path.join(dir, 'public');
    writeFileSync(pub, `${KEY.public}\n`);
    const aDirectory = path.join(dir, 'a-directory');
    mkdirSync(aDirectory);
    for (const file of [garbage, pub, aDirectory]) {
      await expect(start(file)).rejects.toMatchObject({ code: 'CONFIG_INVALID', details: { file, path: 'server.ssh.hostKeyFile' } });
    }
  });
});
