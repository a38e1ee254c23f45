package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/gen"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
)

// seeded opens a store holding the built-in dataset, loaded by the real importer.
func walkSeeded(t testing.TB) *store.Store {
	t.Helper()
	s := storetest.Open(t)
	if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
		t.Fatalf("import seed: %v", err)
	}
	return s
}

// keyID resolves an external key, failing the test if nothing has it.
func walkKey(t testing.TB, s *store.Store, key string) store.ID {
	t.Helper()
	id, err := s.Lookup(key)
	if err != nil {
		t.Fatalf("lookup %q: %v", key, err)
	}
	return id
}

// paths runs ShortestPaths between two keys.
func walkPaths(t testing.TB, s *store.Store, from, to string, maxDepth int, labels store.LabelSet, first int) []store.Path {
	t.Helper()
	ps, err := s.ShortestPaths(context.Background(), store.PathQuery{
		From: walkKey(t, s, from), To: walkKey(t, s, to), MaxDepth: maxDepth, Labels: labels, First: first,
	})
	if err != nil {
		t.Fatalf("ShortestPaths %s → %s: %v", from, to, err)
	}
	return ps
}

// describe renders a path with keys (or, for keyless records, ids) and labels, e.g.
// "hassan-yanja -POSITION(pos-…)- asmex -POSITION(pos-…)- najat-toulba".
func describePath(t testing.TB, s *store.Store, p store.Path) string {
	t.Helper()
	name := func(id store.ID) string {
		n, err := s.Get(id)
		if err != nil {
			t.Fatalf("get %s: %v", id, err)
		}
		if n.Key != "" {
			return n.Key
		}
		return id.String()
	}
	var b strings.Builder
	b.WriteString(name(p.Nodes[0]))
	for i, e := range p.Edges {
		if e.From != p.Nodes[i] || e.To != p.Nodes[i+1] {
			t.Fatalf("edge %d goes %s → %s, the walk %s → %s", i, e.From, e.To, p.Nodes[i], p.Nodes[i+1])
		}
		b.WriteString(" -" + e.Label.String())
		if !e.Via.IsZero() {
			b.WriteString("(" + name(e.Via) + ")")
		}
		b.WriteString("- " + name(p.Nodes[i+1]))
	}
	return b.String()
}

func TestLabelNames(t *testing.T) {
	for l := store.LabelPosition; l <= store.LabelCites; l++ {
		got, ok := store.ParseLabel(l.String())
		if !ok || got != l {
			t.Errorf("ParseLabel(%q) = %v, %v", l.String(), got, ok)
		}
	}
	if _, ok := store.ParseLabel("NOPE"); ok {
		t.Error("ParseLabel accepted an unknown name")
	}
	if store.DefaultLabels.Has(store.LabelCites) || !store.DefaultLabels.Has(store.LabelPosition) || !store.AllLabels.Has(store.LabelCites) {
		t.Error("DefaultLabels must hold every label but CITES")
	}
}

func TestShortestPathBetweenDelegates(t *testing.T) {
	s := walkSeeded(t)
	ps := walkPaths(t, s, "hassan-yanja", "najat-toulba", 4, store.DefaultLabels, 1)
	if len(ps) != 1 {
		t.Fatalf("want one path, got %d", len(ps))
	}
	const want = "hassan-yanja -POSITION(pos-hassan-yanja-asmex-delegue-regional)- asmex -POSITION(pos-najat-toulba-asmex-delegue-regional)- najat-toulba"
	if got := describePath(t, s, ps[0]); got != want {
		t.Errorf("path:\n got %s\nwant %s", got, want)
	}
	// The via records are the delegates' positions in ASMEX.
	for i, e := range ps[0].Edges {
		pos, err := s.Get(e.Via)
		if err != nil {
			t.Fatal(err)
		}
		person := ps[0].Nodes[0]
		if i == 1 {
			person = ps[0].Nodes[2]
		}
		if pos.Kind != store.KindPosition || pos.Link(store.RelPerson) != person || pos.Link(store.RelOrganization) != walkKey(t, s, "asmex") {
			t.Errorf("edge %d: via %s does not join %s and asmex: %+v", i, e.Via, person, pos.Links)
		}
	}
	// Deterministic: the same answer every time, and on a fresh import of the same data.
	for range 5 {
		again := walkPaths(t, s, "hassan-yanja", "najat-toulba", 4, store.DefaultLabels, 1)
		if !slices.EqualFunc(again, ps, equalWalk) {
			t.Fatalf("a second walk answered differently: %v vs %v", again, ps)
		}
	}
	fresh := walkSeeded(t)
	if got := walkPaths(t, fresh, "hassan-yanja", "najat-toulba", 4, store.DefaultLabels, 1); !slices.EqualFunc(got, ps, equalWalk) {
		t.Errorf("a fresh import answers differently: %v vs %v", got, ps)
	}
}

