// Package loaders batches the store reads of one GraphQL operation: every nested field asks its
// loader, and each loader answers all the keys asked at one level of the query with one store
// round trip. A fresh set of loaders is made per operation (see graph.NewHandler), so nothing
// cached outlives the request.
package loaders

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/kgql/kgql/store"
)

// wait is how long a loader collects keys before it calls the store. It only serves the fields
// resolved one object at a time (derived lists, node(id), totalCount): root fields prefetch the
// levels below them (graph/prefetch.go) and batch resolvers hold a whole list of parents, so
// those call the store at once (the *Batch methods and Prefetch). Every level that waits pays
// this in latency — on an idle server more, since Go's timers sleep at least a millisecond
// there: keep it short, and keep fields off it.
const wait = 250 * time.Microsecond

// Loaders are the per-operation loaders. Besides the dataloaders, a memo keeps every record,
// page and count the operation has read, whichever path read it, so that nothing is read twice
// and a field whose data is in the memo answers without waiting.
type Loaders struct {
	s *store.Store

	// The dataloaders are made on first use: most operations are answered by prefetches and
	// batch reads and never need them.
	once    sync.Once
	waited  atomic.Bool // a dataloader was asked for something: see Waited
	nodes   *dataloadgen.Loader[store.ID, *store.Node]
	adj     *dataloadgen.Loader[store.AdjQuery, store.AdjPage]
	degrees *dataloadgen.Loader[store.Degree, int]

	mu       sync.Mutex
	nodeMemo map[store.ID]*store.Node // nil value: the record does not exist
	pageMemo map[store.AdjQuery]store.AdjPage
	degMemo  map[store.Degree]int
}

// New makes a set of loaders over s.
func New(s *store.Store) *Loaders {
	return &Loaders{s: s, nodeMemo: map[store.ID]*store.Node{}, pageMemo: map[store.AdjQuery]store.AdjPage{}, degMemo: map[store.Degree]int{}}
}

// Waited reports whether the operation has asked a dataloader for something the memo did not
// hold (such a call waits for the loader's window to gather its batch). The executor resolves in
// one goroutine until then (graph/executor.go).
func (l *Loaders) Waited() bool { return l.waited.Load() }

// lazy makes the dataloaders, once; every caller is about to wait on one.
func (l *Loaders) lazy() *Loaders {
	l.waited.Store(true)
	l.once.Do(func() {
		s := l.s
		opts := []dataloadgen.Option{dataloadgen.WithWait(wait), dataloadgen.WithBatchCapacity(1000)}
		l.nodes = dataloadgen.NewMappedLoader(func(_ context.Context, ids []store.ID) (map[store.ID]*store.Node, error) {
			res, err := s.GetMany(ids)
			if err == nil {
				l.remember(store.BatchResult{Nodes: res}, ids)
			}
			return res, err
		}, opts...)
		l.adj = dataloadgen.NewMappedLoader(func(_ context.Context, qs []store.AdjQuery) (map[store.AdjQuery]store.AdjPage, error) {
			res, err := s.AdjacentNodes(qs) // pages with their records: one round trip, not two
			if err == nil {
				l.remember(store.BatchResult{Pages: res}, nil)
			}
			return res, err
		}, opts...)
		l.degrees = dataloadgen.NewMappedLoader(func(_ context.Context, ds []store.Degree) (map[store.Degree]int, error) {
			res, err := s.Degrees(ds)
			if err == nil {
				l.remember(store.BatchResult{Degrees: res}, nil)
			}
			return res, err
		}, opts...)
	})
	return l
}

