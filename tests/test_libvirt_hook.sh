#!/usr/bin/env bash
# `cpumodeld libvirt-hook`, the libvirt qemu hook that vetoes incoming live
# migrations (docs/libvirt.md).
# (a) always: the hook driven as libvirt drives it (argv "DOM migrate begin -",
#     the domain XML on stdin) against real daemons serving real fixtures:
#     the destination serves INTEL_SKYLAKE_6.1 and has a peer serving
#     INTEL_ICELAKE_6.1.  "prod" is pinned over the destination alone, "rich"
#     over the Ice Lake peer alone.  Whether each is enforceable here is not
#     assumed: the offline `cpumodeld plan MODEL FIXTURE` decides, and the
#     hook must agree (and name the first blocking reason).
# (b) when libvirtd and qemu-system-x86 are installed and we are root: two
#     libvirtd on this machine (each in its own mount namespace), a 64 MiB
#     TCG guest with no disk carrying the metadata, the hook installed in the
#     destination's hooks dir; a live migration succeeds with "prod" and is
#     vetoed, with the hook's message in virsh's error, with "rich".
source "$(dirname "$0")/daemon_lib.sh"

S=$T/dest.sock
NS=https://cpumodeld.invalid/xmlns/1
DEST=INTEL_SKYLAKE_6.1
PEER=INTEL_ICELAKE_6.1
PA="127.0.0.1:$((PORT0 + 1))"
start_daemon peer --snapshot "$(fixture $PEER)" --socket "" --listen-tcp "$PA"
wait_ready --connect "$PA" || fail "the peer daemon did not come up: $(tail -5 "$T/peer.log")"
start_daemon dest --snapshot "$(fixture $DEST)" --socket "$S" --peer "$PA"
DEST_PID=$LAST_PID
wait_ready --socket "$S" || fail "the destination daemon did not come up: $(tail -5 "$T/dest.log")"

"$CPUMODELD" pin --socket "$S" --peers self prod >/dev/null || fail "pin prod"
"$CPUMODELD" pin --socket "$S" --peers self --replace prod >/dev/null || fail "pin --replace prod"
"$CPUMODELD" pin --socket "$S" --peers "$PA" rich >/dev/null || fail "pin rich over the peer"
"$CPUMODELD" models --socket "$S" --json >"$T/models.json"
PROD_GEN=$(jq -r '.models[] | select(.name == "prod") | .generation' "$T/models.json")
[ "$PROD_GEN" = 2 ] || fail "prod generation after --replace: $PROD_GEN"
jq -e --arg p "$PEER" '.models[] | select(.name == "rich") | .members == [$p]' "$T/models.json" >/dev/null ||
  fail "rich is not the peer's model: $(cat "$T/models.json")"

# the oracle: the offline planner on the same model and fixture
expect=()
for m in prod rich; do
  vcall --socket "$S" io.cpumodeld.GetModel "{\"name\":\"$m\"}" | jq .parameters.model >"$T/$m.json"
  r=0; "$CPUMODELD" plan --json "$T/$m.json" "$(fixture $DEST)" >"$T/$m.plan.json" 2>/dev/null || r=$?
  expect+=("$r")
done
[ "${expect[0]}" = 0 ] || fail "the host's own baseline does not plan on itself (offline rc ${expect[0]})"
[ "${expect[1]}" = 1 ] || fail "premise: the $PEER model should not be enforceable on $DEST (offline rc ${expect[1]})"
FIRST_REASON=$(jq -r '[.reasons[] | select(.severity == "error")][0].text' "$T/rich.plan.json")
[ -n "$FIRST_REASON" ] && [ "$FIRST_REASON" != null ] || fail "the offline plan of rich gives no reason"

# the guests' CPUs: libvirt exports of the models (checked against libvirt's
# own data in test_libvirt_export.sh)
"$CPUMODELD" export --format libvirt --host "$(fixture $DEST)" "$T/prod.json" >"$T/prod.cpu.xml" 2>/dev/null ||
  fail "libvirt export prod"
"$CPUMODELD" export --format libvirt --host "$(fixture $PEER)" "$T/rich.json" >"$T/rich.cpu.xml" 2>/dev/null ||
  fail "libvirt export rich"
CPU_XML=$(cat "$T/prod.cpu.xml")
# domain XML as libvirt writes it, another application's metadata first;
# the CPU: $CPU_XML (default: prod's export)
domxml() { # domxml METADATA-INNER
  cat <<EOF
<domain type='qemu'>
  <name>guest1</name>
  <uuid>0d3c1e52-6b7a-4c1e-9a57-2f0c7b1a9e01</uuid>
  <metadata>
    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
      <libosinfo:os id="http://debian.org/debian/12"/>
    </libosinfo:libosinfo>
    $1
  </metadata>
  <memory unit='KiB'>65536</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  $CPU_XML
</domain>
EOF
}
ref() { echo "<cpumodeld:model xmlns:cpumodeld=\"$NS\" $*/>"; }

