// Package bench holds kgql's benchmarks that need a large store. They run against the store in
// $KGQL_BENCH_DATA (build it with bench/build-store.sh) and are skipped when it is not set:
//
//	bench/build-store.sh M                       # 1M nodes in /tmp/kgql-bench-M
//	KGQL_BENCH_DATA=/tmp/kgql-bench-M go test ./bench -run XXX -bench . -benchtime 20x
package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/textindex"
)

// fixture is the store and handler shared by the benchmarks of one run.
type fixture struct {
	h     http.Handler
	nodes int
}

var fx *fixture

func open(b *testing.B) *fixture {
	b.Helper()
	dir := os.Getenv("KGQL_BENCH_DATA")
	if dir == "" {
		b.Skip("set KGQL_BENCH_DATA to a store built by bench/build-store.sh")
	}
	if fx != nil {
		return fx
	}
	s := openStore(b)
	var ix *textindex.Index
	if os.Getenv("KGQL_TEXT_INDEX") != "false" { // as kgql serve -text-index=false: no full-text index
		var err error
		if ix, err = textindex.Open(filepath.Join(dir, "text.bleve")); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := textindex.Attach(s, ix, slog.New(slog.DiscardHandler)); err != nil {
			b.Fatal(err)
		}
		b.Logf("text index ready in %s", time.Since(start).Round(time.Millisecond))
	}
	n := 0
	for _, k := range []store.Kind{store.KindPerson, store.KindOrganization, store.KindRegion, store.KindEvent, store.KindStatement, store.KindSource} {
		c, _ := s.CountKind(k)
		n += c
	}
	fx = &fixture{h: graph.NewHandler(graph.Options{Store: s, Text: ix}), nodes: n}
	b.Logf("store %s: %d nodes", dir, n)
	return fx
}

var benchStore *store.Store

// openStore opens the store of $KGQL_BENCH_DATA once per run, without its text index.
func openStore(b *testing.B) *store.Store {
	b.Helper()
	dir := os.Getenv("KGQL_BENCH_DATA")
	if dir == "" {
		b.Skip("set KGQL_BENCH_DATA to a store built by bench/build-store.sh")
	}
	if benchStore == nil {
		s, err := store.Open(store.Options{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		benchStore = s
	}
	return benchStore
}

// do runs one query through the real handler and fails on any error in the answer.
func (f *fixture) do(b *testing.B, q string) map[string]any {
	body, _ := json.Marshal(map[string]any{"query": q})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	var out struct {
		Data   map[string]any `json:"data"`
		Errors []any          `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Errors) > 0 {
		b.Fatalf("query failed: %s", rec.Body.String())
	}
	return out.Data
}

func bench(b *testing.B, q string, check func(b *testing.B, data map[string]any)) {
	f := open(b)
	check(b, f.do(b, q))
	b.ResetTimer()
	for range b.N {
		f.do(b, q)
	}
}

// BenchmarkFilteredPage: events in a region (and everything inside it) since a date, newest
// first, first page with totalCount.
func BenchmarkFilteredPage(b *testing.B) {
	q := `{ events(where: {location: {within: "AA-01"}, startDate: {gte: "2020-01-01"}},
	          orderBy: [{field: START_DATE, direction: DESC}], first: 20) {
	          totalCount nodes { key name startDate location { name } } } }`
	bench(b, q, func(b *testing.B, d map[string]any) {
		ev := d["events"].(map[string]any)
		if len(ev["nodes"].([]any)) == 0 {
			b.Fatal("the filtered page is empty")
		}
		b.Logf("filtered page: %v events match", ev["totalCount"])
	})
}

// BenchmarkSearch: a French full-text search ranked across kinds, with snippets.
func BenchmarkSearch(b *testing.B) {
	q := `{ search(text: "exportations régionales", first: 10) { score match snippet node { id } } }`
	bench(b, q, func(b *testing.B, d map[string]any) {
		if len(d["search"].([]any)) == 0 {
			b.Fatal("no search hit")
		}
	})
}

// BenchmarkShortestPath4Hop: a shortest path of length 4 between two people.
func BenchmarkShortestPath4Hop(b *testing.B) {
	f := open(b)
	from, to := "", ""
	for i := 1; i < 400 && from == ""; i++ {
		for j := 1; j < 5; j++ {
			a, z := fmt.Sprintf("p-%d", i*7919%100000), fmt.Sprintf("p-%d", (i*104729+j*31)%100000)
			d := f.do(b, fmt.Sprintf(`{ shortestPath(from: %q, to: %q, maxDepth: 4) { length } }`, a, z))
			if p, ok := d["shortestPath"].(map[string]any); ok && p["length"].(float64) == 4 {
				from, to = a, z
				break
			}
		}
	}
	if from == "" {
		b.Fatal("found no pair of people 4 hops apart")
	}
	b.Logf("4-hop pair: %s → %s", from, to)
	q := fmt.Sprintf(`{ shortestPath(from: %q, to: %q, maxDepth: 4) { length nodes { id } edges { label via { id } } } }`, from, to)
	bench(b, q, func(b *testing.B, d map[string]any) {
		if !strings.Contains(fmt.Sprint(d), "length:4") {
			b.Fatalf("not a 4-hop path: %v", d)
		}
	})
}
