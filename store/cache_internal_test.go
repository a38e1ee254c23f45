package store

import (
	"slices"
	"testing"
)

// The name search folds a record's names once while the cache keeps that record value: the
// second lookup answers the same slice; a clear forgets it; a cache turned off folds each time;
// the answer is always names().
func TestCacheFoldedNames(t *testing.T) {
	c := newNodeCache(4)
	n := &Node{ID: ID{Kind: KindPerson, Seq: 1}, Kind: KindPerson, Name: "Laâyoune Éco", Aliases: []string{"LAAYOUNE"}}
	first := c.names(n)
	if !slices.Equal(first, n.names()) {
		t.Fatalf("names %v, want %v", first, n.names())
	}
	if again := c.names(n); &again[0] != &first[0] {
		t.Error("the second lookup folded again")
	}
	c.invalidate(nil)
	if again := c.names(n); &again[0] == &first[0] {
		t.Error("a clear kept the folded names")
	}
	for i := range 10 { // more values than the cache holds: the generations turn over
		c.names(&Node{ID: ID{Kind: KindPerson, Seq: uint64(i + 2)}, Kind: KindPerson, Name: "P"})
	}
	if n := c.folded.len(); n > 4 {
		t.Errorf("%d folded entries in a cache of 4", n)
	}
	off := newNodeCache(-1)
	if a, b := off.names(n), off.names(n); &a[0] == &b[0] || !slices.Equal(a, n.names()) {
		t.Error("a disabled cache kept folded names")
	}
}

// A round trip the cache answers whole opens no Badger transaction; one it does not answer opens
// one, and reads through it; the call is counted either way (Calls). A closed store still
// refuses reads.
func TestReaderOpensItsTransactionOnMiss(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	org := &Node{Kind: KindOrganization, Key: "asmex", Name: "ASMEX"}
	if err := s.Update(func(tx *Tx) error {
		if org.ID, err = tx.NewID(org.Kind); err != nil {
			return err
		}
		return tx.Put(org)
	}); err != nil {
		t.Fatal(err)
	}
	members := AdjQuery{ID: org.ID, Rel: RelOrganization, Kind: KindPosition, First: 10}
	opened := func() bool {
		t.Helper()
		var txn bool
		if err := s.read(func(r *reader) error {
			n, err := r.node(org.ID)
			if err == nil && n.Name != "ASMEX" {
				t.Errorf("read %q", n.Name)
			}
			if err == nil {
				err = r.adjacent([]AdjQuery{members}, true, map[AdjQuery]AdjPage{})
			}
			txn = r.txn != nil
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return txn
	}
	if !opened() {
		t.Error("the first read (nothing cached) opened no transaction")
	}
	before := s.Calls()
	if opened() {
		t.Error("a read the cache answers whole opened a transaction")
	}
	if s.Calls() != before+1 {
		t.Errorf("Calls went from %d to %d for one round trip", before, s.Calls())
	}
	s.Close()
	if _, err := s.GetMany([]ID{org.ID}); err == nil {
		t.Error("a closed store answered a read")
	}
}
