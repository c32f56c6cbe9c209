#!/usr/bin/env bash
# The CLI in front of a daemon says only what the answers show: `query` with a peer that never
# answers says on how many of how many hosts and exits 1; `pin` refuses a model a live member
# cannot run (naming it) unless --force; daemon errors read as sentences; `plan NAME` and
# `plan model:NAME` work and list the writes under the offline plan's names; -o writes the
# --json document.  Three daemons on loopback serving real dumps (Icelake, Skylake, Milan on 6.1)
# and a peer that never answers; which host the baseline does not fit comes from the offline
# baseline of the same dumps.
source "$(dirname "$0")/daemon_lib.sh"

S=$T/sock
PA="127.0.0.1:$((PORT0 + 1))" PB="127.0.0.1:$((PORT0 + 2))"
DEAD="127.0.0.1:$((PORT0 + 9))" # configured, never up
SELF=INTEL_ICELAKE_6.1
start_daemon skl --snapshot "$(fixture INTEL_SKYLAKE_6.1)" --socket "" --listen-tcp "$PA"
start_daemon milan --snapshot "$(fixture AMD_MILAN_6.1)" --socket "" --listen-tcp "$PB"
wait_ready --connect "$PA" && wait_ready --connect "$PB" || fail "peers did not come up"
start_daemon self --snapshot "$(fixture $SELF)" --socket "$S" --peer "$PA" --peer "$PB" --peer "$DEAD" \
  --peer-timeout-ms 1000
wait_ready --socket "$S" || fail "daemon did not come up"

# what the offline baseline of the two dumps says: which hosts cannot run the model
"$CPUMODELD" baseline --json "$(fixture $SELF)" "$(fixture INTEL_SKYLAKE_6.1)" "$(fixture AMD_MILAN_6.1)" >"$T/off.json"
bad=$(jq -r '[.hosts[] | select(.enforceable | not) | .name] | join(",")' "$T/off.json")
[ -n "$bad" ] || fail "expected the Intel+AMD baseline not to fit some host (the vendor cannot change)"

# --- query: 2 of 3 hosts answered; never "enforceable everywhere"; exit 1
rc=0; "$CPUMODELD" query --socket "$S" >"$T/q.txt" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "query with a missing peer exited $rc"
grep -q "Cluster baseline over 3 of 4 host(s)" "$T/q.txt" || fail "query headline: $(grep Cluster "$T/q.txt")"
grep -q "1 host(s) did not answer" "$T/q.txt" || fail "query does not say a host is missing"
grep -q "enforceable everywhere" "$T/q.txt" && fail "query claims 'enforceable everywhere' with a host missing"
"$CPUMODELD" query --socket "$S" --json >"$T/q.json" || true
jq -e '.schema == "cpumodel.query/1" and (.cluster.members | length == 4)' "$T/q.json" >/dev/null ||
  fail "query --json: $(jq -c '{schema, n: (.cluster.members | length)}' "$T/q.json")"
ok "query with an unreachable peer: over 3 of 4 hosts, 1 did not answer, exit 1"

