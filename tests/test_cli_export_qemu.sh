#!/usr/bin/env bash
# The qemu export against the real QEMU: every flag of the -cpu argument is a
# name `qemu-system-x86_64 -cpu help` lists; QEMU accepts the argument (a
# paused TCG guest, read over QMP) and builds a CPU with the model's vendor
# and CPUID levels (read from the model's own CPUID table with jq) and without
# any feature the model lacks.
source "$(dirname "$0")/daemon_lib.sh"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed (tools/deps.sh test: qemu-system-x86)"

qemu-system-x86_64 -cpu help | sed -n '/Recognized CPUID flags/,$p' | tail -n +2 | tr ' ' '\n' | grep -v '^$' |
  sort -u >"$T/qemu-flags"
[ "$(wc -l <"$T/qemu-flags")" -gt 100 ] || fail "could not read QEMU's flag list"

# the 4 bytes of a CPUID register as text, little-endian (how CPUID.0 spells the vendor)
le_bytes() { local w=$(($1)) i; for i in 0 1 2 3; do printf "\\x$(printf %02x $(((w >> (8 * i)) & 0xff)))"; done | xargs -0 printf '%b'; }

check_model() { # NAME HOST FILES...
  local name=$1 host=$2; shift 2
  "$CPUMODELD" baseline "$@" -o "$T/$name.json" >/dev/null 2>&1
  [ -s "$T/$name.json" ] || fail "$name: no model"
  "$CPUMODELD" export --format qemu "$T/$name.json" --host "$host" --json >"$T/$name.e.json" 2>/dev/null ||
    fail "$name: export failed: $(jq -c .reasons "$T/$name.e.json" | head -c 400)"
  local arg; arg=$(jq -r .output "$T/$name.e.json")
  jq -r '.data.plus[], .data.minus[]' "$T/$name.e.json" | sort -u >"$T/$name.flags"
  local unknown; unknown=$(comm -23 "$T/$name.flags" "$T/qemu-flags" | paste -sd' ')
  [ -z "$unknown" ] || fail "$name: flags QEMU does not know: $unknown"
  [ "$(wc -l <"$T/$name.flags")" -gt 100 ] || fail "$name: only $(wc -l <"$T/$name.flags") flags"

  # QEMU builds the CPU; read it back over QMP
  {
    echo '{"execute":"qmp_capabilities"}'
    for p in vendor level xlevel family model stepping; do
      echo "{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"/machine/unattached/device[0]\",\"property\":\"$p\"},\"id\":\"$p\"}"
    done
    jq -r '.data.minus[]' "$T/$name.e.json" | while read -r f; do
      echo "{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"/machine/unattached/device[0]\",\"property\":\"$f\"},\"id\":\"minus:$f\"}"
    done
    echo '{"execute":"quit"}'
  } | timeout 60 qemu-system-x86_64 -M pc -accel tcg -cpu "$arg" -nodefaults -display none -S -qmp stdio \
      >"$T/$name.qmp" 2>"$T/$name.qemu.err" || fail "$name: QEMU refused -cpu $arg: $(grep -v warning "$T/$name.qemu.err" | head -3)"
  grep '"id"' "$T/$name.qmp" >"$T/$name.replies"
  [ "$(jq -s '[.[] | select(.error)] | length' "$T/$name.replies")" = 0 ] ||
    fail "$name: QMP errors: $(jq -c 'select(.error)' "$T/$name.replies" | head -3)"
  local vendor level xlevel
  vendor=$(jq -r '.cpuid[] | select(.function == "0x0") | [.ebx, .edx, .ecx] | map(ltrimstr("0x")) | join(" ")' "$T/$name.json")
  vendor=$(for w in $vendor; do le_bytes "0x$w"; done)
  level=$(( $(jq -r '.cpuid[] | select(.function == "0x0") | .eax' "$T/$name.json") ))
  xlevel=$(( $(jq -r '.cpuid[] | select(.function == "0x80000000") | .eax' "$T/$name.json") ))
  jq -s -e --arg v "$vendor" --argjson l "$level" --argjson x "$xlevel" '
      (map(select(.id == "vendor"))[0].return == $v) and (map(select(.id == "level"))[0].return == $l) and
      (map(select(.id == "xlevel"))[0].return == $x)' "$T/$name.replies" >/dev/null ||
    fail "$name: QEMU's CPU has $(jq -s -c 'map(select(.id == "vendor" or .id == "level" or .id == "xlevel"))' "$T/$name.replies"), the model $vendor level $level xlevel $xlevel"
  # a single CPU generation has one signature: family/model/stepping (Intel SDM CPUID.1.EAX) appear
  if [[ $arg == *",family="* ]]; then
    local sig fam mod step
    sig=$(( $(jq -r '.cpuid[] | select(.function == "0x1") | .eax' "$T/$name.json") ))
    fam=$(((sig >> 8) & 0xf)); mod=$(((sig >> 4) & 0xf)); step=$((sig & 0xf))
    [ "$fam" = 15 ] && fam=$((fam + ((sig >> 20) & 0xff)))
    { [ "$fam" = 6 ] || [ "$fam" -ge 15 ]; } && mod=$((mod | (((sig >> 16) & 0xf) << 4)))
    jq -s -e --argjson f "$fam" --argjson m "$mod" --argjson s "$step" '(map(select(.id == "family"))[0].return == $f) and
        (map(select(.id == "model"))[0].return == $m) and (map(select(.id == "stepping"))[0].return == $s)' \
      "$T/$name.replies" >/dev/null || fail "$name: signature: QEMU has $(jq -s -c 'map(select(.id == "family" or .id == "model" or .id == "stepping"))' "$T/$name.replies"), the model family $fam model $mod stepping $step"
  fi
  local on; on=$(jq -s -r 'map(select((.id | startswith("minus:")) and .return == true) | .id) | join(" ")' "$T/$name.replies")
  [ -z "$on" ] || fail "$name: features the model lacks are on in QEMU's CPU: $on"
  ok "$name: $(wc -l <"$T/$name.flags") flags all known to QEMU; vendor $vendor, level $level, xlevel $xlevel; none of $(jq '.data.minus | length' "$T/$name.e.json") absent features on"
}

check_model cascade-icelake "$(fixture INTEL_ICELAKE_6.1)" "$(fixture INTEL_CASCADELAKE_6.1)" "$(fixture INTEL_ICELAKE_6.1)"
check_model skylake-4.14-6.1 "$(fixture INTEL_SKYLAKE_6.1)" "$(fixture INTEL_SKYLAKE_4.14)" "$(fixture INTEL_SKYLAKE_6.1)"
check_model milan "$(fixture AMD_MILAN_6.1)" "$(fixture AMD_MILAN_6.1)" "$(fixture AMD_MILAN_5.10)"
check_model icelake "$(fixture INTEL_ICELAKE_6.1)" "$(fixture INTEL_ICELAKE_6.1)"
echo "all qemu export checks passed"
