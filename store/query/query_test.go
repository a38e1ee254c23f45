package query_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/gen"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/query"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
)

// Unit tests of the query engine over the built-in dataset (and a generated graph for the
// streaming shortcut): the planner only narrows, the streaming path stops early, ordering is
// bounded by MaxSort, and last/before cut the ordered list like first/after.

const articleKey = "l-opinion-2021-06-17-asmex-conseil-des-regions"

// openSeed opens a throwaway store holding the built-in dataset.
func openSeed(t testing.TB) *store.Store {
	t.Helper()
	s := storetest.Open(t)
	if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
		t.Fatalf("import seed: %v", err)
	}
	return s
}

// run computes one page in its own read transaction.
func run(t testing.TB, s *store.Store, req query.Request) (*query.Page, error) {
	t.Helper()
	var p *query.Page
	err := s.Read(func(tx *store.Tx) error {
		var err error
		p, err = query.Run(tx, req)
		return err
	})
	return p, err
}

func mustRun(t testing.TB, s *store.Store, req query.Request) *query.Page {
	t.Helper()
	p, err := run(t, s, req)
	if err != nil {
		t.Fatalf("Run(%+v): %v", req, err)
	}
	if len(p.Nodes) != len(p.Cursors) {
		t.Fatalf("%d nodes but %d cursors", len(p.Nodes), len(p.Cursors))
	}
	for i, n := range p.Nodes {
		if p.Cursors[i].ID != n.ID {
			t.Fatalf("cursor %d is of %v, node is %v", i, p.Cursors[i].ID, n.ID)
		}
	}
	return p
}

// keysOf returns the keys of a page's records.
func keysOf(p *query.Page) []string {
	out := make([]string, len(p.Nodes))
	for i, n := range p.Nodes {
		out[i] = n.Key
	}
	return out
}

func idOf(t testing.TB, s *store.Store, key string) store.ID {
	t.Helper()
	id, err := s.Lookup(key)
	if err != nil {
		t.Fatalf("lookup %q: %v", key, err)
	}
	return id
}

// Filter constructors.
func cmpF(field string, op query.Op, vals ...string) *query.Filter {
	return &query.Filter{Field: field, Op: op, Values: vals}
}

func rel(r store.Rel, out bool, k store.Kind, sub *query.Filter) *query.Filter {
	return &query.Filter{Rel: &query.Relation{Rel: r, Out: out, Kind: k}, Sub: sub}
}

func and(fs ...*query.Filter) *query.Filter { return &query.Filter{And: fs} }
func or(fs ...*query.Filter) *query.Filter  { return &query.Filter{Or: fs} }

// notNot is f negated twice: the same predicate, but the planner never looks inside a NOT, so no
// index can narrow it and every record of the kind is checked.
func notNot(f *query.Filter) *query.Filter { return &query.Filter{Not: &query.Filter{Not: f}} }

var byName = []query.OrderKey{{Field: "name"}}

type plannerCase struct {
	name   string
	kind   store.Kind
	filter func() *query.Filter // fresh each time: resolve caches Within sets in the filter
	want   []string             // keys, in creation order
	// narrow: the indexable conjunct yields at most 3 candidates, so that ordering them with
	// MaxSort 3 succeeds, while ordering the unindexed form (every record of the kind) fails.
	narrow bool
}