# hook INPUT-FILE ARGS... : runs the hook, sets RC, OUT (stdout), ERR (stderr)
hook() {
  local in=$1; shift
  RC=0
  "$CPUMODELD" libvirt-hook "$@" <"$in" >"$T/out" 2>"$T/err" || RC=$?
  OUT=$(cat "$T/out"); ERR=$(cat "$T/err")
}
expect_rc() { # expect_rc RC WHAT
  [ "$RC" = "$1" ] || fail "$2: exit $RC, expected $1 (stderr: $ERR)"
  [ -z "$OUT" ] || fail "$2: the hook printed on stdout (libvirt would take it as the domain XML): $OUT"
}
one_line() { [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ] && [ -n "$ERR" ] || fail "$1: not one stderr line: $ERR"; }
export CPUMODELD_SOCKET=$S

# --- enforceable here: allowed, silently
domxml "$(ref name='"prod"' generation='"2"')" >"$T/prod.xml"
t0=$(date +%s%N)
hook "$T/prod.xml" guest1 migrate begin -
HOOK_MS=$((($(date +%s%N) - t0) / 1000000))
expect_rc "${expect[0]}" "prod generation 2"
[ -z "$ERR" ] || fail "an allowed migration printed: $ERR"
domxml "$(ref name='"prod"')" >"$T/prod-nogen.xml"
hook "$T/prod-nogen.xml" guest1 migrate begin -
expect_rc 0 "prod without a generation"
ok "a pinned model this host can run (offline plan agrees): exit 0, no output (the whole check, label and guest CPU: $HOOK_MS ms)"

# --- not enforceable here: vetoed, one line naming model, host and the first reason
domxml "$(ref name='"rich"' generation='"1"')" >"$T/rich.xml"
hook "$T/rich.xml" guest1 migrate begin -
expect_rc "${expect[1]}" "rich"
one_line "rich"
for want in "guest1" "'rich'" "$DEST" "$FIRST_REASON"; do
  [[ "$ERR" == *"$want"* ]] || fail "the veto does not name '$want': $ERR"
done
ok "a pinned model this host cannot run: exit 1, one line with model, host and first reason"

# --- generation and name mismatches
domxml "$(ref name='"prod"' generation='"1"')" >"$T/prod-g1.xml"
hook "$T/prod-g1.xml" guest1 migrate begin -
expect_rc 1 "prod generation 1 (pinned: 2)"
one_line "generation"
[[ "$ERR" == *"generation 2"* && "$ERR" == *"generation 1"* && "$ERR" == *prod* ]] || fail "generation veto: $ERR"
domxml "$(ref name='"nosuch"')" >"$T/nosuch.xml"
hook "$T/nosuch.xml" guest1 migrate begin -
expect_rc 1 "a model not pinned here"
[[ "$ERR" == *"'nosuch'"*"not pinned"* ]] || fail "unknown model: $ERR"
ok "generation mismatch and a model not pinned here: vetoed with the reason"

# --- content, not name: the label's digest must be the pinned model's
PROD_DIGEST=$(jq -r '.models[] | select(.name == "prod") | .digest' "$T/models.json")
[[ "$PROD_DIGEST" == sha256:* ]] || fail "prod has no digest in cpumodeld models: $PROD_DIGEST"
# the oracle: sha256 of a model known under another name is not prod's
RICH_DIGEST=$(jq -r '.models[] | select(.name == "rich") | .digest' "$T/models.json")
[ "$RICH_DIGEST" != "$PROD_DIGEST" ] || fail "premise: prod and rich have one digest"
domxml "$(ref name='"prod"' generation='"2"' digest="\"$PROD_DIGEST\"")" >"$T/prod-dig.xml"
hook "$T/prod-dig.xml" guest1 migrate begin -
expect_rc 0 "prod with its own digest"
domxml "$(ref name='"prod"' generation='"2"' digest="\"$RICH_DIGEST\"")" >"$T/prod-otherdig.xml"
hook "$T/prod-otherdig.xml" guest1 migrate begin -
expect_rc 1 "prod labelled with another model's digest"
one_line "digest"
[[ "$ERR" == *"$RICH_DIGEST"*"$PROD_DIGEST"*"different model under the same name"* ]] || fail "digest veto: $ERR"
domxml "$(ref name='"prod"' digest='"sha256:xyz"')" >"$T/prod-baddig.xml"
hook "$T/prod-baddig.xml" guest1 migrate begin -
expect_rc 2 "a malformed digest"
[[ "$ERR" == *"bad digest"* ]] || fail "malformed digest: $ERR"
# the daemon's Export (model:NAME) gives the same <cpu> as the file
"$CPUMODELD" export --format libvirt --socket "$S" model:prod >"$T/prod.daemon.cpu.xml" 2>/dev/null ||
  fail "export --format libvirt model:prod through the daemon"
[ "$(cat "$T/prod.daemon.cpu.xml")" = "$(cat "$T/prod.cpu.xml")" ] || fail "the daemon's libvirt export differs from the file's"
ok "a label with the pinned model's digest passes; another model's digest under the same name is vetoed (both digests named); the daemon's Export gives the same <cpu>"

