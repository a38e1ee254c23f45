package graph_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/graph/model"
	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/gen"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/storetest"
)

// Graph walks: shortestPath, allShortestPaths, neighborhood (graph/paths.graphqls).

// walkNodeFields selects what the tests read of any node of a walk, and of a `via`.
const walkNodeFields = `id __typename
	... on Entity { key }
	... on Source { key }
	... on Statement { okey: key }
	... on Position { okey: key title person { key } organization { key } region { key } }
	... on Participation { okey: key role person { key } event { key } }`

const walkPathFields = `length nodes { ` + walkNodeFields + ` } edges { label from { id } to { id } via { ` + walkNodeFields + ` } }`

const walkShortestQuery = `query($from: ID!, $to: ID!, $maxDepth: Int, $labels: [PathLabel!]) {
	shortestPath(from: $from, to: $to, maxDepth: $maxDepth, labels: $labels) { ` + walkPathFields + ` } }`

const walkAllQuery = `query($from: ID!, $to: ID!, $first: Int, $labels: [PathLabel!]) {
	allShortestPaths(from: $from, to: $to, first: $first, labels: $labels) { ` + walkPathFields + ` } }`

const walkNeighborhoodQuery = `query($id: ID!, $depth: Int, $first: Int, $labels: [PathLabel!]) {
	neighborhood(id: $id, depth: $depth, first: $first, labels: $labels) {
		truncated nodes { ` + walkNodeFields + ` } edges { label from { id } to { id } via { ` + walkNodeFields + ` } } } }`

// walkNode is a node or a via as walkNodeFields selects it.
type walkNode struct {
	ID           string                `json:"id"`
	Typename     string                `json:"__typename"`
	Key          string                `json:"key"`
	OKey         string                `json:"okey"` // the key of a Statement, Position or Participation (nullable)
	Title        string                `json:"title"`
	Role         string                `json:"role"`
	Person       *struct{ Key string } `json:"person"`
	Organization *struct{ Key string } `json:"organization"`
	Region       *struct{ Key string } `json:"region"`
	Event        *struct{ Key string } `json:"event"`
}

type walkEdge struct {
	Label string              `json:"label"`
	From  struct{ ID string } `json:"from"`
	To    struct{ ID string } `json:"to"`
	Via   *walkNode           `json:"via"`
}

type walkPath struct {
	Length int        `json:"length"`
	Nodes  []walkNode `json:"nodes"`
	Edges  []walkEdge `json:"edges"`
}

// keys lists the keys of the path's nodes.
func (p walkPath) keys() []string {
	var out []string
	for _, n := range p.Nodes {
		out = append(out, n.key())
	}
	return out
}

// key is the node's key, whatever its type.
func (n walkNode) key() string { return n.Key + n.OKey }

// labels lists the labels of the path's edges.
func (p walkPath) labels() []string {
	var out []string
	for _, e := range p.Edges {
		out = append(out, e.Label)
	}
	return out
}

// check verifies a path's shape: length + 1 nodes, edges that follow the walk.
func (p walkPath) check(t *testing.T) {
	t.Helper()
	if len(p.Nodes) != p.Length+1 || len(p.Edges) != p.Length {
		t.Fatalf("a path of length %d has %d nodes and %d edges", p.Length, len(p.Nodes), len(p.Edges))
	}
	for i, e := range p.Edges {
		if e.From.ID != p.Nodes[i].ID || e.To.ID != p.Nodes[i+1].ID {
			t.Fatalf("edge %d goes %s → %s, the walk %s → %s", i, e.From.ID, e.To.ID, p.Nodes[i].ID, p.Nodes[i+1].ID)
		}
	}
}

// shortest runs shortestPath and returns the path (nil for null) and the raw data.
func walkShortest(t *testing.T, c *client, vars map[string]any) (*walkPath, json.RawMessage) {
	t.Helper()
	var out struct{ ShortestPath *walkPath }
	data := c.mustDo(t, walkShortestQuery, vars, &out)
	if out.ShortestPath != nil {
		out.ShortestPath.check(t)
	}
	return out.ShortestPath, data
}

