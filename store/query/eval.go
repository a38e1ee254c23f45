package query

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kgql/kgql/store"
)

// Value returns the comparable value of a record's field: folded text for names and titles (so
// comparisons and orderings ignore accents and case), the raw value for keys, ids, enums, codes,
// languages and dates, "" when absent.
func Value(n *store.Node, field string) string {
	switch field {
	case "id":
		return n.ID.String()
	case "key":
		return n.Key
	case "name":
		return store.Fold(n.Name)
	case "title":
		return store.Fold(n.Title)
	case "acronym":
		return store.Fold(n.Acronym)
	case "code":
		return n.Code
	case "kind":
		if n.Kind == store.KindOrganization {
			return n.OrgKind
		}
		return n.RegionKind
	case "text":
		return store.Fold(n.Text)
	case "language":
		return strings.ToLower(n.Language)
	case "role":
		return store.Fold(n.Role)
	case "author":
		return store.Fold(n.Author)
	case "startDate":
		return n.StartDate
	case "endDate":
		return n.EndDate
	case "date":
		return n.Date
	case "publishedAt":
		return n.PublishedAt
	case "year":
		for _, d := range []string{n.Date, n.StartDate, n.PublishedAt} {
			if len(d) >= 4 {
				return d[:4]
			}
		}
	}
	return ""
}

// exactFields compare without folding.
var exactFields = map[string]bool{"id": true, "key": true, "code": true, "kind": true, "language": true,
	"startDate": true, "endDate": true, "date": true, "publishedAt": true, "year": true}

// eval evaluates filters within one transaction, caching records.
type eval struct {
	tx    *store.Tx
	cache map[store.ID]*store.Node
	ctx   context.Context
	reads int // records read (or looked up), to check ctx every so often
}

func newEval(ctx context.Context, tx *store.Tx) *eval {
	if ctx == nil {
		ctx = context.Background()
	}
	return &eval{tx: tx, cache: map[store.ID]*store.Node{}, ctx: ctx}
}

// checkEvery is how many records an evaluation reads between two checks of its context.
const checkEvery = 256

// tick counts one record read and checks the context every checkEvery records.
func (e *eval) tick() error {
	e.reads++
	if e.reads%checkEvery != 0 {
		return nil
	}
	return e.ctxErr()
}

// ctxErr is the cause of the context's end, or nil while it runs.
func (e *eval) ctxErr() error {
	if e.ctx.Err() != nil {
		return context.Cause(e.ctx)
	}
	return nil
}

func (e *eval) get(id store.ID) (*store.Node, error) {
	if err := e.tick(); err != nil {
		return nil, err
	}
	if n, ok := e.cache[id]; ok {
		return n, nil
	}
	n, err := e.tx.GetOrNil(id)
	if err != nil {
		return nil, err
	}
	if len(e.cache) > 500000 {
		clear(e.cache)
	}
	e.cache[id] = n
	return n, nil
}

// resolve prepares a filter: Within values (keys or ids) become the IDs of the regions they name
// and of every region inside them. An unknown region matches nothing.
func (e *eval) resolve(f *Filter) error {
	if f == nil {
		return nil
	}
	for _, g := range f.And {
		if err := e.resolve(g); err != nil {
			return err
		}
	}
	for _, g := range f.Or {
		if err := e.resolve(g); err != nil {
			return err
		}
	}
	if err := e.resolve(f.Not); err != nil {
		return err
	}
	if err := e.resolve(f.Sub); err != nil {
		return err
	}
	if f.Op == Within && f.Set == nil {
		f.Set = map[store.ID]bool{}
		var roots []store.ID
		for _, v := range f.Values {
			id, err := e.idOf(v)
			if err != nil {
				return err
			}
			if id.Kind == store.KindRegion {
				roots = append(roots, id)
			}
		}
		ids, err := e.subtree(roots)
		if err != nil {
			return err
		}
		for _, id := range ids {
			f.Set[id] = true
		}
	}
	return nil
}

// idOf resolves a key or an id; the zero ID if nothing has it.
func (e *eval) idOf(v string) (store.ID, error) {
	if id, err := store.ParseID(v); err == nil {
		return id, nil
	}
	id, err := e.tx.Lookup(v)
	if errors.Is(err, store.ErrNotFound) {
		return store.ID{}, nil
	}
	return id, err
}

