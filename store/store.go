package store

import (
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Options configures a Store.
type Options struct {
	// Dir is the directory of the Badger files. Ignored when InMemory is set.
	Dir string
	// InMemory keeps everything in memory (tests, throwaway stores); nothing is written to disk.
	InMemory bool
	// Logger receives the store's and Badger's warnings and errors. Nil discards them.
	// Badger's INFO chatter is never forwarded.
	Logger *slog.Logger
	// MaxRetries bounds how often a write transaction is retried after a conflict with a
	// concurrent writer before ErrConflict is returned. Zero means 20.
	MaxRetries int
	// ChangeRetention is how many of the latest writes the change log keeps when it is trimmed
	// (subscriptions resume from it). Zero means DefaultChangeRetention; negative keeps none.
	ChangeRetention int

	// Memory. Zero means Badger's default (in parentheses). See Memory for what each costs.
	//
	// MemTableSize is the size of one memtable in bytes (64 MiB). Each memtable is an arena of
	// about 1.3 times this size on the Go heap, its write-ahead log a file mapped twice this size;
	// one transaction may write at most 15 % of it (ErrInvalid beyond). At least 8 MiB.
	MemTableSize int64
	// NumMemtables bounds the memtables kept in memory, the one taking writes and those waiting
	// to be flushed to disk (5); writes stall when they are all full.
	NumMemtables int
	// BlockCacheSize is the size in bytes of the cache of decompressed table blocks (256 MiB),
	// on the Go heap. Badger compresses its tables (Snappy), so every read of a block missing
	// from the cache decompresses it. At least 1 MiB.
	BlockCacheSize int64
	// IndexCacheSize, when positive, caches table indexes and Bloom filters on the Go heap, in
	// at most that many bytes; zero (Badger's default) reads them from the memory-mapped tables.
	IndexCacheSize int64
	// SyncWrites makes every commit fsync before it returns. Off by default: Badger's value log
	// is still written before a commit is acknowledged, and a crash loses at most what the OS had
	// not flushed.
	SyncWrites bool
	// NodeCache is how many decoded records the read paths keep in memory (see nodeCache).
	// Zero means DefaultNodeCache; a negative value turns the cache off.
	NodeCache int
}

// Store is the knowledge graph on Badger. It is safe for concurrent use.
type Store struct {
	db   *badger.DB
	opts Options
	log  *slog.Logger

	seqMu sync.Mutex
	seqs  map[Kind]*badger.Sequence

	// writeMu serializes this process's writers (the directory lock keeps other processes out),
	// so that writes never conflict with each other and a multi-transaction import can resolve
	// its references and write them without another writer changing the store in between.
	writeMu sync.Mutex

	calls atomic.Int64 // read round trips, see Calls
	// write transactions, their commits and their retries after a conflict, see WriteStats
	writes, commits, conflicts atomic.Int64

	seq             atomic.Uint64 // number of the last write (meta "seq")
	listeners       []func(seq uint64, ids []ID)
	changeListeners []func(seq uint64, changes []Change)

	cache *nodeCache // decoded records of the read paths, invalidated by every commit
}

// Open opens (creating if needed) the store in opts.Dir, or in memory.
func Open(opts Options) (*Store, error) {
	if opts.MaxRetries == 0 {
		opts.MaxRetries = 20
	}
	lg := opts.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	bo := badger.DefaultOptions(opts.Dir).
		WithInMemory(opts.InMemory).
		WithSyncWrites(opts.SyncWrites).
		WithLogger(badgerLogger{lg}).
		WithLoggingLevel(badger.WARNING).
		WithMetricsEnabled(false)
	if opts.MemTableSize > 0 {
		bo = bo.WithMemTableSize(max(opts.MemTableSize, 8<<20))
	}
	if opts.NumMemtables > 0 {
		bo = bo.WithNumMemtables(opts.NumMemtables)
	}
	if opts.BlockCacheSize > 0 {
		bo = bo.WithBlockCacheSize(max(opts.BlockCacheSize, 1<<20))
	}
	if opts.IndexCacheSize > 0 {
		bo = bo.WithIndexCacheSize(opts.IndexCacheSize)
	}
	if opts.InMemory {
		bo.Dir, bo.ValueDir = "", ""
	} else if err := removeEmptyMemtables(opts.Dir, lg); err != nil {
		return nil, err
	}
	db, err := badger.Open(bo)
	if err != nil {
		return nil, fmt.Errorf("open badger: %w", err)
	}
	s := &Store{db: db, opts: opts, log: lg, seqs: map[Kind]*badger.Sequence{}, cache: newNodeCache(opts.NodeCache)}
	// The cache forgets what a write changed first, before any other listener and before the
	// write is acknowledged (nil ids after a bulk load: everything).
	s.OnCommit(func(_ uint64, ids []ID) { s.cache.invalidate(ids) })
	if err := s.checkMeta(); err != nil {
		db.Close()
		return nil, err
	}
	rolled, err := s.rollbackBulk()
	if err != nil {
		db.Close()
		return nil, err
	}
	if rolled {
		lg.Warn("an interrupted bulk import was rolled back: the store is empty again; run the import again")
	}
	if err := s.loadSeq(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Memory returns how many bytes of Go heap the store may hold with these options: Badger's
// memtable arenas (all of them full, the worst case), block cache and index cache, and the read
// cache of decoded records (at about 512 bytes a record). The rest of a server's heap is per
// request. Memory-mapped table and log files are not counted: they are page cache
// (RssFile), which the kernel reclaims under pressure.
func (o Options) Memory() int64 {
	mt, n, bc := o.MemTableSize, int64(o.NumMemtables), o.BlockCacheSize
	if mt <= 0 {
		mt = 64 << 20
	}
	mt = max(mt, 8<<20)
	if n <= 0 {
		n = 5
	}
	if bc <= 0 {
		bc = 256 << 20
	}
	nodes := int64(o.NodeCache)
	if nodes == 0 {
		nodes = DefaultNodeCache
	}
	return n*(mt+mt*30/100) + max(bc, 1<<20) + max(o.IndexCacheSize, 0) + max(nodes, 0)*512
}

// loadSeq reads the number of the last write.
func (s *Store) loadSeq() error {
	return s.db.View(func(txn *badger.Txn) error {
		n, err := readUint(txn, metaKey("seq"))
		s.seq.Store(n)
		return err
	})
}

// Seq returns the number of the last write: every committed write that changed a record has a
// number one greater than the previous one.
func (s *Store) Seq() uint64 { return s.seq.Load() }

// OnCommit registers fn to be called after every committed write, with its number and the records
// it changed (written or deleted), in commit order, while the write lock is held. ids is nil after
// a bulk load (BulkLoad), which changed everything without listing it: a derived index rebuilds.
// Register before serving; fn must be quick and must not write to the store.
func (s *Store) OnCommit(fn func(seq uint64, ids []ID)) { s.listeners = append(s.listeners, fn) }

// ChangeOp is what a write did to a record.
type ChangeOp uint8

const (
	// ChangeUpdated: the record existed and was written (also what change-log entries written
	// before change kinds were recorded read as).
	ChangeUpdated ChangeOp = iota
	// ChangeCreated: the record is new.
	ChangeCreated
	// ChangeDeleted: the record was deleted.
	ChangeDeleted
)

// Change is one record changed by a write.
type Change struct {
	ID ID
	Op ChangeOp
}

// OnChange registers fn to be called after every committed write with its number and its
// changes, sorted by record id, in commit order, while the write lock is held (like OnCommit).
// A bulk load calls it with nil changes: everything may have changed. Register before serving;
// fn must be quick and must not write to the store.
func (s *Store) OnChange(fn func(seq uint64, changes []Change)) {
	s.changeListeners = append(s.changeListeners, fn)
}

// ChangesSince calls fn for every write numbered after seq still in the change log, in order, with
// the records it changed. It returns false if the log no longer reaches back to seq+1 (it was
// trimmed, or the store was restored from a backup taken at another point): the caller must then
// rebuild from scratch.
func (s *Store) ChangesSince(seq uint64, fn func(seq uint64, ids []ID) error) (bool, error) {
	return s.ChangeLogSince(seq, func(n uint64, changes []Change) error {
		ids := make([]ID, len(changes))
		for i, c := range changes {
			ids[i] = c.ID
		}
		return fn(n, ids)
	})
}

// ChangeLogSince is ChangesSince with what each write did to each record, sorted by record id
// (the order OnChange has).
func (s *Store) ChangeLogSince(seq uint64, fn func(seq uint64, changes []Change) error) (bool, error) {
	complete := true
	err := s.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: []byte{tagChange}})
		defer it.Close()
		first := true
		var cur uint64
		var ids []Change
		for it.Seek(changeSeek(seq)); it.Valid(); it.Next() {
			n, id := parseChangeKey(it.Item().Key())
			op := ChangeUpdated
			if v, err := it.Item().ValueCopy(nil); err == nil && len(v) == 1 {
				op = ChangeOp(v[0])
			}
			if first {
				first = false
				if n != seq+1 {
					complete = false
					return nil
				}
			}
			if n != cur && len(ids) > 0 {
				if err := fn(cur, ids); err != nil {
					return err
				}
				ids = nil
			}
			cur = n
			ids = append(ids, Change{ID: id, Op: op})
		}
		if len(ids) > 0 {
			return fn(cur, ids)
		}
		if first && seq < s.Seq() {
			complete = false
		}
		return nil
	})
	return complete, err
}

