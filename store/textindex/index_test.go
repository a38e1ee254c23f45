package textindex

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/gen"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
)

// Indexing through real store writes: the built-in dataset loaded by the importer, records
// written, changed and deleted with store transactions, and an index closed and reopened while
// the store moves on.

// waitTimeout bounds how long a test waits for the background indexer.
const waitTimeout = 10 * time.Second

// attach opens an index in dir ("" in memory), attaches it to s and closes it when the test ends
// (before the store, whose cleanup was registered first).
func attach(t *testing.T, s *store.Store, dir string) *Index {
	t.Helper()
	ix := openIndex(t, dir)
	if err := Attach(s, ix, nil); err != nil {
		t.Fatal(err)
	}
	return ix
}

// seeded opens a store with the built-in dataset.
func seeded(t *testing.T) *store.Store {
	t.Helper()
	// The change log keeps no writes beyond what the index applied (ChangeRetention -1), so that
	// the tests see the index's own trimming.
	s := storetest.OpenWith(t, store.Options{ChangeRetention: -1})
	if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
		t.Fatal(err)
	}
	return s
}

// caughtUp waits until ix reflects every write of s.
func caughtUp(t *testing.T, s *store.Store, ix *Index) {
	t.Helper()
	if err := ix.WaitFor(s.Seq(), waitTimeout); err != nil {
		t.Fatal(err)
	}
}

// find searches and returns the hits, failing the test on error.
func find(t *testing.T, ix *Index, text string, kinds ...store.Kind) []Hit {
	t.Helper()
	hits, err := ix.Search(text, kinds, 100)
	if err != nil {
		t.Fatalf("Search(%q): %v", text, err)
	}
	for _, h := range hits {
		t.Logf("Search(%q): %s %.3f %q", text, h.ID, h.Score, h.Snippet)
	}
	return hits
}

