import { readFileSync } from 'node:fs';

/**
 * The lab topology as the tests see it, read from the same file that
 * `test/e2e/lab/topo-up.sh` builds the lab from (format: see
 * `test/e2e/lab/topologies/wan3.topo`). Names follow the scripts' naming
 * (`lib.sh`): everything carries the lab prefix.
 */
export interface LabSwitch {
  name: string;
  /** 16 lower-case hex digits. */
  dpid: string;
  /** The OVS bridge. */
  bridge: string;
}

export interface LabLink {
  a: { switch: string; port: number; veth: string };
  b: { switch: string; port: number; veth: string };
}

export interface LabSite {
  name: string;
  switch: string;
  port: number;
  /** The customer-edge bridge (its uplink is the veth to the switch port). */
  bridge: string;
  /** QinQ sites: the 802.1ad outer VLAN the site's traffic travels in on the switch port. */
  outerVlan?: number;
  /** The provider side of the site's uplink (a veth on the switch). */
  uplink: string;
}

export interface LabHost {
  name: string;
  site: string;
  /** The VLAN of the host's access port (its label at the site; the inner VLAN at a QinQ site). */
  vlan: number;
  ip: string;
  prefixLength: number;
  mac: string;
  /** Network namespace; the host's interface inside it is `eth0`. */
  netns: string;
  /** The host's port on the customer-edge bridge (OVS port name and veth). */
  port: string;
}

export interface LabTopology {
  prefix: string;
  switches: LabSwitch[];
  links: LabLink[];
  sites: LabSite[];
  hosts: LabHost[];
}

/** The host's MAC follows from its IPv4 address, as in lib.sh: 02:00:a:b:c:d. */
export function macOfIp(ip: string): string {
  return ['02', '00', ...ip.split('.').map((n) => Number(n).toString(16).padStart(2, '0'))].join(':');
}

export function parseTopology(text: string, prefix: string): LabTopology {
  const t: LabTopology = { prefix, switches: [], links: [], sites: [], hosts: [] };
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [kind, ...f] = line.split(/\s+/);
    const bad = (): never => {
      throw new Error(`topology line ${i + 1}: cannot read "${line}"`);
    };
    switch (kind) {
      case 'switch':
        if (f.length !== 2 || !/^[0-9a-f]{16}$/.test(f[1]!)) bad();
        t.switches.push({ name: f[0]!, dpid: f[1]!, bridge: prefix + f[0]! });
        break;
      case 'link':
        if (f.length !== 4) bad();
        t.links.push({
          a: { switch: f[0]!, port: Number(f[1]), veth: `${prefix}${f[0]}-${f[2]}` },
          b: { switch: f[2]!, port: Number(f[3]), veth: `${prefix}${f[2]}-${f[0]}` },
        });
        break;
      case 'site':
        if (f.length !== 3 && !(f.length === 5 && f[3] === 'qinq')) bad();
        t.sites.push({
          name: f[0]!,
          switch: f[1]!,
          port: Number(f[2]),
          bridge: `${prefix}ce-${f[0]}`,
          uplink: `${prefix}${f[1]}-${f[0]}`,
          ...(f.length === 5 ? { outerVlan: Number(f[4]) } : {}),
        });
        break;
      case 'host': {
        if (f.length !== 4) bad();
        const [ip, len] = f[3]!.split('/');
        t.hosts.push({
          name: f[0]!,
          site: f[1]!,
          vlan: Number(f[2]),
          ip: ip!,
          prefixLength: Number(len),
          mac: macOfIp(ip!),
          netns: prefix + f[0]!,
          port: prefix + f[0]!,
        });
        break;
      }
      default:
        bad();
    }
  });
  return t;
}

export function readTopology(file: string, prefix: string): LabTopology {
  return parseTopology(readFileSync(file, 'utf8'), prefix);
}

export function host(t: LabTopology, name: string): LabHost {
  const h = t.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`no host ${name} in the lab topology`);
  return h;
}

export function labSwitch(t: LabTopology, name: string): LabSwitch {
  const s = t.switches.find((x) => x.name === name);
  if (!s) throw new Error(`no switch ${name} in the lab topology`);
  return s;
}

export function site(t: LabTopology, name: string): LabSite {
  const s = t.sites.find((x) => x.name === name);
  if (!s) throw new Error(`no site ${name} in the lab topology`);
  return s;
}

/** The trunk veth on switch `from` that leads to switch `to`. */
export function trunkVeth(t: LabTopology, from: string, to: string): string {
  for (const l of t.links) {
    if (l.a.switch === from && l.b.switch === to) return l.a.veth;
    if (l.b.switch === from && l.a.switch === to) return l.b.veth;
  }
  throw new Error(`no link ${from}-${to} in the lab topology`);
}
