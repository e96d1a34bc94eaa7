"""One import shim for os-ken (Debian ``python3-os-ken``) and Ryu.

Everything the dpb controller apps need from the framework is imported
here, once.  os-ken is tried first; Ryu is the fallback.  The apps import
only from this module, so they run unchanged under ``osken-manager`` and
``ryu-manager``.

Exported names:

* ``FRAMEWORK``: ``"os_ken"`` or ``"ryu"``.
* ``BaseApp``: the application base class (``OSKenApp`` / ``RyuApp``).
* ``hub``: the green-thread helpers, including ``hub.WSGIServer``
  (os-ken has no wsgi layer any more; we serve REST with this).
* ``cfg``: the framework's oslo.config module (``CONF`` lives in it).
* ``ofp_event``, ``dpset``, ``ofproto_v1_3``, ``set_ev_cls``,
  ``MAIN_DISPATCHER``, ``CONFIG_DISPATCHER``, ``DEAD_DISPATCHER``.
"""

try:  # Debian bookworm ships os-ken 2.5 (no wsgi, no ofctl_rest)
    from os_ken.base import app_manager as _app_manager
    from os_ken.controller import ofp_event, dpset
    from os_ken.controller.handler import (
        set_ev_cls, MAIN_DISPATCHER, CONFIG_DISPATCHER, DEAD_DISPATCHER)
    from os_ken.ofproto import ofproto_v1_3
    from os_ken.lib import hub
    from os_ken import cfg
    BaseApp = _app_manager.OSKenApp
    FRAMEWORK = 'os_ken'
except ImportError:  # pragma: no cover - depends on the machine
    from ryu.base import app_manager as _app_manager
    from ryu.controller import ofp_event, dpset
    from ryu.controller.handler import (
        set_ev_cls, MAIN_DISPATCHER, CONFIG_DISPATCHER, DEAD_DISPATCHER)
    from ryu.ofproto import ofproto_v1_3
    from ryu.lib import hub
    from ryu import cfg
    BaseApp = _app_manager.RyuApp
    FRAMEWORK = 'ryu'

__all__ = [
    'FRAMEWORK', 'BaseApp', 'hub', 'cfg', 'ofp_event', 'dpset',
    'ofproto_v1_3', 'set_ev_cls', 'MAIN_DISPATCHER', 'CONFIG_DISPATCHER',
    'DEAD_DISPATCHER',
]
