#!/usr/bin/env bash
# End-to-end check of kgql with third-party clients (CI runs it after `go test`).
#
# It builds kgql, starts it on a free loopback port with a throwaway store (the built-in dataset),
# and runs the client harnesses of ../shared/tools (see their README) against it:
#   1. playground-screenshot.sh  GraphiQL in headless Chromium runs a connected ASMEX query; the
#                                PNG is kept in $E2E_OUT (default /tmp/kgql-e2e)/playground.png
#   2. explore-check.mjs         (.ci/) the explorer at /explore in Chromium; PNGs in $E2E_OUT/explore
#      graphql-http-audit.mjs    the graphql-http spec audits: all 61 pass (no WARN, no NOTE)
#   3. apollo-client-check.mjs   Apollo Client 4, cross-origin, with APQ and a client name
#   4. apollo-batch-check.mjs    (.ci/) Apollo's BatchHttpLink: batches, a bad member, the cap
#   5. schema-lint.sh            graphql-schema-linter's gqlgen profile on every .graphqls file
#   6. graphql-ws-probes.mjs     the graphql-transport-ws protocol's edge cases (13 probes)
#   7. graphql-ws-check.mjs      subscription events caused by mutations, with the graphql-ws client
#   8. apollo-client-check.mjs   a subscription through Apollo's GraphQLWsLink, cross-origin
# then, against a second server with a token file and -require-auth: the graphql-ws client with a
# writer's token in connection_init, the refusal (4403) without one, and Apollo Client with it.
# and ends with "N passed, N failed" over those steps; it exits 1 if any failed.
#
# Environment: E2E_OUT (where the PNG goes), KGQL_E2E_TOOLS (the harness folder to copy; default
# <repo>/../shared/tools, read-only in CI, so it is copied to a temporary folder and `npm ci`-ed
# there), CHROMIUM (default /usr/bin/chromium; Debian's chromium is installed if it is missing).
set -euo pipefail

root="$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel 2>/dev/null ||
  (cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd))"
tools_src="${KGQL_E2E_TOOLS:-$root/../shared/tools}"
out_dir="${E2E_OUT:-/tmp/kgql-e2e}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

work="$(mktemp -d "${TMPDIR:-/tmp}/kgql-e2e.XXXXXX")"
kgql_pid=""
kgql_rc=""

say() { printf '== %s\n' "$*"; }

stop_kgql() {
  [ -n "$kgql_pid" ] || return 0
  if kill -0 "$kgql_pid" 2>/dev/null; then
    kill -TERM "$kgql_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do # up to 10 s for a graceful stop
      kill -0 "$kgql_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$kgql_pid" 2>/dev/null; then
      echo "kgql (pid $kgql_pid) ignored SIGTERM for 10 s; killing it" >&2
      kill -KILL "$kgql_pid" 2>/dev/null || true
    fi
  fi
  if wait "$kgql_pid" 2>/dev/null; then kgql_rc=0; else kgql_rc=$?; fi
  kgql_pid=""
}

