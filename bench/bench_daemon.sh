#!/usr/bin/env bash
# Daemon benchmark (loopback only, bounded):
#  1. GetHost over the Unix socket with 1, 8 and 64 concurrent clients:
#     latency p50/p99 and throughput (targets: p99 <= 100 us, >= 50k req/s),
#     the daemon's CPU time per call (service time) and the queueing floor
#     it implies (clients x service time), each next to a reference measured
#     in the same run: an echo server returning the same reply bytes without
#     any work (the transport floor of this machine under its current load).
#     Closed loop, one thread and connection per client, warm-up excluded;
#     the clients share the machine's cores with the daemon.
#  2. The cluster baseline over 10, 100 and 500 peer daemons on 127.0.0.1,
#     5% of them dead (configured, nothing listening): first call (parse and
#     cache every peer) and warm calls (target: 500 peers <= 1 s).
# usage: bench/bench_daemon.sh [BUILD_DIR]   (bench/run.sh passes build-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
D=$build/daemon/cpumodeld
B=$build/bench/bench_daemon
fix=tests/data/firecracker
[ -x "$D" ] && [ -x "$B" ] || { echo "bench_daemon: build $build first"; exit 1; }
[ -d "$fix" ] || { echo "bench_daemon: no fixtures in $fix"; exit 0; }
secs=${BENCH_SECONDS:-3}
npeers=${BENCH_PEERS:-500}

T=$(mktemp -d /tmp/cpumodeld-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

export CPUMODELD_TCP_INSECURE=yes # the CLI reaches the plain TCP peers below
wait_ready() {
  for _ in $(seq 200); do
    "$D" query "$@" --timeout-ms 500 --call org.varlink.service.GetInfo >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "bench_daemon: daemon at $* did not come up" >&2
  return 1
}

echo "-- Unix socket: GetHost, ${secs}s per run after ${BENCH_WARMUP:-0.5}s warm-up; $(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$D" serve --snapshot "$fix/fingerprint_INTEL_ICELAKE_6.1host.json" --state-dir "$T/s0" --socket "$T/sock" \
  --set max_connections=1000 >"$T/d0.log" 2>&1 &
pids+=($!)
dpid=$!
wait_ready --socket "$T/sock"
for c in 1 8 64; do
  "$B" --socket "$T/sock" --clients "$c" --seconds "$secs" --warmup "${BENCH_WARMUP:-0.5}" --pid "$dpid" --reference
done
"$B" --socket "$T/sock" --clients 8 --seconds "$secs" --warmup "${BENCH_WARMUP:-0.5}" --pid "$dpid" \
  --method org.varlink.service.GetInfo
echo "   (p99 cannot fall below the queueing floor: N closed-loop clients on one single-threaded server"
echo "    wait N x service time on average; the reference shows what the transport alone allows here)"

echo "-- cluster baseline over N peer daemons on loopback (5% dead)"
intel=(INTEL_SKYLAKE_6.1 INTEL_ICELAKE_6.1 INTEL_CASCADELAKE_6.1 INTEL_SKYLAKE_5.10 INTEL_ICELAKE_5.10 INTEL_CASCADELAKE_5.10)
base=$((20000 + $$ % 10000)) # below the ephemeral range (32768+)
addrs=()
live=0
for i in $(seq 0 $((npeers - 1))); do
  a="127.0.0.1:$((base + i))"
  addrs+=("$a")
  if [ $((i % 20)) = 19 ]; then continue; fi # every 20th: dead
  "$D" serve --snapshot "$fix/fingerprint_${intel[$((i % ${#intel[@]}))]}host.json" --state-dir "$T/p$i" \
    --socket "" --listen-tcp "$a" --set tcp_insecure=yes >/dev/null 2>&1 &
  pids+=($!)
  live=$((live + 1))
done
for i in $(seq 0 $((npeers - 1))); do
  [ $((i % 20)) = 19 ] && continue
  wait_ready --connect "${addrs[$i]}"
done
if [ "${#pids[@]}" -gt 1 ]; then
  echo "   $live peer daemons up, $((npeers - live)) dead; RSS of one peer: $(ps -o rss= -p "${pids[1]}") KiB"
fi
for a in "${addrs[@]}"; do echo "peer = $a"; done >"$T/peers.conf"
echo "tcp_insecure = yes" >>"$T/peers.conf" # the fan-out itself, without TLS handshakes
"$D" serve --config "$T/peers.conf" --snapshot "$fix/fingerprint_INTEL_SKYLAKE_6.1host.json" --state-dir "$T/self" \
  --socket "$T/csock" --peer-timeout-ms 5000 >"$T/self.log" 2>&1 &
pids+=($!)
wait_ready --socket "$T/csock"
for n in 10 100 "$npeers"; do
  [ "$n" -le "$npeers" ] || continue
  sel=$(printf '"%s",' self "${addrs[@]:0:$n}")
  echo "   $n peers ($(( (n + 1) / 20 )) dead):"
  "$B" --socket "$T/csock" --method io.cpumodeld.GetBaseline --params "{\"peers\":[${sel%,}],\"groups\":false}" --repeat 4 |
    sed 's/^/     /'
done
echo "   (call 1 parses and caches every peer's snapshot; later calls reuse unchanged answers)"
