#!/usr/bin/env bash
# kgql load harness (issue 5): one command measures, in one run on loopback, kgql's throughput,
# latency, CPU and allocations per request, memory, disk, bulk import and start-to-healthy, each
# workload as a ratio to gqlgen's `{ __typename }` on the same server in the same run.
#
#   bench/run.sh S|M|L [SECONDS]
#
# SECONDS (whole seconds) is the length of each load run: default 3 at S (the run takes ~9 min on
# the project's 2-CPU machine), 8 at M (~25 min), 5 at L (its store copy alone takes minutes).
# Environment (all optional):
#   ROUNDS=3                 interleaved rounds (round r runs every workload before round r+1)
#   OPEN_FRACTION=0.5        open-loop rate = this × the workload's 32-connection req/s, same round
#   OPEN_CAP=1000            ... at most this many req/s (vegeta on one core cannot send much more)
#   PATH_FROM/PATH_TO        people 4 hops apart (default per size: S p-1919 → p-2791,
#                            M p-7919 → p-4791, L p-909030 → p-1711909); checked before measuring
#   IMPORT_PEOPLE            size of the import benchmark's graph (default S 3000, M and L 20000)
#   KGQL_BENCH_TOOLS         where vegeta is installed (default /tmp/kgql-bench-tools)
#   KEEP=1                   keep the work directory (logs, raw outputs, the store copy)
#   KGQL_TEXT_INDEX=false    serve without the full-text index (kgql serve -text-index=false): no
#                            wait for it, no full-text workload (L: its build takes about an hour)
#
# What it does (see BENCHMARKS.md, "Load harness, full run"):
#  - builds kgql, bench/constserver (plain net/http constant JSON) and bench/starttime; installs
#    vegeta v12.13.0 with `go install` if missing; needs Debian's wrk (apt-get install wrk),
#    taskset, /usr/bin/time, curl, python3;
#  - copies the store /tmp/kgql-bench-SIZE (built by bench/build-store.sh if missing) into a work
#    directory and adds the built-in ASMEX dataset to the copy: the shared store is never written;
#  - in-process: allocations per request (go test ./bench -bench Handler -benchmem) and bulk import
#    vs a raw Badger WriteBatch (go test ./bench -bench 'Import|RawWriteBatch' -benchtime 1x -count 3);
#  - serves kgql and the constant server pinned to CPU 0, load generators pinned to CPU 1;
#    checks every workload answers data without errors (fails loudly otherwise);
#  - ROUNDS rounds, each running every workload: wrk closed loop at 32 then 128 connections, then
#    vegeta open loop at OPEN_FRACTION of that round's 32-connection req/s; server CPU (utime+stime
#    from /proc/PID/stat) per completed request; VmRSS sampled every 0.5 s during load, VmHWM;
#  - start-to-healthy, cold (after a clean stop) and after a SIGKILL during the 90/10 mix, 3 each;
#  - writes a markdown report to bench/results/SIZE-DATE.md and prints it.
set -euo pipefail
t0=$(date +%s.%N)
command_line="bench/run.sh $*"
size="${1:-}"
case "$size" in
  S) defsecs=3; from=p-1919; to=p-2791; people=3000 ;;
  M) defsecs=8; from=p-7919; to=p-4791; people=20000 ;;
  L) defsecs=5; from=p-909030; to=p-1711909; people=20000 ;;
  *) echo "usage: bench/run.sh S|M|L [SECONDS]" >&2; exit 2 ;;
esac
secs="${2:-$defsecs}"
rounds="${ROUNDS:-3}"
frac="${OPEN_FRACTION:-0.5}"
opencap="${OPEN_CAP:-1000}"
case "$secs" in *[!0-9]* | "" | 0) echo "run.sh: SECONDS must be a whole number of seconds" >&2; exit 2 ;; esac
mixpool=$((opencap * secs * 11 / 10 + 10))
PATH_FROM="${PATH_FROM:-$from}"; PATH_TO="${PATH_TO:-$to}"
IMPORT_PEOPLE="${IMPORT_PEOPLE:-$people}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="/tmp/kgql-bench-$size"
tools="${KGQL_BENCH_TOOLS:-/tmp/kgql-bench-tools}"
vegeta="$tools/vegeta"
say() { printf '[%s +%4.0fs] %s\n' "$(date -u +%H:%M:%S)" "$(echo "$(date +%s.%N) - $t0" | bc)" "$*" >&2; }
die() { echo "run.sh: $*" >&2; exit 1; }

