package store

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// Backup writes a full backup of the store (Badger's backup stream: every live key at this
// moment) to w. It runs alongside readers and writers.
func (s *Store) Backup(w io.Writer) error {
	_, err := s.db.Backup(w, 0)
	return err
}

// Restore loads a backup written by Backup. It refuses a store that holds records unless force
// is set, in which case the content is replaced. The backup is first loaded into a scratch store
// (in tmpDir, or the system's temporary directory when empty): a damaged or foreign file is
// refused with ErrInvalid before anything of the store changes. The caller must be the only user
// of the store.
func (s *Store) Restore(r io.Reader, force bool, tmpDir string) error {
	empty, err := s.Empty()
	if err != nil {
		return err
	}
	if !empty && !force {
		return fmt.Errorf("%w: the store is not empty (use -force to replace its content)", ErrConflict)
	}
	// Keep a copy of the stream to load twice: into the scratch store, then for real.
	f, err := os.CreateTemp(tmpDir, "kgql-restore-*.backup")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := io.Copy(f, r); err != nil {
		return err
	}
	if err := checkBackup(f, tmpDir); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	for _, q := range s.seqs {
		_ = q.Release()
	}
	s.seqs = map[Kind]*badger.Sequence{}
	s.cache.invalidate(nil)
	defer s.cache.invalidate(nil) // whatever the outcome, the store's records are not the cached ones
	if err := s.db.DropAll(); err != nil {
		return err
	}
	if err := load(s.db, f); err != nil {
		return err
	}
	if err := s.checkMeta(); err != nil { // a backup of an older key space is upgraded
		return err
	}
	return s.loadSeq()
}

// checkBackup loads the backup in f into a scratch store and checks that it is a kgql store.
func checkBackup(f *os.File, tmpDir string) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	dir, err := os.MkdirTemp(tmpDir, "kgql-restore-check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil).WithMetricsEnabled(false))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := load(db, f); err != nil {
		return err
	}
	return db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(metaKey("schema"))
		if err != nil {
			return fmt.Errorf("%w: not a kgql backup", ErrInvalid)
		}
		v, _ := item.ValueCopy(nil)
		if !slices.Contains(readableSchemas, string(v)) {
			return fmt.Errorf("%w: a backup of kgql store version %q, this kgql reads %s", ErrInvalid, v, strings.Join(readableSchemas, " and "))
		}
		return nil
	})
}

// load runs Badger's Load, which panics on some damaged streams: that is an invalid backup too.
func load(db *badger.DB, r io.Reader) (err error) {
	defer func() {
		if recover() != nil {
			err = fmt.Errorf("%w: not a kgql backup, or a damaged one", ErrInvalid)
		}
	}()
	if err := db.Load(r, 256); err != nil {
		return fmt.Errorf("%w: not a kgql backup, or a damaged one", ErrInvalid)
	}
	return nil
}
