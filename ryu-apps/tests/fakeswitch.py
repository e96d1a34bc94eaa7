"""A small OpenFlow 1.3 switch model that runs the apps' plain-data specs.

Tests assert behaviour ("a frame from circuit A reaches circuit B with
VLAN 200"), not flow lists.  The model implements what the pipelines use:
multi-table lookup with priorities (two equal-priority matches in one
table are an error here, to catch ambiguous pipelines), Apply-Actions,
Write-Metadata, Goto-Table, meters (recorded), ALL groups, the rule that a
frame is never output to its ingress port except via IN_PORT, flow
add/replace and (strict) delete with cookie masks, group and meter
deletion removing the flows that use them, and errors for references to
unknown groups/meters.
"""

import collections
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from dpb_ofspec import (  # noqa: E402
    FlowAdd, FlowDel, GroupAdd, GroupDel, GroupMod, MeterAdd, MeterDel,
    OFPG_ALL, OFPM_ALL, OFPP_IN_PORT, OFPTT_ALL, mac_text, Planner)
import dpb_requests  # noqa: E402

TPID = {0x8100: b'\x81\x00', 0x88a8: b'\x88\xa8'}


def mac(n):
    """A locally administered unicast MAC with last octet ``n``."""
    return bytes([0x02, 0, 0, 0, (n >> 8) & 0xff, n & 0xff])


BROADCAST = b'\xff' * 6


class Frame(collections.namedtuple('Frame', 'dst src vlans eth_type tag')):
    """An Ethernet frame: ``vlans`` outermost first, as (tpid, vid)."""

    def data(self):
        raw = bytearray(self.dst + self.src)
        for tpid, vid in self.vlans:
            raw += TPID[tpid] + vid.to_bytes(2, 'big')
        raw += self.eth_type.to_bytes(2, 'big')
        raw += (self.tag or 'x').encode().ljust(46, b'.')
        return bytes(raw)


def frame(src, dst, vlans=(), eth_type=0x0800, tag=None):
    return Frame(dst, src, tuple(vlans), eth_type, tag)


class Result(object):
    def __init__(self):
        self.outputs = []     # (port, Frame)
        self.packet_ins = []  # (cookie, metadata, in_port, data)
        self.meters = []      # meter ids in the order they were passed