command -v wrk >/dev/null || die "needs wrk (Debian: apt-get install wrk)"
command -v taskset >/dev/null || die "needs taskset (util-linux)"
[ -x /usr/bin/time ] || die "needs /usr/bin/time (Debian: apt-get install time)"
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (server on CPU 0, load on CPU 1)"
if [ ! -x "$vegeta" ]; then
  say "installing vegeta v12.13.0 into $tools"
  mkdir -p "$tools"
  (cd "$tools" && GOBIN="$tools" GOFLAGS=-mod=mod go install github.com/tsenart/vegeta/v12@v12.13.0)
fi
[ -d "$data" ] || "$root/bench/build-store.sh" "$size" "$data"

work="$(mktemp -d /tmp/kgql-bench-run.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${KEEP:-}" = 1 ]; then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
forget() { # pid: stop tracking a process that has been waited for (its pid may be reused)
  local keep=() p
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  pids=("${keep[@]}")
}
mkdir -p "$work/raw" "$work/bodies"

say "building kgql, constserver, starttime"
(cd "$root" && go build -o "$work/kgql" . && go build -o "$work/constserver" ./bench/constserver &&
  go build -o "$work/starttime" ./bench/starttime)

# Disk size of the shared store (before the copy gets the ASMEX dataset and the mix's writes).
badger_kib=$(du -sk --exclude=text.bleve "$data" | cut -f1)
text_kib=$( (du -sk "$data/text.bleve" 2>/dev/null || echo 0) | cut -f1)
say "copying $data into $work/data"
cp -a "$data" "$work/data"
"$work/kgql" import -data "$work/data" "$root/store/seed/asmex.ndjson" >/dev/null

# Request bodies: bench/queries (shared with handler_bench_test.go) and the playground's query.
asmex_query="$(sed -n '/^const ExampleQuery = `/,/^`$/p' "$root/graph/handler.go" | sed '1s/^const ExampleQuery = `//; $d' | grep -v '^#')"
python3 - "$root/bench/queries" "$work/bodies" "$PATH_FROM" "$PATH_TO" "$asmex_query" <<'EOF'
import json, os, sys
qdir, out, frm, to, asmex = sys.argv[1:]
for f in os.listdir(qdir):
    q = open(os.path.join(qdir, f)).read().replace("__FROM__", frm).replace("__TO__", to)
    open(os.path.join(out, f.replace(".graphql", ".json")), "w").write(json.dumps({"query": q}))
open(os.path.join(out, "asmex.json"), "w").write(json.dumps({"query": asmex}))
EOF

# workload id → label; the body of each is bodies/ID.json (the mix: point + write).
workloads=(const typename point hop1 hop2 asmex namesearch fulltext page path4 mix)
notext=0
if [ "${KGQL_TEXT_INDEX:-true}" = false ]; then # every kgql below inherits it
  notext=1
  workloads=(const typename point hop1 hop2 asmex namesearch page path4 mix)
fi
declare -A label=(
  [const]="net/http constant response (reference)" [typename]='`{ __typename }`'
  [point]="point lookup by key" [hop1]="1-hop (node + 10 neighbours)" [hop2]="2-hop (10 × 10)"
  [asmex]="ASMEX connected query" [namesearch]="folded name search" [fulltext]="full-text search"
  [page]="filtered, ordered page" [path4]="4-hop shortest path" [mix]="90/10 read/write (point lookup + upsertPerson)"
)
bodyof() { # the constant server gets the `{ __typename }` request
  case "$1" in mix) echo "$work/bodies/point.json" ;; const) echo "$work/bodies/typename.json" ;; *) echo "$work/bodies/$1.json" ;; esac
}

# --- in-process: allocations per request, bulk import vs raw WriteBatch -----------------------
say "allocations per request: go test ./bench -run XXX -bench Handler -benchmem -benchtime 0.5s"
(cd "$root" && KGQL_BENCH_DATA="$work/data" KGQL_BENCH_PATH_FROM="$PATH_FROM" KGQL_BENCH_PATH_TO="$PATH_TO" \
  KGQL_BENCH_WRITES=1 taskset -c 0 go test ./bench -run XXX -bench Handler -benchmem -benchtime 0.5s) \
  >"$work/handler_bench.txt" 2>&1 || say "handler benchmark FAILED (see report)"
