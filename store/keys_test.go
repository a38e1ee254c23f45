package store

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
)

func personID(seq uint64) ID { return ID{Kind: KindPerson, Seq: seq} }

// sampleIDs covers every kind and sequences around byte boundaries.
func sampleIDs() []ID {
	var out []ID
	for _, k := range Kinds {
		for _, seq := range []uint64{1, 2, 255, 256, 65535, 65536, 1 << 32, math.MaxUint64} {
			out = append(out, ID{Kind: k, Seq: seq})
		}
	}
	return out
}

func TestEntityKeyRoundTrip(t *testing.T) {
	for _, id := range sampleIDs() {
		k := entityKey(id)
		if len(k) != 1+idLen || k[0] != tagEntity {
			t.Fatalf("entityKey(%v) = %x: want %d bytes starting with %q", id, k, 1+idLen, tagEntity)
		}
		if got := parseEntityKey(k); got != id {
			t.Errorf("parseEntityKey(entityKey(%v)) = %v", id, got)
		}
		if !bytes.HasPrefix(k, entityPrefix(id.Kind)) {
			t.Errorf("entityKey(%v) = %x lacks entityPrefix(%v) = %x", id, k, id.Kind, entityPrefix(id.Kind))
		}
		for _, other := range Kinds {
			if other != id.Kind && bytes.HasPrefix(k, entityPrefix(other)) {
				t.Errorf("entityKey(%v) matches entityPrefix(%v)", id, other)
			}
		}
	}
}

func TestEntityKeyOrder(t *testing.T) {
	// In the order the keys must sort: by kind (Kind order), then by sequence, across byte
	// boundaries of the big-endian sequence.
	var ids []ID
	for _, k := range Kinds {
		for _, seq := range []uint64{1, 2, 255, 256, 257, 65535, 65536, 1<<32 - 1, 1 << 32, 1 << 56, math.MaxUint64} {
			ids = append(ids, ID{Kind: k, Seq: seq})
		}
	}
	for i := 1; i < len(ids); i++ {
		a, b := entityKey(ids[i-1]), entityKey(ids[i])
		if bytes.Compare(a, b) >= 0 {
			t.Errorf("entityKey(%v) = %x does not sort before entityKey(%v) = %x", ids[i-1], a, ids[i], b)
		}
	}
	if !slices.IsSorted(Kinds) {
		t.Errorf("Kinds = %v, not in key order", Kinds)
	}
}

func TestAdjacencyKeys(t *testing.T) {
	src, dst := ID{KindPosition, 300}, ID{KindOrganization, 70000}
	for _, r := range []Rel{RelParent, RelOrganization, RelCites} {
		o, i := outKey(src, r, dst), inKey(dst, r, src)
		if len(o) != 2+2*idLen || len(i) != 2+2*idLen {
			t.Fatalf("key lengths %d, %d; want %d", len(o), len(i), 2+2*idLen)
		}
		if o[0] != tagOut || i[0] != tagIn {
			t.Errorf("tags %q, %q", o[0], i[0])
		}
		if got := adjNeighbour(o); got != dst {
			t.Errorf("adjNeighbour(outKey(%v, %v, %v)) = %v", src, r, dst, got)
		}
		if got := adjNeighbour(i); got != src {
			t.Errorf("adjNeighbour(inKey(%v, %v, %v)) = %v", dst, r, src, got)
		}
		if !bytes.HasPrefix(o, adjPrefix(true, src, r, 0)) || !bytes.HasPrefix(o, adjPrefix(true, src, r, dst.Kind)) {
			t.Errorf("outKey %x lacks its prefixes", o)
		}
		if !bytes.HasPrefix(i, adjPrefix(false, dst, r, 0)) || !bytes.HasPrefix(i, adjPrefix(false, dst, r, src.Kind)) {
			t.Errorf("inKey %x lacks its prefixes", i)
		}
		if bytes.HasPrefix(o, adjPrefix(false, src, r, 0)) || bytes.HasPrefix(i, adjPrefix(true, dst, r, 0)) {
			t.Errorf("a direction's prefix matches the other direction")
		}
	}
}

