"""Behaviour of the dpb-openflow pipeline on the fake switch.

Each test drives the pure planner + pipeline the way the os-ken glue does
and checks where frames go, never exact flow lists.  Regression tests for
the original tupleslicer's defects carry their reference ids (R3...).
"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from fakeswitch import (  # noqa: E402
    BROADCAST, Harness, circuit_json, frame, mac, received, wire_tags)
from dpb_ofspec import (  # noqa: E402
    FlowAdd, GroupDel, MeterAdd, MeterDel, MASK_SLICE, NS_SHIFT,
    OFPG_ALL, OFPM_ALL, OFPTT_ALL, flow, flow_delete, make_cookie,
    split_cookie)
from dpb_pipeline import NS, OpenflowPipeline, CONTROLLER_MAX_LEN  # noqa


MeterDelAll = MeterDel(OFPM_ALL)
GroupDelAll = GroupDel(OFPG_ALL)


def harness(ports=range(1, 9), **options):
    return Harness(OpenflowPipeline(), ports, **options)


A, B, C, D = mac(0xa), mac(0xb), mac(0xc), mac(0xd)


class ElineTest(unittest.TestCase):
    def test_vlan_match_and_rewrite_with_different_labels(self):
        h = harness()
        h.put({'s': ['1.100', '2.200']})
        out = h.send_from('1.100', A, B)
        self.assertEqual(len(received(out, '2.200')), 1)
        self.assertEqual(len(out), 1)
        out = h.send_from('2.200', B, A)
        self.assertEqual([(p, f.vlans) for p, f in out],
                         [(1, ((0x8100, 100),))])

    def test_other_vlans_and_untagged_frames_on_the_port_are_dropped(self):
        h = harness()
        h.put({'s': ['1.100', '2.200']})
        self.assertEqual(h.send(1, frame(A, B, [(0x8100, 300)])), [])
        self.assertEqual(h.send(1, frame(A, B)), [])
        self.assertEqual(h.send(3, frame(A, B)), [])

    def test_two_circuits_need_no_controller(self):
        h = harness()
        h.put({'s': ['1.100', '2']})
        result = h.switch.process(1, frame(A, BROADCAST, [(0x8100, 100)]))
        self.assertEqual(result.packet_ins, [])
        self.assertEqual(len(result.outputs), 1)

    def test_whole_port_to_qinq_delivers_frames_as_they_came(self):
        h = harness()
        h.put({'s': ['1', '2.10.20']})
        out = h.send(1, frame(A, B))
        self.assertEqual([(p, f.vlans) for p, f in out],
                         [(2, ((0x88a8, 10), (0x8100, 20)))])
        out = h.send(1, frame(A, B, [(0x8100, 55)]))
        self.assertEqual([(p, f.vlans) for p, f in out],
                         [(2, ((0x88a8, 10), (0x8100, 20), (0x8100, 55)))])
        out = h.send_from('2.10.20', B, A)
        self.assertEqual([(p, f.vlans) for p, f in out], [(1, ())])

    def test_qinq_inner_tag_must_match(self):
        h = harness()
        h.put({'s': ['1', '2.10.20']})
        self.assertEqual(h.send(2, frame(B, A, [(0x88a8, 10),
                                                (0x8100, 21)])), [])
        self.assertEqual(h.send(2, frame(B, A, [(0x88a8, 10)])), [])

    def test_two_circuits_on_one_port_hairpin(self):
        h = harness()
        h.put({'s': ['1.100', '1.200']})
        out = h.send_from('1.100', A, B)
        self.assertEqual([(p, f.vlans) for p, f in out],
                         [(1, ((0x8100, 200),))])

    def test_untagged_lldp_is_dropped_even_on_a_whole_port(self):
        h = harness()
        h.put({'s': ['1', '2']})
        self.assertEqual(h.send(1, frame(A, B, eth_type=0x88cc)), [])
        self.assertEqual(len(h.send(1, frame(A, B))), 1)

    def test_one_circuit_slice_installs_nothing(self):
        h = harness()
        h.put({'s': ['1']})
        self.assertEqual(h.flows_of('s'), [])
        self.assertEqual(h.send(1, frame(A, B)), [])


class LearningTest(unittest.TestCase):
    def setUp(self):
        self.h = harness()
        self.h.put({'lan': ['1.100', '2', '3.30.40', '4.400']})
        self.keys = ['1.100', '2', '3.30.40', '4.400']

    def test_broadcast_reaches_every_other_circuit_once(self):
        out = self.h.send_from('1.100', A, BROADCAST)
        self.assertEqual(received(out, '1.100'), [])
        for key in self.keys[1:]:
            self.assertEqual(len(received(out, key)), 1, key)
        self.assertEqual(len(out), 3)

    def test_no_frame_is_lost_while_learning(self):
        # The very first frame of a new source is forwarded by the
        # pipeline itself; the controller only gets a header copy.
        result = self.h.switch.process(1, frame(A, B, wire_tags((1, 100,
                                                                 None))))
        self.assertEqual(len(result.outputs), 3)
        self.assertEqual(len(result.packet_ins), 1)
        self.assertLessEqual(len(result.packet_ins[0][3], ), CONTROLLER_MAX_LEN)

    def test_unicast_after_learning(self):
        self.h.send_from('1.100', A, BROADCAST)
        out = self.h.send_from('4.400', D, A)
        self.assertEqual(len(out), 1)
        self.assertEqual(len(received(out, '1.100')), 1)
        out = self.h.send_from('1.100', A, D)
        self.assertEqual([(p, f.vlans) for p, f in out],
                         [(4, ((0x8100, 400),))])
        # A known destination on the sender's own circuit is dropped.
        self.h.send_from('1.100', B, BROADCAST)
        self.assertEqual(self.h.send_from('1.100', A, B), [])

    def test_learned_sources_stop_packet_ins(self):
        self.h.send_from('2', B, BROADCAST)
        result = self.h.switch.process(2, frame(B, BROADCAST))
        self.assertEqual(result.packet_ins, [])
        self.assertEqual(len(result.outputs), 3)

    def test_mac_moves_cleanly(self):
        self.h.send_from('2', B, BROADCAST)
        self.h.send_from('1.100', A, BROADCAST)
        self.assertEqual(len(received(self.h.send_from('1.100', A, B), '2')),
                         1)
        self.h.send_from('3.30.40', B, BROADCAST)  # B moved to circuit 3
        out = self.h.send_from('1.100', A, B)
        self.assertEqual(len(received(out, '3.30.40')), 1)
        self.assertEqual(len(out), 1)

    def test_expiry_forgets_the_mac(self):
        self.h.send_from('2', B, BROADCAST)
        self.assertEqual(len(self.h.send_from('1.100', A, B)), 1)
        self.h.expire(B)
        self.assertEqual(len(self.h.send_from('4.400', D, B)), 3)
        eth_dst = [f for f in self.h.switch.flows.values()
                   if dict(f.match).get('eth_dst') == '02:00:00:00:00:0b']
        self.assertEqual(eth_dst, [])

    def test_multicast_sources_are_never_learned(self):
        group_mac = bytes([0x01, 0, 0x5e, 0, 0, 1])
        self.h.send_from('2', group_mac, BROADCAST)
        out = self.h.send_from('1.100', A, group_mac)
        self.assertEqual(len(out), 3)

    def test_same_port_circuits_in_one_slice_hairpin(self):
        h = harness()
        h.put({'lan': ['1.10', '1.20', '2']})
        out = h.send_from('1.10', A, BROADCAST)
        self.assertEqual(sorted((p, f.vlans) for p, f in out),
                         [(1, ((0x8100, 20),)), (2, ())])
        h.send_from('1.20', B, BROADCAST)
        out = h.send_from('1.10', A, B)
        self.assertEqual([(p, f.vlans) for p, f in out],
                         [(1, ((0x8100, 20),))])
        out = h.send_from('2', C, B)
        self.assertEqual([(p, f.vlans) for p, f in out],
                         [(1, ((0x8100, 20),))])

    def test_slices_are_isolated_even_with_the_same_macs(self):
        h = harness()
        h.put({'red': ['1.10', '2.10', '3.10'],
               'blue': ['1.20', '2.20', '3.20']})
        for sender, src in (('1.10', A), ('2.10', B), ('3.10', C)):
            out = h.send_from(sender, src, BROADCAST)
            self.assertTrue(all(f.vlans == ((0x8100, 10),) for _, f in out))
        for sender in ('1.20', '2.20'):
            h.send_from(sender, A if sender == '1.20' else B, BROADCAST)
        out = h.send_from('1.10', A, B)
        self.assertEqual([(p, f.vlans) for p, f in out],
                         [(2, ((0x8100, 10),))])
        out = h.send_from('1.20', A, B)
        self.assertEqual([(p, f.vlans) for p, f in out],
                         [(2, ((0x8100, 20),))])


class MeterTest(unittest.TestCase):
    def test_ingress_meter_polices_the_circuit_ids_from_one(self):
        h = harness()
        h.put({'s': [circuit_json('1.100', ingressKbps=10000),
                     circuit_json('2.200')]})
        self.assertEqual(sorted(h.switch.meters), [1])
        meter = h.switch.meters[1]
        self.assertEqual((meter.kbps, meter.burst_kb), (10000, 200))
        h.send_from('1.100', A, B)
        self.assertEqual(h.last_meters, [1])
        h.send_from('2.200', B, A)
        self.assertEqual(h.last_meters, [])

    def test_eline_passes_ingress_then_egress_meter(self):
        h = harness()
        h.put({'s': [circuit_json('1', ingressKbps=5000),
                     circuit_json('2', egressKbps=7000)]})
        by_rate = {m.kbps: m.meter_id for m in h.switch.meters.values()}
        h.send_from('1', A, B)
        self.assertEqual(h.last_meters, [by_rate[5000], by_rate[7000]])

    def test_egress_meter_on_unicast_delivery_not_on_floods(self):
        h = harness()
        h.put({'lan': ['1', '2', circuit_json('3', egressKbps=1000)]})
        egress = next(iter(h.switch.meters))
        h.send_from('3', C, BROADCAST)
        h.send_from('1', A, BROADCAST)
        self.assertNotIn(egress, h.last_meters)   # flooded: not policed
        h.send_from('1', A, C)
        self.assertEqual(h.last_meters, [egress])

    def test_small_rates_get_a_two_frame_burst(self):
        h = harness()
        h.put({'s': [circuit_json('1', ingressKbps=100), circuit_json('2')]})
        self.assertEqual(h.switch.meters[1].burst_kb, 24)

    def test_out_of_meters_fails_the_slice_with_a_reason(self):
        h = harness()
        h.planner.set_limits(max_meter=2)
        plan = h.put({'ok': [circuit_json('1', ingressKbps=1),
                             circuit_json('2', ingressKbps=1)],
                      'big': [circuit_json('3', ingressKbps=1),
                              circuit_json('4')]})
        self.assertIn('meter', plan.failed['big'])
        self.assertIn('big', h.planner.failed)
        self.assertEqual(len(h.send_from('1', A, B)), 1)
        self.assertEqual(h.send_from('3', A, B), [])
        # Freeing meters does not retry an unchanged failed slice...
        h.put({'big': [circuit_json('3', ingressKbps=1), circuit_json('4')]})
        self.assertIn('big', h.planner.failed)
        # ...a change or a reconnect does.
        h.connect()
        self.assertNotIn('big', h.planner.failed)
        self.assertEqual(len(h.send_from('3', A, B)), 1)


class CookieTest(unittest.TestCase):
    def test_namespace_slice_and_nonzero(self):
        h = harness()
        h.put({'a': ['1', '2'], 'b': ['3.5', '4.6', '5']})
        for f in h.switch.flows.values():
            self.assertEqual(f.cookie >> NS_SHIFT, NS)
            self.assertNotEqual(f.cookie, 0)
        slice_nos = {split_cookie(f.cookie)[1] for f in h.flows_of('a')}
        self.assertEqual(len(slice_nos), 1)
        self.assertGreaterEqual(min(slice_nos), 1)

    def test_one_masked_delete_removes_exactly_one_slice(self):
        h = harness()
        h.put({'a': ['1', '2'], 'b': ['3.5', '4.6', '5']})
        before_b = len(h.flows_of('b'))
        number = h.planner.specs['a'].slice_no
        h.switch.apply(flow_delete(OFPTT_ALL, None, make_cookie(NS, number),
                                   MASK_SLICE))
        self.assertEqual(h.flows_of('a'), [])
        self.assertEqual(len(h.flows_of('b')), before_b)

    def test_metadata_is_written_with_the_instruction(self):
        h = harness()
        h.put({'a': ['1', '2.7.8', '3']})
        for f in h.switch.flows.values():
            for inst in f.instructions:
                if inst[0] == 'apply':
                    self.assertFalse(any(a[0] == 'set_field' and
                                         a[1] == 'metadata' for a in inst[1]))
        writers = [f for f in h.switch.flows.values()
                   if any(i[0] == 'write_metadata' for i in f.instructions)]
        self.assertGreaterEqual(len(writers), 4)


class ChangeTest(unittest.TestCase):
    def test_unchanged_slices_are_not_touched(self):
        h = harness()
        h.put({'a': ['1', '2'], 'b': ['3', '4', '5']})
        plan = h.put({'a': ['1', '2'], 'b': ['3', '4', '5', '6']})
        owners = {o for o, _ in plan.detach + plan.make + plan.brk}
        self.assertNotIn('a', owners)
        self.assertEqual(plan.changed, {'b'})
        plan = h.put({'a': ['2', '1'], 'b': ['3', '4', '5', '6']})
        self.assertEqual(plan.detach + plan.make + plan.brk, [])

    def test_make_before_break_keeps_traffic_flowing(self):
        h = harness()
        h.put({'s': [circuit_json('1.100', ingressKbps=1000), '2.200']})
        seen = []

        def probe(owner, op):
            seen.append(len(received(h.send_from('1.100', A, B), '2.200')))
        h.on_op = probe
        h.put({'s': [circuit_json('1.100', ingressKbps=2000), '2.200']})
        self.assertTrue(seen)
        self.assertEqual(set(seen), {1})
        self.assertEqual([m.kbps for m in h.switch.meters.values()], [2000])

    def test_R5_shrinking_to_two_circuits_leaves_no_learned_rules(self):
        h = harness()
        h.put({'s': ['1', '2', '3']})
        h.send_from('1', A, BROADCAST)
        h.send_from('2', B, A)
        h.put({'s': ['1', '2']})
        out = h.send_from('1', A, B)
        self.assertEqual(len(received(out, '2')), 1)
        out = h.send_from('2', B, A)
        self.assertEqual(len(received(out, '1')), 1)
        learned = [f for f in h.switch.flows.values()
                   if 'eth_src' in dict(f.match) or
                   'eth_dst' in dict(f.match)]
        self.assertEqual(learned, [])
        self.assertEqual(h.switch.groups, {})

    def test_a_circuit_leaving_never_receives_during_the_change(self):
        h = harness()
        h.put({'s': ['1', '2', '3', '4']})
        for key, m in (('1', A), ('2', B), ('3', C), ('4', D)):
            h.send_from(key, m, BROADCAST)
        leaks, probes = [], []

        def probe(owner, op):
            # While the detach phase runs, the old slice is still what the
            # switch had; once it is confirmed (barrier) and before the
            # circuit joins 't', nothing of 's' may reach it.
            if h.phase == 'detach':
                return
            probes.append(op)
            for dst in (BROADCAST, D):
                if received(h.send_from('1', A, dst), '4'):
                    leaks.append(op)
        h.on_op = probe
        h.put({'s': ['1', '2', '3'], 't': ['4', '5']})
        self.assertTrue(probes)
        self.assertEqual(leaks, [])
        out = h.send_from('4', D, BROADCAST)
        self.assertEqual([p for p, _ in out], [5])

    def test_growing_a_slice_adds_the_circuit_and_relearns(self):
        h = harness()
        h.put({'s': ['1', '2']})
        h.put({'s': ['1', '2', '3']})
        out = h.send_from('1', A, BROADCAST)
        self.assertEqual(sorted(p for p, _ in out), [2, 3])

    def test_removing_a_slice_removes_its_flows_groups_and_meters(self):
        h = harness()
        h.put({'keep': ['1', '2'],
               'gone': [circuit_json('3', ingressKbps=5), '4', '5']})
        h.send_from('3', C, BROADCAST)
        keep = sorted(h.flows_of('keep'))
        h.put({'keep': ['1', '2']})
        self.assertEqual(sorted(h.switch.flows.values()),
                         sorted(keep + [f for f in h.switch.flows.values()
                                        if split_cookie(f.cookie)[1] == 0]))
        self.assertEqual(h.switch.groups, {})
        self.assertEqual(h.switch.meters, {})

    def test_many_changes_wrap_the_version_and_leave_only_current_rules(self):
        h = harness()
        for i in range(300):
            h.put({'s': [circuit_json('1', ingressKbps=1 + i % 3), '2',
                         '3']})
        self.assertEqual(len(h.switch.meters), 1)
        self.assertEqual(len(h.switch.groups), 3)
        versions = {split_cookie(f.cookie)[2] for f in h.flows_of('s')}
        self.assertEqual(len(versions), 1)
        self.assertEqual(len(h.send_from('1', A, BROADCAST)), 2)


class PortTest(unittest.TestCase):
    def test_R6_a_port_that_appears_later_is_wired(self):
        h = harness(ports=[1, 2])
        h.put({'s': ['1', '2', '3']})
        self.assertEqual(h.planner.specs['s'].missing_ports, (3,))
        self.assertEqual(sorted(p for p, _ in
                                h.send_from('1', A, BROADCAST)), [2])
        h.set_ports([1, 2, 3])
        self.assertEqual(h.planner.specs['s'].missing_ports, ())
        self.assertEqual(sorted(p for p, _ in
                                h.send_from('1', A, BROADCAST)), [2, 3])

    def test_a_deleted_port_is_cut_out(self):
        h = harness(ports=[1, 2, 3])
        h.put({'s': ['1', '2']})
        h.set_ports([1, 3])
        self.assertEqual(h.send_from('1', A, B), [])
        self.assertEqual(h.flows_of('s'), [])
        h.set_ports([1, 2, 3])
        self.assertEqual(len(h.send_from('1', A, B)), 1)


class ReconnectTest(unittest.TestCase):
    def test_R3_reconnect_reinstalls_everything_including_floods(self):
        h = harness()
        h.put({'e': ['1', '2'], 'lan': ['3', '4.4', '5.5.5']})
        flows = len(h.switch.flows)
        # The switch restarted: it lost everything; the app wipes and
        # reinstalls from its desired state.
        h.switch.flows.clear()
        h.switch.groups.clear()
        h.connect()
        self.assertEqual(len(h.switch.flows), flows)
        self.assertEqual(sorted(h.switch.groups), [1, 2, 3])
        out = h.send_from('3', C, BROADCAST)
        self.assertEqual(sorted(p for p, _ in out), [4, 5])

    def test_reconnect_with_rules_still_present_is_clean(self):
        h = harness()
        h.put({'lan': ['3', '4', '5']})
        h.send_from('3', C, BROADCAST)
        h.connect()  # wipe + reinstall over a switch that kept its state
        self.assertEqual(
            [f for f in h.switch.flows.values()
             if 'eth_src' in dict(f.match)], [])
        self.assertEqual(len(h.send_from('3', C, BROADCAST)), 2)

    def test_R4_ids_start_at_one(self):
        h = harness()
        h.put({'lan': [circuit_json('3', ingressKbps=1), '4', '5']})
        self.assertEqual(min(h.switch.groups), 1)
        self.assertEqual(min(h.switch.meters), 1)
        self.assertGreaterEqual(h.planner.specs['lan'].slice_no, 1)
        for f in h.switch.flows.values():
            for inst in f.instructions:
                if inst[0] == 'write_metadata':
                    self.assertNotEqual(inst[1], 0)


def audit(h):
    """What the glue's audit does: report the switch, apply the repair."""
    keys = [h.planner.flow_key(f) for f in h.switch.flows.values()]
    ops, damaged = h.planner.repair_ops(keys, list(h.switch.groups),
                                        list(h.switch.meters))
    for _owner, op in ops:
        assert h.switch.apply(op) is None, op
    return ops, damaged


