package store

import "github.com/dgraph-io/badger/v4"

// ContentsForTest returns every key and value of the store but its metadata, ID sequences and
// change log (which depend on how it was written, not on what it holds), and what the bulk load
// would have counted for them (see WriteStats).
func (s *Store) ContentsForTest() (map[string]string, WriteStats, error) {
	out := map[string]string{}
	var st WriteStats
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().KeyCopy(nil)
			if k[0] == tagMeta || k[0] == tagSeq || k[0] == tagChange {
				continue
			}
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			out[string(k)] = string(v)
			st.add(k, v)
		}
		return nil
	})
	return out, st, err
}
