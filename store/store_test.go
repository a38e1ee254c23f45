package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/storetest"
)

func TestPutGetLookup(t *testing.T) {
	s := storetest.Open(t)
	src := create(t, s, &store.Node{Kind: store.KindSource, Key: "l-opinion-article", Title: "L'ASMEX prépare un Plan stratégique"})
	p := &store.Node{
		Kind: store.KindPerson, Key: "badia-bitar", Name: "Badia Bitar", Aliases: []string{"B. Bitar"},
		Description: "Déléguée régionale", Citations: cite(src, "Badia Bitar – Région de Marrakech-Safi"),
	}
	id := create(t, s, p)
	if id.Kind != store.KindPerson || id.IsZero() {
		t.Fatalf("new id %#v", id)
	}

	got := get(t, s, id)
	if !reflect.DeepEqual(got, p) {
		t.Errorf("Get = %+v\nwant %+v", got, p)
	}
	// Records of the read methods are shared with the read cache and read-only; a transaction
	// hands out private copies: changing one changes neither the store nor what readers see.
	if err := s.Update(func(tx *store.Tx) error {
		mine, err := tx.Get(id)
		if err != nil {
			return err
		}
		mine.Name = "changed"
		mine.Aliases[0] = "changed"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if again := get(t, s, id); again.Name != "Badia Bitar" || again.Aliases[0] != "B. Bitar" {
		t.Errorf("store changed through a transaction's record: %+v", again)
	}

	for key, want := range map[string]store.ID{"badia-bitar": id, "l-opinion-article": src} {
		if got, err := s.Lookup(key); err != nil || got != want {
			t.Errorf("Lookup(%q) = %v, %v; want %v", key, got, err, want)
		}
	}
	for _, key := range []string{"badia", "badia-bitar-", "Badia Bitar", ""} {
		if got, err := s.Lookup(key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Lookup(%q) = %v, %v; want ErrNotFound", key, got, err)
		}
	}
	if _, err := s.Get(store.ID{Kind: store.KindPerson, Seq: id.Seq + 1000}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(unknown) err = %v, want ErrNotFound", err)
	}

	m, err := s.LookupMany([]string{"badia-bitar", "nobody", "l-opinion-article"})
	if err != nil || !reflect.DeepEqual(m, map[string]store.ID{"badia-bitar": id, "l-opinion-article": src}) {
		t.Errorf("LookupMany = %v, %v", m, err)
	}
	nodes, err := s.GetMany([]store.ID{id, {Kind: store.KindPerson, Seq: 999}, src, id})
	if err != nil || len(nodes) != 2 || nodes[id].Name != "Badia Bitar" || nodes[src].Title != "L'ASMEX prépare un Plan stratégique" {
		t.Errorf("GetMany = %v, %v", nodes, err)
	}
	if countKind(t, s, store.KindPerson) != 1 || countKind(t, s, store.KindSource) != 1 || countKind(t, s, store.KindRegion) != 0 {
		t.Error("kind counts wrong after two creates")
	}

	// Writing the same record again does not count it twice.
	p.Description = "Représentante"
	put(t, s, p)
	if got := get(t, s, id).Description; got != "Représentante" {
		t.Errorf("after update Description = %q", got)
	}
	if n := countKind(t, s, store.KindPerson); n != 1 {
		t.Errorf("CountKind(Person) after update = %d, want 1", n)
	}
	if empty, err := s.Empty(); err != nil || empty {
		t.Errorf("Empty() = %v, %v", empty, err)
	}
	assertNoViolations(t, s)
}

func TestPutRejectsBadRecords(t *testing.T) {
	s := storetest.Open(t)
	cases := map[string]*store.Node{
		"no id":         {Kind: store.KindPerson, Name: "X"},
		"kind mismatch": {ID: store.ID{Kind: store.KindPerson, Seq: 1}, Kind: store.KindOrganization, Name: "X"},
	}
	for name, n := range cases {
		err := s.Update(func(tx *store.Tx) error { return tx.Put(n) })
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	if empty, err := s.Empty(); err != nil || !empty {
		t.Errorf("Empty() = %v, %v after rejected writes", empty, err)
	}
}

func TestKeyConflict(t *testing.T) {
	s := storetest.Open(t)
	first := create(t, s, &store.Node{Kind: store.KindOrganization, Key: "asmex", Name: "Association Marocaine des Exportateurs"})

	// A second record with the same key, in a new transaction.
	var second store.ID
	err := s.Update(func(tx *store.Tx) error {
		id, err := tx.NewID(store.KindOrganization)
		if err != nil {
			return err
		}
		second = id
		return tx.Put(&store.Node{ID: id, Kind: store.KindOrganization, Key: "asmex", Name: "Zzyzx Imposter"})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second record with key asmex: err = %v, want ErrConflict", err)
	}
	// Two records with one key in the same transaction: the whole transaction is refused.
	var third store.ID
	err = s.Update(func(tx *store.Tx) error {
		a, _ := tx.NewID(store.KindPerson)
		third = a
		if err := tx.Put(&store.Node{ID: a, Kind: store.KindPerson, Key: "twin", Name: "Zzyzx Twin"}); err != nil {
			return err
		}
		b, _ := tx.NewID(store.KindPerson)
		return tx.Put(&store.Node{ID: b, Kind: store.KindPerson, Key: "twin", Name: "Zzyzx Twin"})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("two records with key twin in one tx: err = %v, want ErrConflict", err)
	}

	// Nothing of the refused writes is there.
	for _, id := range []store.ID{second, third} {
		if _, err := s.Get(id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(%v) err = %v, want ErrNotFound", id, err)
		}
	}
	if got, err := s.Lookup("asmex"); err != nil || got != first {
		t.Errorf("Lookup(asmex) = %v, %v; want %v", got, err, first)
	}
	if _, err := s.Lookup("twin"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Lookup(twin) err = %v, want ErrNotFound", err)
	}
	if hits, err := s.SearchNames("zzyzx", nil, 10); err != nil || len(hits) != 0 {
		t.Errorf("SearchNames(zzyzx) = %v, %v; want nothing", hits, err)
	}
	if n := countKind(t, s, store.KindOrganization); n != 1 {
		t.Errorf("CountKind(Organization) = %d, want 1", n)
	}
	if n := countKind(t, s, store.KindPerson); n != 0 {
		t.Errorf("CountKind(Person) = %d, want 0", n)
	}

	// Re-putting the owner with its own key is fine; moving it to a new key frees the old one.
	n := get(t, s, first)
	put(t, s, n)
	n.Key = "asmex-2"
	put(t, s, n)
	if _, err := s.Lookup("asmex"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old key still resolves: %v", err)
	}
	if got, err := s.Lookup("asmex-2"); err != nil || got != first {
		t.Errorf("Lookup(asmex-2) = %v, %v", got, err)
	}
	other := create(t, s, &store.Node{Kind: store.KindOrganization, Key: "asmex", Name: "New owner"})
	if got, err := s.Lookup("asmex"); err != nil || got != other {
		t.Errorf("freed key: Lookup(asmex) = %v, %v; want %v", got, err, other)
	}
	// Removing a key removes its index entry.
	n.Key = ""
	put(t, s, n)
	if _, err := s.Lookup("asmex-2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("removed key still resolves: %v", err)
	}
	assertNoViolations(t, s)
}

// graph is a small graph shared by the link tests.
type graph struct {
	src, asmex, fcmcis, badia, adil, ma07, pos, stm store.ID
}

func buildGraph(t *testing.T, s *store.Store) graph {
	var g graph
	g.src = create(t, s, &store.Node{Kind: store.KindSource, Key: "src", Title: "Article"})
	g.asmex = create(t, s, &store.Node{Kind: store.KindOrganization, Key: "asmex", Name: "ASMEX", Citations: cite(g.src, "a")})
	g.fcmcis = create(t, s, &store.Node{Kind: store.KindOrganization, Key: "fcmcis", Name: "FCMCIS", Citations: cite(g.src, "b")})
	g.badia = create(t, s, &store.Node{Kind: store.KindPerson, Key: "badia-bitar", Name: "Badia Bitar", Citations: cite(g.src, "c")})
	g.adil = create(t, s, &store.Node{Kind: store.KindPerson, Key: "adil-zaidi", Name: "Adil Zaidi", Citations: cite(g.src, "d")})
	g.ma07 = create(t, s, &store.Node{Kind: store.KindRegion, Key: "MA-07", Name: "Marrakech-Safi", Citations: cite(g.src, "e")})
	g.pos = create(t, s, withLinks(&store.Node{Kind: store.KindPosition, Title: "délégué régional", Citations: cite(g.src, "f")},
		map[store.Rel][]store.ID{store.RelPerson: {g.badia}, store.RelOrganization: {g.asmex}, store.RelRegion: {g.ma07}}))
	g.stm = create(t, s, withLinks(&store.Node{Kind: store.KindStatement, Text: "Cette rencontre", Language: "fr", Citations: cite(g.src, "g")},
		map[store.Rel][]store.ID{store.RelSpeaker: {g.adil}, store.RelAbout: {g.fcmcis, g.badia, g.asmex, g.ma07}}))
	return g
}

func TestLinks(t *testing.T) {
	s := storetest.Open(t)
	g := buildGraph(t, s)
	const out, in = true, false
	P, O, R, S := store.KindPerson, store.KindOrganization, store.KindRegion, store.KindStatement

	t.Run("adjacency", func(t *testing.T) {
		wantIDs(t, "pos →person", adj(t, s, g.pos, store.RelPerson, out, 0), g.badia)
		wantIDs(t, "pos →organization", adj(t, s, g.pos, store.RelOrganization, out, 0), g.asmex)
		wantIDs(t, "pos →organization (Organization)", adj(t, s, g.pos, store.RelOrganization, out, O), g.asmex)
		wantIDs(t, "pos →organization (Person)", adj(t, s, g.pos, store.RelOrganization, out, P))
		wantIDs(t, "badia ←person", adj(t, s, g.badia, store.RelPerson, in, 0), g.pos)
		wantIDs(t, "badia ←person (Position)", adj(t, s, g.badia, store.RelPerson, in, store.KindPosition), g.pos)
		wantIDs(t, "badia ←person (Participation)", adj(t, s, g.badia, store.RelPerson, in, store.KindParticipation))
		wantIDs(t, "asmex ←organization", adj(t, s, g.asmex, store.RelOrganization, in, 0), g.pos)
		wantIDs(t, "ma07 ←region", adj(t, s, g.ma07, store.RelRegion, in, 0), g.pos)
		wantIDs(t, "badia ←organization", adj(t, s, g.badia, store.RelOrganization, in, 0))
		wantIDs(t, "badia →person", adj(t, s, g.badia, store.RelPerson, out, 0))
		// A many-link is ordered by neighbour ID (kind, then creation), not by list order.
		wantIDs(t, "stm →about", adj(t, s, g.stm, store.RelAbout, out, 0), g.badia, g.asmex, g.fcmcis, g.ma07)
		wantIDs(t, "stm →about (Organization)", adj(t, s, g.stm, store.RelAbout, out, O), g.asmex, g.fcmcis)
		wantIDs(t, "stm →about (Region)", adj(t, s, g.stm, store.RelAbout, out, R), g.ma07)
		wantIDs(t, "adil ←speaker (Statement)", adj(t, s, g.adil, store.RelSpeaker, in, S), g.stm)
		// Citations are edges too.
		wantIDs(t, "src ←cites", adj(t, s, g.src, store.RelCites, in, 0), g.badia, g.adil, g.asmex, g.fcmcis, g.ma07, g.stm, g.pos)
		wantIDs(t, "src ←cites (Person)", adj(t, s, g.src, store.RelCites, in, P), g.badia, g.adil)
		wantIDs(t, "pos →cites", adj(t, s, g.pos, store.RelCites, out, 0), g.src)
	})

	t.Run("degrees", func(t *testing.T) {
		ds := map[store.Degree]int{
			{ID: g.pos, Rel: store.RelOrganization, Out: out, Kind: O}:                   1,
			{ID: g.pos, Rel: store.RelOrganization, Out: out, Kind: P}:                   0,
			{ID: g.asmex, Rel: store.RelOrganization, Out: in, Kind: store.KindPosition}: 1,
			{ID: g.badia, Rel: store.RelPerson, Out: in, Kind: store.KindPosition}:       1,
			{ID: g.stm, Rel: store.RelAbout, Out: out, Kind: O}:                          2,
			{ID: g.stm, Rel: store.RelAbout, Out: out, Kind: P}:                          1,
			{ID: g.stm, Rel: store.RelAbout, Out: out, Kind: R}:                          1,
			{ID: g.asmex, Rel: store.RelAbout, Out: in, Kind: S}:                         1,
			{ID: g.src, Rel: store.RelCites, Out: in, Kind: P}:                           2,
			{ID: g.src, Rel: store.RelCites, Out: in, Kind: O}:                           2,
			{ID: g.src, Rel: store.RelCites, Out: in, Kind: store.KindPosition}:          1,
			{ID: g.src, Rel: store.RelCites, Out: out, Kind: P}:                          0,
		}
		var qs []store.Degree
		for d := range ds {
			qs = append(qs, d)
		}
		got, err := s.Degrees(qs)
		if err != nil {
			t.Fatal(err)
		}
		for d, want := range ds {
			if got[d] != want {
				t.Errorf("Degrees(%+v) = %d, want %d", d, got[d], want)
			}
		}
	})

	t.Run("counts", func(t *testing.T) {
		for k, want := range map[store.Kind]int{
			store.KindSource: 1, O: 2, P: 2, R: 1, store.KindPosition: 1, S: 1, store.KindEvent: 0, store.KindParticipation: 0,
		} {
			if got := countKind(t, s, k); got != want {
				t.Errorf("CountKind(%v) = %d, want %d", k, got, want)
			}
		}
	})
	assertNoViolations(t, s)
}

func TestChangeLinks(t *testing.T) {
	s := storetest.Open(t)
	g := buildGraph(t, s)
	const out, in = true, false
	O, Pos, S := store.KindOrganization, store.KindPosition, store.KindStatement

	// The position moves from ASMEX to FCMCIS, and loses its region.
	p := get(t, s, g.pos)
	p.SetLink(store.RelOrganization, g.fcmcis)
	p.SetLink(store.RelRegion)
	put(t, s, p)
	wantIDs(t, "pos →organization", adj(t, s, g.pos, store.RelOrganization, out, 0), g.fcmcis)
	wantIDs(t, "asmex ←organization", adj(t, s, g.asmex, store.RelOrganization, in, 0))
	wantIDs(t, "fcmcis ←organization", adj(t, s, g.fcmcis, store.RelOrganization, in, 0), g.pos)
	wantIDs(t, "pos →region", adj(t, s, g.pos, store.RelRegion, out, 0))
	wantIDs(t, "ma07 ←region", adj(t, s, g.ma07, store.RelRegion, in, 0))
	wantIDs(t, "badia ←person", adj(t, s, g.badia, store.RelPerson, in, 0), g.pos)
	for d, want := range map[string][2]int{
		"pos out organization":   {deg(t, s, g.pos, store.RelOrganization, out, O), 1},
		"asmex in organization":  {deg(t, s, g.asmex, store.RelOrganization, in, Pos), 0},
		"fcmcis in organization": {deg(t, s, g.fcmcis, store.RelOrganization, in, Pos), 1},
		"pos out region":         {deg(t, s, g.pos, store.RelRegion, out, store.KindRegion), 0},
		"ma07 in region":         {deg(t, s, g.ma07, store.RelRegion, in, Pos), 0},
		"badia in person":        {deg(t, s, g.badia, store.RelPerson, in, Pos), 1},
	} {
		if want[0] != want[1] {
			t.Errorf("%s = %d, want %d", d, want[0], want[1])
		}
	}

	// The statement drops FCMCIS and Badia Bitar from its "about" list.
	st := get(t, s, g.stm)
	st.SetLink(store.RelAbout, g.asmex, g.ma07)
	put(t, s, st)
	wantIDs(t, "stm →about", adj(t, s, g.stm, store.RelAbout, out, 0), g.asmex, g.ma07)
	wantIDs(t, "fcmcis ←about", adj(t, s, g.fcmcis, store.RelAbout, in, 0))
	wantIDs(t, "badia ←about", adj(t, s, g.badia, store.RelAbout, in, 0))
	wantIDs(t, "asmex ←about", adj(t, s, g.asmex, store.RelAbout, in, 0), g.stm)
	if got := deg(t, s, g.stm, store.RelAbout, out, O); got != 1 {
		t.Errorf("stm about Organization degree = %d, want 1", got)
	}
	if got := deg(t, s, g.stm, store.RelAbout, out, store.KindPerson); got != 0 {
		t.Errorf("stm about Person degree = %d, want 0", got)
	}
	if got := deg(t, s, g.fcmcis, store.RelAbout, in, S); got != 0 {
		t.Errorf("fcmcis in about degree = %d, want 0", got)
	}

	// Citations: a second citation of the same source adds no edge; dropping all removes it.
	st.Citations = append(st.Citations, store.Citation{Source: g.src, Excerpt: "another"})
	put(t, s, st)
	if got := deg(t, s, g.src, store.RelCites, in, S); got != 1 {
		t.Errorf("src cited by statements = %d, want 1", got)
	}
	st.Citations = nil
	put(t, s, st)
	if got := deg(t, s, g.src, store.RelCites, in, S); got != 0 {
		t.Errorf("src cited by statements after removal = %d, want 0", got)
	}
	wantIDs(t, "stm →cites", adj(t, s, g.stm, store.RelCites, out, 0))
	assertNoViolations(t, s)
}

func TestDelete(t *testing.T) {
	s := storetest.Open(t)
	g := buildGraph(t, s)
	const out, in = true, false

	// A position: its edges in both directions and their counts go.
	del(t, s, g.pos)
	if _, err := s.Get(g.pos); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(deleted) err = %v", err)
	}
	for _, r := range []store.Rel{store.RelPerson, store.RelOrganization, store.RelRegion, store.RelCites} {
		wantIDs(t, fmt.Sprintf("pos →%v", r), adj(t, s, g.pos, r, out, 0))
	}
	wantIDs(t, "badia ←person", adj(t, s, g.badia, store.RelPerson, in, 0))
	wantIDs(t, "asmex ←organization", adj(t, s, g.asmex, store.RelOrganization, in, 0))
	wantIDs(t, "ma07 ←region", adj(t, s, g.ma07, store.RelRegion, in, 0))
	wantIDs(t, "src ←cites (Position)", adj(t, s, g.src, store.RelCites, in, store.KindPosition))
	for _, d := range []store.Degree{
		{ID: g.pos, Rel: store.RelPerson, Out: out, Kind: store.KindPerson},
		{ID: g.badia, Rel: store.RelPerson, Out: in, Kind: store.KindPosition},
		{ID: g.asmex, Rel: store.RelOrganization, Out: in, Kind: store.KindPosition},
		{ID: g.ma07, Rel: store.RelRegion, Out: in, Kind: store.KindPosition},
		{ID: g.src, Rel: store.RelCites, Out: in, Kind: store.KindPosition},
	} {
		if got := deg(t, s, d.ID, d.Rel, d.Out, d.Kind); got != 0 {
			t.Errorf("Degree %+v = %d after delete, want 0", d, got)
		}
	}
	if n := countKind(t, s, store.KindPosition); n != 0 {
		t.Errorf("CountKind(Position) = %d, want 0", n)
	}

	// An entity: its key, names and tokens go too.
	del(t, s, g.badia)
	if _, err := s.Lookup("badia-bitar"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Lookup(badia-bitar) err = %v, want ErrNotFound", err)
	}
	for _, q := range []string{"badia bitar", "badia", "bitar", "bit"} {
		if hits, err := s.SearchNames(q, nil, 10); err != nil || len(hits) != 0 {
			t.Errorf("SearchNames(%q) = %v, %v after delete", q, hits, err)
		}
	}
	wantIDs(t, "src ←cites (Person)", adj(t, s, g.src, store.RelCites, in, store.KindPerson), g.adil)
	if got := deg(t, s, g.src, store.RelCites, in, store.KindPerson); got != 1 {
		t.Errorf("src cited by people = %d, want 1", got)
	}
	if n := countKind(t, s, store.KindPerson); n != 1 {
		t.Errorf("CountKind(Person) = %d, want 1", n)
	}

	// A statement: its natural identity entry goes.
	stm := get(t, s, g.stm)
	if err := s.Read(func(tx *store.Tx) error { _, err := tx.LookupIdentity(stm); return err }); err != nil {
		t.Fatalf("LookupIdentity(statement) before delete: %v", err)
	}
	del(t, s, g.stm)
	if err := s.Read(func(tx *store.Tx) error { _, err := tx.LookupIdentity(stm); return err }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LookupIdentity(statement) after delete: %v, want ErrNotFound", err)
	}
	wantIDs(t, "adil ←speaker", adj(t, s, g.adil, store.RelSpeaker, in, 0))
	wantIDs(t, "asmex ←about", adj(t, s, g.asmex, store.RelAbout, in, 0))
	if n := countKind(t, s, store.KindStatement); n != 0 {
		t.Errorf("CountKind(Statement) = %d, want 0", n)
	}

	// Deleting what is not there.
	if err := s.Update(func(tx *store.Tx) error { return tx.Delete(g.pos) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second Delete err = %v, want ErrNotFound", err)
	}
	if n := countKind(t, s, store.KindPosition); n != 0 {
		t.Errorf("CountKind(Position) after a failed delete = %d, want 0", n)
	}

	// A deleted record's ID is never handed out again.
	if id := create(t, s, &store.Node{Kind: store.KindPosition, Title: "x"}); id.Seq <= g.pos.Seq {
		t.Errorf("new position got %v, not after deleted %v", id, g.pos)
	}
	assertNoViolations(t, s)
}

func del(t *testing.T, s *store.Store, id store.ID) {
	t.Helper()
	if err := s.Update(func(tx *store.Tx) error { return tx.Delete(id) }); err != nil {
		t.Fatalf("Delete(%v): %v", id, err)
	}
}

func TestDependents(t *testing.T) {
	s := storetest.Open(t)
	g := buildGraph(t, s)
	pos2 := create(t, s, withLinks(&store.Node{Kind: store.KindPosition, Title: "membre"},
		map[store.Rel][]store.ID{store.RelPerson: {g.badia}, store.RelOrganization: {g.fcmcis}}))

	deps := func(id store.ID, limit int) []store.ID {
		t.Helper()
		var out []store.ID
		if err := s.Read(func(tx *store.Tx) (err error) { out, err = tx.Dependents(id, limit); return }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	// Badia Bitar: two positions (relation person) and a statement about her (relation about),
	// in relation order, then ID order.
	wantIDs(t, "Dependents(badia)", deps(g.badia, 10), g.pos, pos2, g.stm)
	wantIDs(t, "Dependents(badia, 2)", deps(g.badia, 2), g.pos, pos2)
	wantIDs(t, "Dependents(adil)", deps(g.adil, 10), g.stm)
	wantIDs(t, "Dependents(stm)", deps(g.stm, 10))
	wantIDs(t, "Dependents(pos)", deps(g.pos, 10))
	if got := deps(g.src, 100); len(got) != 7 {
		t.Errorf("Dependents(src) = %v, want the 7 records that cite it", got)
	}
	// The person with seq 256 has none of the dependents of badia (seq 1): the scanned prefix holds
	// the whole 9-byte ID, so sequences that differ in any byte never mix.
	var last store.ID
	for last.Seq < 256 {
		id, err := s.NewID(store.KindPerson)
		if err != nil {
			t.Fatal(err)
		}
		last = id
	}
	if last.Seq != 256 {
		t.Fatalf("last person seq %d", last.Seq)
	}
	put(t, s, &store.Node{ID: last, Kind: store.KindPerson, Name: "Seq 256"})
	wantIDs(t, "Dependents(per seq 256)", deps(last, 10))
	assertNoViolations(t, s)
}

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	g := buildGraph(t, s)
	// Burn a few IDs without writing records: they must not be reused either.
	burnt, err := s.NewID(store.KindPerson)
	if err != nil {
		t.Fatal(err)
	}
	before := map[store.ID]*store.Node{}
	ids := []store.ID{g.src, g.asmex, g.fcmcis, g.badia, g.adil, g.ma07, g.pos, g.stm}
	for _, id := range ids {
		before[id] = get(t, s, id)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}()
	if s.Calls() != 0 {
		t.Errorf("Calls() after reopen = %d, want 0", s.Calls())
	}
	got, err := s.GetMany(ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if !reflect.DeepEqual(got[id], before[id]) {
			t.Errorf("record %v after reopen = %+v, want %+v", id, got[id], before[id])
		}
	}
	for key, want := range map[string]store.ID{"src": g.src, "asmex": g.asmex, "fcmcis": g.fcmcis, "badia-bitar": g.badia, "adil-zaidi": g.adil, "MA-07": g.ma07} {
		if id, err := s.Lookup(key); err != nil || id != want {
			t.Errorf("Lookup(%q) after reopen = %v, %v; want %v", key, id, err, want)
		}
	}
	wantIDs(t, "stm →about", adj(t, s, g.stm, store.RelAbout, true, 0), g.badia, g.asmex, g.fcmcis, g.ma07)
	wantIDs(t, "asmex ←organization", adj(t, s, g.asmex, store.RelOrganization, false, 0), g.pos)
	wantIDs(t, "badia ←person", adj(t, s, g.badia, store.RelPerson, false, store.KindPosition), g.pos)
	wantIDs(t, "src ←cites", adj(t, s, g.src, store.RelCites, false, 0), g.badia, g.adil, g.asmex, g.fcmcis, g.ma07, g.stm, g.pos)
	if d := deg(t, s, g.src, store.RelCites, false, store.KindOrganization); d != 2 {
		t.Errorf("src cited by organizations after reopen = %d, want 2", d)
	}
	if d := deg(t, s, g.stm, store.RelAbout, true, store.KindOrganization); d != 2 {
		t.Errorf("stm about organizations after reopen = %d, want 2", d)
	}
	for k, want := range map[store.Kind]int{store.KindSource: 1, store.KindOrganization: 2, store.KindPerson: 2, store.KindRegion: 1, store.KindPosition: 1, store.KindStatement: 1} {
		if n := countKind(t, s, k); n != want {
			t.Errorf("CountKind(%v) after reopen = %d, want %d", k, n, want)
		}
	}
	if hits, err := s.SearchNames("marrakech safi", nil, 5); err != nil || len(hits) != 1 || hits[0].ID != g.ma07 {
		t.Errorf("SearchNames after reopen = %v, %v", hits, err)
	}
	if n, err := s.Get(g.stm); err != nil || n.Text == "" {
		t.Errorf("statement after reopen = %v, %v", n, err)
	}
	// IDs continue after every ID handed out before, written or not.
	for _, k := range []store.Kind{store.KindPerson, store.KindPosition, store.KindSource} {
		id, err := s.NewID(k)
		if err != nil {
			t.Fatal(err)
		}
		for _, old := range append(ids, burnt) {
			if old.Kind == k && id.Seq <= old.Seq {
				t.Errorf("NewID(%v) after reopen = %v, not after %v", k, id, old)
			}
		}
	}
}

func TestAdjacentPagination(t *testing.T) {
	s := storetest.Open(t)
	src := create(t, s, &store.Node{Kind: store.KindSource, Key: "src", Title: "Source"})
	// Burn person IDs so the cited people straddle the one-byte boundary: seqs 254…257.
	for {
		id, err := s.NewID(store.KindPerson)
		if err != nil {
			t.Fatal(err)
		}
		if id.Seq == 253 {
			break
		}
	}
	// Ten records of three kinds cite the source; they are created in a mixed order.
	var people, orgs, regions []store.ID
	for i := range 10 {
		var n *store.Node
		switch i % 3 {
		case 0:
			n = &store.Node{Kind: store.KindPerson, Name: fmt.Sprintf("P%d", i)}
		case 1:
			n = &store.Node{Kind: store.KindOrganization, Name: fmt.Sprintf("O%d", i)}
		case 2:
			n = &store.Node{Kind: store.KindRegion, Name: fmt.Sprintf("R%d", i)}
		}
		n.Citations = cite(src, "")
		id := create(t, s, n)
		switch n.Kind {
		case store.KindPerson:
			people = append(people, id)
		case store.KindOrganization:
			orgs = append(orgs, id)
		default:
			regions = append(regions, id)
		}
	}
	if people[0].Seq != 254 || people[3].Seq != 257 {
		t.Fatalf("people seqs %v, want 254…257", people)
	}
	all := append(append(append([]store.ID{}, people...), orgs...), regions...)
	wantIDs(t, "all neighbours", adj(t, s, src, store.RelCites, false, 0), all...)

	for _, c := range []struct {
		kind store.Kind
		want []store.ID
	}{{0, all}, {store.KindPerson, people}, {store.KindOrganization, orgs}, {store.KindRegion, regions}} {
		for _, size := range []int{1, 2, 3, 4, 10, 11} {
			t.Run(fmt.Sprintf("kind=%v/first=%d", c.kind, size), func(t *testing.T) {
				var got []store.ID
				after := store.ID{}
				pages := 0
				for {
					q := store.AdjQuery{ID: src, Rel: store.RelCites, Out: false, Kind: c.kind, After: after, First: size}
					res, err := s.Adjacent([]store.AdjQuery{q})
					if err != nil {
						t.Fatal(err)
					}
					page := res[q]
					pages++
					if len(page.IDs) > size {
						t.Fatalf("page %d has %d IDs, more than %d", pages, len(page.IDs), size)
					}
					got = append(got, page.IDs...)
					wantNext := len(got) < len(c.want)
					if page.HasNext != wantNext {
						t.Fatalf("page %d (after %v): HasNext = %v with %d of %d seen", pages, after, page.HasNext, len(got), len(c.want))
					}
					if !page.HasNext {
						break
					}
					if len(page.IDs) != size {
						t.Fatalf("page %d has %d IDs but HasNext", pages, len(page.IDs))
					}
					after = page.IDs[len(page.IDs)-1]
					if pages > 20 {
						t.Fatal("pagination does not end")
					}
				}
				wantIDs(t, "visited", got, c.want...)
				if want := max(1, (len(c.want)+size-1)/size); pages != want {
					t.Errorf("%d pages, want %d", pages, want)
				}
			})
		}
	}

	// Several queries in one call: one round trip, each answered on its own.
	calls := s.Calls()
	qs := []store.AdjQuery{
		{ID: src, Rel: store.RelCites, First: 2},
		{ID: src, Rel: store.RelCites, Kind: store.KindRegion},
		{ID: src, Rel: store.RelCites, After: people[3], First: 2},
		{ID: people[0], Rel: store.RelCites, Out: true},
	}
	res, err := s.Adjacent(qs)
	if err != nil {
		t.Fatal(err)
	}
	if d := s.Calls() - calls; d != 1 {
		t.Errorf("Adjacent with %d queries cost %d calls, want 1", len(qs), d)
	}
	wantIDs(t, "q0", res[qs[0]].IDs, people[0], people[1])
	wantIDs(t, "q1", res[qs[1]].IDs, regions...)
	wantIDs(t, "q2", res[qs[2]].IDs, orgs[0], orgs[1])
	wantIDs(t, "q3", res[qs[3]].IDs, src)
	if !res[qs[0]].HasNext || res[qs[1]].HasNext || !res[qs[2]].HasNext || res[qs[3]].HasNext {
		t.Errorf("HasNext = %v %v %v %v, want true false true false", res[qs[0]].HasNext, res[qs[1]].HasNext, res[qs[2]].HasNext, res[qs[3]].HasNext)
	}
	assertNoViolations(t, s)
}

func TestList(t *testing.T) {
	s := storetest.Open(t)
	// Records of other kinds, before and after, must not show up.
	create(t, s, &store.Node{Kind: store.KindPerson, Name: "before"})
	var want []store.ID
	for i := range 10 {
		want = append(want, create(t, s, &store.Node{Kind: store.KindOrganization, Name: fmt.Sprintf("Org %d", i)}))
	}
	create(t, s, &store.Node{Kind: store.KindRegion, Name: "after"})

	for _, size := range []int{1, 2, 3, 9, 10, 11} {
		t.Run(fmt.Sprintf("first=%d", size), func(t *testing.T) {
			var got []store.ID
			after := store.ID{}
			for pages := 1; ; pages++ {
				nodes, more, err := s.List(store.KindOrganization, after, size)
				if err != nil {
					t.Fatal(err)
				}
				if len(nodes) > size {
					t.Fatalf("page %d: %d records, more than %d", pages, len(nodes), size)
				}
				for _, n := range nodes {
					if n.Kind != store.KindOrganization || n.Name != fmt.Sprintf("Org %d", len(got)) {
						t.Fatalf("page %d: record %+v", pages, n)
					}
					got = append(got, n.ID)
				}
				if wantMore := len(got) < len(want); more != wantMore {
					t.Fatalf("page %d: more = %v with %d of %d seen", pages, more, len(got), len(want))
				}
				if !more {
					break
				}
				after = nodes[len(nodes)-1].ID
				if pages > 20 {
					t.Fatal("List does not end")
				}
			}
			wantIDs(t, "listed", got, want...)
		})
	}
	nodes, more, err := s.List(store.KindOrganization, want[9], 5)
	if err != nil || len(nodes) != 0 || more {
		t.Errorf("List after the last = %d records, more %v, %v", len(nodes), more, err)
	}
	nodes, more, err = s.List(store.KindEvent, store.ID{}, 5)
	if err != nil || len(nodes) != 0 || more {
		t.Errorf("List of an empty kind = %d records, more %v, %v", len(nodes), more, err)
	}
	nodes, more, err = s.List(store.KindPerson, store.ID{}, 5)
	if err != nil || len(nodes) != 1 || nodes[0].Name != "before" || more {
		t.Errorf("List(Person) = %v, more %v, %v", nodes, more, err)
	}
}

func TestCalls(t *testing.T) {
	s := storetest.Open(t)
	var ids []store.ID
	for i := range 10 {
		ids = append(ids, create(t, s, &store.Node{Kind: store.KindPerson, Key: fmt.Sprintf("p-%d", i), Name: fmt.Sprintf("Person %d", i)}))
	}
	reads := []struct {
		name string
		fn   func() error
	}{
		{"Get", func() error { _, err := s.Get(ids[0]); return err }},
		{"Get missing", func() error { _, _ = s.Get(store.ID{Kind: store.KindEvent, Seq: 1}); return nil }},
		{"GetMany of 10", func() error { _, err := s.GetMany(ids); return err }},
		{"Lookup", func() error { _, err := s.Lookup("p-3"); return err }},
		{"LookupMany of 10", func() error {
			_, err := s.LookupMany([]string{"p-0", "p-1", "p-2", "p-3", "p-4", "p-5", "p-6", "p-7", "p-8", "p-9"})
			return err
		}},
		{"Adjacent of 10", func() error {
			var qs []store.AdjQuery
			for _, id := range ids {
				qs = append(qs, store.AdjQuery{ID: id, Rel: store.RelCites, Out: true})
			}
			_, err := s.Adjacent(qs)
			return err
		}},
		{"Degrees of 10", func() error {
			var ds []store.Degree
			for _, id := range ids {
				ds = append(ds, store.Degree{ID: id, Rel: store.RelPerson, Kind: store.KindPosition})
			}
			_, err := s.Degrees(ds)
			return err
		}},
		{"CountKind", func() error { _, err := s.CountKind(store.KindPerson); return err }},
		{"List", func() error { _, _, err := s.List(store.KindPerson, store.ID{}, 5); return err }},
		{"Empty", func() error { _, err := s.Empty(); return err }},
		{"SearchNames", func() error { _, err := s.SearchNames("person", nil, 5); return err }},
		{"Read", func() error {
			return s.Read(func(tx *store.Tx) error {
				for _, id := range ids {
					if _, err := tx.Get(id); err != nil {
						return err
					}
				}
				return nil
			})
		}},
	}
	for _, r := range reads {
		before := s.Calls()
		if err := r.fn(); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if d := s.Calls() - before; d != 1 {
			t.Errorf("%s cost %d calls, want 1", r.name, d)
		}
	}
}

// TestCursorOfAnotherKind: After is documented as an exclusive ID bound ("only neighbours with a
// greater ID", "records of kind k with IDs greater than after"), so a bound of a lower kind keeps
// every record of the kind asked for, and one of a higher kind keeps none, whatever else is stored.
func TestCursorOfAnotherKind(t *testing.T) {
	s := storetest.Open(t)
	src := create(t, s, &store.Node{Kind: store.KindSource, Title: "S"})
	per := create(t, s, &store.Node{Kind: store.KindPerson, Name: "P", Citations: cite(src, "")})
	create(t, s, &store.Node{Kind: store.KindOrganization, Name: "O", Citations: cite(src, "")}) // between Person and Region
	reg := create(t, s, &store.Node{Kind: store.KindRegion, Name: "R", Citations: cite(src, "")})
	evt := create(t, s, &store.Node{Kind: store.KindEvent, Name: "E", Citations: cite(src, "")})

	for _, c := range []struct {
		after store.ID
		want  []store.ID
	}{{per, []store.ID{reg}}, {evt, nil}} {
		q := store.AdjQuery{ID: src, Rel: store.RelCites, Kind: store.KindRegion, After: c.after, First: 5}
		res, err := s.Adjacent([]store.AdjQuery{q})
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, fmt.Sprintf("Adjacent(Region, after %v)", c.after), res[q].IDs, c.want...)

		nodes, _, err := s.List(store.KindRegion, c.after, 5)
		if err != nil {
			t.Fatal(err)
		}
		var got []store.ID
		for _, n := range nodes {
			got = append(got, n.ID)
		}
		wantIDs(t, fmt.Sprintf("List(Region, after %v)", c.after), got, c.want...)
	}
}

// TestIdentityCollision: two keyless records may not end up with one natural identity (see
// Node.Identity) — the identity index holds one ID per identity, so either Put refuses the second
// (like a taken key) or the index must stay right for both. Here a position is renamed so that it
// becomes the same position as another one.
func TestIdentityCollision(t *testing.T) {
	s := storetest.Open(t)
	g := buildGraph(t, s)
	other := create(t, s, withLinks(&store.Node{Kind: store.KindPosition, Title: "membre"},
		map[store.Rel][]store.ID{store.RelPerson: {g.badia}, store.RelOrganization: {g.asmex}, store.RelRegion: {g.ma07}}))
	n := get(t, s, other)
	n.Title = "Délégué Régional" // folds to g.pos's title
	err := s.Update(func(tx *store.Tx) error { return tx.Put(n) })
	switch {
	case errors.Is(err, store.ErrConflict):
		if got := get(t, s, other).Title; got != "membre" {
			t.Errorf("refused Put wrote title %q", got)
		}
	case err != nil:
		t.Fatalf("Put: %v, want nil or ErrConflict", err)
	}
	assertNoViolations(t, s)

	// Whatever Put did, the first position is still found by its identity once the other is gone.
	del(t, s, other)
	first := get(t, s, g.pos)
	err = s.Read(func(tx *store.Tx) error {
		id, err := tx.LookupIdentity(first)
		if err != nil || id != g.pos {
			t.Errorf("LookupIdentity(first position) = %v, %v; want %v", id, err, g.pos)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	assertNoViolations(t, s)
}

// WriteStats counts write transactions and their commits (the metrics read it); a write that
// fails is counted but not committed.
func TestWriteStats(t *testing.T) {
	s := storetest.Open(t)
	w0, c0, r0 := s.WriteStats()
	create(t, s, &store.Node{Kind: store.KindSource, Key: "stats-src", Title: "T"})
	boom := errors.New("boom")
	if err := s.Update(func(*store.Tx) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("failing update: %v", err)
	}
	w, c, r := s.WriteStats()
	if w-w0 != 2 || c-c0 != 1 || r != r0 {
		t.Errorf("writes +%d, commits +%d, conflicts retried +%d; want +2, +1, +0", w-w0, c-c0, r-r0)
	}
}

// Every write tells OnChange, and the change log keeps, what it did to each record.
func TestChangeOps(t *testing.T) {
	s := storetest.Open(t)
	type seen struct {
		seq     uint64
		changes []store.Change
	}
	var live []seen
	s.OnChange(func(seq uint64, changes []store.Change) { live = append(live, seen{seq, changes}) })
	src := create(t, s, &store.Node{Kind: store.KindSource, Key: "ops-src", Title: "T"})
	n := get(t, s, src)
	n.Title = "T2"
	put(t, s, n)
	if err := s.Update(func(tx *store.Tx) error { return tx.Delete(src) }); err != nil {
		t.Fatal(err)
	}
	want := []store.ChangeOp{store.ChangeCreated, store.ChangeUpdated, store.ChangeDeleted}
	if len(live) != 3 {
		t.Fatalf("OnChange called %d times, want 3: %+v", len(live), live)
	}
	for i, w := range live {
		if len(w.changes) != 1 || w.changes[0].ID != src || w.changes[0].Op != want[i] {
			t.Errorf("write %d: %+v, want %v of %v", i+1, w.changes, want[i], src)
		}
	}
	var logged []seen
	complete, err := s.ChangeLogSince(live[0].seq-1, func(seq uint64, changes []store.Change) error {
		logged = append(logged, seen{seq, changes})
		return nil
	})
	if err != nil || !complete || !reflect.DeepEqual(logged, live) {
		t.Errorf("change log %+v (complete %v, %v), want what OnChange saw %+v", logged, complete, err, live)
	}
	// Created and deleted again in one write is a delete; deleted and written again an update.
	if err := s.Update(func(tx *store.Tx) error {
		id, err := tx.NewID(store.KindSource)
		if err != nil {
			return err
		}
		if err := tx.Put(&store.Node{ID: id, Kind: store.KindSource, Key: "ops-tmp", Title: "T"}); err != nil {
			return err
		}
		return tx.Delete(id)
	}); err != nil {
		t.Fatal(err)
	}
	if last := live[len(live)-1]; len(last.changes) != 1 || last.changes[0].Op != store.ChangeDeleted {
		t.Errorf("created and deleted in one write: %+v, want one delete", last.changes)
	}
}
