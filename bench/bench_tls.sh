#!/usr/bin/env bash
# What TLS on TCP costs (loopback only, bounded), each figure next to its
# plain-TCP reference measured in the same run:
#  1. The cluster baseline over N peer daemons (default 50): the same peers
#     reached over TLS (a handshake and certificate checks per peer and
#     call: a call on the Unix socket always fetches anew) and over plain
#     TCP (tcp_insecure = yes).  Call 1 also parses every peer's snapshot.
#  2. One CLI call over --connect (process start, connect, [handshake],
#     GetInfo), median of 20.
# usage: bench/bench_tls.sh [BUILD_DIR]   (bench/run.sh passes build-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
D=$PWD/$build/daemon/cpumodeld
B=$PWD/$build/bench/bench_daemon
fix=tests/data/firecracker
[ -x "$D" ] && [ -x "$B" ] || { echo "bench_tls: build $build first"; exit 1; }
command -v certtool >/dev/null || { echo "bench_tls: certtool missing (gnutls-bin)"; exit 0; }
npeers=${BENCH_TLS_PEERS:-50}

T=$(mktemp -d /tmp/cpumodeld-bench-tls.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
skip() { echo "bench_tls: $*"; exit 0; }
fail() { echo "bench_tls: $*" >&2; exit 1; }
source tests/tls_lib.sh
make_ca bench
make_pki "$T/pki" bench bench 127.0.0.1 # one certificate for all: they all listen on 127.0.0.1

wait_ready() {
  for _ in $(seq 200); do
    "$D" query "$@" --timeout-ms 500 --call org.varlink.service.GetInfo >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "bench_tls: daemon at $* did not come up" >&2
  return 1
}

intel=(INTEL_SKYLAKE_6.1 INTEL_ICELAKE_6.1 INTEL_CASCADELAKE_6.1 INTEL_SKYLAKE_5.10 INTEL_ICELAKE_5.10 INTEL_CASCADELAKE_5.10)
base=$((20000 + $$ % 10000))
echo "-- cluster baseline over $npeers peer daemons, TLS and plain; $(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in tls plain; do
  : >"$T/$mode.conf"
  [ "$mode" = plain ] && echo "tcp_insecure = yes" >>"$T/$mode.conf"
  echo "pki_dir = $T/pki" >>"$T/$mode.conf"
  for i in $(seq 0 $((npeers - 1))); do
    port=$((base + i))
    [ "$mode" = plain ] && port=$((base + npeers + i))
    "$D" serve --config "$T/$mode.conf" --snapshot "$fix/fingerprint_${intel[$((i % ${#intel[@]}))]}host.json" \
      --state-dir "$T/$mode-p$i" --socket "" --listen-tcp "127.0.0.1:$port" >/dev/null 2>&1 &
    pids+=($!)
    echo "peer = 127.0.0.1:$port" >>"$T/$mode.peers"
  done
done
for i in $(seq 0 $((npeers - 1))); do
  wait_ready --connect "127.0.0.1:$((base + i))" --pki "$T/pki"
  wait_ready --connect "127.0.0.1:$((base + npeers + i))" --tcp-insecure
done
for mode in tls plain; do
  cat "$T/$mode.conf" "$T/$mode.peers" >"$T/$mode-self.conf"
  "$D" serve --config "$T/$mode-self.conf" --snapshot "$fix/fingerprint_INTEL_SKYLAKE_6.1host.json" \
    --state-dir "$T/$mode-self" --socket "$T/$mode.sock" --peer-timeout-ms 10000 >"$T/$mode-self.log" 2>&1 &
  pids+=($!)
done
for mode in tls plain; do wait_ready --socket "$T/$mode.sock"; done
for mode in tls plain; do
  echo "   $mode:"
  "$B" --socket "$T/$mode.sock" --method io.cpumodeld.GetBaseline --params '{"groups":false}' --once --repeat 4 |
    sed 's/^/     /'
  grep -q '"status":"missing"' <("$D" query --socket "$T/$mode.sock" --call io.cpumodeld.GetBaseline '{}') &&
    echo "     (some peer missing: figures not comparable)"
done
echo "   (every call on the Unix socket fetches every peer again: over TLS each fetch is a new handshake)"

echo "-- one CLI call over --connect (process start + connect + handshake + GetInfo), median of 20"
for mode in tls plain; do
  args=(--pki "$T/pki")
  addr=127.0.0.1:$base
  [ "$mode" = plain ] && { args=(--tcp-insecure); addr=127.0.0.1:$((base + npeers)); }
  for _ in $(seq 20); do
    s=$(date +%s%N)
    "$D" query --connect "$addr" "${args[@]}" --call org.varlink.service.GetInfo >/dev/null
    echo $(( ($(date +%s%N) - s) / 1000 ))
  done | sort -n | sed -n 10p | awk -v m="$mode" '{ printf "   %-5s %.2f ms\n", m, $1 / 1000 }'
done
