package store

import (
	"fmt"
	"io"

	"github.com/dgraph-io/badger/v4"
)

// Backup writes a full backup of the store (Badger's backup stream: every live key at this
// moment) to w. It runs alongside readers and writers.
func (s *Store) Backup(w io.Writer) error {
	_, err := s.db.Backup(w, 0)
	return err
}

// Restore loads a backup written by Backup. It refuses a store that holds records unless force
// is set, in which case everything is dropped first. The caller must be the only user of the store.
func (s *Store) Restore(r io.Reader, force bool) error {
	empty, err := s.Empty()
	if err != nil {
		return err
	}
	if !empty && !force {
		return fmt.Errorf("%w: the store is not empty (use -force to replace its content)", ErrConflict)
	}
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	for _, q := range s.seqs {
		_ = q.Release()
	}
	s.seqs = map[Kind]*badger.Sequence{}
	if !empty || force {
		if err := s.db.DropAll(); err != nil {
			return err
		}
	}
	if err := s.db.Load(r, 256); err != nil {
		return fmt.Errorf("%w: not a kgql backup, or a damaged one", ErrInvalid)
	}
	return s.loadSeq()
}
