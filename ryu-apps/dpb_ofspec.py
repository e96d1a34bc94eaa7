"""Plain-data OpenFlow 1.3 specs and the per-datapath planner (pure Python).

Nothing here talks to a switch or imports os-ken.  A *pipeline builder*
(``dpb_pipeline.OpenflowPipeline`` or ``dpb_portgroups_pipeline.
PortgroupsPipeline``) turns one slice into flow/group/meter specs; the
``Planner`` keeps what is installed on one datapath and turns a desired
slice set plus the switch's port list into an ordered ``Plan`` of
operations.  The os-ken glue (``dpb_controller``) only translates the
operations into OpenFlow messages and sends them with barriers.

Operations (namedtuples, hashable, comparable):

* ``FlowAdd(table, priority, cookie, match, instructions, idle_timeout,
  flags)``; ``match`` is a sorted tuple of ``(field, value)`` where value
  is an int, a MAC string, or ``(value, mask)``; ``instructions`` is a
  tuple of ``('meter', id)``, ``('apply', actions)``,
  ``('write_metadata', value, mask)``, ``('goto', table)``; actions are
  ``('pop_vlan',)``, ``('push_vlan', tpid)``, ``('set_vlan_vid', vid)``
  (vid includes 0x1000), ``('output', port)`` (port may be
  ``OFPP_IN_PORT``), ``('controller', max_len)``, ``('group', id)``.
* ``FlowDel(table, match, cookie, cookie_mask, strict, priority)``.
* ``GroupAdd(group_id, buckets)``, ``GroupMod(group_id, buckets)``
  (type ALL; a bucket is a tuple of actions), ``GroupDel(group_id)``.
* ``MeterAdd(meter_id, kbps, burst_kb)`` (KBPS|BURST|STATS, one drop band),
  ``MeterDel(meter_id)``.
* ``PacketOut(in_port, actions, data, buffer_id)``.

Cookie layout (64 bits)::

    63......48 47..........28 27......20 19...........0
    namespace  slice number   version    circuit (index+1, 0 = slice-wide)

Slice number 0 is the app's shared infrastructure (LLDP drop, QinQ outer
tag rules).  Cookie 0 is never used.  One masked delete removes a slice
(``MASK_SLICE``), one version of a slice (``MASK_VERSION``) or what a
single circuit of a version touches (exact cookie).
"""

import collections
import heapq

OFPP_IN_PORT = 0xfffffff8
OFPP_CONTROLLER = 0xfffffffd
OFPP_ANY = 0xffffffff
OFPTT_ALL = 0xff
OFPG_ALL = 0xfffffffc
OFPM_ALL = 0xffffffff
OFPM_MAX = 0xffff0000
OFPG_MAX = 0xffffff00
OFPCML_NO_BUFFER = 0xffff
OFP_NO_BUFFER = 0xffffffff
OFPVID_PRESENT = 0x1000
OFPFF_SEND_FLOW_REM = 1
FULL_MASK = 0xffffffffffffffff
ETH_TYPE_LLDP = 0x88cc
TPID_8021Q = 0x8100
TPID_8021AD = 0x88a8

NS_SHIFT = 48
SLICE_SHIFT = 28
SLICE_BITS = 20
VERSION_SHIFT = 20
VERSION_BITS = 8
CIRCUIT_BITS = 20
MAX_SLICE_NO = (1 << SLICE_BITS) - 1
MAX_VERSION = (1 << VERSION_BITS) - 1
MAX_CIRCUIT = (1 << CIRCUIT_BITS) - 1

MASK_NS = 0xffff << NS_SHIFT
MASK_SLICE = MASK_NS | (MAX_SLICE_NO << SLICE_SHIFT)
MASK_VERSION = MASK_SLICE | (MAX_VERSION << VERSION_SHIFT)
MASK_EXACT = FULL_MASK
METADATA_VERSION_MASK = MASK_VERSION & ~MASK_NS & FULL_MASK

