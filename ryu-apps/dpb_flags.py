"""Command-line flags of the dpb controller apps.

os-ken/Ryu parse the command line before they import applications, so an
app cannot add options itself.  Pass this file with ``--user-flags``::

    osken-manager --user-flags ryu-apps/dpb_flags.py \\
        --dpb-rest-host 127.0.0.1 --dpb-rest-port 8181 \\
        [--dpb-token-file FILE] ryu-apps/dpb_openflow.py

Every flag falls back to an environment variable (``DPB_REST_HOST``,
``DPB_REST_PORT``, ``DPB_TOKEN_FILE``, ``DPB_STATE_FILE``,
``DPB_AUDIT_SECONDS``) and then to a default (127.0.0.1, 8181, no token, no
state file, audit every 5 s).  ``settings()``
resolves the REST values and ``audit_seconds()`` the audit period; both
also work when this file was not given to the manager (then only the
environment and the defaults count).
"""

import os

try:
    from os_ken import cfg
except ImportError:  # pragma: no cover
    from ryu import cfg

DEFAULT_REST_HOST = '127.0.0.1'
DEFAULT_REST_PORT = 8181
DEFAULT_AUDIT_SECONDS = 5.0

_OPTS = [
    cfg.StrOpt('dpb-rest-host', default=None,
               help='address the dpb REST API listens on '
                    '(env DPB_REST_HOST, default 127.0.0.1)'),
    cfg.IntOpt('dpb-rest-port', default=None,
               help='TCP port of the dpb REST API '
                    '(env DPB_REST_PORT, default 8181)'),
    cfg.StrOpt('dpb-token-file', default=None,
               help='file holding the bearer token every REST request must '
                    'carry (env DPB_TOKEN_FILE, default: no authentication)'),
    cfg.StrOpt('dpb-state-file', default=None,
               help='keep the last accepted desired state of every datapath '
                    'in this JSON file and reload it at start, so a restart '
                    'reinstalls at once (env DPB_STATE_FILE, default: none, '
                    'the state is volatile)'),
    cfg.FloatOpt('dpb-audit-seconds', default=None,
                 help='how often each connected switch is compared with the '
                      'desired state and repaired (env DPB_AUDIT_SECONDS, '
                      'default 5; 0 disables)'),
]

try:
    cfg.CONF.register_cli_opts(_OPTS)
except cfg.ArgsAlreadyParsedError:  # imported after parsing: env only
    pass


def _conf_value(name):
    try:
        return getattr(cfg.CONF, name)
    except (cfg.NoSuchOptError, AttributeError, cfg.Error):
        return None


def settings(environ=None):
    """Resolve ``(host, port, token_file)``: flag, then env, then default."""
    env = os.environ if environ is None else environ
    host = _conf_value('dpb_rest_host') or env.get('DPB_REST_HOST') \
        or DEFAULT_REST_HOST
    port = _conf_value('dpb_rest_port')
    if port is None:
        raw = env.get('DPB_REST_PORT')
        port = int(raw) if raw else DEFAULT_REST_PORT
    token_file = _conf_value('dpb_token_file') or env.get('DPB_TOKEN_FILE') \
        or None
    return host, int(port), token_file


def state_file(environ=None):
    """Path of the state file, or None."""
    env = os.environ if environ is None else environ
    return _conf_value('dpb_state_file') or env.get('DPB_STATE_FILE') or None


def audit_seconds(environ=None):
    """Period of the switch audit in seconds (0 = never)."""
    env = os.environ if environ is None else environ
    value = _conf_value('dpb_audit_seconds')
    if value is None:
        raw = env.get('DPB_AUDIT_SECONDS')
        value = float(raw) if raw else DEFAULT_AUDIT_SECONDS
    return max(float(value), 0.0)


def read_token(path):
    """The token in ``path`` (surrounding white space removed)."""
    with open(path, 'r', encoding='utf-8') as handle:
        token = handle.read().strip()
    if not token:
        raise ValueError('token file %s is empty' % path)
    return token
