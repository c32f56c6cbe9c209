#!/usr/bin/env bash
# Every libFuzzer target (fuzz/) builds and runs briefly from its seeds
# without a crash, leak or sanitizer report (issue 12 item 9).  The long
# runs are tools/fuzz.sh SECONDS; their last figures are in docs/security.md.
set -u
SRC=${CPUMODEL_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
BIN=${CPUMODEL_BINARY_DIR:-$SRC/build}
exec bash "$SRC/tools/fuzz.sh" "${CPUMODEL_FUZZ_SECONDS:-10}" "$BIN/fuzz-build"
