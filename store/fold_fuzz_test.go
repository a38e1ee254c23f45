package store_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/kgql/kgql/store"
)

// slugPattern is the contract's slug syntax.
var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// FuzzSlugFold checks the folding rules (store.Fold, store.Slug) and the key syntax
// (store.ValidKey) on arbitrary strings:
//
//   - Fold and Slug are idempotent: folding a folded name, or slugging a slug, changes nothing;
//   - Fold gives valid UTF-8 words separated by single spaces, with no space at either end;
//   - a slug is empty or matches ^[a-z0-9]+(-[a-z0-9]+)*$, and the slug of a name is the slug of
//     its folded form;
//   - ValidKey never panics, accepts only 1 to 200 bytes, and accepts every non-empty slug of at
//     most 200 bytes, and "ns:" + any printable word after a slug namespace.
func FuzzSlugFold(f *testing.F) {
	for _, s := range []string{
		"", "Hassan Sentissi El Idrissi", "Laâyoune-Sakia El Hamra", "L'opinion", "MA-07", "ma-07",
		"wikidata:Q123", "Straße", "ẞ", "İstanbul", "ﬁnance", "ＡＳＭＥＸ", "مراكش آسفي", "ⵜⴰⵎⴰⵣⵉⵖⵜ",
		"a\tb\nc\x00d", "\xff\xfe", "--a--b--", "Ǆ", "ǅungla", "㎏", strings.Repeat("a-", 120),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fold := store.Fold(s)
		if again := store.Fold(fold); again != fold {
			t.Fatalf("Fold(%q) = %q, Fold of that = %q", s, fold, again)
		}
		if !utf8.ValidString(fold) || strings.HasPrefix(fold, " ") || strings.HasSuffix(fold, " ") || strings.Contains(fold, "  ") {
			t.Fatalf("Fold(%q) = %q", s, fold)
		}
		slug := store.Slug(s)
		if again := store.Slug(slug); again != slug {
			t.Fatalf("Slug(%q) = %q, Slug of that = %q", s, slug, again)
		}
		if slug != "" && !slugPattern.MatchString(slug) {
			t.Fatalf("Slug(%q) = %q, not a slug", s, slug)
		}
		if fs := store.Slug(fold); fs != slug {
			t.Fatalf("Slug(%q) = %q, Slug(Fold) = %q", s, slug, fs)
		}
		if store.ValidKey(s) && (len(s) == 0 || len(s) > 200) {
			t.Fatalf("ValidKey(%q) of %d bytes", s, len(s))
		}
		if slug != "" && len(slug) <= 200 && !store.ValidKey(slug) {
			t.Fatalf("ValidKey refuses the slug %q (of %q)", slug, s)
		}
		if slug != "" && len(slug) > 200 && store.ValidKey(slug) {
			t.Fatalf("ValidKey takes the slug %q of %d bytes", slug, len(slug))
		}
		if slug != "" && len(slug) < 150 {
			if w := strings.Fields(s); len(w) > 0 && utf8.ValidString(w[0]) && len(w[0]) < 40 && printable(w[0]) {
				if k := slug + ":" + w[0]; !store.ValidKey(k) {
					t.Fatalf("ValidKey refuses %q", k)
				}
			}
		}
	})
}

// printable: every rune is a printable non-space (what a namespaced key's value may hold).
func printable(s string) bool {
	for _, r := range s {
		if r <= ' ' || r == 0x7f || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
