#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Downloads the lab's kernels (and QEMU 10) from Debian's archive, once, into
# a cache under the build tree.  It never touches the host's apt setup: a
# private APT configuration (own sources.list, lists, cache and an empty dpkg
# status) is used with `apt-get download` only, and packages are unpacked
# with dpkg-deb, not installed.
#
#   fetch.sh TARGET...   TARGET: arm64-6.1 arm64-6.12 arm64-7.2
#                                riscv64-6.12 riscv64-7.2 qemu10
#                                amd64-6.12 (the libvirt test's x86 guest)
# Env: LAB_CACHE (default $CPUMODEL_BINARY_DIR/lab-cache).
# Prints nothing on success; each TARGET ends up in $LAB_CACHE/TARGET/ with
#   arm64:   Image         riscv64: Image, kvm.ko      qemu10: bin/, share/
# Exit 1 (with a reason on stderr) when the archive cannot be reached.
#
# Versions are pinned (what the lab README saw); Debian removes superseded
# kernels, so a pinned name that is gone is replaced by the newest package
# matching the same pattern (apt-cache under the private configuration).
set -euo pipefail

: "${LAB_CACHE:=${CPUMODEL_BINARY_DIR:-.}/lab-cache}"
mkdir -p "$LAB_CACHE"
LAB_CACHE=$(cd "$LAB_CACHE" && pwd)
APTDIR=$LAB_CACHE/apt
export APT_CONFIG=$APTDIR/apt.conf

die() { echo "fetch.sh: $*" >&2; exit 1; }
# Debian images may disable apt's binary cache in /etc/apt/apt.conf.d (read
# after APT_CONFIG); without it every apt-cache call re-parses all lists.
APTOPT=(-o "Dir::Cache::pkgcache=$APTDIR/cache/pkgcache.bin" -o "Dir::Cache::srcpkgcache=$APTDIR/cache/srcpkgcache.bin")

# target -> "arch|pinned package(s)|fallback regex(es)" (one package per regex)
declare -A PKGS=(
  [arm64-6.1]="arm64|linux-image-6.1.0-56-arm64-unsigned|^linux-image-6\.1\.0-[0-9]+-arm64-unsigned\$"
  [arm64-6.12]="arm64|linux-image-6.12.117+deb12-arm64-unsigned|^linux-image-6\.12\.[0-9]+\+deb12-arm64-unsigned\$"
  [arm64-7.2]="arm64|linux-binary-unsigned-7.2.13+deb14-arm64|^linux-binary-unsigned-7\.2\.[0-9]+\+deb14-arm64\$"
  [riscv64-6.12]="riscv64|linux-image-6.12.107+deb13-riscv64|^linux-image-6\.12\.[0-9]+\+deb13-riscv64\$"
  [riscv64-7.2]="riscv64|linux-binary-7.2.13+deb14-riscv64 linux-modules-7.2.13+deb14-riscv64|^linux-binary-7\.2\.[0-9]+\+deb14-riscv64\$ ^linux-modules-7\.2\.[0-9]+\+deb14-riscv64\$"
  [amd64-6.12]="amd64|linux-image-6.12.95+deb12-cloud-amd64-unsigned|^linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64-unsigned\$"
  [qemu10]="amd64|qemu-system-arm qemu-system-riscv qemu-system-common qemu-system-data opensbi|"
)

setup_apt() {
    local uri sec
    uri=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -1)
    sec=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep security | head -1)
    : "${uri:=http://deb.debian.org/debian}" "${sec:=http://deb.debian.org/debian-security}"
    mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/etc/sources.list.d" "$APTDIR/etc/preferences.d"
    : > "$APTDIR/status"
    # only the suite/arch pairs the targets come from: smaller lists, faster apt
    local k="signed-by=/usr/share/keyrings/debian-archive-keyring.gpg"
    cat > "$APTDIR/etc/sources.list" <<SRC
deb [arch=arm64 $k] $sec bookworm-security main
deb [arch=amd64 $k] $uri bookworm-backports main
deb [arch=riscv64 $k] $uri trixie main
deb [arch=arm64,riscv64 $k] $uri sid main
SRC
    cat > "$APT_CONFIG" <<CONF
Dir::Etc::SourceList "$APTDIR/etc/sources.list";
Dir::Etc::SourceParts "$APTDIR/etc/sources.list.d";
Dir::Etc::Preferences "$APTDIR/etc/preferences";
Dir::Etc::PreferencesParts "$APTDIR/etc/preferences.d";
APT::Sandbox::User "root";
Dir::State::Lists "$APTDIR/lists";
Dir::Cache "$APTDIR/cache";
Dir::State::status "$APTDIR/status";
APT::Architectures { "amd64"; "arm64"; "riscv64"; };
Acquire::Languages "none";
Acquire::Retries "2";
Acquire::http::Timeout "20";
CONF
    # the configuration is rewritten every time (the cache may have moved);
    # the lists are fetched once
    [ -f "$APTDIR/updated" ] && return 0
    apt-get "${APTOPT[@]}" -q update >"$APTDIR/update.log" 2>&1 || die "apt-get update failed (no route to the Debian archive?), see $APTDIR/update.log"
    touch "$APTDIR/updated"
}

