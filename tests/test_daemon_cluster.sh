#!/usr/bin/env bash
# Several daemons on loopback, each serving a real fixture: the cluster
# baseline equals the library's offline baseline of the same snapshots;
# pinned models, a weaker host joining, a peer going down (cached, from disk
# after a restart), never-seen peers (missing), Compare and GetPlan against
# the offline CLI.
source "$(dirname "$0")/daemon_lib.sh"

S=$T/sock
HOSTS=(INTEL_SKYLAKE_6.1 INTEL_ICELAKE_6.1 INTEL_SKYLAKE_5.10 INTEL_SKYLAKE_4.14)
PEER_ADDR=()
PEER_PID=()
for i in 1 2 3; do
  a="127.0.0.1:$((PORT0 + i))"
  start_daemon "p$i" --snapshot "$(fixture "${HOSTS[$i]}")" --socket "" --listen-tcp "$a"
  PEER_ADDR+=("$a")
  PEER_PID+=("$LAST_PID")
done
DEAD="127.0.0.1:$((PORT0 + 9))" # configured, never up
for a in "${PEER_ADDR[@]}"; do wait_ready --connect "$a" || fail "peer $a did not come up"; done
start_daemon self --snapshot "$(fixture "${HOSTS[0]}")" --socket "$S" \
  --peer "${PEER_ADDR[0]}" --peer "${PEER_ADDR[1]}" --peer "${PEER_ADDR[2]}" --peer "$DEAD" --peer-timeout-ms 2000
SELF_PID=$LAST_PID
wait_ready --socket "$S" || fail "daemon did not come up"

# --- the cluster baseline is the library's baseline of the same snapshots
rc_live=0; "$CPUMODELD" baseline --socket "$S" --json >"$T/live.json" || rc_live=$?
files=(); for h in "${HOSTS[@]}"; do files+=("$(fixture "$h")"); done
rc_off=0; "$CPUMODELD" baseline --json "${files[@]}" >"$T/offline.json" || rc_off=$?
# a configured peer is missing, so the daemon cannot say "everywhere": exit 1 whatever the offline verdict
[ "$rc_live" = 1 ] || fail "baseline with a missing peer exited $rc_live, not 1"
jq -e --argjson off "$rc_off" '.enforceable_everywhere == ($off == 0)' "$T/live.json" >/dev/null ||
  fail "enforceable_everywhere differs: daemon $(jq .enforceable_everywhere "$T/live.json"), offline exit $rc_off"
# both list hosts in name order (deterministic whatever the argument or peer order); offline adds its schema
norm='del(.schema, .model.created, .model.source, .groups[]?.model.created, .groups[]?.model.source)' # when and where, not what
diff <(jq -S "$norm" <(jq .baseline "$T/live.json")) <(jq -S "$norm" "$T/offline.json") >"$T/diff" ||
  fail "cluster baseline differs from the offline baseline: $(head -20 "$T/diff")"
[ "$(jq '.baseline.model.fields | length' "$T/live.json")" -gt 50 ] || fail "an empty model"
jq -e '[.members[].status] == ["self","live","live","live","missing"]' "$T/live.json" >/dev/null ||
  fail "member statuses: $(jq -c '[.members[] | {address, status}]' "$T/live.json")"
jq -e --arg d "$DEAD" '.unreachable == [$d] and .stale == []' "$T/live.json" >/dev/null || fail "unreachable/stale"
jq -e --arg d "$DEAD" '.members[4] | .address == $d and (.error | test("refused"))' "$T/live.json" >/dev/null ||
  fail "the dead peer's error is not named"
# -o writes the model alone, usable by the offline CLI
"$CPUMODELD" baseline --socket "$S" -o "$T/model.json" >/dev/null || true
"$CPUMODELD" plan "$T/model.json" "$(fixture "${HOSTS[1]}")" >/dev/null 2>&1 || fail "the -o model does not plan on a member"
ok "cluster baseline over 4 live daemons equals the offline baseline; the dead peer is reported missing"

# a named subset: self + one peer
"$CPUMODELD" baseline --socket "$S" --json self "${PEER_ADDR[0]}" >"$T/sub.json" || true
"$CPUMODELD" baseline --json "${files[0]}" "${files[1]}" >"$T/suboff.json" || true
diff <(jq -S "$norm" <(jq .baseline "$T/sub.json")) <(jq -S "$norm" "$T/suboff.json") >/dev/null ||
  fail "subset baseline differs from offline"
jq -e '.members | length == 2' "$T/sub.json" >/dev/null || fail "subset members"
ok "baseline over a named peer subset"