MIN_BURST_KB = 24  # two 1500-byte frames, in kilobits
BURST_MS = 20


def make_cookie(ns, slice_no, version=0, circuit=0):
    """Compose a cookie (see the module doc for the layout)."""
    if not 0 <= slice_no <= MAX_SLICE_NO:
        raise ValueError('slice number %r out of range' % slice_no)
    if not 0 <= version <= MAX_VERSION:
        raise ValueError('version %r out of range' % version)
    if not 0 <= circuit <= MAX_CIRCUIT:
        raise ValueError('circuit %r out of range' % circuit)
    return ((ns << NS_SHIFT) | (slice_no << SLICE_SHIFT)
            | (version << VERSION_SHIFT) | circuit)


def split_cookie(cookie):
    """``(namespace, slice_no, version, circuit)`` of a cookie."""
    return ((cookie >> NS_SHIFT) & 0xffff,
            (cookie >> SLICE_SHIFT) & MAX_SLICE_NO,
            (cookie >> VERSION_SHIFT) & MAX_VERSION,
            cookie & MAX_CIRCUIT)


def burst_kb(kbps):
    """Burst of a policer: about rate x 20 ms, at least two full frames."""
    return max(-(-kbps * BURST_MS // 1000), MIN_BURST_KB)


FlowAdd = collections.namedtuple(
    'FlowAdd', 'table priority cookie match instructions idle_timeout flags')
FlowDel = collections.namedtuple(
    'FlowDel', 'table match cookie cookie_mask strict priority')
GroupAdd = collections.namedtuple('GroupAdd', 'group_id buckets')
GroupMod = collections.namedtuple('GroupMod', 'group_id buckets')
GroupDel = collections.namedtuple('GroupDel', 'group_id')
MeterAdd = collections.namedtuple('MeterAdd', 'meter_id kbps burst_kb')
MeterDel = collections.namedtuple('MeterDel', 'meter_id')
PacketOut = collections.namedtuple(
    'PacketOut', 'in_port actions data buffer_id')


def canon_match(match):
    return tuple(sorted((match or {}).items()))


def flow(table, priority, cookie, match, instructions, idle_timeout=0,
         flags=0):
    """Build a ``FlowAdd`` from a match dict and an instruction list."""
    return FlowAdd(table, priority, cookie, canon_match(match),
                   tuple(instructions), idle_timeout, flags)


def flow_delete(table, match=None, cookie=0, cookie_mask=0, strict=False,
                priority=0):
    return FlowDel(table, canon_match(match), cookie, cookie_mask, strict,
                   priority)


class MacLearning(object):
    """Forgetting a learned MAC, the same in both pipelines: a subclass sets
    SOURCE_TABLE (where its learned-source rules live) and FORWARD_TABLE
    (where its per-MAC delivery rules live)."""

    SOURCE_TABLE = None
    FORWARD_TABLE = None

    @classmethod
    def _forget(cls, spec, mac):
        spec.learned.pop(mac, None)
        return [flow_delete(cls.SOURCE_TABLE, {'eth_src': mac},
                            spec.version_cookie(), MASK_VERSION),
                flow_delete(cls.FORWARD_TABLE, {'eth_dst': mac},
                            spec.version_cookie(), MASK_VERSION)]

    def flow_removed(self, spec, cookie, match):
        """A learned-source rule expired: forget its MAC if it still belongs
        to the circuit the cookie names."""
        mac = match.get('eth_src')
        if not isinstance(mac, str):
            return []
        mac = mac.lower()
        index = split_cookie(cookie)[3] - 1
        if spec.learned.get(mac) != index:
            return []
        return self._forget(spec, mac)


def strict_delete_of(flow_add, cookie_mask=MASK_EXACT):
    """A strict delete that removes exactly ``flow_add`` (and only while it
    still carries its cookie)."""
    return FlowDel(flow_add.table, flow_add.match, flow_add.cookie,
                   cookie_mask, True, flow_add.priority)


def mac_text(raw):
    """6 bytes -> ``aa:bb:cc:dd:ee:ff``."""
    return ':'.join('%02x' % b for b in bytearray(raw[:6]))


def is_unicast_mac(raw):
    data = bytearray(raw[:6])
    return len(data) == 6 and not data[0] & 1 and any(data)


class OutOfIds(Exception):
    """A meter, group or slice-number pool is exhausted."""

    def __init__(self, what, limit):
        super().__init__('out of %s ids (the switch allows %d)'
                         % (what, limit))
        self.what = what
        self.limit = limit


class IdPool(object):
    """Lowest-free allocator of ids ``first..last`` (freed ids first)."""

    def __init__(self, what, first, last):
        self.what = what
        self.first = first
        self.last = last
        self.reset()

    def reset(self):
        self._next = self.first
        self._free = []
        self.used = set()

    def set_last(self, last):
        self.last = last

    def alloc(self):
        while self._free:
            candidate = heapq.heappop(self._free)
            if candidate <= self.last and candidate not in self.used:
                self.used.add(candidate)
                return candidate
        if self._next > self.last:
            raise OutOfIds(self.what, self.last - self.first + 1)
        candidate = self._next
        self._next += 1
        self.used.add(candidate)
        return candidate

    def free(self, value):
        if value in self.used:
            self.used.discard(value)
            heapq.heappush(self._free, value)


class Pools(object):
    """The id pools of one datapath."""

    def __init__(self):
        self.meter = IdPool('meter', 1, OFPM_MAX)
        self.group = IdPool('group', 1, OFPG_MAX)
        self.slice_no = IdPool('slice number', 1, MAX_SLICE_NO)

    def reset(self):
        self.meter.reset()
        self.group.reset()
        self.slice_no.reset()


class SliceSpec(object):
    """What one version of one slice puts on the switch."""

    def __init__(self, sid, slice_no, version, kind, circuits, present,
                 missing_ports):
        self.sid = sid
        self.slice_no = slice_no
        self.version = version
        self.kind = kind
        self.circuits = circuits          # canonical tuple of Circuit
        self.present = present            # frozenset of circuit indexes
        self.missing_ports = missing_ports  # sorted tuple of port numbers
        self.flows = []
        self.groups = []
        self.meters = []
        self.learned = {}                 # MAC text -> circuit index
        self.attrs = {}                   # builder-specific ids

    @property
    def inputs(self):
        return (self.circuits, self.present)

    def cookie(self, circuit=0):
        return make_cookie(self.ns, self.slice_no, self.version, circuit)

    def version_cookie(self):
        return self.cookie(0)

    def metadata(self, index):
        """Metadata of circuit ``index`` (slice, version, index+1)."""
        return make_cookie(0, self.slice_no, self.version, index + 1)

    def slice_metadata(self):
        return (make_cookie(0, self.slice_no, self.version, 0),
                METADATA_VERSION_MASK)

    def ids(self):
        return ([m.meter_id for m in self.meters],
                [g.group_id for g in self.groups])


Plan = collections.namedtuple('Plan', 'detach make brk changed failed')
"""Three phases of ``(owner sliceId or None, op)``, each followed by a
barrier: ``detach`` (cut circuits that leave a slice and remove deleted
slices), ``make`` (new versions; an error here fails the owner slice),
``brk`` (remove replaced versions and unused infrastructure).
``changed``: slice ids that got a new version; ``failed``: sliceId ->
reason for slices that could not even be planned (id exhaustion)."""

def _order_key(item):
    op = item[1]
    kind = type(op)
    if kind is MeterAdd:
        return (0, 0)
    if kind is GroupAdd:
        return (1, 0)
    if kind is FlowAdd:
        return (2, -op.table)
    if kind is FlowDel:
        return (3, 0)
    if kind is GroupMod:
        return (4, 0)
    if kind is GroupDel:
        return (5, 0)
    if kind is MeterDel:
        return (6, 0)
    return (7, 0)


def order_ops(ops):
    """Stable order that keeps references valid: meters, groups, flows
    (last table first) when adding; flows, groups, meters when removing."""
    return sorted(ops, key=_order_key)


class Planner(object):
    """Desired state -> ordered operations, for one datapath.

    ``builder`` is a pipeline builder; see ``dpb_pipeline`` for the
    interface.  The planner updates its view of the switch optimistically
    when it plans; the caller reports switch errors with ``fail()`` and a
    lost or fresh connection with ``reset()``.
    """

    def __init__(self, builder):
        self.builder = builder
        self.pools = Pools()
        self.specs = {}        # sliceId -> SliceSpec (on the switch)
        self.failed = {}       # sliceId -> (inputs, reason)
        self.by_no = {}        # slice number -> sliceId
        self.slice_nos = {}    # sliceId -> slice number
        self.versions = {}     # sliceId -> last version used
        self.infra = set()     # FlowAdd of shared infrastructure

    # -- lifecycle -------------------------------------------------------

    def reset(self):
        """Forget the switch (it was wiped, or will be).  Desired state is
        the caller's; failed slices are retried on the next plan."""
        self.pools.reset()
        self.specs.clear()
        self.failed.clear()
        self.by_no.clear()
        self.slice_nos.clear()
        self.infra = set()

    def set_limits(self, max_meter=None, max_group=None):
        if max_meter is not None:
            self.pools.meter.set_last(max_meter)
        if max_group is not None:
            self.pools.group.set_last(max_group)

    def wipe_ops(self):
        return [(None, op) for op in self.builder.wipe_ops()]

    # -- planning --------------------------------------------------------

    def present_of(self, circuits, ports, blocked=()):
        present = frozenset(i for i, c in enumerate(circuits)
                            if c.port in ports and c.port not in blocked)
        missing = tuple(sorted({c.port for c in circuits
                                if c.port not in ports or c.port in blocked}))
        return present, missing

    def _next_version(self, sid):
        version = self.versions.get(sid, 0) % MAX_VERSION + 1
        self.versions[sid] = version
        return version

    def _slice_no(self, sid):
        if sid not in self.slice_nos:
            number = self.pools.slice_no.alloc()
            self.slice_nos[sid] = number
            self.by_no[number] = sid
        return self.slice_nos[sid]

    def _release_slice_no(self, sid):
        number = self.slice_nos.pop(sid, None)
        if number is not None:
            self.by_no.pop(number, None)
            self.pools.slice_no.free(number)

    def _free_ids(self, spec):
        meters, groups = spec.ids()
        for meter_id in meters:
            self.pools.meter.free(meter_id)
        for group_id in groups:
            self.pools.group.free(group_id)

    def _removal_ops(self, spec):
        ns = self.builder.ns
        ops = [flow_delete(OFPTT_ALL, None,
                           make_cookie(ns, spec.slice_no), MASK_SLICE)]
        ops += [GroupDel(g.group_id) for g in spec.groups]
        ops += [MeterDel(m.meter_id) for m in spec.meters]
        return ops

    def _version_removal_ops(self, spec):
        ops = [flow_delete(OFPTT_ALL, None, spec.version_cookie(),
                           MASK_VERSION)]
        ops += [GroupDel(g.group_id) for g in spec.groups]
        ops += [MeterDel(m.meter_id) for m in spec.meters]
        return ops

    def plan(self, desired, ports, blocked=None):
        """Plan the switch towards ``desired`` (sliceId -> canonical tuple
        of Circuit) given the switch's ``ports``.  ``blocked``: sliceId ->
        ports that must not be wired for that slice even if present."""
        blocked = blocked or {}
        detach, make, brk = [], [], []
        changed, failed_now = set(), {}
        to_free = []          # specs whose ids are released after planning
        released_nos = []

        for sid in list(self.specs):
            if sid not in desired:
                old = self.specs.pop(sid)
                detach += [(sid, op) for op in self._removal_ops(old)]
                to_free.append(old)
                released_nos.append(sid)
        for sid in list(self.failed):
            if sid not in desired:
                del self.failed[sid]
                released_nos.append(sid)

        for sid, circuits in desired.items():
            present, missing = self.present_of(circuits, ports,
                                               blocked.get(sid, ()))
            inputs = (circuits, present)
            old = self.specs.get(sid)
            if old is not None and old.inputs == inputs:
                continue
            if old is None and sid in self.failed \
                    and self.failed[sid][0] == inputs:
                continue
            self.failed.pop(sid, None)
            spec = self._build(sid, circuits, present, missing)
            if isinstance(spec, str):
                failed_now[sid] = spec
                self.failed[sid] = (inputs, spec)
                if old is not None:
                    self.specs.pop(sid)
                    detach += [(sid, op) for op in self._removal_ops(old)]
                    to_free.append(old)
                continue
            if old is not None:
                leaving = self._leaving(old, spec)
                if leaving:
                    detach += [(sid, op) for op in
                               self.builder.detach_ops(old, leaving)]
                brk += [(sid, op) for op in self._version_removal_ops(old)]
                to_free.append(old)
            make += [(sid, m) for m in spec.meters]
            make += [(sid, g) for g in spec.groups]
            make += [(sid, f) for f in spec.flows]
            self.specs[sid] = spec
            changed.add(sid)

        infra = set(self.builder.infra_flows(self.specs.values()))
        make += [(None, f) for f in sorted(infra - self.infra, key=repr)]
        brk += [(None, strict_delete_of(f)) for f in
                sorted(self.infra - infra, key=repr)]
        self.infra = infra

        for old in to_free:
            self._free_ids(old)
        for sid in released_nos:
            if sid not in desired:
                self._release_slice_no(sid)
        return Plan(order_ops(detach), order_ops(make), order_ops(brk),
                    changed, failed_now)

    def _build(self, sid, circuits, present, missing):
        """A new version of ``sid``, or the reason it cannot be built."""
        spec = None
        try:
            slice_no = self._slice_no(sid)
            spec = SliceSpec(sid, slice_no, self._next_version(sid),
                             self.builder.kind(len(circuits)), circuits,
                             present, missing)
            spec.ns = self.builder.ns
            self.builder.build(spec, self.pools)
            return spec
        except OutOfIds as exc:
            if spec is not None:
                self._free_ids(spec)
            return str(exc)

    @staticmethod
    def _leaving(old, new):
        """Indexes (in ``old``) of present circuits that are no longer
        present, with the same identity, in ``new``."""
        keep = {new.circuits[i].key for i in new.present}
        return sorted(i for i in old.present
                      if old.circuits[i].key not in keep)

    def fail(self, sid, reason):
        """The switch refused part of ``sid``'s current version: remove the
        slice from the switch entirely and remember the failure (retried
        when its inputs change or on reset)."""
        spec = self.specs.pop(sid, None)
        if spec is None:
            if sid in self.failed:
                self.failed[sid] = (self.failed[sid][0], reason)
            return []
        self.failed[sid] = (spec.inputs, reason)
        self._free_ids(spec)
        ops = [(sid, op) for op in self._removal_ops(spec)]
        infra = set(self.builder.infra_flows(self.specs.values()))
        ops += [(None, strict_delete_of(f))
                for f in sorted(self.infra - infra, key=repr)]
        self.infra = infra
        return order_ops(ops)

    # -- audit -----------------------------------------------------------

    @staticmethod
    def flow_key(flow_add):
        return (flow_add.table, flow_add.priority, flow_add.match,
                flow_add.cookie)

    def repair_ops(self, flow_keys, group_ids, meter_ids):
        """Compare what the switch reports (``flow_keys``: (table,
        priority, canonical match, cookie) of the flows carrying the app's
        namespace; ids of all groups and meters) with the installed specs,
        and return ``(ops, damaged)``: the operations that restore exactly
        what is missing and remove static rules nobody wants, and the set
        of slice ids that had lost something (their learned MACs are
        forgotten, so they are learned again).  Learned rules (matching a
        MAC) are dynamic and ignored."""
        expected = {}
        for spec in self.specs.values():
            for flow_add in spec.flows:
                expected[self.flow_key(flow_add)] = (spec.sid, flow_add)
        for flow_add in self.infra:
            expected[self.flow_key(flow_add)] = (None, flow_add)
        ops, damaged, observed = [], set(), set()
        for key in flow_keys:
            fields = dict(key[2])
            if 'eth_src' in fields or 'eth_dst' in fields:
                continue
            observed.add(key)
            if key not in expected:
                ops.append((None, FlowDel(key[0], key[2], key[3], MASK_EXACT,
                                          True, key[1])))
        for key, (sid, flow_add) in expected.items():
            if key not in observed:
                ops.append((sid, flow_add))
                damaged.add(sid)
        for kind, present, attr, uses, delete in (
                ('groups', set(group_ids), 'group_id',
                 self.builder.uses_groups, GroupDel),
                ('meters', set(meter_ids), 'meter_id',
                 self.builder.uses_meters, MeterDel)):
            if not uses:
                continue
            wanted = set()
            for spec in self.specs.values():
                for item in getattr(spec, kind):
                    ident = getattr(item, attr)
                    wanted.add(ident)
                    if ident not in present:
                        ops.append((spec.sid, item))
                        damaged.add(spec.sid)
            ops += [(None, delete(ident)) for ident in sorted(present - wanted)]
        for sid in damaged:
            if sid is not None:
                self.specs[sid].learned.clear()
        return order_ops(ops), damaged

    # -- learning --------------------------------------------------------

    def spec_for_cookie(self, cookie):
        """The current spec a cookie belongs to, or None if stale."""
        ns, slice_no, version, _circuit = split_cookie(cookie)
        if ns != self.builder.ns:
            return None
        sid = self.by_no.get(slice_no)
        spec = self.specs.get(sid) if sid is not None else None
        if spec is None or spec.version != version:
            return None
        return spec

    def packet_in(self, cookie, metadata, in_port, data, buffer_id):
        """A frame reached the controller.  Returns ``(ops, packet_out)``:
        flow changes that learn its source (owner = slice id) and, for
        pipelines that send whole frames up, the ``PacketOut`` that
        forwards it (or None).  A frame sent up by a version that has just
        been replaced is forwarded by the current version (if its port is
        still a member) but not learned from."""
        ns, slice_no, version, _circuit = split_cookie(cookie)
        sid = self.by_no.get(slice_no) if ns == self.builder.ns else None
        spec = self.specs.get(sid) if sid is not None else None
        if spec is None or len(data) < 14:
            return [], None
        if spec.version == version:
            index = self.builder.packet_in_circuit(spec, cookie, metadata,
                                                   in_port)
            learn = True
        else:
            index = self.builder.stale_circuit(spec, in_port)
            learn = False
        if index is None or index not in spec.present:
            return [], None
        ops, out = self.builder.packet_in(spec, index, data, in_port,
                                          buffer_id, learn)
        return [(spec.sid, op) for op in ops], out

    def flow_removed(self, cookie, match, idle_or_hard):
        """A learned rule expired: forget that MAC in its slice."""
        if not idle_or_hard:
            return []
        spec = self.spec_for_cookie(cookie)
        if spec is None:
            return []
        ops = self.builder.flow_removed(spec, cookie, dict(match))
        return [(spec.sid, op) for op in ops]