func TestAdjacencyOrderAndPrefixIsolation(t *testing.T) {
	// Neighbours of one (id, rel) sort by neighbour ID: kind, then sequence across byte boundaries.
	nbrs := []ID{personID(1), personID(2), personID(255), personID(256), personID(65536), {KindOrganization, 1}, {KindOrganization, 256}, {KindStatement, 3}}
	for _, out := range []bool{true, false} {
		key := outKey
		if !out {
			key = inKey
		}
		id := ID{KindEvent, 1}
		for i := 1; i < len(nbrs); i++ {
			a, b := key(id, RelAbout, nbrs[i-1]), key(id, RelAbout, nbrs[i])
			if bytes.Compare(a, b) >= 0 {
				t.Errorf("out=%v: neighbour %v does not sort before %v", out, nbrs[i-1], nbrs[i])
			}
		}
	}

	// A prefix scan of one (id, rel) sees no other id or rel.
	type probe struct {
		id  ID
		rel Rel
	}
	probes := []probe{
		{personID(1), RelParent}, {personID(1), RelCites}, {personID(1), RelPerson},
		{personID(256), RelParent}, {personID(256), RelCites}, {personID(257), RelParent},
		{ID{KindOrganization, 1}, RelParent}, {personID(1 << 8 << 8), RelParent},
	}
	nb := ID{KindSource, 12}
	for _, out := range []bool{true, false} {
		key := outKey
		if !out {
			key = inKey
		}
		for _, p := range probes {
			prefix := adjPrefix(out, p.id, p.rel, 0)
			for _, q := range probes {
				k := key(q.id, q.rel, nb)
				if got, want := bytes.HasPrefix(k, prefix), p == q; got != want {
					t.Errorf("out=%v: prefix of (%v, %d) matches key of (%v, %d): %v, want %v", out, p.id, p.rel, q.id, q.rel, got, want)
				}
			}
		}
	}
}

func TestAdjPrefixKind(t *testing.T) {
	id := ID{KindEvent, 7}
	for _, want := range Kinds {
		prefix := adjPrefix(false, id, RelEvent, want)
		for _, k := range Kinds {
			for _, seq := range []uint64{1, uint64(want), 256} {
				key := inKey(id, RelEvent, ID{k, seq})
				if got := bytes.HasPrefix(key, prefix); got != (k == want) {
					t.Errorf("adjPrefix(kind %v) matches a %v neighbour: %v", want, k, got)
				}
			}
		}
	}
}

func TestAdjSeek(t *testing.T) {
	id := ID{KindOrganization, 3}
	after := ID{KindPosition, 256}
	seek := adjSeek(false, id, RelOrganization, after)
	prefix := adjPrefix(false, id, RelOrganization, 0)
	if !bytes.HasPrefix(seek, prefix) {
		t.Fatalf("adjSeek %x lacks prefix %x", seek, prefix)
	}
	for _, c := range []struct {
		nb    ID
		after bool
	}{
		{ID{KindPosition, 1}, false}, {ID{KindPosition, 255}, false}, {after, false},
		{ID{KindPosition, 257}, true}, {ID{KindPosition, 512}, true}, {ID{KindPosition, 65536}, true},
		{ID{KindParticipation, 1}, true}, {ID{KindStatement, 1 << 40}, false},
	} {
		k := inKey(id, RelOrganization, c.nb)
		if got := bytes.Compare(k, seek) > 0; got != c.after {
			t.Errorf("key of neighbour %v after adjSeek(%v): %v, want %v", c.nb, after, got, c.after)
		}
	}
}

func TestIndexKeys(t *testing.T) {
	ids := []ID{personID(1), {KindOrganization, 256}, {KindRegion, math.MaxUint64}}
	for _, s := range []string{"a", "abc", "laayoune sakia el hamra", "مراكش", "x y z"} {
		for _, id := range ids {
			if gs, gid := parseIndexKey(nameKey(s, id)); gs != s || gid != id {
				t.Errorf("parseIndexKey(nameKey(%q, %v)) = %q, %v", s, id, gs, gid)
			}
			for _, bound := range []int{0, 1, 255, 256, maxTokenBound} {
				if gs, gb, gid, ok := borrowTokenKey(tokenKey(s, bound, id)); !ok || gs != s || gb != bound || gid != id {
					t.Errorf("borrowTokenKey(tokenKey(%q, %d, %v)) = %q, %d, %v, %v", s, bound, id, gs, gb, gid, ok)
				}
			}
			if _, gb, _, _ := borrowTokenKey(tokenKey(s, maxTokenBound+10, id)); gb != maxTokenBound {
				t.Errorf("bound %d kept as %d, want %d", maxTokenBound+10, gb, maxTokenBound)
			}
			if _, _, _, ok := borrowTokenKey(appendStringIDKey(nil, tagToken, s, id)); ok {
				t.Errorf("a token key without a bound (key space 2) parsed: %q %v", s, id)
			}
			if k := nameKey(s, id); k[0] != tagName || !bytes.HasPrefix(k, namePrefix(s, true)) || !bytes.HasPrefix(k, namePrefix(s, false)) {
				t.Errorf("nameKey(%q, %v) = %x lacks its prefixes", s, id, k)
			}
			if k := tokenKey(s, 3, id); k[0] != tagToken || !bytes.HasPrefix(k, tokenPrefix(s)) || bytes.Compare(k, tokenRunEnd(s)) >= 0 {
				t.Errorf("tokenKey(%q, %v) = %x lacks its prefix", s, id, k)
			}
		}
	}
}

