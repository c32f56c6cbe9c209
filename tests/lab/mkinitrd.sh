#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the lab initramfs: the static /init (tests/lab/lab_init.c linked with
# the project's probe code, cross-compiled), plus an optional plan and kvm.ko.
#
#   mkinitrd.sh ARCH OUT.cpio.gz [PLAN.txt] [KVM.ko] [MODEL.txt] [MIGDIR]   ARCH: arm64 | riscv64
# MIGDIR: the migration lab's job files (lab_migrate.c), packed as /mig.
# The /init binary is cached beside OUT and rebuilt when a source is newer.
# No device nodes are needed (/init mounts devtmpfs), so this runs unprivileged.
set -euo pipefail
arch=$1 out=$2 plan=${3:-} ko=${4:-} model=${5:-} migdir=${6:-}
src=${CPUMODEL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
case $arch in
arm64) cc=aarch64-linux-gnu-gcc; archsrc="probe/probe_arm64.c probe/verify_arm64.c" ;;
riscv64) cc=riscv64-linux-gnu-gcc; archsrc="probe/probe_riscv64.c probe/verify_riscv64.c" ;;
*) echo "mkinitrd.sh: unknown arch $arch" >&2; exit 1 ;;
esac
command -v "$cc" >/dev/null || { echo "mkinitrd.sh: $cc is not installed" >&2; exit 1; }
command -v cpio >/dev/null || { echo "mkinitrd.sh: cpio is not installed" >&2; exit 1; }

outdir=$(dirname "$out"); mkdir -p "$outdir"
init=$outdir/lab-init-$arch
# json-free library files: the common probe, the arch's probe/verifier, ONE_REG
# plumbing, snapshot container and the arch's own negotiation driver (the
# other drivers are empty stand-ins, lab_stub_ops.c)
files=("$src/tests/lab/lab_init.c" "$src/tests/lab/lab_lines.c" "$src/tests/lab/lab_migrate.c" "$src/tests/lab/lab_stub_ops.c")
for f in core/error.c core/util.c core/snapshot.c core/reasons.c core/field.c core/vector.c core/kinds.c core/regname.c \
         core/arch_registry.c probe/probe_common.c probe/onereg.c $archsrc $(cd "$src/libcpumodel" && echo "$arch"/*.c); do
    files+=("$src/libcpumodel/$f")
done
stale=0
[ -x "$init" ] || stale=1
for f in "${files[@]}" "$src"/libcpumodel/include/cpumodel/*.h "$src"/libcpumodel/*/*.h "$src"/tests/lab/*.h; do
    [ "$f" -nt "$init" ] && stale=1
done
if [ $stale = 1 ]; then
    exec 8>"$init.lock"; flock 8
    "$cc" -std=gnu11 -O2 -static -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter \
        -I"$src/libcpumodel/include" -I"$src/libcpumodel" -o "$init.tmp" "${files[@]}"
    mv "$init.tmp" "$init"
fi

stage=$(mktemp -d "$outdir/initrd.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/dev" "$stage/proc" "$stage/sys"
cp "$init" "$stage/init"
[ -n "$plan" ] && cp "$plan" "$stage/plan.txt"
[ -n "$ko" ] && cp "$ko" "$stage/kvm.ko"
[ -n "$model" ] && cp "$model" "$stage/model.txt"
[ -n "$migdir" ] && cp -r "$migdir" "$stage/mig"
( cd "$stage" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 ) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
