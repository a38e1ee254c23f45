package store

import (
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"
)

// Bulk loading: filling an empty store from an import is done with Badger's WriteBatch (no
// transaction bookkeeping, no read of a previous state, counts summed in memory and written
// once), many times faster than upserts. It is not one transaction, so it is bracketed by a
// marker: a store opened with the marker still set holds an interrupted bulk load, which is rolled
// back (the store emptied) so that the import can simply be run again.

// bulkMarker is set while a bulk load runs.
var bulkMarker = metaKey("bulk")

// WriteStats counts the Badger keys a write set or deleted, and the bytes of those keys and of
// their values.
type WriteStats struct {
	Keys       int
	KeyBytes   int64
	ValueBytes int64
}

func (w *WriteStats) add(k, v []byte) {
	w.Keys++
	w.KeyBytes += int64(len(k))
	w.ValueBytes += int64(len(v))
}

// Add returns the sum of w and o.
func (w WriteStats) Add(o WriteStats) WriteStats {
	return WriteStats{w.Keys + o.Keys, w.KeyBytes + o.KeyBytes, w.ValueBytes + o.ValueBytes}
}

// BadgerOptions returns the options the store's Badger database was opened with, so that a
// benchmark can compare the store with raw Badger under the same settings.
func (s *Store) BadgerOptions() badger.Options { return s.db.Opts() }

// ErrNotEmpty refuses a bulk load into a store that holds records.
var ErrNotEmpty = errors.New("the store is not empty")

// BulkLoad writes the records fn passes to put into an empty store. The caller holds the write
// lock (LockWrites) and passes complete, validated records whose links all point at records of
// the same load, with IDs from NewID. It returns what it wrote. Derived indexes (the text index)
// see the load as a gap in the change log and rebuild.
func (s *Store) BulkLoad(fn func(put func(n *Node) error) error) (WriteStats, error) {
	return s.BulkLoadIdentified(func(put func(n *Node, ns, ident string) error) error {
		return fn(func(n *Node) error {
			ns, ident := n.Identity()
			return put(n, ns, ident)
		})
	})
}

