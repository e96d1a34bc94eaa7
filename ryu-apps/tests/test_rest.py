"""The REST layer of the apps, called as a WSGI application (no server,
no switch).  Skipped when os-ken/Ryu is not importable."""

import io
import json
import logging
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

try:
    import dpb_openflow
    import dpb_portgroups
    HAVE_FRAMEWORK = True
except ImportError:  # pragma: no cover
    HAVE_FRAMEWORK = False

DPID = '000000000000000a'
BASE = '/dpb/api/v1'


def make_app(cls, token=None):
    app = cls.__new__(cls)          # no WSGI server, no os-ken manager
    app.name = cls.PIPELINE.name
    app.datapaths = {}
    app.token = token
    app.audit_seconds = 0
    app.state_file = None
    app.logger = logging.getLogger('dpb-test')
    return app


def call(app, method, path, body=None, headers=None, query=''):
    data = b'' if body is None else (
        body if isinstance(body, bytes) else json.dumps(body).encode())
    environ = {'REQUEST_METHOD': method, 'PATH_INFO': path,
               'QUERY_STRING': query, 'CONTENT_LENGTH': str(len(data)),
               'wsgi.input': io.BytesIO(data)}
    for key, value in (headers or {}).items():
        environ['HTTP_' + key.upper().replace('-', '_')] = value
    captured = {}

    def start_response(status, response_headers):
        captured['status'] = int(status.split()[0])
        captured['headers'] = dict(response_headers)
    chunks = app._wsgi(environ, start_response)
    assert captured['headers']['Content-Type'].startswith('application/json')
    return captured['status'], json.loads(b''.join(chunks).decode())


def slices(**named):
    return {'slices': {sid: {'circuits': circuits}
                       for sid, circuits in named.items()}}


@unittest.skipUnless(HAVE_FRAMEWORK, 'os-ken/Ryu not importable')
class RestTest(unittest.TestCase):
    def setUp(self):
        self.app = make_app(dpb_openflow.DpbOpenflow)

    def put(self, body, dpid=DPID):
        return call(self.app, 'PUT', '%s/datapaths/%s/slices' % (BASE, dpid),
                    body)

    def test_health(self):
        status, body = call(self.app, 'GET', BASE + '/health')
        self.assertEqual(status, 200)
        self.assertEqual(body, {'app': 'dpb-openflow', 'apiVersion': 1,
                                'datapaths': 0, 'connected': 0})

    def test_unknown_dpid_is_404_and_bad_dpid_400(self):
        status, body = call(self.app, 'GET',
                            '%s/datapaths/%s/slices' % (BASE, DPID))
        self.assertEqual(status, 404)
        self.assertEqual(body['error']['code'], 'NOT_FOUND')
        self.assertEqual(body['error']['details']['dpid'], DPID)
        status, body = call(self.app, 'GET', BASE + '/datapaths/10/slices')
        self.assertEqual(status, 400)
        self.assertEqual(body['error']['details']['field'], 'dpid')

    def test_pre_provisioning_before_the_switch_connects(self):
        status, body = self.put(dict(slices(s=[{'port': 1}, {'port': 2,
                                                             'vlan': 7}]),
                                     generation=3),
                                dpid=DPID.upper())
        self.assertEqual(status, 200)
        self.assertEqual(body['dpid'], DPID)
        self.assertFalse(body['connected'])
        self.assertEqual(body['generation'], 3)
        self.assertEqual(body['appliedGeneration'], 0)
        self.assertEqual(body['slices']['s']['state'], 'pending')
        self.assertIn('not connected', body['slices']['s']['reason'])
        self.assertEqual(body['slices']['s']['circuits'],
                         [{'port': 1}, {'port': 2, 'vlan': 7}])
        self.assertNotIn('switch', body)
        status, listed = call(self.app, 'GET', BASE + '/datapaths')
        self.assertEqual(listed['datapaths'], [{
            'dpid': DPID, 'connected': False, 'ports': [], 'generation': 3,
            'appliedGeneration': 0}])
        status, again = call(self.app, 'GET',
                             '%s/datapaths/%s/slices' % (BASE, DPID))
        self.assertEqual(again, body)

    def test_stale_generation_is_409_and_changes_nothing(self):
        self.put(dict(slices(s=[{'port': 1}, {'port': 2}]), generation=5))
        status, body = self.put(dict(slices(t=[{'port': 3}, {'port': 4}]),
                                     generation=4))
        self.assertEqual(status, 409)
        self.assertEqual(body['error']['code'], 'CONFLICT')
        self.assertEqual(body['error']['details']['field'], 'generation')
        status, body = call(self.app, 'GET',
                            '%s/datapaths/%s/slices' % (BASE, DPID))
        self.assertEqual(list(body['slices']), ['s'])
        self.assertEqual(body['generation'], 5)
        status, body = self.put(dict(slices(t=[{'port': 3}]), generation=5))
        self.assertEqual(status, 200)
        status, body = self.put(slices(u=[{'port': 3}]))
        self.assertEqual((status, body['generation']), (200, 5))

    def test_invalid_body_changes_nothing(self):
        self.put(slices(s=[{'port': 1}, {'port': 2}]))
        for bad, code in ((b'{nope', 400),
                          (slices(s=[{'port': 1}], t=[{'port': 1}]), 409),
                          (slices(s=[{'port': 1, 'vlan': 9999}]), 400)):
            status, body = self.put(bad)
            self.assertEqual(status, code)
            self.assertIn('field', body['error']['details'])
        status, body = call(self.app, 'GET',
                            '%s/datapaths/%s/slices' % (BASE, DPID))
        self.assertEqual(body['slices']['s']['circuits'],
                         [{'port': 1}, {'port': 2}])

    def test_delete_is_a_put_of_nothing(self):
        self.put(slices(s=[{'port': 1}, {'port': 2}]))
        status, body = call(self.app, 'DELETE',
                            '%s/datapaths/%s/slices' % (BASE, DPID))
        self.assertEqual((status, body['slices']), (200, {}))

    def test_unknown_route(self):
        status, body = call(self.app, 'GET', BASE + '/nothing')
        self.assertEqual((status, body['error']['code']), (404, 'NOT_FOUND'))
        status, body = call(self.app, 'POST', BASE + '/health')
        self.assertEqual(status, 404)


