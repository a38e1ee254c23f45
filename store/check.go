package store

import (
	"bytes"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Violation is one broken invariant found by Check.
type Violation struct {
	Key    string // the key concerned, printable (tag, then its parts)
	Reason string
}

func (v Violation) String() string { return v.Key + ": " + v.Reason }

// Check verifies the store's invariants in one snapshot and calls report for each violation, up to
// limit of them (0: no limit). It returns how many it found (capped at limit).
//
//   - every record decodes, and every key it implies exists with the right value: external key,
//     natural identity, name and token index entries, both directions of each edge (the in-key of
//     a Position's or Participation's link holds its ends, or nothing in a store written before
//     ends values existed);
//   - every record it links to exists and has a kind the relation accepts; every citation points
//     at a Source;
//   - every index key (o, i, n, t, x) is implied by an existing record — nothing dangles;
//   - every degree count equals the number of adjacency keys it counts, and every adjacency group
//     has a count; every kind count equals the number of records of the kind.
func (s *Store) Check(limit int, report func(Violation)) (int, error) {
	found := 0
	bad := func(key []byte, format string, a ...any) {
		if limit > 0 && found >= limit {
			return
		}
		found++
		report(Violation{Key: printableKey(key), Reason: fmt.Sprintf(format, a...)})
	}
	err := s.view(func(txn *badger.Txn) error {
		exists := func(k []byte) (bool, []byte) {
			item, err := txn.Get(k)
			if err != nil {
				return false, nil
			}
			v, _ := item.ValueCopy(nil)
			return true, v
		}
		// Records and the keys they imply.
		kinds := map[Kind]uint64{}
		cache := map[ID]*Node{}
		record := func(id ID) *Node {
			if n, ok := cache[id]; ok {
				return n
			}
			n, err := getNode(txn, id)
			if err != nil {
				n = nil
			}
			if len(cache) > 100000 {
				clear(cache)
			}
			cache[id] = n
			return n
		}
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 100, Prefix: []byte{tagEntity}})
		for it.Rewind(); it.Valid(); it.Next() {
			key := it.Item().KeyCopy(nil)
			id := parseEntityKey(key)
			kinds[id.Kind]++
			var n *Node
			if err := it.Item().Value(func(v []byte) (err error) { n, err = decodeNode(id, v); return }); err != nil {
				bad(key, "record does not decode")
				continue
			}
			for k, v := range derivedKeys(n) {
				if ok, got := exists([]byte(k)); !ok {
					bad([]byte(k), "missing index entry for %s", id)
				} else if !bytes.Equal(got, []byte(v)) {
					bad([]byte(k), "index entry of %s has the wrong value", id)
				}
			}
			ends := endsValue(n)
			for e := range edgesOf(n) {
				if ok, _ := exists(outKey(e.src, e.rel, e.dst)); !ok {
					bad(outKey(e.src, e.rel, e.dst), "missing edge of %s", id)
				}
				if ok, v := exists(inKey(e.dst, e.rel, e.src)); !ok {
					bad(inKey(e.dst, e.rel, e.src), "missing reverse edge of %s", id)
				} else if len(v) > 0 && !bytes.Equal(v, inValue(ends, e)) {
					// Empty is an in-key written before ends values existed: walks seek instead.
					bad(inKey(e.dst, e.rel, e.src), "reverse edge of %s has the wrong ends", id)
				}
				t := record(e.dst)
				switch {
				case t == nil:
					bad(key, "%s points at %s through %s, which does not exist", id, e.dst, e.rel)
				case !e.rel.Accepts(n.Kind, t.Kind):
					bad(key, "%s: %s cannot point at a %s", id, e.rel, t.Kind)
				}
			}
		}
		it.Close()
		for _, k := range Kinds {
			if got, _ := readUint(txn, kindCountKey(k)); got != kinds[k] {
				bad(kindCountKey(k), "count of %s records is %d, there are %d", k, got, kinds[k])
			}
		}

		// Index keys must be implied by a live record.
		implied := func(key []byte, id ID) {
			n := record(id)
			if n == nil {
				bad(key, "index entry for %s, which does not exist", id)
				return
			}
			if _, ok := derivedKeys(n)[string(key)]; !ok {
				bad(key, "index entry not implied by %s", id)
			}
		}
		it = txn.NewIterator(badger.IteratorOptions{PrefetchValues: false})
		defer it.Close()
		for it.Seek([]byte{tagName}); it.ValidForPrefix([]byte{tagName}); it.Next() {
			key := it.Item().KeyCopy(nil)
			_, id := parseIndexKey(key)
			implied(key, id)
		}
		for it.Seek([]byte{tagToken}); it.ValidForPrefix([]byte{tagToken}); it.Next() {
			key := it.Item().KeyCopy(nil)
			if _, _, id, ok := borrowTokenKey(key); ok {
				implied(key, id)
			} else {
				bad(key, "token index entry of an older key space (or corrupt)")
			}
		}
		for it.Seek([]byte{tagExternal}); it.ValidForPrefix([]byte{tagExternal}); it.Next() {
			key := it.Item().KeyCopy(nil)
			v, err := it.Item().ValueCopy(nil)
			if err != nil || len(v) != idLen {
				bad(key, "corrupt key index entry")
				continue
			}
			implied(key, idFrom(v))
		}
		// Edges: both directions, a live owner that holds the link, and counts that match. Keys of
		// one count (id, rel, neighbour kind) are contiguous, so each run is compared with its count
		// when it ends.
		for _, tag := range []byte{tagOut, tagIn} {
			var group []byte
			var run uint64
			flush := func() {
				if group == nil {
					return
				}
				if got, _ := readUint(txn, group); got != run {
					bad(group, "degree count is %d, there are %d edges", got, run)
				}
			}
			for it.Seek([]byte{tag}); it.ValidForPrefix([]byte{tag}); it.Next() {
				key := it.Item().KeyCopy(nil)
				a, r, b := idFrom(key[1:]), Rel(key[1+idLen]), idFrom(key[2+idLen:])
				src, dst, dir, mirror := a, b, dirOut, inKey(b, r, a)
				if tag == tagIn {
					src, dst, dir, mirror = b, a, dirIn, outKey(b, r, a)
				}
				if g := countKey(a, dir, r, b.Kind); !bytes.Equal(g, group) {
					flush()
					group, run = g, 0
				}
				run++
				if ok, _ := exists(mirror); !ok {
					bad(key, "edge without its other direction")
				}
				n := record(src)
				if n == nil {
					bad(key, "edge from %s, which does not exist", src)
					continue
				}
				if _, ok := edgesOf(n)[edge{src, r, dst}]; !ok {
					bad(key, "edge not held by %s", src)
				}
			}
			flush()
		}
		// A count must count something.
		for it.Seek([]byte{tagCount}); it.ValidForPrefix([]byte{tagCount}); it.Next() {
			key := it.Item().KeyCopy(nil)
			if len(key) != 4+idLen || key[1+idLen] == dirKind {
				continue
			}
			if !hasEdges(txn, key) {
				bad(key, "degree count without edges")
			}
		}
		return nil
	})
	return found, err
}

