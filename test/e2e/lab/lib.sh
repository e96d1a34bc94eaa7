# Shared settings and helpers of the lab scripts. Sourced, never run.
#
# Settings (environment variables; the defaults suit the tutorial):
#   LAB_PREFIX     prefix of every bridge, veth and netns the lab makes (default "dl-",
#                  at most 6 characters from [a-z0-9-], since Linux names have 15)
#   OVS_RUNDIR     the run directory: OVS database, sockets, pid and log files, the
#                  controller app's pid and log (default /tmp/dpb-lab)
#   LAB_OF_PORT    TCP port the controller app listens on for switches (default 6653)
#   LAB_REST_PORT  TCP port of the controller app's REST API (default 8181)
#   LAB_TOPOLOGY   topology file (topo-up.sh takes it as its argument instead)

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$LAB_DIR/../../.." && pwd)"

LAB_PREFIX="${LAB_PREFIX:-dl-}"
export OVS_RUNDIR="${OVS_RUNDIR:-/tmp/dpb-lab}"
LAB_OF_PORT="${LAB_OF_PORT:-6653}"
LAB_REST_PORT="${LAB_REST_PORT:-8181}"
# ovs-vsctl/ovs-ofctl/ovs-appctl find their sockets through OVS_RUNDIR; the
# database and logs go there too (never /etc, /var/lib or /var/log).
export OVS_DBDIR="$OVS_RUNDIR" OVS_LOGDIR="$OVS_RUNDIR" OVS_PKGDATADIR="${OVS_PKGDATADIR:-/usr/share/openvswitch}"

log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S.%3N)" "$*" >&2; }
die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

# Refuses clearly unless root, and names the Debian packages a missing tool comes from.
require_root() {
  [ "$(id -u)" = "0" ] || die "the lab must run as root (it creates network namespaces, veths and an Open vSwitch); run it with sudo"
}
require_tools() {
  local missing=() t pkg
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 && continue
    case "$t" in
      ovsdb-server|ovsdb-tool|ovs-vswitchd|ovs-vsctl|ovs-ofctl|ovs-appctl) pkg=openvswitch-switch ;;
      osken-manager) pkg=python3-os-ken ;;
      ethtool) pkg=ethtool ;;
      ip) pkg=iproute2 ;;
      *) pkg="$t" ;;
    esac
    missing+=("$t (Debian package $pkg)")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    die "missing: ${missing[*]}; install with: apt-get install -y openvswitch-switch python3-os-ken iperf3 iputils-ping ethtool tcpdump"
  fi
}

check_prefix() {
  [[ "$LAB_PREFIX" =~ ^[a-z][a-z0-9-]{0,5}$ ]] || die "LAB_PREFIX must be 1-6 characters from [a-z0-9-], starting with a letter; got '$LAB_PREFIX'"
}

# Names (all carry the prefix; every one fits Linux's 15 characters).
br_name() { echo "${LAB_PREFIX}$1"; }            # provider switch bridge
ce_name() { echo "${LAB_PREFIX}ce-$1"; }         # customer-edge bridge of a site
ns_name() { echo "${LAB_PREFIX}$1"; }            # host network namespace
host_if() { echo "${LAB_PREFIX}$1"; }            # host veth, CE side (the netns side is eth0)
trunk_if() { echo "${LAB_PREFIX}$1-$2"; }        # trunk veth on switch $1 towards switch $2
uplink_if() { echo "${LAB_PREFIX}$1-$2"; }       # provider side of site $2's uplink on switch $1
ce_up_if() { echo "${LAB_PREFIX}$1-up"; }        # CE side of site $1's uplink
ci_name() { echo "${LAB_PREFIX}ci-$1"; }         # inner (C-VLAN) bridge of a QinQ site
qq_if() { echo "${LAB_PREFIX}$1-qq"; }           # QinQ site $1: the S-tagging port on its CE bridge
cq_if() { echo "${LAB_PREFIX}$1-cq"; }           # ...and its peer on the inner bridge

# A host's MAC address follows from its IPv4 address: 02:00:a:b:c:d.
mac_of_ip() {
  local ip="${1%/*}" a b c d
  IFS=. read -r a b c d <<<"$ip"
  printf '02:00:%02x:%02x:%02x:%02x' "$a" "$b" "$c" "$d"
}

# Turns IPv6 off on an interface so the lab's links carry only the test's traffic.
no_ipv6() {
  local f="/proc/sys/net/ipv6/conf/$1/disable_ipv6"
  [ -w "$f" ] && echo 1 >"$f" || true
}

# Is process $1 alive? (A zombie waiting for PID 1 to reap it is not.)
proc_alive() {
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}
export -f proc_alive

ovs_running() {
  [ -f "$OVS_RUNDIR/ovs-vswitchd.pid" ] && proc_alive "$(cat "$OVS_RUNDIR/ovs-vswitchd.pid")"
}

# Reads the topology file into arrays: SWITCHES (name dpid), LINKS (sw port sw port),
# SITES (name sw port [outer]), HOSTS (name site vlan ip/len).
read_topology() {
  local file="$1" kind a b c d rest lineno=0
  [ -f "$file" ] || die "topology file $file not found"
  SWITCHES=() LINKS=() SITES=() HOSTS=()
  while read -r kind a b c d rest || [ -n "$kind" ]; do
    lineno=$((lineno + 1))
    case "$kind" in
      ''|'#'*) continue ;;
      switch) [[ -n "$a" && "$b" =~ ^[0-9a-f]{16}$ && -z "$c" ]] || die "$file:$lineno: expected 'switch NAME DPID(16 hex)'"; SWITCHES+=("$a $b") ;;
      link) [[ "$b" =~ ^[0-9]+$ && "$d" =~ ^[0-9]+$ && -z "$rest" ]] || die "$file:$lineno: expected 'link SWITCH PORT SWITCH PORT'"; LINKS+=("$a $b $c $d") ;;
      site)
        if [ -z "$d" ]; then
          [[ -n "$b" && "$c" =~ ^[0-9]+$ ]] || die "$file:$lineno: expected 'site NAME SWITCH PORT [qinq OUTER-VLAN]'"
          SITES+=("$a $b $c")
        else
          [[ -n "$b" && "$c" =~ ^[0-9]+$ && "$d" = qinq && "$rest" =~ ^[0-9]+$ ]] || die "$file:$lineno: expected 'site NAME SWITCH PORT [qinq OUTER-VLAN]'"
          SITES+=("$a $b $c $rest")
        fi ;;
      host) [[ "$c" =~ ^[0-9]+$ && "$d" =~ ^[0-9.]+/[0-9]+$ && -z "$rest" ]] || die "$file:$lineno: expected 'host NAME SITE VLAN IPV4/LEN'"; HOSTS+=("$a $b $c $d") ;;
      *) die "$file:$lineno: unknown line kind '$kind'" ;;
    esac
  done <"$file"
}

# GETs a URL of the controller app with Debian's python3 (which os-ken needs
# anyway), so the lab does not depend on curl: prints the body; fails on no
# answer or a status >= 400.
http_get() {
  /usr/bin/python3 - "$1" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
        sys.stdout.write(r.read().decode())
except Exception:
    sys.exit(1)
PY
}

# Waits for a command to succeed, polling every 0.1 s, for at most $1 seconds.
wait_for() {
  local deadline=$(( $(date +%s%N) + $1 * 1000000000 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s%N)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}
