// Package model holds the Go types behind the GraphQL schema. Node types wrap a store record and
// expose its scalar fields; relations are left to field resolvers, which go through the per-request
// loaders. Connection and edge types are instances of one generic Connection.
package model

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/kgql/kgql/store"
)

// Record is embedded by every node type: the store record and the fields all kinds share.
type Record struct {
	N *store.Node
}

// Rec returns the store record.
func (r Record) Rec() *store.Node { return r.N }

// ID is the record's public id.
func (r Record) ID() string { return r.N.ID.String() }

// Key is the record's external key.
func (r Record) Key() string { return r.N.Key }

// Name is an entity's name.
func (r Record) Name() string { return r.N.Name }

// Aliases are an entity's other names; never nil.
func (r Record) Aliases() []string {
	if r.N.Aliases == nil {
		return []string{}
	}
	return r.N.Aliases
}

// Description is nil when the record has none.
func (r Record) Description() *string { return optString(r.N.Description) }

// Citations lists where the record's facts were learned; never nil.
func (r Record) Citations() []*Citation {
	out := make([]*Citation, len(r.N.Citations))
	for i, c := range r.N.Citations {
		out[i] = &Citation{SourceID: c.Source, Excerpt: optString(c.Excerpt)}
	}
	return out
}

// Person is a GraphQL Person.
type Person struct{ Record }

// Organization is a GraphQL Organization.
type Organization struct{ Record }

// Acronym is nil when the organization has none.
func (o *Organization) Acronym() *string { return optString(o.N.Acronym) }

// Kind is the organization's kind (OTHER if unset).
func (o *Organization) Kind() OrganizationKind {
	if o.N.OrgKind == "" {
		return OrganizationKindOther
	}
	return OrganizationKind(o.N.OrgKind)
}

// Region is a GraphQL Region.
type Region struct{ Record }

// Code is the region's ISO 3166 code; nil when it has none.
func (r *Region) Code() *string { return optString(r.N.Code) }

// Kind is the region's kind.
func (r *Region) Kind() RegionKind { return RegionKind(r.N.RegionKind) }

// Event is a GraphQL Event.
type Event struct{ Record }

// StartDate is nil when unknown.
func (e *Event) StartDate() *Date { return optDate(e.N.StartDate) }

// EndDate is nil when unknown.
func (e *Event) EndDate() *Date { return optDate(e.N.EndDate) }

// Statement is a GraphQL Statement.
type Statement struct{ Record }

// Key is nil when the statement has no key.
func (s *Statement) Key() *string { return optString(s.N.Key) }

// Text is the quoted text.
func (s *Statement) Text() string { return s.N.Text }

// Language is the text's BCP 47 language tag.
func (s *Statement) Language() string { return s.N.Language }

// Date is nil when unknown.
func (s *Statement) Date() *Date { return optDate(s.N.Date) }

// Source is a GraphQL Source.
type Source struct{ Record }

// Title is the document's title.
func (s *Source) Title() string { return s.N.Title }

// Author is nil when unknown.
func (s *Source) Author() *string { return optString(s.N.Author) }

// PublishedAt is nil when unknown.
func (s *Source) PublishedAt() *Date { return optDate(s.N.PublishedAt) }

// URL is nil when unknown.
func (s *Source) URL() *string { return optString(s.N.URL) }

// Language is nil when unknown.
func (s *Source) Language() *string { return optString(s.N.Language) }

// Position is a GraphQL Position.
type Position struct{ Record }

// Key is nil when the position has no key.
func (p *Position) Key() *string { return optString(p.N.Key) }

// Title is the title held.
func (p *Position) Title() string { return p.N.Title }

// StartDate is nil when unknown.
func (p *Position) StartDate() *Date { return optDate(p.N.StartDate) }

// EndDate is nil when unknown.
func (p *Position) EndDate() *Date { return optDate(p.N.EndDate) }

// Participation is a GraphQL Participation.
type Participation struct{ Record }

// Key is nil when the participation has no key.
func (p *Participation) Key() *string { return optString(p.N.Key) }

// Role is the participant's role.
func (p *Participation) Role() string { return p.N.Role }

// IsNode and IsEntity mark the types that implement the GraphQL interfaces.
func (Person) IsNode()         {}
func (Person) IsEntity()       {}
func (Organization) IsNode()   {}
func (Organization) IsEntity() {}
func (Region) IsNode()         {}
func (Region) IsEntity()       {}
func (Event) IsNode()          {}
func (Event) IsEntity()        {}
func (Statement) IsNode()      {}
func (Source) IsNode()         {}

// FromNode wraps a store record in its GraphQL type. It returns nil for nil.
func FromNode(n *store.Node) Node {
	if n == nil {
		return nil
	}
	r := Record{n}
	switch n.Kind {
	case store.KindPerson:
		return &Person{r}
	case store.KindOrganization:
		return &Organization{r}
	case store.KindRegion:
		return &Region{r}
	case store.KindEvent:
		return &Event{r}
	case store.KindStatement:
		return &Statement{r}
	case store.KindSource:
		return &Source{r}
	case store.KindPosition:
		return &Position{r}
	case store.KindParticipation:
		return &Participation{r}
	}
	return nil
}

// Citation is a GraphQL Citation; Source is resolved from SourceID.
type Citation struct {
	SourceID store.ID
	Excerpt  *string
}

// SearchHit is a GraphQL SearchHit.
type SearchHit struct {
	Node    Node
	Score   float64
	Match   MatchKind
	Snippet *string
}

// Connection is a page of a list: its edges, page info, and a lazily computed total (only when
// the query selects totalCount).
type Connection[T any] struct {
	Edges    []*Edge[T]
	PageInfo *PageInfo
	Count    func(ctx context.Context) (int, error)
}

// Nodes are the edges' nodes.
func (c *Connection[T]) Nodes() []T {
	out := make([]T, len(c.Edges))
	for i, e := range c.Edges {
		out[i] = e.Node
	}
	return out
}

// TotalCount is the size of the whole list.
func (c *Connection[T]) TotalCount(ctx context.Context) (int, error) {
	if c.Count == nil {
		return len(c.Edges), nil
	}
	return c.Count(ctx)
}

// Edge is one element of a connection with its cursor.
type Edge[T any] struct {
	Cursor string
	Node   T
}

// The connection and edge types of the schema.
type (
	PersonConnection       = Connection[*Person]
	PersonEdge             = Edge[*Person]
	OrganizationConnection = Connection[*Organization]
	OrganizationEdge       = Edge[*Organization]
	RegionConnection       = Connection[*Region]
	RegionEdge             = Edge[*Region]
	EventConnection        = Connection[*Event]
	EventEdge              = Edge[*Event]
	StatementConnection    = Connection[*Statement]
	StatementEdge          = Edge[*Statement]
	SourceConnection       = Connection[*Source]
	SourceEdge             = Edge[*Source]
	PositionConnection     = Connection[*Position]
	PositionEdge           = Edge[*Position]
)

// Date is an ISO 8601 calendar date, "2021-06-14".
type Date string

// UnmarshalGQL accepts only real calendar dates (and "", which in an input clears the date).
func (d *Date) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("%w: a Date must be a string YYYY-MM-DD", store.ErrInvalid)
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil && s != "" {
		return fmt.Errorf("%w: %q is not a calendar date YYYY-MM-DD", store.ErrInvalid, s)
	}
	*d = Date(s)
	return nil
}

// MarshalGQL writes the date as a JSON string.
func (d Date) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(string(d))) }

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optDate(s string) *Date {
	if s == "" {
		return nil
	}
	d := Date(s)
	return &d
}
