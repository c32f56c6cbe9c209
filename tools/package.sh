#!/usr/bin/env bash
# Builds the Debian packages (cpumodeld, libcpumodel0, libcpumodel-dev) from this tree:
#   bash tools/package.sh [BUILD_DIR]     (default build-deb; the .deb files land there)
# The build uses the /usr prefix, so the units, config and man page name /usr/sbin and /etc.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src/build-deb}
bash "$src/tools/deps.sh" build
cmake -S "$src" -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCPUMODEL_BUILD_TESTS=OFF \
      -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$out" -j"$(nproc)" >/dev/null
(cd "$out" && cpack -G DEB >/dev/null)
ls "$out"/*.deb
