# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared part of tests/test_lab_arm64.sh and tests/test_lab_riscv64.sh:
# prerequisites (SKIP with a reason when absent), downloads, the build-host
# converter, one boot = one emulated KVM host running the project's probe.
# Sourced, not run.  Needs: CPUMODELD, CPUMODEL_SOURCE_DIR, CPUMODEL_BINARY_DIR.

SRC=${CPUMODEL_SOURCE_DIR:?}
BIN=${CPUMODEL_BINARY_DIR:?}
export LAB_CACHE=${LAB_CACHE:-$BIN/lab-cache}
LABDIR=$SRC/tests/lab
FAILS=0

skip() { echo "SKIP: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }
check() { # check "what" CONDITION... (a test(1) expression)
    local what=$1; shift
    if test "$@"; then pass "$what"; else fail "$what (test $*)"; fi
}

# QEMU: the host's qemu-system-* (Debian 12: 7.2, what the README's numbers
# come from), or with LAB_QEMU=10 — or when the host has none — QEMU 10 from
# bookworm-backports unpacked by fetch.sh.  QEMU_MAJOR says which one runs.
export LAB_TIMEOUT=${LAB_TIMEOUT:-60}
lab_require() { # lab_require ARCH
    local q cc
    case $1 in
    arm64) q=qemu-system-aarch64 cc=aarch64-linux-gnu-gcc ;;
    riscv64) q=qemu-system-riscv64 cc=riscv64-linux-gnu-gcc ;;
    esac
    for t in "$cc" cpio gzip apt-get dpkg-deb xz cc pkg-config flock bc; do
        command -v "$t" >/dev/null || skip "$t is not installed (lab needs qemu-system-arm/-misc, gcc-*-linux-gnu, libc6-dev-*-cross, cpio)"
    done
    QEMU_BIN=$q
    command -v "$q" >/dev/null || LAB_QEMU=10
    [ -x "${CPUMODELD:-}" ] || skip "CPUMODELD is not set to the built cpumodeld"
    [ -f "$BIN/libcpumodel/libcpumodel.a" ] || skip "libcpumodel.a is not built"
    RUN=$BIN/lab/run-${LAB_RUN_NAME:-$1}
    rm -rf "$RUN"; mkdir -p "$RUN"
    : > "$RUN/times"
}

lab_fetch() { # lab_fetch TARGET...
    local t0=$SECONDS
    [ "${LAB_QEMU:-}" = 10 ] && set -- "$@" qemu10
    bash "$LABDIR/fetch.sh" "$@" 2> "$RUN/fetch.err" ||
        skip "downloading the lab kernels failed (no route to the Debian archive?): $(tail -1 "$RUN/fetch.err")"
    echo "fetch: $((SECONDS - t0)) s"
    if [ "${LAB_QEMU:-}" = 10 ]; then
        export LAB_QEMU_DIR=$LAB_CACHE/qemu10
        QEMU_BIN=$LAB_QEMU_DIR/bin/$QEMU_BIN
    fi
    QEMU_MAJOR=$("$QEMU_BIN" --version | sed -n 's/^QEMU emulator version \([0-9]*\).*/\1/p')
    echo "QEMU: $QEMU_BIN (major $QEMU_MAJOR)"
}

lab_tools() { # builds the build-host converter against the built library
    CONVERT=$BIN/lab/lab_convert
    if [ ! -x "$CONVERT" ] || [ "$LABDIR/lab_convert.c" -nt "$CONVERT" ] || [ "$LABDIR/lab_lines.c" -nt "$CONVERT" ] ||
       [ "$BIN/libcpumodel/libcpumodel.a" -nt "$CONVERT" ]; then
        # a -DCPUMODEL_SANITIZE=ON library needs the sanitizer runtimes too
        local san=
        nm "$BIN/libcpumodel/libcpumodel.a" 2>/dev/null | grep -q __asan_ && san=-fsanitize=address,undefined
        ( flock 9
          cc -std=gnu11 -Wall -Wextra -Werror $san -I"$SRC/libcpumodel/include" -o "$CONVERT.$$" \
             "$LABDIR/lab_convert.c" "$LABDIR/lab_lines.c" "$BIN/libcpumodel/libcpumodel.a" $(pkg-config --cflags --libs json-c gnutls) -lm &&
          mv "$CONVERT.$$" "$CONVERT" ) 9>"$BIN/lab/.convert.lock" || { fail "building lab_convert"; exit 1; }
    fi
}

# lab_boot NAME ARCH KERNEL INITRD CPU [KEY=VALUE...]: console in $RUN/NAME.txt;
# fails (returns 1) unless the guest printed a complete block.
lab_boot() {
    local name=$1 arch=$2 kernel=$3 initrd=$4 cpu=$5; shift 5
    local t0 t1
    t0=$(date +%s.%N)
    # the serial console ends lines with CR LF
    bash "$LABDIR/boot.sh" "$arch" "$kernel" "$initrd" "$cpu" cmlab_host="$name" "$@" 2>&1 | tr -d '\r' > "$RUN/$name.txt"
    t1=$(date +%s.%N)
    printf '%s %.2f\n' "$name" "$(echo "$t1 - $t0" | bc)" >> "$RUN/times"
    if ! grep -q '^CMLAB END [01]' "$RUN/$name.txt"; then
        fail "$name: the emulated host did not finish its probe; console tail:"
        tail -15 "$RUN/$name.txt" >&2
        return 1
    fi
}

