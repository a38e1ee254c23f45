package importer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/kgql/kgql/store/seed"
)

// FuzzParseLine checks the fast NDJSON line parser against encoding/json. parseLine tries
// parseFast and, when it declines, parses the line with parseLineJSON (encoding/json):
//
//   - when parseFast takes a line, encoding/json decodes the line to the same record: the
//     generic decoding (map[string]any) has the same type, key and field values, and
//     parseLineJSON returns the same record without a problem;
//   - when parseFast declines, parseLine's answer is parseLineJSON's;
//   - a line gives a record, problems, or both (a record with problems is marked bad, one
//     without is not), every problem on the line it was given, with a reason.
//
// The seed corpus is the built-in dataset's lines (below) and testdata/fuzz/FuzzParseLine.
func FuzzParseLine(f *testing.F) {
	sc := bufio.NewScanner(bytes.NewReader(seed.NDJSON))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if b := bytes.TrimSpace(sc.Bytes()); len(b) > 0 && !bytes.HasPrefix(b, []byte("//")) {
			f.Add(slices.Clone(b))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		const line = 7
		fast := parseFast(b, line)
		slow, slowErrs := parseLineJSON(b, line)
		rec, errs := parseLine(b, line)
		if fast != nil {
			if len(slowErrs) > 0 || !sameRecord(fast, slow) {
				t.Fatalf("parseFast took %q as\n%+v\nparseLineJSON gives\n%+v %v", b, fast, slow, slowErrs)
			}
			if !reflect.DeepEqual(rec, fast) || len(errs) > 0 {
				t.Fatalf("parseLine %q: %+v %v, parseFast %+v", b, rec, errs, fast)
			}
			fpAgreesWithJSON(t, b, fast)
		} else if !sameRecord(rec, slow) || !reflect.DeepEqual(errs, slowErrs) {
			t.Fatalf("parseFast declined %q, parseLine gives %+v %v, parseLineJSON %+v %v", b, rec, errs, slow, slowErrs)
		}
		if rec == nil && len(errs) == 0 {
			t.Fatalf("%q: neither a record nor a problem", b)
		}
		if rec != nil && (rec.bad != 0) != (len(errs) > 0) {
			t.Fatalf("%q: record marked bad %b with %d problems", b, rec.bad, len(errs))
		}
		if rec != nil && rec.line != line {
			t.Fatalf("%q: record of line %d", b, rec.line)
		}
		for _, e := range errs {
			if e.Line != line || e.Reason == "" {
				t.Fatalf("%q: problem %+v", b, e)
			}
		}
	})
}

// fpAgreesWithJSON checks a record parseFast returned against the generic decoding of the line by
// encoding/json.
func fpAgreesWithJSON(t *testing.T, b []byte, rec *record) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("parseFast took %q, which encoding/json refuses: %v", b, err)
	}
	if m["type"] != rec.kind.String() {
		t.Fatalf("%q: type %v, parseFast %s", b, m["type"], rec.kind)
	}
	if k, _ := m["key"].(string); k != rec.key || (m["key"] != nil && !isString(m["key"])) {
		t.Fatalf("%q: key %v, parseFast %q", b, m["key"], rec.key)
	}
	seen := 0
	for name, v := range m {
		if name == "type" || name == "key" || v == nil {
			continue
		}
		fi, ok := fieldsByName[rec.kind][name]
		if !ok {
			t.Fatalf("%q: parseFast took an unknown field %q", b, name)
		}
		f := &formats[rec.kind][fi]
		if f.typ == fCitations {
			var want []citation
			for _, c := range v.([]any) {
				o := c.(map[string]any)
				s, _ := o["source"].(string)
				x, _ := o["excerpt"].(string)
				want = append(want, citation{Source: s, Excerpt: x})
			}
			if len(want) != len(rec.citations) || (len(want) > 0 && !reflect.DeepEqual(want, rec.citations)) {
				t.Fatalf("%q: citations %+v, parseFast %+v", b, want, rec.citations)
			}
			continue
		}
		got, ok := rec.get(f)
		if !ok {
			t.Fatalf("%q: parseFast lost field %q", b, name)
		}
		seen++
		switch v := v.(type) {
		case string:
			if got.s != v || got.ss != nil {
				t.Fatalf("%q: %s %q, parseFast %q", b, name, v, got.s)
			}
		case []any:
			ss := make([]string, len(v))
			for i, s := range v {
				ss[i] = s.(string)
			}
			if !slices.Equal(ss, got.ss) || got.s != "" {
				t.Fatalf("%q: %s %q, parseFast %q", b, name, ss, got.ss)
			}
		default:
			t.Fatalf("%q: parseFast took %s of type %T", b, name, v)
		}
	}
	if seen != len(rec.vals) {
		t.Fatalf("%q: %d fields, parseFast has %d", b, seen, len(rec.vals))
	}
	if rec.bad != 0 {
		t.Fatalf("%q: parseFast marked its record bad", b)
	}
}

// sameRecord compares records, an empty list of values or citations being the same as none.
func sameRecord(a, b *record) bool {
	if a == nil || b == nil {
		return a == b
	}
	x, y := *a, *b
	for _, r := range []*record{&x, &y} {
		if len(r.vals) == 0 {
			r.vals = nil
		}
		if len(r.citations) == 0 {
			r.citations = nil
		}
	}
	return reflect.DeepEqual(x, y)
}

func isString(v any) bool { _, ok := v.(string); return ok }
