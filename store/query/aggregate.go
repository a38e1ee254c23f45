package query

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kgql/kgql/store"
)

// Dimensions a list can be grouped by, per kind of record: each gives the bucket keys of a record
// (several for a list relation, none when the value is missing). Keys that are record ids are
// marked so the caller can return the record.
var dimensions = map[store.Kind]map[string]dimension{
	store.KindStatement: {
		"SPEAKER": link(store.RelSpeaker), "EVENT": link(store.RelEvent), "ABOUT": link(store.RelAbout),
		"YEAR": value("year"), "LANGUAGE": value("language"),
	},
	store.KindPosition: {
		"PERSON": link(store.RelPerson), "ORGANIZATION": link(store.RelOrganization), "REGION": link(store.RelRegion),
		"TITLE": value("title"), "YEAR": value("year"),
	},
	store.KindParticipation: {
		"PERSON": link(store.RelPerson), "EVENT": link(store.RelEvent), "ROLE": value("role"),
	},
	store.KindEvent: {
		"ORGANIZATION": link(store.RelOrganizer), "REGION": link(store.RelLocation), "YEAR": value("year"),
	},
	store.KindOrganization: {
		"KIND": value("kind"), "REGION": link(store.RelSeat), "PARENT": link(store.RelParent),
	},
	store.KindRegion: {
		"KIND": value("kind"), "PARENT": link(store.RelParent),
	},
	store.KindSource: {
		"PUBLISHER": link(store.RelPublisher), "YEAR": value("year"), "LANGUAGE": value("language"),
	},
	store.KindPerson: {
		"ORGANIZATION": via(store.RelPerson, store.KindPosition, store.RelOrganization),
		"REGION":       via(store.RelPerson, store.KindPosition, store.RelRegion),
		"EVENT":        via(store.RelPerson, store.KindParticipation, store.RelEvent),
	},
}

type dimension struct {
	ids  bool // keys are record ids
	keys func(e *eval, n *store.Node) []string
}

func link(r store.Rel) dimension {
	return dimension{ids: true, keys: func(_ *eval, n *store.Node) []string { return idStrings(n.Links[r]) }}
}

func value(field string) dimension {
	return dimension{keys: func(_ *eval, n *store.Node) []string {
		switch field { // titles and roles keep their accents (readable bucket keys), folded by case only
		case "title":
			if n.Title != "" {
				return []string{strings.ToLower(n.Title)}
			}
		case "role":
			if n.Role != "" {
				return []string{strings.ToLower(n.Role)}
			}
		default:
			if v := Value(n, field); v != "" {
				return []string{v}
			}
		}
		return nil
	}}
}

// via groups by what the records of kind k that point at n through r link to through r2 (e.g.
// the organizations of a person's positions).
func via(r store.Rel, k store.Kind, r2 store.Rel) dimension {
	return dimension{ids: true, keys: func(e *eval, n *store.Node) []string {
		var ids []store.ID
		for _, id := range e.tx.Neighbours(store.AdjQuery{ID: n.ID, Rel: r, Kind: k}) {
			if m, err := e.get(id); err == nil && m != nil {
				ids = append(ids, m.Links[r2]...)
			}
		}
		return idStrings(store.SortIDs(ids))
	}}
}

func idStrings(ids []store.ID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

// Dimensions lists the group-by names a kind supports.
func Dimensions(k store.Kind) []string {
	var out []string
	for name := range dimensions[k] {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// Bucket is one group: its key per dimension (an id for record dimensions) and its count.
type Bucket struct {
	Keys  []string
	IsID  []bool
	Count int
}

// displayKeys returns a bucket's keys as shown: a node's key instead of its id.
func displayKeys(b Bucket, e *eval) []string {
	ks := slices.Clone(b.Keys)
	for j, k := range ks {
		if b.IsID[j] {
			if id, err := store.ParseID(k); err == nil {
				if n, _ := e.get(id); n != nil && n.Key != "" {
					ks[j] = n.Key
				}
			}
		}
	}
	return ks
}

// maxAggregate bounds how many records one aggregate reads.
const maxAggregate = 2000000

// Aggregate counts the records of kind k matching f, grouped by the dimensions (none: one bucket),
// ordered by count (descending), then keys. A record with several values in a dimension counts
// once in each of their buckets; a record with none is not counted.
func Aggregate(tx *store.Tx, k store.Kind, f *Filter, groupBy []string) ([]Bucket, int, error) {
	return AggregateContext(context.Background(), tx, k, f, groupBy)
}

// AggregateContext is Aggregate bounded by ctx: it checks ctx every few hundred records and
// stops with context.Cause(ctx) once it is done.
func AggregateContext(ctx context.Context, tx *store.Tx, k store.Kind, f *Filter, groupBy []string) ([]Bucket, int, error) {
	dims := make([]dimension, len(groupBy))
	for i, g := range groupBy {
		d, ok := dimensions[k][g]
		if !ok {
			return nil, 0, fmt.Errorf("%w: %s records cannot be grouped by %s (they can by %s)", store.ErrInvalid, k, g, strings.Join(Dimensions(k), ", "))
		}
		dims[i] = d
	}
	e := newEval(ctx, tx)
	if err := e.ctxErr(); err != nil {
		return nil, 0, err
	}
	if err := e.resolve(f); err != nil {
		return nil, 0, err
	}
	counts := map[string]*Bucket{}
	total := 0
	visit := func(id store.ID) error {
		if id.Kind != k {
			return nil
		}
		n, err := e.get(id)
		if err != nil || n == nil {
			return err
		}
		ok, err := e.match(n, f)
		if err != nil || !ok {
			return err
		}
		total++
		combos := [][]string{{}}
		for _, d := range dims {
			keys := d.keys(e, n)
			var next [][]string
			for _, c := range combos {
				for _, key := range keys {
					next = append(next, append(slices.Clone(c), key))
				}
			}
			combos = next
		}
		for _, c := range combos {
			ck := strings.Join(c, "\x00")
			b := counts[ck]
			if b == nil {
				b = &Bucket{Keys: c, IsID: make([]bool, len(dims))}
				for i, d := range dims {
					b.IsID[i] = d.ids
				}
				counts[ck] = b
			}
			b.Count++
		}
		return nil
	}
	if ids, ok := e.candidates(k, f); ok {
		for _, id := range store.SortIDs(ids) {
			if err := visit(id); err != nil {
				return nil, 0, err
			}
		}
	} else {
		n, err := tx.CountKind(k)
		if err != nil {
			return nil, 0, err
		}
		if n > maxAggregate {
			return nil, 0, fmt.Errorf("%w (%d %s records)", ErrTooMany, n, k)
		}
		var ferr error
		tx.ScanIDs(k, store.ID{}, false, func(id store.ID) bool {
			if err := visit(id); err != nil {
				ferr = err
				return false
			}
			return true
		})
		if ferr != nil {
			return nil, 0, ferr
		}
	}
	if len(dims) == 0 {
		return nil, total, nil
	}
	out := make([]Bucket, 0, len(counts))
	for _, b := range counts {
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b Bucket) int { // ties: by the keys shown (a node's key, or the value)
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return slices.Compare(displayKeys(a, e), displayKeys(b, e))
	})
	return out, total, nil
}
