package store

import (
	"errors"
	"slices"
	"strings"
	"unsafe"

	"github.com/dgraph-io/badger/v4"
)

// Reads. Each exported method below is one read transaction (one "round trip", see Calls). Batch
// methods take many keys so that a dataloader can answer a whole level of a query at once.
//
// The records they return are shared with the read cache (see nodeCache) and with other readers:
// they must not be modified. To change a record, Clone it, or read it in a transaction (Tx.Get
// returns a private copy).

// GetMany returns the records with the given IDs; missing IDs are absent from the map.
func (s *Store) GetMany(ids []ID) (map[ID]*Node, error) {
	out := make(map[ID]*Node, len(ids))
	err := s.read(func(r *reader) error { return r.nodes(ids, out) })
	return out, err
}

// nodes adds the records of ids to out (missing ones are left out).
func (r *reader) nodes(ids []ID, out map[ID]*Node) error {
	for _, id := range ids {
		if _, done := out[id]; done {
			continue
		}
		n, err := r.node(id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		out[id] = n
	}
	return nil
}

// Get returns one record, or ErrNotFound.
func (s *Store) Get(id ID) (*Node, error) {
	var n *Node
	err := s.read(func(r *reader) (err error) { n, err = r.node(id); return })
	return n, err
}

// LookupMany resolves external keys to IDs; unknown keys are absent from the map.
func (s *Store) LookupMany(keys []string) (map[string]ID, error) {
	out := make(map[string]ID, len(keys))
	err := s.view(func(txn *badger.Txn) error {
		for _, k := range keys {
			id, err := lookup(txn, "", k)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out[k] = id
		}
		return nil
	})
	return out, err
}

// GetByKey returns the record that owns an external key, or ErrNotFound: Lookup and Get in one
// round trip. The key is case folded when it misses as given (lookupFolded): "ASMEX" finds asmex
// and "ma-07" MA-07; an exact key is found first, from the cache when it is there.
func (s *Store) GetByKey(key string) (*Node, error) {
	// A record in the read cache is the last acknowledged version of it (every write drops what it
	// changes before it is acknowledged), so a cached owner of the key answers without opening a
	// transaction.
	if id, ok := s.cache.keyHint(key); ok {
		if n := s.cache.get(id); n != nil && n.Key == key {
			return n, nil
		}
	}
	var n *Node
	err := s.read(func(r *reader) error {
		if id, ok := s.cache.keyHint(key); ok {
			if hinted, err := r.node(id); err == nil && hinted.Key == key {
				n = hinted
				return nil
			}
		}
		id, err := lookupFolded(r.tx(), key)
		if err == nil {
			n, err = r.node(id)
		}
		if err == nil {
			s.cache.putKey(n.Key, id)
		}
		return err
	})
	return n, err
}

// lookupFolded is lookup of a user key as a reader gives it, case folded: the exact key first
// (as fast as lookup), then, when that misses, its lower-case form (slugs: "ASMEX" → "asmex"), then
// its upper-case form (ISO codes: "ma-07" → "MA-07"). Keys are slugs or ISO codes, so the folded
// forms are unambiguous; keys are stored and compared as given (writes, imports and filters use
// lookup). ErrNotFound if no form is a key.
func lookupFolded(txn *badger.Txn, key string) (ID, error) {
	id, err := lookup(txn, "", key)
	if !errors.Is(err, ErrNotFound) {
		return id, err
	}
	for _, k := range []string{strings.ToLower(key), strings.ToUpper(key)} {
		if k == key {
			continue
		}
		if id, err2 := lookup(txn, "", k); !errors.Is(err2, ErrNotFound) {
			return id, err2
		}
	}
	return ID{}, err
}

// Lookup resolves one external key, or ErrNotFound.
func (s *Store) Lookup(key string) (ID, error) {
	var id ID
	err := s.view(func(txn *badger.Txn) (err error) { id, err = lookup(txn, "", key); return })
	return id, err
}

// AdjQuery asks for one page of the neighbours of a record through one relation.
type AdjQuery struct {
	ID  ID
	Rel Rel
	// Out follows the relation from its owner to its target; !Out goes back from the target to
	// the records that own the relation (e.g. from an organization to its Positions).
	Out bool
	// Kind, if not 0, keeps only neighbours of that kind (a key range: no filtering cost).
	Kind Kind
	// After is an exclusive keyset bound: only neighbours with a greater ID. Zero starts at the
	// beginning.
	After ID
	// First is the page size; 0 or less means every neighbour.
	First int
}

// AdjPage is one page of neighbours, in ID order (creation order within a kind). Its IDs may be
// shared with the read cache and other readers: they must not be modified.
type AdjPage struct {
	IDs     []ID
	HasNext bool
	// Nodes holds the neighbours' records, aligned with IDs, when asked for (AdjacentNodes).
	Nodes []*Node
}

// Adjacent answers many neighbour pages in one read transaction, with key-only iteration.
func (s *Store) Adjacent(qs []AdjQuery) (map[AdjQuery]AdjPage, error) {
	return s.adjacent(qs, false)
}

// AdjacentNodes is Adjacent that also reads the neighbours' records, in the same transaction:
// a page and its nodes in one round trip.
func (s *Store) AdjacentNodes(qs []AdjQuery) (map[AdjQuery]AdjPage, error) {
	return s.adjacent(qs, true)
}

func (s *Store) adjacent(qs []AdjQuery, withNodes bool) (map[AdjQuery]AdjPage, error) {
	out := make(map[AdjQuery]AdjPage, len(qs))
	err := s.read(func(r *reader) error { return r.adjacent(qs, withNodes, out) })
	return out, err
}

// adjacent adds the pages of qs to out, with their records if withNodes. A page the cache holds
// (see nodeCache.pages) costs no Badger read; the iterator is only opened for the others.
func (r *reader) adjacent(qs []AdjQuery, withNodes bool, out map[AdjQuery]AdjPage) error {
	if len(qs) == 0 {
		return nil
	}
	var it *badger.Iterator
	defer func() {
		if it != nil {
			it.Close()
		}
	}()
	for _, q := range qs {
		if _, done := out[q]; done {
			continue
		}
		page, cached := r.cache.page(q)
		if !cached {
			if it == nil {
				it = r.tx().NewIterator(badger.IteratorOptions{PrefetchValues: false})
			}
			page = readPage(it, q)
			r.cache.putPage(r.epoch, q, page)
		}
		if withNodes {
			page.Nodes = make([]*Node, len(page.IDs))
			for i, id := range page.IDs {
				n, err := r.node(id)
				if err != nil && !errors.Is(err, ErrNotFound) {
					return err
				}
				page.Nodes[i] = n
			}
		}
		out[q] = page
	}
	return nil
}

// readPage reads one neighbour page (IDs and HasNext) with a key-only iterator.
func readPage(it *badger.Iterator, q AdjQuery) AdjPage {
	var page AdjPage
	prefix := adjPrefix(q.Out, q.ID, q.Rel, q.Kind)
	start := prefix
	switch {
	case q.After.IsZero() || (q.Kind != 0 && q.After.Kind < q.Kind):
	case q.Kind != 0 && q.After.Kind > q.Kind:
		return page // every neighbour of the kind comes before After
	default:
		start = adjSeek(q.Out, q.ID, q.Rel, q.After)
	}
	for it.Seek(start); it.ValidForPrefix(prefix); it.Next() {
		if q.First > 0 && len(page.IDs) == q.First {
			page.HasNext = true
			break
		}
		page.IDs = append(page.IDs, adjNeighbour(it.Item().Key()))
	}
	return page
}

// Degree identifies a degree count: how many edges of one relation leave (Out) or reach a record,
// from or to neighbours of one kind.
type Degree struct {
	ID   ID
	Rel  Rel
	Out  bool
	Kind Kind
}

// Degrees reads many degree counts in one transaction, without scanning edges.
func (s *Store) Degrees(ds []Degree) (map[Degree]int, error) {
	out := make(map[Degree]int, len(ds))
	err := s.read(func(r *reader) error { return r.degrees(ds, out) })
	return out, err
}

// degrees adds the counts of ds to out.
func (r *reader) degrees(ds []Degree, out map[Degree]int) error {
	for _, d := range ds {
		dir := dirIn
		if d.Out {
			dir = dirOut
		}
		n, err := readUint(r.tx(), countKey(d.ID, dir, d.Rel, d.Kind))
		if err != nil {
			return err
		}
		out[d] = int(n)
	}
	return nil
}

// Batch is what one level of a query needs: records, neighbour pages (with their records) and
// degree counts. ReadBatch answers all of it in one read transaction.
type Batch struct {
	IDs     []ID
	Pages   []AdjQuery
	Degrees []Degree
}

// BatchResult answers a Batch; missing records are absent from Nodes.
type BatchResult struct {
	Nodes   map[ID]*Node
	Pages   map[AdjQuery]AdjPage
	Degrees map[Degree]int
}

// ReadBatch answers b in one round trip.
func (s *Store) ReadBatch(b Batch) (BatchResult, error) {
	res := BatchResult{
		Nodes:   make(map[ID]*Node, len(b.IDs)),
		Pages:   make(map[AdjQuery]AdjPage, len(b.Pages)),
		Degrees: make(map[Degree]int, len(b.Degrees)),
	}
	err := s.read(func(r *reader) error {
		if err := r.nodes(b.IDs, res.Nodes); err != nil {
			return err
		}
		if err := r.adjacent(b.Pages, true, res.Pages); err != nil {
			return err
		}
		return r.degrees(b.Degrees, res.Degrees)
	})
	return res, err
}

// CountKind returns how many records of kind k exist, from a counter.
func (s *Store) CountKind(k Kind) (int, error) {
	var n uint64
	err := s.view(func(txn *badger.Txn) (err error) { n, err = readUint(txn, kindCountKey(k)); return })
	return int(n), err
}

// List returns up to first records of kind k with IDs greater than after, in creation order, and
// whether more follow.
func (s *Store) List(k Kind, after ID, first int) ([]*Node, bool, error) {
	var out []*Node
	more := false
	err := s.view(func(txn *badger.Txn) error {
		prefix := entityPrefix(k)
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: min(max(first, 1), 100), Prefix: prefix})
		defer it.Close()
		start := prefix
		switch {
		case after.IsZero() || after.Kind < k:
		case after.Kind > k:
			return nil // every record of kind k comes before after
		default:
			start = append(entityKey(after), 0xff)
		}
		for it.Seek(start); it.Valid(); it.Next() {
			if len(out) == first {
				more = true
				break
			}
			id := parseEntityKey(it.Item().Key())
			var n *Node
			if err := it.Item().Value(func(v []byte) (err error) { n, err = decodeNode(id, v); return }); err != nil {
				return err
			}
			out = append(out, n)
		}
		return nil
	})
	return out, more, err
}