if [ -f "$root/bench/import_bench_test.go" ]; then
  say "bulk import vs raw WriteBatch: KGQL_BENCH_IMPORT_PEOPLE=$IMPORT_PEOPLE go test ./bench -run XXX -bench 'Import|RawWriteBatch' -benchtime 1x -count 3"
  (cd "$root" && KGQL_BENCH_IMPORT_PEOPLE="$IMPORT_PEOPLE" go test ./bench -run XXX -bench 'Import|RawWriteBatch' \
    -benchtime 1x -count 3) >"$work/import_bench.txt" 2>&1 || say "import benchmark FAILED (see report)"
else
  echo "not available: bench/import_bench_test.go is missing" >"$work/import_bench.txt"
  say "import benchmark not available (bench/import_bench_test.go is missing)"
fi

# --- servers ------------------------------------------------------------------------------------
# How long a server may take to listen (a store of an older key space is upgraded first) and its
# text index to be ready: 10 and 20 min, an hour each at L.
waitmax=600; [ "$size" = L ] && waitmax=3600
waiturl() { # file → URL printed as url=...
  local u=""
  for _ in $(seq 1 $((waitmax * 5))); do
    u=$(grep -o 'url=http://[0-9.:]*/' "$1" 2>/dev/null | head -1 | sed 's/^url=//; s/\/$//') || true
    [ -n "$u" ] && curl -sf "$u/healthz" -o /dev/null 2>&1 && { echo "$u"; return; }
    [ -n "$u" ] && [ "$1" = "$work/const.out" ] && { echo "$u"; return; }
    sleep 0.2
  done
  die "server did not start: $(tail -5 "$1")"
}
taskset -c 0 "$work/constserver" >"$work/const.out" 2>&1 &
cpid=$!; pids+=("$cpid")
taskset -c 0 "$work/kgql" serve -log-format text -data "$work/data" -addr 127.0.0.1:0 -seed=false 2>"$work/server.log" &
kpid=$!; pids+=("$kpid")
curl_const=$(waiturl "$work/const.out"); url=$(waiturl "$work/server.log")
say "kgql pid $kpid at $url, constserver pid $cpid at $curl_const"
# /healthz answers 200 while the text index catches up or rebuilds in the background; the
# searches are measured on a ready index only.
if [ "$notext" = 1 ]; then
  say "KGQL_TEXT_INDEX=false: served without the full-text index, its workload left out"
else
  for _ in $(seq 1 $((waitmax * 10))); do
    curl -sf "$url/healthz" 2>/dev/null | grep -q '"textIndex":"ready"' && break
    sleep 0.2
  done
  curl -sf "$url/healthz" | grep -q '"textIndex":"ready"' || die "text index not ready after $((waitmax / 30)) min: $(curl -s "$url/healthz")"
  say "text index ready"
fi
urlof() { if [ "$1" = const ]; then echo "$curl_const"; else echo "$url/graphql"; fi; }
pidof_() { if [ "$1" = const ]; then echo "$cpid"; else echo "$kpid"; fi; }

# Every workload must answer data without errors and without a null root field (one Python
# process checks them all: starting one per check is slow on a loaded machine).
sed "s/__N__/check-$$/" "$work/bodies/write.json" >"$work/bodies/write-check.json"
say "checking every workload's answer"
{ for w in "${workloads[@]}"; do printf '%s %s %s\n' "$w" "$(bodyof "$w")" "$(urlof "$w")"; done
  printf 'write %s %s\n' "$work/bodies/write-check.json" "$url/graphql"; } |
python3 -c '
import json, sys, urllib.request
frm, to = sys.argv[1:]
for line in sys.stdin:
    name, body, url = line.split()
    req = urllib.request.Request(url, data=open(body, "rb").read(), headers={"Content-Type": "application/json"})
    out = urllib.request.urlopen(req, timeout=120).read().decode()
    try:
        d = json.loads(out)
    except ValueError:
        sys.exit(f"run.sh: {name}: not JSON: {out[:300]}")
    if d.get("errors") or not d.get("data") or any(v is None for v in d["data"].values()):
        sys.exit(f"run.sh: {name}: errors or null data: {out[:300]}")
    if name == "path4" and d["data"]["shortestPath"]["length"] != 4:
        sys.exit(f"run.sh: path4: {frm} -> {to} is not 4 hops apart: {out[:300]}; set PATH_FROM/PATH_TO")
    print(f"  {name}: ok, {len(out)} bytes", file=sys.stderr)