// BulkLoadIdentified is BulkLoad for a caller that already knows the natural identity of each
// record: put takes n with ns and ident equal to n.Identity() (both "" for kinds without one),
// so that the load need not compute it again.
func (s *Store) BulkLoadIdentified(fn func(put func(n *Node, ns, ident string) error) error) (WriteStats, error) {
	var st WriteStats
	empty, err := s.Empty()
	if err != nil {
		return st, err
	}
	if !empty {
		return st, ErrNotEmpty
	}
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set(bulkMarker, nil) }); err != nil {
		return st, err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	var slab []byte // keys are cut from shared slabs: one allocation for many keys
	set := func(k, v []byte) error {
		st.add(k, v)
		return wb.Set(k, v)
	}
	// key returns a slice of the slab to build a key of up to n bytes in.
	key := func(n int) []byte {
		if cap(slab)-len(slab) < n {
			slab = make([]byte, 0, max(n, 256<<10))
		}
		return slab[len(slab):len(slab)]
	}
	// setKey writes a key built in key's slice (and keeps its bytes out of the next one).
	setKey := func(k, v []byte) error {
		slab = slab[:len(slab)+len(k)]
		return set(k, v)
	}
	// Counts: the out-degrees of a record are counted from its own links; in-degrees and kind
	// counts are summed over the load and written at the end.
	type inCount struct {
		dst  ID
		rel  Rel
		kind Kind
	}
	inCounts := map[inCount]uint64{}
	kinds := map[Kind]uint64{}
	var outs []edge
	put := func(n *Node, ns, ident string) error {
		if n.ID.IsZero() || n.ID.Kind != n.Kind {
			return fmt.Errorf("%w: record without id", ErrInvalid)
		}
		v, err := encodeNode(n)
		if err != nil {
			return err
		}
		if err := setKey(appendEntityKey(key(1+idLen), n.ID), v); err != nil {
			return err
		}
		kinds[n.Kind]++
		idv := n.ID.appendTo(make([]byte, 0, idLen))
		if n.Key != "" {
			if err := setKey(appendExternalKey(key(3+len(n.Key)), "", n.Key), idv); err != nil {
				return err
			}
		}
		if ns != "" {
			if err := setKey(appendExternalKey(key(3+len(ns)+len(ident)), ns, ident), idv); err != nil {
				return err
			}
		}
		names := n.names()
		for i, f := range names {
			f := TruncateName(f)
			if slices.ContainsFunc(names[:i], func(g string) bool { return TruncateName(g) == f }) {
				continue
			}
			if err := setKey(appendStringIDKey(key(2+len(f)+idLen), tagName, f, n.ID), nil); err != nil {
				return err
			}
		}
		tv := []byte(tokenValue(names))
		for _, e := range tokenEntries(names) {
			if err := setKey(appendTokenKey(key(4+len(e.token)+idLen), e.token, e.bound, n.ID), tv); err != nil {
				return err
			}
		}
		// Edges: links (distinct per relation) and one per cited source.
		outs = outs[:0]
		for r, ids := range n.Links {
			for _, d := range ids {
				if !slices.Contains(outs, edge{n.ID, r, d}) {
					outs = append(outs, edge{n.ID, r, d})
				}
			}
		}
		for _, src := range n.citedSources() {
			outs = append(outs, edge{n.ID, RelCites, src})
		}
		slices.SortFunc(outs, func(a, b edge) int {
			if a.rel != b.rel {
				return int(a.rel) - int(b.rel)
			}
			return a.dst.Compare(b.dst)
		})
		ends := endsValue(n) // the value of the in-keys of its links (but citations)
		for i, e := range outs {
			if err := setKey(appendEdgeKey(key(2+2*idLen), tagOut, e.src, e.rel, e.dst), nil); err != nil {
				return err
			}
			if err := setKey(appendEdgeKey(key(2+2*idLen), tagIn, e.dst, e.rel, e.src), inValue(ends, e)); err != nil {
				return err
			}
			inCounts[inCount{e.dst, e.rel, n.Kind}]++
			// One out-degree count per relation and neighbour kind (outs is sorted by both).
			if i+1 < len(outs) && outs[i+1].rel == e.rel && outs[i+1].dst.Kind == e.dst.Kind {
				continue
			}
			c := uint64(0)
			for j := i; j >= 0 && outs[j].rel == e.rel && outs[j].dst.Kind == e.dst.Kind; j-- {
				c++
			}
			if err := setKey(appendCountKey(key(4+idLen), n.ID, dirOut, e.rel, e.dst.Kind), encodeUint(c)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := fn(put); err != nil {
		return st, err
	}
	for c, n := range inCounts {
		if err := set(countKey(c.dst, dirIn, c.rel, c.kind), encodeUint(n)); err != nil {
			return st, err
		}
	}
	for k, n := range kinds {
		if err := set(kindCountKey(k), encodeUint(n)); err != nil {
			return st, err
		}
	}
	seq := s.seq.Load() + 1 // a write with no change-log entries: indexes must rebuild
	if err := set(metaKey("seq"), encodeUint(seq)); err != nil {
		return st, err
	}
	if err := wb.Flush(); err != nil {
		return st, err
	}
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Delete(bulkMarker) }); err != nil {
		return st, err
	}
	s.seq.Store(seq)
	for _, l := range s.listeners {
		l(seq, nil)
	}
	for _, l := range s.changeListeners {
		l(seq, nil)
	}
	return st, nil
}

// rollbackBulk empties a store whose bulk load was interrupted (see BulkLoad).
func (s *Store) rollbackBulk() (bool, error) {
	err := s.db.View(func(txn *badger.Txn) error {
		_, err := txn.Get(bulkMarker)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	instance := s.Instance()
	if err := s.db.DropAll(); err != nil {
		return false, err
	}
	// Keep the store's identity and versions; the change log and counters start again.
	err = s.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set(metaKey("instance"), []byte(instance)); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	return true, s.checkMeta()
}
