package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/storetest"
)

// The read cache must never answer with a record older than the last acknowledged write: after
// every kind of write (update, link change, delete, restore) each read path sees the new state,
// also with a cache so small that records move between its generations all the time.
func TestCacheSeesEveryWrite(t *testing.T) {
	for _, size := range []int{0, 3, -1} {
		t.Run(fmt.Sprintf("size %d", size), func(t *testing.T) {
			s := storetest.OpenWith(t, store.Options{NodeCache: size})
			org := create(t, s, &store.Node{Kind: store.KindOrganization, Key: "asmex", Name: "ASMEX"})
			var people []store.ID
			for i := range 8 {
				people = append(people, create(t, s, &store.Node{Kind: store.KindPerson, Key: fmt.Sprintf("p%d", i), Name: fmt.Sprintf("Person %d", i)}))
			}
			pos := create(t, s, &store.Node{Kind: store.KindPosition, Title: "Président",
				Links: map[store.Rel][]store.ID{store.RelPerson: {people[0]}, store.RelOrganization: {org}}})
			members := store.AdjQuery{ID: org, Rel: store.RelOrganization, Kind: store.KindPosition}
			read := func() (getName, keyName, manyName, adjTitle string) {
				t.Helper()
				getName = get(t, s, people[0]).Name
				n, err := s.GetByKey("p0")
				if err != nil {
					t.Fatal(err)
				}
				keyName = n.Name
				m, err := s.GetMany(people)
				if err != nil {
					t.Fatal(err)
				}
				manyName = m[people[0]].Name
				// The query engine's reads (Tx.GetOrNil in a read transaction) go through the cache too.
				if err := s.Read(func(tx *store.Tx) error {
					n, err := tx.GetOrNil(people[0])
					if err == nil && n.Name != manyName {
						t.Errorf("Tx.GetOrNil = %q, GetMany = %q", n.Name, manyName)
					}
					return err
				}); err != nil {
					t.Fatal(err)
				}
				page, err := s.AdjacentNodes([]store.AdjQuery{members})
				if err != nil {
					t.Fatal(err)
				}
				if len(page[members].Nodes) == 1 {
					adjTitle = page[members].Nodes[0].Title
				}
				return
			}
			for round := range 3 {
				read() // fills the cache
				name, title := fmt.Sprintf("Renamed %d", round), fmt.Sprintf("Title %d", round)
				p := get(t, s, people[0])
				put(t, s, &store.Node{ID: p.ID, Kind: p.Kind, Key: p.Key, Name: name})
				ps := get(t, s, pos)
				put(t, s, &store.Node{ID: ps.ID, Kind: ps.Kind, Title: title, Links: ps.Links})
				g, k, m, a := read()
				if g != name || k != name || m != name || a != title {
					t.Fatalf("round %d: Get %q, GetByKey %q, GetMany %q, AdjacentNodes %q; want %q and %q", round, g, k, m, a, name, title)
				}
			}
			// A deleted record is gone from every path.
			if err := s.Update(func(tx *store.Tx) error { _, err := tx.DeleteNode(pos, false); return err }); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Get(pos); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Get of a deleted record: %v", err)
			}
			if page, _ := s.AdjacentNodes([]store.AdjQuery{members}); len(page[members].IDs) != 0 {
				t.Errorf("deleted position still listed: %v", page[members].IDs)
			}
			// Restoring an older backup replaces what the cache saw.
			var backup bytes.Buffer
			if err := s.Backup(&backup); err != nil {
				t.Fatal(err)
			}
			read()
			p := get(t, s, people[0])
			put(t, s, &store.Node{ID: p.ID, Kind: p.Kind, Key: p.Key, Name: "After the backup"})
			if got := get(t, s, people[0]).Name; got != "After the backup" {
				t.Fatalf("Get = %q", got)
			}
			if err := s.Restore(&backup, true, t.TempDir()); err != nil {
				t.Fatal(err)
			}
			if got := get(t, s, people[0]).Name; got != "Renamed 2" {
				t.Errorf("after restore Get = %q, want the backup's %q", got, "Renamed 2")
			}
		})
	}
}