// TestPathLabelsMatchStore: the schema's PathLabel values are the store's labels.
func TestPathLabelsMatchStore(t *testing.T) {
	for _, l := range model.AllPathLabel {
		if sl, ok := store.ParseLabel(string(l)); !ok || sl.String() != string(l) {
			t.Errorf("PathLabel %s has no store label", l)
		}
	}
	if n := int(store.LabelCites); len(model.AllPathLabel) != n {
		t.Errorf("the schema has %d PathLabel values, the store %d labels", len(model.AllPathLabel), n)
	}
}

func TestShortestPathBetweenDelegates(t *testing.T) {
	c, _ := newServer(t)
	vars := map[string]any{"from": "hassan-yanja", "to": "najat-toulba"}
	p, first := walkShortest(t, c, vars)
	if p == nil {
		t.Fatal("no path between two ASMEX delegates")
	}
	if got, want := p.keys(), []string{"hassan-yanja", "asmex", "najat-toulba"}; !slices.Equal(got, want) || p.Length != 2 {
		t.Fatalf("path %v (length %d), want %v (length 2)", got, p.Length, want)
	}
	for i, e := range p.Edges {
		person := p.Nodes[2*i].Key
		v := e.Via
		if e.Label != "POSITION" || v == nil || v.Typename != "Position" || v.Person == nil || v.Person.Key != person ||
			v.Organization == nil || v.Organization.Key != "asmex" || v.Title != "délégué régional" {
			t.Errorf("edge %d: %+v via %+v; want POSITION via %s's position in asmex", i, e, v, person)
		}
	}
	// Deterministic: five more times, then on a fresh import of the same data.
	for range 5 {
		if _, again := walkShortest(t, c, vars); !bytes.Equal(again, first) {
			t.Fatalf("a second query answered differently:\n%s\n%s", again, first)
		}
	}
	fresh, _ := newServer(t)
	if _, again := walkShortest(t, fresh, vars); !bytes.Equal(again, first) {
		t.Fatalf("a fresh import answers differently:\n%s\n%s", again, first)
	}
	// Ids work as well as keys.
	byID, _ := walkShortest(t, c, map[string]any{"from": p.Nodes[0].ID, "to": p.Nodes[2].ID})
	if byID == nil || !slices.Equal(byID.keys(), p.keys()) {
		t.Errorf("by ids: %+v", byID)
	}
}

func TestShortestPathCases(t *testing.T) {
	c, _ := newServer(t)
	cases := []struct {
		name         string
		vars         map[string]any
		keys, labels []string // nil keys: no path
	}{
		{"delegate to chamber president", map[string]any{"from": "badia-bitar", "to": "mohamed-fadlam"},
			[]string{"badia-bitar", eventKey, "mohamed-fadlam"}, []string{"PARTICIPATION", "PARTICIPATION"}},
		{"commission president to the event", map[string]any{"from": "adil-zaidi", "to": eventKey},
			[]string{"adil-zaidi", eventKey}, []string{"PARTICIPATION"}},
		{"delegate to her region", map[string]any{"from": "badia-bitar", "to": "MA-07"},
			[]string{"badia-bitar", "MA-07"}, []string{"POSITION_REGION"}},
		{"through a statement", map[string]any{"from": "adil-zaidi", "to": eventKey, "labels": []string{"SAID", "AT_EVENT"}},
			[]string{"adil-zaidi", "asmex-cdr-2021-zaidi-1", eventKey}, []string{"SAID", "AT_EVENT"}},
		{"labels that connect nothing", map[string]any{"from": "hassan-yanja", "to": "najat-toulba", "labels": []string{"SEAT", "HELD_IN"}}, nil, nil},
		{"too far for maxDepth", map[string]any{"from": "marrakech", "to": "MA", "maxDepth": 1}, nil, nil},
		{"unknown end", map[string]any{"from": "nobody-at-all", "to": "asmex"}, nil, nil},
		{"same node", map[string]any{"from": "asmex", "to": "asmex"}, []string{"asmex"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := walkShortest(t, c, tc.vars)
			if tc.keys == nil {
				if p != nil {
					t.Fatalf("want null, got %v", p.keys())
				}
				return
			}
			if p == nil {
				t.Fatalf("want %v, got null", tc.keys)
			}
			if !slices.Equal(p.keys(), tc.keys) || !slices.Equal(p.labels(), tc.labels) {
				t.Fatalf("got %v %v, want %v %v", p.keys(), p.labels(), tc.keys, tc.labels)
			}
		})
	}

	// The via of a participation and of a regional position.
	p, _ := walkShortest(t, c, map[string]any{"from": "adil-zaidi", "to": eventKey})
	if v := p.Edges[0].Via; v == nil || v.Typename != "Participation" || v.Role != "presenter" || v.Person.Key != "adil-zaidi" || v.Event.Key != eventKey {
		t.Errorf("participation via: %+v", v)
	}
	p, _ = walkShortest(t, c, map[string]any{"from": "badia-bitar", "to": "MA-07"})
	if v := p.Edges[0].Via; v == nil || v.Typename != "Position" || v.Region == nil || v.Region.Key != "MA-07" || v.Organization.Key != "asmex" {
		t.Errorf("regional position via: %+v", v)
	}
	// Direct relations have no via.
	p, _ = walkShortest(t, c, map[string]any{"from": "marrakech", "to": "MA"})
	if p == nil || !slices.Equal(p.labels(), []string{"INSIDE", "INSIDE"}) || p.Edges[0].Via != nil {
		t.Errorf("marrakech → MA: %+v", p)
	}
}

