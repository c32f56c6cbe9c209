#!/usr/bin/env bash
# Compaction while a daemon is cut off: daemon d1 reaches etcd only through
# member e1, which is killed; meanwhile the others pin, replace, unpin,
# a host leaves and is forgotten, a new one joins, and etcd is compacted past
# everything d1 saw.  When e1 comes back, d1's watch from its last revision
# is canceled by etcd (compact_revision): d1 must sync again from a fresh
# range and resume the watch, and its view must equal etcd's (members and
# their liveness, pins with generation and digest) without a restart.
source "$(dirname "$0")/daemon_lib.sh"
source "$(dirname "$0")/etcd_lib.sh"

etcd_cluster_start
start_etcd_daemon d0 INTEL_SKYLAKE_6.1
start_etcd_daemon d1 INTEL_ICELAKE_6.1 --set "etcd_endpoints=${ETCD_CLIENT[1]}"
D1=$LAST_PID
start_etcd_daemon d2 INTEL_CASCADELAKE_6.1
D2=$LAST_PID
for n in d0 d1 d2; do wait_ready --socket "$T/$n.sock" || fail "daemon $n did not come up: $(cat "$T/$n.log")"; done

cli() { local n=$1; shift; "$CPUMODELD" "$@" --socket "$T/$n.sock"; }
bl() { "$CPUMODELD" baseline --socket "$T/$1.sock" --json 2>/dev/null; }
# what etcd holds: "NAME live|silent" per host record, "NAME GENERATION DIGEST" per pin
etcd_members() {
  local live; live=$(ectl get --prefix --keys-only /cpumodeld/live/ | sed -n 's|^/cpumodeld/live/||p')
  ectl get --prefix --keys-only /cpumodeld/hosts/ | sed -n 's|^/cpumodeld/hosts/||p' | sort |
    while read -r h; do if grep -qxF "$h" <<<"$live"; then echo "$h live"; else echo "$h silent"; fi; done
}
etcd_pins() { ectl get --prefix --print-value-only /cpumodeld/models/ | jq -r '"\(.name) \(.generation) \(.model.digest)"' | sort; }
daemon_members() { bl "$1" | jq -r '.members[] | "\(.name) \(if .status == "self" then "live" else .status end)"' | sort; }
daemon_pins() { cli "$1" models --json | jq -r '.models[] | "\(.name) \(.generation) \(.digest)"' | sort; }
has_live() { [ -n "$(ectl get --keys-only "/cpumodeld/live/$1")" ]; }
reachable_is() { bl "$1" | jq -e --argjson v "$2" '.registry.reachable == $v' >/dev/null; }
same_view() {
  [ "$(daemon_members "$1")" = "$(etcd_members)" ] && [ "$(daemon_pins "$1")" = "$(etcd_pins)" ] &&
    bl "$1" | jq -e '.registry.reachable' >/dev/null
}
explain() {
  echo "members: daemon $1: $(daemon_members "$1" | paste -sd,) etcd: $(etcd_members | paste -sd,)"
  echo "pins: daemon $1: $(daemon_pins "$1" | paste -sd,) etcd: $(etcd_pins | paste -sd,)"
}

cli d0 pin gold >/dev/null || fail "pin gold"
cli d0 pin silver >/dev/null || fail "pin silver"
until_ok 15 same_view d1 || fail "d1 before the outage: $(explain d1)"
# the pins' digests come from etcd's own values, and d1 serves exactly those
[ "$(etcd_pins | wc -l)" = 2 ] || fail "etcd does not hold the two pins: $(etcd_pins)"
ok "before: d1 (only endpoint e1) has etcd's members and pins"

# --- cut d1 off, change everything, compact
etcd_kill9 1
until_ok 15 reachable_is d1 false ||
  fail "d1 did not notice that its only member is gone"
rev_seen=$(bl d1 | jq .registry.revision)
cli d0 pin --replace gold >/dev/null || fail "replace gold"
cli d0 unpin silver || fail "unpin silver"
cli d0 pin bronze >/dev/null || fail "pin bronze"
kill -TERM "$D2"; wait "$D2" 2>/dev/null
until_ok 15 eval '! has_live INTEL_CASCADELAKE_6.1' ||
  fail "d2's liveness key did not expire"
until_ok 10 cli d0 forget INTEL_CASCADELAKE_6.1 || fail "forget the stopped host"
start_etcd_daemon d3 INTEL_SKYLAKE_5.10
wait_ready --socket "$T/d3.sock" || fail "daemon d3: $(cat "$T/d3.log")"
until_ok 15 has_live INTEL_SKYLAKE_5.10 || fail "d3 did not register"
rev_now=$(ectl get /cpumodeld/ --prefix --keys-only -w json | jq .header.revision)
[ "$rev_now" -gt "$((rev_seen + 5))" ] || fail "not enough history to compact ($rev_seen -> $rev_now)"
ectl compact --physical "$rev_now" >/dev/null || fail "etcdctl compact"
# etcd's own word that d1's revision is gone
rc=0; ectl get /cpumodeld/ --prefix --rev "$((rev_seen + 1))" >/dev/null 2>"$T/err" || rc=$?
[ "$rc" != 0 ] && grep -q compacted "$T/err" || fail "revision $((rev_seen + 1)) is not compacted: $(cat "$T/err")"
ok "while d1 was cut off at revision $rev_seen: 3 pin changes, a host forgotten, one joined, etcd compacted at $rev_now"

# --- reconnect: canceled watch -> full resync -> the watch again
etcd_start 1
etcd_wait_healthy || fail "etcd did not recover"
until_ok 30 same_view d1 || fail "d1 did not converge after the compaction: $(explain d1)"
kill -0 "$D1" || fail "d1 is not the process started before the outage"
grep -q "revision compacted): full resync" "$T/d1.log" || fail "d1 never saw its watch canceled by the compaction: $(tail -5 "$T/d1.log")"
n_sync=$(grep -c "registry synced at revision" "$T/d1.log")
[ "$n_sync" -ge 2 ] || fail "d1 did not sync again ($n_sync sync)"
! bl d1 | jq -e '.members[] | select(.name == "INTEL_CASCADELAKE_6.1")' >/dev/null || fail "d1 still lists the forgotten host"
ok "d1 resynced after the compaction: members and pins equal etcd's (view at revision $(bl d1 | jq .registry.revision))"

# --- and the watch runs again: a change after the resync reaches d1
cli d0 unpin bronze || fail "unpin bronze"
until_ok 10 same_view d1 || fail "d1 missed a change after the resync: $(explain d1)"
! daemon_pins d1 | grep -q '^bronze ' || fail "bronze still pinned on d1"
ok "after the resync the watch resumed: d1 follows a later unpin"
echo "all compaction checks passed"
