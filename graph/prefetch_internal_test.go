package graph

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
)

// The look-ahead keeps what it collected from an operation's selections (prefetchMemo), one memo
// per value of the variables @include and @skip read. Run with the nested statements switched
// off, then on, the operation must have two memos, and the second must look ahead into the
// statements; answers must be those of gqlgen's own executor either way.
func TestPrefetchMemoFollowsIncludeVariables(t *testing.T) {
	s := storetest.Open(t)
	if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
		t.Fatal(err)
	}
	tuned, stock := NewHandler(Options{Store: s}), NewHandler(Options{Store: s, StockExecutor: true})
	const q = `query($deep: Boolean!) { organization(key: "asmex") { events { nodes { name
	  statements @include(if: $deep) { nodes { text speaker { name } } } } } } }`
	answer := func(h http.Handler, deep bool) string {
		body, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"deep": deep}})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Body.String()
	}
	for _, deep := range []bool{false, true, false} {
		got, want := answer(tuned, deep), answer(stock, deep)
		if got != want || strings.Contains(got, `"errors"`) {
			t.Fatalf("deep=%v: %s\nwant %s", deep, got, want)
		}
		if deep != strings.Contains(got, `"statements"`) {
			t.Fatalf("deep=%v: %s", deep, got)
		}
	}
	var entry *byDirectives[*prefetchMemo]
	prefetchMemos.mu.Lock()
	for op, e := range prefetchMemos.m {
		if op.VariableDefinitions.ForName("deep") != nil {
			entry = e
		}
	}
	prefetchMemos.mu.Unlock()
	if entry == nil {
		t.Fatal("no memo kept for the operation")
	}
	entry.mu.Lock()
	defer entry.mu.Unlock()
	if len(entry.m) != 2 {
		t.Fatalf("%d memos for the operation, want one per value of $deep", len(entry.m))
	}
	for key, m := range entry.m {
		reverse := 0
		for _, steps := range m.byKind {
			for _, st := range steps {
				if st.what == stepReverse && st.rev.conn && st.field.Name == "statements" {
					reverse++
				}
			}
		}
		if want := map[bool]int{true: 1, false: 0}[strings.Contains(key, "true")]; reverse != want {
			t.Errorf("memo %q looks ahead into %d statements lists, want %d", key, reverse, want)
		}
	}
}
