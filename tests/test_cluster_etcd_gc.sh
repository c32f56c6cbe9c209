#!/usr/bin/env bash
# Snapshot contents no host record points at any more are deleted from etcd
# (one collector daemon, one transaction conditioned on no newer record),
# and never one that a record points at: two daemons keep switching their
# snapshot (SIGHUP with another dump under the same host name) while the
# collector runs; a sampler reads the whole registry at one revision every
# 0.1 s and checks that every record's content exists.  Pins are never
# touched (they hold their model themselves).
source "$(dirname "$0")/daemon_lib.sh"
ETCD_N=1
source "$(dirname "$0")/etcd_lib.sh"
etcd_cluster_start

# one snapshot per dump and host name, alike but for the name (the source
# names the dump file, so it is made the same): one content per dump
for c in X:INTEL_SKYLAKE_6.1 Y:INTEL_ICELAKE_6.1 Z:INTEL_CASCADELAKE_5.10; do
  "$CPUMODELD" import --json "$(fixture "${c#*:}")" >"$T/${c%%:*}.json" || fail "import ${c#*:}"
  for i in 1 2; do
    jq --arg h "ZFLIP$i" '.host = $h | .source = "test"' "$T/${c%%:*}.json" >"$T/${c%%:*}.$i.json" || fail "jq"
  done
done
F1=$T/flip1.json F2=$T/flip2.json
cp "$T/X.1.json" "$F1"; cp "$T/X.2.json" "$F2"
start_etcd_daemon d0 INTEL_CASCADELAKE_6.1
start_etcd_daemon d1 INTEL_CASCADELAKE_6.1 --snapshot "$F1"
P1=$LAST_PID
start_etcd_daemon d2 INTEL_CASCADELAKE_6.1 --snapshot "$F2"
P2=$LAST_PID
for n in d0 d1 d2; do wait_ready --socket "$T/$n.sock" || fail "daemon $n: $(cat "$T/$n.log")"; done

# the registry at one revision: "missing" lists records whose content is absent
snap() { ectl get --prefix /cpumodeld/ -w json; }
check='[.kvs[] | {k: (.key | @base64d), v: (.value | @base64d)}] as $kv
  | ([$kv[] | select(.k | startswith("/cpumodeld/snapshots/")) | .k | ltrimstr("/cpumodeld/snapshots/")]) as $have
  | ([$kv[] | select(.k | startswith("/cpumodeld/hosts/")) | .v | fromjson | .content] | unique) as $used
  | {have: ($have | sort), used: $used, missing: ($used - $have), unused: ($have - $used)}'
state() { snap | jq -c "$check"; }
n_hosts() { [ "$(ectl get --prefix --keys-only /cpumodeld/live/ | grep -c .)" = 3 ]; }
until_ok 15 n_hosts || fail "3 hosts did not register"
"$CPUMODELD" pin --socket "$T/d0.sock" gold >/dev/null || fail "pin gold"
gold=$(ectl get --print-value-only /cpumodeld/models/gold | jq -r .model.digest)
no_unused() { state | jq -e '.unused == [] and .missing == []' >/dev/null; }
content_of() { ectl get --print-value-only "/cpumodeld/hosts/$1" | jq -r .content; }
[ "$(state | jq '.have | length')" = 2 ] || fail "expected 2 contents: $(state)"

# --- X still referenced by ZFLIP2: kept; then unreferenced: collected
cp "$T/Y.1.json" "$F1"; kill -HUP "$P1"
until_ok 10 eval '[ "$(state | jq ".have | length")" = 3 ]' || fail "Y was not stored: $(state)"
sleep 5 # more than two collection periods (lease TTL 2 s)
state | jq -e '.unused == [] and .missing == []' >/dev/null || fail "a referenced content was touched: $(state)"
# the re-probe after SIGHUP runs off the loop: wait for d2 to register Y (d1's
# content now) before expecting X collected
yc=$(content_of ZFLIP1)
cp "$T/Y.2.json" "$F2"; kill -HUP "$P2"
until_ok 15 eval '[ "$(content_of ZFLIP2)" = "$yc" ] && no_unused' || fail "X was not collected: $(state)"
[ "$(state | jq '.have | length')" = 2 ] || fail "expected C and Y only: $(state)"
grep -q "collected unreferenced snapshot contents" "$T"/d*.log || fail "no daemon says it collected"
ok "an unreferenced content is collected within a few lease TTLs; a referenced one is kept"

# --- a registration from a view that still has a content the collector just deleted:
# d1 is stopped while X is stored, then collected; resumed with X to register
cp "$T/X.2.json" "$F2"; kill -HUP "$P2"
until_ok 10 eval '[ "$(state | jq ".have | length")" = 3 ]' || fail "X was not stored again: $(state)"
xc=$(content_of ZFLIP2)
kill -STOP "$P1"
cp "$T/Y.2.json" "$F2"; kill -HUP "$P2"
until_ok 15 eval 'state | jq -e --arg x "$xc" ".have | index(\$x) | not" >/dev/null' || { kill -CONT "$P1"; fail "X was not collected: $(state)"; }
cp "$T/X.1.json" "$F1"
kill -HUP "$P1"; kill -CONT "$P1"
until_ok 15 eval '[ "$(content_of ZFLIP1)" = "$xc" ]' || fail "d1 did not register with X: $(state)"
state | jq -e '.missing == []' >/dev/null || fail "d1's record points at a missing content: $(state)"
how="its view had seen the deletion"
grep -q "collected meanwhile; sending it" "$T/d1.log" && how="its transaction failed on the missing content and was sent again with it"
ok "a registration relying on a content collected meanwhile: the content is back in etcd ($how)"

# --- the race: switching snapshots while the collector runs
: >"$T/violations"
( while [ ! -e "$T/stop" ]; do
    s=$(snap 2>/dev/null | jq -c "$check" 2>/dev/null) || continue
    [ -n "$s" ] && ! jq -e '.missing == []' <<<"$s" >/dev/null && echo "$s" >>"$T/violations"
    sleep 0.1
  done ) &
SAMPLER=$!
files=(X Y Z)
for round in $(seq 1 30); do
  cp "$T/${files[$((RANDOM % 3))]}.1.json" "$F1.new" && mv "$F1.new" "$F1"; kill -HUP "$P1"
  sleep "0.$((RANDOM % 4))"
  cp "$T/${files[$((RANDOM % 3))]}.2.json" "$F2.new" && mv "$F2.new" "$F2"; kill -HUP "$P2"
  sleep "0.$((RANDOM % 8))"
done
touch "$T/stop"; wait "$SAMPLER"
[ ! -s "$T/violations" ] || fail "a record pointed at a missing content: $(head -3 "$T/violations")"
until_ok 20 no_unused || fail "after the race, unused contents stay: $(state)"
for n in d0 d1 d2; do
  "$CPUMODELD" baseline --socket "$T/$n.sock" --json >"$T/bl.json" || true
  ! grep -q "not in the registry" "$T/bl.json" || fail "$n lists a host without its snapshot"
  [ "$(jq '.members | length' "$T/bl.json")" = 3 ] || fail "$n: $(jq -c '[.members[].name]' "$T/bl.json")"
done
[ "$(ectl get --print-value-only /cpumodeld/models/gold | jq -r .model.digest)" = "$gold" ] || fail "the pin changed"
resent=$(cat "$T"/d*.log | grep -c "collected meanwhile; sending it" || true)
collected=$(cat "$T"/d*.log | grep -c "collected unreferenced snapshot contents" || true)
ok "30 rounds of switching snapshots under collection: no record ever pointed at a missing content ($collected collections, $resent registrations had to send their content again); pins untouched"
echo "all collection checks passed"