// A token's keys sort by bound, then by ID (the name search's ranking), all before tokenRunEnd,
// which sorts before the keys of every longer token.
func TestTokenKeyOrder(t *testing.T) {
	order := [][]byte{
		tokenKey("abc", 0, ID{KindRegion, math.MaxUint64}),
		tokenKey("abc", 12, personID(1)),
		tokenKey("abc", 12, personID(256)),
		tokenKey("abc", 12, ID{KindOrganization, 1}),
		tokenKey("abc", 13, personID(1)),
		tokenKey("abc", 256, personID(1)),
		tokenKey("abc", maxTokenBound, ID{KindRegion, math.MaxUint64}),
		tokenRunEnd("abc"),
		tokenKey("abca", 0, personID(1)),
		tokenKey("abd", 0, personID(1)),
	}
	for i := 1; i < len(order); i++ {
		if bytes.Compare(order[i-1], order[i]) >= 0 {
			t.Errorf("key %d (%x) does not sort before key %d (%x)", i-1, order[i-1], i, order[i])
		}
	}
	if personID(1).Kind >= KindOrganization {
		t.Fatal("kinds are not in the order this test assumes")
	}
	var got []string
	for _, e := range tokenEntries([]string{"adil sentissi el idrissi", "sentissi", "a very long name with sentissi in it"}) {
		got = append(got, fmt.Sprintf("%s:%d", e.token, e.bound))
	}
	want := "[adil:24 sentissi:8 el:24 idrissi:24 a:36 very:36 long:36 name:36 with:36 in:36 it:36]"
	if fmt.Sprint(got) != want {
		t.Errorf("tokenEntries = %v, want %s", got, want)
	}
}

func TestNameKeyTerminator(t *testing.T) {
	// "abc" with any id sorts before "abcd" and "abc d" with any id: the terminator is 0x00.
	big, small := ID{KindParticipation, math.MaxUint64}, personID(1)
	order := []string{"abc", "abc d", "abcd", "abd"}
	for i := 1; i < len(order); i++ {
		a, b := nameKey(order[i-1], big), nameKey(order[i], small)
		if bytes.Compare(a, b) >= 0 {
			t.Errorf("nameKey(%q, %v) does not sort before nameKey(%q, %v)", order[i-1], big, order[i], small)
		}
	}

	cases := []struct {
		query, name string
		exact       bool
		want        bool
	}{
		{"abc", "abc", true, true},
		{"abc", "abcd", true, false},
		{"abc", "abc d", true, false},
		{"abc", "ab", true, false},
		{"abc", "abc", false, true},
		{"abc", "abcd", false, true},
		{"abc", "abc d", false, true},
		{"abc", "ab", false, false},
		{"abc", "xabc", false, false},
		{"marrakech", "marrakech safi", true, false},
		{"marrakech", "marrakech safi", false, true},
	}
	for _, c := range cases {
		for _, id := range []ID{personID(1), personID(256), {KindRegion, 1 << 40}} {
			got := bytes.HasPrefix(nameKey(c.name, id), namePrefix(c.query, c.exact))
			if got != c.want {
				t.Errorf("namePrefix(%q, exact=%v) matches nameKey(%q, %v): %v, want %v", c.query, c.exact, c.name, id, got, c.want)
			}
		}
	}
	// Name and token keys live in different key ranges.
	if bytes.HasPrefix(tokenKey("abc", 3, personID(1)), namePrefix("", false)) || bytes.HasPrefix(nameKey("abc", personID(1)), tokenPrefix("")) {
		t.Error("name and token key spaces overlap")
	}
}

