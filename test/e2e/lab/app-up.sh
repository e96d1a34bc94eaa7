#!/usr/bin/env bash
# Starts dpb's OpenFlow controller app (ryu-apps/dpb_openflow.py) under Debian's
# os-ken (osken-manager), with its pid and log files in $OVS_RUNDIR, and waits
# until its REST API answers and every provider switch of the lab topology is
# connected to it. Deadline: $LAB_APP_TIMEOUT seconds (default 30).
#   OpenFlow: 127.0.0.1:$LAB_OF_PORT   REST: http://127.0.0.1:$LAB_REST_PORT/dpb/api/v1
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root
require_tools osken-manager ovs-vsctl

APP_DIR="${LAB_APP_DIR:-$REPO_DIR/ryu-apps}"
TIMEOUT="${LAB_APP_TIMEOUT:-30}"
PIDFILE="$OVS_RUNDIR/osken.pid"
LOGFILE="$OVS_RUNDIR/osken.log"
API="http://127.0.0.1:$LAB_REST_PORT/dpb/api/v1"
# osken-manager runs on Debian's /usr/bin/python3 (its shebang), which has os_ken.
OSKEN="$(command -v osken-manager)"

[ -f "$APP_DIR/dpb_openflow.py" ] || die "$APP_DIR/dpb_openflow.py not found (the controller app of ryu-apps/)"
mkdir -p "$OVS_RUNDIR"

if [ -f "$PIDFILE" ] && proc_alive "$(cat "$PIDFILE")"; then
  log "the controller app already runs (pid $(cat "$PIDFILE"))"
else
  rm -f "$PIDFILE"
  # The app keeps the last desired state it accepted in a file, so a restart
  # restores every slice at once (LAB_APP_STATE_FILE=none: forget it, as a
  # crash that loses the file would; the broker's next push restores it).
  STATE_FILE="${LAB_APP_STATE_FILE:-$OVS_RUNDIR/app-state.json}"
  STATE_ARGS=()
  [ "$STATE_FILE" = none ] || STATE_ARGS=(--dpb-state-file "$STATE_FILE")
  (
    cd "$APP_DIR"
    export PYTHONPATH="$APP_DIR${PYTHONPATH:+:$PYTHONPATH}"
    exec setsid "$OSKEN" --ofp-listen-host 127.0.0.1 --ofp-tcp-listen-port "$LAB_OF_PORT" \
      --user-flags "$APP_DIR/dpb_flags.py" --dpb-rest-host 127.0.0.1 --dpb-rest-port "$LAB_REST_PORT" \
      ${STATE_ARGS[@]+"${STATE_ARGS[@]}"} \
      --pid-file "$PIDFILE" --log-file "$LOGFILE" "$APP_DIR/dpb_openflow.py"
  ) </dev/null >>"$OVS_RUNDIR/osken.out" 2>&1 &
  echo $! >"$PIDFILE.launch"
fi

# The dpids of the lab's provider switches (from the topology topo-up.sh copied).
DPIDS=()
if [ -f "$OVS_RUNDIR/topology" ]; then
  read_topology "$OVS_RUNDIR/topology"
  for s in "${SWITCHES[@]}"; do read -r _ dpid <<<"$s"; DPIDS+=("$dpid"); done
fi

all_connected() {
  local body
  body="$(http_get "$API/datapaths")" || return 1
  /usr/bin/python3 -c '
import json, sys
up = {d["dpid"] for d in json.loads(sys.argv[1])["datapaths"] if d.get("connected")}
sys.exit(0 if set(sys.argv[2:]) <= up else 1)' "$body" "${DPIDS[@]}"
}

deadline=$(( $(date +%s) + TIMEOUT ))
until http_get "$API/health" >/dev/null 2>&1; do
  pid="$(cat "$PIDFILE" 2>/dev/null || cat "$PIDFILE.launch")"
  proc_alive "$pid" || die "the controller app exited; see $LOGFILE and $OVS_RUNDIR/osken.out:
$(tail -n 20 "$OVS_RUNDIR/osken.out" "$LOGFILE" 2>/dev/null)"
  [ "$(date +%s)" -lt "$deadline" ] || die "the controller app's REST ($API/health) did not answer within ${TIMEOUT}s; see $LOGFILE"
  sleep 0.1
done
until all_connected; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    die "not every switch connected to the controller within ${TIMEOUT}s: $(http_get "$API/datapaths" || true); check 'ovs-vsctl list controller' and $OVS_RUNDIR/ovs-vswitchd.log"
  fi
  sleep 0.1
done
if [ ${#DPIDS[@]} -eq 0 ]; then
  log "controller app up (pid $(cat "$PIDFILE")): REST $API, OpenFlow 127.0.0.1:$LAB_OF_PORT (no lab topology yet)"
else
  log "controller app up (pid $(cat "$PIDFILE")): REST $API, OpenFlow 127.0.0.1:$LAB_OF_PORT, ${#DPIDS[@]} switches connected"
fi