var plannerCases = []plannerCase{
	{"key in", store.KindPerson, func() *query.Filter { return cmpF("key", query.In, "badia-bitar", "adil-zaidi", "nobody") },
		[]string{"adil-zaidi", "badia-bitar"}, true},
	{"id eq", store.KindOrganization, nil /* set in the test: needs the id */, []string{"fcmcis"}, true},
	{"name startsWith (folded)", store.KindPerson, func() *query.Filter { return cmpF("name", query.StartsWith, "HA") },
		[]string{"hassan-sentissi-el-idrissi", "hassan-yanja"}, true},
	{"name eq (accents folded)", store.KindRegion, func() *query.Filter { return cmpF("name", query.Eq, "laayoune-sakia el hamra") },
		[]string{"MA-11"}, true},
	{"name in", store.KindRegion, func() *query.Filter { return cmpF("name", query.In, "souss-massa", "FES MEKNES") },
		[]string{"MA-03", "MA-09"}, true},
	// The name index also holds aliases; the filter is on the name only: the index narrows, the
	// filter decides.
	{"name eq an alias", store.KindRegion, func() *query.Filter { return cmpF("name", query.Eq, "Morocco") },
		nil, true},
	{"acronym eq", store.KindOrganization, func() *query.Filter { return cmpF("acronym", query.Eq, "asmex") },
		[]string{"asmex"}, true},
	{"source title startsWith", store.KindSource, func() *query.Filter { return cmpF("title", query.StartsWith, "l'asmex prépare") },
		[]string{articleKey}, false}, // 2 sources: too few to show the narrowing
	{"within", store.KindRegion, func() *query.Filter { return cmpF("within", query.Within, "MA-07") },
		[]string{"MA-07", "marrakech"}, true},
	{"within an unknown region", store.KindRegion, func() *query.Filter { return cmpF("within", query.Within, "nowhere") },
		nil, true},
	{"event location within", store.KindEvent, func() *query.Filter {
		return rel(store.RelLocation, true, store.KindRegion, cmpF("within", query.Within, "MA-07"))
	}, []string{"asmex-conseil-des-regions-2021-06-14"}, false}, // 1 event: too few
	{"event location within another region", store.KindEvent, func() *query.Filter {
		return rel(store.RelLocation, true, store.KindRegion, cmpF("within", query.Within, "MA-01"))
	}, nil, false},
	{"person positions organization key", store.KindPerson, func() *query.Filter {
		return rel(store.RelPerson, false, store.KindPosition,
			rel(store.RelOrganization, true, store.KindOrganization, cmpF("key", query.Eq, "fcmcis")))
	}, []string{"mohamed-fadlam"}, true},
	{"person positions region within", store.KindPerson, func() *query.Filter {
		return rel(store.RelPerson, false, store.KindPosition,
			rel(store.RelRegion, true, store.KindRegion, cmpF("within", query.Within, "MA-07")))
	}, []string{"badia-bitar"}, true},
	{"statement speaker key", store.KindStatement, func() *query.Filter {
		return rel(store.RelSpeaker, true, 0, cmpF("key", query.Eq, "adil-zaidi"))
	}, []string{"asmex-cdr-2021-zaidi-1", "asmex-cdr-2021-zaidi-2"}, true},
	{"statement about key", store.KindStatement, func() *query.Filter {
		return rel(store.RelAbout, true, 0, cmpF("key", query.Eq, "asmex"))
	}, []string{"asmex-cdr-2021-sentissi-1"}, true},
	{"organization seat key", store.KindOrganization, func() *query.Filter {
		return rel(store.RelSeat, true, store.KindRegion, cmpF("key", query.Eq, "MA-07"))
	}, []string{"ccis-marrakech-safi"}, true},
	{"indexable and unindexable conjuncts", store.KindOrganization, func() *query.Filter {
		return and(cmpF("name", query.Contains, "commerce"), cmpF("acronym", query.Eq, "FCMCIS"))
	}, []string{"fcmcis"}, true},
	{"indexable conjunct the rest rejects", store.KindOrganization, func() *query.Filter {
		return and(cmpF("name", query.Contains, "commerce"), cmpF("key", query.Eq, "asmex"))
	}, nil, true},
	{"OR of indexable branches", store.KindPerson, func() *query.Filter {
		return or(cmpF("key", query.Eq, "adil-zaidi"), cmpF("name", query.StartsWith, "badia"))
	}, []string{"adil-zaidi", "badia-bitar"}, true},
	{"OR with an unindexable branch", store.KindPerson, func() *query.Filter {
		return or(cmpF("key", query.Eq, "adil-zaidi"), cmpF("name", query.Contains, "bitar"))
	}, []string{"adil-zaidi", "badia-bitar"}, false},
	{"NOT beside an index", store.KindPerson, func() *query.Filter {
		return and(rel(store.RelPerson, false, store.KindPosition,
			rel(store.RelOrganization, true, store.KindOrganization, cmpF("key", query.Eq, "asmex"))),
			&query.Filter{Not: rel(store.RelPerson, false, store.KindPosition, cmpF("title", query.Eq, "délégué régional"))})
	}, []string{"hassan-sentissi-el-idrissi"}, false},
	{"positions held on a date in an organization", store.KindPosition, func() *query.Filter {
		return and(cmpF("asOf", query.HeldOn, "2022-01-01"),
			rel(store.RelOrganization, true, store.KindOrganization, cmpF("key", query.Eq, "fcmcis")))
	}, []string{"pos-mohamed-fadlam-fcmcis-vice-president"}, true},
	{"unindexable only", store.KindRegion, func() *query.Filter { return cmpF("name", query.Contains, "OUED") },
		[]string{"MA-10", "MA-12"}, false},
}

