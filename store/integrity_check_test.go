package store

import (
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// smallGraph writes a source, an organization and a position pointing at it.
func smallGraph(t *testing.T) (*Store, *Node, *Node) {
	t.Helper()
	s, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var src, org, pos *Node
	err = s.Update(func(tx *Tx) error {
		ids := make([]ID, 4)
		for i, k := range []Kind{KindSource, KindOrganization, KindPerson, KindPosition} {
			ids[i], _ = tx.NewID(k)
		}
		src = &Node{ID: ids[0], Kind: KindSource, Key: "src", Title: "A source"}
		org = &Node{ID: ids[1], Kind: KindOrganization, Key: "org", Name: "Org Ä", Citations: []Citation{{Source: ids[0]}}}
		per := &Node{ID: ids[2], Kind: KindPerson, Key: "per", Name: "Per Son", Citations: []Citation{{Source: ids[0]}}}
		pos = &Node{ID: ids[3], Kind: KindPosition, Title: "président", Citations: []Citation{{Source: ids[0]}}}
		pos.SetLink(RelPerson, ids[2])
		pos.SetLink(RelOrganization, ids[1])
		for _, n := range []*Node{src, org, per, pos} {
			if err := tx.Put(n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, org, pos
}

func violations(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	if _, err := s.Check(0, func(v Violation) { out = append(out, v.String()) }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCheckCleanStore(t *testing.T) {
	s, _, _ := smallGraph(t)
	if v := violations(t, s); len(v) != 0 {
		t.Fatalf("clean store has violations: %v", v)
	}
}

// Each corruption is a raw Badger write that bypasses Tx; Check must name it.
func TestCheckFindsCorruption(t *testing.T) {
	cases := map[string]struct {
		corrupt func(s *Store, org, pos *Node) func(txn *badger.Txn) error
		want    string
	}{
		"missing reverse edge": {func(s *Store, org, pos *Node) func(*badger.Txn) error {
			return func(txn *badger.Txn) error { return txn.Delete(inKey(org.ID, RelOrganization, pos.ID)) }
		}, "missing reverse edge"},
		"dangling name entry": {func(s *Store, org, pos *Node) func(*badger.Txn) error {
			return func(txn *badger.Txn) error { return txn.Set(nameKey("ghost", ID{KindPerson, 999}), nil) }
		}, "does not exist"},
		"wrong degree count": {func(s *Store, org, pos *Node) func(*badger.Txn) error {
			return func(txn *badger.Txn) error {
				return txn.Set(countKey(org.ID, dirIn, RelOrganization, KindPosition), encodeUint(5))
			}
		}, "degree count is 5, there are 1 edges"},
		"missing key index": {func(s *Store, org, pos *Node) func(*badger.Txn) error {
			return func(txn *badger.Txn) error { return txn.Delete(externalKey("", "org")) }
		}, "missing index entry"},
		"record deleted under its edges": {func(s *Store, org, pos *Node) func(*badger.Txn) error {
			return func(txn *badger.Txn) error { return txn.Delete(entityKey(org.ID)) }
		}, "which does not exist"},
		"wrong kind count": {func(s *Store, org, pos *Node) func(*badger.Txn) error {
			return func(txn *badger.Txn) error { return txn.Set(kindCountKey(KindPerson), encodeUint(3)) }
		}, "count of Person records is 3, there are 1"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s, org, pos := smallGraph(t)
			if err := s.db.Update(c.corrupt(s, org, pos)); err != nil {
				t.Fatal(err)
			}
			v := violations(t, s)
			if !strings.Contains(strings.Join(v, "\n"), c.want) {
				t.Fatalf("violations %q do not mention %q", v, c.want)
			}
		})
	}
}
