#!/usr/bin/env bash
# fuzz/record_etcd_seeds.sh BUILD_DIR: records the seeds of fuzz_etcd
# (fuzz/seeds/etcd) from a real etcd (Debian's etcd-server 3.4) on loopback,
# populated by two cpumodeld daemons and a pin: the gateway's answers to the
# requests the etcd backend makes (range pages, the watch stream, a
# compacted watch, transactions that succeed and fail, lease grant and
# keepalive), each prefixed with the fuzz target's letter (fuzz/fuzz_etcd.c).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
export CPUMODELD=${CPUMODELD:-$(cd "${1:?usage: record_etcd_seeds.sh BUILD_DIR}" && pwd)/daemon/cpumodeld}
ETCD_N=1
source "$SRC/tests/daemon_lib.sh"
source "$SRC/tests/etcd_lib.sh"
out=$SRC/fuzz/seeds/etcd
mkdir -p "$out"
etcd_cluster_start
start_etcd_daemon a INTEL_SKYLAKE_6.1
start_etcd_daemon b INTEL_ICELAKE_5.10
for n in a b; do wait_ready --socket "$T/$n.sock" || fail "daemon $n: $(cat "$T/$n.log")"; done
until_ok 15 test "$(ectl get --prefix --keys-only /cpumodeld/live/ | grep -c .)" = 2 || fail "not registered"
"$CPUMODELD" pin --socket "$T/a.sock" gold >/dev/null
ep=${ETCD_CLIENT[1]}
b64() { printf %s "$1" | base64 -w0; }
post() { curl -sS --max-time 3 "$ep$1" -d "$2"; }
rec() { { printf %s "$1"; cat; } >"$out/$2"; } # rec LETTER NAME < answer
P=$(b64 /cpumodeld/) E=$(b64 /cpumodeld0)
post /v3/kv/range "{\"key\":\"$P\",\"range_end\":\"$E\",\"limit\":\"2\"}" | rec r range-page1
post /v3/kv/range "{\"key\":\"$P\",\"range_end\":\"$E\"}" | rec r range-all
rev=$(post /v3/kv/range "{\"key\":\"$P\",\"range_end\":\"$E\",\"limit\":\"1\"}" | jq -r .header.revision)
# the watch from the start: created, then every event so far
{ timeout 2 curl -sN "$ep/v3/watch" -d "{\"create_request\":{\"key\":\"$P\",\"range_end\":\"$E\",\"start_revision\":\"1\"}}" || true; } |
  rec w watch-history
# a watch, then a host leaving (its liveness key deleted) and a model unpinned, then a progress notification
{ timeout 4 curl -sN "$ep/v3/watch" -d "{\"create_request\":{\"key\":\"$P\",\"range_end\":\"$E\",\"start_revision\":\"$((rev + 1))\",\"progress_notify\":true}}" || true; } >"$T/w" &
sleep 0.5
"$CPUMODELD" unpin --socket "$T/b.sock" gold
kill -TERM "${PIDS[-1]}"
wait "$!" || true
rec w watch-leave <"$T/w"
# transactions as the backend writes them: a pin's compare that fails (the failure branch reads the key), one that succeeds
K=$(b64 /cpumodeld/models/seed)
post /v3/kv/txn "{\"compare\":[{\"key\":\"$K\",\"target\":\"MOD\",\"result\":\"EQUAL\",\"mod_revision\":\"0\"}],\"success\":[{\"request_put\":{\"key\":\"$K\",\"value\":\"$(b64 '{"name":"seed","pin_id":"x/1/2/3"}')\"}}],\"failure\":[{\"request_range\":{\"key\":\"$K\"}}]}" | rec t txn-success
post /v3/kv/txn "{\"compare\":[{\"key\":\"$K\",\"target\":\"MOD\",\"result\":\"EQUAL\",\"mod_revision\":\"0\"}],\"success\":[],\"failure\":[{\"request_range\":{\"key\":\"$K\"}}]}" | rec t txn-failure
post /v3/lease/grant '{"TTL":"5"}' | rec l lease-grant
id=$(cut -c2- "$out/lease-grant" | jq -r .ID)
post /v3/lease/keepalive "{\"ID\":\"$id\"}" | rec l keepalive
post /v3/lease/keepalive '{"ID":"12345"}' | rec l keepalive-unknown
# compaction: the watch from before it is canceled with compact_revision, a range there is refused
ectl compact "$((rev + 1))" >/dev/null
{ timeout 2 curl -sN "$ep/v3/watch" -d "{\"create_request\":{\"key\":\"$P\",\"range_end\":\"$E\",\"start_revision\":\"2\"}}" || true; } |
  rec w watch-compacted
post /v3/kv/range "{\"key\":\"$P\",\"range_end\":\"$E\",\"revision\":\"2\"}" | rec r range-compacted
# one input of several answers: a sync, then the watch, then a transaction
{ cat "$out/range-all"; printf '\n#\n'; cat "$out/watch-leave"; printf '\n#\n'; cat "$out/txn-failure"; } >"$out/sequence"
ls -l "$out"
