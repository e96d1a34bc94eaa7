import type { Logger } from '@dpb/model';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Authenticator } from './auth/authenticator';
import type { DpbConfig } from './config/schema';
import type { Networks } from './networks';
import { createApp } from './rest/app';
import { runManagementShell } from './shell/management-shell';
import { type RunningSshServer, startSshServer } from './ssh';

/** The listeners of a running dpb-server. */
export interface Listeners {
  /** Base URL of the REST listener, e.g. http://127.0.0.1:4753. */
  restUrl: string;
  /** The SSH port, when SSH is enabled. */
  sshPort?: number;
  /** The SSH host key's SHA256 fingerprint, when SSH is enabled. */
  sshFingerprint?: string;
  authenticator: Authenticator;
  /** Stops accepting and closes every connection. */
  close(): Promise<void>;
}

async function listenHttp(app: ReturnType<typeof createApp>, port: number, host: string): Promise<Server> {
  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return server;
}

function urlOf(server: Server): string {
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `http://${host}:${addr.port}`;
}

async function closeHttp(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}

/**
 * Starts the REST listener and, when enabled, the SSH server with the
 * management shell, over `networks`, with the config's users and listener
 * settings. The shell runs the CLI's commands against REST v1 on a private
 * loopback listener that accepts only per-session tokens (`auth: required`),
 * so a shell user has exactly the rights of its SSH credential. Throws
 * (after closing what it opened) if a port cannot be bound.
 */
export async function startListeners(config: DpbConfig, networks: Networks, logger: Logger): Promise<Listeners> {
  const authenticator = new Authenticator(config.users);
  const opened: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const c of opened.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    const rest = await listenHttp(
      createApp({ networks, logger, maxBodyBytes: config.server.rest.maxBodyBytes, auth: config.server.rest.auth, authenticator }),
      config.server.rest.port,
      config.server.rest.host,
    ).catch((e: Error) => {
      throw new Error(`cannot listen for REST on ${config.server.rest.host}:${config.server.rest.port}: ${e.message}`);
    });
    opened.push(() => closeHttp(rest));
    const listeners: Listeners = { restUrl: urlOf(rest), authenticator, close };
    if (config.server.ssh.enabled) {
      const shellApp = createApp({ networks, logger, maxBodyBytes: config.server.rest.maxBodyBytes, auth: 'required', authenticator });
      const shellRest = await listenHttp(shellApp, 0, '127.0.0.1');
      opened.push(() => closeHttp(shellRest));
      const shellUrl = urlOf(shellRest);
      let ssh: RunningSshServer;
      try {
        ssh = await startSshServer({
          config: config.server.ssh,
          networks,
          authenticator,
          logger,
          openShell: (channel, principal, info) => {
            logger.info('management shell opened', { user: principal.name });
            runManagementShell(channel, { principal, authenticator, restUrl: shellUrl, logger, ...(info ? { pty: info } : {}) });
          },
        });
      } catch (e) {
        throw new Error(`cannot start SSH on ${config.server.ssh.host}:${config.server.ssh.port}: ${(e as Error).message}`);
      }
      opened.push(() => ssh.close());
      listeners.sshPort = ssh.port;
      listeners.sshFingerprint = ssh.fingerprint;
      if ('fingerprint' in ssh) listeners.sshFingerprint = String((ssh as { fingerprint: unknown }).fingerprint);
    }
    return listeners;
  } catch (e) {
    await close();
    throw e;
  }
}
