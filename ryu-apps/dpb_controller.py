"""os-ken/Ryu glue shared by ``dpb_openflow`` and ``dpb_portgroups``.

The pipeline logic lives in pure modules (``dpb_ofspec``,
``dpb_pipeline``, ``dpb_portgroups_pipeline``, ``dpb_requests``).  This
module only

* serves the REST API (``hub.WSGIServer``; os-ken has no wsgi layer);
* keeps per-datapath state: the desired slices, the newest ``Datapath``
  object, its ports, a ``Planner``;
* runs one worker green thread per datapath that turns the desired state
  into OpenFlow messages, phase by phase, each phase closed by a barrier,
  and maps OFPT_ERROR replies back to slices through their xids;
* reacts to connect / reconnect (wipe everything in the app's cookie
  namespace, all groups and meters, then reinstall), port add/delete,
  packet-in (learning) and flow-removed (expiry of learned MACs).

Subclasses set ``PIPELINE`` (a builder), ``REQUEST_MODE`` and may override
the port hooks.
"""

import collections
import hmac
import json
import logging
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dpb_flags  # noqa: E402
import dpb_requests  # noqa: E402
from dpb_compat import (  # noqa: E402
    BaseApp, hub, ofp_event, dpset, ofproto_v1_3, set_ev_cls,
    MAIN_DISPATCHER, DEAD_DISPATCHER)
from dpb_ofspec import (  # noqa: E402
    FlowAdd, FlowDel, GroupAdd, GroupMod, GroupDel, MeterAdd, MeterDel,
    PacketOut, Planner, MASK_NS)
from dpb_requests import ApiError  # noqa: E402

API_PREFIX = '/dpb/api/v1'
API_VERSION = 1
BARRIER_TIMEOUT_S = 15.0
APPLY_TIMEOUT_S = 60.0
STATS_TIMEOUT_S = 5.0
RETRY_DELAY_S = 1.0
MAX_BODY_BYTES = 32 * 1024 * 1024
OFPP_MAX = 0xffffff00



class _Abort(Exception):
    """The current pass cannot continue (connection lost or replaced, or
    the switch did not confirm in time)."""


class _Waiter(object):
    def __init__(self):
        self.event = hub.Event()
        self.body = []
        self.error = None


def dpid_text(dpid):
    return '%016x' % dpid


# ---------------------------------------------------------------------------
# spec operation -> OpenFlow message


def _actions(parser, ofp, actions):
    out = []
    for action in actions:
        kind = action[0]
        if kind == 'pop_vlan':
            out.append(parser.OFPActionPopVlan())
        elif kind == 'push_vlan':
            out.append(parser.OFPActionPushVlan(action[1]))
        elif kind == 'set_vlan_vid':
            out.append(parser.OFPActionSetField(vlan_vid=action[1]))
        elif kind == 'output':
            out.append(parser.OFPActionOutput(action[1], 0))
        elif kind == 'controller':
            out.append(parser.OFPActionOutput(ofp.OFPP_CONTROLLER,
                                              action[1]))
        elif kind == 'group':
            out.append(parser.OFPActionGroup(action[1]))
        else:
            raise ValueError('unknown action %r' % (action,))
    return out


def _instructions(parser, ofp, instructions):
    out = []
    for inst in instructions:
        kind = inst[0]
        if kind == 'meter':
            out.append(parser.OFPInstructionMeter(inst[1], ofp.OFPIT_METER))
        elif kind == 'apply':
            out.append(parser.OFPInstructionActions(
                ofp.OFPIT_APPLY_ACTIONS, _actions(parser, ofp, inst[1])))
        elif kind == 'write_metadata':
            out.append(parser.OFPInstructionWriteMetadata(inst[1], inst[2]))
        elif kind == 'goto':
            out.append(parser.OFPInstructionGotoTable(inst[1]))
        else:
            raise ValueError('unknown instruction %r' % (inst,))
    return out


def _match(parser, match):
    return parser.OFPMatch(**dict(match))


