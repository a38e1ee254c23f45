package textindex

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/kgql/kgql/store"
)

// attachHeld opens an index in dir, attaches it in the background with its catch-up held back,
// and returns it with the release of the hold. The index is closed when the test ends.
func attachHeld(t *testing.T, s *store.Store, dir string) (*Index, func()) {
	t.Helper()
	ix := openIndex(t, dir)
	release := ix.HoldCatchUp()
	t.Cleanup(release)
	if err := AttachBackground(s, ix, nil); err != nil {
		t.Fatal(err)
	}
	return ix, release
}

// A server starts with an index that is behind: searches answer from what it holds, Status says
// so, writes made meanwhile are not lost, and once released the index catches up and is ready.
func TestAttachBackgroundCatchesUpWhileAnswering(t *testing.T) {
	s := seeded(t)
	dir := filepath.Join(t.TempDir(), "text.bleve")
	ix := attach(t, s, dir)
	before := create(t, s, person("ft-caracal", "Ana Caracal", "Marchande de safran"))
	caughtUp(t, s, ix)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	// Written while the index is closed: the catch-up's work.
	after := create(t, s, person("ft-jaguar", "Ana Jaguar", "Marchande de safran et de cumin"))

	ix, release := attachHeld(t, s, dir)
	st := ix.Status()
	if st.Ready || st.State != StateStarting || st.Behind != 1 {
		t.Errorf("held: %+v, want starting, not ready, 1 write behind", st)
	}
	// Answers from what is indexed: the record indexed before the close, not the one after.
	if h := find(t, ix, "safran"); !slices.Equal(ids(h), []store.ID{before}) {
		t.Errorf("safran while held: %v, want only %s", ids(h), before)
	}
	// A write while held is queued, not lost.
	during := create(t, s, person("ft-lynx", "Ana Lynx", "Négociante en vanille"))
	if st := ix.Status(); st.Behind != 2 {
		t.Errorf("after a write while held: %+v, want 2 behind", st)
	}

	release()
	if err := ix.WaitReady(waitTimeout); err != nil {
		t.Fatal(err)
	}
	caughtUp(t, s, ix)
	st = ix.Status()
	if !st.Ready || st.State != StateReady || st.Behind != 0 {
		t.Errorf("released: %+v, want ready, 0 behind", st)
	}
	if ix.lastSync != "caught up" {
		t.Errorf("initial sync: %s, want caught up", ix.lastSync)
	}
	h := ids(find(t, ix, "safran"))
	slices.SortFunc(h, compareIDs)
	want := []store.ID{before, after}
	slices.SortFunc(want, compareIDs)
	if !slices.Equal(h, want) {
		t.Errorf("safran after the catch-up: %v, want %v", h, want)
	}
	if h := find(t, ix, "vanille"); !slices.Equal(ids(h), []store.ID{during}) {
		t.Errorf("vanille: %v, want the record written while held", ids(h))
	}
}

// An index on disk that belongs to another store answers nothing until it is rebuilt.
func TestAttachBackgroundForeignIndexAnswersNothing(t *testing.T) {
	a := seeded(t)
	dir := filepath.Join(t.TempDir(), "text.bleve")
	ix := attach(t, a, dir)
	create(t, a, person("ft-ocelot2", "Ana Ocelot", "Courtière en vanille"))
	caughtUp(t, a, ix)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	b := seeded(t)
	ix, release := attachHeld(t, b, dir)
	release()
	// The hold is released; whether the rebuild has started or not, nothing of a's index shows.
	if h := find(t, ix, "vanille"); len(h) != 0 {
		t.Errorf("vanille found in another store's index: %v", ids(h))
	}
	if err := ix.WaitReady(waitTimeout); err != nil {
		t.Fatal(err)
	}
	if h := find(t, ix, "exportations", store.KindStatement); len(h) == 0 {
		t.Errorf("exportations: nothing after the rebuild")
	}
	if ix.lastSync != "rebuilt" {
		t.Errorf("initial sync: %s, want rebuilt", ix.lastSync)
	}
}

// Closing while the catch-up is held (or running) returns promptly.
func TestAttachBackgroundCloseWhileHeld(t *testing.T) {
	s := seeded(t)
	ix, err := Open("")
	if err != nil {
		t.Fatal(err)
	}
	ix.HoldCatchUp()
	if err := AttachBackground(s, ix, nil); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if st := ix.Status(); st.State != StateClosed || st.Ready {
		t.Errorf("closed: %+v", st)
	}
}
