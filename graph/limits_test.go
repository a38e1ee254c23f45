package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/gen"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
)

// limitsServer serves the built-in dataset with the real handler and opts (Store is set).
func limitsServer(t *testing.T, opts graph.Options) (*client, *httptest.Server, *store.Store) {
	t.Helper()
	s := opts.Store
	if s == nil {
		s = storetest.Open(t)
		if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
			t.Fatalf("import seed: %v", err)
		}
		opts.Store = s
	}
	srv := httptest.NewServer(graph.NewHandler(opts))
	t.Cleanup(srv.Close)
	return &client{url: srv.URL + "/graphql"}, srv, s
}

// assertLimit checks that errs is one QUERY_TOO_COMPLEX refusal of the named limit, with max and
// (if value >= 0) the measured value, and that it came before anything ran (no data).
func assertLimit(t *testing.T, data json.RawMessage, errs []gqlErr, limit string, maxv, value int) {
	t.Helper()
	assertErrorCode(t, errs, "QUERY_TOO_COMPLEX")
	ext := errs[0].Extensions
	if ext["limit"] != limit || ext["max"] != float64(maxv) || (value >= 0 && ext["value"] != float64(value)) {
		t.Errorf("extensions %v, want limit %s, max %d, value %d", ext, limit, maxv, value)
	}
	if _, reason := ext["reason"]; reason {
		t.Errorf("a limit refusal is not a validation error: extensions %v", ext)
	}
	if errs[0].Message == "" || !strings.Contains(errs[0].Message, fmt.Sprint(maxv)) {
		t.Errorf("message %q does not say the limit %d", errs[0].Message, maxv)
	}
	if d := strings.TrimSpace(string(data)); d != "" && d != "null" {
		t.Errorf("a refused operation answered data %s", data)
	}
}

// repeat joins n copies of f(i) with sep.
func repeat(n int, sep string, f func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = f(i)
	}
	return strings.Join(parts, sep)
}

// nested is region(key: "marrakech") with parents to a total depth of depth (≥ 2).
func nested(depth int) string {
	return `{ region(key: "marrakech") { ` + strings.Repeat("parent { ", depth-2) + "name" + strings.Repeat(" }", depth-2) + " } }"
}

// tokenCount is the least token limit under which gqlparser parses q.
func tokenCount(t *testing.T, q string) int {
	t.Helper()
	for n := 1; n < 100000; n++ {
		if _, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, n); err == nil {
			return n
		}
	}
	t.Fatalf("query does not parse: %s", q)
	return 0
}

