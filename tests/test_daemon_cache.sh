#!/usr/bin/env bash
# The daemon's reply cache (GetHost answered from cached bytes) never serves a
# stale host: after Reprobe and after SIGHUP the same request bytes return the
# new snapshot.  --snapshot is re-read on both, so the test changes the file.
. "$(dirname "$0")/daemon_lib.sh"

S=$T/sock
cp "$(fixture INTEL_SKYLAKE_6.1)" "$T/fp.json"
"$CPUMODELD" import "$T/fp.json" -o "$T/snap.json" >/dev/null || fail "import"
start_daemon a --snapshot "$T/snap.json" --socket "$S"
pid=$LAST_PID
wait_ready --socket "$S" || fail "daemon did not start: $(cat "$T/a.log")"

kernel() { vcall --socket "$S" io.cpumodeld.GetHost | jq -r .parameters.host.kernel; }
k0=$(jq -r .kernel "$T/snap.json")
[ "$(kernel)" = "$k0" ] || fail "GetHost kernel is not the snapshot's ($k0)"
[ "$(kernel)" = "$k0" ] || fail "a repeated GetHost changed"
ok "GetHost serves the snapshot, twice the same"

jq '.kernel = "9.9.1-cache-test"' "$T/snap.json" >"$T/snap2.json" && mv "$T/snap2.json" "$T/snap.json"
"$CPUMODELD" reprobe --socket "$S" >/dev/null || fail "reprobe failed"
[ "$(kernel)" = "9.9.1-cache-test" ] || fail "GetHost after Reprobe still answers the old host ($(kernel))"
ok "Reprobe invalidates the cached GetHost reply"

jq '.kernel = "9.9.2-cache-test"' "$T/snap.json" >"$T/snap2.json" && mv "$T/snap2.json" "$T/snap.json"
kill -HUP "$pid"
for _ in $(seq 50); do [ "$(kernel)" = "9.9.2-cache-test" ] && break; sleep 0.1; done
[ "$(kernel)" = "9.9.2-cache-test" ] || fail "GetHost after SIGHUP still answers the old host ($(kernel))"
ok "SIGHUP invalidates the cached GetHost reply"
# `plan model:NAME` (the spelling `compare` uses) equals `plan NAME`
"$CPUMODELD" pin cachetest --socket "$S" >/dev/null || fail "pin"
"$CPUMODELD" plan cachetest --socket "$S" --json >"$T/p1.json"; r1=$?
"$CPUMODELD" plan model:cachetest --socket "$S" --json >"$T/p2.json"; r2=$?
[ "$r1" = "$r2" ] && diff <(jq -S .plan.writes "$T/p1.json") <(jq -S .plan.writes "$T/p2.json") >/dev/null ||
  fail "plan model:NAME differs from plan NAME"
jq -e '.plan | has("writes")' "$T/p1.json" >/dev/null || fail "plan reply without writes"
ok "plan accepts model:NAME and NAME alike"
echo "4 passed, 0 failed"
