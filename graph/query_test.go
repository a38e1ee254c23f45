package graph_test

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kgql/kgql/graph"
)

// Query power for analysts, over the built-in dataset and a few extra records: filters with
// their exact results, orderings, asOf, aggregates and the cost limit. Cursor walks are in
// cursor_walk_test.go.

// qaCite is the citation every extra record carries.
var qaCite = `"citations":[{"source":"` + articleKey + `","excerpt":"L 'ASMEX (Association Marocaine des Exportateurs) a organisé, lundi 14 juin à Marrakech, son premier Conseil des Régions."}]`

// qaFixture are extra records for orderings, dates and walks: five events (equal and different
// start dates and names, one undated), statements with and without dates, a person with two
// dated positions in ASMEX scoped to Marrakech-Safi, and a third source without a date. They are
// created in this order, after the built-in dataset.
var qaFixture = strings.Join([]string{
	`{"type":"Source","key":"qa-note","title":"Note de synthèse sur les délégations régionales","language":"fr"}`,
	`{"type":"Event","key":"qa-event-beta","name":"Bêta","startDate":"2022-03-01","endDate":"2022-03-02","location":"marrakech","organizers":["asmex"],` + qaCite + `}`,
	`{"type":"Event","key":"qa-event-alpha-1","name":"alpha","startDate":"2022-03-01","endDate":"2022-03-01","location":"MA-07","organizers":["asmex","fcmcis"],` + qaCite + `}`,
	`{"type":"Event","key":"qa-event-gamma","name":"Gamma","startDate":"2021-01-01","location":"MA-09","organizers":["fcmcis"],` + qaCite + `}`,
	`{"type":"Event","key":"qa-event-alpha-2","name":"Alpha","startDate":"2022-03-01","location":"marrakech","organizers":["asmex"],` + qaCite + `}`,
	`{"type":"Event","key":"qa-event-undated","name":"Delta","organizers":["asmex"],` + qaCite + `}`,
	`{"type":"Statement","key":"qa-stm-beta","speaker":"adil-zaidi","event":"qa-event-beta","text":"Première déclaration de test","language":"fr","date":"2022-03-01",` + qaCite + `}`,
	`{"type":"Statement","key":"qa-stm-gamma","speaker":"adil-zaidi","event":"qa-event-gamma","text":"Deuxième déclaration de test, sans date","language":"fr",` + qaCite + `}`,
	`{"type":"Statement","key":"qa-stm-alpha","speaker":"adil-zaidi","event":"qa-event-alpha-1","text":"Troisième déclaration de test","language":"fr","date":"2022-03-01",` + qaCite + `}`,
	`{"type":"Statement","key":"qa-stm-early","speaker":"adil-zaidi","event":"qa-event-alpha-2","text":"Quatrième déclaration de test","language":"fr","date":"2019-05-05",` + qaCite + `}`,
	`{"type":"Person","key":"qa-nadia-test","name":"Nadia Test",` + qaCite + `}`,
	`{"type":"Position","key":"qa-pos-old","person":"qa-nadia-test","organization":"asmex","title":"trésorière","region":"MA-07","startDate":"2015-01-01","endDate":"2019-12-31",` + qaCite + `}`,
	`{"type":"Position","key":"qa-pos-new","person":"qa-nadia-test","organization":"asmex","title":"vice-présidente","region":"MA-07","startDate":"2020-01-01",` + qaCite + `}`,
}, "\n")

// qaServer is newServer with qaFixture imported.
func qaServer(t *testing.T) *client {
	t.Helper()
	c, s := newServer(t)
	importNDJSON(t, s, qaFixture)
	return c
}

// qaAt descends into data along path (object fields).
func qaAt(t *testing.T, data json.RawMessage, path ...string) json.RawMessage {
	t.Helper()
	raw := data
	for _, k := range path {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil || m[k] == nil {
			t.Fatalf("no %q in %s", k, raw)
		}
		raw = m[k]
	}
	return raw
}

// qaKeys runs a query whose field `c` (at the root, or under `p`) is a connection selecting
// `totalCount nodes { key }`, or a plain list of objects with a key, and returns the keys. For a
// connection it checks that totalCount is the number of nodes (the queries ask for a page that
// holds the whole list).
func qaKeys(t *testing.T, c *client, query string, vars map[string]any) []string {
	t.Helper()
	data := c.mustDo(t, query, vars, nil)
	var root map[string]json.RawMessage
	if err := json.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	raw := root["c"]
	if raw == nil {
		raw = qaAt(t, data, "p", "c")
	}
	type keyed struct {
		Key *string `json:"key"`
	}
	var items []keyed
	if strings.HasPrefix(strings.TrimSpace(string(raw)), "[") {
		items = decode[[]keyed](t, raw)
	} else {
		conn := decode[struct {
			TotalCount *int    `json:"totalCount"`
			Nodes      []keyed `json:"nodes"`
		}](t, raw)
		if conn.TotalCount != nil && *conn.TotalCount != len(conn.Nodes) {
			t.Errorf("totalCount %d for %d nodes: %s", *conn.TotalCount, len(conn.Nodes), query)
		}
		items = conn.Nodes
	}
	out := []string{}
	for _, it := range items {
		if it.Key == nil {
			out = append(out, "<nil>")
		} else {
			out = append(out, *it.Key)
		}
	}
	return out
}

// qaRoot wraps a root list field (with its arguments) into a query for qaKeys.
func qaRoot(field string) string { return `{ c: ` + field + ` { totalCount nodes { key } } }` }

// qaNested wraps a nested connection field under a parent for qaKeys.
func qaNested(parent, field string) string {
	return `{ p: ` + parent + ` { c: ` + field + ` { totalCount nodes { key } } } }`
}

var (
	qaDelegates = []string{"hassan-yanja", "najat-toulba", "khalid-bounajma", "badia-bitar", "amine-laghidi",
		"zouheir-benjelloun", "rachid-zerati", "mehdi-laraqui", "fouad-lamrini", "jihad-essikili", "said-abdati"}
	qaASMEXPeople = append([]string{"hassan-sentissi-el-idrissi"}, qaDelegates...)
	qaAllRegions  = []string{"MA", "MA-01", "MA-02", "MA-03", "MA-04", "MA-05", "MA-06", "MA-07", "MA-08", "MA-09",
		"MA-10", "MA-11", "MA-12", "marrakech"}
	qaEventKey = "asmex-conseil-des-regions-2021-06-14"
)

type qaCase struct {
	name  string
	query string
	want  []string // keys, in the list's order
}