// Readers racing with a writer: once a write is acknowledged, no read may return the record as
// it was before. A reader that read the old record just before the write committed must not
// leave it in the cache for later reads.
func TestCacheRacingWriter(t *testing.T) {
	s := storetest.OpenWith(t, store.Options{NodeCache: 64})
	var ids []store.ID
	for i := range 16 {
		ids = append(ids, create(t, s, &store.Node{Kind: store.KindPerson, Key: fmt.Sprintf("p%d", i), Name: "v0"}))
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if r%2 == 0 {
					_, _ = s.GetMany(ids)
				} else {
					_, _ = s.Get(ids[0])
				}
			}
		}()
	}
	defer func() { stop.Store(true); wg.Wait() }()
	for v := 1; v <= 400; v++ {
		want := fmt.Sprintf("v%d", v)
		if err := s.Update(func(tx *store.Tx) error {
			for _, id := range ids[:2] {
				n, err := tx.Get(id)
				if err != nil {
					return err
				}
				n.Name = want
				if err := tx.Put(n); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if got := get(t, s, ids[0]).Name; got != want {
				t.Fatalf("after write %s acknowledged, Get = %s", want, got)
			}
			m, err := s.GetMany(ids[:2])
			if err != nil {
				t.Fatal(err)
			}
			if m[ids[1]].Name != want {
				t.Fatalf("after write %s acknowledged, GetMany = %s", want, m[ids[1]].Name)
			}
		}
	}
}

// GetByKey remembers which record owned a key; when the key moves to another record (the first
// one deleted, a new one created with that key) it must answer the new owner.
func TestCacheKeyMoves(t *testing.T) {
	s := storetest.Open(t)
	first := create(t, s, &store.Node{Kind: store.KindPerson, Key: "badia-bitar", Name: "First"})
	if n, err := s.GetByKey("badia-bitar"); err != nil || n.ID != first {
		t.Fatalf("GetByKey = %v, %v; want %v", n, err, first)
	}
	if err := s.Update(func(tx *store.Tx) error { _, err := tx.DeleteNode(first, false); return err }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetByKey("badia-bitar"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetByKey of a deleted key: %v", err)
	}
	second := create(t, s, &store.Node{Kind: store.KindPerson, Key: "badia-bitar", Name: "Second"})
	for range 2 {
		if n, err := s.GetByKey("badia-bitar"); err != nil || n.ID != second || n.Name != "Second" {
			t.Fatalf("GetByKey after the key moved = %+v, %v; want %v", n, err, second)
		}
	}
}

// Neighbour pages are cached too (nodeCache.pages). A write that changes a page without changing
// the record it belongs to (a new position of an organization, whose record stays as it was)
// must still be seen by the next read of the page, with readers racing the writer; and the cache
// must actually answer the pages it can.
func TestPageCacheSeesEveryEdgeChange(t *testing.T) {
	s := storetest.OpenWith(t, store.Options{NodeCache: 64})
	org := create(t, s, &store.Node{Kind: store.KindOrganization, Key: "asmex", Name: "ASMEX"})
	person := create(t, s, &store.Node{Kind: store.KindPerson, Key: "p", Name: "P"})
	members := store.AdjQuery{ID: org, Rel: store.RelOrganization, Kind: store.KindPosition}
	firstTwo := store.AdjQuery{ID: org, Rel: store.RelOrganization, Kind: store.KindPosition, First: 2}
	count := func() (int, bool) {
		t.Helper()
		pages, err := s.AdjacentNodes([]store.AdjQuery{members, firstTwo})
		if err != nil {
			t.Fatal(err)
		}
		return len(pages[members].IDs), pages[firstTwo].HasNext
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				_, _ = s.Adjacent([]store.AdjQuery{members, firstTwo})
			}
		}()
	}
	defer func() { stop.Store(true); wg.Wait() }()
	var positions []store.ID
	for i := 1; i <= 60; i++ {
		positions = append(positions, create(t, s, &store.Node{Kind: store.KindPosition, Title: fmt.Sprint(i),
			Links: map[store.Rel][]store.ID{store.RelPerson: {person}, store.RelOrganization: {org}}}))
		for range 2 {
			if n, more := count(); n != i || more != (i > 2) {
				t.Fatalf("after %d positions acknowledged: page of %d, hasNext %v", i, n, more)
			}
		}
	}
	for i, id := range positions {
		if err := s.Update(func(tx *store.Tx) error { _, err := tx.DeleteNode(id, false); return err }); err != nil {
			t.Fatal(err)
		}
		if n, _ := count(); n != len(positions)-i-1 {
			t.Fatalf("after %d deletes acknowledged: page of %d", i+1, n)
		}
	}
	if hits, _ := s.PageCacheStats(); hits == 0 {
		t.Error("the page cache answered no page")
	}
}
