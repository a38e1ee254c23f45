package graph

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/kgql/kgql/graph/loaders"
	"github.com/kgql/kgql/graph/model"
	"github.com/kgql/kgql/store"
)

// Graph walks (graph/paths.graphqls): the store walks and returns ids and labels
// (store.ShortestPaths, store.Neighborhood); this file checks the arguments, turns a bound hit
// into QUERY_TOO_COMPLEX, and wraps the records of the answer, fetched in one loader batch.

// Arguments of the walks: defaults and bounds.
const (
	DefaultPathDepth         = 4
	DefaultPathsFirst        = 10
	MaxPathsFirst            = 100
	DefaultNeighborhoodDepth = 1
	DefaultNeighborhoodFirst = 100
	MaxNeighborhoodFirst     = 1000
)

// PathLimits bound every walk (shortestPath, allShortestPaths, neighborhood) of an operation.
type PathLimits struct {
	// MaxVisited bounds how many distinct nodes one walk may discover. Zero means
	// store.DefaultWalkMaxVisited (100,000).
	MaxVisited int
	// Timeout bounds how long one walk may run. Zero means store.DefaultWalkTimeout (2 s).
	Timeout time.Duration
}

type pathLimitsKey struct{}

// WithPathLimits returns ctx carrying limits for the walks of the operations run with it: a
// middleware in front of the handler can set them per request (tests use it to force a bound).
// Without it, walks use the store's defaults.
func WithPathLimits(ctx context.Context, l PathLimits) context.Context {
	return context.WithValue(ctx, pathLimitsKey{}, l)
}

func walkLimits(ctx context.Context) store.WalkLimits {
	l, _ := ctx.Value(pathLimitsKey{}).(PathLimits)
	return store.WalkLimits{MaxVisited: l.MaxVisited, Timeout: l.Timeout}
}

// shortestPaths answers shortestPath (first 1) and allShortestPaths.
func (r *Resolver) shortestPaths(ctx context.Context, from, to string, maxDepth *int, labels []model.PathLabel, first int) ([]*model.GraphPath, error) {
	depth := intOr(maxDepth, DefaultPathDepth)
	if depth < 0 || depth > store.MaxPathDepth {
		return nil, fmt.Errorf("%w: maxDepth must be between 0 and %d", store.ErrInvalid, store.MaxPathDepth)
	}
	if first < 0 || first > MaxPathsFirst {
		return nil, fmt.Errorf("%w: first must be between 0 and %d", store.ErrInvalid, MaxPathsFirst)
	}
	out := []*model.GraphPath{}
	if first == 0 {
		return out, nil
	}
	ends, err := r.Store.ResolveRefs([]string{from, to})
	if err != nil {
		return nil, err
	}
	paths, err := r.Store.ShortestPaths(ctx, store.PathQuery{
		From: ends[0], To: ends[1], MaxDepth: depth, Labels: labelSet(labels), First: first, Limits: walkLimits(ctx),
	})
	if err != nil {
		return nil, walkError(err)
	}
	var ids []store.ID
	for _, p := range paths {
		ids = append(ids, p.Nodes...)
		for _, e := range p.Edges {
			ids = append(ids, e.Via)
		}
	}
	recs, err := fetchWalked(ctx, ids)
	if err != nil {
		return nil, err
	}
paths:
	for _, p := range paths {
		gp := &model.GraphPath{Length: len(p.Edges), Nodes: make([]model.Node, len(p.Nodes)), Edges: make([]*model.GraphEdge, len(p.Edges))}
		for i, id := range p.Nodes {
			if gp.Nodes[i] = recs[id]; gp.Nodes[i] == nil {
				continue paths // deleted since the walk: leave the path out
			}
		}
		for i, e := range p.Edges {
			if gp.Edges[i] = graphEdge(e, recs); gp.Edges[i] == nil {
				continue paths
			}
		}
		out = append(out, gp)
	}
	return out, nil
}

