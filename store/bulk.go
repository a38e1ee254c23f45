package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Bulk loading: filling an empty store from an import is done with Badger's WriteBatch (no
// transaction bookkeeping, no read of a previous state, counts summed in memory and written
// once), many times faster than upserts. It is not one transaction, so it is bracketed by a
// marker: a store opened with the marker still set holds an interrupted bulk load, which is rolled
// back (the store emptied) so that the import can simply be run again.

// bulkMarker is set while a bulk load runs.
var bulkMarker = metaKey("bulk")

// ErrNotEmpty refuses a bulk load into a store that holds records.
var ErrNotEmpty = errors.New("the store is not empty")

// BulkLoad writes the records fn passes to put into an empty store. The caller holds the write
// lock (LockWrites) and passes complete, validated records whose links all point at records of
// the same load, with IDs from NewID. Derived indexes (the text index) see the load as a gap in
// the change log and rebuild.
func (s *Store) BulkLoad(fn func(put func(n *Node) error) error) error {
	empty, err := s.Empty()
	if err != nil {
		return err
	}
	if !empty {
		return ErrNotEmpty
	}
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set(bulkMarker, nil) }); err != nil {
		return err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	counts := map[string]uint64{}
	put := func(n *Node) error {
		if n.ID.IsZero() || n.ID.Kind != n.Kind {
			return fmt.Errorf("%w: record without id", ErrInvalid)
		}
		v, err := encodeNode(n)
		if err != nil {
			return err
		}
		if err := wb.Set(entityKey(n.ID), v); err != nil {
			return err
		}
		counts[string(kindCountKey(n.Kind))]++
		for k, v := range derivedKeys(n) {
			if err := wb.Set([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
		for e := range edgesOf(n) {
			if err := wb.Set(outKey(e.src, e.rel, e.dst), nil); err != nil {
				return err
			}
			if err := wb.Set(inKey(e.dst, e.rel, e.src), nil); err != nil {
				return err
			}
			counts[string(countKey(e.src, dirOut, e.rel, e.dst.Kind))]++
			counts[string(countKey(e.dst, dirIn, e.rel, e.src.Kind))]++
		}
		return nil
	}
	if err := fn(put); err != nil {
		return err
	}
	for k, n := range counts {
		if err := wb.Set([]byte(k), encodeUint(n)); err != nil {
			return err
		}
	}
	seq := s.seq.Load() + 1 // a write with no change-log entries: indexes must rebuild
	if err := wb.Set(metaKey("seq"), encodeUint(seq)); err != nil {
		return err
	}
	if err := wb.Flush(); err != nil {
		return err
	}
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Delete(bulkMarker) }); err != nil {
		return err
	}
	s.seq.Store(seq)
	for _, l := range s.listeners {
		l(seq, nil)
	}
	return nil
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
