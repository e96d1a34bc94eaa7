#!/usr/bin/env bash
# Removes everything topo-up.sh may have made: every OVS bridge, network
# namespace and network interface whose name starts with $LAB_PREFIX. Works
# after a half-failed topo-up.sh, and without the topology file.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root
check_prefix

if ovs_running; then
  for br in $(ovs-vsctl list-br 2>/dev/null || true); do
    case "$br" in "$LAB_PREFIX"*) ovs-vsctl --if-exists del-br "$br" ;; esac
  done
fi
for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
  case "$ns" in "$LAB_PREFIX"*) ip netns del "$ns" ;; esac
done
# Deleting one end of a veth deletes its peer: ignore the already gone.
for ifc in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
  case "$ifc" in "$LAB_PREFIX"*) ip link del "$ifc" 2>/dev/null || true ;; esac
done
rm -f "$OVS_RUNDIR/topology"
log "topology with prefix $LAB_PREFIX removed"
