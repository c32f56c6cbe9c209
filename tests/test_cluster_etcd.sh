#!/usr/bin/env bash
# The etcd cluster backend against a real 3-member etcd on loopback and 5
# daemons serving different dumps: join (every daemon's baseline is the
# library's offline baseline of the same dumps), kill -9 of a daemon (silent
# after its lease, still counted, back with the same registration), leave +
# forget, one etcd member killed (everything works), a majority killed
# (answers from the last view, "registry unreachable since", pins refused),
# the members restored (catch-up without a restart).
source "$(dirname "$0")/daemon_lib.sh"
source "$(dirname "$0")/etcd_lib.sh"

HOSTS=(INTEL_SKYLAKE_6.1 INTEL_ICELAKE_6.1 INTEL_CASCADELAKE_6.1 INTEL_SKYLAKE_5.10 INTEL_ICELAKE_5.10)
DPID=()
etcd_cluster_start
for i in 0 1 2 3 4; do
  start_etcd_daemon "d$i" "${HOSTS[$i]}"
  DPID[$i]=$LAST_PID
done
for i in 0 1 2 3 4; do wait_ready --socket "$T/d$i.sock" || fail "daemon d$i did not come up: $(cat "$T/d$i.log")"; done

sock() { echo "$T/d$1.sock"; }
bl() { "$CPUMODELD" baseline --socket "$(sock "$1")" --json 2>/dev/null; }
# n_status I STATUS: how many members daemon I lists with STATUS
n_status() { bl "$1" | jq --arg s "$2" '[.members[] | select(.status == $s)] | length'; }
all_live() { [ "$(bl "$1" | jq '[.members[] | select(.status == "live" or .status == "self")] | length')" = "$2" ]; }
norm='del(.schema, .model.created, .model.source)'
# same_as_offline I HOST...: daemon I's baseline equals the offline baseline of those dumps
# (the dumps in the daemon's member order: itself, then the registry's hosts by name)
same_as_offline() {
  local i=$1; shift
  local files=() rc1=0 rc2=0
  bl "$i" >"$T/live.$i.json" || rc1=$?
  [ "$(jq -r '.members[].name' "$T/live.$i.json" | sort | paste -sd,)" = "$(printf '%s\n' "$@" | sort | paste -sd,)" ] ||
    { echo "daemon d$i members: $(jq -c '[.members[].name]' "$T/live.$i.json"), expected $*" >&2; return 1; }
  for h in $(jq -r '.members[].name' "$T/live.$i.json"); do files+=("$(fixture "$h")"); done
  "$CPUMODELD" baseline --json "${files[@]}" >"$T/off.json" || rc2=$?
  diff <(jq -S "$norm" <(jq .baseline "$T/live.$i.json")) <(jq -S "$norm" "$T/off.json") >"$T/diff" ||
    { echo "daemon d$i differs from the offline baseline of $*: $(head -5 "$T/diff")" >&2; return 1; }
}
has_status() { [ "$(n_status "$1" "$2")" = "$3" ]; }
# gold_is I FIELD VALUE: daemon I lists model gold with FIELD = VALUE
gold_is() { [ "$("$CPUMODELD" models --socket "$(sock "$1")" --json | jq -r --arg f "$2" '.models[] | select(.name == "gold") | .[$f]')" = "$3" ]; }
reachable_is() { bl "$1" | jq -e --argjson v "$2" '.registry.reachable == $v' >/dev/null; }
hostrec() { ectl get --print-value-only "/cpumodeld/hosts/$1"; }

# --- join: every daemon sees all five, live, and the same baseline
for i in 0 1 2 3 4; do
  until_ok 15 all_live "$i" 5 || fail "d$i does not list 5 live members: $(bl "$i" | jq -c '[.members[] | {name, status}]')"
done
for i in 0 1 2 3 4; do same_as_offline "$i" "${HOSTS[@]}" || fail "join"; done
bl 0 | jq -e '.registry | .backend == "etcd" and .reachable and .hosts == 5 and .live == 5' >/dev/null ||
  fail "registry status: $(bl 0 | jq -c .registry)"
[ "$(ectl get --prefix --keys-only /cpumodeld/snapshots/ | grep -c .)" = 5 ] || fail "not one snapshot per distinct dump"
ok "join: 5 daemons registered; each one's baseline is the offline baseline of the 5 dumps"

# --- kill -9 of a daemon: silent after its lease, still counted, back with the same registration
reg_before=$(hostrec "${HOSTS[4]}" | jq -r .registered)
digest_before=$(hostrec "${HOSTS[4]}" | jq -r .digest)
kill -KILL "${DPID[4]}"
until_ok 10 has_status 0 silent 1 || fail "the killed daemon's host did not turn silent"
sleep 1.2
bl 0 | jq -e --arg h "${HOSTS[4]}" '.members[] | select(.name == $h) | .status == "silent" and .age_s >= 1' >/dev/null ||
  fail "silent host without its age: $(bl 0 | jq -c '.members')"
