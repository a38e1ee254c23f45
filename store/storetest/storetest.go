// Package storetest opens throwaway stores for tests.
package storetest

import (
	"testing"

	"github.com/kgql/kgql/store"
)

// Open opens a store on Badger in t.TempDir() and closes it when the test ends.
func Open(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(store.Options{Dir: t.TempDir()})
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
