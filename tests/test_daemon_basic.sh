#!/usr/bin/env bash
# The daemon on its own: introspection, GetHost against the fixture's own
# values, Varlink errors, transport security (TCP read-only, SO_PEERCRED),
# hostile input (malformed, oversize, deep nesting, connection cap, idle
# timeout), drift across restarts, SIGHUP reload, SIGTERM exit.
source "$(dirname "$0")/daemon_lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed (raw socket checks)"

SKY=$(fixture INTEL_SKYLAKE_6.1)
SKY510=$(fixture INTEL_SKYLAKE_5.10)
S=$T/sock
P=$((PORT0 + 1))
cat >"$T/cpumodeld.conf" <<EOF
# test configuration
listen_unix = $S
listen_tcp = 127.0.0.1:$P
max_message_bytes = 65536
max_connections = 8
idle_timeout_ms = 1500
EOF
start_daemon a --config "$T/cpumodeld.conf" --snapshot "$SKY"
PID_A=$LAST_PID
wait_ready --socket "$S" || fail "daemon did not come up: $(cat "$T/a.log")"

# --- introspection
vcall --socket "$S" org.varlink.service.GetInfo >"$T/info.json" || fail "GetInfo"
jq -e '.parameters.interfaces | index("io.cpumodeld") and index("org.varlink.service")' "$T/info.json" >/dev/null ||
  fail "GetInfo does not list the interfaces"
jq -e '.parameters.interfaces | index("org.varlink.certification") | not' "$T/info.json" >/dev/null ||
  fail "certification served without --varlink-certification"
vcall --socket "$S" org.varlink.service.GetInterfaceDescription '{"interface":"io.cpumodeld"}' |
  jq -j .parameters.description >"$T/desc.varlink"
cmp -s "$T/desc.varlink" "$SRC/protocol/io.cpumodeld.varlink" || fail "the description is not protocol/io.cpumodeld.varlink"
ok "GetInfo, GetInterfaceDescription serve the checked-in contract"

# --- GetHost: the values come from the fixture file itself
vcall --socket "$S" io.cpumodeld.GetHost >"$T/host.json"
[ "$(jq -r .parameters.host.kernel "$T/host.json")" = "$(jq -r .kernel_version "$SKY")" ] || fail "kernel differs from the fixture"
[ "$(jq -r .parameters.host.microcode "$T/host.json")" = "$(jq -r .microcode_version "$SKY")" ] || fail "microcode differs"
[ "$(jq -r .parameters.host.arch "$T/host.json")" = x86_64 ] || fail "arch"
[ "$(jq -r '.parameters.host.features | length' "$T/host.json")" -gt 10 ] || fail "no feature vector"
jq -e '.parameters.host.drift.changed == false' "$T/host.json" >/dev/null || fail "drift on a first start"
# CPUID leaf 0 EBX of a GenuineIntel host is "Genu" (0x756e6547): a fact of the CPU, not of the code
jq -e '.parameters.host.features[] | select(.name == "CPUID.00.0.EBX") | .value | test("756e6547$")' "$T/host.json" >/dev/null ||
  fail "CPUID.0.EBX is not 'Genu'"
vcall --connect "127.0.0.1:$P" io.cpumodeld.GetHost '{"full":true}' >"$T/hostfull.json" || fail "GetHost over TCP"
jq -e '.parameters.snapshot.schema // .parameters.snapshot | type == "string" or type == "object"' "$T/hostfull.json" >/dev/null ||
  fail "GetHost full has no snapshot"
ok "GetHost matches the fixture (kernel, microcode, vendor id) on Unix and TCP"

# --- Varlink errors name what was wrong
expect_error() { # ERROR JQ-CHECK -- call args
  local want=$1 check=$2; shift 3
  local out rc=0
  out=$("$CPUMODELD" query "$@" 2>&1) || rc=$?
  [ "$rc" = 2 ] || fail "expected exit 2 for $*, got $rc: $out"
  echo "$out" | jq -e --arg w "$want" ".error == \$w and ($check)" >/dev/null || fail "expected $want for $*: $out"
}
expect_error org.varlink.service.MethodNotFound '.parameters.method == "io.cpumodeld.Nope"' -- --socket "$S" --call io.cpumodeld.Nope
expect_error org.varlink.service.InterfaceNotFound '.parameters.interface == "com.example.x"' -- --socket "$S" --call com.example.x.Y
expect_error org.varlink.service.InvalidParameter '.parameters.parameter == "full"' -- --socket "$S" --call io.cpumodeld.GetHost '{"full":"yes"}'
expect_error io.cpumodeld.NoSuchModel '.parameters.name == "nope"' -- --socket "$S" --call io.cpumodeld.GetModel '{"name":"nope"}'
expect_error io.cpumodeld.NoSuchPeer '.parameters.peer == "10.1.2.3:1"' -- --socket "$S" --call io.cpumodeld.GetBaseline '{"peers":["10.1.2.3:1"]}'
ok "errors: MethodNotFound, InterfaceNotFound, InvalidParameter, NoSuchModel, NoSuchPeer (never dials a requested host)"