# --- pinned models: named, versioned, never silently changed
"$CPUMODELD" pin --socket "$S" --peers "self,${PEER_ADDR[0]}" gold >/dev/null || fail "pin gold"
rc=0; "$CPUMODELD" pin --socket "$S" gold 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q 'pinned already' "$T/err" || fail "re-pin without --replace: rc $rc $(cat "$T/err")"
"$CPUMODELD" models --socket "$S" --json >"$T/models.json"
jq -e '.models[0] | .name == "gold" and .generation == 1 and .members == ["INTEL_ICELAKE_6.1","INTEL_SKYLAKE_6.1"]' "$T/models.json" >/dev/null ||
  fail "models: $(cat "$T/models.json")"
"$CPUMODELD" pin --socket "$S" --peers "self,${PEER_ADDR[0]}" --replace gold >/dev/null || fail "pin --replace"
"$CPUMODELD" models --socket "$S" --json | jq -e '.models[0].generation == 2' >/dev/null || fail "generation not bumped"
ok "PinModel: ModelExists without --replace, generation 1 -> 2 with it"

# the pinned model, as a file, for the offline CLI
vcall --socket "$S" io.cpumodeld.GetModel '{"name":"gold"}' | jq .parameters.model >"$T/gold.json"
# --- the whole cluster (weaker hosts included) against the pinned model
"$CPUMODELD" query --socket "$S" --json >"$T/q.json" || true
expect=()
for h in "${HOSTS[@]}"; do
  "$CPUMODELD" plan "$T/gold.json" "$(fixture "$h")" >/dev/null 2>&1 || expect+=("$h")
done
got=$(jq -r '.cluster.pinned[] | select(.name == "gold") | .failing_hosts | sort | join(",")' "$T/q.json")
want=$(printf '%s\n' "${expect[@]}" | sort | paste -sd, -)
[ "$got" = "$want" ] || fail "pinned gold fails on [$got], the offline plans say [$want]"
[ -n "$got" ] || fail "no weaker host found (expected SKYLAKE_4.14 at least)"
case ",$got," in *,INTEL_SKYLAKE_6.1,* | *,INTEL_ICELAKE_6.1,*) fail "a member of gold cannot run gold" ;; esac
jq -e '.cluster.pinned[] | select(.name == "gold") | .runs_everywhere == false and (.reasons | length > 0)' "$T/q.json" >/dev/null ||
  fail "no reasons for the failing hosts"
rc=0; "$CPUMODELD" query --socket "$S" >"$T/q.txt" || rc=$?
[ "$rc" = 1 ] || fail "query exit code $rc with a pinned model that no longer runs everywhere"
grep -q "gold .* NO .*INTEL_SKYLAKE_4.14" "$T/q.txt" || fail "human table: $(cat "$T/q.txt")"
ok "weaker hosts joined: GetBaseline names the pinned model and the hosts that cannot run it ($got)"

# --- Compare and GetPlan agree with the offline CLI
for h in INTEL_SKYLAKE_5.10 INTEL_SKYLAKE_4.14; do
  r1=0; "$CPUMODELD" compare --socket "$S" model:gold "$h" >/dev/null 2>&1 || r1=$?
  r2=0; "$CPUMODELD" compare "$T/gold.json" "$(fixture "$h")" >/dev/null 2>&1 || r2=$?
  [ "$r1" = "$r2" ] || fail "compare gold -> $h: daemon $r1, offline $r2"
done
rc=0; "$CPUMODELD" compare --socket "$S" model:nope 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "compare with an unknown model: $rc"
"$CPUMODELD" plan --socket "$S" --json gold >"$T/plan.json" || fail "GetPlan gold on a member"
"$CPUMODELD" plan --json "$T/gold.json" "$(fixture "${HOSTS[0]}")" >"$T/planoff.json" || fail "offline plan"
diff <(jq -S .plan.writes "$T/plan.json") <(jq -S .writes "$T/planoff.json") >/dev/null ||
  fail "GetPlan writes differ from the offline plan"
ok "Compare and GetPlan agree with the offline CLI"

# --- a peer goes down: cached (with its age), then from disk after a restart
kill -TERM "${PEER_PID[0]}"; wait "${PEER_PID[0]}" 2>/dev/null
sleep 1.1
"$CPUMODELD" baseline --socket "$S" --json >"$T/down.json" || true
jq -e --arg a "${PEER_ADDR[0]}" '(.members[] | select(.address == $a) | .status == "cached" and .age_s >= 1) and
   (.stale == [$a]) and (.unreachable | index($a))' "$T/down.json" >/dev/null ||
  fail "down peer not cached: $(jq -c '.members' "$T/down.json")"
