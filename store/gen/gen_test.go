package gen_test

import (
	"bytes"
	"testing"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/gen"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/storetest"
)

func TestGeneratedGraphImportsCleanlyAndIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	st, err := gen.Write(&a, gen.Options{Seed: 7, People: 300})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gen.Write(&b, gen.Options{Seed: 7, People: 300}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("same options gave different graphs")
	}
	s := storetest.Open(t)
	res, err := importer.ImportBytes(s, a.Bytes(), "gen")
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != st.Records-res.Unchanged-res.Updated || res.Records != st.Records {
		t.Fatalf("import %+v vs generated %+v", res, st)
	}
	if n, _ := s.CountKind(store.KindPerson); n != 300 {
		t.Fatalf("people = %d", n)
	}
	if v, err := s.Check(10, func(v store.Violation) { t.Error(v) }); v != 0 || err != nil {
		t.Fatalf("check: %d, %v", v, err)
	}
	// Export → import → export is byte-identical on a generated graph too.
	var e1, e2 bytes.Buffer
	if _, err := importer.Export(s, &e1); err != nil {
		t.Fatal(err)
	}
	s2 := storetest.Open(t)
	if _, err := importer.ImportBytes(s2, e1.Bytes(), "export"); err != nil {
		t.Fatal(err)
	}
	if _, err := importer.Export(s2, &e2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(e1.Bytes(), e2.Bytes()) {
		t.Fatal("export → import → export differs on a generated graph")
	}
}
