import { errors } from './errors';

/** Largest bandwidth accepted anywhere, in Mbit/s (10 Tbit/s). Larger values are rejected as absurd. */
export const MAX_MBPS = 10_000_000;

/** Tolerance used when comparing sums of bandwidths (floating-point dust). */
export const MBPS_EPSILON = 1e-6;

/** The smallest ingress a circuit is given when sanitised (DPB's "minimum production"). */
export const MIN_INGRESS_MBPS = 0.01;

/** (ingress, egress) bandwidth of a circuit, in Mbit/s. */
export interface TrafficFlow {
  /** What the customer sends into the network at the circuit. */
  ingressMbps: number;
  /** What the network delivers out to the customer at the circuit. */
  egressMbps: number;
}

/** Bandwidth in each direction of a trunk or chord, in Mbit/s. */
export interface DirectionalMbps {
  /** start→end (or from→to). */
  upstreamMbps: number;
  /** end→start (or to→from). */
  downstreamMbps: number;
}

/** True when `need` fits in `available`, allowing for floating-point dust. */
export function fits(needMbps: number, availableMbps: number): boolean {
  return needMbps <= availableMbps + MBPS_EPSILON;
}

/** Rounds to 1 kbit/s, the precision dpb keeps. */
export function roundMbps(x: number): number {
  if (!Number.isFinite(x)) return x;
  return Math.round(x * 1000) / 1000;
}

/**
 * Checks that `x` is a usable bandwidth: a finite number in [0, MAX_MBPS].
 * Throws INVALID_ARGUMENT naming `field` otherwise.
 */
export function checkMbps(x: unknown, field: string, details: Record<string, unknown> = {}): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw errors.invalid(`${field} must be a finite number of Mbit/s; got ${JSON.stringify(x)}`, {
      field,
      value: typeof x === 'number' ? String(x) : JSON.stringify(x) ?? String(x),
      ...details,
    });
  }
  if (x < 0) throw errors.invalid(`${field} must not be negative; got ${x}`, { field, value: x, ...details });
  if (x > MAX_MBPS) {
    throw errors.invalid(`${field} of ${x} Mbit/s is more than the maximum of ${MAX_MBPS}`, {
      field,
      value: x,
      ...details,
    });
  }
  return x;
}

export function addFlows(a: TrafficFlow, b: TrafficFlow): TrafficFlow {
  return { ingressMbps: a.ingressMbps + b.ingressMbps, egressMbps: a.egressMbps + b.egressMbps };
}
