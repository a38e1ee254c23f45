package importer

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"time"

	"github.com/kgql/kgql/store"
)

// chunkSize is how many records one write transaction holds at most (fewer when they imply many
// keys: see store.Tx.Full). Validation of the whole input happens
// before the first chunk is written, so a bad input writes nothing; an import interrupted between
// chunks converges when it is run again, because every record is an idempotent upsert.
const chunkSize = 2000

// Import parses NDJSON from r and writes it into s. name labels error messages. On any problem it
// returns Errors and writes nothing.
//
// Into an empty store the import is streamed (importStreamed): the input is read twice, to
// validate it in bounded memory, then to write it; unless r can seek (a file, a byte slice), the
// first pass copies it to a temporary file, which the second reads and Import removes.
func Import(s *store.Store, r io.Reader, name string) (*Result, error) {
	start := time.Now()
	pr := &problems{name: name}
	var res *Result
	var err error
	if empty, eerr := s.Empty(); eerr != nil {
		return nil, eerr
	} else if empty {
		res, err = importStreamed(s, r, pr)
	} else {
		recs, in := parse(r, pr, nil)
		res, err = write(s, recs, pr, in) // resolves even after bad lines, to report every problem
	}
	if res != nil {
		res.Duration = time.Since(start)
	}
	return res, err
}

// ImportBytes is Import over a byte slice.
func ImportBytes(s *store.Store, b []byte, name string) (*Result, error) {
	return Import(s, bytes.NewReader(b), name)
}

// plan is what the resolution pass learned: the ID each record writes to, and the ID of every
// reference.
type plan struct {
	ids  []store.ID          // per record
	refs map[string]store.ID // key or id string → ID
	// created marks IDs allocated by this import (they need no existence re-check).
	created map[store.ID]bool
	// order lists the records by ID, the lines of one ID in input order.
	order []int
}

// Write validates recs against each other and the store, then upserts them. Fields given replace,
// fields absent stay, aliases, citations and list references merge without duplicates.
//
// Write holds the store's write lock from resolution to the last chunk, so no other writer of this
// process can delete or create a record the plan relies on in between.
func Write(s *store.Store, recs []*record, name string) (*Result, error) {
	return write(s, recs, &problems{name: name}, parsed{})
}

// write is Write after parse, which found the problems in pr (if any) and in.
func write(s *store.Store, recs []*record, pr *problems, in parsed) (*Result, error) {
	unlock := s.LockWrites()
	defer unlock()
	return writeLocked(s, recs, pr, in)
}

// writeLocked is write under the store's write lock, held by the caller.
func writeLocked(s *store.Store, recs []*record, pr *problems, in parsed) (*Result, error) {
	p, err := resolve(s, recs, pr, in)
	if err != nil {
		return nil, err
	}
	res := newResult(recs, p)
	if len(recs) >= bulkThreshold && allCreated(p) {
		switch err := bulkWrite(s, recs, p, res); {
		case err == nil:
			return res, nil
		case !errors.Is(err, store.ErrNotEmpty):
			return nil, err
		}
	}
	return writeChunks(s, recs, p, res)
}

// newResult is the Result of writing recs as p plans, before the writes.
func newResult(recs []*record, p *plan) *Result {
	res := &Result{Records: len(recs), ByType: map[string]int{}, IDs: p.ids}
	for _, r := range recs {
		res.ByType[r.kind.String()]++
	}
	return res
}

