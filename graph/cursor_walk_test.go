package graph_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Keyset pagination of every root list and every nested connection, with and without a filter
// and with orderings other than creation order: walking forward with first 1, 2, 3 (after the
// endCursor) and backward with last 1, 2, 3 (before the startCursor) visits every node of one
// big page exactly once, in its order; pageInfo and totalCount are right on every page; and a
// cursor of another list, filter or ordering is refused.

// cwList is one connection to walk. args are its arguments besides the paging ones (may be "");
// parent, if set, is the root field it hangs under.
type cwList struct {
	parent string
	field  string
	args   string
	// min is the least number of nodes it holds with qaFixture, so that the walks cross pages.
	min int
}

func (l cwList) name() string {
	n := l.field
	if l.parent != "" {
		n = l.parent + "." + n
	}
	if l.args != "" {
		n += "(" + l.args + ")"
	}
	return n
}

const cwConnFields = `{ totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } } nodes { id } }`

// query selects the list under the alias c (and its parent under p), with the paging variables.
func (l cwList) query() string {
	args := l.args
	if args != "" {
		args += ", "
	}
	f := fmt.Sprintf(`c: %s(%sfirst: $first, after: $after, last: $last, before: $before) %s`, l.field, args, cwConnFields)
	if l.parent != "" {
		f = fmt.Sprintf(`p: %s { %s }`, l.parent, f)
	}
	return `query($first: Int, $after: String, $last: Int, $before: String) { ` + f + ` }`
}

