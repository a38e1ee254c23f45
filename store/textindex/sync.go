package textindex

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kgql/kgql/store"
)

// Keeping the index in step with the store.
//
// Attach (at start, before the store takes writes) compares what the index records with the store:
// the same instance, the same analysis version and a write number not ahead of the store's mean
// the index can catch up by replaying the store's change log from its write number (each logged
// write names the records it changed; they are read again from the store and reindexed, or
// deleted from the index when gone). Anything else — another store, a restored one, another
// analysis, a log trimmed past the index — means a rebuild from a full scan.
//
// A bulk load (store.BulkLoad, an import into an empty store) is a write that lists no changes:
// the index rebuilds, in the background, and keeps answering from the current index meanwhile.
//
// Then every commit is handed to a background indexer through a bounded queue: the store's commit
// hook only appends to the queue (never waiting), and when the queue is full it marks the index
// behind, so that the indexer catches up from the change log instead. The indexer takes what the
// queue holds (up to maxRound commits), reads the records once, writes one bleve batch that also
// records the write number, and, at most every trimEvery, trims the change log up to what the
// index applied (a bleve batch is on disk when Batch returns). Replaying a write twice is harmless:
// records are read from the store as they are now.

// queueSize bounds the commits waiting for the indexer; beyond it commits are dropped from the
// queue and recovered from the change log.
const queueSize = 1024

// maxRound bounds the commits one indexer round takes from the queue.
const maxRound = 256

// catchUpBatch is how many changed records one batch of a catch-up applies.
const catchUpBatch = 2000

// trimEvery is how often the indexer trims the change log.
const trimEvery = time.Second

// retryDelay is how long the indexer waits after a failed round before it catches up again.
const retryDelay = time.Second

// change is one commit: its write number and the records it changed.
type change struct {
	seq uint64
	ids []store.ID
}

// Attach brings ix up to date with s, synchronously (catch-up or rebuild, logged), then keeps it
// up to date with every commit of s from a background goroutine, until ix is closed. Attach before
// the store takes writes (commit hooks are registered once and never removed: a closed index
// ignores them). An index is attached to one store, once. Tools and tests use Attach; a server
// that must answer before the index is current uses AttachBackground.
func Attach(s *store.Store, ix *Index, log *slog.Logger) error {
	if err := ix.attach(s, log); err != nil {
		return err
	}
	if err := ix.initialSync(); err != nil {
		close(ix.done) // no indexer to wait for at Close
		return err
	}
	go ix.run()
	return nil
}

// AttachBackground is Attach that returns at once: the catch-up or rebuild runs in the background,
// then the index follows the store's commits as with Attach. Until it is done (Status().Ready),
// searches answer from what the index holds — the store as it was when the index last followed it,
// plus what the catch-up applied so far — or, when the index on disk belongs to another store or
// another analysis (a rebuild is running), nothing at all. Commits made meanwhile are queued, or
// recovered from the store's change log, as usual. A failed catch-up is logged and retried.
func AttachBackground(s *store.Store, ix *Index, log *slog.Logger) error {
	if err := ix.attach(s, log); err != nil {
		return err
	}
	go ix.background(false)
	return nil
}

// OpenBackground is Open and AttachBackground in one that returns at once: the index in dir
// (bleve) is opened in the background too, and until it is, searches find nothing (Status says
// "starting"). Opening the index can then never delay a server's start.
func OpenBackground(dir string, s *store.Store, log *slog.Logger) (*Index, error) {
	ix := &Index{dir: dir, waitCh: make(chan struct{})}
	if err := ix.attach(s, log); err != nil {
		return nil, err
	}
	go ix.background(true)
	return ix, nil
}

// background opens the index (if open), catches up, then runs the indexer; failures are logged
// and retried until the index is closed.
func (ix *Index) background(open bool) {
	if ix.hold != nil {
		select {
		case <-ix.hold:
		case <-ix.quit:
			close(ix.done)
			return
		}
	}
	for {
		err := error(nil)
		if open {
			if err = ix.open(); err == nil {
				open = false
			}
		}
		if err == nil {
			if err = ix.initialSync(); err == nil {
				ix.run()
				return
			}
		}
		if ix.closed.Load() {
			close(ix.done)
			return
		}
		ix.log.Error("text index: opening or catching up at start failed; retrying", "err", err)
		select {
		case <-time.After(retryDelay):
		case <-ix.quit:
			close(ix.done)
			return
		}
	}
}

