#!/usr/bin/env bash
# Peers whose address never resolves: every GetBaseline (over TCP too)
# reports the peer missing with the resolver's own error, as the same
# printable text each time.  Issue 12 item 1: the error used to be freed and
# then copied (cm_snapshot_set_str on itself), so freed heap bytes reached
# TCP clients; the ASan run of this test catches any relapse.
source "$(dirname "$0")/daemon_lib.sh"

S=$T/sock
TCP="127.0.0.1:$((PORT0 + 1))"
LONG="unix:/$(printf 'x%.0s' $(seq 120))" # longer than sun_path
start_daemon self --snapshot "$(fixture INTEL_SKYLAKE_6.1)" --socket "$S" --listen-tcp "$TCP" --peer "$LONG"
PID=$LAST_PID
wait_ready --socket "$S" || fail "daemon did not come up: $(cat "$T/self.log")"

for i in 1 2 3; do
  vcall --connect "$TCP" io.cpumodeld.GetBaseline '{}' >"$T/b$i.json" || fail "GetBaseline $i over TCP failed"
  kill -0 "$PID" || fail "daemon died on GetBaseline $i: $(tail -30 "$T/self.log")"
  jq -e --arg a "$LONG" '.parameters.members[1] | .address == $a and .status == "missing" and .error == "socket path too long"' \
    "$T/b$i.json" >/dev/null || fail "call $i: $(jq -c '.parameters.members' "$T/b$i.json")"
done
ok "an unusable peer address is reported missing with its own error, three times over TCP"