class FakeSwitch(object):
    def __init__(self, ports=(), max_meters=None, max_groups=None,
                 refuse=None):
        self.ports = set(ports)
        self.flows = {}
        self.groups = {}
        self.meters = {}
        self.max_meters = max_meters
        self.max_groups = max_groups
        self.refuse = refuse

    # -- control plane ---------------------------------------------------

    def apply(self, op):
        """Apply one operation; return an error text or None."""
        if self.refuse is not None:
            error = self.refuse(op)
            if error:
                return error
        if isinstance(op, FlowAdd):
            return self._flow_add(op)
        if isinstance(op, FlowDel):
            for key in [k for k, f in self.flows.items()
                        if self._del_matches(op, f)]:
                del self.flows[key]
            return None
        if isinstance(op, GroupAdd):
            if op.group_id in self.groups:
                return 'OFPGMFC_GROUP_EXISTS'
            if self.max_groups is not None \
                    and len(self.groups) >= self.max_groups:
                return 'OFPGMFC_OUT_OF_GROUPS'
            self.groups[op.group_id] = op.buckets
            return None
        if isinstance(op, GroupMod):
            if op.group_id not in self.groups:
                return 'OFPGMFC_UNKNOWN_GROUP'
            self.groups[op.group_id] = op.buckets
            return None
        if isinstance(op, GroupDel):
            gone = set(self.groups) if op.group_id == OFPG_ALL \
                else {op.group_id} & set(self.groups)
            for gid in gone:
                del self.groups[gid]
            self._drop_flows(lambda f: self._groups_of(f) & gone)
            return None
        if isinstance(op, MeterAdd):
            if op.meter_id in self.meters:
                return 'OFPMMFC_METER_EXISTS'
            if op.meter_id == 0:
                return 'OFPMMFC_INVALID_METER'
            if self.max_meters is not None \
                    and len(self.meters) >= self.max_meters:
                return 'OFPMMFC_OUT_OF_METERS'
            self.meters[op.meter_id] = op
            return None
        if isinstance(op, MeterDel):
            gone = set(self.meters) if op.meter_id == OFPM_ALL \
                else {op.meter_id} & set(self.meters)
            for mid in gone:
                del self.meters[mid]
            self._drop_flows(lambda f: self._meters_of(f) & gone)
            return None
        raise AssertionError('unexpected op %r' % (op,))

    def _flow_add(self, op):
        assert op.cookie != 0, 'cookie 0 is reserved'
        for inst in op.instructions:
            if inst[0] == 'goto' and inst[1] <= op.table:
                return 'OFPBIC_BAD_TABLE_ID'
            if inst[0] == 'meter' and inst[1] not in self.meters:
                return 'OFPMMFC_UNKNOWN_METER'
            assert inst[0] != 'write_metadata' or op.table >= 0
        for gid in self._groups_of(op):
            if gid not in self.groups:
                return 'OFPBAC_BAD_OUT_GROUP'
        self.flows[(op.table, op.priority, op.match)] = op
        return None

    @staticmethod
    def _groups_of(flow_add):
        found = set()
        for inst in flow_add.instructions:
            if inst[0] == 'apply':
                found |= {a[1] for a in inst[1] if a[0] == 'group'}
        return found

    @staticmethod
    def _meters_of(flow_add):
        return {i[1] for i in flow_add.instructions if i[0] == 'meter'}

    def _drop_flows(self, predicate):
        for key in [k for k, f in self.flows.items() if predicate(f)]:
            del self.flows[key]

    @staticmethod
    def _del_matches(op, flow_add):
        if op.table != OFPTT_ALL and op.table != flow_add.table:
            return False
        if (flow_add.cookie & op.cookie_mask) != (op.cookie & op.cookie_mask):
            return False
        if op.strict:
            return op.priority == flow_add.priority \
                and op.match == flow_add.match
        have = dict(flow_add.match)
        return all(have.get(k) == v for k, v in op.match)

    # -- data plane --------------------------------------------------------

    def process(self, in_port, frm):
        """Run ``frm`` arriving on ``in_port`` through the pipeline."""
        result = Result()
        self._table(0, in_port, frm, 0, result)
        return result

    def packet_out(self, out):
        result = Result()
        frm = parse_frame(out.data)
        self._actions(out.actions, out.in_port, frm, 0, None, result)
        return result

    def _lookup(self, table, in_port, frm, metadata):
        best = []
        for (tab, prio, _m), flw in self.flows.items():
            if tab == table and self._matches(flw, in_port, frm, metadata):
                best.append(flw)
        if not best:
            return None
        best.sort(key=lambda f: -f.priority)
        if len(best) > 1 and best[0].priority == best[1].priority:
            raise AssertionError('ambiguous lookup in table %d: %r / %r'
                                 % (table, best[0], best[1]))
        return best[0]

    @staticmethod
    def _matches(flw, in_port, frm, metadata):
        for key, want in flw.match:
            if key == 'in_port':
                ok = in_port == want
            elif key == 'vlan_vid':
                ok = (not frm.vlans) if want == 0 else \
                    bool(frm.vlans) and (0x1000 | frm.vlans[0][1]) == want
            elif key == 'eth_type':
                ok = frm.eth_type == want
            elif key == 'metadata':
                if isinstance(want, tuple):
                    ok = (metadata & want[1]) == (want[0] & want[1])
                else:
                    ok = metadata == want
            elif key == 'eth_src':
                ok = mac_text(frm.src) == want
            elif key == 'eth_dst':
                ok = mac_text(frm.dst) == want
            else:
                raise AssertionError('unsupported match field %s' % key)
            if not ok:
                return False
        return True

    def _table(self, table, in_port, frm, metadata, result):
        flw = self._lookup(table, in_port, frm, metadata)
        if flw is None:
            return  # table miss: drop
        goto = None
        for inst in flw.instructions:
            if inst[0] == 'meter':
                result.meters.append(inst[1])
        for inst in flw.instructions:
            if inst[0] == 'apply':
                frm = self._actions(inst[1], in_port, frm, metadata, flw,
                                    result)
        for inst in flw.instructions:
            if inst[0] == 'write_metadata':
                value, mask = inst[1], inst[2]
                metadata = (metadata & ~mask) | (value & mask)
            elif inst[0] == 'goto':
                goto = inst[1]
        if goto is not None:
            self._table(goto, in_port, frm, metadata, result)

    def _actions(self, actions, in_port, frm, metadata, flw, result):
        for action in actions:
            kind = action[0]
            if kind == 'pop_vlan':
                assert frm.vlans, 'pop_vlan on an untagged frame'
                frm = frm._replace(vlans=frm.vlans[1:])
            elif kind == 'push_vlan':
                vid = frm.vlans[0][1] if frm.vlans else 0
                frm = frm._replace(vlans=((action[1], vid),) + frm.vlans)
            elif kind == 'set_vlan_vid':
                assert frm.vlans and action[1] & 0x1000
                frm = frm._replace(vlans=((frm.vlans[0][0], action[1] & 0xfff),)
                                   + frm.vlans[1:])
            elif kind == 'output':
                self._output(action[1], in_port, frm, result)
            elif kind == 'controller':
                data = frm.data()[:action[1]]
                result.packet_ins.append((flw.cookie, metadata or None,
                                          in_port, data))
            elif kind == 'group':
                for bucket in self.groups[action[1]]:
                    self._actions(bucket, in_port, frm, metadata, flw,
                                  result)
            else:
                raise AssertionError('unsupported action %r' % (action,))
        return frm

    def _output(self, port, in_port, frm, result):
        if port == OFPP_IN_PORT:
            result.outputs.append((in_port, frm))
        elif port == in_port:
            return  # OpenFlow never sends a frame back out its ingress port
        elif port in self.ports:
            result.outputs.append((port, frm))


