package gen_test

import (
	"bytes"
	"testing"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/gen"
	"github.com/kgql/kgql/store/importer"
)

// BenchmarkImport imports a generated graph of 10k people into a fresh store per iteration and
// reports records/s.
func BenchmarkImport(b *testing.B) {
	var buf bytes.Buffer
	st, err := gen.Write(&buf, gen.Options{Seed: 1, People: 10000})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		s, err := store.Open(store.Options{Dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := importer.ImportBytes(s, buf.Bytes(), "gen"); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	b.ReportMetric(float64(st.Records*b.N)/b.Elapsed().Seconds(), "records/s")
}