// Each limit, tightened alone: a query exactly at it runs, one over it is refused with its name,
// its maximum and the measured value.
func TestLimitsEachLimit(t *testing.T) {
	person := func(sel string) string { return `{ person(key: "adil-zaidi") { ` + sel + ` } }` }
	tokensQ := person("name")
	toks := tokenCount(t, tokensQ)
	for _, tc := range []struct {
		limit       string
		lim         graph.Limits
		maxv        int
		at, over    string
		overValue   int
		overIsValid bool // the query over the limit would pass validation
	}{
		{"depth", graph.Limits{MaxDepth: 5}, 5, nested(5), nested(6), 6, true},
		{"selections", graph.Limits{MaxSelections: 10}, 10,
			person(strings.Repeat("name ", 9)), person(strings.Repeat("name ", 10)), 11, true},
		{"fragmentSpreads", graph.Limits{MaxFragmentSpreads: 3}, 3,
			person("...F ...F ...F") + " fragment F on Person { name }",
			person("...F ...F ...F ...F") + " fragment F on Person { name }", 4, true},
		{"rootFields", graph.Limits{MaxRootFields: 3}, 3,
			"{ " + repeat(3, " ", func(i int) string { return fmt.Sprintf(`p%d: person(key: "adil-zaidi") { name }`, i) }) + " }",
			"{ " + repeat(4, " ", func(i int) string { return fmt.Sprintf(`p%d: person(key: "adil-zaidi") { name }`, i) }) + " }", 4, true},
		// Over the limit, @include repeats: validation would refuse it (UniqueDirectivesPerLocation),
		// but the limit speaks first.
		{"directives", graph.Limits{MaxDirectivesPerField: 2}, 2,
			person("name @include(if: true) @skip(if: false)"),
			person("name @include(if: true) @skip(if: false) @include(if: true)"), 3, false},
		{"tokens", graph.Limits{MaxTokens: toks}, toks, tokensQ, person("name key"), toks + 1, true},
	} {
		t.Run(tc.limit, func(t *testing.T) {
			c, _, s := limitsServer(t, graph.Options{Limits: tc.lim})
			c.mustDo(t, tc.at, nil, nil)
			before := s.Calls()
			data, errs := c.do(t, tc.over, nil)
			assertLimit(t, data, errs, tc.limit, tc.maxv, tc.overValue)
			if s.Calls() != before {
				t.Errorf("the refused operation read the store")
			}
			if tc.overIsValid { // the same query runs with the default limits
				d, _, _ := limitsServer(t, graph.Options{Store: s})
				d.mustDo(t, tc.over, nil, nil)
			}
		})
	}

	t.Run("variablesBytes", func(t *testing.T) {
		c, _, _ := limitsServer(t, graph.Options{Limits: graph.Limits{MaxVariablesBytes: 100}})
		q := `query($s: String!) { search(text: $s) { score } }`
		// {"s":"…"}: 2 braces, "s": and the quotes: 9 bytes around the string.
		c.mustDo(t, q, map[string]any{"s": strings.Repeat("a", 91)}, nil)
		data, errs := c.do(t, q, map[string]any{"s": strings.Repeat("a", 92)})
		assertLimit(t, data, errs, "variablesBytes", 100, -1)
		if v, _ := errs[0].Extensions["value"].(float64); v <= 100 {
			t.Errorf("value %v, want more than 100", errs[0].Extensions["value"])
		}
	})

	t.Run("complexity", func(t *testing.T) {
		q := `{ people(first: 3) { nodes { name positions { title } } } }`
		c, _, s := limitsServer(t, graph.Options{MaxComplexity: 1})
		data, errs := c.do(t, q, nil)
		assertErrorCode(t, errs, "QUERY_TOO_COMPLEX")
		cost, _ := errs[0].Extensions["value"].(float64)
		if errs[0].Extensions["limit"] != "complexity" || errs[0].Extensions["max"] != float64(1) || cost <= 1 {
			t.Fatalf("extensions %v, want limit complexity, max 1 and the cost", errs[0].Extensions)
		}
		if d := strings.TrimSpace(string(data)); d != "" && d != "null" {
			t.Errorf("refused operation answered data %s", data)
		}
		at, _, _ := limitsServer(t, graph.Options{Store: s, MaxComplexity: int(cost)})
		at.mustDo(t, q, nil, nil)
		over, _, _ := limitsServer(t, graph.Options{Store: s, MaxComplexity: int(cost) - 1})
		for range 3 { // the cost of an operation without variables is kept: the same each time
			data, errs = over.do(t, q, nil)
			assertLimit(t, data, errs, "complexity", int(cost)-1, int(cost))
			at.mustDo(t, q, nil, nil)
		}
		// With variables the cost follows their values, request by request.
		qv := `query($n: Int) { people(first: $n) { nodes { name positions { title } } } }`
		for range 2 {
			over.mustDo(t, qv, map[string]any{"n": 1}, nil)
			data, errs = over.do(t, qv, map[string]any{"n": 3})
			assertLimit(t, data, errs, "complexity", int(cost)-1, int(cost))
		}
	})
}