// ids returns the hits' IDs.
func ids(hits []Hit) []store.ID {
	out := make([]store.ID, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

// create writes a new record and returns its ID.
func create(t *testing.T, s *store.Store, n *store.Node) store.ID {
	t.Helper()
	err := s.Update(func(tx *store.Tx) error {
		id, err := tx.NewID(n.Kind)
		if err != nil {
			return err
		}
		n.ID = id
		return tx.Put(n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n.ID
}

// update rewrites a record.
func update(t *testing.T, s *store.Store, n *store.Node) {
	t.Helper()
	if err := s.Update(func(tx *store.Tx) error { return tx.Put(n) }); err != nil {
		t.Fatal(err)
	}
}

// remove deletes a record.
func remove(t *testing.T, s *store.Store, id store.ID) {
	t.Helper()
	if err := s.Update(func(tx *store.Tx) error { return tx.Delete(id) }); err != nil {
		t.Fatal(err)
	}
}

// person returns a new person record with a description.
func person(key, name, description string) *store.Node {
	return &store.Node{Kind: store.KindPerson, Key: key, Name: name, Description: description}
}

// statementWith returns the seed statement whose text holds s.
func statementWith(t *testing.T, st *store.Store, s string) *store.Node {
	t.Helper()
	var found *store.Node
	err := st.Read(func(tx *store.Tx) error {
		return tx.Scan(store.KindStatement, func(n *store.Node) error {
			if strings.Contains(n.Text, s) {
				found = n
			}
			return nil
		})
	})
	if err != nil || found == nil {
		t.Fatalf("no statement holds %q (%v)", s, err)
	}
	return found
}

func TestSearchSeedExportations(t *testing.T) {
	s := seeded(t)
	ix := attach(t, s, "")
	if ix.lastSync != "rebuilt" {
		t.Errorf("a new index attached to a seeded store: %s, want rebuilt", ix.lastSync)
	}
	hits := find(t, ix, "exportations", store.KindStatement)
	// Every statement of the dataset holds a word of the family; the one with the very word ranks first.
	if len(hits) != 4 {
		t.Fatalf("exportations: %d statements, want the 4 of the dataset", len(hits))
	}
	if !strings.Contains(hits[0].Node.Text, "exportations") {
		t.Errorf("exportations: first hit %q, want the statement with the word itself", hits[0].Node.Text)
	}
	words := map[string]bool{}
	for _, h := range hits {
		for _, w := range []string{"exportations", "exportable", "export "} {
			if strings.Contains(h.Node.Text, w) {
				words[w] = true
				if hl := HighlightStart + strings.TrimSpace(w) + HighlightEnd; !strings.Contains(h.Snippet, hl) {
					t.Errorf("snippet %q lacks %s", h.Snippet, hl)
				}
			}
		}
	}
	if len(words) != 3 {
		t.Errorf("exportations found statements with %v, want exportations, exportable and export", words)
	}
	// Records of every kind: ASMEX's name holds "Exportateurs".
	asmex, err := s.Lookup("asmex")
	if err != nil {
		t.Fatal(err)
	}
	if all := find(t, ix, "exportations"); !slices.Contains(ids(all), asmex) {
		t.Errorf("exportations: ASMEX (Association Marocaine des Exportateurs) not found")
	}
	// Match gives the same order, bounded.
	m, err := ix.Match("exportations", []store.Kind{store.KindStatement}, 2)
	if err != nil || !slices.Equal(m, ids(hits[:2])) {
		t.Errorf("Match(exportations, 2) = %v, %v; want %v", m, err, ids(hits[:2]))
	}
	if m, _ := ix.Match("exportations", nil, 0); len(m) != 0 {
		t.Errorf("Match limit 0: %v", m)
	}
}

func TestSearchElisionStopWordsAccents(t *testing.T) {
	s := seeded(t)
	ix := attach(t, s, "")
	hits := find(t, ix, "l'offre exportable")
	if len(hits) != 2 {
		t.Fatalf("l'offre exportable: %d hits, want the 2 statements", len(hits))
	}
	for _, h := range hits {
		if !strings.Contains(h.Node.Text, "l'offre exportable") || !strings.Contains(h.Snippet, "[l'offre exportable]") {
			t.Errorf("l'offre exportable: %q, snippet %q", h.Node.Text, h.Snippet)
		}
	}
	// Stop words need not be found: "de l'offre" finds what "offre" finds.
	if a, b := ids(find(t, ix, "de l'offre")), ids(find(t, ix, "offre")); len(a) == 0 || !slices.Equal(a, b) {
		t.Errorf("de l'offre: %v; offre: %v", a, b)
	}
	// Accents and case.
	a, b, c := ids(find(t, ix, "région")), ids(find(t, ix, "region")), ids(find(t, ix, "RÉGIONS"))
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Errorf("région %v, region %v: want the same hits in the same order", a, b)
	}
	// The plural is ranked otherwise (its exact form is another word), but finds the same records.
	slices.SortFunc(a, compareIDs)
	slices.SortFunc(c, compareIDs)
	if !slices.Equal(a, c) {
		t.Errorf("région %v, RÉGIONS %v: want the same records", a, c)
	}
	if h := find(t, ix, "laayoune", store.KindRegion); len(h) != 1 || h[0].Node.Key != "MA-11" || h[0].Snippet != "[Laâyoune]-Sakia El Hamra" {
		t.Errorf("laayoune in regions: %+v", h)
	}
	// Every word must be found.
	if h := find(t, ix, "offre zanzibar"); len(h) != 0 {
		t.Errorf("offre zanzibar: %d hits, want none", len(h))
	}
	if h := find(t, ix, "   "); len(h) != 0 {
		t.Errorf("blank query: %d hits", len(h))
	}
}

func TestIndexFollowsWrites(t *testing.T) {
	s := seeded(t)
	ix := attach(t, s, "")
	id := create(t, s, person("ft-quetzal", "Ana Quetzal", "Spécialiste des exportations de quinoa"))
	caughtUp(t, s, ix)
	if h := find(t, ix, "quinoa"); !slices.Equal(ids(h), []store.ID{id}) {
		t.Fatalf("quinoa after create: %v, want %v", ids(h), id)
	}
	if h := find(t, ix, "quetzal", store.KindPerson); len(h) != 1 {
		t.Errorf("quetzal (name): %v", ids(h))
	}
	// An update replaces the document.
	n, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	n.Description = "Spécialiste des importations de sésame"
	update(t, s, n)
	caughtUp(t, s, ix)
	if h := find(t, ix, "quinoa"); len(h) != 0 {
		t.Errorf("quinoa after the update: %v, want none", ids(h))
	}
	if h := find(t, ix, "sesame"); !slices.Equal(ids(h), []store.ID{id}) {
		t.Errorf("sesame after the update: %v", ids(h))
	}
	// A delete removes it, and deletes of seed records too.
	remove(t, s, id)
	st := statementWith(t, s, "aux exportations marocaines")
	remove(t, s, st.ID)
	caughtUp(t, s, ix)
	if h := find(t, ix, "sesame"); len(h) != 0 {
		t.Errorf("sesame after the delete: %v", ids(h))
	}
	if h := find(t, ix, "exportations", store.KindStatement); len(h) != 3 || slices.Contains(ids(h), st.ID) {
		t.Errorf("exportations after deleting a statement: %v, want the 3 others", ids(h))
	}
	// Positions and participations are not indexed: 42 of the dataset's 71 records are.
	if n, _ := ix.DocCount(); n != 41 {
		t.Errorf("DocCount %d, want 41 (the dataset's 42 searchable records, one deleted)", n)
	}
}

func TestCatchUpAfterClose(t *testing.T) {
	s := seeded(t)
	dir := filepath.Join(t.TempDir(), "text.bleve")
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := Attach(s, ix, nil); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	// The store moves on while the index is closed.
	added := create(t, s, person("ft-ocelot", "Ana Ocelot", "Négociante en safran"))
	st := statementWith(t, s, "aux exportations marocaines")
	remove(t, s, st.ID)
	asmex, _ := s.GetByKey("asmex")
	asmex.Aliases = append(asmex.Aliases, "Exportateurs du Royaume")
	update(t, s, asmex)

	ix = attach(t, s, dir)
	if ix.lastSync != "caught up" {
		t.Errorf("reopened index: %s, want caught up", ix.lastSync)
	}
	if ix.Seq() != s.Seq() {
		t.Errorf("index at %d, store at %d", ix.Seq(), s.Seq())
	}
	if h := find(t, ix, "safran"); !slices.Equal(ids(h), []store.ID{added}) {
		t.Errorf("safran: %v, want the person added while closed", ids(h))
	}
	if h := find(t, ix, "exportations", store.KindStatement); slices.Contains(ids(h), st.ID) {
		t.Errorf("the statement deleted while closed is still found")
	}
	if h := find(t, ix, "royaume", store.KindOrganization); !slices.Equal(ids(h), []store.ID{asmex.ID}) {
		t.Errorf("royaume: %v, want ASMEX's new alias", ids(h))
	}
	// The change log is trimmed to what the index applied.
	if complete, _ := s.ChangesSince(0, func(uint64, []store.ID) error { return nil }); complete {
		t.Errorf("the change log still reaches back to the first write")
	}
	// A third start finds it current.
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix = attach(t, s, dir)
	if ix.lastSync != "current" {
		t.Errorf("third start: %s, want current", ix.lastSync)
	}
}

func TestRebuildWhenLogTrimmed(t *testing.T) {
	s := seeded(t)
	dir := filepath.Join(t.TempDir(), "text.bleve")
	ix := attach(t, s, dir)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	added := create(t, s, person("ft-margay", "Ana Margay", "Exportatrice de cumin"))
	st := statementWith(t, s, "aux exportations marocaines")
	remove(t, s, st.ID)
	if err := s.TrimChanges(s.Seq()); err != nil { // another reader trimmed past the index
		t.Fatal(err)
	}
	ix = attach(t, s, dir)
	if ix.lastSync != "rebuilt" {
		t.Errorf("after the log was trimmed: %s, want rebuilt", ix.lastSync)
	}
	if h := find(t, ix, "cumin"); !slices.Equal(ids(h), []store.ID{added}) {
		t.Errorf("cumin: %v", ids(h))
	}
	if h := find(t, ix, "exportations", store.KindStatement); len(h) != 3 || slices.Contains(ids(h), st.ID) {
		t.Errorf("exportations: %v, want the 3 statements left", ids(h))
	}
	if _, err := os.Stat(dir + ".rebuild"); !os.IsNotExist(err) {
		t.Errorf("the rebuild's directory was left behind: %v", err)
	}
}

func TestRebuildForAnotherStore(t *testing.T) {
	a := seeded(t)
	dir := filepath.Join(t.TempDir(), "text.bleve")
	ix := attach(t, a, dir)
	create(t, a, person("ft-serval", "Ana Serval", "Courtière en vanille"))
	caughtUp(t, a, ix)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	b := seeded(t) // the same records, another instance, and no vanilla
	ix = attach(t, b, dir)
	if ix.lastSync != "rebuilt" {
		t.Errorf("an index of another store: %s, want rebuilt", ix.lastSync)
	}
	if h := find(t, ix, "vanille"); len(h) != 0 {
		t.Errorf("vanille found in the other store's index: %v", ids(h))
	}
	if n, _ := ix.DocCount(); n != 42 {
		t.Errorf("DocCount %d, want 42", n)
	}
}

func TestRebuildDamagedIndex(t *testing.T) {
	s := seeded(t)
	dir := filepath.Join(t.TempDir(), "text.bleve")
	ix := attach(t, s, dir)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index_meta.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	ix = attach(t, s, dir)
	if ix.lastSync != "rebuilt" {
		t.Errorf("damaged index: %s, want rebuilt", ix.lastSync)
	}
	if h := find(t, ix, "exportations", store.KindStatement); len(h) != 4 {
		t.Errorf("exportations after the rebuild: %v", ids(h))
	}
}

func TestQueueOverflowCatchesUp(t *testing.T) {
	s := storetest.Open(t)
	ix := attach(t, s, "")
	// Hold the index so that the indexer blocks in its first round while commits pile up beyond
	// the queue.
	ix.mu.Lock()
	n := queueSize + 50
	for i := range n {
		create(t, s, person("ft-p"+itoa(i), "Personne "+itoa(i), "Témoin numéro tatou"+itoa(i)))
	}
	overflowed := ix.behind.Load()
	ix.mu.Unlock()
	if !overflowed {
		t.Errorf("%d commits while the indexer was held did not overflow the queue", n)
	}
	caughtUp(t, s, ix)
	if c, _ := ix.DocCount(); c != uint64(n) {
		t.Errorf("DocCount %d, want %d", c, n)
	}
	for _, i := range []int{0, queueSize - 1, queueSize, n - 1} {
		if h := find(t, ix, "tatou"+itoa(i)); len(h) != 1 {
			t.Errorf("tatou%d: %d hits", i, len(h))
		}
	}
}

func TestCloseDrainsQueue(t *testing.T) {
	s := storetest.Open(t)
	dir := filepath.Join(t.TempDir(), "text.bleve")
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := Attach(s, ix, nil); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		create(t, s, person("ft-d"+itoa(i), "Personne "+itoa(i), "Témoin numéro fennec"+itoa(i)))
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if ix.Seq() != s.Seq() {
		t.Errorf("closed at %d, store at %d: the queue was not drained", ix.Seq(), s.Seq())
	}
	if err := ix.WaitFor(s.Seq()+1, time.Second); err != ErrClosed {
		t.Errorf("WaitFor on a closed index: %v, want ErrClosed", err)
	}
	if _, err := ix.Search("fennec1", nil, 10); err != ErrClosed {
		t.Errorf("Search on a closed index: %v, want ErrClosed", err)
	}
	ix = attach(t, s, dir)
	if ix.lastSync != "current" {
		t.Errorf("reopened after a draining close: %s, want current", ix.lastSync)
	}
	if h := find(t, ix, "fennec19"); len(h) != 1 {
		t.Errorf("fennec19: %d hits", len(h))
	}
}

func TestConcurrentSearchAndWrites(t *testing.T) {
	s := seeded(t)
	ix := attach(t, s, "")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			create(t, s, person("ft-c"+itoa(i), "Personne "+itoa(i), "Exportatrice de dattes"))
		}
	}()
	for {
		if _, err := ix.Search("exportations", nil, 20); err != nil {
			t.Fatal(err)
		}
		select {
		case <-done:
			caughtUp(t, s, ix)
			if h, _ := ix.Search("dattes exportations", []store.Kind{store.KindPerson}, 100); len(h) != 50 {
				t.Errorf("dattes exportations: %d people, want 50", len(h))
			}
			return
		default:
		}
	}
}

func compareIDs(a, b store.ID) int { return strings.Compare(a.String(), b.String()) }

func itoa(i int) string { return strconv.Itoa(i) }

// genData is a generated graph big enough that importing it into an empty store bulk loads it.
func genData(t *testing.T) ([]byte, int) {
	t.Helper()
	var buf bytes.Buffer
	st, err := gen.Write(&buf, gen.Options{Seed: 7, People: 300})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, k := range searchable {
		n += st.ByType[k.String()]
	}
	return buf.Bytes(), n
}

func TestBulkLoadRebuildsLive(t *testing.T) {
	s := storetest.Open(t)
	ix := attach(t, s, "")
	data, n := genData(t)
	if _, err := importer.ImportBytes(s, data, "gen"); err != nil {
		t.Fatal(err)
	}
	caughtUp(t, s, ix)
	if c, _ := ix.DocCount(); c != uint64(n) {
		t.Errorf("after a bulk load: DocCount %d, want %d", c, n)
	}
	// Writes after it are followed as usual.
	id := create(t, s, person("ft-caracal", "Ana Caracal", "Négociante en cannelle"))
	caughtUp(t, s, ix)
	if h := find(t, ix, "cannelle"); !slices.Equal(ids(h), []store.ID{id}) {
		t.Errorf("cannelle: %v", ids(h))
	}
}

func TestBulkLoadWhileClosed(t *testing.T) {
	s := storetest.Open(t)
	dir := filepath.Join(t.TempDir(), "text.bleve")
	// The index follows a first record, which is then deleted (the store is empty again, its
	// change log goes on), then a bulk load (not in the log), then one more write (in the log).
	ix := attach(t, s, dir)
	first := create(t, s, person("ft-first", "Ana First", "Négociante en muscade"))
	caughtUp(t, s, ix)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	remove(t, s, first)
	data, n := genData(t)
	if _, err := importer.ImportBytes(s, data, "gen"); err != nil {
		t.Fatal(err)
	}
	last := create(t, s, person("ft-last", "Ana Last", "Négociante en girofle"))

	ix = attach(t, s, dir)
	if ix.lastSync != "rebuilt" {
		t.Errorf("after a bulk load while closed: %s, want rebuilt", ix.lastSync)
	}
	if c, _ := ix.DocCount(); c != uint64(n+1) {
		t.Errorf("DocCount %d, want %d", c, n+1)
	}
	if h := find(t, ix, "muscade"); len(h) != 0 {
		t.Errorf("muscade (deleted): %v", ids(h))
	}
	if h := find(t, ix, "girofle"); !slices.Equal(ids(h), []store.ID{last}) {
		t.Errorf("girofle: %v", ids(h))
	}
}

// openIndex opens an index in dir ("" in memory) and closes it when the test ends.
func openIndex(t *testing.T, dir string) *Index {
	t.Helper()
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ix.Close(); err != nil {
			t.Error(err)
		}
	})
	return ix
}

