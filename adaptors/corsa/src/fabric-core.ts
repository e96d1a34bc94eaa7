import type { BridgeCondition, Logger } from '@dpb/model';
import type { PlannedBridge } from './bridge-plan';
import type { CorsaFabricConfig } from './corsa-config';
import type { CorsaRest } from './corsa-rest';

/**
 * What the fabric wants of a bridge:
 * - present: carry `plan`;
 * - absent: not on the switch (removed, or not in the last reconcile);
 * - unknown: found on the switch at start-up, not yet claimed or disowned
 *   (kept as it is until a reconcile or removeBridge says otherwise).
 */
export type Want = 'present' | 'absent' | 'unknown';

/** One bridge the fabric knows: what is wanted and what it last reported. */
export interface Entry {
  id: string;
  want: Want;
  /** The plan to carry (want `present`). */
  plan?: PlannedBridge;
  /** Set when the switch refused this plan for good; the bridge then holds nothing. */
  failed?: string;
  condition: BridgeCondition;
  reason?: string;
  /** Epoch ms before which the bridge is left alone (backoff); 0 = now. */
  retryAt: number;
  retryDelayMs: number;
}

/** @internal What a mode realiser sees of the fabric. */
export interface FabricCore {
  readonly config: CorsaFabricConfig;
  readonly network: string;
  /** Ownership prefix of VFC descriptions and tunnel ifdescr. */
  readonly prefix: string;
  readonly rest: CorsaRest;
  readonly logger: Logger;
  /** True once a reconcile named the complete desired set. */
  readonly authoritative: boolean;
  now(): number;
  /** Every entry, sorted by id. */
  entries(): Entry[];
  /** The entry of a bridge found on the switch, made (want `unknown`, or `absent` once authoritative) if new. */
  adopt(id: string): Entry;
  /** Whether the entry's backoff has run out. */
  due(e: Entry): boolean;
  /** Reports a condition (listeners hear of changes only). */
  report(e: Entry, condition: BridgeCondition, reason?: string): void;
  /** The bridge carries its plan: `up`, backoff reset. */
  succeed(e: Entry): void;
  /** A transient failure: `pending` (or keep `keep`) with the reason, retried after a growing delay. */
  retryLater(e: Entry, reason: string, keepCondition?: boolean): void;
  /** Looks again after `delayMs` without counting a failure (e.g. waiting for the app to install). */
  pollLater(e: Entry, delayMs: number): void;
  /** The switch refused the plan for good: `failed`; another pass then frees what it holds. */
  fail(e: Entry, reason: string): void;
  /** The bridge is gone from the switch: reports `absent` and forgets a bridge nobody wants. */
  gone(e: Entry): void;
  /** The next pass re-reads the switch first. */
  wantScan(): void;
  /** Runs one more pass at once, before the callers of this pass hear back. */
  followUp(): void;
  /** Throws when the fabric was closed (ends a pass early). */
  checkOpen(): void;
}

/** @internal A mode of operation: how bridges map onto VFCs and tunnels. */
export interface Realiser {
  /** Reads what the switch holds that this fabric owns, adopting bridges found there. */
  scan(): Promise<void>;
  /** Moves the switch towards the entries' wants; failures are recorded on entries, not thrown. */
  sync(): Promise<void>;
  /** Best-effort clean-up when the fabric closes (nothing on the switch is changed). */
  close?(): void;
}
