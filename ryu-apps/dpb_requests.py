"""Validation of the dpb controller apps' REST requests (pure Python).

Implements the request rules of the REST contract (``README.md``):

* ``parse_dpid(text)``: exactly 16 hex digits -> lower-case string;
* ``parse_slices_body(raw, mode)``: the body of ``PUT .../slices`` ->
  ``SlicesRequest``; every problem raises ``ApiError`` with
  ``details.field`` naming the offending field as a path such as
  ``slices["sw1/17"].circuits[2].vlan``.

Validation is all-or-nothing: the caller changes no state unless this
module returned a request.  ``mode`` is ``"openflow"`` (generic slicer:
ports, VLANs, QinQ and rates) or ``"portgroups"`` (Corsa shared VFC: only
``port``).
"""

import collections
import json
import re

MAX_PORT = 0xffffff00
MAX_VLAN = 4094
SLICE_ID_RE = re.compile(r'^[A-Za-z0-9._:/@-]{1,128}$')
DPID_RE = re.compile(r'^[0-9A-Fa-f]{16}$')

CIRCUIT_KEYS = ('port', 'vlan', 'innerVlan', 'ingressKbps', 'egressKbps')
PORTGROUPS_UNSUPPORTED = ('vlan', 'innerVlan', 'ingressKbps', 'egressKbps')

HTTP_STATUS = {
    'INVALID_ARGUMENT': 400,
    'UNAUTHENTICATED': 401,
    'NOT_FOUND': 404,
    'CONFLICT': 409,
    'INTERNAL': 500,
}


class ApiError(Exception):
    """An error answered as ``{"error": {code, message, details}}``."""

    def __init__(self, code, message, details=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}

    @property
    def status(self):
        return HTTP_STATUS[self.code]

    def body(self):
        return {'error': {'code': self.code, 'message': self.message,
                          'details': self.details}}


def invalid(field, message, **extra):
    details = {'field': field}
    details.update(extra)
    return ApiError('INVALID_ARGUMENT', message, details)


class Circuit(collections.namedtuple(
        'Circuit', 'port vlan inner ingress_kbps egress_kbps')):
    """One circuit of a slice; ``vlan``/``inner``/rates may be None."""

    __slots__ = ()

    @property
    def key(self):
        """Identity of the circuit on the switch: (port, vlan, inner)."""
        return (self.port, self.vlan, self.inner)

    def sort_key(self):
        return (self.port, self.vlan or 0, self.inner or 0,
                self.ingress_kbps or 0, self.egress_kbps or 0)

    def describe(self):
        """Short text such as ``3``, ``3.100`` or ``3.100.30``."""
        parts = [str(self.port)]
        if self.vlan is not None:
            parts.append(str(self.vlan))
        if self.inner is not None:
            parts.append(str(self.inner))
        return '.'.join(parts)


SlicesRequest = collections.namedtuple(
    'SlicesRequest', 'generation slices given')
"""``generation``: int or None; ``slices``: ordered dict sliceId ->
tuple(Circuit) canonically sorted; ``given``: sliceId -> list of circuit
dicts exactly as received (for echoing)."""


def parse_dpid(text):
    """Validate a dpid path segment; answer it in lower case."""
    if not isinstance(text, str) or not DPID_RE.match(text):
        raise invalid('dpid', 'dpid must be exactly 16 hexadecimal digits',
                      value=text if isinstance(text, str) else None)
    return text.lower()


def slice_path(slice_id):
    return 'slices[%s]' % json.dumps(slice_id)


