package graph

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/kgql/kgql/graph/loaders"
	"github.com/kgql/kgql/graph/model"
	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/query"
)

// Lists with `where`, `orderBy`, `last` or `before` (or `asOf`) run through the query engine
// (store/query); plain `first`/`after` pages keep the direct paths (counters, adjacency, loaders).

// listArgs are the arguments of a list field.
type listArgs struct {
	where         map[string]any
	orderBy       any // []*model.XOrder
	asOf          *model.Date
	first, last   *int
	after, before *string
	extra         *query.Filter // added by the field itself (e.g. person.events)
	needTotal     bool
	kind          store.Kind
	base          *store.AdjQuery
	baseName      string // part of the cursor signature for nested lists
}

// plain reports whether the request can take the direct path.
func (a listArgs) plain() bool {
	return a.where == nil && isNil(a.orderBy) && a.asOf == nil && a.last == nil && a.before == nil && a.extra == nil
}

// cursorV2 is base64url("c2:" + JSON): the signature of the list (kind, filter, ordering), the
// sort values and the id. A cursor of another list or ordering is refused.
type cursorV2 struct {
	Sig    string   `json:"s"`
	Values []string `json:"v,omitempty"`
	ID     string   `json:"i"`
}

func encodeCursorV2(sig string, c query.Cursor) string {
	if sig == "" && strings.Join(c.Values, "") == "" {
		return encodeCursor(c.ID) // the plain format: lists in creation order, unfiltered
	}
	b, _ := json.Marshal(cursorV2{Sig: sig, Values: c.Values, ID: c.ID.String()})
	return base64.RawURLEncoding.EncodeToString(append([]byte("c2:"), b...))
}

func decodeCursorV2(arg, s, sig string, kind store.Kind) (*query.Cursor, error) {
	bad := fmt.Errorf("%w: %s: %q is not a cursor of this list (with this filter and order)", store.ErrInvalid, arg, s)
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	if rest, ok := strings.CutPrefix(string(b), "c2:"); ok {
		var c cursorV2
		if json.Unmarshal([]byte(rest), &c) != nil || c.Sig != sig {
			return nil, bad
		}
		id, err := store.ParseID(c.ID)
		if err != nil || id.Kind != kind {
			return nil, bad
		}
		return &query.Cursor{Values: c.Values, ID: id}, nil
	}
	if sig != "" {
		return nil, bad
	}
	id, err := decodeCursor(s)
	if err != nil || id.Kind != kind {
		return nil, bad
	}
	return &query.Cursor{ID: id}, nil
}

// signature identifies a list's filter and ordering ("" for the plain creation-order list).
func signature(a listArgs, order []query.OrderKey) string {
	if a.where == nil && a.asOf == nil && isCreationOrder(order) {
		return "" // the field's own list in creation order: the same cursors as the plain path
	}
	w, _ := json.Marshal(a.where)
	o, _ := json.Marshal(order)
	var as string
	if a.asOf != nil {
		as = string(*a.asOf)
	}
	h := sha256.Sum256([]byte(a.kind.String() + "|" + a.baseName + "|" + string(w) + "|" + string(o) + "|" + as))
	return hex.EncodeToString(h[:6])
}

func isCreationOrder(o []query.OrderKey) bool {
	return len(o) == 0 || (len(o) == 1 && o[0].Field == "" && !o[0].Desc)
}

// request builds the engine request of a list, bounded by ctx (the operation's deadline).
func (r *Resolver) request(ctx context.Context, a listArgs) (query.Request, string, error) {
	req := query.Request{Kind: a.kind, Base: a.base, NeedTotal: a.needTotal, Ctx: ctx}
	if a.first != nil && a.last != nil {
		return req, "", fmt.Errorf("%w: give first or last, not both", store.ErrInvalid)
	}
	for _, n := range []*int{a.first, a.last} {
		if n != nil && (*n < 0 || *n > MaxPageSize) {
			return req, "", fmt.Errorf("%w: first and last must be between 0 and %d", store.ErrInvalid, MaxPageSize)
		}
	}
	switch {
	case a.last != nil:
		req.Last = *a.last
	case a.first != nil:
		req.First = *a.first
	case a.before != nil:
		req.Last = DefaultPageSize
	default:
		req.First = DefaultPageSize
	}
	f, err := whereFilter(a.kind, a.where, r.textSearchIn(ctx))
	if err != nil {
		return req, "", err
	}
	if a.asOf != nil {
		f = and(f, &query.Filter{Field: "asOf", Op: query.HeldOn, Values: []string{string(*a.asOf)}})
	}
	req.Filter = and(f, a.extra)
	req.Order = orderKeys(a.orderBy)
	sig := signature(a, req.Order)
	if a.after != nil {
		if req.After, err = decodeCursorV2("after", *a.after, sig, a.kind); err != nil {
			return req, "", err
		}
	}
	if a.before != nil {
		if req.Before, err = decodeCursorV2("before", *a.before, sig, a.kind); err != nil {
			return req, "", err
		}
	}
	return req, sig, nil
}

