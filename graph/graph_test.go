package graph_test

import (
	"encoding/json"
	"slices"
	"testing"
)

// Connected questions over the built-in dataset. Each query lives in testdata/NAME.graphql and
// its expected data in testdata/NAME.golden.json; the key facts are asserted again in Go, so that
// a wrong golden cannot pass silently.

type named struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

type citation struct {
	Excerpt *string `json:"excerpt"`
	Source  struct {
		Key         string `json:"key"`
		Title       string `json:"title"`
		Publisher   *named `json:"publisher"`
		PublishedAt string `json:"publishedAt"`
		Author      string `json:"author"`
	} `json:"source"`
}

type position struct {
	Title        string `json:"title"`
	Person       *named `json:"person"`
	Organization *named `json:"organization"`
	Region       *named `json:"region"`
}

func TestAsmexConnected(t *testing.T) {
	c, _ := newServer(t)
	data := c.mustDo(t, readQuery(t, "asmex_connected"), nil, nil)
	assertGolden(t, "asmex_connected", data)

	var got struct {
		Organization struct {
			Key    string `json:"key"`
			Events struct {
				TotalCount int `json:"totalCount"`
				Nodes      []struct {
					Key       string `json:"key"`
					Name      string `json:"name"`
					StartDate string `json:"startDate"`
					Location  struct {
						Key    string `json:"key"`
						Name   string `json:"name"`
						Kind   string `json:"kind"`
						Parent struct {
							Key  string `json:"key"`
							Name string `json:"name"`
							Code string `json:"code"`
						} `json:"parent"`
					} `json:"location"`
					Organizers []named `json:"organizers"`
					Speakers   []named `json:"speakers"`
					Statements struct {
						TotalCount int `json:"totalCount"`
						Nodes      []struct {
							Text    string `json:"text"`
							Speaker struct {
								Typename  string     `json:"__typename"`
								Key       string     `json:"key"`
								Name      string     `json:"name"`
								Positions []position `json:"positions"`
							} `json:"speaker"`
							Citations []citation `json:"citations"`
						} `json:"nodes"`
					} `json:"statements"`
				} `json:"nodes"`
			} `json:"events"`
		} `json:"organization"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	evs := got.Organization.Events
	if evs.TotalCount != 1 || len(evs.Nodes) != 1 {
		t.Fatalf("asmex events: totalCount %d, %d nodes; want exactly one", evs.TotalCount, len(evs.Nodes))
	}
	ev := evs.Nodes[0]
	if ev.StartDate != "2021-06-14" {
		t.Errorf("event startDate %q, want 2021-06-14", ev.StartDate)
	}
	if ev.Location.Name != "Marrakech" || ev.Location.Kind != "CITY" {
		t.Errorf("event location %+v, want the city Marrakech", ev.Location)
	}
	if ev.Location.Parent.Name != "Marrakech-Safi" || ev.Location.Parent.Code != "MA-07" {
		t.Errorf("event location's parent %+v, want Marrakech-Safi (MA-07)", ev.Location.Parent)
	}
	if len(ev.Organizers) != 1 || ev.Organizers[0].Key != "asmex" {
		t.Errorf("event organizers %+v, want [asmex]", ev.Organizers)
	}
	var speakers []string
	for _, s := range ev.Speakers {
		speakers = append(speakers, s.Name)
	}
	slices.Sort(speakers)
	if want := []string{"Adil Zaidi", "Hassan Sentissi El Idrissi", "Mohamed Fadlam"}; !slices.Equal(speakers, want) {
		t.Errorf("speakers %q, want %q", speakers, want)
	}
	sts := ev.Statements
	if sts.TotalCount != 4 || len(sts.Nodes) != 4 {
		t.Fatalf("statements: totalCount %d, %d nodes; want 4", sts.TotalCount, len(sts.Nodes))
	}
	bySpeaker := map[string]int{}
	var fadlam []position
	for _, st := range sts.Nodes {
		bySpeaker[st.Speaker.Name]++
		if st.Speaker.Typename != "Person" {
			t.Errorf("speaker of %.40q is a %s, want a Person", st.Text, st.Speaker.Typename)
		}
		if st.Speaker.Key == "mohamed-fadlam" {
			fadlam = st.Speaker.Positions
		}
		if len(st.Citations) == 0 {
			t.Errorf("statement %.40q cites nothing", st.Text)
		}
		for _, ci := range st.Citations {
			src := ci.Source
			if src.Key != articleKey || src.PublishedAt != "2021-06-17" || src.Publisher == nil || src.Publisher.Name != "L'opinion" || src.Author != "A. C." {
				t.Errorf("statement %.40q cites %+v, want the L'opinion article of 2021-06-17 by A. C.", st.Text, src)
			}
			if ci.Excerpt == nil || *ci.Excerpt == "" {
				t.Errorf("statement %.40q: citation without excerpt", st.Text)
			}
		}
	}
	if want := map[string]int{"Hassan Sentissi El Idrissi": 1, "Mohamed Fadlam": 1, "Adil Zaidi": 2}; !mapsEqual(bySpeaker, want) {
		t.Errorf("statements per speaker %v, want %v", bySpeaker, want)
	}
	hasPos := func(ps []position, title, org string) bool {
		return slices.ContainsFunc(ps, func(p position) bool {
			return p.Title == title && p.Organization != nil && p.Organization.Key == org
		})
	}
	if len(fadlam) != 2 || !hasPos(fadlam, "président", "ccis-marrakech-safi") || !hasPos(fadlam, "vice-président", "fcmcis") {
		t.Errorf("Mohamed Fadlam's positions %+v, want président of the Marrakech-Safi chamber and vice-président of FCMCIS", fadlam)
	}
	for _, p := range fadlam {
		if p.Organization.Key == "ccis-marrakech-safi" && p.Organization.Name != "Chambre de Commerce, d'Industrie et de Services de Marrakech-Safi" {
			t.Errorf("the chamber is named %q", p.Organization.Name)
		}
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestDelegateMarrakechSafi(t *testing.T) {
	c, _ := newServer(t)
	data := c.mustDo(t, readQuery(t, "delegate_marrakech_safi"), nil, nil)
	assertGolden(t, "delegate_marrakech_safi", data)

	type positions struct {
		TotalCount int        `json:"totalCount"`
		Nodes      []position `json:"nodes"`
	}
	var got struct {
		Region struct {
			Name      string    `json:"name"`
			Code      string    `json:"code"`
			Positions positions `json:"positions"`
		} `json:"region"`
		City struct {
			Name   string `json:"name"`
			Parent struct {
				Name      string    `json:"name"`
				Code      string    `json:"code"`
				Positions positions `json:"positions"`
			} `json:"parent"`
		} `json:"city"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	check := func(from string, ps positions) {
		t.Helper()
		if ps.TotalCount != 1 || len(ps.Nodes) != 1 {
			t.Fatalf("%s: %d positions (totalCount %d), want 1", from, len(ps.Nodes), ps.TotalCount)
		}
		p := ps.Nodes[0]
		if p.Title != "délégué régional" || p.Person.Name != "Badia Bitar" || p.Organization.Key != "asmex" {
			t.Errorf("%s: position %q of %q in %q, want délégué régional, Badia Bitar, asmex", from, p.Title, p.Person.Name, p.Organization.Key)
		}
	}
	if got.Region.Name != "Marrakech-Safi" || got.Region.Code != "MA-07" {
		t.Errorf("MA-07 is %q (%q)", got.Region.Name, got.Region.Code)
	}
	check("region MA-07", got.Region.Positions)
	if got.City.Parent.Code != "MA-07" {
		t.Errorf("Marrakech's parent is %q (%q), want MA-07", got.City.Parent.Name, got.City.Parent.Code)
	}
	check("the parent of marrakech", got.City.Parent.Positions)
}

func TestRegionTree(t *testing.T) {
	c, _ := newServer(t)
	data := c.mustDo(t, readQuery(t, "region_tree"), nil, nil)
	assertGolden(t, "region_tree", data)

	type events struct {
		TotalCount int     `json:"totalCount"`
		Nodes      []named `json:"nodes"`
	}
	var got struct {
		Country struct {
			Kind       string `json:"kind"`
			Subregions []struct {
				Code   string `json:"code"`
				Kind   string `json:"kind"`
				Parent named  `json:"parent"`
			} `json:"subregions"`
			Events events `json:"events"`
		} `json:"country"`
		Region struct {
			Events events `json:"events"`
		} `json:"region"`
		City struct {
			Events events `json:"events"`
		} `json:"city"`
		Elsewhere struct {
			Events events `json:"events"`
		} `json:"elsewhere"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, r := range got.Country.Subregions {
		codes = append(codes, r.Code)
		if r.Kind != "REGION" || r.Parent.Key != "MA" {
			t.Errorf("subregion %s: kind %s, parent %q", r.Code, r.Kind, r.Parent.Key)
		}
	}
	slices.Sort(codes)
	want := []string{"MA-01", "MA-02", "MA-03", "MA-04", "MA-05", "MA-06", "MA-07", "MA-08", "MA-09", "MA-10", "MA-11", "MA-12"}
	if !slices.Equal(codes, want) {
		t.Errorf("subregions of MA: %q, want %q", codes, want)
	}
	const event = "asmex-conseil-des-regions-2021-06-14"
	for name, ev := range map[string]events{"MA": got.Country.Events, "MA-07": got.Region.Events, "marrakech": got.City.Events} {
		if ev.TotalCount != 1 || len(ev.Nodes) != 1 || ev.Nodes[0].Key != event {
			t.Errorf("events of %s: %+v, want only %s", name, ev, event)
		}
	}
	if ev := got.Elsewhere.Events; ev.TotalCount != 0 || len(ev.Nodes) != 0 {
		t.Errorf("events of MA-11: %+v, want none", ev)
	}
}

func TestOrganizationUnits(t *testing.T) {
	c, _ := newServer(t)
	data := c.mustDo(t, readQuery(t, "organization_units"), nil, nil)
	assertGolden(t, "organization_units", data)

	var got struct {
		Organization struct {
			Units []struct {
				Key     string `json:"key"`
				Name    string `json:"name"`
				Kind    string `json:"kind"`
				Parent  *named `json:"parent"`
				Members struct {
					Nodes []position `json:"nodes"`
				} `json:"members"`
			} `json:"units"`
		} `json:"organization"`
		Person struct {
			Positions []position `json:"positions"`
		} `json:"person"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, u := range got.Organization.Units {
		if u.Parent == nil || u.Parent.Key != "asmex" {
			t.Errorf("unit %s of asmex has parent %+v", u.Key, u.Parent)
		}
		if u.Name != "Dynamique régionale" {
			continue
		}
		found = true
		if u.Kind != "COMMISSION" {
			t.Errorf("Dynamique régionale is a %s, want COMMISSION", u.Kind)
		}
		if len(u.Members.Nodes) != 1 || u.Members.Nodes[0].Title != "président" || u.Members.Nodes[0].Person.Name != "Adil Zaidi" {
			t.Errorf("members of Dynamique régionale: %+v, want Adil Zaidi, président", u.Members.Nodes)
		}
	}
	if !found {
		t.Errorf("asmex units %+v lack « Dynamique régionale »", got.Organization.Units)
	}
	ps := got.Person.Positions
	if len(ps) != 1 || ps[0].Title != "président" || ps[0].Organization.Name != "Dynamique régionale" {
		t.Errorf("Adil Zaidi's positions %+v, want président of Dynamique régionale", ps)
	}
}

func TestPersonEvents(t *testing.T) {
	c, _ := newServer(t)
	data := c.mustDo(t, readQuery(t, "person_events"), nil, nil)
	assertGolden(t, "person_events", data)

	type conn struct {
		TotalCount int     `json:"totalCount"`
		Nodes      []named `json:"nodes"`
	}
	type person struct {
		Name       string `json:"name"`
		Statements conn   `json:"statements"`
		Events     conn   `json:"events"`
	}
	var got struct {
		Speaker  person `json:"speaker"`
		Delegate person `json:"delegate"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	const event = "asmex-conseil-des-regions-2021-06-14"
	if s := got.Speaker.Statements; s.TotalCount != 2 || len(s.Nodes) != 2 {
		t.Errorf("Adil Zaidi's statements: %+v, want 2", s)
	}
	// Zaidi took part twice (presenter, and two statements): the event is listed once.
	for who, p := range map[string]person{"adil-zaidi": got.Speaker, "badia-bitar": got.Delegate} {
		if e := p.Events; e.TotalCount != 1 || len(e.Nodes) != 1 || e.Nodes[0].Key != event {
			t.Errorf("%s's events: %+v, want only %s", who, e, event)
		}
	}
	if s := got.Delegate.Statements; s.TotalCount != 0 || len(s.Nodes) != 0 {
		t.Errorf("Badia Bitar's statements: %+v, want none", s)
	}
}

func TestSources(t *testing.T) {
	c, _ := newServer(t)
	data := c.mustDo(t, readQuery(t, "sources"), nil, nil)
	assertGolden(t, "sources", data)

	var got struct {
		Source struct {
			Key         string  `json:"key"`
			Title       string  `json:"title"`
			Author      string  `json:"author"`
			Language    string  `json:"language"`
			PublishedAt string  `json:"publishedAt"`
			URL         *string `json:"url"`
			Publisher   struct {
				Key  string `json:"key"`
				Name string `json:"name"`
				Kind string `json:"kind"`
			} `json:"publisher"`
		} `json:"source"`
		Sources struct {
			TotalCount int     `json:"totalCount"`
			Nodes      []named `json:"nodes"`
		} `json:"sources"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	s := got.Source
	if s.Key != articleKey || s.Author != "A. C." || s.Language != "fr" || s.PublishedAt != "2021-06-17" {
		t.Errorf("article source %+v", s)
	}
	if s.Title != "L'ASMEX prépare un Plan stratégique pour réussir le défi de la croissance économique régionale" {
		t.Errorf("article title %q", s.Title)
	}
	if s.Publisher.Key != "l-opinion" || s.Publisher.Name != "L'opinion" || s.Publisher.Kind != "MEDIA" {
		t.Errorf("article publisher %+v, want L'opinion (MEDIA)", s.Publisher)
	}
	if !slices.ContainsFunc(got.Sources.Nodes, func(n named) bool { return n.Key == articleKey }) {
		t.Errorf("sources %+v lack the article", got.Sources.Nodes)
	}
	if got.Sources.TotalCount != len(got.Sources.Nodes) {
		t.Errorf("sources: totalCount %d, %d nodes", got.Sources.TotalCount, len(got.Sources.Nodes))
	}
}

func TestNodeLookup(t *testing.T) {
	c, _ := newServer(t)
	var ids struct {
		Person struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"person"`
		Organization struct {
			ID string `json:"id"`
		} `json:"organization"`
		Region struct {
			ID string `json:"id"`
		} `json:"region"`
	}
	c.mustDo(t, `{ person(key: "adil-zaidi") { id name } organization(key: "asmex") { id } region(key: "MA-07") { id } }`, nil, &ids)
	pid, oid := ids.Person.ID, ids.Organization.ID
	if pid == "" || oid == "" || pid == oid {
		t.Fatalf("ids: person %q, organization %q", pid, oid)
	}

	t.Run("node", func(t *testing.T) {
		var got struct {
			Node struct {
				Typename string `json:"__typename"`
				ID       string `json:"id"`
				Key      string `json:"key"`
				Name     string `json:"name"`
			} `json:"node"`
		}
		c.mustDo(t, `query($id: ID!) { node(id: $id) { __typename id ... on Person { key name } } }`, map[string]any{"id": pid}, &got)
		if got.Node.Typename != "Person" || got.Node.ID != pid || got.Node.Key != "adil-zaidi" || got.Node.Name != "Adil Zaidi" {
			t.Errorf("node(%q) = %+v, want the Person adil-zaidi", pid, got.Node)
		}
		var reg struct {
			Node struct {
				Typename string `json:"__typename"`
				Code     string `json:"code"`
			} `json:"node"`
		}
		c.mustDo(t, `query($id: ID!) { node(id: $id) { __typename ... on Region { code } } }`, map[string]any{"id": ids.Region.ID}, &reg)
		if reg.Node.Typename != "Region" || reg.Node.Code != "MA-07" {
			t.Errorf("node(%q) = %+v, want the Region MA-07", ids.Region.ID, reg.Node)
		}
	})

	t.Run("node unknown", func(t *testing.T) {
		for _, id := range []string{"per_zzzz", "garbage", "", "per_", "per_0"} {
			data, errs := c.do(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
			if len(errs) != 0 || string(normalize(t, data)) != "{\n  \"node\": null\n}\n" {
				t.Errorf("node(%q): data %s, errors %+v; want null, no error", id, data, errs)
			}
		}
	})

	t.Run("nodes", func(t *testing.T) {
		data, errs := c.do(t, `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`,
			map[string]any{"ids": []string{pid, "per_zzzz", "garbage", oid}})
		if len(errs) != 0 {
			t.Fatalf("errors: %+v", errs)
		}
		got := decode[struct {
			Nodes []*struct {
				Typename string `json:"__typename"`
				ID       string `json:"id"`
			} `json:"nodes"`
		}](t, data).Nodes
		if len(got) != 4 || got[0] == nil || got[0].ID != pid || got[0].Typename != "Person" ||
			got[1] != nil || got[2] != nil || got[3] == nil || got[3].ID != oid || got[3].Typename != "Organization" {
			t.Errorf("nodes: %s, want [Person %s, null, null, Organization %s]", data, pid, oid)
		}
	})

	t.Run("person by unknown key", func(t *testing.T) {
		data, errs := c.do(t, `{ person(key: "nobody") { id } }`, nil)
		if len(errs) != 0 || decode[map[string]any](t, data)["person"] != nil {
			t.Errorf("person(key: nobody): data %s, errors %+v; want null, no error", data, errs)
		}
	})

	t.Run("person by an organization's id or key", func(t *testing.T) {
		for _, q := range []struct {
			query string
			vars  map[string]any
		}{
			{`query($id: ID) { person(id: $id) { id } }`, map[string]any{"id": oid}},
			{`{ person(key: "asmex") { id } }`, nil},
			{`query($id: ID) { organization(id: $id) { id } }`, map[string]any{"id": pid}},
		} {
			data, errs := c.do(t, q.query, q.vars)
			m := decode[map[string]any](t, data)
			for k, v := range m {
				if v != nil || len(errs) != 0 {
					t.Errorf("%s %v: %s is %v, errors %+v; want null, no error", q.query, q.vars, k, v, errs)
				}
			}
		}
	})

	t.Run("person with both id and key, or neither", func(t *testing.T) {
		for _, q := range []struct {
			query string
			vars  map[string]any
		}{
			{`query($id: ID) { person(id: $id, key: "adil-zaidi") { id } }`, map[string]any{"id": pid}},
			{`{ person { id } }`, nil},
		} {
			data, errs := c.do(t, q.query, q.vars)
			assertErrorCode(t, errs, "BAD_USER_INPUT")
			if m := decode[map[string]any](t, data); m == nil || m["person"] != nil {
				t.Errorf("%s: data %s, want {\"person\": null}", q.query, data)
			}
			if len(errs[0].Path) != 1 || errs[0].Path[0] != "person" {
				t.Errorf("%s: error path %v, want [person]", q.query, errs[0].Path)
			}
		}
	})

	t.Run("statement by id", func(t *testing.T) {
		var sts struct {
			Statements struct {
				Nodes []struct {
					ID  string `json:"id"`
					Key string `json:"key"`
				} `json:"nodes"`
			} `json:"statements"`
		}
		c.mustDo(t, `{ statements(first: 1) { nodes { id key } } }`, nil, &sts)
		if len(sts.Statements.Nodes) != 1 {
			t.Fatalf("statements(first: 1): %+v", sts)
		}
		st := sts.Statements.Nodes[0]
		var got struct {
			Statement *struct {
				Key     string `json:"key"`
				Speaker named  `json:"speaker"`
			} `json:"statement"`
			Wrong *struct{} `json:"wrong"`
		}
		c.mustDo(t, `query($id: ID!, $pid: ID!) { statement(id: $id) { key speaker { key } } wrong: statement(id: $pid) { id } }`,
			map[string]any{"id": st.ID, "pid": pid}, &got)
		if got.Statement == nil || got.Statement.Key != st.Key {
			t.Errorf("statement(%q) = %+v, want %s", st.ID, got.Statement, st.Key)
		}
		if got.Wrong != nil {
			t.Errorf("statement(id: a person's id) = %+v, want null", got.Wrong)
		}
	})
}

// TestErrorsDoNotLeak sends malformed requests: every answer is JSON, with contract codes and no
// Go error text (post checks every body with assertNoLeak).
func TestErrorsDoNotLeak(t *testing.T) {
	c, _ := newServer(t)
	for _, body := range []string{
		`{`,
		`not json`,
		`[]`,
		`{"query": 1}`,
		`{"query": "{ person(key: \"adil-zaidi\") { name } }", "variables": "x"}`,
		`{"query": "query($n: Int) { people(first: $n) { totalCount } }", "variables": {"n": "ten"}}`,
		`{"query": "query($n: Int) { people(first: $n) { totalCount } }", "variables": {"n": 1e100}}`,
		`{"query": "{ people(first: \"x\") { totalCount } }"}`,
		`{"query": "{ nosuchfield }"}`,
		`{"query": "{ person(key: \"adil-zaidi\") { name "}`,
		`{"query": ""}`,
		`{"query": "query A { __typename } query B { __typename }", "operationName": "C"}`,
	} {
		status, out := c.post(t, []byte(body))
		t.Logf("%s → %d %s", body, status, out)
		var resp struct {
			Errors []gqlErr `json:"errors"`
		}
		if err := json.Unmarshal(out, &resp); err != nil || len(resp.Errors) == 0 {
			t.Errorf("body %s: status %d, response %s; want a JSON error", body, status, out)
			continue
		}
		for _, e := range resp.Errors {
			if e.code() != "BAD_USER_INPUT" {
				t.Errorf("body %s: error %q has code %q, want BAD_USER_INPUT", body, e.Message, e.code())
			}
		}
	}
}
