package graph_test

import (
	"encoding/json"
	"slices"
	"testing"
)

// The rules of issue 11, item 5 (README, The graph and Queries for analysts): every argument that
// names a node takes an id or a key; key lookups fold case; an undated fact is known from its
// earliest source's publishedAt on.

// keyed is the part of a node these tests look at.
type keyed struct {
	Typename string `json:"__typename"`
	ID       string `json:"id"`
	Key      string `json:"key"`
}

// one runs a query whose data has one field, a node or null, and returns it (nil for null).
func one(t *testing.T, c *client, query string) *keyed {
	t.Helper()
	data, errs := c.do(t, query, nil)
	if len(errs) != 0 {
		t.Fatalf("%s: errors %+v", query, errs)
	}
	var m map[string]*keyed
	if err := json.Unmarshal(data, &m); err != nil || len(m) != 1 {
		t.Fatalf("%s: data %s (%v)", query, data, err)
	}
	for _, v := range m {
		return v
	}
	return nil
}

const keyedFields = `{ __typename id ... on Entity { key } }`

func TestKeyAcceptedAsID(t *testing.T) {
	c, _ := newServer(t)
	asmex := one(t, c, `{ organization(key: "asmex") `+keyedFields+` }`)
	ma07 := one(t, c, `{ region(key: "MA-07") `+keyedFields+` }`)
	if asmex == nil || ma07 == nil {
		t.Fatal("premise: asmex and MA-07 by key")
	}
	cases := []struct {
		name, query string
		want        *keyed // nil: null
	}{
		{"node by key", `{ node(id: "asmex") ` + keyedFields + ` }`, asmex},
		{"node by id", `{ node(id: "` + asmex.ID + `") ` + keyedFields + ` }`, asmex},
		{"node by folded key", `{ node(id: "ASMEX") ` + keyedFields + ` }`, asmex},
		{"node by ISO code folded", `{ node(id: "ma-07") ` + keyedFields + ` }`, ma07},
		{"node by unknown key", `{ node(id: "nobody") ` + keyedFields + ` }`, nil},
		{"organization by key as id", `{ organization(id: "asmex") ` + keyedFields + ` }`, asmex},
		{"organization by id", `{ organization(id: "` + asmex.ID + `") ` + keyedFields + ` }`, asmex},
		{"region by key as id", `{ region(id: "MA-07") ` + keyedFields + ` }`, ma07},
		{"person by key as id", `{ person(id: "adil-zaidi") ` + keyedFields + ` }`, &keyed{Typename: "Person", Key: "adil-zaidi"}},
		{"event by key as id", `{ event(id: "asmex-conseil-des-regions-2021-06-14") ` + keyedFields + ` }`, &keyed{Typename: "Event", Key: "asmex-conseil-des-regions-2021-06-14"}},
		{"statement by key as id", `{ statement(id: "asmex-cdr-2021-zaidi-2") { __typename id key } }`, &keyed{Typename: "Statement", Key: "asmex-cdr-2021-zaidi-2"}},
		{"source by key as id", `{ source(id: "` + articleKey + `") { __typename id } }`, &keyed{Typename: "Source"}},
		// A key of another kind than the field asks for stays null, as an id of another kind does.
		{"person by an organization's key", `{ person(id: "asmex") ` + keyedFields + ` }`, nil},
		{"person by an organization's id", `{ person(id: "` + asmex.ID + `") ` + keyedFields + ` }`, nil},
		{"region by an organization's key", `{ region(id: "asmex") ` + keyedFields + ` }`, nil},
		{"organization by a region's folded key", `{ organization(id: "ma-07") ` + keyedFields + ` }`, nil},
		{"statement by a person's key", `{ statement(id: "adil-zaidi") { __typename id key } }`, nil},
		{"organization(key:) of a region", `{ organization(key: "MA-07") ` + keyedFields + ` }`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := one(t, c, tc.query)
			switch {
			case tc.want == nil && got != nil:
				t.Errorf("got %+v, want null", got)
			case tc.want != nil && got == nil:
				t.Errorf("got null, want %+v", tc.want)
			case tc.want != nil && (got.Typename != tc.want.Typename || (tc.want.ID != "" && got.ID != tc.want.ID) || got.Key != tc.want.Key):
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}

	t.Run("nodes by ids and keys", func(t *testing.T) {
		data, errs := c.do(t, `query($ids: [ID!]!) { nodes(ids: $ids) `+keyedFields+` }`,
			map[string]any{"ids": []string{"asmex", ma07.ID, "nobody", "ma-07", "per_zzzz", "ASMEX", "", "adil-zaidi"}})
		if len(errs) != 0 {
			t.Fatalf("errors: %+v", errs)
		}
		got := decode[struct{ Nodes []*keyed }](t, data).Nodes
		var keys []string
		for _, n := range got {
			if n == nil {
				keys = append(keys, "null")
			} else {
				keys = append(keys, n.Key)
			}
		}
		want := []string{"asmex", "MA-07", "null", "MA-07", "null", "asmex", "null", "adil-zaidi"}
		if !slices.Equal(keys, want) {
			t.Errorf("nodes: %v, want %v", keys, want)
		}
		if got[0].ID != asmex.ID || got[1].ID != ma07.ID {
			t.Errorf("nodes: ids %s %s, want %s %s", got[0].ID, got[1].ID, asmex.ID, ma07.ID)
		}
	})
}

func TestKeyLookupsFoldCase(t *testing.T) {
	c, _ := newServer(t)
	cases := []struct {
		query, typename, key string // key "": null
	}{
		{`{ organization(key: "asmex") ` + keyedFields + ` }`, "Organization", "asmex"},
		{`{ organization(key: "ASMEX") ` + keyedFields + ` }`, "Organization", "asmex"},
		{`{ organization(key: "Asmex") ` + keyedFields + ` }`, "Organization", "asmex"},
		{`{ region(key: "MA-07") ` + keyedFields + ` }`, "Region", "MA-07"},
		{`{ region(key: "ma-07") ` + keyedFields + ` }`, "Region", "MA-07"},
		{`{ region(key: "Ma-07") ` + keyedFields + ` }`, "Region", "MA-07"},
		{`{ region(key: "ma") ` + keyedFields + ` }`, "Region", "MA"},
		{`{ region(key: "MARRAKECH") ` + keyedFields + ` }`, "Region", "marrakech"},
		{`{ person(key: "Adil-Zaidi") ` + keyedFields + ` }`, "Person", "adil-zaidi"},
		{`{ source(key: "ISO-3166-2-MA") { __typename key } }`, "Source", "iso-3166-2-ma"},
		{`{ organization(key: "NOBODY") ` + keyedFields + ` }`, "", ""},
		{`{ person(key: "ASMEX") ` + keyedFields + ` }`, "", ""},
		{`{ organization(key: "ma-07") ` + keyedFields + ` }`, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			got := one(t, c, tc.query)
			switch {
			case tc.key == "" && got != nil:
				t.Errorf("got %+v, want null", got)
			case tc.key != "" && (got == nil || got.Typename != tc.typename || got.Key != tc.key):
				t.Errorf("got %+v, want %s %s", got, tc.typename, tc.key)
			}
		})
	}
	// Asking again (now from the read cache's key hints) gives the same answers.
	for _, q := range []string{`{ organization(key: "ASMEX") { key } }`, `{ organization(key: "asmex") { key } }`} {
		if got := one(t, c, q); got == nil || got.Key != "asmex" {
			t.Errorf("%s again: %+v", q, got)
		}
	}
	// The walks take the same folded keys.
	data, errs := c.do(t, `{ neighborhood(id: "ASMEX", depth: 0) { nodes { id ... on Entity { key } } } shortestPath(from: "HASSAN-YANJA", to: "ma-07") { length } }`, nil)
	if len(errs) != 0 {
		t.Fatalf("walks: %+v", errs)
	}
	walks := decode[struct {
		Neighborhood struct{ Nodes []keyed }
		ShortestPath *struct{ Length int }
	}](t, data)
	if len(walks.Neighborhood.Nodes) != 1 || walks.Neighborhood.Nodes[0].Key != "asmex" || walks.ShortestPath == nil {
		t.Errorf("walks by folded keys: %s", data)
	}
}

// asOfKeys returns the keys of what an asOf list answers.
func asOfKeys(t *testing.T, c *client, query string) []string {
	t.Helper()
	data, errs := c.do(t, query, nil)
	if len(errs) != 0 {
		t.Fatalf("%s: errors %+v", query, errs)
	}
	var m map[string]struct {
		C struct {
			TotalCount int `json:"totalCount"`
			Nodes      []struct {
				Key string `json:"key"`
			} `json:"nodes"`
		} `json:"c"`
		P []struct {
			Key string `json:"key"`
		} `json:"p"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %s (%v)", query, data, err)
	}
	keys := []string{}
	for _, v := range m {
		for _, n := range v.C.Nodes {
			keys = append(keys, n.Key)
		}
		for _, n := range v.P {
			keys = append(keys, n.Key)
		}
		if v.P == nil && v.C.TotalCount != len(v.C.Nodes) {
			t.Errorf("%s: totalCount %d, %d nodes", query, v.C.TotalCount, len(v.C.Nodes))
		}
	}
	return keys
}

func TestAsOfUndatedKnownFromSource(t *testing.T) {
	c, s := newServer(t)
	members := func(d string) string {
		return `{ o: organization(key: "asmex") { c: members(asOf: "` + d + `", first: 50) { totalCount nodes { key } } } }`
	}
	all := asOfKeys(t, c, `{ o: organization(key: "asmex") { c: members(first: 50) { totalCount nodes { key } } } }`)
	if len(all) != 12 {
		t.Fatalf("premise: ASMEX has 12 undated positions in the built-in dataset, got %v", all)
	}
	for _, tc := range []struct {
		date string
		want []string
	}{
		{"1900-01-01", []string{}},
		{"2021-06-16", []string{}}, // the day before the article
		{"2021-06-17", all},        // the article's date
		{"2022-01-01", all},
		{"2099-12-31", all},
	} {
		if got := asOfKeys(t, c, members(tc.date)); !slices.Equal(got, tc.want) {
			t.Errorf("members asOf %s: %v, want %v", tc.date, got, tc.want)
		}
	}
	fadlam := func(d string) string {
		return `{ x: person(key: "mohamed-fadlam") { p: positions(asOf: "` + d + `") { key } } }`
	}
	if got := asOfKeys(t, c, fadlam("1900-01-01")); len(got) != 0 {
		t.Errorf("Person.positions asOf 1900: %v, want none", got)
	}
	if got := asOfKeys(t, c, fadlam("2022-01-01")); len(got) != 2 {
		t.Errorf("Person.positions asOf 2022: %v, want both", got)
	}
	if got := asOfKeys(t, c, `{ r: region(key: "MA-07") { c: positions(asOf: "1900-01-01") { totalCount nodes { key } } } }`); len(got) != 0 {
		t.Errorf("Region.positions asOf 1900: %v, want none", got)
	}
	if got := asOfKeys(t, c, `{ r: region(key: "MA-07") { c: positions(asOf: "2022-01-01") { totalCount nodes { key } } } }`); !slices.Equal(got, []string{"pos-badia-bitar-asmex-delegue-regional"}) {
		t.Errorf("Region.positions asOf 2022: %v", got)
	}
	var agg struct {
		A1900 struct{ Count int } `json:"a1900"`
		A2022 struct{ Count int } `json:"a2022"`
	}
	c.mustDo(t, `{ a1900: aggregate(kind: POSITION, where: {position: {asOf: "1900-01-01"}}) { count }
		a2022: aggregate(kind: POSITION, where: {position: {asOf: "2022-01-01"}}) { count } }`, nil, &agg)
	if agg.A1900.Count != 0 || agg.A2022.Count != 15 {
		t.Errorf("positions held in 1900 and 2022: %d and %d, want 0 and 15", agg.A1900.Count, agg.A2022.Count)
	}

	// The earliest source with a publishedAt decides; sources without one do not count; a dated
	// position keeps its dates whatever its sources say.
	importNDJSON(t, s, `{"type":"Source","key":"asof-note-2019","title":"Note","publishedAt":"2019-03-01"}
{"type":"Source","key":"asof-undated-note","title":"Undated note"}
{"type":"Person","key":"asof-person","name":"Asof Person","citations":[{"source":"asof-undated-note"}]}
{"type":"Position","key":"asof-pos-undated-source","person":"asof-person","organization":"fcmcis","title":"a","citations":[{"source":"asof-undated-note"}]}
{"type":"Position","key":"asof-pos-two-sources","person":"asof-person","organization":"fcmcis","title":"b","citations":[{"source":"`+articleKey+`"},{"source":"asof-note-2019"},{"source":"asof-undated-note"}]}
{"type":"Position","key":"asof-pos-dated","person":"asof-person","organization":"fcmcis","title":"c","startDate":"2000-01-01","citations":[{"source":"`+articleKey+`"}]}`)
	held := func(d string) []string {
		return asOfKeys(t, c, `{ x: person(key: "asof-person") { p: positions(asOf: "`+d+`") { key } } }`)
	}
	for _, tc := range []struct {
		date string
		want []string
	}{
		{"1900-01-01", []string{"asof-pos-undated-source"}},
		{"2010-01-01", []string{"asof-pos-undated-source", "asof-pos-dated"}},
		{"2019-02-28", []string{"asof-pos-undated-source", "asof-pos-dated"}},
		{"2019-03-01", []string{"asof-pos-undated-source", "asof-pos-two-sources", "asof-pos-dated"}},
		{"2022-01-01", []string{"asof-pos-undated-source", "asof-pos-two-sources", "asof-pos-dated"}},
	} {
		if got := held(tc.date); !slices.Equal(got, tc.want) {
			t.Errorf("asof-person's positions asOf %s: %v, want %v", tc.date, got, tc.want)
		}
	}
}
