import { errors, type FabricInterface } from '@dpb/model';

/** Lowest and highest usable VLAN id (0 and 4095 are reserved by 802.1Q). */
export const MIN_VLAN = 1;
export const MAX_VLAN = 4094;

/** How many physical ports and LAGs the switch has: bounds port numbers and the labels of `phys`/`lag`. */
export interface PortCounts {
  ports: number;
  lags: number;
}

/**
 * A parsed Corsa interface description.
 *
 * - `phys` / `lag`: whole untagged ports (LAGs); the label is the port (LAG) number;
 * - `phys.N` / `lag.N`: port N, C-tagged; the label is the VLAN id;
 * - `phys.N.S` / `lag.N.S`: port N with outer tag S; the label is the inner VLAN id (QinQ).
 */
export interface CorsaInterface extends FabricInterface {
  /** Physical ports or LAGs. */
  root: 'phys' | 'lag';
  /** The port or LAG number; absent for the whole-port roots. */
  number?: number;
  /** The fixed outer VLAN of an S-tagged interface. */
  outerVlan?: number;
}

/**
 * Where a circuit lands on the switch: the `port` of a tunnel attachment
 * (`"3"` or `"lag2"`) plus its tags. No tags = the whole port, untagged.
 */
export interface TunnelEndpoint {
  port: string;
  vlanId?: number;
  innerVlanId?: number;
}

const GRAMMAR = /^(phys|lag|)(?:\.?(\d+)(x2)?(?:\.(\d+))?)?$/;

/**
 * Parses a Corsa interface description into its canonical form.
 *
 * Accepted: `phys`, `lag`, `phys.N` (also `physN` and plain `N`), `lag.N`
 * (also `lagN`), `phys.N.S` / `lag.N.S` (also `N.S`). Case and surrounding
 * blanks are ignored; numbers lose leading zeros. The canonical description is
 * always `phys`, `lag`, `phys.N`, `lag.N`, `phys.N.S` or `lag.N.S`.
 *
 * The 24-bit double-tag form `Nx2` of the original DPB is rejected: give each
 * outer VLAN its own terminal `phys.N.<outer>` instead (one encoding only).
 *
 * Throws INVALID_ARGUMENT (details.field `interface`, details.value) when the
 * description is malformed, a port or LAG number is outside the configured
 * counts, or an outer VLAN is outside 1..4094.
 */
export function parseCorsaInterface(description: string, counts: PortCounts): CorsaInterface {
  const bad = (why: string): never => {
    throw errors.invalid(`interface description ${JSON.stringify(description)} ${why}`, {
      kind: 'interface',
      field: 'interface',
      value: typeof description === 'string' ? description.slice(0, 80) : String(description),
    });
  };
  if (typeof description !== 'string') return bad('must be a string');
  const text = description.trim().toLowerCase();
  const m = GRAMMAR.exec(text);
  if (!m || (m[1] === '' && (m[2] === undefined || text.startsWith('.')))) {
    return bad('must be phys, lag, phys.<port>, lag.<lag>, phys.<port>.<outer-vlan> or lag.<lag>.<outer-vlan>');
  }
  const root: 'phys' | 'lag' = m[1] === 'lag' ? 'lag' : 'phys';
  const limit = root === 'phys' ? counts.ports : counts.lags;
  if (m[3] !== undefined) {
    return bad(`uses the "x2" double-tag form, which this fabric does not accept; use ${root}.<port>.<outer-vlan> (one terminal per outer VLAN, label = inner VLAN)`);
  }
  if (m[2] === undefined) {
    if (limit < 1) return bad(`names ${root === 'lag' ? 'LAGs' : 'ports'}, but the fabric is configured with none`);
    return { root, description: root, labels: { min: 1, max: limit } };
  }
  const number = Number(m[2]);
  if (!Number.isSafeInteger(number) || number < 1 || number > limit) {
    return bad(
      limit < 1
        ? `names ${root === 'lag' ? 'a LAG' : 'a port'}, but the fabric is configured with none`
        : `names ${root === 'lag' ? 'LAG' : 'port'} ${m[2]}; the fabric has ${root === 'lag' ? 'LAGs' : 'ports'} 1..${limit}`,
    );
  }
  if (m[4] === undefined) {
    return { root, number, description: `${root}.${number}`, labels: { min: MIN_VLAN, max: MAX_VLAN } };
  }
  const outerVlan = Number(m[4]);
  if (!Number.isSafeInteger(outerVlan) || outerVlan < MIN_VLAN || outerVlan > MAX_VLAN) {
    return bad(`has outer VLAN ${m[4]}; VLAN ids are ${MIN_VLAN}..${MAX_VLAN}`);
  }
  return { root, number, outerVlan, description: `${root}.${number}.${outerVlan}`, labels: { min: MIN_VLAN, max: MAX_VLAN } };
}

/**
 * The tunnel endpoint of circuit (`iface`, `label`). Throws INVALID_ARGUMENT
 * (details.kind `label`) when the label is outside the interface's label space.
 */
export function tunnelEndpoint(iface: CorsaInterface, label: number): TunnelEndpoint {
  if (!Number.isInteger(label) || label < iface.labels.min || label > iface.labels.max) {
    throw errors.invalid(`label ${label} is outside ${iface.labels.min}..${iface.labels.max} on interface ${iface.description}`, {
      kind: 'label',
      field: 'label',
      label,
      labels: { ...iface.labels },
      value: iface.description,
    });
  }
  const portName = (n: number): string => (iface.root === 'lag' ? `lag${n}` : String(n));
  if (iface.number === undefined) return { port: portName(label) };
  if (iface.outerVlan === undefined) return { port: portName(iface.number), vlanId: label };
  return { port: portName(iface.number), vlanId: iface.outerVlan, innerVlanId: label };
}

/**
 * The canonical circuit of a tunnel endpoint: the interface description and
 * label that {@link tunnelEndpoint} maps back to it. Used to recover bridges
 * from the tunnels the switch reports. Undefined for an endpoint no
 * description can name (e.g. an inner tag without an outer one).
 */
export function circuitOfEndpoint(e: TunnelEndpoint): { interface: string; label: number } | undefined {
  const m = /^(lag)?(\d+)$/.exec(e.port);
  if (!m) return undefined;
  const root = m[1] === 'lag' ? 'lag' : 'phys';
  const n = Number(m[2]);
  if (e.vlanId === undefined) return e.innerVlanId === undefined ? { interface: root, label: n } : undefined;
  if (e.innerVlanId === undefined) return { interface: `${root}.${n}`, label: e.vlanId };
  return { interface: `${root}.${n}.${e.vlanId}`, label: e.innerVlanId };
}

/** A stable key of an endpoint: `3`, `3.100`, `lag2.100.20`. */
export function endpointKey(e: TunnelEndpoint): string {
  return e.vlanId === undefined ? e.port : e.innerVlanId === undefined ? `${e.port}.${e.vlanId}` : `${e.port}.${e.vlanId}.${e.innerVlanId}`;
}

/**
 * True when two endpoints cannot both be attached: the same port, and either
 * is the whole port, or they share the outer VLAN and either has no inner
 * VLAN, or they are the same double-tagged pair.
 */
export function endpointsConflict(a: TunnelEndpoint, b: TunnelEndpoint): boolean {
  if (a.port !== b.port) return false;
  if (a.vlanId === undefined || b.vlanId === undefined) return true;
  if (a.vlanId !== b.vlanId) return false;
  if (a.innerVlanId === undefined || b.innerVlanId === undefined) return true;
  return a.innerVlanId === b.innerVlanId;
}