# The pinned package if the archive still has it, else the newest match
# (in $RESOLVED: die must run in this shell, not in a command substitution).
resolve() { # arch pinned regex
    local arch=$1 pin=$2 re=$3
    RESOLVED=$pin
    apt-cache "${APTOPT[@]}" show "$pin:$arch" >/dev/null 2>&1 && return 0
    [ -n "$re" ] || die "package $pin:$arch is not in the archive"
    RESOLVED=$(apt-cache "${APTOPT[@]}" search --names-only "$re" | awk '{print $1}' | sort -V | tail -1)
    [ -n "$RESOLVED" ] || die "no package matching $re for $arch"
    echo "fetch.sh: $pin is gone, using $RESOLVED" >&2
}

# qemu10: backports version of the QEMU packages (the host has 7.2 from bookworm).
download() { # dir arch pkg...
    local dir=$1 arch=$2; shift 2
    mkdir -p "$dir/debs"
    ( cd "$dir/debs" && for p in "$@"; do
        if [ "$arch" = amd64 ]; then
            v=$(apt-cache "${APTOPT[@]}" madison "$p" | awk -F'|' '$3 ~ /backports/ {gsub(/ /,"",$2); print $2; exit}')
            [ -n "$v" ] || die "no bookworm-backports version of $p"
            apt-get "${APTOPT[@]}" -q download "$p:$arch=$v" >/dev/null
        else
            apt-get "${APTOPT[@]}" -q download "$p:$arch" >/dev/null
        fi
      done ) || die "apt-get download failed for $*"
}

fetch_one() {
    local t=$1 dir=$LAB_CACHE/$1 spec arch pins res p i
    [ -f "$dir/done" ] && return 0
    spec=${PKGS[$t]:-} ; [ -n "$spec" ] || die "unknown target $t"
    setup_apt
    IFS='|' read -r arch pins res <<<"$spec"
    local -a pa=($pins) ra=($res) names=()
    for i in "${!pa[@]}"; do resolve "$arch" "${pa[$i]}" "${ra[$i]:-}"; names+=("$RESOLVED"); done
    rm -rf "$dir"; mkdir -p "$dir/root"
    download "$dir" "$arch" "${names[@]}"
    for p in "$dir"/debs/*.deb; do dpkg-deb --fsys-tarfile "$p" | tar -x -C "$dir/root"; done
    case $t in
    arm64-*|riscv64-*|amd64-*)
        # 6.x packages: boot/vmlinu[xz]-*; 7.x: usr/lib/modules/<ver>/vmlinu[xz](.unsigned)
        local img
        img=$(find "$dir/root" \( -path '*/boot/vmlinu[xz]-*' -o -path '*/usr/lib/modules/*/vmlinu[xz]*' \) -type f | head -1)
        [ -n "$img" ] || die "$t: no kernel image in ${names[*]}"
        # arm64 Debian images are uncompressed; a gzip one is unpacked for -kernel.
        if gzip -t "$img" 2>/dev/null; then zcat "$img" > "$dir/Image"; else cp "$img" "$dir/Image"; fi
        if [ "$arch" = riscv64 ]; then
            local ko
            ko=$(find "$dir/root" -path '*/arch/riscv/kvm/kvm.ko*' | head -1)
            [ -n "$ko" ] || die "$t: no kvm.ko in ${names[*]}"
            case $ko in *.xz) xz -dc "$ko" > "$dir/kvm.ko" ;; *.zst) zstd -qdc "$ko" > "$dir/kvm.ko" ;; *) cp "$ko" "$dir/kvm.ko" ;; esac
        fi
        printf '%s\n' "${names[@]}" > "$dir/packages"
        rm -rf "$dir/root" "$dir/debs" ;;
    qemu10)
        mv "$dir/root/usr/bin" "$dir/bin"; mv "$dir/root/usr/share" "$dir/share"
        [ -d "$dir/root/usr/lib" ] && mv "$dir/root/usr/lib" "$dir/lib"
        rm -rf "$dir/root" "$dir/debs" ;;
    esac
    touch "$dir/done"
}

[ $# -gt 0 ] || die "usage: fetch.sh TARGET..."
exec 9>"$LAB_CACHE/.lock"
flock 9
for t in "$@"; do fetch_one "$t"; done