func TestQueryFilters(t *testing.T) {
	c, _ := newServer(t)
	cases := []qaCase{
		// Strings: folded for accents and case.
		{"contains, folded", qaRoot(`regions(where: {name: {contains: "OUED"}})`), []string{"MA-10", "MA-12"}},
		{"eq with an apostrophe", qaRoot(`regions(where: {name: {eq: "l'oriental"}})`), []string{"MA-02"}},
		{"eq with a typographic apostrophe, upper case", qaRoot(`regions(where: {name: {eq: "L’ORIENTAL"}})`), []string{"MA-02"}},
		{"eq without accents", qaRoot(`regions(where: {name: {eq: "laayoune-sakia el hamra"}})`), []string{"MA-11"}},
		{"eq with other punctuation", qaRoot(`regions(where: {name: {eq: "Laâyoune Sakia El-Hamra"}})`), []string{"MA-11"}},
		{"eq is the whole name", qaRoot(`regions(where: {name: {eq: "laayoune"}})`), []string{}},
		{"eq on the name, not the aliases", qaRoot(`regions(where: {name: {eq: "Morocco"}})`), []string{}},
		{"startsWith", qaRoot(`regions(where: {name: {startsWith: "MAR"}})`), []string{"MA", "MA-07", "marrakech"}},
		{"startsWith, people", qaRoot(`people(where: {name: {startsWith: "ha"}})`), []string{"hassan-sentissi-el-idrissi", "hassan-yanja"}},
		{"eq, accented name", qaRoot(`people(where: {name: {eq: "said abdati"}})`), []string{"said-abdati"}},
		{"in", qaRoot(`regions(where: {name: {in: ["souss-massa", "FES-MEKNES", "nowhere"]}})`), []string{"MA-03", "MA-09"}},
		{"several operators: all hold", qaRoot(`regions(where: {name: {startsWith: "mar", contains: "safi"}})`), []string{"MA-07"}},
		{"acronym", qaRoot(`organizations(where: {acronym: {eq: "asmex"}})`), []string{"asmex"}},
		{"source title contains", qaRoot(`sources(where: {title: {contains: "ISO"}})`), []string{"iso-3166-2-ma"}},
		{"statement text contains", qaRoot(`statements(where: {text: {contains: "MADE IN MOROCCO"}})`), []string{"asmex-cdr-2021-fadlam-1"}},
		{"statement text startsWith", qaRoot(`statements(where: {text: {startsWith: "c'est une grande"}})`), []string{"asmex-cdr-2021-zaidi-2"}},
		// Keys, codes and languages: exact.
		{"key in", qaRoot(`people(where: {key: {in: ["badia-bitar", "adil-zaidi", "nobody"]}})`), []string{"adil-zaidi", "badia-bitar"}},
		{"key eq is exact", qaRoot(`people(where: {key: {eq: "Adil-Zaidi"}})`), []string{}},
		{"key eq, region", qaRoot(`regions(where: {key: {eq: "ma-07"}})`), []string{}},
		{"code eq", qaRoot(`regions(where: {code: {eq: "MA-07"}})`), []string{"MA-07"}},
		{"code in", qaRoot(`regions(where: {code: {in: ["MA-02", "MA-01"]}})`), []string{"MA-01", "MA-02"}},
		{"language", qaRoot(`statements(where: {language: {eq: "fr"}})`), []string{"asmex-cdr-2021-sentissi-1", "asmex-cdr-2021-fadlam-1", "asmex-cdr-2021-zaidi-1", "asmex-cdr-2021-zaidi-2"}},
		// Enums.
		{"kind CITY", qaRoot(`regions(where: {kind: [CITY]})`), []string{"marrakech"}},
		{"kind COUNTRY or CITY", qaRoot(`regions(where: {kind: [COUNTRY, CITY]})`), []string{"MA", "marrakech"}},
		{"organization kind", qaRoot(`organizations(where: {kind: [COMMISSION]})`), []string{"dynamique-regionale", "csmd"}},
		// Dates: chronological, a missing date matches none.
		{"date range", qaRoot(`events(where: {startDate: {gte: "2021-06-01", lt: "2021-07-01"}})`), []string{qaEventKey}},
		{"date eq", qaRoot(`events(where: {startDate: {eq: "2021-06-14"}})`), []string{qaEventKey}},
		{"date lte, inclusive", qaRoot(`events(where: {endDate: {lte: "2021-06-14"}})`), []string{qaEventKey}},
		{"date gt, exclusive", qaRoot(`events(where: {startDate: {gt: "2021-06-14"}})`), []string{}},
		{"date lt, exclusive", qaRoot(`events(where: {startDate: {lt: "2021-06-14"}})`), []string{}},
		{"statement date", qaRoot(`statements(where: {date: {gte: "2021-06-14", lte: "2021-06-14"}, speaker: {key: {eq: "adil-zaidi"}}})`), []string{"asmex-cdr-2021-zaidi-1", "asmex-cdr-2021-zaidi-2"}},
		{"missing date matches none", qaRoot(`sources(where: {publishedAt: {gte: "1900-01-01"}})`), []string{articleKey}},
		{"NOT of a date: the missing one", qaRoot(`sources(where: {NOT: {publishedAt: {gte: "1900-01-01"}}})`), []string{"iso-3166-2-ma"}},
		// Regions and what is inside them.
		{"within: the region and inside it", qaRoot(`regions(where: {within: "MA-07"})`), []string{"MA-07", "marrakech"}},
		{"within: every depth", qaRoot(`regions(where: {within: "MA"})`), qaAllRegions},
		{"within an unknown region", qaRoot(`regions(where: {within: "nowhere"})`), []string{}},
		{"within, NOT a kind", qaRoot(`regions(where: {within: "MA", NOT: {kind: [COUNTRY]}})`), qaAllRegions[1:]},
		{"event location within", qaRoot(`events(where: {location: {within: "MA-07"}})`), []string{qaEventKey}},
		{"event location within another region", qaRoot(`events(where: {location: {within: "MA-01"}})`), []string{}},
		{"event location key", qaRoot(`events(where: {location: {key: {eq: "marrakech"}}})`), []string{qaEventKey}},
		{"region parent", qaRoot(`regions(where: {parent: {code: {eq: "MA-07"}}})`), []string{"marrakech"}},
		{"region parent and name", qaRoot(`regions(where: {parent: {key: {eq: "MA"}}, name: {contains: "oued"}})`), []string{"MA-10", "MA-12"}},
		// Relations: some related record matches.
		{"people by organization of a position", qaRoot(`people(where: {positions: {organization: {key: {eq: "fcmcis"}}}})`), []string{"mohamed-fadlam"}},
		{"people by region of a position", qaRoot(`people(where: {positions: {region: {within: "MA-07"}}})`), []string{"badia-bitar"}},
		{"people by title, folded", qaRoot(`people(where: {positions: {title: {eq: "PRESIDENT"}}})`), []string{"hassan-sentissi-el-idrissi", "mohamed-fadlam", "adil-zaidi"}},
		{"people with a statement about ASMEX", qaRoot(`people(where: {statements: {about: {key: {eq: "asmex"}}}})`), []string{"hassan-sentissi-el-idrissi"}},
		{"people with any statement", qaRoot(`people(where: {statements: {}})`), []string{"hassan-sentissi-el-idrissi", "mohamed-fadlam", "adil-zaidi"}},
		{"people without a statement", qaRoot(`people(where: {NOT: {statements: {}}})`), qaDelegates},
		{"statements by speaker", qaRoot(`statements(where: {speaker: {key: {eq: "adil-zaidi"}}})`), []string{"asmex-cdr-2021-zaidi-1", "asmex-cdr-2021-zaidi-2"}},
		{"statements by speaker name", qaRoot(`statements(where: {speaker: {name: {contains: "FADLAM"}}})`), []string{"asmex-cdr-2021-fadlam-1"}},
		{"statements about", qaRoot(`statements(where: {about: {key: {eq: "asmex"}}})`), []string{"asmex-cdr-2021-sentissi-1"}},
		{"statements about, by name", qaRoot(`statements(where: {about: {name: {eq: "maroc"}}})`), []string{"asmex-cdr-2021-sentissi-1", "asmex-cdr-2021-fadlam-1", "asmex-cdr-2021-zaidi-1", "asmex-cdr-2021-zaidi-2"}},
		{"statements by event", qaRoot(`statements(where: {event: {location: {within: "MA-07"}}, NOT: {speaker: {key: {eq: "adil-zaidi"}}}})`), []string{"asmex-cdr-2021-sentissi-1", "asmex-cdr-2021-fadlam-1"}},
		{"organizations by seat", qaRoot(`organizations(where: {seat: {key: {eq: "MA-07"}}})`), []string{"ccis-marrakech-safi"}},
		{"organizations by seat within, and kind", qaRoot(`organizations(where: {AND: [{seat: {within: "MA"}}, {kind: [CHAMBER]}]})`), []string{"ccis-marrakech-safi"}},
		{"organizations by parent", qaRoot(`organizations(where: {parent: {key: {eq: "asmex"}}})`), []string{"dynamique-regionale"}},
		{"organizations by member", qaRoot(`organizations(where: {members: {person: {key: {eq: "adil-zaidi"}}}})`), []string{"dynamique-regionale"}},
		{"organizations by member region", qaRoot(`organizations(where: {members: {region: {code: {eq: "MA-09"}}}})`), []string{"asmex"}},
		{"events by organizer", qaRoot(`events(where: {organizers: {acronym: {eq: "ASMEX"}}})`), []string{qaEventKey}},
		{"events by another organizer", qaRoot(`events(where: {organizers: {key: {eq: "fcmcis"}}})`), []string{}},
		{"sources by publisher", qaRoot(`sources(where: {publisher: {key: {eq: "l-opinion"}}})`), []string{articleKey}},
		// AND, OR, NOT.
		{"OR", qaRoot(`people(where: {OR: [{key: {eq: "adil-zaidi"}}, {name: {contains: "bitar"}}]})`), []string{"adil-zaidi", "badia-bitar"}},
		{"AND with NOT", qaRoot(`people(where: {AND: [{positions: {organization: {key: {eq: "asmex"}}}}, {NOT: {positions: {title: {eq: "délégué régional"}}}}]})`), []string{"hassan-sentissi-el-idrissi"}},
		{"NOT OR", qaRoot(`regions(where: {NOT: {OR: [{kind: [REGION]}, {kind: [CITY]}]}})`), []string{"MA"}},
		{"OR of AND", qaRoot(`regions(where: {OR: [{AND: [{kind: [REGION]}, {name: {startsWith: "souss"}}]}, {code: {eq: "MA"}}]})`), []string{"MA", "MA-09"}},
		{"empty OR: nothing", qaRoot(`people(where: {OR: []})`), []string{}},
		{"empty AND: everything", qaRoot(`organizations(where: {AND: []})`), []string{"asmex", "dynamique-regionale", "fcmcis",
			"ministere-de-l-industrie-du-commerce-de-l-economie-verte-et-numerique", "ccis-marrakech-safi", "csmd", "l-opinion"}},
		// Nested connections and lists with where.
		{"members by region code", qaNested(`organization(key: "asmex")`, `members(where: {region: {code: {eq: "MA-09"}}})`),
			[]string{"pos-khalid-bounajma-asmex-delegue-regional"}},
		{"members NOT a title", qaNested(`organization(key: "asmex")`, `members(where: {NOT: {title: {eq: "délégué régional"}}})`),
			[]string{"pos-hassan-sentissi-el-idrissi-asmex-president"}},
		{"members, README cookbook 11", qaNested(`organization(key: "asmex")`, `members(first: 20, where: {title: {eq: "délégué régional"}, NOT: {region: {key: {in: ["MA-10", "MA-11", "MA-12"]}}}})`),
			[]string{"pos-khalid-bounajma-asmex-delegue-regional", "pos-badia-bitar-asmex-delegue-regional", "pos-amine-laghidi-asmex-delegue-regional",
				"pos-zouheir-benjelloun-asmex-delegue-regional", "pos-rachid-zerati-asmex-delegue-regional", "pos-mehdi-laraqui-asmex-delegue-regional",
				"pos-fouad-lamrini-asmex-delegue-regional", "pos-jihad-essikili-asmex-delegue-regional"}},
		{"region positions by person", qaNested(`region(key: "MA-07")`, `positions(where: {person: {name: {startsWith: "badia"}}})`),
			[]string{"pos-badia-bitar-asmex-delegue-regional"}},
		{"region events by name", qaNested(`region(key: "MA")`, `events(where: {name: {contains: "conseil"}})`), []string{qaEventKey}},
		{"event statements by speaker", qaNested(`event(key: "`+qaEventKey+`")`, `statements(where: {speaker: {key: {eq: "adil-zaidi"}}})`),
			[]string{"asmex-cdr-2021-zaidi-1", "asmex-cdr-2021-zaidi-2"}},
		{"person statements by text", qaNested(`person(key: "adil-zaidi")`, `statements(where: {text: {contains: "grande première"}})`),
			[]string{"asmex-cdr-2021-zaidi-2"}},
		{"person events by location", qaNested(`person(key: "adil-zaidi")`, `events(where: {location: {within: "MA-07"}})`), []string{qaEventKey}},
		{"person events elsewhere", qaNested(`person(key: "adil-zaidi")`, `events(where: {location: {within: "MA-01"}})`), []string{}},
		{"organization events by date", qaNested(`organization(key: "asmex")`, `events(where: {startDate: {gte: "2022-01-01"}})`), []string{}},
		{"person positions (a list) by organization kind", `{ p: person(key: "mohamed-fadlam") { c: positions(where: {organization: {kind: [FEDERATION]}}) { key } } }`,
			[]string{"pos-mohamed-fadlam-fcmcis-vice-president"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := qaKeys(t, c, tc.query, nil); !slices.Equal(got, tc.want) {
				t.Errorf("got %v\nwant %v\nquery: %s", got, tc.want, tc.query)
			}
		})
	}
}

