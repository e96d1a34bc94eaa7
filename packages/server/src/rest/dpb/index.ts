import type { Logger } from '@dpb/model';
import type { Express } from 'express';
import type { Networks } from '../../networks';

/** Options for the DPB-compatible REST routes. */
export interface DpbRestOptions {
  networks: Networks;
  logger: Logger;
  maxBodyBytes: number;
}

/** Registers the DPB-compatible routes (`/network/<name>/…`, `/5gnetwork/<name>/…`) on `app`. */
export function mountDpbRoutes(_app: Express, _options: DpbRestOptions): void {
  // placeholder: the DPB-compatible routes are being written
}
