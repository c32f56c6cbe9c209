# Shared preamble of the offline CLI tests (sourced, not run by ctest): the
# binary, the real dumps, a scratch directory removed at exit, and counters
# that let a test go on after a failed check and report every failure.
# Sets: bin, src, fx (the dump directory), tmp (= T); check NAME COND, ok,
# bad MSG, fixture NAME (a dump's path), finish (the summary and the status).
set -uo pipefail
bin=${CPUMODELD:?}
src=${CPUMODEL_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
fx=$src/tests/data/firecracker
[ -d "$fx" ] || { echo "FAIL: $fx missing: the dumps are part of the checkout" >&2; exit 1; }
command -v jq >/dev/null || { echo "SKIP: jq is not installed (tools/deps.sh test installs it)" >&2; exit 77; }
tmp=$(mktemp -d /tmp/cpumodeld-cli.XXXXXX)
T=$tmp
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }
fixture() { echo "$fx/fingerprint_${1}host.json"; }
finish() {
  echo "$(basename "$0" .sh): $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
