package store

import "github.com/dgraph-io/badger/v4"

// ClearEndsForTest empties the value of every in-key, as in a store written before in-keys of
// Positions and Participations held their ends (endsValue), and returns how many it emptied.
func (s *Store) ClearEndsForTest() (int, error) {
	var keys [][]byte
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: []byte{tagIn}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if it.Item().ValueSize() > 0 {
				keys = append(keys, it.Item().KeyCopy(nil))
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for _, k := range keys {
		if err := wb.Set(k, nil); err != nil {
			return 0, err
		}
	}
	return len(keys), wb.Flush()
}

// CorruptEndsForTest changes the last byte of the first in-key value that holds ends, so that it
// names another record.
func (s *Store) CorruptEndsForTest() error {
	return s.db.Update(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{tagIn}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if validEnds(v) {
				v[len(v)-1]++
				return txn.Set(it.Item().KeyCopy(nil), v)
			}
		}
		return nil
	})
}

// SetLastStepShortcutForTest turns lastStep on or off (then the last level of a shortest-path
// walk is expanded by step, as every other level) and returns the previous setting.
func SetLastStepShortcutForTest(on bool) bool {
	prev := lastStepShortcut
	lastStepShortcut = on
	return prev
}
