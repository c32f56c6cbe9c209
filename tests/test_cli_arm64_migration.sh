#!/usr/bin/env bash
# The migration reading and its assumptions on the CLI (issue 9 items 1, 6, 11), on the real
# Firecracker dumps.  Expected values come from the kernel's rules (docs/KVM-FACTS.md) and the
# dumps (read with jq): N1 and V1 differ in MIDR_EL1, which Linux 6.1 cannot change (§A.3.1).
source "$(dirname "$0")/cli_lib.sh"

N1=$fx/fingerprint_ARM_NEOVERSE_N1_6.1host.json
V1=$fx/fingerprint_ARM_NEOVERSE_V1_6.1host.json
N1_510=$fx/fingerprint_ARM_NEOVERSE_N1_5.10host.json
midr() { jq -r '.guest_cpu_config.reg_modifiers[] | select(.addr == "0x603000000013c000") | .bitmap' "$1"; }
check "the dumps differ in MIDR_EL1" '[ "$(midr "$N1")" != "$(midr "$V1")" ]'

# migration (default): MIDR_EL1 is refused on restore, an error, and the JSON says what it assumes
"$bin" compare --json "$N1" "$V1" >"$tmp/m.json"; rc=$?
check "migration N1 -> V1 exit 1, incompatible (got $rc)" '[ $rc -eq 1 ]'
check "assumes migration" '[ "$(jq -r .assumes.reading "$tmp/m.json")" = migration ]'
check "assumes restore-all" '[ "$(jq -r .assumes.vmm "$tmp/m.json")" = restore-all ]'
check "MIDR_EL1 restore refused" \
  '[ "$(jq -r "[.reasons[] | select(.register == \"MIDR_EL1\" and .severity == \"error\")][0].rule" "$tmp/m.json")" = restore-refused ]'
# a fresh boot: the guest sees V1's own MIDR, a warning labelled as the boot reading
"$bin" compare --json --boot "$N1" "$V1" >"$tmp/b.json"
check "assumes boot" '[ "$(jq -r .assumes.reading "$tmp/b.json")" = boot ]'
check "MIDR_EL1 is a boot warning" \
  '[ "$(jq -r "[.reasons[] | select(.register == \"MIDR_EL1\")][0].severity" "$tmp/b.json")" = warning ]'
"$bin" compare --boot "$N1" "$V1" >"$tmp/b.txt"
check "text says fresh boot" 'grep -q "fresh boot" "$tmp/b.txt"'
"$bin" compare --vmm=plan-aware --json "$N1" "$V1" >"$tmp/p.json"
check "assumes plan-aware" '[ "$(jq -r .assumes.vmm "$tmp/p.json")" = plan-aware ]'

# 5.10 -> destination: DebugVer 8 -> 6 rests on the version table (no masks): the reason says so,
# and the operator's fact that the kernel carries the writable-ID-register backport lifts it
"$bin" compare --json "$N1" "$N1_510" >"$tmp/v.json"
check "version-table reason names the assumption" \
  'jq -r ".reasons[] | select(.field == \"DebugVer\") | .text" "$tmp/v.json" | grep -q "assumed from the kernel version"'
"$bin" compare --json --fact writable-id-regs=yes "$N1" "$N1_510" >"$tmp/f.json"
check "with the fact, DebugVer is no error" \
  '[ -z "$(jq -r ".reasons[] | select(.field == \"DebugVer\" and .severity == \"error\") | .text" "$tmp/f.json")" ]'
check "and the verdict names the assumption" \
  '[ "$(jq -r "[.reasons[] | select(.rule == \"assumption\")] | length" "$tmp/f.json")" -ge 1 ]'
# import records the operator's fact in the snapshot
"$bin" import --fact writable-id-regs=yes "$N1_510" -o "$tmp/n1_510.json" >/dev/null
check "import keeps the fact" '[ "$(jq -r ".facts[\"arm64.writable_id_regs\"]" "$tmp/n1_510.json")" = 0x1 ]'

# bad input: exit 2 and a message naming what was wrong
"$bin" compare --vmm=sometimes "$N1" "$V1" 2>"$tmp/e1"; rc=$?
check "--vmm=sometimes exit 2 (got $rc)" '[ $rc -eq 2 ] && grep -q sometimes "$tmp/e1"'
"$bin" compare --fact writable-id-regs=maybe "$N1" "$V1" 2>"$tmp/e2"; rc=$?
check "--fact bad value exit 2 (got $rc)" '[ $rc -eq 2 ] && grep -q maybe "$tmp/e2"'
"$bin" compare --fact nosuchhost:writable-id-regs=yes "$N1" "$V1" 2>"$tmp/e3"; rc=$?
check "--fact unknown host exit 2 (got $rc)" '[ $rc -eq 2 ] && grep -q nosuchhost "$tmp/e3"'

finish
