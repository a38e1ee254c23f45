package graph_test

// The error-leak test: bad and hostile requests never get a 5xx, always get JSON whose every error
// carries a contract code, and never see Go error text, stack traces, file paths or library names.
// An internal error is shown only as INTERNAL with a request id; its detail goes to the log.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/graph/auth"
	"github.com/kgql/kgql/store"
)

// httpContractCodes are the extensions.code values of CONTRACT.md, and the persisted-query one.
var httpContractCodes = map[string]bool{}

func init() {
	for _, c := range errorCodes {
		httpContractCodes[c] = true
	}
}

// httpLeaks are fragments that betray Go internals, the machine or the libraries underneath.
var httpLeaks = []string{
	"runtime error", "goroutine", ".go:", "/work/", "/root/", "/home/", "badger", "invalid character",
	"json: cannot", "unexpected EOF", "panic", "nil pointer", "strconv.", "github.com/",
}

// httpCheckNoLeak asserts the error-contract invariants on one response and returns its errors.
func httpCheckNoLeak(t *testing.T, name string, r httpResponse) httpGQL {
	t.Helper()
	if r.Status >= 500 || r.Status < 200 || (r.Status >= 300 && r.Status < 400) {
		t.Errorf("%s: HTTP %d, want 200 or 4xx; body %.300s", name, r.Status, r.Body)
	}
	var g httpGQL
	if err := json.Unmarshal(r.Body, &g); err != nil {
		t.Errorf("%s: body is not JSON (%v; Content-Type %q): %.300s", name, err, r.Header.Get("Content-Type"), r.Body)
		return g
	}
	for i, e := range g.Errors {
		code, _ := e.Extensions["code"].(string)
		if !httpContractCodes[code] {
			t.Errorf("%s: errors[%d] (%q) has extensions.code %q, want one of the contract codes", name, i, e.Message, code)
		}
	}
	lower := strings.ToLower(string(r.Body))
	for _, leak := range httpLeaks {
		if strings.Contains(lower, strings.ToLower(leak)) {
			t.Errorf("%s: body leaks %q: %.500s", name, leak, r.Body)
		}
	}
	return g
}

func TestErrorLeak(t *testing.T) {
	t.Run("open", func(t *testing.T) { errorLeakBattery(t, graph.Options{}, "", "") })
	// With credentials configured, as each kind of caller: refusals (401, 403) obey the same
	// contract, and nothing is written by anyone.
	creds := polNewCreds(t)
	closed := graph.Options{Policy: graph.Policy{Auth: creds.authn}}
	reader := "Bearer " + creds.tokens[auth.Reader]
	t.Run("anonymous", func(t *testing.T) { errorLeakBattery(t, closed, "", "") })
	t.Run("reader token", func(t *testing.T) { errorLeakBattery(t, closed, reader, reader) })
	t.Run("writer token", func(t *testing.T) { errorLeakBattery(t, closed, "Bearer "+creds.tokens[auth.Writer], "") })
	t.Run("admin jwt", func(t *testing.T) { errorLeakBattery(t, closed, "Bearer "+creds.jwts[auth.Admin], "") })
	t.Run("invalid token", func(t *testing.T) { errorLeakBattery(t, closed, "Bearer kgql_not-a-token", "") })
	t.Run("require auth, anonymous", func(t *testing.T) {
		errorLeakBattery(t, graph.Options{Policy: graph.Policy{Auth: creds.authn, RequireAuth: true}}, "", reader)
	})
}