// remember puts what a store call answered in the memo; asked lists the record ids that were
// asked for, so that missing ones are remembered as missing.
func (l *Loaders) remember(res store.BatchResult, asked []store.ID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	found := 0
	for _, id := range asked {
		n, ok := res.Nodes[id]
		l.nodeMemo[id] = n
		if ok {
			found++
		}
	}
	if found < len(res.Nodes) { // records answered beyond those asked for
		for id, n := range res.Nodes {
			l.nodeMemo[id] = n
		}
	}
	for q, p := range res.Pages {
		l.pageMemo[q] = p
		for _, n := range p.Nodes {
			if n != nil {
				l.nodeMemo[n.ID] = n
			}
		}
	}
	for d, c := range res.Degrees {
		l.degMemo[d] = c
	}
}

// missing returns the parts of b that are not in the memo yet, without duplicates.
func (l *Loaders) missing(b store.Batch) store.Batch {
	l.mu.Lock()
	defer l.mu.Unlock()
	var m store.Batch
	m.IDs = unseen(b.IDs, l.nodeMemo, store.ID.IsZero)
	m.Pages = unseen(b.Pages, l.pageMemo, nil)
	m.Degrees = unseen(b.Degrees, l.degMemo, nil)
	return m
}

// unseen returns the keys that are not in memo (nor skipped), each once. Up to smallBatch keys
// are told apart by comparing them with those kept so far, more with a set.
func unseen[K comparable, V any](keys []K, memo map[K]V, skip func(K) bool) []K {
	var out []K
	var seen map[K]bool
	for _, k := range keys {
		if _, ok := memo[k]; ok || (skip != nil && skip(k)) {
			continue
		}
		if seen != nil {
			if seen[k] {
				continue
			}
			seen[k] = true
		} else if slices.Contains(out, k) {
			continue
		} else if len(out) == smallBatch {
			seen = make(map[K]bool, len(keys))
			for _, o := range out {
				seen[o] = true
			}
			seen[k] = true
		}
		if out == nil {
			out = make([]K, 0, min(len(keys), 2*smallBatch))
		}
		out = append(out, k)
	}
	return out
}

const smallBatch = 16

// Fetch reads whatever of b the operation has not read yet, in one store round trip and without
// waiting: for callers that hold a whole batch (a level of a prefetch, a batch resolver's list
// of parents). The answers go into the memo; read them with NodesAt, AdjacentBatch, Degree.
func (l *Loaders) Fetch(b store.Batch) error {
	m := l.missing(b)
	if len(m.IDs)+len(m.Pages)+len(m.Degrees) == 0 {
		return nil
	}
	var res store.BatchResult
	var err error
	switch {
	case len(m.Pages) == 0 && len(m.Degrees) == 0:
		res.Nodes, err = l.s.GetMany(m.IDs)
	default:
		res, err = l.s.ReadBatch(m)
	}
	if err != nil {
		return err
	}
	l.remember(res, m.IDs)
	return nil
}

// nodesFromMemo returns the records of ids from the memo, aligned (nil for a zero id), and
// whether all were there.
func (l *Loaders) nodesFromMemo(ids []store.ID) ([]*store.Node, bool) {
	return fromMemo(&l.mu, l.nodeMemo, ids, store.ID.IsZero)
}

// pagesFromMemo is nodesFromMemo for pages.
func (l *Loaders) pagesFromMemo(qs []store.AdjQuery) ([]store.AdjPage, bool) {
	return fromMemo(&l.mu, l.pageMemo, qs, nil)
}

