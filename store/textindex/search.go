package textindex

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/kgql/kgql/store"
)

// Hit is one record found by Search.
type Hit struct {
	ID store.ID
	// Score is bleve's BM25 relevance: higher is better, unbounded, comparable within one search.
	Score float64
	// Snippet is the record's name or text that matches best, cut around the match, with the
	// matched words in HighlightStart … HighlightEnd; or the record's label if nothing in the
	// record as read now matches (it changed since it was indexed).
	Snippet string
	// Node is the record as read from the store to make the snippet, so that callers need not
	// read it again.
	Node *store.Node
}

// Limits of one search.
const (
	// MaxSearch bounds Search's first.
	MaxSearch = 1000
	// MaxMatch bounds Match's limit (callers that refuse more than N matches ask for N+1).
	MaxMatch = 50000
	// maxQueryWords bounds the words of a query that are looked up; the rest are ignored.
	maxQueryWords = 32
	// SearchCandidates bounds the matching records Search ranks: a search whose words match more
	// records ranks the first SearchCandidates it meets in the index (whose order is the order
	// records were indexed in), so that a query of common words costs a bounded time however big
	// the store is, instead of scoring every match (BENCHMARKS.md: 140 ms at 1M nodes before).
	// Match, which must find every match up to its limit, has no such bound.
	SearchCandidates = 10000
)

// Search finds the records whose names or texts match text (see Match for what matches), of the
// given kinds (all indexed kinds if none), best first, at most first (bounded by MaxSearch), with
// a highlighted snippet each (see HighlightStart). Records deleted since they were indexed are left
// out. An index not attached to a store returns hits without snippets.
func (ix *Index) Search(text string, kinds []store.Kind, first int) ([]Hit, error) {
	return ix.SearchContext(context.Background(), text, kinds, first)
}

// SearchContext is Search bounded by ctx: a search still running when ctx is done stops and
// returns context.Cause(ctx).
func (ix *Index) SearchContext(ctx context.Context, text string, kinds []store.Kind, first int) ([]Hit, error) {
	q := parseQuery(text)
	res, err := ix.find(ctx, q, kinds, min(first, MaxSearch), SearchCandidates)
	if err != nil || len(res) == 0 || ix.s == nil {
		return res, err
	}
	ids := make([]store.ID, len(res))
	for i, h := range res {
		ids[i] = h.ID
	}
	nodes, err := ix.s.GetMany(ids)
	if err != nil {
		return nil, err
	}
	out := res[:0]
	for _, h := range res {
		n := nodes[h.ID]
		if n == nil {
			continue
		}
		h.Node = n
		h.Snippet = q.snippet(n)
		out = append(out, h)
	}
	return out, nil
}

// Match returns the ids of the records of the given kinds (all indexed kinds if none) that match
// text, best first, at most limit (bounded by MaxMatch); a text without words matches nothing,
// and so do kinds the index does not hold (positions, participations).
//
// A record matches when every word of the text is found in one of its names or texts, where a
// word is found if it is there folded for accents and case ("region" finds "Région"), or stemmed
// by the French or English chain of a text in that language ("exportations" finds "exportable"
// and "exportateurs"); an elided article goes with it ("l'offre" looks for "offre"). Stop words
// ("de", "la", "the") need not be found, but count when they are; a text made only of stop words
// must be found as it is. Ranking is BM25 over all fields, so the exact form, rarer words and
// shorter fields weigh more.
func (ix *Index) Match(text string, kinds []store.Kind, limit int) ([]store.ID, error) {
	return ix.MatchContext(context.Background(), text, kinds, limit)
}

// MatchContext is Match bounded by ctx: a search still running when ctx is done stops and
// returns context.Cause(ctx).
func (ix *Index) MatchContext(ctx context.Context, text string, kinds []store.Kind, limit int) ([]store.ID, error) {
	res, err := ix.find(ctx, parseQuery(text), kinds, min(limit, MaxMatch), 0)
	ids := make([]store.ID, len(res))
	for i, h := range res {
		ids[i] = h.ID
	}
	return ids, err
}