// errorLeakBattery sends every bad request of the battery with the credential cred ("" for
// none) and checks the error contract on each, then, reading with the credential check, that
// the graph is unchanged.
func errorLeakBattery(t *testing.T, opts graph.Options, cred, check string) {
	srv := httpServer(t, opts)
	endpoint := srv.URL + "/graphql"

	post := func(body, contentType string) *http.Request {
		return httpRequest(t, http.MethodPost, endpoint, strings.NewReader(body), "Content-Type", contentType)
	}
	postJSON := func(v any) *http.Request {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return post(string(b), "application/json")
	}
	get := func(query string) *http.Request {
		return httpRequest(t, http.MethodGet, endpoint+"?query="+url.QueryEscape(query), nil)
	}
	q := func(query string) *http.Request { return postJSON(map[string]any{"query": query}) }

	ids := make([]string, 500)
	for i := range ids {
		ids[i] = fmt.Sprintf("p%d", i+1)
	}
	idsJSON, _ := json.Marshal(ids)
	deep := `{ organization(key: "asmex") { ` + strings.Repeat("parent { ", 40) + "name" + strings.Repeat(" }", 40) + " } }"
	deepConnected := `{ organization(key: "asmex") { ` +
		strings.Repeat("events { nodes { speakers { positions { organization { ", 6) + "name" +
		strings.Repeat(" } } } } }", 6) + " } }"
	deepJSON := `{"query":"{ __typename }","variables":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`

	cases := []struct {
		name      string
		req       *http.Request
		wantError bool // the response must carry at least one error
	}{
		{"malformed JSON body", post(`{"query": "{ __typename }"`, "application/json"), true},
		{"malformed JSON body (bad token)", post(`{"query": tru}`, "application/json"), true},
		{"body is a JSON array of non-requests", post(`[1, "x"]`, "application/json"), true},
		{"body is an empty batch", post(`[]`, "application/json"), true},
		{"body is a JSON string", post(`"{ __typename }"`, "application/json"), true},
		{"body is a JSON number", post(`42`, "application/json"), true},
		{"body is JSON null", post(`null`, "application/json"), true},
		{"empty body", post(``, "application/json"), true},
		{"query is a number", post(`{"query": 5}`, "application/json"), true},
		{"variables is a string", post(`{"query":"{ __typename }","variables":"x"}`, "application/json"), true},
		{"extensions is a number", post(`{"query":"{ __typename }","extensions":3}`, "application/json"), true},
		{"deeply nested JSON body", post(deepJSON, "application/json"), true},
		{"invalid UTF-8 in the query", post("{\"query\":\"{ person(key: \\\"\xff\xfe\\\") { name } }\"}", "application/json"), false},
		{"wrong content type text/plain", post(`{"query":"{ __typename }"}`, "text/plain"), true},
		{"wrong content type form", post(`query=%7B__typename%7D`, "application/x-www-form-urlencoded"), true},
		{"query syntax error", q(`{ people { `), true},
		{"query syntax error (bad token)", q(`{ people(first: 1 { totalCount } }`), true},
		{"unknown field", q(`{ people { totalCount nope } }`), true},
		{"wrong argument type", q(`{ people(first: "ten") { totalCount } }`), true},
		{"variable of the wrong type", postJSON(map[string]any{
			"query": `query($f: Int){ people(first: $f){ totalCount } }`, "variables": map[string]any{"f": "x"}}), true},
		{"variable of the wrong type (object)", postJSON(map[string]any{
			"query": `query($f: Int){ people(first: $f){ totalCount } }`, "variables": map[string]any{"f": map[string]any{"a": 1}}}), true},
		{"missing required variable", q(`query($k: String!){ person(key: $k){ name } }`), true},
		{"unknown operationName", postJSON(map[string]any{"query": `query A { __typename } query B { __typename }`, "operationName": "C"}), true},
		{"several operations, no operationName", q(`query A { __typename } query B { __typename }`), true},
		{"GET with a mutation-looking query", get(`mutation { deleteNode(id: "asmex", cascade: true) { __typename } }`), true},
		{"GET with a mutation on __typename", get(`mutation { __typename }`), true},
		{"GET with an upsert", get(`mutation { upsertPerson(input: {key: "get-person", name: "Via GET"}) { id } }`), true},
		{"mutation: delete an unknown node", q(`mutation { deleteNode(id: "no-such-node") { __typename } }`), true},
		{"mutation: delete a node others point at", q(`mutation { deleteNode(id: "asmex") { __typename } }`), true},
		{"mutation: import garbage", postJSON(map[string]any{"query": `mutation($n: String!) { importRecords(ndjson: $n) { __typename } }`,
			"variables": map[string]any{"n": "{\"type\": \"Person\", \"key\": \n not json at all\n[1,2]\n\"str\"\n{\"type\":\"Nope\"}\n"}}), true},
		{"mutation: import a dangling reference", postJSON(map[string]any{"query": `mutation($n: String!) { importRecords(ndjson: $n) { __typename } }`,
			"variables": map[string]any{"n": `{"type":"Person","key":"dangling","name":"D","citations":[{"source":"no-such-source"}]}`}}), true},
		{"GET without a query", httpRequest(t, http.MethodGet, endpoint, nil), true},
		{"GET with a malformed query string", httpRequest(t, http.MethodGet, endpoint+"?query=%zz%7B__typename%7D", nil), true},
		{"GET with variables that are not JSON", httpRequest(t, http.MethodGet, endpoint+"?query=%7B__typename%7D&variables=%7Bnope", nil), true},
		{"GET with extensions that are not JSON", httpRequest(t, http.MethodGet, endpoint+"?query=%7B__typename%7D&extensions=%5B%5B", nil), true},
		{"PUT", httpRequest(t, http.MethodPut, endpoint, strings.NewReader(`{"query":"{ __typename }"}`), "Content-Type", "application/json"), true},
		{"first: 1000", q(`{ people(first: 1000) { totalCount } }`), true},
		{"first: -1", q(`{ people(first: -1) { totalCount } }`), true},
		{"malformed cursor", q(`{ people(after: "not-a-cursor!!") { totalCount } }`), true},
		{"cursor of another shape", q(`{ people(after: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==") { totalCount } }`), true},
		{"person with id and key", q(`{ person(id: "x", key: "y") { name } }`), true},
		{"person with neither id nor key", q(`{ person { name } }`), true},
		{"node with a garbage id", q(`{ node(id: "\u0000../../etc/passwd") { id } }`), false},
		{"search with 300 chars", q(`{ search(text: "` + strings.Repeat("a", 300) + `") { score } }`), true},
		{"search with empty text", q(`{ search(text: "") { score } }`), false},
		{"nodes with 500 ids", postJSON(map[string]any{
			"query": `query($ids: [ID!]!){ nodes(ids: $ids) { id } }`, "variables": map[string]any{"ids": json.RawMessage(idsJSON)}}), true},
		{"deeply nested valid query", q(deep), false},
		{"deeply nested connected query", q(deepConnected), false},
		{"non-existent fragment", q(`{ organization(key: "asmex") { ...Missing } }`), true},
		{"fragment cycle", q(`{ organization(key: "asmex") { ...A } } fragment A on Organization { parent { ...B } } fragment B on Organization { parent { ...A } }`), true},
		{"unknown type condition", q(`{ node(id: "x") { ... on Nope { id } } }`), true},
		{"unknown directive", q(`{ __typename @nope }`), true},
		{"body over the size limit", post(`{"query":"{ __typename }","variables":{"pad":"`+strings.Repeat("x", 1<<20+1)+`"}}`, "application/json"), true},
	}
	for _, tc := range cases {
		if cred != "" {
			tc.req.Header.Set("Authorization", cred)
		}
		r := httpDo(t, tc.req)
		g := httpCheckNoLeak(t, tc.name, r)
		if tok := strings.TrimPrefix(cred, "Bearer "); tok != "" && bytes.Contains(r.Body, []byte(tok)) {
			t.Errorf("%s: the response repeats the credential", tc.name)
		}
		for _, e := range g.Errors {
			// Every request here is the client's fault: none of them may look like a server failure.
			if e.Extensions["code"] == "INTERNAL" {
				t.Errorf("%s: a bad request is reported as INTERNAL: %.300s", tc.name, r.Body)
			}
		}
		if tc.wantError && len(g.Errors) == 0 {
			t.Errorf("%s: HTTP %d with no error: %.300s", tc.name, r.Status, r.Body)
		}
		if testing.Verbose() {
			t.Logf("%-40s HTTP %d %.200s", tc.name, r.Status, bytes.TrimSpace(r.Body))
		}
	}

	// Nothing above changed the graph: the GET mutations were refused, the bad ones wrote nothing.
	hdr := []string{}
	if check != "" {
		hdr = append(hdr, "Authorization", check)
	}
	r := httpPostQuery(t, srv, `{ organization(key: "asmex") { name } person(key: "get-person") { id } people { totalCount } }`, hdr...)
	if want := `{"organization":{"name":"` + httpASMEXName + `"},"person":null,"people":{"totalCount":14}}`; string(httpDecode(t, r).Data) != want {
		t.Errorf("after the battery: %s, want data %s", r.Body, want)
	}
}

