import type { CorsaDataplane, CorsaTunnel } from '../../support/corsa-emulator';
import { type CorsaLab, PREFIX } from './corsa-lab';

/**
 * The Corsa emulator's data plane on Open vSwitch (the lab's, in its own
 * namespace):
 *
 * - a VFC is an OVS bridge `cg-<vfc>` (userspace datapath, the emulated dpid,
 *   OpenFlow 1.3 only, fail-mode secure, out-of-band control);
 * - a controller attached to the VFC is a controller target `tcp:<ip>:<port>`
 *   of that bridge (reconnect backoff at most 1 s);
 * - a tunnel is the veth of the lab host standing behind the tunnel's
 *   endpoint (port, VLAN, inner VLAN), added at `ofport_request = ofport`.
 *   The real switch strips the tunnel's tags on the way in and pushes them on
 *   the way out, so the OpenFlow side of a tunnel sees untagged frames: the
 *   host is untagged, and no VLAN exists anywhere in this lab. Shaping and
 *   meters are not emulated.
 *
 * A tunnel without a lab host behind it, or an ofport OVS did not grant,
 * throws: the emulator records it in `dataplaneErrors`, which the suite
 * checks.
 */
export class OvsDataplane implements CorsaDataplane {
  /** OVS bridge -> controller name -> target. */
  private readonly controllers = new Map<string, Map<string, string>>();

  constructor(private readonly lab: CorsaLab) {}

  /** The OVS bridge of a VFC. */
  static bridgeOf(vfc: string): string {
    return `${PREFIX}${vfc}`;
  }

  async bridgeCreated(vfc: string, dpid: string): Promise<void> {
    const br = OvsDataplane.bridgeOf(vfc);
    await this.lab.vsctl(
      '--may-exist', 'add-br', br,
      '--', 'set', 'bridge', br, 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail-mode=secure',
      `other-config:datapath-id=${dpid}`, 'other-config:disable-in-band=true',
    );
  }

  async dpidChanged(vfc: string, dpid: string): Promise<void> {
    await this.lab.vsctl('set', 'bridge', OvsDataplane.bridgeOf(vfc), `other-config:datapath-id=${dpid}`);
  }

  async bridgeDeleted(vfc: string): Promise<void> {
    const br = OvsDataplane.bridgeOf(vfc);
    this.controllers.delete(br);
    await this.lab.vsctl('--if-exists', 'del-br', br);
  }

  async controllerAttached(vfc: string, ip: string, port: number, controller: string): Promise<void> {
    const br = OvsDataplane.bridgeOf(vfc);
    const targets = this.controllers.get(br) ?? new Map<string, string>();
    targets.set(controller, ip.includes(':') ? `tcp:[${ip}]:${port}` : `tcp:${ip}:${port}`);
    this.controllers.set(br, targets);
    await this.setControllers(br);
  }

  async controllerDetached(vfc: string, controller: string): Promise<void> {
    const br = OvsDataplane.bridgeOf(vfc);
    this.controllers.get(br)?.delete(controller);
    await this.setControllers(br);
  }

  private async setControllers(br: string): Promise<void> {
    const targets = [...(this.controllers.get(br)?.values() ?? [])];
    if (targets.length === 0) {
      await this.lab.vsctl('del-controller', br);
      return;
    }
    await this.lab.vsctl('set-controller', br, ...targets, '--', 'set', 'controller', br, 'connection-mode=out-of-band', 'max_backoff=1000');
  }

  async tunnelAttached(vfc: string, ofport: number, tunnel: CorsaTunnel): Promise<void> {
    const br = OvsDataplane.bridgeOf(vfc);
    const host = this.lab.hostAt(tunnel.port, tunnel['vlan-id'], tunnel['inner-vlan-id']);
    if (!host) throw new Error(`no lab host behind tunnel port ${tunnel.port} vlan ${tunnel['vlan-id'] ?? '-'} inner ${tunnel['inner-vlan-id'] ?? '-'}`);
    await this.lab.vsctl('add-port', br, host.switchIf, '--', 'set', 'interface', host.switchIf, `ofport_request=${ofport}`);
    const got = Number((await this.lab.vsctl('get', 'interface', host.switchIf, 'ofport')).stdout.trim());
    if (got !== ofport) throw new Error(`OVS gave ${host.switchIf} ofport ${got} on ${br}, not ${ofport}`);
  }

  async tunnelDetached(vfc: string, _ofport: number, tunnel: CorsaTunnel): Promise<void> {
    const host = this.lab.hostAt(tunnel.port, tunnel['vlan-id'], tunnel['inner-vlan-id']);
    if (!host) return;
    await this.lab.vsctl('--if-exists', 'del-port', OvsDataplane.bridgeOf(vfc), host.switchIf);
  }

  /** Deletes every VFC bridge (between suites). */
  async reset(): Promise<void> {
    for (const br of await this.lab.bridges()) await this.lab.vsctl('--if-exists', 'del-br', br);
    this.controllers.clear();
  }
}
