package store

import (
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"
)

// DependentsError refuses a delete: records point at the node. It wraps ErrConflict.
type DependentsError struct {
	ID         ID
	Dependents []ID // up to MaxCascade of them
	More       bool // more dependents than listed
}

func (e *DependentsError) Error() string {
	return fmt.Sprintf("%s: %s has %d dependent records; delete them first or use cascade", ErrConflict, e.ID, len(e.Dependents))
}

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *DependentsError) Unwrap() error { return ErrConflict }

// MaxCascade bounds how many records one delete may remove or change.
const MaxCascade = 10000

// DeleteReport says what a delete did.
type DeleteReport struct {
	Deleted []*Node // the records removed, the node asked for first
	Updated []ID    // records that lost a link or a citation to a removed record
}

// DeleteNode removes the record id. Without cascade it refuses with a *DependentsError when any
// record points at it. With cascade it also removes every record that cannot exist without a
// removed one (positions and participations of a removed person, organization or event; the
// statements of a removed speaker; statements left without any citation), and unlinks the
// others (a region's parent, an event's location, a citation of a removed source…).
func (tx *Tx) DeleteNode(id ID, cascade bool) (*DeleteReport, error) {
	root, err := getNode(tx.txn, id)
	if err != nil {
		return nil, err
	}
	deps, more, err := tx.dependents(id, MaxCascade)
	if err != nil {
		return nil, err
	}
	if !cascade && len(deps) > 0 {
		ids := make([]ID, len(deps))
		for i, d := range deps {
			ids[i] = d.src
		}
		return nil, &DependentsError{ID: id, Dependents: SortIDs(ids), More: more}
	}
	if more {
		return nil, fmt.Errorf("%w: more than %d records depend on %s; delete them in parts", ErrInvalid, MaxCascade, id)
	}

	// Find everything that goes, breadth first.
	gone := map[ID]*Node{id: root}
	order := []ID{id}
	for i := 0; i < len(order); i++ {
		deps, more, err := tx.dependents(order[i], MaxCascade)
		if err != nil {
			return nil, err
		}
		if more || len(gone)+len(deps) > MaxCascade {
			return nil, fmt.Errorf("%w: the cascade would touch more than %d records", ErrInvalid, MaxCascade)
		}
		for _, d := range deps {
			if _, ok := gone[d.src]; ok {
				continue
			}
			n, err := getNode(tx.txn, d.src)
			if err != nil {
				return nil, err
			}
			if Required(n.Kind, d.rel) || (n.Kind == KindStatement && d.rel == RelCites && onlyCites(n, gone, d.dst)) {
				gone[d.src] = n
				order = append(order, d.src)
			}
		}
	}
	// Unlink the survivors that point at removed records.
	rep := &DeleteReport{}
	touched := map[ID]bool{}
	for _, gid := range order {
		deps, _, err := tx.dependents(gid, MaxCascade)
		if err != nil {
			return nil, err
		}
		for _, d := range deps {
			if _, ok := gone[d.src]; ok || touched[d.src] {
				continue
			}
			touched[d.src] = true
			n, err := getNode(tx.txn, d.src)
			if err != nil {
				return nil, err
			}
			unlinkAll(n, gone)
			// Unlinked, it may state the same fact as another record (a position that loses its
			// region, when the same position without a region exists): it is then redundant.
			if other, err := tx.LookupIdentity(n); err == nil && other != n.ID {
				old, err := getNode(tx.txn, d.src)
				if err != nil {
					return nil, err
				}
				gone[d.src] = old
				order = append(order, d.src)
				continue
			}
			if err := tx.Put(n); err != nil {
				return nil, err
			}
			rep.Updated = append(rep.Updated, d.src)
		}
	}
	for _, gid := range order {
		if err := tx.Delete(gid); err != nil {
			return nil, err
		}
		rep.Deleted = append(rep.Deleted, gone[gid])
	}
	slices.SortFunc(rep.Updated, ID.Compare)
	return rep, nil
}

// onlyCites reports whether every citation of n is of a removed source (or of src).
func onlyCites(n *Node, gone map[ID]*Node, src ID) bool {
	for _, c := range n.Citations {
		if _, ok := gone[c.Source]; !ok && c.Source != src {
			return false
		}
	}
	return true
}

// unlinkAll removes from n every link and citation to a removed record.
func unlinkAll(n *Node, gone map[ID]*Node) {
	for r, ids := range n.Links {
		n.SetLink(r, slices.DeleteFunc(slices.Clone(ids), func(id ID) bool { _, ok := gone[id]; return ok })...)
	}
	n.Citations = slices.DeleteFunc(n.Citations, func(c Citation) bool { _, ok := gone[c.Source]; return ok })
}

// dependency is an in-edge: src points at dst through rel.
type dependency struct {
	src, dst ID
	rel      Rel
}

// dependents lists the in-edges of id, up to limit (more is true if there are others).
func (tx *Tx) dependents(id ID, limit int) ([]dependency, bool, error) {
	prefix := id.appendTo([]byte{tagIn})
	it := tx.txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: prefix})
	defer it.Close()
	var out []dependency
	for it.Rewind(); it.Valid(); it.Next() {
		if len(out) == limit {
			return out, true, nil
		}
		k := it.Item().Key()
		out = append(out, dependency{src: adjNeighbour(k), dst: id, rel: Rel(k[1+idLen])})
	}
	return out, false, nil
}

// Dependents returns the records that point at id through any relation (citations included), up
// to limit of them, in key order (a record appears once per relation it points through).
func (tx *Tx) Dependents(id ID, limit int) ([]ID, error) {
	deps, _, err := tx.dependents(id, limit)
	out := make([]ID, len(deps))
	for i, d := range deps {
		out[i] = d.src
	}
	return out, err
}
