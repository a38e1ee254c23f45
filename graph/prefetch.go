package graph

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"unsafe"

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
	return prefetchMemoFor(op).connectionNodes(op, sel)
}

func collectConnectionNodes(op *graphql.OperationContext, sel ast.SelectionSet) ast.SelectionSet {
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
	op := graphql.GetOperationContext(ctx)
	memo := prefetchMemoFor(op)
	cur := []level{{nodes, sel}}
	for depth := 0; depth < maxPrefetchDepth && len(cur) > 0; depth++ {
		var branches []*branch
		links, pages, degrees := 0, 0, 0
		for _, lv := range cur {
			bs := expand(op, memo, lv)
			branches = append(branches, bs...)
			for _, b := range bs {
				links, pages, degrees = links+len(b.links), pages+len(b.pages), degrees+len(b.degrees)
			}
		}
		if total := links + pages; total == 0 || total > maxPrefetchNodes {
			return
		}
		// Everything this depth needs, in one store round trip.
		batch := store.Batch{IDs: make([]store.ID, 0, links), Pages: make([]store.AdjQuery, 0, pages)}
		if degrees > 0 {
			batch.Degrees = make([]store.Degree, 0, degrees)
		}
		for _, b := range branches {
			batch.IDs = append(batch.IDs, b.links...)
			batch.Pages = append(batch.Pages, b.pages...)
			batch.Degrees = append(batch.Degrees, b.degrees...)
		}
		if err := l.Fetch(batch); err != nil {
			return // the resolvers will meet and report the error
		}
		next := make([]level, 0, len(branches))
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
				n := 0
				for _, p := range pages {
					n += len(p.Nodes)
				}
				ns = make([]*store.Node, 0, n)
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
// neighbours, or cites sources. What a selection set asks of one kind comes from expandSteps,
// collected once per operation; only the arguments are read again (they may be variables).
func expand(op *graphql.OperationContext, memo *prefetchMemo, lv level) []*branch {
	var out []*branch
	for _, kg := range groupByKind(lv.nodes) {
		ns := kg.nodes
		for _, st := range memo.steps(op, lv.sel, kg.kind) {
			switch st.what {
			case stepLink:
				n := 0
				for _, nd := range ns {
					n += len(nd.Links[st.rel])
				}
				b := &branch{sel: st.sel, links: make([]store.ID, 0, n)}
				for _, nd := range ns {
					b.links = append(b.links, nd.Links[st.rel]...)
				}
				out = append(out, b)
				continue
			case stepCitations:
				n := 0
				for _, nd := range ns {
					n += len(nd.Citations)
				}
				b := &branch{sel: st.sel, links: make([]store.ID, 0, n)}
				for _, nd := range ns {
					for _, c := range nd.Citations {
						b.links = append(b.links, c.Source)
					}
				}
				out = append(out, b)
				continue
			}
			rf := st.rev
			args := st.field.ArgumentMap(op.Variables)
			if filtered(args) {
				continue // the engine answers it (graph/lists.go); its resolver prefetches below
			}
			q := store.AdjQuery{Rel: rf.rel, Kind: rf.kind}
			b := &branch{sel: st.sel}
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
			}
			b.pages = make([]store.AdjQuery, 0, len(ns))
			for _, n := range ns {
				q.ID = n.ID
				b.pages = append(b.pages, q)
				if st.counted {
					b.degrees = append(b.degrees, store.Degree{ID: n.ID, Rel: rf.rel, Kind: rf.kind})
				}
			}
			out = append(out, b)
		}
	}
	return out
}

// kindGroup is the nodes of one kind among a level's.
type kindGroup struct {
	kind  store.Kind
	nodes []*store.Node
}

// groupByKind splits nodes by kind, kinds in the order they first appear, nil nodes left out. A
// level is most often of one kind: then its nodes are returned as they are (nil-free).
func groupByKind(nodes []*store.Node) []kindGroup {
	var first store.Kind
	one := true
	for i, n := range nodes {
		if n == nil {
			one = false
			break
		}
		if i == 0 {
			first = n.Kind
		} else if n.Kind != first {
			one = false
			break
		}
	}
	if one {
		if len(nodes) == 0 {
			return nil
		}
		return []kindGroup{{first, nodes}}
	}
	var out []kindGroup
	for _, n := range nodes {
		if n == nil {
			continue
		}
		i := slices.IndexFunc(out, func(g kindGroup) bool { return g.kind == n.Kind })
		if i < 0 {
			out = append(out, kindGroup{kind: n.Kind})
			i = len(out) - 1
		}
		out[i].nodes = append(out[i].nodes, n)
	}
	return out
}

// expandStep is what one selected field of a selection set asks of one kind: a link to follow,
// the sources of its citations, or a reverse list to page; sel is the selection made on what it
// reaches (for a connection, on its nodes).
type expandStep struct {
	what    stepKind
	rel     store.Rel
	rev     reverseField
	field   graphql.CollectedField // a reverse field, for its arguments
	sel     ast.SelectionSet
	counted bool // a connection whose totalCount is selected
}

type stepKind uint8

const (
	stepLink stepKind = iota
	stepCitations
	stepReverse
)

// collectSteps collects what sel asks of records of kind k (gqlgen's field collection, with
// fragments, aliases and @include/@skip resolved against the operation's variables).
func collectSteps(op *graphql.OperationContext, sel ast.SelectionSet, k store.Kind) []expandStep {
	var out []expandStep
	for _, f := range graphql.CollectFields(op, sel, satisfies(k)) {
		if rel, ok := linkField(k, f.Name); ok {
			out = append(out, expandStep{what: stepLink, rel: rel, sel: f.Selections})
			continue
		}
		if f.Name == "citations" {
			for _, g := range graphql.CollectFields(op, f.Selections, []string{"Citation"}) {
				if g.Name == "source" {
					out = append(out, expandStep{what: stepCitations, sel: g.Selections})
				}
			}
			continue
		}
		rf, ok := reverseFields[k][f.Name]
		if !ok {
			continue
		}
		st := expandStep{what: stepReverse, rev: rf, field: f, sel: f.Selections}
		if rf.conn {
			st.sel = collectConnectionNodes(op, f.Selections)
			for _, g := range graphql.CollectFields(op, f.Selections, nil) {
				st.counted = st.counted || g.Name == "totalCount"
			}
		}
		out = append(out, st)
	}
	return out
}

// prefetchMemo keeps what the look-ahead derives from an operation's selection sets, so that a
// query run again does not collect its fields again at every level. gqlgen's query cache hands
// out one document per query text, so a selection set's backing array stands for the same
// selections while the operation is kept (perOperation); the look-ahead only passes on selection
// sets of the document or of this memo. Field collection also reads the variables of
// @include/@skip, so an operation keeps one memo per value of those (as the plan cache does).
type prefetchMemo struct {
	mu     sync.Mutex
	byKind map[stepKey][]expandStep
	conns  map[selKey]ast.SelectionSet
}

type selKey struct {
	first *ast.Selection // the selection set's backing array
	n     int
}

type stepKey struct {
	sel  selKey
	kind store.Kind
}

func keyOf(sel ast.SelectionSet) selKey { return selKey{unsafe.SliceData(sel), len(sel)} }

// maxPrefetchMemo bounds the entries of one memo (it is emptied when full): selection sets the
// resolvers build per request (paths, search hits) are new every time.
const maxPrefetchMemo = 256

var prefetchMemos = perOperation[*byDirectives[*prefetchMemo]]{max: maxPlans}

// prefetchMemoFor returns the memo of the operation (nil, which memoizes nothing, without one).
func prefetchMemoFor(op *graphql.OperationContext) *prefetchMemo {
	if op == nil || op.Operation == nil {
		return nil
	}
	e := prefetchMemos.get(op.Operation, func() *byDirectives[*prefetchMemo] { return newByDirectives[*prefetchMemo](op) })
	return e.get(op.Variables, func() *prefetchMemo { return &prefetchMemo{} })
}

// steps returns collectSteps(op, sel, k), collected once per memo.
func (m *prefetchMemo) steps(op *graphql.OperationContext, sel ast.SelectionSet, k store.Kind) []expandStep {
	if m == nil || len(sel) == 0 {
		return collectSteps(op, sel, k)
	}
	return memoized(&m.mu, &m.byKind, stepKey{keyOf(sel), k}, func() []expandStep { return collectSteps(op, sel, k) })
}

// connectionNodes returns collectConnectionNodes(op, sel), collected once per memo.
func (m *prefetchMemo) connectionNodes(op *graphql.OperationContext, sel ast.SelectionSet) ast.SelectionSet {
	if m == nil || len(sel) == 0 {
		return collectConnectionNodes(op, sel)
	}
	return memoized(&m.mu, &m.conns, keyOf(sel), func() ast.SelectionSet { return collectConnectionNodes(op, sel) })
}

// memoized returns (*memo)[key] under mu, computing it without the lock the first time; the map
// is emptied when it holds maxPrefetchMemo entries.
func memoized[K comparable, V any](mu *sync.Mutex, memo *map[K]V, key K, compute func() V) V {
	mu.Lock()
	v, ok := (*memo)[key]
	mu.Unlock()
	if ok {
		return v
	}
	v = compute()
	mu.Lock()
	defer mu.Unlock()
	if *memo == nil || len(*memo) >= maxPrefetchMemo {
		*memo = map[K]V{}
	}
	(*memo)[key] = v
	return v
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