// DefaultChangeRetention is how many of the latest writes the change log keeps by default when
// derived indexes trim it (Options.ChangeRetention): a subscription can resume from any of them
// (graph/subscriptions.go).
const DefaultChangeRetention = 10000

// ChangeRetention is how many of the latest writes the change log keeps (Options.ChangeRetention).
func (s *Store) ChangeRetention() uint64 {
	switch r := s.opts.ChangeRetention; {
	case r < 0:
		return 0
	case r == 0:
		return DefaultChangeRetention
	default:
		return uint64(r)
	}
}

// TrimChanges drops the change log up to and including write seq. Derived indexes call it with
// what they applied, less ChangeRetention.
func (s *Store) TrimChanges(seq uint64) error {
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: []byte{tagChange}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if n, _ := parseChangeKey(it.Item().Key()); n > seq {
				break
			}
			if err := wb.Delete(it.Item().KeyCopy(nil)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return wb.Flush()
}

// Instance returns the store's identity: a random value made when the store was created (and
// carried by its backups). A derived index that records it can tell a store from another.
func (s *Store) Instance() string {
	var id string
	_ = s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(metaKey("instance"))
		if err == nil {
			v, _ := item.ValueCopy(nil)
			id = string(v)
		}
		return nil
	})
	return id
}