# --- pin: refused while a live member cannot run the baseline, naming it; --force pins
rc=0; "$CPUMODELD" pin --socket "$S" gold >"$T/pin.out" 2>"$T/pin.err" || rc=$?
[ "$rc" = 1 ] || fail "pin of a model a live member cannot run exited $rc: $(cat "$T/pin.err")"
for h in ${bad//,/ }; do grep -q "$h" "$T/pin.err" || fail "pin refusal does not name $h: $(cat "$T/pin.err")"; done
grep -q -- "--force" "$T/pin.err" || fail "the refusal does not say how to pin anyway"
"$CPUMODELD" models --socket "$S" --json | jq -e '.models | length == 0' >/dev/null || fail "a refused pin pinned"
"$CPUMODELD" pin --socket "$S" --force gold >/dev/null || fail "pin --force"
"$CPUMODELD" models --socket "$S" --json | jq -e '.models[0].name == "gold"' >/dev/null || fail "pin --force did not pin"
"$CPUMODELD" pin --socket "$S" --peers "self,$PA" intel >/dev/null || fail "pin of a model both Intel members run"
ok "pin refuses a model $bad cannot run, names it; --force pins; a fitting subset pins"

# --- daemon errors are sentences
rc=0; "$CPUMODELD" pin --socket "$S" --force gold 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "A model named 'gold' is pinned already" "$T/err" || fail "ModelExists: rc $rc: $(cat "$T/err")"
rc=0; "$CPUMODELD" plan --socket "$S" nosuch 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "There is no pinned model named 'nosuch'" "$T/err" || fail "NoSuchModel: rc $rc: $(cat "$T/err")"
rc=0; "$CPUMODELD" compare --socket "$S" nohost 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "No member of the cluster is named 'nohost'" "$T/err" || fail "NoSuchHost: rc $rc: $(cat "$T/err")"
grep -rq "io\.cpumodeld\." "$T/err" && fail "a raw Varlink error name reached the user: $(cat "$T/err")"
ok "ModelExists, NoSuchModel, NoSuchHost read as sentences, exit 2"

# --- plan NAME and plan model:NAME; the offline plan's names
r1=0; "$CPUMODELD" plan --socket="$S" intel >"$T/p1.txt" || r1=$?
r2=0; "$CPUMODELD" plan model:intel --socket "$S" >"$T/p2.txt" || r2=$?
[ "$r1" = 0 ] && [ "$r2" = 0 ] || fail "plan intel / plan model:intel exited $r1 / $r2 (a member runs its model)"
cmp -s "$T/p1.txt" "$T/p2.txt" || fail "plan intel and plan model:intel differ"
head -1 "$T/p1.txt" | grep -q "^Plan: restrict $SELF to model .* — enforceable" ||
  fail "plan's first line: $(head -1 "$T/p1.txt")"
vcall --socket "$S" io.cpumodeld.GetModel '{"name":"intel"}' | jq .parameters.model >"$T/intel.json"
cp "$T/p1.txt" "$T/pd.txt"
"$CPUMODELD" plan "$T/intel.json" "$(fixture $SELF)" >"$T/po.txt" || true
writes() { awk '/^ +[0-9]+  /{print $2, $3}' "$1" | sed 's/0x0*\([0-9a-f]\)/0x\1/g'; }
[ "$(writes "$T/pd.txt" | wc -l)" -gt 0 ] || fail "the daemon's plan of intel lists no writes: $(cat "$T/pd.txt")"
diff <(writes "$T/pd.txt") <(writes "$T/po.txt") >"$T/diff" || fail "daemon and offline plans name different writes: $(head "$T/diff")"
"$CPUMODELD" plan --socket "$S" intel --json >"$T/pj.json" || true
"$CPUMODELD" plan --socket "$S" intel -o "$T/po.json" >/dev/null || true
cmp -s "$T/pj.json" "$T/po.json" || fail "plan -o through the daemon is not the --json document"
jq -e '.schema == "cpumodel.cluster-plan/1"' "$T/pj.json" >/dev/null || fail "cluster plan schema"
ok "plan NAME == plan model:NAME; the daemon's plan names the offline plan's writes; -o writes --json"

"$CPUMODELD" compare --socket "$S" model:gold "$(jq -r '.hosts[0].name' "$T/off.json")" >"$T/c.txt" || true
head -1 "$T/c.txt" | grep -qE ": (COMPATIBLE|INCOMPATIBLE)$" || fail "compare's first line: $(head -1 "$T/c.txt")"
ok "compare through the daemon: the verdict first"

# --boot / --vmm reach Compare (its assumes says what was judged); the daemon's
# other commands have no such parameter and refuse them instead of ignoring them
to=$(jq -r '.hosts[0].name' "$T/off.json")
"$CPUMODELD" compare --socket "$S" model:gold "$to" --boot --vmm=plan-aware --json >"$T/cb.json" || true
jq -e '.assumes.reading == "boot" and .assumes.vmm == "plan-aware"' "$T/cb.json" >/dev/null ||
  fail "compare --boot --vmm=plan-aware through the daemon: assumes $(jq -c .assumes "$T/cb.json")"
"$CPUMODELD" compare --socket "$S" model:gold "$to" --json >"$T/cm.json" || true
jq -e '.assumes.reading == "migration" and .assumes.vmm == "restore-all"' "$T/cm.json" >/dev/null ||
  fail "compare through the daemon, default assumes: $(jq -c .assumes "$T/cm.json")"
rc=0; "$CPUMODELD" baseline --socket "$S" --boot >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q -- "--boot" "$T/err" || fail "baseline --socket --boot: exit $rc, $(cat "$T/err")"
rc=0; "$CPUMODELD" compare --socket "$S" model:gold --vmm=everything 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "restore-all or plan-aware" "$T/err" || fail "--vmm=everything: exit $rc, $(cat "$T/err")"
ok "compare --boot/--vmm through the daemon reach Compare's assumes; baseline refuses them (exit 2)"
