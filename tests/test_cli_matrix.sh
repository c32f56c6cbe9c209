#!/usr/bin/env bash
# `cpumodeld matrix`: every pair agrees with `cpumodeld compare` of the same dumps; guests never
# cross architectures; hosts ordered and marked by the baseline's compatibility groups; the text
# fits 100 columns (counts per host when the cells do not); --json has its schema and one shape;
# --svg is well-formed (xmllint), renders to a PNG (rsvg-convert), has one cell per pair with the
# blocking field in its <title>; the daemon form covers the members that answered and says which
# did not.
source "$(dirname "$0")/daemon_lib.sh"
for t in xmllint rsvg-convert; do command -v $t >/dev/null || skip "$t is not installed (tools/deps.sh test)"; done

H=(ARM_NEOVERSE_N1_6.1 ARM_NEOVERSE_V1_6.1 INTEL_ICELAKE_6.1 INTEL_SKYLAKE_6.1 INTEL_SKYLAKE_5.10)
files=(); for h in "${H[@]}"; do files+=("$(fixture "$h")"); done
n=${#H[@]}
rc=0; "$CPUMODELD" matrix --json "${files[@]}" -o "$T/m.json" --svg "$T/m.svg" >"$T/mj.json" || rc=$?
[ "$rc" = 1 ] || fail "matrix with incompatible pairs exited $rc"
cmp -s "$T/m.json" "$T/mj.json" || fail "-o is not the --json document"
jq -e --argjson n "$n" '.schema == "cpumodel.matrix/1" and (.hosts | length == $n) and (.cells | length == $n)
  and all(.cells[]; length == $n) and .pairs == $n * ($n - 1)' "$T/m.json" >/dev/null || fail "matrix JSON shape"
jq -e 'all(.cells[][]; .ok or (.blocking != null and .reason != null))' "$T/m.json" >/dev/null ||
  fail "a blocked cell without its blocking field"

# every pair as `compare` says, across architectures never
arch_of() { case $1 in ARM*) echo arm64 ;; *) echo x86_64 ;; esac; }
for i in $(seq 0 $((n - 1))); do
  for j in $(seq 0 $((n - 1))); do
    a=$(jq -r ".hosts[$i].name" "$T/m.json") b=$(jq -r ".hosts[$j].name" "$T/m.json")
    got=$(jq -r ".cells[$i][$j].ok" "$T/m.json")
    if [ "$(arch_of "$a")" != "$(arch_of "$b")" ]; then
      [ "$got" = false ] || fail "$a -> $b crosses architectures"
      continue
    fi
    want=$("$CPUMODELD" compare --json "$(fixture "$a")" "$(fixture "$b")" | jq -r .compatible)
    [ "$got" = "$want" ] || fail "$a -> $b: matrix $got, compare $want"
    if [ "$got" = false ]; then
      blk=$(jq -r ".cells[$i][$j].blocking" "$T/m.json")
      "$CPUMODELD" compare --json "$(fixture "$a")" "$(fixture "$b")" |
        jq -e --arg b "$blk" '[.reasons[] | select(.severity == "error")][0] | (.register + "." + .field) == $b' >/dev/null ||
        fail "$a -> $b: blocking field $blk is not compare's first error"
    fi
  done
done
ok "every cell agrees with compare (first error = the blocking field); no pair crosses architectures"

# groups: the baseline's, per architecture, hosts contiguous
jq -e '[.groups[].arch] | (index("arm64") != null and index("x86_64") != null)' "$T/m.json" >/dev/null || fail "groups per arch"
jq -e '[.hosts[].group] as $g | ($g == ($g | sort))' "$T/m.json" >/dev/null || fail "hosts not ordered by group"
for arch in arm64 x86_64; do
  sel=(); for h in "${H[@]}"; do [ "$(arch_of "$h")" = $arch ] && sel+=("$(fixture "$h")"); done
  want=$("$CPUMODELD" baseline --json "${sel[@]}" | jq '[.groups | if length == 0 then 1 else length end][0]')
  got=$(jq --arg a $arch '[.groups[] | select(.arch == $a)] | length' "$T/m.json")
  [ "$got" = "$want" ] || fail "$arch: $got groups in the matrix, the baseline has $want"
done
ok "hosts ordered by the baseline's compatibility groups, per architecture"

# text: verdict first, group letters, 100 columns
"$CPUMODELD" matrix "${files[@]}" >"$T/m.txt" || true
head -1 "$T/m.txt" | grep -q "^Matrix of $n host(s), .* of $((n * (n - 1))) migrations between hosts possible" ||
  fail "first line: $(head -1 "$T/m.txt")"
