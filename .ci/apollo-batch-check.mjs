#!/usr/bin/env node
// kgql's own check of batched requests with Apollo Client's BatchHttpLink, as a cross-origin app
// that names itself with Apollo's clientAwareness headers would send them. .ci/e2e.sh copies it
// into the harness folder of ../shared/tools (whose node_modules hold @apollo/client) and runs:
//
//   node apollo-batch-check.mjs URL --origin http://localhost:3000 [--timeout-ms 10000]
//
// Steps (one PASS or FAIL line each, then "N passed, N failed"; exit 0 when none failed):
//   1. four queries issued together go out as one HTTP request and each gets its own answer;
//   2. the batched response is readable from the origin (Access-Control-Allow-Origin);
//   3. a batch with one invalid query: the others are answered, the invalid one has its error;
//   4. a batch over the server's cap (21 operations) is refused as a whole with
//      QUERY_TOO_COMPLEX, limit "batch", and no operation of it runs.
// Only loopback URLs are accepted.

import { ApolloClient, InMemoryCache, gql } from '@apollo/client';
import { BatchHttpLink } from '@apollo/client/link/batch-http';

const args = process.argv.slice(2);
const url = args.find((a) => !a.startsWith('--'));
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
if (!url) {
  console.error('usage: node apollo-batch-check.mjs URL [--origin O] [--timeout-ms N]');
  process.exit(2);
}
const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
if (!(host === 'localhost' || host === '::1' || /^127\./.test(host))) {
  console.error(`refusing ${url}: only loopback`);
  process.exit(2);
}
const origin = opt('origin', null);
const timeoutMs = Number(opt('timeout-ms', '10000'));
const headers = { 'apollographql-client-name': 'kgql-e2e-batch', 'apollographql-client-version': '1.0.0' };
if (origin) headers.Origin = origin;

const requests = [];
const countingFetch = async (input, init = {}) => {
  const res = await fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  let ops = 1;
  try {
    const b = JSON.parse(String(init.body ?? ''));
    if (Array.isArray(b)) ops = b.length;
  } catch {}
  requests.push({ status: res.status, ops, acao: res.headers.get('access-control-allow-origin') });
  return res;
};

const client = (batchMax) =>
  new ApolloClient({
    link: new BatchHttpLink({ uri: url, fetch: countingFetch, headers, batchMax, batchInterval: 50 }),
    cache: new InMemoryCache(),
    defaultOptions: { query: { fetchPolicy: 'network-only', errorPolicy: 'all' } },
  });

const results = [];
const record = (ok, step, detail) => {
  results.push(ok);
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${step}${detail ? ` -- ${detail}` : ''}`);
};
const brief = (v) => {
  const s = JSON.stringify(v);
  return s && s.length > 200 ? s.slice(0, 200) + '…' : s;
};

const ASMEX = gql`query Org { organization(key: "asmex") { id name } }`;
const PEOPLE = gql`query People { people { totalCount } }`;
const PERSON = gql`query Person($k: String!) { person(key: $k) { id name } }`;
const REGION = gql`query Region { region(key: "MA-07") { id name } }`;
const BROKEN = gql`query Broken { people { nope } }`;

// 1. Four queries at once: one HTTP request carrying four operations.
{
  const c = client(10);
  const before = requests.length;
  try {
    const [a, b, p, r] = await Promise.all([
      c.query({ query: ASMEX }),
      c.query({ query: PEOPLE }),
      c.query({ query: PERSON, variables: { k: 'adil-zaidi' } }),
      c.query({ query: REGION }),
    ]);
    const sent = requests.slice(before);
    const ok =
      sent.length === 1 && sent[0].ops === 4 && sent[0].status === 200 &&
      a.data?.organization?.name === 'Association Marocaine des Exportateurs' &&
      typeof b.data?.people?.totalCount === 'number' &&
      p.data?.person?.name === 'Adil Zaidi' && r.data?.region?.name === 'Marrakech-Safi';
    record(ok, 'batch of 4 queries (BatchHttpLink)',
      `${sent.length} HTTP request(s) of ${sent.map((s) => s.ops).join('+')} operations, HTTP ${sent.map((s) => s.status).join('/')}; ${brief([a.data, b.data, p.data, r.data])}`);
  } catch (e) {
    record(false, 'batch of 4 queries (BatchHttpLink)', `${e.name}: ${e.message}`);
  }
  c.stop();
}

// 2. Readable from the origin.
if (origin) {
  const bad = requests.filter((r) => r.acao !== origin && r.acao !== '*');
  record(requests.length > 0 && bad.length === 0, 'CORS: batched responses readable from the origin',
    `${requests.length} response(s), allow-origin ${JSON.stringify(requests[0]?.acao)}`);
}

// 3. One invalid query in a batch of queries.
{
  const c = client(10);
  const before = requests.length;
  try {
    const [good, broken] = await Promise.all([c.query({ query: PEOPLE }), c.query({ query: BROKEN })]);
    const sent = requests.slice(before);
    const errs = broken.error?.errors ?? [];
    const ok = sent.length === 1 && sent[0].ops === 2 && typeof good.data?.people?.totalCount === 'number' &&
      errs.length > 0 && errs[0].extensions?.code === 'BAD_USER_INPUT';
    record(ok, 'batch with an invalid query', `valid: ${brief(good.data)}; invalid: ${brief(errs.map((e) => e.extensions?.code))}`);
  } catch (e) {
    record(false, 'batch with an invalid query', `${e.name}: ${e.message}`);
  }
  c.stop();
}

// 4. Over the cap: the whole batch is refused with the limit named.
{
  const c = client(100);
  const before = requests.length;
  try {
    const all = await Promise.all(
      Array.from({ length: 21 }, (_, i) => c.query({ query: PERSON, variables: { k: `nobody-${i}` } })),
    );
    const sent = requests.slice(before);
    // Apollo reports a refused batch as one network error per operation; what the server said is
    // read from the same request sent directly.
    const body = JSON.stringify(Array.from({ length: 21 }, (_, i) => ({ query: 'query Person($k: String!) { person(key: $k) { id name } }', variables: { k: `nobody-${i}` } })));
    const raw = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs) });
    const said = await raw.json().catch(() => null);
    const ext = said?.errors?.[0]?.extensions ?? {};
    const ok = sent.length === 1 && sent[0].ops === 21 && sent[0].status === 400 &&
      all.every((r) => r.error && !r.data?.person) &&
      raw.status === 400 && ext.code === 'QUERY_TOO_COMPLEX' && ext.limit === 'batch' && ext.max === 20;
    record(ok, 'batch over the cap (21 operations)',
      `Apollo: ${sent.length} HTTP request(s), HTTP ${sent.map((s) => s.status).join('/')}, every operation failed (${all[0].error?.name}); server: HTTP ${raw.status} ${brief(said?.errors?.[0])}`);
  } catch (e) {
    record(false, 'batch over the cap (21 operations)', `${e.name}: ${e.message}`);
  }
  c.stop();
}

const passed = results.filter(Boolean).length;
console.log(`${passed} passed, ${results.length - passed} failed`);
process.exit(results.every(Boolean) ? 0 : 1);
