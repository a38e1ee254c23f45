package graph

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/kgql/kgql/graph/loaders"
	"github.com/kgql/kgql/graph/model"
	"github.com/kgql/kgql/store"
)

// Prefetch: a root field that has read its nodes looks ahead in the query, level by level, and
// loads what the nested fields will ask for — the records they link to, the neighbour pages they
// list — with one loader call per level and branch. The nested resolvers then find everything in
// the loaders' caches. Without this, the batch of a level would depend on how fast gqlgen walks
// the results (a loader batches the keys that arrive within its wait); with it, a query costs a
// number of store calls set by its shape, not by its data or by timing.

// reverseField is a field that lists the records of one kind pointing at a node through one
// relation: a plain list (all of them) or a connection (a page).
type reverseField struct {
	rel  store.Rel
	kind store.Kind
	conn bool
}

// reverseFields are the schema's reverse lists, per parent kind and field name. The resolvers
// build their queries from this table too, so prefetched pages are the ones they look up.
var reverseFields = map[store.Kind]map[string]reverseField{
	store.KindPerson: {
		"positions":  {store.RelPerson, store.KindPosition, false},
		"statements": {store.RelSpeaker, store.KindStatement, true},
	},
	store.KindOrganization: {
		"units":   {store.RelParent, store.KindOrganization, false},
		"members": {store.RelOrganization, store.KindPosition, true},
		"events":  {store.RelOrganizer, store.KindEvent, true},
	},
	store.KindRegion: {
		"subregions": {store.RelParent, store.KindRegion, false},
		"positions":  {store.RelRegion, store.KindPosition, true},
	},
	store.KindEvent: {
		"participants": {store.RelEvent, store.KindParticipation, false},
		"statements":   {store.RelEvent, store.KindStatement, true},
	},
}

// rev returns the adjacency query of a reverse field (ID, First and After unset).
func rev(k store.Kind, field string) store.AdjQuery {
	f := reverseFields[k][field]
	return store.AdjQuery{Rel: f.rel, Kind: f.kind}
}

// Bounds of the look-ahead; past them, resolvers load lazily as usual.
const (
	maxPrefetchDepth = 12
	maxPrefetchNodes = 20000
)

// prefetchField looks ahead below the current field for nodes it returned. connection says
// whether the field is a connection (its nodes are under `nodes` and `edges { node }`).
func prefetchField(ctx context.Context, nodes []*store.Node, connection bool) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || len(nodes) == 0 {
		return
	}
	sel := fc.Field.Selections
	if connection {
		sel = connectionNodes(ctx, sel)
	}
	prefetch(ctx, nodes, sel)
}

// prefetchBelow is prefetchField for nodes returned under one subfield of the current field
// (e.g. the `node` of search hits).
func prefetchBelow(ctx context.Context, nodes []*store.Node, sub string) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || len(nodes) == 0 {
		return
	}
	var sel ast.SelectionSet
	for _, f := range graphql.CollectFields(graphql.GetOperationContext(ctx), fc.Field.Selections, nil) {
		if f.Name == sub {
			sel = append(sel, f.Selections...)
		}
	}
	prefetch(ctx, nodes, sel)
}

// prefetchLists prefetches below the lists a batch resolver returns.
func prefetchLists[T recorder](ctx context.Context, lists [][]T) {
	var nodes []*store.Node
	for _, l := range lists {
		for _, o := range l {
			nodes = append(nodes, o.Rec())
		}
	}
	prefetchField(ctx, nodes, false)
}

// prefetchConnections prefetches below the connections a batch resolver returns.
func prefetchConnections[T recorder](ctx context.Context, conns []*model.Connection[T]) {
	var nodes []*store.Node
	for _, c := range conns {
		if c == nil {
			continue
		}
		for _, e := range c.Edges {
			nodes = append(nodes, e.Node.Rec())
		}
	}
	prefetchField(ctx, nodes, true)
}

// connectionNodes returns the selections made on a connection's nodes.
func connectionNodes(ctx context.Context, sel ast.SelectionSet) ast.SelectionSet {
	op := graphql.GetOperationContext(ctx)
	var out ast.SelectionSet
	for _, f := range graphql.CollectFields(op, sel, nil) {
		switch f.Name {
		case "nodes":
			out = append(out, f.Selections...)
		case "edges":
			for _, g := range graphql.CollectFields(op, f.Selections, nil) {
				if g.Name == "node" {
					out = append(out, g.Selections...)
				}
			}
		}
	}
	return out
}

// branch is one field to prefetch below a set of nodes.
type branch struct {
	sel     ast.SelectionSet
	links   []store.ID       // records to load
	pages   []store.AdjQuery // or neighbour pages to load
	degrees []store.Degree   // totalCount of those pages, when selected
}

// level is a set of nodes and the selections made on them.
type level struct {
	nodes []*store.Node
	sel   ast.SelectionSet
}