class AuditTest(unittest.TestCase):
    def setUp(self):
        self.h = harness()
        self.h.put({'e': [circuit_json('1.100', ingressKbps=1000), '2'],
                    'lan': ['3', '4.4.4', '5']})
        self.h.send_from('3', C, BROADCAST)
        self.h.send_from('5', D, C)

    def test_an_intact_switch_needs_nothing(self):
        self.assertEqual(audit(self.h), ([], set()))

    def test_del_flows_by_hand_is_repaired(self):
        self.h.switch.flows.clear()             # ovs-ofctl del-flows
        self.assertEqual(self.h.send_from('1.100', A, B), [])
        ops, damaged = audit(self.h)
        self.assertEqual(damaged, {'e', 'lan', None})
        self.assertEqual(len(received(self.h.send_from('1.100', A, B), '2')),
                         1)
        # learned MACs were forgotten and are learned again
        self.assertEqual(len(self.h.send_from('3', C, D)), 2)
        self.h.send_from('5', D, C)
        self.assertEqual(len(self.h.send_from('3', C, D)), 1)
        self.assertEqual(audit(self.h), ([], set()))

    def test_lost_meters_and_groups_are_restored(self):
        self.h.switch.apply(MeterDelAll)
        self.h.switch.apply(GroupDelAll)
        ops, damaged = audit(self.h)
        self.assertEqual(damaged, {'e', 'lan'})
        self.assertEqual(len(self.h.switch.meters), 1)
        self.assertEqual(len(self.h.switch.groups), 3)
        self.assertEqual(len(self.h.send_from('3', C, BROADCAST)), 2)

    def test_intact_slices_are_not_touched(self):
        for key in [k for k, f in self.h.switch.flows.items()
                    if split_cookie(f.cookie)[1] ==
                    self.h.planner.specs['e'].slice_no]:
            del self.h.switch.flows[key]
        ops, damaged = audit(self.h)
        self.assertEqual(damaged, {'e'})
        self.assertEqual({o for o, _ in ops}, {'e'})

    def test_strays_in_the_namespace_are_removed(self):
        stray = flow(0, 30, make_cookie(NS, 999, 1, 1), {'in_port': 7}, [])
        self.h.switch.apply(stray)
        self.h.switch.apply(MeterAdd(77, 5, 24))
        audit(self.h)
        self.assertNotIn(stray, self.h.switch.flows.values())
        self.assertNotIn(77, self.h.switch.meters)