' "$PATH_FROM" "$PATH_TO" || die "a workload does not answer data (above): nothing measured"

# Open-loop targets (vegeta's JSON format): one request per workload, and for the mix a cycle of
# 9 point lookups and 1 upsertPerson, each write with a key of its own (per round).
target() { printf '{"method":"POST","url":"%s","body":"%s","header":{"Content-Type":["application/json"]}}\n' "$1" "$(base64 -w0 <"$2")"; }
for w in "${workloads[@]}"; do target "$(urlof "$w")" "$(bodyof "$w")" >"$work/bodies/$w.targets"; done
python3 - "$url/graphql" "$work/bodies" "$rounds" "$mixpool" <<'PY'
import base64, json, sys
url, d, rounds, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
enc = lambda b: json.dumps({"method": "POST", "url": url, "body": base64.b64encode(b.encode()).decode(),
                            "header": {"Content-Type": ["application/json"]}})
read, write = enc(open(d + "/point.json").read()), open(d + "/write.json").read()
for r in range(1, rounds + 1):
    with open(f"{d}/mix-{r}.targets", "w") as f:
        for i in range(n):
            print(enc(write.replace("__N__", f"open-{r}-{i}")) if i % 10 == 9 else read, file=f)
PY

# --- measurement helpers ----------------------------------------------------------------------
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
settle() { # wait until the server is idle (a closed loop leaves requests in flight when it stops)
  local a b
  for _ in $(seq 1 600); do
    a=$(ticks "$1"); sleep 0.2; b=$(ticks "$1")
    [ $((b - a)) -le 1 ] && return
  done
}
# RSS sampler: every 0.5 s while a kgql load run is going on, "workload KiB" into rss.txt.
: >"$work/current"
taskset -c 1 bash -c 'while kill -0 '"$kpid"' 2>/dev/null; do
  w=$(cat '"$work/current"'); [ -n "$w" ] && echo "$w $(awk "/^VmRSS/ {print \$2}" /proc/'"$kpid"'/status)" >>'"$work/rss.txt"'
  sleep 0.5; done' &
spid=$!; pids+=("$spid")

# results.tsv: round workload mode target-rate server-ticks rawfile. The load generator's own CPU
# (/usr/bin/time) goes to RAW.time: a generator near 100 % of its core measures itself.
wrkrun() { # round workload conns [secs]
  local r=$1 w=$2 c=$3 d=${4:-$secs} p raw t1 t2 wb=""
  p=$(pidof_ "$w"); raw="$work/raw/$r-$w-c$c"
  [ "$w" = mix ] && wb="$work/bodies/write.json"
  [ "$w" != const ] && echo "$w" >"$work/current"
  t1=$(ticks "$p")
  KGQL_BODY="$(bodyof "$w")" KGQL_WRITE_BODY="$wb" taskset -c 1 /usr/bin/time -o "$raw.time" -f '%e %U %S' \
    wrk -t1 -c"$c" -d"${d}s" --timeout 30s --latency -s "$root/bench/post.lua" "$(urlof "$w")" >"$raw.out" 2>"$raw.err" || true
  : >"$work/current"
  settle "$p"
  t2=$(ticks "$p")
  [ "$r" = warm ] && return
  printf '%s\t%s\tc%s\t0\t%s\t%s\n' "$r" "$w" "$c" "$((t2 - t1))" "$raw" >>"$work/results.tsv"
}
vegrun() { # round workload rate
  local r=$1 w=$2 rate=$3 p raw t1 t2 tf="$work/bodies/$2.targets"
  p=$(pidof_ "$w"); raw="$work/raw/$r-$w-open"
  [ "$w" = mix ] && tf="$work/bodies/mix-$r.targets"
  [ "$w" != const ] && echo "$w" >"$work/current"
  t1=$(ticks "$p")
  taskset -c 1 /usr/bin/time -o "$raw.time" -f '%e %U %S' "$vegeta" attack -format=json -targets="$tf" \
    -rate="$rate/1s" -duration="${secs}s" -timeout=30s >"$raw.bin" 2>"$raw.err" || true
  : >"$work/current"
  settle "$p"
  t2=$(ticks "$p")
  printf '%s\t%s\topen\t%s\t%s\t%s\n' "$r" "$w" "$rate" "$((t2 - t1))" "$raw" >>"$work/results.tsv"
}

