#!/usr/bin/env bash
# Stops the private Open vSwitch of $OVS_RUNDIR (gracefully, then by pid), and
# removes its database and sockets. Log files stay for inspection.
# Safe to run at any time, also after a half-failed ovs-up.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root

stop_daemon() {  # name
  local pidfile="$OVS_RUNDIR/$1.pid" pid
  [ -f "$pidfile" ] || return 0
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  if [ -n "$pid" ] && proc_alive "$pid"; then
    if [ "$1" = ovs-vswitchd ]; then
      timeout 5 ovs-appctl -t "$OVS_RUNDIR/ovs-vswitchd.$pid.ctl" exit --cleanup >/dev/null 2>&1 || true
    else
      timeout 5 ovs-appctl -t "$OVS_RUNDIR/ovsdb-server.$pid.ctl" exit >/dev/null 2>&1 || true
    fi
    wait_for 5 bash -c "! proc_alive $pid" || kill -TERM "$pid" 2>/dev/null || true
    wait_for 5 bash -c "! proc_alive $pid" || kill -KILL "$pid" 2>/dev/null || true
    log "stopped $1 (pid $pid)"
  fi
  rm -f "$pidfile"
}

[ -d "$OVS_RUNDIR" ] || exit 0
stop_daemon ovs-vswitchd
stop_daemon ovsdb-server
rm -f "$OVS_RUNDIR"/conf.db "$OVS_RUNDIR"/.conf.db.~lock~ "$OVS_RUNDIR"/*.sock "$OVS_RUNDIR"/*.ctl "$OVS_RUNDIR"/*.mgmt "$OVS_RUNDIR"/app-state.json
