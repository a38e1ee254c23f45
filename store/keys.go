package store

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"unsafe"
)

// The key space. Every key starts with one tag byte; IDs are 9 bytes (kind, then sequence
// big-endian), relations one byte, strings are terminated by 0x00 (folded names and keys never
// contain 0x00: Fold drops control characters and ValidKey refuses them). This file is the only
// place that builds or parses keys; doc.go has the table.
const (
	tagMeta     byte = 'm' // m name                  → bytes
	tagSeq      byte = 's' // s kind                  → Badger sequence
	tagEntity   byte = 'e' // e id                    → record (codec.go)
	tagOut      byte = 'o' // o src rel dst           → empty
	tagIn       byte = 'i' // i dst rel src           → empty, or the ends of a Position/Participation src (endsValue)
	tagCount    byte = 'c' // c id dir rel kind       → uint64 count
	tagName     byte = 'n' // n fold(name) 0 id       → empty
	tagToken    byte = 't' // t token 0 bound(2) id   → the record's folded names (tokenValue)
	tagExternal byte = 'x' // x namespace 0 key 0     → id
	tagChange   byte = 'l' // l seq id                → empty: the change log
)

// Directions of a count key.
const (
	dirOut byte = 0
	dirIn  byte = 1
	// dirKind marks the per-kind record count: c kind 0…0 2 0.
	dirKind byte = 2
)

// metaKey: m name.
func metaKey(name string) []byte { return append([]byte{tagMeta}, name...) }

// seqKey: s kind — the Badger sequence that allocates IDs of one kind.
func seqKey(k Kind) []byte { return []byte{tagSeq, byte(k)} }

// entityKey: e kind seq(8).
func entityKey(id ID) []byte { return appendEntityKey(make([]byte, 0, 1+idLen), id) }

func appendEntityKey(b []byte, id ID) []byte { return id.appendTo(append(b, tagEntity)) }

// entityPrefix: e kind — every record of one kind, in creation order.
func entityPrefix(k Kind) []byte { return []byte{tagEntity, byte(k)} }

// parseEntityKey returns the ID of an e key.
func parseEntityKey(key []byte) ID { return idFrom(key[1:]) }

// outKey: o src(9) rel(1) dst(9).
func outKey(src ID, r Rel, dst ID) []byte {
	return appendEdgeKey(make([]byte, 0, 2+2*idLen), tagOut, src, r, dst)
}

// inKey: i dst(9) rel(1) src(9).
func inKey(dst ID, r Rel, src ID) []byte {
	return appendEdgeKey(make([]byte, 0, 2+2*idLen), tagIn, dst, r, src)
}

// appendEdgeKey appends outKey(a, r, b) (tag tagOut) or inKey(a, r, b) (tag tagIn) to buf.
func appendEdgeKey(buf []byte, tag byte, a ID, r Rel, b ID) []byte {
	return b.appendTo(append(a.appendTo(append(buf, tag)), byte(r)))
}

// adjPrefix: o|i id rel [kind] — every neighbour of id through r in one direction (of kind k
// only, unless k is 0), ordered by the neighbour's ID.
func adjPrefix(out bool, id ID, r Rel, k Kind) []byte {
	b := id.appendTo(make([]byte, 1, 3+idLen))
	b[0] = tagIn
	if out {
		b[0] = tagOut
	}
	b = append(b, byte(r))
	if k != 0 {
		b = append(b, byte(k))
	}
	return b
}

// adjNeighbour returns the neighbour ID at the end of an o or i key.
func adjNeighbour(key []byte) ID { return idFrom(key[2+idLen:]) }

// adjSeek returns the key from which to scan the adjacency of (out, id, r) for neighbours after
// `after` (exclusive).
func adjSeek(out bool, id ID, r Rel, after ID) []byte {
	b := after.appendTo(adjPrefix(out, id, r, 0))
	return append(b, 0xff)
}

// countKey: c id(9) dir(1) rel(1) kind(1) — how many edges of relation r leave (dirOut) or reach
// (dirIn) id with a neighbour of kind k.
func countKey(id ID, dir byte, r Rel, k Kind) []byte {
	return appendCountKey(make([]byte, 0, 4+idLen), id, dir, r, k)
}

