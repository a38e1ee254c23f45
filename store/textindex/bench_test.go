package textindex

import (
	"bytes"
	"io/fs"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/gen"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
)

// Figures: run with go test ./store/textindex -run '^$' -bench . -benchtime 1x.

// benchData returns the built-in dataset or a generated graph of people people.
func benchData(b *testing.B, people int) []byte {
	if people == 0 {
		return seed.NDJSON
	}
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Options{Seed: 1, People: people}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// cpuTime returns the process's user and system CPU time so far: on a shared machine a fairer
// figure than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// dirSize returns the bytes of the files under dir.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// BenchmarkRebuild indexes a loaded store from a full scan (what Attach does for a new index).
func BenchmarkRebuild(b *testing.B) {
	for _, c := range []struct {
		name   string
		people int
	}{{"seed", 0}, {"gen10k", 10000}} {
		b.Run(c.name, func(b *testing.B) {
			data := benchData(b, c.people)
			s, err := store.Open(store.Options{Dir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if _, err := importer.ImportBytes(s, data, "bench"); err != nil {
				b.Fatal(err)
			}
			var docs uint64
			var size int64
			cpu0 := cpuTime()
			b.ResetTimer()
			for range b.N {
				dir := filepath.Join(b.TempDir(), "text.bleve")
				ix, err := Open(dir)
				if err != nil {
					b.Fatal(err)
				}
				if err := Attach(s, ix, nil); err != nil {
					b.Fatal(err)
				}
				docs, _ = ix.DocCount()
				if err := ix.Close(); err != nil {
					b.Fatal(err)
				}
				size = dirSize(dir)
			}
			b.ReportMetric(float64(docs)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(docs), "docs")
			b.ReportMetric(float64(size)/(1<<20), "MiB")
		})
	}
}

// BenchmarkLive imports into a store with the index attached and waits until the background
// indexer has caught up. "seed" and "gen10k" load an empty store (gen10k is a bulk load, which the
// index answers with a rebuild); "gen10k-upserts" loads into a store that holds the dataset, so
// every chunk of the import is a commit that the indexer takes from its queue.
func BenchmarkLive(b *testing.B) {
	for _, c := range []struct {
		name    string
		people  int
		nonBulk bool
	}{{"seed", 0, false}, {"gen10k", 10000, false}, {"gen10k-upserts", 10000, true}} {
		b.Run(c.name, func(b *testing.B) {
			data := benchData(b, c.people)
			var docs uint64
			var lag time.Duration
			cpu0 := cpuTime()
			b.ResetTimer()
			for range b.N {
				s, err := store.Open(store.Options{Dir: b.TempDir()})
				if err != nil {
					b.Fatal(err)
				}
				ix, err := Open(filepath.Join(b.TempDir(), "text.bleve"))
				if err != nil {
					b.Fatal(err)
				}
				if c.nonBulk {
					if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
						b.Fatal(err)
					}
				}
				if err := Attach(s, ix, nil); err != nil {
					b.Fatal(err)
				}
				if _, err := importer.ImportBytes(s, data, "bench"); err != nil {
					b.Fatal(err)
				}
				t := time.Now()
				if err := ix.WaitFor(s.Seq(), 5*time.Minute); err != nil {
					b.Fatal(err)
				}
				lag = time.Since(t)
				docs, _ = ix.DocCount()
				ix.Close()
				s.Close()
			}
			b.ReportMetric(float64(docs)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
			b.ReportMetric(lag.Seconds(), "s-after-import")
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// BenchmarkImportOnly is BenchmarkLive/gen10k… without the index: what the index adds to an import.
func BenchmarkImportOnly(b *testing.B) {
	data := benchData(b, 10000)
	for _, nonBulk := range []bool{false, true} {
		name := "gen10k"
		if nonBulk {
			name = "gen10k-upserts"
		}
		b.Run(name, func(b *testing.B) {
			cpu0 := cpuTime()
			b.ResetTimer()
			for range b.N {
				s, err := store.Open(store.Options{Dir: b.TempDir()})
				if err != nil {
					b.Fatal(err)
				}
				if nonBulk {
					if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := importer.ImportBytes(s, data, "bench"); err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// BenchmarkSearch measures one search with snippets on a generated graph of 10k people.
func BenchmarkSearch(b *testing.B) {
	s, err := store.Open(store.Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := importer.ImportBytes(s, benchData(b, 10000), "bench"); err != nil {
		b.Fatal(err)
	}
	ix, err := Open("")
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	if err := Attach(s, ix, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := ix.Search("exportations régionales", nil, 20); err != nil {
			b.Fatal(err)
		}
	}
}
