#!/usr/bin/env bash
# Issue 12 item 4: TLS on TCP (GnuTLS, x509, libvirt's PKI layout), with
# real sockets and certificates made here by certtool:
#  - a TCP listener without certificates and without tcp_insecure refuses to
#    start (exit 2, naming the missing file);
#  - a daemon with TLS answers the CLI holding a client certificate of its CA;
#  - it refuses a client without a certificate (gnutls-cli), with one from
#    another CA, and one whose DN is not in tls_allowed_dn, and keeps serving;
#  - the CLI refuses a server whose certificate names another host;
#  - peers fetched over TLS give the offline baseline of the same dumps; a peer
#    whose certificate names another host is missing, with the reason;
#  - tcp_insecure = yes still serves plain TCP, which a TLS client refuses.
#  - a TCP socket passed by systemd is TLS too (and refused without certificates);
#  - SIGHUP reads the certificates again (rotation).
TCP_INSECURE=no # this test speaks TLS (daemon_lib.sh defaults to plain TCP)
source "$(dirname "$0")/daemon_lib.sh"
source "$(dirname "$0")/tls_lib.sh"

make_ca A
make_ca B
make_pki "$T/pki-self" A self 127.0.0.1 localhost
make_pki "$T/pki-peer" A peer 127.0.0.1
make_pki "$T/pki-wrong" A wrong 10.9.9.9 elsewhere.example # a server certificate for another host
make_pki "$T/pki-evil" B evil 127.0.0.1
cp "$T/pki-self/cacert.pem" "$T/pki-evil/cacert.pem" # trusts our CA; its own certificate is B's

SELF_TCP=127.0.0.1:$((PORT0 + 1)) PEER=127.0.0.1:$((PORT0 + 2)) WRONG=127.0.0.1:$((PORT0 + 3))
PLAIN=127.0.0.1:$((PORT0 + 4))
S=$T/sock
SKY=$(fixture INTEL_SKYLAKE_6.1) ICE=$(fixture INTEL_ICELAKE_6.1)

# --- no certificates: refused at start, the missing file named, exit 2
mkdir -p "$T/empty"
rc=0; "$CPUMODELD" serve --snapshot "$SKY" --socket "" --listen-tcp "$PLAIN" --state-dir "$T/s0" \
  --set pki_dir="$T/empty" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "$T/empty/cacert.pem" "$T/err" && grep -q "tcp_insecure" "$T/err" ||
  fail "TCP listener without certificates: rc $rc: $(cat "$T/err")"
cp "$T/pki-self/cacert.pem" "$T/empty/"
rc=0; "$CPUMODELD" serve --snapshot "$SKY" --socket "" --listen-tcp "$PLAIN" --state-dir "$T/s0" \
  --set pki_dir="$T/empty" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "$T/empty/servercert.pem" "$T/err" || fail "no servercert.pem: rc $rc: $(cat "$T/err")"
rc=0; "$CPUMODELD" serve --snapshot "$SKY" --socket "$T/s0.sock" --peer "$PEER" --state-dir "$T/s0" \
  --set pki_dir="$T/empty" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "$T/empty/clientcert.pem" "$T/err" || fail "peers without clientcert.pem: rc $rc: $(cat "$T/err")"
ok "a TCP listener (or TCP peers) without certificates and without tcp_insecure: exit 2 naming the file"

# --- the daemons: a peer, a peer whose certificate names another host, self
start_daemon peer --snapshot "$ICE" --socket "" --listen-tcp "$PEER" --set pki_dir="$T/pki-peer"
start_daemon wrong --snapshot "$ICE" --socket "" --listen-tcp "$WRONG" --set pki_dir="$T/pki-wrong"
start_daemon self --snapshot "$SKY" --socket "$S" --listen-tcp "$SELF_TCP" --peer "$PEER" --peer "$WRONG" \
  --set pki_dir="$T/pki-self" --peer-timeout-ms 3000