# --- security: TCP is read-only
expect_error io.cpumodeld.PermissionDenied '.parameters.method == "io.cpumodeld.PinModel"' -- --connect "127.0.0.1:$P" --call io.cpumodeld.PinModel '{"name":"x"}'
expect_error io.cpumodeld.PermissionDenied 'true' -- --connect "127.0.0.1:$P" --call io.cpumodeld.Reprobe
expect_error io.cpumodeld.PermissionDenied 'true' -- --connect "127.0.0.1:$P" --call io.cpumodeld.UnpinModel '{"name":"x"}'
"$CPUMODELD" pin --connect "127.0.0.1:$P" x 2>/dev/null && fail "pin over TCP succeeded"
ok "TCP serves read-only methods only"

# --- security: SO_PEERCRED on the Unix socket
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
  chmod 0755 "$T" # only the socket's own mode may keep nobody out
  [ "$(stat -c %a "$S")" = 660 ] || fail "socket mode is $(stat -c %a "$S"), not 660"
  rc=0; asnobody "$CPUMODELD" query --socket "$S" --call io.cpumodeld.GetHost >/dev/null 2>&1 || rc=$?
  [ "$rc" = 3 ] || fail "nobody reached a 0660 socket (rc $rc)"
  S2=$T/open.sock
  start_daemon open --snapshot "$SKY" --socket "$S2" --set socket_mode=0666
  wait_ready --socket "$S2" || fail "second daemon"
  asnobody "$CPUMODELD" query --socket "$S2" --call io.cpumodeld.GetHost >/dev/null || fail "nobody cannot read over 0666"
  out=$(asnobody "$CPUMODELD" query --socket "$S2" --call io.cpumodeld.PinModel '{"name":"x"}' 2>&1) && fail "nobody pinned"
  echo "$out" | jq -e '.error == "io.cpumodeld.PermissionDenied"' >/dev/null || fail "nobody: $out"
  "$CPUMODELD" pin --socket "$S2" rootpin >/dev/null || fail "root cannot pin"
  ok "Unix socket: mode 0660 keeps others out; a reader that is not root/group cannot pin (SO_PEERCRED)"
else
  echo "# not root: SO_PEERCRED checks not run" >&2
fi

# --- hostile input: each gets an error and a closed connection; the daemon keeps serving
python3 - "$S" "$PID_A" <<'EOF' || fail "hostile input checks"
import socket, sys, json, time
path, pid = sys.argv[1], sys.argv[2]
def conn():
    s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(path); return s
def replies(s):
    buf = b""
    while True:
        try:
            d = s.recv(65536)
        except ConnectionResetError:
            break  # closed with our unread bytes: the reply came first
        if not d: break
        buf += d
    return [json.loads(m) for m in buf.split(b"\0") if m]
cases = {
    "malformed": b'{"method": "io.cpumodeld.GetHost", \0',
    "not an object": b'[1,2,3]\0',
    "deep nesting": b'{"method":"io.cpumodeld.GetHost","parameters":{"a":' + b'[' * 200 + b']' * 200 + b'}}\0',
    "oversize": b'{"method":"io.cpumodeld.GetHost","parameters":{"a":"' + b'x' * 70000,
    "no method": b'{"parameters":{}}\0',
}
for name, data in cases.items():
    s = conn()
    try:
        s.sendall(data)
    except BrokenPipeError:
        pass
    r = replies(s)  # the server closes: this returns
    assert r and r[-1].get("error") == "io.cpumodeld.InvalidMessage", (name, r)
    print("ok - %s: %s" % (name, r[-1]["parameters"]["reason"]))
# pipelining: two calls in one write, two replies in order
s = conn()
s.sendall(b'{"method":"org.varlink.service.GetInfo"}\0{"method":"io.cpumodeld.ListModels"}\0')
buf = b""
while buf.count(b"\0") < 2:
    buf += s.recv(65536)
a, b = [json.loads(m) for m in buf.split(b"\0")[:2]]
assert "interfaces" in a["parameters"] and "models" in b["parameters"], (a, b)
print("ok - pipelined calls answered in order")
# oneway: no reply, the connection stays usable
s.sendall(b'{"method":"io.cpumodeld.ListModels","oneway":true}\0{"method":"org.varlink.service.GetInfo"}\0')
buf = b""
while buf.count(b"\0") < 1:
    buf += s.recv(65536)
assert "interfaces" in json.loads(buf.split(b"\0")[0])["parameters"]
print("ok - oneway call not answered")
s.close()
# connection cap (8): extra connections are closed at once, the first ones work
def closed_by_server(sock):
    try:
        return sock.recv(10) == b""
    except ConnectionResetError:
        return True
