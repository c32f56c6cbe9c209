#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Migration lab (issue 9, docs/migration-lab.md): every ordered pair of the
# emulated hosts below.  cpumodeld gives the pair's verdicts, real KVM in the
# emulated hosts gives the outcome of moving a vCPU's state, and the two must
# agree.  Per pair and scenario:
#   direct  the source vCPU as KVM creates it (no plan); verdict: `cpumodeld
#           compare SRC DST` (a migration);
#   model   the pair's model M = `cpumodeld baseline SRC DST`; the source
#           applies plan(M, SRC), the destination plan(M, DST); verdict:
#           the source can present M (plan exit 0) and `compare M DST` is
#           compatible (whether DST could present M for the way back is the
#           pair DST SRC).
# The source saves every listed register, the destination (a fresh VM with
# the source's init features, then its plan) restores every saved register,
# as a VMM restoring everything does; outcome: accepted, or the registers KVM
# refused with their errno.  After an accepted restore (arm64) the guest runs
# MRS of ID registers in that vCPU and must see the restored values.
# Boots: one probe, one source (all its pairs' jobs in fresh VMs) and one
# destination boot (every incoming state in a fresh VM) per host.
# Known disagreements live in tests/lab/migrate-expected-failures.txt: each
# must still disagree (a fix is noticed and the entry must go).
# SKIPs (77) when the cross tools/QEMU are absent or Debian's archive is unreachable.
set -u
source "${CPUMODEL_SOURCE_DIR:?}/tests/lab/lab_lib.sh"
LAB_RUN_NAME=migrate lab_require arm64
command -v riscv64-linux-gnu-gcc >/dev/null || skip "riscv64-linux-gnu-gcc is not installed"
command -v qemu-system-riscv64 >/dev/null || [ "${LAB_QEMU:-}" = 10 ] || LAB_QEMU=10
lab_fetch arm64-6.1 arm64-6.12 arm64-7.2 riscv64-6.12 riscv64-7.2
lab_tools
EXPECTED=$LABDIR/migrate-expected-failures.txt

# host name -> "arch kernel qemu-cpu"
declare -A HOST=(
    [a72-6.1]="arm64 6.1 cortex-a72"
    [a72-6.12]="arm64 6.12 cortex-a72"
    [a72-7.2]="arm64 7.2 cortex-a72"
    [n1-6.1]="arm64 6.1 neoverse-n1"
    [n1-6.12]="arm64 6.12 neoverse-n1"
    [n1-7.2]="arm64 7.2 neoverse-n1"
    [n1r4p0-6.12]="arm64 6.12 neoverse-n1,midr=0x414fd0c0"
    [n1r4p0-7.2]="arm64 7.2 neoverse-n1,midr=0x414fd0c0"
    [a76-6.12]="arm64 6.12 cortex-a76"
    [rva-6.12]="riscv64 6.12 rv64,h=true"
    [rvb-6.12]="riscv64 6.12 rv64,h=true,zba=false,zbs=false,v=true,vlen=256"
    [rva-7.2]="riscv64 7.2 rv64,h=true"
    [rvb-7.2]="riscv64 7.2 rv64,h=true,zba=false,zbs=false,v=true,vlen=256"
)
# LAB_MIGRATE_HOSTS="a b …" narrows the set (development); CI runs all.
read -r -a NAMES <<<"${LAB_MIGRATE_HOSTS:-$(printf '%s\n' "${!HOST[@]}" | sort | tr '\n' ' ')}"
h_arch() { set -- ${HOST[$1]}; echo "$1"; }
h_kernel() { set -- ${HOST[$1]}; echo "$2"; }
h_cpu() { set -- ${HOST[$1]}; echo "$3"; }
h_img() { echo "$LAB_CACHE/$(h_arch "$1")-$(h_kernel "$1")/Image"; }
h_ko() { [ "$(h_arch "$1")" = riscv64 ] && echo "$LAB_CACHE/riscv64-$(h_kernel "$1")/kvm.ko"; }

