#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end, as an operator runs it: `cpumodeld baseline` over N snapshot
# files (symlinks to a few real hosts, as a fleet of a few kinds of machine
# looks), beside two references measured in the same run: `cat` of the same
# files (reading them at all), and libvirt's `virsh -c test:///default
# cpu-baseline` over the same x86 hosts as host-CPU XML (features named from
# libvirt's own cpu_map by bench/gen_hostcpu_xml.py; virsh refuses inputs over
# 10 MB, so its column stops there).  Each figure is the best of 3 runs.
#   targets: N files <= 5x cat; faster than virsh at every size it accepts.
# usage: bench/bench_e2e.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
bin=$build/daemon/cpumodeld
[ -x "$bin" ] || { echo "bench_e2e: build $build first"; exit 1; }
fx=tests/data/firecracker
t=$(mktemp -d /tmp/cpumodeld-e2e.XXXXXX)
trap 'rm -rf "$t"' EXIT

best_ms() { # best of 3 wall times of "$@" in ms (stdout to $t/out)
  local best=
  for _ in 1 2 3; do
    local s e
    s=$(date +%s%N)
    "$@" >"$t/out" 2>"$t/err" || true
    e=$(date +%s%N)
    local ms=$(( (e - s) / 1000000 ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  echo "$best"
}

x86=(INTEL_SKYLAKE_6.1 INTEL_CASCADELAKE_6.1 INTEL_ICELAKE_6.1 INTEL_SKYLAKE_5.10 INTEL_CASCADELAKE_5.10 INTEL_ICELAKE_5.10)
arm=(ARM_NEOVERSE_N1_6.1 ARM_NEOVERSE_V1_6.1 ARM_NEOVERSE_N1_5.10 ARM_NEOVERSE_V1_5.10)
mkdir -p "$t/snap"
for h in "${x86[@]}" "${arm[@]}"; do
  "$bin" import --from firecracker "$fx/fingerprint_${h}host.json" -o "$t/snap/$h.json" >/dev/null
done
have_virsh=0
command -v virsh >/dev/null && [ -f /usr/share/libvirt/cpu_map/x86_features.xml ] && have_virsh=1

# Same answer as virsh?  Its baseline of the x86 kinds (the fleets below cycle over them) against
# ours, both as libvirt feature names (ours: our model's CPUID/MSRs through the same cpu_map rule).
if [ $have_virsh = 1 ]; then
  files=(); for h in "${x86[@]}"; do files+=("$fx/fingerprint_${h}host.json"); done
  python3 bench/gen_hostcpu_xml.py "${#x86[@]}" "${files[@]}" >"$t/kinds.xml"
  virsh -c test:///default cpu-baseline --features "$t/kinds.xml" |
    sed -n "s/.*policy='require' name='\([^']*\)'.*/\1/p" | sort >"$t/virsh.txt"
  "$bin" baseline "$t"/snap/INTEL_*.json -o "$t/model.json" >/dev/null || true
  python3 bench/gen_hostcpu_xml.py --features-of "$t/model.json" >"$t/ours.txt"
  echo "answer vs virsh cpu-baseline (x86 kinds): ours $(wc -l <"$t/ours.txt") features, virsh $(wc -l <"$t/virsh.txt");" \
    "only ours: $(comm -23 "$t/ours.txt" "$t/virsh.txt" | tr '\n' ' '); only virsh: $(comm -13 "$t/ours.txt" "$t/virsh.txt" | tr '\n' ' ')"
  echo "  (rsba/rrsba report a weakness: our merge keeps them if any host has them, x86_64/words.c; virsh ANDs every feature)"
fi

printf '%-6s %-7s %9s %9s %7s %10s %9s %s\n' arch hosts cat_ms ours_ms ratio virsh_ms vs_virsh out_bytes
for arch in x86_64 arm64; do
  if [ $arch = x86_64 ]; then kinds=("${x86[@]}"); else kinds=("${arm[@]}"); fi
  for n in 1000 3000 10000; do
    d="$t/$arch-$n"; mkdir -p "$d"
    for ((i = 0; i < n; i++)); do
      ln -s "$t/snap/${kinds[i % ${#kinds[@]}]}.json" "$(printf '%s/h%05d.json' "$d" "$i")"
    done
    cat_ms=$(best_ms bash -c "cat '$d'/*.json")
    ours_ms=$(best_ms bash -c "'$bin' baseline '$d'/*.json")
    bytes=$(wc -c <"$t/out")
    virsh_ms=- vs=-
    if [ $arch = x86_64 ] && [ $have_virsh = 1 ]; then
      files=(); for h in "${x86[@]}"; do files+=("$fx/fingerprint_${h}host.json"); done
      python3 bench/gen_hostcpu_xml.py "$n" "${files[@]}" >"$t/hosts.xml"
      if [ "$(stat -c %s "$t/hosts.xml")" -le 10000000 ]; then
        virsh_ms=$(best_ms virsh -c test:///default cpu-baseline "$t/hosts.xml")
        vs=$(awk -v a="$ours_ms" -v b="$virsh_ms" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }')
      else
        virsh_ms="refused(>10MB)"
      fi
    fi
    ratio=$(awk -v a="$ours_ms" -v b="$cat_ms" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }')
    printf '%-6s %-7s %9s %9s %7s %10s %9s %s\n' $arch $n "$cat_ms" "$ours_ms" "$ratio" "$virsh_ms" "$vs" "$bytes"
    rm -rf "$d"
  done
done