// HoldCatchUp makes AttachBackground wait for release before it starts catching up, so that tests
// can observe an index that is behind. Call it before AttachBackground.
func (ix *Index) HoldCatchUp() (release func()) {
	ix.hold = make(chan struct{})
	var once sync.Once
	return func() { once.Do(func() { close(ix.hold) }) }
}

// attach registers ix with s; the initial sync is the caller's.
func (ix *Index) attach(s *store.Store, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if ix.closed.Load() {
		return ErrClosed
	}
	if ix.attached.Swap(true) {
		return errors.New("text index already attached")
	}
	ix.s, ix.log = s, log
	ix.queue = make(chan change, queueSize)
	ix.wake = make(chan struct{}, 1)
	ix.quit = make(chan struct{})
	ix.done = make(chan struct{})
	s.OnCommit(ix.onCommit) // before syncing, so that no commit falls between the two
	return nil
}

// initialSync makes the index reflect the store (catch-up or rebuild), logs what it did, and
// marks the index ready.
func (ix *Index) initialSync() error {
	start := time.Now()
	from := ix.applied.Load()
	how, n, err := ix.sync()
	if err != nil {
		return fmt.Errorf("text index: %w", err)
	}
	switch how {
	case "current":
		ix.log.Info("text index up to date", "seq", ix.Seq())
	case "caught up":
		ix.log.Info("text index caught up from the change log", "from", from, "to", ix.Seq(), "records", n, "took", time.Since(start).Round(time.Millisecond))
	default:
		ix.log.Info("text index rebuilt", "reason", how, "records", n, "seq", ix.Seq(), "took", time.Since(start).Round(time.Millisecond))
		how = "rebuilt"
	}
	ix.trim(true)
	ix.lastSync = how
	ix.setState(StateReady)
	return nil
}

// sync makes the index reflect the store as it is now. It returns "current", "caught up" or the
// reason for a rebuild, and how many records it indexed.
func (ix *Index) sync() (string, int, error) {
	seq, instance, version := ix.meta()
	reason := ""
	switch {
	case ix.reset != "":
		reason, ix.reset = ix.reset, ""
	case instance == "" && version == "":
		reason = "new index"
	case version != analysisVersion:
		reason = fmt.Sprintf("analysis version %q, now %q", version, analysisVersion)
		ix.unusable.Store(true)
	case instance != ix.s.Instance():
		reason = "the index belongs to another store"
		ix.unusable.Store(true)
	case seq > ix.s.Seq():
		reason = fmt.Sprintf("the index is ahead of the store (write %d, store at %d)", seq, ix.s.Seq())
		ix.unusable.Store(true)
	case seq == ix.s.Seq():
		return "current", 0, nil
	default:
		ix.setState(StateCatchingUp)
		complete, n, err := ix.catchUp()
		switch {
		case err != nil:
			return "", 0, err
		case complete && ix.Seq() >= ix.s.Seq():
			return "caught up", n, nil
		case complete:
			reason = fmt.Sprintf("write %d is not in the change log (a bulk load)", ix.Seq()+1)
		default:
			reason = fmt.Sprintf("the change log no longer reaches back to write %d", ix.Seq()+1)
		}
	}
	ix.setState(StateRebuilding)
	n, err := ix.rebuild()
	return reason, n, err
}

// errGap stops a catch-up at a write that the change log does not list.
var errGap = errors.New("a write is missing from the change log")

// catchUp replays the change log after the index's write number. It returns false if the log does
// not reach back that far (having applied nothing), or skips a write (a bulk load lists no
// changes; having applied the writes before it).
func (ix *Index) catchUp() (complete bool, records int, err error) {
	var pending []store.ID
	var last uint64
	expect := ix.applied.Load() + 1
	flush := func() error {
		if last <= ix.applied.Load() {
			return nil
		}
		records += len(searchableIDs(pending))
		err := ix.apply(pending, last)
		pending = pending[:0]
		return err
	}
	complete, err = ix.s.ChangesSince(ix.applied.Load(), func(seq uint64, ids []store.ID) error {
		if ix.closed.Load() {
			return ErrClosed
		}
		if seq != expect {
			return errGap
		}
		expect = seq + 1
		pending = append(pending, ids...)
		last = seq
		if len(pending) >= catchUpBatch {
			return flush()
		}
		return nil
	})
	if errors.Is(err, errGap) {
		complete, err = false, flush()
	} else if err == nil && complete {
		err = flush()
	}
	return complete, records, err
}

