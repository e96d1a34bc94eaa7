#!/usr/bin/env bash
# Builds a lab topology on the running private Open vSwitch (ovs-up.sh first):
#   usage: topo-up.sh [TOPOLOGY]   (default: topologies/wan3.topo, or $LAB_TOPOLOGY)
# - provider switches: bridges with fixed dpids, OpenFlow 1.3 only, fail-mode
#   secure, controller tcp:127.0.0.1:$LAB_OF_PORT (out of band, max_backoff 1 s);
# - trunks: veth pairs on fixed OpenFlow port numbers;
# - sites: a customer-edge bridge (standalone: plain learning switch, no
#   controller) whose uplink is a veth to a provider port; its host ports are
#   access ports tag=VLAN, so the provider sees 802.1Q-tagged frames (this
#   kernel cannot tag VLANs itself);
#   A QinQ site ('site NAME SWITCH PORT qinq OUTER') has two bridges: the hosts'
#   access ports are on an inner bridge (802.1Q tag = the host's VLAN), whose
#   uplink enters the CE bridge on a dot1q-tunnel port that adds an 802.1ad
#   outer tag OUTER: the provider sees 0x88a8 OUTER + 0x8100 VLAN;
# - hosts: network namespaces on veths, one IPv4 /24, TX checksum offload off.
# On any failure it tears down what it built (topo-down.sh) and exits non-zero.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root
check_prefix
require_tools ovs-vsctl ip ethtool

TOPOLOGY="${1:-${LAB_TOPOLOGY:-$LAB_DIR/topologies/wan3.topo}}"
read_topology "$TOPOLOGY"
ovs_running || die "Open vSwitch is not running in $OVS_RUNDIR; run ovs-up.sh first"

trap 'rc=$?; if [ $rc -ne 0 ]; then log "topo-up failed (exit $rc); tearing down"; "$LAB_DIR/topo-down.sh" || true; fi' EXIT

cp "$TOPOLOGY" "$OVS_RUNDIR/topology"

declare -A SW_OF=()
for s in "${SWITCHES[@]}"; do
  read -r name dpid <<<"$s"
  br="$(br_name "$name")"; SW_OF[$name]="$br"
  ovs-vsctl --may-exist add-br "$br" \
    -- set bridge "$br" datapath_type=netdev protocols=OpenFlow13 fail-mode=secure \
         other-config:datapath-id="$dpid" other-config:disable-in-band=true \
    -- set-controller "$br" "tcp:127.0.0.1:$LAB_OF_PORT" \
    -- set controller "$br" connection-mode=out-of-band max_backoff=1000
done

veth_pair() {  # a b
  ip link add "$1" type veth peer name "$2"
  for i in "$1" "$2"; do no_ipv6 "$i"; ip link set "$i" up; done
}

for l in "${LINKS[@]}"; do
  read -r sa pa sb pb <<<"$l"
  [ -n "${SW_OF[$sa]:-}" ] && [ -n "${SW_OF[$sb]:-}" ] || die "link $l names an unknown switch"
  ia="$(trunk_if "$sa" "$sb")"; ib="$(trunk_if "$sb" "$sa")"
  veth_pair "$ia" "$ib"
  ovs-vsctl add-port "${SW_OF[$sa]}" "$ia" -- set interface "$ia" ofport_request="$pa"
  ovs-vsctl add-port "${SW_OF[$sb]}" "$ib" -- set interface "$ib" ofport_request="$pb"
done

declare -A SITE_CE=()
for s in "${SITES[@]}"; do
  read -r site sw port outer <<<"$s"
  [ -n "${SW_OF[$sw]:-}" ] || die "site $site names an unknown switch $sw"
  ce="$(ce_name "$site")"; SITE_CE[$site]="$ce"
  ovs-vsctl --may-exist add-br "$ce" -- set bridge "$ce" datapath_type=netdev fail-mode=standalone
  pi="$(uplink_if "$sw" "$site")"; ci="$(ce_up_if "$site")"
  veth_pair "$pi" "$ci"
  ovs-vsctl add-port "${SW_OF[$sw]}" "$pi" -- set interface "$pi" ofport_request="$port"
  ovs-vsctl add-port "$ce" "$ci"           # no tag: a trunk port carrying every VLAN
  if [ -n "$outer" ]; then
    inner="$(ci_name "$site")"; SITE_CE[$site]="$inner"
    ovs-vsctl --may-exist add-br "$inner" -- set bridge "$inner" datapath_type=netdev fail-mode=standalone
    qq="$(qq_if "$site")"; cq="$(cq_if "$site")"
    veth_pair "$qq" "$cq"
    ovs-vsctl add-port "$ce" "$qq" vlan_mode=dot1q-tunnel tag="$outer" other_config:qinq-ethtype=802.1ad
    ovs-vsctl add-port "$inner" "$cq"      # trunk: the hosts' VLANs, 802.1Q-tagged
  fi
done

for h in "${HOSTS[@]}"; do
  read -r host site vlan addr <<<"$h"
  [ -n "${SITE_CE[$site]:-}" ] || die "host $host names an unknown site $site"
  ns="$(ns_name "$host")"; hi="$(host_if "$host")"
  ip netns add "$ns"
  ip link add "$hi" type veth peer name eth0 netns "$ns"
  no_ipv6 "$hi"; ip link set "$hi" up
  ip netns exec "$ns" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6' || true
  ip -n "$ns" link set eth0 address "$(mac_of_ip "$addr")"
  ip -n "$ns" addr add "$addr" dev eth0
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
  # Without this, TCP through the userspace datapath carries bad checksums.
  ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null
  ovs-vsctl add-port "${SITE_CE[$site]}" "$hi" tag="$vlan"
done

log "topology $(basename "$TOPOLOGY") up: ${#SWITCHES[@]} switches, ${#LINKS[@]} trunks, ${#SITES[@]} sites, ${#HOSTS[@]} hosts (prefix $LAB_PREFIX)"
