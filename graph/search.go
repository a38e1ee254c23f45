package graph

import (
	"context"
	"fmt"

	"github.com/kgql/kgql/graph/loaders"
	"github.com/kgql/kgql/graph/model"
	"github.com/kgql/kgql/store"
)

// nameKinds are the kinds whose names, aliases, acronyms or titles the name index holds.
var nameKinds = []store.Kind{store.KindPerson, store.KindOrganization, store.KindRegion, store.KindEvent, store.KindSource}

// search answers the `search` root field in tiers, each ranked within itself:
//
//  1. names and aliases equal to the query, folded for accents and case (EXACT, score 4 + b);
//  2. names starting with it (PREFIX, 3 + b);
//  3. names containing it at a word start (CONTAINED, 2 + b);
//  4. names in which every word of the query starts a word (WORDS, 1.5 + b);
//  5. full-text hits of the text index that no name matched (WORDS, 1 to 1.5), by BM25 relevance,
//
// where b = 1/(2 + length of the folded name) favours shorter names.
//
// Tiers 1–4 are store.SearchNames (shorter names first within a tier); tier 5 is
// textindex.Search over names, aliases, descriptions and statement texts with French analysis
// (stemming, elision, stop words). A full-text hit is reported as WORDS: it means that every word
// of the query was found, as the text index matches (folded, or stemmed: "exportations" finds
// "exportable"), which is what WORDS says of a name; CONTAINED would claim the query as a whole
// stands in the text, which stemming and word order do not promise. Its snippet is the matching
// text with the matched words in [brackets] (see textindex.HighlightStart); a name match's
// snippet is the name as stored. Statements are found by the text index only.
//
// Without a text index (Resolver.Text nil) the answer is store.SearchNames alone, statements found
// by the words of their text.
func (r *Resolver) search(ctx context.Context, text string, types []model.NodeType, first *int) ([]*model.SearchHit, error) {
	n := 10
	if first != nil {
		n = *first
	}
	if n < 0 || n > MaxPageSize {
		return nil, fmt.Errorf("%w: first must be between 0 and %d", store.ErrInvalid, MaxPageSize)
	}
	if len(text) > 200 {
		return nil, fmt.Errorf("%w: text: at most 200 bytes", store.ErrInvalid)
	}
	kinds := make([]store.Kind, 0, len(types))
	for _, t := range types {
		kinds = append(kinds, nodeTypeKinds[t])
	}
	var hits []searchHit
	var err error
	if r.Text == nil {
		hits, err = r.searchNames(text, kinds, n)
	} else {
		hits, err = r.searchAll(ctx, text, kinds, n)
	}
	if err != nil {
		return nil, err
	}
	return r.searchResult(ctx, hits)
}

// searchHit is one hit before its node is loaded.
type searchHit struct {
	id      store.ID
	node    *store.Node // nil until loaded
	score   float64
	match   model.MatchKind
	folded  string  // the folded name that matched (name hits)
	snippet *string // full-text hits
}

// nameHit converts a name match: base score by match kind (words for WORDS), plus a bonus below
// one half that favours shorter names.
func nameHit(h store.NameHit, words float64) searchHit {
	base := float64(h.Match)
	if h.Match == store.MatchWord {
		base = words
	}
	return searchHit{id: h.ID, score: base + 1/float64(2+len(h.Name)), match: matchKinds[h.Match], folded: h.Name}
}

// searchNames is search without a text index.
func (r *Resolver) searchNames(text string, kinds []store.Kind, n int) ([]searchHit, error) {
	names, err := r.Store.SearchNames(text, kinds, n)
	hits := make([]searchHit, len(names))
	for i, h := range names {
		hits[i] = nameHit(h, 1)
	}
	return hits, err
}

// searchAll is search with the text index: name tiers, then full-text hits.
func (r *Resolver) searchAll(ctx context.Context, text string, kinds []store.Kind, n int) ([]searchHit, error) {
	nk := nameKinds
	if len(kinds) > 0 {
		nk = nil
		for _, k := range kinds {
			if k != store.KindStatement {
				nk = append(nk, k)
			}
		}
	}
	var hits []searchHit
	seen := map[store.ID]bool{}
	if len(nk) > 0 && n > 0 {
		names, err := r.Store.SearchNames(text, nk, n)
		if err != nil {
			return nil, err
		}
		for _, h := range names {
			hits = append(hits, nameHit(h, 1.5)) // above every full-text hit
			seen[h.ID] = true
		}
	}
	if len(hits) >= n {
		return hits, nil
	}
	full, err := r.Text.SearchContext(ctx, text, kinds, n+len(hits))
	if err != nil {
		return nil, err
	}
	for _, h := range full {
		if len(hits) == n {
			break
		}
		if seen[h.ID] {
			continue
		}
		snip := h.Snippet
		hits = append(hits, searchHit{id: h.ID, node: h.Node, score: 1 + 0.5*h.Score/(1+h.Score), match: model.MatchKindWords, snippet: &snip})
	}
	return hits, nil
}

// searchResult loads the hits' nodes (one batch), primes the loaders and prefetches below `node`.
func (r *Resolver) searchResult(ctx context.Context, hits []searchHit) ([]*model.SearchHit, error) {
	var missing []store.ID
	for _, h := range hits {
		if h.node == nil {
			missing = append(missing, h.id)
		}
	}
	var nodes map[store.ID]*store.Node
	if len(missing) > 0 {
		var err error
		if nodes, err = r.Store.GetMany(missing); err != nil {
			return nil, err
		}
	}
	out := make([]*model.SearchHit, 0, len(hits))
	wantSnippet := selects(ctx, "snippet") // finding it folds every name of the hit: a seventh of a name search
	var found []*store.Node
	defer func() { prefetchBelow(ctx, found, "node") }()
	for _, h := range hits {
		node := h.node
		if node == nil {
			node = nodes[h.id]
		}
		if node == nil {
			continue
		}
		loaders.For(ctx).Prime(node)
		found = append(found, node)
		snip := h.snippet
		if snip == nil && wantSnippet {
			snip = snippet(node, h.folded)
		}
		out = append(out, &model.SearchHit{Node: model.FromNode(node), Score: h.score, Match: h.match, Snippet: snip})
	}
	return out, nil
}

// snippet returns the stored spelling of the name that matched (folded), or for a statement the
// start of its text.
func snippet(n *store.Node, folded string) *string {
	for _, s := range append(append([]string{n.Name, n.Acronym, n.Title}, n.Aliases...), n.Text) {
		if s != "" && store.Fold(s) == folded {
			if n.Kind == store.KindStatement {
				s = n.Label()
			}
			return &s
		}
	}
	return nil
}
