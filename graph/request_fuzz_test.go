package graph_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
)

// FuzzGraphQLRequest sends arbitrary requests to the real handler (graph.NewHandler over a store
// holding the built-in dataset): a POST body (as application/json) when post is true, else a GET
// with the input as the URL's query string. Whatever the input:
//
//   - the status is never 5xx;
//   - the body is JSON, and a GraphQL response (an object with data or errors);
//   - every error carries an extensions.code from the contract's list (errorCodes);
//   - no leak marker (Go error text, stacks, paths: leakMarkers) is in the body, unless the
//     request holds it itself (an alias or a field name the client wrote is echoed back).
//
// Mutations in the input may change the store as the fuzzing goes on; the properties hold of any
// store.
func FuzzGraphQLRequest(f *testing.F) {
	s := storetest.Open(f)
	if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
		f.Fatal(err)
	}
	h := graph.NewHandler(graph.Options{Store: s})
	for _, q := range []string{
		`{"query":"{ people(first: 2) { totalCount edges { cursor node { id key name } } } }"}`,
		`{"query":"query($k: String!) { person(key: $k) { name positions { nodes { title } } } }","variables":{"k":"adil-zaidi"}}`,
		`{"query":"{ search(text: \"asmex\", first: 3) { __typename } }"}`,
		`{"query":"{ people(first: 1, after: \"bogus\") { totalCount } }"}`,
		`{"query":"{ node(id: \"per_1\") { id } nodes(ids: [\"x\", \"reg_2\"]) { id } }"}`,
		`{"query":"mutation { importRecords(ndjson: \"{\\\"type\\\":\\\"Planet\\\"}\") { records } }"}`,
		`{"query":"{ __schema { types { name } } }"}`,
		`{"query":"{ people(first: 1000) { totalCount } }"}`,
		`{"query":"{ nosuchfield }"}`,
		`{"query":"{ people { ","variables":null}`,
		`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"}}}`,
		`{"query":"query A { regions { totalCount } } query B { events { totalCount } }","operationName":"C"}`,
		`[{"query":"{ people { totalCount } }"}]`,
		`{"query":1}`, `null`, ``, `{`, "\xff",
	} {
		f.Add(true, q)
	}
	for _, q := range []string{
		`query=%7B+people+%7B+totalCount+%7D+%7D`,
		`query={ regions(first: 2) { nodes { name } } }`,
		`query=mutation+%7B+deletePerson(id%3A+%22per_1%22)+%7B+id+%7D+%7D`,
		`query=%7B&variables=%7B`,
		`query={people{totalCount}}&variables={"a":1}&operationName=x`,
		`extensions={"persistedQuery":{"version":1,"sha256Hash":"abc"}}`,
		``, `%zz`, `query=%00`,
	} {
		f.Add(false, q)
	}
	f.Fuzz(func(t *testing.T, post bool, in string) {
		var req *http.Request
		if post {
			req = httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(in))
			req.Header.Set("Content-Type", "application/json")
		} else {
			req = httptest.NewRequest(http.MethodGet, "/graphql", nil)
			req.URL.RawQuery = in
		}
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		if rec.Code >= 500 {
			t.Fatalf("%v %q: HTTP %d: %s", post, in, rec.Code, body)
		}
		type result struct {
			Data   json.RawMessage `json:"data"`
			Errors []gqlErr        `json:"errors"`
		}
		// A batch (a JSON array, answered 200) has an array of results; anything else one.
		var results []result
		if post && rec.Code == http.StatusOK && strings.HasPrefix(strings.TrimLeft(in, " \t\r\n"), "[") {
			if err := json.Unmarshal(body, &results); err != nil || len(results) == 0 {
				t.Fatalf("%v %q: HTTP %d, not a JSON array of results (%v): %q", post, in, rec.Code, err, body)
			}
		} else {
			var one result
			if err := json.Unmarshal(body, &one); err != nil {
				t.Fatalf("%v %q: HTTP %d, not JSON (%v): %q", post, in, rec.Code, err, body)
			}
			results = append(results, one)
		}
		for _, resp := range results {
			if resp.Data == nil && resp.Errors == nil {
				t.Fatalf("%v %q: HTTP %d, neither data nor errors: %s", post, in, rec.Code, body)
			}
			for _, e := range resp.Errors {
				if !slices.Contains(errorCodes, e.code()) {
					t.Fatalf("%v %q: an error without a contract code: %+v in %s", post, in, e, body)
				}
			}
		}
		lower, echo := strings.ToLower(string(body)), rfEcho(in)
		for _, m := range leakMarkers {
			if strings.Contains(lower, m) && !strings.Contains(echo, m) {
				t.Fatalf("%v %q: the body leaks %q: %s", post, in, m, body)
			}
		}
	})
}

// rfEcho is the text a request carries, lower-cased, as sent and decoded (URL query values, JSON
// strings and member names): what a response may echo.
func rfEcho(in string) string {
	parts := []string{in}
	if v, err := url.ParseQuery(in); err == nil {
		for k, vs := range v {
			parts = append(parts, k)
			parts = append(parts, vs...)
			for _, x := range vs {
				parts = rfStrings(parts, x)
			}
		}
	}
	parts = rfStrings(parts, in)
	return strings.ToLower(strings.Join(parts, "\x00"))
}

// rfStrings appends the strings and member names of the JSON document in (if it is one).
func rfStrings(parts []string, in string) []string {
	var v any
	if json.Unmarshal([]byte(in), &v) != nil {
		return parts
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			parts = append(parts, v)
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for k, x := range v {
				parts = append(parts, k)
				walk(x)
			}
		}
	}
	walk(v)
	return parts
}
