#!/usr/bin/env bash
# kill -9 while PinModel rewrites a model, at varying moments, then restart:
# the model file is always whole (the previous or the new generation, never
# torn), every generation a client saw acknowledged survives, and the
# daemon starts and serves it.
source "$(dirname "$0")/daemon_lib.sh"

S=$T/sock
STATE=$T/state-crash
SNAP=$(fixture INTEL_CASCADELAKE_6.1)
ROUNDS=${CPUMODELD_CRASH_ROUNDS:-30}
acked=0
for round in $(seq "$ROUNDS"); do
  start_daemon "r$round" --snapshot "$SNAP" --socket "$S" --state-dir "$STATE"
  pid=$LAST_PID
  wait_ready --socket "$S" || fail "round $round: daemon did not start: $(cat "$T/r$round.log")"
  # what survived the previous kill
  f=$STATE/models/gold.json
  # A kill before the first PinModel was acknowledged may leave no file at all
  # (seen with a slow ASan daemon and a short sleep); once any generation was
  # acknowledged, the file must be there.
  if [ "$round" -gt 1 ] && [ "$acked" -eq 0 ] && [ ! -e "$f" ]; then
    :
  elif [ "$round" -gt 1 ]; then
    [ -s "$f" ] || fail "round $round: the model file is gone (acknowledged generation $acked)"
    gen=$(jq -e .generation "$f") || fail "round $round: torn model file"
    [ "$gen" -ge "$acked" ] || fail "round $round: acknowledged generation $acked lost (file has $gen)"
    [ "$gen" -le $((acked + 1)) ] || fail "round $round: generation $gen from nowhere (acked $acked)"
    "$CPUMODELD" models --socket "$S" --json | jq -e --argjson g "$gen" '.models[] | select(.name == "gold") | .generation == $g' \
      >/dev/null || fail "round $round: the daemon did not load generation $gen"
    acked=$gen
  fi
  # pin in a loop, record every acknowledged generation, kill -9 at a varying moment
  (
    for _ in $(seq 200); do
      out=$("$CPUMODELD" pin --socket "$S" --replace --json gold 2>/dev/null) || break # the daemon is gone
      g=$(echo "$out" | jq -r .info.generation)
      [ -n "$g" ] && [ "$g" != null ] && echo "$g" >>"$T/acks"
    done
  ) &
  loop=$!
  sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null
  wait "$loop" 2>/dev/null
  [ -s "$T/acks" ] && acked=$(sort -n "$T/acks" | tail -1)
  rm -f "$T/acks"
done
leftovers=$(find "$STATE" -name '.tmp-*' | wc -l)
ok "$ROUNDS kill -9 rounds during PinModel: model file always whole, acknowledged generation $acked kept ($leftovers temp leftover(s) of the last kill)"
