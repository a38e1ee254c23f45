// Package storetest opens throwaway stores for tests.
package storetest

import (
	"testing"

	"github.com/kgql/kgql/store"
)

// Open opens a store on Badger in t.TempDir() and closes it when the test ends.
func Open(t testing.TB) *store.Store {
	t.Helper()
	return OpenWith(t, store.Options{})
}

// OpenWith is Open with options; Dir is set to t.TempDir().
func OpenWith(t testing.TB, opts store.Options) *store.Store {
	t.Helper()
	opts.Dir = t.TempDir()
	s, err := store.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}
