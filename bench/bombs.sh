#!/usr/bin/env bash
# The query-bomb battery (issue 9) against a running kgql, and what it does to a normal client.
#
#   bench/bombs.sh
#
# Builds kgql and bench/bombs/cmd/kgql-bombs, fills a throwaway store with the built-in dataset,
# makes a token file (kgql token add: one token for the bombs, one per flood, one for the normal
# client, so that each has its own rate bucket) and serves it on 127.0.0.1:<free port> with
# explicit limits. Then, under `flock /tmp/kgql-bench.lock` (never together with another load
# test), kgql pinned to CPU 0 and the clients to CPU 1:
#   1. the battery alone, TRIES tries of every bomb (bench/bombs: the expected refusal of each),
#      the median client-side time to refuse each; exits 1 at the end if a bomb is not refused;
#   2. the normal client (CONNS connections, CONN_RATE requests/s each, the README's ASMEX
#      connected query and a point lookup in turn) for PHASE seconds, quiet;
#   3. the same normal client for PHASE seconds while the battery without its two floods runs in
#      a loop beside it (nice 19, so that on the shared client CPU the normal client comes first);
#   4. the same with the whole battery, floods included (each flood as fast as it can send);
#   5. stops kgql and checks that the store's export is byte-identical to the one before.
# Writes bench/results/bombs-DATE.md and prints it. About 2 min with the defaults (the slow loris
# alone waits for the server's 10 s header timeout).
#
# Environment (all optional): RATE=500 BURST=500 (kgql -rate/-burst, per client), TRIES=11,
# PHASE=20, CONNS=4, CONN_RATE=50, READ_HEADER_TIMEOUT=10s (kgql's default), KEEP=1 keeps the
# work directory, LOCK_WAIT=900 (seconds to wait for the lock).
set -euo pipefail
t0=$(date +%s)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rate="${RATE:-500}"; burst="${BURST:-500}"; tries="${TRIES:-11}"; phase="${PHASE:-20}"
conns="${CONNS:-4}"; connrate="${CONN_RATE:-50}"; rht="${READ_HEADER_TIMEOUT:-10s}"
say() { printf '[%s +%3ss] %s\n' "$(date -u +%H:%M:%S)" "$(($(date +%s) - t0))" "$*" >&2; }
die() { echo "bombs.sh: $*" >&2; exit 1; }
command -v taskset >/dev/null || die "needs taskset (util-linux)"
command -v flock >/dev/null || die "needs flock (util-linux)"
command -v curl >/dev/null || die "needs curl"

