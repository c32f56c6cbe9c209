#!/usr/bin/env bash
# Socket activation through systemd-socket-activate (a Unix socket: full
# interface; a TCP socket: read-only), the sd_notify protocol (READY,
# STATUS, WATCHDOG, RELOADING on SIGHUP, STOPPING on SIGTERM) read from our
# own NOTIFY_SOCKET, and the shipped unit files and example configuration.
source "$(dirname "$0")/daemon_lib.sh"
command -v systemd-socket-activate >/dev/null || skip "systemd-socket-activate is not installed (package systemd)"
command -v python3 >/dev/null || skip "python3 is not installed (the notify socket reader)"

# --- the unit files pass systemd-analyze verify (with ExecStart pointing at this build)
if command -v systemd-analyze >/dev/null; then
  mkdir -p "$T/units"
  sed "s|/usr/sbin/cpumodeld|$CPUMODELD|" "$SRC/systemd/cpumodeld.service" >"$T/units/cpumodeld.service"
  cp "$SRC/systemd/cpumodeld.socket" "$T/units/"
  (cd "$T/units" && systemd-analyze verify --man=no ./cpumodeld.socket ./cpumodeld.service) >"$T/verify.log" 2>&1 ||
    fail "systemd-analyze verify: $(cat "$T/verify.log")"
  grep -q "Type=notify" "$SRC/systemd/cpumodeld.service" || fail "the service is not Type=notify"
  ok "systemd-analyze verify: cpumodeld.service, cpumodeld.socket"
else
  echo "# systemd-analyze not installed: unit files not verified" >&2
fi

# --- the example configuration is valid as shipped
start_daemon conf --config "$SRC/conf/cpumodeld.conf" --snapshot "$(fixture INTEL_ICELAKE_6.1)" \
  --socket "$T/conf.sock" --state-dir "$T/state-conf"
wait_ready --socket "$T/conf.sock" || fail "conf/cpumodeld.conf does not load: $(cat "$T/conf.log")"
rc=0; "$CPUMODELD" serve --config "$T/nope.conf" --snapshot x >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "nope.conf" "$T/err" || fail "a missing explicit config: rc $rc"
printf 'peer_timeout_ms = soon\n' >"$T/bad.conf"
rc=0; "$CPUMODELD" serve --config "$T/bad.conf" --snapshot x >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "bad.conf:1: peer_timeout_ms" "$T/err" || fail "a bad value is not named: $(cat "$T/err")"
ok "conf/cpumodeld.conf loads; a bad configuration names file, line and key"

# --- socket activation + sd_notify
NS=$T/notify.sock
python3 - "$NS" "$T/notify.log" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.5)
end = time.time() + 60
with open(sys.argv[2], "w", buffering=1) as log:
    while time.time() < end:
        try:
            m = s.recv(4096).decode()
        except socket.timeout:
            continue
        log.write(m.replace("\n", "|") + "\n")
        if "STOPPING=1" in m:
            break
EOF
READER=$!
PIDS+=("$READER")
for _ in $(seq 50); do [ -S "$NS" ] && break; sleep 0.1; done
US=$T/act.sock
TP="127.0.0.1:$((PORT0 + 3))"
systemd-socket-activate -l "$US" -l "$TP" --fdname=varlink:tcp \
  -E NOTIFY_SOCKET="$NS" -E WATCHDOG_USEC=400000 \
  "$CPUMODELD" serve --snapshot "$(fixture INTEL_SKYLAKE_6.1)" --state-dir "$T/state-act" \
  --socket "$T/not-used.sock" >"$T/act.log" 2>&1 &
ACT=$!
PIDS+=("$ACT")
for _ in $(seq 50); do [ -S "$US" ] && break; sleep 0.1; done
# the first connection starts the daemon on the passed sockets
wait_ready --socket "$US" || fail "no answer on the activated socket: $(cat "$T/act.log")"
[ -e "$T/not-used.sock" ] && fail "the daemon bound its own socket despite activation"
vcall --socket "$US" io.cpumodeld.GetHost | jq -e '.parameters.host.name == "INTEL_SKYLAKE_6.1"' >/dev/null || fail "GetHost"
vcall --connect "$TP" io.cpumodeld.GetHost >/dev/null || fail "GetHost on the activated TCP socket"
out=$(vcall --connect "$TP" io.cpumodeld.PinModel '{"name":"x"}' 2>&1) && fail "pin over activated TCP"
echo "$out" | jq -e '.error == "io.cpumodeld.PermissionDenied"' >/dev/null || fail "activated TCP is not read-only: $out"
"$CPUMODELD" pin --socket "$US" viaunix >/dev/null || fail "pin over the activated Unix socket"
ok "socket activation: Unix (full) and TCP (read-only) sockets adopted"

sleep 1 # a few watchdog periods
grep -q "READY=1" "$T/notify.log" || fail "no READY=1: $(cat "$T/notify.log")"
grep -q "STATUS=Serving INTEL_SKYLAKE_6.1" "$T/notify.log" || fail "no STATUS"
w=$(grep -c "WATCHDOG=1" "$T/notify.log")
[ "$w" -ge 2 ] || fail "watchdog not kept ($w pings in 1 s at WATCHDOG_USEC=400ms)"
kill -HUP "$ACT"
for _ in $(seq 50); do [ "$(grep -c READY=1 "$T/notify.log")" -ge 2 ] && break; sleep 0.1; done
grep -q "RELOADING=1|MONOTONIC_USEC=" "$T/notify.log" || fail "no RELOADING=1 on SIGHUP"
[ "$(grep -c READY=1 "$T/notify.log")" -ge 2 ] || fail "no READY=1 after the reload"
kill -TERM "$ACT"
rc=0; wait "$ACT" || rc=$?
[ "$rc" = 0 ] || fail "exit status after SIGTERM: $rc ($(cat "$T/act.log"))"
wait "$READER" 2>/dev/null
grep -q "STOPPING=1" "$T/notify.log" || fail "no STOPPING=1"
ok "sd_notify: READY+STATUS, WATCHDOG ($w pings), RELOADING/READY on SIGHUP, STOPPING on SIGTERM"
echo "all activation checks passed"