func TestExternalKeys(t *testing.T) {
	cases := []struct{ ns, key string }{
		{"", "asmex"}, {"", "MA-07"}, {"", "wikidata:Q123"}, {"pos", "per_1|org_2|president|"},
		{"stm", "per_1||Cette rencontre est le couronnement"}, {"par", "a|b|c"},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		k := externalKey(c.ns, c.key)
		if k[0] != tagExternal || k[len(k)-1] != 0 {
			t.Errorf("externalKey(%q, %q) = %q: want tag x and a final 0", c.ns, c.key, k)
		}
		ns, key := parseExternalKey(k)
		if ns != c.ns || key != c.key {
			t.Errorf("parseExternalKey(externalKey(%q, %q)) = %q, %q", c.ns, c.key, ns, key)
		}
		if !bytes.HasPrefix(k, externalPrefix(c.ns)) {
			t.Errorf("externalKey(%q, %q) lacks externalPrefix(%q)", c.ns, c.key, c.ns)
		}
		seen[string(k)] = true
	}
	// Namespaces and keys are terminated: no collision between ("a", "b") and ("", "a…"), and the
	// prefix of one namespace does not reach into a longer one.
	pairs := [][2]string{{"", "ab"}, {"a", "b"}, {"ab", ""}, {"", "a"}, {"", "a\x00b"}}
	keys := map[string][2]string{}
	for _, p := range pairs {
		k := string(externalKey(p[0], p[1]))
		if q, dup := keys[k]; dup {
			t.Errorf("externalKey%q == externalKey%q", p, q)
		}
		keys[k] = p
	}
	if bytes.HasPrefix(externalKey("pos", "x"), externalPrefix("po")) {
		t.Error(`externalPrefix("po") matches a key of namespace "pos"`)
	}
	if bytes.HasPrefix(externalKey("pos", "x"), externalPrefix("")) {
		t.Error(`externalPrefix("") matches a key of namespace "pos"`)
	}
	// The user key "asm" is not a prefix match of "asmex": lookups are exact.
	if bytes.HasPrefix(externalKey("", "asmex"), externalKey("", "asm")) {
		t.Error(`externalKey("", "asm") is a prefix of externalKey("", "asmex")`)
	}
}

func TestCountKeysDistinct(t *testing.T) {
	seen := map[string]string{}
	add := func(desc string, k []byte) {
		t.Helper()
		if prev, dup := seen[string(k)]; dup {
			t.Errorf("count key of %s == count key of %s: %x", desc, prev, k)
		}
		seen[string(k)] = desc
	}
	for _, id := range []ID{personID(1), personID(256), {KindOrganization, 1}} {
		for _, dir := range []byte{dirOut, dirIn} {
			for _, r := range Relations {
				for _, k := range Kinds {
					add(fmt.Sprintf("(%v, dir %d, %v, %v)", id, dir, r.Rel, k), countKey(id, dir, r.Rel, k))
				}
			}
		}
	}
	for _, k := range Kinds {
		add(fmt.Sprintf("kind %v", k), kindCountKey(k))
	}
	if want := 3*2*len(Relations)*len(Kinds) + len(Kinds); len(seen) != want {
		t.Errorf("%d distinct count keys, want %d", len(seen), want)
	}
	k := countKey(ID{KindRegion, 258}, dirIn, RelCites, KindSource)
	want := []byte{tagCount, byte(KindRegion), 0, 0, 0, 0, 0, 0, 1, 2, dirIn, byte(RelCites), byte(KindSource)}
	if !bytes.Equal(k, want) {
		t.Errorf("countKey = %x, want %x", k, want)
	}
}

func TestUintCodec(t *testing.T) {
	for _, n := range []uint64{0, 1, 255, 256, math.MaxUint64} {
		if got := decodeUint(encodeUint(n)); got != n {
			t.Errorf("decodeUint(encodeUint(%d)) = %d", n, got)
		}
	}
	if got := decodeUint([]byte{1, 2, 3}); got != 0 {
		t.Errorf("decodeUint(3 bytes) = %d, want 0", got)
	}
}

func TestNodeCodecRoundTrip(t *testing.T) {
	id := ID{KindStatement, 300}
	n := &Node{ID: id, Kind: KindStatement, Key: "s-1", Text: "Ce premier Conseil", Language: "fr", Date: "2021-06-14",
		Citations: []Citation{{Source: ID{KindSource, 1}, Excerpt: "x"}, {Source: ID{KindSource, 2}}}}
	n.SetLink(RelSpeaker, personID(256))
	n.SetLink(RelAbout, ID{KindRegion, 1}, ID{KindOrganization, 2})
	v, err := encodeNode(n)
	if err != nil {
		t.Fatal(err)
	}
	if v[0] != codecVersion {
		t.Fatalf("first byte %d, want codec version %d", v[0], codecVersion)
	}
	got, err := decodeNode(id, v)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, n) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, n)
	}
	if _, err := decodeNode(id, append([]byte{codecVersion + 1}, v[1:]...)); err == nil {
		t.Error("decodeNode accepted an unknown codec version")
	}
	if _, err := decodeNode(id, nil); err == nil {
		t.Error("decodeNode accepted an empty value")
	}
}
