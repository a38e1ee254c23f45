package importer

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/gen"
)

// TestLineIdentityIsTheMergedNodes: the identity resolve computes from a line is what
// store.Node.Identity returns for a new node merged from that line (the bulk load writes it as
// the record's identity key), over a generated graph and lines with long, accented or cleared
// fields.
func TestLineIdentityIsTheMergedNodes(t *testing.T) {
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Options{Seed: 3, People: 300}); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("Une déclaration très longue. ", 40)
	buf.WriteString(`{"type":"Person","key":"p-x","name":"X","citations":[{"source":"s-x"}]}` + "\n")
	buf.WriteString(`{"type":"Source","key":"s-x","title":"S"}` + "\n")
	buf.WriteString(`{"type":"Statement","speaker":"p-x","text":"` + long + `","language":"fr","citations":[{"source":"s-x"}]}` + "\n")
	buf.WriteString(`{"type":"Statement","speaker":"p-x","event":"","text":"court","language":"fr","citations":[{"source":"s-x"}]}` + "\n")
	buf.WriteString(`{"type":"Position","person":"p-x","organization":"p-x","title":"Présidente ÉLUE ` + long + `","citations":[{"source":"s-x"}]}` + "\n")
	buf.WriteString(`{"type":"Position","person":"p-x","organization":"p-x","title":"Ｐrésidente","region":"","citations":[{"source":"s-x"}]}` + "\n")
	buf.WriteString(`{"type":"Participation","person":"p-x","event":"p-x","role":"Orateur Invité","citations":[{"source":"s-x"}]}` + "\n")
	recs, err := Parse(&buf, "gen")
	if err != nil {
		t.Fatal(err)
	}
	refs := map[string]store.ID{}
	for i, r := range recs {
		if r.key != "" {
			refs[r.key] = store.ID{Kind: r.kind, Seq: uint64(i + 1)}
		}
	}
	n := 0
	for _, r := range recs {
		probe := &store.Node{Kind: r.kind}
		merge(probe, r, refs)
		wantNS, want := probe.Identity()
		ns, got := lineIdentity(r, refs)
		if ns != wantNS || got != want {
			t.Fatalf("line %d: lineIdentity = %q %q, Node.Identity = %q %q", r.line, ns, got, wantNS, want)
		}
		if ns != "" {
			n++
		}
	}
	if n < 100 {
		t.Fatalf("only %d records with an identity", n)
	}
}
