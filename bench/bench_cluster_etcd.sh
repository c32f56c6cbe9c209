#!/usr/bin/env bash
# The etcd cluster backend at scale (loopback only, one etcd member started
# here): GetBaseline over 1,000 and 10,000 registered hosts.
#   registrations  real daemons register the Intel dumps (snapshot content
#                  + record + liveness key); N records are then cloned from
#                  theirs under new names, their liveness keys on one lease
#   first answer   a freshly started daemon: process start -> the first
#                  GetBaseline that lists all N+1 hosts (polled every 20 ms)
#   steady state   bench_daemon: GetBaseline p50/p99, 1 and 8 clients
#   update         one host's record changes to another dump: etcd put ->
#                  the first GetBaseline at that revision (end to end), and
#                  the daemon's own compute+encode time (Registry.baseline_ms)
# Beside it, in the same run: the static-peer baseline over 50 peer daemons
# (the fan-out the registry replaces; bench_daemon.sh goes to 500).
# usage: bench/bench_cluster_etcd.sh [BUILD_DIR]   (bench/run.sh passes build-bench)
# env: BENCH_HOSTS (sizes, default "1000 10000"), BENCH_SECONDS (steady state),
#      BENCH_CHANGES (changes of one host, default 1: min/median/max beside),
#      BENCH_STATIC=no (skip the static peers), BENCH_PERF=FILE (perf record -g
#      of the daemon during the changes, into FILE.N)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
D=$PWD/$build/daemon/cpumodeld
B=$PWD/$build/bench/bench_daemon
fix=$PWD/tests/data/firecracker
[ -x "$D" ] && [ -x "$B" ] || { echo "bench_cluster_etcd: build $build first"; exit 1; }
command -v etcd >/dev/null && command -v etcdctl >/dev/null ||
  { echo "bench_cluster_etcd: etcd-server/etcd-client not installed (tools/deps.sh test)"; exit 0; }
sizes=${BENCH_HOSTS:-1000 10000}
secs=${BENCH_SECONDS:-3}

