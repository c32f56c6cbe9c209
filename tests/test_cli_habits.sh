#!/usr/bin/env bash
# The CLI's habits (git/systemctl/virsh): one help text per command whichever way it is asked,
# the nearest command or option suggested, --opt=value and --opt value alike, -o written or
# refused, every --json document with a schema and a shape that follows the flags (not the
# input), the same baseline whatever the argument order, the verdict on the first line, 100
# columns, colour only on a terminal and never with NO_COLOR.  Inputs are the real dumps; what
# is expected comes from the dumps (jq) or the documented behaviour, not from this code.
source "$(dirname "$0")/cli_lib.sh"
N1=$(fixture ARM_NEOVERSE_N1_6.1) V1=$(fixture ARM_NEOVERSE_V1_6.1)
ICL=$(fixture INTEL_ICELAKE_6.1) MILAN=$(fixture AMD_MILAN_6.1) SKL=$(fixture INTEL_SKYLAKE_6.1)

# ---- help: `help CMD`, `CMD --help`, `CMD -h` print the same text, for every command
cmds=$("$bin" help --commands)
check "help --commands lists the commands" '[ "$(echo "$cmds" | wc -l)" -ge 14 ] && echo "$cmds" | grep -qx matrix'
for c in $cmds; do
  "$bin" help "$c" >"$T/h1" 2>&1; r1=$?
  "$bin" "$c" --help >"$T/h2" 2>&1; r2=$?
  "$bin" "$c" -h >"$T/h3" 2>&1; r3=$?
  check "$c: help/--help/-h exit 0 ($r1 $r2 $r3)" '[ $r1$r2$r3 = 000 ]'
  check "$c: the three help texts are identical" 'cmp -s "$T/h1" "$T/h2" && cmp -s "$T/h2" "$T/h3"'
  check "$c: the help starts with its usage" 'head -1 "$T/h1" | grep -q "^usage: cpumodeld $c"'
  check "$c: help within 100 columns" '[ "$(wc -L <"$T/h1")" -le 100 ]'
done
check "--version prints the project(VERSION)" \
  '[ "$("$bin" --version)" = "cpumodeld $(sed -n "s/^project(cpumodeld VERSION \([0-9.]*\).*/\1/p" "$src/CMakeLists.txt")" ]'
check "--groups says what it splits by" '"$bin" help baseline | grep -A1 -- "--groups" | grep -q "one baseline per architecture"'

# ---- the nearest command and option
"$bin" basline "$N1" >/dev/null 2>"$T/err"; rc=$?
check "unknown command: exit 2, suggests baseline" '[ $rc = 2 ] && grep -q "Did you mean .baseline." "$T/err"'
"$bin" comapre "$N1" "$N1" >/dev/null 2>"$T/err"; rc=$?
check "transposed letters: suggests compare" '[ $rc = 2 ] && grep -q "Did you mean .compare." "$T/err"'
"$bin" frobnicate >/dev/null 2>"$T/err"; rc=$?
check "nothing near: exit 2, no suggestion" '[ $rc = 2 ] && ! grep -q "Did you mean" "$T/err"'
"$bin" compare --jsn "$N1" "$N1" >/dev/null 2>"$T/err"; rc=$?
check "unknown option: exit 2, suggests --json, names the option" '[ $rc = 2 ] && grep -q "unknown option .--jsn." "$T/err" && grep -q "did you mean .--json." "$T/err"'
"$bin" models --sockt /nowhere >/dev/null 2>"$T/err"; rc=$?
check "daemon command: suggests --socket" '[ $rc = 2 ] && grep -q "did you mean .--socket." "$T/err"'
"$bin" plan "$N1" "$N1" -o >/dev/null 2>"$T/err"; rc=$?
check "an option without its value: exit 2, said so" '[ $rc = 2 ] && grep -q "needs a value" "$T/err"'

