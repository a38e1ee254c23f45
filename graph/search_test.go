package graph_test

import (
	"slices"
	"testing"
)

// Search over names, aliases, acronyms and titles, folded for accents and case.

const searchQuery = `query($text: String!, $types: [NodeType!], $first: Int) {
  search(text: $text, types: $types, first: $first) {
    score
    match
    snippet
    node {
      __typename
      id
      ... on Entity { key name }
      ... on Source { key title }
      ... on Statement { text }
    }
  }
}`

type searchHit struct {
	Score   float64 `json:"score"`
	Match   string  `json:"match"`
	Snippet *string `json:"snippet"`
	Node    struct {
		Typename string `json:"__typename"`
		ID       string `json:"id"`
		Key      string `json:"key"`
		Name     string `json:"name"`
		Title    string `json:"title"`
		Text     string `json:"text"`
	} `json:"node"`
}

func search(t *testing.T, c *client, vars map[string]any) []searchHit {
	t.Helper()
	var got struct {
		Search []searchHit `json:"search"`
	}
	c.mustDo(t, searchQuery, vars, &got)
	if got.Search == nil {
		t.Fatalf("search %v: null hits", vars)
	}
	for _, h := range got.Search {
		snip := "<nil>"
		if h.Snippet != nil {
			snip = *h.Snippet
		}
		t.Logf("search %v: %s %-9s %.4f %s %q", vars, h.Node.Typename, h.Match, h.Score, h.Node.ID, snip)
	}
	// Invariants of every answer: ranked by non-increasing score, each node once, and the score
	// agrees with the match kind (4 exact, 3 prefix, 2 contained, 1 words, plus a bonus below 1).
	base := map[string]float64{"EXACT": 4, "PREFIX": 3, "CONTAINED": 2, "WORDS": 1}
	seen := map[string]bool{}
	for i, h := range got.Search {
		if i > 0 && h.Score > got.Search[i-1].Score {
			t.Errorf("search %v: hit %d (%s, %v) scores more than hit %d (%v)", vars, i, h.Node.ID, h.Score, i-1, got.Search[i-1].Score)
		}
		if b, ok := base[h.Match]; !ok || h.Score < b || h.Score >= b+1 {
			t.Errorf("search %v: hit %s: match %s with score %v", vars, h.Node.ID, h.Match, h.Score)
		}
		if seen[h.Node.ID] {
			t.Errorf("search %v: %s found twice", vars, h.Node.ID)
		}
		seen[h.Node.ID] = true
	}
	return got.Search
}

func names(hits []searchHit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Node.Typename+":"+h.Node.Name+h.Node.Title)
	}
	return out
}

func TestSearchFoldsAccents(t *testing.T) {
	c, _ := newServer(t)
	for _, text := range []string{"laayoune", "Laâyoune", "LAAYOUNE", "laâyoune-sakia"} {
		hits := search(t, c, map[string]any{"text": text})
		if len(hits) == 0 {
			t.Errorf("search %q: no hits", text)
			continue
		}
		h := hits[0]
		if h.Node.Typename != "Region" || h.Node.Name != "Laâyoune-Sakia El Hamra" || h.Node.Key != "MA-11" {
			t.Errorf("search %q: first hit %s, want the Region Laâyoune-Sakia El Hamra", text, names(hits[:1]))
		}
		if h.Match != "EXACT" && h.Match != "PREFIX" {
			t.Errorf("search %q: first hit matched %s, want EXACT or PREFIX", text, h.Match)
		}
		// The snippet is the stored spelling, accents kept.
		if h.Snippet == nil || *h.Snippet != "Laâyoune-Sakia El Hamra" {
			t.Errorf("search %q: snippet %v, want %q", text, h.Snippet, "Laâyoune-Sakia El Hamra")
		}
	}
}