var cwLists = []cwList{
	// Root lists.
	{field: "people", min: 15},
	{field: "people", args: `where: {name: {contains: "a"}}`, min: 10},
	{field: "people", args: `orderBy: [{field: NAME, direction: DESC}]`, min: 15},
	{field: "people", args: `where: {positions: {organization: {key: {eq: "asmex"}}}}, orderBy: [{field: KEY}]`, min: 13},
	{field: "people", args: `where: {name: {contains: "no such name"}}`},
	{field: "organizations", min: 7},
	{field: "organizations", args: `where: {kind: [COMMISSION, CHAMBER, ASSOCIATION, FEDERATION]}`, min: 5},
	{field: "organizations", args: `orderBy: [{field: ACRONYM}]`, min: 7},
	{field: "organizations", args: `orderBy: [{field: ACRONYM, direction: DESC}, {field: NAME}]`, min: 7},
	{field: "organizations", args: `orderBy: [{field: CREATED, direction: DESC}]`, min: 7},
	{field: "regions", min: 14},
	{field: "regions", args: `where: {within: "MA"}`, min: 14},
	{field: "regions", args: `orderBy: [{field: CODE, direction: DESC}]`, min: 14},
	{field: "regions", args: `where: {kind: [REGION]}, orderBy: [{field: NAME}]`, min: 12},
	{field: "events", min: 6},
	{field: "events", args: `where: {location: {within: "MA"}}`, min: 5},
	{field: "events", args: `orderBy: [{field: START_DATE, direction: DESC}, {field: NAME}]`, min: 6},
	{field: "events", args: `where: {organizers: {key: {eq: "asmex"}}}, orderBy: [{field: END_DATE}]`, min: 5},
	{field: "statements", min: 8},
	{field: "statements", args: `where: {speaker: {key: {eq: "adil-zaidi"}}}`, min: 6},
	{field: "statements", args: `orderBy: [{field: DATE, direction: DESC}]`, min: 8},
	{field: "statements", args: `where: {language: {eq: "fr"}}, orderBy: [{field: DATE}]`, min: 8},
	{field: "sources", min: 3},
	{field: "sources", args: `where: {title: {contains: "a"}}`, min: 3},
	{field: "sources", args: `orderBy: [{field: TITLE}]`, min: 3},
	{field: "sources", args: `orderBy: [{field: PUBLISHED_AT, direction: DESC}]`, min: 3},
	// Nested connections.
	{parent: `person(key: "adil-zaidi")`, field: "statements", min: 6},
	{parent: `person(key: "adil-zaidi")`, field: "statements", args: `where: {date: {gte: "2021-01-01"}}`, min: 4},
	{parent: `person(key: "adil-zaidi")`, field: "statements", args: `orderBy: [{field: DATE, direction: DESC}]`, min: 6},
	{parent: `person(key: "badia-bitar")`, field: "statements"},
	{parent: `person(key: "adil-zaidi")`, field: "events", min: 5},
	{parent: `person(key: "adil-zaidi")`, field: "events", args: `where: {location: {within: "MA"}}`, min: 5},
	{parent: `person(key: "adil-zaidi")`, field: "events", args: `orderBy: [{field: START_DATE, direction: DESC}]`, min: 5},
	{parent: `organization(key: "asmex")`, field: "members", min: 14},
	{parent: `organization(key: "asmex")`, field: "members", args: `where: {title: {eq: "délégué régional"}}`, min: 11},
	{parent: `organization(key: "asmex")`, field: "members", args: `orderBy: [{field: TITLE}, {field: START_DATE, direction: DESC}]`, min: 14},
	{parent: `organization(key: "asmex")`, field: "members", args: `asOf: "2022-01-01", orderBy: [{field: TITLE, direction: DESC}]`, min: 13},
	{parent: `organization(key: "asmex")`, field: "events", min: 4},
	{parent: `organization(key: "asmex")`, field: "events", args: `where: {startDate: {gte: "2021-01-01"}}`, min: 4},
	{parent: `organization(key: "asmex")`, field: "events", args: `orderBy: [{field: NAME}]`, min: 5},
	{parent: `region(key: "MA-07")`, field: "positions", min: 3},
	{parent: `region(key: "MA-07")`, field: "positions", args: `where: {organization: {key: {eq: "asmex"}}}`, min: 3},
	{parent: `region(key: "MA-07")`, field: "positions", args: `orderBy: [{field: START_DATE}]`, min: 3},
	{parent: `region(key: "MA-07")`, field: "positions", args: `asOf: "2022-01-01"`, min: 2},
	{parent: `region(key: "MA")`, field: "events", min: 5},
	{parent: `region(key: "MA")`, field: "events", args: `where: {name: {contains: "a"}}`, min: 4},
	{parent: `region(key: "MA")`, field: "events", args: `orderBy: [{field: START_DATE, direction: DESC}, {field: NAME}]`, min: 5},
	{parent: `region(key: "MA-11")`, field: "events"},
	{parent: `event(key: "asmex-conseil-des-regions-2021-06-14")`, field: "statements", min: 4},
	{parent: `event(key: "asmex-conseil-des-regions-2021-06-14")`, field: "statements", args: `where: {speaker: {key: {in: ["adil-zaidi", "mohamed-fadlam"]}}}`, min: 3},
	{parent: `event(key: "asmex-conseil-des-regions-2021-06-14")`, field: "statements", args: `orderBy: [{field: DATE, direction: DESC}]`, min: 4},
}

type cwPage struct {
	TotalCount int `json:"totalCount"`
	PageInfo   struct {
		HasNextPage     bool    `json:"hasNextPage"`
		HasPreviousPage bool    `json:"hasPreviousPage"`
		StartCursor     *string `json:"startCursor"`
		EndCursor       *string `json:"endCursor"`
	} `json:"pageInfo"`
	Edges []struct {
		Cursor string `json:"cursor"`
		Node   struct {
			ID string `json:"id"`
		} `json:"node"`
	} `json:"edges"`
	Nodes []struct {
		ID string `json:"id"`
	} `json:"nodes"`
}

func (p cwPage) ids() []string {
	out := make([]string, len(p.Nodes))
	for i, n := range p.Nodes {
		out[i] = n.ID
	}
	return out
}

// cwVars builds the paging variables; zero values are left out.
func cwVars(first int, after string, last int, before string) map[string]any {
	v := map[string]any{}
	if first > 0 {
		v["first"] = first
	}
	if after != "" {
		v["after"] = after
	}
	if last > 0 {
		v["last"] = last
	}
	if before != "" {
		v["before"] = before
	}
	return v
}