SELF_PID=$LAST_PID
wait_ready --connect "$PEER" --pki "$T/pki-self" || fail "TLS peer did not come up: $(cat "$T/peer.log")"
wait_ready --socket "$S" || fail "self did not come up: $(cat "$T/self.log")"

# --- a good client certificate
vcall --connect "$SELF_TCP" io.cpumodeld.GetHost --pki "$T/pki-self" >"$T/host.json" ||
  fail "GetHost over TLS with a good client certificate"
jq -e '.parameters.host.name' "$T/host.json" >/dev/null || fail "GetHost over TLS: $(head -c 300 "$T/host.json")"
CPUMODELD_PKI=$T/pki-peer "$CPUMODELD" query --connect "$SELF_TCP" --call org.varlink.service.GetInfo >/dev/null ||
  fail "CPUMODELD_PKI did not point the CLI at another PKI directory"
ok "GetHost over TLS with a client certificate of the daemon's CA (--pki and CPUMODELD_PKI)"

# --- clients the daemon refuses
rc=0; "$CPUMODELD" query --connect "$SELF_TCP" --pki "$T/pki-evil" --call org.varlink.service.GetInfo \
  >/dev/null 2>"$T/err" || rc=$?
# (the alert, or a reset when the refusal races our call: TLS 1.3 checks the client last)
[ "$rc" = 3 ] && grep -q "refused: Certificate is bad\|does it accept this client certificate" "$T/err" ||
  fail "a client certificate from another CA: rc $rc: $(cat "$T/err")"
grep -q "refused: The certificate is NOT trusted. The certificate issuer is unknown" "$T/self.log" ||
  fail "the daemon does not say why it refused the other CA's certificate: $(cat "$T/self.log")"
if command -v gnutls-cli >/dev/null; then
  printf '{"method":"org.varlink.service.GetInfo"}\0' >"$T/call.bin"
  timeout 10 gnutls-cli --x509cafile "$T/pki-self/cacert.pem" -p "${SELF_TCP##*:}" 127.0.0.1 <"$T/call.bin" \
    >"$T/nocert.out" 2>&1
  grep -q '"parameters"' "$T/nocert.out" && fail "a client without a certificate got an answer: $(cat "$T/nocert.out")"
  grep -q "Certificate is required" "$T/nocert.out" || fail "no certificate: $(tail -3 "$T/nocert.out")"
  grep -q "refused: Certificate is required" "$T/self.log" || fail "no certificate, not logged: $(cat "$T/self.log")"
  # the same tool with the good certificate does get one: the refusal above was the missing certificate
  { cat "$T/call.bin"; sleep 1; } | timeout 10 gnutls-cli --x509cafile "$T/pki-self/cacert.pem" \
    --x509certfile "$T/pki-self/clientcert.pem" --x509keyfile "$T/pki-self/private/clientkey.pem" \
    -p "${SELF_TCP##*:}" 127.0.0.1 >"$T/withcert.out" 2>&1
  grep -q '"parameters"' "$T/withcert.out" || fail "gnutls-cli with the good certificate: $(tail -5 "$T/withcert.out")"
fi
# plain bytes on the TLS port: no answer, the connection is closed
python3 - "${SELF_TCP##*:}" <<'EOF' || fail "plain TCP on the TLS listener got an answer"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b'{"method":"org.varlink.service.GetInfo"}\0')
data = b""
try:
    while True:
        d = s.recv(65536)
        if not d: break
        data += d
except (socket.timeout, ConnectionResetError):
    pass
sys.exit(1 if b'"parameters"' in data else 0)
EOF
grep -q "TLS client 127.0.0.1" "$T/self.log" || fail "refused TLS clients are not logged: $(cat "$T/self.log")"
vcall --connect "$SELF_TCP" org.varlink.service.GetInfo --pki "$T/pki-self" >/dev/null ||
  fail "the daemon stopped serving after refusing clients"
