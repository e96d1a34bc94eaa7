"""Pipeline of ``dpb-portgroups``, the Corsa shared-VFC slicer (pure).

On a shared VFC every circuit is a whole ofport (a Corsa tunnel, which
does the tagging and QoS), and every port belongs to at most one slice.
The Corsa VFC has no metadata and cannot send to the controller and goto
another table in one rule, so the pipeline is:

    0 CLASSIFY  untagged LLDP drop (P100).  Two-port slices: in_port=a ->
                output b (P10), and back.  Learning slices (3+ ports):
                learned source (P20: in_port, eth_src -> goto 1; idle
                timeout, SEND_FLOW_REM); unknown source (P5: in_port ->
                whole frame to the controller, which learns and forwards it
                with a PacketOut carrying the data: no frame is lost).
    1 FORWARD   learned destination (P20: in_port, eth_dst -> output, or
                drop back to its own port); flood (P1: in_port -> the
                slice's group, type ALL, one bucket per port; the switch
                never outputs a frame to its ingress port).

Cookies use the ``dpb_ofspec`` layout with namespace ``0xD9B2``; no
meters are used (QoS is the tunnels' job).
"""

from dpb_ofspec import (
    MacLearning,
    MASK_EXACT, MASK_NS, MASK_VERSION, OFP_NO_BUFFER, OFPCML_NO_BUFFER,
    OFPFF_SEND_FLOW_REM, OFPG_ALL, OFPTT_ALL, ETH_TYPE_LLDP, GroupAdd,
    GroupDel, GroupMod, PacketOut, flow, flow_delete, is_unicast_mac,
    mac_text, make_cookie, split_cookie)

NS = 0xD9B2
APP_NAME = 'dpb-portgroups'

T_CLASSIFY = 0
T_FORWARD = 1

P_LLDP = 100
P_ELINE = 10
P_SRC = 20
P_UNKNOWN = 5
P_DST = 20
P_FLOOD = 1

LEARN_IDLE_S = 300
MAX_LEARNED_PER_SLICE = 8192


