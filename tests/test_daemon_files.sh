#!/usr/bin/env bash
# Issue 12 item 6: state files.
#  - a full disk (the state directory on a tiny tmpfs) loses nothing: a
#    re-probe that finds drift fails cleanly and keeps host.json; once there
#    is room the drift is found again; a pin that does not fit leaves the
#    previous generation; no temporary file is left behind;
#  - a pin named like an old temporary file ("a.json.tmp.1") survives a
#    restart; names outside the documented set are refused;
#  - a planted symlink at a temporary name is never followed.
source "$(dirname "$0")/daemon_lib.sh"
[ "$(id -u)" = 0 ] || skip "mounting a tmpfs needs root"
command -v mount >/dev/null || skip "mount is not installed"

SKY=$(fixture INTEL_SKYLAKE_6.1)
ICE=$(fixture INTEL_ICELAKE_6.1)
MNT=$T/mnt
mkdir -p "$MNT"
mount -t tmpfs -o size=1m tmpfs "$MNT" || skip "cannot mount a tmpfs here"
cleanup_extra() { umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null; }
ST=$MNT/state
S=$T/sock
cp "$SKY" "$T/host.json"
"$CPUMODELD" serve --snapshot "$T/host.json" --socket "$S" --state-dir "$ST" >"$T/d.log" 2>&1 &
PID=$!
PIDS+=("$PID")
wait_ready --socket "$S" || fail "daemon did not come up: $(cat "$T/d.log")"
"$CPUMODELD" pin --socket "$S" gold >/dev/null || fail "pin gold"
"$CPUMODELD" pin --socket "$S" 'a.json.tmp.1' >/dev/null || fail "pin a.json.tmp.1"
cp "$ST/host.json" "$T/host.before"
cp "$ST/models/gold.json" "$T/gold.before"

# fill the disk, then change the host
dd if=/dev/zero of="$MNT/filler" bs=4k 2>/dev/null || true
cp "$ICE" "$T/host.json"
rc=0; "$CPUMODELD" reprobe --socket "$S" >"$T/rp" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "a re-probe on a full disk claimed success"
grep -q "No space left" "$T/rp" || fail "the re-probe error does not name the full disk: $(cat "$T/rp")"
cmp -s "$ST/host.json" "$T/host.before" || fail "host.json changed on a full disk"
rc=0; "$CPUMODELD" pin --socket "$S" --replace gold >"$T/pin" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "a pin on a full disk claimed success"
cmp -s "$ST/models/gold.json" "$T/gold.before" || fail "gold.json changed on a full disk"
"$CPUMODELD" models --socket "$S" --json | jq -e '.models[] | select(.name == "gold") | .generation == 1' >/dev/null ||
  fail "the daemon's gold moved on although nothing was written"
[ -z "$(find "$ST" -name '.tmp-*')" ] || fail "temporary files left on a full disk: $(find "$ST" -name '.tmp-*')"
ok "full disk: re-probe and pin fail with ENOSPC named, host.json and gold.json unchanged, no temporary file left"

rm -f "$MNT/filler"
"$CPUMODELD" reprobe --socket "$S" >/dev/null || fail "re-probe with room"
jq -e '.changed == true and (.changes | length > 0)' "$ST/drift.json" >/dev/null || fail "the drift was lost: $(head -c 300 "$ST/drift.json")"
jq -e '.kernel_version' "$ICE" >/dev/null
[ "$(jq -r .kernel "$ST/host.json")" = "$(jq -r .kernel "$("$CPUMODELD" import --from firecracker "$ICE" -o "$T/ice.json" >/dev/null; echo "$T/ice.json")")" ] ||
  fail "host.json is not the new host after the re-probe"
"$CPUMODELD" pin --socket "$S" --replace gold >/dev/null || fail "pin with room"
ok "with room again: the drift is found and recorded, the pin goes to generation 2"

# restart: both pins load, the one named like an old temporary file too
kill -TERM "$PID"; wait "$PID" 2>/dev/null
"$CPUMODELD" serve --snapshot "$T/host.json" --socket "$S" --state-dir "$ST" >"$T/d2.log" 2>&1 &
PID=$!
PIDS+=("$PID")
wait_ready --socket "$S" || fail "restart: $(cat "$T/d2.log")"
"$CPUMODELD" models --socket "$S" --json | jq -e '.models | map(.name) | sort == ["a.json.tmp.1", "gold"]' >/dev/null ||
  fail "pins after restart: $("$CPUMODELD" models --socket "$S" --json | jq -c '.models | map(.name)')"
for bad in .hidden -dash 'a/b' 'sp ace' "$(printf 'x%.0s' $(seq 65))"; do
  rc=0; "$CPUMODELD" pin --socket "$S" "$bad" >/dev/null 2>&1 || rc=$?
  [ "$rc" = 2 ] || fail "pin name '$bad' accepted (exit $rc)"
done
ok "a pin named a.json.tmp.1 survives a restart; names outside [A-Za-z0-9._-]{1,64} (no leading . or -) refused"

# a symlink planted where a temporary file could go is never followed
ln -s "$T/victim" "$ST/models/.tmp-gold.json-$PID-0"
"$CPUMODELD" pin --socket "$S" --replace gold >/dev/null || fail "pin with a planted symlink"
[ ! -e "$T/victim" ] || fail "the planted symlink was followed"
[ "$(stat -c %a "$ST/models/gold.json")" = 640 ] || fail "gold.json mode $(stat -c %a "$ST/models/gold.json")"
ok "a planted symlink at a temporary name is not followed; state files are 0640"
