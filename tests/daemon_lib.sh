# Shared helpers for tests/test_daemon_*.sh (sourced, not run by ctest).
# Every daemon a test starts is recorded and stopped by PID at exit.
set -u

CPUMODELD=${CPUMODELD:-}
SRC=${CPUMODEL_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
FIX=$SRC/tests/data/firecracker

skip() { echo "SKIP: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

[ -n "$CPUMODELD" ] && [ -x "$CPUMODELD" ] || skip "CPUMODELD (the built binary) is not set"
[ -d "$FIX" ] || fail "fixtures not found in $FIX: the checkout is incomplete"
command -v jq >/dev/null || skip "jq is not installed (tools/deps.sh test)"

T=$(mktemp -d /tmp/cpumodeld-test.XXXXXX)
PIDS=()
cleanup_extra() { :; }
cleanup() {
  cleanup_extra
  for p in "${PIDS[@]}"; do kill -CONT "$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
  done
  wait 2>/dev/null
  # sanitizer builds: a report in any daemon's log fails the test
  local bad
  bad=$(grep -l -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$T"/*.log 2>/dev/null | head -1)
  if [ -n "$bad" ]; then
    echo "FAIL: sanitizer report in $bad:" >&2
    grep -m1 -A25 -E "ERROR: |runtime error:" "$bad" >&2
    rm -rf "$T"
    exit 1
  fi
  rm -rf "$T"
}
trap cleanup EXIT

# TCP is TLS unless tcp_insecure = yes (issue 12 item 4).  These tests speak
# plain TCP, said explicitly on both sides: the daemons start with
# tcp_insecure=yes, the CLI gets CPUMODELD_TCP_INSECURE=yes.  A test that
# speaks TLS (test_daemon_tls.sh) sets TCP_INSECURE=no before sourcing this.
TCP_INSECURE=${TCP_INSECURE:-yes}
if [ "$TCP_INSECURE" = yes ]; then export CPUMODELD_TCP_INSECURE=yes; else unset CPUMODELD_TCP_INSECURE; fi

# A port base per test process, so tests running side by side do not collide.
PORT0=$((20000 + ($$ * 37) % 12000)) # below the ephemeral range (32768+)

fixture() { echo "$FIX/fingerprint_${1}host.json"; }

# start_daemon NAME ARGS...: starts `cpumodeld serve ARGS` (log in $T/NAME.log), sets LAST_PID.
start_daemon() {
  local name=$1; shift
  "$CPUMODELD" serve --state-dir "$T/state-$name" --set tcp_insecure="$TCP_INSECURE" "$@" >"$T/$name.log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

# wait_ready ADDRESS-ARGS...: polls GetInfo (10 s at most).
wait_ready() {
  for _ in $(seq 100); do
    "$CPUMODELD" query "$@" --timeout-ms 500 --call org.varlink.service.GetInfo >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# vcall ADDRESS-OPTION ADDRESS METHOD [JSON]: the whole reply on stdout.
vcall() {
  local opt=$1 addr=$2 method=$3; shift 3
  "$CPUMODELD" query "$opt" "$addr" --call "$method" "$@"
}
