package graph_test

import (
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
	"github.com/kgql/kgql/store/textindex"
)

// Full-text search: `search` with a text index attached (French analysis, highlighted snippets),
// keeping the name-ranking guarantees of search_test.go. Uses search() and its invariants (scores
// non-increasing and within their match kind's band, each node once). Helpers are prefixed ft.

// ftServer is newServer with a text index (in memory) attached to the store, as server.go does.
func ftServer(t *testing.T) (*client, *store.Store, *textindex.Index) {
	t.Helper()
	s := storetest.Open(t)
	ix, err := textindex.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() }) // before the store's cleanup
	if err := textindex.Attach(s, ix, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
		t.Fatalf("import seed: %v", err)
	}
	ftCaughtUp(t, s, ix)
	srv := httptest.NewServer(graph.NewHandler(graph.Options{Store: s, Text: ix}))
	t.Cleanup(srv.Close)
	return &client{url: srv.URL + "/graphql"}, s, ix
}

// ftCaughtUp waits until the index reflects every write of the store.
func ftCaughtUp(t *testing.T, s *store.Store, ix *textindex.Index) {
	t.Helper()
	if err := ix.WaitFor(s.Seq(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// ftSnippet returns a hit's snippet, or "".
func ftSnippet(h searchHit) string {
	if h.Snippet == nil {
		return ""
	}
	return *h.Snippet
}

// ftStatements returns the statement hits.
func ftStatements(hits []searchHit) []searchHit {
	var out []searchHit
	for _, h := range hits {
		if h.Node.Typename == "Statement" {
			out = append(out, h)
		}
	}
	return out
}

func TestFullTextStemming(t *testing.T) {
	c, _, _ := ftServer(t)
	hits := search(t, c, map[string]any{"text": "exportations", "first": 20})
	stms := ftStatements(hits)
	if len(stms) != 4 {
		t.Fatalf("exportations: %d statements, want the 4 of the dataset (exportations, exportable ×2, export)", len(stms))
	}
	if !strings.Contains(stms[0].Node.Text, "aux exportations marocaines") {
		t.Errorf("exportations: first statement %q, want the one with the word itself", stms[0].Node.Text)
	}
	seen := map[string]bool{}
	for _, h := range stms {
		if h.Match != "WORDS" {
			t.Errorf("exportations: statement %s matched %s, want WORDS", h.Node.ID, h.Match)
		}
		for _, w := range []string{"exportations", "exportable", "export"} {
			if strings.Contains(h.Node.Text, " "+w+" ") {
				seen[w] = true
				if !strings.Contains(ftSnippet(h), "["+w+"]") {
					t.Errorf("exportations: snippet %q lacks [%s]", ftSnippet(h), w)
				}
				break
			}
		}
	}
	if len(seen) != 3 {
		t.Errorf("exportations: statements with %v, want exportations, exportable and export", seen)
	}
	// ASMEX, whose name holds "Exportateurs", is found by stemming too, with its name highlighted.
	i := slices.IndexFunc(hits, func(h searchHit) bool { return h.Node.Key == "asmex" })
	if i < 0 || ftSnippet(hits[i]) != "Association Marocaine des [Exportateurs]" {
		t.Errorf("exportations: ASMEX missing or snippet wrong: %q", names(hits))
	}
}

func TestFullTextElision(t *testing.T) {
	c, _, _ := ftServer(t)
	hits := search(t, c, map[string]any{"text": "l'offre exportable"})
	if len(hits) != 2 {
		t.Fatalf("l'offre exportable: %q, want the two statements", names(hits))
	}
	for _, h := range hits {
		if h.Node.Typename != "Statement" || !strings.Contains(h.Node.Text, "l'offre exportable nationale") {
			t.Errorf("l'offre exportable: hit %s %q", h.Node.Typename, h.Node.Text)
		}
		if !strings.Contains(ftSnippet(h), "[l'offre exportable]") {
			t.Errorf("l'offre exportable: snippet %q", ftSnippet(h))
		}
	}
	// The same without the article, and with a typographic apostrophe.
	for _, text := range []string{"offre exportable", "L’offre EXPORTABLE", "d'offres exportables"} {
		other := search(t, c, map[string]any{"text": text})
		if fmt.Sprint(ftIDs(other)) != fmt.Sprint(ftIDs(hits)) {
			t.Errorf("%q: %v, want the hits of l'offre exportable %v", text, ftIDs(other), ftIDs(hits))
		}
	}
}

func ftIDs(hits []searchHit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Node.ID)
	}
	return out
}

func TestFullTextAccents(t *testing.T) {
	c, _, _ := ftServer(t)
	a := search(t, c, map[string]any{"text": "région", "first": 100})
	b := search(t, c, map[string]any{"text": "region", "first": 100})
	if len(a) < 20 || fmt.Sprint(ftIDs(a)) != fmt.Sprint(ftIDs(b)) {
		t.Errorf("région %v\nregion %v\nwant the same hits, in the same order", ftIDs(a), ftIDs(b))
	}
	for _, h := range a {
		if h.Match == "WORDS" && h.Node.Typename == "Statement" && !strings.Contains(ftSnippet(h), "[région") && !strings.Contains(ftSnippet(h), "[Région") {
			t.Errorf("région: snippet %q does not highlight the accented word", ftSnippet(h))
		}
	}
	// A query without accents finds accented statement words; one with accents finds them too.
	// The statement with both words as typed ranks first; "stratégique" (same stem) comes after.
	for _, text := range []string{"strategie nationale", "STRATÉGIE NATIONALE"} {
		hits := ftStatements(search(t, c, map[string]any{"text": text}))
		if len(hits) != 2 || !strings.Contains(ftSnippet(hits[0]), "[stratégie nationale]") ||
			!strings.Contains(ftSnippet(hits[1]), "[stratégique]") {
			t.Errorf("%q: %v, want the statement with [stratégie nationale], then the one with [stratégique]", text, ftIDs(hits))
		}
	}
}

func TestFullTextKeepsNameRanking(t *testing.T) {
	c, _, _ := ftServer(t)
	for _, text := range []string{"laayoune", "Laâyoune", "LAAYOUNE"} {
		hits := search(t, c, map[string]any{"text": text})
		if len(hits) < 2 || hits[0].Node.Key != "MA-11" || hits[0].Match != "EXACT" && hits[0].Match != "PREFIX" ||
			ftSnippet(hits[0]) != "Laâyoune-Sakia El Hamra" {
			t.Fatalf("%s: %q, want Laâyoune-Sakia El Hamra first (EXACT or PREFIX, its name as snippet), then full-text hits", text, names(hits))
		}
		// The delegate whose description names the region comes after, as a full-text hit.
		i := slices.IndexFunc(hits, func(h searchHit) bool { return h.Node.Key == "najat-toulba" })
		if i < 1 || hits[i].Match != "WORDS" || !strings.Contains(ftSnippet(hits[i]), "[Laâyoune]") {
			t.Errorf("%s: the delegate for Laâyoune is missing or not a highlighted full-text hit: %q", text, names(hits))
		}
	}

	hits := search(t, c, map[string]any{"text": "SENTISSI"})
	if len(hits) == 0 || hits[0].Node.Key != "hassan-sentissi-el-idrissi" || hits[0].Match != "CONTAINED" {
		t.Errorf("SENTISSI: %q, want the ASMEX president first (CONTAINED)", names(hits))
	}
	hits = search(t, c, map[string]any{"text": "idrissi hassan"})
	if len(hits) == 0 || hits[0].Node.Key != "hassan-sentissi-el-idrissi" || hits[0].Match != "WORDS" || hits[0].Score < 1.5 {
		t.Errorf("idrissi hassan: %q, want the ASMEX president first, a WORDS name match above full-text hits", names(hits))
	}

	hits = search(t, c, map[string]any{"text": "marrakech", "first": 30})
	if len(hits) < 5 || hits[0].Node.Key != "marrakech" || hits[0].Match != "EXACT" ||
		hits[1].Node.Key != "MA-07" || hits[1].Match != "PREFIX" {
		t.Fatalf("marrakech: %q, want the city (EXACT) then Marrakech-Safi (PREFIX)", names(hits))
	}
	// Names first, then full text: once a hit is a full-text one, every later one is.
	fullText := false
	for _, h := range hits {
		isFT := h.Match == "WORDS" && h.Score < 1.5
		if fullText && !isFT {
			t.Errorf("marrakech: name hit %s after full-text hits", h.Node.ID)
		}
		fullText = fullText || isFT
	}
	if !fullText {
		t.Errorf("marrakech: no full-text hit (descriptions and the event mention Marrakech)")
	}
	if i := slices.IndexFunc(hits, func(h searchHit) bool { return h.Node.Typename == "Event" }); i < 0 ||
		!strings.Contains(ftSnippet(hits[i]), "[Marrakech]") {
		t.Errorf("marrakech: the event held in Marrakech is missing or its snippet does not highlight it: %q", names(hits))
	}
}

func TestFullTextTypes(t *testing.T) {
	c, _, _ := ftServer(t)
	hits := search(t, c, map[string]any{"text": "exportations", "types": []string{"STATEMENT"}})
	if len(hits) != 4 {
		t.Errorf("exportations, types [STATEMENT]: %q, want the 4 statements", names(hits))
	}
	for _, h := range hits {
		if h.Node.Typename != "Statement" {
			t.Errorf("exportations, types [STATEMENT]: hit %s", h.Node.Typename)
		}
	}
	hits = search(t, c, map[string]any{"text": "marrakech", "types": []string{"PERSON", "EVENT"}})
	if len(hits) == 0 {
		t.Errorf("marrakech, types [PERSON EVENT]: no hits")
	}
	for _, h := range hits {
		if h.Node.Typename != "Person" && h.Node.Typename != "Event" {
			t.Errorf("marrakech, types [PERSON EVENT]: hit %s", h.Node.Typename)
		}
	}
	// A name match is not repeated as a full-text hit.
	if hits := search(t, c, map[string]any{"text": "plan strategique", "types": []string{"SOURCE"}}); len(hits) != 1 || hits[0].Node.Key != articleKey {
		t.Errorf("plan strategique, types [SOURCE]: %q, want the article once", names(hits))
	}
	// first bounds names and full-text hits together.
	if hits := search(t, c, map[string]any{"text": "marrakech", "first": 3}); len(hits) != 3 {
		t.Errorf("marrakech first 3: %d hits", len(hits))
	}
	for _, text := range []string{"", "  ", "--", "zzzzqqq", "de la zzzzqqq"} {
		if hits := search(t, c, map[string]any{"text": text}); len(hits) != 0 {
			t.Errorf("%q: %q, want none", text, names(hits))
		}
	}
}

func TestFullTextFollowsMutations(t *testing.T) {
	c, s, ix := ftServer(t)
	const mut = `mutation($i: PersonInput!) { upsertPerson(input: $i) { id } }`
	var got struct {
		UpsertPerson struct{ ID string } `json:"upsertPerson"`
	}
	c.mustDo(t, mut, map[string]any{"i": map[string]any{
		"key": "ft-ana-quetzal", "name": "Ana Quetzal",
		"description": "Négociante spécialisée dans l'exportation de safran",
		"citations":   []any{map[string]any{"source": articleKey}},
	}}, &got)
	ftCaughtUp(t, s, ix)
	hits := search(t, c, map[string]any{"text": "safran exportateurs"})
	if len(hits) != 1 || hits[0].Node.ID != got.UpsertPerson.ID || ftSnippet(hits[0]) != "Négociante spécialisée dans [l'exportation] de [safran]" {
		t.Errorf("safran exportateurs after upsertPerson: %+v", hits)
	}
	c.mustDo(t, mut, map[string]any{"i": map[string]any{"key": "ft-ana-quetzal", "description": "Négociante en vanille"}}, nil)
	ftCaughtUp(t, s, ix)
	if hits := search(t, c, map[string]any{"text": "safran"}); len(hits) != 0 {
		t.Errorf("safran after the description changed: %q", names(hits))
	}
	if hits := search(t, c, map[string]any{"text": "vanille"}); len(hits) != 1 {
		t.Errorf("vanille after the description changed: %q", names(hits))
	}
}

// The `statements(where: {text: {search:}})` filter is answered by the same index (Options.Text
// also serves TextMatch).
func TestFullTextStatementsFilter(t *testing.T) {
	c, _, _ := ftServer(t)
	var got struct {
		Statements struct {
			TotalCount int
			Nodes      []struct{ Text string }
		}
	}
	c.mustDo(t, `{ statements(where: {text: {search: "exportations"}}) { totalCount nodes { text } } }`, nil, &got)
	if got.Statements.TotalCount != 4 || len(got.Statements.Nodes) != 4 {
		t.Errorf("statements where text search exportations: %+v, want the 4 statements (stemming)", got.Statements)
	}
	c.mustDo(t, `{ statements(where: {text: {search: "l'offre exportable"}}) { totalCount nodes { text } } }`, nil, &got)
	if got.Statements.TotalCount != 2 {
		t.Errorf("statements where text search l'offre exportable: %+v, want 2", got.Statements)
	}
}
