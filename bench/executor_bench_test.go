package bench

import (
	"bytes"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/store/gen"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
)

// The executor's tuning (graph/executor.go) against gqlgen's executor as generated
// (graph.Options.StockExecutor), in process, interleaved: one handler of each over the same
// store (the built-in dataset plus a generated graph of 3,000 people, the one bench/queries
// names), 100 requests through each in turn, each round starting with the other, so that both
// see the same machine noise:
//
//	taskset -c 1 go test ./bench -run XXX -bench ExecutorInterleaved -benchtime 300x -cpu 1
//
// It reports, per workload, ns and allocations per request of each, and the tuned/stock ratio.
// KGQL_EXECUTOR=planned (or tuned, or stock) runs that one alone, for a CPU profile of it.
// "planned" is the default handler: the compiled read path (graph/plan.go), with the tuned
// executor behind it; "tuned" is the tuned executor alone (graph.Options.NoPlans).
func BenchmarkExecutorInterleaved(b *testing.B) {
	s := storetest.Open(b)
	if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Options{Seed: 1, People: 3000}); err != nil {
		b.Fatal(err)
	}
	if _, err := importer.ImportBytes(s, buf.Bytes(), "gen"); err != nil {
		b.Fatal(err)
	}
	hs := []http.Handler{
		graph.NewHandler(graph.Options{Store: s, StockExecutor: true}),
		graph.NewHandler(graph.Options{Store: s, NoPlans: true}),
		graph.NewHandler(graph.Options{Store: s}),
	}
	names := []string{"stock", "tuned", "planned"}
	switch os.Getenv("KGQL_EXECUTOR") {
	case "stock":
		hs, names = hs[:1], names[:1]
	case "tuned":
		hs, names = hs[1:2], names[1:2]
	case "planned":
		hs, names = hs[2:], names[2:]
	}
	const batch = 100
	for _, w := range []string{"typename", "point", "hop1", "hop2", "asmex"} {
		b.Run(w, func(b *testing.B) {
			q := graph.ExampleQuery
			if w != "asmex" {
				q = query(b, w)
			}
			p := body(q)
			for _, h := range hs { // both answer, without errors
				req, _ := http.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(p))
				req.Header.Set("Content-Type", "application/json")
				rec := &recordWriter{h: http.Header{}}
				h.ServeHTTP(rec, req)
				if rec.status != 0 && rec.status != 200 || strings.Contains(rec.body.String(), `"errors"`) || !strings.Contains(rec.body.String(), `"data"`) {
					b.Fatalf("%s: %d %s", w, rec.status, rec.body.String())
				}
			}
			spent, allocs := interleave(b, hs, p, batch)
			n := float64(b.N * batch)
			for i, name := range names {
				b.ReportMetric(float64(spent[i].Nanoseconds())/n, "ns/req-"+name)
				b.ReportMetric(float64(allocs[i])/n, "allocs/req-"+name)
			}
			if len(hs) == 3 {
				b.ReportMetric(float64(spent[1])/float64(spent[0]), "ratio-tuned/stock")
				b.ReportMetric(float64(spent[2])/float64(spent[0]), "ratio-planned/stock")
			}
		})
	}
}

// interleave runs b.N rounds of batch requests with body p through each handler in turn, each
// round starting with the next handler, so that all see the same machine noise; it returns the
// time and the allocations each spent.
func interleave(b *testing.B, hs []http.Handler, p []byte, batch int) ([]time.Duration, []uint64) {
	out := &discardWriter{h: http.Header{}}
	spent := make([]time.Duration, len(hs))
	allocs := make([]uint64, len(hs))
	var ms runtime.MemStats
	b.ResetTimer()
	for round := range b.N {
		for j := range hs {
			i := (j + round) % len(hs)
			runtime.ReadMemStats(&ms)
			m0 := ms.Mallocs
			start := time.Now()
			for range batch {
				req, _ := http.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(p))
				req.Header.Set("Content-Type", "application/json")
				clear(out.h)
				out.status = 0
				hs[i].ServeHTTP(out, req)
			}
			spent[i] += time.Since(start)
			runtime.ReadMemStats(&ms)
			allocs[i] += ms.Mallocs - m0
		}
	}
	return spent, allocs
}

// recordWriter keeps a response, for the check before measuring.
type recordWriter struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (w *recordWriter) Header() http.Header         { return w.h }
func (w *recordWriter) Write(p []byte) (int, error) { return w.body.Write(p) }
func (w *recordWriter) WriteHeader(s int)           { w.status = s }