def to_message(dp, op):
    """Translate one spec operation into an os-ken message for ``dp``."""
    ofp, parser = dp.ofproto, dp.ofproto_parser
    if isinstance(op, FlowAdd):
        return parser.OFPFlowMod(
            dp, cookie=op.cookie, cookie_mask=0, table_id=op.table,
            command=ofp.OFPFC_ADD, idle_timeout=op.idle_timeout,
            hard_timeout=0, priority=op.priority,
            buffer_id=ofp.OFP_NO_BUFFER, out_port=ofp.OFPP_ANY,
            out_group=ofp.OFPG_ANY, flags=op.flags,
            match=_match(parser, op.match),
            instructions=_instructions(parser, ofp, op.instructions))
    if isinstance(op, FlowDel):
        return parser.OFPFlowMod(
            dp, cookie=op.cookie, cookie_mask=op.cookie_mask,
            table_id=op.table,
            command=ofp.OFPFC_DELETE_STRICT if op.strict
            else ofp.OFPFC_DELETE,
            priority=op.priority, buffer_id=ofp.OFP_NO_BUFFER,
            out_port=ofp.OFPP_ANY, out_group=ofp.OFPG_ANY,
            match=_match(parser, op.match))
    if isinstance(op, (GroupAdd, GroupMod)):
        command = ofp.OFPGC_ADD if isinstance(op, GroupAdd) \
            else ofp.OFPGC_MODIFY
        buckets = [parser.OFPBucket(actions=_actions(parser, ofp, b))
                   for b in op.buckets]
        return parser.OFPGroupMod(dp, command, ofp.OFPGT_ALL, op.group_id,
                                  buckets)
    if isinstance(op, GroupDel):
        return parser.OFPGroupMod(dp, ofp.OFPGC_DELETE, ofp.OFPGT_ALL,
                                  op.group_id)
    if isinstance(op, MeterAdd):
        return parser.OFPMeterMod(
            dp, command=ofp.OFPMC_ADD,
            flags=ofp.OFPMF_KBPS | ofp.OFPMF_BURST | ofp.OFPMF_STATS,
            meter_id=op.meter_id,
            bands=[parser.OFPMeterBandDrop(rate=op.kbps,
                                           burst_size=op.burst_kb)])
    if isinstance(op, MeterDel):
        return parser.OFPMeterMod(dp, command=ofp.OFPMC_DELETE,
                                  meter_id=op.meter_id)
    if isinstance(op, PacketOut):
        return parser.OFPPacketOut(
            dp, buffer_id=op.buffer_id, in_port=op.in_port,
            actions=_actions(parser, ofp, op.actions), data=op.data)
    raise ValueError('unknown operation %r' % (op,))


def describe_op(op):
    """Short human text for logs and failure reasons."""
    if isinstance(op, FlowAdd):
        return 'flow add (table %d, priority %d, match %s)' % (
            op.table, op.priority, dict(op.match))
    if isinstance(op, FlowDel):
        return 'flow delete (table %d, cookie 0x%x/0x%x)' % (
            op.table, op.cookie, op.cookie_mask)
    if isinstance(op, GroupAdd):
        return 'group add %d' % op.group_id
    if isinstance(op, GroupMod):
        return 'group modify %d' % op.group_id
    if isinstance(op, GroupDel):
        return 'group delete %d' % op.group_id
    if isinstance(op, MeterAdd):
        return 'meter add %d (%d kbps)' % (op.meter_id, op.kbps)
    if isinstance(op, MeterDel):
        return 'meter delete %d' % op.meter_id
    return type(op).__name__


# ---------------------------------------------------------------------------
# switch state -> JSON


def _action_json(ofp, action):
    name = type(action).__name__
    if name == 'OFPActionOutput':
        if action.port == ofp.OFPP_CONTROLLER:
            return {'type': 'controller', 'maxLen': action.max_len}
        if action.port == ofp.OFPP_IN_PORT:
            return {'type': 'output', 'port': 'IN_PORT'}
        return {'type': 'output', 'port': action.port}
    if name == 'OFPActionPopVlan':
        return {'type': 'pop_vlan'}
    if name == 'OFPActionPushVlan':
        return {'type': 'push_vlan', 'ethertype': '0x%04x' % action.ethertype}
    if name == 'OFPActionSetField':
        return {'type': 'set_field', 'field': action.key,
                'value': action.value}
    if name == 'OFPActionGroup':
        return {'type': 'group', 'groupId': action.group_id}
    return {'type': name}


def _instruction_json(ofp, inst):
    name = type(inst).__name__
    if name == 'OFPInstructionMeter':
        return {'type': 'meter', 'meterId': inst.meter_id}
    if name == 'OFPInstructionActions':
        kind = 'apply' if inst.type == ofp.OFPIT_APPLY_ACTIONS else 'write'
        return {'type': kind,
                'actions': [_action_json(ofp, a) for a in inst.actions]}
    if name == 'OFPInstructionWriteMetadata':
        return {'type': 'write_metadata',
                'metadata': '0x%x' % inst.metadata,
                'mask': '0x%x' % inst.metadata_mask}
    if name == 'OFPInstructionGotoTable':
        return {'type': 'goto', 'table': inst.table_id}
    return {'type': name}


def _match_json(match):
    out = {}
    for key, value in match.items():
        if key == 'metadata' or (key == 'vlan_vid' and isinstance(value, int)):
            if isinstance(value, tuple):
                out[key] = '0x%x/0x%x' % value
            else:
                out[key] = '0x%x' % value if key == 'metadata' else value
        else:
            out[key] = list(value) if isinstance(value, tuple) else value
    return out