func equalWalk(a, b store.Path) bool {
	return slices.Equal(a.Nodes, b.Nodes) && slices.Equal(a.Edges, b.Edges)
}

func TestAllShortestPathsBetweenDelegates(t *testing.T) {
	s := walkSeeded(t)
	ps := walkPaths(t, s, "hassan-yanja", "najat-toulba", 4, store.DefaultLabels, 10)
	var got []string
	for _, p := range ps {
		got = append(got, describePath(t, s, p))
	}
	want := []string{
		"hassan-yanja -POSITION(pos-hassan-yanja-asmex-delegue-regional)- asmex -POSITION(pos-najat-toulba-asmex-delegue-regional)- najat-toulba",
		"hassan-yanja -PARTICIPATION(part-hassan-yanja-delegate)- asmex-conseil-des-regions-2021-06-14 -PARTICIPATION(part-najat-toulba-delegate)- najat-toulba",
	}
	if !slices.Equal(got, want) {
		t.Errorf("paths:\n got %q\nwant %q", got, want)
	}
	if capped := walkPaths(t, s, "hassan-yanja", "najat-toulba", 4, store.DefaultLabels, 1); len(capped) != 1 || !equalWalk(capped[0], ps[0]) {
		t.Errorf("first: 1 must give the first of the paths, got %v", capped)
	}
}

func TestShortestPathsDataset(t *testing.T) {
	s := walkSeeded(t)
	cases := []struct {
		from, to string
		labels   store.LabelSet
		want     string // "" for no path
	}{
		{"badia-bitar", "mohamed-fadlam", store.DefaultLabels,
			"badia-bitar -PARTICIPATION(part-badia-bitar-delegate)- asmex-conseil-des-regions-2021-06-14 -PARTICIPATION(part-mohamed-fadlam-speaker)- mohamed-fadlam"},
		{"adil-zaidi", "asmex-conseil-des-regions-2021-06-14", store.DefaultLabels,
			"adil-zaidi -PARTICIPATION(part-adil-zaidi-presenter)- asmex-conseil-des-regions-2021-06-14"},
		{"badia-bitar", "MA-07", store.DefaultLabels,
			"badia-bitar -POSITION_REGION(pos-badia-bitar-asmex-delegue-regional)- MA-07"},
		// Without participations, Adil Zaidi reaches the event through what he said there.
		{"adil-zaidi", "asmex-conseil-des-regions-2021-06-14", store.DefaultLabels &^ store.LabelsOf(store.LabelParticipation),
			"adil-zaidi -SAID- asmex-cdr-2021-zaidi-1 -AT_EVENT- asmex-conseil-des-regions-2021-06-14"},
		// Walked the other way, edges follow the walk.
		{"MA-07", "badia-bitar", store.DefaultLabels,
			"MA-07 -POSITION_REGION(pos-badia-bitar-asmex-delegue-regional)- badia-bitar"},
		// Regions: Marrakech is inside MA-07, inside Morocco.
		{"marrakech", "MA", store.DefaultLabels, "marrakech -INSIDE- MA-07 -INSIDE- MA"},
		// The chamber is seated in MA-07, where Badia Bitar is a delegate.
		{"ccis-marrakech-safi", "badia-bitar", store.LabelsOf(store.LabelSeat, store.LabelPositionRegion),
			"ccis-marrakech-safi -SEAT- MA-07 -POSITION_REGION(pos-badia-bitar-asmex-delegue-regional)- badia-bitar"},
		// The article was published by L'opinion.
		{"l-opinion-2021-06-17-asmex-conseil-des-regions", "l-opinion", store.DefaultLabels,
			"l-opinion-2021-06-17-asmex-conseil-des-regions -PUBLISHED_BY- l-opinion"},
		// Only SEAT edges: the delegates are not connected.
		{"hassan-yanja", "najat-toulba", store.LabelsOf(store.LabelSeat), ""},
		{"hassan-yanja", "hassan-yanja", store.DefaultLabels, "hassan-yanja"},
	}
	for _, c := range cases {
		ps := walkPaths(t, s, c.from, c.to, 4, c.labels, 1)
		got := ""
		if len(ps) > 0 {
			got = describePath(t, s, ps[0])
		}
		if got != c.want {
			t.Errorf("%s → %s:\n got %q\nwant %q", c.from, c.to, got, c.want)
		}
	}
	// Too short a maxDepth finds nothing; maxDepth beyond the bound is refused.
	if ps := walkPaths(t, s, "marrakech", "MA", 1, store.DefaultLabels, 1); ps != nil {
		t.Errorf("maxDepth 1 found %v", ps)
	}
	_, err := s.ShortestPaths(context.Background(), store.PathQuery{From: walkKey(t, s, "MA"), To: walkKey(t, s, "MA-07"), MaxDepth: 7, Labels: store.DefaultLabels})
	if !errors.Is(err, store.ErrInvalid) {
		t.Errorf("maxDepth 7: want ErrInvalid, got %v", err)
	}
	// Positions are edges, not ends of paths.
	pos := walkKey(t, s, "pos-badia-bitar-asmex-delegue-regional")
	if ps, err := s.ShortestPaths(context.Background(), store.PathQuery{From: pos, To: walkKey(t, s, "MA"), MaxDepth: 4, Labels: store.DefaultLabels}); err != nil || ps != nil {
		t.Errorf("a path from a Position: %v, %v", ps, err)
	}
}

