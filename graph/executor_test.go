package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/store/gen"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
)

// Differential tests of the executor's tuning (graph/executor.go): every query is answered by
// the tuned executor and by gqlgen's as generated (Options.StockExecutor), over the same store,
// and the answers must be the same — the data byte for byte, the errors (message, path,
// extensions) the same set. gqlgen's executor resolves fields and list elements in goroutines,
// so the order of its errors is not fixed; they are compared sorted.
//
// The corpus: the golden queries of graph/testdata, the README's read queries, bench/queries,
// and random queries generated from the schema (aliases, inline and named fragments, @include
// and @skip with literals and variables, arguments that fail in the middle of lists, nulls),
// over the built-in dataset plus a generated graph of 3,000 people (the one bench/queries names).

// diffServers are three handlers over one store: the compiled read path (graph/plan.go, with
// the tuned executor behind it), the tuned executor alone, and gqlgen's as generated.
type diffServers struct{ planned, tuned, stock http.Handler }

func newDiffServers(t testing.TB) diffServers {
	t.Helper()
	s := storetest.Open(t)
	if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Options{Seed: 1, People: 3000}); err != nil {
		t.Fatal(err)
	}
	if _, err := importer.ImportBytes(s, buf.Bytes(), "gen"); err != nil {
		t.Fatal(err)
	}
	return diffServers{
		planned: graph.NewHandler(graph.Options{Store: s}),
		tuned:   graph.NewHandler(graph.Options{Store: s, NoPlans: true}),
		stock:   graph.NewHandler(graph.Options{Store: s, StockExecutor: true}),
	}
}

func diffPost(t testing.TB, h http.Handler, query string, vars map[string]any) (int, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code, w.Body.Bytes()
}

// diffAnswer is a response as compared: the data as sent, the errors sorted.
type diffAnswer struct {
	status     int
	data       string
	errors     []string
	extensions string
}