# --- the guest, not the label: a label naming another model than the guest's CPU
CPU_XML=$(cat "$T/rich.cpu.xml") domxml "$(ref name='"prod"' generation='"2"')" >"$T/liar.xml"
hook "$T/liar.xml" guest1 migrate begin -
expect_rc 1 "label prod on a guest whose CPU is rich's export"
one_line "label mismatch"
RICH_LVMODEL=$(sed -n "s/.*<model fallback='forbid'>\(.*\)<\/model>.*/\1/p" "$T/rich.cpu.xml")
for want in "label says model 'prod'" "libvirt model $RICH_LVMODEL" "not that model"; do
  [[ "$ERR" == *"$want"* ]] || fail "the label veto does not say '$want': $ERR"
done
ok "a label naming another model than the guest's actual CPU: vetoed, both named"

# --- unlabelled guests are checked too: their <cpu> against this host
# oracle: libvirt's expansion of the CPU (virsh, test driver) and the
# destination fixture's CPUID through libvirt's x86_features.xml
"$CPUMODELD" import --from firecracker "$(fixture $DEST)" -o "$T/dest.snap.json" >/dev/null || fail "import $DEST"
expect_missing() { # expect_missing CPU-FILE: the features the guest has and the destination lacks
  python3 "$SRC/tests/libvirt_features.py" missing "$1" "$T/dest.snap.json"
}
domxml "" >"$T/none.xml"
hook "$T/none.xml" guest1 migrate begin -
[ -z "$(expect_missing "$T/prod.cpu.xml")" ] || fail "premise: prod's export has features $DEST lacks"
expect_rc 0 "no label, CPU = prod's export"
[ -z "$ERR" ] || fail "no label but stderr: $ERR"
for cpu in "rich.cpu.xml" "qemu64"; do
  if [ "$cpu" = qemu64 ]; then
    echo "<cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model></cpu>" >"$T/qemu64.cpu.xml"
    cpu=qemu64.cpu.xml
  fi
  want=$(expect_missing "$T/$cpu")
  [ -n "$want" ] || fail "premise: $cpu has nothing $DEST lacks"
  CPU_XML=$(cat "$T/$cpu") domxml "" >"$T/g.xml"
  hook "$T/g.xml" guest1 migrate begin -
  expect_rc 1 "no label, CPU $cpu"
  one_line "$cpu"
  for f in $want; do [[ "$ERR" == *"$f"* ]] || fail "the veto for $cpu does not name '$f' (libvirt's expansion): $ERR"; done
  hook "$T/g.xml" guest1 restore begin -
  expect_rc 1 "restore of a guest with CPU $cpu"
  [[ "$ERR" == *"vetoing restore of guest1"* ]] || fail "restore veto: $ERR"
done
ok "unlabelled guests: a CPU this host can give passes; one it cannot (rich's export, qemu64 with svm) is vetoed on migrate and restore, naming the features libvirt's expansion says $DEST lacks"

# --- host-passthrough: the source host's CPU; every other member is a possible source
CPU_XML="<cpu mode='host-passthrough' check='none' migratable='on'/>" domxml "" >"$T/pt.xml"
hook "$T/pt.xml" guest1 migrate begin -
expect_rc 1 "host-passthrough, the cluster has $PEER"
one_line "host-passthrough"
for want in "host-passthrough" "member $PEER"; do
  [[ "$ERR" == *"$want"* ]] || fail "the passthrough veto does not say '$want': $ERR"
done
CPU_XML="<cpu mode='host-passthrough' check='none' migratable='on'/>" domxml "$(ref name='"prod"')" >"$T/pt-label.xml"
hook "$T/pt-label.xml" guest1 migrate begin -
expect_rc 1 "host-passthrough labelled prod"
[[ "$ERR" == *"label says model 'prod'"*"host-passthrough"* ]] || fail "passthrough with a label: $ERR"
ok "host-passthrough: vetoed when a member that could be its source ($PEER) has what this host lacks; a label on it is refused"

# --- not our operation; foreign metadata
domxml '<x:model xmlns:x="https://example.invalid/other" name="rich"/>' >"$T/other.xml"
hook "$T/other.xml" guest1 migrate begin -
expect_rc 0 "a model element in another namespace"
[ -z "$ERR" ] || fail "foreign metadata but stderr: $ERR"
echo '<not xml' >"$T/junk"
for op in "prepare begin -" "start begin -" "started begin -" "stopped end -" "release end -"; do
  # shellcheck disable=SC2086
  hook "$T/junk" guest1 $op
  expect_rc 0 "operation '$op'"
  [ -z "$ERR" ] || fail "operation '$op' printed: $ERR"
done
ok "foreign metadata, other operations: exit 0, silent"

