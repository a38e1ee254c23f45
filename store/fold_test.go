package store_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/seed"
)

func TestFold(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Laâyoune-Sakia El Hamra", "laayoune sakia el hamra"},
		{"Laayoune-Sakia El Hamra", "laayoune sakia el hamra"},
		{"SENTISSI", "sentissi"},
		{"Saïd Abdati", "said abdati"},
		{"Fès-Meknès", "fes meknes"},
		{"Drâa-Tafilalet", "draa tafilalet"},
		{"Béni Mellal-Khénifra", "beni mellal khenifra"},
		{"Tanger-Tétouan- Al Hoceima", "tanger tetouan al hoceima"},
		{"L'opinion", "l opinion"},
		{"  « Dynamique régionale »  ", "dynamique regionale"},
		{"MA-07", "ma 07"},
		{"marrakéch", "marrakech"},
		{"MARRAKECH", "marrakech"},
		{"a\tb\nc\x00d", "a b c d"},
		{"ﬁnance", "finance"},                  // compatibility ligature
		{"ＡＳＭＥＸ", "asmex"},                     // full-width
		{"Øresund", "oresund"},                 // Ø does not decompose
		{"Łódź", "lodz"},                       // nor Ł
		{"Đakovo", "dakovo"},                   // nor Đ
		{"Straße", "strasse"},                  // ß does not decompose: spelled ss
		{"cœur", "coeur"},                      // nor œ: spelled oe, as in the slug rule
		{"Ægée", "aegee"},                      // nor æ
		{"İstanbul", "istanbul"},               // the dot above is a combining mark
		{"المغرب", "المغرب"},                   // Arabic letters kept
		{"مراكش آسفي", "مراكش اسفي"},           // alef with madda loses its mark
		{"مُحَمَّد", "محمد"},                   // vowel marks dropped
		{"ⵜⴰⵎⴰⵣⵉⵖⵜ", "ⵜⴰⵎⴰⵣⵉⵖⵜ"},               // Tifinagh kept
		{"Marrakech مراكش", "marrakech مراكش"}, // mixed scripts
		{"", ""},
		{" - ' , ", ""},
	}
	for _, c := range cases {
		if got := store.Fold(c.in); got != c.want {
			t.Errorf("Fold(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := store.Fold(store.Fold(c.in)); got != c.want {
			t.Errorf("Fold is not idempotent on %q: %q", c.in, got)
		}
	}
}

func TestSlug(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Hassan Sentissi El Idrissi", "hassan-sentissi-el-idrissi"},
		{"L'opinion", "l-opinion"},
		{"Ministère de l'Industrie, du Commerce, de l'Economie Verte et Numérique", "ministere-de-l-industrie-du-commerce-de-l-economie-verte-et-numerique"},
		{"Saïd Abdati", "said-abdati"},
		{"CCIS Marrakech-Safi", "ccis-marrakech-safi"},
		{"Drâa-Tafilalet", "draa-tafilalet"},
		{"--A--B--", "a-b"},
		{"MA-07", "ma-07"},
		{"Marrakech مراكش", "marrakech"},
		{"مراكش", ""},
		{"", ""},
	}
	for _, c := range cases {
		if got := store.Slug(c.in); got != c.want {
			t.Errorf("Slug(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestValidKey(t *testing.T) {
	accept := []string{
		"asmex", "MA", "MA-07", "FR-IDF", "wikidata:Q123", "marrakech", "a", "a-1", "hassan-sentissi-el-idrissi",
		"wikidata:Q1-é", "ns-2:x/y?z", strings.Repeat("a", 200),
	}
	reject := []string{
		"", "Asmex", "asmex-", "-asmex", "a b", "a_b", ":x", "ns:", "MA-0777", "MA-", "M", "MAR",
		strings.Repeat("a", 201), "as\x00mex", "wikidata:Q\x00", "wikidata:Q 1", "wikidata:Q\t", "Wikidata:Q1",
		"a--b", "isni:0000 0001", "ma-07 ", "MA-07\n",
	}
	for _, k := range accept {
		if !store.ValidKey(k) {
			t.Errorf("ValidKey(%q) = false, want true", k)
		}
	}
	for _, k := range reject {
		if store.ValidKey(k) {
			t.Errorf("ValidKey(%q) = true, want false", k)
		}
	}
}

// TestSeedKeysAreSlugs checks that the keys of the built-in dataset follow store.Slug, the rule the
// dataset documents: people by name, organizations by acronym (else name), cities by name.
func TestSeedKeysAreSlugs(t *testing.T) {
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(seed.NDJSON)), "\n") {
		var r struct{ Type, Key, Name, Acronym, Kind string }
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if !store.ValidKey(r.Key) {
			t.Errorf("seed key %q is not a ValidKey", r.Key)
		}
		var want string
		switch {
		case r.Type == "Person", r.Type == "Region" && r.Kind == "CITY":
			want = store.Slug(r.Name)
		case r.Type == "Organization" && r.Acronym != "":
			want = store.Slug(r.Acronym)
		case r.Type == "Organization":
			want = store.Slug(r.Name)
		default:
			continue
		}
		n++
		if r.Key != want {
			t.Errorf("%s %q: key %q, Slug gives %q", r.Type, r.Name, r.Key, want)
		}
	}
	if n != 14+7+1 {
		t.Errorf("checked %d keys, want 22", n)
	}
}
