#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# First screen of `cpumodeld baseline` for a fleet of unenforceable hosts
# (issue 14): the arm64 dumps of the 5.10 and 6.1 kernels (no writable ID
# registers: the 6.1 hosts cannot take the 5.10 model), repeated as N files.
# Prints, in one run: the time until the first screen (40 lines) reaches a
# reader (`| head -n 40`), the whole text report to /dev/null, and as
# references `cat` of the same files and the load alone (`cpumodeld show`
# of one file, the CLI's start-up).
#
# usage: bench_first_screen.sh CPUMODELD [N]   (N defaults to 10000)
set -euo pipefail
bin=${1:?usage: bench_first_screen.sh CPUMODELD [N]}
n=${2:-10000}
src=$(cd "$(dirname "$0")/.." && pwd)/tests/data/firecracker
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
seeds=(ARM_NEOVERSE_N1_6.1 ARM_NEOVERSE_V1_6.1 ARM_NEOVERSE_N1_5.10 ARM_NEOVERSE_V1_5.10)
for ((i = 0; i < n; i++)); do
    ln -s "$src/fingerprint_${seeds[i % 4]}host.json" "$dir/host$(printf %06d "$i").json"
done
files=("$dir"/host*.json)
ms() { date +%s%N; }
t0=$(ms); cat "${files[@]}" >/dev/null; t1=$(ms)
cat_ms=$(((t1 - t0) / 1000000))
t0=$(ms); "$bin" baseline "${files[@]}" | head -n 40 >/dev/null || true; t1=$(ms)
first_ms=$(((t1 - t0) / 1000000))
t0=$(ms); "$bin" baseline "${files[@]}" >/dev/null || true; t1=$(ms)
full_ms=$(((t1 - t0) / 1000000))
bytes=$("$bin" baseline "${files[@]}" | wc -c || true)
printf '%-8s %14s %12s %10s %12s\n' hosts first_screen_ms report_ms cat_ms report_bytes
printf '%-8s %14s %12s %10s %12s\n' "$n" "$first_ms" "$full_ms" "$cat_ms" "$bytes"
