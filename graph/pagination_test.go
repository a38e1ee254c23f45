package graph_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Pagination invariants, for every root list and the nested connections: walking pages of any size
// visits exactly the nodes of one big page, in the same order, once each; pageInfo and totalCount
// agree with what was visited; bad arguments are BAD_USER_INPUT.

// pageCase is one connection: query selects it under the alias "c" inside the objects named by
// path, with the variables $first and $after.
type pageCase struct {
	name  string
	query string
	path  []string
	// min is the least number of nodes the list must hold in the built-in dataset, so that a walk
	// with small pages really crosses pages.
	min int
}

// connFields selects everything the invariants look at.
const connFields = `{ totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } } nodes { id } }`

func rootCase(field string, min int) pageCase {
	return pageCase{
		name:  field,
		query: fmt.Sprintf(`query($first: Int, $after: String) { c: %s(first: $first, after: $after) %s }`, field, connFields),
		path:  []string{"c"},
		min:   min,
	}
}

func nestedCase(name, parent, field string, min int) pageCase {
	return pageCase{
		name:  name,
		query: fmt.Sprintf(`query($first: Int, $after: String) { p: %s { c: %s(first: $first, after: $after) %s } }`, parent, field, connFields),
		path:  []string{"p", "c"},
		min:   min,
	}
}

const eventKey = "asmex-conseil-des-regions-2021-06-14"

var pageCases = []pageCase{
	rootCase("people", 14),
	rootCase("organizations", 7),
	rootCase("regions", 14),
	rootCase("events", 1),
	rootCase("statements", 4),
	rootCase("sources", 2),
	nestedCase("organization.members", `organization(key: "asmex")`, "members", 12),
	nestedCase("organization.events", `organization(key: "asmex")`, "events", 1),
	nestedCase("region.positions", `region(key: "MA-07")`, "positions", 1),
	nestedCase("event.statements", `event(key: "`+eventKey+`")`, "statements", 4),
	nestedCase("person.statements", `person(key: "adil-zaidi")`, "statements", 2),
	nestedCase("person.statements (empty)", `person(key: "badia-bitar")`, "statements", 0),
	nestedCase("person.events", `person(key: "adil-zaidi")`, "events", 1),
	nestedCase("region.events", `region(key: "MA")`, "events", 1),
	nestedCase("region.events (empty)", `region(key: "MA-11")`, "events", 0),
}

