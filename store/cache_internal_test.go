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
