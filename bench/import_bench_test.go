package bench

// Bulk import against raw Badger. Unlike the query benchmarks, these need no prepared store: they
// generate their own graph in memory with store/gen (seed 1) and import it into a fresh store in
// a temporary directory, exactly as `kgql import` does into an empty store.
//
//	go test ./bench -run XXX -bench 'Import|RawWriteBatch' -benchtime 1x -count 3
//
// The graph's size is $KGQL_BENCH_IMPORT_PEOPLE people (default 20000: about 117,000 records and
// 1.2 million Badger keys, a few seconds per import; 300000 is the M graph of BENCHMARKS.md).
//
// BenchmarkImport reports records/s and keys/s (Badger keys written: records, indexes, both
// directions of every edge, counts). BenchmarkRawWriteBatch writes the same number of keys, with
// the same total key and value bytes, through one Badger WriteBatch, with the Badger options a
// kgql store is opened with, and reports keys/s: the reference of the target "bulk import ≥
// 0.7 × raw WriteBatch keys/s". Both time the write and the close of the database (which flushes
// what is still in memory), not its open.

import (
	"bytes"
	"encoding/binary"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/gen"
	"github.com/kgql/kgql/store/importer"
)

// importInput is the generated graph, made once per process.
var importInput = sync.OnceValues(func() ([]byte, error) {
	people := 20000
	if v := os.Getenv("KGQL_BENCH_IMPORT_PEOPLE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, &strconv.NumError{Func: "KGQL_BENCH_IMPORT_PEOPLE", Num: v, Err: strconv.ErrSyntax}
		}
		people = n
	}
	var buf bytes.Buffer
	_, err := gen.Write(&buf, gen.Options{Seed: 1, People: people})
	return buf.Bytes(), err
})

// lastImport is what the last import of importInput wrote (RawWriteBatch mirrors it).
var lastImport struct {
	sync.Mutex
	written store.WriteStats
}

// importOnce imports the generated graph into a fresh store in dir and returns the result. Only
// the import and the close are timed.
func importOnce(b *testing.B, dir string) *importer.Result {
	b.Helper()
	in, err := importInput()
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	s, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	res, err := importer.Import(s, bytes.NewReader(in), "gen")
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if res.Created != res.Records {
		b.Fatalf("%d records created of %d: not a bulk load into an empty store", res.Created, res.Records)
	}
	lastImport.Lock()
	lastImport.written = res.Written
	lastImport.Unlock()
	return res
}

func BenchmarkImport(b *testing.B) {
	var records, keys int
	for b.Loop() {
		res := importOnce(b, b.TempDir())
		records += res.Records
		keys += res.Written.Keys
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(keys)/b.Elapsed().Seconds(), "keys/s")
}

func BenchmarkRawWriteBatch(b *testing.B) {
	lastImport.Lock()
	w := lastImport.written
	lastImport.Unlock()
	if w.Keys == 0 { // run alone: learn the key count and sizes from one (untimed) import
		b.StopTimer()
		importOnce(b, b.TempDir())
		lastImport.Lock()
		w = lastImport.written
		lastImport.Unlock()
		b.StartTimer()
	}
	// The options of a kgql store (opened once, empty, for them).
	s, err := store.Open(store.Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	opts := s.BadgerOptions()
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d keys, %d key bytes, %d value bytes", w.Keys, w.KeyBytes, w.ValueBytes)
	runs := 0
	for b.Loop() {
		rawWriteBatch(b, opts, b.TempDir(), w)
		runs++
	}
	b.ReportMetric(float64(w.Keys*runs)/b.Elapsed().Seconds(), "keys/s")
}

// rawWriteBatch writes w.Keys keys through one WriteBatch into a new Badger database in dir: keys
// of the same total size in an order that is not sorted (like an import's mix of records, edges
// and indexes), values of the same total size.
func rawWriteBatch(b *testing.B, opts badger.Options, dir string, w store.WriteStats) {
	b.StopTimer()
	opts.Dir, opts.ValueDir = dir, dir
	db, err := badger.Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	n := int64(w.Keys)
	keyLen, keyRest := max(w.KeyBytes/n, 8), w.KeyBytes%n
	if w.KeyBytes/n < 8 {
		keyRest = 0
	}
	valLen, valRest := w.ValueBytes/n, w.ValueBytes%n
	key := make([]byte, keyLen+1)
	val := make([]byte, valLen+1)
	for i := range val {
		val[i] = byte(i)
	}
	b.StartTimer()
	wb := db.NewWriteBatch()
	for i := range n {
		// A bijection of i (odd multiplier modulo 2⁶⁴): unique keys in scattered order.
		binary.BigEndian.PutUint64(key, uint64(i)*0x9e3779b97f4a7c15)
		k, v := key[:keyLen], val[:valLen]
		if i < keyRest {
			k = key[:keyLen+1]
		}
		if i < valRest {
			v = val[:valLen+1]
		}
		if err := wb.Set(bytes.Clone(k), v); err != nil {
			b.Fatal(err)
		}
	}
	if err := wb.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
}
