package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kgql/kgql/graph"
)

// The load harness's workloads (bench/run.sh), in-process: the same queries, from bench/queries
// and graph.ExampleQuery, through graph.NewHandler against the store in $KGQL_BENCH_DATA, one
// request at a time, for allocations and bytes per request:
//
//	KGQL_BENCH_DATA=/tmp/kgql-bench-S KGQL_BENCH_PATH_FROM=p-1919 KGQL_BENCH_PATH_TO=p-2791 \
//	    go test ./bench -run XXX -bench Handler -benchmem
//
// The path workload needs KGQL_BENCH_PATH_FROM and KGQL_BENCH_PATH_TO (two people 4 hops apart;
// run.sh sets them per store size). The 90/10 mix writes people into the store, so it runs only
// with KGQL_BENCH_WRITES=1 (run.sh sets it: it benchmarks a copy of the store).
//
// Each request is built from a prepared body and answered into a reusable writer that keeps no
// body, so the figures are the handler's plus a request's construction (the `typename` row is
// that floor).
func BenchmarkHandler(b *testing.B) {
	f := open(b)
	for _, name := range []string{"typename", "point", "hop1", "hop2", "asmex", "namesearch", "fulltext", "page", "path4", "mix"} {
		b.Run(name, func(b *testing.B) {
			switch name {
			case "fulltext":
				if os.Getenv("KGQL_TEXT_INDEX") == "false" {
					b.Skip("KGQL_TEXT_INDEX=false: no full-text index")
				}
				fallthrough
			default:
				q := graph.ExampleQuery
				if name != "asmex" {
					q = query(b, name)
				}
				check(b, f, q)
				serveLoop(b, f.h, body(q), nil)
			case "path4":
				from, to := os.Getenv("KGQL_BENCH_PATH_FROM"), os.Getenv("KGQL_BENCH_PATH_TO")
				if from == "" || to == "" {
					b.Skip("set KGQL_BENCH_PATH_FROM and KGQL_BENCH_PATH_TO to two people 4 hops apart")
				}
				q := strings.NewReplacer("__FROM__", from, "__TO__", to).Replace(query(b, "path4"))
				if d := f.do(b, q); !strings.Contains(fmt.Sprint(d), "length:4") {
					b.Fatalf("%s → %s is not a 4-hop path: %v", from, to, d)
				}
				serveLoop(b, f.h, body(q), nil)
			case "mix":
				if os.Getenv("KGQL_BENCH_WRITES") != "1" {
					b.Skip("the 90/10 mix writes into the store: set KGQL_BENCH_WRITES=1 on a copy")
				}
				read, write := query(b, "point"), query(b, "write")
				prefix := fmt.Sprintf("alloc-%d-", time.Now().UnixNano())
				check(b, f, read)
				check(b, f, strings.ReplaceAll(write, "__N__", prefix+"check"))
				serveLoop(b, f.h, body(read), func(i int) []byte {
					return body(strings.ReplaceAll(write, "__N__", prefix+fmt.Sprint(i)))
				})
			}
		})
	}
}

// query reads bench/queries/NAME.graphql.
func query(b *testing.B, name string) string {
	q, err := os.ReadFile("queries/" + name + ".graphql")
	if err != nil {
		b.Fatal(err)
	}
	return string(q)
}

func body(q string) []byte {
	p, _ := json.Marshal(map[string]string{"query": q})
	return p
}

// check fails the benchmark unless the query answers data without errors, with no null field at
// the root.
func check(b *testing.B, f *fixture, q string) {
	b.Helper()
	for k, v := range f.do(b, q) {
		if v == nil {
			b.Fatalf("%s is null for %s", k, q)
		}
	}
}

// serveLoop serves p b.N times; with write, every tenth request serves write(i) instead (all
// built before the timer starts).
func serveLoop(b *testing.B, h http.Handler, p []byte, write func(i int) []byte) {
	var writes [][]byte
	if write != nil {
		for i := range b.N / 10 {
			writes = append(writes, write(i))
		}
	}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		rp := p
		if write != nil && i%10 == 9 {
			rp = writes[i/10]
		}
		req, _ := http.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(rp))
		req.Header.Set("Content-Type", "application/json")
		clear(w.h)
		w.status = 0
		h.ServeHTTP(w, req)
		if w.status != 0 && w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}

// discardWriter is an http.ResponseWriter that keeps the status and drops the body.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
