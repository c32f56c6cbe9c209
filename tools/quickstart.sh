#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install what is missing, build,
# and run `cpumodeld query` on this host (a daemon on a private socket,
# probing this host's /dev/kvm).  Falls back to a plain probe when the daemon
# is not built, and to a baseline of two real host dumps (tests/data) when there is no KVM.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh build
cmake -S . -B build-run -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCPUMODEL_BUILD_TESTS=OFF >/dev/null
log=$(mktemp)
cmake --build build-run -j"$(nproc)" --target cpumodeld >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; exit 1; }
rm -f "$log"
bin=build-run/daemon/cpumodeld

if [ -e /dev/kvm ] && "$bin" help | grep -q '^  serve.*' && ! "$bin" help | grep -q 'serve.*not built'; then
  run=$(mktemp -d)
  "$bin" serve --socket "$run/sock" --state-dir "$run/state" >"$run/log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$run"' EXIT
  for _ in $(seq 50); do [ -S "$run/sock" ] && break; sleep 0.1; done
  "$bin" query --socket "$run/sock" "$@"
elif [ -e /dev/kvm ]; then
  "$bin" probe "$@"
else
  echo "no /dev/kvm here: showing the baseline of two real host dumps instead" >&2
  "$bin" baseline tests/data/firecracker/fingerprint_ARM_NEOVERSE_N1_6.1host.json \
                  tests/data/firecracker/fingerprint_ARM_NEOVERSE_V1_6.1host.json "$@"
fi
