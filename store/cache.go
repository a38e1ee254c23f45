package store

import (
	"sync"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"
)

// DefaultNodeCache is how many decoded records the read cache keeps when Options.NodeCache is 0.
// At ~0.5 KiB a record that is ~50 MiB at most; see BENCHMARKS.md for the measurements behind it.
const DefaultNodeCache = 100_000

// nodeCache keeps decoded records for the read paths (GetMany, Get, GetByKey, the neighbour
// pages), so that a hot record costs neither a Badger Get nor a JSON decode. Records are shared
// between requests and never modified after decoding: the read side of the store hands out
// read-only *Node values (writers read through their own transaction and never use the cache).
//
// Consistency: every committed write calls invalidate with the records it changed, before the
// write is acknowledged, and a bulk load or restore calls clear. A reader takes the cache's epoch
// before it opens its Badger transaction and may only add a record it read if the epoch has not
// moved since: a write that committed in between may have changed that record after the
// transaction's snapshot, so the value is used for this read but not kept. Negative answers are
// never cached.
//
// It is a two-generation cache rather than a strict LRU: lookups hit cur, then old (and move the
// record to cur); when cur is full, old is dropped and cur becomes old. Cheap to run under one
// mutex, and a record used at least once per generation stays.
type nodeCache struct {
	max   int // records in both generations together; < 0 disables the cache
	epoch atomic.Uint64

	hits, misses atomic.Int64 // lookups of get, see Store.CacheStats

	mu      sync.Mutex
	records generations[ID, *Node]
	// keys remembers which record owned an external key. An entry is only a hint: GetByKey
	// checks that the record it names (read at the reader's snapshot) still has that key, and
	// keys are unique, so a stale hint costs a lookup, never a wrong answer.
	keys map[string]ID
	// folded holds the folded names (Node.names) of records the name search has checked, by
	// record value: a *Node the read side hands out never changes, so its names are folded once,
	// not once per query. Two generations, like the records.
	folded generations[*Node, []string]
	// pages holds neighbour pages (their IDs and HasNext, not their records) by query. A commit
	// may change the edges of records it does not list (a new link changes the target's reverse
	// pages), so every commit drops them all; a reader keeps a page under the same epoch rule as
	// a record. Pages of more than maxCachedPage neighbours are not kept, so the cache holds at
	// most pageLimit() × maxCachedPage IDs.
	pages generations[AdjQuery, AdjPage]

	pageHits, pageMisses atomic.Int64
}

// maxCachedPage is the largest neighbour page the cache keeps.
const maxCachedPage = 128

// generations is a map in two generations: lookups hit cur, then old (and move the entry to
// cur); when cur holds half the limit, old is dropped and cur becomes old.
type generations[K comparable, V any] struct{ cur, old map[K]V }

// get looks k up, moving an entry of the old generation to the new one.
func (g *generations[K, V]) get(k K, limit int) (V, bool) {
	if v, ok := g.cur[k]; ok {
		return v, true
	}
	v, ok := g.old[k]
	if ok {
		delete(g.old, k)
		g.add(k, v, limit)
	}
	return v, ok
}

func (g *generations[K, V]) add(k K, v V, limit int) {
	half := max(limit/2, 1)
	if len(g.cur) >= half {
		g.old, g.cur = g.cur, make(map[K]V, half)
	}
	if g.cur == nil {
		g.cur = make(map[K]V, min(half, 1024))
	}
	g.cur[k] = v
}

func (g *generations[K, V]) delete(k K) {
	delete(g.cur, k)
	delete(g.old, k)
}

func (g *generations[K, V]) clear() { g.cur, g.old = nil, nil }

func (g *generations[K, V]) len() int { return len(g.cur) + len(g.old) }

func newNodeCache(size int) *nodeCache {
	if size == 0 {
		size = DefaultNodeCache
	}
	return &nodeCache{max: size}
}

func (c *nodeCache) enabled() bool { return c.max > 0 }