func and(a, b *query.Filter) *query.Filter {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return &query.Filter{And: []*query.Filter{a, b}}
}

// runList answers one list through the engine.
func runList[T any](ctx context.Context, r *Resolver, a listArgs, wrap func(*store.Node) T) (*model.Connection[T], error) {
	out, err := runLists(ctx, r, []listArgs{a}, wrap)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// runLists answers several lists (the same field on sibling parents) in one read transaction.
func runLists[T any](ctx context.Context, r *Resolver, as []listArgs, wrap func(*store.Node) T) ([]*model.Connection[T], error) {
	out := make([]*model.Connection[T], len(as))
	var all []*store.Node
	err := r.Store.Read(func(tx *store.Tx) error {
		for i, a := range as {
			req, sig, err := r.request(ctx, a)
			if err != nil {
				return err
			}
			page, err := query.Run(tx, req)
			if errors.Is(err, query.ErrTooMany) {
				return &codedError{code: CodeQueryTooComplex, msg: err.Error()}
			}
			if err != nil {
				return err
			}
			out[i] = pageConnection(page, sig, wrap)
			all = append(all, page.Nodes...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	loaders.For(ctx).Prime(all...)
	prefetchField(ctx, all, true)
	return out, nil
}

// pageConnection turns an engine page into a connection.
func pageConnection[T any](p *query.Page, sig string, wrap func(*store.Node) T) *model.Connection[T] {
	c := &model.Connection[T]{Edges: make([]*model.Edge[T], len(p.Nodes)), PageInfo: &model.PageInfo{HasNextPage: p.HasNext, HasPreviousPage: p.HasPrev}}
	for i, n := range p.Nodes {
		c.Edges[i] = &model.Edge[T]{Cursor: encodeCursorV2(sig, p.Cursors[i]), Node: wrap(n)}
	}
	if len(c.Edges) > 0 {
		s, e := c.Edges[0].Cursor, c.Edges[len(c.Edges)-1].Cursor
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = &s, &e
	}
	total := p.Total
	c.Count = func(context.Context) (int, error) {
		if total < 0 {
			return 0, fmt.Errorf("totalCount was not computed") // needTotal was false: a bug
		}
		return total, nil
	}
	return c
}

// selectsTotal reports whether the current (connection) field selects totalCount.
func selectsTotal(ctx context.Context) bool { return selects(ctx, "totalCount") }

// selects reports whether the current field selects the field name on its type (through
// fragments too); true when that cannot be told (no field context).
func selects(ctx context.Context, name string) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return true
	}
	for _, f := range graphql.CollectFields(graphql.GetOperationContext(ctx), fc.Field.Selections, nil) {
		if f.Name == name {
			return true
		}
	}
	return false
}

// textSearchIn is textSearch within ctx: it does not start once ctx is done, and reports ctx's
// end if it came during the search (TextMatch itself takes no context; the index's matches are
// bounded by MaxMatch and take milliseconds).
func (r *Resolver) textSearchIn(ctx context.Context) textSearch {
	return func(text string, k store.Kind) (*query.Filter, error) {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		f, err := r.textSearch(text, k)
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return f, err
	}
}

// wordSearch is `text: {search:}` without the full-text index: every word of the query must
// appear in the folded text.
func wordSearch(text string, _ store.Kind) (*query.Filter, error) {
	f := &query.Filter{}
	for _, w := range strings.Fields(store.Fold(text)) {
		f.And = append(f.And, &query.Filter{Field: "text", Op: query.Contains, Values: []string{w}})
	}
	return f, nil
}

// textSearch is the filter of `text: {search:}`: the records the full-text index matches (French
// analysis, see store/textindex) when there is one; without an index (tests, embedders that open
// none), every word of the query must appear in the folded text.
func (r *Resolver) textSearch(text string, k store.Kind) (*query.Filter, error) {
	if r.TextMatch == nil {
		return wordSearch(text, k)
	}
	ids, err := r.TextMatch(text, []store.Kind{k}, maxTextMatches+1)
	if err != nil {
		return nil, err
	}
	if len(ids) > maxTextMatches {
		return nil, &codedError{code: CodeQueryTooComplex, msg: fmt.Sprintf("text.search matches more than %d records: add words or other filters", maxTextMatches)}
	}
	set := make(map[store.ID]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return &query.Filter{Op: query.Matches, Set: set}, nil
}

// rootList is a root list field: the direct path for plain pages, the engine otherwise.
func rootList[T any](ctx context.Context, r *Resolver, a listArgs, wrap func(*store.Node) T) (*model.Connection[T], error) {
	if a.plain() {
		return listConnection(r.Store, ctx, a.kind, a.first, a.after, wrap)
	}
	a.needTotal = selectsTotal(ctx)
	return runList(ctx, r, a, wrap)
}

// nestedLists is a nested connection on sibling parents: the records q selects from each.
func nestedLists[P recorder, T any](ctx context.Context, r *Resolver, objs []P, a listArgs, q store.AdjQuery, wrap func(*store.Node) T) ([]*model.Connection[T], error) {
	if a.plain() {
		return batchAdjConnection(ctx, objs, q, a.first, a.after, wrap)
	}
	a.needTotal = selectsTotal(ctx)
	a.baseName = fmt.Sprintf("%d/%v/%d", q.Rel, q.Out, q.Kind)
	as := make([]listArgs, len(objs))
	for i, o := range objs {
		b := q
		b.ID = o.Rec().ID
		as[i] = a
		as[i].base = &b
	}
	return runLists(ctx, r, as, wrap)
}

// derivedLists is a nested connection computed by a filter per parent (e.g. a person's events):
// the plain path computes ids in memory; with arguments the engine applies extra(parent) too.
func derivedLists[P recorder, T recorder](ctx context.Context, r *Resolver, objs []P, a listArgs, name string,
	plain func(ctx context.Context, n *store.Node) ([]store.ID, error), extra func(n *store.Node) *query.Filter,
	wrap func(*store.Node) T) ([]*model.Connection[T], error) {
	if a.plain() {
		out, err := each(ctx, objs, func(ctx context.Context, o P) (*model.Connection[T], error) {
			ids, err := plain(ctx, o.Rec())
			if err != nil {
				return nil, err
			}
			return idsConnection(ctx, ids, a.kind, a.first, a.after, wrap)
		})
		if err == nil {
			prefetchConnections(ctx, out)
		}
		return out, err
	}
	a.needTotal = selectsTotal(ctx)
	a.baseName = name
	as := make([]listArgs, len(objs))
	for i, o := range objs {
		as[i] = a
		as[i].extra = extra(o.Rec())
	}
	return runLists(ctx, r, as, wrap)
}

// eventsOfPerson: events the person took part in through a participation or a statement.
func eventsOfPerson(p *store.Node) *query.Filter {
	is := &query.Filter{Field: "id", Op: query.Eq, Values: []string{p.ID.String()}}
	via := func(k store.Kind, r store.Rel) *query.Filter {
		return &query.Filter{
			Rel: &query.Relation{Rel: store.RelEvent, Kind: k},
			Sub: &query.Filter{Rel: &query.Relation{Rel: r, Out: true, Kind: store.KindPerson}, Sub: is},
		}
	}
	return &query.Filter{Or: []*query.Filter{via(store.KindParticipation, store.RelPerson), via(store.KindStatement, store.RelSpeaker)}}
}

// eventsInRegion: events held in the region or any region inside it.
func eventsInRegion(reg *store.Node) *query.Filter {
	return &query.Filter{
		Rel: &query.Relation{Rel: store.RelLocation, Out: true, Kind: store.KindRegion},
		Sub: &query.Filter{Field: "within", Op: query.Within, Values: []string{reg.ID.String()}},
	}
}

// maxListed bounds the plain lists (not connections) that go through the engine.
const maxListed = 10000

// filteredPositions is Person.positions with asOf or where.
func filteredPositions(ctx context.Context, r *Resolver, objs []*model.Person, asOf *model.Date, where map[string]any) ([][]*model.Position, error) {
	if asOf == nil && where == nil {
		return batchReverse(ctx, objs, rev(store.KindPerson, "positions"), asPosition)
	}
	out := make([][]*model.Position, len(objs))
	err := r.Store.Read(func(tx *store.Tx) error {
		f, err := whereFilter(store.KindPosition, where, r.textSearchIn(ctx))
		if err != nil {
			return err
		}
		if asOf != nil {
			f = and(f, &query.Filter{Field: "asOf", Op: query.HeldOn, Values: []string{string(*asOf)}})
		}
		for i, o := range objs {
			b := rev(store.KindPerson, "positions")
			b.ID = o.N.ID
			page, err := query.Run(tx, query.Request{Kind: store.KindPosition, Base: &b, Filter: f, First: maxListed, Ctx: ctx})
			if err != nil {
				return err
			}
			out[i] = wrapNodes(page.Nodes, asPosition)
		}
		return nil
	})
	return out, err
}
