#!/usr/bin/env bash
# The etcd backend over TLS with client certificates (etcd's own
# --cacert/--cert/--key as etcd_cacert/etcd_cert/etcd_key): a daemon with
# the client certificate registers and pins; one without it is refused by
# etcd, says so, and refuses pins, until its configuration names the
# certificate and SIGHUP makes it take effect.  Certificates are made here with openssl.
source "$(dirname "$0")/daemon_lib.sh"
ETCD_N=1
source "$(dirname "$0")/etcd_lib.sh"
command -v openssl >/dev/null || skip "openssl is not installed"

C=$T/pki
mkdir -p "$C"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=cpumodeld-test-ca" \
  -keyout "$C/ca.key" -out "$C/ca.pem" 2>/dev/null || fail "CA"
cert() { # cert NAME EXT
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$C/$1.key" -out "$C/$1.csr" 2>/dev/null &&
    printf '%s\n' "$2" >"$C/$1.ext" &&
    openssl x509 -req -in "$C/$1.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial -days 2 \
      -extfile "$C/$1.ext" -out "$C/$1.pem" 2>/dev/null || fail "certificate $1"
}
# clientAuth too: etcd 3.4's JSON gateway calls the gRPC server on the same
# port presenting the server certificate as its client certificate
cert server "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth"
cert client "extendedKeyUsage=clientAuth"

EP="https://127.0.0.1:$((PORT0 + 201))"
PEER="http://127.0.0.1:$((PORT0 + 211))"
etcd --name t1 --data-dir "$T/etcd-tls" --listen-client-urls "$EP" --advertise-client-urls "$EP" \
  --listen-peer-urls "$PEER" --initial-advertise-peer-urls "$PEER" --initial-cluster "t1=$PEER" \
  --cert-file "$C/server.pem" --key-file "$C/server.key" --trusted-ca-file "$C/ca.pem" --client-cert-auth \
  --logger zap --log-level error >"$T/etcd-tls.log" 2>&1 &
PIDS+=($!)
tls=(--cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client.key")
until_ok 20 etcdctl --endpoints "$EP" "${tls[@]}" get x || fail "etcd with TLS did not come up: $(tail -3 "$T/etcd-tls.log")"

start_daemon good --snapshot "$(fixture INTEL_SKYLAKE_6.1)" --socket "$T/good.sock" --set cluster=etcd \
  --set "etcd_endpoints=$EP" --set "etcd_cacert=$C/ca.pem" --set "etcd_cert=$C/client.pem" \
  --set "etcd_key=$C/client.key" --set etcd_lease_ttl_s=2 --set etcd_timeout_ms=1000
# from a file, so that a reload can give it the certificate (below)
printf 'cluster = etcd\netcd_endpoints = %s\netcd_cacert = %s\netcd_lease_ttl_s = 2\netcd_timeout_ms = 1000\n' \
  "$EP" "$C/ca.pem" >"$T/nocert.conf"
start_daemon nocert --config "$T/nocert.conf" --snapshot "$(fixture INTEL_ICELAKE_6.1)" --socket "$T/nocert.sock"
NOCERT=$LAST_PID
wait_ready --socket "$T/good.sock" || fail "daemon (client certificate)"
wait_ready --socket "$T/nocert.sock" || fail "daemon (no client certificate)"

registered() { etcdctl --endpoints "$EP" "${tls[@]}" get --print-value-only /cpumodeld/live/INTEL_SKYLAKE_6.1 | grep -q lease; }
until_ok 15 registered || fail "the daemon with the client certificate did not register: $("$CPUMODELD" baseline --socket "$T/good.sock" --json | jq -c .registry)"
until_ok 10 "$CPUMODELD" pin --socket "$T/good.sock" gold || fail "pin over TLS"
etcdctl --endpoints "$EP" "${tls[@]}" get --print-value-only /cpumodeld/models/gold | jq -e '.generation == 1' >/dev/null ||
  fail "the pin is not in etcd"
ok "TLS with a client certificate: registered and pinned"

"$CPUMODELD" baseline --socket "$T/nocert.sock" --json >"$T/nc.json" || true
jq -e '.registry.reachable == false and (.registry.error | length > 0) and (.members | length == 1)' "$T/nc.json" >/dev/null ||
  fail "the daemon without a client certificate: $(jq -c .registry "$T/nc.json")"
rc=0; "$CPUMODELD" pin --socket "$T/nocert.sock" silver 2>"$T/err" || rc=$?
[ "$rc" = 3 ] && grep -q "cluster registry (etcd) cannot be reached" "$T/err" || fail "pin without a client certificate: rc $rc $(cat "$T/err")"
etcdctl --endpoints "$EP" "${tls[@]}" get --keys-only --prefix /cpumodeld/hosts/ | grep -q INTEL_ICELAKE_6.1 &&
  fail "a client without a certificate registered"
ok "without the client certificate: etcd refuses, the daemon says so ($(jq -r .registry.error "$T/nc.json" | cut -c1-80)), pins refused"

# --- SIGHUP with the certificate in the configuration: it takes effect
printf 'etcd_cert = %s\netcd_key = %s\n' "$C/client.pem" "$C/client.key" >>"$T/nocert.conf"
kill -HUP "$NOCERT"
registered2() { etcdctl --endpoints "$EP" "${tls[@]}" get --print-value-only /cpumodeld/live/INTEL_ICELAKE_6.1 | grep -q lease; }
until_ok 15 registered2 || fail "SIGHUP with a client certificate: not registered: $("$CPUMODELD" baseline --socket "$T/nocert.sock" --json | jq -c .registry)"
until_ok 10 "$CPUMODELD" pin --socket "$T/nocert.sock" silver || fail "pin after the certificate was configured"
etcdctl --endpoints "$EP" "${tls[@]}" get --print-value-only /cpumodeld/models/silver | jq -e '.generation == 1' >/dev/null ||
  fail "silver is not in etcd"
"$CPUMODELD" models --socket "$T/nocert.sock" --json | jq -e '[.models[].name] | index("gold")' >/dev/null ||
  fail "the reconfigured daemon does not see the registry's pins"
ok "SIGHUP after adding etcd_cert/etcd_key to the configuration: registered, sees gold, pinned silver"
