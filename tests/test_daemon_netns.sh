#!/usr/bin/env bash
# A multi-host cluster in network namespaces (ip netns + veth on a bridge in
# a hub namespace, addresses that exist only inside them): a peer goes down
# mid-run, a slow peer (stopped) outlives its timeout, a peer answers
# garbage.  Results are partial and say so; the daemon keeps serving; the
# fan-out is concurrent (all timeouts overlap).
source "$(dirname "$0")/daemon_lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root for ip netns"
command -v ip >/dev/null || skip "iproute2 is not installed"
command -v python3 >/dev/null || skip "python3 is not installed (the garbage peer)"

tag=$(($$ % 100000))
HUB=cmh$tag
NSS=()
cleanup_extra() {
  for p in "${PIDS[@]}"; do kill -CONT "$p" 2>/dev/null; done
  for n in "${NSS[@]}" "$HUB"; do ip netns del "$n" 2>/dev/null; done
}
ip netns add "$HUB" 2>/dev/null || skip "cannot create network namespaces here"
ip -n "$HUB" link add br0 type bridge || skip "no bridge support"
ip -n "$HUB" link set br0 up
NET=10.231.$((tag % 200)).
node() { # node I: namespace cmnTAG_I with address NET(I+1) on the hub's bridge
  local i=$1 ns=cmn${tag}_$1
  ip netns add "$ns"
  NSS+=("$ns")
  ip link add "cv${tag}x$i" type veth peer name eth0 netns "$ns"
  ip link set "cv${tag}x$i" netns "$HUB"
  ip -n "$HUB" link set "cv${tag}x$i" master br0 up
  ip -n "$ns" addr add "$NET$((i + 1))/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
}
for i in 0 1 2 3 4; do node $i || fail "cannot build node $i"; done
addr() { echo "$NET$(($1 + 1)):7474"; }
# (background jobs call ip netns exec directly: it execs, so $! is the process itself)
in_ns() { local i=$1; shift; ip netns exec "cmn${tag}_$i" "$@"; }
start_in() { # start_in I NAME FIXTURE
  ip netns exec "cmn${tag}_$1" "$CPUMODELD" serve --state-dir "$T/state-$2" --socket "" --listen-tcp "$(addr "$1")" --set tcp_insecure=yes \
    --snapshot "$(fixture "$3")" >"$T/$2.log" 2>&1 &
  PIDS+=("$!")
  LAST_PID=$!
}

start_in 1 n1 INTEL_ICELAKE_6.1;  P1=$LAST_PID
start_in 2 n2 INTEL_SKYLAKE_5.10; P2=$LAST_PID
start_in 3 n3 INTEL_CASCADELAKE_6.1; P3=$LAST_PID
# node 4: a peer that answers garbage (bounded: 120 s at most)
ip netns exec "cmn${tag}_4" timeout 120 python3 - "$NET""5" <<'EOF' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 7474)); s.listen(16); s.settimeout(1)
import time
end = time.time() + 115
while time.time() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    c.settimeout(2)
    try:
        c.recv(65536)
        c.sendall(b'{"parameters": {"snapshot": [[[garbage\x00')
    except OSError:
        pass
    c.close()
EOF
PIDS+=("$!")
for _ in $(seq 100); do # the garbage peer is listening
  in_ns 0 bash -c "exec 3<>/dev/tcp/${NET}5/7474" 2>/dev/null && break
  sleep 0.1
done
for i in 1 2 3; do
  ok=0
  for _ in $(seq 100); do
    in_ns 0 "$CPUMODELD" query --connect "$(addr $i)" --timeout-ms 500 --call org.varlink.service.GetInfo >/dev/null 2>&1 && { ok=1; break; }
    sleep 0.1
  done
  [ $ok = 1 ] || fail "node $i did not come up: $(cat "$T/n$i.log")"
done
S=$T/sock
ip netns exec "cmn${tag}_0" "$CPUMODELD" serve --state-dir "$T/state-n0" --socket "$S" --snapshot "$(fixture INTEL_SKYLAKE_6.1)" \
  --peer "$(addr 1)" --peer "$(addr 2)" --peer "$(addr 3)" --peer "$(addr 4)" --peer-timeout-ms 1000 --set tcp_insecure=yes >"$T/n0.log" 2>&1 &
P0=$!
PIDS+=("$P0")
wait_ready --socket "$S" || fail "node 0 did not come up"

