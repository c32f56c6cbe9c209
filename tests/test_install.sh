#!/usr/bin/env bash
# Installs like a system daemon, into throwaway roots (never the real /):
#  1. `cmake --install` of the build under test: the units start the binary at the path it was
#     installed to with the config it installed (systemd-analyze verify --root), the libvirt hook
#     execs that binary, the man page renders (man-db) and names no source-tree path, the sysusers
#     and tmpfiles snippets parse (systemd-sysusers/systemd-tmpfiles --root), libcpumodel.so.0 has
#     its SONAME, and a C program built with `pkg-config cpumodel` links the installed library and
#     agrees with `cpumodeld compare` on real dumps; the bash completion completes commands and
#     options; an install under another prefix is refused.
#  2. The Debian packages (tools/package.sh, /usr prefix), unpacked with dpkg-deb -x: control fields,
#     conffiles, `cpumodeld --version` = project(VERSION), systemd-analyze verify, man cpumodeld.
set -uo pipefail
bin=${CPUMODELD:?}
src=${CPUMODEL_SOURCE_DIR:?}
bdir=${CPUMODEL_BINARY_DIR:?}
fx=$src/tests/data/firecracker
[ -d "$fx" ] || { echo "FAIL: $fx missing: the checkout is incomplete" >&2; exit 1; }
for t in systemd-analyze man pkg-config readelf dpkg-deb cpack cc; do
  command -v "$t" >/dev/null || { echo "SKIP: $t is not installed (tools/deps.sh test)" >&2; exit 77; }
