import { errors, type Logger } from '@dpb/model';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type ParsedKey, utils as sshUtils } from 'ssh2';

/** The server's host key, ready for ssh2. */
export interface HostKey {
  /** The private key text as read from (or written to) the file. */
  privateKey: string;
  /** `ssh-ed25519`, `ssh-rsa`, … */
  type: string;
  /** `SHA256:…`, as `ssh-keygen -l` prints it. */
  fingerprint: string;
  /** The public key as an OpenSSH line (what clients put in known_hosts, after the host). */
  publicLine: string;
  /** True when the file did not exist and a new key was written. */
  generated: boolean;
}

/** `SHA256:<base64 without padding>` of a public key blob. */
export function sshFingerprint(publicBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicBlob).digest('base64').replace(/=+$/, '')}`;
}

function badKey(file: string, why: string): never {
  throw errors.config('server.ssh.hostKeyFile', `host key ${file}: ${why}`, { file });
}

function parsePrivate(file: string, text: string): ParsedKey {
  const parsed = sshUtils.parseKey(text);
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
  if (!key) badKey(file, 'the file holds no key');
  if (key instanceof Error) badKey(file, `not a usable private key (${key.message}); encrypted keys are not supported`);
  if (!key.isPrivateKey()) badKey(file, 'the file holds a public key; give the private key');
  return key;
}

type KeyPairGenerator = () => { private: string; public: string };

const ed25519 = (): { private: string; public: string } => sshUtils.generateKeyPairSync('ed25519', { comment: 'dpb-server host key' });

/**
 * A new ed25519 host key pair that ssh2 can read back. ssh2 1.17's generator
 * drops a leading zero byte of the public key about once in 256 keys, and
 * then its own parser refuses the key ("Malformed OpenSSH private key"); such
 * a pair is thrown away and another generated.
 */
export function generateHostKeyPair(generate: KeyPairGenerator = ed25519): { private: string; public: string } {
  for (let attempt = 1; ; attempt++) {
    const pair = generate();
    if (!(sshUtils.parseKey(pair.private) instanceof Error)) return pair;
    if (attempt >= 32) throw errors.internal(`could not generate a readable SSH host key in ${attempt} attempts`);
  }
}

/**
 * Reads the host key from `file`; when the file does not exist, generates an
 * ed25519 key, writes it (mode 0600, creating the directory with mode 0700)
 * together with `<file>.pub`, and logs its fingerprint. A file that exists
 * but cannot be read or is not a private key fails with CONFIG_INVALID
 * naming the file (`details.file`, `details.path` = `server.ssh.hostKeyFile`).
 */
export function loadOrCreateHostKey(file: string, logger: Logger): HostKey {
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') badKey(file, `cannot read it: ${(e as Error).message}`);
  }
  let generated = false;
  if (text === undefined) {
    const pair = generateHostKeyPair();
    try {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, pair.private, { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
    } catch (e) {
      badKey(file, `cannot write a new key there: ${(e as Error).message}`);
    }
    try {
      writeFileSync(`${file}.pub`, `${pair.public}\n`, { mode: 0o644 });
    } catch (e) {
      logger.warn('cannot write the public host key file', { file: `${file}.pub`, error: (e as Error).message });
    }
    text = pair.private;
    generated = true;
  } else {
    try {
      const mode = statSync(file).mode & 0o077;
      if (mode !== 0) logger.warn('the SSH host key file is readable by group or others; chmod 600 it', { file });
    } catch {
      // stat failing after a successful read is not worth failing start-up for
    }
  }
  const key = parsePrivate(file, text);
  const blob = key.getPublicSSH();
  const fingerprint = sshFingerprint(blob);
  const publicLine = `${key.type} ${blob.toString('base64')}`;
  if (generated) logger.info('generated a new SSH host key', { file, type: key.type, fingerprint });
  else logger.info('SSH host key loaded', { file, type: key.type, fingerprint });
  return { privateKey: text, type: key.type, fingerprint, publicLine, generated };
}
