import { errors, isValidName, type TerminalRef } from '@dpb/model';
import type { PlanChord, PlanEndpoint, PlanTrunk } from './types';

/**
 * Structural checks on planner input. The aggregator builds this input from
 * validated state, so a failure here is a programming error upstream; it is
 * still reported as INVALID_ARGUMENT naming the item at fault, never as a
 * crash deeper in the planner.
 */

function checkRef(ref: unknown, field: string): TerminalRef {
  const r = ref as TerminalRef | null;
  if (typeof r !== 'object' || r === null || !isValidName(r.network) || !isValidName(r.terminal)) {
    throw errors.invalid(`${field} must be {network, terminal} with valid names`, { field });
  }
  return r;
}

function checkCost(x: unknown, field: string, details: Record<string, unknown>): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
    throw errors.invalid(`${field} must be a finite, non-negative cost; got ${String(x)}`, { field, ...details });
  }
  return x;
}

/** Capacities may be Infinity (unlimited) but never negative or NaN. */
function checkCapacity(x: unknown, field: string, details: Record<string, unknown>): number {
  if (typeof x !== 'number' || Number.isNaN(x) || x < 0) {
    throw errors.invalid(`${field} must be a non-negative number of Mbit/s (Infinity = unlimited); got ${String(x)}`, {
      field,
      ...details,
    });
  }
  return x;
}

function checkRate(x: unknown, field: string, details: Record<string, unknown>): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
    throw errors.invalid(`${field} must be a finite, non-negative number of Mbit/s; got ${String(x)}`, {
      field,
      ...details,
    });
  }
  return x;
}

/** Throws INVALID_ARGUMENT naming the trunk at fault. */
export function validateTrunk(t: PlanTrunk, i: number): void {
  const field = `trunks[${i}]`;
  if (typeof t !== 'object' || t === null) throw errors.invalid(`${field} must be an object`, { field });
  if (!Number.isSafeInteger(t.id)) {
    throw errors.invalid(`${field}.id must be an integer`, { field: `${field}.id`, kind: 'trunk' });
  }
  const d = { kind: 'trunk' as const, trunk: t.id };
  const s = checkRef(t.start, `${field}.start`);
  const e = checkRef(t.end, `${field}.end`);
  if (s.network === e.network && s.terminal === e.terminal) {
    throw errors.invalid(`trunk ${t.id} starts and ends at the same terminal`, { ...d, field, network: s.network, terminal: s.terminal });
  }
  checkCost(t.cost, `${field}.cost`, d);
  checkCapacity(t.upstreamMbps, `${field}.upstreamMbps`, { ...d, direction: 'upstream' });
  checkCapacity(t.downstreamMbps, `${field}.downstreamMbps`, { ...d, direction: 'downstream' });
}

/** Throws INVALID_ARGUMENT naming the chord at fault. */
export function validateChord(c: PlanChord, i: number): void {
  const field = `chords[${i}]`;
  if (typeof c !== 'object' || c === null) throw errors.invalid(`${field} must be an object`, { field });
  if (!isValidName(c.network) || !isValidName(c.from) || !isValidName(c.to)) {
    throw errors.invalid(`${field} must name a network and two terminals with valid names`, { field });
  }
  const d = { network: c.network, from: c.from, to: c.to };
  if (c.from === c.to) throw errors.invalid(`${field} joins terminal ${c.from} to itself`, { field, ...d, terminal: c.from });
  checkCost(c.cost, `${field}.cost`, d);
  checkCapacity(c.upstreamMbps, `${field}.upstreamMbps`, { ...d, direction: 'upstream' });
  checkCapacity(c.downstreamMbps, `${field}.downstreamMbps`, { ...d, direction: 'downstream' });
}

/** Throws INVALID_ARGUMENT naming the endpoint at fault. */
export function validateEndpoints(endpoints: unknown): PlanEndpoint[] {
  if (!Array.isArray(endpoints) || endpoints.length === 0) {
    throw errors.invalid('a plan needs at least one endpoint', { field: 'endpoints' });
  }
  const seen = new Set<string>();
  endpoints.forEach((ep: PlanEndpoint, i) => {
    const field = `endpoints[${i}]`;
    const r = checkRef(ep, field);
    const d = { network: r.network, terminal: r.terminal };
    checkRate(ep.ingressMbps, `${field}.ingressMbps`, { ...d, direction: 'ingress' });
    checkRate(ep.egressMbps, `${field}.egressMbps`, { ...d, direction: 'egress' });
    const key = `${r.network}:${r.terminal}`;
    if (seen.has(key)) {
      throw errors.invalid(`endpoint ${key} appears more than once; sum its circuits into one endpoint`, {
        field,
        kind: 'terminal',
        ...d,
      });
    }
    seen.add(key);
  });
  return endpoints as PlanEndpoint[];
}
