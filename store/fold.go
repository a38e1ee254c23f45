package store

import (
	"strings"
	"sync"
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
	var b strings.Builder
	b.Grow(len(s))
	space := false
	if isASCII(s) { // NFKD leaves ASCII as it is and it has no combining marks
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			case c >= 'A' && c <= 'Z':
				c += 'a' - 'A'
			default:
				space = true
				continue
			}
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteByte(c)
		}
		return b.String()
	}
	t := foldTransformers.Get().(transform.Transformer)
	t.Reset()
	// Invalid UTF-8 (a separator below, like any non-letter) would stop the decomposition and
	// leave the rest of s undecomposed, so that folding it again would change it.
	d, _, err := transform.String(t, strings.ToValidUTF8(s, " "))
	foldTransformers.Put(t)
	if err != nil {
		d = s
	}
	for _, r := range d {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			// Lower-cased first: "ẞ" (capital sharp s) lowers to "ß", spelled "ss" like it.
			if f := foldRune(unicode.ToLower(r)); f != "" {
				b.WriteString(f)
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
		default:
			space = true
		}
	}
	return b.String()
}

// foldTransformers reuses the decomposition chain of Fold (building one allocates its buffers).
var foldTransformers = sync.Pool{New: func() any {
	return transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)))
}}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// foldRune spells out the few Latin letters that do not decompose ("" for the others, which are
// only lower-cased).
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
	return ""
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
