package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/gen"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/storetest"
)

// walkPair imports the same generated graph into two stores and empties, in the second, the ends
// that in-keys of Positions and Participations hold: the first store walks by reading the ends,
// the second by one seek per membership (the walk as it was before ends values, which it falls
// back to for stores written before them). Both must pass the integrity check.
func walkPair(t *testing.T, people int) (ends, seeks *store.Store) {
	t.Helper()
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Options{Seed: 11, People: people}); err != nil {
		t.Fatal(err)
	}
	ends, seeks = storetest.Open(t), storetest.Open(t)
	for _, s := range []*store.Store{ends, seeks} {
		if _, err := importer.ImportBytes(s, buf.Bytes(), "gen"); err != nil {
			t.Fatal(err)
		}
	}
	n, err := seeks.ClearEndsForTest()
	if err != nil || n == 0 {
		t.Fatalf("cleared %d ends: %v", n, err)
	}
	assertNoViolations(t, ends)
	assertNoViolations(t, seeks)
	return ends, seeks
}

// sameWalkResult fails unless two walks gave the same answer or the same kind of error.
func sameWalkResult(t *testing.T, what string, a, b any, ea, eb error) {
	t.Helper()
	var la, lb *store.LimitError
	switch {
	case ea != nil || eb != nil:
		if !errors.As(ea, &la) || !errors.As(eb, &lb) || *la != *lb {
			t.Fatalf("%s: errors differ: %v / %v", what, ea, eb)
		}
	case !reflect.DeepEqual(a, b):
		t.Fatalf("%s: answers differ\n ends %v\nseeks %v", what, a, b)
	}
}

// TestWalksReadingEndsAgainstSeeks compares walks that read a membership's other end from the
// in-key's value with walks that seek the Position's or Participation's out-keys, on a generated
// graph of a few thousand people: the same paths in the same order, the same neighbourhoods, the
// same limit errors.
func TestWalksReadingEndsAgainstSeeks(t *testing.T) {
	people := 3000
	if testing.Short() {
		people = 600
	}
	ends, seeks := walkPair(t, people)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 5))
	person := func() store.ID { return walkKey(t, ends, fmt.Sprintf("p-%d", r.IntN(people))) }
	labelSets := []store.LabelSet{
		store.DefaultLabels,
		store.LabelsOf(store.LabelPosition, store.LabelParticipation),
		store.LabelsOf(store.LabelPositionRegion, store.LabelInside, store.LabelSeat),
		store.AllLabels,
	}
	found := 0
	for i := range 240 {
		q := store.PathQuery{From: person(), To: person(), MaxDepth: 2 + i%3, Labels: labelSets[i%len(labelSets)], First: 1 + i%25,
			Limits: store.WalkLimits{MaxVisited: 20000, Timeout: time.Minute}}
		if i%11 == 0 {
			q.To = walkKey(t, ends, fmt.Sprintf("org-%d", r.IntN(50)))
		}
		a, ea := ends.ShortestPaths(ctx, q)
		b, eb := seeks.ShortestPaths(ctx, q)
		sameWalkResult(t, fmt.Sprintf("path %d %+v", i, q), a, b, ea, eb)
		if len(a) > 0 {
			found++
		}
	}
	if found < 50 {
		t.Errorf("only %d of 240 pairs connected: the comparison says little", found)
	}
	for i := range 60 {
		center := person()
		switch i % 4 {
		case 1:
			center = walkKey(t, ends, fmt.Sprintf("org-%d", r.IntN(20)))
		case 2:
			center = walkKey(t, ends, fmt.Sprintf("ev-%d", r.IntN(20)))
		}
		q := store.NeighborhoodQuery{Center: center, Depth: 1 + i%3, Labels: labelSets[i%len(labelSets)], First: 50 + 97*(i%7),
			Limits: store.WalkLimits{MaxVisited: 20000, Timeout: time.Minute}}
		a, ea := ends.Neighborhood(ctx, q)
		b, eb := seeks.Neighborhood(ctx, q)
		sameWalkResult(t, fmt.Sprintf("neighbourhood %d %+v", i, q), a, b, ea, eb)
	}
}