// schemaVersion is the version of the key space and record codec.
//
// Version 2 (2026-12-03) gave index entries values that version 1 left empty: a token key holds
// its record's folded names (tokenValue), the in-key of a Position's or Participation's link holds
// the records it joins (endsValue). An empty in-key value is still read as in version 1 (a walk
// seeks the membership's out-keys).
//
// Version 3 (2026-12-03) orders a token's keys by a bound on the names holding it (tokenKey), so
// that the name search reads a token's best candidates first. Opening a store of version 1 or 2
// rewrites its token index (upgradeTokens), then marks it version 3, so that an older kgql — which
// would write token keys of the old layout — refuses it from then on.
const schemaVersion = "3"

// readableSchemas are the versions of the key space this kgql opens (and upgrades to schemaVersion).
var readableSchemas = []string{"1", "2", schemaVersion}

// checkMeta records the schema and fold versions in a new store, upgrades a store of an older
// readable version, and refuses a store written by an incompatible version.
func (s *Store) checkMeta() error {
	var upgrade string
	err := s.db.Update(func(txn *badger.Txn) error {
		if _, err := txn.Get(metaKey("instance")); errors.Is(err, badger.ErrKeyNotFound) {
			var b [16]byte
			_, _ = crand.Read(b[:])
			if err := txn.Set(metaKey("instance"), []byte(hex.EncodeToString(b[:]))); err != nil {
				return err
			}
		}
		for name, want := range map[string]string{"schema": schemaVersion, "fold": FoldVersion} {
			item, err := txn.Get(metaKey(name))
			if errors.Is(err, badger.ErrKeyNotFound) {
				if err := txn.Set(metaKey(name), []byte(want)); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return err
			}
			got, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			if name == "schema" && string(got) != want && slices.Contains(readableSchemas, string(got)) {
				upgrade = string(got) // see schemaVersion
				continue
			}
			if string(got) != want {
				return fmt.Errorf("store %s version %q, this kgql writes %q", name, got, want)
			}
		}
		return nil
	})
	if err != nil || upgrade == "" {
		return err
	}
	if err := s.upgradeTokens(upgrade); err != nil {
		return fmt.Errorf("upgrade the store from key-space version %s: %w", upgrade, err)
	}
	return s.db.Update(func(txn *badger.Txn) error { return txn.Set(metaKey("schema"), []byte(schemaVersion)) })
}

// Close releases ID leases and closes Badger cleanly.
func (s *Store) Close() error {
	s.seqMu.Lock()
	for _, q := range s.seqs {
		_ = q.Release()
	}
	s.seqs = map[Kind]*badger.Sequence{}
	s.seqMu.Unlock()
	return s.db.Close()
}

