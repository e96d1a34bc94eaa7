import type { Logger } from '@dpb/model';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { type AuthContext, type Connection, type PseudoTtyInfo, Server as SshServer, type ServerChannel, type Session, utils as sshUtils } from 'ssh2';
import type { Authenticator, PublicKey } from '../auth/authenticator';
import { ANONYMOUS, type Principal } from '../auth/principal';
import type { SshConfig } from '../config/schema';
import type { Networks } from '../networks';
import { loadOrCreateHostKey } from './host-key';
import { DEFAULT_JSON_CHANNEL_LIMITS, type JsonChannelHandle, type JsonChannelLimits, serveJsonChannel } from './json-connection';
import { KeyedLock } from './keyed-lock';

/** What a shell gets to know about the terminal the client asked for. */
export interface ShellInfo {
  cols: number;
  rows: number;
  term: string;
}

/** Connection-level bounds; defaults in {@link DEFAULT_SSH_LIMITS}. */
export interface SshLimits {
  /** How long a connection may take to authenticate, ms. */
  authTimeoutMs: number;
  /** Failed authentication attempts (any method but `none`) before the connection is dropped. */
  maxAuthAttempts: number;
  /** Open TCP connections. */
  maxConnections: number;
  /** Session channels (exec or shell) open at once on one connection. */
  maxChannelsPerConnection: number;
  /** SSH keepalive interval (0 = off) and how many may go unanswered. */
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
}

export const DEFAULT_SSH_LIMITS: SshLimits = {
  authTimeoutMs: 30_000,
  maxAuthAttempts: 6,
  maxConnections: 256,
  maxChannelsPerConnection: 10,
  keepaliveIntervalMs: 60_000,
  keepaliveCountMax: 3,
};

export interface SshServerOptions {
  config: SshConfig;
  networks: Networks;
  authenticator: Authenticator;
  logger: Logger;
  /**
   * Runs the management shell on a `shell` channel (after an optional `pty`
   * request, whose size and terminal type are passed). Without it, `shell`
   * and `pty` requests are refused. The channel emits
   * `'window-change', {cols, rows}` when the client's terminal is resized.
   */
  openShell?: (channel: ServerChannel, principal: Principal, info: ShellInfo | undefined) => void;
  /** Overrides of connection bounds (tests use short timeouts). */
  limits?: Partial<SshLimits>;
  /** Overrides of the JSON channel bounds (`maxFrameBytes` comes from the config). */
  channelLimits?: Partial<Omit<JsonChannelLimits, 'maxFrameBytes'>>;
}

export interface RunningSshServer {
  /** The port listened on (the real one when the config says 0). */
  port: number;
  /** The host key's fingerprint, `SHA256:…`. */
  fingerprint: string;
  /** Stops listening, ends every connection (watches and waits end at once). */
  close(): Promise<void>;
}

/** The methods that can succeed for a user (or both, for names that are not configured). */
function methodsFor(authenticator: Authenticator, username: string): ('password' | 'publickey')[] {
  const u = authenticator.user(username);
  if (!u) return ['publickey', 'password'];
  const out: ('password' | 'publickey')[] = [];
  if (u.publicKeys.length > 0) out.push('publickey');
  if (u.hasPassword) out.push('password');
  return out;
}

function verifySignature(key: PublicKey, ctx: { blob?: Buffer; signature?: Buffer; hashAlgo?: string }): boolean {
  if (!ctx.blob || !ctx.signature) return false;
  const parsed = sshUtils.parseKey(key.data);
  const k = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!k || k instanceof Error) return false;
  try {
    return k.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true;
  } catch {
    return false;
  }
}

/**
 * Starts dpb-server's SSH server: `exec <network>` speaks the DPB JSON
 * protocol (docs/ssh.md), `shell` runs `openShell` when given. The host key
 * comes from `config.hostKeyFile` (generated when missing). With
 * `config.auth` `none` every client is ANONYMOUS (every right); with
 * `required`, users authenticate by password or public key and get their
 * configured rights.
 */