// TestErrorPersistedQuery: automatic persisted queries the client got wrong are the client's
// fault, not INTERNAL. An unknown hash in particular must be reported so that Apollo's
// PersistedQueryLink retries with the full query: it looks for the message
// "PersistedQueryNotFound" or the code PERSISTED_QUERY_NOT_FOUND (kgql sends both).
func TestErrorPersistedQuery(t *testing.T) {
	srv := httpServer(t, graph.Options{})
	apq := func(query string, version int, hash string) httpResponse {
		body := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": version, "sha256Hash": hash}}}
		if query != "" {
			body["query"] = query
		}
		b, _ := json.Marshal(body)
		return httpDo(t, httpRequest(t, http.MethodPost, srv.URL+"/graphql", bytes.NewReader(b), "Content-Type", "application/json"))
	}
	for _, tc := range []struct {
		name string
		r    httpResponse
		miss bool
	}{
		{"unknown hash", apq("", 1, strings.Repeat("ab", 32)), true},
		{"hash that does not match the query", apq("{ __typename }", 1, strings.Repeat("cd", 32)), false},
		{"unsupported version", apq("{ __typename }", 9, "x"), false},
	} {
		g := httpCheckNoLeak(t, tc.name, tc.r)
		if len(g.Errors) != 1 {
			t.Errorf("%s: want one error: %s", tc.name, tc.r.Body)
			continue
		}
		e := g.Errors[0]
		if e.Extensions["code"] == "INTERNAL" {
			t.Errorf("%s: reported as INTERNAL: %s", tc.name, tc.r.Body)
		}
		if tc.miss && (e.Message != "PersistedQueryNotFound" || e.Extensions["code"] != "PERSISTED_QUERY_NOT_FOUND") {
			t.Errorf("%s: %s, want message PersistedQueryNotFound with code PERSISTED_QUERY_NOT_FOUND", tc.name, tc.r.Body)
		}
		if !tc.miss && e.Extensions["code"] != "BAD_USER_INPUT" {
			t.Errorf("%s: %s, want code BAD_USER_INPUT", tc.name, tc.r.Body)
		}
	}
	// The full round trip a client makes: miss, then hash + query, then the hash alone.
	const query = "{ organization(key: \"asmex\") { name } }"
	sum := sha256.Sum256([]byte(query))
	hash := hex.EncodeToString(sum[:])
	if r := apq(query, 1, hash); !bytes.Contains(r.Body, []byte(httpASMEXName)) {
		t.Errorf("APQ register: %s", r.Body)
	}
	if r := apq("", 1, hash); !bytes.Contains(r.Body, []byte(httpASMEXName)) {
		t.Errorf("APQ by hash: %s", r.Body)
	}
}

