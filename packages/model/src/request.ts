import { type Circuit, checkLabel, circuitKey, compareCircuits } from './circuit';
import { errors } from './errors';
import { checkName } from './names';
import { checkMbps, MIN_INGRESS_MBPS, roundMbps, type TrafficFlow } from './traffic';

/** One circuit of a service request, as a caller gives it. */
export interface CircuitRequest extends Circuit {
  /** Most the customer will send at this circuit, Mbit/s. */
  ingressMbps: number;
  /** Most the customer will accept here, Mbit/s; omitted means "whatever the others send". */
  egressMbps?: number;
}

/** A service request (DPB's "segment"): a set of circuits, each with a flow. */
export interface ServiceRequest {
  circuits: CircuitRequest[];
}

/** A circuit with both rates settled by {@link sanitizeRequest}. */
export interface CircuitFlow extends Circuit, TrafficFlow {}

/** A sanitised request: circuits sorted by terminal then label, flows settled. */
export interface SanitizedRequest {
  circuits: CircuitFlow[];
}

/** Most circuits one request may have. */
export const MAX_CIRCUITS = 1024;

/**
 * Validates and settles a request, fixing DPB's [Q-1]:
 *
 * 1. every circuit must be well formed (name, integer label, sane rates) and
 *    appear once; there must be at least two circuits;
 * 2. each circuit's ingress becomes max(ingress, MIN_INGRESS_MBPS);
 * 3. each circuit's egress becomes min(egress, sum of the *other* circuits'
 *    settled ingress), so nobody is promised more than the others can send.
 *
 * Throws INVALID_ARGUMENT naming the circuit at fault. Pure.
 */
export function sanitizeRequest(input: unknown, minIngressMbps = MIN_INGRESS_MBPS): SanitizedRequest {
  if (typeof input !== 'object' || input === null || !Array.isArray((input as ServiceRequest).circuits)) {
    throw errors.invalid('a service request needs a "circuits" array', { field: 'circuits' });
  }
  const raw = (input as ServiceRequest).circuits;
  if (raw.length < 2) {
    throw errors.invalid(`a service needs at least two circuits; got ${raw.length}`, {
      field: 'circuits',
      value: raw.length,
    });
  }
  if (raw.length > MAX_CIRCUITS) {
    throw errors.invalid(`a service may have at most ${MAX_CIRCUITS} circuits; got ${raw.length}`, {
      field: 'circuits',
      value: raw.length,
    });
  }
  const seen = new Set<string>();
  const parsed: { terminal: string; label: number; ingress: number; egress: number | undefined }[] = [];
  raw.forEach((c, i) => {
    const field = `circuits[${i}]`;
    if (typeof c !== 'object' || c === null) throw errors.invalid(`${field} must be an object`, { field });
    const terminal = checkName(c.terminal, `${field}.terminal`);
    const label = checkLabel(c.label, `${field}.label`, { terminal });
    const ingress = checkMbps(c.ingressMbps, `${field}.ingressMbps`, { terminal, label });
    const egress =
      c.egressMbps === undefined || c.egressMbps === null
        ? undefined
        : checkMbps(c.egressMbps, `${field}.egressMbps`, { terminal, label });
    const key = circuitKey({ terminal, label });
    if (seen.has(key)) {
      throw errors.invalid(`circuit ${key} appears more than once in the request`, {
        kind: 'circuit',
        field,
        terminal,
        label,
      });
    }
    seen.add(key);
    parsed.push({ terminal, label, ingress, egress });
  });
  const production = parsed.map((c) => roundMbps(Math.max(c.ingress, minIngressMbps)));
  const total = production.reduce((a, b) => a + b, 0);
  const circuits: CircuitFlow[] = parsed.map((c, i) => {
    const others = roundMbps(total - (production[i] as number));
    return {
      terminal: c.terminal,
      label: c.label,
      ingressMbps: production[i] as number,
      egressMbps: c.egress === undefined ? others : roundMbps(Math.min(c.egress, others)),
    };
  });
  circuits.sort(compareCircuits);
  return { circuits };
}

/** Per-terminal sums of a request's flows. */
export function flowsByTerminal(req: SanitizedRequest): Map<string, TrafficFlow> {
  const out = new Map<string, TrafficFlow>();
  for (const c of req.circuits) {
    const f = out.get(c.terminal);
    if (f) {
      f.ingressMbps += c.ingressMbps;
      f.egressMbps += c.egressMbps;
    } else out.set(c.terminal, { ingressMbps: c.ingressMbps, egressMbps: c.egressMbps });
  }
  return out;
}

/** True when two sanitised requests have the same circuits and flows. */
export function sameRequest(a: SanitizedRequest, b: SanitizedRequest): boolean {
  if (a.circuits.length !== b.circuits.length) return false;
  return a.circuits.every((c, i) => {
    const d = b.circuits[i] as CircuitFlow;
    return (
      c.terminal === d.terminal &&
      c.label === d.label &&
      Math.abs(c.ingressMbps - d.ingressMbps) < 1e-9 &&
      Math.abs(c.egressMbps - d.egressMbps) < 1e-9
    );
  });
}