done
T=$(mktemp -d /tmp/cpumodeld-install.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1" >&2; fi; }

version=$(sed -n 's/^project(cpumodeld VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$bdir/CMakeCache.txt")
[ -n "$version" ] && [ -n "$prefix" ] || { echo "FAIL: no version ($version) or prefix ($prefix)" >&2; exit 1; }

# A root systemd-analyze can verify units in: the host's own unit files (targets the units
# depend on) and /bin/kill (ExecReload); everything of cpumodeld comes from the install.
mkroot() {
  mkdir -p "$1/lib/systemd" "$1/bin"
  cp -a /lib/systemd/system "$1/lib/systemd/"
  cp /bin/kill "$1/bin/kill"
}
# verify_units ROOT MANDIR: both units, with `man cpumodeld(8)` (Documentation=) found in the root
verify_units() {
  MANPATH=$2 systemd-analyze --root="$1" verify cpumodeld.service cpumodeld.socket >"$T/verify.log" 2>&1
}

# ---- 1. cmake --install of the build under test
R=$T/root
DESTDIR=$R cmake --install "$bdir" >"$T/install.log" 2>&1; rc=$?
check "cmake --install succeeds ($(tail -2 "$T/install.log"))" '[ $rc = 0 ]'
mkroot "$R"
unit=$(find "$R" -name cpumodeld.service -path '*systemd/system*' | head -1)
check "the service unit is installed" '[ -n "$unit" ]'
exe=$(sed -n 's/^ExecStart=\([^ ]*\) serve --config \([^ ]*\).*/\1/p' "$unit")
conf=$(sed -n 's/^ExecStart=[^ ]* serve --config \([^ ]*\).*/\1/p' "$unit")
check "ExecStart names the installed binary ($exe)" '[ "$exe" = "$prefix/sbin/cpumodeld" ] && [ -x "$R$exe" ]'
check "ExecStart names the installed config ($conf)" '[ -f "$R$conf" ]'
check "the installed binary is the build's version" '[ "$("$R$exe" --version)" = "cpumodeld $version" ]'
verify_units "$R" "$R$prefix/share/man"; rc=$?
check "systemd-analyze verify of the installed units: $(head -3 "$T/verify.log")" '[ $rc = 0 ] && [ ! -s "$T/verify.log" ]'
# the check can fail: without the binary the same verify refuses
mv "$R$exe" "$T/moved"
verify_units "$R" "$R$prefix/share/man"; rc=$?
check "verify fails when ExecStart's binary is absent" '[ $rc != 0 ] && grep -q "not executable" "$T/verify.log"'
mv "$T/moved" "$R$exe"
hook=$(find "$R" -name libvirt-qemu-hook | head -1)
check "the libvirt hook is installed, executable" '[ -x "$hook" ]'
check "the hook execs the installed binary" 'grep -q "^exec $prefix/sbin/cpumodeld libvirt-hook" "$hook"'
check "the hook is not enabled by the install" '[ ! -e "$R/etc/libvirt/hooks/qemu.d/cpumodeld" ]'
check "the hook names the one link that enables it" \
  'grep -q "ln -s ${hook#"$R"} /etc/libvirt/hooks/qemu.d/cpumodeld" "$hook"'
man8=$R$prefix/share/man/man8/cpumodeld.8
MANPATH=$R$prefix/share/man man -P cat cpumodeld >"$T/man.txt" 2>"$T/man.err"; rc=$?
check "man cpumodeld renders ($(head -1 "$T/man.err"))" '[ $rc = 0 ] && grep -q "negotiate KVM CPU models" "$T/man.txt"'
check "the man page carries the version" 'grep -q "cpumodeld $version" "$man8"'
check "the man page names no source-tree path" '! grep -nE "(^|[ (])(conf|protocol|systemd)/" "$man8"'
check "the man page names the installed hook" 'grep -q "${hook#"$R"}" "$man8"'
sysu=$R$prefix/lib/sysusers.d/cpumodeld.conf
tmpf=$R$prefix/lib/tmpfiles.d/cpumodeld.conf
check "sysusers and tmpfiles snippets installed" '[ -f "$sysu" ] && [ -f "$tmpf" ]'
mkdir -p "$T/sys/etc"
systemd-sysusers --root="$T/sys" "$sysu" >"$T/sysusers.log" 2>&1
check "systemd-sysusers creates the cpumodeld user in a throwaway root ($(head -2 "$T/sysusers.log"))" \
  'grep -q "^cpumodeld:" "$T/sys/etc/passwd"'
systemd-tmpfiles --root="$T/sys" --create "$tmpf" >"$T/tmpfiles.log" 2>&1
check "systemd-tmpfiles creates the state directory 0750 ($(head -2 "$T/tmpfiles.log"))" \
  '[ "$(stat -c %a "$T/sys/var/lib/cpumodeld" 2>/dev/null)" = 750 ]'
check "the Varlink interface is installed" '[ -n "$(find "$R" -name io.cpumodeld.varlink)" ]'
check "LICENSE and NEWS are installed" '[ -n "$(find "$R" -path "*doc/cpumodeld/LICENSE")" ] && [ -n "$(find "$R" -path "*doc/cpumodeld/NEWS")" ]'

# the library: SONAME, headers, pkg-config, a program that links it
so=$(find "$R" -name "libcpumodel.so.$version" | head -1)
check "libcpumodel.so.$version installed" '[ -n "$so" ]'
check "SONAME is libcpumodel.so.0" 'readelf -d "$so" | grep -q "SONAME.*\[libcpumodel.so.0\]"'
libdir=$(dirname "$so")
check "libcpumodel.so -> libcpumodel.so.0 -> the library" \
  '[ "$(readlink "$libdir/libcpumodel.so")" = libcpumodel.so.0 ] && [ "$(readlink "$libdir/libcpumodel.so.0")" = "libcpumodel.so.$version" ]'
pc=$(find "$R" -name cpumodel.pc | head -1)
pkgconf() { PKG_CONFIG_SYSROOT_DIR=$R PKG_CONFIG_PATH=$(dirname "$pc") pkg-config "$@"; }
check "pkg-config knows the version" '[ "$(pkgconf --modversion cpumodel)" = "$version" ]'
cat >"$T/use.c" <<'EOF'
/* compare FROM TO through the installed library: prints compatible/incompatible */
#include <stdio.h>
#include <cpumodel/cpumodel.h>
int main(int argc, char **argv)
{
    struct cm_snapshot *s[2] = {0};
    struct cm_vector v[2];
    cm_error err = {0};
    if (argc != 3)
        return 2;
    for (int i = 0; i < 2; i++)
        if (cm_snapshot_load(argv[i + 1], &s[i], &err) < 0 || cm_vector_from_snapshot(s[i], &v[i], &err) < 0) {
            fprintf(stderr, "%s\n", err.msg);
            return 2;
        }
    struct cm_reasons r = {0};
    bool ok = cm_compare(&v[0], &v[1], s[1], &r);
    printf("%s %zu\n", ok ? "compatible" : "incompatible", r.n);
    cm_reasons_free(&r);
    for (int i = 0; i < 2; i++) {
        cm_vector_free(&v[i]);
        cm_snapshot_free(s[i]);
    }
    return 0;
}
EOF
# a sanitizer build installs a sanitized library: its consumer needs the same runtime
san=
grep -q '^CPUMODEL_SANITIZE:BOOL=ON' "$bdir/CMakeCache.txt" && san="-fsanitize=address,undefined"
# shellcheck disable=SC2046,SC2086
cc -std=gnu11 -Wall -Werror $san -o "$T/use" "$T/use.c" $(pkgconf --cflags --libs cpumodel) 2>"$T/cc.log"
check "a C program builds with pkg-config cpumodel ($(head -3 "$T/cc.log"))" '[ -x "$T/use" ]'
check "it links the shared library" 'readelf -d "$T/use" | grep -q "NEEDED.*libcpumodel.so.0"'
V1=$fx/fingerprint_ARM_NEOVERSE_V1_6.1host.json N1=$fx/fingerprint_ARM_NEOVERSE_N1_6.1host.json
for pair in "$N1 $N1" "$V1 $N1"; do
  # shellcheck disable=SC2086
  got=$(LD_LIBRARY_PATH=$libdir "$T/use" $pair | cut -d' ' -f1)
  # shellcheck disable=SC2086
  want=$("$bin" compare --json $pair | jq -r 'if .compatible then "compatible" else "incompatible" end')
  check "library and CLI agree on $(basename ${pair%% *}) -> $(basename ${pair##* }): $got / $want" '[ -n "$got" ] && [ "$got" = "$want" ]'
done
check "V1 -> N1 is incompatible (N1 lacks BF16, test_cli_offline)" '[ "$want" = incompatible ]'

# bash completion: commands and a command's options, from the installed binary's help
comp=$(find "$R" -path '*bash-completion/completions/cpumodeld')
complete_words() { # complete_words WORD...: what the completion offers for the last word
  bash -c 'source "$1"; shift; cpumodeld() { "'"$R$exe"'" "$@"; }; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _cpumodeld; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@"
}
check "completion: cpumodeld bas -> baseline" '[ "$(complete_words cpumodeld bas)" = baseline ]'
check "completion: cpumodeld compare --js -> --json" '[ "$(complete_words cpumodeld compare --js)" = --json ]'
check "completion: cpumodeld pin --f -> --force" '[ "$(complete_words cpumodeld pin --f)" = --force ]'

# an install under another prefix would leave units naming a binary that is not there: refused
DESTDIR=$T/other cmake --install "$bdir" --prefix "$T/elsewhere" >"$T/other.log" 2>&1; rc=$?
check "cmake --install --prefix OTHER is refused with the reason" '[ $rc != 0 ] && grep -q "configured for the prefix" "$T/other.log"'

# ---- 2. the Debian packages
debdir=$bdir/deb
bash "$src/tools/package.sh" "$debdir" >"$T/package.log" 2>&1; rc=$?
check "tools/package.sh builds the packages ($(tail -3 "$T/package.log"))" '[ $rc = 0 ]'
arch=$(dpkg --print-architecture)
D=$T/deb-root
for p in cpumodeld libcpumodel0 libcpumodel-dev; do
  deb=$debdir/${p}_${version}_$arch.deb
  check "$p package built" '[ -f "$deb" ]'
  [ -f "$deb" ] || continue
  check "$p: Version $version" '[ "$(dpkg-deb -f "$deb" Version)" = "$version" ]'
  dpkg-deb -x "$deb" "$D"
done
deb=$debdir/cpumodeld_${version}_$arch.deb
if [ -f "$deb" ]; then
  check "cpumodeld depends on the libraries it links (shlibdeps)" 'dpkg-deb -f "$deb" Depends | grep -q libjson-c'
  dpkg-deb -e "$deb" "$T/control"
  check "the config is a conffile" 'grep -qx /etc/cpumodeld/cpumodeld.conf "$T/control/conffiles"'
  check "the package installs /usr/sbin/cpumodeld" '[ -x "$D/usr/sbin/cpumodeld" ]'
  check "cpumodeld --version from the package" '[ "$("$D/usr/sbin/cpumodeld" --version)" = "cpumodeld $version" ]'
  check "the packaged unit starts /usr/sbin/cpumodeld with /etc/cpumodeld/cpumodeld.conf" \
    'grep -qx "ExecStart=/usr/sbin/cpumodeld serve --config /etc/cpumodeld/cpumodeld.conf" "$D/usr/lib/systemd/system/cpumodeld.service"'
  check "the packaged hook execs /usr/sbin/cpumodeld" 'grep -q "^exec /usr/sbin/cpumodeld libvirt-hook" "$D/usr/libexec/cpumodeld/libvirt-qemu-hook"'
  # the enabling line docs/libvirt.md and README.md give links the file the package installs
  for doc in docs/libvirt.md README.md; do
    link=$(sed -n 's|^ *ln -s \([^ ]*\) /etc/libvirt/hooks/qemu.d/cpumodeld.*|\1|p' "$src/$doc" | head -1)
    check "$doc enables the hook with a link to the packaged file (${link:-no ln -s line})" '[ -n "$link" ] && [ -x "$D$link" ]'
  done
  mkroot "$D"
  verify_units "$D" "$D/usr/share/man"; rc=$?
  check "systemd-analyze verify of the packaged units: $(head -3 "$T/verify.log")" '[ $rc = 0 ] && [ ! -s "$T/verify.log" ]'
  MANPATH=$D/usr/share/man man -P cat cpumodeld >"$T/man2.txt" 2>&1; rc=$?
  check "man cpumodeld from the package" '[ $rc = 0 ] && grep -q "cpumodeld $version" "$T/man2.txt"'
  check "libcpumodel.so.0 from libcpumodel0" '[ -n "$(find "$D" -name libcpumodel.so.0)" ]'
  check "cpumodel.pc from libcpumodel-dev" '[ -n "$(find "$D" -name cpumodel.pc)" ]'
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