time.sleep(0.5)  # earlier connections are gone from the daemon's count
held = [conn() for _ in range(8)]
time.sleep(0.3)
extra = conn()
assert closed_by_server(extra), "a connection over the cap was served"
held[0].sendall(b'{"method":"org.varlink.service.GetInfo"}\0')
assert b"interfaces" in held[0].recv(65536)
for h in held: h.close()
time.sleep(0.3)
print("ok - connections over max_connections are refused, others served")
# idle timeout (1.5 s): an idle connection is closed by the server
s = conn()
s.settimeout(6)
t0 = time.time()
assert closed_by_server(s)
dt = time.time() - t0
assert 1.0 < dt < 4.0, dt
print("ok - idle connection closed after %.1f s" % dt)
# a client that pipelines calls and never reads: the daemon stops reading it
# (bounded output queue) instead of buffering every reply
def rss_kib():
    for line in open("/proc/%s/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
before = rss_kib()
s = conn()
s.setblocking(False)
call = b'{"method":"io.cpumodeld.GetHost","parameters":{"full":true}}\0'
sent = 0
t0 = time.time()
while time.time() - t0 < 1.0 and sent < 20000:
    try:
        s.send(call); sent += 1
    except BlockingIOError:
        time.sleep(0.05)
    except (BrokenPipeError, ConnectionResetError):
        break  # dropping such a client is a defence too
time.sleep(0.5)
grown = rss_kib() - before
s.close()
assert grown < 96 * 1024, "daemon grew by %d KiB for %d unread calls" % (grown, sent)
print("ok - %d pipelined calls never read: daemon grew %d KiB only" % (sent, grown))
# a client trickling one byte of a message every 0.3 s is not "active"
s = conn()
t0 = time.time()
closed = False
while time.time() - t0 < 6:
    try:
        s.sendall(b" " if time.time() - t0 > 0.1 else b'{"method":')
    except (BrokenPipeError, ConnectionResetError):
        closed = True
        break
    time.sleep(0.3)
dt = time.time() - t0
assert closed and dt < 4.5, (closed, dt)
print("ok - trickled partial message closed after %.1f s" % dt)
EOF
vcall --socket "$S" org.varlink.service.GetInfo >/dev/null || fail "daemon stopped serving after hostile input"
kill -0 "$PID_A" || fail "daemon died"
ok "hostile input handled; the daemon still serves"

# --- drift: restart on the same state directory with a different kernel
kill -TERM "$PID_A"
rc=0; wait "$PID_A" || rc=$?
[ "$rc" = 0 ] || fail "SIGTERM exit status $rc: $(cat "$T/a.log")"
[ -e "$S" ] && fail "socket left behind after SIGTERM"
ok "SIGTERM: clean exit, socket removed"
start_daemon a2 --config "$T/cpumodeld.conf" --snapshot "$SKY510" --state-dir "$T/state-a"
wait_ready --socket "$S" || fail "restart"
vcall --socket "$S" io.cpumodeld.GetHost >"$T/host2.json"
jq -e --arg old "$(jq -r .kernel_version "$SKY")" --arg new "$(jq -r .kernel_version "$SKY510")" \
  '.parameters.host.drift.changed and (.parameters.host.drift.changes[] | select(.what == "kernel") | .old == $old and .new == $new)' \
  "$T/host2.json" >/dev/null || fail "kernel drift not reported: $(jq -c .parameters.host.drift "$T/host2.json" | head -c 600)"
[ -s "$T/state-a/host.prev.json" ] || fail "previous snapshot not kept"
"$CPUMODELD" query --socket "$S" | grep -q "drift: .* changed" || fail "query does not show the drift"
# Reprobe with nothing changed: no drift
"$CPUMODELD" reprobe --socket "$S" --json >"$T/re.json"
jq -e '.host.drift.changed == false' "$T/re.json" >/dev/null || fail "reprobe reports drift"
jq -e '.host.drift.last_change.changes[] | select(.what == "kernel")' "$T/re.json" >/dev/null ||
  fail "the last change is forgotten after a reprobe: $(jq -c .host.drift "$T/re.json" | head -c 300)"
ok "drift across restart (kernel old -> new), previous snapshot kept, reprobe"

# --- SIGHUP re-reads the configuration
echo "peer = 127.0.0.1:$((PORT0 + 9))" >>"$T/cpumodeld.conf"
kill -HUP "$LAST_PID"
for _ in $(seq 50); do
  vcall --socket "$S" io.cpumodeld.GetBaseline >"$T/b.json" 2>/dev/null &&
    jq -e '.parameters.members | length == 2' "$T/b.json" >/dev/null && break
  sleep 0.1
done
jq -e --arg a "127.0.0.1:$((PORT0 + 9))" '.parameters.members[1] | .address == $a and .status == "missing"' "$T/b.json" >/dev/null ||
  fail "SIGHUP did not add the peer: $(cat "$T/b.json" | head -c 400)"
jq -e --arg a "127.0.0.1:$((PORT0 + 9))" '.parameters.unreachable == [$a]' "$T/b.json" >/dev/null || fail "unreachable list"
ok "SIGHUP reloads the configuration (new peer reported missing)"
echo "all daemon basic checks passed"
