import { errors, type FabricInterface, type LabelSpace, MAX_LABEL } from '@dpb/model';

/** Highest OpenFlow 1.3 port number a circuit may name (OFPP_MAX). */
export const MAX_OPENFLOW_PORT = 0xffffff00;

/** Lowest and highest VLAN id a circuit may use (0 and 4095 are reserved by 802.1Q). */
export const VLAN_MIN = 1;
export const VLAN_MAX = 4094;

/** Default label range of the `phys` interface: ports 1..255. */
export const DEFAULT_PORTS = 255;

/**
 * A parsed OpenFlow interface:
 * - `{ kind: 'phys' }`: every port of the switch, untagged; the label is the port number;
 * - `{ kind: 'vlan', port }`: one port; the label is the VLAN id (single 802.1Q tag);
 * - `{ kind: 'qinq', port, outerVlan }`: one port with a fixed outer (802.1ad) VLAN; the label is the inner VLAN.
 */
export type OpenflowInterface = FabricInterface &
  ({ kind: 'phys' } | { kind: 'vlan'; port: number } | { kind: 'qinq'; port: number; outerVlan: number });

/** One circuit as the OpenFlow app's REST API takes it. */
export interface AppCircuit {
  port: number;
  vlan?: number;
  innerVlan?: number;
  ingressKbps?: number;
  egressKbps?: number;
}

const PHYS = /^phys$/i;
const PORT = /^(\d{1,12})$/;
const PORT_VLAN = /^(\d{1,12})\.(\d{1,6})$/;

/**
 * Parses an OpenFlow interface description:
 * - `phys`: whole untagged ports; label = port number, 1..`ports`;
 * - `<port>` (e.g. `3`): port 3; label = VLAN id 1..4094;
 * - `<port>.<outer>` (e.g. `3.100`): port 3 with outer VLAN 100 (QinQ); label = inner VLAN 1..4094.
 *
 * Ports are 1..0xffffff00 and VLANs 1..4094. Surrounding blanks are ignored,
 * leading zeros dropped and `phys` lower-cased, so equal interfaces get equal
 * canonical descriptions. Throws INVALID_ARGUMENT (details.field `interface`,
 * details.value) when malformed.
 */
export function parseOpenflowInterface(description: string, ports: number = DEFAULT_PORTS): OpenflowInterface {
  const bad = (why: string): never => {
    throw errors.invalid(`interface description ${JSON.stringify(description)} ${why}`, {
      kind: 'interface',
      field: 'interface',
      value: typeof description === 'string' ? description.slice(0, 80) : String(description),
    });
  };
  if (typeof description !== 'string') return bad('must be a string');
  const text = description.trim();
  if (PHYS.test(text)) {
    return { kind: 'phys', description: 'phys', labels: { min: 1, max: ports } };
  }
  const vlanLabels: LabelSpace = { min: VLAN_MIN, max: VLAN_MAX };
  let m = PORT.exec(text);
  if (m) {
    const port = portOf(m[1] as string, bad);
    return { kind: 'vlan', port, description: String(port), labels: vlanLabels };
  }
  m = PORT_VLAN.exec(text);
  if (m) {
    const port = portOf(m[1] as string, bad);
    const outerVlan = Number(m[2]);
    if (outerVlan < VLAN_MIN || outerVlan > VLAN_MAX) bad(`has outer VLAN ${outerVlan}; VLANs are ${VLAN_MIN}-${VLAN_MAX}`);
    return { kind: 'qinq', port, outerVlan, description: `${port}.${outerVlan}`, labels: vlanLabels };
  }
  return bad("must be 'phys', '<port>' (e.g. 3) or '<port>.<outer VLAN>' (e.g. 3.100)");
}

function portOf(digits: string, bad: (why: string) => never): number {
  const port = Number(digits);
  if (port < 1 || port > MAX_OPENFLOW_PORT) bad(`has port ${port}; ports are 1-${MAX_OPENFLOW_PORT}`);
  return port;
}

/**
 * The app circuit for `label` on interface `iface`, without rates, or a
 * reason why the label is not in the interface's label space.
 */
export function circuitFor(iface: OpenflowInterface, label: number): AppCircuit | { refused: string } {
  const { min, max } = iface.labels;
  if (!Number.isInteger(label) || label < min || label > max || label > MAX_LABEL) {
    return { refused: `label ${label} is outside ${min}-${max} on interface ${iface.description}` };
  }
  switch (iface.kind) {
    case 'phys':
      return { port: label };
    case 'vlan':
      return { port: iface.port, vlan: label };
    case 'qinq':
      return { port: iface.port, vlan: iface.outerVlan, innerVlan: label };
  }
}

/** A circuit written as `port`, `port.vlan` or `port.vlan.inner`, for messages. */
export function circuitName(c: AppCircuit): string {
  return c.vlan === undefined ? `port ${c.port} (whole port)` : c.innerVlan === undefined ? `port ${c.port} VLAN ${c.vlan}` : `port ${c.port} VLAN ${c.vlan} inner VLAN ${c.innerVlan}`;
}

/**
 * Do two circuits claim the same frames? (The app's rule: same port and
 * either is the whole port, or same VLAN and either has no inner VLAN, or
 * same VLAN and inner VLAN.)
 */
export function circuitsConflict(a: AppCircuit, b: AppCircuit): boolean {
  if (a.port !== b.port) return false;
  if (a.vlan === undefined || b.vlan === undefined) return true;
  if (a.vlan !== b.vlan) return false;
  if (a.innerVlan === undefined || b.innerVlan === undefined) return true;
  return a.innerVlan === b.innerVlan;
}

/** Orders circuits by port, VLAN, inner VLAN (absent first), so equal slices serialise equally. */
export function compareAppCircuits(a: AppCircuit, b: AppCircuit): number {
  return a.port - b.port || (a.vlan ?? 0) - (b.vlan ?? 0) || (a.innerVlan ?? 0) - (b.innerVlan ?? 0);
}

/** kbit/s the app is given for a rate in Mbit/s: rounded, at least 1. */
export function kbpsOf(mbps: number): number {
  return Math.max(1, Math.round(mbps * 1000));
}