// cwFetch runs one page and checks what holds on every page.
func cwFetch(t *testing.T, c *client, l cwList, vars map[string]any) cwPage {
	t.Helper()
	data := c.mustDo(t, l.query(), vars, nil)
	path := []string{"c"}
	if l.parent != "" {
		path = []string{"p", "c"}
	}
	p := decode[cwPage](t, qaAt(t, data, path...))
	if len(p.Edges) != len(p.Nodes) {
		t.Fatalf("%v: %d edges, %d nodes", vars, len(p.Edges), len(p.Nodes))
	}
	for i := range p.Edges {
		if p.Edges[i].Node.ID != p.Nodes[i].ID {
			t.Fatalf("%v: edge %d is %s, node %d is %s", vars, i, p.Edges[i].Node.ID, i, p.Nodes[i].ID)
		}
	}
	if n := len(p.Edges); n > 0 {
		if p.PageInfo.StartCursor == nil || *p.PageInfo.StartCursor != p.Edges[0].Cursor ||
			p.PageInfo.EndCursor == nil || *p.PageInfo.EndCursor != p.Edges[n-1].Cursor {
			t.Errorf("%v: startCursor/endCursor are not the first/last edge's cursors", vars)
		}
	} else if p.PageInfo.StartCursor != nil || p.PageInfo.EndCursor != nil {
		t.Errorf("%v: an empty page with cursors", vars)
	}
	return p
}

