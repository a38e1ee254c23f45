package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// A token key holds its record's folded names (tokenValue) and the length of the shortest of them
// holding the token (its bound), kept in step with the record.
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
	// value returns the value and the bound of the record's key for token (there must be one).
	value := func(token string) (string, int) {
		var v []byte
		bound, found := 0, 0
		if err := s.db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: append(tokenPrefix(token), 0)})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				if _, b, kid, ok := borrowTokenKey(it.Item().Key()); ok && kid == id {
					found++
					bound = b
					var err error
					if v, err = it.Item().ValueCopy(nil); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			t.Fatalf("token %q: %v", token, err)
		}
		if found != 1 {
			t.Fatalf("token %q: %d keys for the record, want 1", token, found)
		}
		return string(v), bound
	}
	if got, bound := value("commerce"); got != "chambre de commerce de marrakech safi\x00ccis" || bound != 37 {
		t.Fatalf("token value %q, bound %d, want the two names and 37", got, bound)
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
	if got, bound := value("commerce"); got != "chambre de commerce de marrakech safi\x00cci marrakech\x00ccis" || bound != 37 {
		t.Fatalf("after the alias: token value %q, bound %d", got, bound)
	}
	// The alias is shorter: the bound of "marrakech" follows it; the old key is gone (value
	// finds exactly one).
	if _, bound := value("marrakech"); bound != len("cci marrakech") {
		t.Errorf("bound of marrakech after the alias: %d, want %d", bound, len("cci marrakech"))
	}
	if got := hits(); got != before {
		t.Errorf("after the alias: %s, want %s", got, before)
	}
	n, err := s.Check(10, func(v Violation) { t.Errorf("check: %v", v) })
	if err != nil || n != 0 {
		t.Errorf("check: %d violations, %v", n, err)
	}
}

// The name search, which stops reading a token's keys once nothing further can rank among the
// hits (tokenKey's bounds), answers what ranking every record's every name would: a random
// corpus whose names share words at many lengths, searched for words, prefixes and phrases, with
// and without a kind, for several sizes of answer.
func TestSearchNamesMatchesFullRanking(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := rand.New(rand.NewPCG(7, 11))
	words := []string{"sentissi", "sentissia", "sent", "el", "idrissi", "adil", "najat", "zoé", "fatima-zahra",
		"chambre", "commerce", "de", "marrakech", "safi", "ab", "abcdefghijkl", "x"}
	phrase := func() string {
		n := 1 + r.IntN(5)
		ws := make([]string, n)
		for i := range ws {
			ws[i] = words[r.IntN(len(words))]
		}
		return strings.Join(ws, " ")
	}
	var nodes []*Node
	if err := s.Update(func(tx *Tx) error {
		for i := range 700 {
			kind := []Kind{KindPerson, KindOrganization, KindRegion}[r.IntN(3)]
			n := &Node{Kind: kind, Key: fmt.Sprint("k-", i), Name: phrase()}
			for range r.IntN(3) {
				n.Aliases = append(n.Aliases, phrase())
			}
			var err error
			if n.ID, err = tx.NewID(n.Kind); err != nil {
				return err
			}
			if err := tx.Put(n); err != nil {
				return err
			}
			nodes = append(nodes, n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	reference := func(q string, kinds []Kind, first int) []NameHit {
		fq := Fold(q)
		ws := strings.Fields(fq)
		var hits []NameHit
		for _, n := range nodes {
			if len(kinds) > 0 && !hasKind(kinds, n.Kind) {
				continue
			}
			var best NameHit
			for _, name := range n.names() {
				m := matchName(name, fq, ws)
				if m > best.Match || (m != 0 && m == best.Match && len(name) < len(best.Name)) {
					best = NameHit{ID: n.ID, Match: m, Name: name}
				}
			}
			if best.Match != 0 {
				hits = append(hits, best)
			}
		}
		slices.SortFunc(hits, func(a, b NameHit) int {
			if nameHitLess(a, b) {
				return -1
			}
			return 1
		})
		return hits[:min(first, len(hits))]
	}
	short := func(h []NameHit) string {
		var b strings.Builder
		for _, x := range h {
			fmt.Fprintf(&b, "%v/%d/%d ", x.ID, x.Match, len(x.Name))
		}
		return b.String()
	}
	queries := []string{"sentissi", "sent", "se", "el", "el idrissi", "adil sentissi", "sentissi adil", "idrissi el",
		"chambre de commerce", "de", "marrakech safi", "fatima", "zoe", "ZOÉ SENT", "ab", "x", "abcdefghijkl x", "a"}
	for range 40 {
		queries = append(queries, phrase())
	}
	checked := 0
	for _, q := range queries {
		for _, kinds := range [][]Kind{nil, {KindPerson}, {KindOrganization, KindRegion}} {
			for _, first := range []int{1, 3, 10, 50} {
				got, err := s.SearchNames(q, kinds, first)
				if err != nil {
					t.Fatal(err)
				}
				if g, w := short(got), short(reference(q, kinds, first)); g != w {
					t.Errorf("SearchNames(%q, %v, %d):\n got %s\nwant %s", q, kinds, first, g, w)
				}
				checked++
			}
		}
	}
	t.Logf("%d searches compared", checked)
}