class PortgroupsPipeline(MacLearning):
    """Builder for the shared-VFC slicer; see ``dpb_ofspec.Planner``."""

    SOURCE_TABLE = T_CLASSIFY
    FORWARD_TABLE = T_FORWARD

    ns = NS
    name = APP_NAME
    uses_meters = False
    uses_groups = True

    @staticmethod
    def kind(count):
        if count < 2:
            return 'none'
        return 'eline' if count == 2 else 'learning'

    def wipe_ops(self):
        # Meters are left alone: on a Corsa they belong to the tunnels.
        return [flow_delete(OFPTT_ALL, None, make_cookie(NS, 0), MASK_NS),
                GroupDel(OFPG_ALL)]

    @staticmethod
    def _port(spec, index):
        return spec.circuits[index].port

    def build(self, spec, pools):
        present = sorted(spec.present)
        if spec.kind == 'none':
            return
        if spec.kind == 'eline':
            if len(present) < 2:
                return
            a, b = present
            pa, pb = self._port(spec, a), self._port(spec, b)
            spec.flows.append(flow(T_CLASSIFY, P_ELINE, spec.cookie(b + 1),
                                   {'in_port': pa},
                                   [('apply', (('output', pb),))]))
            spec.flows.append(flow(T_CLASSIFY, P_ELINE, spec.cookie(a + 1),
                                   {'in_port': pb},
                                   [('apply', (('output', pa),))]))
            return
        group_id = pools.group.alloc()
        spec.attrs['group'] = group_id
        spec.groups.append(GroupAdd(group_id, self._buckets(spec, present)))
        for index in present:
            port = self._port(spec, index)
            spec.flows.append(flow(T_FORWARD, P_FLOOD, spec.cookie(index + 1),
                                   {'in_port': port},
                                   [('apply', (('group', group_id),))]))
            spec.flows.append(flow(
                T_CLASSIFY, P_UNKNOWN, spec.cookie(index + 1),
                {'in_port': port},
                [('apply', (('controller', OFPCML_NO_BUFFER),))]))

    def _buckets(self, spec, members):
        return tuple((('output', self._port(spec, i)),) for i in members)

    def infra_flows(self, specs):
        return {flow(T_CLASSIFY, P_LLDP, make_cookie(NS, 0),
                     {'eth_type': ETH_TYPE_LLDP}, [])}

    def detach_ops(self, old, leaving):
        """Cut ports ``leaving`` out of version ``old`` first: every rule
        about them (cookie), every rule matching frames from them
        (in_port), and their bucket in the slice's group."""
        ops = []
        for index in leaving:
            ops.append(flow_delete(OFPTT_ALL, None, old.cookie(index + 1),
                                   MASK_EXACT))
            ops.append(flow_delete(OFPTT_ALL,
                                   {'in_port': self._port(old, index)},
                                   old.version_cookie(), MASK_VERSION))
        if old.kind == 'learning':
            remaining = [i for i in sorted(old.present) if i not in leaving]
            ops.append(GroupMod(old.attrs['group'],
                                self._buckets(old, remaining)))
        return ops

    # -- learning --------------------------------------------------------

    def packet_in_circuit(self, spec, cookie, metadata, in_port):
        index = split_cookie(cookie)[3] - 1
        if index < 0 or index >= len(spec.circuits) \
                or self._port(spec, index) != in_port:
            return None
        return index

    def stale_circuit(self, spec, in_port):
        """The member of the current version on ``in_port``, if any."""
        for index in spec.present:
            if self._port(spec, index) == in_port:
                return index
        return None

    def packet_in(self, spec, index, data, in_port, buffer_id, learn=True):
        """Learn the source, then forward THIS frame with a PacketOut that
        carries its data (or the switch's buffer id)."""
        if spec.kind != 'learning':
            return [], None
        ops = []
        if learn and is_unicast_mac(data[6:12]):
            ops = self.learn_ops(spec, index, mac_text(data[6:12]))
        dst = mac_text(data[0:6])
        target = spec.learned.get(dst) if is_unicast_mac(data[0:6]) else None
        if target is not None:
            ports = [] if target == index else [self._port(spec, target)]
        else:
            ports = [self._port(spec, j) for j in sorted(spec.present)
                     if j != index]
        actions = tuple(('output', p) for p in ports)
        buffered = buffer_id is not None and buffer_id != OFP_NO_BUFFER
        if not actions and not buffered:
            return ops, None
        out = PacketOut(in_port, actions, None if buffered else bytes(data),
                        buffer_id if buffered else OFP_NO_BUFFER)
        return ops, out

    def learn_ops(self, spec, target, mac):
        previous = spec.learned.get(mac)
        if previous == target:
            return []
        if previous is None and len(spec.learned) >= MAX_LEARNED_PER_SLICE:
            return []
        ops = []
        if previous is not None:
            ops += self._forget(spec, mac)
        spec.learned[mac] = target
        here = self._port(spec, target)
        for index in sorted(spec.present):
            port = self._port(spec, index)
            actions = [] if index == target else \
                [('apply', (('output', here),))]
            ops.append(flow(T_FORWARD, P_DST, spec.cookie(target + 1),
                            {'in_port': port, 'eth_dst': mac}, actions))
        ops.append(flow(T_CLASSIFY, P_SRC, spec.cookie(target + 1),
                        {'in_port': here, 'eth_src': mac},
                        [('goto', T_FORWARD)], idle_timeout=LEARN_IDLE_S,
                        flags=OFPFF_SEND_FLOW_REM))
        return ops


# -- ports that leave the switch (reference R9) ------------------------------

def block_deleted_port(desired, blocked, port):
    """``port`` was deleted from the switch: every slice in ``desired``
    (sliceId -> circuits) that lists it stops using it.  Updates
    ``blocked`` (sliceId -> set of ports) and returns the slice ids."""
    hit = []
    for sid, circuits in desired.items():
        if any(c.port == port for c in circuits):
            blocked.setdefault(sid, set()).add(port)
            hit.append(sid)
    return hit


def unblock_listed_ports(slices, blocked):
    """A PUT re-confirms the ports it lists for each slice; ports of a
    slice that the PUT does not list stay blocked only while the slice
    still exists (the caller drops entries of removed slices)."""
    for sid, circuits in slices.items():
        ports = blocked.get(sid)
        if not ports:
            continue
        ports.difference_update(c.port for c in circuits)
        if not ports:
            del blocked[sid]
