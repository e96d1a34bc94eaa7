import { errors } from './errors';

/** Largest label dpb accepts at all; each interface narrows this to its own label space. */
export const MAX_LABEL = 2_147_483_647;

/** An inclusive range of labels, e.g. VLAN ids 0..4095. */
export interface LabelSpace {
  min: number;
  max: number;
}

/** A circuit: one terminal of a network plus a label (e.g. a VLAN id). */
export interface Circuit {
  terminal: string;
  label: number;
}

/** `terminal:label`, the key dpb uses for a circuit within one network. */
export function circuitKey(c: Circuit): string {
  return `${c.terminal}:${c.label}`;
}

/** Orders circuits by terminal name, then label. */
export function compareCircuits(a: Circuit, b: Circuit): number {
  return a.terminal < b.terminal ? -1 : a.terminal > b.terminal ? 1 : a.label - b.label;
}

/** Throws INVALID_ARGUMENT naming `field` unless `x` is an integer label in [0, MAX_LABEL]. */
export function checkLabel(x: unknown, field: string, details: Record<string, unknown> = {}): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > MAX_LABEL) {
    throw errors.invalid(`${field} must be an integer from 0 to ${MAX_LABEL}; got ${JSON.stringify(x)}`, {
      kind: 'label',
      field,
      value: typeof x === 'number' ? x : String(x),
      ...details,
    });
  }
  return x;
}