work="$(mktemp -d /tmp/kgql-bombs.XXXXXX)"
kpid=""; lpid=""
cleanup() {
  for p in $lpid $kpid; do kill "$p" 2>/dev/null || true; done
  for p in $lpid $kpid; do wait "$p" 2>/dev/null || true; done
  if [ "${KEEP:-}" = 1 ]; then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

say "building kgql and kgql-bombs"
(cd "$root" && go build -o "$work/kgql" . && go build -o "$work/kgql-bombs" ./bench/bombs/cmd/kgql-bombs)
"$work/kgql" import -data "$work/data" "$root/store/seed/asmex.ndjson" >/dev/null
"$work/kgql" export -data "$work/data" -o "$work/before.ndjson"
for name in bomber flood wsflood normal; do
  "$work/kgql" token add -tokens "$work/tokens" -name "$name" -role writer >"$work/token-$name" 2>/dev/null
done
tok() { cat "$work/token-$1"; }

say "waiting for /tmp/kgql-bench.lock (another load test may hold it)"
exec 9>/tmp/kgql-bench.lock
flock -w "${LOCK_WAIT:-900}" 9 || die "could not take /tmp/kgql-bench.lock within ${LOCK_WAIT:-900} s"
say "lock taken"

serve_flags=(-tokens "$work/tokens" -rate "$rate" -burst "$burst" -read-header-timeout "$rht" -seed=false)
taskset -c 0 "$work/kgql" serve -log-format text -data "$work/data" -addr 127.0.0.1:0 "${serve_flags[@]}" 2>"$work/server.log" &
kpid=$!
url=""
for _ in $(seq 1 300); do
  url=$(grep -o 'url=http://[0-9.:]*/' "$work/server.log" 2>/dev/null | head -1 | sed 's/^url=//; s/\/$//') || true
  [ -n "$url" ] && curl -sf "$url/healthz" 2>/dev/null | grep -q '"textIndex":"ready"' && break
  kill -0 "$kpid" 2>/dev/null || die "kgql exited: $(tail -5 "$work/server.log")"
  sleep 0.2
done
curl -sf "$url/healthz" 2>/dev/null | grep -q '"textIndex":"ready"' || die "kgql not ready: $(tail -5 "$work/server.log")"
say "kgql pid $kpid at $url (${serve_flags[*]})"

bombs=(taskset -c 1 "$work/kgql-bombs" -url "$url" -token "$(tok bomber)" -flood-token "$(tok flood)"
  -ws-flood-token "$(tok wsflood)" -rate "$rate" -burst "$burst" -read-header-timeout "$rht")
normal=(taskset -c 1 "$work/kgql-bombs" -mode normal -url "$url" -normal-token "$(tok normal)"
  -conns "$conns" -conn-rate "$connrate" -for "${phase}s")

loads=(); cpus=()
load() { loads+=("$1: $(cut -d' ' -f1-3 /proc/loadavg)"); }
ticks() { awk '{print $14 + $15}' "/proc/$kpid/stat"; }
hz=$(getconf CLK_TCK)
phase_cpu() { # name start-ticks start-seconds: kgql's CPU use over a phase, % of one CPU
  cpus+=("$1 $(awk -v a="$2" -v b="$(ticks)" -v t0="$3" -v t1="$(date +%s.%N)" -v hz="$hz" 'BEGIN {printf "%.0f %%", 100 * (b - a) / hz / (t1 - t0)}')")
}
say "1/4 the battery alone, $tries tries of each bomb"
battery_ok=1
load "before the battery"
"${bombs[@]}" -mode battery -tries "$tries" -json "$work/battery.json" || battery_ok=0
say "2/4 the normal client, quiet, ${phase} s"
load "before the quiet phase"
c0=$(ticks); s0=$(date +%s.%N)
"${normal[@]}" -json "$work/quiet.json"
phase_cpu quiet "$c0" "$s0"
say "3/4 the normal client, ${phase} s, with the battery without its floods in a loop beside it"
load "before the phase without floods"
c0=$(ticks); s0=$(date +%s.%N)
nice -n 19 "${bombs[@]}" -mode loop -skip http-flood,ws-flood -for "${phase}s" -json "$work/loop-no-floods.json" &
lpid=$!
"${normal[@]}" -json "$work/during-no-floods.json"
phase_cpu "beside the battery without its floods" "$c0" "$s0"
wait "$lpid"; lpid=""
say "4/4 the normal client, ${phase} s, with the whole battery in a loop beside it"
load "before the phase with floods"
c0=$(ticks); s0=$(date +%s.%N)
nice -n 19 "${bombs[@]}" -mode loop -for "${phase}s" -json "$work/loop.json" &
lpid=$!
"${normal[@]}" -json "$work/during.json"
phase_cpu "beside the whole battery" "$c0" "$s0"
wait "$lpid"; lpid=""
load "at the end"
hwm=$(awk '/VmHWM/ {print $2 " " $3}' "/proc/$kpid/status" 2>/dev/null || echo "?")
cpu=$(awk '{print ($14 + $15) / 100}' "/proc/$kpid/stat" 2>/dev/null || echo "?")
kill -TERM "$kpid"; wait "$kpid" 2>/dev/null || true; kpid=""
flock -u 9; exec 9>&-
say "kgql stopped, lock released"

"$work/kgql" export -data "$work/data" -o "$work/after.ndjson"
if cmp -s "$work/before.ndjson" "$work/after.ndjson"; then store="unchanged (export byte-identical before and after)"
else store="**CHANGED** (export differs: $(diff "$work/before.ndjson" "$work/after.ndjson" | head -3 | tr '\n' ' '))"; fi
warnings=$(grep -c '"level":"WARN"\|level=WARN' "$work/server.log" || true)
errors=$(grep -c '"level":"ERROR"\|level=ERROR' "$work/server.log" || true)

stamp=$(date -u +%Y-%m-%dT%H%MZ)
mkdir -p "$root/bench/results"
out="$root/bench/results/bombs-$stamp.md"
commit=$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo "?")
{
  echo "# Query bombs — $stamp"
  echo
  echo "\`bench/bombs.sh\` at commit $commit (working tree as checked out). Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(uname -sr)."
  echo "kgql pinned to CPU 0, clients to CPU 1, loopback. \`kgql serve ${serve_flags[*]//$work\//}\`, built-in dataset (71 records), every other limit at its default."
  echo "Times to refuse are client-side, from the request's headers on the wire to the response read whole (a websocket operation: from its message sent to its answer; the slow loris: from connect to the server's close); each query bomb's text differs per try, so no cache answers it."
  echo
  loadline=$(printf '%s; ' "${loads[@]}"); echo "Load average of the machine (1, 5, 15 min; the lock does not stop other work on it): ${loadline%; }."
  echo
  "$work/kgql-bombs" -mode report -battery "$work/battery.json" -quiet "$work/quiet.json" -during "$work/during.json" -loop "$work/loop.json" \
    -during-no-floods "$work/during-no-floods.json" -loop-no-floods "$work/loop-no-floods.json"
  echo
  echo "### The server"
  echo
  echo "- store after the run: $store"
  cpuline=$(printf '%s; ' "${cpus[@]}")
  echo "- kgql CPU over the run: ${cpu} s; during the normal client's phases (% of its one CPU): ${cpuline%; }; peak RSS (VmHWM): $hwm"
  echo "- server log: $warnings warnings, $errors errors"
  echo
  echo "Whole script: $(($(date +%s) - t0)) s."
} >"$out"
cat "$out"
say "report: $out"
[ "$battery_ok" = 1 ] || die "some bombs were not refused as expected (see the report)"
case "$store" in unchanged*) ;; *) die "the store changed during the battery" ;; esac
