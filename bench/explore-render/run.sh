#!/usr/bin/env bash
# Render benchmark of the explorer's graph library candidates (see README.md in this folder):
# installs the pinned packages with `npm ci` (bounded), then runs run.mjs in headless Chromium on
# loopback only and writes the table to stdout and to results-<UTC timestamp>.md here (the raw
# per-run figures, frame intervals included, go to results-<UTC timestamp>.json).
#
#   bench/explore-render/run.sh [run.mjs options, e.g. --runs 5 --libs cy,sigma,cy-webgl,cy-culled]
#
# Needs node >= 20 and Debian's chromium (apt-get install -y chromium); CHROMIUM overrides the path.
set -euo pipefail
cd "$(dirname "$0")"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "no Chromium at $CHROMIUM (apt-get install -y chromium)" >&2
  exit 2
fi
timeout 300 npm ci --no-audit --no-fund --loglevel=error >&2
ts=$(date -u +%Y-%m-%dT%H%MZ)
node run.mjs --chromium "$CHROMIUM" --out "results-$ts.md" --json "results-$ts.json" "$@"
echo "wrote $(pwd)/results-$ts.md" >&2