// maxSubtree bounds the regions Within collects.
const maxSubtree = 100000

// subtree returns the regions and every region inside them.
func (e *eval) subtree(roots []store.ID) ([]store.ID, error) {
	all := slices.Clone(roots)
	frontier := roots
	for len(frontier) > 0 {
		if len(all) > maxSubtree {
			return nil, fmt.Errorf("%w: more than %d regions inside %v", ErrTooMany, maxSubtree, roots)
		}
		var next []store.ID
		for _, id := range frontier {
			if err := e.tick(); err != nil {
				return nil, err
			}
			next = append(next, e.tx.Neighbours(store.AdjQuery{ID: id, Rel: store.RelParent, Kind: store.KindRegion})...)
		}
		all = append(all, next...)
		frontier = next
	}
	return all, nil
}

// match reports whether n satisfies f (nil: everything).
func (e *eval) match(n *store.Node, f *Filter) (bool, error) {
	if f == nil {
		return true, nil
	}
	for _, g := range f.And {
		if ok, err := e.match(n, g); err != nil || !ok {
			return false, err
		}
	}
	if len(f.Or) > 0 {
		any := false
		for _, g := range f.Or {
			ok, err := e.match(n, g)
			if err != nil {
				return false, err
			}
			if ok {
				any = true
				break
			}
		}
		if !any {
			return false, nil
		}
	}
	if f.Not != nil {
		ok, err := e.match(n, f.Not)
		if err != nil || ok {
			return false, err
		}
	}
	if f.Rel != nil {
		return e.matchRel(n, f.Rel, f.Sub)
	}
	if f.Field == "" && f.Op != Matches {
		return true, nil
	}
	if f.Op == HeldOn {
		return e.heldOn(n, f.Values[0])
	}
	return compare(n, f), nil
}

// heldOn is the one rule of asOf: a dated record (a start or an end date) is held on d when it did
// not start after d and did not end before it (a missing date is open); an undated one is known
// from the earliest publishedAt of the sources it cites on, so it is held on d unless d is before
// that date (none of its sources has a publishedAt: held on every date).
func (e *eval) heldOn(n *store.Node, d string) (bool, error) {
	if n.StartDate != "" || n.EndDate != "" {
		return (n.StartDate == "" || n.StartDate <= d) && (n.EndDate == "" || n.EndDate >= d), nil
	}
	known := ""
	for _, c := range n.Citations {
		src, err := e.get(c.Source)
		if err != nil {
			return false, err
		}
		if src != nil && src.PublishedAt != "" && (known == "" || src.PublishedAt < known) {
			known = src.PublishedAt
		}
	}
	return known == "" || known <= d, nil
}