func TestSearchPerson(t *testing.T) {
	c, _ := newServer(t)
	hits := search(t, c, map[string]any{"text": "SENTISSI"})
	i := slices.IndexFunc(hits, func(h searchHit) bool {
		return h.Node.Typename == "Person" && h.Node.Name == "Hassan Sentissi El Idrissi"
	})
	if i < 0 {
		t.Fatalf("search SENTISSI: %q lack the Person Hassan Sentissi El Idrissi", names(hits))
	}
	if h := hits[i]; h.Snippet == nil || *h.Snippet != "Hassan Sentissi El Idrissi" || h.Match != "CONTAINED" {
		t.Errorf("search SENTISSI: hit %+v, want a CONTAINED match with snippet %q", h, "Hassan Sentissi El Idrissi")
	}
	// Every word of the query, in any order.
	hits = search(t, c, map[string]any{"text": "idrissi hassan"})
	if len(hits) == 0 || hits[0].Node.Key != "hassan-sentissi-el-idrissi" || hits[0].Match != "WORDS" {
		t.Errorf("search %q: %q, want Hassan Sentissi El Idrissi first, matched WORDS", "idrissi hassan", names(hits))
	}
}

func TestSearchRanking(t *testing.T) {
	c, _ := newServer(t)
	hits := search(t, c, map[string]any{"text": "marrakech"})
	if len(hits) < 3 {
		t.Fatalf("search marrakech: %q, want the city, the region and the chamber", names(hits))
	}
	if h := hits[0]; h.Node.Key != "marrakech" || h.Match != "EXACT" || h.Node.Name != "Marrakech" {
		t.Errorf("search marrakech: first hit %s (%s), want the city Marrakech (EXACT)", names(hits[:1]), h.Match)
	}
	if h := hits[1]; h.Node.Key != "MA-07" || h.Match != "PREFIX" || h.Node.Name != "Marrakech-Safi" {
		t.Errorf("search marrakech: second hit %s (%s), want Marrakech-Safi (PREFIX)", names(hits[1:2]), h.Match)
	}
	for _, h := range hits[2:] {
		if h.Match != "CONTAINED" && h.Match != "WORDS" {
			t.Errorf("search marrakech: hit %s after the first two matched %s", h.Node.Key, h.Match)
		}
	}
	if !slices.ContainsFunc(hits, func(h searchHit) bool { return h.Node.Key == "ccis-marrakech-safi" && h.Match == "CONTAINED" }) {
		t.Errorf("search marrakech: %q lack the Marrakech-Safi chamber (CONTAINED)", names(hits))
	}
	if h := hits[1]; h.Snippet == nil || *h.Snippet != "Marrakech-Safi" {
		t.Errorf("search marrakech: snippet of Marrakech-Safi is %v", h.Snippet)
	}
}

func TestSearchOrganization(t *testing.T) {
	c, _ := newServer(t)
	hits := search(t, c, map[string]any{"text": "asmex"})
	if len(hits) == 0 {
		t.Fatal("search asmex: no hits")
	}
	if h := hits[0]; h.Node.Typename != "Organization" || h.Node.Key != "asmex" || h.Match != "EXACT" {
		t.Errorf("search asmex: first hit %s (%s), want the Organization asmex (EXACT)", names(hits[:1]), h.Match)
	}
	if h := hits[0]; h.Snippet == nil || *h.Snippet != "ASMEX" {
		t.Errorf("search asmex: snippet %v, want the acronym as stored, ASMEX", h.Snippet)
	}
}

