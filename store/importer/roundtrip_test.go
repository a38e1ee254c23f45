package importer_test

import (
	"bytes"
	"testing"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
)

// exportOf exports s and fails the test on error.
func exportOf(t *testing.T, s *store.Store) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := importer.Export(s, &b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// checkClean runs the integrity check and fails on any violation.
func checkClean(t *testing.T, s *store.Store) {
	t.Helper()
	n, err := s.Check(20, func(v store.Violation) { t.Errorf("violation: %s", v) })
	if err != nil || n != 0 {
		t.Fatalf("check: %d violations, err %v", n, err)
	}
}

func TestExportImportExportIsByteIdentical(t *testing.T) {
	a := storetest.Open(t)
	if _, err := importer.ImportBytes(a, seed.NDJSON, "seed"); err != nil {
		t.Fatal(err)
	}
	checkClean(t, a)
	first := exportOf(t, a)
	if n := bytes.Count(first, []byte("\n")); n != bytes.Count(bytes.TrimSpace(seed.NDJSON), []byte("\n"))+1 {
		t.Fatalf("export has %d lines", n)
	}
	b := storetest.Open(t)
	if _, err := importer.ImportBytes(b, first, "export"); err != nil {
		t.Fatal(err)
	}
	checkClean(t, b)
	if second := exportOf(t, b); !bytes.Equal(first, second) {
		t.Fatalf("export → import → export differs:\n%s\n---\n%s", first, second)
	}
}