func diffDecode(t testing.TB, status int, body []byte) diffAnswer {
	t.Helper()
	var r struct {
		Data       json.RawMessage   `json:"data"`
		Errors     []json.RawMessage `json:"errors"`
		Extensions json.RawMessage   `json:"extensions"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("not a GraphQL response: %s", body)
	}
	a := diffAnswer{status: status, data: string(r.Data), extensions: string(r.Extensions)}
	for _, e := range r.Errors {
		a.errors = append(a.errors, string(e))
	}
	sort.Strings(a.errors)
	return a
}

// diffCompare answers q with the three and fails on a difference; it returns the answer of the
// compiled path.
func diffCompare(t testing.TB, d diffServers, name, q string, vars map[string]any) diffAnswer {
	t.Helper()
	ss, sb := diffPost(t, d.stock, q, vars)
	sa := diffDecode(t, ss, sb)
	var out diffAnswer
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"the tuned executor", d.tuned}, {"the compiled read path", d.planned}} {
		ts, tb := diffPost(t, c.h, q, vars)
		ta := diffDecode(t, ts, tb)
		if ta.status != sa.status || ta.data != sa.data || strings.Join(ta.errors, "\n") != strings.Join(sa.errors, "\n") || ta.extensions != sa.extensions {
			t.Errorf("%s: %s answers otherwise than gqlgen's executor\nquery: %s\nvars: %v\n%s (%d): %s\nstock (%d): %s", name, c.name, q, vars, c.name, ts, tb, ss, sb)
		}
		out = ta
	}
	return out
}

// diffCorpus is every fixed query: testdata's, the README's, bench/queries'.
func diffCorpus(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	files, _ := filepath.Glob("testdata/*.graphql")
	bench, _ := filepath.Glob("../bench/queries/*.graphql")
	for _, f := range append(files, bench...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[f] = string(b)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	for i, m := range blocks {
		out["README block "+strconv.Itoa(i+1)] = m[1]
	}
	out["graph.ExampleQuery"] = graph.ExampleQuery
	return out
}

// TestExecutorDifferential runs the three parts over one pair of servers (the store takes a
// second or more to fill).
func TestExecutorDifferential(t *testing.T) {
	d := newDiffServers(t)
	t.Run("store", func(t *testing.T) { diffStore(t, d) })
	t.Run("corpus", func(t *testing.T) { diffFixed(t, d) })
	t.Run("random", func(t *testing.T) { diffRandom(t, d) })
}

func diffFixed(t *testing.T, d diffServers) {
	n, withData := 0, 0
	answered0, _ := graph.PlanCounts()
	for name, q := range diffCorpus(t) {
		trimmed := strings.TrimSpace(stripComments(q))
		if strings.HasPrefix(trimmed, "mutation") || strings.HasPrefix(trimmed, "subscription") {
			continue // writes change the store under the other executor; subscriptions: websocket
		}
		if strings.Contains(trimmed, "$") { // bench/queries: fill the variables they use
			continue
		}
		a := diffCompare(t, d, name, q, nil)
		n++
		if a.data != "" && a.data != "null" {
			withData++
		}
	}
	if n < 15 || withData < n/2 {
		t.Fatalf("%d queries compared, %d with data: the corpus is not what it should be", n, withData)
	}
	// The compiled path must answer the corpus, not give it all back: every query without an
	// error and outside introspection is one it compiles.
	answered1, _ := graph.PlanCounts()
	if planned := answered1 - answered0; planned < int64(n/2) {
		t.Fatalf("the compiled read path answered %d of %d queries", planned, n)
	}
	t.Logf("%d fixed queries, %d with data; the compiled read path answered %d", n, withData, answered1-answered0)
}

// stripComments drops # comments (outside strings, which the corpus does not mix with #).
func stripComments(q string) string {
	var b strings.Builder
	for _, line := range strings.Split(q, "\n") {
		if i := strings.Index(line, "#"); i >= 0 && !strings.Contains(line[:i], `"`) {
			line = line[:i]
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// diffRandom compares generated queries (KGQL_DIFF_QUERIES of them, default 400;
// KGQL_DIFF_SEED picks another corpus).
func diffRandom(t *testing.T, d diffServers) {
	count, seedN := 400, uint64(1)
	if v, err := strconv.Atoi(os.Getenv("KGQL_DIFF_QUERIES")); err == nil {
		count = v
	}
	if v, err := strconv.ParseUint(os.Getenv("KGQL_DIFF_SEED"), 10, 64); err == nil {
		seedN = v
	}
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{}}).Schema()
	g := &queryGen{r: rand.New(rand.NewPCG(seedN, 7)), s: schema}
	answered, errored, lists := 0, 0, 0
	planned0, givenBack0 := graph.PlanCounts()
	for i := range count {
		q := g.query()
		a := diffCompare(t, d, fmt.Sprintf("random query %d (seed %d)", i, seedN), q, map[string]any{"yes": true, "no": false})
		if t.Failed() {
			return // one difference is enough to look at
		}
		if a.data != "" && a.data != "null" {
			answered++
		}
		if len(a.errors) > 0 {
			errored++
		}
		if strings.Contains(a.data, "[{") {
			lists++
		}
	}
	// The corpus must exercise what it claims: answers, lists of objects, errors among them.
	if answered < count/2 || lists < count/4 || errored < count/20 {
		t.Fatalf("of %d queries: %d answered, %d with lists of objects, %d with errors: the generator drifted", count, answered, lists, errored)
	}
	planned1, givenBack1 := graph.PlanCounts()
	if planned := planned1 - planned0; planned < int64(count/3) {
		t.Fatalf("the compiled read path answered %d of %d random queries", planned, count)
	}
	t.Logf("%d random queries: %d answered, %d with lists of objects, %d with errors; the compiled read path answered %d and gave %d back",
		count, answered, lists, errored, planned1-planned0, givenBack1-givenBack0)
}

// queryGen writes random valid queries over the schema.
type queryGen struct {
	r     *rand.Rand
	s     *ast.Schema
	frags []string
	n     int // names of aliases and fragments
}

// Values for the arguments that name something of the stores.
var (
	genKeys  = []string{"asmex", "adil-zaidi", "badia-bitar", "hassan-yanja", "mohamed-fadlam", "org-5", "org-17", "p-10", "p-1919", "nope"}
	genWords = []string{"asmex", "laayoune", "exportateurs", "Régions", "Marrakech", "zzz"}
)

func (g *queryGen) query() string {
	g.frags, g.n = nil, 0
	root := g.s.Query
	var b strings.Builder
	b.WriteString("query Q($yes: Boolean!, $no: Boolean!) {\nvars: __typename @include(if: $yes) @skip(if: $no)\n")
	used := map[string]bool{}
	for range 1 + g.r.IntN(2) {
		b.WriteString(g.field(root, root.Fields, 0, used))
	}
	b.WriteString("}\n")
	for _, f := range g.frags {
		b.WriteString(f)
	}
	return b.String()
}

// field writes one field of t chosen at random; used holds the response names of its selection
// set so far (a name used again gets an alias: same names must not conflict).
func (g *queryGen) field(t *ast.Definition, fields ast.FieldList, depth int, used map[string]bool) string {
	for range 20 {
		f := fields[g.r.IntN(len(fields))]
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		args, ok := g.args(f)
		if !ok {
			continue
		}
		def := g.s.Types[f.Type.Name()]
		composite := def.Kind == ast.Object || def.Kind == ast.Interface || def.Kind == ast.Union
		if composite && depth >= 4 {
			continue
		}
		var b strings.Builder
		if g.r.IntN(5) == 0 || used[f.Name] {
			g.n++
			fmt.Fprintf(&b, "a%d: ", g.n)
		} else {
			used[f.Name] = true
		}
		b.WriteString(f.Name + args)
		switch g.r.IntN(12) {
		case 0:
			b.WriteString(" @include(if: $yes)")
		case 1:
			b.WriteString(" @skip(if: $no)")
		case 2:
			b.WriteString(" @skip(if: true)")
		case 3:
			b.WriteString(" @include(if: $no)")
		}
		if composite {
			b.WriteString(" " + g.selection(def, depth+1, nil))
		}
		b.WriteString("\n")
		return b.String()
	}
	return "__typename\n"
}

