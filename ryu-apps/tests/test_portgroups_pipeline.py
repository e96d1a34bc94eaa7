"""Behaviour of the dpb-portgroups (Corsa shared VFC) pipeline."""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from fakeswitch import BROADCAST, Harness, frame, mac  # noqa: E402
from dpb_ofspec import (  # noqa: E402
    NS_SHIFT, OFP_NO_BUFFER, split_cookie)
from dpb_portgroups_pipeline import (  # noqa: E402
    NS, PortgroupsPipeline, block_deleted_port, unblock_listed_ports)

A, B, C, D = mac(0xa), mac(0xb), mac(0xc), mac(0xd)


def harness(ports=range(1, 9), **options):
    return Harness(PortgroupsPipeline(), ports, mode='portgroups', **options)


def ports_of(outputs):
    return sorted(p for p, _ in outputs)


class ElineTest(unittest.TestCase):
    def test_two_ports_are_wired_directly(self):
        h = harness()
        h.put({'s': ['1', '2']})
        result = h.switch.process(1, frame(A, BROADCAST))
        self.assertEqual(ports_of(result.outputs), [2])
        self.assertEqual(result.packet_ins, [])
        self.assertEqual(ports_of(h.send(2, frame(B, A))), [1])
        self.assertEqual(h.send(3, frame(C, A)), [])

    def test_lldp_is_dropped(self):
        h = harness()
        h.put({'s': ['1', '2']})
        self.assertEqual(h.send(1, frame(A, B, eth_type=0x88cc)), [])


class LearningTest(unittest.TestCase):
    def setUp(self):
        self.h = harness()
        self.h.put({'lan': ['1', '2', '3', '4'], 'other': ['5', '6', '7']})

    def test_R10_the_first_frame_of_a_new_mac_is_not_lost(self):
        result = self.h.switch.process(1, frame(A, BROADCAST))
        self.assertEqual(result.outputs, [])       # it went to the controller
        self.assertEqual(len(result.packet_ins), 1)
        out = self.h.send(1, frame(A, BROADCAST, tag='first'))
        self.assertEqual(ports_of(out), [2, 3, 4])
        self.assertTrue(all(f.tag == 'first' for _, f in out))

    def test_unicast_after_learning_without_the_controller(self):
        self.h.send(1, frame(A, BROADCAST))
        self.h.send(3, frame(C, A))
        result = self.h.switch.process(1, frame(A, C))
        self.assertEqual(ports_of(result.outputs), [3])
        self.assertEqual(result.packet_ins, [])

    def test_controller_forwards_to_a_known_destination_only(self):
        self.h.send(1, frame(A, BROADCAST))
        out = self.h.send(2, frame(B, A))          # B new, A known
        self.assertEqual(ports_of(out), [1])

    def test_frames_back_to_their_own_port_are_dropped(self):
        self.h.send(1, frame(A, BROADCAST))
        self.h.send(1, frame(B, BROADCAST))
        self.assertEqual(self.h.send(1, frame(A, B)), [])

    def test_slices_are_isolated(self):
        for port, m in ((1, A), (5, B), (6, C)):
            out = self.h.send(port, frame(m, BROADCAST))
            group = {1, 2, 3, 4} if port <= 4 else {5, 6, 7}
            self.assertTrue(set(ports_of(out)) <= group)
        self.assertEqual(ports_of(self.h.send(1, frame(A, B))), [2, 3, 4])

    def test_mac_move_and_expiry(self):
        self.h.send(2, frame(B, BROADCAST))
        self.h.send(1, frame(A, BROADCAST))
        self.assertEqual(ports_of(self.h.send(1, frame(A, B))), [2])
        self.h.send(4, frame(B, BROADCAST))
        self.assertEqual(ports_of(self.h.send(1, frame(A, B))), [4])
        self.h.expire(B)
        self.assertEqual(ports_of(self.h.send(1, frame(A, B))), [2, 3, 4])

    def test_corsa_limits_no_metadata_no_controller_plus_goto_no_meters(self):
        self.h.send(1, frame(A, BROADCAST))
        self.h.send(2, frame(B, A))
        for f in self.h.switch.flows.values():
            self.assertNotIn('metadata', dict(f.match))
            kinds = [i[0] for i in f.instructions]
            self.assertNotIn('write_metadata', kinds)
            self.assertNotIn('meter', kinds)
            to_controller = any(a[0] == 'controller' for i in f.instructions
                                if i[0] == 'apply' for a in i[1])
            self.assertFalse(to_controller and 'goto' in kinds)
            self.assertEqual(f.cookie >> NS_SHIFT, NS)
            self.assertLessEqual(f.table, 1)
        self.assertEqual(self.h.switch.meters, {})

    def test_one_group_per_slice(self):
        self.assertEqual(len(self.h.switch.groups), 2)

    def test_buffered_packet_in_is_released_by_buffer_id(self):
        builder = PortgroupsPipeline()
        spec = self.h.planner.specs['lan']
        index = next(i for i in spec.present if spec.circuits[i].port == 1)
        _ops, out = builder.packet_in(spec, index,
                                      frame(D, BROADCAST).data(), 1, 77)
        self.assertEqual(out.buffer_id, 77)
        self.assertIsNone(out.data)
        _ops, out = builder.packet_in(spec, index,
                                      frame(D, BROADCAST).data(), 1,
                                      OFP_NO_BUFFER)
        self.assertEqual(out.buffer_id, OFP_NO_BUFFER)
        self.assertTrue(out.data)

    def test_frames_sent_up_by_a_replaced_version_are_still_forwarded(self):
        result = self.h.switch.process(1, frame(A, BROADCAST))
        cookie = result.packet_ins[0][0]
        self.h.put({'lan': ['1', '2', '3'], 'other': ['5', '6', '7']})
        self.assertNotEqual(split_cookie(cookie)[2],
                            self.h.planner.specs['lan'].version)
        ops, out = self.h.planner.packet_in(cookie, None, 1,
                                            frame(A, BROADCAST).data(),
                                            OFP_NO_BUFFER)
        self.assertEqual(ops, [])   # not learned from
        self.assertEqual(sorted(a[1] for a in out.actions), [2, 3])


