import { errors } from '@dpb/model';
import type { Request, Response } from 'express';
import type { Authenticator } from '../auth/authenticator';
import { ANONYMOUS, type Principal } from '../auth/principal';
import type { ListenerAuth } from '../config/schema';

/** The challenge sent with every 401. */
export const WWW_AUTHENTICATE = 'Bearer realm="dpb", Basic realm="dpb"';

/**
 * Resolves the caller of an HTTP request: `Authorization: Bearer <token>`,
 * or HTTP Basic `user:password` (the password may also be the user's token;
 * OSM's DPB connector can send Basic credentials as `user:pass@host` in its
 * URL). Without an Authorization header the caller is anonymous on an
 * `auth: none` listener and UNAUTHENTICATED (401) otherwise; a header that
 * is present but wrong is always UNAUTHENTICATED.
 */
export function authenticate(req: Request, auth: ListenerAuth, authenticator: Authenticator | undefined): Principal {
  const header = req.headers.authorization;
  if (header === undefined || header === '') {
    if (auth === 'none') return ANONYMOUS;
    throw errors.unauthenticated('this server requires a credential: send Authorization: Bearer <token>, or HTTP Basic user:password', { reason: 'NO_CREDENTIAL' });
  }
  const m = /^(\S+)\s+(.+)$/.exec(header.trim());
  const scheme = m?.[1]?.toLowerCase();
  const value = m?.[2] ?? '';
  let principal: Principal | undefined;
  if (scheme === 'bearer') principal = authenticator?.byToken(value.trim());
  else if (scheme === 'basic') {
    const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) principal = authenticator?.byPassword(decoded.slice(0, colon), decoded.slice(colon + 1));
  } else {
    throw errors.unauthenticated(`unsupported Authorization scheme ${JSON.stringify((scheme ?? header).slice(0, 20))}; use Bearer or Basic`, { reason: 'BAD_SCHEME' });
  }
  if (!principal) throw errors.unauthenticated('the credential in the Authorization header is not valid', { reason: 'BAD_CREDENTIAL' });
  return principal;
}

/** The caller of this request, as the authentication middleware resolved it. */
export function principalOf(res: Response): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw errors.internal('request reached a handler without authentication');
  return p;
}
