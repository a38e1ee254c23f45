// Package textindex is kgql's full-text index: a bleve index of the names, aliases, descriptions
// and statement texts of the store's records, with French analysis (elision, stop words, Snowball
// stemming, accent and case folding; see analysis.go) and BM25 ranking.
//
// Badger stays the source of truth. The index is derived: Attach brings it up to date with the
// store (catching up through the store's change log, or rebuilding from a full scan when the log no
// longer reaches back far enough or the index belongs to another store) and then follows every
// commit asynchronously (see sync.go). It records, inside itself, the store's instance id and the
// number of the last write it applied, in the same bleve batch as the documents of that write.
package textindex

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/kgql/kgql/store"
)

// ErrClosed is returned by the methods of a closed Index.
var ErrClosed = errors.New("text index closed")

// Internal keys of the bleve index (bleve's own keys start with "_").
var (
	keySeq      = []byte("kgql.seq")      // 8 bytes big-endian: the last store write applied
	keyInstance = []byte("kgql.instance") // the store's Instance()
	keyVersion  = []byte("kgql.version")  // analysisVersion
)

// Index is the full-text index. It is safe for concurrent use: searches run alongside the
// background indexer, and a rebuild swaps the whole bleve index under a lock.
type Index struct {
	dir string // "" in memory

	mu sync.RWMutex // guards bi (swapped by a rebuild)
	bi bleve.Index

	// reset says why Open started a new index in place of the one in dir (unreadable), for
	// Attach to log; "" if it did not.
	reset string

	applied atomic.Uint64 // number of the last store write reflected in the index

	waitMu sync.Mutex
	waitCh chan struct{} // closed and replaced whenever applied moves

	// Set by Attach.
	s        *store.Store
	log      *slog.Logger
	attached atomic.Bool
	lastSync string        // what the initial sync did: "current", "caught up", "rebuilt"
	state    atomic.Value  // string: a State constant (status.go)
	hold     chan struct{} // HoldCatchUp
	unusable atomic.Bool   // the index on disk is another store's or another analysis's: find answers nothing

	// The background indexer (sync.go).
	queue     chan change
	wake      chan struct{}
	behind    atomic.Bool   // a commit did not fit in the queue: catch up from the change log
	rebuildAt atomic.Uint64 // the last bulk load seen: rebuild unless the index is past it
	quit      chan struct{}
	done      chan struct{}
	closed    atomic.Bool
	lastTrim  time.Time
}

// Open opens the index in dir, creating it if missing, or an index in memory if dir is "". An
// index that cannot be opened (damaged, or written by an incompatible bleve) is set aside and a
// new one started in its place; Attach then fills it from the store.
func Open(dir string) (*Index, error) {
	ix := &Index{dir: dir, waitCh: make(chan struct{})}
	if err := ix.open(); err != nil {
		return nil, err
	}
	return ix, nil
}

// open opens or creates the bleve index in ix.dir (see Open).
func (ix *Index) open() error {
	var bi bleve.Index
	var err error
	dir := ix.dir
	switch {
	case dir == "":
		bi, err = newBleve("")
	default:
		if _, serr := os.Stat(dir); serr == nil {
			bi, err = bleve.Open(dir)
			if err != nil {
				ix.reset = fmt.Sprintf("the index could not be opened (%v)", err)
				if rerr := os.RemoveAll(dir); rerr != nil {
					return fmt.Errorf("text index %s: %w (and it could not be removed: %v)", dir, err, rerr)
				}
				bi, err = newBleve(dir)
			}
		} else {
			bi, err = newBleve(dir)
		}
	}
	if err != nil {
		return fmt.Errorf("text index: %w", err)
	}
	ix.mu.Lock()
	ix.bi = bi
	ix.mu.Unlock()
	seq, _, _ := ix.meta()
	ix.applied.Store(seq)
	return nil
}

// newBleve creates an empty index in dir, or in memory for "". Both use scorch (BM25 needs it).
func newBleve(dir string) (bleve.Index, error) {
	return bleve.NewUsing(dir, newMapping(), scorch.Name, scorch.Name, nil)
}

// meta reads what the index records about the store it follows.
func (ix *Index) meta() (seq uint64, instance, version string) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.bi == nil {
		return 0, "", ""
	}
	if v, err := ix.bi.GetInternal(keySeq); err == nil && len(v) == 8 {
		seq = binary.BigEndian.Uint64(v)
	}
	if v, err := ix.bi.GetInternal(keyInstance); err == nil {
		instance = string(v)
	}
	if v, err := ix.bi.GetInternal(keyVersion); err == nil {
		version = string(v)
	}
	return seq, instance, version
}

// Seq returns the number of the last store write the index reflects (see store.Store.Seq).
func (ix *Index) Seq() uint64 { return ix.applied.Load() }

// setApplied records that the index reflects every write up to seq and wakes WaitFor.
func (ix *Index) setApplied(seq uint64) {
	ix.applied.Store(seq)
	ix.waitMu.Lock()
	close(ix.waitCh)
	ix.waitCh = make(chan struct{})
	ix.waitMu.Unlock()
}