// fromMemo looks keys up in memo under mu, aligned; skipped keys (skip true) give the zero value.
func fromMemo[K comparable, V any](mu *sync.Mutex, memo map[K]V, keys []K, skip func(K) bool) ([]V, bool) {
	mu.Lock()
	defer mu.Unlock()
	out := make([]V, len(keys))
	for i, k := range keys {
		if skip != nil && skip(k) {
			continue
		}
		v, ok := memo[k]
		if !ok {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

// NodesAt returns the records with those ids, aligned with ids: nil where an id is zero or has no
// record. The caller holds the whole batch: missing records are read at once, not after a wait.
func (l *Loaders) NodesAt(ctx context.Context, ids []store.ID) ([]*store.Node, error) {
	if out, ok := l.nodesFromMemo(ids); ok {
		return out, nil
	}
	if err := l.Fetch(store.Batch{IDs: ids}); err != nil {
		return nil, err
	}
	out, _ := l.nodesFromMemo(ids)
	return out, nil
}

// AdjacentBatch returns pages of neighbours with their records, aligned with qs, for a caller
// that holds the whole batch: what is not in the memo is read at once.
func (l *Loaders) AdjacentBatch(ctx context.Context, qs []store.AdjQuery) ([]store.AdjPage, error) {
	if out, ok := l.pagesFromMemo(qs); ok {
		return out, nil
	}
	if err := l.Fetch(store.Batch{Pages: qs}); err != nil {
		return nil, err
	}
	out, _ := l.pagesFromMemo(qs)
	return out, nil
}

type ctxKey struct{}

// With returns ctx carrying l.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// For returns the loaders of the operation running in ctx. It panics if there are none: every
// operation gets them from the handler, so their absence is a programming error.
func For(ctx context.Context) *Loaders { return ctx.Value(ctxKey{}).(*Loaders) }

// Node returns the record with that id, or nil if there is none (or id is zero). Calls made
// one object at a time gather in the loader's batch for a short wait.
func (l *Loaders) Node(ctx context.Context, id store.ID) (*store.Node, error) {
	if id.IsZero() {
		return nil, nil
	}
	l.mu.Lock()
	n, ok := l.nodeMemo[id]
	l.mu.Unlock()
	if ok {
		return n, nil
	}
	n, err := l.lazy().nodes.Load(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, nil
	}
	return n, err
}

// Nodes returns the records with those ids, in order, skipping ids that have no record. For
// callers working one object at a time: the keys join the loader's batch.
func (l *Loaders) Nodes(ctx context.Context, ids []store.ID) ([]*store.Node, error) {
	ns, ok := l.nodesFromMemo(ids)
	if !ok {
		thunks := make([]func() (*store.Node, error), len(ids))
		nodes := l.lazy().nodes
		for i, id := range ids {
			thunks[i] = nodes.LoadThunk(ctx, id)
		}
		ns = make([]*store.Node, len(ids))
		for i, th := range thunks {
			n, err := th()
			if err != nil && !errors.Is(err, dataloadgen.ErrNotFound) {
				return nil, err
			}
			ns[i] = n
		}
	}
	out := make([]*store.Node, 0, len(ns))
	for _, n := range ns {
		if n != nil {
			out = append(out, n)
		}
	}
	return out, nil
}

// Prime puts records already read (by a root field) in the memo.
func (l *Loaders) Prime(ns ...*store.Node) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, n := range ns {
		if n != nil {
			l.nodeMemo[n.ID] = n
		}
	}
}

// AdjacentMany returns pages of neighbours, with their records (AdjPage.Nodes), aligned with qs.
// For callers working one object at a time: the queries join the loader's batch.
func (l *Loaders) AdjacentMany(ctx context.Context, qs []store.AdjQuery) ([]store.AdjPage, error) {
	if out, ok := l.pagesFromMemo(qs); ok {
		return out, nil
	}
	thunks := make([]func() (store.AdjPage, error), len(qs))
	adj := l.lazy().adj
	for i, q := range qs {
		thunks[i] = adj.LoadThunk(ctx, q)
	}
	out := make([]store.AdjPage, len(qs))
	for i, th := range thunks {
		p, err := th()
		if err != nil && !errors.Is(err, dataloadgen.ErrNotFound) {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// Degree returns a degree count. Counts prefetched with their pages answer at once; others join
// the loader's batch.
func (l *Loaders) Degree(ctx context.Context, d store.Degree) (int, error) {
	l.mu.Lock()
	c, ok := l.degMemo[d]
	l.mu.Unlock()
	if ok {
		return c, nil
	}
	n, err := l.lazy().degrees.Load(ctx, d)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return 0, nil
	}
	return n, err
}
