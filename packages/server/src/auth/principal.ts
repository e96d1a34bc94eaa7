import { errors } from '@dpb/model';

/** What a credential may do on one network: `control` (services) and `manage` (terminals, trunks, quotas). */
export type Right = 'control' | 'manage';

export const RIGHTS: readonly Right[] = ['control', 'manage'];

/** Network name (or `*` for every network) → the rights granted there. */
export type RightsTable = Readonly<Record<string, readonly Right[]>>;

/**
 * Who is calling, and what they may do. Every interface (REST v1, DPB
 * REST, SSH, the shell) resolves a caller to one of these before it
 * touches a network, and checks it with {@link requireRight}.
 */
export interface Principal {
  /** The configured user name; `anonymous` on a listener with `auth: none`. */
  readonly name: string;
  readonly anonymous: boolean;
  /** Does this caller hold `right` on `network`? */
  has(network: string, right: Right): boolean;
  /** Does this caller hold any right on `network` (so may see that it exists)? */
  canSee(network: string): boolean;
}

/** A principal whose rights come from a table (`*` applies to every network). */
export function principalFromTable(name: string, table: RightsTable, anonymous = false): Principal {
  const lookup = (network: string): readonly Right[] => [...(table[network] ?? []), ...(table['*'] ?? [])];
  return {
    name,
    anonymous,
    has: (network, right) => lookup(network).includes(right),
    canSee: (network) => lookup(network).length > 0,
  };
}

/** The caller on a listener configured with `auth: none` (loopback only): every right everywhere. */
export const ANONYMOUS: Principal = principalFromTable('anonymous', { '*': ['control', 'manage'] }, true);

/**
 * Throws PERMISSION_DENIED (403) naming the network, the right and the caller
 * unless `principal` holds `right` on `network`.
 */
export function requireRight(principal: Principal, network: string, right: Right): void {
  if (principal.has(network, right)) return;
  throw errors.permissionDenied(
    `${principal.name} has no ${right} right on network ${network}${right === 'manage' ? ' (terminals, trunks and quotas need manage)' : ' (services need control)'}`,
    { network, right, principal: principal.name },
  );
}