def parse_frame(data):
    dst, src = data[0:6], data[6:12]
    vlans = []
    offset = 12
    while data[offset:offset + 2] in (b'\x81\x00', b'\x88\xa8'):
        tpid = int.from_bytes(data[offset:offset + 2], 'big')
        vid = int.from_bytes(data[offset + 2:offset + 4], 'big') & 0xfff
        vlans.append((tpid, vid))
        offset += 4
    eth_type = int.from_bytes(data[offset:offset + 2], 'big')
    tag = data[offset + 2:].rstrip(b'.').decode()
    return Frame(dst, src, tuple(vlans), eth_type, tag)


# ---------------------------------------------------------------------------


def wire_tags(key):
    """Tags a frame carries on the wire for circuit ``key``."""
    _port, vlan, inner = key
    if vlan is None:
        return ()
    if inner is None:
        return ((0x8100, vlan),)
    return ((0x88a8, vlan), (0x8100, inner))


def parse_key(text):
    """``"3"``, ``"3.100"``, ``"3.100.30"`` -> (port, vlan, inner)."""
    parts = [int(p) for p in str(text).split('.')]
    parts += [None] * (3 - len(parts))
    return tuple(parts)


def circuit_json(text, **rates):
    port, vlan, inner = parse_key(text)
    out = {'port': port}
    if vlan is not None:
        out['vlan'] = vlan
    if inner is not None:
        out['innerVlan'] = inner
    out.update(rates)
    return out


class Harness(object):
    """A planner driving a FakeSwitch the way the os-ken glue does:
    phases in order (detach, make, break), errors on make ops fail their
    slice, packet-ins and flow-removed go back through the planner."""

    def __init__(self, builder, ports, mode='openflow', **switch_options):
        self.builder = builder
        self.mode = mode
        self.switch = FakeSwitch(ports, **switch_options)
        self.planner = Planner(builder)
        self.desired = {}
        self.blocked = {}
        self.errors = {}
        self.on_op = None
        self.phase = None
        self.connect()

    def connect(self):
        for _owner, op in self.planner.wipe_ops():
            self.switch.apply(op)
        self.planner.reset()
        return self.sync()

    def put(self, slices, generation=None):
        body = {'slices': {sid: {'circuits': [
            c if isinstance(c, dict) else circuit_json(c) for c in circuits]}
            for sid, circuits in slices.items()}}
        if generation is not None:
            body['generation'] = generation
        request = dpb_requests.parse_slices_body(body, self.mode)
        self.desired = dict(request.slices)
        return self.sync()

    def _apply(self, owner, op):
        error = self.switch.apply(op)
        if self.on_op is not None:
            self.on_op(owner, op)
        return error

    def sync(self):
        plan = self.planner.plan(self.desired, self.switch.ports,
                                 self.blocked)
        self.last_plan = plan
        self.phase = 'detach'
        for owner, op in plan.detach:
            self._apply(owner, op)
        errors = {}
        self.phase = 'make'
        for owner, op in plan.make:
            error = self._apply(owner, op)
            if error:
                errors.setdefault(owner, error)
        cleanup = []
        for owner, error in errors.items():
            assert owner is not None, error
            cleanup += self.planner.fail(owner, error)
        self.phase = 'brk'
        for owner, op in plan.brk + cleanup:
            self._apply(owner, op)
        self.phase = None
        self.errors = errors
        return plan

    def set_ports(self, ports):
        self.switch.ports = set(ports)
        return self.sync()

    def send(self, port, frm):
        """Inject a frame; run packet-ins through the planner.  Returns the
        list of (port, Frame) that left the switch (pipeline and
        PacketOut)."""
        result = self.switch.process(port, frm)
        outputs = list(result.outputs)
        self.last_meters = list(result.meters)
        for cookie, metadata, in_port, data in result.packet_ins:
            ops, out = self.planner.packet_in(cookie, metadata, in_port,
                                              data, 0xffffffff)
            for owner, op in ops:
                assert self.switch.apply(op) is None
            if out is not None:
                outputs += self.switch.packet_out(out).outputs
        return outputs

    def send_from(self, key, src, dst, tag=None, eth_type=0x0800):
        key = parse_key(key) if not isinstance(key, tuple) else key
        return self.send(key[0], frame(src, dst, wire_tags(key), eth_type,
                                       tag))

    def expire(self, mac_bytes):
        """Idle-expire every learned rule with eth_src = mac."""
        text = mac_text(mac_bytes)
        for key, flw in list(self.switch.flows.items()):
            if dict(flw.match).get('eth_src') == text and flw.idle_timeout:
                del self.switch.flows[key]
                for owner, op in self.planner.flow_removed(
                        flw.cookie, flw.match, True):
                    assert self.switch.apply(op) is None

    def flows_of(self, sid):
        spec = self.planner.specs[sid]
        return [f for f in self.switch.flows.values()
                if (f.cookie >> 28) & 0xfffff == spec.slice_no]


def received(outputs, key):
    """Frames delivered to circuit ``key`` (port and exact tag stack)."""
    key = parse_key(key) if not isinstance(key, tuple) else key
    tags = wire_tags(key)
    return [f for port, f in outputs if port == key[0]
            and (key[1] is None or f.vlans == tags)]