// TestPlannerNarrowsWithoutChangingResults: every filter gives the same records whether the
// planner can narrow it through an index or must check every record (the same filter under a
// double NOT), in creation order and ordered by name; and the narrowing is real: ordering the
// narrowed candidates fits in a MaxSort that the whole kind exceeds.
func TestPlannerNarrowsWithoutChangingResults(t *testing.T) {
	s := openSeed(t)
	fcmcis := idOf(t, s, "fcmcis").String()
	for _, pc := range plannerCases {
		t.Run(pc.name, func(t *testing.T) {
			mk := pc.filter
			if mk == nil {
				mk = func() *query.Filter { return cmpF("id", query.Eq, fcmcis) }
			}
			for _, order := range [][]query.OrderKey{nil, byName} {
				idx := mustRun(t, s, query.Request{Kind: pc.kind, Filter: mk(), Order: order, First: 1000, NeedTotal: true})
				scan := mustRun(t, s, query.Request{Kind: pc.kind, Filter: notNot(mk()), Order: order, First: 1000, NeedTotal: true})
				if got, want := keysOf(idx), keysOf(scan); !slices.Equal(got, want) {
					t.Errorf("order %v: indexed %v, scanned %v", order, got, want)
				}
				if idx.Total != len(idx.Nodes) || scan.Total != len(scan.Nodes) {
					t.Errorf("order %v: totals %d and %d for %d and %d records", order, idx.Total, scan.Total, len(idx.Nodes), len(scan.Nodes))
				}
				if order == nil {
					if got := keysOf(idx); !slices.Equal(got, pc.want) {
						t.Errorf("got %v, want %v", got, pc.want)
					}
				}
			}
			if !pc.narrow {
				return
			}
			if _, err := run(t, s, query.Request{Kind: pc.kind, Filter: mk(), Order: byName, First: 10, MaxSort: 3}); err != nil {
				t.Errorf("ordering the narrowed candidates with MaxSort 3: %v", err)
			}
			if _, err := run(t, s, query.Request{Kind: pc.kind, Filter: notNot(mk()), Order: byName, First: 10, MaxSort: 3}); !errors.Is(err, query.ErrTooMany) {
				t.Errorf("ordering every record with MaxSort 3: err %v, want ErrTooMany (the test's premise)", err)
			}
		})
	}
}

// TestIndexNeverDecidesLongName: a name too long for the name index (more than 1024 folded
// bytes) must still be found by a name filter: indexes only narrow, the filter decides.
func TestIndexNeverDecidesLongName(t *testing.T) {
	s := openSeed(t)
	long := "Association des amis de la très longue dénomination " + strings.Repeat("régionale et nationale ", 60)
	rec := fmt.Sprintf(`{"type":"Organization","key":"long-name","name":%q,"kind":"OTHER","citations":[{"source":%q}]}`, strings.TrimSpace(long), articleKey)
	if _, err := importer.ImportBytes(s, []byte(rec), "extra"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []*query.Filter{
		cmpF("name", query.StartsWith, "association des amis de la tres longue"),
		cmpF("name", query.Eq, strings.TrimSpace(long)),
		cmpF("name", query.In, strings.TrimSpace(long)),
	} {
		scan := mustRun(t, s, query.Request{Kind: store.KindOrganization, Filter: notNot(f), First: 100})
		if !slices.Equal(keysOf(scan), []string{"long-name"}) {
			t.Fatalf("premise: the scan finds %v", keysOf(scan))
		}
		idx := mustRun(t, s, query.Request{Kind: store.KindOrganization, Filter: f, First: 100})
		if !slices.Equal(keysOf(idx), []string{"long-name"}) {
			t.Errorf("name %v %.40q…: got %v, want [long-name] (the name index skips names over 1024 bytes, and the planner trusts it)", f.Op, f.Values[0], keysOf(idx))
		}
	}
}

// genStore imports a generated graph of 2000 people.
func genStore(t testing.TB) *store.Store {
	t.Helper()
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Options{Seed: 7, People: 2000, Statements: 50, Events: 20, Sources: 5, Organizations: 20}); err != nil {
		t.Fatal(err)
	}
	s := storetest.Open(t)
	if _, err := importer.ImportBytes(s, buf.Bytes(), "gen"); err != nil {
		t.Fatalf("import generated graph: %v", err)
	}
	return s
}

