package graph

import (
	"github.com/kgql/kgql/graph/model"
)

// Query cost. Every field costs 1 plus its children; a field that returns a list multiplies its
// children's cost by how many elements it may return: the page size of a connection (`first` or
// `last`, default DefaultPageSize) or, for the short lists that are not paginated (units,
// subregions, organizers, participants, speakers, about, a person's positions, citations),
// listFanOut. The handler refuses an operation whose cost exceeds Options.MaxComplexity with
// QUERY_TOO_COMPLEX before running it.

// The cost of the queries users are told about, measured by TestLimitsKnownQueries
// (graph/limits_test.go; go test ./graph -run KnownQueries -v prints the table):
//
//	README "Try it" #1 (ASMEX, speakers, positions, citations)   26,563
//	ExampleQuery (the playground's)                              22,563
//	README "Try it" #5 (subregions, events, regions page)            800
//	README "Try it" #4 (event participants)                          650
//	cookbook 5, 6 (aggregates)                                       410
//	cookbook 1, 7                                                 361, 352
//	every other README, cookbook and paths query                   ≤ 135
//	bench/queries/* (hop2 142, path4 105, page 61, …)              ≤ 142
//	GraphiQL's introspection query                                     1 (introspection costs nothing)
//
// Queries of the test suite are legitimate too, and costlier: the golden connected ASMEX query
// (graph/testdata/asmex_connected.graphql, two nested pages of 100) costs 823,306, and the N+1
// test's regions(first: 100) › subregions › positions(first: 100) › person › positions
// 2,402,701. DefaultMaxComplexity (graph/handler.go) is twice the latter, 5,000,000; three nested
// pages of 100 with a few fields below them are refused. Each unit of cost is at most one record
// read and one field written.
//
// listFanOut is the assumed length of an unpaginated list.
const listFanOut = 5

func pageCost(child int, first, last *int) int {
	n := DefaultPageSize
	switch {
	case first != nil:
		n = *first
	case last != nil:
		n = *last
	}
	return 1 + max(n, 1)*child
}

func listCost(child int) int { return 1 + listFanOut*child }

// setComplexity fills in the cost functions of every list field.
func setComplexity(c *ComplexityRoot) {
	c.Query.People = func(ch int, _ map[string]any, _ []*model.PersonOrder, f *int, _ *string, l *int, _ *string) int {
		return pageCost(ch, f, l)
	}
	c.Query.Organizations = func(ch int, _ map[string]any, _ []*model.OrganizationOrder, f *int, _ *string, l *int, _ *string) int {
		return pageCost(ch, f, l)
	}
	c.Query.Regions = func(ch int, _ map[string]any, _ []*model.RegionOrder, f *int, _ *string, l *int, _ *string) int {
		return pageCost(ch, f, l)
	}
	c.Query.Events = func(ch int, _ map[string]any, _ []*model.EventOrder, f *int, _ *string, l *int, _ *string) int {
		return pageCost(ch, f, l)
	}
	c.Query.Statements = func(ch int, _ map[string]any, _ []*model.StatementOrder, f *int, _ *string, l *int, _ *string) int {
		return pageCost(ch, f, l)
	}
	c.Query.Sources = func(ch int, _ map[string]any, _ []*model.SourceOrder, f *int, _ *string, l *int, _ *string) int {
		return pageCost(ch, f, l)
	}
	c.Query.Nodes = func(ch int, ids []string) int { return 1 + max(len(ids), 1)*ch }
	c.Query.Search = func(ch int, _ string, _ []model.NodeType, f *int) int {
		n := 10
		if f != nil {
			n = *f
		}
		return 1 + max(n, 1)*ch
	}
	c.Query.Aggregate = func(ch int, _ model.RecordType, _ map[string]any, _ []model.GroupBy, f *int) int {
		n := 100
		if f != nil {
			n = *f
		}
		return 10 + max(n, 1)*ch // an aggregate reads the whole filtered list
	}

	// Walks: a path has at most maxDepth+1 nodes; a neighbourhood at most `first` nodes and
	// edges; each walk is also bounded in nodes visited and time by the store.
	c.Query.ShortestPath = func(ch int, _ string, _ string, d *int, _ []model.PathLabel) int {
		return 100 + pathLen(d)*ch
	}
	c.Query.AllShortestPaths = func(ch int, _ string, _ string, d *int, _ []model.PathLabel, f *int) int {
		n := 10
		if f != nil {
			n = *f
		}
		return 100 + max(n, 1)*pathLen(d)*ch
	}
	c.Query.Neighborhood = func(ch int, _ string, _ *int, _ []model.PathLabel, f *int) int {
		n := 100
		if f != nil {
			n = *f
		}
		return 100 + max(n, 1)*ch
	}

	c.Person.Statements = func(ch int, _ map[string]any, _ []*model.StatementOrder, f *int, _ *string, l *int, _ *string) int {
		return pageCost(ch, f, l)
	}
	c.Person.Events = func(ch int, _ map[string]any, _ []*model.EventOrder, f *int, _ *string, l *int, _ *string) int {
		return pageCost(ch, f, l)
	}
	c.Person.Positions = func(ch int, _ *model.Date, _ map[string]any) int { return listCost(ch) }
	c.Organization.Members = func(ch int, _ map[string]any, _ []*model.PositionOrder, _ *model.Date, f *int, _ *string, l *int, _ *string) int {
		return pageCost(ch, f, l)
	}
	c.Organization.Events = func(ch int, _ map[string]any, _ []*model.EventOrder, f *int, _ *string, l *int, _ *string) int {
		return pageCost(ch, f, l)
	}
	c.Organization.Units = listCost
	c.Region.Positions = func(ch int, _ map[string]any, _ []*model.PositionOrder, _ *model.Date, f *int, _ *string, l *int, _ *string) int {
		return pageCost(ch, f, l)
	}
	c.Region.Events = func(ch int, _ map[string]any, _ []*model.EventOrder, f *int, _ *string, l *int, _ *string) int {
		return pageCost(ch, f, l)
	}
	c.Region.Subregions = func(ch int) int { return 1 + 12*ch } // countries have a dozen regions
	c.Event.Statements = func(ch int, _ map[string]any, _ []*model.StatementOrder, f *int, _ *string, l *int, _ *string) int {
		return pageCost(ch, f, l)
	}
	c.Event.Organizers = listCost
	c.Event.Participants = listCost
	c.Event.Speakers = listCost
	c.Statement.About = listCost
	for _, cit := range []*func(int) int{&c.Person.Citations, &c.Organization.Citations, &c.Region.Citations,
		&c.Event.Citations, &c.Statement.Citations, &c.Position.Citations, &c.Participation.Citations} {
		*cit = listCost
	}
	c.Aggregate.Buckets = func(ch int) int { return ch }
}

// pathLen is the most nodes a path of maxDepth d has (default 4).
func pathLen(d *int) int {
	if d == nil {
		return 5
	}
	return max(*d, 0) + 1
}