// args writes f's arguments: every required one (false if one cannot be made), some optional
// ones (pages, some out of range).
func (g *queryGen) args(f *ast.FieldDefinition) (string, bool) {
	var parts []string
	page, ref := false, false // first or last: one of them; id or key: exactly one
	hasRef := false
	for _, a := range f.Arguments {
		hasRef = hasRef || a.Name == "id" || a.Name == "key"
	}
	for _, a := range f.Arguments {
		required := a.Type.NonNull && a.DefaultValue == nil
		var v string
		switch name, typ := a.Name, a.Type.Name(); {
		case name == "first" || name == "last":
			if required || (!page && g.r.IntN(2) == 0) {
				v = strconv.Itoa([]int{-1, 0, 1, 2, 3, 5, 10}[g.r.IntN(7)])
				page = true
			}
		case name == "limit" || name == "maxDepth" || name == "depth":
			if required || g.r.IntN(2) == 0 {
				v = strconv.Itoa([]int{-1, 0, 1, 2, 3, 5}[g.r.IntN(6)])
			}
		case name == "key" || name == "id":
			if required || !ref && (name == "key" || g.r.IntN(2) == 0) {
				v = strconv.Quote(genKeys[g.r.IntN(len(genKeys))])
				ref = true
			}
		case name == "from" || name == "to":
			v = strconv.Quote(genKeys[g.r.IntN(len(genKeys))])
		case name == "ids" || name == "keys":
			if required || g.r.IntN(3) == 0 {
				v = fmt.Sprintf("[%q, %q]", genKeys[g.r.IntN(len(genKeys))], genKeys[g.r.IntN(len(genKeys))])
			}
		case typ == "String" && required:
			v = strconv.Quote(genWords[g.r.IntN(len(genWords))])
		case g.s.Types[typ] != nil && g.s.Types[typ].Kind == ast.Enum && (required || g.r.IntN(4) == 0):
			vals := g.s.Types[typ].EnumValues
			v = vals[g.r.IntN(len(vals))].Name
			if a.Type.Elem != nil {
				v = "[" + v + "]"
			}
		case typ == "Int" && required:
			v = strconv.Itoa(g.r.IntN(4))
		case required:
			return "", false
		}
		if v != "" {
			parts = append(parts, a.Name+": "+v)
		}
	}
	if hasRef && !ref && g.r.IntN(8) != 0 { // (sometimes neither: a field error)
		return "", false
	}
	if len(parts) == 0 {
		return "", true
	}
	return "(" + strings.Join(parts, ", ") + ")", true
}

// selection writes a selection set on t: some fields, sometimes fragments. used: the response
// names of the enclosing selection set, for a fragment's (nil: a new set).
func (g *queryGen) selection(t *ast.Definition, depth int, used map[string]bool) string {
	var b strings.Builder
	b.WriteString("{\n")
	if t.Kind == ast.Union || g.r.IntN(4) == 0 {
		b.WriteString("__typename\n")
	}
	if used == nil {
		used = map[string]bool{}
	}
	if len(t.Fields) > 0 {
		for range 1 + g.r.IntN(4) {
			b.WriteString(g.field(t, t.Fields, depth, used))
		}
	}
	if t.Kind == ast.Union || t.Kind == ast.Interface {
		possible := g.s.PossibleTypes[t.Name]
		for range 1 + g.r.IntN(2) {
			p := possible[g.r.IntN(len(possible))]
			if g.r.IntN(3) == 0 { // a named fragment
				g.n++
				name := fmt.Sprintf("F%d", g.n)
				g.frags = append(g.frags, fmt.Sprintf("fragment %s on %s %s", name, p.Name, g.selection(p, depth, used)))
				b.WriteString("..." + name + "\n")
			} else {
				b.WriteString("... on " + p.Name + " " + g.selection(p, depth, used))
			}
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// diffStore checks that the store under the differential tests is the one meant (without the
// generated graph the bench queries would answer null).
func diffStore(t *testing.T, d diffServers) {
	_, body := diffPost(t, d.tuned, `{ organization(key: "org-5") { name } person(key: "p-1919") { name } }`, nil)
	if bytes.Contains(body, []byte("null")) {
		t.Fatalf("the generated graph is missing: %s", body)
	}
}
