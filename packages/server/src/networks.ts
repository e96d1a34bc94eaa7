import type { AggregatorManagement, NetworkControl, SwitchManagement } from '@dpb/model';

/** One network the server serves: its control interface and, where it has one, its management. */
export interface NetworkEntry {
  control: NetworkControl;
  switch?: SwitchManagement;
  aggregator?: AggregatorManagement;
  /**
   * Remote networks only: learns from the remote server whether it manages a
   * switch or an aggregator, and fills `switch` or `aggregator` with a proxy.
   * Settles at once after the first success.
   */
  resolveManagement?: () => Promise<void>;
  /** Why the last `resolveManagement` failed (e.g. UNAVAILABLE), until one succeeds. */
  managementError?: unknown;
  /** What management the network has: known, or `unknown` while a remote has not said. */
  management?: 'switch' | 'aggregator' | 'none' | 'unknown';
}

/** Networks by name. */
export type Networks = ReadonlyMap<string, NetworkEntry>;

/**
 * Resolves a remote network's management if it is not known yet. Never
 * throws: a failure is kept in `managementError`, which the management routes
 * report instead of "not supported".
 */
export async function ensureManagement(entry: NetworkEntry): Promise<void> {
  if (entry.resolveManagement === undefined) return;
  try {
    await entry.resolveManagement();
  } catch {
    // kept in entry.managementError by resolveManagement
  }
}

/** The management a network offers, as NetworkSummary's `management` reports it. */
export function managementOf(entry: NetworkEntry): 'switch' | 'aggregator' | 'none' | 'unknown' {
  if (entry.switch) return 'switch';
  if (entry.aggregator) return 'aggregator';
  return entry.management ?? 'none';
}
