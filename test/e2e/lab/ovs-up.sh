#!/usr/bin/env bash
# Starts a private Open vSwitch (ovsdb-server + ovs-vswitchd) whose every file
# lives under $OVS_RUNDIR. Uses no systemd and touches nothing in /etc, /var/lib
# or /var/log. The lab's bridges use the userspace (netdev) datapath because
# this kernel has no openvswitch module.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root
require_tools ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovs-appctl

if ovs_running; then
  log "Open vSwitch already runs in $OVS_RUNDIR (pid $(cat "$OVS_RUNDIR/ovs-vswitchd.pid"))"
  exit 0
fi
mkdir -p "$OVS_RUNDIR"
# A half-started earlier attempt: stop what is left, then start afresh.
"$LAB_DIR/ovs-down.sh" >/dev/null 2>&1 || true
mkdir -p "$OVS_RUNDIR"
# A fresh lab: no database, topology or logs of an earlier one.
rm -f "$OVS_RUNDIR/conf.db" "$OVS_RUNDIR/.conf.db.~lock~" "$OVS_RUNDIR/topology" \
  "$OVS_RUNDIR"/ovsdb-server.log "$OVS_RUNDIR"/ovs-vswitchd.log "$OVS_RUNDIR"/osken.log "$OVS_RUNDIR"/osken.out

ovsdb-tool create "$OVS_RUNDIR/conf.db" "$OVS_PKGDATADIR/vswitch.ovsschema"
ovsdb-server "$OVS_RUNDIR/conf.db" --remote="punix:$OVS_RUNDIR/db.sock" \
  --pidfile="$OVS_RUNDIR/ovsdb-server.pid" --log-file="$OVS_RUNDIR/ovsdb-server.log" \
  -vconsole:off --detach
# vlan-limit=2 must be set before ovs-vswitchd starts, or QinQ (two tags) is not parsed.
ovs-vsctl --no-wait init -- set Open_vSwitch . other_config:vlan-limit=2
ovs-vswitchd "unix:$OVS_RUNDIR/db.sock" \
  --pidfile="$OVS_RUNDIR/ovs-vswitchd.pid" --log-file="$OVS_RUNDIR/ovs-vswitchd.log" \
  -vconsole:off --detach
wait_for 10 ovs-appctl -t ovs-vswitchd version || die "ovs-vswitchd did not answer; see $OVS_RUNDIR/ovs-vswitchd.log"
log "Open vSwitch $(ovs-vswitchd --version | head -1 | awk '{print $NF}') up in $OVS_RUNDIR"
