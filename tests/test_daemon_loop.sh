#!/usr/bin/env bash
# Issue 12 item 8: a slow Reprobe never holds up the other clients.
# The refresh runs in a child process that reads --snapshot under a shared
# flock; this test holds an exclusive flock on the file, so the Reprobe is
# slow for real (its child waits in flock(2), seen in /proc/locks), and
# meanwhile every GetHost (a new connection each, like the libvirt hook)
# must answer within 100 ms (250 ms in the sanitizer build).  Then:
#   1. the file is rewritten under the lock and released: the Reprobe answers
#      with the new content and reports the drift;
#   2. the waiting child is killed (SIGKILL): the Reprobe fails naming the
#      signal, the previous snapshot stays served, the daemon lives on;
#   3. a refresh held past probe_timeout_ms is stopped and reported;
#   4. two Reprobes during one held refresh are both answered.
source "$(dirname "$0")/daemon_lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed"

SNAP=$T/host.json
cp "$(fixture INTEL_SKYLAKE_6.1)" "$SNAP"
OTHER=$(fixture INTEL_CASCADELAKE_6.1)
cmp -s "$SNAP" "$OTHER" && fail "the two fixtures are identical: no drift to see"
S=$T/sock
TIMEOUT_MS=5000
start_daemon one --snapshot "$SNAP" --socket "$S" --set probe_timeout_ms=$TIMEOUT_MS
PID=$LAST_PID
wait_ready --socket "$S" || fail "daemon did not come up: $(cat "$T/one.log")"

PYTHONPATH=$SRC/tests python3 - "$S" "$PID" "$SNAP" "$OTHER" "$TIMEOUT_MS" <<'EOF' || fail "see above"
import fcntl, os, signal, sys, time
from daemon_latency import *
path, pid, snap, other, timeout_ms = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
LIMIT = limit_ms()
ino = os.stat(snap).st_ino

def waiting_child(deadline=10):
    """The pid blocked on our flock of the snapshot (/proc/locks '->' lines)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        for line in open("/proc/locks"):
            f = line.split()
            if len(f) > 5 and f[1] == "->" and f[6].split(":")[-1] == str(ino):
                return int(f[5])
        time.sleep(0.01)
    raise AssertionError("no process waits for the snapshot's lock: the refresh did not start")

def host():
    r, _ = call(path, "io.cpumodeld.GetHost")
    return r["parameters"]["host"]

before = host()
summary("idle (reference, same run)", gethost_latencies(path, 1.0), LIMIT)
lock = open(snap, "r+b")
all_lat = []

# 1. slow Reprobe: its child waits for our lock; GetHost answers meanwhile
fcntl.flock(lock, fcntl.LOCK_EX)
r1 = connect(path); send(r1, "io.cpumodeld.Reprobe")
w = waiting_child()
assert w != pid and ppid(w) == pid, "the lock waiter %d is not a child of the daemon %d" % (w, pid)
print("refresh child %d of daemon %d waits for the snapshot's lock" % (w, pid))
lat = gethost_latencies(path, 2.0); all_lat += lat
summary("during a held Reprobe", lat, LIMIT)
assert not answered(r1), "Reprobe answered while its snapshot was locked"
data = open(other, "rb").read()     # rewritten in place under the lock
lock.seek(0); lock.truncate(); lock.write(data); lock.flush()
t_rel = time.monotonic()
fcntl.flock(lock, fcntl.LOCK_UN)
rep = receive(r1); r1.close()
print("Reprobe answered %.0f ms after the lock was released" % ((time.monotonic() - t_rel) * 1000))
assert "parameters" in rep, rep
new = rep["parameters"]["host"]
assert new["features"] != before["features"], "Reprobe did not read the rewritten file"
assert new["drift"]["changed"] is True, new["drift"]
assert host()["features"] == new["features"], "GetHost does not serve the re-probed host"
print("ok - Reprobe waited for the lock, then served the new content (drift: %d change(s))"
      % len(new["drift"]["changes"]))

# 2. the child dies: the Reprobe fails, the host stays
fcntl.flock(lock, fcntl.LOCK_EX)
r2 = connect(path); send(r2, "io.cpumodeld.Reprobe")
w = waiting_child()
os.kill(w, signal.SIGKILL)
rep = receive(r2); r2.close()
fcntl.flock(lock, fcntl.LOCK_UN)
assert rep.get("error") == "io.cpumodeld.ProbeFailed", rep
msg = rep["parameters"]["message"]
assert "signal 9" in msg, msg
print("ok - killed refresh child: ProbeFailed: %s" % msg)
assert host()["features"] == new["features"], "the previous snapshot is no longer served"
os.kill(pid, 0)

# 3. a refresh held past probe_timeout_ms is stopped
fcntl.flock(lock, fcntl.LOCK_EX)
t0 = time.monotonic()
r3 = connect(path); send(r3, "io.cpumodeld.Reprobe")
waiting_child()
lat = gethost_latencies(path, timeout_ms / 1000 - 1.0); all_lat += lat
summary("during a Reprobe held to its timeout", lat, LIMIT)
rep = receive(r3); r3.close()
took = (time.monotonic() - t0) * 1000
fcntl.flock(lock, fcntl.LOCK_UN)
assert rep.get("error") == "io.cpumodeld.ProbeFailed", rep
assert "no result within %d ms" % timeout_ms in rep["parameters"]["message"], rep
assert timeout_ms <= took < timeout_ms + 3000, took
print("ok - held past probe_timeout_ms: stopped after %.0f ms: %s" % (took, rep["parameters"]["message"]))

# 4. two Reprobes while one refresh is held: both answered once it is free
fcntl.flock(lock, fcntl.LOCK_EX)
a = connect(path); send(a, "io.cpumodeld.Reprobe")
waiting_child()
b = connect(path); send(b, "io.cpumodeld.Reprobe")
lat = gethost_latencies(path, 1.0); all_lat += lat
assert not answered(a) and not answered(b)
fcntl.flock(lock, fcntl.LOCK_UN)
ra, rb = receive(a), receive(b)
assert "parameters" in ra and "parameters" in rb, (ra, rb)
print("ok - two Reprobes during one held refresh: both answered")
summary("all windows", all_lat, LIMIT)
EOF
kill -0 "$PID" || fail "the daemon died: $(tail "$T/one.log")"
ok "GetHost answered within the limit during every slow Reprobe"
