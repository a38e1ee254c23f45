package seed

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// articlePath is the source article, relative to this package's directory.
const articlePath = "../../../shared/seed/000_0c79b2ed8c2f6e8a.txt"

const articleSource = "l-opinion-2021-06-17-asmex-conseil-des-regions"

// typeOrder is the order in which record types appear in the file.
var typeOrder = map[string]int{
	"Source":        0,
	"Region":        1,
	"Organization":  2,
	"Person":        3,
	"Event":         4,
	"Position":      5,
	"Participation": 6,
	"Statement":     7,
}

// refTypes lists, per record type and field, the record types the referenced keys may have.
var refTypes = map[string]map[string][]string{
	"Source":        {"publisher": {"Organization"}},
	"Region":        {"parent": {"Region"}},
	"Organization":  {"parent": {"Organization"}, "seat": {"Region"}},
	"Event":         {"location": {"Region"}, "organizers": {"Organization"}},
	"Position":      {"person": {"Person"}, "organization": {"Organization"}, "region": {"Region"}},
	"Participation": {"person": {"Person"}, "event": {"Event"}},
	"Statement": {
		"speaker": {"Person", "Organization"},
		"event":   {"Event"},
		"about":   {"Person", "Organization", "Region", "Event"},
	},
}

// required lists the fields every record of a type must carry (besides type and key).
var required = map[string][]string{
	"Source":        {"title"},
	"Region":        {"name", "kind"},
	"Organization":  {"name", "kind"},
	"Person":        {"name"},
	"Event":         {"name"},
	"Position":      {"person", "organization", "title"},
	"Participation": {"person", "event", "role"},
	"Statement":     {"speaker", "text", "language"},
}

var (
	slugRE   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	regionRE = regexp.MustCompile(`^MA-(0[1-9]|1[0-2])$`)
	dateRE   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)
)

var fold = strings.NewReplacer(
	"à", "a", "â", "a", "ä", "a", "á", "a", "ã", "a", "å", "a",
	"À", "A", "Â", "A", "Ä", "A", "Á", "A", "Ã", "A", "Å", "A",
	"ç", "c", "Ç", "C",
	"é", "e", "è", "e", "ê", "e", "ë", "e", "É", "E", "È", "E", "Ê", "E", "Ë", "E",
	"î", "i", "ï", "i", "í", "i", "ì", "i", "Î", "I", "Ï", "I", "Í", "I", "Ì", "I",
	"ô", "o", "ö", "o", "ó", "o", "ò", "o", "õ", "o", "Ô", "O", "Ö", "O", "Ó", "O", "Ò", "O", "Õ", "O",
	"û", "u", "ü", "u", "ú", "u", "ù", "u", "Û", "U", "Ü", "U", "Ú", "U", "Ù", "U",
	"ÿ", "y", "ñ", "n", "Ñ", "N", "œ", "oe", "Œ", "OE", "æ", "ae", "Æ", "AE",
)

// slug folds accents, lower-cases, and turns runs of anything but a-z0-9 into one "-".
func slug(s string) string {
	s = strings.ToLower(fold.Replace(s))
	return strings.Trim(nonAlnum.ReplaceAllString(s, "-"), "-")
}

type record struct {
	line int
	m    map[string]any
}

func (r record) str(field string) string {
	s, _ := r.m[field].(string)
	return s
}

func parse(t *testing.T) []record {
	t.Helper()
	if len(NDJSON) == 0 {
		t.Fatal("embedded dataset is empty")
	}
	if !bytes.HasSuffix(NDJSON, []byte("\n")) {
		t.Error("dataset does not end with a newline")
	}
	var recs []record
	for i, raw := range strings.Split(strings.TrimSuffix(string(NDJSON), "\n"), "\n") {
		n := i + 1
		if strings.TrimRightFunc(raw, unicode.IsSpace) != raw {
			t.Errorf("line %d: trailing whitespace", n)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatalf("line %d: invalid JSON: %v", n, err)
		}
		recs = append(recs, record{line: n, m: m})
	}
	return recs
}

func readArticle(t *testing.T) (string, bool) {
	t.Helper()
	b, err := os.ReadFile(articlePath)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false
	}
	if err != nil {
		t.Fatalf("reading article: %v", err)
	}
	return string(b), true
}

// refs returns the keys a record's field names: one string or a list of strings.
func refs(t *testing.T, r record, field string) []string {
	switch v := r.m[field].(type) {
	case nil:
		return nil
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				t.Errorf("line %d: %s holds a non-string %v", r.line, field, e)
				continue
			}
			out = append(out, s)
		}
		return out
	default:
		t.Errorf("line %d: %s has unexpected type %T", r.line, field, v)
		return nil
	}
}

type citation struct{ source, excerpt string }

func citations(t *testing.T, r record) []citation {
	raw, ok := r.m["citations"]
	if !ok {
		return nil
	}
	list, ok := raw.([]any)
	if !ok {
		t.Errorf("line %d: citations is not a list", r.line)
		return nil
	}
	var out []citation
	for _, e := range list {
		cm, ok := e.(map[string]any)
		if !ok {
			t.Errorf("line %d: citation is not an object", r.line)
			continue
		}
		src, _ := cm["source"].(string)
		ex, _ := cm["excerpt"].(string)
		out = append(out, citation{src, ex})
	}
	return out
}

