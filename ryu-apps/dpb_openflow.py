"""dpb-openflow: dpb's generic OpenFlow 1.3 slicer (os-ken or Ryu app).

Run::

    PYTHONPATH=ryu-apps /usr/bin/osken-manager \\
        --ofp-listen-host 127.0.0.1 --ofp-tcp-listen-port 6653 \\
        --user-flags ryu-apps/dpb_flags.py \\
        --dpb-rest-host 127.0.0.1 --dpb-rest-port 8181 \\
        ryu-apps/dpb_openflow.py

The broker PUTs the complete slice set of each datapath to
``/dpb/api/v1/datapaths/{dpid}/slices``; see ``README.md`` for the REST
API and the pipeline (``dpb_pipeline``).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dpb_controller import DpbController  # noqa: E402
from dpb_pipeline import OpenflowPipeline  # noqa: E402


class DpbOpenflow(DpbController):
    """VLAN/QinQ/whole-port circuits, meters, learning within a slice."""

    PIPELINE = OpenflowPipeline()
    REQUEST_MODE = 'openflow'
