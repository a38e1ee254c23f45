package importer_test

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
)

// rvImport imports the lines (joined by newlines) under the file name "f".
func rvImport(s *store.Store, lines ...string) (*importer.Result, error) {
	return importer.ImportBytes(s, []byte(strings.Join(lines, "\n")+"\n"), "f")
}

func rvMust(t *testing.T, s *store.Store, lines ...string) *importer.Result {
	t.Helper()
	res, err := rvImport(s, lines...)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return res
}

// rvErrors imports lines that must be refused and returns the problems as "line field: reason".
func rvErrors(t *testing.T, s *store.Store, lines ...string) []string {
	t.Helper()
	_, err := rvImport(s, lines...)
	if err == nil {
		t.Fatal("import succeeded, want errors")
	}
	if !errors.Is(err, store.ErrInvalid) {
		t.Errorf("err %v does not wrap ErrInvalid", err)
	}
	var es importer.Errors
	if !errors.As(err, &es) {
		t.Fatalf("err %T %v is not importer.Errors", err, err)
	}
	var out []string
	for _, e := range es {
		if e.File != "f" {
			t.Errorf("error %v names file %q", e, e.File)
		}
		out = append(out, fmt.Sprintf("%d %s: %s", e.Line, e.Field, e.Reason))
	}
	return out
}

// rvHas fails unless the problems, ordered by line and then text, start with the wanted prefixes
// one for one.
func rvHas(t *testing.T, got []string, want ...string) {
	t.Helper()
	got = slices.Clone(got)
	line := func(s string) int { n, _ := strconv.Atoi(s[:strings.IndexByte(s, ' ')]); return n }
	slices.SortStableFunc(got, func(a, b string) int { return cmp.Or(line(a)-line(b), strings.Compare(a, b)) })
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
		return
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("problem %d = %q, want prefix %q", i, got[i], w)
		}
	}
}

func rvNode(t *testing.T, s *store.Store, key string) *store.Node {
	t.Helper()
	id, err := s.Lookup(key)
	if err != nil {
		t.Fatalf("Lookup(%q): %v", key, err)
	}
	n, err := s.Get(id)
	if err != nil {
		t.Fatalf("Get(%v): %v", id, err)
	}
	return n
}

func rvID(t *testing.T, s *store.Store, key string) store.ID {
	t.Helper()
	id, err := s.Lookup(key)
	if err != nil {
		t.Fatalf("Lookup(%q): %v", key, err)
	}
	return id
}

func rvAdj(t *testing.T, s *store.Store, id store.ID, r store.Rel, out bool, k store.Kind) []store.ID {
	t.Helper()
	q := store.AdjQuery{ID: id, Rel: r, Out: out, Kind: k}
	res, err := s.Adjacent([]store.AdjQuery{q})
	if err != nil {
		t.Fatal(err)
	}
	return res[q].IDs
}

