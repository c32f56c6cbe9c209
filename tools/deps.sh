#!/usr/bin/env bash
# Installs the Debian packages cpumodeld needs, only those missing.
#   tools/deps.sh build   - to build and run cpumodeld
#   tools/deps.sh test    - also what the test suite uses (real QEMU/KVM lab, varlink-go, netns)
set -euo pipefail
what=${1:-build}

build_pkgs=(build-essential cmake pkg-config libjson-c-dev libsystemd-dev libvirt-dev libxml2-dev
            libgnutls28-dev)
build_pkgs+=(libcurl4-gnutls-dev) # the etcd cluster backend
test_pkgs=(check python3 iproute2 systemd varlink-go jq
           qemu-system-arm qemu-system-misc gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu
           libc6-dev-arm64-cross libc6-dev-riscv64-cross cpio xz-utils zstd bc
           qemu-system-x86 libvirt-daemon-system libvirt-clients)
test_pkgs+=(etcd-server etcd-client) # tests/test_cluster_etcd*.sh start their own etcd on loopback
test_pkgs+=(gnutls-bin) # certtool makes the test PKI, gnutls-cli a client without a certificate (test_daemon_tls.sh)

# test_install.sh (man, dpkg-shlibdeps), the matrix SVG check (rsvg-convert, xmllint)
test_pkgs+=(man-db dpkg-dev librsvg2-bin libxml2-utils)
# tools/test.sh builds with clang as well as gcc
test_pkgs+=(clang libclang-rt-14-dev) # and the libFuzzer targets (fuzz/, tools/fuzz.sh)

pkgs=("${build_pkgs[@]}")
[ "$what" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "tools/deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