func TestCursorWalk(t *testing.T) {
	c := qaServer(t)
	for _, l := range cwLists {
		t.Run(l.name(), func(t *testing.T) {
			big := cwFetch(t, c, l, cwVars(100, "", 0, ""))
			ref := big.ids()
			total := len(ref)
			if total < l.min {
				t.Fatalf("premise: %d nodes, want at least %d", total, l.min)
			}
			if big.TotalCount != total || big.PageInfo.HasNextPage || big.PageInfo.HasPreviousPage {
				t.Errorf("big page: totalCount %d for %d nodes, hasNext %v, hasPrev %v", big.TotalCount, total, big.PageInfo.HasNextPage, big.PageInfo.HasPreviousPage)
			}
			if len(slices.Compact(slices.Sorted(slices.Values(ref)))) != total {
				t.Fatalf("big page repeats nodes: %v", ref)
			}
			if bigBack := cwFetch(t, c, l, cwVars(0, "", 100, "")); !slices.Equal(bigBack.ids(), ref) || bigBack.TotalCount != total {
				t.Errorf("last 100: %v (total %d), want %v", bigBack.ids(), bigBack.TotalCount, ref)
			}
			for _, n := range []int{1, 2, 3} {
				t.Run(fmt.Sprintf("forward %d", n), func(t *testing.T) {
					var visited []string
					after := ""
					for page := 0; ; page++ {
						if page > total+1 {
							t.Fatalf("no end after %d pages", page)
						}
						p := cwFetch(t, c, l, cwVars(n, after, 0, ""))
						want := ref[len(visited):min(len(visited)+n, total)]
						if got := p.ids(); !slices.Equal(got, want) {
							t.Fatalf("page %d after %q: %v, want %v", page, after, got, want)
						}
						visited = append(visited, p.ids()...)
						if p.TotalCount != total {
							t.Errorf("page %d: totalCount %d, want %d", page, p.TotalCount, total)
						}
						if p.PageInfo.HasNextPage != (len(visited) < total) {
							t.Errorf("page %d: hasNextPage %v with %d of %d visited", page, p.PageInfo.HasNextPage, len(visited), total)
						}
						if p.PageInfo.HasPreviousPage != (page > 0) {
							t.Errorf("page %d: hasPreviousPage %v", page, p.PageInfo.HasPreviousPage)
						}
						if !p.PageInfo.HasNextPage || p.PageInfo.EndCursor == nil {
							break
						}
						after = *p.PageInfo.EndCursor
					}
					if !slices.Equal(visited, ref) {
						t.Errorf("visited %v, want %v", visited, ref)
					}
				})
				t.Run(fmt.Sprintf("backward %d", n), func(t *testing.T) {
					var visited []string // in list order
					before := ""
					for page := 0; ; page++ {
						if page > total+1 {
							t.Fatalf("no end after %d pages", page)
						}
						p := cwFetch(t, c, l, cwVars(0, "", n, before))
						end := total - len(visited)
						want := ref[max(end-n, 0):end]
						if got := p.ids(); !slices.Equal(got, want) {
							t.Fatalf("page %d before %q: %v, want %v", page, before, got, want)
						}
						visited = append(p.ids(), visited...)
						if p.TotalCount != total {
							t.Errorf("page %d: totalCount %d, want %d", page, p.TotalCount, total)
						}
						if p.PageInfo.HasPreviousPage != (len(visited) < total) {
							t.Errorf("page %d: hasPreviousPage %v with %d of %d visited", page, p.PageInfo.HasPreviousPage, len(visited), total)
						}
						if p.PageInfo.HasNextPage != (page > 0) {
							t.Errorf("page %d: hasNextPage %v", page, p.PageInfo.HasNextPage)
						}
						if !p.PageInfo.HasPreviousPage || p.PageInfo.StartCursor == nil {
							break
						}
						before = *p.PageInfo.StartCursor
					}
					if !slices.Equal(visited, ref) {
						t.Errorf("visited %v, want %v", visited, ref)
					}
				})
			}
			if total < 4 {
				return
			}
			// A cursor serves both directions of its list: the big page's cursor of node k
			// bounds a backward page, and a backward page's cursor bounds a forward one.
			t.Run("both directions", func(t *testing.T) {
				k := total / 2
				_, errs := c.do(t, l.query(), cwVars(0, "", 2, big.Edges[k].Cursor))
				if len(errs) > 0 {
					t.Fatalf("last 2 before a cursor of a forward page: %+v", errs)
				}
				p := cwFetch(t, c, l, cwVars(0, "", 2, big.Edges[k].Cursor))
				if !slices.Equal(p.ids(), ref[k-2:k]) {
					t.Errorf("last 2 before node %d: %v, want %v", k, p.ids(), ref[k-2:k])
				}
				back := cwFetch(t, c, l, cwVars(0, "", total-k, ""))
				if len(back.Edges) == 0 || back.Nodes[0].ID != ref[k] {
					t.Fatalf("last %d: %v", total-k, back.ids())
				}
				p = cwFetch(t, c, l, cwVars(2, back.Edges[0].Cursor, 0, ""))
				if !slices.Equal(p.ids(), ref[k+1:min(k+3, total)]) {
					t.Errorf("first 2 after node %d (a backward page's cursor): %v, want %v", k, p.ids(), ref[k+1:min(k+3, total)])
				}
				// Both bounds: the nodes strictly between them.
				p = cwFetch(t, c, l, cwVars(100, big.Edges[0].Cursor, 0, big.Edges[total-1].Cursor))
				if !slices.Equal(p.ids(), ref[1:total-1]) {
					t.Errorf("after the first and before the last: %v, want %v", p.ids(), ref[1:total-1])
				}
			})
		})
	}
}

// cwCursor returns the endCursor of the first page (first 2) of query's field c (or p.c).
func cwCursor(t *testing.T, c *client, query string) string {
	t.Helper()
	data := c.mustDo(t, query, nil, nil)
	var root map[string]json.RawMessage
	_ = json.Unmarshal(data, &root)
	raw := root["c"]
	if raw == nil {
		raw = qaAt(t, data, "p", "c")
	}
	p := decode[cwPage](t, raw)
	if p.PageInfo.EndCursor == nil {
		t.Fatalf("no endCursor: %s", data)
	}
	return *p.PageInfo.EndCursor
}