// Empty reports whether the store holds no record at all.
func (s *Store) Empty() (bool, error) {
	empty := true
	err := s.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: []byte{tagEntity}})
		defer it.Close()
		it.Rewind()
		empty = !it.Valid()
		return nil
	})
	return empty, err
}

// Match is how a name matched a search.
type Match int

// Match qualities, best last.
const (
	MatchWord   Match = 1 // every word of the query starts a word of the name
	MatchInside Match = 2 // the folded query is inside the folded name
	MatchPrefix Match = 3 // the folded name starts with the folded query
	MatchExact  Match = 4 // the folded name is the folded query
)

// NameHit is one record found by SearchNames, with the best way one of its names matched.
type NameHit struct {
	ID    ID
	Match Match
	Name  string // the folded name or alias that matched best
}

// searchCandidateCap bounds how many index entries one name search reads.
const searchCandidateCap = 5000

// SearchNames finds records whose name, alias, acronym (or a source's title) matches text, folded
// for accents and case. Hits are ranked exact > prefix > contained > every-word, then by shorter
// name, then by ID, and cut at first. kinds, if not empty, restricts the kinds returned. The hits
// are the best of every record's names, except when more than searchCandidateCap names start with
// the query, or the words' scan meets 2 × searchCandidateCap keys before it can stop (a one-letter
// query): then they are the best of the candidates read.
func (s *Store) SearchNames(text string, kinds []Kind, first int) ([]NameHit, error) {
	q := Fold(text)
	if q == "" || first <= 0 {
		return nil, nil
	}
	words := strings.Fields(q)
	best := map[ID]NameHit{}
	// top holds the best first hits at least as good as a contained match, in order: what the
	// scan of the token index compares its keys with to stop early.
	top := make([]NameHit, 0, first+1)
	// consider grades one name of record id; borrowed says that name's bytes are only valid
	// during the call (a token key's value): a name kept is then copied.
	consider := func(name string, id ID, borrowed bool) {
		if len(kinds) > 0 && !hasKind(kinds, id.Kind) {
			return
		}
		m := matchName(name, q, words)
		if m == 0 {
			return
		}
		h, ok := best[id]
		if ok && (m < h.Match || (m == h.Match && len(name) >= len(h.Name))) {
			return
		}
		if borrowed {
			name = strings.Clone(name)
		}
		h = NameHit{ID: id, Match: m, Name: name}
		best[id] = h
		if m >= MatchInside {
			if i := slices.IndexFunc(top, func(t NameHit) bool { return t.ID == id }); i >= 0 {
				top = slices.Delete(top, i, i+1)
			}
			top = insertHit(top, h, first)
		}
	}
	err := s.read(func(r *reader) error {
		it := r.tx().NewIterator(badger.IteratorOptions{PrefetchValues: false})
		defer it.Close()
		read := 0
		// Exact and prefix matches: names starting with the query.
		p := namePrefix(q, false)
		for it.Seek(p); it.ValidForPrefix(p) && read < searchCandidateCap; it.Next() {
			read++
			name, id := borrowIndexKey(it.Item().Key())
			consider(name, id, true)
		}
		if len(top) == first && top[first-1].Match >= MatchPrefix {
			return nil // a word's match ranks below all of these
		}
		// Contained and every-word matches: names with a word starting with the query's longest
		// word. Such a name holds a token starting with that word, whose key's bound is at most
		// the name's length; a token's keys come by bound, then ID (tokenKey), the order the
		// hits rank in. So once the first best hits so far all rank before a key (as a contained
		// match, as long as its bound, of its ID), nothing further in that token's keys can rank
		// among them, and the scan goes on with the next token.
		longest := words[0]
		for _, w := range words {
			if len(w) > len(longest) {
				longest = w
			}
		}
		p = tokenPrefix(longest)
		run := "" // the token whose keys are being read
		for it.Seek(p); it.ValidForPrefix(p) && read < 2*searchCandidateCap; {
			item := it.Item()
			token, bound, id, ok := borrowTokenKey(item.Key())
			if !ok { // not written by this key space (Open upgrades it): cannot be ranked
				it.Next()
				continue
			}
			if token != run {
				run = strings.Clone(token)
			}
			if len(top) == first && hitBefore(top[first-1], MatchInside, bound, id) {
				it.Seek(tokenRunEnd(run))
				continue
			}
			read++
			if len(kinds) > 0 && !hasKind(kinds, id.Kind) { // the kind is in the ID: no read
				it.Next()
				continue
			}
			if h, ok := best[id]; ok && h.Match >= MatchPrefix {
				it.Next()
				continue
			}
			// The key's value holds the record's folded names (tokenValue): ranked from it.
			if err := item.Value(func(v []byte) error {
				tokenNames(unsafe.String(unsafe.SliceData(v), len(v)), func(name string) { consider(name, id, true) })
				return nil
			}); err != nil {
				return err
			}
			it.Next()
		}
		return nil
	})
	// The best first of them, in order: kept sorted as they come (first is small next to the
	// candidates; sorting them all cost a seventh of a search at 1M nodes).
	hits := make([]NameHit, 0, min(first, len(best))+1)
	for _, h := range best {
		hits = insertHit(hits, h, first)
	}
	return hits, err
}

