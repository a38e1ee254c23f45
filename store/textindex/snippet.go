package textindex

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/kgql/kgql/store"
)

// Highlight marks. A snippet is plain text, the record's own words, in which each run of matched
// words is wrapped in HighlightStart … HighlightEnd, and a cut is shown by Ellipsis:
//
//	…le développement de l'[offre exportable] nationale à travers des régions…
//
// Square brackets read well as they are in a JSON response and in GraphiQL, need no escaping
// (unlike <mark>), and do not clash with the French quotation marks « » that statements and
// descriptions use; a client that renders highlights replaces them.
const (
	HighlightStart = "["
	HighlightEnd   = "]"
	Ellipsis       = "…"
)

// snippetLen is about how many bytes of a long text a snippet shows around the first match.
const snippetLen = 200

// snippetLead is about how many bytes a snippet shows before the first match.
const snippetLead = 60

// span is a byte range of a text to highlight; exact spans hold a query word as typed (folded),
// the others only its stem.
type span struct {
	start, end int
	exact      bool
}

// candidate is one string of a record that may hold the match.
type candidate struct {
	text, lang string
	name       bool // names go through the fold and French chains, whatever the language
}

// snippet returns the record's string that matches the most words of q, highlighted and cut around
// the first match, or the record's label if none does (the record changed since it was indexed).
func (q parsedQuery) snippet(n *store.Node) string {
	var cs []candidate
	switch {
	case n.Kind.IsEntity():
		for _, s := range append(append([]string{n.Name}, n.Aliases...), n.Acronym) {
			cs = append(cs, candidate{text: s, name: true})
		}
		cs = append(cs, candidate{text: n.Description, lang: defaultLanguage})
	case n.Kind == store.KindStatement:
		cs = append(cs, candidate{text: n.Text, lang: textLanguage(n.Language)})
	case n.Kind == store.KindSource:
		cs = append(cs, candidate{text: n.Title, name: true})
	}
	best, bestWords := -1, 0
	var bestSpans []span
	for i, c := range cs {
		if c.text == "" {
			continue
		}
		spans, words := q.marks(c)
		if words > bestWords {
			best, bestWords, bestSpans = i, words, spans
		}
	}
	if best < 0 {
		return n.Label()
	}
	return fragment(cs[best].text, bestSpans)
}

// marks finds the words of c that match a word of q (stop words aside) and returns their spans
// and how many distinct words of q they match.
func (q parsedQuery) marks(c candidate) ([]span, int) {
	var spans []span
	found := map[int]bool{}
	look := func(analyzer string, exact bool, termsOf func(w queryWord) []string) {
		want := map[string]int{}
		for i, w := range q.words {
			if w.stop {
				continue
			}
			for _, t := range termsOf(w) {
				want[t] = i
			}
		}
		if len(want) == 0 {
			return
		}
		for _, t := range tokens(analyzer, c.text) {
			if i, ok := want[string(t.Term)]; ok {
				spans = append(spans, span{t.Start, t.End, exact})
				found[i] = true
			}
		}
	}
	look(analyzerFold, true, func(w queryWord) []string { return w.fold })
	switch {
	case c.name || c.lang == "fr":
		look(analyzerFr, false, func(w queryWord) []string { return w.fr })
	case c.lang == "en":
		look(analyzerEn, false, func(w queryWord) []string { return w.en })
	}
	return mergeSpans(c.text, spans), len(found)
}

// mergeSpans sorts spans and joins those that overlap or are separated by spaces only, so that
// "offre exportable" is one highlight.
func mergeSpans(text string, spans []span) []span {
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var out []span
	for _, s := range spans {
		if k := len(out) - 1; k >= 0 && (s.start <= out[k].end || strings.TrimSpace(text[out[k].end:s.start]) == "") {
			out[k].end = max(out[k].end, s.end)
			out[k].exact = out[k].exact || s.exact
			continue
		}
		out = append(out, s)
	}
	return out
}

// fragment highlights spans in text; a text longer than snippetLen is cut to about that much
// around the first exact span (or the first span if none is exact), at spaces.
func fragment(text string, spans []span) string {
	start, end := 0, len(text)
	if len(text) > snippetLen && len(spans) > 0 {
		first := spans[0]
		for _, s := range spans {
			if s.exact {
				first = s
				break
			}
		}
		if first.start > snippetLead {
			start = first.start - snippetLead
			if i := strings.IndexByte(text[start:first.start], ' '); i >= 0 {
				start += i + 1
			} else {
				for start < first.start && !utf8.RuneStart(text[start]) {
					start++
				}
			}
		}
		end = max(start+snippetLen, first.end)
		if end < len(text) {
			if i := strings.LastIndexByte(text[first.end:end], ' '); i >= 0 {
				end = first.end + i
			} else {
				for end < len(text) && !utf8.RuneStart(text[end]) {
					end++
				}
			}
		} else {
			end = len(text)
		}
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString(Ellipsis)
	}
	pos := start
	for _, s := range spans {
		if s.end <= start || s.start >= end {
			continue
		}
		s.start, s.end = max(s.start, start), min(s.end, end)
		b.WriteString(text[pos:s.start])
		b.WriteString(HighlightStart)
		b.WriteString(text[s.start:s.end])
		b.WriteString(HighlightEnd)
		pos = s.end
	}
	b.WriteString(strings.TrimRight(text[pos:end], " "))
	if end < len(text) {
		b.WriteString(Ellipsis)
	}
	return b.String()
}
