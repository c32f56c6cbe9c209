#!/usr/bin/env bash
# Peers that fail: every GetBaseline (over TCP too) reports the peer missing
# with its own error, as the same printable text each time.  Issue 12 item
# 1: a peer without an address (resolution failed) had its error freed and
# then copied (cm_snapshot_set_str on itself), so freed heap bytes reached
# TCP clients.  Addresses that cannot resolve without the network are now
# refused with the configuration (a too-long unix: path, checked here), and
# the aliasing itself is test_snapshot_json's set_str_from_itself.
source "$(dirname "$0")/daemon_lib.sh"

S=$T/sock
TCP="127.0.0.1:$((PORT0 + 1))"
LONG="unix:/$(printf 'x%.0s' $(seq 120))" # longer than sun_path
rc=0; "$CPUMODELD" serve --snapshot "$(fixture INTEL_SKYLAKE_6.1)" --socket "$S" --peer "$LONG" --state-dir "$T/sx" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "peer: 'unix:/xxx" "$T/err" || fail "a unix: path longer than sun_path: rc $rc $(cat "$T/err")"
DOWN=127.0.0.1:$((PORT0 + 2)) # nothing listens
start_daemon self --snapshot "$(fixture INTEL_SKYLAKE_6.1)" --socket "$S" --listen-tcp "$TCP" --peer "$DOWN"
PID=$LAST_PID
wait_ready --socket "$S" || fail "daemon did not come up: $(cat "$T/self.log")"

for i in 1 2 3; do
  vcall --connect "$TCP" io.cpumodeld.GetBaseline '{}' >"$T/b$i.json" || fail "GetBaseline $i over TCP failed"
  kill -0 "$PID" || fail "daemon died on GetBaseline $i: $(tail -30 "$T/self.log")"
  jq -e --arg a "$DOWN" '.parameters.members[1] | .address == $a and .status == "missing" and .error == "connect: Connection refused"' \
    "$T/b$i.json" >/dev/null || fail "call $i: $(jq -c '.parameters.members' "$T/b$i.json")"
done
ok "a too-long unix: peer path is a configuration error; a refused peer is missing with its own error, three times over TCP"