cleanup() {
  local rc=$?
  stop_kgql
  if [ "$rc" -ne 0 ] && [ -s "$work/kgql.log" ]; then
    echo "-- kgql log (last 40 lines) --" >&2
    tail -n 40 "$work/kgql.log" >&2 || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- build -----------------------------------------------------------------------------------
say "build kgql"
(cd "$root" && timeout 600 go build -o "$work/kgql" .)

# ---- harnesses: a fresh, writable copy, installed from its lock file --------------------------
say "copy $tools_src and npm ci"
if [ ! -f "$tools_src/package-lock.json" ]; then
  echo "e2e: no harnesses at $tools_src (set KGQL_E2E_TOOLS)" >&2
  exit 2
fi
mkdir -p "$work/tools"
cp -R "$tools_src/." "$work/tools/"
rm -rf "$work/tools/node_modules"
tools="$work/tools"
if ! (cd "$tools" && timeout 300 npm ci --no-audit --no-fund --loglevel=error >"$work/npm.log" 2>&1); then
  cat "$work/npm.log" >&2
  echo "e2e: npm ci failed" >&2
  exit 1
fi
tail -n 3 "$work/npm.log"

# ---- Chromium, for the playground harness ------------------------------------------------------
if [ ! -x "$CHROMIUM" ]; then
  say "install Debian's chromium"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo -n"; fi
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 bash -c "$sudo apt-get update -q && $sudo apt-get install -y -q chromium" >"$work/apt.log" 2>&1 || {
    tail -n 30 "$work/apt.log" >&2
    echo "e2e: installing chromium failed" >&2
    exit 1
  }
  [ -x "$CHROMIUM" ] || { echo "e2e: no Chromium at $CHROMIUM after apt-get" >&2; exit 1; }
fi

# ---- start kgql on a free loopback port ------------------------------------------------------
# start_kgql LOG ARGS...: serves on a port the kernel picks (-addr 127.0.0.1:0; kgql logs the URL
# it serves), sets kgql_pid, base and ws, and waits for /healthz.
start_kgql() {
  local log="$1"
  shift
  "$work/kgql" serve -log-format text -addr 127.0.0.1:0 "$@" >"$log" 2>&1 &
  kgql_pid=$!
  base=""
  for _ in $(seq 1 300); do # up to 30 s
    if ! kill -0 "$kgql_pid" 2>/dev/null; then
      echo "e2e: kgql exited before serving" >&2
      exit 1
    fi
    base="$(sed -n 's/.*msg="kgql serving".* url=\(http:\/\/[^ ]*\/\).*/\1/p' "$log" | head -n 1)"
    [ -n "$base" ] && break
    sleep 0.1
  done
  [ -n "$base" ] || { echo "e2e: kgql did not log its URL within 30 s" >&2; exit 1; }
  local healthy=0
  for _ in $(seq 1 100); do # up to 10 s more
    if node -e 'fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "${base}healthz"; then
      healthy=1
      break
    fi
    sleep 0.1
  done
  [ "$healthy" = 1 ] || { echo "e2e: ${base}healthz never answered 200" >&2; exit 1; }
  ws="ws://${base#http://}graphql"
  echo "kgql pid $kgql_pid at $base"
}
say "start kgql"
start_kgql "$work/kgql.log" -data "$work/data" -seed=true

# ---- the harness steps -----------------------------------------------------------------------
passed=0
failed=0
failed_steps=()

# step NAME SECONDS CMD...: runs CMD (bounded), prints its output, and counts it. A step passes
# when CMD exits 0 and its closing line reads "N passed, 0 failed".
step() {
  local name="$1" secs="$2"
  shift 2
  say "step: $name"
  local log="$work/step-$((passed + failed + 1)).log" rc=0
  timeout --kill-after=10 "$secs" "$@" >"$log" 2>&1 || rc=$?
  cat "$log"
  local closing
  closing="$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)"
  if [ "$rc" -eq 0 ] && [[ "$closing" =~ ^[0-9]+\ passed,\ 0\ failed ]]; then
    echo "-> PASS $name"
    passed=$((passed + 1))
  else
    [ "$rc" -eq 124 ] && echo "(timed out after ${secs}s)"
    echo "-> FAIL $name (exit $rc; closing line: ${closing:-none})"
    failed=$((failed + 1))
    failed_steps+=("$name")
  fi
}

mkdir -p "$out_dir"
png="$out_dir/playground.png"
rm -f "$png"
query='{
  organization(key: "asmex") {
    name
    events {
      nodes { name startDate speakers { name } }
    }
    members(first: 20) {
      totalCount
      nodes { title person { name } region { name } }
    }
  }
}'
# --no-cdn-mirror: kgql embeds GraphiQL, so the page must work with no CDN at all.
step "playground-screenshot (GraphiQL in Chromium)" 240 \
  "$tools/playground-screenshot.sh" "$base" "$png" --chromium "$CHROMIUM" --no-cdn-mirror --query "$query" \
  --expect 'Hassan Sentissi El Idrissi' --expect 'Badia Bitar' --expect 'Marrakech-Safi'
if [ -s "$png" ]; then echo "screenshot: $png"; fi

# The explorer at /explore in headless Chromium (kgql's own script, .ci/explore-check.mjs, run
# where playwright-core is installed): ASMEX's neighbourhood, a search, an expansion, a path, a
# collapse, and a mutation appearing live; screenshots in $E2E_OUT/explore.
cp "$root/.ci/explore-check.mjs" "$tools/"
mkdir -p "$out_dir/explore"
step "explore-check (the explorer in Chromium)" 240 \
  node "$tools/explore-check.mjs" "${base}explore" "$out_dir/explore"

