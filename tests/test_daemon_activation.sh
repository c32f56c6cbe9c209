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
  # issue 12 item 5: unprivileged and confined, exposure 2.0 or below
  systemd-analyze security --offline=true --no-pager "$T/units/cpumodeld.service" >"$T/security.log" 2>&1 || true
  score=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' "$T/security.log")
  [ -n "$score" ] || fail "systemd-analyze security: no score: $(tail -3 "$T/security.log")"
  [ "$(echo "$score <= 2.0" | bc)" = 1 ] || fail "exposure $score > 2.0: $(grep '✗' "$T/security.log" | head -20)"
  grep -q '^User=cpumodeld' "$SRC/systemd/cpumodeld.service" && grep -q '^CapabilityBoundingSet=$' "$SRC/systemd/cpumodeld.service" ||
    fail "the service runs with privileges"
  ok "systemd-analyze security --offline: exposure $score (<= 2.0), user cpumodeld, no capabilities"
fi
if command -v systemd-sysusers >/dev/null; then
  mkdir -p "$T/root/etc"
  echo "kvm:x:993:" >"$T/root/etc/group"
  : >"$T/root/etc/passwd"
  systemd-sysusers --root="$T/root" - <"$SRC/systemd/cpumodeld.sysusers" >/dev/null 2>&1 || fail "sysusers.d file rejected"
  grep -q '^cpumodeld:' "$T/root/etc/passwd" && grep -q '^kvm:x:993:cpumodeld$' "$T/root/etc/group" ||
    fail "sysusers: $(cat "$T/root/etc/passwd" "$T/root/etc/group")"
  ok "systemd/cpumodeld.sysusers creates user cpumodeld in group kvm"
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

# --- the state directory: the daemon's own, not writable by others (item 5)
mkdir -p "$T/open-state" && chmod 0777 "$T/open-state"
rc=0; "$CPUMODELD" serve --snapshot "$(fixture INTEL_ICELAKE_6.1)" --socket "$T/o.sock" --state-dir "$T/open-state" >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "mode 0777 lets others write" "$T/err" || fail "a world-writable state dir: rc $rc $(cat "$T/err")"
ln -s "$T/state-conf" "$T/link-state"
rc=0; "$CPUMODELD" serve --snapshot "$(fixture INTEL_ICELAKE_6.1)" --socket "$T/o.sock" --state-dir "$T/link-state" >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "symbolic link" "$T/err" || fail "a symlinked state dir: rc $rc $(cat "$T/err")"
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$T/other-state" && chown 65534 "$T/other-state"
  rc=0; "$CPUMODELD" serve --snapshot "$(fixture INTEL_ICELAKE_6.1)" --socket "$T/o.sock" --state-dir "$T/other-state" >/dev/null 2>"$T/err" || rc=$?
  [ "$rc" = 2 ] && grep -q "owned by uid 65534" "$T/err" || fail "a state dir of another user: rc $rc $(cat "$T/err")"
fi
ok "the state directory is refused when world-writable, a symlink or another user's"

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
  --socket "$T/not-used.sock" --set tcp_insecure=yes >"$T/act.log" 2>&1 &
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

# --- listen_tcp under socket activation (issue 12 item 4): honoured when
# systemd passes only the Unix socket, refused clearly when it passes TCP too
US2=$T/act2.sock
TP2="127.0.0.1:$((PORT0 + 4))"
systemd-socket-activate -l "$US2" "$CPUMODELD" serve --snapshot "$(fixture INTEL_SKYLAKE_6.1)" \
  --state-dir "$T/state-act2" --listen-tcp "$TP2" --set tcp_insecure=yes >"$T/act2.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -S "$US2" ] && break; sleep 0.1; done
wait_ready --socket "$US2" || fail "activated daemon (Unix only) did not answer"
wait_ready --connect "$TP2" || fail "listen_tcp ignored under socket activation: $(cat "$T/act2.log")"
US3=$T/act3.sock
systemd-socket-activate -l "$US3" -l "127.0.0.1:$((PORT0 + 5))" "$CPUMODELD" serve --snapshot "$(fixture INTEL_SKYLAKE_6.1)" \
  --state-dir "$T/state-act3" --listen-tcp "127.0.0.1:$((PORT0 + 6))" --set tcp_insecure=yes >"$T/act3.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -S "$US3" ] && break; sleep 0.1; done
"$CPUMODELD" query --socket "$US3" --timeout-ms 2000 --call org.varlink.service.GetInfo >/dev/null 2>&1 || true
for _ in $(seq 50); do grep -q "configure TCP in one place" "$T/act3.log" && break; sleep 0.1; done
grep -q "configure TCP in one place" "$T/act3.log" || fail "listen_tcp with passed TCP sockets not refused: $(cat "$T/act3.log")"
ok "listen_tcp under socket activation: served next to the passed Unix socket; with passed TCP sockets too, refused clearly"
echo "all activation checks passed"
