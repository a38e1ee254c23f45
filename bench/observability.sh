#!/usr/bin/env bash
# The server CPU that metrics and the access log cost per request, over loopback HTTP:
#
#   bench/observability.sh [ROUNDS] [SECONDS]      (defaults 3 and 8; ~6 min)
#
# For each round and each configuration — bare (-metrics=false -log-level warn -slow-query 0),
# metrics (metrics only), log (access and slow-query log only, -metrics=false), both (the
# default: what kgql serve runs) — it starts kgql on the built-in dataset pinned to CPU 0, and for
# each workload ({ __typename } and graph.ExampleQuery, the ASMEX connected query) warms up for
# 2 s, then runs wrk -t1 -c16 for SECONDS on CPU 1 and reads the server's CPU time (utime + stime
# of /proc/PID/stat) around it. Standard error (the log) goes to a file. It prints, per workload
# and configuration, the CPU-µs per request of every round, the median, and its ratio to bare.
# KGQL_OBS_CONFIGS and KGQL_OBS_WORKLOADS choose a subset (e.g. "bare both", "typename"). Each
# round starts at the next configuration, so that none always runs first. Needs Debian's wrk and
# taskset. Loopback only; every process it starts is stopped by its PID.
set -euo pipefail
rounds="${1:-3}"
secs="${2:-8}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v wrk >/dev/null || { echo "needs wrk (Debian: apt-get install wrk)" >&2; exit 2; }
work="$(mktemp -d "${TMPDIR:-/tmp}/kgql-obs.XXXXXX")"
kpid=""
cleanup() {
  if [ -n "$kpid" ] && kill -0 "$kpid" 2>/dev/null; then kill -TERM "$kpid"; wait "$kpid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && go build -o "$work/kgql" .)
# The bodies: { __typename } and the playground's ASMEX query (graph.ExampleQuery).
printf '%s' '{"query":"{ __typename }"}' >"$work/typename.json"
python3 - "$root/graph/handler.go" "$work/asmex.json" <<'EOF'
import json, re, sys
src = open(sys.argv[1]).read()
q = re.search(r'const ExampleQuery = `(.*?)`', src, re.S).group(1)
open(sys.argv[2], "w").write(json.dumps({"query": q}))
EOF

# One loopback port for every server (each is stopped before the next starts).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

start() { # config; sets kpid and url
  local flags=()
  case "$1" in
    bare) flags=(-metrics=false -log-level warn -slow-query 0) ;;
    metrics) flags=(-log-level warn -slow-query 0) ;;
    log) flags=(-metrics=false) ;;
    both) flags=() ;;
  esac
  rm -rf "$work/data"
  taskset -c 0 "$work/kgql" serve -addr "127.0.0.1:$port" -data "$work/data" -log-format json "${flags[@]}" >/dev/null 2>"$work/kgql-$1.log" &
  kpid=$!
  url="http://127.0.0.1:$port/"
  for _ in $(seq 1 300); do
    curl -fsS "${url}healthz" >/dev/null 2>&1 && break
    kill -0 "$kpid" 2>/dev/null || { echo "kgql ($1) exited" >&2; cat "$work/kgql-$1.log" >&2; exit 1; }
    sleep 0.1
  done
  curl -fsS "${url}healthz" >/dev/null 2>&1 || { echo "kgql ($1) did not start" >&2; cat "$work/kgql-$1.log" >&2; exit 1; }
}
stop() { kill -TERM "$kpid"; wait "$kpid" 2>/dev/null || true; kpid=""; }

: >"$work/results.tsv"
configs=(${KGQL_OBS_CONFIGS:-bare metrics log both})
workloads=(${KGQL_OBS_WORKLOADS:-typename asmex})
for r in $(seq 1 "$rounds"); do
  # Each round starts at the next configuration, so that no configuration always runs first.
  for i in $(seq 0 $((${#configs[@]} - 1))); do
    cfg=${configs[$(((i + r - 1) % ${#configs[@]}))]}
    start "$cfg"
    for w in "${workloads[@]}"; do
      KGQL_BODY="$work/$w.json" taskset -c 1 wrk -t1 -c16 -d2s -s "$root/bench/post.lua" "${url}graphql" >/dev/null 2>&1 || true
      sleep 0.5
      t1=$(ticks "$kpid")
      out=$(KGQL_BODY="$work/$w.json" taskset -c 1 wrk -t1 -c16 -d"${secs}s" -s "$root/bench/post.lua" "${url}graphql" 2>"$work/wrk.err")
      sleep 0.5
      t2=$(ticks "$kpid")
      n=$(printf '%s\n' "$out" | awk '/requests in/ {print $1}')
      if [ -s "$work/wrk.err" ]; then echo "bad responses ($cfg $w):" >&2; head -3 "$work/wrk.err" >&2; fi
      printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$w" "$cfg" "$((t2 - t1))" "$n" >>"$work/results.tsv"
      echo "round $r $cfg $w: $n requests, $((t2 - t1)) ticks" >&2
    done
    stop
  done
done

python3 - "$work/results.tsv" "$hz" <<'EOF'
import sys, statistics, collections
hz = float(sys.argv[2])
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r, w, cfg, t, n = line.split()
    d[(w, cfg)].append(float(t) / hz * 1e6 / float(n))
print("| workload | configuration | CPU-µs/request (rounds) | median | ratio to bare |")
print("| --- | --- | --- | ---: | ---: |")
for w in ("typename", "asmex"):
    if (w, "bare") not in d:
        continue
    bare = statistics.median(d[(w, "bare")])
    for cfg in ("bare", "metrics", "log", "both"):
        if (w, cfg) not in d:
            continue
        v = d[(w, cfg)]
        m = statistics.median(v)
        print(f"| {w} | {cfg} | {' / '.join(f'{x:,.1f}' for x in v)} | {m:,.1f} | {m / bare:.3f} |")
EOF