# ---- --opt=value and --opt value
"$bin" compare --output="$T/c1.json" "$V1" "$N1" >/dev/null; r1=$?
"$bin" compare --output "$T/c2.json" "$V1" "$N1" >/dev/null; r2=$?
"$bin" compare -o "$T/c3.json" "$V1" "$N1" >/dev/null; r3=$?
check "--output=F, --output F and -o F: same exit (1: V1 -> N1 is incompatible)" '[ $r1$r2$r3 = 111 ]'
check "... and the same document" 'cmp -s "$T/c1.json" "$T/c2.json" && cmp -s "$T/c2.json" "$T/c3.json"'
"$bin" plan --socket="$T/no-such-socket" >/dev/null 2>"$T/err"; rc=$?
check "--socket=PATH is taken as the socket (unreachable: exit 3)" '[ $rc = 3 ] && grep -q "cannot reach the daemon: .*no-such-socket" "$T/err"'
"$bin" query --timeout-ms=500 --socket "$T/no-such-socket" >/dev/null 2>"$T/err"; rc=$?
check "--timeout-ms=N --socket PATH mixed" '[ $rc = 3 ]'

# ---- -o: written (the --json document) or refused; never ignored
"$bin" compare --json "$V1" "$N1" >"$T/cj.json"
check "compare -o writes the --json document" 'cmp -s "$T/cj.json" "$T/c1.json"'
"$bin" baseline "$N1" "$V1" -o "$T/model.json" >/dev/null
"$bin" plan --json "$T/model.json" "$V1" >"$T/pj.json"
"$bin" plan "$T/model.json" "$V1" -o "$T/po.json" >"$T/plan.txt"
check "plan -o writes the --json document" 'cmp -s "$T/pj.json" "$T/po.json"'
"$bin" show --json "$N1" >"$T/sj.json"
"$bin" show "$N1" -o "$T/so.json" >/dev/null
check "show -o writes the --json document (every field, as --json)" 'cmp -s "$T/sj.json" "$T/so.json"'
for c in models "pin x" "unpin x" reprobe query; do
  # shellcheck disable=SC2086
  "$bin" $c -o "$T/never-$c" --socket "$T/no-such-socket" >/dev/null 2>"$T/err"; rc=$?
  check "$c -o: refused before anything is asked (exit 2)" '[ $rc = 2 ] && grep -q -- "-o is not supported" "$T/err" && [ ! -e "$T/never-$c" ]'
done

# ---- --json: a schema on top, the shape follows the flags
check "compare --json schema" '[ "$(jq -r .schema "$T/cj.json")" = cpumodel.compare/1 ]'
check "plan --json schema" '[ "$(jq -r .schema "$T/pj.json")" = cpumodel.plan/1 ]'
check "show --json schema" '[ "$(jq -r .schema "$T/sj.json")" = cpumodel.show/1 ]'
"$bin" baseline --json "$N1" "$V1" >"$T/b.json"
check "baseline --json schema" '[ "$(jq -r .schema "$T/b.json")" = cpumodel.baseline/1 ]'
"$bin" baseline --groups --json "$N1" "$V1" >"$T/g1.json"
"$bin" baseline --groups --json "$N1" "$V1" "$SKL" >"$T/g2.json"
check "--groups: one shape for one architecture and for two" \
  '[ "$(jq -c keys "$T/g1.json")" = "$(jq -c keys "$T/g2.json")" ] && [ "$(jq -r .schema "$T/g1.json")" = cpumodel.baseline-groups/1 ]'
check "--groups: one entry per architecture (1 and 2)" \
  '[ "$(jq ".architectures | length" "$T/g1.json")" = 1 ] && [ "$(jq ".architectures | length" "$T/g2.json")" = 2 ]'
check "--groups: each entry is a baseline document" '[ "$(jq -r "[.architectures[].schema] | unique | .[]" "$T/g2.json")" = cpumodel.baseline/1 ]'
"$bin" plan "$T/b.json" "$N1" >/dev/null 2>"$T/err"; rc=$?
check "a baseline result with its schema still loads as a model (plan: exit $rc, not 2)" '[ $rc = 0 ] || [ $rc = 1 ]'
"$bin" baseline --groups "$N1" "$V1" "$SKL" -o "$T/mixed.json" >/dev/null 2>&1
check "--groups -o with two architectures writes every group: MODEL.ARCH.json" \
  '[ "$(jq -r .arch "$T/mixed.arm64.json")" = arm64 ] && [ "$(jq -r .arch "$T/mixed.x86_64.json")" = x86_64 ] && [ ! -e "$T/mixed.json" ]'