// TestQueryFilterIDs: ids compare exactly, and `within` takes an id as well as a key.
func TestQueryFilterIDs(t *testing.T) {
	c, _ := newServer(t)
	var ids struct {
		Asmex struct{ ID string } `json:"asmex"`
		MA07  struct{ ID string } `json:"ma07"`
	}
	c.mustDo(t, `{ asmex: organization(key: "asmex") { id } ma07: region(key: "MA-07") { id } }`, nil, &ids)
	q := `query($id: String!, $ids: [String!]) { c: organizations(where: {id: {eq: $id}}) { totalCount nodes { key } }
		d: organizations(where: {id: {in: $ids}}) { nodes { key } } }`
	var got struct {
		C struct {
			TotalCount int
			Nodes      []struct{ Key string }
		}
		D struct{ Nodes []struct{ Key string } }
	}
	c.mustDo(t, q, map[string]any{"id": ids.Asmex.ID, "ids": []string{"garbage", ids.Asmex.ID, ids.MA07.ID, "org_zzzz"}}, &got)
	if got.C.TotalCount != 1 || len(got.C.Nodes) != 1 || got.C.Nodes[0].Key != "asmex" {
		t.Errorf("id eq: %+v", got.C)
	}
	if len(got.D.Nodes) != 1 || got.D.Nodes[0].Key != "asmex" {
		t.Errorf("id in (with an id of another kind, an unknown id and garbage): %+v", got.D)
	}
	keys := qaKeys(t, c, `query($r: String!) { c: regions(where: {within: $r}) { nodes { key } } }`, map[string]any{"r": ids.MA07.ID})
	if !slices.Equal(keys, []string{"MA-07", "marrakech"}) {
		t.Errorf("within an id: %v", keys)
	}
	keys = qaKeys(t, c, `query($id: String!) { c: people(where: {id: {eq: $id}}) { nodes { key } } }`, map[string]any{"id": ids.Asmex.ID})
	if len(keys) != 0 {
		t.Errorf("people with an organization's id: %v", keys)
	}
}

