#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Probe time of cpumodeld (bench_probe: median of many cm_probe() runs) against
# what libvirt needs to answer the same question, `virsh domcapabilities`, on a
# freshly started libvirtd in the same run:
#   - cold: the first call, with an empty QEMU capability cache (libvirt starts
#     QEMU to probe it),
#   - warm: the median of later calls (cache filled).
# libvirtd runs in a private mount namespace with tmpfs over its run/state/cache
# directories, so it neither sees nor disturbs any other libvirtd on the machine,
# and is stopped (by its pid) at the end.
#
# usage: bench/bench_probe.sh [BENCH_PROBE_BINARY] [RUNS]
# Needs: libvirt-daemon-system, libvirt-clients, qemu-system-x86 (without them
# only the probe figures are printed).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-}
runs=${2:-200}
if [[ -z $bin ]]; then
    for d in "${CPUMODEL_BINARY_DIR:-}" "$here/../build" "$here/../build-h5a"; do
        [[ -n $d && -x $d/bench/bench_probe ]] && { bin=$d/bench/bench_probe; break; }
    done
fi
[[ -x ${bin:-} ]] || { echo "bench_probe.sh: bench_probe binary not found (pass its path)" >&2; exit 2; }

if [[ ! -e /dev/kvm ]]; then
    echo "SKIP: no /dev/kvm: nothing to measure" >&2
    exit 77
fi

out=$("$bin" "$runs")
echo "$out"
probe_ms=$(sed -n 's/.* median \([0-9.]*\) ms.*/\1/p' <<<"$out")
[[ -n $probe_ms ]] || { echo "bench_probe.sh: no median in the bench_probe output" >&2; exit 1; }

if ! command -v libvirtd >/dev/null || ! command -v virsh >/dev/null; then
    echo "SKIP: libvirtd/virsh not installed (apt-get install libvirt-daemon-system libvirt-clients qemu-system-x86):" \
         "no libvirt comparison" >&2
    exit 77
fi
if [[ $(id -u) != 0 ]]; then
    echo "SKIP: the libvirt comparison needs root (private mount namespace)" >&2
    exit 77
fi

# QEMU (run by libvirt as libvirt-qemu) needs /dev/kvm through the kvm group;
# without it libvirt decides KVM is unusable and re-probes on every call.
if getent group kvm >/dev/null; then
    chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
fi

work=$(mktemp -d /tmp/cm-bench-libvirt.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat >"$work/libvirtd.conf" <<EOF
host_uuid = "$(cat /proc/sys/kernel/random/uuid)"
unix_sock_group = "root"
unix_sock_rw_perms = "0700"
auth_unix_rw = "none"
log_outputs = "3:file:$work/libvirtd.log"
EOF

# Everything below runs inside the private namespace.
cat >"$work/inner.sh" <<'EOF'
set -euo pipefail
work=$1
for d in /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
    mkdir -p "$d" && mount -t tmpfs tmpfs "$d"
done
mkdir -p /var/lib/libvirt/qemu /var/cache/libvirt/qemu /var/log/libvirt/qemu
ms() { date +%s%N; }
virtlogd -d -p "$work/virtlogd.pid"
t0=$(ms)
libvirtd -d -f "$work/libvirtd.conf" -p "$work/libvirtd.pid"
# The first answer waits for the QEMU driver to start, which probes QEMU's
# capabilities (cold cache): libvirt's equivalent of our probe.
for _ in $(seq 1 600); do
    virsh -c qemu:///system version >/dev/null 2>&1 && break
    sleep 0.1
done
t1=$(ms)
virsh -c qemu:///system domcapabilities --virttype kvm >"$work/domcaps.xml"
t2=$(ms)
: >"$work/warm"
for _ in $(seq 1 10); do
    a=$(ms)
    virsh -c qemu:///system domcapabilities --virttype kvm >/dev/null
    b=$(ms)
    echo $(( (b - a) / 1000 )) >>"$work/warm"
done
echo "start_us=$(( (t1 - t0) / 1000 )) cold_us=$(( (t2 - t1) / 1000 ))" >"$work/times"
lpid=$(cat "$work/libvirtd.pid")
kill "$lpid" "$(cat "$work/virtlogd.pid")" 2>/dev/null || true
for _ in $(seq 1 100); do
    kill -0 "$lpid" 2>/dev/null || break
    sleep 0.05
done
EOF
unshare --mount --propagation private bash "$work/inner.sh" "$work"

start_us=$(sed -n 's/.*start_us=\([0-9]*\).*/\1/p' "$work/times")
cold_us=$(sed -n 's/.*cold_us=\([0-9]*\).*/\1/p' "$work/times")
warm_us=$(sort -n "$work/warm" | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}')
grep -q "<domainCapabilities>" "$work/domcaps.xml" || { echo "bench_probe.sh: virsh domcapabilities gave no XML" >&2; exit 1; }
awk -v p="$probe_ms" -v s="$start_us" -v c="$cold_us" -v w="$warm_us" 'BEGIN {
    printf "libvirt, freshly started libvirtd (empty capability cache, private namespace):\n";
    printf "  start + QEMU capability probe, until the first answer  %10.1f ms\n", s / 1000;
    printf "  first virsh domcapabilities after that                 %10.1f ms\n", c / 1000;
    printf "  virsh domcapabilities, warm (median of 10)             %10.1f ms\n", w / 1000;
    printf "cpumodeld probe median                                   %10.3f ms\n", p;
    printf "ratio, fresh libvirtd to first domcapabilities / probe:  %10.0fx\n", (s + c) / 1000 / p;
    printf "ratio, warm domcapabilities / probe:                     %10.1fx\n", w / 1000 / p;
}'