// prefetch walks the query breadth first: at each depth it gathers what every branch needs and
// reads all of it at once (Loaders.Fetch) — one store round trip per depth, whatever the data,
// and no loader wait.
func prefetch(ctx context.Context, nodes []*store.Node, sel ast.SelectionSet) {
	if !hasSubSelections(sel) {
		return // only scalars asked for (a point lookup): nothing below to read
	}
	l := loaders.For(ctx)
	cur := []level{{nodes, sel}}
	for depth := 0; depth < maxPrefetchDepth && len(cur) > 0; depth++ {
		var branches []*branch
		total := 0
		for _, lv := range cur {
			bs := expand(ctx, lv)
			branches = append(branches, bs...)
			for _, b := range bs {
				total += len(b.links) + len(b.pages)
			}
		}
		if total == 0 || total > maxPrefetchNodes {
			return
		}
		// Everything this depth needs, in one store round trip.
		var batch store.Batch
		for _, b := range branches {
			batch.IDs = append(batch.IDs, b.links...)
			batch.Pages = append(batch.Pages, b.pages...)
			batch.Degrees = append(batch.Degrees, b.degrees...)
		}
		if err := l.Fetch(batch); err != nil {
			return // the resolvers will meet and report the error
		}
		var next []level
		for _, b := range branches {
			if len(b.sel) == 0 {
				continue
			}
			var ns []*store.Node
			if b.pages != nil {
				pages, err := l.AdjacentBatch(ctx, b.pages)
				if err != nil {
					return
				}
				for _, p := range pages {
					ns = append(ns, p.Nodes...)
				}
			} else {
				var err error
				if ns, err = l.NodesAt(ctx, b.links); err != nil {
					return
				}
			}
			next = append(next, level{ns, b.sel})
		}
		cur = next
	}
}

// hasSubSelections reports whether any field of sel selects fields of its own (fragments count
// as such: collecting them is left to expand).
func hasSubSelections(sel ast.SelectionSet) bool {
	for _, s := range sel {
		if f, ok := s.(*ast.Field); !ok || len(f.SelectionSet) > 0 {
			return true
		}
	}
	return false
}

// expand lists the branches below one level: one per selected field that links to records, lists
// neighbours, or cites sources.
func expand(ctx context.Context, lv level) []*branch {
	op := graphql.GetOperationContext(ctx)
	byKind := map[store.Kind][]*store.Node{}
	for _, n := range lv.nodes {
		if n != nil {
			byKind[n.Kind] = append(byKind[n.Kind], n)
		}
	}
	var out []*branch
	for kind, ns := range byKind {
		for _, f := range graphql.CollectFields(op, lv.sel, satisfies(kind)) {
			if rel, ok := linkField(kind, f.Name); ok {
				b := &branch{sel: f.Selections}
				for _, n := range ns {
					b.links = append(b.links, n.Links[rel]...)
				}
				out = append(out, b)
				continue
			}
			if f.Name == "citations" {
				for _, g := range graphql.CollectFields(op, f.Selections, []string{"Citation"}) {
					if g.Name != "source" {
						continue
					}
					b := &branch{sel: g.Selections}
					for _, n := range ns {
						for _, c := range n.Citations {
							b.links = append(b.links, c.Source)
						}
					}
					out = append(out, b)
				}
				continue
			}
			rf, ok := reverseFields[kind][f.Name]
			if !ok {
				continue
			}
			args := f.ArgumentMap(op.Variables)
			if filtered(args) {
				continue // the engine answers it (graph/lists.go); its resolver prefetches below
			}
			q := store.AdjQuery{Rel: rf.rel, Kind: rf.kind}
			b := &branch{sel: f.Selections}
			counted := false
			if rf.conn {
				var fp *int
				var ap *string
				if v, ok := toInt(args["first"]); ok {
					fp = &v
				}
				if v, ok := args["after"].(string); ok {
					ap = &v
				}
				n, a, err := pageArgs(fp, ap, rf.kind)
				if err != nil {
					continue // the resolver reports it
				}
				q.After, q.First = a, max(n, 1)
				b.sel = connectionNodes(ctx, f.Selections)
				for _, g := range graphql.CollectFields(op, f.Selections, nil) {
					counted = counted || g.Name == "totalCount"
				}
			}
			for _, n := range ns {
				q.ID = n.ID
				b.pages = append(b.pages, q)
				if counted {
					b.degrees = append(b.degrees, store.Degree{ID: n.ID, Rel: rf.rel, Kind: rf.kind})
				}
			}
			out = append(out, b)
		}
	}
	return out
}

// filtered reports whether a list field's arguments go beyond a plain first/after page.
func filtered(args map[string]any) bool {
	for _, a := range []string{"where", "orderBy", "last", "before", "asOf"} {
		if !isNil(args[a]) {
			return true
		}
	}
	return false
}

// linkField reports whether field of kind is a relation the record holds (Node.Links).
func linkField(k store.Kind, field string) (store.Rel, bool) {
	rel, ok := linkFields()[k][field]
	return rel, ok
}

// linkFields maps, per kind, the GraphQL field of each relation the record holds to it.
var linkFields = sync.OnceValue(func() map[store.Kind]map[string]store.Rel {
	out := map[store.Kind]map[string]store.Rel{}
	for _, k := range store.Kinds {
		out[k] = map[string]store.Rel{}
		for _, ri := range store.RelationsOf(k) {
			out[k][ri.Field] = ri.Rel
		}
	}
	return out
})

// satisfies lists the type names a record of kind k matches in fragments.
func satisfies(k store.Kind) []string { return satisfiesTable()[k] }

var satisfiesTable = sync.OnceValue(func() map[store.Kind][]string {
	out := map[store.Kind][]string{}
	for _, k := range store.Kinds {
		if k.IsEntity() {
			out[k] = []string{k.String(), "Entity", "Node"}
		} else {
			out[k] = []string{k.String(), "Node"}
		}
	}
	return out
})

// toInt reads an Int argument as gqlparser hands it over (int64 from a literal, a number of some
// kind from variables).
func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case float64:
		return int(x), true
	case json.Number:
		n, err := x.Int64()
		return int(n), err == nil
	}
	return 0, false
}
