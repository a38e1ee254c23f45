package importer

import (
	"bufio"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"

	"github.com/kgql/kgql/store"
)

// The streamed import: an import into an empty store (the bulk import of a large file) is
// validated in bounded memory by reading its input twice.
//
// Pass 1 parses and checks every line as the other path does, but keeps of each record only what
// validation needs (compact): its line, kind and key, its references and its citations' sources
// (interned: a key named by many lines is held once), the bits of the other fields it gives (for
// the required fields), the SHA-256 digest of its natural identity's text (not the text), and a
// 64-bit digest of the line itself. Resolution then runs over these compact records as it does
// over full ones (in an empty store it compares natural identities by lineIdentityKey, a digest
// of their parts, so it needs no identity string), and reports every problem of the whole input,
// in line order, before anything is written. Pass 2 reads the input again, parses each line again,
// checks it against the digest kept in pass 1 and writes it (an input that changed in between is
// refused with ErrInputChanged; if the bulk load had begun, what it wrote is rolled back when the
// store is next opened, by the bulk marker, as after a crash): a record made of one line is bulk loaded as soon as that line is
// read; a record made of several lines (wherever they are in the file) is kept as the node merged
// so far, only until its last line. The parsed file is never held: the peak memory is the compact
// records and the resolution's maps, then the plan (an ID per line) and Badger's buffers.
//
// An input that cannot seek (standard input, a pipe) is copied to a temporary file (in
// os.TempDir, that is $TMPDIR, as large as the input) while pass 1 reads it; pass 2 reads the
// copy, which is removed when the import returns (on Unix it is unlinked as soon as it is
// created, so it is not left behind even if the process is killed).

// ErrInputChanged refuses a streamed import whose input was not the same when it was read again.
var ErrInputChanged = errors.New("the input changed while it was imported")

// firstPass is what pass 1 keeps besides the compact records.
type firstPass struct {
	seed    maphash.Seed
	sums    []uint64          // per record, in input order: the digest of its line
	strings map[string]string // interned keys and references
}

func newFirstPass() *firstPass {
	return &firstPass{seed: maphash.MakeSeed(), strings: map[string]string{}}
}

func (fp *firstPass) lineSum(b []byte) uint64 { return maphash.Bytes(fp.seed, b) }

func (fp *firstPass) intern(s string) string {
	if t, ok := fp.strings[s]; ok {
		return t
	}
	fp.strings[s] = s
	return s
}

// compact drops from r what resolution does not need (see the streamed import above).
func (fp *firstPass) compact(r *record) {
	if hasIdentity(r.kind) {
		r.strSum = identityStrSum(r)
	}
	n := 0
	for _, v := range r.vals {
		if v.f.typ == fRef || v.f.typ == fRefs {
			n++
		}
	}
	var vals []fval
	if n > 0 {
		vals = make([]fval, 0, n)
	}
	for _, v := range r.vals {
		switch v.f.typ {
		case fRef:
			v.s = fp.intern(v.s)
			vals = append(vals, v)
		case fRefs:
			ss := make([]string, len(v.ss))
			for i, t := range v.ss {
				ss[i] = fp.intern(t)
			}
			v.ss = ss
			vals = append(vals, v)
		default:
			r.given |= 1 << v.i
		}
	}
	r.vals = vals
	if len(r.citations) > 0 {
		cs := make([]citation, len(r.citations))
		for i, c := range r.citations {
			cs[i] = citation{Source: fp.intern(c.Source)}
		}
		r.citations = cs
	}
	if r.key != "" {
		r.key = fp.intern(r.key)
	}
	r.compact = true
}

// reparse parses again, in pass 2, the line b of the i-th record; it must be the line pass 1
// read.
func (fp *firstPass) reparse(b []byte, line, i int) (*record, error) {
	if i >= len(fp.sums) || fp.lineSum(b) != fp.sums[i] {
		return nil, fmt.Errorf("%w (line %d)", ErrInputChanged, line)
	}
	rec, lerrs := parseLine(b, line)
	if rec == nil || len(lerrs) > 0 {
		return nil, fmt.Errorf("%w (line %d)", ErrInputChanged, line)
	}
	return rec, nil
}

