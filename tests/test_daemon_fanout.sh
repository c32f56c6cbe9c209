#!/usr/bin/env bash
# Issue 12 item 3: no fan-out amplification.  A real peer daemon sits behind
# a counting TCP relay (each connection through it is one fetch, held 1.5 s
# so calls overlap):
#  - 20 concurrent GetBaseline calls on the Unix socket: one fetch;
#  - 5 GetBaseline calls over TCP within peer_cache_ms (15 s): no new fetch, the
#    peer reported live with the age of what it answered;
#  - a local call fetches again; a TCP call after peer_cache_ms too.
source "$(dirname "$0")/daemon_lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v bc >/dev/null || skip "bc is not installed"

PEER=127.0.0.1:$((PORT0 + 1))
RELAY_PORT=$((PORT0 + 2))
TCP=127.0.0.1:$((PORT0 + 3))
S=$T/sock
start_daemon peer --snapshot "$(fixture INTEL_ICELAKE_6.1)" --socket "" --listen-tcp "$PEER"
wait_ready --connect "$PEER" || fail "peer did not come up"

cat >"$T/relay.py" <<'EOF2'
import socket, sys, threading, time
lport, dport, countfile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
n = 0
lock = threading.Lock()
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d: break
            b.sendall(d)
    except OSError:
        pass
    finally:
        try: b.shutdown(socket.SHUT_WR)
        except OSError: pass
def serve(c):
    global n
    with lock:
        n += 1
        open(countfile, "w").write("%d\n" % n)
    time.sleep(1.5)  # a slow peer: concurrent calls overlap this fetch
    u = socket.create_connection(("127.0.0.1", dport))
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
    pipe(c, u)
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", lport)); l.listen(64)
open(countfile, "w").write("0\n")
while True:
    c, _ = l.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF2
python3 "$T/relay.py" "$RELAY_PORT" "${PEER##*:}" "$T/count" &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$T/count" ] && break; sleep 0.1; done
count() { cat "$T/count"; }

start_daemon self --snapshot "$(fixture INTEL_SKYLAKE_6.1)" --socket "$S" --listen-tcp "$TCP" \
  --peer "127.0.0.1:$RELAY_PORT" --set peer_cache_ms=15000 --peer-timeout-ms 5000
wait_ready --socket "$S" || fail "daemon did not come up"

# 20 calls at once from one process (starting 20 clients could take longer than the fetch)
python3 - "$S" "$T" <<'EOF2' || fail "concurrent calls"
import json, socket, sys, threading
path, out = sys.argv[1], sys.argv[2]
def call(i):
    s = socket.socket(socket.AF_UNIX); s.settimeout(30); s.connect(path)
    s.sendall(b'{"method":"io.cpumodeld.GetBaseline","parameters":{}}\0')
    buf = b""
    while not buf.endswith(b"\0"):
        d = s.recv(1 << 20)
        if not d: break
        buf += d
    open("%s/c%d.json" % (out, i), "wb").write(buf.rstrip(b"\0"))
ts = [threading.Thread(target=call, args=(i,)) for i in range(1, 21)]
for t in ts: t.start()
for t in ts: t.join()
EOF2
for i in $(seq 20); do
  jq -e '.parameters.members[1].status == "live"' "$T/c$i.json" >/dev/null || fail "call $i: $(head -c 300 "$T/c$i.json")"
done
[ "$(count)" = 1 ] || fail "20 concurrent GetBaseline calls fetched the peer $(count) times"
ok "20 concurrent GetBaseline calls (Unix) share one fetch"

for i in $(seq 5); do
  vcall --connect "$TCP" io.cpumodeld.GetBaseline '{}' >"$T/t$i.json" || fail "TCP call $i"
done
[ "$(count)" = 1 ] || fail "TCP calls within peer_cache_ms fetched the peer again ($(count) fetches)"
jq -e '.parameters.members[1] | .status == "live" and (.age_s | type == "number") and .age_s <= 16' "$T/t5.json" >/dev/null ||
  fail "TCP member: $(jq -c '.parameters.members[1]' "$T/t5.json")"
vcall --connect "$TCP" io.cpumodeld.Compare '{"from":"INTEL_ICELAKE_6.1","to":"self"}' >/dev/null || fail "Compare over TCP"
[ "$(count)" = 1 ] || fail "Compare over TCP within peer_cache_ms fetched again"
ok "5 GetBaseline + a Compare over TCP within peer_cache_ms (15 s): no new fetch, the peer live with its age"

vcall --socket "$S" io.cpumodeld.GetBaseline '{}' >/dev/null || fail "local call"
t_fetch=$(date +%s.%N)
[ "$(count)" = 2 ] || fail "a local call did not fetch ($(count))"
sleep "$(echo "$t_fetch + 15.5 - $(date +%s.%N)" | bc)"
vcall --connect "$TCP" io.cpumodeld.GetBaseline '{}' >/dev/null || fail "TCP call after the cache age"
[ "$(count)" = 3 ] || fail "a TCP call after peer_cache_ms did not fetch ($(count))"
ok "local callers fetch; TCP callers fetch once the answer is older than peer_cache_ms"
