#!/usr/bin/env python3
"""Soak (issue 12 item 10): mixed clients, faulty peers and kill -9 for a
while, then the figures.  Passes when no daemon died on its own, no
acknowledged pin was lost, and the RSS of the long-lived daemons stayed flat.

usage: soak.py CPUMODELD FIXTURE_DIR SECONDS WORKDIR
"""
import json, os, random, signal, socket, subprocess, sys, threading, time

cpumodeld, fix, seconds, work = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
base = 21000 + os.getpid() % 5000
fx = lambda h: "%s/fingerprint_%shost.json" % (fix, h)
stop = threading.Event()
stats = {"calls": 0, "errors": 0, "kills": 0, "pins_acked": 0, "lost_pins": 0, "garbage": 0, "hogs": 0}
lock = threading.Lock()

def bump(k, n=1):
    with lock:
        stats[k] += n

def rss_kb(pid):
    try:
        for l in open("/proc/%d/status" % pid):
            if l.startswith("VmRSS:"):
                return int(l.split()[1])
    except OSError:
        return None

def start(name, args):
    log = open("%s/%s.log" % (work, name), "a")
    # plain TCP, said explicitly (tcp_insecure): the soak's clients speak raw Varlink over sockets
    return subprocess.Popen([cpumodeld, "serve", "--state-dir", "%s/state-%s" % (work, name),
                             "--set", "tcp_insecure=yes"] + args,
                            stdout=log, stderr=subprocess.STDOUT)

def wait_ready(addr):
    for _ in range(100):
        try:
            call(addr, "org.varlink.service.GetInfo", {}, timeout=1)
            return True
        except Exception:
            time.sleep(0.1)
    return False

def connect(addr, timeout):
    if addr.startswith("/"):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(timeout)
        s.connect(addr)
    else:
        h, p = addr.rsplit(":", 1)
        s = socket.create_connection((h, int(p)), timeout=timeout)
    return s

def call(addr, method, params, timeout=10):
    s = connect(addr, timeout)
    try:
        s.sendall(json.dumps({"method": method, "parameters": params}).encode() + b"\0")
        buf = b""
        while not buf.endswith(b"\0"):
            d = s.recv(1 << 20)
            if not d:
                raise ConnectionError("closed")
            buf += d
        return json.loads(buf[:-1])
    finally:
        s.close()

# --- peers: three real daemons (never killed: their RSS must stay flat) and a faulty one
peers = []
for i, h in enumerate(["INTEL_ICELAKE_6.1", "INTEL_SKYLAKE_5.10", "AMD_MILAN_5.10"]):
    a = "127.0.0.1:%d" % (base + 1 + i)
    peers.append((a, start("peer%d" % i, ["--snapshot", fx(h), "--socket", "", "--listen-tcp", a])))
for a, _ in peers:
    assert wait_ready(a), "peer %s did not come up" % a
faulty = "127.0.0.1:%d" % (base + 8)

def faulty_peer():
    l = socket.socket()
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("127.0.0.1", base + 8))
    l.listen(64)
    l.settimeout(0.5)
    while not stop.is_set():
        try:
            c, _ = l.accept()
        except socket.timeout:
            continue
        mode = random.choice(["garbage", "hang", "close", "huge", "error", "trickle"])
        def serve(c=c, mode=mode):
            try:
                c.recv(4096)
                if mode == "garbage":
                    c.sendall(os.urandom(512) + b"\0")
                elif mode == "hang":
                    time.sleep(5)
                elif mode == "huge":
                    c.sendall(b'{"parameters":{"snapshot":"' + b"x" * (1 << 20))
                elif mode == "error":
                    c.sendall(b'{"error":"io.cpumodeld.Nope","parameters":{}}\0')
                elif mode == "trickle":
                    for b in b'{"parameters":{"snapshot":{}}}\0':
                        c.send(bytes([b]))
                        time.sleep(0.1)
            except OSError:
                pass
            finally:
                c.close()
        threading.Thread(target=serve, daemon=True).start()
threading.Thread(target=faulty_peer, daemon=True).start()

sock = "%s/self.sock" % work
tcp = "127.0.0.1:%d" % (base + 9)
self_args = ["--snapshot", fx("INTEL_SKYLAKE_6.1"), "--socket", sock, "--listen-tcp", tcp,
             "--peer-timeout-ms", "1000", "--set", "send_timeout_ms=2000", "--set", "idle_timeout_ms=3000"]
for a, _ in peers:
    self_args += ["--peer", a]
self_args += ["--peer", faulty, "--peer", "127.0.0.1:%d" % (base + 7)]  # the last one never up
self_proc = start("self", self_args)
assert wait_ready(sock), "self did not come up"
self_lock = threading.Lock()

# --- clients
def reader(addr, methods):
    while not stop.is_set():
        m, p = random.choice(methods)
        try:
            r = call(addr, m, p, timeout=15)
            bump("calls")
            if "error" in r and r["error"] not in ("io.cpumodeld.NoSuchHost",):
                bump("errors")
        except Exception:
            bump("errors")  # the daemon may be down for a moment (kill -9)
            time.sleep(0.2)