// writeChunks writes recs as p plans in transactions of at most chunkSize records, under the
// store's write lock (held by the caller), and counts them into res.
func writeChunks(s *store.Store, recs []*record, p *plan, res *Result) (*Result, error) {
	// Each distinct record counts once: created if it did not exist before the import, else
	// updated if any of its lines changed it, else unchanged.
	existed := map[store.ID]bool{} // first sight: did the record exist?
	changed := map[store.ID]bool{}
	// A transaction writes whole records, and with a record every record it links to that this
	// import creates and has not written yet (with all of its lines): a chunk never commits a link
	// to a record that does not exist, so an import killed between two chunks leaves a consistent
	// store, and running it again converges.
	lines := map[store.ID][]int{}
	for i, id := range p.ids {
		lines[id] = append(lines[id], i)
	}
	done := make([]bool, len(recs))
	for lo := 0; lo < len(recs); {
		var next int
		var ex, ch map[store.ID]bool // this attempt's sightings, kept only if it commits
		var did []int
		var written store.WriteStats
		err := s.UpdateLocked(func(tx *store.Tx) error {
			defer func() { written = tx.Written() }()
			ex, ch, did = map[store.ID]bool{}, map[store.ID]bool{}, nil
			local := map[int]bool{}
			var write func(id store.ID) error
			write = func(id store.ID) error {
				for _, i := range lines[id] {
					if done[i] || local[i] {
						continue
					}
					local[i] = true
					did = append(did, i)
					for _, dep := range references(recs[i], p.refs) {
						if p.created[dep] && dep != id {
							if err := write(dep); err != nil {
								return err
							}
						}
					}
					c, err := applyRecord(tx, recs[i], id, p)
					if err != nil {
						return err
					}
					if _, ok := existed[id]; !ok {
						if _, ok := ex[id]; !ok {
							ex[id] = c != changeCreated
						}
					}
					if c != changeNone {
						ch[id] = true
					}
				}
				return nil
			}
			n := 0
			for next = lo; next < len(recs) && n < chunkSize && !tx.Full(); next++ {
				if done[next] || local[next] {
					continue
				}
				if err := write(p.ids[next]); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		res.Written = res.Written.Add(written)
		for _, i := range did {
			done[i] = true
		}
		for id, v := range ex {
			existed[id] = v
		}
		for id := range ch {
			changed[id] = true
		}
		lo = next
	}
	for id, was := range existed {
		switch {
		case !was:
			res.Created++
		case changed[id]:
			res.Updated++
		default:
			res.Unchanged++
		}
	}
	return res, nil
}

// references lists the records a line links to or cites.
func references(r *record, refs map[string]store.ID) []store.ID {
	var out []store.ID
	for _, v := range r.vals {
		switch v.f.typ {
		case fRef:
			if v.s != "" {
				out = append(out, refs[v.s])
			}
		case fRefs:
			for _, k := range v.ss {
				out = append(out, refs[k])
			}
		}
	}
	for _, c := range r.citations {
		out = append(out, refs[c.Source])
	}
	return out
}

// bulkThreshold is the size from which an import into an empty store is bulk loaded.
const bulkThreshold = 1000

// allCreated reports whether every record of the plan is new.
func allCreated(p *plan) bool {
	for _, id := range p.ids {
		if !p.created[id] {
			return false
		}
	}
	return true
}

// bulkWrite loads an import into an empty store with store.BulkLoad: the lines of each record
// merged (several lines may write one record), written in ID order (the order of the file), one
// record at a time. A record's lines are dropped once it is written: the input's memory goes as
// the store's grows.
func bulkWrite(s *store.Store, recs []*record, p *plan, res *Result) error {
	created := 0
	st, err := s.BulkLoadIdentified(func(put func(*store.Node, string, string) error) error {
		for lo := 0; lo < len(p.order); {
			id := p.ids[p.order[lo]]
			first := recs[p.order[lo]]
			n := &store.Node{ID: id, Kind: first.kind}
			hi := lo
			for ; hi < len(p.order) && p.ids[p.order[hi]] == id; hi++ {
				merge(n, recs[p.order[hi]], p.refs)
			}
			var ns, ident string
			if hi-lo > 1 {
				ns, ident = n.Identity() // several lines make the record: the merged node's
			} else {
				ns, ident = lineIdentity(first, p.refs)
			}
			for _, i := range p.order[lo:hi] {
				recs[i] = nil
			}
			if err := put(n, ns, ident); err != nil {
				return err
			}
			created++
			lo = hi
		}
		return nil
	})
	if err == nil {
		res.Created = created
		res.Written = st
	}
	return err
}

type change int

const (
	changeNone change = iota
	changeCreated
	changeUpdated
)

// applyRecord merges one record into the stored one (or a new one) and writes it.
func applyRecord(tx *store.Tx, r *record, id store.ID, p *plan) (change, error) {
	old, err := tx.Get(id)
	if errors.Is(err, store.ErrNotFound) {
		old = nil
	} else if err != nil {
		return 0, err
	}
	n := &store.Node{ID: id, Kind: r.kind}
	if old != nil {
		n = old.Clone()
	}
	merge(n, r, p.refs)
	if old != nil && equalNodes(old, n) {
		return changeNone, nil
	}
	if err := tx.Put(n); err != nil {
		return 0, err
	}
	if old == nil {
		return changeCreated, nil
	}
	return changeUpdated, nil
}

// merge applies the fields of r to n.
func merge(n *store.Node, r *record, refs map[string]store.ID) {
	if r.key != "" {
		n.Key = r.key
	}
	for _, v := range r.vals {
		f := v.f
		switch f.typ {
		case fString, fDate, fEnum:
			*f.str(n) = v.s // "" clears an optional field
		case fStrings:
			for _, a := range v.ss {
				if !slices.Contains(n.Aliases, a) && a != "" {
					n.Aliases = append(n.Aliases, a)
				}
			}
		case fRef:
			if v.s == "" {
				n.SetLink(f.rel) // "" clears an optional reference
			} else {
				n.SetLink(f.rel, refs[v.s])
			}
		case fRefs:
			ids := n.Links[f.rel]
			for _, k := range v.ss {
				if id := refs[k]; !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
			n.SetLink(f.rel, ids...)
		}
	}
	if hasCitations(r.kind) {
		for _, c := range r.citations {
			sc := store.Citation{Source: refs[c.Source], Excerpt: c.Excerpt}
			if !slices.Contains(n.Citations, sc) {
				n.Citations = append(n.Citations, sc)
			}
		}
	}
}

// hasCitations: the format of kind k has citations.
func hasCitations(k store.Kind) bool {
	_, ok := fieldsByName[k]["citations"]
	return ok
}

func equalNodes(a, b *store.Node) bool {
	if a.Key != b.Key || !slices.Equal(a.Aliases, b.Aliases) || !slices.Equal(a.Citations, b.Citations) {
		return false
	}
	for _, f := range formats[a.Kind] {
		if f.str != nil && *f.str(a) != *f.str(b) {
			return false
		}
	}
	if len(a.Links) != len(b.Links) {
		return false
	}
	for r, ids := range a.Links {
		if !slices.Equal(ids, b.Links[r]) {
			return false
		}
	}
	return true
}
