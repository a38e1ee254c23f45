package store

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/dgraph-io/badger/v4"
)

// Tx is one read-write transaction. Every method reads and writes inside it, so one logical write
// (a record, both directions of its edges, counts, name, token and key indexes) commits or vanishes
// as a whole. Obtain one from Store.Update.
type Tx struct {
	s       *Store
	txn     *badger.Txn
	ops     int             // writes so far, see Full
	changed map[ID]ChangeOp // records written or deleted, for the change log
	written WriteStats      // keys set or deleted, and their bytes
	// reader, in a read transaction (Read), lets GetOrNil read through the read cache.
	reader *reader
}

// txOpsBudget is how many writes a transaction takes before Full says to commit: well below
// Badger's per-transaction limit (about 100k entries with the default 64 MiB memtable), so that
// one more record always fits.
const txOpsBudget = 30000

// Full reports whether the transaction holds enough writes that a bulk writer should commit it
// and continue in a new one.
func (tx *Tx) Full() bool { return tx.ops >= txOpsBudget }

func (tx *Tx) set(k, v []byte) error {
	tx.ops++
	tx.written.add(k, v)
	return tx.txn.Set(k, v)
}

func (tx *Tx) del(k []byte) error {
	tx.ops++
	tx.written.add(k, nil)
	return tx.txn.Delete(k)
}

// Written returns how many keys the transaction has set or deleted so far, and their bytes (the
// change log's own keys excluded).
func (tx *Tx) Written() WriteStats { return tx.written }

// NewID allocates an ID for a new record of kind k.
func (tx *Tx) NewID(k Kind) (ID, error) { return tx.s.NewID(k) }

// Get returns the record with that id, or ErrNotFound.
func (tx *Tx) Get(id ID) (*Node, error) { return getNode(tx.txn, id) }

// Lookup returns the ID that owns an external key, or ErrNotFound.
func (tx *Tx) Lookup(key string) (ID, error) { return lookup(tx.txn, "", key) }

// LookupIdentity returns the keyless record with the same natural identity as n (see
// Node.Identity), or ErrNotFound.
func (tx *Tx) LookupIdentity(n *Node) (ID, error) {
	ns, k := n.Identity()
	if ns == "" {
		return ID{}, ErrNotFound
	}
	return lookup(tx.txn, ns, k)
}

// Put writes n (n.ID set, new or existing) and brings every index in step with it: external key,
// natural identity, name and token indexes, out- and in-edges of its links and citations, degree
// and kind counts. A key, or a natural identity, already owned by another record is ErrConflict.
func (tx *Tx) Put(n *Node) error {
	if n.ID.IsZero() || n.ID.Kind != n.Kind {
		return fmt.Errorf("%w: record without id", ErrInvalid)
	}
	old, err := getNode(tx.txn, n.ID)
	if errors.Is(err, ErrNotFound) {
		old = nil
	} else if err != nil {
		return err
	}
	if n.Key != "" && (old == nil || old.Key != n.Key) {
		switch owner, err := lookup(tx.txn, "", n.Key); {
		case err == nil && owner != n.ID:
			return fmt.Errorf("%w: key %q belongs to another record", ErrConflict, n.Key)
		case err != nil && !errors.Is(err, ErrNotFound):
			return err
		}
	}
	if ns, k := n.Identity(); ns != "" {
		switch owner, err := lookup(tx.txn, ns, k); {
		case err == nil && owner != n.ID:
			return fmt.Errorf("%w: the same %s already exists as %s", ErrConflict, strings.ToLower(n.Kind.String()), owner)
		case err != nil && !errors.Is(err, ErrNotFound):
			return err
		}
	}
	v, err := encodeNode(n)
	if err != nil {
		return err
	}
	if err := tx.set(entityKey(n.ID), v); err != nil {
		return err
	}
	op := ChangeUpdated
	if old == nil {
		op = ChangeCreated
	}
	tx.touch(n.ID, op)
	if old == nil {
		if err := tx.addCount(kindCountKey(n.Kind), 1); err != nil {
			return err
		}
	}
	return tx.reindex(old, n)
}

