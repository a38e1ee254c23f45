package main

import (
	"flag"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/kgql/kgql/store"
)

// parseMem declares the memory flags on a new flag set and parses args.
func parseMem(t *testing.T, args ...string) (*memFlags, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	m := memoryFlags(fs)
	return m, fs.Parse(args)
}

func TestMemoryFlagsDefaults(t *testing.T) {
	unsetenv(t, "GOMEMLIMIT", "KGQL_MEMTABLE_MIB", "KGQL_MEMTABLES", "KGQL_BLOCK_CACHE_MIB", "KGQL_INDEX_CACHE_MIB", "KGQL_NODE_CACHE", "KGQL_MEM_LIMIT_MIB")
	m, err := parseMem(t)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := m.storeOptions("d", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Options{Dir: "d", MemTableSize: defaultMemtableMiB << 20, NumMemtables: defaultMemtables,
		BlockCacheSize: defaultBlockCacheMiB << 20, IndexCacheSize: defaultIndexCacheMiB << 20, NodeCache: defaultNodeCache}
	if opts != want {
		t.Errorf("defaults: %+v, want %+v", opts, want)
	}
	limit, from := m.memLimit(opts)
	derived := int64(defaultMemtables)*((defaultMemtableMiB<<20)+(defaultMemtableMiB<<20)*30/100) + defaultBlockCacheMiB<<20 + defaultIndexCacheMiB<<20 + defaultNodeCache*512 + memLimitHeadroomMiB<<20
	if from != "derived" || limit != derived {
		t.Errorf("default limit: %d (%s), want %d derived", limit, from, derived)
	}
}

func TestMemoryFlagsEnvAndFlags(t *testing.T) {
	unsetenv(t, "GOMEMLIMIT")
	t.Setenv("KGQL_MEMTABLE_MIB", "16")
	t.Setenv("KGQL_MEMTABLES", "3")
	t.Setenv("KGQL_BLOCK_CACHE_MIB", "32")
	t.Setenv("KGQL_INDEX_CACHE_MIB", "8")
	t.Setenv("KGQL_NODE_CACHE", "0")
	t.Setenv("KGQL_MEM_LIMIT_MIB", "200")
	m, err := parseMem(t, "-block-cache-mib", "48") // flags win over the environment
	if err != nil {
		t.Fatal(err)
	}
	opts, err := m.storeOptions("d", nil)
	if err != nil {
		t.Fatal(err)
	}
	if opts.MemTableSize != 16<<20 || opts.NumMemtables != 3 || opts.BlockCacheSize != 48<<20 || opts.IndexCacheSize != 8<<20 || opts.NodeCache != -1 {
		t.Errorf("env and flags: %+v", opts)
	}
	if limit, from := m.memLimit(opts); limit != 200<<20 || from != "flag" {
		t.Errorf("limit %d (%s), want 200 MiB from the flag's env", limit, from)
	}
	m, _ = parseMem(t, "-mem-limit-mib", "-1")
	if limit, from := m.memLimit(opts); limit != 0 || from != "none" {
		t.Errorf("-mem-limit-mib -1: %d (%s), want none", limit, from)
	}
	// GOMEMLIMIT wins over both: kgql leaves the runtime's limit alone.
	t.Setenv("GOMEMLIMIT", "1GiB")
	if limit, from := m.memLimit(opts); limit != 0 || from != "GOMEMLIMIT" {
		t.Errorf("with GOMEMLIMIT: %d (%s)", limit, from)
	}
}

func TestMemoryFlagsRefused(t *testing.T) {
	unsetenv(t, "KGQL_MEMTABLE_MIB", "KGQL_MEMTABLES", "KGQL_BLOCK_CACHE_MIB", "KGQL_INDEX_CACHE_MIB", "KGQL_NODE_CACHE", "KGQL_MEM_LIMIT_MIB")
	for _, args := range [][]string{
		{"-memtable-mib", "4"}, {"-memtables", "0"}, {"-block-cache-mib", "0"},
		{"-index-cache-mib", "-1"}, {"-node-cache", "-1"}, {"-mem-limit-mib", "-2"},
	} {
		m, err := parseMem(t, args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if _, err := m.storeOptions("d", nil); err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("%v: error %v, want one naming %s", args, err, args[0])
		}
	}
	if _, err := parseMem(t, "-memtables", "two"); err == nil {
		t.Errorf("-memtables two: parsed")
	}
	t.Setenv("KGQL_BLOCK_CACHE_MIB", "lots")
	m, _ := parseMem(t)
	if _, err := m.storeOptions("d", nil); err == nil || !strings.Contains(err.Error(), "KGQL_BLOCK_CACHE_MIB") {
		t.Errorf("KGQL_BLOCK_CACHE_MIB=lots: %v", err)
	}
}

// unsetenv removes environment variables for the test (restored by t.Setenv's cleanup).
func unsetenv(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		t.Setenv(n, "")
		if err := os.Unsetenv(n); err != nil {
			t.Fatal(err)
		}
	}
}
