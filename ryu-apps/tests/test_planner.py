"""Planner building blocks: cookies, id pools, bursts, phase ordering."""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from fakeswitch import Harness, circuit_json  # noqa: E402
from dpb_ofspec import (  # noqa: E402
    FlowAdd, FlowDel, GroupAdd, GroupDel, GroupMod, IdPool, MASK_SLICE,
    MASK_VERSION, MeterAdd, MeterDel, OutOfIds, burst_kb, make_cookie,
    order_ops, split_cookie, flow, flow_delete)
from dpb_pipeline import OpenflowPipeline  # noqa: E402


class CookieLayoutTest(unittest.TestCase):
    def test_round_trip_and_masks(self):
        cookie = make_cookie(0xD9B1, 0xABCDE, 0x7F, 0x12345)
        self.assertEqual(split_cookie(cookie), (0xD9B1, 0xABCDE, 0x7F,
                                                0x12345))
        other_version = make_cookie(0xD9B1, 0xABCDE, 0x01, 0x1)
        self.assertEqual(cookie & MASK_SLICE, other_version & MASK_SLICE)
        self.assertNotEqual(cookie & MASK_VERSION,
                            other_version & MASK_VERSION)

    def test_out_of_range_parts_are_rejected(self):
        for args in ((1, 1 << 20), (1, 1, 256), (1, 1, 1, 1 << 20)):
            with self.assertRaises(ValueError):
                make_cookie(*args)


class IdPoolTest(unittest.TestCase):
    def test_lowest_free_from_first(self):
        pool = IdPool('meter', 1, 4)
        self.assertEqual([pool.alloc() for _ in range(3)], [1, 2, 3])
        pool.free(2)
        pool.free(1)
        self.assertEqual(pool.alloc(), 1)
        self.assertEqual(pool.alloc(), 2)
        self.assertEqual(pool.alloc(), 4)
        with self.assertRaises(OutOfIds) as ctx:
            pool.alloc()
        self.assertIn('meter', str(ctx.exception))

    def test_limit_can_shrink(self):
        pool = IdPool('group', 1, 100)
        pool.set_last(1)
        pool.alloc()
        with self.assertRaises(OutOfIds):
            pool.alloc()


class BurstTest(unittest.TestCase):
    def test_twenty_ms_of_rate_at_least_two_frames(self):
        self.assertEqual(burst_kb(10000), 200)
        self.assertEqual(burst_kb(50000), 1000)
        self.assertEqual(burst_kb(1), 24)
        self.assertEqual(burst_kb(1250), 25)


class OrderTest(unittest.TestCase):
    def test_adds_reference_things_that_already_exist(self):
        f3 = flow(3, 1, 1, {}, [])
        f0 = flow(0, 1, 1, {}, [])
        ops = [(None, f0), (None, f3), (None, GroupAdd(1, ())),
               (None, MeterAdd(1, 1, 24))]
        kinds = [type(op).__name__ for _, op in order_ops(ops)]
        self.assertEqual(kinds, ['MeterAdd', 'GroupAdd', 'FlowAdd',
                                 'FlowAdd'])
        self.assertEqual(order_ops(ops)[2][1].table, 3)

    def test_removals_delete_flows_before_groups_before_meters(self):
        ops = [(None, MeterDel(1)), (None, GroupDel(1)),
               (None, flow_delete(255)), (None, GroupMod(2, ()))]
        kinds = [type(op).__name__ for _, op in order_ops(ops)]
        self.assertEqual(kinds, ['FlowDel', 'GroupMod', 'GroupDel',
                                 'MeterDel'])


class PlanPhaseTest(unittest.TestCase):
    def test_change_phases(self):
        h = Harness(OpenflowPipeline(), range(1, 9))
        h.put({'s': ['1', '2', '3', circuit_json('4', ingressKbps=9)]})
        plan = h.put({'s': ['1', '2', circuit_json('3', ingressKbps=5)]})
        # detach: the leaving circuit 4 (its rules, its group buckets)
        self.assertTrue(plan.detach)
        self.assertTrue(all(isinstance(op, (FlowDel, GroupMod))
                            for _, op in plan.detach))
        # make: only additions
        self.assertTrue(all(isinstance(op, (FlowAdd, GroupAdd, MeterAdd))
                            for _, op in plan.make))
        # break: only removals of the old version
        self.assertTrue(all(isinstance(op, (FlowDel, GroupDel, MeterDel))
                            for _, op in plan.brk))
        self.assertEqual(plan.changed, {'s'})

    def test_slice_numbers_are_reused_only_after_release(self):
        h = Harness(OpenflowPipeline(), range(1, 9))
        h.put({'a': ['1', '2']})
        first = h.planner.slice_nos['a']
        h.put({'b': ['3', '4']})
        self.assertNotEqual(h.planner.slice_nos['b'], first)
        h.put({'c': ['5', '6']})
        self.assertEqual(h.planner.slice_nos['c'], first)


if __name__ == '__main__':
    unittest.main()