// find executes q and returns up to n hits (IDs and scores), ranking at most candidates matches
// (0: all of them).
func (ix *Index) find(ctx context.Context, q parsedQuery, kinds []store.Kind, n, candidates int) ([]Hit, error) {
	if n <= 0 || len(q.words) == 0 {
		return nil, nil
	}
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	if ix.closed.Load() {
		return nil, ErrClosed
	}
	if ix.unusable.Load() { // another store's index, being rebuilt (see Status)
		return nil, nil
	}
	bq := q.bleveQuery()
	var ks []query.Query
	for _, k := range kinds {
		tq := query.NewTermQuery(k.String())
		tq.SetField(fieldKind)
		ks = append(ks, tq)
	}
	if len(ks) > 0 {
		bq.AddFilter(query.NewDisjunctionQuery(ks))
	}
	var top query.Query = bq
	if candidates > 0 {
		top = cappedQuery{bq, candidates}
	}
	req := bleve.NewSearchRequestOptions(top, n, 0, false)
	req.SortBy([]string{"-_score", "_id"})
	ix.mu.RLock()
	if ix.bi == nil { // not opened yet (OpenBackground)
		ix.mu.RUnlock()
		return nil, nil
	}
	res, err := ix.bi.SearchInContext(ctx, req)
	ix.mu.RUnlock()
	if err != nil && ctx.Err() != nil {
		return nil, context.Cause(ctx) // bleve reports ctx.Err(); the cause says which limit
	}
	if err != nil {
		return nil, fmt.Errorf("text search: %w", err)
	}
	out := make([]Hit, 0, len(res.Hits))
	for _, d := range res.Hits {
		id, err := store.ParseID(d.ID)
		if err != nil {
			continue
		}
		out = append(out, Hit{ID: id, Score: d.Score})
	}
	return out, nil
}

// cappedQuery is a query whose searcher stops after cap matches: bleve's top-N collector then
// ranks those (scored as the query scores them) and no more. It wraps the query's own searcher,
// built inside bleve's search with everything bleve puts in the context (the scoring model).
type cappedQuery struct {
	query.Query
	cap int
}

func (q cappedQuery) Searcher(ctx context.Context, i index.IndexReader, m mapping.IndexMapping, o search.SearcherOptions) (search.Searcher, error) {
	s, err := q.Query.Searcher(ctx, i, m, o)
	if err != nil {
		return nil, err
	}
	return &cappedSearcher{Searcher: s, left: q.cap}, nil
}

// cappedSearcher is a searcher that answers at most left more matches.
type cappedSearcher struct {
	search.Searcher
	left int
}

func (s *cappedSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	if s.left <= 0 {
		return nil, nil
	}
	m, err := s.Searcher.Next(ctx)
	if m != nil {
		s.left--
	}
	return m, err
}

func (s *cappedSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	if s.left <= 0 {
		return nil, nil
	}
	m, err := s.Searcher.Advance(ctx, id)
	if m != nil {
		s.left--
	}
	return m, err
}

// queryWord is one word of a query with the terms each analysis chain makes of it.
type queryWord struct {
	text         string
	fold, fr, en []string
	stop         bool // a stop word for French or English
}

// parsedQuery is a query split into words.
type parsedQuery struct {
	words []queryWord
}

// parseQuery splits text into words (Unicode word segmentation, as the index does) and analyzes
// each word with every chain.
func parseQuery(text string) parsedQuery {
	var q parsedQuery
	for _, t := range unicode.NewUnicodeTokenizer().Tokenize([]byte(text)) {
		if len(q.words) == maxQueryWords {
			break
		}
		w := queryWord{text: string(t.Term)}
		w.fold = terms(analyzerFold, w.text)
		if len(w.fold) == 0 {
			continue
		}
		w.fr = terms(analyzerFr, w.text)
		w.en = terms(analyzerEn, w.text)
		w.stop = len(w.fr) == 0 || len(w.en) == 0
		q.words = append(q.words, w)
	}
	// A query of stop words only looks for them as they are.
	all := true
	for _, w := range q.words {
		all = all && w.stop
	}
	if all {
		for i := range q.words {
			q.words[i].stop = false
		}
	}
	return q
}

// terms returns the distinct terms analyzer makes of s.
func terms(analyzer, s string) []string {
	var out []string
	for _, t := range tokens(analyzer, s) {
		if term := string(t.Term); !contains(out, term) {
			out = append(out, term)
		}
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// bleveQuery builds: every word that is not a stop word must be found in some field (a
// disjunction of its terms over the fields), stop words may be; all score.
func (q parsedQuery) bleveQuery() *query.BooleanQuery {
	bq := query.NewBooleanQuery(nil, nil, nil)
	for _, w := range q.words {
		var ds []query.Query
		add := func(field string, terms []string) {
			for _, t := range terms {
				tq := query.NewTermQuery(t)
				tq.SetField(field)
				ds = append(ds, tq)
			}
		}
		add(fieldName, w.fold)
		add(fieldNameFr, w.fr)
		add(fieldText, w.fold)
		add(fieldTextFr, w.fr)
		add(fieldTextEn, w.en)
		d := query.NewDisjunctionQuery(ds)
		if w.stop {
			bq.AddShould(d)
		} else {
			bq.AddMust(d)
		}
	}
	return bq
}