def hostile():
    while not stop.is_set():
        try:
            s = connect(tcp, 2)
            kind = random.choice(["garbage", "hog", "idle", "partial"])
            if kind == "garbage":
                s.sendall(os.urandom(random.randint(1, 3000)) + b"\0")
                bump("garbage")
            elif kind == "hog":
                s.setblocking(False)
                try:
                    s.send(b'{"method":"io.cpumodeld.GetHost","parameters":{"full":true}}\0' * 500)
                except OSError:
                    pass
                bump("hogs")
                time.sleep(3)
            elif kind == "idle":
                time.sleep(1)
            else:
                s.sendall(b'{"method":"io.cpumodeld.Get')
                time.sleep(1)
            s.close()
        except Exception:
            time.sleep(0.2)

acked = {"gen": 0}
def pinner():
    while not stop.is_set():
        try:
            r = call(sock, "io.cpumodeld.PinModel", {"name": "soak", "replace": True, "peers": ["self", peers[0][0]]},
                     timeout=15)
            if "parameters" in r:
                acked["gen"] = max(acked["gen"], r["parameters"]["info"]["generation"])
                bump("pins_acked")
        except Exception:
            time.sleep(0.2)

def killer():
    global self_proc
    while not stop.wait(random.uniform(15, 30)):
        with self_lock:
            before = acked["gen"]
            self_proc.send_signal(signal.SIGKILL)
            self_proc.wait()
            bump("kills")
            self_proc = start("self", self_args)
        if not wait_ready(sock):
            print("FAIL: self did not come back after kill -9")
            stop.set()
            return
        r = call(sock, "io.cpumodeld.GetModel", {"name": "soak"}) if before else {"parameters": {"info": {"generation": 0}}}
        gen = r.get("parameters", {}).get("info", {}).get("generation", -1)
        if gen < before:
            bump("lost_pins")
            print("FAIL: pin generation %d acknowledged, %d after kill -9" % (before, gen))

unix_methods = [("io.cpumodeld.GetHost", {}), ("io.cpumodeld.GetHost", {"full": True}),
                ("io.cpumodeld.GetBaseline", {}), ("io.cpumodeld.Compare", {"from": "self", "to": "self"}),
                ("io.cpumodeld.ListModels", {}), ("io.cpumodeld.GetPlan", {"model": "soak"})]
tcp_methods = [("io.cpumodeld.GetHost", {}), ("io.cpumodeld.GetBaseline", {}),
               ("io.cpumodeld.Compare", {"from": "INTEL_ICELAKE_6.1", "to": "self"})]
threads = [threading.Thread(target=reader, args=(sock, unix_methods)) for _ in range(3)]
threads += [threading.Thread(target=reader, args=(tcp, tcp_methods)) for _ in range(2)]
threads += [threading.Thread(target=hostile) for _ in range(3)]
threads += [threading.Thread(target=pinner), threading.Thread(target=killer)]
for t in threads:
    t.daemon = True
    t.start()

t0 = time.time()
samples = []  # (t, [peer RSS...])
died = []
while time.time() - t0 < seconds and not stop.is_set():
    time.sleep(10)
    samples.append((time.time() - t0, [rss_kb(p.pid) for _, p in peers]))
    for a, p in peers:
        if p.poll() is not None:
            died.append("peer %s exit %s" % (a, p.returncode))
    with self_lock:
        if self_proc.poll() is not None:
            died.append("self exit %s" % self_proc.returncode)
    if died:
        break
stop.set()
time.sleep(1)
with self_lock:
    self_rss = rss_kb(self_proc.pid)
# the pin survives one last kill -9
gen_before = acked["gen"]
self_proc.send_signal(signal.SIGKILL); self_proc.wait()
self_proc = start("self", self_args)
wait_ready(sock)
gen_after = call(sock, "io.cpumodeld.GetModel", {"name": "soak"})["parameters"]["info"]["generation"] if gen_before else 0
if gen_after < gen_before:
    stats["lost_pins"] += 1
for p in [self_proc] + [p for _, p in peers]:
    p.send_signal(signal.SIGTERM)
for p in [self_proc] + [p for _, p in peers]:
    p.wait()

# RSS flat: after the first minute (allocator warm-up), the last sample is
# within 10% (or 2 MiB) of the first one, for every long-lived daemon
warm = [s for s in samples if s[0] >= 60] or samples
first, last = warm[0][1], warm[-1][1]
flat = all(l is not None and f is not None and l - f <= max(2048, f // 10) for f, l in zip(first, last))
print("soak: %.0f s, %d calls answered, %d client-side errors (incl. while self was down), %d garbage messages, "
      "%d non-reading clients" % (time.time() - t0, stats["calls"], stats["errors"], stats["garbage"], stats["hogs"]))
print("soak: %d kill -9 of self, %d pins acknowledged, last generation %d, after the final kill -9 %d, lost pins %d"
      % (stats["kills"], stats["pins_acked"], gen_before, gen_after, stats["lost_pins"]))
print("soak: peer RSS (KiB) at %.0f s %s, at %.0f s %s; self RSS at the end of its last life %s KiB"
      % (warm[0][0], first, warm[-1][0], last, self_rss))
print("soak: daemons that died on their own: %s" % (died or "none"))
ok = not died and stats["lost_pins"] == 0 and flat
print("soak: %s" % ("PASS" if ok else "FAIL (flat RSS: %s)" % flat))
sys.exit(0 if ok else 1)
