package store_test

import (
	"slices"
	"testing"

	"github.com/kgql/kgql/store"
)

// create writes n as a new record (allocating its ID) in one transaction and returns the ID.
func create(t testing.TB, s *store.Store, n *store.Node) store.ID {
	t.Helper()
	err := s.Update(func(tx *store.Tx) error {
		id, err := tx.NewID(n.Kind)
		if err != nil {
			return err
		}
		n.ID = id
		return tx.Put(n)
	})
	if err != nil {
		t.Fatalf("create %v %q: %v", n.Kind, n.Label(), err)
	}
	return n.ID
}

// put writes n (an existing or new record with its ID set) in one transaction.
func put(t testing.TB, s *store.Store, n *store.Node) {
	t.Helper()
	if err := s.Update(func(tx *store.Tx) error { return tx.Put(n) }); err != nil {
		t.Fatalf("put %v: %v", n.ID, err)
	}
}

// get reads one record, failing the test if it is missing. It returns a private copy that the
// test may change and Put back: the store's read methods share their records with the read cache.
func get(t testing.TB, s *store.Store, id store.ID) *store.Node {
	t.Helper()
	n, err := s.Get(id)
	if err != nil {
		t.Fatalf("Get(%v): %v", id, err)
	}
	return n.Clone()
}

// adj returns every neighbour of id through r (out: as owner) restricted to kind k (0: any).
func adj(t testing.TB, s *store.Store, id store.ID, r store.Rel, out bool, k store.Kind) []store.ID {
	t.Helper()
	q := store.AdjQuery{ID: id, Rel: r, Out: out, Kind: k}
	res, err := s.Adjacent([]store.AdjQuery{q})
	if err != nil {
		t.Fatalf("Adjacent(%+v): %v", q, err)
	}
	if res[q].HasNext {
		t.Errorf("Adjacent(%+v) without First has HasNext", q)
	}
	return res[q].IDs
}

// deg returns one degree count.
func deg(t testing.TB, s *store.Store, id store.ID, r store.Rel, out bool, k store.Kind) int {
	t.Helper()
	d := store.Degree{ID: id, Rel: r, Out: out, Kind: k}
	res, err := s.Degrees([]store.Degree{d})
	if err != nil {
		t.Fatalf("Degrees(%+v): %v", d, err)
	}
	return res[d]
}

func countKind(t testing.TB, s *store.Store, k store.Kind) int {
	t.Helper()
	n, err := s.CountKind(k)
	if err != nil {
		t.Fatalf("CountKind(%v): %v", k, err)
	}
	return n
}

// wantIDs fails the test unless got equals want (both in order; nil and empty are equal).
func wantIDs(t testing.TB, what string, got []store.ID, want ...store.ID) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func cite(src store.ID, excerpt string) []store.Citation {
	return []store.Citation{{Source: src, Excerpt: excerpt}}
}

// withLinks sets links on n and returns it.
func withLinks(n *store.Node, links map[store.Rel][]store.ID) *store.Node {
	for r, ids := range links {
		n.SetLink(r, ids...)
	}
	return n
}

// assertNoViolations fails the test for every invariant Store.Check finds broken.
func assertNoViolations(t testing.TB, s *store.Store) {
	t.Helper()
	n, err := s.Check(20, func(v store.Violation) { t.Errorf("invariant broken: %v", v) })
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if n > 0 {
		t.Errorf("Check found %d violations", n)
	}
}