// Calls returns how many read round trips the store has served (each one read transaction, opened
// only if the read cache does not answer all of it). Tests use it to prove that a query's cost is
// bounded by its depth, not by the number of objects.
func (s *Store) Calls() int64 { return s.calls.Load() }

// WriteStats returns how many write transactions the store has run (Update, UpdateLocked),
// how many of them committed, and how many attempts were retried after a conflict.
func (s *Store) WriteStats() (writes, commits, conflicts int64) {
	return s.writes.Load(), s.commits.Load(), s.conflicts.Load()
}

// Sizes returns Badger's estimate of the bytes on disk of its LSM tree (keys and small values) and
// of its value log (db.Size; refreshed by Badger every minute, 0 for an in-memory store).
func (s *Store) Sizes() (lsm, vlog int64) { return s.db.Size() }

// view runs fn in one read transaction and counts it as one round trip.
func (s *Store) view(fn func(txn *badger.Txn) error) error {
	s.calls.Add(1)
	return s.db.View(fn)
}

// Update runs fn in one read-write transaction and commits it, holding the store's write lock.
// Writers of this process are serialized, so a conflict can only come from Badger itself; should
// one happen, fn runs again on fresh state, up to Options.MaxRetries times, then the error is
// ErrConflict. fn must not keep anything from a failed attempt.
func (s *Store) Update(fn func(tx *Tx) error) error {
	unlock := s.LockWrites()
	defer unlock()
	return s.UpdateLocked(fn)
}

// LockWrites takes the store's write lock and returns its release. Between the two, the caller
// is the only writer: it reads with Read and writes with UpdateLocked (never Update, which would
// wait for the lock forever).
func (s *Store) LockWrites() (unlock func()) {
	s.writeMu.Lock()
	return s.writeMu.Unlock
}

// UpdateLocked is Update for a caller that holds the write lock (LockWrites).
func (s *Store) UpdateLocked(fn func(tx *Tx) error) error {
	s.writes.Add(1)
	for attempt := 0; ; attempt++ {
		txn := s.db.NewTransaction(true)
		tx := &Tx{s: s, txn: txn}
		err := fn(tx)
		var seq uint64
		var changes []Change
		if err == nil {
			seq, changes, err = tx.logChanges()
		}
		if err == nil {
			err = txn.Commit()
		}
		txn.Discard()
		if err == nil {
			s.commits.Add(1)
		}
		if err == nil && seq > 0 {
			s.seq.Store(seq)
			if len(s.listeners) > 0 {
				ids := make([]ID, len(changes))
				for i, c := range changes {
					ids[i] = c.ID
				}
				for _, l := range s.listeners {
					l(seq, ids)
				}
			}
			for _, l := range s.changeListeners {
				l(seq, changes)
			}
		}
		if !errors.Is(err, badger.ErrConflict) {
			if errors.Is(err, badger.ErrTxnTooBig) {
				return fmt.Errorf("%w: the write is too large for one transaction", ErrInvalid)
			}
			return err
		}
		if attempt >= s.opts.MaxRetries {
			return fmt.Errorf("%w: concurrent writers kept conflicting", ErrConflict)
		}
		s.conflicts.Add(1)
		// Jittered exponential backoff, capped at ~20ms.
		d := time.Duration(50<<min(attempt, 8)) * time.Microsecond
		time.Sleep(d/2 + rand.N(d))
	}
}

// NewID allocates a new ID of kind k. IDs are leased in blocks; a crash leaves a gap, never a reuse.
func (s *Store) NewID(k Kind) (ID, error) {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	q := s.seqs[k]
	if q == nil {
		var err error
		if q, err = s.db.GetSequence(seqKey(k), 256); err != nil {
			return ID{}, err
		}
		s.seqs[k] = q
	}
	n, err := q.Next()
	if err != nil {
		return ID{}, err
	}
	return ID{Kind: k, Seq: n + 1}, nil // Badger sequences start at 0; 0 is the zero ID.
}

// badgerLogger forwards Badger's warnings and errors to slog; INFO and DEBUG are dropped.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any)   { b.l.Error("badger: " + fmt.Sprintf(f, a...)) }
func (b badgerLogger) Warningf(f string, a ...any) { b.l.Warn("badger: " + fmt.Sprintf(f, a...)) }
func (b badgerLogger) Infof(string, ...any)        {}
func (b badgerLogger) Debugf(string, ...any)       {}
