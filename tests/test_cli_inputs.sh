#!/usr/bin/env bash
# Issue 9 item 10 through the CLI: bad inputs are refused with exit 2 and a
# message naming what is wrong; a host that cannot report its ID registers
# (the arm64 4.14 dumps) is flagged in compare, baseline and plan, text and
# JSON.  Which dumps lack the ID registers is read from the dumps with jq.
source "$(dirname "$0")/cli_lib.sh"

N1_414=$fx/fingerprint_ARM_NEOVERSE_N1_4.14host.json
N1_61=$fx/fingerprint_ARM_NEOVERSE_N1_6.1host.json
V1_510=$fx/fingerprint_ARM_NEOVERSE_V1_5.10host.json
MILAN=$fx/fingerprint_AMD_MILAN_6.1host.json
RV=$src/tests/fixtures/riscv64/rv64-qemu-6.12.json

# -- a snapshot whose register list is under a misspelt key: exit 2, naming it
"$bin" import --from firecracker "$N1_61" -o "$tmp/n1.json" >/dev/null
sed 's/"registers"/"regsiters"/' "$tmp/n1.json" >"$tmp/n1-bad.json"
"$bin" compare "$tmp/n1-bad.json" "$tmp/n1-bad.json" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "arm64 misspelt registers: exit 2 (got $rc)" '[ $rc = 2 ]'
check "arm64: the message names the key and the misspelling" \
  'grep -q "registers: missing or empty" "$tmp/err" && grep -q "\"regsiters\"" "$tmp/err"'
check "arm64: no verdict printed" '! grep -q COMPATIBLE "$tmp/out"'
sed 's/"registers"/"Registers"/' "$RV" >"$tmp/rv-bad.json"
"$bin" compare "$RV" "$tmp/rv-bad.json" >/dev/null 2>"$tmp/err"; rc=$?
check "riscv64 misspelt registers: exit 2 (got $rc)" '[ $rc = 2 ] && grep -q "\"Registers\"" "$tmp/err"'
"$bin" baseline "$RV" "$tmp/rv-bad.json" >/dev/null 2>&1; rc=$?
check "riscv64 misspelt registers in baseline: exit 2 (got $rc)" '[ $rc = 2 ]'
"$bin" compare "$RV" "$RV" >/dev/null; rc=$?
check "the well-formed riscv64 snapshot still compares (exit $rc)" '[ $rc = 0 ]'

# -- a missing input file is an input error
"$bin" compare "$tmp/none.json" "$N1_61" >/dev/null 2>"$tmp/err"; rc=$?
check "missing file: exit 2 (got $rc)" '[ $rc = 2 ] && grep -q "none.json: cannot open" "$tmp/err"'
"$bin" plan "$N1_61" "$tmp/none.json" >/dev/null 2>&1; rc=$?
check "missing file in plan: exit 2 (got $rc)" '[ $rc = 2 ]'

# -- a Firecracker CPU template where a fingerprint is expected
jq '.guest_cpu_config' "$MILAN" >"$tmp/template-x86.json"
jq '.guest_cpu_config' "$N1_61" >"$tmp/template-arm.json"
for t in x86 arm; do
  "$bin" compare "$tmp/template-$t.json" "$N1_61" >/dev/null 2>"$tmp/err"; rc=$?
  check "$t template: exit 2 (got $rc)" '[ $rc = 2 ]'
  check "$t template: said so" 'grep -q "Firecracker CPU template" "$tmp/err" && ! grep -q "unknown format" "$tmp/err"'
done

# -- hosts that cannot report their ID registers
has_idregs() { jq -e '[.guest_cpu_config.reg_modifiers[].addr] | index("0x603000000013c020") != null' "$1" >/dev/null; }
check "oracle: the 4.14 dump lists no ID_AA64PFR0_EL1" '! has_idregs "$N1_414"'
check "oracle: the 6.1 dump lists it" 'has_idregs "$N1_61"'
"$bin" compare "$N1_414" "$N1_61" >"$tmp/c.txt"; "$bin" compare --json "$N1_414" "$N1_61" >"$tmp/c.json"
check "compare text flags the 4.14 source" 'grep -q "ARM_NEOVERSE_N1_4.14 cannot report its ID registers" "$tmp/c.txt"'
check "compare JSON flags it once" \
  '[ "$(jq "[.reasons[] | select(.rule==\"id-registers-unreported\" and .host==\"ARM_NEOVERSE_N1_4.14\")] | length" "$tmp/c.json")" = 1 ]'
"$bin" compare --json "$N1_61" "$N1_414" >"$tmp/c2.json"
check "compare JSON flags the 4.14 destination" \
  '[ "$(jq "[.reasons[] | select(.rule==\"id-registers-unreported\")] | length" "$tmp/c2.json")" = 1 ]'
"$bin" compare --json "$N1_61" "$V1_510" >"$tmp/c3.json"
check "no flag between hosts that report them" \
  '[ "$(jq "[.reasons[] | select(.rule==\"id-registers-unreported\")] | length" "$tmp/c3.json")" = 0 ]'
"$bin" baseline --json "$N1_414" "$V1_510" >"$tmp/b.json"
check "baseline JSON: every host verdict carries the flag" \
  '[ "$(jq "[.hosts[] | select([.reasons[] | select(.rule==\"id-registers-unreported\")] | length > 0)] | length" "$tmp/b.json")" = 2 ]'
"$bin" baseline "$N1_414" "$V1_510" >"$tmp/b.txt"
check "baseline text carries it" 'grep -q "cannot report its ID registers" "$tmp/b.txt"'
"$bin" baseline "$N1_414" "$V1_510" -o "$tmp/model.json" >/dev/null
"$bin" plan --json "$tmp/model.json" "$V1_510" >"$tmp/p.json"
check "plan JSON on the 5.10 member flags the model" \
  '[ "$(jq "[.reasons[] | select(.rule==\"id-registers-unreported\")] | length" "$tmp/p.json")" = 1 ]'
"$bin" plan "$tmp/model.json" "$V1_510" >"$tmp/p.txt"
check "plan text flags it" 'grep -q "cannot report its ID registers" "$tmp/p.txt"'

finish