// Delete removes the record and everything derived from it. It does not look at records that point
// at it: callers check dependents first (Dependents) or delete them too.
func (tx *Tx) Delete(id ID) error {
	old, err := getNode(tx.txn, id)
	if err != nil {
		return err
	}
	if err := tx.del(entityKey(id)); err != nil {
		return err
	}
	tx.touch(id, ChangeDeleted)
	if err := tx.addCount(kindCountKey(id.Kind), -1); err != nil {
		return err
	}
	return tx.reindex(old, nil)
}

// touch notes that record id changed in this transaction, and how: what several changes of one
// record in one transaction amount to (created then updated is created; anything then deleted is
// deleted; deleted then written again is updated).
func (tx *Tx) touch(id ID, op ChangeOp) {
	if tx.changed == nil {
		tx.changed = map[ID]ChangeOp{}
	}
	switch prev, ok := tx.changed[id]; {
	case !ok, op == ChangeDeleted:
	case prev == ChangeCreated:
		op = ChangeCreated
	case prev == ChangeDeleted:
		op = ChangeUpdated
	}
	tx.changed[id] = op
}

// logChanges numbers this write and records which records it changed (in the transaction), so that
// derived indexes (the text index) can catch up after a crash. It returns the number and the IDs.
// The change log's value is the ChangeOp, one byte.
func (tx *Tx) logChanges() (uint64, []Change, error) {
	if len(tx.changed) == 0 {
		return 0, nil, nil
	}
	seq := tx.s.seq.Load() + 1
	changes := make([]Change, 0, len(tx.changed))
	for id, op := range tx.changed {
		changes = append(changes, Change{ID: id, Op: op})
		if err := tx.txn.Set(changeKey(seq, id), []byte{byte(op)}); err != nil {
			return 0, nil, err
		}
	}
	slices.SortFunc(changes, func(a, b Change) int { return a.ID.Compare(b.ID) })
	return seq, changes, tx.txn.Set(metaKey("seq"), encodeUint(seq))
}

