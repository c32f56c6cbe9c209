#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `cpumodeld probe` and `cpumodeld verify` against this machine's real /dev/kvm:
# output checked against uname(1) and python's own reading of the JSON; the
# documented exit codes (0 ok, 1 mismatches, 2 usage/input, 3 KVM/system).
set -uo pipefail

: "${CPUMODELD:?CPUMODELD must point at the cpumodeld binary}"
if ! [[ -r /dev/kvm && -w /dev/kvm ]]; then
    echo "SKIP: /dev/kvm not present or not accessible: the CLI probe tests did NOT run" >&2
    exit 77
fi
if [[ $(uname -m) != x86_64 ]]; then
    echo "SKIP: the verify part of this test builds x86 CPUID plans; not on x86_64" >&2
    exit 77
fi
command -v python3 >/dev/null || { echo "SKIP: python3 needed to read the JSON" >&2; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# --- probe ------------------------------------------------------------------
"$CPUMODELD" probe --json >"$tmp/snap.json" || fail "probe --json exited $?"
python3 - "$tmp/snap.json" "$(uname -r)" <<'EOF' || fail "probe JSON check"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["kernel"] == sys.argv[2], (d["kernel"], sys.argv[2])
assert d["api_version"] == 12
assert d["arch"] == "x86_64" and d["kind"] == "host" and d["partial"] is False
assert len(d["cpuid"]) > 0 and len(d["capabilities"]) > 0
assert any(int(m["index"], 16) == 0x10a for m in d["msrs"])
EOF

"$CPUMODELD" probe -o "$tmp/saved.json" --name testhost >"$tmp/summary" || fail "probe -o exited $?"
grep -q "^host: *testhost" "$tmp/summary" || fail "summary lacks the host name"
grep -q "saved: *$tmp/saved.json" "$tmp/summary" || fail "summary does not name the saved file"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["host"]=="testhost"' "$tmp/saved.json" \
    || fail "saved snapshot unreadable or wrong host"

"$CPUMODELD" probe --dev /nonexistent >/dev/null 2>"$tmp/err"; rc=$?
[[ $rc == 3 ]] || fail "probe --dev /nonexistent exited $rc, want 3"
grep -q "/nonexistent" "$tmp/err" || fail "the error does not name the device: $(cat "$tmp/err")"
"$CPUMODELD" probe --dev /dev/null >/dev/null 2>"$tmp/err"; rc=$?
[[ $rc == 3 ]] || fail "probe --dev /dev/null exited $rc, want 3"
grep -q "not a KVM device" "$tmp/err" || fail "no clear error for /dev/null: $(cat "$tmp/err")"
"$CPUMODELD" probe --frobnicate >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] || fail "probe with a bad option exited $rc, want 2"

# --- verify -----------------------------------------------------------------
"$CPUMODELD" verify >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] || fail "verify without a plan exited $rc, want 2"
echo '{"not": "a plan"}' >"$tmp/bad.json"
"$CPUMODELD" verify "$tmp/bad.json" >/dev/null 2>"$tmp/err"; rc=$?
[[ $rc == 2 ]] || fail "verify of a non-plan exited $rc, want 2"
grep -q "bad.json" "$tmp/err" || fail "the error does not name the file"

# Plans built from the probed CPUID table: (a) as is, plus an MSR write;
# (b) with a CPUID.7.0.EBX bit the host neither supports nor emulates.
python3 - "$tmp/snap.json" "$tmp" <<'EOF' || fail "building plans"
import json, sys
d = json.load(open(sys.argv[1])); out = sys.argv[2]
plan = {"host": d["host"], "model": "self", "ok": True, "drop_init_features": 0,
        "writes": [{"id": "0x2030000200000174", "name": "IA32_SYSENTER_CS", "order": "other",
                    "old": "0x0", "new": "0x20", "why": "test"}],
        "vanishing": [], "rollback": [], "reasons": [], "extra": {"cpuid": d["cpuid"]}}
json.dump(plan, open(out + "/plan_ok.json", "w"))
emu = {(int(e["function"], 16), int(e["index"], 16)): e for e in d.get("cpuid_emulated", [])}
cpuid = [dict(e) for e in d["cpuid"]]
for e in cpuid:
    if int(e["function"], 16) == 7 and int(e["index"], 16) == 0:
        have = int(e["ebx"], 16) | int(emu.get((7, 0), {"ebx": "0x0"})["ebx"], 16)
        bit = next(b for b in range(32) if not have >> b & 1)
        e["ebx"] = hex(int(e["ebx"], 16) | 1 << bit)
plan["writes"] = []
plan["extra"] = {"cpuid": cpuid}
json.dump(plan, open(out + "/plan_lacks.json", "w"))
EOF

"$CPUMODELD" verify "$tmp/plan_ok.json" --json >"$tmp/v_ok.json"; rc=$?
[[ $rc == 0 || $rc == 1 ]] || fail "verify plan_ok exited $rc"
# Only read-back differences may appear (this PVM host rewrites CPUID); never
# a refused write or a bit the host lacks.
python3 - "$tmp/v_ok.json" "$rc" <<'EOF' || fail "verify plan_ok result: $(cat "$tmp/v_ok.json")"
import json, sys
d = json.load(open(sys.argv[1]))
rules = {m.get("rule") for m in d["mismatches"]}
assert rules <= {"readback"}, rules
assert not any("SYSENTER" in json.dumps(m) for m in d["mismatches"])
assert d["matches"] == (sys.argv[2] == "0")
EOF

"$CPUMODELD" verify "$tmp/plan_lacks.json" --json >"$tmp/v_lacks.json"; rc=$?
[[ $rc == 1 ]] || fail "verify of a plan wanting a bit the host lacks exited $rc, want 1"
python3 - "$tmp/v_lacks.json" <<'EOF' || fail "no not-offered reason: $(cat "$tmp/v_lacks.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert any(m.get("rule") == "not-offered" and "0x7.0.EBX" in json.dumps(m) for m in d["mismatches"])
EOF
echo "ok: probe and verify CLI"