// WaitFor waits until the index reflects store write seq (store.Store.Seq after a write), for at
// most timeout. Tests use it to search right after a write.
func (ix *Index) WaitFor(seq uint64, timeout time.Duration) error {
	return ix.waitUntil(func() bool { return ix.applied.Load() >= seq }, timeout, func() error {
		return fmt.Errorf("text index at write %d, still short of %d after %s", ix.applied.Load(), seq, timeout)
	})
}

// DocCount returns how many records the index holds.
func (ix *Index) DocCount() (uint64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed.Load() {
		return 0, ErrClosed
	}
	if ix.bi == nil { // not opened yet (OpenBackground)
		return 0, nil
	}
	return ix.bi.DocCount()
}

// Close stops following the store, after indexing what the queue still holds (and catching up
// from the change log if the queue had overflowed), trims the change log to what the index
// applied, and closes the index. Close the index before the store.
func (ix *Index) Close() error {
	if ix.closed.Swap(true) {
		return nil
	}
	if ix.quit != nil {
		close(ix.quit)
		<-ix.done
		ix.trim(true)
	}
	ix.setState(StateClosed)
	ix.waitMu.Lock()
	close(ix.waitCh) // wake WaitFor, which sees closed
	ix.waitCh = make(chan struct{})
	ix.waitMu.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.bi == nil {
		return nil
	}
	return ix.bi.Close()
}

// encodeSeq is the value of keySeq.
func encodeSeq(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// apply reindexes the records ids (reading them from the store: a record that is gone is deleted
// from the index) and records seq as applied, in one batch.
func (ix *Index) apply(ids []store.ID, seq uint64) error {
	ids = searchableIDs(ids)
	nodes, err := ix.s.GetMany(ids)
	if err != nil {
		return err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	b := ix.bi.NewBatch()
	for _, id := range ids {
		if n := nodes[id]; n != nil {
			if err := b.Index(id.String(), document(n)); err != nil {
				return err
			}
		} else {
			b.Delete(id.String())
		}
	}
	b.SetInternal(keySeq, encodeSeq(seq))
	if err := ix.bi.Batch(b); err != nil {
		return err
	}
	ix.setApplied(seq)
	return nil
}

// searchableIDs returns the distinct ids of indexed kinds, in order.
func searchableIDs(ids []store.ID) []store.ID {
	seen := make(map[store.ID]struct{}, len(ids))
	out := make([]store.ID, 0, len(ids))
	for _, id := range ids {
		if _, dup := seen[id]; dup || !isSearchable(id.Kind) {
			continue
		}
		seen[id] = struct{}{}
		out = append(out, id)
	}
	return out
}

// rebuildBatch is how many records one batch of a rebuild holds: each batch waits until it is on
// disk, so fewer, larger batches go faster (about 10 MB of memory for 10k records).
const rebuildBatch = 10000

// rebuild fills a new index from a full scan of the store and puts it in place of the current
// one. Searches keep using the current index until the swap.
func (ix *Index) rebuild() (int, error) {
	seq, instance := ix.s.Seq(), ix.s.Instance() // a snapshot at least as recent: replaying later writes is harmless
	tmp := ""
	if ix.dir != "" {
		tmp = ix.dir + ".rebuild"
		if err := os.RemoveAll(tmp); err != nil {
			return 0, err
		}
	}
	nb, err := newBleve(tmp)
	if err != nil {
		return 0, err
	}
	count := 0
	b := nb.NewBatch()
	err = ix.s.Read(func(tx *store.Tx) error {
		for _, k := range searchable {
			err := tx.Scan(k, func(n *store.Node) error {
				if ix.closed.Load() {
					return ErrClosed
				}
				if err := b.Index(n.ID.String(), document(n)); err != nil {
					return err
				}
				count++
				if b.Size() >= rebuildBatch {
					if err := nb.Batch(b); err != nil {
						return err
					}
					b = nb.NewBatch()
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		b.SetInternal(keyVersion, []byte(analysisVersion))
		b.SetInternal(keyInstance, []byte(instance))
		b.SetInternal(keySeq, encodeSeq(seq))
		err = nb.Batch(b)
	}
	if err != nil {
		nb.Close()
		if tmp != "" {
			_ = os.RemoveAll(tmp)
		}
		return 0, err
	}
	if err := ix.swap(nb, tmp); err != nil {
		return 0, err
	}
	ix.unusable.Store(false)
	ix.setApplied(seq)
	return count, nil
}

// swap puts nb (built in tmp, or in memory) in place of the current index.
func (ix *Index) swap(nb bleve.Index, tmp string) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if tmp == "" {
		old := ix.bi
		ix.bi = nb
		return old.Close()
	}
	if err := nb.Close(); err != nil {
		return err
	}
	_ = ix.bi.Close()
	if err := os.RemoveAll(ix.dir); err != nil {
		return err
	}
	if err := os.Rename(tmp, ix.dir); err != nil {
		return err
	}
	var err error
	ix.bi, err = bleve.Open(ix.dir)
	if err != nil {
		// Leave an empty index in place so that searches fail softly; the next Attach rebuilds.
		ix.bi, _ = bleve.NewUsing("", newMapping(), scorch.Name, scorch.Name, nil)
		return fmt.Errorf("reopening the rebuilt index: %w", err)
	}
	return nil
}