# --- bad input: a clear error, a veto (non-zero)
bad_input() { # bad_input FILE WHAT PATTERN
  hook "$1" guest1 migrate begin -
  expect_rc 2 "$2"
  one_line "$2"
  [[ "$ERR" == *$3* ]] || fail "$2: the error does not say '$3': $ERR"
}
printf '<domain><name>g</nam></domain>' >"$T/bad1.xml"
bad_input "$T/bad1.xml" "malformed XML" "malformed (line 1)"
: >"$T/empty.xml"
bad_input "$T/empty.xml" "empty stdin" "malformed"
echo '<network><name>n</name></network>' >"$T/net.xml"
bad_input "$T/net.xml" "not a domain" "not a libvirt domain"
domxml "$(ref generation='"1"')" >"$T/noname.xml"
bad_input "$T/noname.xml" "no name" "no name attribute"
domxml "$(ref name='"prod"' generation='"two"')" >"$T/badgen.xml"
bad_input "$T/badgen.xml" "bad generation" "bad generation"
domxml "$(ref name='"prod"') $(ref name='"rich"')" >"$T/two.xml"
bad_input "$T/two.xml" "two model elements" "more than one"
hook "$T/prod.xml" >/dev/null
[ "$RC" = 2 ] || fail "no arguments: exit $RC"
ok "malformed XML, a non-domain, bad metadata, missing arguments: exit 2 with the reason"

# --- the shipped wrapper passes its arguments through
sed "s#/usr/sbin/cpumodeld#$CPUMODELD#" "$SRC/conf/libvirt-qemu-hook" >"$T/wrapper"
grep -q "$CPUMODELD" "$T/wrapper" || fail "the wrapper does not exec /usr/sbin/cpumodeld"
RC=0; bash "$T/wrapper" guest1 migrate begin - <"$T/rich.xml" >"$T/out" 2>"$T/err" || RC=$?
[ "$RC" = 1 ] && grep -q "'rich'" "$T/err" && [ ! -s "$T/out" ] || fail "through the wrapper: rc $RC $(cat "$T/err")"
ok "conf/libvirt-qemu-hook execs the hook with libvirt's arguments"

# --- the daemon cannot be asked: strict by default, CPUMODELD_HOOK_STRICT=0 allows with a warning
CPUMODELD_SOCKET=$T/nobody.sock hook "$T/prod.xml" guest1 migrate begin -
expect_rc 3 "no daemon, default policy"
one_line "no daemon"
[[ "$ERR" == *"vetoing"*"'prod'"*"nobody.sock"* ]] || fail "no daemon: $ERR"
CPUMODELD_HOOK_STRICT=0 CPUMODELD_SOCKET=$T/nobody.sock hook "$T/rich.xml" guest1 migrate begin -
expect_rc 0 "no daemon, CPUMODELD_HOOK_STRICT=0"
[[ "$ERR" == *"warning"*"UNCHECKED"*"'rich'"* ]] || fail "no daemon, lenient: no warning: $ERR"
# a daemon that accepts but does not answer (stopped): the timeout bounds the wait
kill -STOP "$DEST_PID"
t0=$(date +%s%N)
CPUMODELD_HOOK_TIMEOUT_MS=500 hook "$T/prod.xml" guest1 migrate begin -
t1=$(date +%s%N)
kill -CONT "$DEST_PID"
expect_rc 3 "a stopped daemon"
ms=$(((t1 - t0) / 1000000))
[ "$ms" -lt 5000 ] || fail "the hook waited ${ms} ms for a stopped daemon (timeout 500 ms)"
ok "daemon unreachable: veto (exit 3) by default, allowed with a warning when CPUMODELD_HOOK_STRICT=0; a hung daemon costs ${ms} ms"
hook "$T/prod.xml" guest1 migrate begin -
expect_rc 0 "after SIGCONT"

# ---------------------------------------------------------------------------
# (b) end to end with libvirt
e2e_skip() { echo "SKIP: end-to-end libvirt part (b): $*" >&2; echo "part (a) passed; part (b) SKIPPED: $*"; exit 0; }
[ "${CPUMODELD_SKIP_LIBVIRT:-0}" = 1 ] && e2e_skip "CPUMODELD_SKIP_LIBVIRT=1"
[ "$(id -u)" = 0 ] || e2e_skip "needs root (libvirtd, mount namespaces)"
for c in libvirtd virsh qemu-system-x86_64 unshare timeout python3 gcc cpio gzip; do
  command -v "$c" >/dev/null || e2e_skip "$c is not installed (tools/deps.sh test)"
done
unshare --mount --propagation private true 2>/dev/null || e2e_skip "no private mount namespaces here (unshare --mount)"

