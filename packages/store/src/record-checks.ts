import {
  type AggregatorServiceRecord,
  type AggregatorTerminalRecord,
  type ErrorDetails,
  errors,
  type ServiceRecord,
  type SwitchTerminalRecord,
  type TrunkRecord,
} from '@dpb/model';

/**
 * Checks a store shares between its implementations, so memory and SQLite
 * reject the same records: numbers must be finite (Infinity is never stored;
 * "unlimited" is null), ids and labels integers, and one service may not
 * name the same trunk label twice. Each throws INVALID_ARGUMENT naming the
 * field and changes nothing.
 */

function finite(x: unknown, field: string, details: ErrorDetails = {}): void {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw errors.invalid(`${field} must be a finite number; got ${String(x)}`, { field, value: String(x), ...details });
  }
}

function integer(x: unknown, field: string, details: ErrorDetails = {}): void {
  if (typeof x !== 'number' || !Number.isSafeInteger(x)) {
    throw errors.invalid(`${field} must be an integer; got ${String(x)}`, { field, value: String(x), ...details });
  }
}

function text(x: unknown, field: string, details: ErrorDetails = {}): void {
  if (typeof x !== 'string') {
    throw errors.invalid(`${field} must be a string; got ${typeof x}`, { field, ...details });
  }
}

/** The network name a store is opened for. */
export function checkNetworkName(network: unknown): string {
  if (typeof network !== 'string' || network.length === 0) {
    throw errors.invalid('a store needs a non-empty network name', { kind: 'network', field: 'network' });
  }
  return network;
}

export function checkSwitchTerminalRecord(t: SwitchTerminalRecord): void {
  text(t.name, 'name', { kind: 'terminal' });
  const d = { kind: 'terminal' as const, terminal: t.name };
  text(t.interface, 'interface', d);
  if (t.ingressQuotaMbps !== null) finite(t.ingressQuotaMbps, 'ingressQuotaMbps', d);
  if (t.egressQuotaMbps !== null) finite(t.egressQuotaMbps, 'egressQuotaMbps', d);
}

export function checkAggregatorTerminalRecord(t: AggregatorTerminalRecord): void {
  text(t.name, 'name', { kind: 'terminal' });
  text(t.inferior?.network, 'inferior.network', { kind: 'terminal', terminal: t.name });
  text(t.inferior?.terminal, 'inferior.terminal', { kind: 'terminal', terminal: t.name });
}

export function checkServiceRecord(s: ServiceRecord): void {
  integer(s.id, 'id', { kind: 'service' });
  const d = { kind: 'service' as const, service: s.id };
  if (s.handle !== null) text(s.handle, 'handle', d);
  text(s.intent, 'intent', d);
  finite(s.createdAt, 'createdAt', d);
  if (!Array.isArray(s.errors)) throw errors.invalid('errors must be an array', { field: 'errors', ...d });
}

export function checkTrunkRecord(t: TrunkRecord): void {
  integer(t.id, 'id', { kind: 'trunk' });
  const d = { kind: 'trunk' as const, trunk: t.id };
  for (const side of ['start', 'end'] as const) {
    text(t[side]?.network, `${side}.network`, d);
    text(t[side]?.terminal, `${side}.terminal`, d);
  }
  finite(t.upstreamMbps, 'upstreamMbps', d);
  finite(t.downstreamMbps, 'downstreamMbps', d);
  finite(t.cost, 'cost', d);
  if (typeof t.commissioned !== 'boolean') throw errors.invalid('commissioned must be a boolean', { field: 'commissioned', ...d });
  t.labelRanges.forEach((r, i) => {
    integer(r.startBase, `labelRanges[${i}].startBase`, d);
    integer(r.count, `labelRanges[${i}].count`, d);
    integer(r.endBase, `labelRanges[${i}].endBase`, d);
  });
}

export function checkAggregatorServiceRecord(s: AggregatorServiceRecord): void {
  checkServiceRecord(s);
  const d = { kind: 'service' as const, service: s.id };
  integer(s.generation, 'generation', d);
  s.subservices.forEach((sub, i) => {
    text(sub.network, `subservices[${i}].network`, d);
    text(sub.handle, `subservices[${i}].handle`, d);
    if (sub.id !== null) integer(sub.id, `subservices[${i}].id`, d);
  });
  const starts = new Set<string>();
  const ends = new Set<string>();
  s.tunnels.forEach((t, i) => {
    const f = `tunnels[${i}]`;
    integer(t.trunkId, `${f}.trunkId`, d);
    integer(t.startLabel, `${f}.startLabel`, { ...d, trunk: t.trunkId });
    integer(t.endLabel, `${f}.endLabel`, { ...d, trunk: t.trunkId });
    finite(t.upstreamMbps, `${f}.upstreamMbps`, { ...d, trunk: t.trunkId });
    finite(t.downstreamMbps, `${f}.downstreamMbps`, { ...d, trunk: t.trunkId });
    for (const [seen, label, side] of [
      [starts, t.startLabel, 'start'],
      [ends, t.endLabel, 'end'],
    ] as const) {
      const key = `${t.trunkId}:${label}`;
      if (seen.has(key)) {
        throw errors.invalid(`service ${s.id} names ${side} label ${label} of trunk ${t.trunkId} twice`, {
          kind: 'label',
          field: `${f}.${side}Label`,
          service: s.id,
          trunk: t.trunkId,
          label,
          side,
        });
      }
      seen.add(key);
    }
  });
}