T=$(mktemp -d /tmp/cpumodeld-bench-etcd.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
port=$((33000 - ($$ % 2000) * 4)) # below the ephemeral range
EP="http://127.0.0.1:$port"
export ETCDCTL_API=3
etcd --name b1 --data-dir "$T/etcd" --listen-client-urls "$EP" --advertise-client-urls "$EP" \
  --listen-peer-urls "http://127.0.0.1:$((port + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((port + 1))" \
  --initial-cluster "b1=http://127.0.0.1:$((port + 1))" --quota-backend-bytes 4294967296 \
  --logger zap --log-level error >"$T/etcd.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do etcdctl --endpoints "$EP" get x >/dev/null 2>&1 && break; sleep 0.1; done

ms_now() { echo $(( $(date +%s%N) / 1000000 )); }
export CPUMODELD_TCP_INSECURE=yes # the CLI reaches the plain TCP peers below
wait_ready() {
  for _ in $(seq 300); do
    "$D" query "$@" --timeout-ms 500 --call org.varlink.service.GetInfo >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "bench_cluster_etcd: daemon at $* did not come up" >&2
  return 1
}
etcd_args=(--set cluster=etcd --set "etcd_endpoints=$EP" --set etcd_lease_ttl_s=10)

# 1. the dumps register themselves
intel=(INTEL_SKYLAKE_6.1 INTEL_ICELAKE_6.1 INTEL_CASCADELAKE_6.1 INTEL_SKYLAKE_5.10 INTEL_ICELAKE_5.10 INTEL_CASCADELAKE_5.10)
regpids=()
for h in "${intel[@]}"; do
  "$D" serve --snapshot "$fix/fingerprint_${h}host.json" --state-dir "$T/reg-$h" --socket "$T/reg-$h.sock" \
    "${etcd_args[@]}" >"$T/reg-$h.log" 2>&1 &
  regpids+=($!)
done
for _ in $(seq 200); do
  [ "$(etcdctl --endpoints "$EP" get --prefix --keys-only /cpumodeld/hosts/ | grep -c .)" -ge ${#intel[@]} ] && break
  sleep 0.1
done
for p in "${regpids[@]}"; do kill -TERM "$p"; wait "$p" 2>/dev/null || true; done

# 2. clone N registrations from theirs (one lease for every liveness key)
clone() { # clone FROM TO: hosts bench-FROM .. bench-(TO-1)
  python3 - "$EP" "$1" "$2" <<'PY'
import base64, json, sys, urllib.request
ep, lo, hi = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def call(path, body):
    req = urllib.request.Request(ep + path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=60))
b64 = lambda s: base64.b64encode(s.encode()).decode()
pre = "/cpumodeld/hosts/"
kvs = call("/v3/kv/range", {"key": b64(pre), "range_end": b64(pre[:-1] + "0")}).get("kvs", [])
recs = [json.loads(base64.b64decode(kv["value"])) for kv in kvs if not base64.b64decode(kv["key"]).decode().startswith(pre + "bench-")]
lease = call("/v3/lease/grant", {"TTL": "3600"})["ID"]
ops = []
for i in range(lo, hi):
    r = dict(recs[i % len(recs)]); name = "bench-%05d" % i
    r["name"] = name; r.pop("silent_since", None)
    ops.append({"request_put": {"key": b64(pre + name), "value": b64(json.dumps(r))}})
    ops.append({"request_put": {"key": b64("/cpumodeld/live/" + name), "value": b64("{}"), "lease": lease}})
    if len(ops) >= 128:
        call("/v3/kv/txn", {"success": ops}); ops = []
if ops:
    call("/v3/kv/txn", {"success": ops})
PY
}
# change one host to another dump's content; prints the revision of the write
change_one() {
  python3 - "$EP" "$1" <<'PY'
import base64, json, sys, urllib.request
ep, name = sys.argv[1], sys.argv[2]
def call(path, body):
    req = urllib.request.Request(ep + path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=60))
b64 = lambda s: base64.b64encode(s.encode()).decode()
key = "/cpumodeld/hosts/" + name
cur = json.loads(base64.b64decode(call("/v3/kv/range", {"key": b64(key)})["kvs"][0]["value"]))
pre = "/cpumodeld/hosts/INTEL_"
others = [json.loads(base64.b64decode(kv["value"])) for kv in call("/v3/kv/range", {"key": b64(pre), "range_end": b64(pre[:-1] + "`")}).get("kvs", [])]
other = next(o for o in others if o["content"] != cur["content"])
cur["content"], cur["digest"] = other["content"], other["digest"]
print(call("/v3/kv/put", {"key": b64(key), "value": b64(json.dumps(cur))})["header"]["revision"])
PY
}

echo "-- etcd registry: GetBaseline over N registered hosts ($(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg))"
have=0
for n in $sizes; do
  clone "$have" "$n"
  have=$n
  # a fresh daemon: start -> first answer listing every host
  t0=$(ms_now)
  "$D" serve --snapshot "$fix/fingerprint_INTEL_SKYLAKE_6.1host.json" --state-dir "$T/fresh-$n" --socket "$T/fresh.sock" \
    "${etcd_args[@]}" >"$T/fresh-$n.log" 2>&1 &
  fp=$!
  pids+=($fp)
  # the view holds every host (a small GetBaseline: the registry status only), then one full answer
  small='{"peers":["self"]}'
  reg() { "$D" query --socket "$T/fresh.sock" --timeout-ms 5000 --call io.cpumodeld.GetBaseline "$small" 2>/dev/null |
    jq ".parameters.registry.$1" 2>/dev/null || echo 0; }
  first=
  for _ in $(seq 3000); do
    got=$(reg hosts)
    [ "${got:-0}" -ge $((n + 1)) ] && break
    sleep 0.02
  done
  got=$("$D" query --socket "$T/fresh.sock" --timeout-ms 10000 --call io.cpumodeld.GetBaseline | jq '.parameters.members | length')
  [ "$got" -ge $((n + 1)) ] && first=$(($(ms_now) - t0))
  # reference, same moment: etcd alone serving the whole prefix in one range (what any sync must read)
  t1=$(ms_now)
  bytes=$(curl -s "$EP/v3/kv/range" -d '{"key":"L2NwdW1vZGVsZC8=","range_end":"L2NwdW1vZGVsZDA="}' | wc -c)
  ref=$(($(ms_now) - t1))
  echo "   $n hosts (+ the daemon itself): first complete answer ${first:-never} ms after start (polled); RSS $(ps -o rss= -p "$fp") KiB"
  echo "     reference: etcd's gateway alone returns the prefix ($bytes bytes) in $ref ms"
  # steady state: wait until the daemon's own registration is in its view (no render pending)
  for _ in $(seq 500); do
    l=$("$D" query --socket "$T/fresh.sock" --call io.cpumodeld.GetBaseline 2>/dev/null | jq '.parameters.registry.live')
    [ "${l:-0}" -ge $((n + 1)) ] && break
    sleep 0.05
  done
  sz=$("$D" query --socket "$T/fresh.sock" --call io.cpumodeld.GetBaseline | wc -c)
  echo "     GetBaseline reply: $sz bytes"
  for c in 1 8; do
    "$B" --socket "$T/fresh.sock" --clients "$c" --seconds "$secs" --warmup 0.5 --pid "$fp" \
      --method io.cpumodeld.GetBaseline --params '{}' | grep -v 'vs targets' | sed 's/^/     /'
  done
  # one host changes (BENCH_CHANGES times, back and forth between two contents)
  bmss=()
  perfpid=
  if [ -n "${BENCH_PERF:-}" ]; then # a profile of the daemon while hosts change: perf record -g into $BENCH_PERF.N
    perf record -g -o "$BENCH_PERF.$n" -p "$fp" >/dev/null 2>&1 &
    perfpid=$!
    sleep 1
  fi
  for _ in $(seq "${BENCH_CHANGES:-1}"); do
    rev=$(change_one bench-00000)
    t0=$(ms_now)
    for _ in $(seq 3000); do
      [ "$(reg revision)" -ge "$rev" ] && break
      sleep 0.005
    done
    "$D" query --socket "$T/fresh.sock" --call io.cpumodeld.GetBaseline >/dev/null
    upd=$(($(ms_now) - t0))
    t0=$(ms_now) # what one poll costs here (a CLI process and jq)
    reg revision >/dev/null
    poll=$(($(ms_now) - t0))
    # the render of that revision (a reply carries the render before its own: read it fresh)
    bms=$(reg baseline_ms)
    bmss+=("$bms")
  done
  [ -z "$perfpid" ] || { kill -INT "$perfpid"; wait "$perfpid" 2>/dev/null || true; }
  echo "   one host changed: put -> first answer at its revision ${upd} ms (polled; one poll costs ${poll} ms here); the daemon's recompute + encode ${bms} ms"
  if [ "${#bmss[@]}" -gt 1 ]; then
    printf '%s\n' "${bmss[@]}" | sort -g | awk '{v[NR]=$1} END {printf "     recompute + encode over %d changes: min %.3f  median %.3f  max %.3f ms\n", NR, v[1], v[int((NR+1)/2)], v[NR]}'
  fi
  kill -TERM "$fp"; wait "$fp" 2>/dev/null || true
done

[ "${BENCH_STATIC:-yes}" = yes ] || exit 0
echo "-- static peers, the same run: GetBaseline over 50 peer daemons on loopback (the fan-out the registry replaces)"
addrs=()
for i in $(seq 0 49); do
  a="127.0.0.1:$((port + 10 + i))"
  addrs+=("$a")
  "$D" serve --snapshot "$fix/fingerprint_${intel[$((i % ${#intel[@]}))]}host.json" --state-dir "$T/p$i" \
    --socket "" --listen-tcp "$a" --set tcp_insecure=yes >/dev/null 2>&1 &
  pids+=($!)
done
for a in "${addrs[@]}"; do wait_ready --connect "$a"; done
for a in "${addrs[@]}"; do echo "peer = $a"; done >"$T/peers.conf"
echo "tcp_insecure = yes" >>"$T/peers.conf" # the fan-out itself, without TLS handshakes
"$D" serve --config "$T/peers.conf" --snapshot "$fix/fingerprint_INTEL_SKYLAKE_6.1host.json" --state-dir "$T/self" \
  --socket "$T/csock" --peer-timeout-ms 5000 >"$T/self.log" 2>&1 &
sp=$!
pids+=($sp)
wait_ready --socket "$T/csock"
"$B" --socket "$T/csock" --method io.cpumodeld.GetBaseline --params '{}' --once --repeat 3 | sed 's/^/     /'
"$B" --socket "$T/csock" --clients 1 --seconds "$secs" --warmup 0.5 --pid "$sp" --method io.cpumodeld.GetBaseline \
  --params '{}' | grep -v 'vs targets' | sed 's/^/     /'
