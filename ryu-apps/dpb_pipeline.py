"""The generic OpenFlow 1.3 slicer pipeline of ``dpb-openflow`` (pure).

Tables::

    0 CLASSIFY  untagged LLDP drop (P100); (port,vlan) circuits (P30):
                pop the tag; QinQ outer tags (P30, shared, slice 0): pop,
                write the (port, outer) context into metadata, goto 1;
                whole-port circuits (P10).  A circuit's rule carries its
                ingress meter, writes the circuit's metadata and jumps to
                2 (learning slices) or 3 (two-circuit slices).
    1 INNER     QinQ circuits (P30): metadata=(port,outer) context and
                vlan_vid=inner -> pop, ingress meter, metadata, goto 2/3.
    2 LEARN     learned sources (P20, idle timeout, SEND_FLOW_REM) ->
                goto 3; per-slice miss (P1): copy the first 128 bytes to
                the controller AND goto 3, so the frame is never held up.
    3 FORWARD   two circuits: metadata=source -> egress meter, retag,
                output (P10).  Learning: per learned MAC (P20) ->
                egress meter, retag, output; same-port hairpin (P30)
                -> output IN_PORT; back to its own circuit (P40) -> drop;
                per source circuit flood (P1) -> its group (ALL, one bucket
                per other circuit).

Metadata = slice number, version and circuit index (see ``dpb_ofspec``),
written with the Write-Metadata instruction.  Cookies follow the same
layout with the namespace ``0xD9B1``.
"""

from dpb_ofspec import (
    MacLearning,
    FULL_MASK, MASK_EXACT, MASK_NS, MASK_VERSION, OFPFF_SEND_FLOW_REM,
    OFPG_ALL, OFPM_ALL, OFPP_IN_PORT, OFPTT_ALL, OFPVID_PRESENT,
    ETH_TYPE_LLDP, TPID_8021AD, TPID_8021Q, GroupAdd, GroupDel, GroupMod,
    MeterAdd, MeterDel, burst_kb, flow, flow_delete, is_unicast_mac,
    mac_text, make_cookie, split_cookie)

NS = 0xD9B1
APP_NAME = 'dpb-openflow'

T_CLASSIFY = 0
T_INNER = 1
T_LEARN = 2
T_FORWARD = 3

P_LLDP = 100
P_TAGGED = 30
P_PORT = 10
P_ELINE = 10
P_MISS = 1
P_FLOOD = 1
P_SRC = 20
P_DST = 20
P_HAIRPIN = 30
P_SELF = 40

CONTROLLER_MAX_LEN = 128
LEARN_IDLE_S = 300
MAX_LEARNED_PER_SLICE = 8192
QINQ_FLAG = 1 << 63


def qinq_context(port, outer):
    """Metadata written by the shared outer-tag rule of (port, outer)."""
    return QINQ_FLAG | (port << 12) | outer


def deliver(circuit, hairpin=False):
    """Actions that hand an untagged-by-us frame to ``circuit``."""
    out = ('output', OFPP_IN_PORT if hairpin else circuit.port)
    if circuit.vlan is None:
        return (out,)
    if circuit.inner is None:
        return (('push_vlan', TPID_8021Q),
                ('set_vlan_vid', OFPVID_PRESENT | circuit.vlan), out)
    return (('push_vlan', TPID_8021Q),
            ('set_vlan_vid', OFPVID_PRESENT | circuit.inner),
            ('push_vlan', TPID_8021AD),
            ('set_vlan_vid', OFPVID_PRESENT | circuit.vlan), out)


