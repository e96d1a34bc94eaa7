/**
 * Load-aware trunk weights (see PlanningOptions.loadWeight): a trunk whose
 * labels or capacity are filling up weighs more than its cost, so that new
 * services spread out before some cut of the network is full.
 */

/** Default weight of load against cost; chosen on the shared benchmark scenarios (docs/benchmarks.md). */
export const DEFAULT_LOAD_WEIGHT = 2;

/** Keeps the factor finite for a full trunk: at u = 1 it is 1 + 100 · w. */
const HEADROOM = 0.01;

/** The multiplier of a trunk's cost at load u in [0, 1]; 1 when unloaded. */
export function loadFactor(u: number, loadWeight: number): number {
  if (!(u > 0) || loadWeight === 0) return 1;
  const x = Math.min(1, u);
  return 1 + (loadWeight * x) / (1 + HEADROOM - x);
}

/** Share of a resource in use, from what is left and the total; 0 when the total is unknown or unlimited. */
export function used(left: number, total: number): number {
  if (!(total > 0) || !Number.isFinite(total)) return 0;
  return Math.min(1, Math.max(0, 1 - left / total));
}