func TestShortestPathCites(t *testing.T) {
	s := walkSeeded(t)
	const cite = `"citations":[{"source":"l-opinion-2021-06-17-asmex-conseil-des-regions"}]`
	extra := `{"type":"Person","key":"loner-one","name":"Loner One",` + cite + "}\n" +
		`{"type":"Person","key":"loner-two","name":"Loner Two",` + cite + "}\n"
	if _, err := importer.ImportBytes(s, []byte(extra), "extra"); err != nil {
		t.Fatal(err)
	}
	if ps := walkPaths(t, s, "loner-one", "loner-two", 6, store.DefaultLabels, 1); ps != nil {
		t.Errorf("CITES must be off by default, got %s", describePath(t, s, ps[0]))
	}
	const want = "loner-one -CITES- l-opinion-2021-06-17-asmex-conseil-des-regions -CITES- loner-two"
	ps := walkPaths(t, s, "loner-one", "loner-two", 6, store.AllLabels, 1)
	if len(ps) != 1 || describePath(t, s, ps[0]) != want {
		t.Errorf("with CITES: got %v, want %s", ps, want)
	}
}

func TestResolveRefs(t *testing.T) {
	s := walkSeeded(t)
	asmex := walkKey(t, s, "asmex")
	got, err := s.ResolveRefs([]string{"asmex", asmex.String(), "nobody", "per_zzzz", ""})
	if err != nil {
		t.Fatal(err)
	}
	if want := []store.ID{asmex, asmex, {}, {}, {}}; !slices.Equal(got, want) {
		t.Errorf("ResolveRefs = %v, want %v", got, want)
	}
}

// TestShortestPathCalls: a walk costs one read transaction per level, whatever the data.
func TestShortestPathCalls(t *testing.T) {
	s := walkSeeded(t)
	from, to := walkKey(t, s, "hassan-yanja"), walkKey(t, s, "najat-toulba")
	before := s.Calls()
	if _, err := s.ShortestPaths(context.Background(), store.PathQuery{From: from, To: to, MaxDepth: 4, Labels: store.DefaultLabels, First: 10}); err != nil {
		t.Fatal(err)
	}
	if n := s.Calls() - before; n != 2 {
		t.Errorf("a path of length 2 took %d read transactions, want 2", n)
	}
	asmex := walkKey(t, s, "asmex")
	before = s.Calls()
	if _, err := s.Neighborhood(context.Background(), store.NeighborhoodQuery{Center: asmex, Depth: 3, Labels: store.DefaultLabels, First: 1000}); err != nil {
		t.Fatal(err)
	}
	if n := s.Calls() - before; n > 3 {
		t.Errorf("a neighbourhood of depth 3 took %d read transactions, want at most 3", n)
	}
}