func rvCount(t *testing.T, s *store.Store, k store.Kind) int {
	t.Helper()
	n, err := s.CountKind(k)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// rvClean fails the test for every invariant Store.Check finds broken.
func rvClean(t *testing.T, s *store.Store) {
	t.Helper()
	if _, err := s.Check(20, func(v store.Violation) { t.Errorf("invariant broken: %v", v) }); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func rvEmpty(t *testing.T, s *store.Store) {
	t.Helper()
	if empty, err := s.Empty(); err != nil || !empty {
		t.Errorf("store not empty after a refused import (%v)", err)
	}
}

// rvCounts is the part of a Result that says what an import did, without timing or IDs.
type rvCounts struct {
	Records, Created, Updated, Unchanged int
	ByType                               map[string]int
}

func rvCountsOf(r *importer.Result) rvCounts {
	return rvCounts{Records: r.Records, Created: r.Created, Updated: r.Updated, Unchanged: r.Unchanged, ByType: r.ByType}
}

const (
	srcA  = `{"type":"Source","key":"src-a","title":"Source A"}`
	citeA = `"citations":[{"source":"src-a","excerpt":"a"}]`
)

func TestForwardReferences(t *testing.T) {
	s := storetest.Open(t)
	res := rvMust(t, s,
		`{"type":"Position","person":"badia-bitar","organization":"asmex","title":"délégué régional","region":"MA-07",`+citeA+`}`,
		`{"type":"Statement","speaker":"badia-bitar","event":"cdr","text":"Bonjour","language":"fr","about":["MA-07","asmex"],`+citeA+`}`,
		`{"type":"Event","key":"cdr","name":"Conseil des Régions","location":"MA-07","organizers":["asmex"],`+citeA+`}`,
		`{"type":"Person","key":"badia-bitar","name":"Badia Bitar",`+citeA+`}`,
		`{"type":"Organization","key":"asmex","name":"ASMEX","kind":"ASSOCIATION","seat":"MA-07",`+citeA+`}`,
		`{"type":"Region","key":"MA-07","name":"Marrakech-Safi","kind":"REGION","parent":"MA",`+citeA+`}`,
		`{"type":"Region","key":"MA","name":"Maroc","kind":"COUNTRY",`+citeA+`}`,
		srcA,
	)
	if res.Created != 8 || res.Records != 8 || res.Updated != 0 || res.Unchanged != 0 {
		t.Errorf("result %+v, want 8 created", res)
	}
	badia, asmex, ma07, ma, cdr, src := rvID(t, s, "badia-bitar"), rvID(t, s, "asmex"), rvID(t, s, "MA-07"), rvID(t, s, "MA"), rvID(t, s, "cdr"), rvID(t, s, "src-a")

	positions := rvAdj(t, s, badia, store.RelPerson, false, store.KindPosition)
	if len(positions) != 1 {
		t.Fatalf("positions of badia = %v", positions)
	}
	pos, err := s.Get(positions[0])
	if err != nil {
		t.Fatal(err)
	}
	if pos.Link(store.RelPerson) != badia || pos.Link(store.RelOrganization) != asmex || pos.Link(store.RelRegion) != ma07 ||
		pos.Title != "délégué régional" || !reflect.DeepEqual(pos.Citations, []store.Citation{{Source: src, Excerpt: "a"}}) {
		t.Errorf("position %+v", pos)
	}
	stms := rvAdj(t, s, badia, store.RelSpeaker, false, 0)
	if len(stms) != 1 {
		t.Fatalf("statements of badia = %v", stms)
	}
	stm, _ := s.Get(stms[0])
	if stm.Link(store.RelEvent) != cdr || !reflect.DeepEqual(stm.Links[store.RelAbout], []store.ID{ma07, asmex}) {
		t.Errorf("statement links %v", stm.Links)
	}
	if got := rvNode(t, s, "MA-07").Link(store.RelParent); got != ma {
		t.Errorf("MA-07 parent = %v, want %v", got, ma)
	}
	if got := rvAdj(t, s, ma07, store.RelSeat, false, 0); !reflect.DeepEqual(got, []store.ID{asmex}) {
		t.Errorf("MA-07 seat of %v", got)
	}
	if got := rvAdj(t, s, cdr, store.RelOrganizer, true, 0); !reflect.DeepEqual(got, []store.ID{asmex}) {
		t.Errorf("cdr organizers %v", got)
	}
	// Creation order follows the file.
	if pos.ID.Seq != 1 || badia.Seq != 1 {
		t.Errorf("ids %v %v", pos.ID, badia)
	}
	rvClean(t, s)
}

func TestReferenceToEarlierImport(t *testing.T) {
	s := storetest.Open(t)
	rvMust(t, s, srcA, `{"type":"Organization","key":"asmex","name":"ASMEX","kind":"ASSOCIATION",`+citeA+`}`)
	asmex := rvID(t, s, "asmex")
	res := rvMust(t, s,
		`{"type":"Person","key":"adil-zaidi","name":"Adil Zaidi",`+citeA+`}`,
		`{"type":"Organization","key":"dynamique-regionale","name":"Dynamique régionale","kind":"COMMISSION","parent":"asmex",`+citeA+`}`,
		// By id as well as by key.
		`{"type":"Position","person":"adil-zaidi","organization":"`+asmex.String()+`","title":"membre",`+citeA+`}`,
	)
	if res.Created != 3 || res.Updated != 0 || res.Unchanged != 0 {
		t.Errorf("result %+v", res)
	}
	if got := rvNode(t, s, "dynamique-regionale").Link(store.RelParent); got != asmex {
		t.Errorf("parent = %v, want %v", got, asmex)
	}
	if got := rvAdj(t, s, asmex, store.RelParent, false, store.KindOrganization); !reflect.DeepEqual(got, []store.ID{rvID(t, s, "dynamique-regionale")}) {
		t.Errorf("units of asmex = %v", got)
	}
	members := rvAdj(t, s, asmex, store.RelOrganization, false, store.KindPosition)
	if len(members) != 1 {
		t.Fatalf("members of asmex = %v", members)
	}
	if p, _ := s.Get(members[0]); p.Link(store.RelPerson) != rvID(t, s, "adil-zaidi") {
		t.Errorf("member position %+v", p)
	}
	// An id that names no record is refused.
	rvHas(t, rvErrors(t, s, `{"type":"Position","person":"adil-zaidi","organization":"org_zz","title":"x",`+citeA+`}`),
		`1 organization: no record has key or id "org_zz"`)
	rvClean(t, s)
}

func TestMergeSemantics(t *testing.T) {
	s := storetest.Open(t)
	rvMust(t, s, srcA,
		`{"type":"Region","key":"MA-06","name":"Casablanca-Settat","kind":"REGION",`+citeA+`}`,
		`{"type":"Region","key":"MA-07","name":"Marrakech-Safi","kind":"REGION",`+citeA+`}`,
		`{"type":"Organization","key":"org-b","name":"Org B","kind":"OTHER",`+citeA+`}`,
		`{"type":"Organization","key":"ccis","name":"Chambre","acronym":"CCIS","kind":"CHAMBER","seat":"MA-07","aliases":["CCI"],"description":"Première description",`+citeA+`}`,
		`{"type":"Event","key":"ev","name":"Event","organizers":["ccis"],`+citeA+`}`,
	)
	res := rvMust(t, s,
		`{"type":"Source","key":"src-b","title":"Source B"}`,
		// Name and seat given: replaced. Description and acronym omitted: kept. An alias and a
		// citation added, the existing ones repeated: merged without duplicates.
		`{"type":"Organization","key":"ccis","name":"Chambre de Commerce","seat":"MA-06","aliases":["CCI","CCIS Marrakech"],"citations":[{"source":"src-a","excerpt":"a"},{"source":"src-b","excerpt":"b"}]}`,
		`{"type":"Event","key":"ev","organizers":["org-b","ccis"]}`,
		// null counts as absent.
		`{"type":"Region","key":"MA-07","name":null,"kind":"REGION"}`,
	)
	if res.Created != 1 || res.Updated != 2 || res.Unchanged != 1 || res.Records != 4 {
		t.Errorf("result %+v, want 1 created, 2 updated, 1 unchanged", res)
	}
	srcAID, srcBID := rvID(t, s, "src-a"), rvID(t, s, "src-b")
	ccis := rvNode(t, s, "ccis")
	want := &store.Node{
		ID: ccis.ID, Kind: store.KindOrganization, Key: "ccis", Name: "Chambre de Commerce", Acronym: "CCIS", OrgKind: "CHAMBER",
		Aliases: []string{"CCI", "CCIS Marrakech"}, Description: "Première description",
		Citations: []store.Citation{{Source: srcAID, Excerpt: "a"}, {Source: srcBID, Excerpt: "b"}},
		Links:     map[store.Rel][]store.ID{store.RelSeat: {rvID(t, s, "MA-06")}},
	}
	if !reflect.DeepEqual(ccis, want) {
		t.Errorf("merged record\n got %+v\nwant %+v", ccis, want)
	}
	if got := rvAdj(t, s, rvID(t, s, "MA-07"), store.RelSeat, false, 0); len(got) != 0 {
		t.Errorf("MA-07 still the seat of %v", got)
	}
	if got := rvAdj(t, s, ccis.ID, store.RelCites, true, 0); !reflect.DeepEqual(got, []store.ID{srcAID, srcBID}) {
		t.Errorf("ccis cites %v", got)
	}
	ev := rvNode(t, s, "ev")
	if got, want := ev.Links[store.RelOrganizer], []store.ID{ccis.ID, rvID(t, s, "org-b")}; !reflect.DeepEqual(got, want) {
		t.Errorf("organizers = %v, want %v (merged, old first)", got, want)
	}
	if ev.Name != "Event" {
		t.Errorf("event name %q", ev.Name)
	}
	if n := rvNode(t, s, "MA-07"); n.Name != "Marrakech-Safi" {
		t.Errorf("a null name replaced the stored one: %q", n.Name)
	}
	rvClean(t, s)
}

func TestKeylessRecordsAreFoundAgain(t *testing.T) {
	s := storetest.Open(t)
	base := []string{
		srcA,
		`{"type":"Person","key":"badia-bitar","name":"Badia Bitar",` + citeA + `}`,
		`{"type":"Organization","key":"asmex","name":"ASMEX","kind":"ASSOCIATION",` + citeA + `}`,
		`{"type":"Event","key":"cdr","name":"Conseil",` + citeA + `}`,
	}
	position := `{"type":"Position","person":"badia-bitar","organization":"asmex","title":"délégué régional",` + citeA + `}`
	statement := `{"type":"Statement","speaker":"badia-bitar","event":"cdr","text":"Une grande première.","language":"fr",` + citeA + `}`
	participation := `{"type":"Participation","person":"badia-bitar","event":"cdr","role":"delegate",` + citeA + `}`

	res := rvMust(t, s, append(base, position, participation)...)
	if res.Created != 6 {
		t.Errorf("first import %+v", res)
	}
	res = rvMust(t, s, append(base, position, participation)...)
	if res.Created != 0 || res.Updated != 0 || res.Unchanged != 6 {
		t.Errorf("identical re-import %+v, want 6 unchanged", res)
	}
	if n := rvCount(t, s, store.KindPosition); n != 1 {
		t.Errorf("positions = %d, want 1", n)
	}
	if n := rvCount(t, s, store.KindParticipation); n != 1 {
		t.Errorf("participations = %d, want 1", n)
	}

	// The same position written with another case and accents is the same position; its title
	// is replaced by the one given.
	res = rvMust(t, s, `{"type":"Position","person":"badia-bitar","organization":"asmex","title":"Délégué Régional"}`)
	if res.Created != 0 || res.Updated != 1 {
		t.Errorf("re-import with a refolded title %+v, want 1 updated", res)
	}
	if n := rvCount(t, s, store.KindPosition); n != 1 {
		t.Errorf("positions = %d, want 1", n)
	}
	// Another title is another position.
	rvMust(t, s, `{"type":"Position","person":"badia-bitar","organization":"asmex","title":"membre",`+citeA+`}`)
	if n := rvCount(t, s, store.KindPosition); n != 2 {
		t.Errorf("positions = %d, want 2", n)
	}

	// A keyless statement twice in one file is one record.
	res = rvMust(t, s, statement, statement)
	if n := rvCount(t, s, store.KindStatement); n != 1 {
		t.Errorf("statements = %d, want 1", n)
	}
	if res.Created != 1 || res.Updated != 0 || res.Unchanged != 0 {
		t.Errorf("statement twice: %+v, want 1 created (each distinct record counts once)", rvCountsOf(res))
	}
	// ... and once more in a later file.
	rvMust(t, s, statement)
	if n := rvCount(t, s, store.KindStatement); n != 1 {
		t.Errorf("statements = %d after re-import, want 1", n)
	}
	// Another text is another statement.
	rvMust(t, s, strings.Replace(statement, "Une grande première.", "Une autre.", 1))
	if n := rvCount(t, s, store.KindStatement); n != 2 {
		t.Errorf("statements = %d, want 2", n)
	}
	badia := rvID(t, s, "badia-bitar")
	if got := rvAdj(t, s, badia, store.RelSpeaker, false, store.KindStatement); len(got) != 2 {
		t.Errorf("badia speaks %v", got)
	}
	rvClean(t, s)
}

func TestParentCycles(t *testing.T) {
	region := func(key, parent string) string {
		p := ""
		if parent != "" {
			p = `"parent":"` + parent + `",`
		}
		return `{"type":"Region","key":"` + key + `","name":"R ` + key + `","kind":"REGION",` + p + citeA + `}`
	}
	t.Run("two in one file", func(t *testing.T) {
		s := storetest.Open(t)
		rvHas(t, rvErrors(t, s, srcA, region("reg-a", "reg-b"), region("reg-b", "reg-a")),
			"2 parent: would make a cycle", "3 parent: would make a cycle")
		rvEmpty(t, s)
	})
	t.Run("three in one file", func(t *testing.T) {
		s := storetest.Open(t)
		got := rvErrors(t, s, srcA, region("reg-a", "reg-b"), region("reg-b", "reg-c"), region("reg-c", "reg-a"))
		rvHas(t, got, "2 parent: would make a cycle", "3 parent: would make a cycle", "4 parent: would make a cycle")
		rvEmpty(t, s)
	})
	t.Run("self", func(t *testing.T) {
		s := storetest.Open(t)
		rvHas(t, rvErrors(t, s, srcA, region("reg-a", "reg-a")), "2 parent: would make a cycle")
		rvEmpty(t, s)
	})
	t.Run("organizations", func(t *testing.T) {
		s := storetest.Open(t)
		org := func(key, parent string) string {
			return `{"type":"Organization","key":"` + key + `","name":"O","kind":"OTHER","parent":"` + parent + `",` + citeA + `}`
		}
		rvHas(t, rvErrors(t, s, srcA, org("org-a", "org-b"), org("org-b", "org-a")),
			"2 parent: would make a cycle", "3 parent: would make a cycle")
		rvEmpty(t, s)
	})
	t.Run("through the store", func(t *testing.T) {
		s := storetest.Open(t)
		rvMust(t, s, srcA, region("reg-a", ""), region("reg-b", "reg-a"), region("reg-c", "reg-b"))
		rvHas(t, rvErrors(t, s, `{"type":"Region","key":"reg-a","parent":"reg-c"}`), "1 parent: would make a cycle")
		if got := rvNode(t, s, "reg-a").Link(store.RelParent); !got.IsZero() {
			t.Errorf("refused import wrote reg-a's parent %v", got)
		}
		// Re-parenting along the chain is fine.
		rvMust(t, s, `{"type":"Region","key":"reg-c","parent":"reg-a"}`)
		if got := rvNode(t, s, "reg-c").Link(store.RelParent); got != rvID(t, s, "reg-a") {
			t.Errorf("reg-c parent = %v", got)
		}
		// A cycle that a later line of the same file breaks is accepted.
		rvMust(t, s, `{"type":"Region","key":"reg-a","parent":"reg-b"}`, `{"type":"Region","key":"reg-b","parent":"reg-c"}`,
			`{"type":"Region","key":"reg-c","parent":"MA"}`, region("MA", ""))
	})
}

func TestKindMismatch(t *testing.T) {
	s := storetest.Open(t)
	person := `{"type":"Person","key":"zaidi","name":"Adil Zaidi",` + citeA + `}`
	rvHas(t, rvErrors(t, s, srcA, person,
		`{"type":"Organization","key":"unit","name":"Unit","kind":"OTHER","parent":"zaidi",`+citeA+`}`),
		`3 parent: "zaidi" is a Person, which cannot be the parent of a Organization`)
	rvEmpty(t, s)

	rvMust(t, s, srcA, person)
	// The same, with the person already in the store.
	rvHas(t, rvErrors(t, s, `{"type":"Organization","key":"unit","name":"Unit","kind":"OTHER","parent":"zaidi",`+citeA+`}`),
		`1 parent: "zaidi" is a Person, which cannot be the parent of a Organization`)
	// A key of the store given to a record of another kind.
	rvHas(t, rvErrors(t, s, `{"type":"Organization","key":"zaidi","name":"Zaidi SA","kind":"COMPANY",`+citeA+`}`),
		`1 key: "zaidi" already belongs to a Person`)
	// One key, two kinds, in one file.
	rvHas(t, rvErrors(t, s, `{"type":"Person","key":"twice","name":"T",`+citeA+`}`, `{"type":"Event","key":"twice","name":"T",`+citeA+`}`),
		`2 key: "twice" is a Person on line 1`)
	// A source cited by a key that is not a source.
	rvHas(t, rvErrors(t, s, `{"type":"Person","key":"p","name":"P","citations":[{"source":"zaidi"}]}`),
		`1 citations[0].source: "zaidi" is a Person, which cannot be the citations of a Person`)
	if n := rvCount(t, s, store.KindOrganization); n != 0 {
		t.Errorf("organizations = %d after refused imports", n)
	}
	if n := rvCount(t, s, store.KindPerson); n != 1 {
		t.Errorf("people = %d after refused imports, want 1", n)
	}
}

func TestErrorLineNumbers(t *testing.T) {
	s := storetest.Open(t)
	t.Run("parse", func(t *testing.T) {
		got := rvErrors(t, s,
			`// a comment`,
			``,
			srcA,
			`   `,
			`{"type":"Person","key":"p-1","name":`,
			`  // an indented comment`,
			`{"type":"Planet","key":"mars"}`,
			``,
			`{"type":"Person","key":"p-2","name":"P","colour":"blue",`+citeA+`}`,
		)
		rvHas(t, got, "5 : not a JSON object", `7 type: unknown type "Planet"`, "9 colour: unknown field for Person")
	})
	t.Run("references", func(t *testing.T) {
		got := rvErrors(t, s,
			`// header`,
			srcA,
			``,
			`{"type":"Person","key":"p-1","name":"P",`+citeA+`}`,
			`// {"type":"Person","key":"bad key"}`,
			`{"type":"Position","person":"nobody","organization":"p-1","title":"t",`+citeA+`}`,
		)
		rvHas(t, got, `6 organization: "p-1" is a Person`, `6 person: no record has key or id "nobody"`)
	})
	t.Run("required", func(t *testing.T) {
		got := rvErrors(t, s,
			``,
			`// people`,
			srcA,
			``,
			`{"type":"Person","key":"p-1","name":"P"}`,
			`{"type":"Person","key":"p-2","name":"Q",`+citeA+`}`,
			`{"type":"Organization","key":"o-1","kind":"OTHER",`+citeA+`}`,
		)
		rvHas(t, got, "5 citations: a new Person must cite", "7 name: missing (required for a new Organization)")
	})
	t.Run("crlf", func(t *testing.T) {
		_, err := importer.ImportBytes(s, []byte("// c\r\n\r\n"+srcA+"\r\n{\"type\":\"Person\",\"key\":\"p-1\"}\r\n"), "f")
		if err == nil || !strings.HasPrefix(err.Error(), "f:4: ") {
			t.Errorf("err = %v, want one at f:4", err)
		}
	})
	rvEmpty(t, s)
}

func TestResultCounts(t *testing.T) {
	s := storetest.Open(t)
	lines := []string{
		srcA,
		`{"type":"Region","key":"MA-07","name":"Marrakech-Safi","kind":"REGION",` + citeA + `}`,
		`{"type":"Organization","key":"asmex","name":"ASMEX","kind":"ASSOCIATION",` + citeA + `}`,
		`{"type":"Person","key":"badia-bitar","name":"Badia Bitar",` + citeA + `}`,
		`{"type":"Person","key":"adil-zaidi","name":"Adil Zaidi",` + citeA + `}`,
		`{"type":"Position","person":"badia-bitar","organization":"asmex","title":"délégué régional","region":"MA-07",` + citeA + `}`,
	}
	res := rvMust(t, s, lines...)
	want := rvCounts{Records: 6, Created: 6,
		ByType: map[string]int{"Source": 1, "Region": 1, "Organization": 1, "Person": 2, "Position": 1}}
	if got := rvCountsOf(res); !reflect.DeepEqual(got, want) {
		t.Errorf("first import %+v, want %+v", got, want)
	}
	if len(res.IDs) != 6 || res.IDs[3] != rvID(t, s, "badia-bitar") {
		t.Errorf("IDs = %v", res.IDs)
	}

	res = rvMust(t, s, lines...)
	want.Created, want.Unchanged = 0, 6
	if got := rvCountsOf(res); !reflect.DeepEqual(got, want) {
		t.Errorf("re-import %+v, want %+v", got, want)
	}

	changed := append([]string{}, lines...)
	changed[4] = `{"type":"Person","key":"adil-zaidi","name":"Adil Zaidi","description":"Président de la commission",` + citeA + `}`
	res = rvMust(t, s, changed...)
	want.Updated, want.Unchanged = 1, 5
	if got := rvCountsOf(res); !reflect.DeepEqual(got, want) {
		t.Errorf("re-import with one change %+v, want %+v", got, want)
	}
	if d := rvNode(t, s, "adil-zaidi").Description; d != "Président de la commission" {
		t.Errorf("description %q", d)
	}

	// A subset, with one new record: only what the file holds is counted.
	res = rvMust(t, s, lines[0], lines[3], `{"type":"Person","key":"new-person","name":"New",`+citeA+`}`)
	if res.Records != 3 || res.Created != 1 || res.Unchanged != 2 || res.Updated != 0 {
		t.Errorf("subset import %+v, want 1 created, 2 unchanged", res)
	}
	if n := rvCount(t, s, store.KindPerson); n != 3 {
		t.Errorf("people = %d, want 3", n)
	}
	rvClean(t, s)
}

// TestResultCountsIgnoreChunks: how a record written twice by one file is counted must not depend
// on whether both lines fall in the same write chunk.
func TestResultCountsIgnoreChunks(t *testing.T) {
	// Sources: the cheapest records to write (no citation required, one name, one word).
	source := func(i int) string { return fmt.Sprintf(`{"type":"Source","key":"s-%d","title":"S"}`, i) }
	extra := `{"type":"Source","key":"s-1","url":"https://example.org/s1"}` // changes s-1 a second time in the file
	build := func(extraAt int) []string {
		var lines []string
		for i := 1; len(lines) < importer.ChunkSize+5; i++ {
			lines = append(lines, source(i))
			if len(lines) == extraAt {
				lines = append(lines, extra)
			}
		}
		return lines
	}
	near, far := build(1), build(importer.ChunkSize+2) // in s-1's chunk; in the next one
	if len(near) != len(far) {
		t.Fatalf("files of %d and %d lines", len(near), len(far))
	}
	results := make([]rvCounts, 2)
	t.Run("imports", func(t *testing.T) {
		for i, lines := range [][]string{near, far} {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				s := storetest.Open(t)
				results[i] = rvCountsOf(rvMust(t, s, lines...))
				if u := rvNode(t, s, "s-1").URL; u != "https://example.org/s1" {
					t.Errorf("s-1 url %q", u)
				}
			})
		}
	})
	if !reflect.DeepEqual(results[0], results[1]) {
		t.Errorf("counts depend on the chunk boundary:\n same chunk: %+v\n next chunk: %+v", results[0], results[1])
	}
}

