package store

import (
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// A store of key-space version 1 opens and is marked version 2 (so that a kgql of version 1
// refuses it from then on: it would leave the token and ends values stale); a version this kgql
// does not know is refused.
func TestSchemaVersionUpgrade(t *testing.T) {
	dir := t.TempDir()
	setSchema := func(v string) {
		s, err := Open(Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set(metaKey("schema"), []byte(v)) }); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	schema := func(s *Store) string {
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
	setSchema("1")
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatalf("a version-1 store: %v", err)
	}
	if got := schema(s); got != schemaVersion {
		t.Errorf("version-1 store marked %q after open, want %q", got, schemaVersion)
	}
	s.Close()
	setSchema("3")
	if s, err := Open(Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), `version "3"`) {
		if s != nil {
			s.Close()
		}
		t.Errorf("a version-3 store opened (err %v)", err)
	}
}
