package graph_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
)

// update rewrites the golden files from the current responses. Read every rewritten golden
// against the article (../shared/seed/) before accepting it: a golden must be correct, not just
// current.
var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current responses")

// articleKey is the key of the built-in dataset's only article.
const articleKey = "l-opinion-2021-06-17-asmex-conseil-des-regions"

// errorCodes are the extensions.code values the contract allows, and the one of automatic
// persisted queries that clients expect (README, Errors).
var errorCodes = []string{
	"BAD_USER_INPUT", "NOT_FOUND", "CONFLICT", "UNAUTHENTICATED", "FORBIDDEN",
	"QUERY_TOO_COMPLEX", "RATE_LIMITED", "INTERNAL", "PERSISTED_QUERY_NOT_FOUND",
}

// leakMarkers are fragments of Go error text, stacks and paths that must never reach a client.
// They are matched case-insensitively.
var leakMarkers = []string{
	"runtime error", "goroutine ", ".go:", "/work/", "/root/", "/home/", "badger",
	"invalid character", "json: ", "unexpected eof", "panic", "nil pointer", "reflect:",
}

// gqlErr is one error of a GraphQL response.
type gqlErr struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// code is the error's extensions.code, or "".
func (e gqlErr) code() string {
	c, _ := e.Extensions["code"].(string)
	return c
}

// client sends GraphQL requests to a test server.
type client struct {
	url string
}

// newServer opens a throwaway store, loads the built-in dataset through the real importer, and
// serves the real handler over HTTP. It returns a client of that server and the store (whose
// Calls() counts read round trips).
func newServer(t *testing.T) (*client, *store.Store) {
	t.Helper()
	s := storetest.Open(t)
	if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
		t.Fatalf("import seed: %v", err)
	}
	srv := httptest.NewServer(graph.NewHandler(graph.Options{Store: s}))
	t.Cleanup(srv.Close)
	return &client{url: srv.URL + "/graphql"}, s
}

// importNDJSON loads more records into s through the real importer.
func importNDJSON(t *testing.T, s *store.Store, ndjson string) {
	t.Helper()
	if _, err := importer.ImportBytes(s, []byte(ndjson), "extra"); err != nil {
		t.Fatalf("import extra records: %v", err)
	}
}

// post sends body to /graphql as JSON and returns the status and the response body, which it
// checks for leaks.
func (c *client) post(t *testing.T, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "json") {
		t.Fatalf("response Content-Type %q is not JSON (status %d): %s", ct, resp.StatusCode, out)
	}
	assertNoLeak(t, out)
	return resp.StatusCode, out
}

// do runs query with vars and returns the response's data and errors. It fails the test when the
// response is not a GraphQL JSON response or leaks internals (see assertNoLeak).
func (c *client) do(t *testing.T, query string, vars map[string]any) (json.RawMessage, []gqlErr) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	_, out := c.post(t, body)
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlErr        `json:"errors"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, out)
	}
	if resp.Data == nil && resp.Errors == nil {
		t.Fatalf("response has neither data nor errors: %s", out)
	}
	return resp.Data, resp.Errors
}

// mustDo is do for queries that must succeed: it fails the test on any error and decodes the
// data into out (if not nil).
func (c *client) mustDo(t *testing.T, query string, vars map[string]any, out any) json.RawMessage {
	t.Helper()
	data, errs := c.do(t, query, vars)
	if len(errs) > 0 {
		t.Fatalf("unexpected errors: %+v\nquery: %s\nvars: %v", errs, query, vars)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("decode data: %v: %s", err, data)
		}
	}
	return data
}

// assertNoLeak fails the test if body holds Go error text, a stack or a file path, or an error
// whose extensions.code is not one of the contract's.
func assertNoLeak(t *testing.T, body []byte) {
	t.Helper()
	lower := strings.ToLower(string(body))
	for _, m := range leakMarkers {
		if strings.Contains(lower, m) {
			t.Errorf("response leaks internals (%q): %s", m, body)
		}
	}
	var resp struct {
		Errors []gqlErr `json:"errors"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Errorf("response is not JSON: %v: %s", err, body)
		return
	}
	for _, e := range resp.Errors {
		if !slices.Contains(errorCodes, e.code()) {
			t.Errorf("error %q has extensions.code %q, not one of %v", e.Message, e.code(), errorCodes)
		}
	}
}

// assertErrorCode fails unless errs holds exactly one error, with that code.
func assertErrorCode(t *testing.T, errs []gqlErr, code string) {
	t.Helper()
	if len(errs) != 1 {
		t.Fatalf("want one %s error, got %d: %+v", code, len(errs), errs)
	}
	if errs[0].code() != code {
		t.Fatalf("want extensions.code %s, got %q (%q)", code, errs[0].code(), errs[0].Message)
	}
}

// readQuery returns testdata/NAME.graphql.
func readQuery(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".graphql"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// normalize decodes and re-encodes JSON with sorted keys and indentation, accents kept.
func normalize(t *testing.T, raw []byte) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("normalize: %v: %s", err, raw)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// assertGolden compares data with testdata/NAME.golden.json, after normalizing both; with -update
// it rewrites the golden instead.
func assertGolden(t *testing.T, name string, data json.RawMessage) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden.json")
	got := normalize(t, data)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("updated %s", path)
		return
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./graph -run %s -update to create it, then review it)", err, t.Name())
	}
	if want := normalize(t, raw); !bytes.Equal(got, want) {
		t.Errorf("response differs from %s\n%s", path, lineDiff(string(want), string(got)))
	}
}

// lineDiff shows the first lines where want and got differ, with a little context.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 20; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl + "\n")
			shown++
		}
	}
	return b.String()
}

// decode unmarshals raw into a fresh T, failing the test on error.
func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode: %v: %s", err, raw)
	}
	return v
}
