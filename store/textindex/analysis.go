package textindex

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/fr"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/kgql/kgql/store"
)

// Analysis. Every string goes through Unicode word segmentation (UAX #29: "l'offre" is one word,
// "Marrakech-Safi" two) and lower-casing, then one of three chains:
//
//	fold  elision_fr → kgql_fold                                     names, every text, any language
//	fr    elision_fr → kgql_stop_fr → kgql_fr_stem (folds, then stems)  French texts, names
//	en    possessive_en → stop_en → kgql_fold → stemmer_en_snowball      English texts
//
// kgql_fold is store.Fold on each word (accents, case, ligatures: the name index's rules), so a
// word folds here exactly as it does in store.SearchNames. The French chain folds before it stems
// so that a query typed without accents ("region", "strategie") meets the accented text
// ("région", "stratégie") in the same stem; where stemming the accented word gives a different stem
// ("exportée" → "export", its folded form "exportee" → "exporte"), both are indexed at the same
// position, so an accented query also finds what only the accented stem conflates. The stemmer is
// Snowball's French: of bleve's three French stemmers it is the one that brings "exportations",
// "exportable", "exportateurs" and "export" to one stem ("export"); the light stemmer leaves
// "exportabl", the minimal one leaves all four apart.

// analysisVersion names the analysis chains and document fields. An index written under another
// version is rebuilt when attached. Bump it whenever an analyzer, a field or the document shape
// changes.
const analysisVersion = "1"

// Analyzer names, as registered in the index mapping.
const (
	analyzerFold = "kgql_fold"
	analyzerFr   = "kgql_fr"
	analyzerEn   = "kgql_en"
)

// Token filter names, registered with bleve's registry (once per process).
const (
	filterFold   = "kgql_fold"
	filterStopFr = "kgql_stop_fr"
	filterFrStem = "kgql_fr_stem"
)

func init() {
	// The registry panics on a duplicate name; these are ours alone.
	must(registry.RegisterTokenFilter(filterFold, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return foldFilter{}, nil
	}))
	must(registry.RegisterTokenFilter(filterStopFr, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return newStopFr()
	}))
	must(registry.RegisterTokenFilter(filterFrStem, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return frStemFilter{snowball: fr.NewFrenchStemmerFilter()}, nil
	}))
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// foldFilter replaces each term by store.Fold of it and drops terms that fold to nothing. A term
// with inner punctuation that elision left ("aujourd'hui") folds to words joined by a space; the
// query folds the same way, so it still matches.
type foldFilter struct{}

func (foldFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	out := in[:0]
	for _, t := range in {
		f := fold(string(t.Term))
		if f == "" {
			continue
		}
		t.Term = []byte(f)
		out = append(out, t)
	}
	return out
}

// fold is store.Fold of one word, with a fast path for a word already in lower-case ASCII letters
// and digits (store.Fold leaves it as it is) and a memo for the others: a language has few
// accented words, and store.Fold costs a Unicode normalization each time.
func fold(w string) string {
	for i := 0; i < len(w); i++ {
		if c := w[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			if f, ok := foldMemo.Load(w); ok {
				return f.(string)
			}
			f := store.Fold(w)
			if foldMemoSize.Add(1) <= maxFoldMemo {
				foldMemo.Store(w, f)
			}
			return f
		}
	}
	return w
}

// The memo of fold, bounded: beyond maxFoldMemo words, new ones are folded each time.
var (
	foldMemo     sync.Map
	foldMemoSize atomic.Int64
)

const maxFoldMemo = 100000

// stopFr drops French stop words: a word of bleve's French list as written ("été", "même"), or
// a word typed without accents whose folded form is one of them ("ete", "meme"). An accented word
// is never dropped for its folded form: "maïs" is kept although "mais" is a stop word.
type stopFr struct {
	words, folded analysis.TokenMap
}

func newStopFr() (stopFr, error) {
	s := stopFr{words: analysis.NewTokenMap(), folded: analysis.NewTokenMap()}
	if err := s.words.LoadBytes(fr.FrenchStopWords); err != nil {
		return s, err
	}
	for w := range s.words {
		s.folded.AddToken(store.Fold(w))
	}
	return s, nil
}

