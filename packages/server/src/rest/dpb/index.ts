import type { Logger } from '@dpb/model';
import express, { type Express } from 'express';
import type { Networks } from '../../networks';
import { JsonBodyReader } from './body';
import { mountFiveGExApi } from './fivegex-api';
import { mountNetworkApi } from './network-api';
import { ESTABLISH_TIMEOUT_MS } from './parse';

export { DEFAULT_5GEX_MBPS, ESTABLISH_TIMEOUT_MS, MAX_AWAIT_MS, MAX_DPB_SERVICE_ID } from './parse';

/** Options for the DPB-compatible REST routes. */
export interface DpbRestOptions {
  networks: Networks;
  logger: Logger;
  maxBodyBytes: number;
  /** How long a 5GEx establish waits for ACTIVE; default {@link ESTABLISH_TIMEOUT_MS} (30 s, as DPB). */
  establishTimeoutMs?: number;
}

/**
 * Registers the DPB-compatible routes (`/network/<name>/…`, `/5gnetwork/<name>/…`) on `app`.
 *
 * They speak the original DPB's REST shapes (see docs/rest-api.md,
 * "DPB-compatible API", for every deliberate difference: 200 `{}` instead of
 * 204 so OSM's connector works, JSON errors instead of dropped connections,
 * 404/405 instead of 501). Every route needs the `control` right on the
 * network in its path; the app's authentication middleware must already
 * have stored the caller (see `principalOf`).
 */
export function mountDpbRoutes(app: Express, options: DpbRestOptions): void {
  const shared = { networks: options.networks, logger: options.logger, bodies: new JsonBodyReader(options.maxBodyBytes) };
  // a router of their own: REST v1's route table (and the OpenAPI document checked against it) stays REST v1's
  const router = express.Router({ strict: false, caseSensitive: false });
  mountNetworkApi(router, shared);
  mountFiveGExApi(router, shared, { establishTimeoutMs: options.establishTimeoutMs ?? ESTABLISH_TIMEOUT_MS });
  app.use(router);
}
