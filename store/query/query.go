// Package query answers filtered, ordered, keyset-paginated lists over the store in one snapshot:
// the engine behind `where`, `orderBy`, `first/after`, `last/before` and `aggregate`.
//
// A request is planned in two steps. Candidates: if a conjunct of the filter can use an index (an
// id or key, a name or name prefix, a text-search result, a region and everything inside it, or a
// relation whose other end can be narrowed that way) the candidates are read from it; a nested
// connection starts from its parent's adjacency; otherwise every record of the kind is a candidate.
// Then every candidate is checked against the whole filter (so indexes only ever narrow, never
// decide), ordered, and cut at the cursor. Streaming shortcut: with no usable index and the default
// order (creation), records are read in key order from the cursor and the scan stops as soon as the
// page is full, so a page costs O(page) however deep it is.
package query

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kgql/kgql/store"
)

// Op is a comparison operator.
type Op int

// The operators. String comparisons are folded (accents and case); key and id comparisons are
// exact; dates compare as ISO dates.
const (
	Eq Op = iota
	In
	StartsWith
	Contains
	Lt
	Lte
	Gt
	Gte
	// Within: a region is the given region or inside it (Values hold region IDs, as strings).
	Within
	// HeldOn: a position held on the date (no start after it, no end before it; a missing date is
	// open; an undated position is known from its earliest source's publishedAt on: eval.heldOn).
	HeldOn
	// Matches: the record is in Filter.Set (precomputed, e.g. a full-text search).
	Matches
)

// Filter is a predicate over records of one kind: a combination (And, Or, Not), a comparison of
// one field, or a relation some related record of which must match Sub.
type Filter struct {
	And []*Filter
	Or  []*Filter
	Not *Filter

	Field  string // see value()
	Op     Op
	Values []string
	Set    map[store.ID]bool // Op Matches

	Rel *Relation
	Sub *Filter
}

// Relation names the records a relational filter looks at: those the record links to through Rel
// (Out), or the records of Kind that link to it through Rel (!Out).
type Relation struct {
	Rel  store.Rel
	Out  bool
	Kind store.Kind
}

// OrderKey is one key of an ordering: a field (see value(); "" orders by creation) and a
// direction. Ties on every key are broken by creation order (id), ascending.
type OrderKey struct {
	Field string
	Desc  bool
}

// Cursor is a position in an ordered list: the sort values and the id of a record.
type Cursor struct {
	Values []string
	ID     store.ID
}

// Request is one page to compute.
type Request struct {
	Kind store.Kind
	// Base, if set, restricts the list to these neighbours (a nested connection); First and After
	// of Base are ignored.
	Base   *store.AdjQuery
	Filter *Filter
	Order  []OrderKey
	// First or Last (not both) with After and/or Before.
	First, Last   int
	After, Before *Cursor
	// NeedTotal asks for the size of the whole filtered list.
	NeedTotal bool
	// MaxSort bounds how many candidates may be ordered in memory; beyond it the request fails
	// with ErrTooMany. Zero means 200000.
	MaxSort int
	// Ctx, if set, bounds the request: scans, filters and sorts check it every few hundred
	// records and stop with context.Cause(Ctx) once it is done.
	Ctx context.Context
}

// Page is the result.
type Page struct {
	Nodes            []*store.Node
	Cursors          []Cursor
	HasNext, HasPrev bool
	Total            int // -1 when not computed
}

// ErrTooMany refuses a request that would order too many records in memory.
var ErrTooMany = errors.New("too many records to order: add a filter that narrows the list")

// Run computes one page in tx.
func Run(tx *store.Tx, req Request) (*Page, error) {
	if req.MaxSort == 0 {
		req.MaxSort = 200000
	}
	e := newEval(req.Ctx, tx)
	if err := e.ctxErr(); err != nil {
		return nil, err
	}
	if err := e.resolve(req.Filter); err != nil {
		return nil, err
	}
	var ids []store.ID
	narrowed := false
	if req.Base != nil {
		b := *req.Base
		b.First, b.After = 0, store.ID{}
		ids, narrowed = tx.Neighbours(b), true
	} else if c, ok := e.candidates(req.Kind, req.Filter); ok {
		ids, narrowed = c, true
	}
	if !narrowed && isCreationOrder(req.Order) {
		return e.stream(req)
	}
	if !narrowed {
		n, err := tx.CountKind(req.Kind)
		if err != nil {
			return nil, err
		}
		if n > req.MaxSort {
			return nil, fmt.Errorf("%w (%d %s records)", ErrTooMany, n, req.Kind)
		}
		var serr error
		tx.ScanIDs(req.Kind, store.ID{}, false, func(id store.ID) bool {
			ids = append(ids, id)
			serr = e.tick()
			return serr == nil
		})
		if serr != nil {
			return nil, serr
		}
	}
	ids = store.SortIDs(ids)
	if len(ids) > req.MaxSort && !isCreationOrder(req.Order) {
		return nil, fmt.Errorf("%w (%d candidates)", ErrTooMany, len(ids))
	}
	// Keep the candidates of the right kind that match.
	var rows []row
	for _, id := range ids {
		if id.Kind != req.Kind {
			continue
		}
		n, err := e.get(id)
		if err != nil {
			return nil, err
		}
		if n == nil {
			continue
		}
		ok, err := e.match(n, req.Filter)
		if err != nil {
			return nil, err
		}
		if ok {
			rows = append(rows, row{n, sortValues(n, req.Order)})
		}
	}
	if err := e.ctxErr(); err != nil {
		return nil, err
	}
	slices.SortFunc(rows, func(a, b row) int { return compareRows(a.vals, a.n.ID, b.vals, b.n.ID, req.Order) })
	if err := e.ctxErr(); err != nil {
		return nil, err
	}
	lo, hi := 0, len(rows)
	if req.After != nil {
		lo, _ = slices.BinarySearchFunc(rows, req.After, func(r row, c *Cursor) int {
			if compareRows(r.vals, r.n.ID, c.Values, c.ID, req.Order) <= 0 {
				return -1
			}
			return 1
		})
	}
	if req.Before != nil {
		hi, _ = slices.BinarySearchFunc(rows, req.Before, func(r row, c *Cursor) int {
			if compareRows(r.vals, r.n.ID, c.Values, c.ID, req.Order) < 0 {
				return -1
			}
			return 1
		})
	}
	if hi < lo {
		hi = lo
	}
	p := &Page{Total: len(rows)}
	from, to := lo, hi
	switch {
	case req.Last > 0 || (req.Last == 0 && req.First == 0 && req.Before != nil):
		from = max(lo, hi-req.Last)
	default:
		to = min(hi, lo+req.First)
	}
	p.HasNext = to < len(rows)
	p.HasPrev = from > 0
	for _, r := range rows[from:to] {
		p.Nodes = append(p.Nodes, r.n)
		p.Cursors = append(p.Cursors, Cursor{Values: r.vals, ID: r.n.ID})
	}
	return p, nil
}