func TestSearchTypes(t *testing.T) {
	c, _ := newServer(t)
	// "el" is a word of a person's name and of a region's name.
	all := search(t, c, map[string]any{"text": "el"})
	if !slices.ContainsFunc(all, func(h searchHit) bool { return h.Node.Typename != "Person" }) ||
		!slices.ContainsFunc(all, func(h searchHit) bool { return h.Node.Typename == "Person" }) {
		t.Fatalf("search el: %q, want persons and other kinds", names(all))
	}
	people := search(t, c, map[string]any{"text": "el", "types": []string{"PERSON"}})
	if len(people) == 0 {
		t.Errorf("search el, types [PERSON]: no hits")
	}
	for _, h := range people {
		if h.Node.Typename != "Person" {
			t.Errorf("search el, types [PERSON]: hit %s", names([]searchHit{h}))
		}
	}
	regions := search(t, c, map[string]any{"text": "marrakech", "types": []string{"REGION", "ORGANIZATION"}})
	for _, h := range regions {
		if h.Node.Typename != "Region" && h.Node.Typename != "Organization" {
			t.Errorf("search marrakech, types [REGION ORGANIZATION]: hit %s", names([]searchHit{h}))
		}
	}
	if len(regions) < 3 {
		t.Errorf("search marrakech, types [REGION ORGANIZATION]: %q", names(regions))
	}
	sources := search(t, c, map[string]any{"text": "plan strategique", "types": []string{"SOURCE"}})
	if len(sources) != 1 || sources[0].Node.Key != articleKey {
		t.Errorf("search %q, types [SOURCE]: %q, want the article", "plan strategique", names(sources))
	}
}

func TestSearchFirst(t *testing.T) {
	c, _ := newServer(t)
	all := search(t, c, map[string]any{"text": "marrakech"})
	one := search(t, c, map[string]any{"text": "marrakech", "first": 1})
	if len(one) != 1 || len(all) < 2 || one[0].Node.ID != all[0].Node.ID {
		t.Errorf("search marrakech first 1: %q; all: %q", names(one), names(all))
	}
	if zero := search(t, c, map[string]any{"text": "marrakech", "first": 0}); len(zero) != 0 {
		t.Errorf("search marrakech first 0: %q", names(zero))
	}
	for _, first := range []int{-1, 101} {
		data, errs := c.do(t, searchQuery, map[string]any{"text": "marrakech", "first": first})
		assertErrorCode(t, errs, "BAD_USER_INPUT")
		if string(data) != "null" {
			t.Errorf("search first %d: data %s, want null", first, data)
		}
	}
}

func TestSearchEmpty(t *testing.T) {
	c, _ := newServer(t)
	for _, text := range []string{"", "   ", "--", "zzzzqqq"} {
		data, errs := c.do(t, searchQuery, map[string]any{"text": text})
		if len(errs) != 0 || string(normalize(t, data)) != "{\n  \"search\": []\n}\n" {
			t.Errorf("search %q: data %s, errors %+v; want [] and no error", text, data, errs)
		}
	}
}

// The snippet, found only when selected, is there when selected through a fragment or an alias,
// and the hits are the same without it.
func TestSearchSnippetSelected(t *testing.T) {
	c, _ := newServer(t)
	var got struct {
		A []struct {
			S    *string `json:"s"`
			Node struct {
				ID string `json:"id"`
			} `json:"node"`
		} `json:"a"`
		B []struct {
			Node struct {
				ID string `json:"id"`
			} `json:"node"`
		} `json:"b"`
	}
	c.mustDo(t, `query { a: search(text: "laâyoune") { ...S node { id } } b: search(text: "laâyoune") { node { id } } }
fragment S on SearchHit { s: snippet }`, nil, &got)
	if len(got.A) == 0 || len(got.A) != len(got.B) {
		t.Fatalf("hits %d and %d", len(got.A), len(got.B))
	}
	if got.A[0].S == nil || *got.A[0].S != "Laâyoune-Sakia El Hamra" {
		t.Errorf("snippet through a fragment: %v", got.A[0].S)
	}
	for i := range got.A {
		if got.A[i].Node.ID != got.B[i].Node.ID {
			t.Errorf("hit %d: %s with the snippet, %s without", i, got.A[i].Node.ID, got.B[i].Node.ID)
		}
	}
}
