#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Lab: real arm64 KVM on emulated hosts (QEMU TCG with EL2).  Debian kernels
# 6.1, 6.12 and 7.2 each boot twice, as a Cortex-A72 and as QEMU's "max" CPU,
# with the project's probe (cm_probe, cross-compiled) as /init.  Checks the
# snapshots against facts (docs/KVM-FACTS.md, tests/lab/README.md, Arm TRMs), then
# baselines the two hosts of a kernel with the built cpumodeld, plans the
# model for each host and verifies the plan on the emulated 6.12/7.2 hosts
# (writable ID registers) with the project's verifier.  On 6.12+ hosts with
# SSBS the probe also measures SMCCC_ARCH_WORKAROUND_2 on a VM without SSBS
# (fact arm64.wa2_without_ssbs, KVM-FACTS §A.4); the plan uses it.
# SKIPs (77) when the cross tools/QEMU are absent or Debian's archive is unreachable.
set -u
source "${CPUMODEL_SOURCE_DIR:?}/tests/lab/lab_lib.sh"
lab_require arm64
lab_fetch arm64-6.1 arm64-6.12 arm64-7.2
lab_tools
bash "$LABDIR/mkinitrd.sh" arm64 "$RUN/probe.cpio.gz" || { fail "building the arm64 initramfs"; lab_report; }

# ONE_REG ids (KVM-FACTS §A.1, §A.4, §A.5)
MIDR=0x603000000013c000
ISAR0=0x603000000013c030
TCR2=0x603000000013c103
APIAKEYLO=0x603000000013c108
SVE_VLS=0x606000000015ffff
SVE_Z0=0x6080000000150000
V0=0x6040000000100054
PMCR=0x603000000013dce0
TIMER_CNT=0x603000000013df1a
VENDOR_HYP_BMAP_2=0x6030000000160003
PFR1=0x603000000013c021
WA2=0x6030000000140002
WA2_FACT=arm64.wa2_without_ssbs
fact() { awk -v n="$2" '$1 == "CMLAB" && $2 == "FACT" && $3 == n { print $4 }' "$RUN/$1.txt"; }

# Register counts real KVM reported (lab README table); a newer point release
# of the same kernel may move them a little.
declare -A BASE=([6.1]=242 [6.12]=259 [7.2]=257)
declare -A FULL_a72=([6.1]=316 [6.12]=333 [7.2]=331)
declare -A FULL_max=([6.1]=345 [6.12]=362 [7.2]=360)
SLACK=4
declare -A WA2_MEASURED=()