// The attacks of issue 9, against the default limits: each is refused with QUERY_TOO_COMPLEX
// before validation runs — a refused query that would also fail validation gets the limit's
// error, not validation's, and none reads the store.
func TestLimitsRefuseAttacks(t *testing.T) {
	c, _, s := limitsServer(t, graph.Options{})
	d := graph.DefaultLimits()
	bomb := func(leaf string) string {
		var b strings.Builder
		b.WriteString(`{ person(key: "adil-zaidi") { ...F0 } }`)
		for i := range 10 {
			fmt.Fprintf(&b, "\nfragment F%d on Person { ...F%d ...F%d }", i, i+1, i+1)
		}
		fmt.Fprintf(&b, "\nfragment F10 on Person { %s }", leaf)
		return b.String()
	}
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		limit       string
		maxv, value int
	}{
		// 10,000 aliases are 30,000 tokens: the parser stops at the token limit.
		{"10,000 aliases", "{ " + repeat(10000, " ", func(i int) string { return fmt.Sprintf("a%d: __typename", i) }) + " }", nil,
			"tokens", d.MaxTokens, d.MaxTokens + 1},
		// Under the token limit, over the selections limit (the quadratic case of validation).
		{"4,000 times one field", "{ " + strings.Repeat("__typename ", 4000) + "}", nil,
			"selections", d.MaxSelections, 4000},
		{"1,500 aliases", "{ " + repeat(1500, " ", func(i int) string { return fmt.Sprintf("a%d: __typename", i) }) + " }", nil,
			"selections", d.MaxSelections, 1500},
		{"1,500 aliases of an unknown field", "{ " + repeat(1500, " ", func(i int) string { return fmt.Sprintf("a%d: noSuchField", i) }) + " }", nil,
			"selections", d.MaxSelections, 1500},
		{"1,500 aliases in an unused fragment", "{ __typename } fragment U on Query { " + repeat(1500, " ", func(i int) string { return fmt.Sprintf("a%d: __typename", i) }) + " }", nil,
			"selections", d.MaxSelections, 1501},
		// 2 + 4 + … + 1024 = 2046 spreads expanded; 1024 copies of the leaf.
		{"fragment bomb", bomb("name"), nil, "selections", d.MaxSelections, 1 + 1024},
		{"fragment bomb of spreads", bomb("__typename") + "\nfragment Z on Person { name }", nil, "selections", d.MaxSelections, 1 + 1024 + 1},
		{"100 levels", nested(100), nil, "depth", d.MaxDepth, 100},
		{"100 levels of unknown fields", "{ " + strings.Repeat("x { ", 99) + "y" + strings.Repeat(" }", 99) + " }", nil, "depth", d.MaxDepth, 100},
		// 1,000 root fields are over the selections limit as well; 200 are over the root fields'
		// limit only.
		{"1,000 root fields", "{ " + repeat(1000, " ", func(i int) string { return fmt.Sprintf("a%d: __typename", i) }) + " }", nil,
			"selections", d.MaxSelections, 1000},
		{"200 root fields", "{ " + repeat(200, " ", func(i int) string { return fmt.Sprintf("a%d: __typename", i) }) + " }", nil,
			"rootFields", d.MaxRootFields, 200},
		{"50 directives on a field", "{ __typename " + strings.Repeat("@include(if: true) ", 50) + "}", nil,
			"directives", d.MaxDirectivesPerField, 50},
		{"many tokens", "{ __typename(" + repeat(10001, " ", func(i int) string { return fmt.Sprintf("a%d: 1", i) }) + ") }", nil,
			"tokens", d.MaxTokens, d.MaxTokens + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Calls()
			data, errs := c.do(t, tc.query, tc.vars)
			assertLimit(t, data, errs, tc.limit, tc.maxv, tc.value)
			if s.Calls() != before {
				t.Errorf("the refused operation read the store")
			}
		})
	}

	// A fragment bomb with fewer levels is refused on its spreads: 1 + 2 + 4 + … + 256 = 511
	// (and 1 + 256 selections, under their limit).
	t.Run("fragment spreads", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(`{ person(key: "adil-zaidi") { ...F0 } }`)
		for i := range 8 {
			fmt.Fprintf(&b, "\nfragment F%d on Person { ...F%d ...F%d }", i, i+1, i+1)
		}
		b.WriteString("\nfragment F8 on Person { name }")
		data, errs := c.do(t, b.String(), nil)
		assertLimit(t, data, errs, "fragmentSpreads", d.MaxFragmentSpreads, 511)
	})

	// A fragment cycle does not hang the walk; validation refuses it.
	t.Run("fragment cycle", func(t *testing.T) {
		_, errs := c.do(t, `{ person(key: "adil-zaidi") { ...A } } fragment A on Person { name ...B } fragment B on Person { ...A }`, nil)
		assertErrorCode(t, errs, "BAD_USER_INPUT")
		if errs[0].Extensions["reason"] != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("extensions %v, want a validation failure", errs[0].Extensions)
		}
	})

	// The same query refused twice (the second time from the cache) gets the same answer.
	q := nested(40)
	_, first := c.do(t, q, nil)
	_, second := c.do(t, q, nil)
	if fmt.Sprint(first) != fmt.Sprint(second) {
		t.Errorf("first refusal %+v, second %+v", first, second)
	}
}