// matchRel: some record related to n through r matches sub.
func (e *eval) matchRel(n *store.Node, r *Relation, sub *Filter) (bool, error) {
	var ids []store.ID
	if r.Out {
		ids = n.Links[r.Rel]
	} else {
		ids = e.tx.Neighbours(store.AdjQuery{ID: n.ID, Rel: r.Rel, Kind: r.Kind})
	}
	for _, id := range ids {
		m, err := e.get(id)
		if err != nil {
			return false, err
		}
		if m == nil || (r.Kind != 0 && m.Kind != r.Kind) {
			continue
		}
		ok, err := e.match(m, sub)
		if err != nil {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// compare evaluates one field comparison.
func compare(n *store.Node, f *Filter) bool {
	switch f.Op {
	case Matches, Within:
		return f.Set[n.ID]
	}
	v := Value(n, f.Field)
	norm := func(s string) string {
		switch {
		case f.Field == "language":
			return strings.ToLower(s)
		case exactFields[f.Field]:
			return s
		}
		return store.Fold(s)
	}
	switch f.Op {
	case Eq:
		return v != "" && v == norm(f.Values[0])
	case In:
		for _, x := range f.Values {
			if v != "" && v == norm(x) {
				return true
			}
		}
		return false
	case StartsWith:
		return v != "" && strings.HasPrefix(v, norm(f.Values[0]))
	case Contains:
		return v != "" && strings.Contains(v, norm(f.Values[0]))
	case Lt:
		return v != "" && v < f.Values[0]
	case Lte:
		return v != "" && v <= f.Values[0]
	case Gt:
		return v != "" && v > f.Values[0]
	case Gte:
		return v != "" && v >= f.Values[0]
	}
	return false
}

// maxCandidates bounds what an index may contribute before the planner gives up on it.
const maxCandidates = 1000000

// candidates returns a superset of the records of kind k matching f, read from indexes, if f has
// a conjunct an index can answer.
func (e *eval) candidates(k store.Kind, f *Filter) ([]store.ID, bool) {
	if f == nil {
		return nil, false
	}
	var best []store.ID
	found := false
	consider := func(ids []store.ID, ok bool) {
		if ok && (!found || len(ids) < len(best)) {
			best, found = ids, true
		}
	}
	for _, g := range f.And {
		consider(e.candidates(k, g))
	}
	if len(f.Or) > 0 {
		var union []store.ID
		all := true
		for _, g := range f.Or {
			ids, ok := e.candidates(k, g)
			if !ok {
				all = false
				break
			}
			union = append(union, ids...)
		}
		consider(union, all)
	}
	if f.Rel != nil {
		consider(e.relCandidates(k, f.Rel, f.Sub))
	}
	switch {
	case f.Op == Matches || f.Op == Within:
		ids := make([]store.ID, 0, len(f.Set))
		for id := range f.Set {
			ids = append(ids, id)
		}
		consider(ids, true)
	case f.Field == "id" && (f.Op == Eq || f.Op == In):
		var ids []store.ID
		for _, v := range f.Values {
			if id, err := store.ParseID(v); err == nil {
				ids = append(ids, id)
			}
		}
		consider(ids, true)
	case f.Field == "key" && (f.Op == Eq || f.Op == In):
		var ids []store.ID
		for _, v := range f.Values {
			if id, err := e.tx.Lookup(v); err == nil {
				ids = append(ids, id)
			}
		}
		consider(ids, true)
	case nameIndexed(k, f.Field) && (f.Op == Eq || f.Op == StartsWith || f.Op == In):
		var ids []store.ID
		for _, v := range f.Values {
			// The index holds at most store.MaxIndexedName bytes of a name: a longer value is
			// looked up by that prefix.
			fv, exact := store.Fold(v), f.Op != StartsWith
			if len(fv) > store.MaxIndexedName {
				fv, exact = store.TruncateName(fv), false
			}
			ids = append(ids, e.tx.NameIDs(fv, exact, k, maxCandidates)...)
		}
		consider(ids, true)
	}
	return best, found
}

// relCandidates narrows through a relation whose other end an index can narrow.
func (e *eval) relCandidates(k store.Kind, r *Relation, sub *Filter) ([]store.ID, bool) {
	others, ok := e.candidates(r.Kind, sub) // r.Kind 0: whatever kind the link holds
	if !ok || len(others) > maxCandidates {
		return nil, false
	}
	var out []store.ID
	for _, o := range others {
		if e.tick() != nil {
			return nil, false // out of time: the reads that follow report it
		}
		if r.Out {
			// Records of kind k that link to o.
			out = append(out, e.tx.Neighbours(store.AdjQuery{ID: o, Rel: r.Rel, Kind: k})...)
			continue
		}
		// o links to records of kind k through r.
		m, err := e.get(o)
		if err != nil || m == nil || m.Kind != r.Kind {
			continue
		}
		for _, id := range m.Links[r.Rel] {
			if id.Kind == k {
				out = append(out, id)
			}
		}
	}
	return out, true
}

// nameIndexed reports whether the name index holds field for records of kind k (it holds the
// names, aliases and acronyms of entities and the titles of sources).
func nameIndexed(k store.Kind, field string) bool {
	switch field {
	case "name":
		return k == 0 || k.IsEntity()
	case "acronym":
		return k == store.KindOrganization
	case "title":
		return k == store.KindSource
	}
	return false
}

// Match reports whether record n satisfies f, reading what f needs (related records, regions)
// in tx. Subscriptions use it to filter the records a write changed.
func Match(ctx context.Context, tx *store.Tx, n *store.Node, f *Filter) (bool, error) {
	e := newEval(ctx, tx)
	if err := e.resolve(f); err != nil {
		return false, err
	}
	return e.match(n, f)
}
