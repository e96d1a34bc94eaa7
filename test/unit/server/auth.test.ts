import { BrokerError } from '@dpb/model';
import {
  ANONYMOUS,
  Authenticator,
  hashPassword,
  parseConfig,
  parsePublicKeyLine,
  principalFromTable,
  requireRight,
} from '@dpb/server';

// A throw-away ed25519 public key (made with ssh-keygen for these tests).
const KEY_A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFd3z2l7g6E1C0q8r0f3C3dVcLx0p7mSDQhR4I1Kk1Yx unit@a';
const KEY_B = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ3c3mRjz1o5uZ0m5x7kq2cFvq3e0t6y7dC3m0hQm3qv unit@b';

const NETS = `
networks:
  - name: a
    kind: switch
    fabric: { memory: {} }
    terminals: { vms: eth1 }
  - name: b
    kind: switch
    fabric: { memory: {} }
    terminals: { vms: eth1 }
`;

function configError(text: string): BrokerError['details'] {
  try {
    parseConfig(text, { baseDir: '/etc/dpb' });
  } catch (e) {
    expect(e).toBeInstanceOf(BrokerError);
    expect((e as BrokerError).code).toBe('CONFIG_INVALID');
    return (e as BrokerError).details;
  }
  throw new Error('config was accepted');
}

function denied(f: () => void): BrokerError {
  try {
    f();
  } catch (e) {
    return e as BrokerError;
  }
  throw new Error('allowed');
}

describe('principals and rights', () => {
  const p = principalFromTable('ops', { a: ['control'], '*': ['manage'] });

  it('grants per network, and * everywhere', () => {
    expect(p.has('a', 'control')).toBe(true);
    expect(p.has('b', 'control')).toBe(false);
    expect(p.has('b', 'manage')).toBe(true);
    expect(p.canSee('zzz')).toBe(true);
    expect(principalFromTable('x', { a: ['control'] }).canSee('b')).toBe(false);
  });

  it('requireRight throws PERMISSION_DENIED naming network, right and caller', () => {
    const e = denied(() => requireRight(p, 'b', 'control'));
    expect(e.code).toBe('PERMISSION_DENIED');
    expect(e.details).toEqual({ network: 'b', right: 'control', principal: 'ops' });
    expect(() => requireRight(ANONYMOUS, 'anything', 'manage')).not.toThrow();
  });
});

describe('Authenticator', () => {
  const auth = new Authenticator([
    { name: 'osm', rights: { a: ['control'] }, token: 'token-osm-0123456789', password: 'pw-osm', sshKeys: [] },
    { name: 'noc', rights: { '*': ['control', 'manage'] }, passwordHash: hashPassword('correct horse'), sshKeys: [KEY_A] },
  ]);

  it('resolves tokens, and only exact ones', () => {
    expect(auth.byToken('token-osm-0123456789')?.name).toBe('osm');
    expect(auth.byToken('token-osm-012345678')).toBeUndefined();
    expect(auth.byToken('')).toBeUndefined();
  });

  it('checks plain passwords, scrypt hashes, and tokens as Basic passwords', () => {
    expect(auth.byPassword('osm', 'pw-osm')?.name).toBe('osm');
    expect(auth.byPassword('osm', 'token-osm-0123456789')?.name).toBe('osm');
    expect(auth.byPassword('osm', 'pw-osm ')).toBeUndefined();
    expect(auth.byPassword('noc', 'correct horse')?.name).toBe('noc');
    expect(auth.byPassword('noc', 'wrong horse')).toBeUndefined();
    expect(auth.byPassword('nobody', 'pw-osm')).toBeUndefined();
  });

  it('matches SSH public keys by algorithm and blob', () => {
    expect(auth.user('noc')?.hasPublicKey(parsePublicKeyLine(KEY_A))).toBe(true);
    expect(auth.user('noc')?.hasPublicKey(parsePublicKeyLine(KEY_B))).toBe(false);
    expect(auth.user('osm')?.hasPublicKey(parsePublicKeyLine(KEY_A))).toBe(false);
  });

  it('issues ephemeral tokens that stand for a principal until revoked', () => {
    const t = auth.issueEphemeralToken(auth.user('osm')!.principal, 60_000);
    expect(auth.byToken(t.token)?.name).toBe('osm');
    t.revoke();
    expect(auth.byToken(t.token)).toBeUndefined();
    const expired = auth.issueEphemeralToken(auth.user('osm')!.principal, -1);
    expect(auth.byToken(expired.token)).toBeUndefined();
  });

  it('rejects a malformed public key line with INVALID_ARGUMENT', () => {
    expect(() => parsePublicKeyLine('ssh-ed25519 AAAAnotbase64')).toThrow(BrokerError);
  });
});