// TestQueryFilterDatesOnFixture: with undated events present, a date filter never matches them and
// its NOT does.
func TestQueryFilterDatesOnFixture(t *testing.T) {
	c := qaServer(t)
	keys := qaKeys(t, c, qaRoot(`events(where: {startDate: {lt: "2100-01-01"}})`), nil)
	want := []string{qaEventKey, "qa-event-beta", "qa-event-alpha-1", "qa-event-gamma", "qa-event-alpha-2"}
	if !slices.Equal(keys, want) {
		t.Errorf("dated events: %v, want %v", keys, want)
	}
	keys = qaKeys(t, c, qaRoot(`events(where: {NOT: {startDate: {lt: "2100-01-01"}}})`), nil)
	if !slices.Equal(keys, []string{"qa-event-undated"}) {
		t.Errorf("undated events: %v", keys)
	}
	keys = qaKeys(t, c, qaRoot(`events(where: {startDate: {gte: "2022-03-01", lte: "2022-03-01"}, location: {within: "MA-07"}})`), nil)
	if !slices.Equal(keys, []string{"qa-event-beta", "qa-event-alpha-1", "qa-event-alpha-2"}) {
		t.Errorf("events on 2022-03-01 in MA-07: %v", keys)
	}
	keys = qaKeys(t, c, qaRoot(`statements(where: {date: {lt: "2022-01-01"}, speaker: {key: {eq: "adil-zaidi"}}})`), nil)
	if !slices.Equal(keys, []string{"asmex-cdr-2021-zaidi-1", "asmex-cdr-2021-zaidi-2", "qa-stm-early"}) {
		t.Errorf("statements before 2022: %v", keys)
	}
}

// TestQueryFilterLanguageAsStored: `language: {eq: X}` compares exactly, so the language exactly as
// the record holds it (and as the API returns it) must match, whatever its case.
func TestQueryFilterLanguageAsStored(t *testing.T) {
	c, s := newServer(t)
	importNDJSON(t, s, `{"type":"Statement","key":"qa-lang","speaker":"adil-zaidi","text":"Texte de test","language":"fr-MA",`+qaCite+`}`)
	keys := qaKeys(t, c, `{ c: statements(where: {key: {eq: "qa-lang"}}) { nodes { key language } } }`, nil)
	if !slices.Equal(keys, []string{"qa-lang"}) {
		t.Fatalf("premise: %v", keys)
	}
	data := c.mustDo(t, `{ statements(where: {key: {eq: "qa-lang"}}) { nodes { language } } }`, nil, nil)
	if !strings.Contains(string(data), `"language":"fr-MA"`) {
		t.Fatalf("premise: the API returns %s", data)
	}
	if keys := qaKeys(t, c, qaRoot(`statements(where: {language: {eq: "fr-MA"}})`), nil); !slices.Equal(keys, []string{"qa-lang"}) {
		t.Errorf(`language eq "fr-MA" (as stored and returned): %v, want [qa-lang]`, keys)
	}
	if keys := qaKeys(t, c, qaRoot(`statements(where: {language: {in: ["en", "fr-MA"]}})`), nil); !slices.Equal(keys, []string{"qa-lang"}) {
		t.Errorf(`language in ["en", "fr-MA"]: %v, want [qa-lang]`, keys)
	}
}

// TestQueryFilterInvalid: malformed filter values are BAD_USER_INPUT, not silently compared.
func TestQueryFilterInvalid(t *testing.T) {
	c, _ := newServer(t)
	for _, q := range []string{
		`{ events(where: {startDate: {gte: "June"}}) { nodes { key } } }`,
		`{ events(where: {startDate: {gte: "2021-13-45"}}) { nodes { key } } }`,
		`{ people(where: {positions: {asOf: "yesterday"}}) { nodes { key } } }`,
		`{ organization(key: "asmex") { members(asOf: "2021-02-30") { nodes { title } } } }`,
		`{ statements(where: {text: {search: "  "}}) { nodes { key } } }`,
	} {
		_, errs := c.do(t, q, nil)
		if len(errs) == 0 {
			t.Errorf("no error for %s", q)
			continue
		}
		assertErrorCode(t, errs, "BAD_USER_INPUT")
	}
}

// ---------------------------------------------------------------------------------------------
// Ordering.

