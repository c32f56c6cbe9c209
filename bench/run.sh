#!/usr/bin/env bash
# Builds (Release) and runs every benchmark, printing figures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh build
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCPUMODEL_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)"
shared=${CPUMODEL_SHARED_DIR:-$(cd .. && pwd)/shared}
echo "== baseline =="
build-bench/bench/bench_baseline "$shared/fixtures/firecracker" tests/fixtures/riscv64
for extra in bench/bench_*.sh; do
  [ -e "$extra" ] || continue
  echo "== $(basename "$extra" .sh) =="
  bash "$extra" build-bench || echo "($extra failed)"
done
for b in build-bench/bench/bench_*; do
  case "$(basename "$b")" in bench_baseline) continue ;; esac
  [ -x "$b" ] || continue
  echo "== $(basename "$b") =="
  "$b" || echo "($b failed)"
done
