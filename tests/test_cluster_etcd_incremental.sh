#!/usr/bin/env bash
# The whole-registry GetBaseline is kept current one host at a time
# (daemon/server/registry_reply.c): after each change to the registry — a
# host changes content, one is added, a content's first host (its
# representative) leaves, a content's only host leaves it — the reply of the
# daemon that followed every change
#   - lists each member with the verdict the offline baseline of the dumps
#     gives its dump (another architecture: false; a missing snapshot: none);
#   - names behind each content's first host exactly the hosts with that
#     dump (same_content), and under the pinned model exactly the hosts
#     whose dump cannot run it by the offline compare (failing_hosts);
#   - lists the same members as the selection path (explicit peers, no
#     content grouping);
#   - equals, key for key, what the same daemon answers once restarted.
# Then the same over 140 hosts more (several runs of members).
# Dumps and names are chosen so that this host is not first by name.
source "$(dirname "$0")/daemon_lib.sh"
ETCD_N=1
source "$(dirname "$0")/etcd_lib.sh"

SELF=INTEL_SKYLAKE_6.1
REG=(INTEL_SKYLAKE_5.10 INTEL_ICELAKE_6.1 INTEL_CASCADELAKE_6.1 INTEL_ICELAKE_5.10 ARM_NEOVERSE_N1_6.1)
ARGS=(--set etcd_lease_ttl_s=6 --set etcd_timeout_ms=2000) # survives a loaded sanitizer run
declare -A DUMP_OF
etcd_cluster_start
for i in "${!REG[@]}"; do
  start_etcd_daemon "r$i" "${REG[$i]}" "${ARGS[@]}"
  DUMP_OF[${REG[$i]}]=${REG[$i]}
done
start_etcd_daemon x INTEL_CASCADELAKE_5.10 "${ARGS[@]}" # registers a content, then leaves it to a clone
XPID=$LAST_PID
start_etcd_daemon a "$SELF" "${ARGS[@]}"
APID=$LAST_PID
DUMP_OF[$SELF]=$SELF
for s in r0 r1 r2 r3 r4 x a; do wait_ready --socket "$T/$s.sock" || fail "daemon $s did not come up: $(cat "$T/$s.log")"; done
nrec() { [ "$(ectl get --prefix --keys-only /cpumodeld/hosts/ | grep -c .)" -ge "$1" ]; }
until_ok 30 nrec 7 || fail "the daemons did not register"

hostrec() { ectl get --print-value-only "/cpumodeld/hosts/$1"; }
revision() { ectl get /cpumodeld-none -w json | jq .header.revision; }
LEASE=$(ectl lease grant 900 | awk '{print $2}')
declare -A SRC # a host whose record has the dump (default: the dump's own daemon)
# clone NAME DUMP: a record with DUMP's snapshot under NAME, live on the test's lease
clone() {
  hostrec "${SRC[$2]:-$2}" | jq -c --arg n "$1" '.name = $n | del(.silent_since)' >"$T/rec"
  ectl put "/cpumodeld/hosts/$1" <"$T/rec" >/dev/null || fail "put $1"
  ectl put --lease="$LEASE" "/cpumodeld/live/$1" '{}' >/dev/null || fail "put live/$1"
  DUMP_OF[$1]=$2
}
drop() {
  ectl del "/cpumodeld/hosts/$1" >/dev/null && ectl del "/cpumodeld/live/$1" >/dev/null || fail "del $1"
  unset "DUMP_OF[$1]"
}

q() { "$CPUMODELD" query --socket "$T/a.sock" --call "$1" "${2:-{\}}"; }
at_rev() { [ "$(q io.cpumodeld.GetBaseline '{"peers":["self"]}' | jq .parameters.registry.revision)" -ge "$1" ]; }

# a pin that older hosts cannot run: ICELAKE_6.1's own model
"$CPUMODELD" pin --socket "$T/r1.sock" --peers self --force gold >/dev/null || fail "pin gold"
until_ok 15 bash -c "'$CPUMODELD' models --socket '$T/a.sock' --json | jq -e '.models[] | select(.name == \"gold\")'" ||
  fail "the pin did not reach the daemon"
q io.cpumodeld.GetModel '{"name":"gold"}' | jq .parameters.model >"$T/gold.json"
declare -A RUNS_GOLD
for d in "${REG[@]}" "$SELF" INTEL_CASCADELAKE_5.10; do
  rc=0; "$CPUMODELD" compare "$T/gold.json" "$(fixture "$d")" >/dev/null 2>&1 || rc=$?
  RUNS_GOLD[$d]=$rc
done