describe('config: listeners and users', () => {
  it('defaults to auth none on loopback and required elsewhere', () => {
    const c = parseConfig(`server: { rest: { host: 0.0.0.0 }, ssh: { host: 10.0.0.1 } }\nusers: [{ name: u, rights: { a: [control] }, token: abcdefghijklmnopq }]\n${NETS}`, { baseDir: '/etc/dpb' });
    expect(c.server.rest.auth).toBe('required');
    expect(c.server.ssh.auth).toBe('required');
    expect(c.server.ssh.hostKeyFile).toBe('/etc/dpb/ssh_host_ed25519_key');
    const l = parseConfig(NETS, { baseDir: '/etc/dpb' });
    expect(l.server.rest.auth).toBe('none');
    expect(l.server.ssh).toMatchObject({ enabled: true, port: 4754, auth: 'none' });
  });

  it('refuses auth none off loopback, naming the key and the host', () => {
    expect(configError(`server: { rest: { host: 0.0.0.0, auth: none } }\n${NETS}`)).toMatchObject({ path: 'server.rest.auth', host: '0.0.0.0' });
    expect(configError(`server: { ssh: { host: 192.168.1.5, auth: none } }\n${NETS}`)).toMatchObject({ path: 'server.ssh.auth', host: '192.168.1.5' });
    expect(parseConfig(`server: { rest: { host: localhost, auth: none }, ssh: { host: '::1', auth: none } }\n${NETS}`, { baseDir: '/' }).server.rest.auth).toBe('none');
  });

  it('names the key of every bad users entry', () => {
    expect(configError(`users: [{ name: u, rights: { a: [root] }, token: abcdefghijklmnopq }]\n${NETS}`).path).toBe('users[0].rights.a[0]');
    expect(configError(`users: [{ name: u, rights: { nowhere: [control] }, token: abcdefghijklmnopq }]\n${NETS}`).path).toBe('users[0].rights.nowhere');
    expect(configError(`users: [{ name: u, rights: { a: [control] } }]\n${NETS}`).path).toBe('users[0]');
    expect(configError(`users: [{ name: u, rights: { a: [control] }, token: short }]\n${NETS}`).path).toBe('users[0].token');
    expect(configError(`users: [{ name: u, rights: { a: [control] }, sshKeys: ["ssh-rsa nonsense"] }]\n${NETS}`).path).toBe('users[0].sshKeys[0]');
    expect(configError(`users: [{ name: u, rights: { a: [control] }, passwordHash: md5xyz }]\n${NETS}`).path).toBe('users[0].passwordHash');
    expect(
      configError(`users: [{ name: u, rights: { a: [control] }, token: abcdefghijklmnopq }, { name: u, rights: { a: [control] }, password: x }]\n${NETS}`).path,
    ).toBe('users[1].name');
    expect(
      configError(`users: [{ name: u, rights: { a: [control] }, token: abcdefghijklmnopq }, { name: v, rights: { a: [control] }, token: abcdefghijklmnopq }]\n${NETS}`).path,
    ).toBe('users[1].token');
    expect(configError(`users: [{ name: u, rights: { a: [control] }, sshKeysFile: /no/such/file }]\n${NETS}`).path).toBe('users[0].sshKeysFile');
  });

  it('accepts a valid user with every kind of credential', () => {
    const c = parseConfig(
      `users:\n  - { name: u, rights: { a: [control, manage], '*': control }, token: abcdefghijklmnopq, password: pw, passwordHash: '${hashPassword('x')}', sshKeys: ['${KEY_A}'] }\n${NETS}`,
      { baseDir: '/etc/dpb' },
    );
    expect(c.users[0]).toMatchObject({ name: 'u', rights: { a: ['control', 'manage'], '*': ['control'] }, sshKeys: [KEY_A] });
  });
});
