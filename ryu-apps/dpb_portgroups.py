"""dpb-portgroups: dpb's slicer for a Corsa shared VFC (os-ken or Ryu app).

Same REST contract as ``dpb_openflow`` but a circuit is only ``{"port":
N}`` (the ofport of a Corsa tunnel, which does tagging and QoS).  The
pipeline (``dpb_portgroups_pipeline``) uses no metadata and never sends to
the controller and to another table in one rule (Corsa VFC limits).

A port deleted from the switch while a slice lists it stays out of that
slice, even if a port with the same number comes back, until a PUT lists
it for the slice again (``README.md``, "ports that leave"), so a reused
ofport never bridges into an old slice.

Run like ``dpb_openflow.py`` with ``ryu-apps/dpb_portgroups.py``.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dpb_controller import DpbController  # noqa: E402
from dpb_portgroups_pipeline import (  # noqa: E402
    PortgroupsPipeline, block_deleted_port, unblock_listed_ports)


class DpbPortgroups(DpbController):
    """Port groups per slice on one shared VFC."""

    PIPELINE = PortgroupsPipeline()
    REQUEST_MODE = 'portgroups'

    def on_port_deleted(self, st, port):
        for sid in block_deleted_port(st.desired, st.blocked, port):
            self.logger.info('%s: datapath %s: port %d left the switch; '
                             'slice %s will not use it again until a PUT '
                             'lists it', self.name, st.text, port, sid)

    def on_put(self, st, request):
        unblock_listed_ports(request.slices, st.blocked)

    def blocked_reason(self, st, sid, port):
        if port in st.blocked.get(sid, ()):
            if port in st.ports:
                return ('port %d left the switch and came back; a PUT '
                        'listing it again re-admits it' % port)
            return 'port %d left the switch' % port
        return None
