package importer

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/kgql/kgql/store"
)

// resolve is the first pass: every reference is resolved against the input and the store, kinds
// and required fields are checked, parent chains are checked for cycles, and each record gets the
// ID it will write to. It reads the store in one transaction and writes nothing (it may allocate
// IDs, which at worst leaves a gap; none once a problem is known, see newID).
//
// Every stage runs whatever the stages before it found, and adds its problems to pr (see Errors
// for what is reported once and not again); in returns parse's findings about the input. resolve
// returns the plan only when pr holds no problem at all, else pr's Errors; any other error is the
// store's.
func resolve(s *store.Store, recs []*record, pr *problems, in parsed) (*plan, error) {
	bad := func(r *record, f, reason string) {
		pr.add(LineError{Line: r.line, Field: f, Reason: reason})
	}
	if in.cut { // the rest of the input is unknown: checking against it would report noise
		return nil, pr.err()
	}
	// newID allocates the ID of a new record; once a problem is known the plan will not be
	// written, and it hands out IDs of its own instead (from the top of the sequence space, which
	// no record reaches), so that a refused import leaves the sequences as they were.
	var fake uint64
	newID := func(k store.Kind) (store.ID, error) {
		if pr.total > 0 {
			fake++
			return store.ID{Kind: k, Seq: math.MaxUint64 - fake}, nil
		}
		return s.NewID(k)
	}

	// Keys the input defines, with their kind.
	type def struct {
		kind store.Kind
		line int
	}
	defs := map[string]def{}
	for _, r := range recs {
		if r.key == "" {
			continue
		}
		if d, ok := defs[r.key]; ok && d.kind != r.kind {
			bad(r, "key", fmt.Sprintf("%q is a %s on line %d", r.key, d.kind, d.line))
			r.bad |= badKey
			continue
		} else if !ok {
			defs[r.key] = def{r.kind, r.line}
		}
	}

	// Everything the input names, looked up in the store in one read transaction (an empty store
	// has nothing to look up).
	empty, err := s.Empty()
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, r := range recs {
		if empty {
			break
		}
		if r.key != "" {
			names[r.key] = true
		}
		for _, v := range r.vals {
			if v.f.typ == fRef {
				names[v.s] = true
			}
			if v.f.typ == fRefs {
				for _, n := range v.ss {
					names[n] = true
				}
			}
		}
		for _, c := range r.citations {
			names[c.Source] = true
		}
	}
	inStore := map[string]store.ID{}
	err = s.Read(func(tx *store.Tx) error {
		for n := range names {
			if id, err := store.ParseID(n); err == nil {
				ok, err := tx.Exists(id)
				if err != nil {
					return err
				}
				if ok {
					inStore[n] = id
				}
				continue
			}
			id, err := tx.Lookup(n)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			inStore[n] = id
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Kinds of defined keys and of references.
	kindOf := func(n string) (store.Kind, bool) {
		if id, ok := inStore[n]; ok {
			return id.Kind, true
		}
		if d, ok := defs[n]; ok {
			return d.kind, true
		}
		return 0, false
	}
	checkRef := func(r *record, name string, i int, rel store.Rel, target string) {
		k, ok := kindOf(target)
		if ok && rel.Accepts(r.kind, k) {
			return
		}
		field := name
		switch {
		case rel == store.RelCites:
			field = fmt.Sprintf("citations[%d].source", i)
		case i >= 0:
			field = fmt.Sprintf("%s[%d]", name, i)
		}
		if !ok {
			r.bad |= badRef
			if in.failed[target] {
				return // reported where the line that names it failed
			}
		}
		switch {
		case !ok:
			bad(r, field, fmt.Sprintf("no record has key or id %q", target))
		case !rel.Accepts(r.kind, k):
			bad(r, field, fmt.Sprintf("%q is a %s, which cannot be the %s of a %s", target, k, rel, r.kind))
			r.bad |= badRef
		}
	}
	for _, r := range recs {
		if id, ok := inStore[r.key]; ok && r.key != "" && id.Kind != r.kind {
			bad(r, "key", fmt.Sprintf("%q already belongs to a %s", r.key, id.Kind))
			r.bad |= badKey
		}
		for _, v := range r.vals { // in field order, so errors come in a stable order
			switch f := v.f; f.typ {
			case fRef:
				if v.s != "" {
					checkRef(r, f.name, -1, f.rel, v.s)
				}
			case fRefs:
				for i, t := range v.ss {
					checkRef(r, f.name, i, f.rel, t)
				}
			}
		}
		for i, c := range r.citations {
			checkRef(r, "citations", i, store.RelCites, c.Source)
		}
	}

	// IDs for new keys.
	p := &plan{ids: make([]store.ID, len(recs)), refs: map[string]store.ID{}, created: map[store.ID]bool{}}
	for n, id := range inStore {
		p.refs[n] = id
	}
	for _, r := range recs { // in input order, so that creation order follows the file
		if _, ok := inStore[r.key]; ok || r.key == "" || r.bad&badKey != 0 {
			continue
		}
		if _, done := p.refs[r.key]; done {
			continue
		}
		id, err := newID(r.kind)
		if err != nil {
			return nil, err
		}
		p.refs[r.key] = id
		p.created[id] = true
	}

	// Records without a key, and new keyed records of kinds with a natural identity, are matched
	// by identity against the input and the store.
	identities := map[[32]byte]store.ID{}
	err = s.Read(func(tx *store.Tx) error {
		for i, r := range recs {
			if r.bad != 0 { // not matched by identity: a record of its own (see Errors)
				if r.key != "" && r.bad&badKey == 0 {
					p.ids[i] = p.refs[r.key]
					continue
				}
				id, err := newID(r.kind)
				if err != nil {
					return err
				}
				p.ids[i] = id
				p.created[id] = true
				continue
			}
			if r.key != "" && !p.created[p.refs[r.key]] {
				id := p.refs[r.key]
				p.ids[i] = id
				// A patch must not give an existing record the identity of another one.
				old, err := tx.Get(id)
				if err != nil {
					return err
				}
				probe := old.Clone()
				merge(probe, r, p.refs)
				if ns, ident := probe.Identity(); ns != "" {
					idKey := identityKey(ns, ident)
					owner, ok := identities[idKey]
					if !ok {
						if o, err := tx.LookupIdentity(probe); err == nil {
							owner, ok = o, true
						}
					}
					if ok && owner != id {
						bad(r, "key", fmt.Sprintf("this change would make %q the same %s as %s", r.key, strings.ToLower(r.kind.String()), owner))
						continue
					}
					identities[idKey] = id
				}
				continue
			}
			if !hasIdentity(r.kind) { // a new keyed entity
				p.ids[i] = p.refs[r.key]
				continue
			}
			var idKey [32]byte
			if empty {
				// Nothing in the store to match: the identities are compared among the input's
				// lines only, by a digest of what makes them (no identity string is built).
				idKey = lineIdentityKey(r, p.refs)
			} else {
				idKey = identityKey(lineIdentity(r, p.refs))
			}
			found, ok := identities[idKey]
			if !ok && !empty {
				probe := &store.Node{Kind: r.kind}
				merge(probe, r, p.refs)
				id, err := tx.LookupIdentity(probe)
				switch {
				case err == nil:
					found, ok = id, true
				case !errors.Is(err, store.ErrNotFound):
					return err
				}
			}
			switch {
			case ok && r.key == "":
				p.ids[i] = found
			case ok: // a new key for a record that exists under its identity
				if other := keyOfID(recs, p, found, tx); other != "" && other != r.key {
					bad(r, "key", fmt.Sprintf("this %s already exists with key %q", strings.ToLower(r.kind.String()), other))
					continue
				}
				delete(p.created, p.refs[r.key])
				p.refs[r.key] = found
				p.ids[i] = found
			case r.key != "":
				p.ids[i] = p.refs[r.key]
			default:
				id, err := newID(r.kind)
				if err != nil {
					return err
				}
				p.ids[i] = id
				p.created[id] = true
			}
			identities[idKey] = p.ids[i]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Keyed records later in the input refer to the adopted IDs.
	for i, r := range recs {
		if r.key != "" && r.bad&badKey == 0 {
			p.ids[i] = p.refs[r.key]
		}
	}

	// Records by ID (lines of one record together, in input order), for the checks below and
	// for the writes.
	p.order = make([]int, len(recs))
	for i := range p.order {
		p.order[i] = i
	}
	slices.SortFunc(p.order, func(a, b int) int {
		if c := p.ids[a].Compare(p.ids[b]); c != 0 {
			return c
		}
		return a - b
	})

	// Required fields of records this import creates, over all the lines that write them (a field
	// a line gives with a bad value was reported as such, not as missing).
	for lo := 0; lo < len(p.order); {
		id := p.ids[p.order[lo]]
		hi := lo + 1
		for hi < len(p.order) && p.ids[p.order[hi]] == id {
			hi++
		}
		if p.created[id] {
			var given uint32 // bit i: formats[kind][i] given; citesBit: citations
			for _, i := range p.order[lo:hi] {
				for _, v := range recs[i].vals {
					given |= 1 << v.i
				}
				given |= recs[i].given // the fields a compact record dropped
				given |= recs[i].bad &^ (badKey | badRef | badLine)
				if len(recs[i].citations) > 0 {
					given |= citesBit
				}
			}
			r := recs[p.order[lo]]
			for i, f := range formats[r.kind] {
				if f.required && given&(1<<i) == 0 {
					bad(r, f.name, "missing (required for a new "+r.kind.String()+")")
				}
			}
			if citationRequired(r.kind) && given&citesBit == 0 {
				bad(r, "citations", "a new "+r.kind.String()+" must cite at least one source")
			}
		}
		lo = hi
	}

	// Parent chains must not loop.
	parents := map[store.ID]store.ID{}
	lineOf := map[store.ID]*record{}
	for i, r := range recs {
		if v, ok := r.ref(store.RelParent); ok && v != "" {
			parents[p.ids[i]] = p.refs[v]
			lineOf[p.ids[i]] = r
		}
	}
	err = s.Read(func(tx *store.Tx) error {
		parentOf := func(id store.ID) (store.ID, error) {
			if pid, ok := parents[id]; ok {
				return pid, nil
			}
			if p.created[id] {
				return store.ID{}, nil
			}
			n, err := tx.Get(id)
			if errors.Is(err, store.ErrNotFound) {
				return store.ID{}, nil
			}
			if err != nil {
				return store.ID{}, err
			}
			return n.Link(store.RelParent), nil
		}
		for child, r := range lineOf {
			seen := map[store.ID]bool{child: true}
			for cur := child; ; {
				next, err := parentOf(cur)
				if err != nil {
					return err
				}
				if next.IsZero() {
					break
				}
				if seen[next] {
					bad(r, "parent", "would make a cycle of parents")
					break
				}
				seen[next] = true
				cur = next
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := pr.err(); err != nil {
		return nil, err
	}
	return p, nil
}

// hasIdentity: records of kind k have a natural identity (store.Node.Identity).
func hasIdentity(k store.Kind) bool {
	return k == store.KindPosition || k == store.KindParticipation || k == store.KindStatement
}

// identitySpecs: what the natural identity of a kind is made of (store.Node.Identity): its
// namespace, links in order, and a text field, folded or not, which comes after the first two
// links.
var identitySpecs = map[store.Kind]struct {
	ns   string
	rels []store.Rel
	str  *field
	fold bool
}{
	store.KindPosition:      {"pos", []store.Rel{store.RelPerson, store.RelOrganization, store.RelRegion}, identityField(store.KindPosition, "title"), true},
	store.KindParticipation: {"par", []store.Rel{store.RelPerson, store.RelEvent}, identityField(store.KindParticipation, "role"), true},
	store.KindStatement:     {"stm", []store.Rel{store.RelSpeaker, store.RelEvent}, identityField(store.KindStatement, "text"), false},
}

func identityField(k store.Kind, name string) *field { return &formats[k][fieldsByName[k][name]] }

// maxIdentityLen is the longest natural identity stored as it is (store.Node.Identity).
const maxIdentityLen = 512

// lineIdentity is the natural identity of the record r creates on its own: what
// store.Node.Identity returns for a new node merged from r alone, computed from the line without
// building that node.
func lineIdentity(r *record, refs map[string]store.ID) (ns, ident string) {
	spec, ok := identitySpecs[r.kind]
	if !ok {
		return "", ""
	}
	var links [3]store.ID
	var str string
	for _, v := range r.vals { // as merge: the last value of a field wins, "" clears
		switch {
		case v.f == spec.str:
			str = v.s
		case v.f.typ == fRef:
			for j, rel := range spec.rels {
				if v.f.rel == rel {
					links[j] = store.ID{}
					if v.s != "" {
						links[j] = refs[v.s]
					}
				}
			}
		}
	}
	if spec.fold {
		str = store.Fold(str)
	}
	b := make([]byte, 0, 64+len(str))
	b = append(b, links[0].String()...)
	b = append(b, '|')
	b = append(b, links[1].String()...)
	b = append(b, '|')
	b = append(b, str...)
	if len(spec.rels) > 2 {
		b = append(b, '|')
		b = append(b, links[2].String()...)
	}
	if len(b) <= maxIdentityLen {
		return spec.ns, string(b)
	}
	sum := sha256.Sum256(b)
	return spec.ns, "sha256:" + hex.EncodeToString(sum[:])
}

// identityStrSum is the digest of the text of r's natural identity (folded as the identity
// folds it): the last value r gives for it, "" if none.
func identityStrSum(r *record) [32]byte {
	spec := identitySpecs[r.kind]
	var str string
	for _, v := range r.vals {
		if v.f == spec.str {
			str = v.s
		}
	}
	if spec.fold {
		str = store.Fold(str)
	}
	return sha256.Sum256([]byte(str))
}

// lineIdentityKey is a digest of what makes the natural identity of the record r creates on its
// own (lineIdentity): the kind, the referenced IDs and the digest of the text. Two lines have the
// same key exactly when they have the same identity (the identity string is made of the same
// parts, and holds its text as it is or as its digest). It is not identityKey of that identity:
// resolve uses it only when the store is empty, where no other identity is compared with it.
func lineIdentityKey(r *record, refs map[string]store.ID) [32]byte {
	spec := identitySpecs[r.kind]
	var links [3]store.ID
	for _, v := range r.vals { // as lineIdentity
		if v.f.typ != fRef {
			continue
		}
		for j, rel := range spec.rels {
			if v.f.rel == rel {
				links[j] = store.ID{}
				if v.s != "" {
					links[j] = refs[v.s]
				}
			}
		}
	}
	sum := r.strSum
	if !r.compact {
		sum = identityStrSum(r)
	}
	var buf [8 + 3*17 + 32]byte
	b := append(append(buf[:0], spec.ns...), 0)
	for _, id := range links {
		b = append(b, byte(id.Kind))
		b = binary.BigEndian.AppendUint64(b, id.Seq)
	}
	b = append(b, sum[:]...)
	return sha256.Sum256(b)
}

// identityKey is the digest of a natural identity under which resolve remembers it (identities
// of statements hold their text: a digest keeps the map small).
func identityKey(ns, ident string) [32]byte {
	var buf [8 + maxIdentityLen]byte
	b := append(append(append(buf[:0], ns...), 0), ident...)
	return sha256.Sum256(b)
}

// keyOfID returns the key the record id has, in the store or in the input.
func keyOfID(recs []*record, p *plan, id store.ID, tx *store.Tx) string {
	for k, v := range p.refs {
		if v == id && !strings.Contains(k, "_") {
			for _, r := range recs {
				if r.key == k {
					return k
				}
			}
		}
	}
	if n, err := tx.Get(id); err == nil {
		return n.Key
	}
	return ""
}

func sortErrors(errs Errors) Errors {
	slices.SortStableFunc(errs, func(a, b LineError) int { return a.Line - b.Line })
	return errs
}
