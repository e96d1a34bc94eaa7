import { errors, isValidName, type TerminalRef } from '@dpb/model';
import type { PlanChord, PlanEndpoint, PlanTrunk } from './types';

/**
 * Structural checks on planner input. The aggregator builds this input from
 * validated state, so a failure here is a programming error upstream; it is
 * still reported as INVALID_ARGUMENT naming the item at fault, never as a
 * crash deeper in the planner.
 */

/**
 * Remembers names already found valid: a graph of a few thousand switches
 * names each network and terminal hundreds of times (once per chord), and
 * checking each occurrence against the name pattern dominated the build.
 */
export class NameCheck {
  private readonly valid = new Set<string>();

  ok(name: unknown): boolean {
    if (typeof name !== 'string') return false;
    if (this.valid.has(name)) return true;
    if (!isValidName(name)) return false;
    this.valid.add(name);
    return true;
  }
}

const UNCACHED = { ok: isValidName } as Pick<NameCheck, 'ok'>;

function checkRef(ref: unknown, field: string, names: Pick<NameCheck, 'ok'> = UNCACHED): TerminalRef {
  const r = ref as TerminalRef | null;
  if (typeof r !== 'object' || r === null || !names.ok(r.network) || !names.ok(r.terminal)) {
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

/** An optional count or capacity: absent, or a non-negative number (Infinity allowed for capacity). */
function checkOptional(x: unknown, field: string, details: Record<string, unknown>, integer: boolean): void {
  if (x === undefined) return;
  if (typeof x !== 'number' || Number.isNaN(x) || x < 0 || (integer && !Number.isSafeInteger(x))) {
    throw errors.invalid(`${field} must be a non-negative ${integer ? 'integer' : 'number'} when given; got ${String(x)}`, { field, ...details });
  }
}

/** Throws INVALID_ARGUMENT naming the trunk at fault (bad load fields included). */
export function checkTrunkLoad(t: { freeLabels?: unknown; labelCount?: unknown; capacityUpstreamMbps?: unknown; capacityDownstreamMbps?: unknown }, field: string, trunk: number): void {
  const count = (x: unknown): boolean => x === undefined || (typeof x === 'number' && x >= 0 && Number.isSafeInteger(x));
  const rate = (x: unknown): boolean => x === undefined || (typeof x === 'number' && x >= 0);
  if (
    count(t.freeLabels) &&
    count(t.labelCount) &&
    rate(t.capacityUpstreamMbps) &&
    rate(t.capacityDownstreamMbps) &&
    (t.freeLabels === undefined || t.labelCount === undefined || (t.freeLabels as number) <= (t.labelCount as number))
  ) {
    return; // fast path: called on every allocation
  }
  const d = { kind: 'trunk' as const, trunk };
  checkOptional(t.freeLabels, `${field}.freeLabels`, d, true);
  checkOptional(t.labelCount, `${field}.labelCount`, d, true);
  checkOptional(t.capacityUpstreamMbps, `${field}.capacityUpstreamMbps`, { ...d, direction: 'upstream' }, false);
  checkOptional(t.capacityDownstreamMbps, `${field}.capacityDownstreamMbps`, { ...d, direction: 'downstream' }, false);
  if (typeof t.freeLabels === 'number' && typeof t.labelCount === 'number' && t.freeLabels > t.labelCount) {
    throw errors.invalid(`trunk ${trunk} cannot have ${t.freeLabels} free labels out of ${t.labelCount}`, { ...d, field: `${field}.freeLabels` });
  }
}

/** Throws INVALID_ARGUMENT naming the trunk at fault. */
export function validateTrunk(t: PlanTrunk, i: number, names?: NameCheck): void {
  const field = `trunks[${i}]`;
  if (typeof t !== 'object' || t === null) throw errors.invalid(`${field} must be an object`, { field });
  if (!Number.isSafeInteger(t.id)) {
    throw errors.invalid(`${field}.id must be an integer`, { field: `${field}.id`, kind: 'trunk' });
  }
  const d = { kind: 'trunk' as const, trunk: t.id };
  const s = checkRef(t.start, `${field}.start`, names);
  const e = checkRef(t.end, `${field}.end`, names);
  if (s.network === e.network && s.terminal === e.terminal) {
    throw errors.invalid(`trunk ${t.id} starts and ends at the same terminal`, { ...d, field, network: s.network, terminal: s.terminal });
  }
  checkCost(t.cost, `${field}.cost`, d);
  checkCapacity(t.upstreamMbps, `${field}.upstreamMbps`, { ...d, direction: 'upstream' });
  checkCapacity(t.downstreamMbps, `${field}.downstreamMbps`, { ...d, direction: 'downstream' });
  checkTrunkLoad(t, field, t.id);
}

const isCost = (x: unknown): boolean => typeof x === 'number' && x >= 0 && x < Infinity;
const isCapacity = (x: unknown): boolean => typeof x === 'number' && x >= 0;

/** Throws INVALID_ARGUMENT naming the chord at fault. */
export function validateChord(c: PlanChord, i: number, names: Pick<NameCheck, 'ok'> = UNCACHED): void {
  // Fast path (a graph may have hundreds of thousands of chords): no allocation when all is well.
  if (
    typeof c === 'object' &&
    c !== null &&
    names.ok(c.network) &&
    names.ok(c.from) &&
    names.ok(c.to) &&
    c.from !== c.to &&
    isCost(c.cost) &&
    isCapacity(c.upstreamMbps) &&
    isCapacity(c.downstreamMbps)
  ) {
    return;
  }
  const field = `chords[${i}]`;
  if (typeof c !== 'object' || c === null) throw errors.invalid(`${field} must be an object`, { field });
  if (!names.ok(c.network) || !names.ok(c.from) || !names.ok(c.to)) {
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
    if (
      typeof ep === 'object' &&
      ep !== null &&
      isValidName(ep.network) &&
      isValidName(ep.terminal) &&
      isCost(ep.ingressMbps) &&
      isCost(ep.egressMbps)
    ) {
      const key = `${ep.network}:${ep.terminal}`;
      if (!seen.has(key)) {
        seen.add(key);
        return; // fast path
      }
    }
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
