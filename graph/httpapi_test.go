package graph_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kgql/kgql/graph"
)

// GraphQL over HTTP as graph/httpapi.go answers it: statuses and media types, GET caching,
// batches.

// apiPost POSTs body as application/json with the given Accept ("" sends none).
func apiPost(t *testing.T, srvURL, body, accept string, hdr ...string) httpResponse {
	t.Helper()
	hdr = append([]string{"Content-Type", "application/json"}, hdr...)
	if accept != "" {
		hdr = append(hdr, "Accept", accept)
	}
	return httpDo(t, httpRequest(t, http.MethodPost, srvURL+"/graphql", strings.NewReader(body), hdr...))
}

// hasDataKey reports whether a JSON object has a "data" member (null included).
func hasDataKey(t *testing.T, body []byte) bool {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("not a JSON object (%v): %s", err, body)
	}
	_, ok := m["data"]
	return ok
}

func TestHTTPStatusesByMediaType(t *testing.T) {
	srv := httpServer(t, graph.Options{})
	const (
		parse    = `{"query":"{ people { "}`
		validate = `{"query":"{ people { nope } }"}`
		coerce   = `{"query":"query($f: Int) { people(first: $f) { totalCount } }","variables":{"f":"ten"}}`
		limit    = `{"query":"{ a: __typename b: __typename }"}` // over -max-root-fields 1 below
		noQuery  = `{"qeury":"{ __typename }"}`
		notJSON  = `{"query":`
		badType  = `{"query":"{ __typename }","variables":[1]}`
		ok       = `{"query":"{ __typename }"}`
		fieldErr = `{"query":"{ people(first: 1000) { totalCount } }"}`
	)
	limited := httpServer(t, graph.Options{Limits: graph.Limits{MaxRootFields: 1}})
	for _, tc := range []struct {
		name, body, accept string
		srv                string
		status             int
		data               bool // the body has a data entry
		code               string
	}{
		{"parse, json", parse, "application/json", srv.URL, 200, false, "BAD_USER_INPUT"},
		{"parse, no Accept", parse, "", srv.URL, 200, false, "BAD_USER_INPUT"},
		{"parse, graphql-response+json", parse, "application/graphql-response+json", srv.URL, 400, false, "BAD_USER_INPUT"},
		{"validation, json", validate, "application/json", srv.URL, 200, false, "BAD_USER_INPUT"},
		{"validation, graphql-response+json", validate, "application/graphql-response+json", srv.URL, 400, false, "BAD_USER_INPUT"},
		{"coercion, json", coerce, "application/json", srv.URL, 200, false, "BAD_USER_INPUT"},
		{"coercion, graphql-response+json", coerce, "application/graphql-response+json", srv.URL, 400, false, "BAD_USER_INPUT"},
		{"limit, json", limit, "application/json", limited.URL, 200, false, "QUERY_TOO_COMPLEX"},
		{"limit, graphql-response+json", limit, "application/graphql-response+json", limited.URL, 400, false, "QUERY_TOO_COMPLEX"},
		{"no query, json", noQuery, "application/json", srv.URL, 400, false, "BAD_USER_INPUT"},
		{"no query, graphql-response+json", noQuery, "application/graphql-response+json", srv.URL, 400, false, "BAD_USER_INPUT"},
		{"not JSON", notJSON, "application/json", srv.URL, 400, false, "BAD_USER_INPUT"},
		{"variables not an object", badType, "application/graphql-response+json", srv.URL, 400, false, "BAD_USER_INPUT"},
		{"ok, json", ok, "application/json", srv.URL, 200, true, ""},
		{"ok, graphql-response+json", ok, "application/graphql-response+json", srv.URL, 200, true, ""},
		// A field error is an execution error: 200 with data, for either media type.
		{"field error, graphql-response+json", fieldErr, "application/graphql-response+json", srv.URL, 200, true, "BAD_USER_INPUT"},
	} {
		r := apiPost(t, tc.srv, tc.body, tc.accept)
		if r.Status != tc.status {
			t.Errorf("%s: HTTP %d, want %d: %s", tc.name, r.Status, tc.status, r.Body)
		}
		if got := hasDataKey(t, r.Body); got != tc.data {
			t.Errorf("%s: data entry %v, want %v: %s", tc.name, got, tc.data, r.Body)
		}
		g := httpDecode(t, r)
		if tc.code == "" && len(g.Errors) > 0 || tc.code != "" && (len(g.Errors) == 0 || g.Errors[0].Extensions["code"] != tc.code) {
			t.Errorf("%s: want code %q: %s", tc.name, tc.code, r.Body)
		}
		want := "application/json"
		if tc.accept == "application/graphql-response+json" {
			want = tc.accept
		}
		if ct := r.Header.Get("Content-Type"); ct != want {
			t.Errorf("%s: Content-Type %q, want %q", tc.name, ct, want)
		}
	}
}

