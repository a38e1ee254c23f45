#!/usr/bin/env bash
# kgql load and soak run (issue 9, part 6): a server with credentials and limits, as it runs on a
# network, under 200 concurrent clients for 60 s (90 % reads, 10 % writes through writer tokens);
# then a clean stop, `kgql check`, and every acknowledged write looked up in the store's export.
#
#   bench/soak.sh [SECONDS]            (default 60; the whole script takes about 2–3 minutes)
#
# Environment (all optional):
#   CLIENTS=200          concurrent clients (closed loop, one keep-alive connection each)
#   TOKENS=$CLIENTS      writer tokens created with `kgql token add`; client i uses token i mod TOKENS
#                        (default: one per client, as every editor or tool of a newsroom has its own)
#   RATE, BURST          -rate and -burst of the server, per client (= per token); default 100/s and
#                        200, × CLIENTS/TOKENS when clients share tokens: above what one client of a
#                        closed loop gets from a saturated server, so nobody is throttled
#   MAX_IN_FLIGHT=256    -max-in-flight: above CLIENTS, so the cap never sheds (a shed is a 503)
#   WRITES=0.10          fraction of writes
#   LOCK_WAIT=300        seconds to wait for /tmp/kgql-bench.lock (another benchmark running)
#   GOMAXPROCS           passed on to the server (pinned to one CPU it gets 1 by default) and the generator
#   KEEP=1               keep the work directory (server log, results.json, expect.json, export)
#
# What it does:
#  - builds kgql and bench/soak (the load generator and checker, Go, standard library only);
#  - copies a generated S store (kgql gen -people 3000 -seed 1 + kgql import, cached in
#    /tmp/kgql-soak-S with its full-text index; built on first use, ~30–60 s) into a work directory and imports the built-in
#    ASMEX dataset into the copy;
#  - creates the writer tokens; under flock /tmp/kgql-bench.lock, serves kgql on 127.0.0.1 (a port
#    the kernel picks) pinned to CPU 0 with -tokens, -rate, -burst and -max-in-flight, waits for
#    the full-text index, runs the load pinned to CPU 1 (preflight: every read and write kind
#    answers without errors), samples the server's VmRSS every 0.5 s, reads VmHWM, stops the
#    server with SIGTERM (exit 0 expected);
#  - runs `kgql check` (must print "check: ok"), `kgql export`, and looks up every acknowledged
#    write in the export (lost: a fact it wrote is missing or different);
#  - writes bench/results/soak-DATE.md and prints a summary. Exits 1 on any 5xx, any request
#    without an answer, any lost or wrongly applied write, a failed check or a server exit ≠ 0.
set -euo pipefail
t0=$(date +%s.%N)
envs=""
for v in CLIENTS TOKENS RATE BURST MAX_IN_FLIGHT WRITES GOMAXPROCS; do [ -n "${!v:-}" ] && envs+="$v=${!v} "; done
command_line="$(echo "${envs}bench/soak.sh $*" | sed 's/ *$//')"
secs="${1:-60}"
case "$secs" in *[!0-9]* | "" | 0) echo "soak.sh: SECONDS must be a whole number" >&2; exit 2 ;; esac
clients="${CLIENTS:-200}"
tokens="${TOKENS:-$clients}"
share=$(((clients + tokens - 1) / tokens))
rate="${RATE:-$((100 * share))}"
burst="${BURST:-$((2 * rate))}"
inflight="${MAX_IN_FLIGHT:-256}"
writes="${WRITES:-0.10}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmpl=/tmp/kgql-soak-S
say() { printf '[%s +%4.0fs] %s\n' "$(date -u +%H:%M:%S)" "$(echo "$(date +%s.%N) - $t0" | bc)" "$*" >&2; }
die() { echo "soak.sh: $*" >&2; exit 1; }
command -v taskset >/dev/null || die "needs taskset (util-linux)"
command -v flock >/dev/null || die "needs flock (util-linux)"
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (server on CPU 0, load on CPU 1)"

