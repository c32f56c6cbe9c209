#!/usr/bin/env bash
# The daemon's parts call in one direction (cli -> server -> common) and no two
# files call each other (docs/ARCHITECTURE.md), read off the built objects by
# tools/check_layers.py.  First a sanity check that the reading sees calls at
# all: calls the code must make (the CLI entering the server, the methods
# replying through the transport) have to be among the edges it reports.
set -uo pipefail
src=${CPUMODEL_SOURCE_DIR:?}
bdir=${CPUMODEL_BINARY_DIR:?}
command -v nm >/dev/null || { echo "SKIP: nm (binutils) is not installed" >&2; exit 77; }
out=$(python3 "$src/tools/check_layers.py" "$bdir" --edges); rc=$?
fail=0
for edge in "cli/main -> server/serve" "server/methods -> server/server" "server/state -> common/atomic" \
            "cli/client -> cli/matrix"; do
  if grep -qxF "$edge" <<<"$out"; then echo "ok - the reading sees $edge"
  else echo "FAIL: $edge not among the calls read off the objects"; fail=1; fi
done
if [ $rc -eq 0 ]; then echo "ok - $(tail -1 <<<"$out")"
else grep -v -- ' -> ' <<<"$out"; echo "FAIL: check_layers exit $rc"; fail=1; fi
# bad input is refused, naming what was wrong
msg=$(python3 "$src/tools/check_layers.py" /nonexistent 2>&1); rc=$?
if [ $rc -eq 2 ] && grep -q usage <<<"$msg"; then echo "ok - a missing build dir: exit 2 with usage"
else echo "FAIL: missing build dir gave exit $rc: $msg"; fail=1; fi
exit $fail
