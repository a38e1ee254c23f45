// Package loaders batches the store reads of one GraphQL operation: every nested field asks its
// loader, and each loader answers all the keys asked at one level of the query with one store
// round trip. A fresh set of loaders is made per operation (see graph.NewHandler), so nothing
// cached outlives the request.
package loaders

import (
	"context"
	"errors"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/kgql/kgql/store"
)

// wait is how long a loader collects keys before it calls the store. Root fields prefetch the
// levels below them in one batch per level (graph/prefetch.go), so batching does not rest on this
// window; it only gathers the keys of lazily resolved fields, and every level of a query pays it
// in latency: keep it short.
const wait = 250 * time.Microsecond

// Loaders are the per-operation loaders.
type Loaders struct {
	nodes   *dataloadgen.Loader[store.ID, *store.Node]
	adj     *dataloadgen.Loader[store.AdjQuery, store.AdjPage]
	degrees *dataloadgen.Loader[store.Degree, int]
}

// New makes a set of loaders over s.
func New(s *store.Store) *Loaders {
	opts := []dataloadgen.Option{dataloadgen.WithWait(wait), dataloadgen.WithBatchCapacity(1000)}
	return &Loaders{
		nodes: dataloadgen.NewMappedLoader(func(_ context.Context, ids []store.ID) (map[store.ID]*store.Node, error) {
			return s.GetMany(ids)
		}, opts...),
		adj: dataloadgen.NewMappedLoader(func(_ context.Context, qs []store.AdjQuery) (map[store.AdjQuery]store.AdjPage, error) {
			return s.AdjacentNodes(qs) // pages with their records: one round trip, not two
		}, opts...),
		degrees: dataloadgen.NewMappedLoader(func(_ context.Context, ds []store.Degree) (map[store.Degree]int, error) {
			return s.Degrees(ds)
		}, opts...),
	}
}

type ctxKey struct{}

// With returns ctx carrying l.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// For returns the loaders of the operation running in ctx. It panics if there are none: every
// operation gets them from the handler, so their absence is a programming error.
func For(ctx context.Context) *Loaders { return ctx.Value(ctxKey{}).(*Loaders) }

// Node returns the record with that id, or nil if there is none (or id is zero).
func (l *Loaders) Node(ctx context.Context, id store.ID) (*store.Node, error) {
	if id.IsZero() {
		return nil, nil
	}
	n, err := l.nodes.Load(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, nil
	}
	return n, err
}

// Nodes returns the records with those ids, in order, skipping ids that have no record.
func (l *Loaders) Nodes(ctx context.Context, ids []store.ID) ([]*store.Node, error) {
	thunks := make([]func() (*store.Node, error), len(ids))
	for i, id := range ids {
		thunks[i] = l.nodes.LoadThunk(ctx, id)
	}
	out := make([]*store.Node, 0, len(ids))
	for _, th := range thunks {
		n, err := th()
		if errors.Is(err, dataloadgen.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// NodesAt returns the records with those ids, aligned with ids: nil where an id is zero or has no
// record.
func (l *Loaders) NodesAt(ctx context.Context, ids []store.ID) ([]*store.Node, error) {
	return l.NodesAtThunk(ctx, ids)()
}

// NodesAtThunk is NodesAt in two steps: the keys join the loader's batch now; the returned
// function waits for the records.
func (l *Loaders) NodesAtThunk(ctx context.Context, ids []store.ID) func() ([]*store.Node, error) {
	thunks := make([]func() (*store.Node, error), len(ids))
	for i, id := range ids {
		if !id.IsZero() {
			thunks[i] = l.nodes.LoadThunk(ctx, id)
		}
	}
	return func() ([]*store.Node, error) {
		out := make([]*store.Node, len(ids))
		for i, th := range thunks {
			if th == nil {
				continue
			}
			n, err := th()
			if err != nil && !errors.Is(err, dataloadgen.ErrNotFound) {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
}

// Prime puts records already read (by a root field) in the node cache.
func (l *Loaders) Prime(ns ...*store.Node) {
	for _, n := range ns {
		l.nodes.Prime(n.ID, n)
	}
}

// AdjacentMany returns pages of neighbours, with their records (AdjPage.Nodes), for several
// queries batched together. The records also go into the node cache.
func (l *Loaders) AdjacentMany(ctx context.Context, qs []store.AdjQuery) ([]store.AdjPage, error) {
	return l.AdjacentManyThunk(ctx, qs)()
}

// AdjacentManyThunk is AdjacentMany in two steps, like NodesAtThunk.
func (l *Loaders) AdjacentManyThunk(ctx context.Context, qs []store.AdjQuery) func() ([]store.AdjPage, error) {
	thunks := make([]func() (store.AdjPage, error), len(qs))
	for i, q := range qs {
		thunks[i] = l.adj.LoadThunk(ctx, q)
	}
	return func() ([]store.AdjPage, error) {
		out := make([]store.AdjPage, len(qs))
		for i, th := range thunks {
			p, err := th()
			if err != nil && !errors.Is(err, dataloadgen.ErrNotFound) {
				return nil, err
			}
			out[i] = p
			for _, n := range p.Nodes {
				if n != nil {
					l.nodes.Prime(n.ID, n)
				}
			}
		}
		return out, nil
	}
}

// DegreesThunk puts degree counts in the loader's batch now; the function waits for them.
func (l *Loaders) DegreesThunk(ctx context.Context, ds []store.Degree) func() error {
	thunks := make([]func() (int, error), len(ds))
	for i, d := range ds {
		thunks[i] = l.degrees.LoadThunk(ctx, d)
	}
	return func() error {
		for _, th := range thunks {
			if _, err := th(); err != nil && !errors.Is(err, dataloadgen.ErrNotFound) {
				return err
			}
		}
		return nil
	}
}

// Degree returns a degree count.
func (l *Loaders) Degree(ctx context.Context, d store.Degree) (int, error) {
	n, err := l.degrees.Load(ctx, d)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return 0, nil
	}
	return n, err
}
