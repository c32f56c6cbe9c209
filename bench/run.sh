#!/usr/bin/env bash
# Builds (Release) and runs every benchmark, printing figures with the
# reference each measures in the same run:
#   bench_baseline   merge / verdicts over 10..10,000 hosts (arm64, x86_64, riscv64)
#   bench_probe.sh   this host's probe vs `virsh domcapabilities` (when libvirt is installed)
#   bench_daemon.sh  Varlink latency/throughput, cluster baseline over 10..500 peers
#   bench_cluster_etcd.sh  GetBaseline over 1,000 / 10,000 hosts registered in etcd, beside static peers
#   bench_tls.sh     the cluster baseline and a CLI call over TLS vs plain TCP
#   bench_e2e.sh     `cpumodeld baseline` over 1,000..10,000 files vs cat and virsh cpu-baseline
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh build
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCPUMODEL_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)"
echo "== baseline =="
build-bench/bench/bench_baseline tests/data/firecracker tests/fixtures/riscv64
echo; echo "== probe =="
bash bench/bench_probe.sh build-bench/bench/bench_probe || echo "(bench_probe.sh failed)"
echo; echo "== daemon =="
bash bench/bench_daemon.sh build-bench || echo "(bench_daemon.sh failed)"
echo; echo "== TLS on TCP =="
bash bench/bench_tls.sh build-bench || echo "(bench_tls.sh failed)"
echo; echo "== cluster registry (etcd) =="
bash bench/bench_cluster_etcd.sh build-bench || echo "(bench_cluster_etcd.sh failed)"
echo; echo "== end to end =="
bash bench/bench_e2e.sh build-bench || echo "(bench_e2e.sh failed)"
