package store_test

import (
	"fmt"
	"testing"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/storetest"
)

type searchFixture struct {
	city, region, chamber, laayoune, badia, stm, source store.ID
}

func buildSearch(t *testing.T, s *store.Store) searchFixture {
	var f searchFixture
	f.source = create(t, s, &store.Node{Kind: store.KindSource, Key: "iso-3166-2-ma", Title: "ISO 3166-2:MA — Morocco subdivision codes"})
	// The chamber is created first, so that ID order alone would rank it first.
	f.chamber = create(t, s, &store.Node{Kind: store.KindOrganization, Key: "ccis", Name: "Chambre de Commerce de Marrakech-Safi", Acronym: "CCIS"})
	f.region = create(t, s, &store.Node{Kind: store.KindRegion, Key: "MA-07", Name: "Marrakech-Safi"})
	f.city = create(t, s, &store.Node{Kind: store.KindRegion, Key: "marrakech", Name: "Marrakech", Aliases: []string{"Marrakesh"}})
	f.laayoune = create(t, s, &store.Node{Kind: store.KindRegion, Key: "MA-11", Name: "Laâyoune-Sakia El Hamra",
		Aliases: []string{"Laayoune-Sakia El Hamra", "Laâyoune-Saguia El Hamra", "العيون الساقية الحمراء"}})
	f.badia = create(t, s, &store.Node{Kind: store.KindPerson, Key: "badia-bitar", Name: "Badia Bitar"})
	f.stm = create(t, s, withLinks(&store.Node{Kind: store.KindStatement, Language: "fr",
		Text: "Cette rencontre est le couronnement de tous les efforts déployés par l'ASMEX"},
		map[store.Rel][]store.ID{store.RelSpeaker: {f.badia}}))
	return f
}

func search(t *testing.T, s *store.Store, q string, kinds []store.Kind, first int) []store.NameHit {
	t.Helper()
	hits, err := s.SearchNames(q, kinds, first)
	if err != nil {
		t.Fatalf("SearchNames(%q): %v", q, err)
	}
	return hits
}

func wantHits(t *testing.T, what string, got []store.NameHit, want ...store.NameHit) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

func TestSearchNames(t *testing.T) {
	s := storetest.Open(t)
	f := buildSearch(t, s)
	city := store.NameHit{ID: f.city, Match: store.MatchExact, Name: "marrakech"}
	region := store.NameHit{ID: f.region, Match: store.MatchPrefix, Name: "marrakech safi"}
	chamber := store.NameHit{ID: f.chamber, Match: store.MatchInside, Name: "chambre de commerce de marrakech safi"}

	t.Run("ranking", func(t *testing.T) {
		for _, q := range []string{"marrakech", "MARRAKECH", "marrakéch", "  Marrakech ", "Marrakech!"} {
			wantHits(t, q, search(t, s, q, nil, 10), city, region, chamber)
		}
	})
	t.Run("kinds", func(t *testing.T) {
		wantHits(t, "Organization", search(t, s, "marrakech", []store.Kind{store.KindOrganization}, 10), chamber)
		wantHits(t, "Region", search(t, s, "marrakech", []store.Kind{store.KindRegion}, 10), city, region)
		wantHits(t, "Person, Organization", search(t, s, "marrakech", []store.Kind{store.KindPerson, store.KindOrganization}, 10), chamber)
		wantHits(t, "Event", search(t, s, "marrakech", []store.Kind{store.KindEvent}, 10))
	})
	t.Run("first", func(t *testing.T) {
		wantHits(t, "first=1", search(t, s, "marrakech", nil, 1), city)
		wantHits(t, "first=2", search(t, s, "marrakech", nil, 2), city, region)
		wantHits(t, "first=3", search(t, s, "marrakech", nil, 3), city, region, chamber)
		wantHits(t, "first=0", search(t, s, "marrakech", nil, 0))
	})
	t.Run("aliases", func(t *testing.T) {
		laayoune := store.NameHit{ID: f.laayoune, Match: store.MatchPrefix, Name: "laayoune sakia el hamra"}
		wantHits(t, "laayoune", search(t, s, "laayoune", nil, 10), laayoune)
		wantHits(t, "Laâyoune", search(t, s, "Laâyoune", nil, 10), laayoune)
		wantHits(t, "saguia", search(t, s, "saguia", nil, 10),
			store.NameHit{ID: f.laayoune, Match: store.MatchInside, Name: "laayoune saguia el hamra"})
		wantHits(t, "marrakesh", search(t, s, "Marrakesh", nil, 10),
			store.NameHit{ID: f.city, Match: store.MatchExact, Name: "marrakesh"})
		wantHits(t, "arabic", search(t, s, "العيون", nil, 10),
			store.NameHit{ID: f.laayoune, Match: store.MatchPrefix, Name: "العيون الساقية الحمراء"})
		wantHits(t, "acronym", search(t, s, "ccis", nil, 10),
			store.NameHit{ID: f.chamber, Match: store.MatchExact, Name: "ccis"})
		wantHits(t, "source title", search(t, s, "iso 3166", nil, 10),
			store.NameHit{ID: f.source, Match: store.MatchPrefix, Name: "iso 3166 2 ma morocco subdivision codes"})
	})
	t.Run("every word", func(t *testing.T) {
		wantHits(t, "safi marrakech", search(t, s, "safi marrakech", nil, 10),
			store.NameHit{ID: f.region, Match: store.MatchWord, Name: "marrakech safi"},
			store.NameHit{ID: f.chamber, Match: store.MatchWord, Name: "chambre de commerce de marrakech safi"})
		wantHits(t, "bitar badia", search(t, s, "Bitar Badia", nil, 10),
			store.NameHit{ID: f.badia, Match: store.MatchWord, Name: "badia bitar"})
		wantHits(t, "word prefixes", search(t, s, "bit bad", nil, 10),
			store.NameHit{ID: f.badia, Match: store.MatchWord, Name: "badia bitar"})
		wantHits(t, "one word missing", search(t, s, "badia marrakech", nil, 10))
	})
	t.Run("statement text is not a name", func(t *testing.T) {
		// Statements are found by their text through the full-text index (store/textindex), not
		// through the name index.
		wantHits(t, "couronnement", search(t, s, "couronnement", nil, 10))
		wantHits(t, "déployés", search(t, s, "déployés", []store.Kind{store.KindStatement}, 10))
	})
	t.Run("nothing", func(t *testing.T) {
		for _, q := range []string{"", " ", "-", "casablanca", "marrakechx", "zz"} {
			wantHits(t, q, search(t, s, q, nil, 10))
		}
	})
}

