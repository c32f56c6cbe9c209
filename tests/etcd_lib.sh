# Helpers for tests/test_cluster_etcd*.sh (sourced after daemon_lib.sh): a
# real etcd cluster (Debian's etcd-server) on 127.0.0.1, members started and
# killed by the test, and daemons with `cluster = etcd`.
command -v etcd >/dev/null || skip "etcd is not installed (etcd-server; tools/deps.sh test)"
command -v etcdctl >/dev/null || skip "etcdctl is not installed (etcd-client; tools/deps.sh test)"

ETCD_N=${ETCD_N:-3}
ETCD_PID=()
ETCD_CLIENT=()
ETCD_PEER=()
for i in $(seq 1 "$ETCD_N"); do
  ETCD_CLIENT[$i]="http://127.0.0.1:$((PORT0 + 200 + i))"
  ETCD_PEER[$i]="http://127.0.0.1:$((PORT0 + 210 + i))"
done
ETCD_CLUSTER=$(for i in $(seq 1 "$ETCD_N"); do printf 'e%d=%s,' "$i" "${ETCD_PEER[$i]}"; done)
ETCD_CLUSTER=${ETCD_CLUSTER%,}
ETCD_ENDPOINTS=$(IFS=,; echo "${ETCD_CLIENT[*]:1}")
export ETCDCTL_API=3

# etcd_start I: starts (or restarts, same data directory) member I.
# Short heartbeats and elections keep the failover inside a test's patience.
etcd_start() {
  local i=$1
  etcd --name "e$i" --data-dir "$T/etcd-$i" \
    --listen-client-urls "${ETCD_CLIENT[$i]}" --advertise-client-urls "${ETCD_CLIENT[$i]}" \
    --listen-peer-urls "${ETCD_PEER[$i]}" --initial-advertise-peer-urls "${ETCD_PEER[$i]}" \
    --initial-cluster "$ETCD_CLUSTER" --initial-cluster-state new --initial-cluster-token "cpumodeld-test-$$" \
    --heartbeat-interval 50 --election-timeout 500 --logger zap --log-level error \
    >>"$T/etcd-$i.log" 2>&1 &
  ETCD_PID[$i]=$!
  PIDS+=("${ETCD_PID[$i]}")
}

etcd_kill9() { kill -KILL "${ETCD_PID[$1]}"; wait "${ETCD_PID[$1]}" 2>/dev/null || true; }

# etcd_wait_healthy [ENDPOINTS]: a linearizable read succeeds (quorum), 30 s at most.
etcd_wait_healthy() {
  local eps=${1:-$ETCD_ENDPOINTS}
  for _ in $(seq 150); do
    etcdctl --endpoints "$eps" --command-timeout 1s get /cpumodeld-health >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

etcd_cluster_start() {
  for i in $(seq 1 "$ETCD_N"); do etcd_start "$i"; done
  etcd_wait_healthy || fail "the $ETCD_N-member etcd cluster did not become healthy: $(tail -3 "$T"/etcd-*.log)"
}

# ectl ARGS...: etcdctl against the whole cluster
ectl() { etcdctl --endpoints "$ETCD_ENDPOINTS" --command-timeout 3s "$@"; }

# start_etcd_daemon NAME FIXTURE [ARGS...]: a daemon on the registry (2 s leases)
start_etcd_daemon() {
  local name=$1 fix=$2; shift 2
  start_daemon "$name" --snapshot "$(fixture "$fix")" --socket "$T/$name.sock" \
    --set cluster=etcd --set "etcd_endpoints=$ETCD_ENDPOINTS" --set etcd_lease_ttl_s=2 \
    --set etcd_timeout_ms=700 "$@"
}

# until_ok SECONDS CMD...: retries CMD every 0.2 s
until_ok() {
  local n=$(($1 * 5)); shift
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}
