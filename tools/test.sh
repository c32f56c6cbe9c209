#!/usr/bin/env bash
# Runs every test: installs what is missing, builds twice (plain, and
# ASan+UBSan), runs the whole ctest suite on the plain build and the unit +
# CLI/daemon tests under the sanitizers.  Exit status is ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh test

jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCPUMODEL_BUILD_TESTS=ON >/dev/null
cmake --build build -j"$jobs"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCPUMODEL_SANITIZE=ON -DCPUMODEL_BUILD_TESTS=ON >/dev/null
cmake --build build-asan -j"$jobs"
# clang -Werror too (build only: warnings differ between the compilers)
CC=clang cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCPUMODEL_BUILD_TESTS=ON >/dev/null
cmake --build build-clang -j"$jobs" >/dev/null

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

status=0
echo "== tests (plain build) =="
(cd build && ctest --output-on-failure -j"$jobs") || status=1
echo "== tests under ASan+UBSan (the emulated-host lab runs once, in the plain build) =="
(cd build-asan && CPUMODEL_SKIP_LAB=1 ctest --output-on-failure -j"$jobs" -E '^test_lab_') || status=1
exit $status
