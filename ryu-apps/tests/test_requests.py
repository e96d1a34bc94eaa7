"""Request validation of the REST contract (dpb_requests)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

from dpb_requests import (  # noqa: E402
    ApiError, Circuit, circuits_conflict, decode_json, parse_dpid,
    parse_slices_body)


def body(slices, **extra):
    out = {'slices': {sid: {'circuits': circuits}
                      for sid, circuits in slices.items()}}
    out.update(extra)
    return out


class ParseDpidTest(unittest.TestCase):
    def test_sixteen_hex_digits_either_case_answered_lower(self):
        self.assertEqual(parse_dpid('000000000000000A'), '000000000000000a')
        self.assertEqual(parse_dpid('00000000000000ff'), '00000000000000ff')

    def test_anything_else_is_400_with_field_dpid(self):
        for bad in ('a', '0x000000000000000a', '00000000000000000a',
                    '000000000000000g', '', '10'):
            with self.assertRaises(ApiError) as ctx:
                parse_dpid(bad)
            self.assertEqual(ctx.exception.status, 400)
            self.assertEqual(ctx.exception.code, 'INVALID_ARGUMENT')
            self.assertEqual(ctx.exception.details['field'], 'dpid')


class ValidBodyTest(unittest.TestCase):
    def test_contract_example_is_accepted(self):
        req = parse_slices_body(body({'sw1/17': [
            {'port': 3, 'vlan': 100, 'ingressKbps': 10000,
             'egressKbps': 10000},
            {'port': 4},
            {'port': 5, 'vlan': 200, 'innerVlan': 30, 'ingressKbps': 50000},
        ]}, generation=12))
        self.assertEqual(req.generation, 12)
        circuits = req.slices['sw1/17']
        self.assertEqual([c.key for c in circuits],
                         [(3, 100, None), (4, None, None), (5, 200, 30)])
        self.assertEqual(circuits[0].ingress_kbps, 10000)
        self.assertEqual(req.given['sw1/17'][1], {'port': 4})

    def test_generation_is_optional_and_empty_slices_allowed(self):
        req = parse_slices_body({'slices': {}})
        self.assertIsNone(req.generation)
        self.assertEqual(dict(req.slices), {})

    def test_circuit_order_does_not_change_the_canonical_slice(self):
        a = parse_slices_body(body({'s': [{'port': 2}, {'port': 1}]}))
        b = parse_slices_body(body({'s': [{'port': 1}, {'port': 2}]}))
        self.assertEqual(a.slices['s'], b.slices['s'])
        self.assertEqual(a.given['s'], [{'port': 2}, {'port': 1}])

    def test_slice_id_charset_and_length(self):
        ok = 'A-z.0_9:/@' + 'x' * 118
        parse_slices_body(body({ok: [{'port': 1}]}))
        for bad in ('', 'a b', 'x' * 129, 'é', 'a#b'):
            with self.assertRaises(ApiError) as ctx:
                parse_slices_body(body({bad: [{'port': 1}]}))
            self.assertEqual(ctx.exception.details['field'],
                             'slices["%s"]' % bad if bad != 'é'
                             else 'slices["\\u00e9"]')

    def test_boundaries(self):
        parse_slices_body(body({'s': [
            {'port': 1, 'vlan': 1, 'innerVlan': 4094},
            {'port': 0xffffff00, 'vlan': 4094, 'ingressKbps': 1,
             'egressKbps': 1}]}))


class InvalidBodyTest(unittest.TestCase):
    def assertInvalid(self, raw, field, status=400, mode='openflow'):
        with self.assertRaises(ApiError) as ctx:
            parse_slices_body(raw, mode)
        self.assertEqual(ctx.exception.status, status)
        self.assertEqual(ctx.exception.details.get('field'), field)
        return ctx.exception

    def test_body_shape(self):
        self.assertInvalid([], 'body')
        self.assertInvalid({}, 'slices')
        self.assertInvalid({'slices': []}, 'slices')
        self.assertInvalid({'slices': {}, 'extra': 1}, 'extra')

    def test_generation(self):
        for bad in (-1, 1.5, '3', True, None):
            self.assertInvalid({'slices': {}, 'generation': bad},
                               'generation')

    def test_slice_shape(self):
        self.assertInvalid({'slices': {'s': []}}, 'slices["s"]')
        self.assertInvalid({'slices': {'s': {}}}, 'slices["s"].circuits')
        self.assertInvalid({'slices': {'s': {'circuits': []}}},
                           'slices["s"].circuits')
        self.assertInvalid({'slices': {'s': {'circuits': [{'port': 1}],
                                             'name': 'x'}}},
                           'slices["s"].name')

    def test_circuit_fields_name_the_exact_path(self):
        cases = [
            ({'vlan': 5}, 'slices["sw1/17"].circuits[1].port'),
            ({'port': 0}, 'slices["sw1/17"].circuits[1].port'),
            ({'port': 0xffffff01}, 'slices["sw1/17"].circuits[1].port'),
            ({'port': '3'}, 'slices["sw1/17"].circuits[1].port'),
            ({'port': 3.0}, 'slices["sw1/17"].circuits[1].port'),
            ({'port': True}, 'slices["sw1/17"].circuits[1].port'),
            ({'port': 3, 'vlan': 0}, 'slices["sw1/17"].circuits[1].vlan'),
            ({'port': 3, 'vlan': 4095}, 'slices["sw1/17"].circuits[1].vlan'),
            ({'port': 3, 'vlan': None}, 'slices["sw1/17"].circuits[1].vlan'),
            ({'port': 3, 'innerVlan': 5},
             'slices["sw1/17"].circuits[1].innerVlan'),
            ({'port': 3, 'vlan': 5, 'innerVlan': 4095},
             'slices["sw1/17"].circuits[1].innerVlan'),
            ({'port': 3, 'ingressKbps': 0},
             'slices["sw1/17"].circuits[1].ingressKbps'),
            ({'port': 3, 'egressKbps': 1.5},
             'slices["sw1/17"].circuits[1].egressKbps'),
            ({'port': 3, 'label': 7}, 'slices["sw1/17"].circuits[1].label'),
            ('3', 'slices["sw1/17"].circuits[1]'),
        ]
        for circuit, field in cases:
            with self.subTest(circuit=circuit):
                self.assertInvalid(body({'sw1/17': [{'port': 1}, circuit]}),
                                   field)

    def test_same_circuit_twice_in_a_slice_is_400(self):
        err = self.assertInvalid(body({'s': [
            {'port': 1, 'vlan': 5}, {'port': 2},
            {'port': 1, 'vlan': 5, 'ingressKbps': 9}]}),
            'slices["s"].circuits[2]')
        self.assertEqual(err.details['duplicateOf'], 'slices["s"].circuits[0]')


class ConflictTest(unittest.TestCase):
    def conflict(self, raw):
        with self.assertRaises(ApiError) as ctx:
            parse_slices_body(raw)
        self.assertEqual(ctx.exception.status, 409)
        self.assertEqual(ctx.exception.code, 'CONFLICT')
        return ctx.exception.details

    def test_rule(self):
        C = Circuit
        yes = [((3, None, None), (3, 100, None)),
               ((3, 100, None), (3, 100, 7)),
               ((3, 100, 7), (3, 100, 7)),
               ((3, None, None), (3, None, None))]
        no = [((3, 100, None), (3, 200, None)),
              ((3, 100, 7), (3, 100, 8)),
              ((3, 100, 7), (3, 200, 7)),
              ((3, None, None), (4, None, None)),
              ((3, 100, None), (3, 200, 7))]
        for a, b in yes:
            self.assertTrue(circuits_conflict(C(*a, None, None),
                                              C(*b, None, None)), (a, b))
            self.assertTrue(circuits_conflict(C(*b, None, None),
                                              C(*a, None, None)), (b, a))
        for a, b in no:
            self.assertFalse(circuits_conflict(C(*a, None, None),
                                               C(*b, None, None)), (a, b))

    def test_across_slices_names_both_circuits(self):
        details = self.conflict(body({
            'a': [{'port': 1}, {'port': 3, 'vlan': 100}],
            'b': [{'port': 2}, {'port': 3, 'vlan': 100, 'innerVlan': 5}]}))
        self.assertEqual(details['field'], 'slices["b"].circuits[1]')
        self.assertEqual(details['conflictsWith'], 'slices["a"].circuits[1]')

    def test_within_a_slice(self):
        details = self.conflict(body({'a': [{'port': 3},
                                            {'port': 3, 'vlan': 9}]}))
        self.assertEqual(details['field'], 'slices["a"].circuits[1]')
        self.assertEqual(details['conflictsWith'], 'slices["a"].circuits[0]')

    def test_shape_errors_win_over_conflicts(self):
        with self.assertRaises(ApiError) as ctx:
            parse_slices_body(body({'a': [{'port': 3}],
                                    'b': [{'port': 3}, {'port': 'x'}]}))
        self.assertEqual(ctx.exception.status, 400)


class PortgroupsModeTest(unittest.TestCase):
    def test_only_port_is_allowed(self):
        parse_slices_body(body({'s': [{'port': 1}, {'port': 2}]}),
                          'portgroups')
        for key, value in (('vlan', 5), ('innerVlan', 5),
                           ('ingressKbps', 10), ('egressKbps', 10)):
            with self.assertRaises(ApiError) as ctx:
                parse_slices_body(body({'s': [{'port': 1},
                                              {'port': 2, key: value}]}),
                                  'portgroups')
            self.assertEqual(ctx.exception.status, 400)
            self.assertEqual(ctx.exception.details['field'],
                             'slices["s"].circuits[1].%s' % key)

    def test_a_port_is_in_one_slice_only(self):
        with self.assertRaises(ApiError) as ctx:
            parse_slices_body(body({'a': [{'port': 1}, {'port': 2}],
                                    'b': [{'port': 2}, {'port': 3}]}),
                              'portgroups')
        self.assertEqual(ctx.exception.status, 409)


class DecodeJsonTest(unittest.TestCase):
    def test_bad_json_and_empty_body(self):
        for raw in (b'', b'{', b'\xff'):
            with self.assertRaises(ApiError) as ctx:
                decode_json(raw)
            self.assertEqual(ctx.exception.details['field'], 'body')
        self.assertEqual(decode_json(b'{"slices": {}}'), {'slices': {}})

    def test_error_body_shape(self):
        err = ApiError('NOT_FOUND', 'nope', {'dpid': '00000000000000aa'})
        self.assertEqual(err.body(), {'error': {
            'code': 'NOT_FOUND', 'message': 'nope',
            'details': {'dpid': '00000000000000aa'}}})
        self.assertEqual(err.status, 404)


if __name__ == '__main__':
    unittest.main()
