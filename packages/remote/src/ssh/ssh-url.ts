import { errors } from '@dpb/model';

/** dpb-server's SSH port, used when an `ssh://` URL names none. */
export const DEFAULT_DPB_SSH_PORT = 4754;

/** What an `ssh://user@host:port/NETWORK` URL says. */
export interface SshUrl {
  username: string;
  host: string;
  port: number;
  /** The network's name on that server (the SSH command). */
  network: string;
}

/**
 * Parses `ssh://user@host:port/NETWORK` (port optional, default
 * {@link DEFAULT_DPB_SSH_PORT}; IPv6 hosts in brackets; user and network
 * percent-decoded). Throws INVALID_ARGUMENT (`details.field` `url`) for
 * anything else.
 */
export function parseSshUrl(url: string): SshUrl {
  const bad = (why: string): never => {
    throw errors.invalid(`${JSON.stringify(url)} is not an ssh://user@host:port/NETWORK URL: ${why}`, { field: 'url', value: String(url).slice(0, 200) });
  };
  if (typeof url !== 'string') return bad('not a string');
  const m = /^ssh:\/\/([^@/]+)@(\[[^\]]+\]|[^/:[\]]+)(?::(\d+))?\/([^/?#]+)\/?$/.exec(url.trim());
  if (!m) return bad('expected ssh://user@host:port/NETWORK');
  const port = m[3] === undefined ? DEFAULT_DPB_SSH_PORT : Number(m[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return bad(`port must be 1-65535; got ${m[3]}`);
  let username: string;
  let network: string;
  try {
    username = decodeURIComponent(m[1] as string);
    network = decodeURIComponent(m[4] as string);
  } catch {
    return bad('bad percent-encoding');
  }
  return { username, host: (m[2] as string).replace(/^\[|\]$/g, ''), port, network };
}

/** `ssh://host:port/network`: how errors name the remote end (no user). */
export function formatSshRemote(host: string, port: number, network: string): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `ssh://${h}:${port}/${encodeURIComponent(network)}`;
}
