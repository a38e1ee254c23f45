package store

import (
	"fmt"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// A token key holds its record's folded names (tokenValue), kept in step with the record; a
// token key written before it held names (empty value) is still found through the record, and
// Check accepts it.
func TestTokenValues(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var id ID
	if err := s.Update(func(tx *Tx) error {
		n := &Node{Kind: KindOrganization, Key: "ccis", Name: "Chambre de Commerce de Marrakech-Safi", Acronym: "CCIS"}
		var err error
		if n.ID, err = tx.NewID(n.Kind); err != nil {
			return err
		}
		if err := tx.Put(n); err != nil {
			return err
		}
		id = n.ID
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	value := func(token string) string {
		var v []byte
		if err := s.db.View(func(txn *badger.Txn) error {
			item, err := txn.Get(tokenKey(token, id))
			if err != nil {
				return err
			}
			v, err = item.ValueCopy(nil)
			return err
		}); err != nil {
			t.Fatalf("token %q: %v", token, err)
		}
		return string(v)
	}
	if got, want := value("commerce"), "chambre de commerce de marrakech safi\x00ccis"; got != want {
		t.Fatalf("token value %q, want %q", got, want)
	}
	hits := func() string {
		h, err := s.SearchNames("commerce marrakech", nil, 5)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(h)
	}
	before := hits()
	if before == "[]" {
		t.Fatal("no hit")
	}
	// An alias added: every token key of the record holds the new names.
	if err := s.Update(func(tx *Tx) error {
		n, err := tx.Get(id)
		if err != nil {
			return err
		}
		n.Aliases = []string{"CCI Marrakech"}
		return tx.Put(n)
	}); err != nil {
		t.Fatal(err)
	}
	if got, want := value("commerce"), "chambre de commerce de marrakech safi\x00cci marrakech\x00ccis"; got != want {
		t.Fatalf("after the alias: token value %q, want %q", got, want)
	}
	// Token keys as a store written before tokenValue has them: empty values.
	if err := s.db.Update(func(txn *badger.Txn) error {
		for _, tok := range []string{"chambre", "de", "commerce", "marrakech", "safi", "cci", "ccis"} {
			if err := txn.Set(tokenKey(tok, id), nil); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.cache.invalidate(nil)
	if got := hits(); got != before {
		t.Errorf("with empty token values: %s, want %s", got, before)
	}
	n, err := s.Check(10, func(v Violation) { t.Errorf("check: %v", v) })
	if err != nil || n != 0 {
		t.Errorf("check: %d violations, %v", n, err)
	}
}
