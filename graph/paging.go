package graph

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/kgql/kgql/graph/loaders"
	"github.com/kgql/kgql/graph/model"
	"github.com/kgql/kgql/store"
)

// Page sizes: `first` defaults to DefaultPageSize and may not exceed MaxPageSize.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// cursorPrefix versions the cursor format. A cursor is base64url("c1:" + the id of the edge's
// node): a keyset cursor, never an offset, so a page costs the same however deep it is.
const cursorPrefix = "c1:"

func encodeCursor(id store.ID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + id.String()))
}

func decodeCursor(c string) (store.ID, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && strings.HasPrefix(string(b), cursorPrefix) {
		// Only the canonical form: base64 decoding ignores newlines and the spare bits of the
		// last character, so other strings decode to the same id.
		if id, err := store.ParseID(strings.TrimPrefix(string(b), cursorPrefix)); err == nil && encodeCursor(id) == c {
			return id, nil
		}
	}
	return store.ID{}, fmt.Errorf("%w: after: %q is not a cursor of this list", store.ErrInvalid, c)
}

// pageArgs checks first and after and returns the page size and the keyset bound. kind, if not 0,
// is the kind every node of the list has: a cursor of another kind is refused.
func pageArgs(first *int, after *string, kind store.Kind) (int, store.ID, error) {
	n := DefaultPageSize
	if first != nil {
		n = *first
	}
	if n < 0 || n > MaxPageSize {
		return 0, store.ID{}, fmt.Errorf("%w: first must be between 0 and %d", store.ErrInvalid, MaxPageSize)
	}
	var a store.ID
	if after != nil {
		id, err := decodeCursor(*after)
		if err != nil {
			return 0, a, err
		}
		if kind != 0 && id.Kind != kind {
			return 0, a, fmt.Errorf("%w: after: %q is not a cursor of this list", store.ErrInvalid, *after)
		}
		a = id
	}
	return n, a, nil
}

// connection builds a page from nodes already cut to the page size.
func connection[T any](nodes []*store.Node, hasNext, hasPrev bool, wrap func(*store.Node) T, count func(context.Context) (int, error)) *model.Connection[T] {
	c := &model.Connection[T]{Edges: make([]*model.Edge[T], len(nodes)), PageInfo: &model.PageInfo{HasNextPage: hasNext, HasPreviousPage: hasPrev}, Count: count}
	for i, n := range nodes {
		c.Edges[i] = &model.Edge[T]{Cursor: encodeCursor(n.ID), Node: wrap(n)}
	}
	if len(nodes) > 0 {
		start, end := c.Edges[0].Cursor, c.Edges[len(nodes)-1].Cursor
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = &start, &end
	}
	return c
}

// idsConnection pages through a list of IDs computed in memory (sorted, distinct).
func idsConnection[T any](ctx context.Context, ids []store.ID, kind store.Kind, first *int, after *string, wrap func(*store.Node) T) (*model.Connection[T], error) {
	n, a, err := pageArgs(first, after, kind)
	if err != nil {
		return nil, err
	}
	total := len(ids)
	count := func(context.Context) (int, error) { return total, nil }
	start := 0
	if !a.IsZero() {
		start, _ = slices.BinarySearchFunc(ids, a, store.ID.Compare)
		if start < len(ids) && ids[start] == a {
			start++
		}
	}
	end := min(start+n, len(ids))
	nodes, err := loaders.For(ctx).Nodes(ctx, ids[start:end])
	if err != nil {
		return nil, err
	}
	return connection(nodes, end < len(ids), !a.IsZero(), wrap, count), nil
}

// listConnection pages through every record of one kind (a root list).
func listConnection[T any](s *store.Store, ctx context.Context, kind store.Kind, first *int, after *string, wrap func(*store.Node) T) (*model.Connection[T], error) {
	n, a, err := pageArgs(first, after, kind)
	if err != nil {
		return nil, err
	}
	count := func(context.Context) (int, error) { return s.CountKind(kind) }
	nodes, more, err := s.List(kind, a, max(n, 1)) // first: 0 still reads one, for hasNextPage
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return connection(nil, len(nodes) > 0, !a.IsZero(), wrap, count), nil
	}
	loaders.For(ctx).Prime(nodes...)
	prefetchField(ctx, nodes, true)
	return connection(nodes, more, !a.IsZero(), wrap, count), nil
}