func TestNeighborhood(t *testing.T) {
	s := walkSeeded(t)
	asmex := walkKey(t, s, "asmex")
	sub, err := s.Neighborhood(context.Background(), store.NeighborhoodQuery{Center: asmex, Depth: 1, Labels: store.DefaultLabels, First: 100})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, id := range sub.Nodes {
		n, err := s.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, n.Key)
	}
	want := []string{"asmex",
		// People, in creation order: the president and the 11 regional delegates.
		"hassan-sentissi-el-idrissi", "hassan-yanja", "najat-toulba", "khalid-bounajma", "badia-bitar",
		"amine-laghidi", "zouheir-benjelloun", "rachid-zerati", "mehdi-laraqui", "fouad-lamrini",
		"jihad-essikili", "said-abdati",
		"dynamique-regionale",                  // its unit
		"asmex-conseil-des-regions-2021-06-14", // the event it organized
		"asmex-cdr-2021-sentissi-1",            // the statement about it
	}
	if !slices.Equal(keys, want) || sub.Truncated {
		t.Errorf("neighbourhood of asmex:\n got %q (truncated %v)\nwant %q", keys, sub.Truncated, want)
	}
	assertSubgraph(t, sub)
	if len(sub.Edges) != 15 {
		t.Errorf("want 15 edges (one per neighbour), got %d: %+v", len(sub.Edges), sub.Edges)
	}

	cut, err := s.Neighborhood(context.Background(), store.NeighborhoodQuery{Center: asmex, Depth: 1, Labels: store.DefaultLabels, First: 5})
	if err != nil {
		t.Fatal(err)
	}
	if !cut.Truncated || !slices.Equal(cut.Nodes, sub.Nodes[:5]) {
		t.Errorf("first 5: got %v (truncated %v), want %v truncated", cut.Nodes, cut.Truncated, sub.Nodes[:5])
	}
	assertSubgraph(t, cut)

	// Exactly at the cap, and a level beyond it: truncated.
	exact, err := s.Neighborhood(context.Background(), store.NeighborhoodQuery{Center: asmex, Depth: 2, Labels: store.DefaultLabels, First: 16})
	if err != nil {
		t.Fatal(err)
	}
	if !exact.Truncated || len(exact.Nodes) != 16 {
		t.Errorf("depth 2, first 16: %d nodes, truncated %v; want 16, true", len(exact.Nodes), exact.Truncated)
	}
	// Exactly at the cap with nothing beyond: not truncated.
	whole, err := s.Neighborhood(context.Background(), store.NeighborhoodQuery{Center: asmex, Depth: 1, Labels: store.DefaultLabels, First: 16})
	if err != nil {
		t.Fatal(err)
	}
	if whole.Truncated || len(whole.Nodes) != 16 {
		t.Errorf("depth 1, first 16: %d nodes, truncated %v; want 16, false", len(whole.Nodes), whole.Truncated)
	}

	// Deeper: every node is within depth, once; edges join nodes of the subgraph.
	deep, err := s.Neighborhood(context.Background(), store.NeighborhoodQuery{Center: asmex, Depth: 3, Labels: store.DefaultLabels, First: 1000})
	if err != nil {
		t.Fatal(err)
	}
	assertSubgraph(t, deep)
	if len(deep.Nodes) <= len(sub.Nodes) {
		t.Errorf("depth 3 found %d nodes, no more than depth 1", len(deep.Nodes))
	}

	// Depth 0 is the center alone; bad depths are refused.
	zero, err := s.Neighborhood(context.Background(), store.NeighborhoodQuery{Center: asmex, Depth: 0, Labels: store.DefaultLabels, First: 10})
	if err != nil || len(zero.Nodes) != 1 || len(zero.Edges) != 0 {
		t.Errorf("depth 0: %+v, %v", zero, err)
	}
	if _, err := s.Neighborhood(context.Background(), store.NeighborhoodQuery{Center: asmex, Depth: 4, Labels: store.DefaultLabels, First: 10}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("depth 4: want ErrInvalid, got %v", err)
	}
}