func TestSeedContent(t *testing.T) {
	s := storetest.Open(t)
	res, err := importer.ImportBytes(s, seed.NDJSON, "seed")
	if err != nil {
		t.Fatalf("seed import: %v", err)
	}
	if res.Records != 71 || res.Created != 71 {
		t.Errorf("seed result %+v, want 71 records created", res)
	}
	for k, want := range map[store.Kind]int{
		store.KindPerson: 14, store.KindOrganization: 7, store.KindRegion: 14, store.KindStatement: 4,
		store.KindPosition: 15, store.KindSource: 2, store.KindEvent: 1, store.KindParticipation: 14,
	} {
		if n := rvCount(t, s, k); n != want {
			t.Errorf("%v: %d records, want %d", k, n, want)
		}
	}

	// The ASMEX regional delegate for Marrakech-Safi.
	ma07 := rvID(t, s, "MA-07")
	if n := rvNode(t, s, "MA-07"); n.Name != "Marrakech-Safi" || n.Code != "MA-07" || n.RegionKind != "REGION" {
		t.Errorf("MA-07 = %+v", n)
	}
	positions := rvAdj(t, s, ma07, store.RelRegion, false, store.KindPosition)
	if len(positions) != 1 {
		t.Fatalf("positions in MA-07 = %v, want 1", positions)
	}
	pos, err := s.Get(positions[0])
	if err != nil {
		t.Fatal(err)
	}
	if pos.Title != "délégué régional" || pos.Link(store.RelOrganization) != rvID(t, s, "asmex") {
		t.Errorf("MA-07 position %+v", pos)
	}
	person, err := s.Get(pos.Link(store.RelPerson))
	if err != nil {
		t.Fatal(err)
	}
	if person.Name != "Badia Bitar" {
		t.Errorf("ASMEX delegate for MA-07 = %q, want Badia Bitar", person.Name)
	}

	// A few more shapes of the graph.
	asmex := rvID(t, s, "asmex")
	if got := len(rvAdj(t, s, asmex, store.RelOrganization, false, store.KindPosition)); got != 12 {
		t.Errorf("ASMEX has %d positions, want 12 (president and 11 delegates)", got)
	}
	ma := rvID(t, s, "MA")
	if got := len(rvAdj(t, s, ma, store.RelParent, false, store.KindRegion)); got != 12 {
		t.Errorf("MA has %d subregions, want 12", got)
	}
	if got := rvAdj(t, s, ma07, store.RelParent, false, 0); !reflect.DeepEqual(got, []store.ID{rvID(t, s, "marrakech")}) {
		t.Errorf("MA-07 subregions %v, want [marrakech]", got)
	}
	ev := rvID(t, s, "asmex-conseil-des-regions-2021-06-14")
	if got := len(rvAdj(t, s, ev, store.RelEvent, false, store.KindStatement)); got != 4 {
		t.Errorf("event has %d statements, want 4", got)
	}
	if got := len(rvAdj(t, s, ev, store.RelEvent, false, store.KindParticipation)); got != 14 {
		t.Errorf("event has %d participations, want 14", got)
	}
	hits, err := s.SearchNames("Laayoune", []store.Kind{store.KindRegion}, 5)
	if err != nil || len(hits) != 1 || hits[0].ID != rvID(t, s, "MA-11") || hits[0].Match != store.MatchPrefix {
		t.Errorf("SearchNames(Laayoune) = %v, %v", hits, err)
	}
	rvClean(t, s)
}

