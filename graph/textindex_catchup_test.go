package graph_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
	"github.com/kgql/kgql/store/textindex"
)

// While the full-text index catches up at start (held back here), the server answers: /healthz is
// 200 and says how far the index is, name matches (from the store) are complete, full-text hits
// come from what is indexed, and such answers carry extensions.textIndex. Once the index is ready
// the warning goes away.
func TestSearchWhileTextIndexCatchesUp(t *testing.T) {
	s := storetest.Open(t)
	if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
		t.Fatal(err)
	}
	ix, err := textindex.Open("") // new and empty: the catch-up is a rebuild
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	release := ix.HoldCatchUp()
	t.Cleanup(release)
	if err := textindex.AttachBackground(s, ix, nil); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(graph.NewHandler(graph.Options{Store: s, Text: ix}))
	t.Cleanup(srv.Close)

	health := func() map[string]any {
		t.Helper()
		resp, err := http.Get(srv.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("/healthz: %d %s", resp.StatusCode, b)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("/healthz: %v: %s", err, b)
		}
		return m
	}
	type hit struct {
		Match string `json:"match"`
		Node  struct {
			Typename string `json:"__typename"`
			Key      string `json:"key"`
		} `json:"node"`
	}
	query := func(q string) ([]hit, map[string]any) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": q})
		c := &client{url: srv.URL + "/graphql"}
		_, out := c.post(t, body)
		var resp struct {
			Data struct {
				Search []hit `json:"search"`
			} `json:"data"`
			Errors     []gqlErr       `json:"errors"`
			Extensions map[string]any `json:"extensions"`
		}
		if err := json.Unmarshal(out, &resp); err != nil || len(resp.Errors) > 0 {
			t.Fatalf("%s: %v %s", q, err, out)
		}
		ext, _ := resp.Extensions["textIndex"].(map[string]any)
		return resp.Data.Search, ext
	}
	const names = `{ search(text: "laayoune") { match node { __typename ... on Region { key } } } }`
	const full = `{ search(text: "exportations", types: [STATEMENT]) { match node { __typename } } }`

	h := health()
	if h["status"] != "ok" || h["textIndex"] != textindex.StateStarting || h["behind"].(float64) != float64(s.Seq()) {
		t.Errorf("/healthz while held: %v, want ok, %q, behind %d", h, textindex.StateStarting, s.Seq())
	}
	hits, ext := query(names)
	if len(hits) == 0 || hits[0].Node.Key != "MA-11" {
		t.Errorf("name search while held: %+v, want Laâyoune-Sakia El Hamra from the store", hits)
	}
	if ext == nil || ext["state"] != textindex.StateStarting || ext["message"] == nil {
		t.Errorf("name search while held: extensions.textIndex %v, want the index's state", ext)
	}
	hits, ext = query(full)
	if len(hits) != 0 || ext == nil {
		t.Errorf("full-text search while held: %d hits, extensions.textIndex %v; want none yet, and the warning", len(hits), ext)
	}
	if _, ext := query(`{ person(key: "badia-bitar") { name } }`); ext != nil {
		t.Errorf("an operation without search carries extensions.textIndex %v", ext)
	}

	release()
	if err := ix.WaitReady(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if h := health(); h["textIndex"] != textindex.StateReady || h["behind"].(float64) != 0 {
		t.Errorf("/healthz when ready: %v", h)
	}
	hits, ext = query(full)
	if len(hits) != 4 || ext != nil {
		t.Errorf("full-text search when ready: %d hits, extensions.textIndex %v; want 4 statements, no warning", len(hits), ext)
	}
}
