#!/usr/bin/env bash
# SIGHUP reconfigures the etcd backend: a daemon configured (file, not
# command line) for registry A moves to another etcd B when etcd_endpoints
# changes, then to another prefix on B; each time it registers there, shows
# that registry's pins and writes its pins there, never into the one it
# left (where its liveness key expires: silent).  A bad new value is refused
# and the running settings stay.  (TLS files: test_cluster_etcd_tls.sh.)
source "$(dirname "$0")/daemon_lib.sh"
ETCD_N=1
source "$(dirname "$0")/etcd_lib.sh"

etcd_cluster_start
A=${ETCD_CLIENT[1]}
B="http://127.0.0.1:$((PORT0 + 221))"
BPEER="http://127.0.0.1:$((PORT0 + 231))"
etcd --name b1 --data-dir "$T/etcd-b" --listen-client-urls "$B" --advertise-client-urls "$B" \
  --listen-peer-urls "$BPEER" --initial-advertise-peer-urls "$BPEER" --initial-cluster "b1=$BPEER" \
  --initial-cluster-token "cpumodeld-test-b-$$" --logger zap --log-level error >"$T/etcd-b.log" 2>&1 &
PIDS+=($!)
etcd_wait_healthy "$B" || fail "etcd B did not come up: $(tail -3 "$T/etcd-b.log")"
ea() { etcdctl --endpoints "$A" --command-timeout 3s "$@"; }
eb() { etcdctl --endpoints "$B" --command-timeout 3s "$@"; }
ME=INTEL_SKYLAKE_6.1

conf() { # conf ENDPOINTS PREFIX
  printf 'cluster = etcd\netcd_endpoints = %s\netcd_prefix = %s\netcd_lease_ttl_s = 2\netcd_timeout_ms = 700\n' "$1" "$2" >"$T/d.conf"
}
conf "$A" /cpumodeld/
start_daemon d --config "$T/d.conf" --snapshot "$(fixture $ME)" --socket "$T/d.sock"
D=$LAST_PID
wait_ready --socket "$T/d.sock" || fail "daemon: $(cat "$T/d.log")"
cli() { "$CPUMODELD" "$@" --socket "$T/d.sock"; }
registry() { cli baseline --json | jq -c .registry; }
live_in() { [ -n "$("$1" get --keys-only "$2live/$ME")" ]; }
pins() { cli models --json | jq -r '[.models[].name] | sort | join(",")'; }
pins_are() { [ "$(pins)" = "$1" ]; }

until_ok 15 live_in ea /cpumodeld/ || fail "not registered in A: $(registry)"
until_ok 10 cli pin gold >/dev/null || fail "pin gold in A"
[ -n "$(ea get --keys-only /cpumodeld/models/gold)" ] || fail "gold is not in A"
ok "configured for A: registered there, gold pinned there"

# --- new endpoints: another etcd
conf "$B" /cpumodeld/
kill -HUP "$D"
until_ok 15 live_in eb /cpumodeld/ || fail "SIGHUP: not registered in B: $(registry) $(tail -3 "$T/d.log")"
until_ok 10 pins_are "" || fail "B has no pins, the daemon shows: $(pins)"
registry | jq -e --arg b "$B" '.endpoint == $b and .reachable' >/dev/null || fail "registry status: $(registry)"
until_ok 10 cli pin silver >/dev/null || fail "pin silver after the move"
[ -n "$(eb get --keys-only /cpumodeld/models/silver)" ] || fail "silver is not in B"
[ -z "$(ea get --keys-only /cpumodeld/models/silver)" ] || fail "silver went to A, the registry the daemon left"
until_ok 10 eval '! live_in ea /cpumodeld/' || fail "the liveness key in A did not expire after the move"
[ -n "$(ea get --keys-only /cpumodeld/hosts/$ME)" ] || fail "the record in A is gone (only forget removes it)"
kill -0 "$D" || fail "the daemon exited"
grep -q "reload: registry now $B/cpumodeld/" "$T/d.log" || fail "the log does not say where the registry moved"
ok "etcd_endpoints A -> B on SIGHUP: registered in B, B's pins (none, then silver) and not A's; silent in A"

# --- a new prefix on B
conf "$B" /other/
kill -HUP "$D"
until_ok 15 live_in eb /other/ || fail "SIGHUP: not registered under /other/: $(registry)"
until_ok 10 pins_are "" || fail "/other/ has no pins, the daemon shows: $(pins)"
until_ok 10 cli pin bronze >/dev/null || fail "pin bronze under /other/"
[ -n "$(eb get --keys-only /other/models/bronze)" ] || fail "bronze is not under /other/"
[ -z "$(eb get --keys-only /cpumodeld/models/bronze)" ] || fail "bronze went under the old prefix"
ok "etcd_prefix /cpumodeld/ -> /other/ on SIGHUP: registered and pinned under /other/ only"

# --- a bad value is refused, the running settings stay
conf "ftp://127.0.0.1:1" /other/
kill -HUP "$D"
until_ok 10 grep -q "reload: etcd_endpoints: 'ftp://127.0.0.1:1' is not an http:// or https:// URL (keeping the running etcd settings)" "$T/d.log" ||
  fail "bad endpoints on reload: $(tail -3 "$T/d.log")"
until_ok 10 cli pin tin >/dev/null || fail "pin after a refused reload"
[ -n "$(eb get --keys-only /other/models/tin)" ] || fail "tin is not where the running settings point"
ok "a reload with a bad endpoint is refused by name; the running settings stay"
echo "all reload checks passed"
