package store

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// FoldVersion names the folding rules below. It is stored in the metadata so that a change of
// rules can be detected and the name index rebuilt.
const FoldVersion = "1"

// Fold returns the form of s used for name matching: compatibility-decomposed, combining marks
// removed, lower-cased, every run of characters that are neither letters nor digits replaced by one
// space, trimmed. "Laâyoune-Sakia El Hamra" folds to "laayoune sakia el hamra"; letters of other
// scripts (Arabic, Tifinagh) are kept, without their vowel marks.
func Fold(s string) string {
	t := transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)))
	d, _, err := transform.String(t, s)
	if err != nil {
		d = s
	}
	var b strings.Builder
	b.Grow(len(d))
	space := false
	for _, r := range d {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteString(foldRune(r))
		default:
			space = true
		}
	}
	return b.String()
}

// foldRune lower-cases r and spells out the few Latin letters that do not decompose.
func foldRune(r rune) string {
	switch r {
	case 'ß':
		return "ss"
	case 'Ø', 'ø':
		return "o"
	case 'Æ', 'æ':
		return "ae"
	case 'Œ', 'œ':
		return "oe"
	case 'Đ', 'đ':
		return "d"
	case 'Ł', 'ł':
		return "l"
	}
	return string(unicode.ToLower(r))
}

// Slug returns the contract's slug of s: accents folded, lower-cased, every run of characters
// outside a-z and 0-9 turned into one "-", no leading or trailing "-".
// Slug("Hassan Sentissi El Idrissi") == "hassan-sentissi-el-idrissi".
func Slug(s string) string {
	f := Fold(s)
	var b strings.Builder
	dash := false
	for _, r := range f {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	return b.String()
}

// ValidKey reports whether k is a valid external key: a slug ("hassan-yanja"), an ISO 3166 code
// ("MA", "MA-07"), or a namespaced key "ns:value" whose namespace is a slug and whose value is
// 1 to 200 printable non-space characters ("wikidata:Q123").
func ValidKey(k string) bool {
	if k == "" || len(k) > 200 {
		return false
	}
	if ns, v, ok := strings.Cut(k, ":"); ok {
		if ns == "" || Slug(ns) != ns || v == "" {
			return false
		}
		for _, r := range v {
			if r <= ' ' || r == 0x7f || !unicode.IsPrint(r) {
				return false
			}
		}
		return true
	}
	if isISOCode(k) {
		return true
	}
	return Slug(k) == k
}

// isISOCode matches ISO 3166-1 alpha-2 ("MA") and ISO 3166-2 ("MA-07", "FR-IDF") codes.
func isISOCode(k string) bool {
	cc, sub, hasSub := strings.Cut(k, "-")
	if len(cc) != 2 || !isUpperAlnum(cc, false) {
		return false
	}
	if !hasSub {
		return true
	}
	return len(sub) >= 1 && len(sub) <= 3 && isUpperAlnum(sub, true)
}

func isUpperAlnum(s string, digits bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z') && !(digits && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
