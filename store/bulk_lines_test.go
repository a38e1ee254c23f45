package store_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/gen"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/storetest"
)

// bulkInput is a generated file large enough to be bulk loaded.
func bulkInput(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Options{Seed: 3, People: 300}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func exportOf(t *testing.T, s *store.Store) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := importer.Export(s, &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Records made of several lines far apart in the file (a keyed record patched later, a keyless
// position given twice by its natural identity, a reference to a record defined further on) are
// bulk loaded as the transactional path writes them.
func TestStreamedImportRecordOfNonAdjacentLines(t *testing.T) {
	in := bulkInput(t)
	first, _, _ := bytes.Cut(in, []byte("\n"))
	extra := `{"type":"Person","key":"p-1","description":"described later","aliases":["Later"]}
{"type":"Position","person":"p-2","organization":"org-1","title":"Envoy","citations":[{"source":"src-0"}]}
{"type":"Person","key":"p-3","aliases":["Third"]}
{"type":"Position","person":"p-2","organization":"org-1","title":"ENVOY","endDate":"2024-01-01"}
{"type":"Person","key":"p-1","description":"described at the end"}
`
	lines := bytes.Split(bytes.TrimSuffix(in, []byte("\n")), []byte("\n"))
	// A person defined after a line that refers to it, and after its own patch.
	mid := len(lines) / 2
	var b bytes.Buffer
	for i, l := range lines {
		b.Write(l)
		b.WriteByte('\n')
		if i == mid {
			b.WriteString(`{"type":"Position","person":"fwd","organization":"org-1","title":"Forward","citations":[{"source":"src-0"}]}` + "\n")
			b.WriteString(`{"type":"Person","key":"fwd","aliases":["Fwd"]}` + "\n")
		}
	}
	b.WriteString(extra)
	b.WriteString(`{"type":"Person","key":"fwd","name":"Forward Person","citations":[{"source":"src-0"}]}` + "\n")
	all := b.Bytes()

	bulk := storetest.Open(t)
	res, err := importer.ImportBytes(bulk, all, "f")
	if err != nil {
		t.Fatal(err)
	}
	txs := storetest.Open(t)
	if _, err := importer.ImportBytes(txs, first, "first"); err != nil {
		t.Fatal(err)
	}
	res2, err := importer.ImportBytes(txs, all, "f")
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != res2.Created+1 {
		t.Errorf("bulk created %d, transactions %d (+1 before)", res.Created, res2.Created)
	}
	a, _, err := bulk.ContentsForTest()
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := txs.ContentsForTest()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range a {
		if w, ok := c[k]; !ok || v != w {
			t.Errorf("%q: bulk %q, transactions %q (%v)", k, v, w, ok)
		}
	}
	for k := range c {
		if _, ok := a[k]; !ok {
			t.Errorf("transactions only: %q", k)
		}
	}
	ex := exportOf(t, bulk)
	for _, want := range []string{`"described at the end"`, `"Later"`, `"Third"`, `"Fwd"`, `"Forward Person"`, `"2024-01-01"`} {
		if !strings.Contains(ex, want) {
			t.Errorf("the export lacks %s", want)
		}
	}
	if n := strings.Count(ex, `"title":"ENVOY"`) + strings.Count(ex, `"title":"Envoy"`); n != 1 {
		t.Errorf("%d positions Envoy, want 1 (one natural identity)", n)
	}
	if n, err := bulk.Check(10, func(v store.Violation) { t.Error(v) }); err != nil || n != 0 {
		t.Fatalf("check: %d violations, %v", n, err)
	}
}