func TestDataset(t *testing.T) {
	recs := parse(t)

	// Types, order, unique keys, required fields.
	types := map[string]string{} // key -> type
	last := -1
	for _, r := range recs {
		typ := r.str("type")
		ord, ok := typeOrder[typ]
		if !ok {
			t.Errorf("line %d: unknown type %q", r.line, r.m["type"])
			continue
		}
		if ord < last {
			t.Errorf("line %d: %s record out of order", r.line, typ)
		}
		last = ord
		key := r.str("key")
		if key == "" {
			t.Errorf("line %d: missing key", r.line)
			continue
		}
		if prev, dup := types[key]; dup {
			t.Errorf("line %d: duplicate key %q (already a %s)", r.line, key, prev)
		}
		types[key] = typ
		for _, f := range required[typ] {
			if _, ok := r.m[f]; !ok {
				t.Errorf("line %d: %s %q lacks required field %q", r.line, typ, key, f)
			}
		}
		for _, f := range []string{"startDate", "endDate", "date", "publishedAt"} {
			if v, ok := r.m[f]; ok {
				if s, _ := v.(string); !dateRE.MatchString(s) {
					t.Errorf("line %d: %s %q is not a YYYY-MM-DD date", r.line, f, v)
				}
			}
		}
	}

	// References.
	for _, r := range recs {
		typ := r.str("type")
		for field, allowed := range refTypes[typ] {
			for _, k := range refs(t, r, field) {
				got, ok := types[k]
				if !ok {
					t.Errorf("line %d: %s refers to undefined key %q", r.line, field, k)
					continue
				}
				okType := false
				for _, a := range allowed {
					okType = okType || got == a
				}
				if !okType {
					t.Errorf("line %d: %s refers to %q, a %s (want %v)", r.line, field, k, got, allowed)
				}
			}
		}
		for _, c := range citations(t, r) {
			if types[c.source] != "Source" {
				t.Errorf("line %d: citation source %q is not a Source in the file", r.line, c.source)
			}
		}
	}

	// Citations.
	for _, r := range recs {
		if r.str("type") == "Source" {
			if _, ok := r.m["citations"]; ok {
				t.Errorf("line %d: a Source carries citations", r.line)
			}
			continue
		}
		has := false
		for _, c := range citations(t, r) {
			if strings.TrimSpace(c.excerpt) != "" {
				has = true
			}
		}
		if !has {
			t.Errorf("line %d: %q has no citation with an excerpt", r.line, r.str("key"))
		}
	}

	// Keys follow the slug rule.
	for _, r := range recs {
		typ, key := r.str("type"), r.str("key")
		var want string
		switch typ {
		case "Region":
			switch r.str("kind") {
			case "COUNTRY", "REGION":
				want = r.str("code")
			default:
				want = slug(r.str("name"))
			}
		case "Organization":
			if a := r.str("acronym"); a != "" {
				want = slug(a)
			} else {
				want = slug(r.str("name"))
			}
		case "Person":
			want = slug(r.str("name"))
		default:
			if !slugRE.MatchString(key) {
				t.Errorf("line %d: key %q is not a slug", r.line, key)
			}
			continue
		}
		if key != want {
			t.Errorf("line %d: %s key %q, want %q", r.line, typ, key, want)
		}
	}

	// Morocco's twelve regions and the delegates' positions.
	regions := map[string]bool{}
	for _, r := range recs {
		if r.str("type") == "Region" && r.str("kind") == "REGION" {
			if !regionRE.MatchString(r.str("key")) || r.str("parent") != "MA" {
				t.Errorf("line %d: region %q (parent %q) is not one of MA-01..MA-12 in MA", r.line, r.str("key"), r.str("parent"))
			}
			regions[r.str("key")] = true
		}
	}
	if types["MA"] != "Region" {
		t.Error("country MA missing")
	}
	if len(regions) != 12 {
		t.Errorf("got %d regions, want 12 (MA-01..MA-12)", len(regions))
	}
	delegates := map[string]bool{}
	for _, r := range recs {
		if r.str("type") == "Position" && r.str("title") == "délégué régional" {
			if r.str("organization") != "asmex" || !regions[r.str("region")] {
				t.Errorf("line %d: delegate position %q must be in asmex and scoped to a region", r.line, r.str("key"))
			}
			delegates[r.str("region")] = true
		}
	}
	if n := countTitle(recs, "délégué régional"); n != 11 || len(delegates) != 11 {
		t.Errorf("got %d \"délégué régional\" positions over %d regions, want 11 over 11", n, len(delegates))
	}

	// Excerpts and statements are verbatim in the article.
	t.Run("verbatim", func(t *testing.T) {
		article, ok := readArticle(t)
		if !ok {
			t.Skipf("article %s not found", articlePath)
		}
		for _, r := range recs {
			for _, c := range citations(t, r) {
				if c.source == articleSource && !strings.Contains(article, c.excerpt) {
					t.Errorf("line %d: excerpt not in article: %q", r.line, c.excerpt)
				}
			}
			if r.str("type") == "Statement" {
				text := r.str("text")
				if text != strings.TrimSpace(text) || !strings.Contains(article, text) {
					t.Errorf("line %d: statement text not verbatim in article: %q", r.line, text)
				}
			}
		}
	})
}

func countTitle(recs []record, title string) int {
	n := 0
	for _, r := range recs {
		if r.str("type") == "Position" && r.str("title") == title {
			n++
		}
	}
	return n
}
