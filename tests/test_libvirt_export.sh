#!/usr/bin/env bash
# `cpumodeld export --format libvirt`: the libvirt <cpu> for a model (docs/libvirt.md).
# Expected values come from libvirt's own data, never from cpumodeld:
# tests/libvirt_features.py reads cpu_map/x86_features.xml and asks libvirt
# (virsh, the in-process test:///default driver) to expand named models.
# x86_64: the guest CPU libvirt expands from the export equals the model's
#   feature set minus what libvirt marks non-migratable (listed as not
#   expressible), the model name is one libvirt lists, the XML validates
#   against libvirt's schema, the export does not depend on argument order.
# arm64, riscv64: host-passthrough; every field where the model differs from
#   the host is in the not-expressible list (registers checked against the
#   raw values of the two snapshots).
source "$(dirname "$0")/daemon_lib.sh"
for c in virsh python3; do command -v $c >/dev/null || skip "$c is not installed (tools/deps.sh: libvirt-clients)"; done
[ -r /usr/share/libvirt/cpu_map/x86_features.xml ] || skip "libvirt's cpu_map is not installed"
LF() { python3 "$SRC/tests/libvirt_features.py" "$@"; }
# lvexp MODEL HOST [--json]: the export's text (stdout; cannot-express notes on
# stderr), or with --json its "data" (the format's structured output) with
# the framework's cannot_express count added as .framework_cannot
lvexp() {
  if [ "${3:-}" = --json ]; then
    "$CPUMODELD" export --format libvirt --host "$2" --json "$1" 2>/dev/null |
      jq '.data + {framework_cannot: (.cannot_express | length)}'
  else
    "$CPUMODELD" export --format libvirt --host "$2" "$1"
  fi
}
NONMIG=$(LF migratable-no)
[ -n "$NONMIG" ] || fail "libvirt marks no feature migratable='no' (invtsc should be)"
MODELS=$(virsh -q -c test:///default cpu-models x86_64)
VALIDATE=$(command -v virt-xml-validate || true)

check_x86() { # check_x86 NAME FIXTURE...
  local name=$1; shift
  local files=() f
  for f in "$@"; do files+=("$(fixture "$f")"); done
  "$CPUMODELD" baseline "${files[@]}" -o "$T/$name.model.json" >/dev/null || fail "baseline $*"
  lvexp "$T/$name.model.json" "${files[0]}" --json >"$T/$name.exp.json" || fail "libvirt export $name"
  jq -r .cpu_xml "$T/$name.exp.json" >"$T/$name.cpu.xml"
  local want got lvmodel nonmig_in
  want=$(comm -23 <(LF features "$T/$name.model.json" | tr ' ' '\n' | sort) <(tr ' ' '\n' <<<"$NONMIG" | sort) | xargs)
  got=$(LF expand "$T/$name.cpu.xml")
  [ "$got" = "$want" ] || fail "$name: libvirt expands the export to a different CPU than the model:
  only in libvirt's expansion: $(comm -23 <(tr ' ' '\n' <<<"$got" | sort) <(tr ' ' '\n' <<<"$want" | sort) | xargs)
  only in the model:           $(comm -13 <(tr ' ' '\n' <<<"$got" | sort) <(tr ' ' '\n' <<<"$want" | sort) | xargs)"
  [ "$(jq -r '.guest_features | join(" ")' "$T/$name.exp.json")" = "$want" ] || fail "$name: guest_features in the JSON differ"
  lvmodel=$(jq -r .libvirt_model "$T/$name.exp.json")
  grep -qxF "$lvmodel" <<<"$MODELS" || fail "$name: model '$lvmodel' is not one libvirt lists"
  grep -q "<cpu mode='custom' match='exact' check='full'>" "$T/$name.cpu.xml" || fail "$name: not a full-check custom CPU"
  for f in $(jq -r '.require[], .disable[]' "$T/$name.exp.json"); do
    grep -q "name='$f'" /usr/share/libvirt/cpu_map/x86_features.xml || fail "$name: '$f' is not a libvirt feature name"
  done
  # the model's non-migratable features: left out and listed
  nonmig_in=$(comm -12 <(LF features "$T/$name.model.json" | tr ' ' '\n' | sort) <(tr ' ' '\n' <<<"$NONMIG" | sort) | xargs)
  for f in $nonmig_in; do
    jq -e --arg f "$f" '.not_expressible | any(.what == $f)' "$T/$name.exp.json" >/dev/null ||
      fail "$name: non-migratable '$f' is not listed as not expressible"
  done
  if [ -n "$VALIDATE" ]; then
    printf "<domain type='kvm'><name>x</name><memory>65536</memory><os><type arch='x86_64'>hvm</type></os>%s</domain>" \
      "$(cat "$T/$name.cpu.xml")" >"$T/$name.dom.xml"
    "$VALIDATE" "$T/$name.dom.xml" domain >/dev/null 2>"$T/val.err" || fail "$name: libvirt's schema rejects it: $(cat "$T/val.err")"
  fi
  # the human form carries the same XML, then the list as a comment
  lvexp "$T/$name.model.json" "${files[0]}" >"$T/$name.txt" 2>"$T/$name.cannot" || fail "libvirt export (text) $name"
  [ "$(cat "$T/$name.txt")" = "$(cat "$T/$name.cpu.xml")" ] || fail "$name: text and JSON XML differ"
  [ "$(jq .framework_cannot "$T/$name.exp.json")" = "$(jq '.not_expressible | length' "$T/$name.exp.json")" ] ||
    fail "$name: the export framework's cannot_express list differs from the format's"
  [ "$(grep -c '^  - ' "$T/$name.cannot")" = "$(jq '.not_expressible | length' "$T/$name.exp.json")" ] ||
    fail "$name: the printed cannot-express list differs: $(cat "$T/$name.cannot")"
  ok "$name: libvirt model $lvmodel, $(jq '.require | length' "$T/$name.exp.json") require + $(jq '.disable | length' "$T/$name.exp.json") disable; libvirt expands it to the model's $(wc -w <<<"$want") features; not expressible: $(jq '.not_expressible | length' "$T/$name.exp.json") (non-migratable: ${nonmig_in:-none})"
}
check_x86 skylake-icelake INTEL_SKYLAKE_6.1 INTEL_ICELAKE_6.1
check_x86 cascadelake-icelake INTEL_CASCADELAKE_6.1 INTEL_ICELAKE_6.1
check_x86 milan AMD_MILAN_6.1
check_x86 skylake-4.14 INTEL_SKYLAKE_4.14
[ "$(jq -r .vendor "$T/milan.exp.json")" = AMD ] || fail "Milan's vendor is not AMD in libvirt's terms"
v=$(jq -r .libvirt_model "$T/milan.exp.json")
! grep -q "<vendor name='Intel'/>" "/usr/share/libvirt/cpu_map/x86_$v.xml" 2>/dev/null || fail "Milan exported as Intel model $v"

# the same hosts in the other order: the same export
"$CPUMODELD" baseline "$(fixture INTEL_ICELAKE_6.1)" "$(fixture INTEL_SKYLAKE_6.1)" -o "$T/rev.model.json" >/dev/null
lvexp "$T/rev.model.json" "$(fixture INTEL_SKYLAKE_6.1)" >"$T/rev.txt" 2>/dev/null
cmp -s "$T/rev.txt" "$T/skylake-icelake.txt" || fail "argument order changes the export: $(diff "$T/rev.txt" "$T/skylake-icelake.txt")"
ok "the export does not depend on the order of the hosts"

# arm64: host-passthrough plus what libvirt can switch, the rest listed
A="$(fixture ARM_NEOVERSE_N1_6.1)"; B="$(fixture ARM_NEOVERSE_V1_6.1)"
# (exit 1: the merged model is not enforceable on every member under 6.1; it is still the model)
"$CPUMODELD" baseline "$A" "$B" -o "$T/arm.model.json" >/dev/null; [ -s "$T/arm.model.json" ] || fail "arm64 baseline"
"$CPUMODELD" import --from firecracker "$B" -o "$T/v1.json" >/dev/null
lvexp "$T/arm.model.json" "$T/v1.json" --json >"$T/arm.exp.json" || fail "arm64 export"
jq -r .cpu_xml "$T/arm.exp.json" | grep -q "<cpu mode='host-passthrough'" || fail "arm64: not host-passthrough"
n=$(jq '.not_expressible | length' "$T/arm.exp.json")
[ "$n" -gt 0 ] || fail "arm64: N1+V1 on V1 restricts nothing libvirt cannot express?"
# every listed register really differs between the V1 host and the model (raw values)
for reg in $(jq -r '.not_expressible[].what | split(".")[0]' "$T/arm.exp.json" | sort -u); do
  hv=$(jq -r --arg r "$reg" '.registers[] | select(.name == $r) | .value' "$T/v1.json")
  mv=$(jq -r --arg r "$reg" '.registers[] | select(.name == $r) | .value' "$T/arm.model.json")
  [ -n "$hv" ] && [ "$hv" != "$mv" ] || fail "arm64: $reg listed but host $hv = model $mv"
done
# and every ID register that differs is listed
for reg in $(jq -r '.registers[] | select(.name | test("^ID_")) | "\(.name)=\(.value)"' "$T/arm.model.json"); do
  r=${reg%%=*}; mv=${reg#*=}
  hv=$(jq -r --arg r "$r" '.registers[] | select(.name == $r) | .value' "$T/v1.json")
  [ "$hv" = "$mv" ] || [ "$mv" = null ] || jq -e --arg r "$r" '.not_expressible | any(.what | startswith($r + "."))' "$T/arm.exp.json" >/dev/null ||
    fail "arm64: $r differs (host $hv, model $mv) but is not listed"
done
lvexp "$T/arm.model.json" "$T/v1.json" >"$T/arm.txt" 2>"$T/arm.cannot"
[ "$(grep -c "host-passthrough CPU has no setting" "$T/arm.cannot")" = "$n" ] || fail "arm64: the printed list differs from the JSON"
ok "arm64 (Neoverse N1+V1 on V1): host-passthrough; $n field restrictions libvirt cannot express, listed in JSON and print, each a real difference"

# riscv64: an extension the model leaves out (zba) cannot be switched off through libvirt
R=$SRC/tests/fixtures/riscv64
"$CPUMODELD" baseline "$R/rv64-qemu-6.12.json" "$R/rv64-qemu-6.12-nozba.json" -o "$T/rv.model.json" >/dev/null
[ -s "$T/rv.model.json" ] || fail "riscv64 baseline"
lvexp "$T/rv.model.json" "$R/rv64-qemu-6.12.json" --json >"$T/rv.exp.json" || fail "riscv64 export"
jq -r .cpu_xml "$T/rv.exp.json" | grep -q "host-passthrough" || fail "riscv64: not host-passthrough"
jq -e '.not_expressible | any(.what | test("ZBA"; "i"))' "$T/rv.exp.json" >/dev/null ||
  fail "riscv64: zba is not listed as not expressible: $(jq -c .not_expressible "$T/rv.exp.json")"
ok "riscv64: host-passthrough; the model's missing zba is listed as not expressible"

# bad input
RC=0; lvexp "$T/nonexistent.json" "$R/rv64-qemu-6.12.json" 2>"$T/err" || RC=$?
# (the export command maps an unreadable file to exit 3, an I/O error)
[ "$RC" != 0 ] && grep -q nonexistent "$T/err" || fail "a missing file: rc $RC $(cat "$T/err")"
echo '{"schema":' >"$T/bad.json"
RC=0; lvexp "$T/bad.json" "$R/rv64-qemu-6.12.json" 2>"$T/err" || RC=$?
[ "$RC" = 2 ] && grep -q bad.json "$T/err" || fail "malformed JSON: rc $RC $(cat "$T/err")"
RC=0; lvexp "$T/arm.model.json" "$R/rv64-qemu-6.12.json" 2>"$T/err" || RC=$?
[ "$RC" = 2 ] && grep -q "riscv64" "$T/err" || fail "arch mismatch: rc $RC $(cat "$T/err")"
ok "bad input: exit 2 naming the file or the mismatch"
