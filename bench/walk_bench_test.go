package bench

import (
	"context"
	"os"
	"testing"

	"github.com/kgql/kgql/store"
)

// BenchmarkStoreShortestPath4Hop is the walk of run.sh's path4 workload without the GraphQL
// layer and without the text index: store.ShortestPaths between the two people bench/run.sh
// uses (KGQL_BENCH_PATH_FROM, KGQL_BENCH_PATH_TO; default p-7919 and p-4791, four edges apart in store M), maxDepth 4,
// default labels, first 1, default limits.
func BenchmarkStoreShortestPath4Hop(b *testing.B) {
	s := openStore(b)
	from, to := os.Getenv("KGQL_BENCH_PATH_FROM"), os.Getenv("KGQL_BENCH_PATH_TO")
	if from == "" {
		from, to = "p-7919", "p-4791"
	}
	ends, err := s.ResolveRefs([]string{from, to})
	if err != nil || ends[0].IsZero() || ends[1].IsZero() {
		b.Fatalf("resolve %s, %s: %v %v", from, to, ends, err)
	}
	q := store.PathQuery{From: ends[0], To: ends[1], MaxDepth: 4, Labels: store.DefaultLabels, First: 1}
	ps, err := s.ShortestPaths(context.Background(), q)
	if err != nil || len(ps) != 1 {
		b.Fatalf("%s → %s: %v %v", from, to, ps, err)
	}
	b.Logf("%s → %s: length %d", from, to, len(ps[0].Edges))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.ShortestPaths(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	}
}