// assertSubgraph checks a subgraph's invariants: no duplicate node, every edge between two of its
// nodes and oriented from the one listed first, no duplicate edge.
func assertSubgraph(t *testing.T, sub *store.Subgraph) {
	t.Helper()
	index := map[store.ID]int{}
	for i, id := range sub.Nodes {
		if _, dup := index[id]; dup {
			t.Errorf("node %s listed twice", id)
		}
		index[id] = i
	}
	seen := map[store.PathEdge]bool{}
	for _, e := range sub.Edges {
		i, ok1 := index[e.From]
		j, ok2 := index[e.To]
		if !ok1 || !ok2 {
			t.Errorf("edge %+v has an end outside the nodes", e)
		} else if i >= j {
			t.Errorf("edge %+v is not oriented from the node listed first", e)
		}
		if seen[e] {
			t.Errorf("edge %+v listed twice", e)
		}
		seen[e] = true
	}
}

// generated imports a graph written by store/gen.
func walkGenerated(t testing.TB, people int) *store.Store {
	t.Helper()
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Options{Seed: 7, People: people}); err != nil {
		t.Fatal(err)
	}
	s := storetest.Open(t)
	if _, err := importer.ImportBytes(s, buf.Bytes(), "gen"); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWalkBounds(t *testing.T) {
	s := walkGenerated(t, 300)
	from, to := walkKey(t, s, "p-0"), walkKey(t, s, "p-299")

	// A bound of a few visited nodes: the walk stops and says why.
	_, err := s.ShortestPaths(context.Background(), store.PathQuery{From: from, To: to, MaxDepth: 6, Labels: store.AllLabels,
		Limits: store.WalkLimits{MaxVisited: 10}})
	var le *store.LimitError
	if !errors.As(err, &le) || le.Bound != store.BoundVisited || le.Visited != 10 {
		t.Fatalf("want a visited-bound LimitError, got %v", err)
	}
	_, err = s.Neighborhood(context.Background(), store.NeighborhoodQuery{Center: from, Depth: 3, Labels: store.AllLabels, First: 1000,
		Limits: store.WalkLimits{MaxVisited: 10}})
	if !errors.As(err, &le) || le.Bound != store.BoundVisited {
		t.Fatalf("neighbourhood: want a visited-bound LimitError, got %v", err)
	}

	// A deadline already gone: the time bound.
	_, err = s.ShortestPaths(context.Background(), store.PathQuery{From: from, To: to, MaxDepth: 6, Labels: store.AllLabels,
		Limits: store.WalkLimits{Timeout: time.Nanosecond}})
	if !errors.As(err, &le) || le.Bound != store.BoundTime {
		t.Fatalf("want a time-bound LimitError, got %v", err)
	}

	// Within the default bounds the same walk answers.
	ps, err := s.ShortestPaths(context.Background(), store.PathQuery{From: from, To: to, MaxDepth: 6, Labels: store.AllLabels, First: 1})
	if err != nil || len(ps) != 1 {
		t.Fatalf("default bounds: %v, %v", ps, err)
	}
}

// TestAllShortestPathsInvariants checks, on a generated graph, that every path listed is a
// shortest path made of real edges, that they are distinct and in order, and that the first is
// the one ShortestPaths with First 1 gives.
func TestAllShortestPathsInvariants(t *testing.T) {
	s := walkGenerated(t, 400)
	found, multi := 0, 0
	for i := 0; i < 40; i += 3 {
		from, to := walkKey(t, s, fmt.Sprintf("p-%d", i)), walkKey(t, s, fmt.Sprintf("p-%d", 399-i))
		q := store.PathQuery{From: from, To: to, MaxDepth: 6, Labels: store.DefaultLabels, First: 50}
		ps, err := s.ShortestPaths(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) == 0 {
			continue
		}
		found++
		if len(ps) > 1 {
			multi++
		}
		q.First = 1
		one, err := s.ShortestPaths(context.Background(), q)
		if err != nil || len(one) != 1 || !equalWalk(one[0], ps[0]) {
			t.Fatalf("First 1 gave %v, want %v", one, ps[0])
		}
		for k, p := range ps {
			if len(p.Edges) != len(ps[0].Edges) || p.Nodes[0] != from || p.Nodes[len(p.Nodes)-1] != to {
				t.Fatalf("path %d is not a shortest path from %s to %s: %v", k, from, to, p)
			}
			for j, e := range p.Edges {
				assertEdgeExists(t, s, e)
				if e.From != p.Nodes[j] || e.To != p.Nodes[j+1] {
					t.Fatalf("path %d edge %d does not follow the walk", k, j)
				}
			}
			if k > 0 && compareWalks(ps[k-1], p) >= 0 {
				t.Fatalf("paths %d and %d are not in strictly increasing order", k-1, k)
			}
		}
	}
	t.Logf("%d pairs connected, %d by more than one shortest path", found, multi)
	if found < 5 || multi < 2 {
		t.Errorf("the generated graph gave too few cases: %d pairs connected, %d by several paths", found, multi)
	}
}