func TestHTTPAcceptNegotiation(t *testing.T) {
	srv := httpServer(t, graph.Options{})
	for accept, want := range map[string]string{
		"":                                  "application/json",
		"*/*":                               "application/json",
		"application/*":                     "application/json",
		"application/json":                  "application/json",
		"text/html":                         "application/json",
		"application/graphql-response+json": "application/graphql-response+json",
		// What Apollo Client 4 sends.
		"application/graphql-response+json,application/json;q=0.9": "application/graphql-response+json",
		// What urql sends.
		"application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed": "application/graphql-response+json",
		"application/json, application/graphql-response+json;q=0.5":                                                         "application/json",
		"application/graphql-response+json;q=0, */*":                                                                        "application/json",
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8":                                                   "application/json",
	} {
		r := apiPost(t, srv.URL, `{"query":"{ __typename }"}`, accept)
		if r.Status != 200 || r.Header.Get("Content-Type") != want {
			t.Errorf("Accept %q: HTTP %d, Content-Type %q, want %q", accept, r.Status, r.Header.Get("Content-Type"), want)
		}
	}
}

func TestHTTPGETCaching(t *testing.T) {
	get := func(srvURL, query string, hdr ...string) httpResponse {
		return httpDo(t, httpRequest(t, http.MethodGet, srvURL+"/graphql?query="+url.QueryEscape(query), nil, hdr...))
	}
	vary := func(r httpResponse) string { return strings.Join(r.Header.Values("Vary"), ", ") }
	srv := httpServer(t, graph.Options{})
	r := get(srv.URL, `{ people { totalCount } }`, "Origin", "http://localhost:3000")
	if r.Status != 200 || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("GET: HTTP %d, Cache-Control %q, want no-store", r.Status, r.Header.Get("Cache-Control"))
	}
	for _, h := range []string{"Accept", "Origin"} {
		if !strings.Contains(vary(r), h) {
			t.Errorf("GET: Vary %q lacks %s", vary(r), h)
		}
	}
	if strings.Count(vary(r), "Origin") != 1 {
		t.Errorf("GET: Vary %q names Origin more than once", vary(r))
	}

	cached := httpServer(t, graph.Options{CacheControl: "public, max-age=60"})
	if r := get(cached.URL, `{ people { totalCount } }`); r.Header.Get("Cache-Control") != "public, max-age=60" {
		t.Errorf("-cache-control: Cache-Control %q", r.Header.Get("Cache-Control"))
	}
	// Answers with errors, and POSTs, are never cached.
	for name, r := range map[string]httpResponse{
		"GET with a validation error": get(cached.URL, `{ people { nope } }`),
		"GET with a field error":      get(cached.URL, `{ people(first: 1000) { totalCount } }`),
		"POST":                        apiPost(t, cached.URL, `{"query":"{ people { totalCount } }"}`, ""),
	} {
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", name, r.Header.Get("Cache-Control"))
		}
		if !strings.Contains(vary(r), "Accept") {
			t.Errorf("%s: Vary %q lacks Accept", name, vary(r))
		}
	}
	// GET with graphql-response+json and a request error: 400, no data entry.
	r = get(srv.URL, `{ people { nope } }`, "Accept", "application/graphql-response+json")
	if r.Status != 400 || hasDataKey(t, r.Body) {
		t.Errorf("GET validation error, graphql-response+json: HTTP %d %s", r.Status, r.Body)
	}
	// A mutation over GET is 405, and runs nothing.
	r = get(srv.URL, `mutation { upsertPerson(input: {key: "via-get", name: "Via GET"}) { id } }`)
	if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "POST" {
		t.Errorf("GET mutation: HTTP %d, Allow %q", r.Status, r.Header.Get("Allow"))
	}
	if r := get(srv.URL, `{ person(key: "via-get") { name } }`); !bytes.Contains(r.Body, []byte(`"person":null`)) {
		t.Errorf("the GET mutation wrote: %s", r.Body)
	}
}