func TestQueryOrdering(t *testing.T) {
	c := qaServer(t)
	byName := []string{"MA-05", "MA-06", "MA-12", "MA-08", "MA-03", "MA-10", "MA-02", "MA-11", "MA", "marrakech",
		"MA-07", "MA-04", "MA-09", "MA-01"}
	rev := func(s []string) []string { r := slices.Clone(s); slices.Reverse(r); return r }
	allEvents := []string{qaEventKey, "qa-event-beta", "qa-event-alpha-1", "qa-event-gamma", "qa-event-alpha-2", "qa-event-undated"}
	orgs := []string{"asmex", "dynamique-regionale", "fcmcis", "ministere-de-l-industrie-du-commerce-de-l-economie-verte-et-numerique",
		"ccis-marrakech-safi", "csmd", "l-opinion"}
	adilStatements := []string{"asmex-cdr-2021-zaidi-1", "asmex-cdr-2021-zaidi-2", "qa-stm-beta", "qa-stm-gamma", "qa-stm-alpha", "qa-stm-early"}
	cases := []qaCase{
		{"creation order (premise)", qaRoot(`events`), allEvents},
		{"regions by folded name", qaRoot(`regions(orderBy: [{field: NAME}], first: 100)`), byName},
		{"regions by name, DESC", qaRoot(`regions(orderBy: [{field: NAME, direction: DESC}], first: 100)`), rev(byName)},
		{"people by name", qaRoot(`people(orderBy: [{field: NAME}], first: 100)`), []string{"adil-zaidi", "amine-laghidi", "badia-bitar",
			"fouad-lamrini", "hassan-sentissi-el-idrissi", "hassan-yanja", "jihad-essikili", "khalid-bounajma", "mehdi-laraqui",
			"mohamed-fadlam", "qa-nadia-test", "najat-toulba", "rachid-zerati", "said-abdati", "zouheir-benjelloun"}},
		{"people by key, DESC, filtered", qaRoot(`people(where: {name: {startsWith: "ha"}}, orderBy: [{field: KEY, direction: DESC}])`),
			[]string{"hassan-yanja", "hassan-sentissi-el-idrissi"}},
		{"regions by code: missing last", qaRoot(`regions(orderBy: [{field: CODE}], first: 100)`), append(slices.Clone(qaAllRegions[:13]), "marrakech")},
		{"regions by code, DESC: missing first", qaRoot(`regions(orderBy: [{field: CODE, direction: DESC}], first: 100)`),
			append([]string{"marrakech"}, rev(qaAllRegions[:13])...)},
		{"organizations by acronym: missing last, in creation order", qaRoot(`organizations(orderBy: [{field: ACRONYM}])`),
			[]string{"asmex", "ccis-marrakech-safi", "csmd", "fcmcis", "dynamique-regionale", "ministere-de-l-industrie-du-commerce-de-l-economie-verte-et-numerique", "l-opinion"}},
		{"organizations by acronym, DESC: missing first, ties in creation order", qaRoot(`organizations(orderBy: [{field: ACRONYM, direction: DESC}])`),
			[]string{"dynamique-regionale", "ministere-de-l-industrie-du-commerce-de-l-economie-verte-et-numerique", "l-opinion", "fcmcis", "csmd", "ccis-marrakech-safi", "asmex"}},
		{"organizations by key", qaRoot(`organizations(orderBy: [{field: KEY}])`), []string{"asmex", "ccis-marrakech-safi", "csmd",
			"dynamique-regionale", "fcmcis", "l-opinion", "ministere-de-l-industrie-du-commerce-de-l-economie-verte-et-numerique"}},
		{"organizations, CREATED DESC", qaRoot(`organizations(orderBy: [{field: CREATED, direction: DESC}])`), rev(orgs)},
		{"events by start date DESC, then name", qaRoot(`events(orderBy: [{field: START_DATE, direction: DESC}, {field: NAME}])`),
			[]string{"qa-event-undated", "qa-event-alpha-1", "qa-event-alpha-2", "qa-event-beta", qaEventKey, "qa-event-gamma"}},
		{"events by start date, then name", qaRoot(`events(orderBy: [{field: START_DATE}, {field: NAME}])`),
			[]string{"qa-event-gamma", qaEventKey, "qa-event-alpha-1", "qa-event-alpha-2", "qa-event-beta", "qa-event-undated"}},
		{"events by start date DESC, then name DESC: full ties still in creation order", qaRoot(`events(orderBy: [{field: START_DATE, direction: DESC}, {field: NAME, direction: DESC}])`),
			[]string{"qa-event-undated", "qa-event-beta", "qa-event-alpha-1", "qa-event-alpha-2", qaEventKey, "qa-event-gamma"}},
		{"events by name only: alpha and Alpha tie", qaRoot(`events(orderBy: [{field: NAME}])`),
			[]string{"qa-event-alpha-1", "qa-event-alpha-2", "qa-event-beta", "qa-event-undated", "qa-event-gamma", qaEventKey}},
		{"events by end date: missing last", qaRoot(`events(orderBy: [{field: END_DATE}])`),
			[]string{qaEventKey, "qa-event-alpha-1", "qa-event-beta", "qa-event-gamma", "qa-event-alpha-2", "qa-event-undated"}},
		{"events by start date, filtered", qaRoot(`events(where: {location: {within: "MA-07"}}, orderBy: [{field: START_DATE, direction: DESC}, {field: NAME, direction: DESC}])`),
			[]string{"qa-event-beta", "qa-event-alpha-1", "qa-event-alpha-2", qaEventKey}},
		{"statements by date DESC: missing first, ties in creation order", qaNested(`person(key: "adil-zaidi")`, `statements(orderBy: [{field: DATE, direction: DESC}])`),
			[]string{"qa-stm-gamma", "qa-stm-beta", "qa-stm-alpha", "asmex-cdr-2021-zaidi-1", "asmex-cdr-2021-zaidi-2", "qa-stm-early"}},
		{"statements by date", qaNested(`person(key: "adil-zaidi")`, `statements(orderBy: [{field: DATE}])`),
			[]string{"qa-stm-early", "asmex-cdr-2021-zaidi-1", "asmex-cdr-2021-zaidi-2", "qa-stm-beta", "qa-stm-alpha", "qa-stm-gamma"}},
		{"statements, creation order (premise)", qaNested(`person(key: "adil-zaidi")`, `statements`), adilStatements},
		{"sources by date: missing last", qaRoot(`sources(orderBy: [{field: PUBLISHED_AT}])`), []string{articleKey, "iso-3166-2-ma", "qa-note"}},
		{"sources by date DESC: missing first", qaRoot(`sources(orderBy: [{field: PUBLISHED_AT, direction: DESC}])`), []string{"iso-3166-2-ma", "qa-note", articleKey}},
		{"sources by title", qaRoot(`sources(orderBy: [{field: TITLE}])`), []string{"iso-3166-2-ma", articleKey, "qa-note"}},
		{"members by title DESC then start date", qaNested(`organization(key: "asmex")`, `members(orderBy: [{field: TITLE, direction: DESC}, {field: START_DATE}], first: 100)`),
			append([]string{"qa-pos-new", "qa-pos-old", "pos-hassan-sentissi-el-idrissi-asmex-president"}, qaPositionKeys(qaDelegates)...)},
		{"region positions by start date DESC", qaNested(`region(key: "MA-07")`, `positions(orderBy: [{field: START_DATE, direction: DESC}])`),
			[]string{"pos-badia-bitar-asmex-delegue-regional", "qa-pos-new", "qa-pos-old"}},
		{"region positions by end date", qaNested(`region(key: "MA-07")`, `positions(orderBy: [{field: END_DATE}])`),
			[]string{"qa-pos-old", "pos-badia-bitar-asmex-delegue-regional", "qa-pos-new"}},
		{"region events by start date", qaNested(`region(key: "MA-07")`, `events(orderBy: [{field: START_DATE}, {field: NAME}])`),
			[]string{qaEventKey, "qa-event-alpha-1", "qa-event-alpha-2", "qa-event-beta"}},
		{"organization events by name DESC", qaNested(`organization(key: "asmex")`, `events(orderBy: [{field: NAME, direction: DESC}])`),
			[]string{qaEventKey, "qa-event-undated", "qa-event-beta", "qa-event-alpha-1", "qa-event-alpha-2"}},
		{"person events by start date DESC", qaNested(`person(key: "adil-zaidi")`, `events(orderBy: [{field: START_DATE, direction: DESC}])`),
			[]string{"qa-event-beta", "qa-event-alpha-1", "qa-event-alpha-2", qaEventKey, "qa-event-gamma"}},
		{"event statements by date DESC", qaNested(`event(key: "`+qaEventKey+`")`, `statements(orderBy: [{field: DATE, direction: DESC}])`),
			[]string{"asmex-cdr-2021-sentissi-1", "asmex-cdr-2021-fadlam-1", "asmex-cdr-2021-zaidi-1", "asmex-cdr-2021-zaidi-2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := qaKeys(t, c, tc.query, nil); !slices.Equal(got, tc.want) {
				t.Errorf("got  %v\nwant %v\nquery: %s", got, tc.want, tc.query)
			}
		})
	}
}

