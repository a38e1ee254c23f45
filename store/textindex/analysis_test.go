package textindex

import (
	"slices"
	"strings"
	"testing"
)

// The analysis chains, word by word.

func TestAnalyzeElision(t *testing.T) {
	for _, c := range []struct{ chain, in string }{
		{"fr", "l'offre"}, {"fr", "L'offre"}, {"fr", "l’offre"}, {"fr", "d'offre"}, {"fr", "qu'offre"},
		{"fold", "l'offre"}, {"fold", "L’OFFRE"},
	} {
		got := Analyze(c.chain, c.in)
		want := "offre"
		if c.chain == "fr" {
			want = Analyze("fr", "offre")[0]
		}
		if !slices.Equal(got, []string{want}) {
			t.Errorf("Analyze(%s, %q) = %q, want [%q]", c.chain, c.in, got, want)
		}
	}
	// Names keep their article-less word: "L'Oriental" is found by "oriental".
	if got := Analyze("fold", "L'Oriental"); !slices.Equal(got, []string{"oriental"}) {
		t.Errorf("Analyze(fold, L'Oriental) = %q", got)
	}
}

func TestAnalyzeStopWords(t *testing.T) {
	// French stop words go, as written or typed without accents; an accented word whose folded
	// form is a stop word stays.
	if got := Analyze("fr", "le plan de la région et des délégués"); !slices.Equal(got, Analyze("fr", "plan région délégués")) {
		t.Errorf("Analyze(fr, …) = %q, want the stems of plan région délégués", got)
	}
	for _, w := range []string{"de", "la", "les", "été", "ete", "même", "meme", "qu'elle"} {
		if got := Analyze("fr", w); len(got) != 0 {
			t.Errorf("Analyze(fr, %q) = %q, want a stop word", w, got)
		}
	}
	if got := Analyze("fr", "maïs"); len(got) == 0 {
		t.Errorf("Analyze(fr, maïs) dropped the word (its folded form is the stop word mais)")
	}
	// The fold chain (names) keeps every word.
	if got := Analyze("fold", "Chambre de Commerce"); !slices.Equal(got, []string{"chambre", "de", "commerce"}) {
		t.Errorf("Analyze(fold, Chambre de Commerce) = %q", got)
	}
	if got := Analyze("en", "the plan of the region"); !slices.Equal(got, []string{"plan", "region"}) {
		t.Errorf("Analyze(en, …) = %q", got)
	}
}

func TestAnalyzeStemmingExportFamily(t *testing.T) {
	// The family: "exportations" must find "exportable", "export", "exportateurs".
	stem := Analyze("fr", "exportations")
	if len(stem) != 1 {
		t.Fatalf("Analyze(fr, exportations) = %q", stem)
	}
	for _, w := range []string{"exportations", "exportation", "exportable", "exportables", "export", "exports",
		"exportateurs", "exportateur", "exportatrices", "exporter", "exporté", "Exportées", "EXPORTATIONS"} {
		if got := Analyze("fr", w); !slices.Contains(got, stem[0]) {
			t.Errorf("Analyze(fr, %q) = %q, want it to hold %q", w, got, stem[0])
		}
	}
	// Stemming does not run words of other families together.
	for _, w := range []string{"expert", "exposition", "importations"} {
		if got := Analyze("fr", w); slices.Contains(got, stem[0]) {
			t.Errorf("Analyze(fr, %q) = %q conflates it with exportations", w, got)
		}
	}
	if got := Analyze("en", "Morocco's exports"); !slices.Equal(got, []string{"morocco", "export"}) {
		t.Errorf("Analyze(en, Morocco's exports) = %q", got)
	}
}

func TestAnalyzeAccentsAndCase(t *testing.T) {
	for _, pair := range [][2]string{
		{"région", "region"}, {"RÉGION", "region"}, {"Régions", "regions"}, {"stratégique", "STRATEGIQUE"},
		{"Laâyoune", "laayoune"}, {"Fès-Meknès", "fes meknes"}, {"cœur", "coeur"}, {"Tétouan", "tetouan"},
	} {
		for _, chain := range []string{"fold", "fr", "en"} {
			a, b := Analyze(chain, pair[0]), Analyze(chain, pair[1])
			// The French chain may add the stem of the accented spelling; the folded one is shared.
			if chain == "fr" {
				if !slices.Contains(a, b[0]) {
					t.Errorf("Analyze(fr, %q) = %q lacks %q (from %q)", pair[0], a, b[0], pair[1])
				}
				continue
			}
			if !slices.Equal(a, b) {
				t.Errorf("Analyze(%s, %q) = %q, Analyze(%s, %q) = %q", chain, pair[0], a, chain, pair[1], b)
			}
		}
	}
	if got := Analyze("fold", "Laâyoune-Sakia El Hamra"); !slices.Equal(got, []string{"laayoune", "sakia", "el", "hamra"}) {
		t.Errorf("Analyze(fold, Laâyoune-Sakia El Hamra) = %q", got)
	}
	// Arabic names keep their letters, without vowel marks (store.Fold's rules).
	if got := Analyze("fold", "المغرب"); len(got) != 1 || got[0] != "المغرب" {
		t.Errorf("Analyze(fold, المغرب) = %q", got)
	}
}

func TestParseQuery(t *testing.T) {
	q := parseQuery("l'offre de la région")
	var required []string
	for _, w := range q.words {
		if !w.stop {
			required = append(required, w.text)
		}
	}
	if !slices.Equal(required, []string{"l'offre", "région"}) {
		t.Errorf("required words %q, want [l'offre région]", required)
	}
	// Only stop words: every one is required.
	for _, w := range parseQuery("de la").words {
		if w.stop {
			t.Errorf("parseQuery(de la): %q optional, want required", w.text)
		}
	}
	if n := len(parseQuery("  -- … ").words); n != 0 {
		t.Errorf("parseQuery of punctuation: %d words", n)
	}
}

func TestFragment(t *testing.T) {
	text := "Le renforcement de la notoriété de l'offre exportable nationale est un nouvel axe"
	q := parseQuery("l'offre exportable")
	spans, n := q.marks(candidate{text: text, lang: "fr"})
	if n != 2 {
		t.Errorf("marks: %d words found, want 2", n)
	}
	if got, want := fragment(text, spans), "Le renforcement de la notoriété de [l'offre exportable] nationale est un nouvel axe"; got != want {
		t.Errorf("fragment = %q\nwant       %q", got, want)
	}
	long := text + " " + text + " " + text + " et enfin des exportations vers l'Afrique et l'Europe, " + text + " " + text
	spans, _ = parseQuery("exportations").marks(candidate{text: long, lang: "fr"})
	got := fragment(long, spans)
	plain := strings.NewReplacer(HighlightStart, "", HighlightEnd, "", Ellipsis, "").Replace(got)
	if len(plain) > snippetLen || !strings.HasPrefix(got, Ellipsis) || !strings.HasSuffix(got, Ellipsis) {
		t.Errorf("fragment of a long text = %q (%d bytes of text), want at most %d, cut at both ends", got, len(plain), snippetLen)
	}
	if !strings.Contains(got, "[exportations]") || !strings.Contains(long, plain) {
		t.Errorf("fragment of a long text = %q, want [exportations] highlighted in a piece of the text", got)
	}
}
