package store_test

import (
	"bytes"
	"testing"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/gen"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/storetest"
)

// A bulk load (an import into an empty store) writes exactly the keys and values that the
// transactional path (an import into a store that is not empty) writes for the same records, and
// counts them.
func TestBulkLoadWritesWhatTransactionsWrite(t *testing.T) {
	var buf bytes.Buffer
	st, err := gen.Write(&buf, gen.Options{Seed: 7, People: 300})
	if err != nil {
		t.Fatal(err)
	}
	in := buf.Bytes()
	first, _, _ := bytes.Cut(in, []byte("\n")) // the first source

	bulk := storetest.Open(t)
	res, err := importer.ImportBytes(bulk, in, "gen")
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != st.Records || res.Created != st.Records {
		t.Fatalf("bulk: %d records, %d created; the file has %d", res.Records, res.Created, st.Records)
	}

	txs := storetest.Open(t)
	if _, err := importer.ImportBytes(txs, first, "first"); err != nil {
		t.Fatal(err)
	}
	res2, err := importer.ImportBytes(txs, in, "gen")
	if err != nil {
		t.Fatal(err)
	}
	if res2.Created != st.Records-1 || res2.Unchanged != 1 {
		t.Fatalf("transactions: %+v", res2)
	}

	a, aStats, err := bulk.ContentsForTest()
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := txs.ContentsForTest()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range a {
		if w, ok := b[k]; !ok {
			t.Errorf("bulk only: %q", k)
		} else if v != w {
			t.Errorf("%q: bulk %q, transactions %q", k, v, w)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			t.Errorf("transactions only: %q", k)
		}
	}
	// Written counts every key but the bulk load's own "seq" metadata key (m seq, 8-byte value).
	want := aStats.Add(store.WriteStats{Keys: 1, KeyBytes: 4, ValueBytes: 8})
	if res.Written != want {
		t.Errorf("bulk load counted %+v, the store holds %+v", res.Written, want)
	}
	if res2.Written.Keys < len(b) {
		t.Errorf("transactions counted %d keys, the store holds %d", res2.Written.Keys, len(b))
	}
	for name, s := range map[string]*store.Store{"bulk": bulk, "transactions": txs} {
		if n, err := s.Check(10, func(v store.Violation) { t.Errorf("%s: %s", name, v) }); err != nil || n != 0 {
			t.Fatalf("%s: check: %d violations, %v", name, n, err)
		}
	}
}