func (s stopFr) Filter(in analysis.TokenStream) analysis.TokenStream {
	out := in[:0]
	for _, t := range in {
		w := string(t.Term)
		if s.words[w] || (s.folded[w] && fold(w) == w) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// frStemFilter folds each word and stems it with Snowball's French stemmer; when stemming the
// word as written and then folding gives another stem, that stem follows at the same position
// (see the package's analysis notes).
type frStemFilter struct {
	snowball analysis.TokenFilter
}

func (f frStemFilter) stem(w string) string {
	ts := f.snowball.Filter(analysis.TokenStream{{Term: []byte(w)}})
	return string(ts[0].Term)
}

func (f frStemFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	out := make(analysis.TokenStream, 0, len(in))
	for _, t := range in {
		w := string(t.Term)
		folded := fold(w)
		if folded == "" {
			continue
		}
		a := f.stem(folded)
		t.Term = []byte(a)
		out = append(out, t)
		if folded != w {
			if b := fold(f.stem(w)); b != a && b != "" {
				c := *t
				c.Term = []byte(b)
				out = append(out, &c)
			}
		}
	}
	return out
}

// Document fields. Names (name, aliases, acronym, a source's title) are multilingual: they are
// indexed folded (name) and through the French chain (name_fr). Texts (a description, a
// statement's text) are indexed folded (text) and, for French and English, stemmed (text_fr,
// text_en). kind is the record's kind, for filtering.
const (
	fieldKind   = "kind"
	fieldName   = "name"
	fieldNameFr = "name_fr"
	fieldText   = "text"
	fieldTextFr = "text_fr"
	fieldTextEn = "text_en"
)

// defaultLanguage is the language of texts whose record has none (descriptions of entities):
// kgql's data is French.
const defaultLanguage = "fr"

// searchFields pairs each searchable field with the analyzer of its values.
var searchFields = []struct{ field, analyzer string }{
	{fieldName, analyzerFold},
	{fieldNameFr, analyzerFr},
	{fieldText, analyzerFold},
	{fieldTextFr, analyzerFr},
	{fieldTextEn, analyzerEn},
}

// newMapping returns the index mapping: a static document of the fields above, nothing stored
// (snippets are made from the store's records), no term vectors, BM25 scoring.
func newMapping() *mapping.IndexMappingImpl {
	im := mapping.NewIndexMapping()
	must(im.AddCustomAnalyzer(analyzerFold, map[string]any{
		"type": custom.Name, "tokenizer": unicode.Name,
		"token_filters": []any{lowercase.Name, fr.ElisionName, filterFold},
	}))
	must(im.AddCustomAnalyzer(analyzerFr, map[string]any{
		"type": custom.Name, "tokenizer": unicode.Name,
		"token_filters": []any{lowercase.Name, fr.ElisionName, filterStopFr, filterFrStem},
	}))
	must(im.AddCustomAnalyzer(analyzerEn, map[string]any{
		"type": custom.Name, "tokenizer": unicode.Name,
		"token_filters": []any{lowercase.Name, en.PossessiveName, en.StopName, filterFold, en.SnowballStemmerName},
	}))
	im.ScoringModel = index.BM25Scoring
	im.DefaultAnalyzer = analyzerFold
	im.IndexDynamic, im.StoreDynamic, im.DocValuesDynamic = false, false, false

	doc := mapping.NewDocumentStaticMapping()
	kind := mapping.NewKeywordFieldMapping()
	kind.Analyzer = keyword.Name
	kind.Store, kind.IncludeTermVectors, kind.IncludeInAll, kind.DocValues = false, false, false, false
	doc.AddFieldMappingsAt(fieldKind, kind)
	for _, f := range searchFields {
		fm := mapping.NewTextFieldMapping()
		fm.Analyzer = f.analyzer
		fm.Store, fm.IncludeTermVectors, fm.IncludeInAll, fm.DocValues = false, false, false, false
		doc.AddFieldMappingsAt(f.field, fm)
	}
	im.DefaultMapping = doc
	return im
}

// analyzers holds the three chains, built once, for queries and snippets.
var analyzers = sync.OnceValue(func() map[string]analysis.Analyzer {
	im := newMapping()
	out := map[string]analysis.Analyzer{}
	for _, name := range []string{analyzerFold, analyzerFr, analyzerEn} {
		a := im.AnalyzerNamed(name)
		if a == nil {
			panic("textindex: analyzer " + name + " not built")
		}
		out[name] = a
	}
	return out
})

// Analyze returns the terms that the named chain ("fold", "fr" or "en") makes of s, in order: what
// the index holds for s, and what a query for s looks up. For tests and for explaining a result.
func Analyze(chain, s string) []string {
	a := analyzers()["kgql_"+chain]
	if a == nil {
		return nil
	}
	var out []string
	for _, t := range a.Analyze([]byte(s)) {
		out = append(out, string(t.Term))
	}
	return out
}

// tokens analyzes s with the named analyzer.
func tokens(analyzer, s string) analysis.TokenStream {
	return analyzers()[analyzer].Analyze([]byte(s))
}

// textLanguage returns the primary language subtag of a BCP 47 tag ("fr-MA" → "fr"), or
// defaultLanguage for none.
func textLanguage(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if tag == "" {
		return defaultLanguage
	}
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

// searchable lists the kinds the index holds: the kinds `search` can return.
var searchable = []store.Kind{
	store.KindPerson, store.KindOrganization, store.KindRegion, store.KindEvent, store.KindStatement, store.KindSource,
}

// isSearchable reports whether records of kind k are indexed.
func isSearchable(k store.Kind) bool { return slices.Contains(searchable, k) }

// document returns what the index holds for n: its kind, names and texts by field.
func document(n *store.Node) map[string]any {
	var names, texts []string
	lang := defaultLanguage
	switch {
	case n.Kind.IsEntity():
		names = append(append(names, n.Name), n.Aliases...)
		if n.Acronym != "" {
			names = append(names, n.Acronym)
		}
		if n.Description != "" {
			texts = append(texts, n.Description)
		}
	case n.Kind == store.KindStatement:
		texts = append(texts, n.Text)
		lang = textLanguage(n.Language)
	case n.Kind == store.KindSource:
		names = append(names, n.Title)
	}
	d := map[string]any{fieldKind: n.Kind.String()}
	if len(names) > 0 {
		d[fieldName] = names
		d[fieldNameFr] = names
	}
	if len(texts) > 0 {
		d[fieldText] = texts
		switch lang {
		case "fr":
			d[fieldTextFr] = texts
		case "en":
			d[fieldTextEn] = texts
		}
	}
	return d
}
