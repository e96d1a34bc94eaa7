import { PlanningGraph } from './planning-graph';
import type { PlanInput, PlanResult } from './types';

/**
 * Plans a request over trunks and inferior chords: a tree joining every
 * endpoint, with each tree trunk's and chord's demand each way, grouped
 * into inferior network pieces; or the reason no such tree was found
 * (`unreachable` endpoints, or the `insufficient-capacity` shortfalls met).
 *
 * Pure and deterministic: no I/O, clock or randomness, and the order of the
 * input arrays does not matter. Throws INVALID_ARGUMENT only for malformed
 * input (naming the endpoint, trunk or chord). To plan many requests over the
 * same trunks and chords, keep a {@link PlanningGraph} instead.
 */
export function plan(input: PlanInput): PlanResult {
  return new PlanningGraph(input, input.options).plan(input.endpoints);
}
