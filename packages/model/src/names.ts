import { errors } from './errors';

/**
 * Names of networks and terminals: 1..64 characters from letters, digits and
 * `_ . -`, starting with a letter or digit. The colon is reserved as the
 * separator in `network:terminal:label`.
 */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Handles are caller-chosen ids: 1..160 printable characters, no control characters. */
export const HANDLE_PATTERN = /^[\x21-\x7e][\x20-\x7e]{0,159}$/;

export function isValidName(s: unknown): s is string {
  return typeof s === 'string' && NAME_PATTERN.test(s);
}

/** Throws INVALID_ARGUMENT naming `field` if `s` is not a valid name. */
export function checkName(s: unknown, field: string): string {
  if (!isValidName(s)) {
    throw errors.invalid(
      `${field} must be 1-64 characters of letters, digits, '_', '.', '-', starting with a letter or digit; got ${JSON.stringify(s)}`,
      { field, value: typeof s === 'string' ? s.slice(0, 80) : String(s) },
    );
  }
  return s;
}

export function checkHandle(s: unknown, field = 'handle'): string {
  if (typeof s !== 'string' || !HANDLE_PATTERN.test(s)) {
    throw errors.invalid(`${field} must be 1-160 printable ASCII characters; got ${JSON.stringify(s)}`, {
      field,
      value: typeof s === 'string' ? s.slice(0, 80) : String(s),
    });
  }
  return s;
}

/** A terminal of a named network, e.g. an inferior terminal or a trunk end. */
export interface TerminalRef {
  network: string;
  terminal: string;
}

export function terminalRefKey(t: TerminalRef): string {
  return `${t.network}:${t.terminal}`;
}

/** Parses `network:terminal`; throws INVALID_ARGUMENT naming `field`. */
export function parseTerminalRef(s: string, field = 'terminal'): TerminalRef {
  const i = s.indexOf(':');
  if (i <= 0 || i === s.length - 1 || s.indexOf(':', i + 1) >= 0) {
    throw errors.invalid(`${field} must look like network:terminal; got ${JSON.stringify(s)}`, { field, value: s });
  }
  return { network: checkName(s.slice(0, i), `${field} network`), terminal: checkName(s.slice(i + 1), `${field} terminal`) };
}
