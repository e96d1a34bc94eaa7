/** The `shell` and `pty` requests: handed to openShell when given, refused cleanly otherwise. */
import { silentLogger } from '@dpb/model';
import { Authenticator, type Principal, type ShellInfo, parseConfig, startSshServer } from '@dpb/server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ClientChannel } from 'ssh2';
import { sshConnect } from './reference-client';

async function server(openShell?: Parameters<typeof startSshServer>[0]['openShell']) {
  const dir = mkdtempSync(path.join(tmpdir(), 'dpb-shell-'));
  const config = parseConfig(
    `store: { memory: {} }\nserver: { ssh: { port: 0, auth: required, hostKeyFile: ${JSON.stringify(path.join(dir, 'key'))} } }\nusers: [{ name: op, password: pw, rights: { "*": [control] } }]\nnetworks: []\n`,
    { baseDir: dir },
  );
  const s = await startSshServer({ config: config.server.ssh, networks: new Map(), authenticator: new Authenticator(config.users), logger: silentLogger, ...(openShell ? { openShell } : {}) });
  return { port: s.port, close: async () => (await s.close(), rmSync(dir, { recursive: true, force: true })) };
}

it('hands a shell channel, the principal and the pty size to openShell, and forwards window changes', async () => {
  const calls: { principal: Principal; info: ShellInfo | undefined }[] = [];
  const s = await server((channel, principal, info) => {
    calls.push({ principal, info });
    channel.on('window-change', (size: { cols: number; rows: number }) => channel.write(`size ${size.cols}x${size.rows}\n`));
    channel.write(`hello ${principal.name}\n`);
  });
  const c = await sshConnect({ port: s.port, username: 'op', password: 'pw' });
  try {
    const ch = await new Promise<ClientChannel>((resolve, reject) =>
      c.shell({ term: 'xterm-256color', cols: 100, rows: 30 }, (err, channel) => (err ? reject(err) : resolve(channel))),
    );
    let out = '';
    const seen = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${JSON.stringify(text)} in ${JSON.stringify(out)}`)), 5000);
        const check = () => {
          if (out.includes(text)) {
            clearTimeout(timer);
            resolve();
          }
        };
        ch.on('data', (d: Buffer) => {
          out += d.toString();
          check();
        });
        check();
      });
    await seen('hello op\n');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.info).toEqual({ cols: 100, rows: 30, term: 'xterm-256color' });
    expect(calls[0]!.principal.has('anything', 'control')).toBe(true);
    expect(calls[0]!.principal.has('anything', 'manage')).toBe(false);
    ch.setWindow(40, 120, 0, 0);
    await seen('size 120x40\n');
  } finally {
    c.end();
    await s.close();
  }
});

it('refuses shell (and pty) requests cleanly without openShell; exec still works', async () => {
  const s = await server();
  const c = await sshConnect({ port: s.port, username: 'op', password: 'pw' });
  try {
    await expect(new Promise((resolve, reject) => c.shell((err, ch) => (err ? reject(err) : resolve(ch))))).rejects.toThrow(); // pty + shell
    await expect(new Promise((resolve, reject) => c.shell(false, (err, ch) => (err ? reject(err) : resolve(ch))))).rejects.toThrow(); // shell alone
    const hello = await new Promise<string>((resolve, reject) =>
      c.exec('nowhere', (err, ch) => {
        if (err) return reject(err);
        let buf = Buffer.alloc(0);
        ch.on('data', (d: Buffer) => {
          buf = Buffer.concat([buf, d]);
          if (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) resolve(buf.subarray(4, 4 + buf.readUInt32BE(0)).toString());
        });
      }),
    );
    expect(JSON.parse(hello)).toEqual({ error: 'no-network', 'network-name': 'nowhere' });
  } finally {
    c.end();
    await s.close();
  }
});