func TestShortestPathBadInput(t *testing.T) {
	c, _ := newServer(t)
	for _, vars := range []map[string]any{
		{"from": "asmex", "to": "MA", "maxDepth": 7},
		{"from": "asmex", "to": "MA", "maxDepth": -1},
	} {
		_, errs := c.do(t, walkShortestQuery, vars)
		assertErrorCode(t, errs, "BAD_USER_INPUT")
	}
	_, errs := c.do(t, walkShortestQuery, map[string]any{"from": "asmex", "to": "MA", "labels": []string{"NOPE"}})
	assertErrorCode(t, errs, "BAD_USER_INPUT")
	_, errs = c.do(t, walkAllQuery, map[string]any{"from": "asmex", "to": "MA", "first": 101})
	assertErrorCode(t, errs, "BAD_USER_INPUT")
	for _, vars := range []map[string]any{{"id": "asmex", "depth": 4}, {"id": "asmex", "first": 0}, {"id": "asmex", "first": 1001}} {
		_, errs = c.do(t, walkNeighborhoodQuery, vars)
		assertErrorCode(t, errs, "BAD_USER_INPUT")
	}
}

func TestShortestPathCites(t *testing.T) {
	c, s := newServer(t)
	const cite = `"citations":[{"source":"` + articleKey + `"}]`
	importNDJSON(t, s, `{"type":"Person","key":"loner-one","name":"Loner One",`+cite+"}\n"+
		`{"type":"Person","key":"loner-two","name":"Loner Two",`+cite+"}\n")
	vars := map[string]any{"from": "loner-one", "to": "loner-two", "maxDepth": 6}
	if p, _ := walkShortest(t, c, vars); p != nil {
		t.Fatalf("CITES must not be walked by default, got %v %v", p.keys(), p.labels())
	}
	vars["labels"] = []string{"CITES"}
	p, _ := walkShortest(t, c, vars)
	if p == nil || !slices.Equal(p.keys(), []string{"loner-one", articleKey, "loner-two"}) || !slices.Equal(p.labels(), []string{"CITES", "CITES"}) {
		t.Fatalf("with CITES: %+v", p)
	}
	if p.Nodes[1].Typename != "Source" {
		t.Errorf("the middle node is a %s, want the Source", p.Nodes[1].Typename)
	}
}