class ChangeTest(unittest.TestCase):
    def test_R9_a_port_that_leaves_never_gets_traffic_once_detached(self):
        h = harness()
        h.put({'s': ['1', '2', '3', '4']})
        for port, m in ((1, A), (2, B), (3, C), (4, D)):
            h.send(port, frame(m, BROADCAST))
        leaks, probes = [], []

        def probe(owner, op):
            if h.phase == 'detach':
                return
            probes.append(op)
            for dst in (BROADCAST, D):
                if 4 in ports_of(h.send(1, frame(A, dst))):
                    leaks.append(op)
        h.on_op = probe
        h.put({'s': ['1', '2', '3'], 't': ['4', '5']})
        self.assertTrue(probes)
        self.assertEqual(leaks, [])
        self.assertEqual(ports_of(h.send(4, frame(D, BROADCAST))), [5])
        self.assertEqual(ports_of(h.send(1, frame(A, D))), [2, 3])

    def test_shrink_to_two_ports_leaves_no_learned_rules(self):
        h = harness()
        h.put({'s': ['1', '2', '3']})
        h.send(1, frame(A, BROADCAST))
        h.send(2, frame(B, A))
        h.put({'s': ['1', '2']})
        learned = [f for f in h.switch.flows.values()
                   if {'eth_src', 'eth_dst'} & set(dict(f.match))]
        self.assertEqual(learned, [])
        self.assertEqual(ports_of(h.send(1, frame(A, B))), [2])

    def test_reconnect_reinstalls_groups_and_floods(self):
        h = harness()
        h.put({'s': ['1', '2', '3']})
        h.switch.flows.clear()
        h.switch.groups.clear()
        h.connect()
        self.assertEqual(sorted(h.switch.groups), [1])
        self.assertEqual(ports_of(h.send(1, frame(A, BROADCAST))), [2, 3])


class AuditTest(unittest.TestCase):
    def test_del_flows_by_hand_is_repaired_and_meters_are_not_ours(self):
        h = harness()
        h.put({'lan': ['1', '2', '3'], 'e': ['4', '5']})
        h.switch.flows.clear()
        h.switch.meters[9] = 'a tunnel meter'
        keys = [h.planner.flow_key(f) for f in h.switch.flows.values()]
        ops, damaged = h.planner.repair_ops(keys, list(h.switch.groups),
                                            list(h.switch.meters))
        for _owner, op in ops:
            self.assertIsNone(h.switch.apply(op))
        self.assertEqual(damaged, {'lan', 'e', None})
        self.assertIn(9, h.switch.meters)
        self.assertEqual(ports_of(h.send(1, frame(A, BROADCAST))), [2, 3])
        self.assertEqual(ports_of(h.send(4, frame(A, BROADCAST))), [5])


class PortQuarantineTest(unittest.TestCase):
    """A port deleted from the switch while a slice lists it does not
    rejoin that slice when a port with that number reappears (a reused
    ofport may now be another service's tunnel) until a PUT lists it."""

    def test_R9_a_reused_ofport_does_not_rejoin_the_old_slice(self):
        h = harness(ports=[1, 2, 3])
        h.put({'old': ['1', '2', '3']})
        h.send(1, frame(A, BROADCAST))
        # The tunnel on ofport 3 is detached without a PUT first...
        block_deleted_port(h.desired, h.blocked, 3)
        h.set_ports([1, 2])
        self.assertEqual(h.planner.specs['old'].missing_ports, (3,))
        # ...and a new tunnel gets ofport 3 again.
        h.set_ports([1, 2, 3])
        self.assertEqual(ports_of(h.send(1, frame(A, BROADCAST))), [2])
        self.assertEqual(ports_of(h.send(3, frame(C, BROADCAST))), [])
        # A PUT that lists port 3 for the slice re-admits it.
        unblock_listed_ports(h.desired, h.blocked)
        h.sync()
        self.assertEqual(ports_of(h.send(1, frame(A, BROADCAST))), [2, 3])

    def test_only_slices_listing_the_port_are_affected(self):
        h = harness(ports=[1, 2, 3, 4])
        h.put({'a': ['1', '2'], 'b': ['3', '4']})
        hit = block_deleted_port(h.desired, h.blocked, 2)
        self.assertEqual(hit, ['a'])
        self.assertEqual(h.blocked, {'a': {2}})
        h.put({'a': ['1', '2'], 'b': ['3', '4']})
        unblock_listed_ports(h.desired, h.blocked)
        self.assertEqual(h.blocked, {})


if __name__ == '__main__':
    unittest.main()