// Huge variables: refused by the limit (here 1,000 bytes) before anything runs; with the
// default, an importRecords of nearly 1 MiB — the whole HTTP body limit — passes.
func TestLimitsVariables(t *testing.T) {
	c, _, s := limitsServer(t, graph.Options{Limits: graph.Limits{MaxVariablesBytes: 1000}})
	imp := `mutation($n: String!) { importRecords(ndjson: $n) { created } }`
	before := s.Calls()
	data, errs := c.do(t, imp, map[string]any{"n": string(seed.NDJSON)})
	assertLimit(t, data, errs, "variablesBytes", 1000, -1)
	if s.Calls() != before {
		t.Errorf("the refused operation read the store")
	}
	// Nested objects and lists count too.
	_, errs = c.do(t, `query($w: PersonWhere) { people(where: $w) { totalCount } }`,
		map[string]any{"w": map[string]any{"key": map[string]any{"in": strings.Split(strings.Repeat("adil-zaidi,", 200), ",")}}})
	assertErrorCode(t, errs, "QUERY_TOO_COMPLEX")

	d, _, _ := limitsServer(t, graph.Options{Store: s})
	nd := string(seed.NDJSON) + "\n"
	pad := "// " + strings.Repeat("x", 1000) + "\n"
	for len(nd)+len(pad) < 1_000_000 {
		nd += pad
	}
	body, _ := json.Marshal(map[string]any{"query": imp, "variables": map[string]any{"n": nd}})
	if len(body) > 1<<20 {
		t.Fatalf("body of %d bytes, over the HTTP limit", len(body))
	}
	st, out := d.post(t, body)
	if st != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) {
		t.Fatalf("importRecords of %d bytes: status %d %.500s", len(nd), st, out)
	}
}

