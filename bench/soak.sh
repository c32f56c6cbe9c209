#!/usr/bin/env bash
# bench/soak.sh [SECONDS] [BUILD_DIR]: the soak of issue 12 item 10 (default
# 600 s): mixed clients over Unix and TCP, hostile clients, faulty and dead
# peers, kill -9 of the daemon every 15-30 s while it pins.  Prints figures;
# exit 0 when nothing crashed, no acknowledged pin was lost, RSS stayed flat.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
build=${2:-build}
fix=${CPUMODEL_FIXTURES:-tests/data/firecracker}
work=$(mktemp -d /tmp/cpumodeld-soak.XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 bench/soak.py "$build/daemon/cpumodeld" "$fix" "$secs" "$work"
rc=$?
grep -l -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$work"/*.log 2>/dev/null && rc=1
exit $rc