// insertHit inserts h into hits, kept in order (nameHitLess) and cut at first.
func insertHit(hits []NameHit, h NameHit, first int) []NameHit {
	if len(hits) == first && !nameHitLess(h, hits[first-1]) {
		return hits
	}
	at, _ := slices.BinarySearchFunc(hits, h, func(a, b NameHit) int {
		if nameHitLess(a, b) {
			return -1
		}
		return 1 // no two hits are equal: their IDs differ
	})
	hits = slices.Insert(hits, at, h)
	if len(hits) > first {
		hits = hits[:first]
	}
	return hits
}

// hitBefore reports whether hit a ranks before a hit of record id matching as m with a name of
// length n.
func hitBefore(a NameHit, m Match, n int, id ID) bool {
	return hitLess(a.Match, len(a.Name), a.ID, m, n, id)
}

// nameHitLess orders name hits: better match, then shorter name, then kind and sequence.
func nameHitLess(a, b NameHit) bool {
	return hitLess(a.Match, len(a.Name), a.ID, b.Match, len(b.Name), b.ID)
}

// hitLess is nameHitLess on a hit's match, name length and ID.
func hitLess(am Match, an int, aid ID, bm Match, bn int, bid ID) bool {
	if am != bm {
		return am > bm
	}
	if an != bn {
		return an < bn
	}
	if aid.Kind != bid.Kind {
		return aid.Kind < bid.Kind
	}
	return aid.Seq < bid.Seq
}

// matchName grades how the folded name matches the folded query q (words = its words).
func matchName(name, q string, words []string) Match {
	switch {
	case name == q:
		return MatchExact
	case strings.HasPrefix(name, q):
		return MatchPrefix
	case strings.Contains(" "+name, " "+q): // at the start of a word
		return MatchInside
	}
	nw := strings.Fields(name)
	for _, w := range words {
		found := false
		for _, x := range nw {
			if strings.HasPrefix(x, w) {
				found = true
				break
			}
		}
		if !found {
			return 0
		}
	}
	return MatchWord
}