def canonical_match(match):
    """An os-ken OFPMatch as the planner's canonical match tuple."""
    items = []
    for key, value in match.items():
        if isinstance(value, str):
            value = value.lower()
        elif isinstance(value, list):
            value = tuple(value)
        items.append((key, value))
    return tuple(sorted(items))


def flow_json(ofp, stat):
    return {
        'table': stat.table_id, 'priority': stat.priority,
        'cookie': '0x%016x' % stat.cookie,
        'match': _match_json(stat.match),
        'instructions': [_instruction_json(ofp, i)
                         for i in stat.instructions],
        'idleTimeout': stat.idle_timeout,
        'packets': stat.packet_count, 'bytes': stat.byte_count,
    }


# ---------------------------------------------------------------------------
# per-datapath state


class DatapathState(object):
    def __init__(self, dpid, builder):
        self.dpid = dpid
        self.dp = None
        self.connected = False
        self.conn_id = 0
        self.ports = set()
        self.generation = 0
        self.applied_generation = 0
        self.desired = collections.OrderedDict()   # sid -> circuits
        self.given = collections.OrderedDict()     # sid -> as received
        self.blocked = {}                          # sid -> set(ports)
        self.desired_seq = 0
        self.applied_seq = 0
        self.needs_wipe = True
        self.reinstalling = False
        self.planner = Planner(builder)
        self.installing = set()
        self.pass_errors = {}
        self.xid_owner = {}
        self.learn_xids = collections.OrderedDict()
        self.replies = {}
        self.waiters = []                          # (seq, hub.Event)
        self.wake = hub.Event()
        self.send_lock = hub.Semaphore(1)
        self.worker = None
        self.last_problem = None

    @property
    def text(self):
        return dpid_text(self.dpid)