func (c *nodeCache) get(id ID) *Node {
	if !c.enabled() {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.records.get(id, c.max)
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return n
}

// CacheStats returns how many record lookups of the read paths the read cache answered (hits) and
// how many went to Badger (misses) since the store opened; both stay 0 with the cache off.
func (s *Store) CacheStats() (hits, misses int64) {
	return s.cache.hits.Load(), s.cache.misses.Load()
}

// put keeps n if no write has committed since the reader took epoch.
func (c *nodeCache) put(epoch uint64, n *Node) {
	if !c.enabled() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch.Load() != epoch {
		return
	}
	c.records.add(n.ID, n, c.max)
}

// names returns n.names(), folded once per record value while the cache keeps it (n must be a
// record of the read side: never modified).
func (c *nodeCache) names(n *Node) []string {
	if !c.enabled() {
		return n.names()
	}
	c.mu.Lock()
	f, ok := c.folded.get(n, c.max)
	c.mu.Unlock()
	if ok {
		return f
	}
	f = n.names()
	c.mu.Lock()
	c.folded.add(n, f, c.max)
	c.mu.Unlock()
	return f
}

// pageLimit is how many neighbour pages the cache keeps: an eighth of its record count (with
// the default, 12,500 pages, at most 1.6M neighbour IDs, ~26 MiB).
func (c *nodeCache) pageLimit() int { return max(c.max/8, 1) }

// page returns a cached neighbour page; its IDs must not be modified, and Nodes is nil.
func (c *nodeCache) page(q AdjQuery) (AdjPage, bool) {
	if !c.enabled() {
		return AdjPage{}, false
	}
	c.mu.Lock()
	p, ok := c.pages.get(q, c.pageLimit())
	c.mu.Unlock()
	if ok {
		c.pageHits.Add(1)
	} else {
		c.pageMisses.Add(1)
	}
	return p, ok
}

// putPage keeps page p of q (without its records) if no write has committed since the reader
// took epoch and it is small enough.
func (c *nodeCache) putPage(epoch uint64, q AdjQuery, p AdjPage) {
	if !c.enabled() || len(p.IDs) > maxCachedPage {
		return
	}
	p.Nodes = nil
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch.Load() != epoch {
		return
	}
	c.pages.add(q, p, c.pageLimit())
}

// PageCacheStats returns how many neighbour-page lookups of the read paths the read cache
// answered (hits) and how many read Badger (misses) since the store opened.
func (s *Store) PageCacheStats() (hits, misses int64) {
	return s.cache.pageHits.Load(), s.cache.pageMisses.Load()
}

// keyHint returns the record that last owned key, if the cache remembers one.
func (c *nodeCache) keyHint(key string) (ID, bool) {
	if !c.enabled() {
		return ID{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.keys[key]
	return id, ok
}

// putKey remembers that id owned key (a hint, see keys).
func (c *nodeCache) putKey(key string, id ID) {
	if !c.enabled() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil || len(c.keys) >= max(c.max/2, 1) {
		c.keys = make(map[string]ID, min(c.max/2, 1024))
	}
	c.keys[key] = id
}

// invalidate forgets the records a committed write changed (nil: every record).
func (c *nodeCache) invalidate(ids []ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch.Add(1)
	c.pages.clear() // see pages: any commit may change any page
	if ids == nil {
		c.records.clear()
		c.folded.clear()
		return
	}
	for _, id := range ids {
		c.records.delete(id)
	}
}

// len reports how many records the cache holds (tests).
func (c *nodeCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.records.len()
}

// reader is one read transaction of the read paths, with the cache epoch taken before it began.
// Its Badger transaction is opened by the first read the cache does not answer (tx), so a round
// trip answered from the cache costs no transaction: Badger's read timestamp and its watermark
// are not touched. The epoch is taken before, so the rule of nodeCache holds the same.
type reader struct {
	db    *badger.DB
	txn   *badger.Txn // nil until tx
	cache *nodeCache
	epoch uint64
}

// tx returns the reader's Badger transaction, opened on first use.
func (r *reader) tx() *badger.Txn {
	if r.txn == nil {
		r.txn = r.db.NewTransaction(false)
	}
	return r.txn
}

// read runs fn in one read transaction (one round trip, see Calls; it counts whether or not the
// cache answered all of it) with cached record reads.
func (s *Store) read(fn func(r *reader) error) error {
	s.calls.Add(1)
	if s.db.IsClosed() {
		return badger.ErrDBClosed // as Badger's View answers
	}
	r := &reader{db: s.db, cache: s.cache, epoch: s.cache.epoch.Load()}
	defer func() {
		if r.txn != nil {
			r.txn.Discard()
		}
	}()
	return fn(r)
}

// node returns a record, from the cache when it is there; the result must not be modified.
func (r *reader) node(id ID) (*Node, error) {
	if n := r.cache.get(id); n != nil {
		return n, nil
	}
	n, err := getNode(r.tx(), id)
	if err == nil {
		r.cache.put(r.epoch, n)
	}
	return n, err
}