// The HTTP status of a refusal: 200 for application/json, 400 for
// application/graphql-response+json (GraphQL over HTTP); over a websocket, a next message with
// the error, then complete.
func TestLimitsStatus(t *testing.T) {
	_, srv, _ := limitsServer(t, graph.Options{Limits: graph.Limits{MaxDepth: 3}, MaxComplexity: 5})
	for _, q := range []string{nested(4), `{ people { nodes { name } } }`} {
		for accept, want := range map[string]int{
			"application/json": 200, "": 200, "*/*": 200,
			"application/graphql-response+json": 400, "application/graphql-response+json, application/json": 400,
		} {
			body, _ := json.Marshal(map[string]any{"query": q})
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if accept != "" {
				req.Header.Set("Accept", accept)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want || !bytes.Contains(out, []byte("QUERY_TOO_COMPLEX")) {
				t.Errorf("%s with Accept %q: status %d %s, want %d and QUERY_TOO_COMPLEX", q, accept, resp.StatusCode, out, want)
			}
		}
	}
	ws := httpWSAcked(t, srv)
	sub, _ := json.Marshal(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": nested(4)}})
	httpWSWrite(t, ws, string(sub))
	if m := httpWSRead(t, ws); m.ID != "1" || (m.Type != "next" && m.Type != "error") || !bytes.Contains(m.Payload, []byte(`"limit":"depth"`)) {
		t.Errorf("websocket refusal: %s %s", m.Type, m.Payload)
	}
}

// knownQueries are the queries users are told about: every query of the README (Try it, the
// cookbook, paths, the curl example), the playground's example, and the benchmark queries.
func knownQueries(t *testing.T) map[string]string {
	t.Helper()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{"ExampleQuery": graph.ExampleQuery}
	for i, m := range regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(string(readme), -1) {
		out[fmt.Sprintf("README block %d", i+1)] = m[1]
	}
	text := string(readme)
	start := strings.Index(text, "### Cookbook")
	end := start + strings.Index(text[start:], "\n## ")
	for i, m := range regexp.MustCompile("`(\\{[^`]+\\})`").FindAllStringSubmatch(text[start:end], -1) {
		out[fmt.Sprintf("cookbook %d", i+1)] = m[1]
	}
	if m := regexp.MustCompile(`"query":"(.*?)"}'`).FindStringSubmatch(text); m != nil {
		out["README curl"] = strings.ReplaceAll(m[1], `\"`, `"`)
	}
	files, _ := filepath.Glob("../bench/queries/*.graphql")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		q := strings.NewReplacer("__FROM__", "adil-zaidi", "__TO__", "asmex", "__N__", "1").Replace(string(b))
		out["bench "+filepath.Base(f)] = q
	}
	out["GraphiQL introspection"] = graphiqlIntrospection
	if len(out) < 30 {
		t.Fatalf("found %d known queries", len(out))
	}
	return out
}

// TestLimitsKnownQueries runs every known query under the default limits (none is refused) and
// logs what each measures: its cost and its shape (go test -run KnownQueries -v prints the
// table the defaults of graph/limits.go and graph/complexity.go were chosen from).
func TestLimitsKnownQueries(t *testing.T) {
	qs := knownQueries(t)
	c, _, s := limitsServer(t, graph.Options{})
	// A server with every limit at 1 (timeout aside) refuses each query on its first limit and
	// reports the value; one per limit measures them all.
	probes := map[string]*client{}
	for name, l := range map[string]graph.Limits{
		"depth": {MaxDepth: 1}, "selections": {MaxSelections: 1}, "fragmentSpreads": {MaxFragmentSpreads: 1},
		"rootFields": {MaxRootFields: 1}, "directives": {MaxDirectivesPerField: 1},
	} {
		probes[name], _, _ = limitsServer(t, graph.Options{Store: s, Limits: l})
	}
	probes["complexity"], _, _ = limitsServer(t, graph.Options{Store: s, MaxComplexity: 1})
	measure := func(p *client, q string) int {
		_, errs := p.do(t, q, nil)
		for _, e := range errs {
			if v, ok := e.Extensions["value"].(float64); ok {
				return int(v)
			}
		}
		return 1 // not refused: at most 1
	}
	names := make([]string, 0, len(qs))
	for n := range qs {
		names = append(names, n)
	}
	sort.Strings(names)
	var table strings.Builder
	fmt.Fprintf(&table, "\n%-32s %10s %6s %6s %7s %5s %5s %6s\n", "query", "cost", "depth", "selec", "spreads", "root", "dirs", "tokens")
	maxCost := 0
	for _, n := range names {
		q := qs[n]
		_, errs := c.do(t, q, nil)
		for _, e := range errs {
			if e.code() == "QUERY_TOO_COMPLEX" {
				t.Errorf("%s is refused under the default limits: %+v", n, e)
			}
		}
		cost := measure(probes["complexity"], q)
		if n != "GraphiQL introspection" {
			maxCost = max(maxCost, cost)
		}
		fmt.Fprintf(&table, "%-32s %10d %6d %6d %7d %5d %5d %6d\n", n, cost, measure(probes["depth"], q), measure(probes["selections"], q),
			measure(probes["fragmentSpreads"], q), measure(probes["rootFields"], q), measure(probes["directives"], q), tokenCount(t, q))
	}
	t.Logf("%smost costly: %d (DefaultMaxComplexity %d)", table.String(), maxCost, graph.DefaultMaxComplexity)
	for _, n := range []string{"ExampleQuery", "GraphiQL introspection"} {
		c.mustDo(t, qs[n], nil, nil)
	}
}

// A query that runs past QueryTimeout stops with QUERY_TOO_COMPLEX, bound "time" and the limit,
// over HTTP and over a websocket; never a hang, never INTERNAL.
func TestLimitsTimeout(t *testing.T) {
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Options{Seed: 5, People: 2000}); err != nil {
		t.Fatal(err)
	}
	s := storetest.Open(t)
	if _, err := importer.ImportBytes(s, buf.Bytes(), "gen"); err != nil {
		t.Fatal(err)
	}
	// A deadline that has passed when the operation starts: the answer must be the coded time-out
	// whatever the machine's speed (a test never depends on how long a query takes). That scans,
	// sorts, aggregates and walks stop part way is shown without timing in store/query
	// (ctx_test.go) and by the walks' own tests.
	const timeout = time.Nanosecond
	c, srv, _ := limitsServer(t, graph.Options{Store: s, Limits: graph.Limits{QueryTimeout: timeout}})
	queries := []string{
		// An unindexed filter and an in-memory sort over every person.
		`{ people(where: {name: {contains: "zzzz"}}, orderBy: [{field: NAME, direction: DESC}], first: 5) { totalCount nodes { name } } }`,
		// A scan of every statement for a filter nothing matches, counted.
		`{ statements(where: {text: {contains: "zzzzqqq"}}) { totalCount } }`,
		`{ aggregate(kind: STATEMENT, groupBy: [SPEAKER, YEAR]) { count } }`,
		`{ neighborhood(id: "p-0", depth: 3, first: 1000) { nodes { id } } }`,
	}
	check := func(what string, errs []gqlErr) {
		t.Helper()
		if len(errs) == 0 {
			t.Errorf("%s: no error within a %s limit", what, timeout)
			return
		}
		for _, e := range errs {
			if e.code() != "QUERY_TOO_COMPLEX" || e.Extensions["bound"] != "time" || e.Extensions["limit"] != timeout.String() ||
				!strings.Contains(e.Message, timeout.String()) {
				t.Errorf("%s: error %+v, want QUERY_TOO_COMPLEX, bound time, limit %s", what, e, timeout)
			}
		}
	}
	for _, q := range queries {
		_, errs := c.do(t, q, nil)
		check(q, errs)
	}

	ws := httpWSAcked(t, srv)
	for i, q := range queries {
		id := fmt.Sprint(i + 1)
		sub, _ := json.Marshal(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": q}})
		httpWSWrite(t, ws, string(sub))
		m := httpWSRead(t, ws)
		var p struct{ Errors []gqlErr }
		if m.Type != "next" || m.ID != id || json.Unmarshal(m.Payload, &p) != nil {
			t.Fatalf("websocket %s: got %s %s %s, want next", q, m.Type, m.ID, m.Payload)
		}
		check("websocket "+q, p.Errors)
		if m := httpWSRead(t, ws); m.Type != "complete" || m.ID != id {
			t.Errorf("websocket: after next got %+v, want complete", m)
		}
	}

	// With the default limit the same queries answer.
	d, _, _ := limitsServer(t, graph.Options{Store: s})
	for _, q := range queries {
		d.mustDo(t, q, nil, nil)
	}
}

// The full-text index stops with the operation: its searches take the context (and report its
// cause), and `search` and `text: {search:}` under a tiny QueryTimeout answer with the time limit.
func TestLimitsTimeoutFullText(t *testing.T) {
	_, s, ix := ftServer(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("the operation's deadline")
	cancel(cause)
	if _, err := ix.SearchContext(ctx, "exportations", nil, 10); err != cause {
		t.Errorf("SearchContext with a done context: %v, want its cause", err)
	}
	if _, err := ix.MatchContext(ctx, "exportations", nil, 10); err != cause {
		t.Errorf("MatchContext with a done context: %v, want its cause", err)
	}
	if h, err := ix.SearchContext(context.Background(), "exportations", nil, 10); err != nil || len(h) == 0 {
		t.Errorf("SearchContext: %v, %d hits", err, len(h))
	}
	c, _, _ := limitsServer(t, graph.Options{Store: s, Text: ix, Limits: graph.Limits{QueryTimeout: time.Nanosecond}})
	for _, q := range []string{
		`{ search(text: "exportations") { score } }`,
		`{ statements(where: {text: {search: "exportations"}}) { totalCount } }`,
	} {
		_, errs := c.do(t, q, nil)
		if len(errs) == 0 || errs[0].code() != "QUERY_TOO_COMPLEX" || errs[0].Extensions["bound"] != "time" {
			t.Errorf("%s under a 1ns limit: %+v", q, errs)
		}
	}
}

// graphiqlIntrospection is the introspection query GraphiQL 4 sends for its Docs pane
// (graphql-js getIntrospectionQuery with descriptions, specifiedByURL, isRepeatable, the schema's
// description and deprecated input values).
const graphiqlIntrospection = `query IntrospectionQuery {
  __schema {
    description
    queryType { name kind }
    mutationType { name kind }
    subscriptionType { name kind }
    types { ...FullType }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) { ...InputValue }
    }
  }
}

fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL
  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) {
    name
    description
    isDeprecated
    deprecationReason
  }
  possibleTypes { ...TypeRef }
}

fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
  isDeprecated
  deprecationReason
}

fragment TypeRef on __Type {
  kind
  name
  ofType {
    kind
    name
    ofType {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
`