status_of() { jq -r --arg a "$(addr "$2")" '.members[] | select(.address == $a) | .status' "$1"; }
error_of() { jq -r --arg a "$(addr "$2")" '.members[] | select(.address == $a) | .error // ""' "$1"; }
norm='del(.schema, .model.created, .model.source)'

# --- round 1: three good peers, one answering garbage
"$CPUMODELD" baseline --socket "$S" --json >"$T/r1.json" || true
[ "$(status_of "$T/r1.json" 1)$(status_of "$T/r1.json" 2)$(status_of "$T/r1.json" 3)" = livelivelive ] ||
  fail "round 1 statuses: $(jq -c '[.members[] | {address, status, error}]' "$T/r1.json")"
[ "$(status_of "$T/r1.json" 4)" = missing ] || fail "the garbage peer is not missing"
error_of "$T/r1.json" 4 | grep -qiE "malformed|JSON|snapshot" || fail "the garbage peer's error: $(error_of "$T/r1.json" 4)"
"$CPUMODELD" baseline --json "$(fixture INTEL_SKYLAKE_6.1)" "$(fixture INTEL_ICELAKE_6.1)" "$(fixture INTEL_SKYLAKE_5.10)" \
  "$(fixture INTEL_CASCADELAKE_6.1)" >"$T/off.json" || true
diff <(jq -S "$norm" <(jq .baseline "$T/r1.json")) <(jq -S "$norm" "$T/off.json") >/dev/null ||
  fail "round 1 baseline differs from the offline baseline of the 4 answering hosts"
ok "netns round 1: 3 peers live across veth, the garbage peer missing ($(error_of "$T/r1.json" 4 | head -c 60))"

# --- round 2: node 2 goes down, node 3 is stopped (slow: no answer within 1 s)
kill -KILL "$P2"; wait "$P2" 2>/dev/null
kill -STOP "$P3"
t0=$(date +%s%N)
"$CPUMODELD" baseline --socket "$S" --json >"$T/r2.json" || true
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$(status_of "$T/r2.json" 1)" = live ] || fail "round 2: node 1 not live"
[ "$(status_of "$T/r2.json" 2)" = cached ] || fail "round 2: the dead node is not cached: $(jq -c .members "$T/r2.json")"
[ "$(status_of "$T/r2.json" 3)" = cached ] || fail "round 2: the slow node is not cached"
error_of "$T/r2.json" 3 | grep -q "no answer within 1000 ms" || fail "slow peer error: $(error_of "$T/r2.json" 3)"
error_of "$T/r2.json" 2 | grep -qi "refused" || fail "dead peer error: $(error_of "$T/r2.json" 2)"
jq -e --arg a "$(addr 2)" --arg b "$(addr 3)" '(.stale | sort) == ([$a, $b] | sort)' "$T/r2.json" >/dev/null || fail "stale list"
[ "$ms" -lt 2500 ] || fail "round 2 took $ms ms: the fan-out is not concurrent"
diff <(jq -S "$norm" <(jq .baseline "$T/r2.json")) <(jq -S "$norm" "$T/off.json") >/dev/null ||
  fail "round 2 baseline (with cached peers) differs"
ok "netns round 2: dead peer and slow peer reported cached with their errors, call took $ms ms"

# --- round 3: node 1's link goes down mid-run (no RST, no answer at all)
ip -n "cmn${tag}_1" link set eth0 down
t0=$(date +%s%N)
"$CPUMODELD" baseline --socket "$S" --json >"$T/r3.json" || true
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$(status_of "$T/r3.json" 1)" = cached ] || fail "round 3: the unplugged node is not cached: $(jq -c .members "$T/r3.json")"
[ "$ms" -lt 2500 ] || fail "round 3 took $ms ms"
jq -e '.unreachable | length == 4' "$T/r3.json" >/dev/null || fail "round 3: unreachable list"
ok "netns round 3: unplugged peer cached after its timeout ($ms ms), 4 of 4 peers unreachable, self still answers"

# --- recovery: node 3 continues, node 1's link comes back
kill -CONT "$P3"
ip -n "cmn${tag}_1" link set eth0 up
sleep 0.5
"$CPUMODELD" baseline --socket "$S" --json >"$T/r4.json" || true
[ "$(status_of "$T/r4.json" 3)" = live ] || fail "round 4: node 3 did not recover"
kill -0 "$P0" || fail "node 0 died"
vcall --socket "$S" org.varlink.service.GetInfo >/dev/null || fail "node 0 stopped serving"
ok "recovery: the stopped peer answers again; node 0 never stopped serving"
