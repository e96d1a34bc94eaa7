"""Spec operations -> os-ken OpenFlow 1.3 messages (no switch needed).

Every operation kind is serialised with os-ken's own parser and parsed
back, so the translation in dpb_controller is checked on the wire format.
Skipped when os-ken/Ryu is not importable (use /usr/bin/python3)."""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

try:
    from dpb_compat import ofproto_v1_3
    import dpb_controller
    if dpb_controller.BaseApp.__module__.startswith('os_ken'):
        from os_ken.ofproto import ofproto_v1_3_parser as parser
        from os_ken.ofproto import ofproto_parser
    else:  # pragma: no cover
        from ryu.ofproto import ofproto_v1_3_parser as parser
        from ryu.ofproto import ofproto_parser
    HAVE_FRAMEWORK = True
except ImportError:  # pragma: no cover
    HAVE_FRAMEWORK = False

from fakeswitch import BROADCAST, Harness, circuit_json, frame, mac  # noqa
from dpb_ofspec import (  # noqa: E402
    GroupDel, MeterDel, OFPG_ALL, OFPM_ALL, PacketOut, OFP_NO_BUFFER,
    MASK_NS, FlowDel)
from dpb_pipeline import OpenflowPipeline  # noqa: E402
from dpb_portgroups_pipeline import PortgroupsPipeline  # noqa: E402


class FakeDatapath(object):
    id = 1

    def __init__(self):
        self.ofproto = ofproto_v1_3
        self.ofproto_parser = parser
        self.xid = 0

    def set_xid(self, msg):
        self.xid += 1
        msg.set_xid(self.xid)
        return self.xid


def built(dp, op):
    """The message for ``op``, serialised (its wire length checked)."""
    msg = dpb_controller.to_message(dp, op)
    dp.set_xid(msg)
    msg.serialize()
    _version, _type, msg_len, _xid = ofproto_parser.header(msg.buf)
    assert msg_len == len(msg.buf)
    return msg


def round_trip(dp, op):
    """Serialise and parse back (os-ken parses FlowMod back)."""
    msg = built(dp, op)
    version, msg_type, msg_len, xid = ofproto_parser.header(msg.buf)
    return ofproto_parser.msg(dp, version, msg_type, msg_len, xid,
                              bytes(msg.buf))


@unittest.skipUnless(HAVE_FRAMEWORK, 'os-ken/Ryu not importable')
class TranslationTest(unittest.TestCase):
    def setUp(self):
        self.dp = FakeDatapath()

    def all_ops(self):
        h = Harness(OpenflowPipeline(), range(1, 9))
        h.put({'e': [circuit_json('1.100', ingressKbps=1000),
                     circuit_json('2.10.20', egressKbps=2000)],
               'lan': ['3', '4.5.6', '5.7']})
        h.send_from('3', mac(1), BROADCAST)
        ops = [op for _, op in h.planner.wipe_ops()]
        ops += list(h.switch.flows.values())
        ops += [op for _, op in h.last_plan.make]
        plan = h.put({'lan': ['3', '4.5.6']})
        ops += [op for _, op in plan.detach + plan.make + plan.brk]
        return ops

    def test_every_operation_serialises_and_parses_back(self):
        ops = self.all_ops()
        self.assertGreater(len(ops), 20)
        for op in ops:
            with self.subTest(op=op):
                self.assertGreater(len(built(self.dp, op).buf), 8)

    def test_flow_add_fields(self):
        h = Harness(OpenflowPipeline(), range(1, 9))
        h.put({'e': [circuit_json('1.100', ingressKbps=1000), '2']})
        classify = next(f for f in h.switch.flows.values()
                        if dict(f.match).get('in_port') == 1)
        back = round_trip(self.dp, classify)
        self.assertEqual(back.cookie, classify.cookie)
        self.assertEqual(back.table_id, 0)
        self.assertEqual(back.match['vlan_vid'], 0x1000 | 100)
        names = [type(i).__name__ for i in back.instructions]
        self.assertEqual(names, ['OFPInstructionMeter',
                                 'OFPInstructionActions',
                                 'OFPInstructionWriteMetadata',
                                 'OFPInstructionGotoTable'])
        self.assertEqual(back.out_port, ofproto_v1_3.OFPP_ANY)
        self.assertEqual(back.buffer_id, ofproto_v1_3.OFP_NO_BUFFER)

    def test_deletes_do_not_filter_on_port_or_group(self):
        back = round_trip(self.dp, FlowDel(255, (), 0xD9B1 << 48, MASK_NS,
                                           False, 0))
        self.assertEqual(back.command, ofproto_v1_3.OFPFC_DELETE)
        self.assertEqual(back.out_port, ofproto_v1_3.OFPP_ANY)
        self.assertEqual(back.out_group, ofproto_v1_3.OFPG_ANY)
        self.assertEqual(back.cookie_mask, MASK_NS)

    def test_meter_and_group_messages(self):
        h = Harness(OpenflowPipeline(), range(1, 9))
        h.put({'lan': [circuit_json('3', ingressKbps=10000), '4', '5.7']})
        meter = next(iter(h.switch.meters.values()))
        back = built(self.dp, meter)
        self.assertEqual(back.meter_id, 1)
        self.assertEqual(back.flags, ofproto_v1_3.OFPMF_KBPS
                         | ofproto_v1_3.OFPMF_BURST | ofproto_v1_3.OFPMF_STATS)
        self.assertEqual((back.bands[0].rate, back.bands[0].burst_size),
                         (10000, 200))
        group = next(op for _, op in h.last_plan.make
                     if type(op).__name__ == 'GroupAdd')
        back = built(self.dp, group)
        self.assertEqual(back.type, ofproto_v1_3.OFPGT_ALL)
        self.assertEqual(back.command, ofproto_v1_3.OFPGC_ADD)
        self.assertEqual(len(back.buckets), 2)
        gone = built(self.dp, GroupDel(OFPG_ALL))
        self.assertEqual((gone.command, gone.group_id),
                         (ofproto_v1_3.OFPGC_DELETE, OFPG_ALL))
        gone = built(self.dp, MeterDel(OFPM_ALL))
        self.assertEqual((gone.command, gone.meter_id),
                         (ofproto_v1_3.OFPMC_DELETE, OFPM_ALL))

    def test_packet_out_carries_the_frame(self):
        data = frame(mac(1), BROADCAST).data()
        back = built(self.dp, PacketOut(3, (('output', 4),), data,
                                        OFP_NO_BUFFER))
        self.assertTrue(bytes(back.buf).endswith(data))
        self.assertEqual(back.buffer_id, OFP_NO_BUFFER)
        self.assertEqual(back.in_port, 3)

    def test_portgroups_operations_serialise(self):
        h = Harness(PortgroupsPipeline(), range(1, 9), mode='portgroups')
        h.put({'lan': ['1', '2', '3'], 'e': ['4', '5']})
        h.send(1, frame(mac(1), BROADCAST))
        for op in list(h.switch.flows.values()) + \
                [op for _, op in h.last_plan.make]:
            built(self.dp, op)


if __name__ == '__main__':
    unittest.main()
