package store

import (
	"time"

	"github.com/dgraph-io/badger/v4"
)

// upgradeTokens rewrites the token index of a store of key-space version 1 or 2 in version 3's
// layout (tokenKey): every token key without a bound is deleted, and every record's token keys
// are written, with their values (tokenValue). It runs when the store is opened (or restored from
// an older backup), before anything is served, and it is idempotent: the schema version is raised
// only after it has completed, so an upgrade cut short runs again at the next open. At 1M records
// it takes seconds (it writes with a WriteBatch, as the bulk load does).
func (s *Store) upgradeTokens(from string) error {
	start := time.Now()
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	deleted, written, records := 0, 0, 0
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: []byte{tagToken}})
		for it.Rewind(); it.Valid(); it.Next() {
			if _, _, _, ok := borrowTokenKey(it.Item().Key()); ok {
				continue
			}
			if err := wb.Delete(it.Item().KeyCopy(nil)); err != nil {
				it.Close()
				return err
			}
			deleted++
		}
		it.Close()
		return scanRecords(txn, []byte{tagEntity}, func(n *Node) error {
			records++
			names := n.names()
			tv := []byte(tokenValue(names))
			for _, e := range tokenEntries(names) {
				if err := wb.Set(tokenKey(e.token, e.bound, n.ID), tv); err != nil {
					return err
				}
				written++
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	if err := wb.Flush(); err != nil {
		return err
	}
	s.log.Info("store upgraded to key-space version "+schemaVersion+": token index rewritten",
		"from", from, "records", records, "deleted", deleted, "written", written, "took", time.Since(start).Round(time.Millisecond))
	return nil
}