// refEdge is an edge of the reference graph, from the node that holds it in refGraph.
type refEdge struct {
	to    store.ID
	label store.Label
	via   store.ID
}

// refGraph builds the path graph from the records themselves, following the rules of the schema's
// PathLabel rather than the walk's adjacency scans, as a reference to check walks against.
func refGraph(t *testing.T, s *store.Store) map[store.ID][]refEdge {
	t.Helper()
	g := map[store.ID][]refEdge{}
	add := func(a, b store.ID, l store.Label, via store.ID) {
		g[a] = append(g[a], refEdge{b, l, via})
		g[b] = append(g[b], refEdge{a, l, via})
	}
	direct := map[store.Kind]map[store.Rel]store.Label{
		store.KindOrganization: {store.RelParent: store.LabelUnitOf, store.RelSeat: store.LabelSeat},
		store.KindRegion:       {store.RelParent: store.LabelInside},
		store.KindEvent:        {store.RelOrganizer: store.LabelOrganizedBy, store.RelLocation: store.LabelHeldIn},
		store.KindStatement:    {store.RelSpeaker: store.LabelSaid, store.RelEvent: store.LabelAtEvent, store.RelAbout: store.LabelAbout},
		store.KindSource:       {store.RelPublisher: store.LabelPublishedBy},
	}
	err := s.Read(func(tx *store.Tx) error {
		for _, k := range store.Kinds {
			err := tx.Scan(k, func(n *store.Node) error {
				switch k {
				case store.KindPosition:
					add(n.Link(store.RelPerson), n.Link(store.RelOrganization), store.LabelPosition, n.ID)
					if r := n.Link(store.RelRegion); !r.IsZero() {
						add(n.Link(store.RelPerson), r, store.LabelPositionRegion, n.ID)
					}
					return nil
				case store.KindParticipation:
					add(n.Link(store.RelPerson), n.Link(store.RelEvent), store.LabelParticipation, n.ID)
					return nil
				}
				for r, l := range direct[k] {
					for _, to := range n.Links[r] {
						add(n.ID, to, l, store.ID{})
					}
				}
				cited := map[store.ID]bool{}
				for _, c := range n.Citations {
					if !cited[c.Source] {
						cited[c.Source] = true
						add(n.ID, c.Source, store.LabelCites, store.ID{})
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// refDistances is a plain breadth-first search over the reference graph.
func refDistances(g map[store.ID][]refEdge, root store.ID, labels store.LabelSet) map[store.ID]int {
	dist := map[store.ID]int{root: 0}
	for level := []store.ID{root}; len(level) > 0; {
		var next []store.ID
		for _, u := range level {
			for _, e := range g[u] {
				if _, ok := dist[e.to]; !ok && labels.Has(e.label) {
					dist[e.to] = dist[u] + 1
					next = append(next, e.to)
				}
			}
		}
		level = next
	}
	return dist
}

// refShortestPaths lists every shortest path from `from` to `to` in the reference graph, sorted
// as ShortestPaths sorts them, or reports false when there are more than limit.
func refShortestPaths(g map[store.ID][]refEdge, from, to store.ID, labels store.LabelSet, limit int) ([]store.Path, bool) {
	df, dt := refDistances(g, from, labels), refDistances(g, to, labels)
	length, ok := df[to]
	if !ok {
		return nil, true
	}
	var out []store.Path
	var nodes []store.ID
	var edges []store.PathEdge
	var dfs func(u store.ID) bool
	dfs = func(u store.ID) bool {
		nodes = append(nodes, u)
		defer func() { nodes = nodes[:len(nodes)-1] }()
		if u == to {
			if len(out) == limit {
				return false
			}
			out = append(out, store.Path{Nodes: slices.Clone(nodes), Edges: slices.Clone(edges)})
			return true
		}
		for _, e := range g[u] {
			if !labels.Has(e.label) || df[e.to] != df[u]+1 || dt[e.to] != length-df[u]-1 {
				continue
			}
			edges = append(edges, store.PathEdge{From: u, To: e.to, Label: e.label, Via: e.via})
			more := dfs(e.to)
			edges = edges[:len(edges)-1]
			if !more {
				return false
			}
		}
		return true
	}
	if !dfs(from) {
		return nil, false
	}
	slices.SortFunc(out, compareWalks)
	return out, true
}

// TestShortestPathsAgainstReference compares walks on a generated graph with a brute-force search
// over a graph built from the records: same length, same paths, same order.
func TestShortestPathsAgainstReference(t *testing.T) {
	s := walkGenerated(t, 200)
	g := refGraph(t, s)
	checked, connected, several := 0, 0, 0
	for _, labels := range []store.LabelSet{store.DefaultLabels, store.LabelsOf(store.LabelPosition, store.LabelParticipation, store.LabelUnitOf)} {
		for i := 0; i < 200; i += 7 {
			from, to := walkKey(t, s, fmt.Sprintf("p-%d", i)), walkKey(t, s, fmt.Sprintf("p-%d", (i*37+11)%200))
			want, ok := refShortestPaths(g, from, to, labels, 500)
			if !ok {
				continue // too many to list by brute force
			}
			got, err := s.ShortestPaths(context.Background(), store.PathQuery{From: from, To: to, MaxDepth: 6, Labels: labels, First: 500})
			if err != nil {
				t.Fatal(err)
			}
			if len(want) > 0 && len(want[0].Edges) > 6 {
				want = nil
			}
			if !slices.EqualFunc(got, want, equalWalk) {
				t.Fatalf("%s → %s: got %d paths, want %d\n got %v\nwant %v", from, to, len(got), len(want), got, want)
			}
			checked++
			if len(want) > 0 {
				connected++
			}
			if len(want) > 1 {
				several++
			}
		}
	}
	t.Logf("%d pairs checked: %d connected, %d by several shortest paths", checked, connected, several)
	if checked < 20 || connected < 10 || several < 5 {
		t.Errorf("too few cases: %d pairs checked, %d connected, %d by several paths", checked, connected, several)
	}
}

// TestNeighborhoodAgainstReference compares neighbourhoods on a generated graph with the
// reference graph: the nodes within depth in BFS-then-ID order, and every edge out of a node of
// an inner level to a node of the subgraph, once.
func TestNeighborhoodAgainstReference(t *testing.T) {
	s := walkGenerated(t, 200)
	g := refGraph(t, s)
	for _, key := range []string{"p-3", "org-0", "org-7", "ev-2", "AA-01"} {
		center := walkKey(t, s, key)
		for depth := 1; depth <= 2; depth++ {
			sub, err := s.Neighborhood(context.Background(), store.NeighborhoodQuery{Center: center, Depth: depth, Labels: store.DefaultLabels, First: 1000})
			if err != nil {
				t.Fatal(err)
			}
			dist := refDistances(g, center, store.DefaultLabels)
			var want []store.ID
			for id, d := range dist {
				if d <= depth {
					want = append(want, id)
				}
			}
			slices.SortFunc(want, func(a, b store.ID) int {
				if dist[a] != dist[b] {
					return dist[a] - dist[b]
				}
				return walkCompareIDs(a, b)
			})
			if len(want) > 1000 {
				if !sub.Truncated || !slices.Equal(sub.Nodes, want[:1000]) {
					t.Fatalf("%s depth %d: truncated nodes differ from the reference", key, depth)
				}
				continue
			}
			if sub.Truncated || !slices.Equal(sub.Nodes, want) {
				t.Fatalf("%s depth %d: got %d nodes (truncated %v), want %d", key, depth, len(sub.Nodes), sub.Truncated, len(want))
			}
			assertSubgraph(t, sub)
			index := map[store.ID]int{}
			for i, id := range sub.Nodes {
				index[id] = i
			}
			type ek struct {
				a, b store.ID
				l    store.Label
				via  store.ID
			}
			wantEdges := map[ek]bool{}
			for _, u := range sub.Nodes {
				if dist[u] >= depth {
					continue
				}
				for _, e := range g[u] {
					if _, in := index[e.to]; in && store.DefaultLabels.Has(e.label) {
						a, b := u, e.to
						if index[a] > index[b] {
							a, b = b, a
						}
						wantEdges[ek{a, b, e.label, e.via}] = true
					}
				}
			}
			if len(sub.Edges) != len(wantEdges) {
				t.Fatalf("%s depth %d: %d edges, want %d", key, depth, len(sub.Edges), len(wantEdges))
			}
			for _, e := range sub.Edges {
				if !wantEdges[ek{e.From, e.To, e.Label, e.Via}] {
					t.Fatalf("%s depth %d: edge %+v is not in the reference", key, depth, e)
				}
			}
		}
	}
}

// assertEdgeExists checks that e is an edge of the path graph, reading the records it joins.
func assertEdgeExists(t *testing.T, s *store.Store, e store.PathEdge) {
	t.Helper()
	has := func(holder, target store.ID) bool {
		n, err := s.Get(holder)
		if err != nil {
			t.Fatal(err)
		}
		for r, ids := range n.Links {
			if slices.Contains(ids, target) && r != store.RelCites {
				return true
			}
		}
		for _, c := range n.Citations {
			if c.Source == target && e.Label == store.LabelCites {
				return true
			}
		}
		return false
	}
	if !e.Via.IsZero() {
		if !has(e.Via, e.From) || !has(e.Via, e.To) {
			t.Fatalf("edge %+v: its via does not join its ends", e)
		}
		return
	}
	if !has(e.From, e.To) && !has(e.To, e.From) {
		t.Fatalf("edge %+v: no relation joins its ends", e)
	}
}

func walkCompareIDs(a, b store.ID) int {
	if a.Kind != b.Kind {
		return int(a.Kind) - int(b.Kind)
	}
	switch {
	case a.Seq < b.Seq:
		return -1
	case a.Seq > b.Seq:
		return 1
	}
	return 0
}

// compareWalks orders paths as ShortestPaths lists them: node IDs, then edges.
func compareWalks(a, b store.Path) int {
	if c := slices.CompareFunc(a.Nodes, b.Nodes, walkCompareIDs); c != 0 {
		return c
	}
	return slices.CompareFunc(a.Edges, b.Edges, func(x, y store.PathEdge) int {
		if x.Label != y.Label {
			return int(x.Label) - int(y.Label)
		}
		return walkCompareIDs(x.Via, y.Via)
	})
}

// BenchmarkShortestPath4Hop finds shortest paths of length 4 (default labels) between people of a
// generated graph of 20000 people.
func BenchmarkShortestPath4Hop(b *testing.B) {
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Options{Seed: 1, People: 20000}); err != nil {
		b.Fatal(err)
	}
	s, err := store.Open(store.Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := importer.ImportBytes(s, buf.Bytes(), "gen"); err != nil {
		b.Fatal(err)
	}
	// Pairs of people four edges apart.
	var pairs [][2]store.ID
	for i := 0; len(pairs) < 20 && i < 2000; i++ {
		from, to := walkKey(b, s, fmt.Sprintf("p-%d", i)), walkKey(b, s, fmt.Sprintf("p-%d", 19999-7*i))
		ps, err := s.ShortestPaths(context.Background(), store.PathQuery{From: from, To: to, MaxDepth: 4, Labels: store.DefaultLabels, First: 1})
		if err != nil {
			b.Fatal(err)
		}
		if len(ps) == 1 && len(ps[0].Edges) == 4 {
			pairs = append(pairs, [2]store.ID{from, to})
		}
	}
	if len(pairs) == 0 {
		b.Fatal("no pair of people four edges apart")
	}
	i := 0
	for b.Loop() {
		p := pairs[i%len(pairs)]
		i++
		ps, err := s.ShortestPaths(context.Background(), store.PathQuery{From: p[0], To: p[1], MaxDepth: 4, Labels: store.DefaultLabels, First: 1})
		if err != nil || len(ps) != 1 {
			b.Fatalf("%v %v", ps, err)
		}
	}
	b.ReportMetric(float64(len(pairs)), "pairs")
}
