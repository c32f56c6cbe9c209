#!/usr/bin/env bash
# `cpumodeld export` and the daemon's Export method on the real dumps:
# Firecracker templates (schema-level checks with jq; the full checker runs in
# tests/unit/test_export_firecracker.c), the -cpu argument, exit codes and
# bad input; models known by content: Export/GetModel/Compare/GetPlan by
# digest, and two daemons pinning different models under one name and
# generation are reported as a conflict (same hosts in any order: no conflict).
source "$(dirname "$0")/daemon_lib.sh"

CL=$(fixture INTEL_CASCADELAKE_6.1); IL=$(fixture INTEL_ICELAKE_6.1); SKL=$(fixture INTEL_SKYLAKE_6.1)
N1=$(fixture ARM_NEOVERSE_N1_6.1); V1=$(fixture ARM_NEOVERSE_V1_6.1)

"$CPUMODELD" baseline "$CL" "$IL" -o "$T/x86.json" >/dev/null || fail "baseline Cascade Lake + Ice Lake"
DIGEST=$(jq -r .digest "$T/x86.json")
[[ $DIGEST =~ ^sha256:[0-9a-f]{64}$ ]] || fail "the model's digest: $DIGEST"
"$CPUMODELD" baseline "$IL" "$CL" -o "$T/x86r.json" >/dev/null || fail "baseline in the other order"
[ "$(jq -r .digest "$T/x86r.json")" = "$DIGEST" ] || fail "the same hosts in another order give another digest"
ok "baseline models carry sha256 digests, independent of the argument order"

# --- Firecracker, x86: a template per member, in Firecracker's documented shape
for h in "$CL" "$IL"; do
  "$CPUMODELD" export --format firecracker "$T/x86.json" --host "$h" >"$T/t.json" || fail "export for $h"
  jq -e 'keys == ["cpuid_modifiers","kvm_capabilities","msr_modifiers"]' "$T/t.json" >/dev/null || fail "keys: $(jq -c keys "$T/t.json")"
  jq -e '[.cpuid_modifiers[] | .leaf, .subleaf | test("^0x[0-9a-f]+$")] | all' "$T/t.json" >/dev/null || fail "leaf syntax"
  jq -e '[.cpuid_modifiers[].modifiers[] | (.register | test("^e[abcd]x$")) and (.bitmap | test("^0b[01x]{32}$"))] | all' \
    "$T/t.json" >/dev/null || fail "cpuid bitmaps"
  jq -e '[.msr_modifiers[] | (.addr | test("^0x[0-9a-f]+$")) and (.bitmap | test("^0b[01x]{64}$"))] | all' \
    "$T/t.json" >/dev/null || fail "msr bitmaps"
  # leaf 7 subleaf 0 EBX bit 31 is AVX512VL (Intel SDM): both CPUs have it, the model keeps it at 1
  jq -e '.cpuid_modifiers[] | select(.leaf == "0x7" and .subleaf == "0x0") | .modifiers[] | select(.register == "ebx") |
         .bitmap | .[2:3] == "1"' "$T/t.json" >/dev/null || fail "AVX512VL not fixed to 1"
  # leaf 7 subleaf 0 ECX bit 1 is AVX512_VBMI: Ice Lake has it, Cascade Lake does not: fixed to 0
  jq -e '.cpuid_modifiers[] | select(.leaf == "0x7" and .subleaf == "0x0") | .modifiers[] | select(.register == "ecx") |
         .bitmap | .[32:33] == "0"' "$T/t.json" >/dev/null || fail "AVX512_VBMI not fixed to 0"
done
"$CPUMODELD" export --format firecracker "$T/x86.json" --host "$IL" -o "$T/t-o.json" >"$T/out.txt" || fail "-o"
diff -q "$T/t.json" "$T/t-o.json" >/dev/null || fail "-o writes something else than stdout"
grep -q "wrote $T/t-o.json" "$T/out.txt" && grep -q "$DIGEST" "$T/out.txt" || fail "-o summary: $(cat "$T/out.txt")"
"$CPUMODELD" export --format firecracker "$T/x86.json" --host "$IL" --json >"$T/e.json" || fail "--json"
jq -e --arg d "$DIGEST" '.ok and .format == "firecracker" and .digest == $d and .arch == "x86_64" and
   .host == "INTEL_ICELAKE_6.1" and (.output | fromjson | .cpuid_modifiers | length > 10) and .cannot_express == []' \
  "$T/e.json" >/dev/null || fail "--json: $(jq -c 'del(.output, .data)' "$T/e.json")"
