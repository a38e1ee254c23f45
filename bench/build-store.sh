#!/usr/bin/env bash
# Build a generated kgql store for the benchmarks: S = 10k nodes, M = 1M nodes (~5.9M edges).
# usage: bench/build-store.sh S|M [DIR]     (default DIR: /tmp/kgql-bench-SIZE)
set -euo pipefail
size="${1:-S}"
case "$size" in
  S) people=3000 ;;
  M) people=300000 ;;
  *) echo "usage: $0 S|M [DIR]" >&2; exit 2 ;;
esac
dir="${2:-/tmp/kgql-bench-$size}"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
go build -o /tmp/kgql-bench-bin .
rm -rf "$dir" && mkdir -p "$dir"
/tmp/kgql-bench-bin gen -people "$people" -seed 1 -o "$dir.ndjson"
/tmp/kgql-bench-bin import -data "$dir" "$dir.ndjson"
echo "store ready: $dir (KGQL_BENCH_DATA=$dir)"
