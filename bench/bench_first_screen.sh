#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# First screen of `cpumodeld baseline` for a fleet of unenforceable hosts
# (issue 14): the arm64 dumps of the 5.10 and 6.1 kernels (no writable ID
# registers: the 6.1 hosts cannot take the 5.10 model), repeated as N files.
# Prints, in one run: the time until the first screen (40 lines) reaches a
# reader (`| head -n 40`), the whole text report to /dev/null, and as
# reference `cat` of the same files.  Then where the CLI's own time goes
# (CPUMODELD_TIMING marks, ms since main()): reading the N files, decoding
# them, the baseline (model, verdicts, groups) and the first screen printed;
# `after_decode_ms` is what the lazy report costs once the hosts are in
# memory (the issue's 50 ms first screen), `after_read_ms` adds decoding.
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
marks=$(CPUMODELD_TIMING=1 "$bin" baseline "${files[@]}" 2>&1 >/dev/null | grep 'timing:' || true)
mark() { echo "$marks" | grep "$1" | sed 's/.* at \([0-9.]*\) ms$/\1/'; }
read_ms=$(mark 'read [0-9]* inputs'); dec_ms=$(mark 'decoded'); bl_ms=$(mark 'baseline of'); fs_ms=$(mark 'first screen')
printf '%-8s %10s %12s %12s %16s %14s\n' hosts read_ms decoded_ms baseline_ms after_decode_ms after_read_ms
awk -v n="$n" -v r="$read_ms" -v d="$dec_ms" -v b="$bl_ms" -v f="$fs_ms" \
  'BEGIN { printf "%-8s %10.0f %12.0f %12.0f %16.1f %14.1f\n", n, r, d, b, f - d, f - r }'
