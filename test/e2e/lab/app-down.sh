#!/usr/bin/env bash
# Stops the controller app started by app-up.sh (by the pid in $OVS_RUNDIR):
# SIGTERM, then SIGKILL after 5 s. Safe to run when it is not running.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root

PIDFILE="$OVS_RUNDIR/osken.pid"
for f in "$PIDFILE" "$PIDFILE.launch"; do
  [ -f "$f" ] || continue
  pid="$(cat "$f" 2>/dev/null || true)"
  if [ -n "$pid" ] && proc_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    wait_for 5 bash -c "! proc_alive $pid" || kill -KILL "$pid" 2>/dev/null || true
    log "stopped the controller app (pid $pid)"
  fi
  rm -f "$f"
done