// batchResults decodes a batch answer.
func batchResults(t *testing.T, r httpResponse) []httpGQL {
	t.Helper()
	var out []httpGQL
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("not a batch answer (HTTP %d, %v): %s", r.Status, err, r.Body)
	}
	return out
}

func TestHTTPBatch(t *testing.T) {
	srv := httpServer(t, graph.Options{})
	r := apiPost(t, srv.URL, `[
		{"query":"{ organization(key: \"asmex\") { name } }"},
		{"query":"query Count { people { totalCount } }","operationName":"Count"},
		{"query":"query($k: String!) { person(key: $k) { name } }","variables":{"k":"adil-zaidi"}}
	]`, "application/json")
	if r.Status != 200 {
		t.Fatalf("batch: HTTP %d %s", r.Status, r.Body)
	}
	res := batchResults(t, r)
	want := []string{`{"organization":{"name":"` + httpASMEXName + `"}}`, `{"people":{"totalCount":14}}`, `{"person":{"name":"Adil Zaidi"}}`}
	if len(res) != len(want) {
		t.Fatalf("batch: %d results, want %d: %s", len(res), len(want), r.Body)
	}
	for i := range want {
		if string(res[i].Data) != want[i] || len(res[i].Errors) > 0 {
			t.Errorf("batch result %d: %s, want data %s", i, mustJSON(res[i]), want[i])
		}
	}

	// A batch of queries runs those that pass their checks; the refused one has its error.
	r = apiPost(t, srv.URL, `[{"query":"{ people { nope } }"},{"query":"{ __typename }"}]`, "application/graphql-response+json")
	res = batchResults(t, r)
	if r.Status != 200 || len(res) != 2 || len(res[0].Errors) != 1 || res[0].Data != nil || string(res[1].Data) != `{"__typename":"Query"}` {
		t.Errorf("batch of queries, one invalid: HTTP %d %s", r.Status, r.Body)
	}

	// A batch that holds a mutation runs nothing when one of its operations is refused.
	r = apiPost(t, srv.URL, `[
		{"query":"mutation { upsertPerson(input: {key: \"batch-person\", name: \"Batch Person\", citations: [{source: \"`+articleKey+`\"}]}) { id } }"},
		{"query":"mutation { upsertPerson(input: {nope: 1}) { id } }"}
	]`, "application/json")
	res = batchResults(t, r)
	if r.Status != 200 || len(res) != 2 || len(res[0].Errors) != 1 || len(res[1].Errors) == 0 || res[0].Data != nil || res[1].Data != nil {
		t.Fatalf("batch with a refused mutation: HTTP %d %s", r.Status, r.Body)
	}
	if c := res[0].Errors[0].Extensions["code"]; c != "BAD_USER_INPUT" || !strings.HasPrefix(res[0].Errors[0].Message, "not run") {
		t.Errorf("the valid mutation of a refused batch: %s", mustJSON(res[0]))
	}
	if r := httpPostQuery(t, srv, `{ person(key: "batch-person") { name } }`); !bytes.Contains(r.Body, []byte(`"person":null`)) {
		t.Errorf("a refused batch wrote: %s", r.Body)
	}
	// The same mutation alone in a good batch runs, before the query that reads it.
	r = apiPost(t, srv.URL, `[
		{"query":"mutation { upsertPerson(input: {key: \"batch-person\", name: \"Batch Person\", citations: [{source: \"`+articleKey+`\"}]}) { name } }"},
		{"query":"{ person(key: \"batch-person\") { name } }"}
	]`, "application/json")
	res = batchResults(t, r)
	if len(res) != 2 || string(res[0].Data) != `{"upsertPerson":{"name":"Batch Person"}}` || string(res[1].Data) != `{"person":{"name":"Batch Person"}}` {
		t.Errorf("a batch of a mutation and a query: %s", r.Body)
	}
}

