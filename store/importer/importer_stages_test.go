package importer_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
)

// stExport is the store's export.
func stExport(t *testing.T, s *store.Store) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := importer.Export(s, &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// stErrors imports lines that must be refused, checks that the store is unchanged, and returns
// the problems as "LINE FIELD: REASON" and the Errors.
func stErrors(t *testing.T, s *store.Store, lines ...string) ([]string, importer.Errors) {
	t.Helper()
	before := stExport(t, s)
	_, err := importer.ImportBytes(s, []byte(strings.Join(lines, "\n")+"\n"), "f")
	var es importer.Errors
	if !errors.As(err, &es) || !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("import: err %T %v, want importer.Errors", err, err)
	}
	if after := stExport(t, s); after != before {
		t.Fatalf("a refused import changed the store (%d → %d bytes of export)", len(before), len(after))
	}
	var out []string
	for _, e := range es {
		out = append(out, fmt.Sprintf("%d %s: %s", e.Line, e.Field, e.Reason))
	}
	return out, es
}

func stSame(t *testing.T, got, want []string) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = strings.HasPrefix(got[i], want[i])
	}
	if !ok {
		t.Errorf("problems:\n  %s\nwant (prefixes):\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

const stCite = `"citations":[{"source":"st-src"}]`

// One file with problems for every stage (parsing, field checks, references, required fields,
// parent cycles) reports all of them in one run, each once, with its line and field, and writes
// nothing.
func TestImportReportsEveryStage(t *testing.T) {
	s := storetest.Open(t)
	if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
		t.Fatal(err)
	}
	got, es := stErrors(t, s,
		`{"type":"Source","key":"st-src","title":"S"}`,
		`{"type":"Person","key":"st-broken","name":`,                       // 2: not JSON
		`{"type":"Planet","key":"st-mars"}`,                                // 3: unknown type
		`{"type":"Organization","key":"st-org","kind":"OTHER",`+stCite+`}`, // 4: no name
		`{"type":"Event","key":"st-event","name":"E","startDate":"2021-02-30","organizers":["st-org","st-ghost"],`+stCite+`}`, // 5: bad date, and still resolved
		`{"type":"Region","key":"st-region","name":"R","kind":"PLANET",`+stCite+`}`,                                           // 6: bad enum (not also "kind missing")
		`{"type":"Person","key":"st-person","name":"P","citations":[{"source":"st-nowhere"}]}`,                                // 7: reference to nothing
		`{"type":"Region","key":"st-a","name":"A","kind":"CITY","parent":"st-b",`+stCite+`}`,                                  // 8: cycle
		`{"type":"Region","key":"st-b","name":"B","kind":"CITY","parent":"st-a",`+stCite+`}`,                                  // 9: cycle
		// 10: refers to the keys of lines 2 and 3 (reported there, not again) and to the event of
		// line 5, whose key stands though its date is wrong.
		`{"type":"Participation","person":"st-broken","event":"st-event","role":"speaker",`+stCite+`}`,
		`{"type":"Event","key":"st-other","name":"O","location":"st-mars",`+stCite+`}`,
	)
	stSame(t, got, []string{
		`2 : not a JSON object`,
		`3 type: unknown type "Planet"`,
		`4 name: missing (required for a new Organization)`,
		`5 startDate: "2021-02-30" is not a calendar date`,
		`5 organizers[1]: no record has key or id "st-ghost"`,
		`6 kind: "PLANET" is not one of`,
		`7 citations[0].source: no record has key or id "st-nowhere"`,
		`8 parent: would make a cycle of parents`,
		`9 parent: would make a cycle of parents`,
	})
	if es.Total() != 9 {
		t.Errorf("Total() = %d, want 9", es.Total())
	}
	if msg := es.Error(); !strings.HasPrefix(msg, "f:2: not a JSON object") || !strings.Contains(msg, "\nf:9: parent: would make a cycle") {
		t.Errorf("Error() = %q", msg)
	}
}

// A second stage's problems are not hidden by the first's, and a bad line is skipped by the later
// stages without noise: a record whose key is bad, the same key for two kinds, a natural identity
// taken twice.
func TestImportStagesWithoutCascades(t *testing.T) {
	s := storetest.Open(t)
	base := []string{
		`{"type":"Source","key":"st-src","title":"S"}`,
		`{"type":"Person","key":"st-p","name":"P",` + stCite + `}`,
		`{"type":"Organization","key":"st-o","name":"O","kind":"OTHER",` + stCite + `}`,
		`{"type":"Position","key":"st-pos","person":"st-p","organization":"st-o","title":"chair",` + stCite + `}`,
	}
	if _, err := importer.ImportBytes(s, []byte(strings.Join(base, "\n")), "base"); err != nil {
		t.Fatal(err)
	}
	got, _ := stErrors(t, s,
		`{"type":"Person","key":"Bad Key","name":"Q",`+stCite+`}`,                                               // 1: bad key
		`{"type":"Position","person":"Bad Key","organization":"st-o","title":"member",`+stCite+`}`,              // 2: refers to line 1's key: not again
		`{"type":"Event","key":"st-p","name":"E",`+stCite+`}`,                                                   // 3: the key of a person
		`{"type":"Person","key":"st-q","name":"Q","aliases":"not a list",`+stCite+`}`,                           // 4: bad field
		`{"type":"Position","person":"st-q","organization":"st-o","title":"member","startDate":"x",`+stCite+`}`, // 5: bad date; st-q stands
		`{"type":"Position","key":"st-pos2","person":"st-p","organization":"st-o","title":"Chair",`+stCite+`}`,  // 6: identity of st-pos
		`{"type":"Person","key":"st-r","citations":[{"excerpt":"no source"}]}`,                                  // 7: citation without source; name missing
	)
	stSame(t, got, []string{
		`1 key: not a valid key`,
		`3 key: "st-p" already belongs to a Person`,
		`4 aliases: must be a list of strings`,
		`5 startDate: "x" is not a calendar date`,
		`6 key: this position already exists with key "st-pos"`,
		`7 citations[0].source: missing`,
		`7 name: missing (required for a new Person)`,
	})
}

// The list is cut at MaxErrors by line, over all the stages, with the total counted.
func TestImportErrorsCapped(t *testing.T) {
	s := storetest.Open(t)
	lines := []string{`{"type":"Source","key":"st-src","title":"S"}`}
	for i := range 40 { // resolution problems on lines 2..41
		lines = append(lines, fmt.Sprintf(`{"type":"Person","key":"st-p%d","name":"P","citations":[{"source":"st-none"}]}`, i))
	}
	for range 30 { // parse problems on lines 42..71
		lines = append(lines, `{"type":"Person"`)
	}
	got, es := stErrors(t, s, lines...)
	if len(es) != importer.MaxErrors+1 || es.Total() != 70 {
		t.Fatalf("%d entries, Total() %d; want %d and 70", len(es), es.Total(), importer.MaxErrors+1)
	}
	if !strings.HasPrefix(got[0], "2 citations[0].source: no record") || !strings.HasPrefix(got[49], "51 : not a JSON object") {
		t.Errorf("first %q, 50th %q", got[0], got[49])
	}
	last := es[len(es)-1]
	if last.More != 20 || last.Error() != "f: … and 20 more problems (70 in all)" {
		t.Errorf("last entry %+v: %q", last, last.Error())
	}
}