# --strict: a SHOULD that fails (WARN) counts as a failure; no_notes also fails the step on a MAY
# that fails (NOTE), so the step passes only at 61/61.
no_notes() {
  local out rc=0
  out="$("$@" 2>&1)" || rc=$?
  printf '%s\n' "$out"
  if printf '%s\n' "$out" | grep -qE '^(WARN|NOTE) '; then
    echo "e2e: the audit has WARN or NOTE lines"
    echo "0 passed, 1 failed"
    return 1
  fi
  return "$rc"
}
export -f no_notes
step "graphql-http-audit (GraphQL over HTTP, strict, no notes)" 180 \
  bash -c 'no_notes "$@"' no_notes node "$tools/graphql-http-audit.mjs" "${base}graphql" --strict

# Apollo Client 4 as a cross-origin app on http://localhost:3000 would use it: a nested query,
# the normalized cache, a mutation, automatic persisted queries, and Apollo's clientAwareness
# headers on every request (they must pass the CORS preflight).
step "apollo-client-check (cross-origin, APQ, client name)" 120 \
  node "$tools/apollo-client-check.mjs" "${base}graphql" --origin http://localhost:3000 --apq \
  --header 'apollographql-client-name: kgql-e2e' --header 'apollographql-client-version: 1.0.0' \
  --query 'query ASMEX { organization(key: "asmex") { id name events { nodes { id name speakers { id name } } } } }' \
  --mutation 'mutation AddPerson($input: PersonInput!) { upsertPerson(input: $input) { id name } }' \
  --mutation-vars '{"input":{"key":"apollo-e2e","name":"Apollo E2E","citations":[{"source":"l-opinion-2021-06-17-asmex-conseil-des-regions"}]}}'

# Batches with Apollo's BatchHttpLink (kgql's own script, run where @apollo/client is installed).
cp "$root/.ci/apollo-batch-check.mjs" "$tools/"
step "apollo-batch-check (BatchHttpLink, cross-origin)" 120 \
  node "$tools/apollo-batch-check.mjs" "${base}graphql" --origin http://localhost:3000