class OpenflowPipeline(MacLearning):
    """Builder for the generic slicer; see ``dpb_ofspec.Planner``."""

    SOURCE_TABLE = T_LEARN
    FORWARD_TABLE = T_FORWARD

    ns = NS
    name = APP_NAME
    uses_meters = True
    uses_groups = True

    @staticmethod
    def kind(count):
        if count < 2:
            return 'none'
        return 'eline' if count == 2 else 'learning'

    def wipe_ops(self):
        return [flow_delete(OFPTT_ALL, None, make_cookie(NS, 0), MASK_NS),
                GroupDel(OFPG_ALL), MeterDel(OFPM_ALL)]

    # -- slice specs -----------------------------------------------------

    def build(self, spec, pools):
        present = sorted(spec.present)
        if spec.kind == 'none' or (spec.kind == 'eline' and len(present) < 2):
            return
        in_meter, eg_meter = {}, {}
        for index in present:
            circuit = spec.circuits[index]
            for kbps, table in ((circuit.ingress_kbps, in_meter),
                                (circuit.egress_kbps, eg_meter)):
                if kbps:
                    meter_id = pools.meter.alloc()
                    spec.meters.append(MeterAdd(meter_id, kbps,
                                                burst_kb(kbps)))
                    table[index] = meter_id
        spec.attrs['in_meter'] = in_meter
        spec.attrs['eg_meter'] = eg_meter
        if spec.kind == 'eline':
            a, b = present
            spec.flows.append(self._unicast(
                spec, b, {'metadata': spec.metadata(a)}, P_ELINE,
                spec.circuits[a].port == spec.circuits[b].port))
            spec.flows.append(self._unicast(
                spec, a, {'metadata': spec.metadata(b)}, P_ELINE,
                spec.circuits[a].port == spec.circuits[b].port))
            spec.flows += [self._classify(spec, i, T_FORWARD)
                           for i in present]
            return
        groups = {}
        for index in present:
            group_id = pools.group.alloc()
            groups[index] = group_id
            spec.groups.append(GroupAdd(group_id,
                                        self._buckets(spec, index, present)))
        spec.attrs['groups'] = groups
        spec.flows.append(flow(
            T_LEARN, P_MISS, spec.cookie(0),
            {'metadata': spec.slice_metadata()},
            [('apply', (('controller', CONTROLLER_MAX_LEN),)),
             ('goto', T_FORWARD)]))
        for index in present:
            spec.flows.append(flow(
                T_FORWARD, P_FLOOD, spec.cookie(index + 1),
                {'metadata': spec.metadata(index)},
                [('apply', (('group', groups[index]),))]))
        spec.flows += [self._classify(spec, i, T_LEARN) for i in present]

    def _classify(self, spec, index, target):
        circuit = spec.circuits[index]
        instructions = []
        meter_id = spec.attrs['in_meter'].get(index)
        if meter_id is not None:
            instructions.append(('meter', meter_id))
        if circuit.vlan is None:
            table, priority = T_CLASSIFY, P_PORT
            match = {'in_port': circuit.port}
        elif circuit.inner is None:
            table, priority = T_CLASSIFY, P_TAGGED
            match = {'in_port': circuit.port,
                     'vlan_vid': OFPVID_PRESENT | circuit.vlan}
            instructions.append(('apply', (('pop_vlan',),)))
        else:
            table, priority = T_INNER, P_TAGGED
            match = {'in_port': circuit.port,
                     'metadata': qinq_context(circuit.port, circuit.vlan),
                     'vlan_vid': OFPVID_PRESENT | circuit.inner}
            instructions.append(('apply', (('pop_vlan',),)))
        instructions.append(('write_metadata', spec.metadata(index),
                             FULL_MASK))
        instructions.append(('goto', target))
        return flow(table, priority, spec.cookie(index + 1), match,
                    instructions)

    def _unicast(self, spec, target, match, priority, hairpin):
        """A T3 rule delivering to circuit ``target`` (with its egress
        meter); the cookie names the target circuit."""
        instructions = []
        meter_id = spec.attrs['eg_meter'].get(target)
        if meter_id is not None:
            instructions.append(('meter', meter_id))
        instructions.append(('apply', deliver(spec.circuits[target],
                                              hairpin)))
        return flow(T_FORWARD, priority, spec.cookie(target + 1), match,
                    instructions)

    @staticmethod
    def _buckets(spec, source, members):
        here = spec.circuits[source].port
        return tuple(deliver(spec.circuits[d], spec.circuits[d].port == here)
                     for d in members if d != source)

    def infra_flows(self, specs):
        cookie = make_cookie(NS, 0)
        flows = {flow(T_CLASSIFY, P_LLDP, cookie,
                      {'eth_type': ETH_TYPE_LLDP, 'vlan_vid': 0}, [])}
        for spec in specs:
            if spec.kind == 'eline' and len(spec.present) < 2:
                continue
            if spec.kind == 'none':
                continue
            for index in spec.present:
                circuit = spec.circuits[index]
                if circuit.inner is None:
                    continue
                flows.add(flow(
                    T_CLASSIFY, P_TAGGED, cookie,
                    {'in_port': circuit.port,
                     'vlan_vid': OFPVID_PRESENT | circuit.vlan},
                    [('apply', (('pop_vlan',),)),
                     ('write_metadata',
                      qinq_context(circuit.port, circuit.vlan), FULL_MASK),
                     ('goto', T_INNER)]))
        return flows

    def detach_ops(self, old, leaving):
        """Cut circuits ``leaving`` out of the running version ``old``
        before the new version goes in: their classification, every rule
        delivering to them, and their buckets in the others' groups."""
        ops = [flow_delete(OFPTT_ALL, None, old.cookie(i + 1), MASK_EXACT)
               for i in leaving]
        if old.kind == 'learning':
            remaining = [i for i in sorted(old.present) if i not in leaving]
            for index in remaining:
                ops.append(GroupMod(old.attrs['groups'][index],
                                    self._buckets(old, index, remaining)))
        return ops

    # -- learning --------------------------------------------------------

    @staticmethod
    def packet_in_circuit(spec, cookie, metadata, in_port):
        if metadata is None:
            return None
        _ns, slice_no, version, circuit = split_cookie(metadata)
        if slice_no != spec.slice_no or version != spec.version \
                or circuit == 0:
            return None
        index = circuit - 1
        if index >= len(spec.circuits) \
                or spec.circuits[index].port != in_port:
            return None
        return index

    @staticmethod
    def stale_circuit(spec, in_port):
        """Header copies of replaced versions need no forwarding."""
        return None

    def packet_in(self, spec, index, data, in_port, buffer_id, learn=True):
        """The frame continues in the pipeline (T2 miss does output AND
        goto), so only learning happens here; no PacketOut."""
        if not learn or spec.kind != 'learning' \
                or not is_unicast_mac(data[6:12]):
            return [], None
        return self.learn_ops(spec, index, mac_text(data[6:12])), None

    def learn_ops(self, spec, target, mac):
        previous = spec.learned.get(mac)
        if previous == target:
            return []
        if previous is None and len(spec.learned) >= MAX_LEARNED_PER_SLICE:
            return []
        ops = []
        if previous is not None:  # the MAC moved: drop its old rules first
            ops += self._forget(spec, mac)
        spec.learned[mac] = target
        circuit = spec.circuits[target]
        slice_md = spec.slice_metadata()
        ops.append(self._unicast(spec, target,
                                 {'metadata': slice_md, 'eth_dst': mac},
                                 P_DST, False))
        if any(spec.circuits[j].port == circuit.port
               for j in spec.present if j != target):
            ops.append(self._unicast(
                spec, target, {'metadata': slice_md, 'in_port': circuit.port,
                               'eth_dst': mac}, P_HAIRPIN, True))
        ops.append(flow(T_FORWARD, P_SELF, spec.cookie(target + 1),
                        {'metadata': spec.metadata(target), 'eth_dst': mac},
                        []))
        ops.append(flow(T_LEARN, P_SRC, spec.cookie(target + 1),
                        {'metadata': spec.metadata(target), 'eth_src': mac},
                        [('goto', T_FORWARD)], idle_timeout=LEARN_IDLE_S,
                        flags=OFPFF_SEND_FLOW_REM))
        return ops
