package store

import (
	"errors"

	"github.com/dgraph-io/badger/v4"
)

// Reads inside one transaction, for planners that need many small reads over one snapshot (the
// query engine in store/query). Obtain a Tx from Store.Read.

// Neighbours returns every neighbour q selects (q.First and q.After apply as in Adjacent), with
// key-only iteration.
func (tx *Tx) Neighbours(q AdjQuery) []ID {
	prefix := adjPrefix(q.Out, q.ID, q.Rel, q.Kind)
	start := prefix
	switch {
	case q.After.IsZero() || (q.Kind != 0 && q.After.Kind < q.Kind):
	case q.Kind != 0 && q.After.Kind > q.Kind:
		return nil
	default:
		start = adjSeek(q.Out, q.ID, q.Rel, q.After)
	}
	it := tx.txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: prefix})
	defer it.Close()
	var out []ID
	for it.Seek(start); it.Valid(); it.Next() {
		if q.First > 0 && len(out) == q.First {
			break
		}
		out = append(out, adjNeighbour(it.Item().Key()))
	}
	return out
}

// Degree reads one degree count.
func (tx *Tx) Degree(d Degree) (int, error) {
	dir := dirIn
	if d.Out {
		dir = dirOut
	}
	n, err := readUint(tx.txn, countKey(d.ID, dir, d.Rel, d.Kind))
	return int(n), err
}

// CountKind reads how many records of kind k exist.
func (tx *Tx) CountKind(k Kind) (int, error) {
	n, err := readUint(tx.txn, kindCountKey(k))
	return int(n), err
}

// ScanIDs calls fn with the IDs of kind k in ID order (reverse: descending), starting after
// `from` (exclusive; zero: from the start), until fn returns false. Keys only.
func (tx *Tx) ScanIDs(k Kind, from ID, reverse bool, fn func(id ID) bool) {
	prefix := entityPrefix(k)
	it := tx.txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: prefix, Reverse: reverse})
	defer it.Close()
	switch {
	case from.IsZero() && !reverse:
		it.Seek(prefix)
	case from.IsZero():
		it.Seek(append(append([]byte(nil), prefix...), 0xff))
	case !reverse:
		it.Seek(append(entityKey(from), 0xff))
	default:
		it.Seek(entityKey(from))
		if it.Valid() && parseEntityKey(it.Item().Key()) == from {
			it.Next()
		}
	}
	for ; it.Valid(); it.Next() {
		if !fn(parseEntityKey(it.Item().Key())) {
			return
		}
	}
}

// NameIDs returns the records of kind k (0: any) with a name, alias or acronym whose folded form
// equals folded (exact) or starts with it, up to limit IDs (0: no limit), deduplicated.
func (tx *Tx) NameIDs(folded string, exact bool, k Kind, limit int) []ID {
	return tx.indexIDs(namePrefix(folded, exact), k, limit)
}

// indexIDs reads the IDs of name index keys under prefix.
func (tx *Tx) indexIDs(prefix []byte, k Kind, limit int) []ID {
	it := tx.txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: prefix})
	defer it.Close()
	seen := map[ID]bool{}
	var out []ID
	for it.Rewind(); it.Valid(); it.Next() {
		_, id := parseIndexKey(it.Item().Key())
		if (k != 0 && id.Kind != k) || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out
}

// GetOrNil returns the record, or nil if there is none. In a read transaction (Read) the record
// comes through the read cache and is shared: it must not be modified (Tx.Get returns a copy).
func (tx *Tx) GetOrNil(id ID) (*Node, error) {
	var n *Node
	var err error
	if tx.reader != nil {
		n, err = tx.reader.node(id)
	} else {
		n, err = getNode(tx.txn, id)
	}
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return n, err
}