kill -0 "$SELF_PID" || fail "the daemon died"
ok "refused: a client certificate from another CA, no client certificate, plain TCP; still serving"

# --- the CLI refuses a server whose certificate names another host
rc=0; "$CPUMODELD" query --connect "$WRONG" --pki "$T/pki-self" --call org.varlink.service.GetInfo \
  >/dev/null 2>"$T/err" || rc=$?
[ "$rc" != 0 ] && grep -q "name in the certificate does not match" "$T/err" || fail "CLI to a server named for another host: rc $rc: $(cat "$T/err")"
ok "the CLI refuses a server certificate that names another host: $(head -1 "$T/err" | cut -c1-120)"

# --- peers over TLS: the baseline of the two dumps; the misnamed peer missing
"$CPUMODELD" baseline --socket "$S" --peers "self,$PEER" --json >"$T/b.json" || fail "baseline over TLS peers"
jq -e --arg p "$PEER" '[.members[]? // .cluster.members[]? | select(.address == $p)][0].status == "live"' "$T/b.json" \
  >/dev/null || fail "the TLS peer is not live: $(jq -c '.members // .cluster.members' "$T/b.json")"
"$CPUMODELD" baseline --json "$SKY" "$ICE" >"$T/off.json" || fail "offline baseline"
norm='del(.schema, .model.created, .model.source, .groups[]?.model.created, .groups[]?.model.source)' # when and where, not what
diff <(jq -S "$norm" <(jq .baseline "$T/b.json")) <(jq -S "$norm" "$T/off.json") >"$T/diff" ||
  fail "the baseline over TLS peers differs from the offline baseline of the same dumps: $(head -20 "$T/diff")"
[ "$(jq '.baseline.model.fields | length' "$T/b.json")" -gt 50 ] || fail "an empty model"
# later fetches resume the TLS session (no new certificate checks): still live, still the same model
for i in 2 3; do
  "$CPUMODELD" baseline --socket "$S" --peers "self,$PEER" --json >"$T/b$i.json" || fail "baseline $i over TLS peers"
  diff <(jq -S "$norm" <(jq .baseline "$T/b$i.json")) <(jq -S "$norm" "$T/off.json") >/dev/null ||
    fail "baseline $i over TLS peers (a resumed session) differs"
done
"$CPUMODELD" query --socket "$S" --call io.cpumodeld.GetBaseline "{\"peers\":[\"self\",\"$WRONG\"]}" >"$T/w.json" ||
  { cp "$T/w.json" /tmp/tlsx/; fail "GetBaseline with the misnamed peer"; }
jq -e --arg p "$WRONG" '.parameters.members[] | select(.address == $p) | .status == "missing" and (.error | test("TLS"))' \
  "$T/w.json" >/dev/null || fail "a peer whose certificate names another host: $(jq -c '.parameters.members' "$T/w.json")"
ok "peers over TLS: the offline baseline of the same dumps; a peer certified for another host is missing ($(jq -r --arg p "$WRONG" '.parameters.members[] | select(.address == $p) | .error' "$T/w.json" | cut -c1-80))"

# --- tls_allowed_dn: a client outside the list is refused, one inside served
ALLOW=127.0.0.1:$((PORT0 + 5))
start_daemon allow --snapshot "$SKY" --socket "" --listen-tcp "$ALLOW" --set pki_dir="$T/pki-self" \
  --set "tls_allowed_dn=O=cpumodeld,CN=peer" --set "tls_allowed_dn=CN=peer,O=cpumodeld"
wait_ready --connect "$ALLOW" --pki "$T/pki-peer" || fail "a client whose DN is allowed: $(cat "$T/allow.log")"
rc=0; "$CPUMODELD" query --connect "$ALLOW" --pki "$T/pki-self" --call org.varlink.service.GetInfo >/dev/null 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "a client whose DN is not in tls_allowed_dn was served"
grep -q "not in tls_allowed_dn" "$T/allow.log" || fail "the DN refusal is not logged: $(cat "$T/allow.log")"
ok "tls_allowed_dn: the listed DN served, another refused"