# the registry: "A-first" sorts before every INTEL_ host (the representative
# of its content), lower-case names after; one record whose snapshot is not
# in the registry
clone A-first INTEL_SKYLAKE_5.10
for i in 01 02 03 04 05 06; do clone "b-$i" "${REG[$((10#$i % 3))]}"; done
clone b-self "$SELF"
clone c-ice510 INTEL_ICELAKE_5.10
clone c-arm ARM_NEOVERSE_N1_6.1
clone c-casc510 INTEL_CASCADELAKE_5.10
SRC[INTEL_CASCADELAKE_5.10]=c-casc510
kill -TERM "$XPID"; wait "$XPID" 2>/dev/null
xsilent() { "$CPUMODELD" forget --socket "$T/a.sock" INTEL_CASCADELAKE_5.10; }
until_ok 30 xsilent || fail "could not forget the stopped daemon's host"
echo '{"name":"m-missing","content":"sha256:0000000000000000000000000000000000000000000000000000000000000000","registered":"","updated":""}' |
  ectl put /cpumodeld/hosts/m-missing >/dev/null
ectl put --lease="$LEASE" /cpumodeld/live/m-missing '{}' >/dev/null

# expected_check FILE: FILE (a GetBaseline reply) against the dumps
expected_check() {
  local f=$1 names x86=() files=() d
  names=$(printf '%s\n' "${!DUMP_OF[@]}" m-missing | LC_ALL=C sort)
  [ "$(jq -r '.parameters.members[].name' "$f" | LC_ALL=C sort)" = "$names" ] ||
    { echo "members $(jq -c '[.parameters.members[].name]' "$f"), expected $names" >&2; return 1; }
  for d in $(printf '%s\n' "${DUMP_OF[@]}" | LC_ALL=C sort -u); do
    case $d in ARM_*) ;; *) x86+=("$d"); files+=("$(fixture "$d")") ;; esac
  done
  "$CPUMODELD" baseline --json "${files[@]}" >"$T/off.json" || true
  local n got_n want_n
  declare -A GOT WANT # per member, per dump (one jq each: there are 150 members)
  while read -r n got_n; do GOT[$n]=$got_n; done < <(jq -r '.parameters.members[] | "\(.name) \(.enforceable)"' "$f")
  while read -r n want_n; do WANT[$n]=$want_n; done < <(jq -r '.hosts[] | "\(.name) \(.enforceable)"' "$T/off.json")
  for n in "${!DUMP_OF[@]}" m-missing; do
    local want got=${GOT[$n]:-} dump=${DUMP_OF[$n]:-}
    case $dump in
      "") want=null ;;
      ARM_*) want=false ;;
      *) want=${WANT[$dump]:-} ;;
    esac
    [ "$got" = "$want" ] || { echo "$n ($dump): enforceable $got, the offline baseline says $want" >&2; return 1; }
  done
  # one representative per x86 dump, its first host by name, with every host of the dump
  [ "$(jq '.parameters.baseline.hosts | length' "$f")" = "${#x86[@]}" ] ||
    { echo "baseline hosts $(jq -c '[.parameters.baseline.hosts[].name]' "$f"), dumps ${x86[*]}" >&2; return 1; }
  local failing=() reasons=()
  for d in "${x86[@]}"; do
    local with=() first
    for n in "${!DUMP_OF[@]}"; do [ "${DUMP_OF[$n]}" = "$d" ] && with+=("$n"); done
    mapfile -t with < <(printf '%s\n' "${with[@]}" | LC_ALL=C sort)
    first=${with[0]}
    want=$([ "${#with[@]}" -gt 1 ] && printf '%s\n' "${with[@]}" | jq -R . | jq -sc . || echo null)
    got=$(jq -c --arg n "$first" '.parameters.baseline.hosts[] | select(.name == $n) | .same_content' "$f")
    [ "$got" = "$want" ] || { echo "$d: representative $first, same_content $got, expected $want" >&2; return 1; }
    if [ "${RUNS_GOLD[$d]}" != 0 ]; then failing+=("${with[@]}"); reasons+=("$first"); fi
  done
  # a host of another architecture is not among the pins' members (it has its arch group)
  [ "$(jq -r '.parameters.pinned[] | select(.name == "gold") | .failing_hosts[]' "$f" | LC_ALL=C sort)" = \
    "$(printf '%s\n' "${failing[@]}" | LC_ALL=C sort)" ] ||
    { echo "gold fails on $(jq -c '.parameters.pinned[0].failing_hosts' "$f"), expected ${failing[*]}" >&2; return 1; }
  [ "$(jq -r '.parameters.pinned[] | select(.name == "gold") | .reasons | keys[]' "$f" | LC_ALL=C sort)" = \
    "$(printf '%s\n' "${reasons[@]}" | LC_ALL=C sort)" ] ||
    { echo "gold's reasons for $(jq -c '.parameters.pinned[0].reasons | keys' "$f"), expected ${reasons[*]}" >&2; return 1; }
  jq -e '.parameters.members[] | select(.name == "m-missing") | .status == "missing" and (.error | length > 0)' "$f" >/dev/null &&
    jq -e '.parameters.unreachable == ["m-missing"] and .parameters.stale == []' "$f" >/dev/null ||
    { echo "the missing host: $(jq -c '.parameters | [.unreachable, .stale]' "$f")" >&2; return 1; }
  jq -e '.parameters.arch_groups | length == 1 and .[0].members == ["ARM_NEOVERSE_N1_6.1", "c-arm"]' "$f" >/dev/null ||
    { echo "arch groups: $(jq -c '.parameters.arch_groups | map(.members)' "$f")" >&2; return 1; }
}

