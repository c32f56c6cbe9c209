#!/usr/bin/env bash
# The independent check of the Varlink layer: varlink-go-certification (Debian
# package varlink-go) walks org.varlink.certification against the daemon over
# the Unix socket and over TCP; it must end with all_ok.  A daemon without
# --varlink-certification must fail the same walk (the check can fail).
source "$(dirname "$0")/daemon_lib.sh"
command -v varlink-go-certification >/dev/null || skip "varlink-go-certification is not installed (package varlink-go)"

S=$T/sock
TP="127.0.0.1:$((PORT0 + 5))"
start_daemon cert --snapshot "$(fixture INTEL_ICELAKE_6.1)" --socket "$S" --listen-tcp "$TP" --varlink-certification
wait_ready --socket "$S" || fail "daemon did not come up"
for addr in "unix:$S" "tcp:$TP"; do
  rc=0
  timeout 60 varlink-go-certification -client -varlink "$addr" >"$T/cert.out" 2>&1 || rc=$?
  [ "$rc" = 0 ] || fail "certification over $addr failed (rc $rc): $(tail -5 "$T/cert.out")"
  grep -q "^End: 'true'" "$T/cert.out" || fail "certification over $addr did not end with all_ok: $(tail -3 "$T/cert.out")"
  grep -q "Reply number 10" "$T/cert.out" || fail "no streamed replies over $addr"
  ok "varlink-go-certification passes over $addr"
done
# the same walk against a daemon that does not serve the interface must fail
# (varlink-go 0.4 exits 0 even then, printing "Start() failed": the End line
# is what tells a passed walk)
S2=$T/plain.sock
start_daemon plain --snapshot "$(fixture INTEL_ICELAKE_6.1)" --socket "$S2"
wait_ready --socket "$S2" || fail "second daemon"
timeout 60 varlink-go-certification -client -varlink "unix:$S2" >"$T/cert2.out" 2>&1 || true
grep -q "^End: 'true'" "$T/cert2.out" && fail "the certification walk passed against a daemon without the interface"
grep -q "failed" "$T/cert2.out" || fail "no failure reported: $(cat "$T/cert2.out")"
ok "the certification walk fails where the interface is not served: $(head -1 "$T/cert2.out")"
# the daemon is still healthy after the walks
vcall --socket "$S" org.varlink.service.GetInfo | jq -e '.parameters.interfaces | index("org.varlink.certification")' >/dev/null ||
  fail "GetInfo after certification"
