#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Lab: real riscv64 KVM on emulated hosts (QEMU TCG with the H extension).
# Debian kernels 6.12 and 7.2 (kvm.ko loaded by /init with finit_module) each
# boot with two extension sets, and the project's probe (cm_probe,
# cross-compiled) reads every register.  Checks the snapshots against
# KVM-FACTS.md §B and the lab README, baselines the two hosts of a kernel with
# the built cpumodeld, and verifies each host's plan with the project's
# verifier (extensions turned off through ISA_EXT, then read back).
# SKIPs (77) when the cross tools/QEMU are absent or Debian's archive is unreachable.
set -u
source "${CPUMODEL_SOURCE_DIR:?}/tests/lab/lab_lib.sh"
lab_require riscv64
lab_fetch riscv64-6.12 riscv64-7.2
lab_tools

# Extension sets: QEMU's default rv64 (+H for KVM) and one with Zba/Zbs off
# and V on (VLEN 256 bits = 32-byte vector registers).
SET_A=rv64,h=true
SET_B=rv64,h=true,zba=false,zbs=false,v=true,vlen=256

# ONE_REG ids (KVM-FACTS §B.1): ISA_EXT = 0x8030000007000000 + ext id (§B.2:
# V 15, ZBA 17, ZBS 18, ZBB 13); vector CSR vlenb = 4, v0 = 0 + 6, U256.
ISA=0x8030000001000000
EXT_V=0x803000000700000f
EXT_ZBA=0x8030000007000011
EXT_ZBS=0x8030000007000012
EXT_ZBB=0x803000000700000d
VLENB=0x8030000009000004
VREG0=0x8050000009000006
TIME=0x8030000004000001

declare -A COUNT=([6.12]=150 [7.2]=158) # lab README, rv64,h=true under QEMU 7.2
SLACK=4

