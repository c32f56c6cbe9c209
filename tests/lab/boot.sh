#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boots one emulated KVM host (QEMU TCG with EL2 / the H extension) whose
# /init runs the project's probe, and prints the guest console on stdout.
#
#   boot.sh ARCH KERNEL INITRD CPU [KEY=VALUE...]
#     ARCH arm64: CPU is a -cpu model (cortex-a72, neoverse-n1, max…)
#     ARCH riscv64: CPU is the -cpu string (rv64,h=true,v=true,…)
#   KEY=VALUE words go on the kernel command line (they reach /init as env).
# Env: LAB_QEMU_DIR (a QEMU unpacked by fetch.sh qemu10; default: the host's
# qemu-system-*), LAB_TIMEOUT seconds (default 120).
set -euo pipefail
arch=$1 kernel=$2 initrd=$3 cpu=$4; shift 4
qdir=${LAB_QEMU_DIR:-}
bin() { if [ -n "$qdir" ]; then echo "$qdir/bin/$1"; else command -v "$1"; fi; }
common=(-m 1024 -smp 1 -nographic -no-reboot -nodefaults -serial stdio -display none
        -kernel "$kernel" -initrd "$initrd")
[ -n "$qdir" ] && common+=(-L "$qdir/share/qemu")
case $arch in
arm64)
    # pointer authentication with QEMU's default (architected QARMA) costs
    # seconds under TCG; the implementation-defined algorithm is fast.
    [ "$cpu" = max ] && cpu=max,pauth-impdef=on
    exec timeout "${LAB_TIMEOUT:-120}" "$(bin qemu-system-aarch64)" -M virt,virtualization=on,gic-version=3 \
        -cpu "$cpu" "${common[@]}" -append "console=ttyAMA0 panic=-1 loglevel=4 $*" ;;
riscv64)
    fw=/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin
    [ -n "$qdir" ] && fw=$qdir/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin
    exec timeout "${LAB_TIMEOUT:-120}" "$(bin qemu-system-riscv64)" -M virt -cpu "$cpu" -bios "$fw" "${common[@]}" \
        -append "console=ttyS0 panic=-1 loglevel=4 cmlab_module=/kvm.ko $*" ;;
*) echo "boot.sh: unknown arch $arch" >&2; exit 1 ;;
esac