// neighborhood answers neighborhood.
func (r *Resolver) neighborhood(ctx context.Context, id string, depth *int, labels []model.PathLabel, first *int) (*model.Subgraph, error) {
	d := intOr(depth, DefaultNeighborhoodDepth)
	if d < 0 || d > store.MaxNeighborhoodDepth {
		return nil, fmt.Errorf("%w: depth must be between 0 and %d", store.ErrInvalid, store.MaxNeighborhoodDepth)
	}
	n := intOr(first, DefaultNeighborhoodFirst)
	if n < 1 || n > MaxNeighborhoodFirst {
		return nil, fmt.Errorf("%w: first must be between 1 and %d", store.ErrInvalid, MaxNeighborhoodFirst)
	}
	center, err := r.Store.ResolveRefs([]string{id})
	if err != nil {
		return nil, err
	}
	sub, err := r.Store.Neighborhood(ctx, store.NeighborhoodQuery{
		Center: center[0], Depth: d, Labels: labelSet(labels), First: n, Limits: walkLimits(ctx),
	})
	if err != nil {
		return nil, walkError(err)
	}
	ids := append([]store.ID(nil), sub.Nodes...)
	for _, e := range sub.Edges {
		ids = append(ids, e.Via)
	}
	recs, err := fetchWalked(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := &model.Subgraph{Nodes: make([]model.Node, 0, len(sub.Nodes)), Edges: make([]*model.GraphEdge, 0, len(sub.Edges)), Truncated: sub.Truncated}
	for _, id := range sub.Nodes {
		if n := recs[id]; n != nil { // nil: deleted since the walk
			out.Nodes = append(out.Nodes, n)
		}
	}
	for _, e := range sub.Edges {
		if ge := graphEdge(e, recs); ge != nil {
			out.Edges = append(out.Edges, ge)
		}
	}
	return out, nil
}

// fetchWalked fetches the records of a walk's answer in one loader batch, wraps them, and looks
// ahead below them in the query (prefetch). Records deleted since the walk are absent.
func fetchWalked(ctx context.Context, ids []store.ID) (map[store.ID]model.Node, error) {
	nodes, err := loaders.For(ctx).NodesAt(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[store.ID]model.Node, len(nodes))
	var found []*store.Node
	for _, n := range nodes {
		if n == nil {
			continue
		}
		if _, dup := out[n.ID]; !dup {
			out[n.ID] = asWalked(n)
			found = append(found, n)
		}
	}
	prefetchWalked(ctx, found)
	return out, nil
}

// asWalked wraps a node of a walk, or the Position or Participation an edge goes through.
func asWalked(n *store.Node) model.Node {
	switch n.Kind {
	case store.KindPosition:
		return asPosition(n)
	case store.KindParticipation:
		return asParticipation(n)
	}
	return model.FromNode(n)
}

// graphEdge wraps an edge; nil if one of its records is missing.
func graphEdge(e store.PathEdge, recs map[store.ID]model.Node) *model.GraphEdge {
	ge := &model.GraphEdge{From: recs[e.From], To: recs[e.To], Label: e.Label.String()}
	if ge.From == nil || ge.To == nil {
		return nil
	}
	if !e.Via.IsZero() {
		if ge.Via = recs[e.Via]; ge.Via == nil {
			return nil
		}
	}
	return ge
}

// prefetchWalked looks ahead below the records of paths or of a subgraph: the selections made on
// `nodes` and on `edges { from to via }`, merged, over all the records at once (prefetch.go).
func prefetchWalked(ctx context.Context, recs []*store.Node) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || len(recs) == 0 {
		return
	}
	op := graphql.GetOperationContext(ctx)
	var sel ast.SelectionSet
	for _, f := range graphql.CollectFields(op, fc.Field.Selections, nil) {
		switch f.Name {
		case "nodes":
			sel = append(sel, f.Selections...)
		case "edges":
			for _, g := range graphql.CollectFields(op, f.Selections, nil) {
				if g.Name == "from" || g.Name == "to" || g.Name == "via" {
					sel = append(sel, g.Selections...)
				}
			}
		}
	}
	prefetch(ctx, recs, sel)
}

// labelSet turns the labels argument into a set; null means store.DefaultLabels (all but CITES).
func labelSet(ls []model.PathLabel) store.LabelSet {
	if ls == nil {
		return store.DefaultLabels
	}
	var s store.LabelSet
	for _, l := range ls {
		if sl, ok := store.ParseLabel(string(l)); ok {
			s |= store.LabelsOf(sl)
		}
	}
	return s
}

// walkError reports a walk that hit a bound as QUERY_TOO_COMPLEX, naming the bound in
// extensions.bound ("visited" or "time") and its value in extensions.limit.
func walkError(err error) error {
	var le *store.LimitError
	if !errors.As(err, &le) {
		return err
	}
	ext := map[string]any{"bound": le.Bound, "limit": le.Visited}
	if le.Bound == store.BoundTime {
		ext["limit"] = le.Timeout.String()
	}
	return &codedError{code: CodeQueryTooComplex, msg: le.Error(), ext: ext}
}

// intOr returns *p, or def when p is nil.
func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}