for k in 6.12 7.2; do
    img=$LAB_CACHE/riscv64-$k/Image ko=$LAB_CACHE/riscv64-$k/kvm.ko
    bash "$LABDIR/mkinitrd.sh" riscv64 "$RUN/probe-$k.cpio.gz" "" "$ko" || { fail "riscv64 initramfs"; continue; }
    a=a-$k b=b-$k
    lab_boot "$a" riscv64 "$img" "$RUN/probe-$k.cpio.gz" "$SET_A" || continue
    lab_boot "$b" riscv64 "$img" "$RUN/probe-$k.cpio.gz" "$SET_B" || continue
    for h in "$a" "$b"; do
        check "$h: probe status 0" "$(awk '$2 == "END" { print $3 }' "$RUN/$h.txt")" = 0
        check "$h: kernel is $k" "$(meta "$h" kernel | cut -d. -f1,2)" = "$k"
        check "$h: timer.time flagged volatile" "$(regflags "$h" $TIME)" = 1
        check "$h: SBI extension registers listed" "$(grep -c '^CMLAB REG 0x8030000008' "$RUN/$h.txt")" -gt 0
        check "$h: Zbb on in both sets" "$(reg "$h" $EXT_ZBB)" = 0000000000000001
        lab_snapshot "$h"
    done
    na=$(regs "$a") nb=$(regs "$b")
    # QEMU 10's rv64 turns more extensions on by default: the README's counts are QEMU 7.2's
    if [ "$QEMU_MAJOR" = 7 ]; then
        in_range "$na" $((COUNT[$k] - SLACK)) $((COUNT[$k] + SLACK)) && pass "$a: $na registers (README: ${COUNT[$k]})" ||
            fail "$a: $na registers, README says ${COUNT[$k]}"
    else
        echo "note: $a: $na registers under QEMU $QEMU_MAJOR (README counts are QEMU 7.2's, not compared)"
    fi
    # ISA_EXT follows the QEMU -cpu flags: one register per host extension
    check "$a: ISA_EXT.ZBA listed, on" "$(reg "$a" $EXT_ZBA)" = 0000000000000001
    check "$a: ISA_EXT.ZBS listed, on" "$(reg "$a" $EXT_ZBS)" = 0000000000000001
    check "$a: no ISA_EXT.V" "$(has "$a" $EXT_V)" = 0
    check "$a: no vector registers" "$(has "$a" $VLENB)" = 0
    check "$b: no ISA_EXT.ZBA (zba=false)" "$(has "$b" $EXT_ZBA)" = 0
    check "$b: no ISA_EXT.ZBS (zbs=false)" "$(has "$b" $EXT_ZBS)" = 0
    check "$b: ISA_EXT.V listed, on" "$(reg "$b" $EXT_V)" = 0000000000000001
    check "$b: vlenb = 32 bytes (vlen=256)" "$(reg "$b" $VLENB)" = 0000000000000020
    check "$b: v0 is a 32-byte register" "$(reg "$b" $VREG0 | tr -d '\n' | wc -c)" = 64
    # config.isa: single-letter bitmap, 'v' = bit 21
    check "$a: config.isa without V" "$(( 0x$(reg "$a" $ISA) >> 21 & 1 ))" = 0
    check "$b: config.isa with V" "$(( 0x$(reg "$b" $ISA) >> 21 & 1 ))" = 1
    # B = A - ISA_EXT{ZBA,ZBS} + ISA_EXT.V + 5 vector CSRs + 32 vector registers
    check "$b: $nb registers = $na - 2 + 1 + 5 + 32" "$nb" = $((na - 2 + 1 + 5 + 32))

    # Baseline of the two emulated hosts with the built CLI.
    model=$RUN/model-$k.json
    "$CPUMODELD" baseline "$RUN/$a.json" "$RUN/$b.json" -o "$model" > "$RUN/baseline-$k.txt" 2>&1
    rc=$?
    if [ $rc -gt 1 ] || [ ! -s "$model" ]; then
        fail "cpumodeld baseline of the $k hosts exited $rc: $(tail -3 "$RUN/baseline-$k.txt")"
        continue
    fi
    check "$k: baseline keeps Zbb (both have it)" "$(mreg "$model" $EXT_ZBB)" = 0000000000000001
    for e in $EXT_V $EXT_ZBA; do
        v=$(mreg "$model" $e)
        check "$k: baseline leaves out ISA_EXT $e (one host lacks it)" "${v:-0000000000000000}" = 0000000000000000
    done

    # Plans: host B must turn V off (disable-able, §B.2 table); Zba/Zbs cannot
    # be turned off on A, which the plan must report rather than write.
    for h in "$b" "$a"; do
        p=plan-$h
        lab_plan "$model" "$RUN/$h.json" "$p" || continue
        if [ "$h" = "$a" ]; then
            # nothing can be written: the plan must name Zba and Zbs as errors,
            # and real KVM must indeed refuse to turn them off
            check "$p: no writes" "$(grep -c '^WRITE ' "$RUN/$p.txt")" = 0
            check "$p: reports ISA_EXT.ZBA as not enforceable" "$(grep -c "^ERROR ${EXT_ZBA#0x}" "$RUN/$p.txt")" = 1
            check "$p: reports ISA_EXT.ZBS as not enforceable" "$(grep -c "^ERROR ${EXT_ZBS#0x}" "$RUN/$p.txt")" = 1
            printf 'WRITE %s 0 2 ISA_EXT.zba\nWRITE %s 0 2 ISA_EXT.zbs\n' "${EXT_ZBA#0x}" "${EXT_ZBS#0x}" > "$RUN/$p-force.txt"
            bash "$LABDIR/mkinitrd.sh" riscv64 "$RUN/$p.cpio.gz" "$RUN/$p-force.txt" "$ko" || { fail "initramfs for $p"; continue; }
            lab_boot "force-$h" riscv64 "$img" "$RUN/$p.cpio.gz" "$SET_A" cmlab_mode=verify || continue
            check "force-$h: KVM refuses turning Zba and Zbs off" \
                "$(grep -c '^CMLAB MISMATCH write-refused' "$RUN/force-$h.txt")" = 2
            check "force-$h: Zba still on" "$(reg "force-$h" $EXT_ZBA)" = 0000000000000001
            continue
        fi
        bash "$LABDIR/mkinitrd.sh" riscv64 "$RUN/$p.cpio.gz" "$RUN/$p.txt" "$ko" "$RUN/$p.model.txt" || { fail "initramfs for $p"; continue; }
        set=$SET_A; [ "$h" = "$b" ] && set=$SET_B
        lab_boot "verify-$h" riscv64 "$img" "$RUN/$p.cpio.gz" "$set" cmlab_mode=verify || continue
        lab_verify_check "verify-$h" "$p"
        lab_compare_after "verify-$h" "$p" "$model"
        if [ "$h" = "$b" ]; then
            check "verify-$h: ISA_EXT.V reads 0 after the plan" "$(reg "verify-$h" $EXT_V)" = 0000000000000000
            check "verify-$h: config.isa without V after the plan" "$(( 0x$(reg "verify-$h" $ISA) >> 21 & 1 ))" = 0
        fi
    done
done
[ -f "$RUN/a-7.2.txt" ] && [ -f "$RUN/a-6.12.txt" ] &&
    check "7.2 lists more registers than 6.12 (config/ISA/SBI additions)" "$(regs a-7.2)" -gt "$(regs a-6.12)"
lab_report