check "... each with its own members" \
  '[ "$(jq -c .members "$T/mixed.x86_64.json")" = "[\"INTEL_SKYLAKE_6.1\"]" ] && [ "$(jq ".members | length" "$T/mixed.arm64.json")" = 2 ]'

# ---- deterministic: baseline a b == baseline b a (the vendors differ: AMD and Intel)
"$bin" baseline "$ICL" "$MILAN" -o "$T/ab.json" >"$T/ab.txt"
"$bin" baseline "$MILAN" "$ICL" -o "$T/ba.json" >"$T/ba.txt"
check "the same model whatever the order" 'diff <(jq -S "del(.created)" "$T/ab.json") <(jq -S "del(.created)" "$T/ba.json") >/dev/null'
vend() { jq -r '.cpuid[] | select(.function == "0x0") | [.ebx, .edx, .ecx] | join(" ")' "$1"; }
# CPUID.0 EBX EDX ECX spell "AuthenticAMD" or "GenuineIntel" (the vendor strings)
check "the model's vendor words are one host's, not a mix ($(vend "$T/ab.json"))" \
  '[ "$(vend "$T/ab.json")" = "0x68747541 0x69746e65 0x444d4163" ] || [ "$(vend "$T/ab.json")" = "0x756e6547 0x49656e69 0x6c65746e" ]'
check "the same text whatever the order" 'diff <(grep -v "^Model written" "$T/ab.txt") <(grep -v "^Model written" "$T/ba.txt") >/dev/null'
"$bin" baseline --json "$ICL" "$MILAN" >"$T/abj.json"
"$bin" baseline --json "$MILAN" "$ICL" >"$T/baj.json"
nocreated='walk(if type == "object" then del(.created) else . end)'
check "the same --json whatever the order" 'diff <(jq -S "$nocreated" "$T/abj.json") <(jq -S "$nocreated" "$T/baj.json") >/dev/null'

# ---- the first line is the verdict
"$bin" compare "$V1" "$N1" >"$T/t" ; check "compare: first line INCOMPATIBLE" 'head -1 "$T/t" | grep -q "INCOMPATIBLE"'
"$bin" compare "$N1" "$N1" >"$T/t" ; check "compare: first line COMPATIBLE" 'head -1 "$T/t" | grep -q ": COMPATIBLE"'
"$bin" baseline "$N1" "$V1" >"$T/t"; check "baseline: first line the verdict" 'head -1 "$T/t" | grep -q "NOT enforceable on"'
"$bin" baseline "$N1" "$N1" >"$T/t"; check "baseline of one host twice: enforceable everywhere" 'head -1 "$T/t" | grep -q "enforceable everywhere"'
check "plan: first line the verdict" 'head -1 "$T/plan.txt" | grep -q "NOT enforceable"'