// TestEndsFollowUpdates: when a Position changes the records it joins, the ends held by the
// in-keys of the links it keeps change with it (the integrity check compares them with the
// record), and walks follow the new ends; a Participation's too; deleting them leaves nothing.
func TestEndsFollowUpdates(t *testing.T) {
	ends, seeks := walkPair(t, 200)
	orgA, orgB := walkKey(t, ends, "org-1"), walkKey(t, ends, "org-2")
	region := walkKey(t, ends, "AA-01")
	ev := walkKey(t, ends, "ev-3")
	var pos, par store.ID
	err := ends.Read(func(tx *store.Tx) error {
		if err := tx.Scan(store.KindPosition, func(n *store.Node) error {
			if pos.IsZero() && n.Link(store.RelRegion).IsZero() {
				pos = n.ID
			}
			return nil
		}); err != nil {
			return err
		}
		return tx.Scan(store.KindParticipation, func(n *store.Node) error {
			if par.IsZero() {
				par = n.ID
			}
			return nil
		})
	})
	if err != nil || pos.IsZero() || par.IsZero() {
		t.Fatalf("no position or participation to change: %v", err)
	}
	ctx := context.Background()
	centers := []store.ID{orgA, orgB, region, ev, get(t, ends, pos).Link(store.RelPerson), get(t, ends, par).Link(store.RelPerson)}
	compare := func(step string) {
		t.Helper()
		assertNoViolations(t, ends)
		assertNoViolations(t, seeks)
		for _, id := range centers {
			q := store.NeighborhoodQuery{Center: id, Depth: 2, Labels: store.DefaultLabels, First: 5000}
			a, ea := ends.Neighborhood(ctx, q)
			b, eb := seeks.Neighborhood(ctx, q)
			sameWalkResult(t, step+": neighbourhood of "+id.String(), a, b, ea, eb)
		}
	}
	change := func(step string, id store.ID, edit func(n *store.Node)) {
		t.Helper()
		for _, s := range []*store.Store{ends, seeks} {
			n := get(t, s, id)
			edit(n)
			put(t, s, n)
		}
		compare(step)
	}
	change("organization changed", pos, func(n *store.Node) { n.SetLink(store.RelOrganization, orgA) })
	change("organization changed again", pos, func(n *store.Node) { n.SetLink(store.RelOrganization, orgB) })
	change("region added", pos, func(n *store.Node) { n.SetLink(store.RelRegion, region) })
	change("title changed", pos, func(n *store.Node) { n.Title = "Trésorier" })
	change("region removed", pos, func(n *store.Node) { n.SetLink(store.RelRegion) })
	change("event changed", par, func(n *store.Node) { n.SetLink(store.RelEvent, ev) })

	// The person of the position reaches orgB through it, and orgA no longer through it.
	person := get(t, ends, pos).Link(store.RelPerson)
	sub, err := ends.Neighborhood(ctx, store.NeighborhoodQuery{Center: person, Depth: 1, Labels: store.LabelsOf(store.LabelPosition), First: 100})
	if err != nil {
		t.Fatal(err)
	}
	var viaB, viaA bool
	for _, e := range sub.Edges {
		viaB = viaB || (e.Via == pos && (e.To == orgB || e.From == orgB))
		viaA = viaA || (e.Via == pos && (e.To == orgA || e.From == orgA))
	}
	if !viaB || viaA {
		t.Fatalf("edges of %s after the change: %+v", person, sub.Edges)
	}

	for _, s := range []*store.Store{ends, seeks} {
		if err := s.Update(func(tx *store.Tx) error {
			if err := tx.Delete(pos); err != nil {
				return err
			}
			return tx.Delete(par)
		}); err != nil {
			t.Fatal(err)
		}
	}
	compare("deleted")
}

// TestCheckFindsWrongEnds: an in-key whose ends do not match its Position or Participation is a
// violation (an empty one is not: walkPair checks the store without ends).
func TestCheckFindsWrongEnds(t *testing.T) {
	s := walkGenerated(t, 20)
	if err := s.CorruptEndsForTest(); err != nil {
		t.Fatal(err)
	}
	var got []store.Violation
	if _, err := s.Check(10, func(v store.Violation) { got = append(got, v) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !strings.Contains(got[0].Reason, "wrong ends") {
		t.Fatalf("violations: %v", got)
	}
}

// TestLastStepAgainstStep compares shortest-path walks whose last level records only the edges
// into meeting nodes (lastStep) with walks that expand it in full (step), on a generated graph:
// the same paths, and the same visited-bound errors at bounds around the level sizes.
func TestLastStepAgainstStep(t *testing.T) {
	people := 2000
	if testing.Short() {
		people = 500
	}
	s := walkGenerated(t, people)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(8, 13))
	person := func() store.ID { return walkKey(t, s, fmt.Sprintf("p-%d", r.IntN(people))) }
	labelSets := []store.LabelSet{store.DefaultLabels, store.LabelsOf(store.LabelPosition, store.LabelParticipation), store.AllLabels}
	bounds := []int{0, 20, 100, 400, 1500, 6000}
	errs, found := 0, 0
	for i := range 300 {
		q := store.PathQuery{From: person(), To: person(), MaxDepth: 1 + i%5, Labels: labelSets[i%len(labelSets)], First: 1 + i%30,
			Limits: store.WalkLimits{MaxVisited: bounds[i%len(bounds)], Timeout: time.Minute}}
		a, ea := s.ShortestPaths(ctx, q)
		prev := store.SetLastStepShortcutForTest(false)
		b, eb := s.ShortestPaths(ctx, q)
		store.SetLastStepShortcutForTest(prev)
		sameWalkResult(t, fmt.Sprintf("path %d %+v", i, q), a, b, ea, eb)
		if ea != nil {
			errs++
		} else if len(a) > 0 {
			found++
		}
	}
	t.Logf("300 walks: %d connected, %d at the visited bound", found, errs)
	if found < 50 || errs < 20 {
		t.Errorf("too few cases: %d connected, %d at the visited bound", found, errs)
	}
}