// catchUpOrRebuild is catchUp, falling back to a rebuild when the log does not reach back.
func (ix *Index) catchUpOrRebuild() error {
	complete, _, err := ix.catchUp()
	if err != nil || complete {
		return err
	}
	ix.log.Warn("text index: the change log no longer reaches back; rebuilding", "seq", ix.Seq())
	return ix.rebuildRunning()
}

// rebuildRunning is a rebuild while the indexer runs (after the initial sync), reported by Status.
func (ix *Index) rebuildRunning() error {
	ix.setState(StateRebuilding)
	_, err := ix.rebuild()
	if err == nil {
		ix.setState(StateReady)
	}
	return err
}

// onCommit is the store's commit hook. It runs with the store's write lock held, so it never
// waits: a commit that does not fit in the queue marks the index behind. A bulk load (no list of
// changes) asks for a rebuild.
func (ix *Index) onCommit(seq uint64, ids []store.ID) {
	if ix.closed.Load() {
		return
	}
	if ids == nil {
		for r := ix.rebuildAt.Load(); r < seq && !ix.rebuildAt.CompareAndSwap(r, seq); r = ix.rebuildAt.Load() {
		}
	}
	select {
	case ix.queue <- change{seq, ids}:
	default:
		ix.behind.Store(true)
		select {
		case ix.wake <- struct{}{}:
		default:
		}
	}
}

// run is the background indexer.
func (ix *Index) run() {
	defer close(ix.done)
	for {
		select {
		case c := <-ix.queue:
			ix.round([]change{c})
		case <-ix.wake:
			ix.round(nil)
		case <-ix.quit:
			for {
				items := ix.take(nil)
				if len(items) == 0 && !ix.behind.Load() && ix.rebuildAt.Load() <= ix.applied.Load() {
					return
				}
				if err := ix.process(items); err != nil {
					ix.log.Error("text index: indexing at close failed; the next start catches up", "err", err)
					return
				}
			}
		}
	}
}

// take appends to items what the queue holds, up to maxRound commits, without waiting.
func (ix *Index) take(items []change) []change {
	for len(items) < maxRound {
		select {
		case c := <-ix.queue:
			items = append(items, c)
		default:
			return items
		}
	}
	return items
}

// round processes one round; after a failure it waits and tries again from the change log.
func (ix *Index) round(items []change) {
	if err := ix.process(ix.take(items)); err != nil {
		ix.log.Error("text index: indexing failed; will catch up from the change log", "err", err, "seq", ix.Seq())
		ix.behind.Store(true)
		select {
		case <-time.After(retryDelay):
		case <-ix.quit:
		}
		select {
		case ix.wake <- struct{}{}:
		default:
		}
		return
	}
	ix.trim(false)
}

// process indexes a run of queued commits. When commits were lost (the queue overflowed) or do not
// follow the index's write number, it catches up from the change log instead.
func (ix *Index) process(items []change) error {
	if r := ix.rebuildAt.Load(); r > ix.applied.Load() {
		ix.log.Info("text index: rebuilding after a bulk load", "seq", r)
		ix.behind.Store(false) // the rebuild reads the store as it is now
		if err := ix.rebuildRunning(); err != nil {
			return err
		}
	}
	if ix.behind.Swap(false) {
		if err := ix.catchUpOrRebuild(); err != nil {
			ix.behind.Store(true)
			return err
		}
	}
	next := ix.applied.Load()
	var ids []store.ID
	for _, c := range items {
		if c.seq <= next {
			continue // already applied (by a catch-up)
		}
		if c.seq != next+1 || c.ids == nil {
			if err := ix.catchUpOrRebuild(); err != nil {
				ix.behind.Store(true)
				return err
			}
			return nil
		}
		ids = append(ids, c.ids...)
		next = c.seq
	}
	if next == ix.applied.Load() {
		return nil
	}
	return ix.apply(ids, next)
}

// trim drops the store's change log up to what the index applied, keeping the store's
// ChangeRetention latest writes, at most every trimEvery unless now is set.
func (ix *Index) trim(now bool) {
	if !now && time.Since(ix.lastTrim) < trimEvery {
		return
	}
	ix.lastTrim = time.Now()
	upto, last, keep := ix.applied.Load(), ix.s.Seq(), ix.s.ChangeRetention()
	if last <= keep {
		return
	}
	if err := ix.s.TrimChanges(min(upto, last-keep)); err != nil {
		ix.log.Warn("text index: trimming the change log failed", "err", err)
	}
}