// hasEdges reports whether any adjacency key exists for a count key.
func hasEdges(txn *badger.Txn, ck []byte) bool {
	id, dir, r, k := idFrom(ck[1:]), ck[1+idLen], Rel(ck[2+idLen]), Kind(ck[3+idLen])
	prefix := adjPrefix(dir == dirOut, id, r, k)
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: prefix})
	defer it.Close()
	it.Rewind()
	return it.Valid()
}

// printableKey renders a key for a report: its tag letter, then IDs and strings it holds.
func printableKey(k []byte) string {
	if len(k) == 0 {
		return "(empty key)"
	}
	var b bytes.Buffer
	b.WriteByte(k[0])
	switch k[0] {
	case tagEntity:
		if len(k) == 1+idLen {
			fmt.Fprintf(&b, " %s", idFrom(k[1:]))
			return b.String()
		}
	case tagOut, tagIn:
		if len(k) == 2+2*idLen {
			fmt.Fprintf(&b, " %s %s %s", idFrom(k[1:]), Rel(k[1+idLen]), idFrom(k[2+idLen:]))
			return b.String()
		}
	case tagCount:
		if len(k) == 4+idLen {
			fmt.Fprintf(&b, " %s dir=%d %s kind=%s", idFrom(k[1:]), k[1+idLen], Rel(k[2+idLen]), Kind(k[3+idLen]))
			return b.String()
		}
	case tagToken:
		if t, bound, id, ok := borrowTokenKey(k); ok {
			fmt.Fprintf(&b, " %q bound=%d %s", t, bound, id)
			return b.String()
		}
	case tagName:
		if i := bytes.IndexByte(k, 0); i > 0 && len(k) == i+1+idLen {
			fmt.Fprintf(&b, " %q %s", k[1:i], idFrom(k[i+1:]))
			return b.String()
		}
	case tagExternal:
		if bytes.Count(k, []byte{0}) >= 2 {
			ns, key := parseExternalKey(k)
			fmt.Fprintf(&b, " %q %q", ns, key)
			return b.String()
		}
	}
	fmt.Fprintf(&b, " %x", k[1:])
	return b.String()
}