def circuits_conflict(a, b):
    """Contract rule: same port and either untagged-whole-port, or same
    outer VLAN with a missing inner VLAN on either side, or equal tags."""
    if a.port != b.port:
        return False
    if a.vlan is None or b.vlan is None:
        return True
    if a.vlan != b.vlan:
        return False
    if a.inner is None or b.inner is None:
        return True
    return a.inner == b.inner


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_circuit(raw, path, mode):
    if not isinstance(raw, dict):
        raise invalid(path, 'a circuit must be a JSON object')
    for key in raw:
        if key not in CIRCUIT_KEYS:
            raise invalid('%s.%s' % (path, key),
                          'unknown circuit key %r' % key)
    if mode == 'portgroups':
        for key in PORTGROUPS_UNSUPPORTED:
            if key in raw:
                raise invalid(
                    '%s.%s' % (path, key),
                    '%s is not supported by dpb-portgroups: on a Corsa '
                    'shared VFC the tunnels do tagging and QoS' % key)
    if 'port' not in raw:
        raise invalid('%s.port' % path, 'port is required')
    port = raw['port']
    if not _is_int(port) or not 1 <= port <= MAX_PORT:
        raise invalid('%s.port' % path,
                      'port must be an integer from 1 to %d' % MAX_PORT,
                      value=port)
    vlan = raw.get('vlan')
    if 'vlan' in raw and (not _is_int(vlan) or not 1 <= vlan <= MAX_VLAN):
        raise invalid('%s.vlan' % path,
                      'vlan must be an integer from 1 to %d' % MAX_VLAN,
                      value=vlan)
    inner = raw.get('innerVlan')
    if 'innerVlan' in raw:
        if not _is_int(inner) or not 1 <= inner <= MAX_VLAN:
            raise invalid('%s.innerVlan' % path,
                          'innerVlan must be an integer from 1 to %d'
                          % MAX_VLAN, value=inner)
        if vlan is None:
            raise invalid('%s.innerVlan' % path,
                          'innerVlan needs vlan (the outer tag)')
    rates = {}
    for key in ('ingressKbps', 'egressKbps'):
        value = raw.get(key)
        if key in raw and (not _is_int(value) or value < 1):
            raise invalid('%s.%s' % (path, key),
                          '%s must be an integer >= 1' % key, value=value)
        rates[key] = value
    return Circuit(port, vlan, inner, rates['ingressKbps'],
                   rates['egressKbps'])


def parse_slices_body(raw, mode='openflow'):
    """Validate a decoded JSON body of ``PUT .../slices``."""
    if mode not in ('openflow', 'portgroups'):
        raise ValueError(mode)
    if not isinstance(raw, dict):
        raise invalid('body', 'the body must be a JSON object')
    for key in raw:
        if key not in ('generation', 'slices'):
            raise invalid(key, 'unknown key %r' % key)
    generation = raw.get('generation')
    if 'generation' in raw and (not _is_int(generation) or generation < 0):
        raise invalid('generation', 'generation must be an integer >= 0',
                      value=generation)
    if 'slices' not in raw:
        raise invalid('slices', 'slices is required (use {} for none)')
    slices_raw = raw['slices']
    if not isinstance(slices_raw, dict):
        raise invalid('slices', 'slices must be a JSON object')

    slices = collections.OrderedDict()
    given = collections.OrderedDict()
    located = []  # (circuit, path) in body order, for conflicts
    for slice_id, body in slices_raw.items():
        spath = slice_path(slice_id)
        if not SLICE_ID_RE.match(slice_id):
            raise invalid(spath, 'a slice id has 1 to 128 characters from '
                                 '[A-Za-z0-9._:/@-]')
        if not isinstance(body, dict):
            raise invalid(spath, 'a slice must be a JSON object')
        for key in body:
            if key != 'circuits':
                raise invalid('%s.%s' % (spath, key),
                              'unknown slice key %r' % key)
        circuits_raw = body.get('circuits')
        cpath = '%s.circuits' % spath
        if not isinstance(circuits_raw, list) or not circuits_raw:
            raise invalid(cpath, 'circuits must be a non-empty array')
        circuits = []
        seen = {}
        for index, craw in enumerate(circuits_raw):
            path = '%s[%d]' % (cpath, index)
            circuit = _parse_circuit(craw, path, mode)
            if circuit.key in seen:
                raise invalid(path, 'the same circuit appears twice in the '
                                    'slice', duplicateOf=seen[circuit.key])
            seen[circuit.key] = path
            circuits.append(circuit)
            located.append((circuit, path))
        slices[slice_id] = tuple(sorted(circuits, key=Circuit.sort_key))
        given[slice_id] = [dict(c) for c in circuits_raw]

    _check_conflicts(located)
    return SlicesRequest(generation, slices, given)


def _check_conflicts(located):
    by_port = collections.defaultdict(list)
    for circuit, path in located:
        for other, other_path in by_port[circuit.port]:
            if circuits_conflict(other, circuit):
                raise ApiError(
                    'CONFLICT',
                    'circuit %s conflicts with circuit %s on port %d'
                    % (path, other_path, circuit.port),
                    {'field': path, 'conflictsWith': other_path,
                     'port': circuit.port})
        by_port[circuit.port].append((circuit, path))


def decode_json(data):
    """Decode a request body (bytes); empty -> ApiError (field body)."""
    if not data:
        raise invalid('body', 'a JSON body is required')
    try:
        return json.loads(data.decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as exc:
        raise invalid('body', 'the body is not valid JSON: %s' % exc)