// reindex moves every derived key from what old implies to what n implies (either may be nil).
func (tx *Tx) reindex(old, n *Node) error {
	ok, nk := derivedKeys(old), derivedKeys(n)
	for k := range ok {
		if _, keep := nk[k]; !keep {
			if err := tx.del([]byte(k)); err != nil {
				return err
			}
		}
	}
	for k, v := range nk {
		if ov, had := ok[k]; !had || ov != v {
			if err := tx.set([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
	}
	oe, ne := edgesOf(old), edgesOf(n)
	for e := range oe {
		if _, keep := ne[e]; !keep {
			if err := tx.setEdge(e, false, nil); err != nil {
				return err
			}
		}
	}
	// The in-keys of a Position's or Participation's links hold its ends (endsValue): when they
	// change, the in-keys of the links it keeps are rewritten too.
	ends := endsValue(n)
	rewrite := old != nil && n != nil && !bytes.Equal(endsValue(old), ends)
	for e := range ne {
		if _, had := oe[e]; !had {
			if err := tx.setEdge(e, true, inValue(ends, e)); err != nil {
				return err
			}
		} else if rewrite && e.rel != RelCites {
			if err := tx.set(inKey(e.dst, e.rel, e.src), ends); err != nil {
				return err
			}
		}
	}
	return nil
}

// edge is one stored relation instance.
type edge struct {
	src ID
	rel Rel
	dst ID
}

// edgesOf returns the edges a record owns: its links and one RelCites edge per cited source.
func edgesOf(n *Node) map[edge]struct{} {
	out := map[edge]struct{}{}
	if n == nil {
		return out
	}
	for r, ids := range n.Links {
		for _, d := range ids {
			out[edge{n.ID, r, d}] = struct{}{}
		}
	}
	for _, src := range n.citedSources() {
		out[edge{n.ID, RelCites, src}] = struct{}{}
	}
	return out
}

// setEdge writes (with in as the in-key's value: inValue) or deletes both directions of e and
// adjusts both degree counts.
func (tx *Tx) setEdge(e edge, add bool, in []byte) error {
	delta := int64(1)
	if add {
		if err := tx.set(outKey(e.src, e.rel, e.dst), nil); err != nil {
			return err
		}
		if err := tx.set(inKey(e.dst, e.rel, e.src), in); err != nil {
			return err
		}
	} else {
		delta = -1
		if err := tx.del(outKey(e.src, e.rel, e.dst)); err != nil {
			return err
		}
		if err := tx.del(inKey(e.dst, e.rel, e.src)); err != nil {
			return err
		}
	}
	if err := tx.addCount(countKey(e.src, dirOut, e.rel, e.dst.Kind), delta); err != nil {
		return err
	}
	return tx.addCount(countKey(e.dst, dirIn, e.rel, e.src.Kind), delta)
}

// addCount adds delta to a counter key, deleting it when it reaches zero.
func (tx *Tx) addCount(key []byte, delta int64) error {
	cur, err := readUint(tx.txn, key)
	if err != nil {
		return err
	}
	next := int64(cur) + delta
	if next <= 0 {
		return tx.del(key)
	}
	return tx.set(key, encodeUint(uint64(next)))
}

// derivedKeys returns the index keys (and their values) that record n implies, other than edges
// and counts: external key, natural identity, name and token index entries.
func derivedKeys(n *Node) map[string]string {
	out := map[string]string{}
	if n == nil {
		return out
	}
	idv := string(entityKey(n.ID)[1:])
	if n.Key != "" {
		out[string(externalKey("", n.Key))] = idv
	}
	if ns, k := n.Identity(); ns != "" {
		out[string(externalKey(ns, k))] = idv
	}
	for _, f := range n.names() {
		out[string(nameKey(TruncateName(f), n.ID))] = ""
	}
	names := n.names()
	tv := tokenValue(names)
	for _, e := range tokenEntries(names) {
		out[string(tokenKey(e.token, e.bound, n.ID))] = tv
	}
	return out
}

// MaxIndexedName bounds the folded names the name index holds: a longer name is indexed by its
// first MaxIndexedName bytes (cut at a character boundary), so exact and prefix lookups of it
// still find it as a candidate (see TruncateName).
const MaxIndexedName = 1024

// TruncateName cuts a folded name to what the name index holds.
func TruncateName(f string) string {
	if len(f) <= MaxIndexedName {
		return f
	}
	cut := MaxIndexedName
	for cut > 0 && !utf8.RuneStart(f[cut]) {
		cut--
	}
	return f[:cut]
}

// maxTokenLen bounds the words the token index holds (longer ones are not indexed).
const maxTokenLen = 64

func getNode(txn *badger.Txn, id ID) (*Node, error) {
	item, err := txn.Get(entityKey(id))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("%w: no record has id %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	var n *Node
	err = item.Value(func(v []byte) error {
		var err error
		n, err = decodeNode(id, v)
		return err
	})
	return n, err
}

func lookup(txn *badger.Txn, ns, key string) (ID, error) {
	item, err := txn.Get(externalKey(ns, key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return ID{}, fmt.Errorf("%w: no record has key %q", ErrNotFound, key)
	}
	if err != nil {
		return ID{}, err
	}
	var id ID
	err = item.Value(func(v []byte) error {
		if len(v) != idLen {
			return fmt.Errorf("corrupt key index entry for %q", key)
		}
		id = idFrom(v)
		return nil
	})
	return id, err
}

func readUint(txn *badger.Txn, key []byte) (uint64, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var n uint64
	err = item.Value(func(v []byte) error { n = decodeUint(v); return nil })
	return n, err
}

// Read runs fn in one read-only transaction (one round trip). Tx's write methods fail inside it.
func (s *Store) Read(fn func(tx *Tx) error) error {
	return s.read(func(r *reader) error { return fn(&Tx{s: s, txn: r.tx(), reader: r}) })
}

// Exists reports whether a record with that id exists.
func (tx *Tx) Exists(id ID) (bool, error) {
	_, err := tx.txn.Get(entityKey(id))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Scan calls fn for every record of kind k in creation order, within the transaction (so a whole
// export sees one snapshot). fn's record is its own copy.
func (tx *Tx) Scan(k Kind, fn func(n *Node) error) error {
	return scanRecords(tx.txn, entityPrefix(k), fn)
}

// scanRecords calls fn for every record whose entity key starts with prefix, in key order.
func scanRecords(txn *badger.Txn, prefix []byte, fn func(n *Node) error) error {
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 100, Prefix: prefix})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		id := parseEntityKey(it.Item().Key())
		var n *Node
		if err := it.Item().Value(func(v []byte) (err error) { n, err = decodeNode(id, v); return }); err != nil {
			return err
		}
		if err := fn(n); err != nil {
			return err
		}
	}
	return nil
}
