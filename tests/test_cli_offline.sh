#!/usr/bin/env bash
# The offline CLI on real host dumps: import, show, baseline, compare, plan;
# exit codes; mixed architectures; bad input.  Expected values come from the
# dumps themselves (read with jq), not from the code under test.
source "$(dirname "$0")/cli_lib.sh"

N1=$fx/fingerprint_ARM_NEOVERSE_N1_6.1host.json
V1=$fx/fingerprint_ARM_NEOVERSE_V1_6.1host.json
V1_510=$fx/fingerprint_ARM_NEOVERSE_V1_5.10host.json
SKL=$fx/fingerprint_INTEL_SKYLAKE_6.1host.json

# import: the register count equals the dump's reg_modifiers
"$bin" import --from firecracker "$N1" -o "$tmp/n1.json" >/dev/null; rc=$?
check "import exit 0" '[ $rc -eq 0 ]'
want=$(jq '.guest_cpu_config.reg_modifiers | length' "$N1")
got=$(jq '.registers | length' "$tmp/n1.json")
check "import keeps all $want registers (got $got)" '[ "$want" = "$got" ]'
check "snapshot schema" '[ "$(jq -r .schema "$tmp/n1.json")" = cpumodel.snapshot/1 ]'
# the imported snapshot is itself a valid input, and gives the same baseline
"$bin" baseline --json "$tmp/n1.json" "$V1" >"$tmp/b1.json"; r1=$?
"$bin" baseline --json "$N1" "$V1" >"$tmp/b2.json"; r2=$?
check "baseline from snapshot == from fingerprint" \
  '[ $r1 = $r2 ] && diff <(jq -S "[.model.fields[] | {register,field,value}]" "$tmp/b1.json") <(jq -S "[.model.fields[] | {register,field,value}]" "$tmp/b2.json") >/dev/null'

# baseline N1 + V1 (6.1): MIDR differs, SVE 0, BF16 limited by N1
b=$tmp/b2.json
check "baseline has model.registers with hex ids/values" \
  '[ "$(jq -r "[.model.registers[] | select(.value != null)] | .[0].value | startswith(\"0x\")" "$b")" = true ]'
check "SVE is 0 in the model" '[ "$(jq -r "[.model.fields[] | select(.register==\"ID_AA64PFR0_EL1\" and .field==\"SVE\")][0].value" "$b")" = 0x0 ]'
lim=$(jq -r '[.model.fields[] | select(.register=="ID_AA64ISAR1_EL1" and .field=="BF16")][0].limited_by | join(",")' "$b")
check "BF16 limited by N1 (got '$lim')" '[ "$lim" = ARM_NEOVERSE_N1_6.1 ]'
ee=$(jq -r .enforceable_everywhere "$b")
check "exit code follows enforceability ($r2, $ee)" '{ [ "$ee" = true ] && [ $r2 = 0 ]; } || { [ "$ee" = false ] && [ $r2 = 1 ]; }'
check "6.1 cannot hide V1 features: groups" '[ "$ee" = false ] && [ "$(jq ".groups | length" "$b")" -ge 2 ]'
check "every group says why" '[ "$(jq "[.groups[] | select(.why == null)] | length" "$b")" = 0 ]'

# -o writes a model usable by plan/compare/baseline
"$bin" baseline "$N1" "$V1" -o "$tmp/model.json" >/dev/null
check "model kind" '[ "$(jq -r .kind "$tmp/model.json")" = model ]'
check "model members" '[ "$(jq ".members | length" "$tmp/model.json")" = 2 ]'
"$bin" plan --json "$tmp/model.json" "$N1" >"$tmp/plan-n1.json"; rc=$?
check "plan on N1 (the limiting host) has no ID write for BF16" \
  '[ "$(jq "[.writes[] | select(.name==\"ID_AA64ISAR1_EL1\")] | length" "$tmp/plan-n1.json")" = 0 ]'
"$bin" plan --json "$tmp/model.json" "$V1" >"$tmp/plan-v1.json"; rc=$?
check "plan on V1 6.1 is not enforceable (exit 1)" '[ $rc = 1 ] && [ "$(jq .ok "$tmp/plan-v1.json")" = false ]'
check "plan on V1 names ISAR1" '[ "$(jq "[.reasons[] | select(.register==\"ID_AA64ISAR1_EL1\")] | length" "$tmp/plan-v1.json")" -ge 1 ]'
"$bin" plan "$tmp/model.json" "$V1" >"$tmp/plan.txt"
check "human plan output" 'grep -q "NOT enforceable" "$tmp/plan.txt"'

