#!/usr/bin/env bash
# Subscriptions, commit to event, over loopback (issue 11's benchmark):
#
#   bench/subs.sh [SECONDS]        (default 5; ~2 min)
#
# It builds kgql and bench/subs, and for 1, 100 and 1,000 subscribers starts kgql afresh on the
# built-in dataset (-log-level warn), pinned to CPU 0, and runs bench/subs pinned to CPU 1: N
# websocket clients subscribe to nodeChanged(types: [SOURCE]) while a writer commits 100 sources/s
# for SECONDS; it prints each run's line (latency percentiles, events expected and delivered, out
# of order, the server's CPU per delivered event, its RSS, the client's CPU). Then it measures the
# memory of 1,000 idle subscriptions against a fresh server. Needs taskset (util-linux); without
# it, nothing is pinned. Loopback only; every process it starts is stopped by its PID.
set -euo pipefail
secs="${1:-5}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/kgql-subs.XXXXXX")"
kpid=""
stop() {
  if [ -n "$kpid" ] && kill -0 "$kpid" 2>/dev/null; then kill -TERM "$kpid"; wait "$kpid" 2>/dev/null || true; fi
  kpid=""
}
trap 'stop; rm -rf "$work"' EXIT

(cd "$root" && go build -o "$work/kgql" . && go build -o "$work/subs" ./bench/subs)
pin0=(); pin1=()
if command -v taskset >/dev/null; then pin0=(taskset -c 0); pin1=(taskset -c 1); fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port/graphql"

start() {
  rm -rf "$work/data"
  "${pin0[@]}" "$work/kgql" serve -addr "127.0.0.1:$port" -data "$work/data" -log-level warn 2>"$work/kgql.log" &
  kpid=$!
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null -H 'Content-Type: application/json' -d '{"query":"{ __typename }"}' "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "kgql did not start:" >&2; cat "$work/kgql.log" >&2; exit 1
}

echo "# bench/subs.sh, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$root" rev-parse --short HEAD), ${secs}s of writes at 100/s"
for n in 1 100 1000; do
  start
  "${pin1[@]}" "$work/subs" -url "$url" -subs "$n" -rate 100 -seconds "$secs" -pid "$kpid"
  stop
done
start
sleep 1
base=$(awk '/VmRSS/ {print $2}' "/proc/$kpid/status")
echo "idle server rss_kib=$base"
"${pin1[@]}" "$work/subs" -url "$url" -subs 1000 -idle 5s -pid "$kpid"
stop