# ---- 100 columns
"$bin" baseline --groups "$fx"/*.json >"$T/all.txt" 2>&1
check "baseline of every dump within 100 columns (widest $(wc -L <"$T/all.txt"))" '[ "$(wc -L <"$T/all.txt")" -le 100 ]'
"$bin" compare "$ICL" "$MILAN" >"$T/t"
check "compare Icelake -> Milan within 100 columns ($(wc -L <"$T/t"))" '[ "$(wc -L <"$T/t")" -le 100 ]'
check "... long reasons wrapped onto indented lines" 'grep -q "^      [^ ]" "$T/t"'
check "plan within 100 columns ($(wc -L <"$T/plan.txt"))" '[ "$(wc -L <"$T/plan.txt")" -le 100 ]'
# a long host list is summarised: 1,200 hosts (links to one dump, each its own name)
mkdir "$T/many"
for i in $(seq -w 1 1200); do ln -s "$N1" "$T/many/fingerprint_HOST$i.json"; done
"$bin" baseline "$T"/many/*.json >"$T/many.txt" 2>&1; rc=$?
check "1,200 identical hosts: enforceable (exit 0)" '[ $rc = 0 ]'
check "1,200 hosts within 100 columns ($(wc -L <"$T/many.txt"))" '[ "$(wc -L <"$T/many.txt")" -le 100 ]'
check "the host list says how many more, with thousands separators" 'grep -qE "^Hosts: HOST0001, .* \.\.\. and 1,[0-9]{3} more$" "$T/many.txt"'

# a large unenforceable fleet: reasons only for the first page of failing hosts, the rest counted;
# --host shows one host with every reason (what --all shows for it); the counts agree with the JSON
# report, whose verdicts come from the text rule, not the lazy one
N15=$(fixture ARM_NEOVERSE_N1_5.10)
mkdir "$T/bad"
for i in $(seq -w 1 300); do
  case $((10#$i % 3)) in 0) f=$N1 ;; 1) f=$V1 ;; *) f=$N15 ;; esac
  ln -s "$f" "$T/bad/fingerprint_B$i.json"
done
rc=0; "$bin" baseline "$T"/bad/*.json >"$T/bad.txt" 2>&1 || rc=$?
rc_all=0; "$bin" baseline --all "$T"/bad/*.json >"$T/bad-all.txt" 2>&1 || rc_all=$?
"$bin" baseline --json "$T"/bad/*.json >"$T/bad.json" 2>/dev/null || true
nbad=$(jq '[.hosts[] | select(.enforceable == false)] | length' "$T/bad.json")
check "300 hosts: not enforceable (exit 1, $rc), $nbad hosts failing per the JSON report" '[ $rc = 1 ] && [ $rc_all = 1 ] && [ "$nbad" -gt 30 ]'
check "the first line counts the failing hosts as the JSON does" 'head -1 "$T/bad.txt" | grep -q "NOT enforceable on $nbad of them"'
check "30 failing hosts shown, the others counted" '[ "$(grep -cE "^B[0-9]+ .* NO$" "$T/bad.txt")" = 30 ] && grep -q "^\.\.\. and $((nbad - 30)) more host(s) NOT enforceable" "$T/bad.txt"'
check "--all shows every failing host" '[ "$(grep -cE "^B[0-9]+ .* NO$" "$T/bad-all.txt")" = "$nbad" ]'
check "300 unenforceable hosts within 100 columns ($(wc -L <"$T/bad.txt"))" '[ "$(wc -L <"$T/bad.txt")" -le 100 ]'
last=$(jq -r '[.hosts[] | select(.enforceable == false) | .name] | last' "$T/bad.json")
"$bin" baseline --host "$last" "$T"/bad/*.json >"$T/one.txt" 2>&1 || true
# the host's block in --all: its line up to the next host line or blank line
awk -v h="$last" '$1 == h {p = 1; print; next} p && /^[^ ]/ {p = 0} p && /^$/ {p = 0} p' "$T/bad-all.txt" >"$T/one-all.txt"
awk -v h="$last" '$1 == h {p = 1; print; next} p && /^[^ ]/ {p = 0} p && /^$/ {p = 0} p' "$T/one.txt" >"$T/one-host.txt"
check "--host $last: its verdict and every reason, as --all shows them ($(wc -l <"$T/one-host.txt") lines)" '[ -s "$T/one-host.txt" ] && [ "$(wc -l <"$T/one-host.txt")" -gt 1 ] && cmp -s "$T/one-host.txt" "$T/one-all.txt"'
check "--host: no other host's line" '[ "$(grep -cE "^B[0-9]+ " "$T/one.txt")" = 1 ]'
rc=0; "$bin" baseline --host nosuch "$T"/bad/*.json >/dev/null 2>"$T/err" || rc=$?
check "--host naming no input: exit 2, named" '[ $rc = 2 ] && grep -q "host nosuch: no input is a host of that name" "$T/err"'

# ---- colour: on a terminal, never with NO_COLOR or into a pipe
if command -v script >/dev/null; then
  script -qec "$bin compare $V1 $N1" /dev/null >"$T/tty.txt" 2>&1
  check "colour on a terminal" 'grep -q $'"'"'\e\['"'"' "$T/tty.txt"'
  NO_COLOR=1 script -qec "$bin compare $V1 $N1" /dev/null >"$T/tty2.txt" 2>&1
  check "NO_COLOR: no escape on a terminal" '! grep -q $'"'"'\e\['"'"' "$T/tty2.txt" && grep -q INCOMPATIBLE "$T/tty2.txt"'
else
  echo "note: script(1) missing: colour on a terminal not checked" >&2
  fail=$((fail + 1))
fi
"$bin" compare "$V1" "$N1" >"$T/pipe.txt"
check "no colour into a pipe" '! grep -q $'"'"'\e\['"'"' "$T/pipe.txt"'

finish
