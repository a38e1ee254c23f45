package store

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// A store of key-space version 1 or 2 opens: its token index is rewritten in version 3's layout
// (bounds in the keys), it is marked version 3 (so that an older kgql refuses it from then on), it
// passes Check and answers the name search as before; a version this kgql does not know is
// refused.
func TestSchemaVersionUpgrade(t *testing.T) {
	for _, old := range []string{"1", "2"} {
		t.Run("from "+old, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(Options{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			names := []string{"Adil Sentissi", "Najat Sentissi El Idrissi", "Sentissi", "Zoé Sentissi", "Hassan Sentissi"}
			if err := s.Update(func(tx *Tx) error {
				for i, name := range names {
					n := &Node{Kind: KindPerson, Key: fmt.Sprint("p-", i), Name: name}
					if i == 1 {
						n.Aliases = []string{"N. Sentissi"}
					}
					var err error
					if n.ID, err = tx.NewID(n.Kind); err != nil {
						return err
					}
					if err := tx.Put(n); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			search := func(s *Store) string {
				var out []string
				for _, q := range []string{"sentissi", "sent", "adil sentissi", "sentissi el", "n sentissi"} {
					h, err := s.SearchNames(q, nil, 3)
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, fmt.Sprint(h))
				}
				return strings.Join(out, "\n")
			}
			want := search(s)
			// Rewrite the token keys as the old version wrote them: no bound; version 1 without values.
			var keys int
			if err := s.db.Update(func(txn *badger.Txn) error {
				it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{tagToken}})
				type kv struct{ k, v []byte }
				var all []kv
				for it.Rewind(); it.Valid(); it.Next() {
					v, _ := it.Item().ValueCopy(nil)
					all = append(all, kv{it.Item().KeyCopy(nil), v})
				}
				it.Close()
				for _, e := range all {
					tok, _, id, ok := borrowTokenKey(e.k)
					if !ok {
						t.Fatalf("key %x has no bound", e.k)
					}
					v := e.v
					if old == "1" {
						v = nil
					}
					oldKey := appendStringIDKey(nil, tagToken, tok, id)
					if err := txn.Delete(e.k); err != nil {
						return err
					}
					if err := txn.Set(oldKey, v); err != nil {
						return err
					}
					keys++
				}
				return txn.Set(metaKey("schema"), []byte(old))
			}); err != nil {
				t.Fatal(err)
			}
			if keys < 10 {
				t.Fatalf("only %d token keys", keys)
			}
			s.Close()
			s, err = Open(Options{Dir: dir})
			if err != nil {
				t.Fatalf("a version-%s store: %v", old, err)
			}
			defer s.Close()
			if got := schemaOf(t, s); got != schemaVersion {
				t.Errorf("version-%s store marked %q after open, want %q", old, got, schemaVersion)
			}
			if n, err := s.Check(10, func(v Violation) { t.Errorf("check: %v", v) }); err != nil || n != 0 {
				t.Errorf("check after the upgrade: %d violations, %v", n, err)
			}
			if got := search(s); got != want {
				t.Errorf("after the upgrade the search answers\n%s\nwant\n%s", got, want)
			}
		})
	}
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set(metaKey("schema"), []byte("4")) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), `version "4"`) {
		if s != nil {
			s.Close()
		}
		t.Errorf("a version-4 store opened (err %v)", err)
	}
}

func schemaOf(t *testing.T, s *Store) string {
	t.Helper()
	var v []byte
	if err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(metaKey("schema"))
		if err != nil {
			return err
		}
		v, err = item.ValueCopy(nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return string(v)
}
