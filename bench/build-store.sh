#!/usr/bin/env bash
# Build a generated kgql store for the benchmarks: S = 10k nodes, M = 1M nodes (~5.9M edges),
# L = 10M nodes (~59M edges; the file is ~6 GB, its import ~50 min on 2 cores, not yet measured).
# usage: bench/build-store.sh S|M|L [DIR]     (default DIR: /tmp/kgql-bench-SIZE)
set -euo pipefail
size="${1:-S}"
case "$size" in
  S) people=3000 ;;
  M) people=300000 ;;
  L) people=3000000; memlimit=12288 ;; # the streamed import's live heap grows with the graph (~0.75 GiB at M)
  *) echo "usage: $0 S|M|L [DIR]" >&2; exit 2 ;;
esac
dir="${2:-/tmp/kgql-bench-$size}"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
go build -o /tmp/kgql-bench-bin .
rm -rf "$dir" && mkdir -p "$dir"
/tmp/kgql-bench-bin gen -people "$people" -seed 1 -o "$dir.ndjson"
/tmp/kgql-bench-bin import -data "$dir" -mem-limit-mib "${memlimit:-1024}" "$dir.ndjson"
echo "store ready: $dir (KGQL_BENCH_DATA=$dir)"