// importStreamed imports r into s, which was empty when Import looked (see the streamed import
// above). It holds the store's write lock throughout.
func importStreamed(s *store.Store, r io.Reader, pr *problems) (*Result, error) {
	unlock := s.LockWrites()
	defer unlock()
	if empty, err := s.Empty(); err != nil {
		return nil, err
	} else if !empty { // another writer came first: the import of a store that is not empty
		recs, in := parse(r, pr, nil)
		return writeLocked(s, recs, pr, in)
	}
	in2, err := readTwice(r)
	if err != nil {
		return nil, err
	}
	defer in2.close()
	fp := newFirstPass()
	recs, in := parse(in2.first, pr, fp)
	fp.strings = nil
	p, err := resolve(s, recs, pr, in)
	if err != nil {
		return nil, err
	}
	res := newResult(recs, p)
	bulk := len(recs) >= bulkThreshold && allCreated(p)
	recs = nil // pass 2 parses the lines again
	if bulk {
		p.created = nil // all of them: not needed to write
	}
	again, err := in2.again()
	if err != nil {
		return nil, err
	}
	if !bulk { // a small input: its records are read again in full and written in transactions
		var full []*record
		_, err := scanLines(again, func(line int, b []byte) error {
			rec, err := fp.reparse(b, line, len(full))
			full = append(full, rec)
			return err
		})
		if err == nil && len(full) != len(fp.sums) {
			err = ErrInputChanged
		}
		if err != nil {
			return nil, err
		}
		return writeChunks(s, full, p, res)
	}
	if err := bulkStream(s, again, fp, p, res); err != nil {
		return nil, err
	}
	return res, nil
}

// bulkStream is pass 2 of a streamed import into an empty store: it reads the input again and
// bulk loads each record once all of its lines are read.
func bulkStream(s *store.Store, r io.Reader, fp *firstPass, p *plan, res *Result) error {
	type pending struct {
		n    *store.Node
		left int // lines still to merge
	}
	multi := map[store.ID]*pending{} // records made of several lines
	for lo := 0; lo < len(p.order); {
		id := p.ids[p.order[lo]]
		hi := lo + 1
		for hi < len(p.order) && p.ids[p.order[hi]] == id {
			hi++
		}
		if hi-lo > 1 {
			multi[id] = &pending{left: hi - lo}
		}
		lo = hi
	}
	p.order = nil
	created := 0
	st, err := s.BulkLoadIdentified(func(put func(*store.Node, string, string) error) error {
		i := 0
		_, err := scanLines(r, func(line int, b []byte) error {
			rec, err := fp.reparse(b, line, i)
			if err != nil {
				return err
			}
			id := p.ids[i]
			i++
			if pd := multi[id]; pd != nil {
				if pd.n == nil {
					pd.n = &store.Node{ID: id, Kind: rec.kind}
				}
				merge(pd.n, rec, p.refs) // in input order, as the transactional path
				if pd.left--; pd.left > 0 {
					return nil
				}
				delete(multi, id)
				ns, ident := pd.n.Identity()
				created++
				return put(pd.n, ns, ident)
			}
			n := &store.Node{ID: id, Kind: rec.kind}
			merge(n, rec, p.refs)
			ns, ident := lineIdentity(rec, p.refs)
			created++
			return put(n, ns, ident)
		})
		if err == nil && (i != len(fp.sums) || len(multi) > 0) {
			err = ErrInputChanged
		}
		return err
	})
	if err != nil {
		return err
	}
	res.Created = created
	res.Written = st
	return nil
}

// twice is an input that can be read twice.
type twice struct {
	first io.Reader                 // pass 1
	again func() (io.Reader, error) // pass 2, from where pass 1 started
	close func()
}

// readTwice makes r readable twice: by seeking back when it can, else through a temporary copy.
func readTwice(r io.Reader) (*twice, error) {
	if sk, ok := r.(io.Seeker); ok {
		if start, err := sk.Seek(0, io.SeekCurrent); err == nil {
			return &twice{first: r, close: func() {},
				again: func() (io.Reader, error) {
					_, err := sk.Seek(start, io.SeekStart)
					return r, err
				}}, nil
		}
	}
	f, err := os.CreateTemp("", "kgql-import-*.ndjson")
	if err != nil {
		return nil, fmt.Errorf("import: a temporary copy of the input: %w", err)
	}
	removed := os.Remove(f.Name()) == nil // Unix: the open file stays readable
	sp := &spool{r: r, w: bufio.NewWriterSize(f, 1<<20)}
	return &twice{first: sp,
		again: func() (io.Reader, error) {
			if sp.err == nil {
				sp.err = sp.w.Flush()
			}
			if sp.err != nil {
				return nil, fmt.Errorf("import: a temporary copy of the input: %w", sp.err)
			}
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return nil, err
			}
			return f, nil
		},
		close: func() {
			f.Close()
			if !removed {
				os.Remove(f.Name())
			}
		}}, nil
}

// spool copies what is read from r to w; a write error is kept for twice.again, not returned
// to the reader (it is not a problem of the input).
type spool struct {
	r   io.Reader
	w   *bufio.Writer
	err error
}

func (s *spool) Read(b []byte) (int, error) {
	n, err := s.r.Read(b)
	if n > 0 && s.err == nil {
		_, s.err = s.w.Write(b[:n])
	}
	return n, err
}
