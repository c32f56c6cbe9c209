#!/usr/bin/env bash
# Issue 12 item 7: bad input gets a clear error and exit 2, never a hang or
# a silently changed value: FIFOs/devices as files, non-UTF-8, NUL in
# strings, ports outside 1-65535, control characters in peer and host
# names (refused from peers, escaped when shown), generations out of range
# or going backwards.
source "$(dirname "$0")/daemon_lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed"

SKY=$(fixture INTEL_SKYLAKE_6.1)
ICE=$(fixture INTEL_ICELAKE_6.1)
expect2() { # expect2 WHAT REGEX CMD...: exit 2 within 10 s, stderr matching
  local what=$1 re=$2; shift 2
  local rc=0
  timeout 10 "$@" >"$T/out" 2>"$T/err" || rc=$?
  [ "$rc" = 2 ] || fail "$what: exit $rc (want 2): $(head -c 300 "$T/err")"
  grep -qE "$re" "$T/err" || fail "$what: error does not say '$re': $(head -c 300 "$T/err")"
}

# --- files: regular or "-", nothing else
mkfifo "$T/fifo"
expect2 "a FIFO as snapshot" "FIFO" "$CPUMODELD" baseline "$T/fifo" "$SKY"
expect2 "a FIFO as config" "FIFO" "$CPUMODELD" serve --config "$T/fifo" --socket "$T/x.sock" --snapshot "$SKY" --state-dir "$T/sx"
expect2 "a device as snapshot" "not a regular file" "$CPUMODELD" baseline /dev/zero "$SKY"
"$CPUMODELD" baseline --json - "$ICE" <"$SKY" >"$T/stdin.json" || [ $? = 1 ] || fail "'-' (stdin) is not read"
"$CPUMODELD" baseline --json "$SKY" "$ICE" >"$T/file.json" || true
vals='[.model.fields[] | {register, field, value}]' # the host's name is "-" from stdin
diff <(jq -S "$vals" "$T/stdin.json") <(jq -S "$vals" "$T/file.json") >/dev/null ||
  fail "the baseline read from stdin differs"
ok "FIFO and device inputs refused at once (exit 2); '-' reads stdin"

# --- bytes: UTF-8 only, no NUL inside strings
"$CPUMODELD" import --from firecracker "$SKY" -o "$T/sky.json" >/dev/null
jq '.host = "XX"' "$T/sky.json" | sed 's/"XX"/"\xff\xfe"/' >"$T/latin.json"
expect2 "non-UTF-8 snapshot" "utf-8" "$CPUMODELD" show "$T/latin.json"
jq '.host = "a\u0000b"' "$T/sky.json" >"$T/nul.json"
expect2 "NUL in a snapshot string" "NUL" "$CPUMODELD" show "$T/nul.json"
ok "non-UTF-8 and NUL in strings refused"

# --- ports 1-65535, printable addresses
expect2 "listen_tcp :99999" "1-65535" "$CPUMODELD" serve --listen-tcp 127.0.0.1:99999 --socket "" --snapshot "$SKY" --state-dir "$T/sx"
expect2 "peer :0" "1-65535" "$CPUMODELD" serve --peer 127.0.0.1:0 --socket "$T/x.sock" --snapshot "$SKY" --state-dir "$T/sx"
expect2 "peer with an escape" "control character" "$CPUMODELD" serve --peer $'ev\e[31mil:1' --socket "$T/x.sock" --snapshot "$SKY" --state-dir "$T/sx"
printf 'peer = 127.0.0.1:65536\n' >"$T/bad.conf"
expect2 "config peer :65536" "bad.conf:1: peer" "$CPUMODELD" serve --config "$T/bad.conf" --socket "$T/x.sock" --snapshot "$SKY" --state-dir "$T/sx"
expect2 "--connect :99999" "1-65535" "$CPUMODELD" query --connect 127.0.0.1:99999
ok "ports outside 1-65535 and control characters refused in config, command line and --connect"