func qaPositionKeys(people []string) []string {
	out := make([]string, len(people))
	for i, p := range people {
		out[i] = "pos-" + p + "-asmex-delegue-regional"
	}
	return out
}

// ---------------------------------------------------------------------------------------------
// Time.

func TestQueryAsOf(t *testing.T) {
	c := qaServer(t)
	asmexMembers := append([]string{"pos-hassan-sentissi-el-idrissi-asmex-president"}, qaPositionKeys(qaDelegates)...)
	withPeople := func(extra ...string) []string { return append(slices.Clone(qaASMEXPeople), extra...) }
	cases := []qaCase{
		{"positions, no asOf", `{ p: person(key: "qa-nadia-test") { c: positions { key } } }`, []string{"qa-pos-old", "qa-pos-new"}},
		{"positions asOf 2022", `{ p: person(key: "qa-nadia-test") { c: positions(asOf: "2022-01-01") { key } } }`, []string{"qa-pos-new"}},
		{"positions asOf 2018", `{ p: person(key: "qa-nadia-test") { c: positions(asOf: "2018-06-01") { key } } }`, []string{"qa-pos-old"}},
		{"positions asOf the last day", `{ p: person(key: "qa-nadia-test") { c: positions(asOf: "2019-12-31") { key } } }`, []string{"qa-pos-old"}},
		{"positions asOf the first day", `{ p: person(key: "qa-nadia-test") { c: positions(asOf: "2020-01-01") { key } } }`, []string{"qa-pos-new"}},
		{"positions asOf before any", `{ p: person(key: "qa-nadia-test") { c: positions(asOf: "2014-12-31") { key } } }`, []string{}},
		{"positions asOf and where", `{ p: person(key: "qa-nadia-test") { c: positions(asOf: "2022-01-01", where: {title: {startsWith: "tresor"}}) { key } } }`, []string{}},
		{"undated positions are not known before their source (2021-06-17)", `{ p: person(key: "mohamed-fadlam") { c: positions(asOf: "1950-01-01") { key } } }`, []string{}},
		{"undated positions are held from their source's date on", `{ p: person(key: "mohamed-fadlam") { c: positions(asOf: "2021-06-17") { key } } }`,
			[]string{"pos-mohamed-fadlam-ccis-marrakech-safi-president", "pos-mohamed-fadlam-fcmcis-vice-president"}},
		{"members asOf 2022", qaNested(`organization(key: "asmex")`, `members(asOf: "2022-01-01", first: 50)`), append(slices.Clone(asmexMembers), "qa-pos-new")},
		{"members asOf 2018: the undated ones are not known yet", qaNested(`organization(key: "asmex")`, `members(asOf: "2018-06-01", first: 50)`), []string{"qa-pos-old"}},
		{"members asOf 2010: none", qaNested(`organization(key: "asmex")`, `members(asOf: "2010-01-01", first: 50)`), []string{}},
		{"members where asOf", qaNested(`organization(key: "asmex")`, `members(where: {asOf: "2022-01-01"}, first: 50)`), append(slices.Clone(asmexMembers), "qa-pos-new")},
		{"members by start date: undated ones never match", qaNested(`organization(key: "asmex")`, `members(where: {startDate: {gte: "2016-01-01"}})`), []string{"qa-pos-new"}},
		{"members by end date", qaNested(`organization(key: "asmex")`, `members(where: {endDate: {lt: "2020-01-01"}})`), []string{"qa-pos-old"}},
		{"region positions asOf", qaNested(`region(key: "MA-07")`, `positions(asOf: "2022-01-01")`), []string{"pos-badia-bitar-asmex-delegue-regional", "qa-pos-new"}},
		{"region positions asOf and title", qaNested(`region(key: "MA-07")`, `positions(asOf: "2017-01-01", where: {title: {contains: "tresor"}})`), []string{"qa-pos-old"}},
		{"people holding a position at ASMEX in 2022", qaRoot(`people(where: {positions: {asOf: "2022-01-01", organization: {key: {eq: "asmex"}}}}, first: 100)`),
			withPeople("qa-nadia-test")},
		{"people holding a position at ASMEX in 2010: none known", qaRoot(`people(where: {positions: {asOf: "2010-01-01", organization: {key: {eq: "asmex"}}}}, first: 100)`),
			[]string{}},
		{"one position must match every condition", qaRoot(`people(where: {positions: {asOf: "2022-01-01", title: {eq: "trésorière"}}})`), []string{}},
		{"one position must match every condition (held)", qaRoot(`people(where: {positions: {asOf: "2017-01-01", title: {eq: "tresoriere"}}})`), []string{"qa-nadia-test"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := qaKeys(t, c, tc.query, nil); !slices.Equal(got, tc.want) {
				t.Errorf("got  %v\nwant %v\nquery: %s", got, tc.want, tc.query)
			}
		})
	}
	var agg struct {
		Aggregate struct{ Count int } `json:"aggregate"`
	}
	c.mustDo(t, `{ aggregate(kind: POSITION, where: {position: {asOf: "2022-01-01", organization: {key: {eq: "asmex"}}}}) { count } }`, nil, &agg)
	if agg.Aggregate.Count != 13 {
		t.Errorf("ASMEX positions held on 2022-01-01: %d, want 13", agg.Aggregate.Count)
	}
}

// ---------------------------------------------------------------------------------------------
// Aggregates.

