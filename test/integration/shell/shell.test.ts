import { type Listeners, parseConfig, silentLoggerFor, startListeners, wire, type Wired } from './shell-fixtures';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client, type ClientChannel } from 'ssh2';
import { WAN_YAML } from '../rest/broker';

/**
 * The management shell end to end: an SSH client asks for a shell (with or
 * without a pty), types CLI commands, and gets tables and errors back; the
 * commands run against REST v1 with the SSH user's rights.
 */

jest.setTimeout(60_000);

let dir: string;
let wired: Wired;
let listeners: Listeners;

const USERS = `
users:
  - { name: noc, rights: { '*': [control, manage] }, password: noc-password }
  - { name: osm, rights: { wan: [control] }, password: osm-password }
`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'dpb-shell-'));
  const config = parseConfig(
    `store: { memory: {} }\nserver: { rest: { port: 0, auth: required }, ssh: { port: 0, auth: required, hostKeyFile: host_key } }\n${USERS}${WAN_YAML}`,
    { baseDir: dir },
  );
  wired = await wire(config);
  listeners = await startListeners(config, wired.networks, silentLoggerFor());
});

afterAll(async () => {
  await listeners.close();
  await wired.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An interactive session over ssh2 with a pty: type lines, read the screen. */
interface Shell {
  type(line: string): void;
  until(re: RegExp, ms?: number): Promise<string>;
  /** Types a command and waits for the next prompt; returns what was printed in between. */
  run(line: string): Promise<string>;
  screen(): string;
  close(): void;
  stream: ClientChannel;
}

async function openShell(user: string, password: string): Promise<Shell> {
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve()).once('error', reject);
    client.connect({ host: '127.0.0.1', port: listeners.sshPort, username: user, password, readyTimeout: 10_000 });
  });
  const stream = await new Promise<ClientChannel>((resolve, reject) => {
    client.shell({ term: 'xterm', cols: 120, rows: 40 }, (err, s) => (err ? reject(err) : resolve(s)));
  });
  let screen = '';
  const waiters = new Set<() => void>();
  stream.on('data', (d: Buffer) => {
    screen += d.toString('utf8');
    for (const w of waiters) w();
  });
  const prompt = `dpb(${user})> `;
  const prompts = (): number => screen.split(prompt).length - 1;
  const sh: Shell = {
    stream,
    screen: () => screen,
    type: (line) => stream.write(`${line}\r`),
    run: async (line) => {
      const n = prompts();
      const from = screen.length;
      sh.type(line);
      await new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (prompts() > n && screen.endsWith(prompt)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => reject(new Error(`no prompt after ${line}; screen:\n${screen}`)), 15_000);
        waiters.add(check);
        check();
      });
      const out = screen.slice(from);
      return out.slice(out.indexOf('\r\n') + 2, out.length - prompt.length);
    },
    until: (re, ms = 10_000) =>
      new Promise<string>((resolve, reject) => {
        const check = (): void => {
          if (re.test(screen)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(screen);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${re}; screen so far:\n${screen}`));
        }, ms);
        waiters.add(check);
        check();
      }),
    close: () => client.end(),
  };
  return sh;
}

describe('management shell over SSH', () => {
  it('shows a prompt, runs CLI commands as tables, explains errors, and exits', async () => {
    const sh = await openShell('noc', 'noc-password');
    try {
      await sh.until(/dpb\(noc\)> $/);
      expect(await sh.run('networks list')).toMatch(/wan\s+aggregator/);
      expect(await sh.run('services create -n wan london:100 paris:100 --bw 10 --activate')).not.toMatch(/error/i);
      expect(await sh.run('services await -n wan 1 ACTIVE --timeout 10s')).toMatch(/ACTIVE/);
      expect(await sh.run('networks show nowhere')).toMatch(/nowhere[\s\S]*not found|NOT_FOUND[\s\S]*nowhere/i);
      expect(await sh.run('services show -n wan "unterminated')).toMatch(/quote/i);
      expect(await sh.run('help')).toMatch(/services[\s\S]*trunks/);
      sh.type('exit');
      await new Promise<void>((resolve) => sh.stream.once('close', () => resolve()));
    } finally {
      sh.close();
    }
    const svc = await (await wired.networks.get('wan')!.control.service(1)).status();
    expect(svc).toBe('ACTIVE');
  });

  it('runs commands with the SSH user\'s rights: control-only cannot add a trunk', async () => {
    const sh = await openShell('osm', 'osm-password');
    try {
      await sh.until(/dpb\(osm\)> $/);
      expect(await sh.run('trunks add -n wan paris:spare core:london --capacity 10 --labels 100-199')).toMatch(/PERMISSION_DENIED|permission|manage/i);
      const list = await sh.run('networks list');
      expect(list).toMatch(/wan/);
      expect(list).not.toMatch(/london\s+switch/);
    } finally {
      sh.close();
    }
    const trunks = await wired.networks.get('wan')!.aggregator!.trunks();
    expect(trunks).toHaveLength(3);
  });

  it('Ctrl-C stops a running watch and returns to the prompt', async () => {
    const sh = await openShell('noc', 'noc-password');
    try {
      await sh.until(/dpb\(noc\)> $/);
      sh.type('services watch -n wan 1');
      await sh.until(/ACTIVE/);
      sh.stream.write('\x03');
      await sh.until(/\^C[\s\S]*dpb\(noc\)> $/);
      expect(await sh.run('whoami')).toMatch(/^noc/);
    } finally {
      sh.close();
    }
  });

  it('serves a script piped through OpenSSH without a pty, with no prompts in the output', async () => {
    const askpass = path.join(dir, 'askpass.sh');
    writeFileSync(askpass, '#!/bin/sh\necho noc-password\n');
    chmodSync(askpass, 0o700);
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        'ssh',
        ['-T', '-p', String(listeners.sshPort), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no', 'noc@127.0.0.1'],
        { env: { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' }, timeout: 20_000 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin?.end('networks list --json\ntrunks list -n wan\nexit\n');
    });
    expect(out.code).toBe(0);
    expect(out.stdout).not.toMatch(/dpb\(noc\)>/);
    const json = out.stdout.slice(out.stdout.indexOf('['), out.stdout.indexOf('\n]') + 2);
    expect(JSON.parse(json).map((n: { name: string }) => n.name)).toContain('wan');
    expect(out.stdout).toMatch(/london:uplink/);
  });
});