# --- a peer whose host name carries terminal escapes: refused; names shown escaped
EVIL=127.0.0.1:$((PORT0 + 1))
jq '.host = "evil\u001b]0;owned\u0007\u001b[2J"' "$T/sky.json" >"$T/evil.json"
start_daemon evil --snapshot "$T/evil.json" --socket "$T/evil.sock" --listen-tcp "$EVIL"
wait_ready --connect "$EVIL" || fail "evil peer did not come up: $(cat "$T/evil.log")"
start_daemon self --snapshot "$ICE" --socket "$T/s.sock" --peer "$EVIL"
wait_ready --socket "$T/s.sock" || fail "daemon did not come up"
vcall --socket "$T/s.sock" io.cpumodeld.GetBaseline >"$T/b.json" || fail "GetBaseline"
jq -e '.parameters.members[1] | .status == "missing" and (.error | test("control characters"))' "$T/b.json" >/dev/null ||
  fail "the evil peer was accepted: $(jq -c '.parameters.members[1] | {status, error}' "$T/b.json")"
"$CPUMODELD" query --socket "$T/evil.sock" >"$T/q.txt" 2>&1 || true
if grep -q $'\e' "$T/q.txt"; then fail "an escape sequence reached the terminal"; fi
grep -qF 'evil\x1b]0;owned\x07\x1b[2J' "$T/q.txt" || fail "the name is not shown escaped: $(head -2 "$T/q.txt")"
ok "a peer's name with terminal escapes is refused; query shows such a name escaped"

# --- Varlink: non-UTF-8 and NUL are protocol errors
python3 - "$T/s.sock" <<'EOF2' || fail "Varlink input checks"
import json, socket, sys
def call(raw):
    s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1]); s.sendall(raw)
    buf = b""
    while not buf.endswith(b"\0"):
        d = s.recv(65536)
        if not d: break
        buf += d
    return json.loads(buf.rstrip(b"\0"))
r = call(b'{"method":"io.cpumodeld.GetModel","parameters":{"name":"a\xff"}}\0')
assert r.get("error") == "io.cpumodeld.InvalidMessage", r
r = call(b'{"method":"io.cpumodeld.GetModel","parameters":{"name":"gold\\u0000x"}}\0')
assert r.get("error") == "io.cpumodeld.InvalidMessage" and "NUL" in r["parameters"]["reason"], r
print("ok - Varlink: non-UTF-8 and NUL in a string are InvalidMessage")
EOF2

# --- generations: in range, never backwards
S=$T/s.sock
"$CPUMODELD" pin --socket "$S" --peers self gold >/dev/null || fail "pin"
"$CPUMODELD" pin --socket "$S" --peers self --replace gold >/dev/null || fail "pin --replace"
M=$T/state-self/models
cp "$M/gold.json" "$T/gold2.json"
jq '.generation = 1' "$T/gold2.json" >"$M/gold.json"  # an older copy put back
i=0
jq '.name = "odd" | .generation = 424242' "$T/gold2.json" >"$T/odd.json"
for g in -1 0 9223372036854775807 18446744073709551615; do # the last two: INT64_MAX, and beyond
  i=$((i + 1))
  sed "s/424242/$g/" "$T/odd.json" >"$M/odd.json"
  kill -HUP "$LAST_PID"; sleep 0.5
  "$CPUMODELD" models --socket "$S" --json >"$T/models.json" || fail "models"
  jq -e '.models | map(.name) | index("odd") | not' "$T/models.json" >/dev/null || fail "generation $g accepted"
  [ "$(grep -c "odd.json: generation .* out of range" "$T/self.log")" -ge "$i" ] || fail "generation $g: no error logged"
done
jq -e '.models[] | select(.name == "gold") | .generation == 2' "$T/models.json" >/dev/null ||
  fail "gold went backwards: $(cat "$T/models.json")"
grep -q "gold: generation 1 on disk is older than 2" "$T/self.log" || fail "the backwards generation is not named"
ok "generations -1, 0, INT64_MAX and beyond refused; an older copy on disk never takes a model backwards"