// A search ranks at most its candidate cap of matches: with six matching records, a cap of
// three gives three hits (ranked among themselves), no cap gives all six, best first.
func TestFindCandidateCap(t *testing.T) {
	s := seeded(t)
	ix := attach(t, s, "")
	for i := range 6 {
		title := "Zorglub"
		if i < 5 {
			title = "Le rapport annuel du comité sur zorglub et ses effets " + strconv.Itoa(i)
		}
		create(t, s, &store.Node{Kind: store.KindSource, Key: "cap-" + strconv.Itoa(i), Title: title})
	}
	caughtUp(t, s, ix)
	q := parseQuery("zorglub")
	all, err := ix.find(t.Context(), q, []store.Kind{store.KindSource}, 10, 0)
	if err != nil || len(all) != 6 {
		t.Fatalf("no cap: %d hits (%v), want 6", len(all), err)
	}
	capped, err := ix.find(t.Context(), q, []store.Kind{store.KindSource}, 10, 3)
	if err != nil || len(capped) != 3 {
		t.Fatalf("cap 3: %d hits (%v), want 3", len(capped), err)
	}
	for i := 1; i < len(capped); i++ {
		if capped[i].Score > capped[i-1].Score {
			t.Errorf("capped hits out of order: %+v", capped)
		}
	}
	if hits := find(t, ix, "zorglub", store.KindSource); len(hits) != 6 { // under SearchCandidates
		t.Errorf("Search: %d hits, want 6", len(hits))
	}
}