# a baseline result (baseline --json) is a MODEL too
"$CPUMODELD" baseline --json "$CL" "$IL" >"$T/result.json" || true
"$CPUMODELD" export --format firecracker "$T/result.json" --host "$IL" >"$T/t-r.json" || fail "export from a baseline result"
diff -q "$T/t.json" "$T/t-r.json" >/dev/null || fail "a baseline result exports something else than its model file"
ok "firecracker x86: a template per member in the documented shape; -o and --json; from a baseline result"

# --- Firecracker, arm64 on Linux 6.1: no writable ID registers, the reasons instead of a template
"$CPUMODELD" baseline "$N1" "$V1" -o "$T/arm.json" >/dev/null
rc=0; "$CPUMODELD" export --format firecracker "$T/arm.json" --host "$V1" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "V1 on 6.1: exit $rc"
[ ! -s "$T/out" ] || fail "a template on stdout for a host that cannot reach the model"
grep -q "cannot reach model" "$T/err" && grep -q "not writable on Linux 6.1" "$T/err" || fail "reasons: $(cat "$T/err")"
"$CPUMODELD" export --format firecracker "$T/arm.json" --host "$V1" --json >"$T/e.json" 2>/dev/null
jq -e '(.ok | not) and .output == null and ([.reasons[] | select(.severity == "error")] | length > 0)' "$T/e.json" >/dev/null ||
  fail "--json refusal: $(jq -c 'del(.data)' "$T/e.json")"
ok "firecracker arm64 on 6.1: exit 1 with the reasons, no template"

# --- qemu: the -cpu argument and what it cannot say
"$CPUMODELD" export --format qemu "$T/x86.json" --host "$IL" >"$T/cpu.txt" 2>"$T/err" || fail "qemu export"
grep -q '^kvm64,vendor=GenuineIntel,' "$T/cpu.txt" || fail "qemu argument: $(cat "$T/cpu.txt")"
grep -q ',+avx512f' "$T/cpu.txt" && grep -q ',-avx512vbmi' "$T/cpu.txt" || fail "avx512f/avx512vbmi: $(cat "$T/cpu.txt")"
"$CPUMODELD" export --format qemu "$T/x86.json" --host "$IL" --json >"$T/q.json" || fail "qemu --json"
jq -e '.data.model == "kvm64" and (.data.plus | index("avx512f")) and (.data.minus | index("avx512vbmi")) and
       (.output == .data.cpu)' "$T/q.json" >/dev/null || fail "qemu json: $(jq -c .data "$T/q.json" | head -c 300)"
# the Ice Lake host offers leaf 7 subleaves the model (Cascade Lake: max subleaf 0) lacks: not a -cpu property
jq -e '[.cannot_express[] | select(.rule == "cannot-express" and (.text | test("max_subleaf")))] | length == 1' \
  "$T/q.json" >/dev/null || fail "cannot-express: $(jq -c '.cannot_express' "$T/q.json")"
grep -q "cannot express" "$T/err" || fail "the cannot-express list is not printed"
# arm64: QEMU asks for features only; what V1 cannot lower is listed, not refused
"$CPUMODELD" export --format qemu "$T/arm.json" --host "$V1" --json >"$T/qa.json" || fail "arm64 qemu on V1"
jq -e '.ok and .output == "host" and ([.cannot_express[].field] | index("EVT"))' "$T/qa.json" >/dev/null ||
  fail "arm64 qemu: $(jq -c 'del(.data)' "$T/qa.json" | head -c 400)"
# N1 on 6.1 cannot restore V1's identity (MIDR_EL1 invariant before 6.15): refused, exit 1, naming it
rc=0; "$CPUMODELD" export --format qemu "$T/arm.json" --host "$N1" --json >"$T/qn.json" || rc=$?
[ "$rc" = 1 ] && jq -e '(.ok | not) and ([.reasons[] | select(.rule == "restore-refused" and .field == "MIDR")] | length == 1)' \
  "$T/qn.json" >/dev/null || fail "arm64 qemu on N1: rc $rc $(jq -c '.reasons' "$T/qn.json" | head -c 400)"
ok "qemu: kvm64 + vendor/levels + flags; cannot-express printed and in JSON; arm64 host + what it cannot say"