// TestStreamingStopsEarly: with no usable index and the default order, a page of 10 reads about
// 10 records however deep it starts, not the whole kind. There is no read counter, so the
// evidence is allocations (deterministic, unlike timings): decoding a record allocates, so a page
// that decoded the 2000 people would allocate about as much as a full scan.
func TestStreamingStopsEarly(t *testing.T) {
	if testing.Short() {
		t.Skip("imports a generated graph")
	}
	s := genStore(t)
	n, err := s.CountKind(store.KindPerson)
	if err != nil || n != 2000 {
		t.Fatalf("people: %d, %v", n, err)
	}
	var all []store.ID
	if err := s.Read(func(tx *store.Tx) error {
		tx.ScanIDs(store.KindPerson, store.ID{}, false, func(id store.ID) bool { all = append(all, id); return true })
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// An unindexable filter every person matches (a person always has a name).
	every := func() *query.Filter { return &query.Filter{Not: cmpF("name", query.Eq, "no such person, ever")} }
	none := func() *query.Filter { return cmpF("name", query.Contains, "no such person, ever") }

	first := mustRun(t, s, query.Request{Kind: store.KindPerson, Filter: every(), First: 10})
	if got := idsOf(first); !slices.Equal(got, all[:10]) {
		t.Fatalf("first page %v, want %v", got, all[:10])
	}
	if !first.HasNext || first.HasPrev || first.Total != -1 {
		t.Errorf("first page: hasNext %v hasPrev %v total %d, want true false -1 (total not asked)", first.HasNext, first.HasPrev, first.Total)
	}
	deepAfter := &query.Cursor{ID: all[1980]}
	deep := mustRun(t, s, query.Request{Kind: store.KindPerson, Filter: every(), First: 10, After: deepAfter})
	if got := idsOf(deep); !slices.Equal(got, all[1981:1991]) {
		t.Fatalf("deep page %v, want %v", got, all[1981:1991])
	}
	back := mustRun(t, s, query.Request{Kind: store.KindPerson, Filter: every(), Last: 10, Before: &query.Cursor{ID: all[1000]}})
	if got := idsOf(back); !slices.Equal(got, all[990:1000]) {
		t.Fatalf("backward page %v, want %v", got, all[990:1000])
	}
	withTotal := mustRun(t, s, query.Request{Kind: store.KindPerson, Filter: every(), First: 10, NeedTotal: true})
	if withTotal.Total != 2000 {
		t.Errorf("total %d, want 2000", withTotal.Total)
	}

	allocs := func(req func() query.Request) float64 {
		return testing.AllocsPerRun(3, func() {
			if _, err := run(t, s, req()); err != nil {
				t.Fatal(err)
			}
		})
	}
	pageFirst := allocs(func() query.Request { return query.Request{Kind: store.KindPerson, Filter: every(), First: 10} })
	pageDeep := allocs(func() query.Request {
		return query.Request{Kind: store.KindPerson, Filter: every(), First: 10, After: deepAfter}
	})
	pageBack := allocs(func() query.Request {
		return query.Request{Kind: store.KindPerson, Filter: every(), Last: 10, Before: &query.Cursor{ID: all[1000]}}
	})
	full := allocs(func() query.Request { return query.Request{Kind: store.KindPerson, Filter: none(), First: 10} })
	t.Logf("allocations: first page %.0f, deep page %.0f, backward page %.0f, full scan %.0f", pageFirst, pageDeep, pageBack, full)
	for name, a := range map[string]float64{"first page": pageFirst, "deep page": pageDeep, "backward page": pageBack} {
		if a*20 > full {
			t.Errorf("%s allocates %.0f, more than 1/20 of a full scan (%.0f): it does not stop when the page is full", name, a, full)
		}
	}
}

func idsOf(p *query.Page) []store.ID {
	out := make([]store.ID, len(p.Nodes))
	for i, n := range p.Nodes {
		out[i] = n.ID
	}
	return out
}

// TestErrTooMany: ordering more than MaxSort records in memory is refused; creation order is
// not ordered in memory, so it is never refused.
func TestErrTooMany(t *testing.T) {
	s := openSeed(t)
	// 14 people, unindexed, ordered by name.
	if _, err := run(t, s, query.Request{Kind: store.KindPerson, Order: byName, First: 5, MaxSort: 5}); !errors.Is(err, query.ErrTooMany) {
		t.Errorf("14 people by name with MaxSort 5: err %v, want ErrTooMany", err)
	}
	// 14 candidates from an index (every region within MA), ordered by name.
	within := func() *query.Filter { return cmpF("within", query.Within, "MA") }
	if _, err := run(t, s, query.Request{Kind: store.KindRegion, Filter: within(), Order: byName, First: 5, MaxSort: 5}); !errors.Is(err, query.ErrTooMany) {
		t.Errorf("14 indexed candidates by name with MaxSort 5: err %v, want ErrTooMany", err)
	}
	// At the bound: accepted.
	p := mustRun(t, s, query.Request{Kind: store.KindPerson, Order: byName, First: 5, MaxSort: 14, NeedTotal: true})
	if p.Total != 14 || len(p.Nodes) != 5 {
		t.Errorf("at the bound: total %d, %d nodes", p.Total, len(p.Nodes))
	}
	// Creation order, unindexed (streamed) or narrowed: never refused.
	p = mustRun(t, s, query.Request{Kind: store.KindPerson, First: 100, MaxSort: 1, NeedTotal: true})
	if len(p.Nodes) != 14 || p.Total != 14 {
		t.Errorf("creation order with MaxSort 1: %d nodes, total %d", len(p.Nodes), p.Total)
	}
	p = mustRun(t, s, query.Request{Kind: store.KindRegion, Filter: within(), First: 100, MaxSort: 1, NeedTotal: true})
	if len(p.Nodes) != 14 || p.Total != 14 {
		t.Errorf("narrowed, creation order with MaxSort 1: %d nodes, total %d", len(p.Nodes), p.Total)
	}
	// The default bound is generous.
	if _, err := run(t, s, query.Request{Kind: store.KindPerson, Order: byName, First: 5}); err != nil {
		t.Errorf("default MaxSort: %v", err)
	}
}

// TestLastBefore: last/before cut the same ordered list as first/after, on every execution path:
// streamed (creation order, both directions), sorted in memory, and a nested list (Base).
func TestLastBefore(t *testing.T) {
	s := openSeed(t)
	asmex := idOf(t, s, "asmex")
	paths := []struct {
		name string
		req  query.Request
	}{
		{"streamed, creation order", query.Request{Kind: store.KindPerson}},
		{"streamed, creation order descending", query.Request{Kind: store.KindPerson, Order: []query.OrderKey{{Desc: true}}}},
		{"streamed with a filter", query.Request{Kind: store.KindPerson, Filter: cmpF("name", query.Contains, "a")}},
		{"sorted by name", query.Request{Kind: store.KindPerson, Order: byName}},
		{"sorted by name descending", query.Request{Kind: store.KindRegion, Order: []query.OrderKey{{Field: "name", Desc: true}}}},
		{"sorted, missing values", query.Request{Kind: store.KindRegion, Order: []query.OrderKey{{Field: "code", Desc: true}}}},
		{"nested (ASMEX's members)", query.Request{Kind: store.KindPosition, Base: &store.AdjQuery{ID: asmex, Rel: store.RelOrganization, Kind: store.KindPosition}}},
		{"nested, by title", query.Request{Kind: store.KindPosition, Order: []query.OrderKey{{Field: "title"}},
			Base: &store.AdjQuery{ID: asmex, Rel: store.RelOrganization, Kind: store.KindPosition}}},
	}
	for _, pth := range paths {
		t.Run(pth.name, func(t *testing.T) {
			with := func(mod func(r *query.Request)) *query.Page {
				r := pth.req
				mod(&r)
				return mustRun(t, s, r)
			}
			full := with(func(r *query.Request) { r.First = 1000; r.NeedTotal = true })
			ref := idsOf(full)
			n := len(ref)
			if n < 10 {
				t.Fatalf("premise: %d records", n)
			}
			cur := func(i int) *query.Cursor { c := full.Cursors[i]; return &c }
			check := func(what string, p *query.Page, lo, hi int, hasPrev, hasNext bool) {
				t.Helper()
				if got := idsOf(p); !slices.Equal(got, ref[lo:hi]) {
					t.Errorf("%s: got %v, want [%d:%d] %v", what, got, lo, hi, ref[lo:hi])
				}
				if p.HasPrev != hasPrev || p.HasNext != hasNext {
					t.Errorf("%s: hasPrev %v hasNext %v, want %v %v", what, p.HasPrev, p.HasNext, hasPrev, hasNext)
				}
			}
			check("last 3", with(func(r *query.Request) { r.Last = 3 }), n-3, n, true, false)
			check("last all", with(func(r *query.Request) { r.Last = n }), 0, n, false, false)
			check("last 3 before [5]", with(func(r *query.Request) { r.Last = 3; r.Before = cur(5) }), 2, 5, true, true)
			check("last 10 before [3]", with(func(r *query.Request) { r.Last = 10; r.Before = cur(3) }), 0, 3, false, true)
			check("last 3 before [0]", with(func(r *query.Request) { r.Last = 3; r.Before = cur(0) }), 0, 0, false, true)
			check("first 3 after [2]", with(func(r *query.Request) { r.First = 3; r.After = cur(2) }), 3, 6, true, true)
			check("first 10 after [n-3]", with(func(r *query.Request) { r.First = 10; r.After = cur(n - 3) }), n-2, n, true, false)
			// Both bounds: the window between them.
			win := with(func(r *query.Request) { r.First = 100; r.After = cur(2); r.Before = cur(8) })
			if got := idsOf(win); !slices.Equal(got, ref[3:8]) {
				t.Errorf("after [2] before [8], first 100: got %v, want %v", got, ref[3:8])
			}
			win = with(func(r *query.Request) { r.Last = 2; r.After = cur(2); r.Before = cur(8) })
			if got := idsOf(win); !slices.Equal(got, ref[6:8]) {
				t.Errorf("after [2] before [8], last 2: got %v, want %v", got, ref[6:8])
			}
			win = with(func(r *query.Request) { r.Last = 100; r.After = cur(2); r.Before = cur(8) })
			if got := idsOf(win); !slices.Equal(got, ref[3:8]) {
				t.Errorf("after [2] before [8], last 100: got %v, want %v", got, ref[3:8])
			}
			// An empty window: before at or ahead of after.
			for _, b := range []int{2, 1} {
				win = with(func(r *query.Request) { r.First = 100; r.After = cur(2); r.Before = cur(b) })
				if len(win.Nodes) != 0 {
					t.Errorf("after [2] before [%d], first 100: got %v, want nothing", b, idsOf(win))
				}
				win = with(func(r *query.Request) { r.Last = 100; r.After = cur(2); r.Before = cur(b) })
				if len(win.Nodes) != 0 {
					t.Errorf("after [2] before [%d], last 100: got %v, want nothing", b, idsOf(win))
				}
			}
			// Walk backward with last 3 from the end: every record once, in order.
			var walked []store.ID
			var before *query.Cursor
			for range n + 1 {
				p := with(func(r *query.Request) { r.Last = 3; r.Before = before; r.NeedTotal = true })
				if p.Total != n {
					t.Fatalf("walk: total %d, want %d", p.Total, n)
				}
				walked = append(idsOf(p), walked...)
				if !p.HasPrev {
					break
				}
				c := p.Cursors[0]
				before = &c
			}
			if !slices.Equal(walked, ref) {
				t.Errorf("backward walk visited %v, want %v", walked, ref)
			}
		})
	}
}

// TestCursorValuesDecide: a cursor is a position (sort values, then id), not a record: values
// alone place it, and ties on the values are cut by id.
func TestCursorValuesDecide(t *testing.T) {
	s := openSeed(t)
	// Positions by title: 11 "délégué régional" and 3 "président" tie on their titles.
	order := []query.OrderKey{{Field: "title"}}
	full := mustRun(t, s, query.Request{Kind: store.KindPosition, Order: order, First: 100})
	if len(full.Nodes) != 15 {
		t.Fatalf("premise: %d positions", len(full.Nodes))
	}
	for i := 1; i < len(full.Nodes); i++ {
		a, b := full.Cursors[i-1], full.Cursors[i]
		if a.Values[0] > b.Values[0] || (a.Values[0] == b.Values[0] && a.ID.Seq > b.ID.Seq) {
			t.Fatalf("not ordered by title then id at %d: %v, %v", i, a, b)
		}
	}
	// Within the tie, the id cuts.
	p := mustRun(t, s, query.Request{Kind: store.KindPosition, Order: order, First: 3, After: &full.Cursors[4]})
	if got := idsOf(p); !slices.Equal(got, idsOf(full)[5:8]) {
		t.Errorf("after [4]: %v, want %v", got, idsOf(full)[5:8])
	}
	// Values alone place a cursor: "m" falls between "délégué régional" and "président".
	mid := &query.Cursor{Values: []string{"m"}, ID: store.ID{Kind: store.KindPosition, Seq: 1}}
	p = mustRun(t, s, query.Request{Kind: store.KindPosition, Order: order, First: 100, After: mid})
	for _, n := range p.Nodes {
		if query.Value(n, "title") < "m" {
			t.Errorf("after a cursor at %q: got %q", "m", n.Title)
		}
	}
	if len(p.Nodes) != 4 { // président ×3, vice-président
		t.Errorf("after a cursor at %q: %d positions, want 4", "m", len(p.Nodes))
	}
}

// TestOrderMissingValues: missing values sort last ascending and first descending; ties by id.
func TestOrderMissingValues(t *testing.T) {
	s := openSeed(t)
	asc := keysOf(mustRun(t, s, query.Request{Kind: store.KindOrganization, Order: []query.OrderKey{{Field: "acronym"}}, First: 100}))
	want := []string{"asmex", "ccis-marrakech-safi", "csmd", "fcmcis", "dynamique-regionale", "ministere-de-l-industrie-du-commerce-de-l-economie-verte-et-numerique", "l-opinion"}
	if !slices.Equal(asc, want) {
		t.Errorf("by acronym: %v, want %v", asc, want)
	}
	desc := keysOf(mustRun(t, s, query.Request{Kind: store.KindOrganization, Order: []query.OrderKey{{Field: "acronym", Desc: true}}, First: 100}))
	want = []string{"dynamique-regionale", "ministere-de-l-industrie-du-commerce-de-l-economie-verte-et-numerique", "l-opinion", "fcmcis", "csmd", "ccis-marrakech-safi", "asmex"}
	if !slices.Equal(desc, want) {
		t.Errorf("by acronym descending: %v, want %v", desc, want)
	}
}

// TestAggregate: counts and buckets at the engine level, and the error that lists what applies.
func TestAggregate(t *testing.T) {
	s := openSeed(t)
	var buckets []query.Bucket
	var total int
	err := s.Read(func(tx *store.Tx) (err error) {
		buckets, total, err = query.Aggregate(tx, store.KindStatement, nil, []string{"SPEAKER"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if total != 4 || len(buckets) != 3 || buckets[0].Count != 2 || buckets[0].Keys[0] != idOf(t, s, "adil-zaidi").String() || !buckets[0].IsID[0] {
		t.Errorf("statements by speaker: total %d, buckets %+v", total, buckets)
	}
	err = s.Read(func(tx *store.Tx) (err error) {
		_, _, err = query.Aggregate(tx, store.KindRegion, nil, []string{"SPEAKER"})
		return err
	})
	if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "KIND, PARENT") {
		t.Errorf("regions by speaker: %v, want ErrInvalid listing KIND, PARENT", err)
	}
	if got := query.Dimensions(store.KindRegion); !slices.Equal(got, []string{"KIND", "PARENT"}) {
		t.Errorf("Dimensions(Region) = %v", got)
	}
	// Without groupBy: the count only.
	err = s.Read(func(tx *store.Tx) (err error) {
		buckets, total, err = query.Aggregate(tx, store.KindRegion, cmpF("within", query.Within, "MA-07"), nil)
		return err
	})
	if err != nil || total != 2 || len(buckets) != 0 {
		t.Errorf("regions within MA-07: total %d, buckets %v, err %v", total, buckets, err)
	}
}