# selection_check FILE: the members equal the selection path's (every host named)
selection_check() {
  local names
  names=$(jq -c '[.parameters.members[1:][].name] + ["self"]' "$1")
  q io.cpumodeld.GetBaseline "{\"peers\":$names}" >"$T/sel.json"
  diff <(jq -S '.parameters | .members, .unreachable, .stale, .enforceable_everywhere, (.baseline.model | del(.created, .members, .fields))' "$1") \
    <(jq -S '.parameters | .members, .unreachable, .stale, .enforceable_everywhere, (.baseline.model | del(.created, .members, .fields))' "$T/sel.json") \
    >"$T/diff" || { echo "differs from the selection path: $(head -8 "$T/diff")" >&2; return 1; }
}

# what differs by the moment alone: the render's time and revision, when a model was computed
norm='del(.parameters.registry.baseline_ms, .parameters.registry.revision) | del(.. | .created?)'
# checkpoint WHAT: the daemon at the registry's revision, checked; then restarted and compared
checkpoint() {
  local rev
  rev=$(revision)
  until_ok 20 at_rev "$rev" || fail "$1: the daemon did not reach revision $rev"
  NMEM=$((${#DUMP_OF[@]} + 1)) # global: until_ok has its own n
  complete() { [ "$(q io.cpumodeld.GetBaseline | jq '.parameters.members | length')" = "$NMEM" ]; }
  until_ok 20 complete || fail "$1: the daemon does not list $NMEM members: $(q io.cpumodeld.GetBaseline | jq -c '[.parameters.members[].name]')"
  for g in true false; do q io.cpumodeld.GetBaseline "{\"groups\":$g}" >"$T/inc.$g.json"; done
  expected_check "$T/inc.true.json" || fail "$1: the incremental reply"
  selection_check "$T/inc.true.json" || fail "$1: the incremental reply"
  kill -TERM "$APID"; wait "$APID" 2>/dev/null
  start_etcd_daemon a "$SELF" "${ARGS[@]}"
  APID=$LAST_PID
  wait_ready --socket "$T/a.sock" || fail "$1: the restarted daemon did not come up"
  same() {
    q io.cpumodeld.GetBaseline "{\"groups\":$1}" | jq -S "$norm" >"$T/fresh.$1.json"
    diff <(jq -S "$norm" "$T/inc.$1.json") "$T/fresh.$1.json" >"$T/diff.$1"
  }
  for g in true false; do
    until_ok 20 same "$g" || fail "$1: groups=$g differs from a fresh daemon's reply: $(head -12 "$T/diff.$g")"
  done
  ok "$1: the reply is the dumps' verdicts and same_content lists, and a fresh daemon's"
}

checkpoint "start"
clone b-03 INTEL_CASCADELAKE_6.1 # changed: SKYLAKE_5.10 -> CASCADELAKE_6.1
checkpoint "one host changed its content"
clone b-07 INTEL_ICELAKE_6.1
checkpoint "one host added"
drop A-first # INTEL_SKYLAKE_5.10 represents its content again
checkpoint "a content's first host removed"
clone c-ice510 "$SELF" # ICELAKE_5.10 is left with its own daemon's host alone
checkpoint "a content left alone"
clone c-casc510 INTEL_ICELAKE_6.1 # CASCADELAKE_5.10's only host: the content is gone
checkpoint "a content's last host moved"
# over more hosts than one run of members (registry_reply.c keeps them in
# runs of 64): a change in a later run, then a host removed there
declare -A REC # clone's records, written 16 at a time
for d in "${REG[@]:0:4}"; do REC[$d]=$(hostrec "$d" | jq -c 'del(.silent_since)'); done
puts=() # the writes' own pids: a bare `wait` would wait for the daemons too
for i in $(seq -w 0 139); do
  d=${REG[$((10#$i % 4))]}
  ectl put "/cpumodeld/hosts/d-$i" "${REC[$d]/\"name\":\"$d\"/\"name\":\"d-$i\"}" >/dev/null & puts+=($!)
  ectl put --lease="$LEASE" "/cpumodeld/live/d-$i" '{}' >/dev/null & puts+=($!)
  DUMP_OF[d-$i]=$d
  if [ "${#puts[@]}" -ge 16 ]; then
    for p in "${puts[@]}"; do wait "$p" || fail "put d-$i"; done
    puts=()
  fi
done
for p in "${puts[@]}"; do wait "$p" || fail "put d-*"; done
checkpoint "140 hosts more"
clone d-100 "$SELF"
checkpoint "a host in a later run changed its content"
drop d-070
checkpoint "a host in a later run removed"
echo "all incremental registry checks passed"
