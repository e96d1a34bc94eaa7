#!/usr/bin/env bash
# Tears down everything lab-up.sh made (also after a half-failed lab-up.sh):
# the controller app, the topology, Open vSwitch.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root
rc=0
"$LAB_DIR/app-down.sh" || rc=1
"$LAB_DIR/topo-down.sh" || rc=1
"$LAB_DIR/ovs-down.sh" || rc=1
exit $rc
