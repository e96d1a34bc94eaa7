#!/usr/bin/env bash
# The whole lab in one go: Open vSwitch, the controller app, the topology.
#   usage: lab-up.sh [TOPOLOGY]     (settings: see lib.sh; tear down with lab-down.sh)
# The app starts before the switches exist, so that each switch connects at
# once. A switch that finds no controller backs off 1, 2, 4, 8 s (Open vSwitch
# 3.1 applies max_backoff=1000 only once it has connected), and a back-off
# grown that way made an app restart soon after lab-up wait 8 s for the
# switches instead of 1.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root
"$LAB_DIR/ovs-up.sh"
"$LAB_DIR/app-up.sh"               # no topology yet: waits for the REST API only
"$LAB_DIR/topo-up.sh" "$@"
"$LAB_DIR/app-up.sh"               # already running: waits until every switch is connected
