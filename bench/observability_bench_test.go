package bench

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
)

// The cost of what an operator gets — Prometheus metrics, the access log (a JSON line per
// request, written to a real file the way kgql serve writes to standard error) and the
// slow-query check — on the cheapest request and on the ASMEX query, in-process on the built-in
// dataset, one request at a time:
//
//	go test ./bench -run XXX -bench Observability -count 5
//
// Configurations: bare (neither), metrics, log-unbuffered (a write per line), log (through
// graph.LogWriter), both (metrics and log: what kgql serve runs). BENCHMARKS.md
// ("Metrics and the access log: their cost") reports the ratios to bare, from one run.
func BenchmarkObservability(b *testing.B) {
	s := storetest.Open(b)
	if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
		b.Fatal(err)
	}
	for _, q := range obsQueries {
		for _, cfg := range obsConfigs {
			b.Run(q.name+"/"+cfg, func(b *testing.B) {
				serveLoop(b, obsHandler(b, s, cfg), body(q.query), nil)
			})
		}
	}
}

var (
	obsQueries = []struct{ name, query string }{
		{"typename", "{ __typename }"},
		{"asmex", graph.ExampleQuery},
	}
	obsConfigs = []string{"bare", "hooks", "metrics", "log-unbuffered", "log", "both"}
)

// BenchmarkObservabilityInterleaved serves the same requests through every configuration in
// turn, 100 requests each, over and over, and reports each configuration's time per request
// (ns/req-CONFIG) and its ratio to bare (ratio-CONFIG): the configurations share the machine's
// noise, which on a shared two-core machine is larger than the effect measured.
//
//	go test ./bench -run XXX -bench ObservabilityInterleaved -benchtime 200x
func BenchmarkObservabilityInterleaved(b *testing.B) {
	s := storetest.Open(b)
	if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
		b.Fatal(err)
	}
	const batch = 100
	for _, q := range obsQueries {
		b.Run(q.name, func(b *testing.B) {
			hs := make([]http.Handler, len(obsConfigs))
			for i, cfg := range obsConfigs {
				hs[i] = obsHandler(b, s, cfg)
			}
			spent, _ := interleave(b, hs, body(q.query), batch)
			n := float64(b.N * batch)
			for i, cfg := range obsConfigs {
				b.ReportMetric(float64(spent[i].Nanoseconds())/n, "ns/req-"+cfg)
				b.ReportMetric(float64(spent[i])/float64(spent[0]), "ratio-"+cfg)
			}
		})
	}
}

// obsHandler is the handler of one configuration.
func obsHandler(b *testing.B, s *store.Store, cfg string) http.Handler {
	b.Helper()
	opts := graph.Options{Store: s}
	if cfg == "hooks" { // the request and operation records, read by nobody
		opts.OnRequest = func(graph.Served) {}
		opts.OnOperation = func(context.Context, graph.OperationInfo) {}
	}
	if cfg == "metrics" || cfg == "both" {
		opts.Metrics = graph.NewMetrics(s, nil)
	}
	if strings.HasPrefix(cfg, "log") || cfg == "both" {
		f, err := os.Create(filepath.Join(b.TempDir(), "kgql.log"))
		if err != nil {
			b.Fatal(err)
		}
		every := graph.DefaultLogFlush
		if cfg == "log-unbuffered" {
			every = 0 // a write per line, as before the LogWriter
		}
		w := graph.NewLogWriter(f, every)
		b.Cleanup(func() { _ = w.Close(); _ = f.Close() })
		log := slog.New(graph.FlushAbove(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}), w, slog.LevelWarn))
		opts.OnRequest = graph.AccessLog(w, true, slog.LevelInfo)
		opts.OnOperation = graph.SlowQueryLog(log, 500*time.Millisecond)
		opts.Logger = log
	}
	return graph.NewHandler(opts)
}