type row struct {
	n    *store.Node
	vals []string
}

// stream pages through every record of the kind in creation order, checking the filter, and stops
// when the page is full.
func (e *eval) stream(req Request) (*Page, error) {
	desc := len(req.Order) > 0 && req.Order[0].Desc
	backward := req.Last > 0 // read from the end (or from Before) towards the start
	reverse := desc != backward
	from := store.ID{}
	var stop *store.ID
	if backward {
		if req.Before != nil {
			from = req.Before.ID
		}
		if req.After != nil {
			stop = &req.After.ID
		}
	} else {
		if req.After != nil {
			from = req.After.ID
		}
		if req.Before != nil {
			stop = &req.Before.ID
		}
	}
	want := req.First
	if backward {
		want = req.Last
	}
	var got []*store.Node
	more := false
	err := e.scanMatching(req.Kind, from, reverse, req.Filter, func(id store.ID) bool {
		return stop == nil || (!reverse && store.ID.Compare(id, *stop) < 0) || (reverse && store.ID.Compare(id, *stop) > 0)
	}, func(n *store.Node) bool {
		if len(got) == want {
			more = true
			return false
		}
		got = append(got, n)
		return true
	})
	if err != nil {
		return nil, err
	}
	p := &Page{Total: -1}
	if backward {
		slices.Reverse(got)
		p.HasPrev, p.HasNext = more, req.Before != nil
	} else {
		p.HasNext, p.HasPrev = more, req.After != nil
	}
	for _, n := range got {
		p.Nodes = append(p.Nodes, n)
		p.Cursors = append(p.Cursors, Cursor{Values: sortValues(n, req.Order), ID: n.ID})
	}
	if req.NeedTotal {
		t, err := e.total(req)
		if err != nil {
			return nil, err
		}
		p.Total = t
	}
	return p, nil
}

// total counts the filtered list: from the kind counter without a filter, else by a scan.
func (e *eval) total(req Request) (int, error) {
	if req.Filter == nil {
		return e.tx.CountKind(req.Kind)
	}
	n := 0
	err := e.scanMatching(req.Kind, store.ID{}, false, req.Filter, nil, func(*store.Node) bool { n++; return true })
	return n, err
}

// scanMatching reads the records of kind k in ID order from `from` (exclusive; reverse: downward)
// while within(id) holds (nil: to the end), and calls fn with each one that matches f until fn
// returns false.
func (e *eval) scanMatching(k store.Kind, from store.ID, reverse bool, f *Filter, within func(store.ID) bool, fn func(*store.Node) bool) error {
	var ferr error
	e.tx.ScanIDs(k, from, reverse, func(id store.ID) bool {
		if within != nil && !within(id) {
			return false // reached the other bound (or passed where it was)
		}
		n, err := e.get(id)
		if err != nil {
			ferr = err
			return false
		}
		if n == nil {
			return true
		}
		ok, err := e.match(n, f)
		if err != nil {
			ferr = err
			return false
		}
		return !ok || fn(n)
	})
	return ferr
}

func isCreationOrder(o []OrderKey) bool {
	return len(o) == 0 || (len(o) == 1 && o[0].Field == "")
}

// sortValues returns the values of n that an ordering compares.
func sortValues(n *store.Node, order []OrderKey) []string {
	out := make([]string, len(order))
	for i, k := range order {
		if k.Field != "" {
			out[i] = Value(n, k.Field)
		}
	}
	return out
}

// compareRows orders by the keys (missing values last in ascending order, first in descending),
// then by id ascending — or by id in the direction of a creation-order key.
func compareRows(av []string, aid store.ID, bv []string, bid store.ID, order []OrderKey) int {
	for i, k := range order {
		if k.Field == "" {
			c := store.ID.Compare(aid, bid)
			if k.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
			continue
		}
		a, b := av[i], bv[i]
		var c int
		switch {
		case a == b:
		case a == "":
			c = 1
		case b == "":
			c = -1
		default:
			c = strings.Compare(a, b)
		}
		if k.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return store.ID.Compare(aid, bid)
}