type qaBucket struct {
	Key   string   `json:"key"`
	Keys  []string `json:"keys"`
	Count int      `json:"count"`
	Node  *struct {
		Typename string `json:"__typename"`
		Key      string `json:"key"`
		Name     string `json:"name"`
	} `json:"node"`
	Nodes []*struct {
		Typename string `json:"__typename"`
		Key      string `json:"key"`
	} `json:"nodes"`
}

type qaAggregate struct {
	Count   int        `json:"count"`
	Buckets []qaBucket `json:"buckets"`
}

const qaBucketFields = `{ count buckets { key keys count node { __typename ... on Entity { key name } } nodes { __typename ... on Entity { key } } } }`

func qaAgg(t *testing.T, c *client, args string) qaAggregate {
	t.Helper()
	var out struct {
		Aggregate qaAggregate `json:"aggregate"`
	}
	c.mustDo(t, `{ aggregate(`+args+`) `+qaBucketFields+` }`, nil, &out)
	return out.Aggregate
}

// qaCounts renders buckets as "key=count" in their order.
func qaCounts(a qaAggregate) []string {
	out := make([]string, len(a.Buckets))
	for i, b := range a.Buckets {
		out[i] = fmt.Sprintf("%s=%d", b.Key, b.Count)
	}
	return out
}

func TestQueryAggregate(t *testing.T) {
	c, _ := newServer(t)

	t.Run("statements per speaker", func(t *testing.T) {
		a := qaAgg(t, c, `kind: STATEMENT, groupBy: [SPEAKER]`)
		want := []string{"adil-zaidi=2", "hassan-sentissi-el-idrissi=1", "mohamed-fadlam=1"}
		if a.Count != 4 || !slices.Equal(qaCounts(a), want) {
			t.Fatalf("count %d, buckets %v; want 4, %v", a.Count, qaCounts(a), want)
		}
		names := map[string]string{"adil-zaidi": "Adil Zaidi", "hassan-sentissi-el-idrissi": "Hassan Sentissi El Idrissi", "mohamed-fadlam": "Mohamed Fadlam"}
		for _, b := range a.Buckets {
			if b.Node == nil || b.Node.Typename != "Person" || b.Node.Key != b.Key || b.Node.Name != names[b.Key] {
				t.Errorf("bucket %s: node %+v", b.Key, b.Node)
			}
			if !slices.Equal(b.Keys, []string{b.Key}) || len(b.Nodes) != 1 || b.Nodes[0] == nil || b.Nodes[0].Key != b.Key {
				t.Errorf("bucket %s: keys %v, nodes %v", b.Key, b.Keys, b.Nodes)
			}
		}
	})

	t.Run("ASMEX positions per region", func(t *testing.T) {
		a := qaAgg(t, c, `kind: POSITION, groupBy: [REGION], where: {position: {organization: {key: {eq: "asmex"}}}}`)
		// 12 positions match; the president's has no region, so it is in no bucket.
		if a.Count != 12 || len(a.Buckets) != 11 {
			t.Fatalf("count %d, %d buckets: %v", a.Count, len(a.Buckets), qaCounts(a))
		}
		var want []string
		for _, k := range qaAllRegions[1:13] {
			if k != "MA-06" {
				want = append(want, k+"=1")
			}
		}
		if got := qaCounts(a); !slices.Equal(got, want) {
			t.Errorf("buckets %v, want %v", got, want)
		}
		for _, b := range a.Buckets {
			if b.Node == nil || b.Node.Typename != "Region" || b.Node.Key != b.Key {
				t.Errorf("bucket %s: node %+v", b.Key, b.Node)
			}
		}
	})

	t.Run("positions per organization", func(t *testing.T) {
		a := qaAgg(t, c, `kind: POSITION, groupBy: [ORGANIZATION]`)
		got := qaCounts(a)
		sorted := slices.Sorted(slices.Values(got))
		if a.Count != 15 || !slices.Equal(sorted, []string{"asmex=12", "ccis-marrakech-safi=1", "dynamique-regionale=1", "fcmcis=1"}) {
			t.Fatalf("count %d, buckets %v", a.Count, got)
		}
		// "The groups, largest first (ties by key)": the keys are the organizations' keys.
		if want := []string{"asmex=12", "ccis-marrakech-safi=1", "dynamique-regionale=1", "fcmcis=1"}; !slices.Equal(got, want) {
			t.Errorf("buckets in order %v, want %v (ties by key)", got, want)
		}
	})

	t.Run("people per organization of their positions", func(t *testing.T) {
		a := qaAgg(t, c, `kind: PERSON, groupBy: [ORGANIZATION]`)
		got := qaCounts(a)
		if a.Count != 14 || !slices.Equal(slices.Sorted(slices.Values(got)), []string{"asmex=12", "ccis-marrakech-safi=1", "dynamique-regionale=1", "fcmcis=1"}) {
			t.Errorf("count %d, buckets %v", a.Count, got)
		}
	})

	t.Run("two dimensions", func(t *testing.T) {
		a := qaAgg(t, c, `kind: STATEMENT, groupBy: [SPEAKER, YEAR]`)
		if a.Count != 4 || len(a.Buckets) != 3 {
			t.Fatalf("count %d, buckets %v", a.Count, qaCounts(a))
		}
		b := a.Buckets[0]
		if b.Key != "adil-zaidi / 2021" || !slices.Equal(b.Keys, []string{"adil-zaidi", "2021"}) || b.Count != 2 {
			t.Errorf("first bucket %+v", b)
		}
		if len(b.Nodes) != 2 || b.Nodes[0] == nil || b.Nodes[0].Typename != "Person" || b.Nodes[1] != nil {
			t.Errorf("first bucket nodes %+v, want [Person, null]", b.Nodes)
		}
	})

	t.Run("year", func(t *testing.T) {
		a := qaAgg(t, c, `kind: STATEMENT, groupBy: [YEAR]`)
		if a.Count != 4 || len(a.Buckets) != 1 || a.Buckets[0].Key != "2021" || a.Buckets[0].Count != 4 || a.Buckets[0].Node != nil {
			t.Errorf("statements per year: %+v", a)
		}
		a = qaAgg(t, c, `kind: SOURCE, groupBy: [YEAR]`)
		if a.Count != 2 || !slices.Equal(qaCounts(a), []string{"2021=1"}) {
			t.Errorf("sources per year: count %d, %v (an undated source is in no bucket)", a.Count, qaCounts(a))
		}
		a = qaAgg(t, c, `kind: EVENT, groupBy: [YEAR]`)
		if a.Count != 1 || !slices.Equal(qaCounts(a), []string{"2021=1"}) {
			t.Errorf("events per year: count %d, %v", a.Count, qaCounts(a))
		}
	})

	t.Run("values", func(t *testing.T) {
		for _, tc := range []struct {
			args  string
			count int
			want  []string
		}{
			{`kind: STATEMENT, groupBy: [ABOUT]`, 4, []string{"MA=4", "asmex-conseil-des-regions-2021-06-14=3", "asmex=1", "fcmcis=1",
				"ministere-de-l-industrie-du-commerce-de-l-economie-verte-et-numerique=1"}},
			{`kind: STATEMENT, groupBy: [LANGUAGE]`, 4, []string{"fr=4"}},
			{`kind: STATEMENT, groupBy: [EVENT]`, 4, []string{qaEventKey + "=4"}},
			{`kind: PARTICIPATION, groupBy: [ROLE]`, 14, []string{"delegate=11", "speaker=2", "presenter=1"}},
			{`kind: POSITION, groupBy: [TITLE]`, 15, []string{"délégué régional=11", "président=3", "vice-président=1"}},
			{`kind: REGION, groupBy: [KIND]`, 14, []string{"REGION=12", "CITY=1", "COUNTRY=1"}},
			{`kind: REGION, groupBy: [PARENT]`, 14, []string{"MA=12", "MA-07=1"}},
			{`kind: ORGANIZATION, groupBy: [KIND]`, 7, []string{"COMMISSION=2", "ASSOCIATION=1", "CHAMBER=1", "FEDERATION=1", "GOVERNMENT=1", "MEDIA=1"}},
			{`kind: ORGANIZATION, groupBy: [REGION]`, 7, []string{"MA-07=1"}},
			{`kind: SOURCE, groupBy: [PUBLISHER]`, 2, []string{"l-opinion=1"}},
			{`kind: POSITION, where: {position: {region: {within: "MA-07"}}}`, 1, []string{}},
			{`kind: PERSON`, 14, []string{}},
		} {
			a := qaAgg(t, c, tc.args)
			if a.Count != tc.count || !slices.Equal(qaCounts(a), tc.want) {
				t.Errorf("%s: count %d, %v; want %d, %v", tc.args, a.Count, qaCounts(a), tc.count, tc.want)
			}
		}
	})

	t.Run("first", func(t *testing.T) {
		a := qaAgg(t, c, `kind: POSITION, groupBy: [REGION], first: 2`)
		if a.Count != 15 || len(a.Buckets) != 2 {
			t.Errorf("count %d, %d buckets; want 15, 2", a.Count, len(a.Buckets))
		}
	})

	t.Run("errors", func(t *testing.T) {
		_, errs := c.do(t, `{ aggregate(kind: REGION, groupBy: [SPEAKER]) { count } }`, nil)
		assertErrorCode(t, errs, "BAD_USER_INPUT")
		if msg := errs[0].Message; !strings.Contains(msg, "SPEAKER") || !strings.Contains(msg, "KIND") || !strings.Contains(msg, "PARENT") {
			t.Errorf("message %q should name SPEAKER and list KIND and PARENT", msg)
		}
		_, errs = c.do(t, `{ aggregate(kind: STATEMENT, where: {person: {key: {eq: "adil-zaidi"}}}) { count } }`, nil)
		assertErrorCode(t, errs, "BAD_USER_INPUT")
		if msg := errs[0].Message; !strings.Contains(msg, "statement") {
			t.Errorf("message %q should point at where.statement", msg)
		}
		_, errs = c.do(t, `{ aggregate(kind: PERSON, first: 1001) { count } }`, nil)
		assertErrorCode(t, errs, "BAD_USER_INPUT")
	})
}