func TestHTTPBatchRefusals(t *testing.T) {
	batch := func(n int, query string) string {
		items := make([]string, n)
		for i := range items {
			b, _ := json.Marshal(map[string]string{"query": query})
			items[i] = string(b)
		}
		return "[" + strings.Join(items, ",") + "]"
	}
	srv := httpServer(t, graph.Options{})
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
		limit      string
	}{
		{"empty batch", `[]`, 400, "BAD_USER_INPUT", ""},
		{"a member that is not an object", `[{"query":"{ __typename }"}, 3]`, 400, "BAD_USER_INPUT", ""},
		{"a member without a query", `[{"query":"{ __typename }"}, {"variables":{}}]`, 400, "BAD_USER_INPUT", ""},
		{"not JSON", `[{"query":"{ __typename }"},`, 400, "BAD_USER_INPUT", ""},
		{"over the cap", batch(graph.DefaultMaxBatch+1, "{ __typename }"), 400, "QUERY_TOO_COMPLEX", "batch"},
	} {
		r := apiPost(t, srv.URL, tc.body, "application/json")
		g := httpDecode(t, r)
		if r.Status != tc.status || len(g.Errors) != 1 || g.Errors[0].Extensions["code"] != tc.code ||
			(tc.limit != "" && g.Errors[0].Extensions["limit"] != tc.limit) {
			t.Errorf("%s: HTTP %d %s", tc.name, r.Status, r.Body)
		}
	}
	if r := apiPost(t, srv.URL, batch(graph.DefaultMaxBatch, "{ __typename }"), ""); r.Status != 200 || len(batchResults(t, r)) != graph.DefaultMaxBatch {
		t.Errorf("a batch at the cap: HTTP %d %.200s", r.Status, r.Body)
	}

	// The batch's costs add up against one request's cost limit.
	costly := `{ people(first: 100) { nodes { name } } }` // 100 × 2 + 1 … well under 5,000 alone
	one := httpServer(t, graph.Options{MaxComplexity: 500})
	if r := httpPostQuery(t, one, costly); r.Status != 200 || len(httpDecode(t, r).Errors) > 0 {
		t.Fatalf("the costly query alone: HTTP %d %s", r.Status, r.Body)
	}
	r := apiPost(t, one.URL, batch(5, costly), "application/json")
	if g := httpDecode(t, r); r.Status != 400 || len(g.Errors) != 1 || g.Errors[0].Extensions["limit"] != "batchComplexity" {
		t.Errorf("a batch over the cost limit together: HTTP %d %s", r.Status, r.Body)
	}

	// Each operation takes its own token of the rate.
	rated := httpServer(t, graph.Options{Rate: 0.001, Burst: 5})
	if r := apiPost(t, rated.URL, batch(3, "{ __typename }"), ""); r.Status != 200 {
		t.Fatalf("a batch of 3 with 5 tokens: HTTP %d %s", r.Status, r.Body)
	}
	r = apiPost(t, rated.URL, batch(3, "{ __typename }"), "")
	if g := httpDecode(t, r); r.Status != http.StatusTooManyRequests || len(g.Errors) != 1 || g.Errors[0].Extensions["code"] != "RATE_LIMITED" || r.Header.Get("Retry-After") == "" {
		t.Errorf("a batch of 3 with 2 tokens left: HTTP %d %s", r.Status, r.Body)
	}
}

func TestHTTPPersistedQueryNotFound(t *testing.T) {
	srv := httpServer(t, graph.Options{})
	hash := strings.Repeat("ab", 32)
	ext := url.QueryEscape(`{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}`)
	for name, r := range map[string]httpResponse{
		"POST": apiPost(t, srv.URL, `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"`+hash+`"}}}`, "application/json"),
		"GET":  httpDo(t, httpRequest(t, http.MethodGet, srv.URL+"/graphql?extensions="+ext, nil)),
	} {
		g := httpDecode(t, r)
		if r.Status != 200 || len(g.Errors) != 1 || g.Errors[0].Extensions["code"] != "PERSISTED_QUERY_NOT_FOUND" || g.Errors[0].Message != "PersistedQueryNotFound" {
			t.Errorf("%s: HTTP %d %s", name, r.Status, r.Body)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