@unittest.skipUnless(HAVE_FRAMEWORK, 'os-ken/Ryu not importable')
class StateFileTest(unittest.TestCase):
    def test_the_last_accepted_state_survives_a_restart(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'state.json')
            first = make_app(dpb_openflow.DpbOpenflow)
            first.state_file = path
            body = dict(slices(s=[{'port': 1, 'vlan': 7, 'ingressKbps': 5},
                                  {'port': 2}]), generation=4)
            call(first, 'PUT', '%s/datapaths/%s/slices' % (BASE, DPID), body)
            # a rejected request does not reach the file
            call(first, 'PUT', '%s/datapaths/%s/slices' % (BASE, DPID),
                 slices(t=[{'port': 1}, {'port': 1}]))
            second = make_app(dpb_openflow.DpbOpenflow)
            second.state_file = path
            second._load_state()
            status, got = call(second, 'GET', '%s/datapaths/%s/slices' %
                               (BASE, DPID))
            self.assertEqual(status, 200)
            self.assertEqual(got['generation'], 4)
            self.assertEqual(got['slices']['s']['circuits'],
                             body['slices']['s']['circuits'])
            # another app's file is ignored
            third = make_app(dpb_portgroups.DpbPortgroups)
            third.state_file = path
            third._load_state()
            self.assertEqual(third.datapaths, {})


@unittest.skipUnless(HAVE_FRAMEWORK, 'os-ken/Ryu not importable')
class AuthTest(unittest.TestCase):
    def test_bearer_token_is_required_everywhere(self):
        app = make_app(dpb_openflow.DpbOpenflow, token='s3cret')
        for headers in ({}, {'Authorization': 'Bearer wrong'},
                        {'Authorization': 's3cret'}):
            status, body = call(app, 'GET', BASE + '/health', headers=headers)
            self.assertEqual(status, 401)
            self.assertEqual(body['error']['code'], 'UNAUTHENTICATED')
        status, body = call(app, 'GET', BASE + '/health',
                            headers={'Authorization': 'Bearer s3cret'})
        self.assertEqual(status, 200)


@unittest.skipUnless(HAVE_FRAMEWORK, 'os-ken/Ryu not importable')
class PortgroupsRestTest(unittest.TestCase):
    def test_health_names_the_app_and_tags_are_refused(self):
        app = make_app(dpb_portgroups.DpbPortgroups)
        status, body = call(app, 'GET', BASE + '/health')
        self.assertEqual(body['app'], 'dpb-portgroups')
        status, body = call(app, 'PUT', '%s/datapaths/%s/slices' %
                            (BASE, DPID),
                            slices(s=[{'port': 1}, {'port': 2, 'vlan': 3}]))
        self.assertEqual(status, 400)
        self.assertEqual(body['error']['details']['field'],
                         'slices["s"].circuits[1].vlan')


if __name__ == '__main__':
    unittest.main()
