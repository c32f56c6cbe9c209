#!/usr/bin/env bash
# Issue 9 item 7 through the CLI: a Genoa-like host (the Milan 6.1 dump plus
# the documented Zen 4 / KVM facts of tests/unit/helpers/x86_edit.c, made here
# with jq) and the Milan dump: the baseline drops PerfMonV2, the plan for the
# Genoa host gives KVM_SET_CPUID2 no PerfMonV2 and classifies the PerfMonV2
# MSRs hidden, compare Genoa -> Milan is INCOMPATIBLE; SEV on the real Milan
# 5.10 dump is dropped against 6.1.
source "$(dirname "$0")/cli_lib.sh"

MILAN=$fx/fingerprint_AMD_MILAN_6.1host.json
MILAN510=$fx/fingerprint_AMD_MILAN_5.10host.json
b32() { local v=$1 s=""; for ((i=31;i>=0;i--)); do s+=$(( (v>>i)&1 )); done; echo "0b$s"; }
b64() { local v=$1 s=""; for ((i=63;i>=0;i--)); do s+=$(( (v>>i)&1 )); done; echo "0b$s"; }
leaf() { # leaf eax ebx ecx edx
  jq -n --arg l "$1" --arg a "$(b32 $2)" --arg b "$(b32 $3)" --arg c "$(b32 $4)" --arg d "$(b32 $5)" \
    '{leaf:$l, subleaf:"0x0", flags:0, modifiers:[{register:"eax",bitmap:$a},{register:"ebx",bitmap:$b},{register:"ecx",bitmap:$c},{register:"edx",bitmap:$d}]}'
}
msr() { jq -n --arg a "$1" --arg b "$(b64 $2)" '{addr:$a, bitmap:$b}'; }
setreg='def setreg($l; $r; $v): .guest_cpu_config.cpuid_modifiers |= map(if .leaf == $l then .modifiers |= map(if .register == $r then .bitmap = $v else . end) else . end);'
jq --argjson l22 "$(leaf 0x80000022 1 6 0 0)" \
   --argjson m0 "$(msr 0xc0000300 0)" --argjson m1 "$(msr 0xc0000301 0x3f)" \
   --argjson m2 "$(msr 0xc0000302 0)" --argjson m3 "$(msr 0xc0000303 0)" \
   --arg sig "$(b32 0x00A10F11)" --arg max "$(b32 0x80000022)" \
   "$setreg"' setreg("0x1"; "eax"; $sig) | setreg("0x80000001"; "eax"; $sig) | setreg("0x80000000"; "eax"; $max)
    | .guest_cpu_config.cpuid_modifiers += [$l22] | .guest_cpu_config.msr_modifiers += [$m0, $m1, $m2, $m3]' \
   "$MILAN" >"$tmp/genoa.json"

"$bin" show --json "$tmp/genoa.json" >"$tmp/g.json"; rc=$?
check "the Genoa-like dump loads (exit $rc)" '[ $rc = 0 ]'
"$bin" baseline "$MILAN" "$tmp/genoa.json" -o "$tmp/model.json" >/dev/null; rc=$?
check "Milan + Genoa baseline is enforceable (exit $rc)" '[ $rc = 0 ]'
"$bin" plan --json "$tmp/model.json" "$tmp/genoa.json" >"$tmp/p.json"; rc=$?
check "plan on Genoa ok (exit $rc)" '[ $rc = 0 ] && [ "$(jq .ok "$tmp/p.json")" = true ]'
check "the plan's CPUID table has no PerfMonV2 (0x80000022 above the model's maximum)" \
  '[ "$(jq "[.extra.cpuid[] | select(.function==\"0x80000022\")] | length" "$tmp/p.json")" = 0 ]'
check "the plan's maximum extended leaf is Milan's 0x80000021" \
  '[ "$(jq -r ".extra.cpuid[] | select(.function==\"0x80000000\") | .eax" "$tmp/p.json")" = 0x80000021 ]'
for m in 0x20300002c0000300 0x20300002c0000301 0x20300002c0000302 0x20300002c0000303; do
  check "MSR $m hidden in the Genoa plan" \
    '[ "$(jq -r --arg id "$m" "[.rollback[] | select(.id==\$id)][0].class" "$tmp/p.json")" = hidden ]'
done
"$bin" compare --json "$tmp/genoa.json" "$MILAN" >"$tmp/c.json"; rc=$?
check "Genoa -> Milan is INCOMPATIBLE (exit $rc)" '[ $rc = 1 ] && [ "$(jq .compatible "$tmp/c.json")" = false ]'
"$bin" compare "$tmp/model.json" "$tmp/genoa.json" >/dev/null; rc=$?
check "the model runs on Genoa (exit $rc)" '[ $rc = 0 ]'

# SEV: the 5.10 dump passes the host's 0x8000001F through, 6.1 reports zeros
sev510=$(jq -r '.guest_cpu_config.cpuid_modifiers[] | select(.leaf=="0x8000001f") | .modifiers[] | select(.register=="eax") | .bitmap' "$MILAN510")
check "oracle: Milan 5.10 reports SEV (0x8000001F EAX bit 1)" '[ "${sev510: -2:1}" = 1 ]'
"$bin" baseline "$MILAN510" "$MILAN" -o "$tmp/m2.json" >/dev/null
"$bin" plan --json "$tmp/m2.json" "$MILAN510" >"$tmp/p2.json"
check "plan for Milan 5.10 clears 0x8000001F EAX" \
  '[ "$(jq -r ".extra.cpuid[] | select(.function==\"0x8000001f\") | .eax" "$tmp/p2.json")" = 0x0 ]'
"$bin" compare --json "$MILAN510" "$MILAN" >"$tmp/c2.json"
check "a 5.10 guest seeing SEV cannot go to 6.1, naming the word" \
  '[ "$(jq "[.reasons[] | select(.severity==\"error\" and .register==\"CPUID.8000001F.0.EAX\")] | length" "$tmp/c2.json")" -ge 1 ]'

finish
