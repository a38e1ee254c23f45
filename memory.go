package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"

	"github.com/kgql/kgql/store"
)

// Memory settings of `kgql serve`. The defaults were measured on the 1M-node store under load
// (BENCHMARKS.md, "Start and memory"): they keep the Go heap (RssAnon) near 100 MiB there, with
// the throughput of Badger's defaults (64 MiB memtables × 5, a 256 MiB block cache, no limit).
// 32 MiB memtables are the smallest that take a full 1 MiB importRecords in one transaction.
const (
	defaultMemtableMiB   = 32
	defaultMemtables     = 2
	defaultBlockCacheMiB = 32
	defaultIndexCacheMiB = 0
	defaultNodeCache     = 20000
	// memLimitHeadroomMiB is what the derived memory limit allows above the store's share
	// (store.Options.Memory) for requests in flight, the full-text index's searches and the Go
	// runtime. The limit is what bounds the garbage the heap may carry: at 1M nodes under load,
	// RssAnon was 263 MiB with a 324 MiB limit (64 MiB block cache, 100,000 records, 128 MiB here)
	// and 107 MiB with a 160 MiB one, at the same throughput.
	memLimitHeadroomMiB = 32
)

// memFlags are the memory flags of `kgql serve`, each with its KGQL_* environment fallback.
type memFlags struct {
	memtableMiB, memtables, blockCacheMiB, indexCacheMiB, nodeCache, memLimitMiB *int
	envErr                                                                       error // a KGQL_* variable that is not a number
}

// memoryFlags declares the memory flags on fs.
func memoryFlags(fs *flag.FlagSet) *memFlags {
	m := &memFlags{}
	intFlag := func(name, envName string, def int, usage string) *int {
		if v, ok := os.LookupEnv(envName); ok {
			n, err := strconv.Atoi(v)
			if err != nil && m.envErr == nil {
				m.envErr = fmt.Errorf("%s=%q: not a whole number", envName, v)
			}
			def = n
		}
		return fs.Int(name, def, usage+" (env "+envName+")")
	}
	m.memtableMiB = intFlag("memtable-mib", "KGQL_MEMTABLE_MIB", defaultMemtableMiB,
		"size of one Badger memtable in MiB (at least 8; one write may use 15% of it)")
	m.memtables = intFlag("memtables", "KGQL_MEMTABLES", defaultMemtables,
		"number of Badger memtables kept in memory (writing and waiting to be flushed)")
	m.blockCacheMiB = intFlag("block-cache-mib", "KGQL_BLOCK_CACHE_MIB", defaultBlockCacheMiB,
		"Badger's cache of decompressed table blocks in MiB (at least 1)")
	m.indexCacheMiB = intFlag("index-cache-mib", "KGQL_INDEX_CACHE_MIB", defaultIndexCacheMiB,
		"Badger's cache of table indexes and Bloom filters in MiB; 0 reads them from the memory-mapped tables")
	m.nodeCache = intFlag("node-cache", "KGQL_NODE_CACHE", defaultNodeCache,
		"decoded records kept by the store's read cache (about 0.5 KiB each); 0 turns it off")
	m.memLimitMiB = intFlag("mem-limit-mib", "KGQL_MEM_LIMIT_MIB", 0,
		"Go soft memory limit in MiB; 0 derives it from the settings above, -1 sets none; GOMEMLIMIT wins")
	return m
}

// storeOptions checks the memory flags and returns the store's options.
func (m *memFlags) storeOptions(dir string, log *slog.Logger) (store.Options, error) {
	if m.envErr != nil {
		return store.Options{}, m.envErr
	}
	switch {
	case *m.memtableMiB < 8:
		return store.Options{}, fmt.Errorf("-memtable-mib %d: at least 8", *m.memtableMiB)
	case *m.memtables < 1:
		return store.Options{}, fmt.Errorf("-memtables %d: at least 1", *m.memtables)
	case *m.blockCacheMiB < 1:
		return store.Options{}, fmt.Errorf("-block-cache-mib %d: at least 1", *m.blockCacheMiB)
	case *m.indexCacheMiB < 0:
		return store.Options{}, fmt.Errorf("-index-cache-mib %d: 0 or more", *m.indexCacheMiB)
	case *m.nodeCache < 0:
		return store.Options{}, fmt.Errorf("-node-cache %d: 0 or more", *m.nodeCache)
	case *m.memLimitMiB < -1:
		return store.Options{}, fmt.Errorf("-mem-limit-mib %d: -1, 0 or a size", *m.memLimitMiB)
	}
	return store.Options{
		Dir:            dir,
		Logger:         log,
		MemTableSize:   int64(*m.memtableMiB) << 20,
		NumMemtables:   *m.memtables,
		BlockCacheSize: int64(*m.blockCacheMiB) << 20,
		IndexCacheSize: int64(*m.indexCacheMiB) << 20,
		NodeCache:      nodeCache(*m.nodeCache),
	}, nil
}

// nodeCache maps the -node-cache flag (0: off) to store.Options.NodeCache (negative: off).
func nodeCache(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// memLimit returns the Go soft memory limit to set, in bytes (0: none), and where it comes from:
// "GOMEMLIMIT" (the runtime already applied it; kgql leaves it alone), "flag" or "derived"
// (Badger's share, opts.Memory, plus memLimitHeadroomMiB).
func (m *memFlags) memLimit(opts store.Options) (int64, string) {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		return 0, "GOMEMLIMIT"
	}
	switch n := *m.memLimitMiB; {
	case n < 0:
		return 0, "none"
	case n > 0:
		return int64(n) << 20, "flag"
	}
	return opts.Memory() + memLimitHeadroomMiB<<20, "derived"
}

// applyLimit sets the memory limit memLimit chose and returns the limit in force and its origin.
func (m *memFlags) applyLimit(opts store.Options) (int64, string) {
	limit, from := m.memLimit(opts)
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	cur := debug.SetMemoryLimit(-1) // reads the limit in force
	if cur == int64(^uint64(0)>>1) {
		return 0, from
	}
	return cur, from
}
