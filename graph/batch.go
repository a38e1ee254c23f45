package graph

import (
	"context"
	"sync"

	"github.com/kgql/kgql/graph/loaders"
	"github.com/kgql/kgql/graph/model"
	"github.com/kgql/kgql/store"
)

// Nested fields are batch resolvers (gqlgen.yml: resolver.batch): each gets every sibling parent
// of one list at once and asks the loaders for all of them in one go. What the root field's
// prefetch already read answers from the loaders' memo; the rest is read at once, in one round
// trip per field, without a loader wait.

// recorder is any GraphQL type backed by a store record.
type recorder interface{ Rec() *store.Node }

// linked resolves a single-valued relation of one object (nil where there is none): from the
// operation's memo when the root field's prefetch read it — no per-object batching machinery —
// else through the node loader, batched with the siblings resolved at the same time.
func linked[T any](ctx context.Context, o recorder, r store.Rel, wrap func(*store.Node) T) (T, error) {
	var zero T
	n, err := loaders.For(ctx).Node(ctx, o.Rec().Link(r))
	if err != nil || n == nil {
		return zero, err
	}
	return wrap(n), nil
}

// batchLinkedAll resolves a list relation held by every parent.
func batchLinkedAll[P recorder, T any](ctx context.Context, objs []P, r store.Rel, wrap func(*store.Node) T) ([][]T, error) {
	groups := make([][]store.ID, len(objs))
	for i, o := range objs {
		groups[i] = o.Rec().Links[r]
	}
	return wrapGroups(ctx, groups, wrap)
}

// wrapGroups loads several lists of ids in one batch and wraps them, skipping missing records.
func wrapGroups[T any](ctx context.Context, groups [][]store.ID, wrap func(*store.Node) T) ([][]T, error) {
	var all []store.ID
	for _, g := range groups {
		all = append(all, g...)
	}
	nodes, err := loaders.For(ctx).NodesAt(ctx, all)
	if err != nil {
		return nil, err
	}
	out := make([][]T, len(groups))
	k := 0
	for i, g := range groups {
		out[i] = make([]T, 0, len(g))
		for range g {
			if n := nodes[k]; n != nil {
				out[i] = append(out[i], wrap(n))
			}
			k++
		}
	}
	return out, nil
}

// batchReverse lists, for every parent, all the records q selects (q.ID set per parent): lists
// the schema does not paginate, which stay small.
func batchReverse[P recorder, T any](ctx context.Context, objs []P, q store.AdjQuery, wrap func(*store.Node) T) ([][]T, error) {
	qs := make([]store.AdjQuery, len(objs))
	for i, o := range objs {
		qs[i] = q
		qs[i].ID = o.Rec().ID
	}
	pages, err := loaders.For(ctx).AdjacentBatch(ctx, qs)
	if err != nil {
		return nil, err
	}
	out := make([][]T, len(pages))
	for i, p := range pages {
		out[i] = wrapNodes(p.Nodes, wrap)
	}
	return out, nil
}

// wrapNodes wraps records, skipping nil ones.
func wrapNodes[T any](ns []*store.Node, wrap func(*store.Node) T) []T {
	out := make([]T, 0, len(ns))
	for _, n := range ns {
		if n != nil {
			out = append(out, wrap(n))
		}
	}
	return out
}

// batchAdjConnection pages, for every parent, through the records linked through q.Rel (q.ID is
// set per parent); totalCount comes from the degree counters.
func batchAdjConnection[P recorder, T any](ctx context.Context, objs []P, q store.AdjQuery, first *int, after *string, wrap func(*store.Node) T) ([]*model.Connection[T], error) {
	n, a, err := pageArgs(first, after, q.Kind)
	if err != nil {
		return nil, err
	}
	l := loaders.For(ctx)
	qs := make([]store.AdjQuery, len(objs))
	for i, o := range objs {
		qs[i] = q
		qs[i].ID, qs[i].After, qs[i].First = o.Rec().ID, a, max(n, 1) // first: 0 reads one, for hasNextPage
	}
	pages, err := l.AdjacentBatch(ctx, qs)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Connection[T], len(objs))
	for i := range objs {
		deg := store.Degree{ID: qs[i].ID, Rel: q.Rel, Out: q.Out, Kind: q.Kind}
		count := func(ctx context.Context) (int, error) { return l.Degree(ctx, deg) }
		var nodes []*store.Node
		if n > 0 {
			nodes = wrapNodes(pages[i].Nodes, func(n *store.Node) *store.Node { return n })
		}
		hasNext := pages[i].HasNext || (n == 0 && len(pages[i].IDs) > 0)
		out[i] = connection(nodes, hasNext, !a.IsZero(), wrap, count)
	}
	return out, nil
}

// each runs fn for every parent concurrently (so that their loader calls share batches) and
// collects the results in order; the first error wins.
func each[P any, T any](ctx context.Context, objs []P, fn func(ctx context.Context, o P) (T, error)) ([]T, error) {
	out := make([]T, len(objs))
	errs := make([]error, len(objs))
	var wg sync.WaitGroup
	for i, o := range objs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = fn(ctx, o)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