# two boots at a time (2 cores); a boot that did not finish leaves NAME.failed
# (lab_boot printed why), counted by reap
PAR=${LAB_PARALLEL:-2}
spawn() { # spawn FUNC ARGS…: run in the background, at most $PAR at once
    while [ "$(jobs -rp | wc -l)" -ge "$PAR" ]; do wait -n; done
    "$@" &
}
reap() {
    wait
    local f
    for f in "$RUN"/*.failed; do [ -e "$f" ] && FAILS=$((FAILS + 1)) && rm -f "$f"; done
}
boot_one() { # boot_one NAME HOST INITRD MODE: console in $RUN/NAME.txt
    lab_boot "$1" "$(h_arch "$2")" "$(h_img "$2")" "$3" "$(h_cpu "$2")" cmlab_mode="$4" || : > "$RUN/$1.failed"
}

bash "$LABDIR/mkinitrd.sh" arm64 "$RUN/probe-arm64.cpio.gz" || { fail "arm64 initramfs"; lab_report; }
for k in 6.12 7.2; do
    bash "$LABDIR/mkinitrd.sh" riscv64 "$RUN/probe-riscv64-$k.cpio.gz" "" "$LAB_CACHE/riscv64-$k/kvm.ko" ||
        { fail "riscv64 $k initramfs"; lab_report; }
done
probe_initrd() { if [ "$(h_arch "$1")" = arm64 ]; then echo "$RUN/probe-arm64.cpio.gz"; else echo "$RUN/probe-riscv64-$(h_kernel "$1").cpio.gz"; fi; }

# ---- 1. probe every host --------------------------------------------------
t0=$SECONDS
for h in "${NAMES[@]}"; do spawn boot_one "probe-$h" "$h" "$(probe_initrd "$h")" probe; done
reap
HOSTS=()
for h in "${NAMES[@]}"; do
    [ -f "$RUN/probe-$h.txt" ] && "$CONVERT" snapshot "$RUN/probe-$h.txt" "$RUN/$h.json" 2>/dev/null &&
        HOSTS+=("$h") || fail "$h: no snapshot"
done
echo "probe boots: $((SECONDS - t0)) s"
[ -f "$RUN/probe-n1r4p0-6.12.txt" ] && m=$(reg probe-n1-6.12 0x603000000013c000) m0=$(reg probe-n1r4p0-6.12 0x603000000013c000) &&
    check "n1r4p0: QEMU's midr= reaches KVM's MIDR_EL1 ($m0, n1 $m)" "$m0" = 00000000414fd0c0 -a "$m" != "$m0"

# ---- 2. verdicts, plans and jobs ------------------------------------------
# jobs: $RUN/src-H/<job>.plan (source side), $RUN/dst-D/<job>.plan (+ .state later)
# job names: <src>~direct, <src>~<dst>~model (source); on the destination
# <src>~direct, <src>~direct~cap (7.2 arm64: capability enabled), <src>~<dst>~model
pairs=()
for s in "${HOSTS[@]}"; do
    mkdir -p "$RUN/src-$s" "$RUN/dst-$s"
    echo "DROP 0" > "$RUN/src-$s/$s~direct.plan"
done
# verdict_pair SRC DST: $RUN/pair-SRC~DST.{direct,model}.verdict = "<0|1> <error ids…>"
verdict_pair() {
    local s=$1 d=$2 p=$RUN/pair-$1~$2 rc rb rp
    # direct: a migration of the source's own vCPU
    "$CPUMODELD" compare "$RUN/$s.json" "$RUN/$d.json" --json > "$p.direct.json" 2> "$p.direct.err"
    rc=$?
    [ $rc -le 1 ] || echo "compare $s $d exited $rc: $(head -2 "$p.direct.err")" > "$p.failed"
    echo "$rc $("$CONVERT" errors "$p.direct.json" 2>/dev/null | sort -u | tr '\n' ' ')" > "$p.direct.verdict"
    # the destination VMM enables what the verdict says it must (KVM_CAP_*)
    { echo "DROP 0"; "$CONVERT" caps "$p.direct.json" 2>/dev/null | sed 's/^/ENABLECAP /'; } > "$RUN/dst-$d/$s~direct.plan"
    if [ "$(h_arch "$d")" = arm64 ] && [ "$(h_kernel "$d")" = 7.2 ]; then
        # measurements: the same restore without and with KVM_CAP_ARM_WRITABLE_IMP_ID_REGS
        echo "DROP 0" > "$RUN/dst-$d/$s~direct~nocap.plan"
        printf 'DROP 0\nENABLECAP 239\n' > "$RUN/dst-$d/$s~direct~cap.plan"
    fi
    # model: the pair's baseline M; the source must present M (plan exit 0)
    # and M must move to the destination (compare M DST).  Whether the
    # destination could also present M for the way back is the pair DST SRC.
    "$CPUMODELD" baseline "$RUN/$s.json" "$RUN/$d.json" -o "$p.model.json" > "$p.baseline.txt" 2>&1
    rb=$?
    if [ $rb -gt 1 ] || [ ! -s "$p.model.json" ]; then
        echo "baseline $s $d exited $rb: $(tail -2 "$p.baseline.txt")" > "$p.failed"; return
    fi
    "$CPUMODELD" plan "$p.model.json" "$RUN/$s.json" --json > "$p.plan-src.json" 2>/dev/null
    rp=$?
    "$CPUMODELD" plan "$p.model.json" "$RUN/$d.json" --json > "$p.plan-dst.json" 2>/dev/null
    "$CPUMODELD" compare "$p.model.json" "$RUN/$d.json" --json > "$p.model-compare.json" 2>/dev/null
    rc=$?
    echo "$([ $rp = 0 ] && [ $rc = 0 ] && echo 0 || echo 1) $( { "$CONVERT" errors "$p.model-compare.json"
        "$CONVERT" errors "$p.plan-src.json"; } 2>/dev/null | sort -u | tr '\n' ' ')" > "$p.model.verdict"
    "$CONVERT" plan "$p.plan-src.json" "$RUN/src-$s/$s~$d~model.plan" &&
        "$CONVERT" plan "$p.plan-dst.json" "$RUN/dst-$d/$s~$d~model.plan" ||
        echo "converting the plans of $s $d" > "$p.failed"
}
for s in "${HOSTS[@]}"; do
    for d in "${HOSTS[@]}"; do
        [ "$s" != "$d" ] && [ "$(h_arch "$s")" = "$(h_arch "$d")" ] || continue
        pairs+=("$s $d")
        spawn verdict_pair "$s" "$d"
    done
done
wait
for f in "$RUN"/pair-*.failed; do [ -e "$f" ] && fail "$(cat "$f")"; done
declare -A VERDICT=() ERRS=()
for pr in "${pairs[@]}"; do
    read -r s d <<<"$pr"
    for sc in direct model; do
        [ -f "$RUN/pair-$s~$d.$sc.verdict" ] || continue
        read -r v e < "$RUN/pair-$s~$d.$sc.verdict"
        VERDICT[$s~$d~$sc]=$v ERRS[$s~$d~$sc]=$e
    done
done
echo "verdicts: ${#pairs[@]} pairs, $((SECONDS - t0)) s"

# ---- 3. source boots: apply each plan, save every register -----------------
mig_initrd() { # mig_initrd HOST DIR OUT
    bash "$LABDIR/mkinitrd.sh" "$(h_arch "$1")" "$3" "" "$(h_ko "$1")" "" "$2"
}
for s in "${HOSTS[@]}"; do
    mig_initrd "$s" "$RUN/src-$s" "$RUN/src-$s.cpio.gz" || { fail "source initramfs $s"; continue; }
    spawn boot_one "src-$s" "$s" "$RUN/src-$s.cpio.gz" migsrc
done
reap
# the saved states -> destination job files (lab_lines format)
for s in "${HOSTS[@]}"; do
    out=$RUN/src-$s.txt
    [ -f "$out" ] || continue
    for f in "$RUN/src-$s"/*.plan; do
        job=$(basename "$f" .plan)
        if ! grep -q "^CMLAB J $job DONE 0" "$out"; then
            fail "source $s: job $job did not save its state: $(grep "^CMLAB J $job ERROR" "$out" | head -1)"; continue
        fi
        awk -v j="$job" '$1 == "CMLAB" && $2 == "J" && $3 == j && ($4 == "REG" || $4 == "META") {
            sub(/^CMLAB J [^ ]+ /, ""); print }' "$out" > "$RUN/state-$job"
        grep "^CMLAB J $job MISMATCH" "$out" | sed 's/^CMLAB J [^ ]* //' > "$RUN/srcref-$job"
    done
    for d in "${HOSTS[@]}"; do
        [ -d "$RUN/dst-$d" ] || continue
        [ -f "$RUN/dst-$d/$s~direct.plan" ] && cp "$RUN/state-$s~direct" "$RUN/dst-$d/$s~direct.state" 2>/dev/null
        for m in nocap cap; do
            [ -f "$RUN/dst-$d/$s~direct~$m.plan" ] && cp "$RUN/state-$s~direct" "$RUN/dst-$d/$s~direct~$m.state" 2>/dev/null
        done
        [ -f "$RUN/dst-$d/$s~$d~model.plan" ] && cp "$RUN/state-$s~$d~model" "$RUN/dst-$d/$s~$d~model.state" 2>/dev/null
    done
done
echo "source boots done: $((SECONDS - t0)) s"

# ---- 4. destination boots: restore every incoming state --------------------
for d in "${HOSTS[@]}"; do
    mig_initrd "$d" "$RUN/dst-$d" "$RUN/dst-$d.cpio.gz" || { fail "destination initramfs $d"; continue; }
    spawn boot_one "dst-$d" "$d" "$RUN/dst-$d.cpio.gz" migdst
done
reap
echo "destination boots done: $((SECONDS - t0)) s"

# ---- 5. verdict versus outcome ----------------------------------------------
# outcome: "accepted" or "<n> refused: <first name> <errno name>"
errname() { case $1 in 0) echo ok ;; 1) echo EPERM ;; 2) echo ENOENT ;; 16) echo EBUSY ;; 22) echo EINVAL ;; *) echo "errno$1" ;; esac; }
regname() { "$CPUMODELD" show "$RUN/$1.json" --all 2>/dev/null | awk -v id="$2" 'tolower($0) ~ id { print $1; exit }'; }
TABLE=$RUN/migration-table.md
{
    echo "| source | destination | scenario | verdict | outcome | agree | refused named |"
    echo "|---|---|---|---|---|---|---|"
} > "$TABLE"
: > "$RUN/disagreements"
nagree=0 ndis=0
declare -A SEEN=() NAMED=()
for pr in "${pairs[@]}"; do
    read -r s d <<<"$pr"
    for sc in direct direct~nocap direct~cap model; do
        case $sc in
        direct) job=$s~direct key=$s~$d~direct ;;
        direct~*) job=$s~$sc key=$s~$d~direct
            [ -f "$RUN/dst-$d/$job.plan" ] || continue ;;
        model) job=$s~$d~model key=$s~$d~model ;;
        esac
        out=$RUN/dst-$d.txt
        res=$(awk -v j="$job" '$1 == "CMLAB" && $2 == "J" && $3 == j && $4 == "RESULT" { print $5, $6, $7 }' "$out" 2>/dev/null)
        [ -n "$res" ] || { fail "$s -> $d ($sc): no restore result"; continue; }
        read -r nfail first ferr <<<"$res"
        v=${VERDICT[$key]:-}
        if [ "$nfail" = 0 ]; then outcome=accepted; else
            outcome="$nfail refused, first $first $(errname "$ferr")"
            grep -q "^CMLAB J $job INIT-FAIL" "$out" && outcome="vCPU init refused ($(errname "$ferr"))"
        fi
        verdict=$([ "$v" = 0 ] && echo COMPATIBLE || echo INCOMPATIBLE)
        # does the verdict name the registers KVM refused?  (informational)
        named=-
        if [ "$nfail" != 0 ] && [ "$v" != 0 ]; then
            named=yes
            for id in $(awk -v j="$job" '$1 == "CMLAB" && $2 == "J" && $3 == j && $4 == "RESTORE-FAIL" { print $5 }' "$out"); do
                [[ " ${ERRS[$key]:-} " == *" $id "* ]] || named=no
            done
            NAMED[$named]=$(( ${NAMED[$named]:-0} + 1 ))
        fi
        # the ~nocap / ~cap runs measure the capability (KVM facts): shown, not judged
        agree=yes
        if [ "$v" = 0 ] && [ "$nfail" != 0 ]; then agree="NO: wrong COMPATIBLE"
        elif [ "$v" != 0 ] && [ "$nfail" = 0 ]; then agree="NO: INCOMPATIBLE, KVM accepts"
        fi
        name=$s~$d~$sc
        if [[ $sc == direct~* ]]; then
            if [ "$nfail" = 0 ]; then agree="measurement: accepted"; else agree="measurement: refused"; fi
        elif [ "$agree" != yes ]; then
            ndis=$((ndis + 1))
            echo "$name|$verdict|$outcome|${ERRS[$key]:-}" >> "$RUN/disagreements"
        else
            nagree=$((nagree + 1))
        fi
        echo "| $s | $d | $sc | $verdict | $outcome | $agree | $named |" >> "$TABLE"
        # the guest's view after an accepted restore: what was restored
        if [ "$nfail" = 0 ] && [ "$(h_arch "$d")" = arm64 ]; then
            st=$RUN/dst-$d/$job.state bad= n=0
            while read -r id val; do
                n=$((n + 1))
                want=$(awk -v id="$id" '$1 == "REG" && $2 "" == id "" { print substr($4, length($4) - 15) }' "$st")
                # ID_AA64PFR0_EL1.GIC (bits 27:24) follows the VM's irqchip on
                # 6.12+, and the lab's VMs have none: not the CPU model's doing
                if [ "$id" = 0x603000000013c020 ] && [ -n "$want" ]; then
                    want=$(printf %016x $(( 0x$want & ~(0xf << 24) ))) val=$(printf %016x $(( 0x$val & ~(0xf << 24) )))
                fi
                [ -z "$want" ] || [ "$want" = "$val" ] || bad+=" $id=$val(restored $want)"
            done < <(awk -v j="$job" '$1 == "CMLAB" && $2 == "J" && $3 == j && $4 == "GUEST" { print $5, $6 }' "$out")
            [ "$n" -ge 10 ] || bad+=" only $n guest reads ($(grep -m1 "^CMLAB J $job GUEST-ERROR" "$out"))"
            if [ -z "$bad" ]; then SEEN[ok]=$(( ${SEEN[ok]:-0} + 1 )); else
                fail "$name: the guest sees other ID register values than the restored state:$bad"; fi
            # model scenario: the guest sees the model's values
            if [ "$sc" = model ]; then
                mbad=
                while read -r id val; do
                    mv=$(mreg "$RUN/pair-$s~$d.model.json" "$id")
                    if [ "$id" = 0x603000000013c020 ] && [ -n "$mv" ]; then # GIC: as above
                        mv=$(printf %016x $(( 0x$mv & ~(0xf << 24) ))) val=$(printf %016x $(( 0x$val & ~(0xf << 24) )))
                    fi
                    [ -z "$mv" ] || [ "$mv" = "$val" ] || mbad+=" $id=$val(model $mv)"
                done < <(awk -v j="$job" '$1 == "CMLAB" && $2 == "J" && $3 == j && $4 == "GUEST" { print $5, $6 }' "$out")
                [ -z "$mbad" ] && SEEN[model]=$(( ${SEEN[model]:-0} + 1 )) ||
                    fail "$name: the guest does not see the model's values:$mbad"
            fi
        fi
    done
done
pass "guest ran after ${SEEN[ok]:-0} accepted arm64 restores and saw the restored ID registers (${SEEN[model]:-0} model runs saw the model's values)"
cp "$TABLE" "$BIN/lab/migration-table.md" 2>/dev/null

# ---- 6. KVM facts the verdicts rest on, re-measured here ----------------------
# restore_of DST JOB: "<failures> <first id> <errno>"; refused DST JOB ID: its errno
restore_of() { awk -v j="$2" '$1 == "CMLAB" && $2 == "J" && $3 == j && $4 == "RESULT" { print $5, $6, $7 }' "$RUN/dst-$1.txt" 2>/dev/null; }
refused() { awk -v j="$2" -v id="$3" '$1 == "CMLAB" && $2 == "J" && $3 == j && $4 == "RESTORE-FAIL" && $5 "" == id "" { print $6 }' "$RUN/dst-$1.txt" 2>/dev/null; }
MIDR=0x603000000013c000
have() { local h; for h in "$@"; do [[ " ${HOSTS[*]} " == *" $h "* ]] || return 1; done; }
if have n1-6.12 n1r4p0-6.12; then
    # Linux 6.12 has no writable MIDR_EL1 (6.15+): another stepping's is refused
    check "6.12: MIDR_EL1 of another stepping refused with EINVAL (n1 -> n1r4p0)" \
        "$(refused n1r4p0-6.12 n1-6.12~direct $MIDR)" = 22
    check "6.12: ... the only register refused" "$(restore_of n1r4p0-6.12 n1-6.12~direct)" = "1 $MIDR 22"
fi
if have n1-7.2 n1r4p0-7.2; then
    # 7.2: writable with KVM_CAP_ARM_WRITABLE_IMP_ID_REGS enabled before the vCPU, else EINVAL
    check "7.2: MIDR_EL1 of another stepping refused without the capability (EINVAL)" \
        "$(refused n1r4p0-7.2 n1-7.2~direct~nocap $MIDR)" = 22
    check "7.2: the same restore accepted with KVM_CAP_ARM_WRITABLE_IMP_ID_REGS enabled first" \
        "$(restore_of n1r4p0-7.2 n1-7.2~direct~cap)" = "0 - 0"
    check "7.2: the verdict for n1 -> n1r4p0 names that capability" "$(grep -c '^ENABLECAP 239$' "$RUN/dst-n1r4p0-7.2/n1-7.2~direct.plan")" = 1
    g=$(awk -v id=$MIDR '$1 == "CMLAB" && $2 == "J" && $3 == "n1-7.2~direct~cap" && $4 == "GUEST" && $5 "" == id "" { print $6 }' "$RUN/dst-n1r4p0-7.2.txt")
    check "7.2: the guest on the r4p0 host reads the source's MIDR_EL1 after that restore (${g:-nothing})" "$g" = 00000000414fd0c1
fi
if have rva-6.12 rva-7.2; then
    # riscv (item 5): 7.2 lists the Zicbom/Zicboz block sizes without the extensions
    # (QEMU 7.2's rv64 has neither; ISA_EXT.ZICBOM/ZICBOZ are not listed)
    for h in rva-6.12 rva-7.2; do
        check "$h: no ISA_EXT.ZICBOM/ZICBOZ (the emulated host lacks them)" \
            "$(has probe-$h 0x803000000700000b)$(has probe-$h 0x803000000700000c)" = 00
    done
    check "7.2 lists config.zicbom_block_size and zicboz_block_size reading 0" \
        "$(reg probe-rva-7.2 0x8030000001000001)/$(reg probe-rva-7.2 0x8030000001000005)" = 0000000000000000/0000000000000000
    check "6.12 lists neither" "$(has probe-rva-6.12 0x8030000001000001)$(has probe-rva-6.12 0x8030000001000005)" = 00
    check "7.2 -> 6.12: restoring config.zicbom_block_size is refused with ENOENT" \
        "$(refused rva-6.12 rva-7.2~direct 0x8030000001000001)" = 2
fi

# ---- 7. the known-disagreement list -----------------------------------------
# Lines "<src>~<dst>~<scenario>  # why" in $EXPECTED: each must still disagree.
expected=$(sed 's/#.*//; s/[[:space:]]*$//' "$EXPECTED" 2>/dev/null | grep -v '^$' | sort -u)
while IFS='|' read -r name verdict outcome errs; do
    if grep -qxF "$name" <<<"$expected"; then
        echo "known disagreement (expected failure): $name: $verdict, restore: $outcome"
    else
        fail "$name: cpumodeld says $verdict, real KVM: $outcome (verdict errors: ${errs:-none})"
    fi
done < "$RUN/disagreements"
for name in $expected; do
    grep -q "^$name|" "$RUN/disagreements" ||
        fail "$name is listed in $(basename "$EXPECTED") but now agrees (or did not run): remove it"
done
echo "pairs: ${#pairs[@]}; verdict = outcome: $nagree, disagreements: $ndis (table: $TABLE)"
echo "refused restores whose verdict names every refused register: ${NAMED[yes]:-0}, not all named: ${NAMED[no]:-0}"
lab_report