work="$(mktemp -d /tmp/kgql-soak-run.XXXXXX)"
kpid=""
cleanup() {
  if [ -n "$kpid" ] && kill -0 "$kpid" 2>/dev/null; then kill -TERM "$kpid" 2>/dev/null || true; wait "$kpid" 2>/dev/null || true; fi
  if [ "${KEEP:-}" = 1 ]; then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

say "building kgql and bench/soak"
(cd "$root" && go build -o "$work/kgql" . && go build -o "$work/soak" ./bench/soak)

if [ ! -f "$tmpl.ok" ]; then
  say "building the S store in $tmpl (kgql gen -people 3000 -seed 1, kgql import): once"
  rm -rf "$tmpl.tmp.$$" && mkdir -p "$tmpl.tmp.$$"
  "$work/kgql" gen -people 3000 -seed 1 -o "$work/gen.ndjson"
  "$work/kgql" import -data "$tmpl.tmp.$$" "$work/gen.ndjson" >/dev/null
  # Serve it once until the full-text index is built, so that each run's copy only catches up.
  "$work/kgql" serve -log-format text -data "$tmpl.tmp.$$" -addr 127.0.0.1:0 -seed=false 2>"$work/build.log" &
  bpid=$!
  for _ in $(seq 1 1500); do
    u=$(grep -o 'url=http://127.0.0.1:[0-9]*/' "$work/build.log" 2>/dev/null | head -1 | sed 's/^url=//; s/\/$//') || true
    [ -n "$u" ] && curl -sf "$u/healthz" 2>/dev/null | grep -q '"textIndex":"ready"' && break
    sleep 0.2
  done
  kill -TERM "$bpid"; wait "$bpid" || die "building the store's text index failed: $(tail -3 "$work/build.log")"
  rm -rf "$tmpl" && mv "$tmpl.tmp.$$" "$tmpl" && touch "$tmpl.ok"
fi
cp -a "$tmpl" "$work/data"
"$work/kgql" import -data "$work/data" "$root/store/seed/asmex.ndjson" >/dev/null
say "store: copy of $tmpl + the ASMEX dataset ($(du -sh "$work/data" | cut -f1))"

say "creating $tokens writer tokens (kgql token add)"
for i in $(seq 1 "$tokens"); do
  "$work/kgql" token add -tokens "$work/tokens.conf" -name "soak-$i" -role writer >>"$work/tokens.txt" 2>/dev/null
done
chmod 600 "$work/tokens.txt"
[ "$(wc -l <"$work/tokens.txt")" -eq "$tokens" ] || die "expected $tokens tokens, got $(wc -l <"$work/tokens.txt")"

# The playground's ASMEX query (graph/handler.go), as bench/run.sh takes it.
sed -n '/^const ExampleQuery = `/,/^`$/p' "$root/graph/handler.go" | sed '1s/^const ExampleQuery = `//; $d' | grep -v '^#' >"$work/asmex.graphql"
[ -s "$work/asmex.graphql" ] || die "could not read ExampleQuery from graph/handler.go"

# --- measured part, under the shared benchmark lock ---------------------------------------------
exec 9>/tmp/kgql-bench.lock
say "waiting for /tmp/kgql-bench.lock (at most ${LOCK_WAIT:-300} s)"
flock -w "${LOCK_WAIT:-300}" 9 || die "another benchmark holds /tmp/kgql-bench.lock"
taskset -c 0 "$work/kgql" serve -log-format text -data "$work/data" -addr 127.0.0.1:0 -seed=false -tokens "$work/tokens.conf" \
  -rate "$rate" -burst "$burst" -max-in-flight "$inflight" 2>"$work/server.log" &
kpid=$!
url=""
for _ in $(seq 1 600); do
  url=$(grep -o 'url=http://127.0.0.1:[0-9]*/' "$work/server.log" 2>/dev/null | head -1 | sed 's/^url=//; s/\/$//') || true
  [ -n "$url" ] && curl -sf "$url/healthz" -o /dev/null 2>&1 && break
  kill -0 "$kpid" 2>/dev/null || die "kgql serve exited: $(tail -5 "$work/server.log")"
  url=""; sleep 0.2
done
[ -n "$url" ] || die "server did not start in 120 s: $(tail -5 "$work/server.log")"
for _ in $(seq 1 600); do
  curl -sf "$url/healthz" 2>/dev/null | grep -q '"textIndex":"ready"' && break
  sleep 0.2
done
curl -sf "$url/healthz" | grep -q '"textIndex":"ready"' || die "text index not ready after 120 s: $(curl -s "$url/healthz")"
say "kgql pid $kpid at $url (text index ready): -tokens ($tokens writer tokens) -rate $rate -burst $burst -max-in-flight $inflight"
grep -o '"msg":"limits"[^}]*\|msg=limits.*' "$work/server.log" | head -1 >&2 || true

say "load: $clients clients × ${secs} s, $(echo "$writes * 100" | bc | sed 's/\.0*$//') % writes"
load_rc=0
timeout $((secs + 120)) taskset -c 1 "$work/soak" run -url "$url/graphql" -tokens "$work/tokens.txt" -pid "$kpid" \
  -asmex "$work/asmex.graphql" -out "$work" -clients "$clients" -duration "${secs}s" -writes "$writes" || load_rc=$?

say "stopping the server (SIGTERM)"
ts=$(date +%s.%N)
kill -TERM "$kpid"
for _ in $(seq 1 300); do kill -0 "$kpid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$kpid" 2>/dev/null; then say "server still running 30 s after SIGTERM: SIGKILL"; kill -KILL "$kpid"; fi
server_rc=0
wait "$kpid" || server_rc=$?
kpid=""
stop_secs=$(echo "$(date +%s.%N) - $ts" | bc)
flock -u 9
exec 9>&-
say "server exited $server_rc in $(printf '%.1f' "$stop_secs") s; lock released"
[ "$load_rc" = 0 ] || { tail -20 "$work/server.log" >&2; die "the load generator failed (exit $load_rc): nothing to report"; }

# --- after the stop: check, export, every acknowledged write -----------------------------------
say "kgql check"
check_rc=0
"$work/kgql" check -data "$work/data" >"$work/check.txt" 2>&1 || check_rc=$?
tail -3 "$work/check.txt" >&2
say "kgql export and the acknowledged writes"
"$work/kgql" export -data "$work/data" -o "$work/export.ndjson" 2>"$work/export.log" || die "kgql export failed: $(cat "$work/export.log")"
"$work/soak" verify -expect "$work/expect.json" -export "$work/export.ndjson" -o "$work/verify.json" || say "verification failed"

stamp=$(date -u +%Y-%m-%dT%H%MZ)
mkdir -p "$root/bench/results"
report="$root/bench/results/soak-$stamp.md"
commit=$(cd "$root" && git rev-parse --short HEAD)$(cd "$root" && git diff --quiet HEAD -- . 2>/dev/null || echo "+uncommitted")
machine="$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), shared with other sessions"
setup="store: kgql gen -people 3000 -seed 1 (S: 17,779 records, 10,233 nodes) + the built-in ASMEX dataset, $(grep -c . "$work/export.ndjson") records after the run
server: kgql serve -addr 127.0.0.1:0 -seed=false -tokens FILE ($tokens writer tokens from kgql token add) -rate $rate -burst $burst -max-in-flight $inflight, other flags default; pinned to CPU 0 (taskset -c 0); load generator pinned to CPU 1
every request (reads too) carries its client's Authorization: Bearer token, so the per-client rate applies per token"
total_elapsed=$(echo "$(date +%s.%N) - $t0" | bc)
rc=0
"$work/soak" report -results "$work/results.json" -verify "$work/verify.json" -o "$report" \
  -check-output "$work/check.txt" -check-rc "$check_rc" -server-rc "$server_rc" -stop-seconds "$stop_secs" \
  -command "$command_line" -commit "$commit" -go "$(go version | awk '{print $3}')" -date "$(date -u '+%Y-%m-%d %H:%M UTC')" \
  -machine "$machine" -setup "$setup" -elapsed "$total_elapsed" || rc=$?
grep -i 'level=error\|level=warn\|"level":"ERROR"\|"level":"WARN"' "$work/server.log" | head -5 >&2 || true
exit "$rc"