func TestAllShortestPaths(t *testing.T) {
	c, _ := newServer(t)
	var out struct{ AllShortestPaths []walkPath }
	c.mustDo(t, walkAllQuery, map[string]any{"from": "hassan-yanja", "to": "najat-toulba"}, &out)
	var got [][]string
	for _, p := range out.AllShortestPaths {
		p.check(t)
		got = append(got, append(p.keys(), p.labels()...))
	}
	want := [][]string{
		{"hassan-yanja", "asmex", "najat-toulba", "POSITION", "POSITION"},
		{"hassan-yanja", eventKey, "najat-toulba", "PARTICIPATION", "PARTICIPATION"},
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("paths:\n got %q\nwant %q", got, want)
	}
	// The first is shortestPath's; first caps the list.
	var one struct{ AllShortestPaths []walkPath }
	c.mustDo(t, walkAllQuery, map[string]any{"from": "hassan-yanja", "to": "najat-toulba", "first": 1}, &one)
	sp, _ := walkShortest(t, c, map[string]any{"from": "hassan-yanja", "to": "najat-toulba"})
	if len(one.AllShortestPaths) != 1 || !slices.Equal(one.AllShortestPaths[0].keys(), sp.keys()) {
		t.Errorf("first: 1 gave %+v, want shortestPath's %v", one.AllShortestPaths, sp.keys())
	}
	var none struct{ AllShortestPaths []walkPath }
	c.mustDo(t, walkAllQuery, map[string]any{"from": "hassan-yanja", "to": "najat-toulba", "labels": []string{"SEAT"}}, &none)
	if none.AllShortestPaths == nil || len(none.AllShortestPaths) != 0 {
		t.Errorf("no path: want [], got %+v", none.AllShortestPaths)
	}
}

// walkSubgraph is a neighborhood as walkNeighborhoodQuery selects it.
type walkSubgraph struct {
	Truncated bool       `json:"truncated"`
	Nodes     []walkNode `json:"nodes"`
	Edges     []walkEdge `json:"edges"`
}

func walkNeighborhood(t *testing.T, c *client, vars map[string]any) walkSubgraph {
	t.Helper()
	var out struct{ Neighborhood walkSubgraph }
	c.mustDo(t, walkNeighborhoodQuery, vars, &out)
	sub := out.Neighborhood
	index := map[string]int{}
	for i, n := range sub.Nodes {
		if _, dup := index[n.ID]; dup {
			t.Fatalf("node %s listed twice", n.ID)
		}
		index[n.ID] = i
	}
	for _, e := range sub.Edges {
		i, ok1 := index[e.From.ID]
		j, ok2 := index[e.To.ID]
		if !ok1 || !ok2 || i >= j {
			t.Fatalf("edge %+v: ends not in nodes, or not from the one listed first", e)
		}
	}
	return sub
}

func TestNeighborhood(t *testing.T) {
	c, _ := newServer(t)
	sub := walkNeighborhood(t, c, map[string]any{"id": "asmex"})
	var keys []string
	for _, n := range sub.Nodes {
		keys = append(keys, n.key())
	}
	want := []string{"asmex",
		"hassan-sentissi-el-idrissi", // its president
		"hassan-yanja", "najat-toulba", "khalid-bounajma", "badia-bitar", "amine-laghidi", "zouheir-benjelloun",
		"rachid-zerati", "mehdi-laraqui", "fouad-lamrini", "jihad-essikili", "said-abdati", // its 11 delegates
		"dynamique-regionale",       // its commission (UNIT_OF)
		eventKey,                    // the event it organized
		"asmex-cdr-2021-sentissi-1", // the statement about it
	}
	if !slices.Equal(keys, want) || sub.Truncated {
		t.Fatalf("neighbourhood of asmex:\n got %q (truncated %v)\nwant %q", keys, sub.Truncated, want)
	}
	labels := map[string]int{}
	for _, e := range sub.Edges {
		labels[e.Label]++
		if e.From.ID != sub.Nodes[0].ID {
			t.Errorf("depth 1: edge %+v does not start at asmex", e)
		}
	}
	if want := map[string]int{"POSITION": 12, "UNIT_OF": 1, "ORGANIZED_BY": 1, "ABOUT": 1}; !mapsEqual(labels, want) {
		t.Errorf("edge labels %v, want %v", labels, want)
	}

	cut := walkNeighborhood(t, c, map[string]any{"id": "asmex", "first": 5})
	if !cut.Truncated || len(cut.Nodes) != 5 || cut.Nodes[4].ID != sub.Nodes[4].ID {
		t.Errorf("first: 5: %d nodes, truncated %v", len(cut.Nodes), cut.Truncated)
	}
	if len(cut.Edges) != 4 {
		t.Errorf("first: 5: %d edges, want 4 (asmex to each of the others)", len(cut.Edges))
	}

	deep := walkNeighborhood(t, c, map[string]any{"id": "asmex", "depth": 3, "first": 1000})
	if len(deep.Nodes) <= len(sub.Nodes) || deep.Truncated {
		t.Errorf("depth 3: %d nodes, truncated %v", len(deep.Nodes), deep.Truncated)
	}

	empty := walkNeighborhood(t, c, map[string]any{"id": "nobody-at-all"})
	if len(empty.Nodes) != 0 || len(empty.Edges) != 0 || empty.Truncated {
		t.Errorf("unknown id: %+v", empty)
	}
}