# Two libvirtd, each in a private mount namespace: tmpfs over its runtime and
# state dirs, its own copy of /etc/libvirt,
# QEMU output to files (no virtlogd), one QEMU capabilities cache for both;
# each has the hook, asking its own cpumodeld.
# unshare execs bash which execs libvirtd: $! is the libvirtd.
LV_PIDS=()
E2E_FAILED=1 # until the end: on failure, cleanup shows the libvirtd logs
cleanup_extra() {
  local p f q
  for p in "${LV_PIDS[@]}"; do
    # the guests first (daemonized QEMU, found through that libvirtd's own view)
    for f in /proc/"$p"/root/run/libvirt/qemu/cmhook-*-$$.pid; do
      [ -r "$f" ] || continue
      q=$(cat "$f" 2>/dev/null)
      [ -n "$q" ] && grep -q qemu-system "/proc/$q/cmdline" 2>/dev/null && kill -KILL "$q"
    done
    kill -TERM "$p" 2>/dev/null
  done
  for p in "${LV_PIDS[@]}"; do
    for _ in $(seq 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
  done
  if [ "$E2E_FAILED" = 1 ]; then
    for f in "$T"/lv-*/libvirtd.log "$T"/lv-*/out; do [ -s "$f" ] && { echo "--- $f" >&2; tail -15 "$f" >&2; }; done
  fi
}
LVPORT_SRC=$((PORT0 + 2))
LVPORT_DST=$((PORT0 + 3))
MIGPORT=$((PORT0 + 10))
# the QEMU capabilities cache: probing every qemu-system-* takes 10-40 s, so
# keep it in the build tree across runs (libvirt revalidates it itself)
CACHE=$T/cache
[ -n "${CPUMODEL_BINARY_DIR:-}" ] && [ -d "$CPUMODEL_BINARY_DIR" ] && CACHE=$CPUMODEL_BINARY_DIR/tests/libvirt-cache
mkdir -p "$CACHE"
start_libvirtd() { # start_libvirtd NAME TCP-PORT UUID
  local n=$1 port=$2 uuid=$3 d=$T/lv-$1 pid
  [ -n "$T" ] && [ -d "$T" ] || fail "no test directory"
  mkdir -p "$d"
  cp -a /etc/libvirt "$d/etc"
  rm -rf "$d/etc/hooks" "$d/etc/qemu/networks/autostart"
  rm -f "$d"/etc/qemu/*.xml
  mkdir -p "$d/etc/hooks/qemu.d"
  printf '%s\n' "listen_tls = 0" "listen_tcp = 1" "listen_addr = \"127.0.0.1\"" "tcp_port = \"$port\"" "auth_tcp = \"none\"" \
    "host_uuid = \"$uuid\"" "log_outputs = \"3:file:$d/libvirtd.log\"" >>"$d/etc/libvirtd.conf"
  printf '%s\n' "stdio_handler = \"file\"" "security_driver = \"none\"" "user = \"root\"" "group = \"root\"" "cgroup_controllers = [ ]" \
    "migration_port_min = $MIGPORT" "migration_port_max = $((MIGPORT + 9))" \
    >>"$d/etc/qemu.conf"
  # each host's hook asks that host's cpumodeld (src: A, dst: B)
  sed "s#/usr/sbin/cpumodeld#env CPUMODELD_SOCKET=$T/$n.sock $CPUMODELD#" "$SRC/conf/libvirt-qemu-hook" \
    >"$d/etc/hooks/qemu.d/cpumodeld"
  # runs first (qemu.d hooks run in name order): records what libvirt sends
  printf '#!/bin/sh\necho "$*" >>%s\n' "$T/ops-$n.log" >"$d/etc/hooks/qemu.d/00-record"
  chmod 755 "$d/etc/hooks/qemu.d/cpumodeld" "$d/etc/hooks/qemu.d/00-record"
  unshare --mount --propagation private bash -c "
    mkdir -p /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt &&
    mount -t tmpfs tmpfs /run/libvirt && mount -t tmpfs tmpfs /var/lib/libvirt &&
    mount -t tmpfs tmpfs /var/log/libvirt && mount --bind '$CACHE' /var/cache/libvirt &&
    mount --bind '$d/etc' /etc/libvirt || exit 1
    exec libvirtd -l -f /etc/libvirt/libvirtd.conf -p /run/libvirt/libvirtd.pid" >"$d/out" 2>&1 &
  pid=$!
  LV_PIDS+=("$pid")
  # the first start probes QEMU (8 s alone, longer on a busy machine); at most 180 s
  local until=$((SECONDS + 180))
  while [ "$SECONDS" -lt "$until" ]; do
    timeout 30 virsh -q -c "qemu+tcp://127.0.0.1:$port/system" version >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  E2E_FAILED=1
  fail "libvirtd $n did not come up on 127.0.0.1:$port"
}
SRCURI="qemu+tcp://127.0.0.1:$LVPORT_SRC/system"
DSTURI="qemu+tcp://127.0.0.1:$LVPORT_DST/system"
t0=$(date +%s%N)
start_libvirtd src "$LVPORT_SRC" 5b0d2c9e-3f4a-4e1b-8c6d-000000000001
start_libvirtd dst "$LVPORT_DST" 5b0d2c9e-3f4a-4e1b-8c6d-000000000002
ok "two libvirtd on loopback, each in its own mount namespace ($((($(date +%s%N) - t0) / 1000000)) ms)"

# --- the hosts: two cpumodeld, peers of each other, each serving a real dump
# cut down to what this machine's hypervisor can give a guest.  There is no
# /dev/kvm here (or only PVM's), so the guests run under QEMU TCG; the cut
# keeps only the libvirt features TCG offers (libvirt's own domain
# capabilities: host-model for virttype qemu), so that a model negotiated
# over them can really run.  A = Skylake, B = Ice Lake.
virsh -q -c "$SRCURI" domcapabilities --virttype qemu --arch x86_64 --machine pc >"$T/domcaps.xml" ||
  fail "virsh domcapabilities --virttype qemu"
python3 - "$T/domcaps.xml" >"$T/tcg.cpu.xml" <<'PY' || fail "no host-model CPU for TCG in libvirt's domain capabilities"
import sys, xml.etree.ElementTree as ET
for m in ET.parse(sys.argv[1]).getroot().iter("mode"):
    if m.get("name") == "host-model" and m.get("supported") == "yes":
        m.tag = "cpu"; m.attrib.clear()
        print(ET.tostring(m, encoding="unicode")); break
else:
    sys.exit(1)
PY
TCG=$(python3 "$SRC/tests/libvirt_features.py" expand "$T/tcg.cpu.xml")
[ -n "$TCG" ] || fail "libvirt expands TCG's host-model to nothing"
"$CPUMODELD" import --from firecracker "$(fixture $PEER)" -o "$T/peer.snap.json" >/dev/null || fail "import $PEER"
# shellcheck disable=SC2086
python3 "$SRC/tests/libvirt_features.py" restrict "$T/dest.snap.json" "${DEST}_TCG" "$T/a.snap.json" $TCG &&
  python3 "$SRC/tests/libvirt_features.py" restrict "$T/peer.snap.json" "${PEER}_TCG" "$T/b.snap.json" $TCG ||
  fail "cutting the dumps down to TCG"
PA2="127.0.0.1:$((PORT0 + 4))"; PB2="127.0.0.1:$((PORT0 + 5))"
start_daemon hostA --snapshot "$T/a.snap.json" --socket "$T/src.sock" --listen-tcp "$PA2" --peer "$PB2"
start_daemon hostB --snapshot "$T/b.snap.json" --socket "$T/dst.sock" --listen-tcp "$PB2" --peer "$PA2"
wait_ready --socket "$T/src.sock" && wait_ready --socket "$T/dst.sock" || fail "the TCG host daemons did not come up"
"$CPUMODELD" pin --socket "$T/src.sock" --peers "self,$PB2" cluster >/dev/null || fail "pin cluster on A"
"$CPUMODELD" pin --socket "$T/dst.sock" --peers "self,$PA2" cluster >/dev/null || fail "pin cluster on B"
for h in src dst; do
  vcall --socket "$T/$h.sock" io.cpumodeld.GetModel '{"name":"cluster"}' | jq .parameters.model >"$T/cluster-$h.json"
  "$CPUMODELD" export --format libvirt --host "$T/$([ $h = src ] && echo a || echo b).snap.json" "$T/cluster-$h.json" \
    >"$T/cluster-$h.cpu.txt" 2>/dev/null || fail "export cluster ($h)"
  "$CPUMODELD" plan "$T/cluster-$h.json" "$T/$([ $h = src ] && echo a || echo b).snap.json" >/dev/null ||
    fail "premise: the cluster model is not enforceable on $h"
done
cmp -s "$T/cluster-src.cpu.txt" "$T/cluster-dst.cpu.txt" || fail "A and B export different CPUs for 'cluster'"
"$CPUMODELD" export --format libvirt --host "$T/a.snap.json" --json "$T/cluster-src.json" 2>/dev/null | jq .data >"$T/cluster.exp.json"
jq -r .cpu_xml "$T/cluster.exp.json" >"$T/cluster.cpu.xml"
ok "hosts A (${DEST}_TCG) and B (${PEER}_TCG): $(wc -w <<<"$TCG") TCG features per libvirt; 'cluster' pinned on both, the same libvirt export ($(jq -r .libvirt_model "$T/cluster.exp.json"))"

# --- the guest: a Debian kernel and a static /init that prints the CPUID it sees
KCACHE=${CPUMODEL_BINARY_DIR:-$T}/lab-cache
LAB_CACHE=$KCACHE bash "$SRC/tests/lab/fetch.sh" amd64-6.12 2>"$T/fetch.err" ||
  e2e_skip "no x86 guest kernel: tests/lab/fetch.sh amd64-6.12 failed: $(tail -1 "$T/fetch.err")"
KERNEL=$KCACHE/amd64-6.12/Image
mkdir -p "$T/ird"
gcc -std=gnu11 -O2 -static -Wall -Wextra -Werror -o "$T/ird/init" "$SRC/tests/libvirt_guest_init.c" 2>"$T/cc.err" ||
  e2e_skip "cannot build the static guest /init (gcc -static, libc6-dev): $(head -3 "$T/cc.err")"
(cd "$T/ird" && echo init | cpio -o -H newc 2>/dev/null | gzip) >"$T/initrd.gz"

guestxml() { # guestxml NAME CPU-XML: 128 MiB, TCG, kernel + initramfs, serial console to a file (appended across migrations)
  cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>$KERNEL</kernel><initrd>$T/initrd.gz</initrd>
    <cmdline>console=ttyS0 quiet panic=-1</cmdline></os>
  $2
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='file'><source path='$T/$1.console' append='on'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
}
migrate() { # migrate NAME FROM-URI TO-URI: sets MRC, MERR, MMS
  local t
  t=$(date +%s%N)
  MRC=0
  timeout 120 virsh -q -c "$2" migrate --live "$1" "$3" --migrateuri tcp://127.0.0.1 --listen-address 127.0.0.1 \
    >"$T/mig.out" 2>"$T/mig.err" || MRC=$?
  MERR=$(cat "$T/mig.err")
  MMS=$((($(date +%s%N) - t) / 1000000))
}
state() { virsh -q -c "$1" domstate "$2" 2>/dev/null | head -1; }
wait_console() { # wait_console NAME PATTERN SECONDS
  local until=$((SECONDS + $3))
  while [ "$SECONDS" -lt "$until" ]; do grep -q "$2" "$T/$1.console" 2>/dev/null && return 0; sleep 0.5; done
  fail "$1: '$2' did not appear on the console in $3 s: $(tail -c 600 "$T/$1.console" 2>/dev/null)"
}
last_tick() { grep -a '^TICK' "$T/$1.console" | tail -1 | cut -d' ' -f2; }

# --- libvirt apply: define the guest without a CPU, then let cpumodeld set it
G1=cmhook-ok-$$
guestxml "$G1" "" >"$T/g1.xml"
virsh -q -c "$SRCURI" define "$T/g1.xml" >/dev/null 2>"$T/def.err" || fail "virsh define: $(cat "$T/def.err")"
virsh -q -c "$SRCURI" dumpxml --inactive "$G1" >"$T/g1.before.xml"
"$CPUMODELD" libvirt apply "$G1" --uri "$SRCURI" --socket "$T/src.sock" --model cluster --dry-run >"$T/dry.out" ||
  fail "libvirt apply --dry-run: $(cat "$T/dry.out")"
grep -q "(dry run: nothing changed)" "$T/dry.out" && grep -q "name=\"cluster\"" "$T/dry.out" ||
  fail "dry run output: $(cat "$T/dry.out")"
virsh -q -c "$SRCURI" dumpxml --inactive "$G1" | cmp -s - "$T/g1.before.xml" || fail "--dry-run changed the domain"
"$CPUMODELD" libvirt apply "$G1" --uri "$SRCURI" --socket "$T/src.sock" >"$T/apply.out" 2>&1 ||
  fail "libvirt apply: $(cat "$T/apply.out")"
virsh -q -c "$SRCURI" dumpxml --inactive "$G1" >"$T/g1.applied.xml"
python3 - "$T/g1.applied.xml" >"$T/g1.applied.cpu.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
print(ET.tostring(ET.parse(sys.argv[1]).getroot().find("cpu"), encoding="unicode"))
PY
WANT=$(jq -r '.guest_features | join(" ")' "$T/cluster.exp.json")
[ "$(python3 "$SRC/tests/libvirt_features.py" expand "$T/g1.applied.cpu.xml")" = "$WANT" ] ||
  fail "the applied domain's CPU, expanded by libvirt, is not the model: $(cat "$T/g1.applied.cpu.xml")"
virsh -q -c "$SRCURI" metadata "$G1" "$NS" --config >"$T/md.xml" || fail "no cpumodeld metadata after apply"
grep -q 'name="cluster"' "$T/md.xml" && grep -q 'generation="1"' "$T/md.xml" || fail "metadata after apply: $(cat "$T/md.xml")"
ok "libvirt apply: --dry-run shows the change and keeps the domain; apply sets <cpu> (libvirt expands it to the model's $(wc -w <<<"$WANT") features) and the metadata ($(tr -d '\n' <"$T/md.xml"))"

# --- boot it; what the guest sees is the model
t0=$(date +%s%N)
virsh -q -c "$SRCURI" start "$G1" >/dev/null 2>"$T/start.err" || fail "virsh start (check='full'): $(cat "$T/start.err")"
wait_console "$G1" '^CPUID-END' 300
BOOT_MS=$((($(date +%s%N) - t0) / 1000000))
SEEN=$(python3 "$SRC/tests/libvirt_features.py" guest-cpuid "$T/$G1.console")
# shellcheck disable=SC2086
EXPECT=$(python3 "$SRC/tests/libvirt_features.py" cpuid-only $WANT)
[ "$SEEN" = "$EXPECT" ] || fail "inside the guest the CPU is not the model:
  the guest has, the model not: $(comm -23 <(tr ' ' '\n' <<<"$SEEN" | sort) <(tr ' ' '\n' <<<"$EXPECT" | sort) | xargs)
  the model has, the guest not: $(comm -13 <(tr ' ' '\n' <<<"$SEEN" | sort) <(tr ' ' '\n' <<<"$EXPECT" | sort) | xargs)"
FLAGS=$(grep -a '^FLAGS' "$T/$G1.console" | head -1 | wc -w)
ok "guest booted in $BOOT_MS ms (TCG); the $(wc -w <<<"$SEEN") CPUID features it sees are exactly the model's (libvirt's bit definitions); /proc/cpuinfo lists $((FLAGS - 1)) flags"

# a running domain whose CPU is the model: apply only records; one whose CPU is not: refused
"$CPUMODELD" libvirt apply "$G1" --uri "$SRCURI" --socket "$T/src.sock" >"$T/apply2.out" 2>&1 ||
  fail "apply on the running guest whose CPU is the model: $(cat "$T/apply2.out")"
G3=cmhook-other-$$
guestxml "$G3" "<cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model></cpu>" >"$T/g3.xml"
virsh -q -c "$SRCURI" create "$T/g3.xml" >/dev/null 2>"$T/create.err" || fail "virsh create $G3: $(cat "$T/create.err")"
RC=0; "$CPUMODELD" libvirt apply "$G3" --uri "$SRCURI" --socket "$T/src.sock" >"$T/apply3.out" 2>&1 || RC=$?
[ "$RC" = 1 ] && grep -q "refusing: domain '$G3' is running" "$T/apply3.out" || fail "apply on a running qemu64 guest: rc $RC $(cat "$T/apply3.out")"
virsh -q -c "$SRCURI" destroy "$G3" >/dev/null 2>&1
ok "libvirt apply on a running domain: accepted when its CPU already is the model, refused (exit 1) otherwise"

# --- live migration both ways; the guest keeps running and sees the same CPU
tick0=$(last_tick "$G1")
migrate "$G1" "$SRCURI" "$DSTURI"
[ "$MRC" = 0 ] || fail "migration of $G1 A -> B failed: $MERR"
MS1=$MMS
# (A keeps the inactive definition: the domain was defined there)
[ "$(state "$DSTURI" "$G1")" = running ] && [ "$(state "$SRCURI" "$G1")" = "shut off" ] ||
  fail "$G1 is not running on B only (A: $(state "$SRCURI" "$G1"))"
[ "$(grep -m1 "^$G1 " "$T/ops-dst.log")" = "$G1 migrate begin -" ] || fail "B's first hook call for $G1: $(cat "$T/ops-dst.log")"
sleep 3
migrate "$G1" "$DSTURI" "$SRCURI"
[ "$MRC" = 0 ] || fail "migration of $G1 B -> A failed: $MERR"
[ "$(state "$SRCURI" "$G1")" = running ] && [ -z "$(state "$DSTURI" "$G1")" ] || fail "$G1 is not running on A only"
grep -q "^$G1 migrate begin -" "$T/ops-src.log" || fail "A's hook was not called for the way back: $(cat "$T/ops-src.log")"
sleep 3
tick1=$(last_tick "$G1")
[ -n "$tick0" ] && [ -n "$tick1" ] && [ "$tick1" -gt $((tick0 + 3)) ] || fail "the guest stopped ticking (TICK $tick0 -> $tick1)"
hashes=$(grep -a '^TICK' "$T/$G1.console" | cut -d' ' -f3 | sort -u)
[ "$(wc -l <<<"$hashes")" = 1 ] && [ "$hashes" = "$(grep -a '^CPUID-END' "$T/$G1.console" | cut -d' ' -f2)" ] ||
  fail "the guest's CPUID changed across the migrations: $hashes"
ok "live migration A -> B ($MS1 ms) and back ($MMS ms), both hooks allowed it; the guest kept running (TICK $tick0 -> $tick1) and its CPUID never changed"

# --- host-passthrough onto a weaker host: vetoed with the reason.  Under TCG
# the host-passthrough of a guest is mode='maximum' (-cpu max: everything
# the hypervisor can give); with KVM it would be host-passthrough.  The
# guest runs on B (Ice Lake); A (Skylake) cannot take what B has.
RC=0; "$CPUMODELD" compare "$T/b.snap.json" "$T/a.snap.json" --json >"$T/ba.json" 2>/dev/null || RC=$?
[ "$RC" = 1 ] || fail "premise: B's snapshot should not be compatible with A (offline compare rc $RC)"
G2=cmhook-pt-$$
guestxml "$G2" "<cpu mode='maximum' migratable='on'/>" >"$T/g2.xml"
virsh -q -c "$DSTURI" create "$T/g2.xml" >/dev/null 2>"$T/create.err" || fail "virsh create $G2: $(cat "$T/create.err")"
migrate "$G2" "$DSTURI" "$SRCURI"
[ "$MRC" != 0 ] || fail "migration of the maximum-CPU guest $G2 from B to the weaker A was not vetoed"
for want in "vetoing migration of $G2" "the guest's CPU is maximum" "member ${PEER}_TCG"; do
  [[ "$MERR" == *"$want"* ]] || fail "virsh's error does not carry the hook's '$want': $MERR"
done
[ "$(state "$DSTURI" "$G2")" = running ] && [ -z "$(state "$SRCURI" "$G2")" ] || fail "the vetoed guest moved"
ok "a host-passthrough (TCG: maximum) guest migrating from B onto the weaker A: vetoed by A's hook in $MMS ms, reason in virsh's error: ${MERR##*: vetoing}"

virsh -q -c "$SRCURI" destroy "$G1" >/dev/null 2>&1 || true
virsh -q -c "$DSTURI" destroy "$G2" >/dev/null 2>&1 || true
E2E_FAILED=0
echo "all libvirt hook checks passed (part a, and part b end to end)"