class FailureTest(unittest.TestCase):
    def test_a_refused_slice_fails_alone_and_leaves_nothing(self):
        def refuse(op):
            if isinstance(op, FlowAdd) and dict(op.match).get('in_port') == 3:
                return 'OFPBAC_BAD_OUT_PORT'
        h = harness(refuse=refuse)
        h.put({'ok': ['1', '2'], 'bad': ['3', '4', '5']})
        self.assertIn('bad', h.errors)
        self.assertIn('bad', h.planner.failed)
        self.assertNotIn('bad', h.planner.specs)
        self.assertEqual([f for f in h.switch.flows.values()
                          if split_cookie(f.cookie)[1] not in
                          (0, h.planner.specs['ok'].slice_no)], [])
        self.assertEqual(h.switch.groups, {})
        self.assertEqual(len(h.send_from('1', A, B)), 1)
        # Retried on reconnect, once the switch accepts it.
        h.switch.refuse = None
        h.connect()
        self.assertIn('bad', h.planner.specs)
        self.assertEqual(len(h.send_from('3', C, BROADCAST)), 2)


class QinqInfraTest(unittest.TestCase):
    def outer_rules(self, h):
        return [f for f in h.switch.flows.values()
                if split_cookie(f.cookie)[1] == 0 and f.priority == 30]

    def test_outer_tag_rule_is_shared_and_garbage_collected(self):
        h = harness()
        h.put({'a': ['1', '4.5.6'], 'b': ['2', '4.5.7']})
        self.assertEqual(len(self.outer_rules(h)), 1)
        self.assertEqual(len(h.send_from('4.5.6', A, B)), 1)
        self.assertEqual(len(h.send_from('4.5.7', A, B)), 1)
        h.put({'b': ['2', '4.5.7']})
        self.assertEqual(len(self.outer_rules(h)), 1)
        self.assertEqual(len(h.send_from('4.5.7', A, B)), 1)
        h.put({})
        self.assertEqual(self.outer_rules(h), [])

    def test_outer_vlan_can_become_a_single_tag_circuit(self):
        h = harness()
        h.put({'a': ['1', '4.5.6']})
        h.put({'b': ['2', '4.5']})
        out = h.send(4, frame(A, B, [(0x8100, 5)]))
        self.assertEqual([(p, f.vlans) for p, f in out], [(2, ())])
        h.put({'a': ['1', '4.5.6']})
        out = h.send_from('4.5.6', A, B)
        self.assertEqual([(p, f.vlans) for p, f in out], [(1, ())])


if __name__ == '__main__':
    unittest.main()