// TestErrorsAreDeterministic: the same refused input gives the same message every time, so that
// users (and golden tests above the importer) see a stable report.
func TestErrorsAreDeterministic(t *testing.T) {
	s := storetest.Open(t)
	lines := []string{
		srcA,
		`{"type":"Person","key":"p-1","name":"P",` + citeA + `}`,
		`{"type":"Position","person":"nobody","organization":"p-1","region":"nowhere","title":"t",` + citeA + `}`,
		`{"type":"Statement","speaker":"src-a","event":"p-1","about":["x","src-a"],"text":"t","language":"fr",` + citeA + `}`,
	}
	seen := map[string]int{}
	for range 30 {
		_, err := rvImport(s, lines...)
		if err == nil {
			t.Fatal("import succeeded")
		}
		seen[err.Error()]++
	}
	if len(seen) != 1 {
		var msgs []string
		for m, n := range seen {
			msgs = append(msgs, fmt.Sprintf("%d×\n%s", n, m))
		}
		t.Errorf("%d different reports for one input:\n%s", len(seen), strings.Join(msgs, "\n---\n"))
	}
}

// TestIdentityCollisionThroughImport: re-importing a keyed position with the title of another,
// keyless, position of the same person, organization and region gives both one natural identity.
// The import must either refuse it or leave the store consistent, and the keyless position must
// still be found again by a later import of its own line.
func TestIdentityCollisionThroughImport(t *testing.T) {
	s := storetest.Open(t)
	base := []string{
		srcA,
		`{"type":"Person","key":"badia-bitar","name":"Badia Bitar",` + citeA + `}`,
		`{"type":"Organization","key":"asmex","name":"ASMEX","kind":"ASSOCIATION",` + citeA + `}`,
	}
	keyless := `{"type":"Position","person":"badia-bitar","organization":"asmex","title":"président",` + citeA + `}`
	rvMust(t, s, append(base, keyless,
		`{"type":"Position","key":"pos-x","person":"badia-bitar","organization":"asmex","title":"membre",`+citeA+`}`)...)
	if n := rvCount(t, s, store.KindPosition); n != 2 {
		t.Fatalf("positions = %d, want 2", n)
	}
	_, err := rvImport(s, `{"type":"Position","key":"pos-x","title":"Président"}`)
	if err != nil && !errors.Is(err, store.ErrInvalid) && !errors.Is(err, store.ErrConflict) {
		t.Fatalf("import: %v", err)
	}
	rvClean(t, s)
	// The keyless line again: it is the same keyless position, not a third one, and it does not
	// write into pos-x.
	before := rvNode(t, s, "pos-x")
	rvMust(t, s, keyless)
	if n := rvCount(t, s, store.KindPosition); n != 2 {
		t.Errorf("positions = %d after re-importing the keyless one, want 2", n)
	}
	if after := rvNode(t, s, "pos-x"); !reflect.DeepEqual(after, before) {
		t.Errorf("the keyless line changed pos-x:\n before %+v\n after  %+v", before, after)
	}
	rvClean(t, s)
}