for i in 0 1 2 3; do same_as_offline "$i" "${HOSTS[@]}" || fail "a silent host widened the model"; done
# every daemon agrees on when it went silent (written once into its record)
since=$(hostrec "${HOSTS[4]}" | jq -r .silent_since)
[ "$since" != null ] || fail "no silent_since in the record: $(hostrec "${HOSTS[4]}")"
rc=0; "$CPUMODELD" query --socket "$(sock 0)" >"$T/q.txt" || rc=$?
grep -q "${HOSTS[4]} .* silent" "$T/q.txt" || fail "query does not show the silent host: $(cat "$T/q.txt")"
start_etcd_daemon d4b "${HOSTS[4]}" --state-dir "$T/state-d4"
DPID[4]=$LAST_PID
ln -sf "$T/d4b.sock" "$T/d4.sock"
until_ok 15 all_live 0 5 || fail "the restarted daemon did not come back live"
[ "$(hostrec "${HOSTS[4]}" | jq -r .registered)" = "$reg_before" ] || fail "the restart changed the registration time"
[ "$(hostrec "${HOSTS[4]}" | jq -r .digest)" = "$digest_before" ] || fail "the restart changed the digest"
hostrec "${HOSTS[4]}" | jq -e 'has("silent_since") | not' >/dev/null || fail "back, but still marked silent"
ok "kill -9 of a daemon: silent after the lease (age shown, still in the baseline), back with the same registration"

# --- leave and forget
kill -TERM "${DPID[3]}"; wait "${DPID[3]}" 2>/dev/null
until_ok 10 has_status 0 silent 1 || fail "the stopped daemon did not turn silent"
rc=0; "$CPUMODELD" forget --socket "$(sock 0)" "${HOSTS[1]}" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "is live" "$T/err" || fail "forgetting a live host: rc $rc $(cat "$T/err")"
rc=0; "$CPUMODELD" forget --socket "$(sock 0)" NO_SUCH_HOST 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "No member of the cluster is named" "$T/err" || fail "forgetting an unknown host: rc $rc $(cat "$T/err")"
"$CPUMODELD" forget --socket "$(sock 1)" "${HOSTS[3]}" || fail "forget ${HOSTS[3]}"
[ -z "$(hostrec "${HOSTS[3]}")" ] || fail "the record is still in etcd"
REST=("${HOSTS[0]}" "${HOSTS[1]}" "${HOSTS[2]}" "${HOSTS[4]}")
for i in 0 1 2 4; do
  until_ok 10 all_live "$i" 4 || fail "d$i still lists the forgotten host"
  same_as_offline "$i" "${REST[@]}" || fail "after forget"
done
ok "leave: silent, still counted; forget: refused for live and unknown hosts, removes a silent one everywhere"

# --- one etcd member killed: everything works
etcd_kill9 1
"$CPUMODELD" pin --socket "$(sock 1)" gold >/dev/null 2>"$T/err" ||
  until_ok 10 "$CPUMODELD" pin --socket "$(sock 1)" --replace gold || fail "pin with 2 of 3 members: $(cat "$T/err")"
gen=$("$CPUMODELD" models --socket "$(sock 1)" --json | jq '.models[] | select(.name == "gold") | .generation')
digest=$("$CPUMODELD" models --socket "$(sock 1)" --json | jq -r '.models[] | select(.name == "gold") | .digest')
for i in 0 2 4; do
  until_ok 10 gold_is "$i" digest "$digest" ||
    fail "d$i does not see the pin"
done
for i in 0 1 2 4; do
  bl "$i" | jq -e '.registry.reachable' >/dev/null || fail "d$i: registry unreachable with 2 of 3 members"
done
ok "one etcd member killed: pins and reads work, every daemon sees gold generation $gen"

# --- a majority killed: the last view, said so; pins refused
etcd_kill9 2
until_ok 15 reachable_is 0 false ||
  fail "d0 did not notice the lost quorum: $(bl 0 | jq -c .registry)"
"$CPUMODELD" query --socket "$(sock 0)" >"$T/q.txt" 2>&1 || true
grep -q "unreachable since" "$T/q.txt" || fail "query does not say the registry is unreachable: $(cat "$T/q.txt")"
same_as_offline 0 "${REST[@]}" || fail "the last view changed without a quorum"
rc=0; "$CPUMODELD" pin --socket "$(sock 0)" --replace gold 2>"$T/err" || rc=$?
[ "$rc" = 3 ] && grep -q "cluster registry (etcd) cannot be reached" "$T/err" && grep -q "unreachable since" "$T/err" ||
  fail "pin without quorum: rc $rc $(cat "$T/err")"
rc=0; "$CPUMODELD" unpin --socket "$(sock 0)" gold 2>"$T/err" || rc=$?
[ "$rc" = 3 ] || fail "unpin without quorum: rc $rc $(cat "$T/err")"
"$CPUMODELD" plan --socket "$(sock 0)" --json gold >/dev/null || fail "GetPlan of a pinned model (the libvirt hook's call) without quorum"
"$CPUMODELD" models --socket "$(sock 2)" --json | jq -e --arg d "$digest" '.models[] | select(.name == "gold") | .digest == $d' >/dev/null ||
  fail "the pinned model is gone from the last view"
ok "majority killed: reads from the last view with 'registry unreachable since', PinModel/UnpinModel refused (exit 3), GetPlan works"

# --- restore: catch-up without a restart
etcd_start 1
etcd_start 2
etcd_wait_healthy || fail "etcd did not recover"
for i in 0 1 2 4; do
  until_ok 20 reachable_is "$i" true ||
    fail "d$i did not reconnect: $(bl "$i" | jq -c .registry)"
done
for i in 0 1 2 4; do kill -0 "${DPID[$i]}" || fail "d$i is not the process started before the outage"; done
until_ok 10 "$CPUMODELD" pin --socket "$(sock 2)" --replace gold || fail "pin after the restore"
want=$((gen + 1))
for i in 0 1 2 4; do
  until_ok 10 gold_is "$i" generation "$want" ||
    fail "d$i did not catch up with generation $want"
  until_ok 10 all_live "$i" 4 || fail "d$i: not every host is live again"
done
ok "restored: every daemon reconnected and follows the registry again without a restart (gold generation $want)"
echo "all etcd cluster checks passed"