func TestSearchTies(t *testing.T) {
	s := storetest.Open(t)
	// Same match and same length: by kind, then by ID.
	org := create(t, s, &store.Node{Kind: store.KindOrganization, Name: "Atlas"})
	p1 := create(t, s, &store.Node{Kind: store.KindPerson, Name: "Atlas"})
	p2 := create(t, s, &store.Node{Kind: store.KindPerson, Name: "ATLAS"})
	longer := create(t, s, &store.Node{Kind: store.KindPerson, Name: "Atlas Lions"})
	shorter := create(t, s, &store.Node{Kind: store.KindRegion, Name: "Atlas Sud"})
	wantHits(t, "atlas", search(t, s, "atlas", nil, 10),
		store.NameHit{ID: p1, Match: store.MatchExact, Name: "atlas"},
		store.NameHit{ID: p2, Match: store.MatchExact, Name: "atlas"},
		store.NameHit{ID: org, Match: store.MatchExact, Name: "atlas"},
		store.NameHit{ID: shorter, Match: store.MatchPrefix, Name: "atlas sud"},
		store.NameHit{ID: longer, Match: store.MatchPrefix, Name: "atlas lions"})
}

func TestSearchAfterRename(t *testing.T) {
	s := storetest.Open(t)
	f := buildSearch(t, s)
	n := get(t, s, f.chamber)
	n.Name = "Chambre de Commerce de Casablanca-Settat"
	n.Acronym = ""
	put(t, s, n)
	wantHits(t, "marrakech", search(t, s, "marrakech", nil, 10),
		store.NameHit{ID: f.city, Match: store.MatchExact, Name: "marrakech"},
		store.NameHit{ID: f.region, Match: store.MatchPrefix, Name: "marrakech safi"})
	wantHits(t, "casablanca", search(t, s, "casablanca", nil, 10),
		store.NameHit{ID: f.chamber, Match: store.MatchInside, Name: "chambre de commerce de casablanca settat"})
	wantHits(t, "chambre", search(t, s, "chambre", nil, 10),
		store.NameHit{ID: f.chamber, Match: store.MatchPrefix, Name: "chambre de commerce de casablanca settat"})
	wantHits(t, "ccis", search(t, s, "ccis", nil, 10))

	// Dropping an alias drops its entries; the statement's new text replaces the old words.
	r := get(t, s, f.laayoune)
	r.Aliases = nil
	put(t, s, r)
	wantHits(t, "saguia", search(t, s, "saguia", nil, 10))
	wantHits(t, "laayoune", search(t, s, "laayoune", nil, 10),
		store.NameHit{ID: f.laayoune, Match: store.MatchPrefix, Name: "laayoune sakia el hamra"})
	// A statement's text is not in the name index, before or after a change (the full-text index
	// follows it: store/textindex).
	st := get(t, s, f.stm)
	st.Text = "Une grande première"
	put(t, s, st)
	wantHits(t, "couronnement", search(t, s, "couronnement", nil, 10))
	wantHits(t, "premiere", search(t, s, "premiere", nil, 10))
}