// httpSyncBuffer is a bytes.Buffer safe for the handler's concurrent log writes.
type httpSyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *httpSyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *httpSyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestErrorInternalOnClosedStore(t *testing.T) {
	// store.Open on our own directory, not storetest: storetest would close it a second time.
	s, err := store.Open(store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var logBuf httpSyncBuffer
	log := slog.New(slog.NewJSONHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httpServer(t, graph.Options{Store: s, Logger: log})

	r := httpPostQuery(t, srv, `{ people { totalCount } }`)
	g := httpCheckNoLeak(t, "closed store", r)
	if len(g.Errors) == 0 {
		t.Fatalf("query on a closed store: HTTP %d %s, want an INTERNAL error", r.Status, r.Body)
	}
	var rid string
	for _, e := range g.Errors {
		if e.Extensions["code"] != "INTERNAL" {
			t.Errorf("error %q has code %v, want INTERNAL", e.Message, e.Extensions["code"])
		}
		if e.Message != "internal error" {
			t.Errorf("error message %q, want exactly \"internal error\"", e.Message)
		}
		id, _ := e.Extensions["requestId"].(string)
		if id == "" {
			t.Errorf("INTERNAL error without extensions.requestId: %s", r.Body)
		}
		rid = id
	}
	if h := r.Header.Get("X-Request-Id"); rid != "" && h != rid {
		t.Errorf("extensions.requestId %q differs from the X-Request-Id header %q", rid, h)
	}
	if rid == "" {
		return
	}

	// The log has a line with that request id and the real error.
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(logBuf.String()), "\n") {
		if !strings.Contains(line, rid) {
			continue
		}
		found = true
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %s", line)
			continue
		}
		if rec["request_id"] != rid {
			t.Errorf("log line's request_id = %v, want %s: %s", rec["request_id"], rid, line)
		}
		detail := fmt.Sprint(rec["err"])
		if !strings.Contains(strings.ToLower(detail), "closed") {
			t.Errorf("log line's err = %q, want the real detail (Badger's \"DB Closed\"): %s", detail, line)
		}
		if rec["level"] != "ERROR" {
			t.Errorf("log line level %v, want ERROR", rec["level"])
		}
	}
	if !found {
		t.Errorf("no log line holds request id %s; log:\n%s", rid, logBuf.String())
	}
}