# --- bad input: exit 2 and a message naming the problem
rc=0; "$CPUMODELD" export --format vmware "$T/x86.json" --host "$IL" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "unknown format 'vmware'" "$T/err" && grep -q firecracker "$T/err" || fail "unknown format: $rc $(cat "$T/err")"
rc=0; "$CPUMODELD" export "$T/x86.json" --host "$IL" 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "no --format: $rc"
rc=0; "$CPUMODELD" export --format qemu "$T/nope.json" --host "$IL" 2>"$T/err" || rc=$?
[ "$rc" = 3 ] || [ "$rc" = 2 ] || fail "missing model file: $rc"
grep -q "nope.json" "$T/err" || fail "missing model not named"
rc=0; "$CPUMODELD" export --format qemu "$T/x86.json" --host "$N1" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "x86_64" "$T/err" && grep -q "arm64" "$T/err" || fail "arch mismatch: $rc $(cat "$T/err")"
jq '.digest = "sha256:" + ("0" * 64)' "$T/x86.json" >"$T/forged.json"
rc=0; "$CPUMODELD" export --format qemu "$T/forged.json" --host "$IL" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "does not match the content" "$T/err" || fail "forged digest: $rc $(cat "$T/err")"
# no --host and no daemon: this host is probed
rc=0; "$CPUMODELD" export --format qemu "$T/x86.json" >"$T/out" 2>"$T/err" || rc=$?
if [ -e /dev/kvm ]; then
  case $rc in 0 | 1 | 2) ;; *) fail "export for this host: exit $rc $(cat "$T/err")" ;; esac
else
  [ "$rc" = 3 ] && grep -q "cannot probe this host" "$T/err" || fail "no /dev/kvm: exit $rc $(cat "$T/err")"
fi
ok "bad input: unknown format, missing file, arch mismatch, a digest that does not match: exit 2, named; no KVM to probe: exit 3"

# --- the daemon: Export by name and by digest equals the offline export
S=$T/sock
P1="127.0.0.1:$((PORT0 + 1))"
start_daemon peer --snapshot "$CL" --socket "" --listen-tcp "$P1"
wait_ready --connect "$P1" || fail "peer"
start_daemon self --snapshot "$IL" --socket "$S" --peer "$P1"
wait_ready --socket "$S" || fail "daemon"
"$CPUMODELD" pin --socket "$S" gold >/dev/null || fail "pin"
"$CPUMODELD" models --socket "$S" --json >"$T/m.json"
jq -e --arg d "$DIGEST" '.[0] | .name == "gold" and .digest == $d' "$T/m.json" >/dev/null ||
  fail "pinned digest differs from the offline model's: $(cat "$T/m.json")"
"$CPUMODELD" export --format firecracker model:gold --socket "$S" >"$T/d1.json" || fail "export model:gold"
"$CPUMODELD" export --format firecracker "$T/x86.json" --host "$IL" >"$T/o1.json"
diff -q "$T/d1.json" "$T/o1.json" >/dev/null || fail "daemon export differs from the offline one"
"$CPUMODELD" export --format firecracker "$DIGEST" --socket "$S" --host "$CL" >"$T/d2.json" || fail "export by digest, --host"
"$CPUMODELD" export --format firecracker "$T/x86.json" --host "$CL" >"$T/o2.json"
diff -q "$T/d2.json" "$T/o2.json" >/dev/null || fail "daemon export for --host differs from the offline one"
"$CPUMODELD" export --format qemu model:gold --connect "$P1" >/dev/null 2>"$T/err" && fail "the peer has no model gold"
grep -q NoSuchModel "$T/err" || fail "unknown model: $(cat "$T/err")"
"$CPUMODELD" models --socket "$S" "$DIGEST" --json | jq -e '.info.name == "gold"' >/dev/null || fail "GetModel by digest"
out=$(vcall --socket "$S" io.cpumodeld.Export '{"model":"gold","format":"vmware"}' 2>&1) && fail "Export vmware: $out"
echo "$out" | jq -e '.error == "io.cpumodeld.ExportFailed" and (.parameters.message | test("vmware.*firecracker"))' >/dev/null ||
  fail "Export with an unknown format: $out"
out=$(vcall --socket "$S" io.cpumodeld.Export '{"model":"gold","format":"qemu","host":{"schema":"nope"}}' 2>&1) &&
  fail "Export with a bad host: $out"
echo "$out" | jq -e '.error == "io.cpumodeld.ExportFailed" and (.parameters.message | test("schema"))' >/dev/null ||
  fail "Export with a bad host snapshot: $out"
out=$(vcall --socket "$S" io.cpumodeld.Export '{"model":"gold","format":"qemu","host":"x"}' 2>&1) && fail "host string: $out"
echo "$out" | jq -e '.error == "org.varlink.service.InvalidParameter" and .parameters.parameter == "host"' >/dev/null ||
  fail "Export with host not an object: $out"
vcall --socket "$S" io.cpumodeld.Export "{\"model\":\"$DIGEST\",\"format\":\"qemu\"}" |
  jq -e '.parameters.export | .ok and (.output | startswith("kvm64,"))' >/dev/null || fail "Varlink Export by digest"