export async function startSshServer(options: SshServerOptions): Promise<RunningSshServer> {
  const { config, networks, authenticator, logger, openShell } = options;
  const limits: SshLimits = { ...DEFAULT_SSH_LIMITS, ...options.limits };
  const channelLimits: JsonChannelLimits = { ...DEFAULT_JSON_CHANNEL_LIMITS, ...options.channelLimits, maxFrameBytes: config.maxFrameBytes };
  const hostKey = loadOrCreateHostKey(config.hostKeyFile, logger);
  const locks = new KeyedLock();

  const sockets = new Set<Socket>();
  const clients = new Set<Connection>();
  const channels = new Set<JsonChannelHandle>();
  /** Sockets not yet seen by ssh2 as connections, by `ip:port` (to clear their auth timeout once authenticated). */
  const pending = new Map<string, Socket>();

  const ssh = new SshServer({
    hostKeys: [hostKey.privateKey],
    ident: 'dpb-server',
    keepaliveInterval: limits.keepaliveIntervalMs,
    keepaliveCountMax: limits.keepaliveCountMax,
  });
  ssh.on('error', (e: Error) => logger.debug('ssh server error', { error: e.message }));

  ssh.on('connection', (client: Connection, info) => {
    clients.add(client);
    const peer = `${info.ip}:${info.port}`;
    const socket = pending.get(peer);
    pending.delete(peer);
    let principal: Principal | undefined;
    let failures = 0;
    let openChannels = 0;
    client.on('error', (e: Error) => logger.debug('ssh connection error', { peer, error: e.message }));
    client.on('close', () => clients.delete(client));

    client.on('authentication', (ctx: AuthContext) => {
      try {
        if (config.auth === 'none') {
          principal = ANONYMOUS;
          ctx.accept();
          return;
        }
        const methods = methodsFor(authenticator, ctx.username);
        const refuse = (): void => {
          if (ctx.method !== 'none') failures++;
          if (failures >= limits.maxAuthAttempts) {
            logger.warn('ssh: too many failed authentication attempts', { peer, user: ctx.username });
            ctx.reject([]);
            client.end();
            return;
          }
          ctx.reject(methods);
        };
        const user = authenticator.user(ctx.username);
        if (ctx.method === 'password') {
          if (user && user.hasPassword && user.checkPassword(ctx.password)) {
            principal = user.principal;
            ctx.accept();
          } else {
            logger.info('ssh: password refused', { peer, user: ctx.username });
            refuse();
          }
          return;
        }
        if (ctx.method === 'publickey') {
          const key: PublicKey = { algo: ctx.key.algo, data: ctx.key.data };
          if (!user || !user.hasPublicKey(key)) {
            if (ctx.signature) logger.info('ssh: public key refused', { peer, user: ctx.username });
            refuse();
            return;
          }
          if (!ctx.signature) {
            ctx.accept(); // "this key would do": the client signs next
            return;
          }
          if (verifySignature(key, ctx)) {
            principal = user.principal;
            ctx.accept();
          } else {
            logger.info('ssh: bad public key signature', { peer, user: ctx.username });
            refuse();
          }
          return;
        }
        refuse();
      } catch (e) {
        logger.error('ssh: authentication failed unexpectedly', { peer, error: e });
        ctx.reject();
      }
    });

    client.on('ready', () => {
      if (socket) socket.setTimeout(0);
      logger.info('ssh: authenticated', { peer, user: principal?.name });
    });

    client.on('session', (accept, reject) => {
      const who = principal;
      if (!who || openChannels >= limits.maxChannelsPerConnection) {
        reject();
        return;
      }
      const session: Session = accept();
      openChannels++;
      session.once('close', () => openChannels--);
      let pty: ShellInfo | undefined;
      let used = false;
      let shellChannel: ServerChannel | undefined;
      session.on('pty', (acc: (() => void) | undefined, rej: (() => void) | undefined, i: PseudoTtyInfo & { term?: string }) => {
        if (!openShell) return rej?.();
        pty = { cols: i.cols, rows: i.rows, term: typeof i.term === 'string' ? i.term : 'vt100' };
        acc?.();
      });
      session.on('window-change', (acc: (() => void) | undefined, rej: (() => void) | undefined, i: { cols: number; rows: number }) => {
        if (!shellChannel) return rej?.();
        acc?.();
        shellChannel.emit('window-change', { cols: i.cols, rows: i.rows });
      });
      session.on('shell', (acc: () => ServerChannel, rej: () => void) => {
        if (!openShell || used) return rej();
        used = true;
        const channel = acc();
        shellChannel = channel;
        channel.on('error', (e: Error) => logger.debug('ssh shell channel error', { error: e.message }));
        const failed = (e: unknown): void => {
          logger.error('ssh: the shell failed', { user: who.name, error: e });
          try {
            channel.exit(1);
            channel.end();
          } catch {
            // gone
          }
        };
        try {
          // an async openShell's rejection is caught too
          const result: unknown = openShell(channel, who, pty);
          if (result instanceof Promise) result.catch(failed);
        } catch (e) {
          failed(e);
        }
      });
      session.on('exec', (acc: () => ServerChannel, rej: () => void, i: { command: string }) => {
        if (used) return rej();
        used = true;
        const channel = acc();
        const network = networkFromCommand(i.command);
        logger.info('ssh: exec', { peer, user: who.name, network });
        const handle = serveJsonChannel({ channel, network, networks, principal: who, limits: channelLimits, locks, logger });
        channels.add(handle);
        void handle.done.then(() => channels.delete(handle));
      });
    });
  });

  const net: NetServer = createServer((socket) => {
    socket.on('error', () => undefined);
    if (sockets.size >= limits.maxConnections) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.setNoDelay(true); // small request/reply frames: do not wait for Nagle
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    pending.set(peer, socket);
    socket.setTimeout(limits.authTimeoutMs, () => {
      logger.info('ssh: connection did not authenticate in time', { peer });
      socket.destroy();
    });
    socket.once('close', () => {
      sockets.delete(socket);
      if (pending.get(peer) === socket) pending.delete(peer);
    });
    ssh.injectSocket(socket);
  });
  net.on('error', (e: Error) => logger.error('ssh listener error', { error: e.message }));

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    net.once('error', onError);
    net.listen(config.port, config.host, () => {
      net.off('error', onError);
      resolve();
    });
  });
  const port = (net.address() as AddressInfo).port;
  logger.info('ssh: listening', { host: config.host, port, auth: config.auth, hostKeyFingerprint: hostKey.fingerprint });

  let closing: Promise<void> | undefined;
  return {
    port,
    fingerprint: hostKey.fingerprint,
    close: () => {
      closing ??= (async () => {
        const closed = new Promise<void>((r) => net.close(() => r()));
        for (const h of channels) h.destroy();
        for (const c of clients) {
          try {
            c.end();
          } catch {
            // gone
          }
        }
        for (const s of sockets) s.destroy();
        await closed;
      })();
      return closing;
    },
  };
}

/**
 * The network an exec command names: the command, trimmed, with one pair of
 * surrounding quotes removed (`ssh host "'wan'"` and shells that quote the
 * command both work).
 */
export function networkFromCommand(command: string): string {
  let s = command.trim();
  if (s.length >= 2 && (s[0] === "'" || s[0] === '"') && s[s.length - 1] === s[0]) s = s.slice(1, -1).trim();
  return s.length > 256 ? s.slice(0, 256) : s;
}