for k in 6.1 6.12 7.2; do
    img=$LAB_CACHE/arm64-$k/Image
    for cpu in cortex-a72 max; do
        h=$cpu-$k
        lab_boot "$h" arm64 "$img" "$RUN/probe.cpio.gz" "$cpu" || continue
        check "$h: probe status 0" "$(awk '$2 == "END" { print $3 }' "$RUN/$h.txt")" = 0
        check "$h: kernel is $k" "$(meta "$h" kernel | cut -d. -f1,2)" = "$k"
        n=$(regs "$h") b=$(meta "$h" base_regs)
        if [ "$cpu" = max ]; then want=${FULL_max[$k]}; else want=${FULL_a72[$k]}; fi
        in_range "$n" $((want - SLACK)) $((want + SLACK)) && pass "$h: $n registers (README: $want)" ||
            fail "$h: $n registers, README says $want"
        in_range "$b" $((BASE[$k] - SLACK)) $((BASE[$k] + SLACK)) && pass "$h: $b base-feature registers" ||
            fail "$h: $b registers with PSCI only, README says ${BASE[$k]}"
        # PMUv3 is offered on every emulated host: its registers are listed
        check "$h: PMU registers listed (KVM_ARM_VCPU_PMU_V3)" "$(has "$h" $PMCR)" = 1
        if [ "$cpu" = max ]; then
            # max has SVE and pointer auth: full-feature init, SVE finalized,
            # Z registers (U2048) replace V0-V31 (§A.1), ptrauth keys listed
            check "$h: SVE VLS listed" "$(has "$h" $SVE_VLS)" = 1
            check "$h: Z0 is a 256-byte register" "$(reg "$h" $SVE_Z0 | tr -d '\n' | wc -c)" = 512
            check "$h: V0 not listed with SVE" "$(has "$h" $V0)" = 0
            check "$h: ptrauth key APIAKEYLO_EL1 listed" "$(has "$h" $APIAKEYLO)" = 1
            check "$h: init features PSCI|PMU|SVE|PTRAUTH" "$(meta "$h" features)" = 0x7c
        else
            check "$h: V0 listed without SVE" "$(has "$h" $V0)" = 1
            check "$h: no SVE registers" "$(has "$h" $SVE_VLS)" = 0
            check "$h: no ptrauth keys" "$(has "$h" $APIAKEYLO)" = 0
            # Cortex-A72 TRM: MIDR_EL1 implementer 0x41 (Arm), part number 0xD08
            m=$(reg "$h" $MIDR)
            check "$h: MIDR_EL1 is a Cortex-A72 (0x41/0xD08)" "${m:8:2}/${m:12:3}" = "41/d08"
        fi
        check "$h: timer counter flagged volatile" "$(regflags "$h" $TIMER_CNT)" = 1
        # KVM_CAP_ARM_VM_IPA_SIZE (165): the IPA limit, at least the 40-bit default VM type
        ipa=$(awk '$2 == "CAP" && $3 == "165" { print $4 }' "$RUN/$h.txt")
        check "$h: IPA size limit recorded (${ipa:-none} bits)" "${ipa:-0}" -ge 40
        # writable masks: KVM_ARM_GET_REG_WRITABLE_MASKS exists since 6.7 (§A.3.2)
        if [ "$k" = 6.1 ]; then
            check "$h: no writable masks before 6.7" "$(grep -c '^CMLAB MASKS present' "$RUN/$h.txt")" = 0
        else
            check "$h: writable masks present" "$(grep -c '^CMLAB MASKS present' "$RUN/$h.txt")" = 1
            # ID_AA64ISAR0_EL1: writable from AES up (6.8 and 6.19 tables: every
            # non-RES0 field), so at least AES, SHA1, SHA2, CRC32, Atomic (bits 23:4)
            im=$(mask "$h" 48)
            check "$h: ISAR0 mask $im covers bits 23:4" "$(( im & 0xfffff0 ))" = $(( 0xfffff0 ))
        fi
        case $k in
        6.1)
            check "$h: 6.1 exposes the host's CCSIDRs (3 demux registers)" \
                "$(grep -c '^CMLAB REG 0x6020000000110' "$RUN/$h.txt")" = 3 ;;
        6.12)
            check "$h: TCR2_EL1 listed unconditionally (6.5-6.12)" "$(has "$h" $TCR2)" = 1
            check "$h: MIDR not writable before 6.15" "$(mask "$h" 0)" = "" ;;
        7.2)
            check "$h: TCR2_EL1 hidden without TCRX (6.13+)" "$(has "$h" $TCR2)" = 0
            check "$h: MIDR writable mask bits 31:0 (6.15+)" "$(mask "$h" 0)" = 0x00000000ffffffff
            check "$h: VENDOR_HYP_BMAP_2 listed (6.15+)" "$(has "$h" $VENDOR_HYP_BMAP_2)" = 1 ;;
        esac
        [ "$k" != 7.2 ] && check "$h: no VENDOR_HYP_BMAP_2 before 6.15" "$(has "$h" $VENDOR_HYP_BMAP_2)" = 0
        # WA2 without SSBS: measured only where KVM derives it per VM (6.12+)
        # and the vCPU has SSBS (ID_AA64PFR1_EL1 bits 7:4); a host reports
        # only 0 NOT_AVAIL or 3 NOT_REQUIRED (§A.4)
        p1=$(reg "$h" $PFR1) fv=$(fact "$h" $WA2_FACT)
        ssbs=$(( 0x${p1:-0} >> 4 & 0xf ))
        if [ "$k" != 6.1 ] && [ "$ssbs" -ge 1 ]; then
            check "$h: SSBS $ssbs: $WA2_FACT measured (${fv:-absent}) and is 0 or 3" "${fv:-none}" = 0x0 -o "${fv:-none}" = 0x3
            w=$(reg "$h" $WA2)
            check "$h: WA2 with SSBS is 0 or 3 (${w:-absent})" "$(( 0x${w:-ff} ))" = 0 -o "$(( 0x${w:-ff} ))" = 3
            [ "$cpu" = max ] && WA2_MEASURED[$k]=$fv
        else
            check "$h: no $WA2_FACT (Linux $k, SSBS $ssbs)" -z "$fv"
        fi
        [ "$cpu" = max ] && [ "$k" != 6.1 ] && check "$h: QEMU max has SSBS (PFR1 0x$p1)" "$ssbs" -ge 1
        lab_snapshot "$h"
        # the fact reaches the host-side snapshot through the library's writer
        check "$h: snapshot JSON carries the console's facts" "$("$CONVERT" fact "$RUN/$h.json" $WA2_FACT)" = "$fv"
    done

    # Baseline of the two emulated hosts with the built CLI.
    a=$RUN/cortex-a72-$k.json x=$RUN/max-$k.json model=$RUN/model-$k.json
    [ -f "$a" ] && [ -f "$x" ] || continue
    # exit 1 = a model exists but is not enforceable everywhere (expected: the
    # A72 cannot present max's identity, max cannot lower every field)
    "$CPUMODELD" baseline "$a" "$x" -o "$model" > "$RUN/baseline-$k.txt" 2>&1
    rc=$?
    if [ $rc -gt 1 ] || [ ! -s "$model" ]; then
        fail "cpumodeld baseline of the $k hosts exited $rc: $(tail -3 "$RUN/baseline-$k.txt")"
        continue
    fi
    ma=$(mreg "$a" $ISAR0) mx=$(mreg "$x" $ISAR0) mm=$(mreg "$model" $ISAR0)
    # the A72's ISAR0 is a subset of max's field by field (both from the probes)
    check "$k: hosts differ in ID_AA64ISAR0_EL1" "$ma" != "$mx"
    check "$k: baseline ISAR0 = the Cortex-A72's (LOWER_SAFE per field)" "$mm" = "$ma"
    check "$k: baseline has no SVE (A72 lacks it)" "$(mreg "$model" $SVE_VLS)" = ""

    [ "$k" = 6.1 ] && continue # no writable ID registers to verify a plan with
    for cpu in max cortex-a72; do
        h=$cpu-$k p=plan-$cpu-$k
        lab_plan "$model" "$RUN/$h.json" "$p" || continue
        if [ "$cpu" = max ]; then
            check "$p: drops SVE (bit 4) for the model" "$(( $(awk '$1 == "DROP" { print "0x" $2 }' "$RUN/$p.txt") & 0x10 ))" = 16
            # the model hides SSBS (the A72 has none): with the measured level
            # the WA2 the host presents is known, no "unpredictable" error
            fv=${WA2_MEASURED[$k]:-}
            mw=$(mreg "$model" $WA2)
            mp=$(mreg "$model" $PFR1)
            check "$p: model hides SSBS (PFR1 0x${mp:-absent})" "$(( 0x${mp:-ff} >> 4 & 0xf ))" = 0
            check "$p: no unpredictable error ($("$CONVERT" rules "$RUN/$p.json" | grep -c unpredictable) found)" \
                "$("$CONVERT" rules "$RUN/$p.json" | grep -c ' unpredictable$')" = 0
            # the host presents the measured level: an error on WA2 exactly when
            # it differs from the model's (a saved 3 is refused where the level is 0)
            we=$("$CONVERT" rules "$RUN/$p.json" | grep -c "^$WA2 ")
            if [ -n "$fv" ] && [ -n "$mw" ]; then
                if [ "$(( fv ))" = "$(( 0x$mw ))" ]; then want=0; else want=1; fi
                check "$p: WA2 error iff measured $fv != model 0x$mw" "$we" = "$want"
            else
                fail "$p: no WA2 measurement (${fv:-none}) or model WA2 (${mw:-none})"
            fi
        fi
        [ "$(grep -c '^WRITE ' "$RUN/$p.txt")" -gt 0 ] || { pass "$p: nothing to write"; continue; }
        bash "$LABDIR/mkinitrd.sh" arm64 "$RUN/$p.cpio.gz" "$RUN/$p.txt" "" "$RUN/$p.model.txt" || { fail "initramfs for $p"; continue; }
        lab_boot "verify-$h" arm64 "$LAB_CACHE/arm64-$k/Image" "$RUN/$p.cpio.gz" "$cpu" cmlab_mode=verify || continue
        lab_verify_check "verify-$h" "$p"
        lab_compare_after "verify-$h" "$p" "$model"
        if [ "$cpu" = max ]; then
            # the SVE/ptrauth init features left out: their registers are gone
            check "verify-$h: no SVE registers after the plan" "$(has "verify-$h" $SVE_VLS)" = 0
            check "verify-$h: no ptrauth keys after the plan" "$(has "verify-$h" $APIAKEYLO)" = 0
            check "verify-$h: ISAR0 reads back as the model's" "$(reg "verify-$h" $ISAR0)" = "$mm"
            # with the plan applied (SSBS written to 0) KVM reports the level the probe measured
            fv=${WA2_MEASURED[$k]:-} p1=$(reg "verify-$h" $PFR1) w=$(reg "verify-$h" $WA2)
            if [ -n "$p1" ] && [ "$(( 0x$p1 >> 4 & 0xf ))" = 0 ] && [ -n "$fv" ]; then
                check "verify-$h: WA2 after the plan (${w:-absent}) = the probe's measurement $fv" \
                    "$(( 0x${w:-ff} ))" = "$(( fv ))"
            else
                fail "verify-$h: SSBS not hidden by the plan or no measurement to compare"
            fi
        fi
    done
done
lab_report