# compare
"$bin" compare "$N1" "$N1" >/dev/null; rc=$?
check "a host is compatible with itself" '[ $rc = 0 ]'
"$bin" compare --json "$V1" "$N1" >"$tmp/c.json"; rc=$?
check "V1 -> N1 incompatible (exit 1)" '[ $rc = 1 ] && [ "$(jq .compatible "$tmp/c.json")" = false ]'
check "V1 -> N1 names BF16 with both values" \
  '[ "$(jq -r "[.reasons[] | select(.field==\"BF16\")][0] | .host_value + \" \" + .model_value" "$tmp/c.json")" = "0x0 0x1" ]'

# rollback V1 6.1 -> 5.10: the registers only 6.1 lists are classified
"$bin" baseline "$V1" "$V1_510" -o "$tmp/rb.json" >/dev/null
"$bin" plan --json "$tmp/rb.json" "$V1" >"$tmp/rbplan.json"
only61=$(jq -r '.guest_cpu_config.reg_modifiers[].addr' "$V1" | sort >"$tmp/a"; jq -r '.guest_cpu_config.reg_modifiers[].addr' "$V1_510" | sort >"$tmp/b"; comm -23 "$tmp/a" "$tmp/b" | wc -l)
got=$(jq '.rollback | length' "$tmp/rbplan.json")
check "rollback lists the $only61 registers only 6.1 has (got $got)" '[ "$only61" = "$got" ]'
check "rollback classes are hidden/droppable/blocking" \
  '[ "$(jq "[.rollback[] | select(.class != \"hidden\" and .class != \"droppable\" and .class != \"blocking\")] | length" "$tmp/rbplan.json")" = 0 ]'
check "QEMU property strings present" '[ "$(jq -r ".qemu | has(\"x-mig-hidden-regs\")" "$tmp/rbplan.json")" = true ]'

# mixed architectures: refused, or one baseline per arch with --groups
"$bin" baseline "$N1" "$SKL" >/dev/null 2>"$tmp/err"; rc=$?
check "mixed arch refused with exit 2" '[ $rc = 2 ] && grep -q "mix architectures" "$tmp/err"'
check "mixed arch error names both hosts" 'grep -q ARM_NEOVERSE_N1_6.1 "$tmp/err" && grep -q INTEL_SKYLAKE_6.1 "$tmp/err"'
"$bin" baseline --groups --json "$N1" "$V1" "$SKL" >"$tmp/g.json" 2>"$tmp/err"; rc=$?
check "--groups gives one baseline per arch" '[ "$(jq ".architectures | length" "$tmp/g.json")" = 2 ]'

# bad input: a clear error naming the file, exit 2, nothing written
echo '{"schema":"cpumodel.snapshot/1","arch":"arm64","registers":[{"id":"0x603000000013c020","value":"0x0"},{"id":"0x603000000013c020","value":"0x0"}]}' >"$tmp/dup.json"
"$bin" baseline "$tmp/dup.json" "$N1" -o "$tmp/never.json" >/dev/null 2>"$tmp/err"; rc=$?
check "duplicate register: exit 2" '[ $rc = 2 ]'
check "duplicate register: message names file and problem" 'grep -q dup.json "$tmp/err" && grep -qi duplicate "$tmp/err"'
check "nothing written on error" '[ ! -e "$tmp/never.json" ]'
echo 'not json' >"$tmp/bad.json"
"$bin" show "$tmp/bad.json" >/dev/null 2>"$tmp/err"; rc=$?
check "not JSON: exit 2 + file named" '[ $rc = 2 ] && grep -q bad.json "$tmp/err"'
"$bin" show "$tmp/missing.json" >/dev/null 2>"$tmp/err"; rc=$?
check "missing file: non-zero + named" '[ $rc -ne 0 ] && grep -q missing.json "$tmp/err"'
"$bin" baseline >/dev/null 2>&1; rc=$?
check "usage error exit 2" '[ $rc = 2 ]'

finish