type page struct {
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

// fetchPage runs one page of pc. after == "" means no cursor.
func fetchPage(t *testing.T, c *client, pc pageCase, first int, after string) page {
	t.Helper()
	vars := map[string]any{"first": first}
	if after != "" {
		vars["after"] = after
	}
	data := c.mustDo(t, pc.query, vars, nil)
	raw := data
	for _, k := range pc.path {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil || m[k] == nil {
			t.Fatalf("%s: no %q in %s", pc.name, k, raw)
		}
		raw = m[k]
	}
	p := decode[page](t, raw)
	if len(p.Edges) != len(p.Nodes) {
		t.Fatalf("%s: %d edges but %d nodes", pc.name, len(p.Edges), len(p.Nodes))
	}
	for i := range p.Edges {
		if p.Edges[i].Node.ID != p.Nodes[i].ID {
			t.Fatalf("%s: edge %d is %s but node %d is %s", pc.name, i, p.Edges[i].Node.ID, i, p.Nodes[i].ID)
		}
	}
	if n := len(p.Edges); n > 0 {
		if p.PageInfo.StartCursor == nil || *p.PageInfo.StartCursor != p.Edges[0].Cursor {
			t.Errorf("%s: startCursor %v is not the first edge's cursor %q", pc.name, p.PageInfo.StartCursor, p.Edges[0].Cursor)
		}
		if p.PageInfo.EndCursor == nil || *p.PageInfo.EndCursor != p.Edges[n-1].Cursor {
			t.Errorf("%s: endCursor %v is not the last edge's cursor %q", pc.name, p.PageInfo.EndCursor, p.Edges[n-1].Cursor)
		}
	} else if p.PageInfo.StartCursor != nil || p.PageInfo.EndCursor != nil {
		t.Errorf("%s: empty page with cursors %v, %v", pc.name, p.PageInfo.StartCursor, p.PageInfo.EndCursor)
	}
	if got, want := p.PageInfo.HasPreviousPage, after != ""; got != want {
		t.Errorf("%s: after %q: hasPreviousPage %v, want %v", pc.name, after, got, want)
	}
	return p
}

func ids(p page) []string {
	out := make([]string, len(p.Nodes))
	for i, n := range p.Nodes {
		out[i] = n.ID
	}
	return out
}

func TestPaginationWalk(t *testing.T) {
	c, _ := newServer(t)
	for _, pc := range pageCases {
		t.Run(pc.name, func(t *testing.T) {
			big := fetchPage(t, c, pc, 100, "")
			ref := ids(big)
			if len(ref) < pc.min {
				t.Fatalf("one big page holds %d nodes, want at least %d", len(ref), pc.min)
			}
			if big.TotalCount != len(ref) || big.PageInfo.HasNextPage {
				t.Fatalf("one big page: %d nodes, totalCount %d, hasNextPage %v", len(ref), big.TotalCount, big.PageInfo.HasNextPage)
			}
			// rank is each id's place in the reference order: ids are opaque, so "increasing"
			// means increasing in that order.
			rank := map[string]int{}
			for i, id := range ref {
				if _, dup := rank[id]; dup {
					t.Fatalf("one big page lists %s twice", id)
				}
				rank[id] = i
			}
			for _, size := range []int{1, 2, 3} {
				var visited []string
				after := ""
				for pages := 0; ; pages++ {
					if pages > len(ref)+1 {
						t.Fatalf("first %d: more pages than nodes: the walk does not end", size)
					}
					p := fetchPage(t, c, pc, size, after)
					if len(p.Nodes) > size {
						t.Fatalf("first %d: page of %d nodes", size, len(p.Nodes))
					}
					if p.TotalCount != len(ref) {
						t.Errorf("first %d, page %d: totalCount %d, want %d", size, pages, p.TotalCount, len(ref))
					}
					visited = append(visited, ids(p)...)
					last := len(visited) == len(ref)
					if p.PageInfo.HasNextPage == last {
						t.Errorf("first %d, page %d: hasNextPage %v after visiting %d of %d", size, pages, p.PageInfo.HasNextPage, len(visited), len(ref))
					}
					if !p.PageInfo.HasNextPage || len(visited) >= len(ref) {
						break
					}
					if len(p.Nodes) == 0 {
						t.Fatalf("first %d: empty page with hasNextPage", size)
					}
					after = *p.PageInfo.EndCursor
				}
				if strings.Join(visited, " ") != strings.Join(ref, " ") {
					t.Errorf("first %d visits %v, one big page has %v", size, visited, ref)
				}
				for i := 1; i < len(visited); i++ {
					if rank[visited[i]] <= rank[visited[i-1]] {
						t.Errorf("first %d: %s comes after %s", size, visited[i], visited[i-1])
					}
				}
			}
			// Every edge's cursor resumes right after it.
			for i, e := range big.Edges {
				rest := ids(fetchPage(t, c, pc, 100, e.Cursor))
				if strings.Join(rest, " ") != strings.Join(ref[i+1:], " ") {
					t.Errorf("after the cursor of %s: %v, want %v", e.Node.ID, rest, ref[i+1:])
				}
			}
		})
	}
}

func TestPaginationFirstZero(t *testing.T) {
	c, _ := newServer(t)
	for _, pc := range pageCases {
		t.Run(pc.name, func(t *testing.T) {
			total := fetchPage(t, c, pc, 100, "").TotalCount
			p := fetchPage(t, c, pc, 0, "")
			if len(p.Edges) != 0 || p.TotalCount != total {
				t.Errorf("first 0: %d edges, totalCount %d; want 0 edges, totalCount %d", len(p.Edges), p.TotalCount, total)
			}
		})
	}
}

// TestPaginationFirstZeroHasNextPage: the schema says hasNextPage is "whether more edges follow
// the last one of this page" (and Relay says the same for first/after), so an empty page of a
// non-empty list has a next page. Every connection must agree on this.
func TestPaginationFirstZeroHasNextPage(t *testing.T) {
	c, _ := newServer(t)
	for _, pc := range pageCases {
		t.Run(pc.name, func(t *testing.T) {
			total := fetchPage(t, c, pc, 100, "").TotalCount
			p := fetchPage(t, c, pc, 0, "")
			if p.PageInfo.HasNextPage != (total > 0) {
				t.Errorf("first 0 of %d: hasNextPage %v, want %v", total, p.PageInfo.HasNextPage, total > 0)
			}
		})
	}
}

func TestPaginationBadArguments(t *testing.T) {
	c, _ := newServer(t)
	peopleCursor := *fetchPage(t, c, rootCase("people", 1), 1, "").PageInfo.EndCursor
	for _, pc := range pageCases {
		t.Run(pc.name, func(t *testing.T) {
			bad := []map[string]any{
				{"first": 101},
				{"first": -1},
				{"first": 1, "after": "zzz"},
				{"first": 1, "after": "YzE6"}, // base64url("c1:"): the cursor prefix and no id
			}
			// A person's cursor on a list of another kind.
			if pc.name != "people" {
				bad = append(bad, map[string]any{"first": 1, "after": peopleCursor})
			}
			for _, vars := range bad {
				data, errs := c.do(t, pc.query, vars)
				if len(errs) != 1 || errs[0].code() != "BAD_USER_INPUT" {
					t.Errorf("%v: errors %+v, want one BAD_USER_INPUT", vars, errs)
					continue
				}
				if string(data) != "null" && !strings.Contains(string(data), `"c":null`) && !strings.Contains(string(data), `"p":null`) {
					t.Errorf("%v: data %s, want the connection null", vars, data)
				}
			}
		})
	}
}

// TestCursorOfAnotherList checks the case the brief names: a cursor from people used on
// organizations.
func TestCursorOfAnotherList(t *testing.T) {
	c, _ := newServer(t)
	people := fetchPage(t, c, rootCase("people", 1), 1, "")
	_, errs := c.do(t, `query($after: String) { organizations(first: 1, after: $after) { totalCount } }`,
		map[string]any{"after": *people.PageInfo.EndCursor})
	assertErrorCode(t, errs, "BAD_USER_INPUT")
}