"$CPUMODELD" plan --socket "$S" --json "$DIGEST" >"$T/p1.json" || fail "GetPlan by digest"
"$CPUMODELD" plan --socket "$S" --json gold >"$T/p2.json" || fail "GetPlan by name"
diff <(jq -S .plan.writes "$T/p1.json") <(jq -S .plan.writes "$T/p2.json") >/dev/null || fail "plan by digest differs"
"$CPUMODELD" compare --socket "$S" "$DIGEST" INTEL_CASCADELAKE_6.1 >/dev/null || fail "Compare by digest"
rc=0; "$CPUMODELD" models --socket "$S" "sha256:$(printf '1%.0s' $(seq 64))" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q NoSuchModel "$T/err" || fail "unknown digest: $rc $(cat "$T/err")"
# over TCP too (Export is read-only)
P0="127.0.0.1:$((PORT0 + 2))"
kill -TERM "$LAST_PID"; wait "$LAST_PID" 2>/dev/null
start_daemon self2 --snapshot "$IL" --socket "$S" --listen-tcp "$P0" --peer "$P1" --state-dir "$T/state-self"
wait_ready --socket "$S" || fail "restart"
"$CPUMODELD" export --format firecracker "$DIGEST" --connect "$P0" >"$T/d3.json" || fail "export over TCP after a restart"
diff -q "$T/d3.json" "$T/o1.json" >/dev/null || fail "export after restart differs"
ok "daemon Export by name and digest (socket, TCP, --host) equals the offline export; GetModel, GetPlan, Compare by digest"

# --- two daemons, one name and generation, different content: a reported conflict
SA=$T/a.sock SB=$T/b.sock PA="127.0.0.1:$((PORT0 + 3))" PB="127.0.0.1:$((PORT0 + 4))"
start_daemon a --snapshot "$SKL" --socket "$SA" --listen-tcp "$PA" --peer "$PB"
start_daemon b --snapshot "$IL" --socket "$SB" --listen-tcp "$PB" --peer "$PA"
wait_ready --socket "$SA" && wait_ready --socket "$SB" || fail "daemons a/b"
"$CPUMODELD" pin --socket "$SA" --peers self edge >/dev/null || fail "pin edge on a"
"$CPUMODELD" pin --socket "$SB" --peers self edge >/dev/null || fail "pin edge on b"
# the same hosts, named in another order on each side: one content, no conflict
"$CPUMODELD" pin --socket "$SA" --peers "self,$PB" shared >/dev/null || fail "pin shared on a"
"$CPUMODELD" pin --socket "$SB" --peers "$PA,self" shared >/dev/null || fail "pin shared on b"
da=$("$CPUMODELD" models --socket "$SA" --json | jq -r '.[] | select(.name == "shared") | .digest')
db=$("$CPUMODELD" models --socket "$SB" --json | jq -r '.[] | select(.name == "shared") | .digest')
[ -n "$da" ] && [ "$da" = "$db" ] || fail "shared: $da vs $db"
ea=$("$CPUMODELD" models --socket "$SA" --json | jq -r '.[] | select(.name == "edge") | .digest')
eb=$("$CPUMODELD" models --socket "$SB" --json | jq -r '.[] | select(.name == "edge") | .digest')
[ "$ea" != "$eb" ] || fail "edge: the two daemons' models have one digest"
rc=0; "$CPUMODELD" query --socket "$SA" --json >"$T/qa.json" || rc=$?
[ "$rc" = 1 ] || fail "query with a conflict: exit $rc"
jq -e --arg ea "$ea" --arg eb "$eb" --arg pb "$PB" '.cluster.model_conflicts == [{"name": "edge", "generation": 1,
   "digest": $ea, "peer": $pb, "peer_host": "INTEL_ICELAKE_6.1", "peer_digest": $eb}]' "$T/qa.json" >/dev/null ||
  fail "conflicts: $(jq -c .cluster.model_conflicts "$T/qa.json")"
"$CPUMODELD" query --socket "$SB" >"$T/qb.txt" || true
grep -q "MODEL CONFLICTS: 1" "$T/qb.txt" && grep -q "edge generation 1: here $eb, on INTEL_SKYLAKE_6.1" "$T/qb.txt" ||
  fail "human query: $(cat "$T/qb.txt")"
# a new generation on one side ends the conflict (generations differ: different labels)
"$CPUMODELD" pin --socket "$SA" --peers self --replace edge >/dev/null || fail "re-pin"
"$CPUMODELD" query --socket "$SA" --json | jq -e '.cluster.model_conflicts == []' >/dev/null || fail "conflict after re-pin"
ok "two daemons: edge generation 1 with two digests is reported on both; shared (same hosts, any order) is not"
echo "all export checks passed"