# --- tcp_insecure = yes: plain TCP still works; a TLS client does not take it for TLS
start_daemon plain --snapshot "$SKY" --socket "" --listen-tcp "$PLAIN" --set tcp_insecure=yes
wait_ready --connect "$PLAIN" --tcp-insecure || fail "tcp_insecure daemon: $(cat "$T/plain.log")"
vcall --connect "$PLAIN" io.cpumodeld.GetHost --tcp-insecure >/dev/null || fail "GetHost over plain TCP"
rc=0; "$CPUMODELD" query --connect "$PLAIN" --pki "$T/pki-self" --timeout-ms 3000 \
  --call org.varlink.service.GetInfo >/dev/null 2>"$T/err" || rc=$?
[ "$rc" != 0 ] || fail "a TLS client accepted a plain TCP server"
ok "tcp_insecure = yes serves plain TCP (and --tcp-insecure reaches it); a TLS client refuses it"

# --- socket activation: a TCP socket systemd passes is TLS too, and without
# certificates the daemon refuses to serve it (exit 2, the file named)
if command -v systemd-socket-activate >/dev/null; then
  ACT=127.0.0.1:$((PORT0 + 6))
  systemd-socket-activate -l "$ACT" "$CPUMODELD" serve --snapshot "$SKY" --socket "" --state-dir "$T/s-act" \
    --set pki_dir="$T/pki-self" >"$T/act.log" 2>&1 &
  PIDS+=($!)
  wait_ready --connect "$ACT" --pki "$T/pki-peer" || fail "activated TCP socket over TLS: $(cat "$T/act.log")"
  ACT2=127.0.0.1:$((PORT0 + 7))
  systemd-socket-activate -l "$ACT2" "$CPUMODELD" serve --snapshot "$SKY" --socket "" --state-dir "$T/s-act2" \
    --set pki_dir="$T/empty-act" >"$T/act2.out" 2>&1 &
  APID=$!
  sleep 0.3
  "$CPUMODELD" query --connect "$ACT2" --pki "$T/pki-self" --timeout-ms 2000 --call org.varlink.service.GetInfo \
    >/dev/null 2>&1 && fail "an activated TCP socket without certificates answered"
  rc=0; wait "$APID" || rc=$?
  [ "$rc" = 2 ] && grep -q "$T/empty-act/cacert.pem" "$T/act2.out" ||
    fail "activated TCP socket without certificates: rc $rc: $(cat "$T/act2.out")"
  ok "socket activation: a passed TCP socket speaks TLS; without certificates the start fails (exit 2, file named)"
fi

# --- SIGHUP reads the certificates again (rotation): the new server certificate is served
if command -v gnutls-cli >/dev/null; then
  make_pki "$T/pki-rot" A rotated 127.0.0.1
  cp "$T/pki-rot/servercert.pem" "$T/pki-self/servercert.pem"
  cp "$T/pki-rot/private/serverkey.pem" "$T/pki-self/private/serverkey.pem"
  kill -HUP "$SELF_PID"
  seen=
  for _ in $(seq 50); do
    timeout 10 gnutls-cli --x509cafile "$T/pki-self/cacert.pem" --x509certfile "$T/pki-self/clientcert.pem" \
      --x509keyfile "$T/pki-self/private/clientkey.pem" -p "${SELF_TCP##*:}" 127.0.0.1 </dev/null >"$T/rot.out" 2>&1
    grep -q "CN=rotated" "$T/rot.out" && { seen=1; break; }
    sleep 0.1
  done
  [ -n "$seen" ] || fail "SIGHUP did not load the rotated certificate: $(grep -m2 Subject "$T/rot.out")"
  vcall --connect "$SELF_TCP" io.cpumodeld.GetHost --pki "$T/pki-self" >/dev/null || fail "GetHost after the rotation"
  ok "SIGHUP reloads the certificates: the rotated one is served"
fi