[ "$(wc -L <"$T/m.txt")" -le 100 ] || fail "text wider than 100 columns"
grep -qE "^A +1 " "$T/m.txt" && grep -qE "^B +[0-9]+ " "$T/m.txt" || fail "rows not marked with their group"
mkdir "$T/many"
for i in $(seq -w 1 90); do ln -s "$(fixture INTEL_SKYLAKE_6.1)" "$T/many/fingerprint_SKYLAKE_HOST_$i.json"; done
"$CPUMODELD" matrix "$T"/many/*.json >"$T/many.txt"; rc=$?
[ "$rc" = 0 ] || fail "90 identical hosts: exit $rc"
[ "$(wc -L <"$T/many.txt")" -le 100 ] && grep -q "do not fit 100 columns" "$T/many.txt" || fail "90 hosts: not summarised"
grep -qE "^A +1 SKYLAKE_HOST_01 +89 +89$" "$T/many.txt" || fail "90 identical hosts: each runs on and takes from 89"
ok "text: verdict first, groups marked, within 100 columns (counts per host at 90 hosts)"

# SVG: well-formed, renders, one cell per pair, the blocking field in the title
xmllint --noout "$T/m.svg" 2>"$T/xml.err" || fail "SVG not well-formed: $(head -3 "$T/xml.err")"
rsvg-convert -o "$T/m.png" "$T/m.svg" 2>"$T/rsvg.err" || fail "rsvg-convert: $(head -3 "$T/rsvg.err")"
[ -s "$T/m.png" ] && [ "$(head -c 8 "$T/m.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] || fail "no PNG"
cells=$(xmllint --xpath 'count(//*[local-name()="rect"][@class="ok" or @class="blocked"])' "$T/m.svg")
[ "$cells" = $((n * n)) ] || fail "SVG has $cells cells, want $((n * n))"
blocked=$(xmllint --xpath 'count(//*[local-name()="rect"][@class="blocked"])' "$T/m.svg")
[ "$blocked" = "$(jq '[.cells[][] | select(.ok | not)] | length' "$T/m.json")" ] || fail "SVG blocked cells differ from the JSON"
blk=$(jq -r '[.cells[][] | select(.ok | not) | .blocking][0]' "$T/m.json")
xmllint --xpath '//*[local-name()="rect"][@class="blocked"]/*[local-name()="title"]/text()' "$T/m.svg" | grep -qF "blocked by $blk" ||
  fail "no <title> names the blocking field $blk"
groups=$(xmllint --xpath 'count(//*[local-name()="g"][@class="group"])' "$T/m.svg")
[ "$groups" = "$(jq '.groups | length' "$T/m.json")" ] || fail "SVG groups $groups"
ok "SVG: well-formed, renders to PNG ($(stat -c %s "$T/m.png") bytes), $cells cells, blocking field in <title>, $groups groups"

# through the daemon: the members that answered; the missing peer named; exit 1
S=$T/sock PA="127.0.0.1:$((PORT0 + 1))" DEAD="127.0.0.1:$((PORT0 + 9))"
start_daemon skl --snapshot "$(fixture INTEL_SKYLAKE_5.10)" --socket "" --listen-tcp "$PA"
wait_ready --connect "$PA" || fail "peer did not come up"
start_daemon self --snapshot "$(fixture INTEL_SKYLAKE_6.1)" --socket "$S" --peer "$PA" --peer "$DEAD" --peer-timeout-ms 1000
wait_ready --socket "$S" || fail "daemon did not come up"
rc=0; "$CPUMODELD" matrix --socket "$S" --json >"$T/d.json" || rc=$?
[ "$rc" = 1 ] || fail "daemon matrix with a missing peer exited $rc"
jq -e --arg d "$DEAD" '.missing == [$d] and (.hosts | length == 2)' "$T/d.json" >/dev/null || fail "daemon matrix: $(jq -c '{missing, hosts}' "$T/d.json")"
"$CPUMODELD" matrix --json "$(fixture INTEL_SKYLAKE_5.10)" "$(fixture INTEL_SKYLAKE_6.1)" >"$T/o.json" || true
diff <(jq -c '[.hosts[].name, [.cells[][].ok]]' "$T/d.json") <(jq -c '[.hosts[].name, [.cells[][].ok]]' "$T/o.json") >/dev/null ||
  fail "daemon and offline matrices differ: $(jq -c "[.hosts[].name, [.cells[][].ok]]" "$T/d.json") vs $(jq -c "[.hosts[].name, [.cells[][].ok]]" "$T/o.json")"
"$CPUMODELD" matrix --socket "$S" --svg "$T/d.svg" >"$T/d.txt" || true
grep -q "did not answer" "$T/d.txt" && xmllint --noout "$T/d.svg" || fail "daemon matrix text/SVG"
ok "matrix through the daemon equals the offline one of the same dumps; the silent peer is named"