func appendCountKey(b []byte, id ID, dir byte, r Rel, k Kind) []byte {
	return append(id.appendTo(append(b, tagCount)), dir, byte(r), byte(k))
}

// kindCountKey: c kind 0(8) 2 0 kind — how many records of kind k exist.
func kindCountKey(k Kind) []byte { return countKey(ID{Kind: k}, dirKind, 0, k) }

// nameKey: n fold(name) 0 id(9).
func nameKey(folded string, id ID) []byte {
	return appendStringIDKey(make([]byte, 0, 2+len(folded)+idLen), tagName, folded, id)
}

// appendStringIDKey appends an n key (tag tagName) to b: tag, s, 0, id. (Token keys of key-space
// versions 1 and 2 had this layout too; version 3's are tokenKey's.)
func appendStringIDKey(b []byte, tag byte, s string, id ID) []byte {
	return id.appendTo(append(append(append(b, tag), s...), 0))
}

// namePrefix: n fold(prefix) — names starting with prefix (exact match: add the 0 byte).
func namePrefix(folded string, exact bool) []byte {
	b := append([]byte{tagName}, folded...)
	if exact {
		b = append(b, 0)
	}
	return b
}

// tokenKey: t token 0 bound(2) id(9). bound is the length of the record's shortest folded name
// holding token as a word (tokenEntries), big-endian: a token's keys are ordered by it, then by
// ID, which is the name search's ranking among names that hold a word the same way, so the search
// reads a token's best candidates first and stops (SearchNames).
func tokenKey(token string, bound int, id ID) []byte {
	return appendTokenKey(make([]byte, 0, 4+len(token)+idLen), token, bound, id)
}

// appendTokenKey appends tokenKey(token, bound, id) to b.
func appendTokenKey(b []byte, token string, bound int, id ID) []byte {
	b = append(append(append(b, tagToken), token...), 0)
	return id.appendTo(binary.BigEndian.AppendUint16(b, uint16(min(bound, maxTokenBound))))
}

// maxTokenBound is the largest bound a token key holds: a longer name is ranked with the others
// of that bound and beyond (a bound stays a lower bound of the name's length).
const maxTokenBound = 0xffff

// tokenPrefix: t prefix — tokens starting with prefix.
func tokenPrefix(prefix string) []byte { return append([]byte{tagToken}, prefix...) }

// tokenRunEnd: the first key after every key of exactly token (t token 1).
func tokenRunEnd(token string) []byte { return append(append([]byte{tagToken}, token...), 1) }

// borrowTokenKey returns the token, bound and ID of a t key, the token sharing key's bytes (valid
// while they are). ok is false for a key without a bound (key-space versions 1 and 2: see
// schemaVersion) or one that does not parse.
func borrowTokenKey(key []byte) (token string, bound int, id ID, ok bool) {
	i := bytes.IndexByte(key, 0)
	if i < 1 || len(key) != i+3+idLen {
		return "", 0, ID{}, false
	}
	return unsafe.String(unsafe.SliceData(key[1:]), i-1), int(binary.BigEndian.Uint16(key[i+1:])), idFrom(key[i+3:]), true
}

// tokenEntry is one token of a record's names and its bound (tokenKey).
type tokenEntry struct {
	token string
	bound int
}

// tokenEntries returns each token of a record's folded names once (each word of at most
// maxTokenLen bytes), with its bound: the length of the shortest of the names holding it.
func tokenEntries(names []string) []tokenEntry {
	var out []tokenEntry
	for _, name := range names {
		for _, t := range strings.Fields(name) {
			if len(t) > maxTokenLen {
				continue
			}
			if i := slices.IndexFunc(out, func(e tokenEntry) bool { return e.token == t }); i >= 0 {
				out[i].bound = min(out[i].bound, len(name))
				continue
			}
			out = append(out, tokenEntry{t, len(name)})
		}
	}
	return out
}

// tokenValue is the value of a record's token keys: its folded names (Node.names), 0-separated,
// so that the name search ranks a candidate found by a word without reading its record. Token
// keys written before they held names have an empty value (the search then reads the record;
// Check accepts them).
func tokenValue(names []string) string { return strings.Join(names, "\x00") }

