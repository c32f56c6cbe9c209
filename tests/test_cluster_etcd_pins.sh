#!/usr/bin/env bash
# Concurrent pins on the etcd backend: 5 daemons (different dumps) pin the
# same name at the same moment, 100 rounds.  Exactly one winner per
# generation (the generations the winners report are 1..W, each once), no
# lost pin (etcd's own version counter of the key equals W), no torn pin
# (every daemon serves the model etcd holds, byte for byte after parsing),
# and every daemon reports the same digest and generation afterwards.
source "$(dirname "$0")/daemon_lib.sh"
source "$(dirname "$0")/etcd_lib.sh"

HOSTS=(INTEL_SKYLAKE_6.1 INTEL_ICELAKE_6.1 INTEL_CASCADELAKE_6.1 INTEL_SKYLAKE_5.10 INTEL_ICELAKE_5.10)
ROUNDS=${PIN_ROUNDS:-100}
etcd_cluster_start
# liveness is not what this test is about: leases and timeouts that survive a loaded (sanitizer) run
for i in 0 1 2 3 4; do start_etcd_daemon "d$i" "${HOSTS[$i]}" --set etcd_lease_ttl_s=6 --set etcd_timeout_ms=2000; done
for i in 0 1 2 3 4; do wait_ready --socket "$T/d$i.sock" || fail "daemon d$i did not come up"; done
all_live() {
  [ "$("$CPUMODELD" baseline --socket "$T/d$1.sock" --json | jq '[.members[] | select(.status == "live" or .status == "self")] | length')" = 5 ]
}
for i in 0 1 2 3 4; do
  until_ok 30 all_live "$i" ||
    fail "d$i does not see 5 live hosts: $("$CPUMODELD" baseline --socket "$T/d$i.sock" --json | jq -c "[.members[] | {name, status}], .registry")"
done

: >"$T/winners"
for r in $(seq "$ROUNDS"); do
  pins=()
  for i in 0 1 2 3 4; do
    ( rc=0; "$CPUMODELD" pin --socket "$T/d$i.sock" --replace --json gold >"$T/out.$i" 2>"$T/err.$i" || rc=$?
      echo "$rc" >"$T/rc.$i" ) &
    pins+=($!)
  done
  wait "${pins[@]}" # only the pins: the daemons and etcd are children too
  wins=0
  for i in 0 1 2 3 4; do
    rc=$(cat "$T/rc.$i")
    if [ "$rc" = 0 ]; then
      wins=$((wins + 1))
      jq -r '.info | "\(.generation) \(.digest)"' "$T/out.$i" >>"$T/winners"
    else
      # a loser is told who won: ModelExists with the generation it lost to
      [ "$rc" = 2 ] && grep -q "is pinned already" "$T/err.$i" || fail "round $r, d$i: rc $rc $(cat "$T/err.$i")"
    fi
  done
  [ "$wins" -ge 1 ] || fail "round $r: no pin won"
done

W=$(grep -c . "$T/winners")
# exactly one winner per generation, and no generation skipped
diff <(cut -d' ' -f1 "$T/winners" | sort -n) <(seq 1 "$W") >"$T/diff" ||
  fail "winners' generations are not 1..$W exactly once: $(head "$T/diff")"
# etcd counts every write of the key: nothing was lost or written twice
ectl get -w json /cpumodeld/models/gold >"$T/kv.json"
version=$(jq -r '.kvs[0].version' "$T/kv.json")
[ "$version" = "$W" ] || fail "etcd saw $version writes of the key, the daemons report $W winners"
jq -r '.kvs[0].value' "$T/kv.json" | base64 -d >"$T/etcd-gold.json"
gen=$(jq .generation "$T/etcd-gold.json")
dig=$(jq -r .digest "$T/etcd-gold.json")
[ "$gen" = "$W" ] || fail "etcd holds generation $gen, expected $W"
[ "$(tail -1 "$T/winners" | cut -d' ' -f2)" != "" ] || fail "no digest in the winners' replies"
grep -q "^$gen $dig\$" "$T/winners" || fail "the stored value is not the one its winner reported"
same_model() {
  [ "$("$CPUMODELD" models --socket "$T/d$1.sock" --json | jq -r '.models[] | select(.name == "gold") | "\(.generation) \(.digest)"')" = "$gen $dig" ]
}
for i in 0 1 2 3 4; do
  until_ok 10 same_model "$i" || fail "d$i reports $("$CPUMODELD" models --socket "$T/d$i.sock" --json | jq -c .), etcd $gen $dig"
  vcall --socket "$T/d$i.sock" io.cpumodeld.GetModel '{"name":"gold"}' | jq -S .parameters.model >"$T/m.$i.json"
  diff -q "$T/m.$i.json" <(jq -S .model "$T/etcd-gold.json") >/dev/null || fail "d$i serves a model that differs from etcd's"
done
ok "$ROUNDS rounds x 5 concurrent pins: $W winners, generations 1..$W each once, etcd version $version, every daemon serves generation $gen $dig"