// TestWalkCallsDoNotGrowWithPaths: the records of every path, and what the query selects below
// them, are fetched level by level, so listing ten paths costs the store no more round trips
// than listing one.
func TestWalkCallsDoNotGrowWithPaths(t *testing.T) {
	c, s := newServer(t)
	q := `query($first: Int) { allShortestPaths(from: "hassan-yanja", to: "said-abdati", first: $first) {
		nodes { id ... on Person { positions { title organization { name } region { name } } } ... on Event { organizers { name } } }
		edges { label via { ... on Position { person { name } } ... on Participation { person { name } } } } } }`
	calls := func(first int) (int64, int) {
		var out struct{ AllShortestPaths []walkPath }
		before := s.Calls()
		c.mustDo(t, q, map[string]any{"first": first}, &out)
		return s.Calls() - before, len(out.AllShortestPaths)
	}
	one, n1 := calls(1)
	many, n := calls(10)
	if n1 != 1 || n < 2 {
		t.Fatalf("want 1 and several paths, got %d and %d", n1, n)
	}
	if many > one {
		t.Errorf("%d paths cost %d store round trips, 1 path %d", n, many, one)
	}
}

// walkServer serves a store with the real handler, every request carrying walk limits.
func walkServer(t *testing.T, s *store.Store, lim graph.PathLimits) *client {
	t.Helper()
	h := graph.NewHandler(graph.Options{Store: s})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(graph.WithPathLimits(r.Context(), lim)))
	}))
	t.Cleanup(srv.Close)
	return &client{url: srv.URL + "/graphql"}
}

func TestWalkBounds(t *testing.T) {
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Options{Seed: 3, People: 300}); err != nil {
		t.Fatal(err)
	}
	s := storetest.Open(t)
	if _, err := importer.ImportBytes(s, buf.Bytes(), "gen"); err != nil {
		t.Fatal(err)
	}
	pathVars := map[string]any{"from": "p-0", "to": "p-299", "maxDepth": 6, "labels": []string{"POSITION", "PARTICIPATION", "SAID", "AT_EVENT", "ABOUT", "CITES"}}

	tight := walkServer(t, s, graph.PathLimits{MaxVisited: 10})
	for _, q := range []struct {
		query string
		vars  map[string]any
	}{
		{walkShortestQuery, pathVars},
		{walkAllQuery, pathVars},
		{walkNeighborhoodQuery, map[string]any{"id": "p-0", "depth": 3, "first": 1000}},
	} {
		data, errs := tight.do(t, q.query, q.vars)
		assertErrorCode(t, errs, "QUERY_TOO_COMPLEX")
		if errs[0].Extensions["bound"] != "visited" || errs[0].Extensions["limit"] != float64(10) {
			t.Errorf("extensions %v, want bound visited, limit 10", errs[0].Extensions)
		}
		// No partial answer: the field is null (and so is data, for a non-null field).
		var fields map[string]json.RawMessage
		if string(data) != "null" && (json.Unmarshal(data, &fields) != nil || len(fields) != 1 || string(fields[slices.Collect(maps.Keys(fields))[0]]) != "null") {
			t.Errorf("a bound hit must not answer: data %s", data)
		}
	}

	slow := walkServer(t, s, graph.PathLimits{Timeout: time.Nanosecond})
	_, errs := slow.do(t, walkShortestQuery, pathVars)
	assertErrorCode(t, errs, "QUERY_TOO_COMPLEX")
	if errs[0].Extensions["bound"] != "time" {
		t.Errorf("extensions %v, want bound time", errs[0].Extensions)
	}

	// With the default limits the same walk answers.
	roomy := walkServer(t, s, graph.PathLimits{})
	if p, _ := walkShortest(t, roomy, pathVars); p == nil {
		t.Error("no path between p-0 and p-299 within the default limits")
	}
}