// TestQueryAggregateTiesByKey: buckets with equal counts are ordered by their key (the node's
// key), whatever the order the nodes were created in.
func TestQueryAggregateTiesByKey(t *testing.T) {
	c, s := newServer(t)
	importNDJSON(t, s, strings.Join([]string{
		`{"type":"Person","key":"zz-qa-speaker","name":"Zineb Qa",` + qaCite + `}`,
		`{"type":"Person","key":"aa-qa-speaker","name":"Amal Qa",` + qaCite + `}`,
		`{"type":"Statement","key":"qa-zz-1","speaker":"zz-qa-speaker","text":"Texte de test Z","language":"fr",` + qaCite + `}`,
		`{"type":"Statement","key":"qa-aa-1","speaker":"aa-qa-speaker","text":"Texte de test A","language":"fr",` + qaCite + `}`,
	}, "\n"))
	a := qaAgg(t, c, `kind: STATEMENT, groupBy: [SPEAKER], where: {statement: {key: {in: ["qa-zz-1", "qa-aa-1"]}}}`)
	if want := []string{"aa-qa-speaker=1", "zz-qa-speaker=1"}; !slices.Equal(qaCounts(a), want) {
		t.Errorf("buckets %v, want %v", qaCounts(a), want)
	}
}

// ---------------------------------------------------------------------------------------------
// Cost.

func TestQueryComplexity(t *testing.T) {
	c, s := newServer(t)
	bomb := `{ people(first:100){nodes{statements(first:100){nodes{event{statements(first:100){nodes{speaker{... on Person{statements(first:100){totalCount}}}}}}}}}}}`
	before := s.Calls()
	data, errs := c.do(t, bomb, nil)
	assertErrorCode(t, errs, "QUERY_TOO_COMPLEX")
	if after := s.Calls(); after != before {
		t.Errorf("the refused query read the store %d times: it ran before it was refused", after-before)
	}
	if d := strings.TrimSpace(string(data)); d != "" && d != "null" {
		t.Errorf("refused query returned data %s", data)
	}
	// The same shape with small pages is fine.
	small := strings.ReplaceAll(bomb, "first:100", "first:10")
	c.mustDo(t, small, nil, nil)
	// Backward pages cost the same as forward ones.
	_, errs = c.do(t, strings.ReplaceAll(bomb, "first:100", "last:100"), nil)
	assertErrorCode(t, errs, "QUERY_TOO_COMPLEX")
	// The playground's example passes and finds the event.
	data = c.mustDo(t, graph.ExampleQuery, nil, nil)
	if !strings.Contains(string(data), "Premier Conseil des Régions") {
		t.Errorf("example query: %s", data)
	}
}

// TestQueryCookbook runs every query of the README's cookbook on the built-in dataset.
func TestQueryCookbook(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "### Cookbook")
	if start < 0 {
		t.Fatal("README has no cookbook")
	}
	end := strings.Index(text[start:], "\n## ")
	if end < 0 {
		end = len(text) - start
	}
	var queries []string
	for _, m := range regexp.MustCompile("`(\\{[^`]+\\})`").FindAllStringSubmatch(text[start:start+end], -1) {
		queries = append(queries, m[1])
	}
	if len(queries) < 10 {
		t.Fatalf("found %d cookbook queries", len(queries))
	}
	c, _ := newServer(t)
	for i, q := range queries {
		data := c.mustDo(t, q, nil, nil)
		// Every cookbook answer finds something in the built-in dataset.
		if !regexp.MustCompile(`"(name|key|count|text|totalCount)":`).Match(data) || strings.Contains(string(data), `"nodes":[]`) {
			t.Errorf("cookbook query %d finds nothing: %s\n%s", i+1, q, data)
		}
	}
}