// tokenNames calls f with each name of a token key's value.
func tokenNames(v string, f func(string)) {
	for v != "" {
		name, rest, _ := strings.Cut(v, "\x00")
		f(name)
		v = rest
	}
}

// parseIndexKey returns the string and the ID of an n key (a t key: borrowTokenKey).
func parseIndexKey(key []byte) (string, ID) {
	s, id := borrowIndexKey(key)
	return strings.Clone(s), id
}

// borrowIndexKey is parseIndexKey with a string that shares key's bytes: valid only while they
// are (an iterator's key until it moves).
func borrowIndexKey(key []byte) (string, ID) {
	i := bytes.IndexByte(key[1:], 0) + 1
	if i == 1 {
		return "", idFrom(key[i+1:])
	}
	return unsafe.String(&key[1], i-1), idFrom(key[i+1:])
}

// externalKey: x namespace 0 key 0. The namespace is "" for user keys; natural identities of
// keyless records use "pos", "par" and "stm" (identity.go).
func externalKey(ns, key string) []byte {
	return appendExternalKey(make([]byte, 0, 3+len(ns)+len(key)), ns, key)
}

// appendExternalKey appends externalKey(ns, key) to b.
func appendExternalKey(b []byte, ns, key string) []byte {
	b = append(append(append(b, tagExternal), ns...), 0)
	return append(append(b, key...), 0)
}

// externalPrefix: x namespace 0 — every key of a namespace.
func externalPrefix(ns string) []byte { return append(append([]byte{tagExternal}, ns...), 0) }

// parseExternalKey returns the namespace and key of an x key.
func parseExternalKey(key []byte) (ns, k string) {
	rest := key[1 : len(key)-1]
	i := bytes.IndexByte(rest, 0)
	return string(rest[:i]), string(rest[i+1:])
}

func encodeUint(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func decodeUint(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// changeKey: l seq(8) id(9) — record id changed in the write numbered seq.
func changeKey(seq uint64, id ID) []byte {
	b := binary.BigEndian.AppendUint64([]byte{tagChange}, seq)
	return id.appendTo(b)
}

// changeSeek: the first change key after seq.
func changeSeek(seq uint64) []byte { return binary.BigEndian.AppendUint64([]byte{tagChange}, seq+1) }

// parseChangeKey returns the write number and the record of an l key.
func parseChangeKey(k []byte) (uint64, ID) { return binary.BigEndian.Uint64(k[1:9]), idFrom(k[9:]) }

// endsValue is the value of the in-keys (i dst rel src) of a Position or Participation src, but
// for its citations: the records the Position or Participation joins, as (rel(1), id(9)) pairs in
// key order — its links but citations, distinct. A walk that reaches the record through one of
// its ends reads its other ends there instead of seeking its out-keys (paths.go). Every other
// adjacency key, and an in-key written before ends values existed, has an empty value.
func endsValue(n *Node) []byte {
	if n == nil || (n.Kind != KindPosition && n.Kind != KindParticipation) {
		return nil
	}
	type end struct {
		rel Rel
		id  ID
	}
	var ends []end
	for r, ids := range n.Links {
		if r == RelCites {
			continue
		}
		for _, id := range ids {
			if !slices.Contains(ends, end{r, id}) {
				ends = append(ends, end{r, id})
			}
		}
	}
	slices.SortFunc(ends, func(a, b end) int {
		if a.rel != b.rel {
			return int(a.rel) - int(b.rel)
		}
		return a.id.Compare(b.id)
	})
	b := make([]byte, 0, len(ends)*endLen)
	for _, e := range ends {
		b = e.id.appendTo(append(b, byte(e.rel)))
	}
	return b
}

// inValue is the value of the in-key of edge e of a record whose endsValue is ends: ends for a
// link, empty for a citation.
func inValue(ends []byte, e edge) []byte {
	if e.rel == RelCites {
		return nil
	}
	return ends
}

// endLen is the length of one (rel, id) pair of an endsValue.
const endLen = 1 + idLen

// validEnds reports whether v is an endsValue (an empty value is not: an in-key written before
// ends values existed, or one that has none).
func validEnds(v []byte) bool { return len(v) > 0 && len(v)%endLen == 0 }