func TestCursorRejected(t *testing.T) {
	c := qaServer(t)
	cur := func(q string) string { return cwCursor(t, c, q) }
	people := cur(`{ c: people(first: 2) { pageInfo { endCursor } } }`)
	peopleBack := cur(`{ c: people(last: 2) { pageInfo { endCursor } } }`)
	byName := cur(`{ c: people(first: 2, orderBy: [{field: NAME}]) { pageInfo { endCursor } } }`)
	filtered := cur(`{ c: people(first: 2, where: {name: {contains: "a"}}) { pageInfo { endCursor } } }`)
	members := cur(`{ p: organization(key: "asmex") { c: members(first: 2, where: {title: {contains: "e"}}) { pageInfo { endCursor } } } }`)
	membersAsOf := cur(`{ p: organization(key: "asmex") { c: members(first: 2, asOf: "2022-01-01") { pageInfo { endCursor } } } }`)
	events := cur(`{ c: events(first: 2, orderBy: [{field: START_DATE}]) { pageInfo { endCursor } } }`)
	created := cur(`{ c: people(first: 2, orderBy: [{field: CREATED}]) { pageInfo { endCursor } } }`)
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

	for _, tc := range []struct {
		name, query string
		vars        map[string]any
	}{
		{"people's cursor on organizations", `query($a: String) { organizations(first: 2, after: $a) { nodes { id } } }`, map[string]any{"a": people}},
		{"people's cursor on organizations, backward", `query($a: String) { organizations(last: 2, before: $a) { nodes { id } } }`, map[string]any{"a": peopleBack}},
		{"people's cursor on ordered organizations", `query($a: String) { organizations(first: 2, after: $a, orderBy: [{field: NAME}]) { nodes { id } } }`, map[string]any{"a": byName}},
		{"people's cursor on a person's statements", `query($a: String) { person(key: "adil-zaidi") { statements(first: 2, after: $a) { nodes { id } } } }`, map[string]any{"a": people}},
		{"an ordering's cursor with another ordering", `query($a: String) { people(first: 2, after: $a, orderBy: [{field: KEY}]) { nodes { id } } }`, map[string]any{"a": byName}},
		{"an ordering's cursor with the other direction", `query($a: String) { people(first: 2, after: $a, orderBy: [{field: NAME, direction: DESC}]) { nodes { id } } }`, map[string]any{"a": byName}},
		{"an ordering's cursor with a filter added", `query($a: String) { people(first: 2, after: $a, orderBy: [{field: NAME}], where: {name: {contains: "a"}}) { nodes { id } } }`, map[string]any{"a": byName}},
		{"an ordering's cursor without the ordering", `query($a: String) { people(first: 2, after: $a) { nodes { id } } }`, map[string]any{"a": byName}},
		{"an ordering's cursor backward without the ordering", `query($a: String) { people(last: 2, before: $a) { nodes { id } } }`, map[string]any{"a": byName}},
		{"a plain cursor with an ordering", `query($a: String) { people(first: 2, after: $a, orderBy: [{field: NAME}]) { nodes { id } } }`, map[string]any{"a": people}},
		{"a filter's cursor with another filter", `query($a: String) { people(first: 2, after: $a, where: {name: {contains: "e"}}) { nodes { id } } }`, map[string]any{"a": filtered}},
		{"a filter's cursor without it", `query($a: String) { people(first: 2, after: $a) { nodes { id } } }`, map[string]any{"a": filtered}},
		{"a filter's cursor as before with another filter", `query($a: String) { people(last: 2, before: $a, where: {name: {contains: "e"}}) { nodes { id } } }`, map[string]any{"a": filtered}},
		{"members' cursor on a region's positions", `query($a: String) { region(key: "MA-07") { positions(first: 2, after: $a, where: {title: {contains: "e"}}) { nodes { id } } } }`, map[string]any{"a": members}},
		{"an asOf's cursor with another asOf", `query($a: String) { organization(key: "asmex") { members(first: 2, after: $a, asOf: "2018-01-01") { nodes { id } } } }`, map[string]any{"a": membersAsOf}},
		{"events' ordered cursor on people", `query($a: String) { people(first: 2, after: $a, orderBy: [{field: NAME}]) { nodes { id } } }`, map[string]any{"a": events}},
		{"garbage", `query($a: String) { people(first: 2, after: $a) { nodes { id } } }`, map[string]any{"a": "garbage!"}},
		{"garbage, ordered", `query($a: String) { people(first: 2, after: $a, orderBy: [{field: NAME}]) { nodes { id } } }`, map[string]any{"a": "garbage!"}},
		{"garbage before", `query($a: String) { people(last: 2, before: $a) { nodes { id } } }`, map[string]any{"a": "x"}},
		{"empty cursor", `query($a: String) { people(first: 2, after: $a) { nodes { id } } }`, map[string]any{"a": ""}},
		{"base64 garbage", `query($a: String) { people(first: 2, after: $a, orderBy: [{field: NAME}]) { nodes { id } } }`, map[string]any{"a": b64("c2:{not json")}},
		{"a cursor with a malformed id", `query($a: String) { people(first: 2, after: $a) { nodes { id } } }`, map[string]any{"a": b64("c1:per_")}},
		{"garbage, nested", `query($a: String) { organization(key: "asmex") { members(first: 2, after: $a) { nodes { id } } } }`, map[string]any{"a": "garbage!"}},
		{"first and last", `{ people(first: 2, last: 2) { nodes { id } } }`, nil},
		{"first and last, ordered", `{ people(first: 2, last: 2, orderBy: [{field: NAME}]) { nodes { id } } }`, nil},
		{"first and last, nested", `{ organization(key: "asmex") { members(first: 2, last: 2) { nodes { id } } } }`, nil},
		{"first 101", `{ people(first: 101) { nodes { id } } }`, nil},
		{"first 101, filtered", `{ people(first: 101, where: {name: {contains: "a"}}) { nodes { id } } }`, nil},
		{"last 101", `{ people(last: 101) { nodes { id } } }`, nil},
		{"first -1", `{ regions(first: -1) { nodes { id } } }`, nil},
		{"last -1", `{ regions(last: -1) { nodes { id } } }`, nil},
		{"first 101, nested", `{ organization(key: "asmex") { members(first: 101) { nodes { id } } } }`, nil},
		{"last 101, nested", `{ person(key: "adil-zaidi") { events(last: 101) { nodes { id } } } }`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := c.do(t, tc.query, tc.vars)
			assertErrorCode(t, errs, "BAD_USER_INPUT")
			if strings.Contains(errs[0].Message, "internal") {
				t.Errorf("message %q", errs[0].Message)
			}
		})
	}

	// The same cursors are accepted where they belong.
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
	}{
		{"plain", `query($a: String) { people(first: 2, after: $a) { nodes { id } } }`, map[string]any{"a": people}},
		{"ordered", `query($a: String) { people(first: 2, after: $a, orderBy: [{field: NAME}]) { nodes { id } } }`, map[string]any{"a": byName}},
		{"ordered, backward", `query($a: String) { people(last: 2, before: $a, orderBy: [{field: NAME}]) { nodes { id } } }`, map[string]any{"a": byName}},
		{"filtered", `query($a: String) { people(first: 2, after: $a, where: {name: {contains: "a"}}) { nodes { id } } }`, map[string]any{"a": filtered}},
		{"members", `query($a: String) { organization(key: "asmex") { members(first: 2, after: $a, where: {title: {contains: "e"}}) { nodes { id } } } }`, map[string]any{"a": members}},
		// orderBy [{field: CREATED}] is the default order: the same list, whose cursors serve both.
		{"the default order's cursor with an explicit CREATED", `query($a: String) { people(first: 2, after: $a, orderBy: [{field: CREATED}]) { nodes { id } } }`, map[string]any{"a": people}},
		{"an explicit CREATED's cursor, backward", `query($a: String) { people(last: 2, before: $a) { nodes { id } } }`, map[string]any{"a": created}},
		{"an explicit CREATED's cursor on the default order", `query($a: String) { people(first: 2, after: $a) { nodes { id } } }`, map[string]any{"a": created}},
	} {
		t.Run("accepted: "+tc.name, func(t *testing.T) {
			c.mustDo(t, tc.query, tc.vars, nil)
		})
	}
}