# --- load ---------------------------------------------------------------------------------------
say "warm-up: 1 s at 32 connections per workload"
for w in "${workloads[@]}"; do wrkrun warm "$w" 32 1; done
for r in $(seq 1 "$rounds"); do
  say "round $r of $rounds: ${#workloads[@]} workloads × (32 conns, 128 conns, open loop) × ${secs} s"
  for w in "${workloads[@]}"; do
    wrkrun "$r" "$w" 32
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/raw/$r-$w-c32.out")
    rate=$(awk -v x="${rps:-0}" -v f="$frac" -v cap="$opencap" 'BEGIN { r = int(x * f); if (r > cap) r = cap; if (r < 1) r = 1; print r }')
    wrkrun "$r" "$w" 128
    vegrun "$r" "$w" "$rate"
  done
done
for b in "$work"/raw/*-open.bin; do "$vegeta" report -type=json "$b" >"${b%.bin}.json" && rm -f "$b"; done
hwm_kib=$(awk '/^VmHWM/ {print $2}' "/proc/$kpid/status")
kill -TERM "$kpid"; wait "$kpid" 2>/dev/null || true; forget "$kpid"
kill -TERM "$cpid"; wait "$cpid" 2>/dev/null || true; forget "$cpid"
wait "$spid" 2>/dev/null || true; forget "$spid"

# --- start to healthy ---------------------------------------------------------------------------
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
starttime() { # kind → ms (clean stop afterwards)
  local port; port=$(freeport)
  taskset -c 1 "$work/starttime" -url "http://127.0.0.1:$port/healthz" -log "$work/start-$1.log" -- \
    taskset -c 0 "$work/kgql" serve -log-format text -data "$work/data" -addr "127.0.0.1:$port" -seed=false \
    || { cat "$work/start-$1.log" >&2; die "start-to-healthy ($1) failed"; }
}
say "start to healthy: 3 × cold (after a clean stop), 3 × after SIGKILL during the 90/10 mix (on the copy)"
: >"$work/start.tsv"
for i in 1 2 3; do printf 'cold\t%s\n' "$(starttime cold)" >>"$work/start.tsv"; done
for i in 1 2 3; do
  taskset -c 0 "$work/kgql" serve -log-format text -data "$work/data" -addr 127.0.0.1:0 -seed=false 2>"$work/kill.log" &
  kp=$!; pids+=("$kp")
  ku=$(waiturl "$work/kill.log")
  KGQL_BODY="$work/bodies/point.json" KGQL_WRITE_BODY="$work/bodies/write.json" taskset -c 1 \
    wrk -t1 -c32 -d3s -s "$root/bench/post.lua" "$ku/graphql" >/dev/null 2>&1 &
  wp=$!; pids+=("$wp")
  sleep 1.5
  kill -KILL "$kp"; wait "$kp" 2>/dev/null || true; forget "$kp"
  wait "$wp" 2>/dev/null || true; forget "$wp"
  printf 'sigkill\t%s\n' "$(starttime sigkill)" >>"$work/start.tsv"
done

# --- report -------------------------------------------------------------------------------------
stamp=$(date -u +%Y-%m-%dT%H%MZ)
mkdir -p "$root/bench/results"
report="$root/bench/results/$size-$stamp.md"
elapsed=$(echo "$(date +%s.%N) - $t0" | bc)
commit=$(cd "$root" && git rev-parse --short HEAD)$(cd "$root" && git diff --quiet HEAD -- . 2>/dev/null || echo "+uncommitted")
python3 "$root/bench/report.py" \
  --work "$work" --size "$size" --secs "$secs" --rounds "$rounds" --frac "$frac" --open-cap "$opencap" \
  --path "$PATH_FROM → $PATH_TO" --import-people "$IMPORT_PEOPLE" --command "$command_line" \
  --commit "$commit" --go "$(go version)" --wrk "$(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')" \
  --vegeta "$(go version -m "$vegeta" | awk '$1 == "mod" {print $3}')" --hwm "$hwm_kib" --badger "$badger_kib" --text "$text_kib" \
  --clk "$(getconf CLK_TCK)" --elapsed "$elapsed" --date "$(date -u '+%Y-%m-%d %H:%M UTC')" >"$report"
cat "$report"
echo
echo "report: $report — total $(printf '%.0f' "$elapsed") s"