diff <(jq -S "$norm" <(jq .baseline "$T/down.json")) <(jq -S "$norm" "$T/offline.json") >/dev/null ||
  fail "the baseline with a cached peer differs"
kill -TERM "$SELF_PID"; wait "$SELF_PID" 2>/dev/null
start_daemon self2 --snapshot "$(fixture "${HOSTS[0]}")" --socket "$S" --state-dir "$T/state-self" \
  --peer "${PEER_ADDR[0]}" --peer "${PEER_ADDR[1]}" --peer "${PEER_ADDR[2]}" --peer "$DEAD"
wait_ready --socket "$S" || fail "restart"
"$CPUMODELD" baseline --socket "$S" --json >"$T/restart.json" || true
jq -e --arg a "${PEER_ADDR[0]}" '.members[] | select(.address == $a) | .status == "cached" and .name == "INTEL_ICELAKE_6.1"' \
  "$T/restart.json" >/dev/null || fail "the disk cache was not used after a restart"
"$CPUMODELD" models --socket "$S" --json | jq -e '.models[0] | .name == "gold" and .generation == 2' >/dev/null ||
  fail "pinned model lost across restart"
"$CPUMODELD" unpin --socket "$S" gold || fail "unpin"
"$CPUMODELD" models --socket "$S" --json | jq -e '.models | length == 0' >/dev/null || fail "unpin left the model"
ok "peer down: cached with age; after a restart from the disk cache; pinned models survive; unpin"
# --- arm64: two generations of Neoverse, not enforceable everywhere (groups)
A1="127.0.0.1:$((PORT0 + 7))"
start_daemon arm1 --snapshot "$(fixture ARM_NEOVERSE_N1_6.1)" --socket "" --listen-tcp "$A1"
wait_ready --connect "$A1" || fail "arm64 peer"
start_daemon arm0 --snapshot "$(fixture ARM_NEOVERSE_V1_5.10)" --socket "$T/arm.sock" --peer "$A1" --peer "${PEER_ADDR[1]}"
wait_ready --socket "$T/arm.sock" || fail "arm64 daemon"
rc1=0; "$CPUMODELD" baseline --socket "$T/arm.sock" --json self "$A1" >"$T/arm.json" || rc1=$?
rc2=0; "$CPUMODELD" baseline --json "$(fixture ARM_NEOVERSE_V1_5.10)" "$(fixture ARM_NEOVERSE_N1_6.1)" >"$T/armoff.json" || rc2=$?
[ "$rc1" = "$rc2" ] || fail "arm64: exit codes differ ($rc1 vs $rc2)"
diff <(jq -S "$norm" <(jq .baseline "$T/arm.json")) <(jq -S "$norm" "$T/armoff.json") >/dev/null ||
  fail "arm64 cluster baseline differs from the offline one: $(jq -c .members "$T/arm.json")"
# an x86 peer in an arm64 cluster (issue 12 item 7): left to its own group,
# the arm64 baseline unchanged; again once the x86 peer is down and only
# its cache speaks for it
for phase in live cached; do
  vcall --socket "$T/arm.sock" io.cpumodeld.GetBaseline >"$T/mixed.json" || fail "mixed arches ($phase): $(cat "$T/mixed.json")"
  diff <(jq -S "$norm" <(jq .parameters.baseline "$T/mixed.json")) <(jq -S "$norm" "$T/armoff.json") >/dev/null ||
    fail "an x86 peer ($phase) changed the arm64 baseline"
  jq -e '.parameters.arch_groups | length == 1 and .[0].arch == "x86_64" and .[0].members == ["INTEL_SKYLAKE_5.10"]' \
    "$T/mixed.json" >/dev/null || fail "arch_groups ($phase): $(jq -c "[.parameters.arch_groups[] | {arch, members}]" "$T/mixed.json")"
  jq -e --arg a "${PEER_ADDR[1]}" '.parameters.members[] | select(.address == $a) | .enforceable == false' \
    "$T/mixed.json" >/dev/null || fail "the x86 member is not marked ($phase)"
  [ $phase = live ] && { kill -TERM "${PEER_PID[1]}"; wait "${PEER_PID[1]}" 2>/dev/null; }
done
jq -e --arg a "${PEER_ADDR[1]}" '.parameters.members[] | select(.address == $a) | .status == "cached"' "$T/mixed.json" >/dev/null ||
  fail "the x86 peer was not served from its cache"
ok "arm64 cluster baseline equals the offline one (exit $rc1); an x86 peer, live or cached, gets its own group"
echo "all cluster checks passed"
