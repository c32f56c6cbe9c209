#!/usr/bin/env bash
# Issue 12 item 8: name resolution on SIGHUP and the group lookups of local
# callers never hold up the other clients.  Both sources are made slow for
# real, in a private mount and network namespace (root, unshare -m -n):
#  (b) the peer's name is resolved through a DNS server on loopback (a small
#      Python UDP responder, named in a private /etc/resolv.conf bind-mounted
#      over the real one) that holds its answers for 3 s;
#  (c) group membership comes from NSS "files": /etc/passwd is a copy under a
#      write lease held by this test, so the lookup's open(2) waits until the
#      test lets go (the kernel tells the holder, SIGIO, that someone waits).
# Meanwhile every GetHost must answer within 100 ms (250 ms under ASan); afterwards the results
# must be the right ones (the peer live under its resolved address; a user
# in the socket's group through /etc/group may write, another may not; a
# cached answer needs no new lookup).
if [ -z "${CPUMODELD_LOOP_NS:-}" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "SKIP: not root: a private /etc/resolv.conf and /etc/passwd need unshare -m -n and bind mounts" >&2
    exit 77
  fi
  if ! unshare -m -n true 2>/dev/null; then
    echo "SKIP: unshare -m -n is not possible here (no mount/network namespaces)" >&2
    exit 77
  fi
  CPUMODELD_LOOP_NS=1 exec unshare -m -n bash "$0" "$@"
fi
source "$(dirname "$0")/daemon_lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v ip >/dev/null || skip "ip (iproute2) is not installed"
ip link set lo up || fail "cannot bring up loopback in the new network namespace"
chmod 0711 "$T" # the unprivileged callers below reach the socket inside

# --- a slow DNS server on 127.0.0.1:53 (this namespace's own loopback) ------
cat >"$T/dns.py" <<'EOF'
import socket, struct, sys, threading, time
delay_file, log = sys.argv[1], open(sys.argv[2], "a", buffering=1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
def answer(q, peer):
    tid, flags, qd = struct.unpack(">HHH", q[:6])
    i, labels = 12, []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode()); i += 1 + q[i]
    name, qtype = ".".join(labels).lower(), struct.unpack(">H", q[i + 1:i + 3])[0]
    question = q[12:i + 5]
    log.write("query %s %d %.3f\n" % (name, qtype, time.time()))
    time.sleep(float(open(delay_file).read()))
    if name != "slowpeer.test":
        r = struct.pack(">HHHHHH", tid, 0x8183, 1, 0, 0, 0) + question   # NXDOMAIN
    elif qtype == 1:
        r = (struct.pack(">HHHHHH", tid, 0x8180, 1, 1, 0, 0) + question +
             struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton("127.0.0.1"))
    else:
        r = struct.pack(">HHHHHH", tid, 0x8180, 1, 0, 0, 0) + question   # no AAAA
    s.sendto(r, peer)
    log.write("answer %s %d %.3f\n" % (name, qtype, time.time()))
while True:
    q, peer = s.recvfrom(512)
    threading.Thread(target=answer, args=(q, peer), daemon=True).start()
EOF
echo 0 >"$T/dns.delay"
python3 "$T/dns.py" "$T/dns.delay" "$T/dns.log" 2>"$T/dns.err.log" &
PIDS+=("$!")
printf 'nameserver 127.0.0.1\noptions timeout:15 attempts:1\n' >"$T/resolv.conf"
mount --bind "$T/resolv.conf" /etc/resolv.conf || skip "cannot bind-mount a private /etc/resolv.conf"
for _ in $(seq 100); do getent hosts slowpeer.test >/dev/null && break; sleep 0.1; done
[ "$(getent hosts slowpeer.test | awk '{print $1}')" = 127.0.0.1 ] ||
  fail "the loopback DNS server does not answer: $(cat "$T/dns.err.log" "$T/dns.log" 2>/dev/null)"

# --- a peer reachable only by its name, and the daemon under test -----------
PORT=$((PORT0 + 7))
start_daemon peer --snapshot "$(fixture INTEL_CASCADELAKE_6.1)" --socket "" --listen-tcp "127.0.0.1:$PORT"
S=$T/sock
cat >"$T/a.conf" <<EOF
peer = slowpeer.test:$PORT
peer_timeout_ms = 10000
socket_mode = 0666
EOF
start_daemon a --config "$T/a.conf" --snapshot "$(fixture INTEL_SKYLAKE_6.1)" --socket "$S"
PID=$LAST_PID
wait_ready --socket "$S" || fail "daemon did not come up: $(cat "$T/a.log")"
wait_ready --connect "127.0.0.1:$PORT" || fail "peer did not come up: $(cat "$T/peer.log")"

# --- copies of /etc/passwd and /etc/group: the test's user database ---------
cp /etc/passwd "$T/passwd"
sed 's/^root:\([^:]*\):0:.*/root:\1:0:nobody/' /etc/group >"$T/group"
grep -q '^nobody:[^:]*:65534:' "$T/passwd" || skip "no user nobody (uid 65534) in /etc/passwd"
grep -q '^daemon:[^:]*:1:' "$T/passwd" || skip "no user daemon (uid 1) in /etc/passwd"
mount --bind "$T/passwd" /etc/passwd && mount --bind "$T/group" /etc/group || skip "cannot bind-mount /etc/passwd"

PYTHONPATH=$SRC/tests python3 - "$S" "$PID" "$T" "$PORT" <<'EOF' || fail "see above"
import fcntl, json, os, signal, sys, time
from daemon_latency import *
path, pid, T, port = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
LIMIT, DELAY = limit_ms(), 3.0

def members():
    r, ms = call(path, "io.cpumodeld.GetBaseline", timeout=30)
    assert "parameters" in r, r
    return {m["address"]: m for m in r["parameters"]["members"]}, ms

def dns_queries():
    return [l.split() for l in open(T + "/dns.log") if l.startswith("query slowpeer.test")]

summary("idle (reference, same run)", gethost_latencies(path, 1.0), LIMIT)

# (b) start: the name was resolved through our DNS server, the peer is live
m, _ = members()
peer = m["slowpeer.test:" + port]
assert peer["status"] == "live", peer
assert dns_queries(), "the daemon never asked the DNS server for slowpeer.test"
print("ok - at start: slowpeer.test resolved through the loopback DNS server, peer live")

# (b) SIGHUP with a DNS server that holds its answers for 3 s
open(T + "/dns.delay", "w").write(str(DELAY))
n0 = len(dns_queries())
os.kill(pid, signal.SIGHUP)
end = time.monotonic() + 10
while len(dns_queries()) == n0:
    assert time.monotonic() < end, "no DNS query after SIGHUP"
    time.sleep(0.01)
t_query = time.monotonic()
bl = connect(path); send(bl, "io.cpumodeld.GetBaseline")   # needs the peer: waits for the name
lat = gethost_latencies(path, DELAY - 0.5)
summary("while the peer's name resolves (DNS answers after %.0f s)" % DELAY, lat, LIMIT)
assert not answered(bl), "GetBaseline answered before the peer's name was resolved"
rep = receive(bl); bl.close()
took = time.monotonic() - t_query
mem = {x["address"]: x for x in rep["parameters"]["members"]}
assert mem["slowpeer.test:" + port]["status"] == "live", mem
assert took >= DELAY - 0.5, took
print("ok - GetBaseline during the resolution waited for it (%.1f s) and found the peer live" % took)
open(T + "/dns.delay", "w").write("0")

# (c) a user in the socket's group only through /etc/group, NSS held up by a
# lease on /etc/passwd
def as_user(uid, gid, method, params):
    """Calls `method` as uid:gid in a child process; returns (pid, fd to read the reply from)."""
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.close(r)
            os.setgroups([]); os.setgid(gid); os.setuid(uid)
            s = connect(path); send(s, method, params)
            os.write(w, json.dumps(receive(s, 60)).encode())
        finally:
            os._exit(0)
    os.close(w)
    return child, r

def result(child, fd, wait):
    if not select.select([fd], [], [], wait)[0]:
        return None
    data = b""
    while True:
        d = os.read(fd, 65536)
        if not d:
            break
        data += d
    os.close(fd); os.waitpid(child, 0)
    return json.loads(data)

broke = []
signal.signal(signal.SIGIO, lambda *a: broke.append(time.monotonic()))
lease = os.open(T + "/passwd", os.O_RDWR)
fcntl.fcntl(lease, fcntl.F_SETLEASE, fcntl.F_WRLCK)
child, fd = as_user(65534, 65534, "io.cpumodeld.UnpinModel", {"name": "nosuch"})
end = time.monotonic() + 10
while not broke:
    assert time.monotonic() < end, "nobody opened /etc/passwd: no group lookup started"
    time.sleep(0.01)
print("the group lookup for uid 65534 waits on /etc/passwd (lease held by the test)")
lat = gethost_latencies(path, 2.0)
summary("while a caller's group lookup waits on NSS", lat, LIMIT)
assert result(child, fd, 0) is None, "the writing call was answered before its caller's groups were known"
fcntl.fcntl(lease, fcntl.F_SETLEASE, fcntl.F_UNLCK)
rep = result(child, fd, 10)
assert rep and rep.get("error") == "io.cpumodeld.NoSuchModel", rep
print("ok - uid 65534 (in group root by /etc/group) may write once the lookup answered: %s" % rep["error"])

# the answer is cached: no new lookup (the lease is held again, nothing breaks it)
broke.clear()
fcntl.fcntl(lease, fcntl.F_SETLEASE, fcntl.F_WRLCK)
t0 = time.monotonic()
child, fd = as_user(65534, 65534, "io.cpumodeld.UnpinModel", {"name": "nosuch"})
rep = result(child, fd, 5)
ms = (time.monotonic() - t0) * 1000
assert rep and rep.get("error") == "io.cpumodeld.NoSuchModel" and not broke, (rep, broke)
fcntl.fcntl(lease, fcntl.F_SETLEASE, fcntl.F_UNLCK)
print("ok - cached membership: answered in %.0f ms without a lookup" % ms)

# a user not in the group: refused (the lookup runs, nothing held)
child, fd = as_user(1, 1, "io.cpumodeld.UnpinModel", {"name": "nosuch"})
rep = result(child, fd, 10)
assert rep and rep.get("error") == "io.cpumodeld.PermissionDenied", rep
print("ok - uid 1 (not in the group): %s" % rep["error"])
os.close(lease)
EOF
kill -0 "$PID" || fail "the daemon died: $(tail "$T/a.log")"
ok "GetHost answered within the limit during a slow resolver and a slow group lookup"