# (awk: ids are compared as strings; some awks read "0x…" fields as numbers)
# Values from a console: regs NAME (count), reg NAME ID (value, lower-case hex
# without 0x, empty when absent), meta NAME KEY, has NAME ID (0/1).
regs() { grep -c '^CMLAB REG ' "$RUN/$1.txt"; }
reg() { awk -v id="$2" '$1 == "CMLAB" && $2 == "REG" && $3 "" == id "" { print $5 }' "$RUN/$1.txt"; }
regflags() { awk -v id="$2" '$1 == "CMLAB" && $2 == "REG" && $3 "" == id "" { print $4 }' "$RUN/$1.txt"; }
meta() { awk -v k="$2" '$1 == "CMLAB" && $2 == "META" && $3 "" == k "" { print $4 }' "$RUN/$1.txt"; }
has() { if [ -n "$(reg "$1" "$2")" ]; then echo 1; else echo 0; fi; }
mask() { awk -v i="$2" '$1 == "CMLAB" && $2 == "MASK" && $3 "" == i "" { print $4 }' "$RUN/$1.txt"; }
in_range() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# lab_snapshot NAME: console -> $RUN/NAME.json through the library's writer
lab_snapshot() {
    "$CONVERT" snapshot "$RUN/$1.txt" "$RUN/$1.json" || fail "$1: converting the console into a snapshot"
}

# mreg FILE ID: a register's value in a snapshot/model JSON file (empty if absent)
mreg() { "$CONVERT" reg "$1" "$2" 2>/dev/null; }

# lab_plan MODEL HOST NAME: `cpumodeld plan --json` -> $RUN/NAME.json and
# .txt (plan lines), and the model as lines in $RUN/NAME.model.txt
lab_plan() {
    "$CPUMODELD" plan "$1" "$2" --json > "$RUN/$3.json"
    local rc=$?
    [ $rc -le 1 ] || { fail "cpumodeld plan $1 $2 exited $rc"; return 1; }
    "$CONVERT" plan "$RUN/$3.json" "$RUN/$3.txt" || { fail "converting plan $3"; return 1; }
    "$CONVERT" model "$1" "$RUN/$3.model.txt" || { fail "converting model $1"; return 1; }
}

# lab_verify_check NAME PLAN: the read-back of a plan applied by the project's
# verifier on real KVM: a refused write is allowed only on a register the plan
# itself names as not enforceable (an error reason); no accepted write may
# read back differently; no hidden/vanishing register may stay listed.
lab_verify_check() {
    local name=$1 plan=$2 out=$RUN/$1.txt bad
    local errs
    errs=$(awk '$1 == "ERROR" { print "0x" $2 }' "$RUN/$plan.txt")
    local nw
    nw=$(grep -c '^WRITE ' "$RUN/$plan.txt")
    check "$name: the plan has writes to apply" "$nw" -gt 0
    bad=$(awk '$2 == "MISMATCH" && $3 == "write-refused" { print $4 }' "$out" | while read -r id; do
        grep -qx "$id" <<<"$errs" || echo "$id"; done)
    check "$name: KVM refused only writes the plan marks not enforceable (unexpected: ${bad:-none})" -z "$bad"
    check "$name: every accepted write reads back as written" \
        "$(grep -c '^CMLAB MISMATCH readback' "$out")" -eq 0
    check "$name: no hidden or vanishing register is still listed" \
        "$(grep -c '^CMLAB MISMATCH still-listed' "$out")" -eq 0
    # with the model inside: registers still differing from the model must be
    # ones the plan said it cannot enforce
    check "$name: the verifier had the model" "$(meta "$name" model)" = 1
    bad=$(awk '$2 == "MISMATCH" && $3 == "model-value" { print $4 }' "$out" | sort -u | while read -r id; do
        grep -qx "$id" <<<"$errs" || echo "$id"; done)
    check "$name: model values differ only where the plan said so (unexpected: ${bad:-none})" -z "$bad"
    # cm_verify_plan (the library entry point) found the same as the arch verifier
    local vp
    vp=$(awk '$2 == "META" && $3 == "verify_plan" { print $4 " " $5 }' "$out")
    check "$name: cm_verify_plan agrees ($vp)" "$vp" = "$(awk '$2 == "END" { print $3 }' "$out") $(grep -c '^CMLAB MISMATCH' "$out")"
    local accepted
    accepted=$((nw - $(grep -c '^CMLAB MISMATCH write-refused' "$out")))
    check "$name: KVM accepted some of the plan's writes ($accepted of $nw)" "$accepted" -gt 0
}

# lab_compare_after NAME PLAN MODEL: the host as it reads after the plan
# (the verify console) compared with the model by the built CLI.  What is
# still incompatible must be what the plan said it cannot enforce (values
# KVM derives per VM, like arm64 SMCCC_ARCH_WORKAROUND_2 from the VM's SSBS,
# are predicted by the plan through the arch's `presented` hook).
lab_compare_after() {
    local name=$1 plan=$2 model=$3 extra
    lab_snapshot "$name" || return
    "$CPUMODELD" compare "$model" "$RUN/$name.json" --json > "$RUN/compare-$name.json" 2>/dev/null
    [ -s "$RUN/compare-$name.json" ] || { fail "$name: cpumodeld compare gave no result"; return; }
    extra=$("$CONVERT" errors "$RUN/compare-$name.json" | sort -u | while read -r id; do
        grep -qx "$id" <<<"$("$CONVERT" errors "$RUN/$plan.json")" || echo "$id"; done)
    if [ -z "$extra" ]; then
        pass "$name: after the plan, compare finds only what the plan said it cannot enforce"
    else
        fail "$name: compare(model, host after plan) reports errors the plan did not: $(echo $extra)"
    fi
}

lab_report() {
    echo "boot times (s):"; sed 's/^/  /' "$RUN/times"
    echo "lab wall time: $SECONDS s"
    if [ "$FAILS" -gt 0 ]; then echo "$FAILS check(s) failed" >&2; exit 1; fi
    exit 0
}