# The schema linter's gqlgen profile. Its one exception, configured in .ci/.graphql-schema-linterrc:
# the filter inputs' AND/OR/NOT are upper case on purpose (see schema_lint_test.go, README).
step "schema-lint (graphql-schema-linter, gqlgen profile)" 120 \
  "$tools/schema-lint.sh" --profile gqlgen --config-dir "$root/.ci" "$root/schema.graphqls" "$root"/graph/*.graphqls

# The graphql-transport-ws protocol's edge cases, with a real subscription: 13 probes, none
# skipped (the init-timeout probe waits a little longer than kgql's 10 s).
step "graphql-ws-probes (graphql-transport-ws protocol)" 180 \
  node "$tools/graphql-ws-probes.mjs" "$ws" --subscription 'subscription { nodeChanged { id } }' --init-timeout-ms 11000

# The graphql-ws client receives the events of two mutations sent meanwhile (over HTTP).
ws_events() {
  node "$1/graphql-ws-check.mjs" "$2" --origin http://localhost:3000 --count 2 --timeout-ms 20000 \
    --query 'subscription { nodeChanged(types: [PERSON]) { change id kind cursor node { ... on Entity { name } } } }' &
  local check=$!
  sleep 2
  for i in 1 2; do
    node -e 'fetch(process.argv[1], {method: "POST", headers: {"content-type": "application/json"},
      body: JSON.stringify({query: `mutation { upsertPerson(input: {key: "ws-e2e-${process.argv[2]}", name: "WS E2E ${process.argv[2]}",
        citations: [{source: "l-opinion-2021-06-17-asmex-conseil-des-regions"}]}) { id } }`})})
      .then(r => r.text()).then(t => console.log("mutation:", t))' "$3" "$i"
  done
  wait "$check"
}
export -f ws_events
step "graphql-ws-check (subscription events from mutations)" 60 \
  bash -c 'ws_events "$@"' ws_events "$tools" "$ws" "${base}graphql"

# Apollo Client's GraphQLWsLink, cross-origin: the mutation's event arrives on the subscription.
step "apollo-client-check (subscription over GraphQLWsLink)" 120 \
  node "$tools/apollo-client-check.mjs" "${base}graphql" --origin http://localhost:3000 \
  --query 'query ASMEX { organization(key: "asmex") { id name } }' \
  --mutation 'mutation AddPerson($input: PersonInput!) { upsertPerson(input: $input) { id name } }' \
  --mutation-vars '{"input":{"key":"apollo-sub-e2e","name":"Apollo Sub","citations":[{"source":"l-opinion-2021-06-17-asmex-conseil-des-regions"}]}}' \
  --subscription 'subscription OnPerson { nodeChanged(types: [PERSON]) { change id kind cursor node { id ... on Entity { name } } } }'

# The server survived all of it and stops cleanly.
if ! kill -0 "$kgql_pid" 2>/dev/null; then
  echo "e2e: kgql died during the harness steps" >&2
  failed=$((failed + 1))
  failed_steps+=("kgql stayed up")
fi
stop_kgql
if [ "$kgql_rc" != 0 ]; then
  echo "e2e: kgql exited with code $kgql_rc after SIGTERM, want 0" >&2
  failed=$((failed + 1))
  failed_steps+=("kgql stops cleanly")
fi

# ---- a server that requires credentials: a writer's token in connection_init ------------------
say "start kgql with a token file and -require-auth"
token="$("$work/kgql" token add -tokens "$work/tokens" -name e2e -role writer 2>/dev/null | head -n 1)"
start_kgql "$work/kgql-auth.log" -data "$work/data-auth" -seed=true -tokens "$work/tokens" -require-auth -rate 1000 -burst 1000

# The graphql-ws client with the token in connection_init receives the events of two mutations
# sent with the token meanwhile.
ws_events_auth() {
  node "$1/graphql-ws-check.mjs" "$2" --origin http://localhost:3000 --count 2 --timeout-ms 20000 --init "{\"Authorization\":\"Bearer $4\"}" \
    --query 'subscription { nodeChanged(types: [PERSON]) { change id kind cursor node { ... on Entity { name } } } }' &
  local check=$!
  sleep 2
  for i in 1 2; do
    node -e 'fetch(process.argv[1], {method: "POST", headers: {"content-type": "application/json", authorization: "Bearer " + process.argv[3]},
      body: JSON.stringify({query: `mutation { upsertPerson(input: {key: "ws-auth-${process.argv[2]}", name: "WS Auth ${process.argv[2]}",
        citations: [{source: "l-opinion-2021-06-17-asmex-conseil-des-regions"}]}) { id } }`})})
      .then(r => r.text()).then(t => console.log("mutation:", t))' "$3" "$i" "$4"
  done
  wait "$check"
}
export -f ws_events_auth
step "graphql-ws-check (token in connection_init, events from mutations)" 60 \
  bash -c 'ws_events_auth "$@"' ws_events_auth "$tools" "$ws" "${base}graphql" "$token"

# Without a credential, connection_init is refused with 4403 (the check must fail with exit 1).
refused_4403() {
  local out rc=0
  out="$(node "$1/graphql-ws-check.mjs" "$2" --count 1 --timeout-ms 10000 --query 'subscription { nodeChanged { id } }' 2>&1)" || rc=$?
  printf '%s\n' "$out"
  if [ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -q '4403'; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; return 1; fi
}
export -f refused_4403
step "graphql-ws-check (no credential: closed 4403)" 60 bash -c 'refused_4403 "$@"' refused_4403 "$tools" "$ws"

# Apollo Client, cross-origin, with the token on every request and on the websocket upgrade.
step "apollo-client-check (token, subscription, cross-origin)" 120 \
  node "$tools/apollo-client-check.mjs" "${base}graphql" --origin http://localhost:3000 --header "Authorization: Bearer $token" \
  --query 'query ASMEX { organization(key: "asmex") { id name } }' \
  --mutation 'mutation AddPerson($input: PersonInput!) { upsertPerson(input: $input) { id name } }' \
  --mutation-vars '{"input":{"key":"apollo-auth-e2e","name":"Apollo Auth","citations":[{"source":"l-opinion-2021-06-17-asmex-conseil-des-regions"}]}}' \
  --subscription 'subscription OnPerson { nodeChanged(types: [PERSON]) { change id kind cursor node { id ... on Entity { name } } } }'
stop_kgql
if [ "$kgql_rc" != 0 ]; then
  echo "e2e: kgql (credentials) exited with code $kgql_rc after SIGTERM, want 0" >&2
  failed=$((failed + 1))
  failed_steps+=("kgql (credentials) stops cleanly")
fi

echo
if [ "$failed" -gt 0 ]; then echo "failed: ${failed_steps[*]}"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
