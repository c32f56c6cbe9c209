#!/usr/bin/env bash
# tools/fuzz.sh [SECONDS] [BUILD_DIR]: builds the libFuzzer targets (fuzz/,
# clang + ASan + UBSan) and runs each for SECONDS (default 60), seeded from
# the fixtures (snapshots, Firecracker dumps, configs, domain XML, Varlink
# calls, etcd answers recorded from a real etcd).  New inputs go to
# BUILD_DIR/corpus/TARGET; a crash stops with
# the reproducer's path.  Prints executions per target.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
build=${2:-build-fuzz}
command -v clang >/dev/null || { echo "SKIP: clang is not installed (tools/deps.sh test)" >&2; exit 77; }
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' >"${TMPDIR:-/tmp}/fz$$.c"
if ! clang -fsanitize=fuzzer "${TMPDIR:-/tmp}/fz$$.c" -o "${TMPDIR:-/tmp}/fz$$" 2>/dev/null; then
  rm -f "${TMPDIR:-/tmp}/fz$$"*
  echo "SKIP: clang has no libFuzzer (libclang-rt-14-dev)" >&2; exit 77
fi
rm -f "${TMPDIR:-/tmp}/fz$$"*
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCPUMODEL_FUZZ=ON -DCPUMODEL_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz_varlink fuzz_snapshot fuzz_snapshot_scan fuzz_firecracker fuzz_config fuzz_hook fuzz_etcd >/dev/null

fix=tests/data/firecracker
seeds() { # seeds TARGET DIR: the seed corpus of one target
  local t=$1 d=$2
  mkdir -p "$d"
  case $t in
    fuzz_snapshot | fuzz_firecracker)
      cp "$fix"/*.json "$d"/ 2>/dev/null || true
      cp tests/fixtures/*/*.json "$d"/ 2>/dev/null || true ;;
    fuzz_snapshot_scan) # texts in the layout we write (the scanner's own ground)
      cp tests/fixtures/*/*.json fuzz/seeds/snapshot/*.json "$d"/ 2>/dev/null || true ;;
    fuzz_config) cp conf/cpumodeld.conf "$d"/ ;;
    fuzz_hook) cp tests/fixtures/libvirt/*.xml "$d"/ 2>/dev/null || true
      printf '<domain><metadata><cpumodeld:model xmlns:cpumodeld="https://cpumodeld.invalid/xmlns/1" name="gold" generation="2"/></metadata></domain>' >"$d/seed.xml" ;;
    fuzz_varlink) cp fuzz/seeds/varlink/* "$d"/ ;;
    fuzz_etcd) cp fuzz/seeds/etcd/* "$d"/ ;;
  esac
}
status=0
for t in fuzz_varlink fuzz_snapshot fuzz_snapshot_scan fuzz_firecracker fuzz_config fuzz_hook fuzz_etcd; do
  corpus=$build/corpus/$t
  seeds "$t" "$corpus"
  log=$build/$t.log
  if "$build/fuzz/$t" -max_total_time="$secs" -max_len=262144 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build/$t-" "$corpus" >"$log" 2>&1; then
    echo "$t: $(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}') executions, 0 crashes, corpus $(ls "$corpus" | wc -l)"
  else
    echo "$t: FAILED, see $log: $(grep -m1 -E 'ERROR|SUMMARY' "$log")"
    status=1
  fi
done
exit $status
