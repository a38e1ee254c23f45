#!/usr/bin/env bash
# kgql load harness (first version): throughput and latency of typical workloads against a kgql
# server on loopback, each as a ratio to `{ __typename }` measured in the same run.
#
#   bench/run.sh S|M [SECONDS]      (needs wrk: apt-get install wrk)
#   PATH_FROM/PATH_TO choose the people of the path workload (default p-7919 → p-4791, 4 hops in M).
#
# The server is pinned to CPU 0 and wrk to CPU 1 (taskset), closed loop with 32 connections.
# Prints a markdown table; see BENCHMARKS.md for recorded runs.
set -euo pipefail
size="${1:-S}"; secs="${2:-10}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="/tmp/kgql-bench-$size"
[ -d "$data" ] || "$root/bench/build-store.sh" "$size" "$data"
go build -o /tmp/kgql-bench-bin "$root"
work="$(mktemp -d)"; trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
# The ASMEX dataset goes into the generated store too, for the connected query.
/tmp/kgql-bench-bin import -data "$data" "$root/store/seed/asmex.ndjson" >/dev/null
taskset -c 0 /tmp/kgql-bench-bin serve -data "$data" -addr 127.0.0.1:0 -seed=false 2>"$work/server.log" &
pid=$!
for _ in $(seq 1 600); do
  url=$(grep -o 'url=http://[0-9.:]*/' "$work/server.log" | head -1 | sed 's/^url=//; s/\/$//') || true
  [ -n "${url:-}" ] && curl -sf "$url/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
[ -n "${url:-}" ] || { echo "kgql did not start"; cat "$work/server.log"; exit 1; }

body() { python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$1" > "$work/$2.json"; }
body '{ __typename }' typename
body '{ person(key: "p-1") { id name } }' point
body '{ organization(key: "org-5") { name members(first: 10) { nodes { person { name } } } } }' hop1
body '{ organization(key: "org-5") { members(first: 10) { nodes { person { name positions { organization { name } } } } } } }' hop2
body "$(sed -n '/^const ExampleQuery = `/,/^`$/p' "$root/graph/handler.go" | sed '1s/^const ExampleQuery = `//; $d' | grep -v '^#')" asmex
body '{ search(text: "sentissi", types: [PERSON], first: 10) { score node { id } } }' namesearch
body '{ search(text: "exportations", types: [STATEMENT], first: 10) { score snippet node { id } } }' fulltext
body '{ events(where: {location: {within: "AA-01"}}, orderBy: [{field: START_DATE, direction: DESC}], first: 20) { nodes { key startDate } } }' page
body "{ shortestPath(from: \"${PATH_FROM:-p-7919}\", to: \"${PATH_TO:-p-4791}\", maxDepth: 4) { length } }" path4
python3 -c 'import json; print(json.dumps({"query": "mutation { upsertPerson(input: {key: \"bench-__N__\", name: \"Bench Person\", citations: [{source: \"src-1\"}]}) { id } }"}))' > "$work/write.json"

run() { # name, body[, write body] → "req/s p50 p99"
  local out
  out=$(KGQL_BODY="$work/$2.json" KGQL_WRITE_BODY="${3:-}" taskset -c 1 wrk -t1 -c32 -d"${secs}s" --latency -s "$root/bench/post.lua" "$url/graphql" 2>"$work/$1.err")
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  if [ -s "$work/$1.err" ]; then echo "ERRORS in $1: $(head -c 300 "$work/$1.err")" >&2; fi
  echo "$rps $p50 $p99"
}
ref=$(run typename typename); ref_rps=${ref%% *}
echo "| workload | req/s | ratio to \`{ __typename }\` | p50 | p99 |"
echo "| --- | --- | --- | --- | --- |"
printf '| `{ __typename }` | %s | 1.00 | %s | %s |\n' $ref
for w in point:"point lookup by key" hop1:"1-hop (10 neighbours)" hop2:"2-hop (10 × 10)" asmex:"ASMEX connected query" \
         namesearch:"folded name search" fulltext:"full-text search" page:"filtered, ordered page" path4:"shortest path (maxDepth 4)"; do
  name=${w%%:*}; label=${w#*:}
  r=$(run "$name" "$name"); set -- $r
  printf '| %s | %s | %.2f | %s | %s |\n' "$label" "$1" "$(echo "$1 / $ref_rps" | bc -l)" "$2" "$3"
done
r=$(run mix point "$work/write.json"); set -- $r
printf '| 90/10 read/write (point lookup + upsertPerson) | %s | %.2f | %s | %s |\n' "$1" "$(echo "$1 / $ref_rps" | bc -l)" "$2" "$3"
echo
echo "size $size, $secs s per workload, 32 connections, server on CPU 0, wrk on CPU 1, $(date -u +%Y-%m-%d)"
