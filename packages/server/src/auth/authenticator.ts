import { errors } from '@dpb/model';
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { utils as sshUtils } from 'ssh2';
import { type Principal, principalFromTable, type RightsTable } from './principal';

/** One configured credential holder (see `users` in docs/configuration.md). */
export interface UserConfig {
  name: string;
  /** Network name or `*` → rights. */
  rights: RightsTable;
  /** REST bearer token (also accepted as the password of HTTP Basic auth). */
  token?: string;
  /** Plain-text password (SSH password auth, HTTP Basic). Prefer passwordHash. */
  password?: string;
  /** `scrypt:<salt base64>:<hash base64>`, as printed by `dpb-server hash-password`. */
  passwordHash?: string;
  /** OpenSSH public key lines (`ssh-ed25519 AAAA… comment`). */
  sshKeys: string[];
}

/** A parsed SSH public key: algorithm and the wire-format blob. */
export interface PublicKey {
  algo: string;
  data: Buffer;
}

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

/** Makes a `passwordHash` value for the config from a password. */
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt:${salt.toString('base64')}:${hash.toString('base64')}`;
}

/** Throws INVALID_ARGUMENT unless `text` is a `passwordHash` this server can check. */
export function checkPasswordHashFormat(text: string): void {
  const parts = text.split(':');
  if (parts.length !== 3 || parts[0] !== 'scrypt' || !parts[1] || !parts[2] || Buffer.from(parts[2], 'base64').length !== SCRYPT.keylen) {
    throw errors.invalid('must look like scrypt:<salt>:<hash> (make one with: dpb-server hash-password)', { value: text.slice(0, 20) });
  }
}

/** Parses one OpenSSH public key line; INVALID_ARGUMENT if it is not one. */
export function parsePublicKeyLine(line: string): PublicKey {
  const parsed = sshUtils.parseKey(line.trim());
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) {
    throw errors.invalid(`not an OpenSSH public key line: ${key instanceof Error ? key.message : 'unparsable'}`, { value: line.slice(0, 40) });
  }
  if (key.isPrivateKey()) throw errors.invalid('a private key was given where a public key line belongs', {});
  return { algo: key.type, data: key.getPublicSSH() };
}

function digest(s: string | Buffer): Buffer {
  return createHash('sha256').update(s).digest();
}

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** A configured user, ready to check credentials against. */
export interface UserEntry {
  readonly name: string;
  readonly principal: Principal;
  /** Whether `password` is this user's password (or token, for HTTP Basic). */
  checkPassword(password: string): boolean;
  /** Whether the user has a password configured at all. */
  readonly hasPassword: boolean;
  /** Whether `key` is one of the user's authorised SSH keys. */
  hasPublicKey(key: PublicKey): boolean;
  /** The user's SSH keys (to verify a signature with). */
  readonly publicKeys: readonly PublicKey[];
}

/**
 * Resolves credentials to principals: bearer tokens, user + password, user +
 * SSH public key. Secrets are compared in constant time; nothing here logs
 * a secret.
 */
export class Authenticator {
  private readonly users = new Map<string, UserEntry>();
  private readonly tokens: { token: string; user: UserEntry }[] = [];
  private readonly ephemeral = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(users: readonly UserConfig[]) {
    for (const u of users) {
      const principal = principalFromTable(u.name, u.rights);
      const keys = u.sshKeys.map(parsePublicKeyLine);
      const hash = u.passwordHash?.split(':');
      const entry: UserEntry = {
        name: u.name,
        principal,
        hasPassword: u.password !== undefined || u.passwordHash !== undefined,
        checkPassword: (pw) => {
          let ok = false;
          if (u.password !== undefined && sameSecret(pw, u.password)) ok = true;
          if (hash && hash.length === 3) {
            const got = scryptSync(pw, Buffer.from(hash[1] as string, 'base64'), SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
            if (timingSafeEqual(got, Buffer.from(hash[2] as string, 'base64'))) ok = true;
          }
          if (u.token !== undefined && sameSecret(pw, u.token)) ok = true;
          return ok;
        },
        hasPublicKey: (key) => keys.some((k) => k.algo === key.algo && k.data.length === key.data.length && timingSafeEqual(k.data, key.data)),
        publicKeys: keys,
      };
      this.users.set(u.name, entry);
      if (u.token !== undefined) this.tokens.push({ token: u.token, user: entry });
    }
  }

  /** The configured user of that name. */
  user(name: string): UserEntry | undefined {
    return this.users.get(name);
  }

  /** The principal a bearer token stands for (configured or ephemeral), or undefined. */
  byToken(token: string): Principal | undefined {
    let found: Principal | undefined;
    for (const t of this.tokens) if (sameSecret(token, t.token)) found = t.user.principal;
    if (found) return found;
    const e = this.ephemeral.get(digest(token).toString('hex'));
    if (e && e.expiresAt > Date.now()) return e.principal;
    return undefined;
  }

  /** The principal for a user name and password (or token as password), or undefined. */
  byPassword(user: string, password: string): Principal | undefined {
    const u = this.users.get(user);
    return u && u.checkPassword(password) ? u.principal : undefined;
  }

  /**
   * Issues a random bearer token standing for `principal` until it is
   * revoked or `ttlMs` passes (the management shell uses one per session to
   * run the CLI's commands against REST v1 with the shell user's rights).
   */
  issueEphemeralToken(principal: Principal, ttlMs: number): { token: string; revoke(): void } {
    const token = randomBytes(32).toString('base64url');
    const key = digest(token).toString('hex');
    this.ephemeral.set(key, { principal, expiresAt: Date.now() + ttlMs });
    for (const [k, v] of this.ephemeral) if (v.expiresAt <= Date.now()) this.ephemeral.delete(k);
    return { token, revoke: () => this.ephemeral.delete(key) };
  }
}