class DpbController(BaseApp):
    """Base application; see ``dpb_openflow.DpbOpenflow``."""

    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]
    PIPELINE = None          # builder instance, set by subclasses
    REQUEST_MODE = 'openflow'

    def __init__(self, *args, **kwargs):
        super(DpbController, self).__init__(*args, **kwargs)
        self.name = self.PIPELINE.name
        self.datapaths = {}
        host, port, token_file = dpb_flags.settings()
        self.token = dpb_flags.read_token(token_file) if token_file else None
        self.rest_address = (host, port)
        self.audit_seconds = dpb_flags.audit_seconds()
        self.state_file = dpb_flags.state_file()
        if self.state_file:
            self._load_state()
        self.server = hub.WSGIServer((host, port), self._wsgi)
        self.server_thread = hub.spawn(self.server.serve_forever)
        self.logger.info('%s: REST on http://%s:%d%s (%s)', self.name, host,
                         port, API_PREFIX,
                         'token required' if self.token else 'no token')

    # -- state -------------------------------------------------------------

    def _state(self, dpid, create=True):
        st = self.datapaths.get(dpid)
        if st is None and create:
            st = DatapathState(dpid, self.PIPELINE)
            self.datapaths[dpid] = st
            st.worker = hub.spawn(self._worker, st)
        return st

    def _kick(self, st):
        st.wake.set()

    # -- optional persistence ----------------------------------------------

    def _load_state(self):
        """Reload the desired state saved by ``_save_state`` (if any).  An
        unreadable or invalid file is logged and ignored."""
        try:
            with open(self.state_file, 'r', encoding='utf-8') as handle:
                saved = json.load(handle)
            if saved.get('app') != self.PIPELINE.name:
                raise ValueError('the file belongs to %r' % saved.get('app'))
            loaded = {}
            for text, entry in saved['datapaths'].items():
                dpid = int(dpb_requests.parse_dpid(text), 16)
                request = dpb_requests.parse_slices_body(
                    {'generation': entry['generation'],
                     'slices': {sid: {'circuits': circuits} for sid, circuits
                                in entry['slices'].items()}},
                    self.REQUEST_MODE)
                loaded[dpid] = request
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError, AttributeError,
                ApiError) as exc:
            self.logger.error('%s: ignoring state file %s: %s', self.name,
                              self.state_file, exc)
            return
        for dpid, request in loaded.items():
            st = self._state(dpid)
            st.desired = collections.OrderedDict(request.slices)
            st.given = collections.OrderedDict(request.given)
            st.generation = request.generation
            st.desired_seq += 1
        self.logger.info('%s: loaded the desired state of %d datapaths from '
                         '%s', self.name, len(loaded), self.state_file)

    def _save_state(self):
        if not self.state_file:
            return
        data = {'app': self.PIPELINE.name, 'datapaths': {
            st.text: {'generation': st.generation,
                      'slices': dict(st.given)}
            for st in self.datapaths.values() if st.given or st.generation}}
        tmp = '%s.tmp' % self.state_file
        try:
            with open(tmp, 'w', encoding='utf-8') as handle:
                json.dump(data, handle)
            os.replace(tmp, self.state_file)
        except OSError as exc:
            self.logger.error('%s: cannot write state file %s: %s',
                              self.name, self.state_file, exc)

    # -- hooks for subclasses ----------------------------------------------

    def on_port_deleted(self, st, port):
        """A port disappeared from the switch."""

    def on_put(self, st, request):
        """A validated PUT is about to replace the desired state."""

    def blocked_reason(self, st, sid, port):
        return None

    # -- OpenFlow events ---------------------------------------------------

    @set_ev_cls(ofp_event.EventOFPStateChange,
                [MAIN_DISPATCHER, DEAD_DISPATCHER])
    def _state_change(self, ev):
        dp = ev.datapath
        if dp.id is None:
            return
        if ev.state == MAIN_DISPATCHER:
            self._connected(dp)
        elif ev.state == DEAD_DISPATCHER:
            st = self.datapaths.get(dp.id)
            if st is not None and st.dp is dp:
                self.logger.info('%s: datapath %s disconnected', self.name,
                                 st.text)
                st.dp = None
                st.connected = False
                st.needs_wipe = True
                self._abort_replies(st)
                self._notify(st)

    @set_ev_cls(dpset.EventDP, dpset.DPSET_EV_DISPATCHER)
    def _dpset_enter(self, ev):
        if ev.enter:
            self._connected(ev.dp)

    @set_ev_cls(dpset.EventDPReconnected, dpset.DPSET_EV_DISPATCHER)
    def _dpset_reconnected(self, ev):
        self._connected(ev.dp)

    def _connected(self, dp):
        """Idempotent per Datapath object: the newest one always wins."""
        st = self._state(dp.id)
        if st.dp is dp:
            return
        self.logger.info('%s: datapath %s connected from %s', self.name,
                         dpid_text(dp.id), dp.address)
        st.dp = dp
        st.connected = True
        st.conn_id += 1
        st.ports = {p for p in dp.ports if p <= OFPP_MAX}
        st.needs_wipe = True
        st.reinstalling = True
        self._abort_replies(st)
        self._kick(st)

    @set_ev_cls(ofp_event.EventOFPPortStatus, MAIN_DISPATCHER)
    def _port_status(self, ev):
        msg = ev.msg
        dp = msg.datapath
        st = self.datapaths.get(dp.id)
        if st is None or st.dp is not dp:
            return
        ofp = dp.ofproto
        port = msg.desc.port_no
        if port > OFPP_MAX:
            return
        if msg.reason == ofp.OFPPR_ADD:
            st.ports.add(port)
        elif msg.reason == ofp.OFPPR_DELETE:
            st.ports.discard(port)
            self.on_port_deleted(st, port)
        else:
            st.ports.add(port)
            return
        self.logger.info('%s: datapath %s port %d %s', self.name, st.text,
                         port, 'added' if msg.reason == ofp.OFPPR_ADD
                         else 'deleted')
        self._kick(st)

    @set_ev_cls(ofp_event.EventOFPBarrierReply, MAIN_DISPATCHER)
    def _barrier_reply(self, ev):
        st = self.datapaths.get(ev.msg.datapath.id)
        if st is None:
            return
        waiter = st.replies.get(ev.msg.xid)
        if waiter is not None:
            waiter.event.set()

    def _multipart(self, ev):
        msg = ev.msg
        st = self.datapaths.get(msg.datapath.id)
        if st is None:
            return
        waiter = st.replies.get(msg.xid)
        if waiter is None:
            return
        body = msg.body if isinstance(msg.body, list) else [msg.body]
        waiter.body.extend(body)
        if not msg.flags & msg.datapath.ofproto.OFPMPF_REPLY_MORE:
            waiter.event.set()

    @set_ev_cls([ofp_event.EventOFPFlowStatsReply,
                 ofp_event.EventOFPMeterStatsReply,
                 ofp_event.EventOFPMeterConfigStatsReply,
                 ofp_event.EventOFPMeterFeaturesStatsReply,
                 ofp_event.EventOFPGroupDescStatsReply,
                 ofp_event.EventOFPGroupStatsReply,
                 ofp_event.EventOFPGroupFeaturesStatsReply], MAIN_DISPATCHER)
    def _stats_reply(self, ev):
        self._multipart(ev)

    @set_ev_cls(ofp_event.EventOFPErrorMsg, MAIN_DISPATCHER)
    def _error(self, ev):
        msg = ev.msg
        dp = msg.datapath
        st = self.datapaths.get(dp.id)
        ofp = dp.ofproto
        try:
            text = '%s/%s' % (ofp.ofp_error_type_to_str(msg.type),
                              ofp.ofp_error_code_to_str(msg.type, msg.code))
        except Exception:  # pragma: no cover - unknown codes
            text = 'type %d code %d' % (msg.type, msg.code)
        if st is None:
            return
        waiter = st.replies.get(msg.xid)
        if waiter is not None:
            waiter.error = text
            waiter.event.set()
            return
        owner = st.xid_owner.get(msg.xid) or st.learn_xids.get(msg.xid)
        if owner is None:
            self.logger.warning('%s: datapath %s: switch error %s for '
                                'unknown xid %d', self.name, st.text, text,
                                msg.xid)
            return
        sid, critical, op = owner
        reason = 'the switch refused %s: %s' % (describe_op(op), text)
        self.logger.warning('%s: datapath %s slice %s: %s', self.name,
                            st.text, sid, reason)
        if critical and sid is not None:
            st.pass_errors.setdefault(sid, reason)
        elif critical:
            st.pass_errors.setdefault(None, reason)

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def _packet_in(self, ev):
        msg = ev.msg
        dp = msg.datapath
        st = self.datapaths.get(dp.id)
        if st is None or st.dp is not dp or st.needs_wipe:
            return
        in_port = msg.match.get('in_port')
        metadata = msg.match.get('metadata')
        with st.send_lock:
            ops, out = st.planner.packet_in(msg.cookie, metadata, in_port,
                                            msg.data, msg.buffer_id)
            self._send_unconfirmed(st, dp, ops)
            if out is not None:
                dp.send_msg(to_message(dp, out))

    @set_ev_cls(ofp_event.EventOFPFlowRemoved, MAIN_DISPATCHER)
    def _flow_removed(self, ev):
        msg = ev.msg
        dp = msg.datapath
        st = self.datapaths.get(dp.id)
        if st is None or st.dp is not dp:
            return
        ofp = dp.ofproto
        timed_out = msg.reason in (ofp.OFPRR_IDLE_TIMEOUT,
                                   ofp.OFPRR_HARD_TIMEOUT)
        with st.send_lock:
            ops = st.planner.flow_removed(msg.cookie, dict(msg.match.items()),
                                          timed_out)
            self._send_unconfirmed(st, dp, ops)

    def _send_unconfirmed(self, st, dp, ops):
        """Send learning changes without waiting (errors are logged)."""
        for owner, op in ops:
            message = to_message(dp, op)
            dp.set_xid(message)
            st.learn_xids[message.xid] = (owner, False, op)
            while len(st.learn_xids) > 10000:
                st.learn_xids.popitem(last=False)
            dp.send_msg(message)

    # -- the worker --------------------------------------------------------

    def _worker(self, st):
        while True:
            woke = st.wake.wait(self.audit_seconds or None)
            if woke:
                st.wake.clear()
            try:
                if woke:
                    self._pass(st)
                else:
                    self._audit(st)
                st.last_problem = None
            except _Abort as exc:
                st.last_problem = str(exc)
                self.logger.warning('%s: datapath %s: %s', self.name, st.text,
                                    exc)
                if st.connected:
                    hub.sleep(RETRY_DELAY_S)
                    self._kick(st)
            except Exception:  # never let the worker die
                st.last_problem = 'internal error (see the app log)'
                self.logger.error('%s: datapath %s: pass failed:\n%s',
                                  self.name, st.text, traceback.format_exc())
                st.needs_wipe = True
                hub.sleep(RETRY_DELAY_S)
                self._kick(st)
            finally:
                st.installing = set()
                self._notify(st)

    def _notify(self, st):
        keep = []
        for seq, event in st.waiters:
            if seq <= st.applied_seq or not st.connected:
                event.set()
            else:
                keep.append((seq, event))
        st.waiters = keep

    def _abort_replies(self, st):
        for waiter in list(st.replies.values()):
            waiter.error = waiter.error or 'connection replaced or lost'
            waiter.event.set()

    def _check(self, st, dp, conn_id):
        if not st.connected or st.dp is not dp or st.conn_id != conn_id:
            raise _Abort('the connection to the switch changed; '
                         'starting over')

    def _pass(self, st):
        if not st.connected or st.dp is None:
            return
        dp, conn_id = st.dp, st.conn_id
        seq, generation = st.desired_seq, st.generation
        planner = st.planner
        if st.needs_wipe:
            st.reinstalling = True
            self._read_features(st, dp, conn_id)
            self._run_phase(st, dp, conn_id, planner.wipe_ops(), False)
            planner.reset()
            st.needs_wipe = False
            self.logger.info('%s: datapath %s wiped; installing %d slices',
                             self.name, st.text, len(st.desired))
        plan = planner.plan(st.desired, st.ports, st.blocked)
        st.installing = set(plan.changed)
        for sid, reason in plan.failed.items():
            self.logger.warning('%s: datapath %s slice %s failed: %s',
                                self.name, st.text, sid, reason)
        self._run_phase(st, dp, conn_id, plan.detach, False)
        errors = self._run_phase(st, dp, conn_id, plan.make, True)
        cleanup = []
        for sid, reason in errors.items():
            if sid is None:
                self.logger.warning('%s: datapath %s: shared rule refused: '
                                    '%s', self.name, st.text, reason)
                continue
            cleanup += planner.fail(sid, reason)
        self._run_phase(st, dp, conn_id, plan.brk + cleanup, False)
        st.applied_seq = max(st.applied_seq, seq)
        st.applied_generation = max(st.applied_generation, generation)
        st.reinstalling = False
        if plan.changed or plan.detach or plan.brk:
            self.logger.info('%s: datapath %s applied generation %d '
                             '(%d slices changed, %d failed)', self.name,
                             st.text, generation, len(plan.changed),
                             len(errors) + len(plan.failed))

    def _audit(self, st):
        """Compare the switch with the installed state; restore what is
        missing (e.g. after ``ovs-ofctl del-flows``) without touching what
        is intact."""
        if not st.connected or st.dp is None or st.needs_wipe:
            return
        dp, conn_id = st.dp, st.conn_id
        ofp, parser = dp.ofproto, dp.ofproto_parser
        flows = self._request(st, dp, parser.OFPFlowStatsRequest(
            dp, 0, ofp.OFPTT_ALL, ofp.OFPP_ANY, ofp.OFPG_ANY,
            self.PIPELINE.ns << 48, MASK_NS, parser.OFPMatch()))
        groups = meters = ()
        if self.PIPELINE.uses_groups:
            groups = [g.group_id for g in self._request(
                st, dp, parser.OFPGroupDescStatsRequest(dp, 0))]
        if self.PIPELINE.uses_meters:
            meters = [m.meter_id for m in self._request(
                st, dp, parser.OFPMeterConfigStatsRequest(dp, 0,
                                                          ofp.OFPM_ALL))]
        self._check(st, dp, conn_id)
        if st.wake.is_set() or st.needs_wipe:
            return  # a change is waiting; the pass goes first
        keys = [(s.table_id, s.priority, canonical_match(s.match), s.cookie)
                for s in flows]
        ops, damaged = st.planner.repair_ops(keys, groups, meters)
        if not ops:
            return
        self.logger.warning('%s: datapath %s: the switch lost or changed '
                            'rules of %d slices; repairing with %d changes',
                            self.name, st.text,
                            len([s for s in damaged if s is not None]),
                            len(ops))
        errors = self._run_phase(st, dp, conn_id, ops, True)
        cleanup = []
        for sid, reason in errors.items():
            if sid is not None:
                cleanup += st.planner.fail(sid, reason)
        self._run_phase(st, dp, conn_id, cleanup, False)

    def _run_phase(self, st, dp, conn_id, ops, critical):
        """Send ``ops`` then a barrier; wait for it.  Returns sliceId ->
        reason for switch errors on critical operations."""
        if not ops:
            return {}
        st.pass_errors = {}
        xids = []
        with st.send_lock:
            self._check(st, dp, conn_id)
            for owner, op in ops:
                message = to_message(dp, op)
                dp.set_xid(message)
                st.xid_owner[message.xid] = (owner, critical, op)
                xids.append(message.xid)
                if not dp.send_msg(message):
                    raise _Abort('the switch connection closed while '
                                 'sending')
            barrier = dp.ofproto_parser.OFPBarrierRequest(dp)
            dp.set_xid(barrier)
            waiter = _Waiter()
            st.replies[barrier.xid] = waiter
            dp.send_msg(barrier)
        try:
            confirmed = waiter.event.wait(BARRIER_TIMEOUT_S)
        finally:
            st.replies.pop(barrier.xid, None)
            for xid in xids:
                st.xid_owner.pop(xid, None)
        self._check(st, dp, conn_id)
        if not confirmed or waiter.error:
            st.needs_wipe = True
            raise _Abort('the switch did not confirm %d changes within '
                         '%.0f s; reinstalling' % (len(ops),
                                                   BARRIER_TIMEOUT_S))
        errors, st.pass_errors = st.pass_errors, {}
        return errors

    def _request(self, st, dp, request, timeout=STATS_TIMEOUT_S):
        """Send a multipart request and collect its replies."""
        dp.set_xid(request)
        waiter = _Waiter()
        st.replies[request.xid] = waiter
        try:
            if not dp.send_msg(request):
                raise _Abort('the switch connection closed')
            if not waiter.event.wait(timeout):
                raise _Abort('no reply from the switch within %.0f s'
                             % timeout)
        finally:
            st.replies.pop(request.xid, None)
        if waiter.error:
            raise _Abort(waiter.error)
        return waiter.body

    def _read_features(self, st, dp, conn_id):
        parser = dp.ofproto_parser
        if self.PIPELINE.uses_meters:
            try:
                body = self._request(st, dp,
                                     parser.OFPMeterFeaturesStatsRequest(dp))
                if body:
                    st.planner.set_limits(max_meter=body[0].max_meter)
            except _Abort as exc:
                self._check(st, dp, conn_id)
                self.logger.info('%s: datapath %s: no meter features (%s)',
                                 self.name, st.text, exc)
        try:
            body = self._request(st, dp,
                                 parser.OFPGroupFeaturesStatsRequest(dp))
            if body and body[0].max_groups and body[0].max_groups[0]:
                st.planner.set_limits(max_group=body[0].max_groups[0])
        except _Abort as exc:
            self._check(st, dp, conn_id)
            self.logger.info('%s: datapath %s: no group features (%s)',
                             self.name, st.text, exc)

    # -- status ------------------------------------------------------------

    def _slice_status(self, st, sid):
        circuits = st.desired[sid]
        planner = st.planner
        if not st.connected:
            return 'pending', 'datapath %s is not connected' % st.text
        if st.reinstalling or st.needs_wipe:
            return 'pending', 'reinstalling after the switch (re)connected'
        present, missing = planner.present_of(circuits, st.ports,
                                               st.blocked.get(sid, ()))
        failed = planner.failed.get(sid)
        if failed is not None and failed[0] == (circuits, present):
            return 'failed', failed[1]
        spec = planner.specs.get(sid)
        if sid in st.installing or spec is None \
                or spec.inputs != (circuits, present):
            return 'pending', 'the install is in flight'
        if missing:
            texts = []
            for port in missing:
                why = self.blocked_reason(st, sid, port)
                texts.append(why or 'port %d is not on the switch' % port)
            return 'pending', '; '.join(texts)
        return 'installed', None

    def _slices_body(self, st, with_switch):
        slices = collections.OrderedDict()
        for sid in st.desired:
            state, reason = self._slice_status(st, sid)
            entry = {'circuits': st.given[sid], 'state': state}
            if reason:
                entry['reason'] = reason
            slices[sid] = entry
        body = {'dpid': st.text, 'connected': st.connected,
                'generation': st.generation,
                'appliedGeneration': st.applied_generation,
                'slices': slices}
        if with_switch and st.connected and st.dp is not None:
            body['switch'] = self._switch_dump(st, st.dp)
        return body

    def _switch_dump(self, st, dp):
        ofp, parser = dp.ofproto, dp.ofproto_parser
        out = {'flows': [], 'meters': [], 'groups': []}
        try:
            stats = self._request(st, dp, parser.OFPFlowStatsRequest(
                dp, 0, ofp.OFPTT_ALL, ofp.OFPP_ANY, ofp.OFPG_ANY,
                self.PIPELINE.ns << 48, MASK_NS, parser.OFPMatch()))
            stats.sort(key=lambda s: (s.table_id, -s.priority, s.cookie))
            out['flows'] = [flow_json(ofp, s) for s in stats]
            if self.PIPELINE.uses_meters:
                configs = self._request(st, dp, parser.OFPMeterConfigStatsRequest(
                    dp, 0, ofp.OFPM_ALL))
                counters = {m.meter_id: m for m in self._request(
                    st, dp, parser.OFPMeterStatsRequest(dp, 0, ofp.OFPM_ALL))}
                for config in sorted(configs, key=lambda c: c.meter_id):
                    band = config.bands[0] if config.bands else None
                    entry = {'id': config.meter_id,
                             'kbps': band.rate if band else None,
                             'burst': band.burst_size if band else None}
                    counter = counters.get(config.meter_id)
                    if counter is not None:
                        entry['packets'] = counter.packet_in_count
                        entry['bytes'] = counter.byte_in_count
                        bands = counter.band_stats or []
                        entry['dropPackets'] = sum(b.packet_band_count
                                                   for b in bands)
                        entry['dropBytes'] = sum(b.byte_band_count
                                                 for b in bands)
                    out['meters'].append(entry)
            descs = self._request(st, dp, parser.OFPGroupDescStatsRequest(dp, 0))
            counters = {g.group_id: g for g in self._request(
                st, dp, parser.OFPGroupStatsRequest(dp, 0, ofp.OFPG_ALL))}
            for desc in sorted(descs, key=lambda d: d.group_id):
                entry = {'id': desc.group_id, 'type': 'all',
                         'buckets': [[_action_json(ofp, a) for a in b.actions]
                                     for b in desc.buckets]}
                counter = counters.get(desc.group_id)
                if counter is not None:
                    entry['packets'] = counter.packet_count
                    entry['bytes'] = counter.byte_count
                out['groups'].append(entry)
        except _Abort as exc:
            out['error'] = str(exc)
        return out

    # -- REST --------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        try:
            status, body = self._handle(environ)
        except ApiError as exc:
            status, body = exc.status, exc.body()
        except Exception:
            self.logger.error('%s: REST handler failed:\n%s', self.name,
                              traceback.format_exc())
            err = ApiError('INTERNAL', 'internal error; see the app log')
            status, body = err.status, err.body()
        data = (json.dumps(body, indent=None, sort_keys=False) + '\n') \
            .encode('utf-8')
        reason = {200: 'OK', 400: 'Bad Request', 401: 'Unauthorized',
                  404: 'Not Found', 409: 'Conflict',
                  500: 'Internal Server Error'}.get(status, 'Error')
        headers = [('Content-Type', 'application/json; charset=utf-8'),
                   ('Content-Length', str(len(data)))]
        if status == 401:
            headers.append(('WWW-Authenticate', 'Bearer'))
        start_response('%d %s' % (status, reason), headers)
        return [data]

    def _authorize(self, environ):
        if self.token is None:
            return
        header = environ.get('HTTP_AUTHORIZATION', '')
        scheme, _, value = header.partition(' ')
        if scheme.lower() != 'bearer' or not hmac.compare_digest(
                value.strip().encode('utf-8'), self.token.encode('utf-8')):
            raise ApiError('UNAUTHENTICATED',
                           'a valid "Authorization: Bearer <token>" header '
                           'is required')

    @staticmethod
    def _read_body(environ):
        try:
            length = int(environ.get('CONTENT_LENGTH') or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            raise dpb_requests.invalid('body', 'the body is too large')
        stream = environ['wsgi.input']
        return stream.read(length) if length else stream.read()

    def _handle(self, environ):
        self._authorize(environ)
        method = environ.get('REQUEST_METHOD', 'GET').upper()
        path = environ.get('PATH_INFO', '')
        query = environ.get('QUERY_STRING', '')
        with_switch = 'switch=0' not in query.split('&')
        if path.startswith(API_PREFIX):
            parts = path[len(API_PREFIX):].strip('/').split('/')
        else:
            parts = None
        if parts == ['health'] and method == 'GET':
            return 200, {'app': self.PIPELINE.name, 'apiVersion': API_VERSION,
                         'datapaths': len(self.datapaths),
                         'connected': sum(1 for s in self.datapaths.values()
                                          if s.connected)}
        if parts == ['datapaths'] and method == 'GET':
            return 200, {'datapaths': [
                {'dpid': st.text, 'connected': st.connected,
                 'ports': sorted(st.ports), 'generation': st.generation,
                 'appliedGeneration': st.applied_generation}
                for _, st in sorted(self.datapaths.items())]}
        if parts and len(parts) == 3 and parts[0] == 'datapaths' \
                and parts[2] == 'slices' \
                and method in ('GET', 'PUT', 'DELETE'):
            dpid = int(dpb_requests.parse_dpid(parts[1]), 16)
            if method == 'GET':
                st = self.datapaths.get(dpid)
                if st is None:
                    raise ApiError('NOT_FOUND',
                                   'datapath %s has never connected nor been '
                                   'configured' % dpid_text(dpid),
                                   {'dpid': dpid_text(dpid)})
                return 200, self._slices_body(st, with_switch)
            if method == 'PUT':
                raw = dpb_requests.decode_json(self._read_body(environ))
            else:
                raw = {'slices': {}}
            request = dpb_requests.parse_slices_body(raw, self.REQUEST_MODE)
            return 200, self._put(dpid, request, with_switch)
        raise ApiError('NOT_FOUND', 'no such route: %s %s' % (method, path),
                       {'path': path, 'method': method})

    def _put(self, dpid, request, with_switch):
        st = self.datapaths.get(dpid)
        current = st.generation if st is not None else 0
        if request.generation is not None and request.generation < current:
            raise ApiError('CONFLICT',
                           'generation %d is older than the current %d '
                           '(a stale or reordered push)'
                           % (request.generation, current),
                           {'field': 'generation',
                            'generation': request.generation,
                            'currentGeneration': current})
        # No green-thread switch happens between the check and the update.
        st = self._state(dpid)
        self.on_put(st, request)
        st.desired = collections.OrderedDict(request.slices)
        st.given = collections.OrderedDict(request.given)
        if request.generation is not None:
            st.generation = request.generation
        st.desired_seq += 1
        seq = st.desired_seq
        for sid in list(st.blocked):
            if sid not in st.desired:
                del st.blocked[sid]
        self._save_state()
        if st.connected:
            event = hub.Event()
            st.waiters.append((seq, event))
            self._kick(st)
            event.wait(APPLY_TIMEOUT_S)
        else:
            self._kick(st)
        return self._slices_body(st, with_switch)
