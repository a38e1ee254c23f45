package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
)

// The built-in dataset's keys the mutation tests lean on.
const (
	mutEventKey = "asmex-conseil-des-regions-2021-06-14"
	mutISOKey   = "iso-3166-2-ma"
)

// The mutations, with the fields the tests read back.
const (
	mutUpsertPerson        = `mutation($i: PersonInput!) { upsertPerson(input: $i) { id key name aliases description citations { excerpt source { key } } } }`
	mutUpsertOrganization  = `mutation($i: OrganizationInput!) { upsertOrganization(input: $i) { id key name acronym kind aliases description parent { key } seat { key } citations { excerpt source { key } } } }`
	mutUpsertRegion        = `mutation($i: RegionInput!) { upsertRegion(input: $i) { id key name kind code aliases parent { key } citations { excerpt source { key } } } }`
	mutUpsertEvent         = `mutation($i: EventInput!) { upsertEvent(input: $i) { id key name startDate endDate location { key } organizers { key } citations { excerpt source { key } } } }`
	mutUpsertSource        = `mutation($i: SourceInput!) { upsertSource(input: $i) { id key title publisher { key } author publishedAt url language } }`
	mutAddStatement        = `mutation($i: StatementInput!) { addStatement(input: $i) { id key text language date speaker { __typename id key } event { key } about { __typename key } citations { excerpt source { key } } } }`
	mutAddPosition         = `mutation($i: PositionInput!) { addPosition(input: $i) { id key title startDate endDate person { id key } organization { id key } region { id key } citations { excerpt source { key } } } }`
	mutAddParticipation    = `mutation($i: ParticipationInput!) { addParticipation(input: $i) { id key role description person { id key } event { id key } citations { excerpt source { key } } } }`
	mutRemovePosition      = `mutation($id: ID!) { removePosition(id: $id) { deleted { id type key label } updatedIds } }`
	mutRemoveParticipation = `mutation($id: ID!) { removeParticipation(id: $id) { deleted { id type key label } updatedIds } }`
	mutDeleteNode          = `mutation($id: ID!, $cascade: Boolean) { deleteNode(id: $id, cascade: $cascade) { deleted { id type key label } updatedIds } }`
	mutImportRecords       = `mutation($n: String!) { importRecords(ndjson: $n) { records created updated unchanged byType { type count } } }`
)

type mutCitation struct {
	Excerpt *string `json:"excerpt"`
	Source  struct {
		Key string `json:"key"`
	} `json:"source"`
}

type mutRef struct {
	Typename string `json:"__typename"`
	ID       string `json:"id"`
	Key      string `json:"key"`
}

type mutPerson struct {
	ID          string        `json:"id"`
	Key         string        `json:"key"`
	Name        string        `json:"name"`
	Aliases     []string      `json:"aliases"`
	Description *string       `json:"description"`
	Citations   []mutCitation `json:"citations"`
}

type mutOrganization struct {
	ID          string        `json:"id"`
	Key         string        `json:"key"`
	Name        string        `json:"name"`
	Acronym     *string       `json:"acronym"`
	Kind        string        `json:"kind"`
	Aliases     []string      `json:"aliases"`
	Description *string       `json:"description"`
	Parent      *mutRef       `json:"parent"`
	Seat        *mutRef       `json:"seat"`
	Citations   []mutCitation `json:"citations"`
}

type mutRegion struct {
	ID        string        `json:"id"`
	Key       string        `json:"key"`
	Name      string        `json:"name"`
	Kind      string        `json:"kind"`
	Code      *string       `json:"code"`
	Aliases   []string      `json:"aliases"`
	Parent    *mutRef       `json:"parent"`
	Citations []mutCitation `json:"citations"`
}

type mutEvent struct {
	ID         string        `json:"id"`
	Key        string        `json:"key"`
	Name       string        `json:"name"`
	StartDate  *string       `json:"startDate"`
	EndDate    *string       `json:"endDate"`
	Location   *mutRef       `json:"location"`
	Organizers []mutRef      `json:"organizers"`
	Citations  []mutCitation `json:"citations"`
}

type mutSource struct {
	ID          string  `json:"id"`
	Key         string  `json:"key"`
	Title       string  `json:"title"`
	Publisher   *mutRef `json:"publisher"`
	Author      *string `json:"author"`
	PublishedAt *string `json:"publishedAt"`
	URL         *string `json:"url"`
	Language    *string `json:"language"`
}

type mutStatement struct {
	ID        string        `json:"id"`
	Key       *string       `json:"key"`
	Text      string        `json:"text"`
	Language  string        `json:"language"`
	Date      *string       `json:"date"`
	Speaker   mutRef        `json:"speaker"`
	Event     *mutRef       `json:"event"`
	About     []mutRef      `json:"about"`
	Citations []mutCitation `json:"citations"`
}

type mutPosition struct {
	ID           string        `json:"id"`
	Key          *string       `json:"key"`
	Title        string        `json:"title"`
	StartDate    *string       `json:"startDate"`
	EndDate      *string       `json:"endDate"`
	Person       mutRef        `json:"person"`
	Organization mutRef        `json:"organization"`
	Region       *mutRef       `json:"region"`
	Citations    []mutCitation `json:"citations"`
}

type mutParticipation struct {
	ID          string        `json:"id"`
	Key         *string       `json:"key"`
	Role        string        `json:"role"`
	Description *string       `json:"description"`
	Person      mutRef        `json:"person"`
	Event       mutRef        `json:"event"`
	Citations   []mutCitation `json:"citations"`
}

type mutDeleted struct {
	ID    string  `json:"id"`
	Type  string  `json:"type"`
	Key   *string `json:"key"`
	Label string  `json:"label"`
}

type mutDeletePayload struct {
	Deleted    []mutDeleted `json:"deleted"`
	UpdatedIds []string     `json:"updatedIds"`
}

type mutTypeCount struct {
	Type  string `json:"type"`
	Count int    `json:"count"`
}

type mutImportResult struct {
	Records   int            `json:"records"`
	Created   int            `json:"created"`
	Updated   int            `json:"updated"`
	Unchanged int            `json:"unchanged"`
	ByType    []mutTypeCount `json:"byType"`
}

// mutServer is newServer plus a store check (no violation) when the test ends.
func mutServer(t *testing.T) (*client, *store.Store) {
	t.Helper()
	c, s := newServer(t)
	t.Cleanup(func() { mutCheck(t, s) })
	return c, s
}

// mutCheck fails the test if Store.Check reports any violation.
func mutCheck(t *testing.T, s *store.Store) {
	t.Helper()
	var vs []string
	n, err := s.Check(0, func(v store.Violation) { vs = append(vs, v.String()) })
	if err != nil {
		t.Errorf("Store.Check: %v", err)
		return
	}
	if n != 0 {
		t.Errorf("Store.Check found %d violation(s):\n%s", n, strings.Join(vs, "\n"))
	}
}

// mutExport returns importer.Export of s.
func mutExport(t *testing.T, s *store.Store) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := importer.Export(s, &b); err != nil {
		t.Fatalf("export: %v", err)
	}
	return b.Bytes()
}

// mutSameExport fails the test unless the store exports exactly before.
func mutSameExport(t *testing.T, s *store.Store, before []byte, what string) {
	t.Helper()
	if after := mutExport(t, s); !bytes.Equal(before, after) {
		t.Errorf("%s changed the store:\n%s", what, lineDiff(string(before), string(after)))
	}
}

// mutI wraps a mutation input as the $i variable.
func mutI(input map[string]any) map[string]any { return map[string]any{"i": input} }

// mutCite is a citation of the article with excerpt.
func mutCite(excerpt string) map[string]any {
	return map[string]any{"source": articleKey, "excerpt": excerpt}
}

// mutCiteOf is a citation of source with excerpt.
func mutCiteOf(source, excerpt string) map[string]any {
	return map[string]any{"source": source, "excerpt": excerpt}
}

// mutOK runs a single-field operation that must succeed and decodes that field's value.
func mutOK[T any](t *testing.T, c *client, query string, vars map[string]any) T {
	t.Helper()
	var out map[string]json.RawMessage
	c.mustDo(t, query, vars, &out)
	if len(out) != 1 {
		t.Fatalf("want one root field, got %d: %v", len(out), out)
	}
	var v T
	for _, raw := range out {
		v = decode[T](t, raw)
	}
	return v
}

// mutQuery runs a query that must succeed and decodes its data.
func mutQuery[T any](t *testing.T, c *client, query string, vars map[string]any) T {
	t.Helper()
	var v T
	c.mustDo(t, query, vars, &v)
	return v
}

// mutNamesField reports whether the error names field: extensions.field when the server set one
// (then it must be exactly field), else the message or the error's path.
func mutNamesField(e gqlErr, field string) bool {
	if f, ok := e.Extensions["field"].(string); ok {
		return f == field
	}
	if strings.Contains(e.Message, field) {
		return true
	}
	parts := make([]string, len(e.Path))
	for i, p := range e.Path {
		parts[i] = fmt.Sprint(p)
	}
	return strings.Contains(strings.Join(parts, "."), field)
}

// mutRefused runs an operation that must fail with one error of that code, naming field (if not
// ""), with no data for the mutation, and with the store byte-identical before and after.
func mutRefused(t *testing.T, c *client, s *store.Store, code, field, query string, vars map[string]any) gqlErr {
	t.Helper()
	before := mutExport(t, s)
	data, errs := c.do(t, query, vars)
	assertErrorCode(t, errs, code)
	e := errs[0]
	if field != "" && !mutNamesField(e, field) {
		t.Errorf("error does not name %q: message %q, path %v, extensions %v", field, e.Message, e.Path, e.Extensions)
	}
	if len(data) > 0 && string(data) != "null" {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(data, &fields); err != nil {
			t.Errorf("data is not an object: %s", data)
		}
		for k, v := range fields {
			if string(v) != "null" {
				t.Errorf("refused mutation answered data %s: %s", k, v)
			}
		}
	}
	mutSameExport(t, s, before, "a refused mutation")
	return e
}

// mutInt walks data along path (object fields) and returns the number found there.
func mutInt(t *testing.T, c *client, query string, vars map[string]any, path ...string) int {
	t.Helper()
	raw := c.mustDo(t, query, vars, nil)
	for _, p := range path {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("at %q: %v: %s", p, err, raw)
		}
		raw = m[p]
	}
	return decode[int](t, raw)
}

func mutPeopleCount(t *testing.T, c *client) int {
	t.Helper()
	return mutInt(t, c, `{ people { totalCount } }`, nil, "people", "totalCount")
}

func mutMembersCount(t *testing.T, c *client, org string) int {
	t.Helper()
	return mutInt(t, c, `query($k: String!) { organization(key: $k) { members { totalCount } } }`,
		map[string]any{"k": org}, "organization", "members", "totalCount")
}

func mutEventStatementsCount(t *testing.T, c *client) int {
	t.Helper()
	return mutInt(t, c, `query($k: String!) { event(key: $k) { statements { totalCount } } }`,
		map[string]any{"k": mutEventKey}, "event", "statements", "totalCount")
}

// mutKeys returns the keys of refs.
func mutKeys(refs []mutRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Key
	}
	return out
}

// mutCitations renders citations as "source|excerpt" strings.
func mutCitations(cs []mutCitation) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		ex := ""
		if c.Excerpt != nil {
			ex = *c.Excerpt
		}
		out[i] = c.Source.Key + "|" + ex
	}
	return out
}

// mutID returns the id of the entity or source with that key.
func mutID(t *testing.T, c *client, key string) string {
	t.Helper()
	type idOnly struct {
		ID string `json:"id"`
	}
	type res struct {
		Person, Organization, Region, Event, Source *idOnly
	}
	r := mutQuery[res](t, c, `query($k: String!) {
		person(key: $k) { id } organization(key: $k) { id } region(key: $k) { id }
		event(key: $k) { id } source(key: $k) { id } }`, map[string]any{"k": key})
	for _, n := range []*idOnly{r.Person, r.Organization, r.Region, r.Event, r.Source} {
		if n != nil {
			return n.ID
		}
	}
	t.Fatalf("no node has key %q", key)
	return ""
}

func strv(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// --- upsertPerson ---

func TestMutationUpsertPersonCreate(t *testing.T) {
	c, s := mutServer(t)
	people := mutPeopleCount(t, c)

	// Citations are required to create.
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.citations", mutUpsertPerson,
		mutI(map[string]any{"key": "mut-person", "name": "Mut Person"}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.citations", mutUpsertPerson,
		mutI(map[string]any{"key": "mut-person", "name": "Mut Person", "citations": []any{}}))
	// So is the name.
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.name", mutUpsertPerson,
		mutI(map[string]any{"key": "mut-person", "citations": []any{mutCite("x")}}))

	p := mutOK[mutPerson](t, c, mutUpsertPerson, mutI(map[string]any{
		"key": "mut-person", "name": "Mut Person", "citations": []any{mutCite("Mut Person said")},
	}))
	if p.ID == "" || p.Key != "mut-person" || p.Name != "Mut Person" {
		t.Fatalf("created person: %+v", p)
	}
	if len(p.Aliases) != 0 || p.Description != nil {
		t.Errorf("new person has aliases %v, description %v; want none", p.Aliases, strv(p.Description))
	}
	if got, want := mutCitations(p.Citations), []string{articleKey + "|Mut Person said"}; !slices.Equal(got, want) {
		t.Errorf("citations = %v, want %v", got, want)
	}
	if got := mutPeopleCount(t, c); got != people+1 {
		t.Errorf("people.totalCount = %d, want %d", got, people+1)
	}
	type res struct {
		Person *struct{ ID, Name string }
		Node   *struct{ ID, Name string }
	}
	r := mutQuery[res](t, c, `query($k: String!, $id: ID!) { person(key: $k) { id name } node(id: $id) { id ... on Person { name } } }`,
		map[string]any{"k": "mut-person", "id": p.ID})
	if r.Person == nil || r.Person.ID != p.ID || r.Node == nil || r.Node.Name != "Mut Person" {
		t.Errorf("the new person is not readable back: %+v %+v", r.Person, r.Node)
	}
}

func TestMutationUpsertPersonPatch(t *testing.T) {
	c, _ := mutServer(t)
	p0 := mutOK[mutPerson](t, c, mutUpsertPerson, mutI(map[string]any{
		"key": "mut-person", "name": "Mut Person", "aliases": []any{"A"}, "description": "first",
		"citations": []any{mutCite("c1")},
	}))
	people := mutPeopleCount(t, c)

	// The name is replaced; everything omitted stays.
	p := mutOK[mutPerson](t, c, mutUpsertPerson, mutI(map[string]any{"key": "mut-person", "name": "Mut Person Renamed"}))
	if p.ID != p0.ID || p.Name != "Mut Person Renamed" || !slices.Equal(p.Aliases, []string{"A"}) ||
		strv(p.Description) != "first" || !slices.Equal(mutCitations(p.Citations), []string{articleKey + "|c1"}) {
		t.Errorf("after patching the name: %+v (description %s)", p, strv(p.Description))
	}
	// The description is set, then cleared with "".
	p = mutOK[mutPerson](t, c, mutUpsertPerson, mutI(map[string]any{"key": "mut-person", "description": "second"}))
	if strv(p.Description) != "second" {
		t.Errorf("description = %s, want second", strv(p.Description))
	}
	p = mutOK[mutPerson](t, c, mutUpsertPerson, mutI(map[string]any{"key": "mut-person", "description": ""}))
	if p.Description != nil {
		t.Errorf("description = %q after clearing it, want null", *p.Description)
	}
	// A null is the same as an absent field: the name stays.
	p = mutOK[mutPerson](t, c, mutUpsertPerson, mutI(map[string]any{"key": "mut-person", "name": nil}))
	if p.Name != "Mut Person Renamed" {
		t.Errorf("name = %q after a null name, want it kept", p.Name)
	}
	// Aliases merge without duplicates across calls.
	mutOK[mutPerson](t, c, mutUpsertPerson, mutI(map[string]any{"key": "mut-person", "aliases": []any{"A", "B"}}))
	p = mutOK[mutPerson](t, c, mutUpsertPerson, mutI(map[string]any{"key": "mut-person", "aliases": []any{"B", "C", "C"}}))
	if want := []string{"A", "B", "C"}; !slices.Equal(p.Aliases, want) {
		t.Errorf("aliases = %v, want %v", p.Aliases, want)
	}
	// Citations merge without duplicates.
	mutOK[mutPerson](t, c, mutUpsertPerson, mutI(map[string]any{"key": "mut-person",
		"citations": []any{mutCite("c1"), mutCiteOf(mutISOKey, "c2")}}))
	p = mutOK[mutPerson](t, c, mutUpsertPerson, mutI(map[string]any{"key": "mut-person",
		"citations": []any{mutCiteOf(mutISOKey, "c2"), mutCite("c1")}}))
	if want := []string{articleKey + "|c1", mutISOKey + "|c2"}; !slices.Equal(mutCitations(p.Citations), want) {
		t.Errorf("citations = %v, want %v", mutCitations(p.Citations), want)
	}
	// The stored person says the same, and no person was added.
	type res struct{ Person mutPerson }
	r := mutQuery[res](t, c, `{ person(key: "mut-person") { id key name aliases description citations { excerpt source { key } } } }`, nil)
	if r.Person.ID != p0.ID || r.Person.Name != "Mut Person Renamed" || !slices.Equal(r.Person.Aliases, []string{"A", "B", "C"}) ||
		r.Person.Description != nil || len(r.Person.Citations) != 2 {
		t.Errorf("stored person: %+v", r.Person)
	}
	if got := mutPeopleCount(t, c); got != people {
		t.Errorf("patches changed people.totalCount from %d to %d", people, got)
	}
}

func TestMutationUpsertPersonIdempotent(t *testing.T) {
	c, s := mutServer(t)
	input := mutI(map[string]any{
		"key": "mut-person", "name": "Mut Person", "aliases": []any{"MP", "M. Person"}, "description": "d",
		"citations": []any{mutCite("c1"), mutCiteOf(mutISOKey, "c2")},
	})
	p1 := mutOK[mutPerson](t, c, mutUpsertPerson, input)
	before := mutExport(t, s)
	people := mutPeopleCount(t, c)
	p2 := mutOK[mutPerson](t, c, mutUpsertPerson, input)
	mutSameExport(t, s, before, "the same upsertPerson again")
	if p1.ID != p2.ID {
		t.Errorf("the same input again answered id %s, then %s", p1.ID, p2.ID)
	}
	// A subset of what is stored changes nothing either.
	mutOK[mutPerson](t, c, mutUpsertPerson, mutI(map[string]any{"key": "mut-person", "aliases": []any{"MP"}, "citations": []any{mutCite("c1")}}))
	mutSameExport(t, s, before, "an upsertPerson with a subset of the stored fields")
	if got := mutPeopleCount(t, c); got != people {
		t.Errorf("people.totalCount went from %d to %d", people, got)
	}
	// Upserting a seed person with its own values changes nothing.
	mutOK[mutPerson](t, c, mutUpsertPerson, mutI(map[string]any{"key": "adil-zaidi", "name": "Adil Zaidi"}))
	mutSameExport(t, s, before, "an upsertPerson of adil-zaidi with its own name")
}

func TestMutationUpsertPersonInvalid(t *testing.T) {
	c, s := mutServer(t)
	cites := []any{mutCite("x")}
	cases := []struct {
		name, field string
		input       map[string]any
	}{
		{"key with spaces", "input.key", map[string]any{"key": "Not A Slug", "name": "X", "citations": cites}},
		{"key with a leading dash", "input.key", map[string]any{"key": "-x", "name": "X", "citations": cites}},
		{"key with an underscore", "input.key", map[string]any{"key": "a_b", "name": "X", "citations": cites}},
		{"empty key", "input.key", map[string]any{"key": "", "name": "X", "citations": cites}},
		{"empty name on create", "input.name", map[string]any{"key": "mut-x", "name": "", "citations": cites}},
		{"blank name on create", "input.name", map[string]any{"key": "mut-x", "name": "   ", "citations": cites}},
		{"empty name on patch", "input.name", map[string]any{"key": "adil-zaidi", "name": ""}},
		{"key of an Organization", "input.key", map[string]any{"key": "asmex", "name": "X", "citations": cites}},
		{"key of a Region", "input.key", map[string]any{"key": "MA-07", "name": "X"}},
		{"citation of an unknown source", "input.citations[0].source",
			map[string]any{"key": "mut-x", "name": "X", "citations": []any{mutCiteOf("no-such-source", "x")}}},
		{"citation of an Organization", "input.citations[0].source",
			map[string]any{"key": "mut-x", "name": "X", "citations": []any{mutCiteOf("asmex", "x")}}},
		{"second citation of a Person", "input.citations[1].source",
			map[string]any{"key": "mut-x", "name": "X", "citations": []any{mutCite("x"), mutCiteOf("adil-zaidi", "x")}}},
		{"citation with an empty source", "input.citations[0].source",
			map[string]any{"key": "mut-x", "name": "X", "citations": []any{mutCiteOf("", "x")}}},
		{"patch with a bad citation", "input.citations[0].source",
			map[string]any{"key": "adil-zaidi", "name": "Changed", "citations": []any{mutCiteOf("asmex", "x")}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mutRefused(t, c, s, "BAD_USER_INPUT", tc.field, mutUpsertPerson, mutI(tc.input))
		})
	}
	// A key that is not a slug fails even with nothing else wrong, and the message says why.
	e := mutRefused(t, c, s, "BAD_USER_INPUT", "input.key", mutUpsertPerson,
		mutI(map[string]any{"key": "Not A Slug", "name": "X", "citations": cites}))
	if !strings.Contains(e.Message, "key") {
		t.Errorf("message %q does not say what is wrong", e.Message)
	}
	// A key given to another kind is named in the message.
	e = mutRefused(t, c, s, "BAD_USER_INPUT", "input.key", mutUpsertPerson,
		mutI(map[string]any{"key": "asmex", "name": "X", "citations": cites}))
	if !strings.Contains(e.Message, "Organization") {
		t.Errorf("message %q does not say the key is an Organization's", e.Message)
	}
	// A wrong type is a GraphQL-level BAD_USER_INPUT.
	mutRefused(t, c, s, "BAD_USER_INPUT", "aliases", mutUpsertPerson,
		mutI(map[string]any{"key": "mut-x", "name": "X", "aliases": map[string]any{"a": 1}, "citations": cites}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "citations", mutUpsertPerson,
		mutI(map[string]any{"key": "mut-x", "name": "X", "citations": []any{map[string]any{"excerpt": "no source"}}}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "key", mutUpsertPerson,
		mutI(map[string]any{"name": "X", "citations": cites}))
}

// --- upsertOrganization ---

func TestMutationUpsertOrganization(t *testing.T) {
	c, s := mutServer(t)
	o := mutOK[mutOrganization](t, c, mutUpsertOrganization, mutI(map[string]any{
		"key": "mut-commission", "name": "Commission Mut", "acronym": "CM", "kind": "COMMISSION",
		"parent": "asmex", "seat": "marrakech", "aliases": []any{"Mut"}, "description": "d",
		"citations": []any{mutCite("commission")},
	}))
	if o.ID == "" || o.Key != "mut-commission" || o.Name != "Commission Mut" || strv(o.Acronym) != "CM" ||
		o.Kind != "COMMISSION" || o.Parent == nil || o.Parent.Key != "asmex" || o.Seat == nil || o.Seat.Key != "marrakech" {
		t.Fatalf("created organization: %+v", o)
	}
	type units struct {
		Organization struct{ Units []mutRef }
		Region       struct {
			Key string
		}
	}
	u := mutQuery[units](t, c, `{ organization(key: "asmex") { units { key } } }`, nil)
	if !slices.Contains(mutKeys(u.Organization.Units), "mut-commission") {
		t.Errorf("asmex units %v lack mut-commission", mutKeys(u.Organization.Units))
	}

	// Kind is required to create, and must be one of the enum's values.
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.kind", mutUpsertOrganization, mutI(map[string]any{
		"key": "mut-org", "name": "Mut Org", "citations": []any{mutCite("x")},
	}))
	e := mutRefused(t, c, s, "BAD_USER_INPUT", "OrganizationKind",
		`mutation { upsertOrganization(input: {key: "mut-org", name: "Mut Org", kind: NOPE, citations: [{source: "`+articleKey+`"}]}) { id } }`, nil)
	if e.Extensions["reason"] != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("an unknown enum literal: extensions %v, want reason GRAPHQL_VALIDATION_FAILED", e.Extensions)
	}
	mutRefused(t, c, s, "BAD_USER_INPUT", "kind", mutUpsertOrganization, mutI(map[string]any{
		"key": "mut-org", "name": "Mut Org", "kind": "NOPE", "citations": []any{mutCite("x")},
	}))

	// References of the wrong kind.
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.parent", mutUpsertOrganization, mutI(map[string]any{
		"key": "mut-org", "name": "Mut Org", "kind": "OTHER", "parent": "MA-07", "citations": []any{mutCite("x")},
	}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.seat", mutUpsertOrganization, mutI(map[string]any{
		"key": "mut-org", "name": "Mut Org", "kind": "OTHER", "seat": "asmex", "citations": []any{mutCite("x")},
	}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.parent", mutUpsertOrganization, mutI(map[string]any{
		"key": "mut-commission", "parent": "no-such-org",
	}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.seat", mutUpsertOrganization, mutI(map[string]any{
		"key": "fcmcis", "seat": articleKey,
	}))

	// Parent cycles: two hops, three hops, and a self-parent (existing and new).
	for _, in := range []map[string]any{
		{"key": "asmex", "parent": "dynamique-regionale"},
		{"key": "asmex", "parent": "mut-commission"},
		{"key": "asmex", "parent": "asmex"},
		{"key": "mut-self", "name": "Self", "kind": "OTHER", "parent": "mut-self", "citations": []any{mutCite("x")}},
	} {
		e := mutRefused(t, c, s, "BAD_USER_INPUT", "input.parent", mutUpsertOrganization, mutI(in))
		if !strings.Contains(e.Message, "cycle") {
			t.Errorf("parent %v: message %q does not say cycle", in["parent"], e.Message)
		}
	}

	// Patching the kind, then clearing parent and seat with "".
	o = mutOK[mutOrganization](t, c, mutUpsertOrganization, mutI(map[string]any{"key": "mut-commission", "kind": "COMPANY"}))
	if o.Kind != "COMPANY" || o.Parent == nil || o.Seat == nil {
		t.Errorf("after patching the kind: %+v", o)
	}
	o = mutOK[mutOrganization](t, c, mutUpsertOrganization, mutI(map[string]any{"key": "mut-commission", "parent": "", "seat": ""}))
	if o.Parent != nil || o.Seat != nil || o.Name != "Commission Mut" || o.Kind != "COMPANY" {
		t.Errorf("after clearing parent and seat: %+v", o)
	}
	u = mutQuery[units](t, c, `{ organization(key: "asmex") { units { key } } }`, nil)
	if slices.Contains(mutKeys(u.Organization.Units), "mut-commission") {
		t.Errorf("asmex units %v still hold mut-commission after its parent was cleared", mutKeys(u.Organization.Units))
	}
	// And the cycle that was refused is now allowed the other way round.
	o = mutOK[mutOrganization](t, c, mutUpsertOrganization, mutI(map[string]any{"key": "dynamique-regionale", "parent": "mut-commission"}))
	if o.Parent == nil || o.Parent.Key != "mut-commission" {
		t.Errorf("re-parenting dynamique-regionale: %+v", o)
	}
	mutCheck(t, s)
}

// --- upsertRegion ---

func TestMutationUpsertRegion(t *testing.T) {
	c, s := mutServer(t)
	r := mutOK[mutRegion](t, c, mutUpsertRegion, mutI(map[string]any{
		"key": "safi", "name": "Safi", "kind": "CITY", "parent": "MA-07", "aliases": []any{"آسفي"},
		"citations": []any{mutCite("Safi")},
	}))
	if r.ID == "" || r.Key != "safi" || r.Kind != "CITY" || r.Parent == nil || r.Parent.Key != "MA-07" || r.Code != nil {
		t.Fatalf("created region: %+v", r)
	}
	type sub struct{ Region struct{ Subregions []mutRef } }
	got := mutQuery[sub](t, c, `{ region(key: "MA-07") { subregions { key } } }`, nil)
	if want := []string{"marrakech", "safi"}; !slices.Equal(mutKeys(got.Region.Subregions), want) {
		t.Errorf("MA-07 subregions = %v, want %v", mutKeys(got.Region.Subregions), want)
	}

	// Parent cycles.
	for _, parent := range []string{"MA-07", "safi", "MA"} {
		e := mutRefused(t, c, s, "BAD_USER_INPUT", "input.parent", mutUpsertRegion, mutI(map[string]any{"key": "MA", "parent": parent}))
		if !strings.Contains(e.Message, "cycle") {
			t.Errorf("MA parent %s: message %q does not say cycle", parent, e.Message)
		}
	}
	// Kind is required to create; a parent must be a Region; keys must be valid.
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.kind", mutUpsertRegion, mutI(map[string]any{
		"key": "essaouira", "name": "Essaouira", "parent": "MA-07", "citations": []any{mutCite("x")},
	}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.parent", mutUpsertRegion, mutI(map[string]any{
		"key": "essaouira", "name": "Essaouira", "kind": "CITY", "parent": "asmex", "citations": []any{mutCite("x")},
	}))
	for _, key := range []string{"Essaouira City", "-essaouira", "essaouira_", "ma-07-", "Essaouira"} {
		mutRefused(t, c, s, "BAD_USER_INPUT", "input.key", mutUpsertRegion, mutI(map[string]any{
			"key": key, "name": "Essaouira", "kind": "CITY", "parent": "MA-07", "citations": []any{mutCite("x")},
		}))
	}
	mutRefused(t, c, s, "BAD_USER_INPUT", "kind", mutUpsertRegion, mutI(map[string]any{
		"key": "essaouira", "name": "Essaouira", "kind": "TOWN", "citations": []any{mutCite("x")},
	}))
	// A region may be moved, and the move shows in both subregion lists.
	r = mutOK[mutRegion](t, c, mutUpsertRegion, mutI(map[string]any{"key": "safi", "parent": "MA-06", "code": "XX"}))
	if r.Parent == nil || r.Parent.Key != "MA-06" || strv(r.Code) != "XX" || r.Name != "Safi" {
		t.Errorf("after moving safi: %+v", r)
	}
	got = mutQuery[sub](t, c, `{ region(key: "MA-07") { subregions { key } } }`, nil)
	if want := []string{"marrakech"}; !slices.Equal(mutKeys(got.Region.Subregions), want) {
		t.Errorf("MA-07 subregions = %v, want %v", mutKeys(got.Region.Subregions), want)
	}
	mutCheck(t, s)
}

// TestMutationEnumCaseVariable sends enum values that differ from the schema's only by case, as
// variables. gqlparser's variable validation compares enum values case-insensitively and lets them
// through; gqlgen's generated UnmarshalGQL then refuses them. Either way the client must get
// BAD_USER_INPUT naming the field (not INTERNAL), and nothing is written.
func TestMutationEnumCaseVariable(t *testing.T) {
	c, s := mutServer(t)
	cases := []struct {
		name, query string
		input       map[string]any
	}{
		{"OrganizationKind on create", mutUpsertOrganization, map[string]any{"key": "mut-org", "name": "Mut Org", "kind": "association", "citations": []any{mutCite("x")}}},
		{"OrganizationKind on patch", mutUpsertOrganization, map[string]any{"key": "asmex", "kind": "Association"}},
		{"RegionKind", mutUpsertRegion, map[string]any{"key": "safi", "name": "Safi", "kind": "city", "parent": "MA-07", "citations": []any{mutCite("x")}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mutRefused(t, c, s, "BAD_USER_INPUT", "kind", tc.query, mutI(tc.input))
		})
	}
}

// --- upsertEvent ---

func TestMutationUpsertEvent(t *testing.T) {
	c, s := mutServer(t)
	ev := mutOK[mutEvent](t, c, mutUpsertEvent, mutI(map[string]any{
		"key": "mut-event-2022-03-01", "name": "Mut Event", "startDate": "2022-03-01", "endDate": "2022-03-02",
		"location": "marrakech", "organizers": []any{"asmex"}, "citations": []any{mutCite("event")},
	}))
	if ev.ID == "" || strv(ev.StartDate) != "2022-03-01" || strv(ev.EndDate) != "2022-03-02" ||
		ev.Location == nil || ev.Location.Key != "marrakech" || !slices.Equal(mutKeys(ev.Organizers), []string{"asmex"}) {
		t.Fatalf("created event: %+v", ev)
	}

	// Dates that are not calendar dates, inline and as variables, in every date field.
	for _, d := range []string{"2021-02-30", "2021-13-01", "14/06/2021", "2021-6-14", "2021-06-14T00:00:00Z", "tomorrow"} {
		for _, f := range []string{"startDate", "endDate"} {
			t.Run(f+" "+d, func(t *testing.T) {
				mutRefused(t, c, s, "BAD_USER_INPUT", "input."+f, mutUpsertEvent, mutI(map[string]any{"key": "mut-event-2022-03-01", f: d}))
				mutRefused(t, c, s, "BAD_USER_INPUT", "input."+f,
					fmt.Sprintf(`mutation { upsertEvent(input: {key: "mut-event-2022-03-01", %s: %q}) { id } }`, f, d), nil)
				mutRefused(t, c, s, "BAD_USER_INPUT", "input."+f, mutUpsertEvent, mutI(map[string]any{
					"key": "mut-event-new", "name": "New", f: d, "citations": []any{mutCite("x")},
				}))
			})
		}
	}
	mutRefused(t, c, s, "BAD_USER_INPUT", "startDate", mutUpsertEvent, mutI(map[string]any{"key": "mut-event-2022-03-01", "startDate": 20220301}))

	// References of the wrong kind.
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.location", mutUpsertEvent, mutI(map[string]any{"key": "mut-event-2022-03-01", "location": "asmex"}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.location", mutUpsertEvent, mutI(map[string]any{"key": "mut-event-2022-03-01", "location": "nowhere"}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.organizers[1]", mutUpsertEvent, mutI(map[string]any{"key": "mut-event-2022-03-01", "organizers": []any{"fcmcis", "MA-07"}}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.organizers", mutUpsertEvent, mutI(map[string]any{"key": "mut-event-2022-03-01", "organizers": []any{""}}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.key", mutUpsertEvent, mutI(map[string]any{"key": "asmex", "name": "X", "citations": []any{mutCite("x")}}))

	// Organizers merge across calls, without duplicates.
	ev = mutOK[mutEvent](t, c, mutUpsertEvent, mutI(map[string]any{"key": "mut-event-2022-03-01", "organizers": []any{"fcmcis"}}))
	if want := []string{"asmex", "fcmcis"}; !slices.Equal(mutKeys(ev.Organizers), want) {
		t.Errorf("organizers = %v, want %v", mutKeys(ev.Organizers), want)
	}
	before := mutExport(t, s)
	ev = mutOK[mutEvent](t, c, mutUpsertEvent, mutI(map[string]any{"key": "mut-event-2022-03-01", "organizers": []any{"fcmcis", "asmex", "fcmcis"}}))
	mutSameExport(t, s, before, "organizers already there")
	if want := []string{"asmex", "fcmcis"}; !slices.Equal(mutKeys(ev.Organizers), want) {
		t.Errorf("organizers = %v, want %v", mutKeys(ev.Organizers), want)
	}
	type orgEvents struct {
		Organization struct{ Events struct{ Nodes []mutRef } }
	}
	oe := mutQuery[orgEvents](t, c, `{ organization(key: "fcmcis") { events { nodes { key } } } }`, nil)
	if !slices.Equal(mutKeys(oe.Organization.Events.Nodes), []string{"mut-event-2022-03-01"}) {
		t.Errorf("fcmcis events = %v", mutKeys(oe.Organization.Events.Nodes))
	}
	// Clearing a date with "".
	ev = mutOK[mutEvent](t, c, mutUpsertEvent, mutI(map[string]any{"key": "mut-event-2022-03-01", "endDate": ""}))
	if ev.EndDate != nil || strv(ev.StartDate) != "2022-03-01" {
		t.Errorf("after clearing endDate: start %s end %s", strv(ev.StartDate), strv(ev.EndDate))
	}
	mutCheck(t, s)
}

// --- upsertSource ---

func TestMutationUpsertSource(t *testing.T) {
	c, s := mutServer(t)
	src := mutOK[mutSource](t, c, mutUpsertSource, mutI(map[string]any{
		"key": "mut-source", "title": "Mut Source", "publisher": "l-opinion", "author": "M. S.",
		"publishedAt": "2021-06-18", "url": "https://example.org/mut", "language": "fr",
	}))
	if src.ID == "" || src.Title != "Mut Source" || src.Publisher == nil || src.Publisher.Key != "l-opinion" ||
		strv(src.Author) != "M. S." || strv(src.PublishedAt) != "2021-06-18" || strv(src.URL) != "https://example.org/mut" || strv(src.Language) != "fr" {
		t.Fatalf("created source: %+v", src)
	}
	// A source needs no citation; it needs a title.
	mutOK[mutSource](t, c, mutUpsertSource, mutI(map[string]any{"key": "mut-source-2", "title": "Bare"}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.title", mutUpsertSource, mutI(map[string]any{"key": "mut-source-3", "url": "https://example.org"}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.publisher", mutUpsertSource, mutI(map[string]any{"key": "mut-source", "publisher": "MA-07"}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.publisher", mutUpsertSource, mutI(map[string]any{"key": "mut-source", "publisher": "adil-zaidi"}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.publisher", mutUpsertSource, mutI(map[string]any{"key": "mut-source", "publisher": "no-such-publisher"}))
	for _, d := range []string{"2021-02-30", "2021-13-01", "14/06/2021"} {
		mutRefused(t, c, s, "BAD_USER_INPUT", "input.publishedAt", mutUpsertSource, mutI(map[string]any{"key": "mut-source", "publishedAt": d}))
	}
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.key", mutUpsertSource, mutI(map[string]any{"key": "adil-zaidi", "title": "X"}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.key", mutUpsertSource, mutI(map[string]any{"key": "Mut Source", "title": "X"}))
	// Patch: replace the title, clear the author, keep the rest; the same again changes nothing.
	src = mutOK[mutSource](t, c, mutUpsertSource, mutI(map[string]any{"key": "mut-source", "title": "Mut Source, revised", "author": ""}))
	if src.Title != "Mut Source, revised" || src.Author != nil || src.Publisher == nil || strv(src.PublishedAt) != "2021-06-18" {
		t.Errorf("patched source: %+v", src)
	}
	before := mutExport(t, s)
	mutOK[mutSource](t, c, mutUpsertSource, mutI(map[string]any{"key": "mut-source", "title": "Mut Source, revised", "author": ""}))
	mutSameExport(t, s, before, "the same upsertSource again")
}

// --- addStatement ---

func TestMutationAddStatement(t *testing.T) {
	c, s := mutServer(t)
	count := mutEventStatementsCount(t, c)
	input := map[string]any{
		"speaker": "badia-bitar", "event": mutEventKey, "text": "Marrakech-Safi exporte.", "language": "fr",
		"date": "2021-06-14", "about": []any{"asmex", "MA-07"}, "citations": []any{mutCite("badia 1")},
	}
	st := mutOK[mutStatement](t, c, mutAddStatement, mutI(input))
	if st.ID == "" || st.Key != nil || st.Text != "Marrakech-Safi exporte." || st.Language != "fr" || strv(st.Date) != "2021-06-14" ||
		st.Speaker.Typename != "Person" || st.Speaker.Key != "badia-bitar" || st.Event == nil || st.Event.Key != mutEventKey ||
		!slices.Equal(mutKeys(st.About), []string{"asmex", "MA-07"}) || len(st.Citations) != 1 {
		t.Fatalf("created statement: %+v", st)
	}
	if got := mutEventStatementsCount(t, c); got != count+1 {
		t.Errorf("event statements totalCount = %d, want %d", got, count+1)
	}

	// The same speaker, event and text again is the same statement, and changes nothing.
	before := mutExport(t, s)
	again := mutOK[mutStatement](t, c, mutAddStatement, mutI(input))
	mutSameExport(t, s, before, "the same addStatement again")
	if again.ID != st.ID {
		t.Errorf("the same statement again got id %s, want %s", again.ID, st.ID)
	}
	// With an extra citation and an extra about, they merge into the same statement.
	more := map[string]any{}
	for k, v := range input {
		more[k] = v
	}
	more["citations"] = []any{mutCite("badia 1"), mutCiteOf(mutISOKey, "badia 2")}
	more["about"] = []any{"marrakech"}
	merged := mutOK[mutStatement](t, c, mutAddStatement, mutI(more))
	if merged.ID != st.ID || len(merged.Citations) != 2 || !slices.Equal(mutKeys(merged.About), []string{"asmex", "MA-07", "marrakech"}) {
		t.Errorf("merged statement: id %s (want %s), citations %v, about %v", merged.ID, st.ID, mutCitations(merged.Citations), mutKeys(merged.About))
	}
	if got := mutEventStatementsCount(t, c); got != count+1 {
		t.Errorf("event statements totalCount = %d after merging, want %d", got, count+1)
	}
	// A seed statement found by its identity (no key given) merges too, keeping its key.
	seedText := "C'est une grande première qui donnera une nouvelle dimension régionale et une dynamique importante aux exportations marocaines. L'originalité de l'approche est qu'elle est inclusive car elle va émerger des régions pour rayonner au niveau national et ainsi s'étendre aux marchés internationaux"
	z := mutOK[mutStatement](t, c, mutAddStatement, mutI(map[string]any{
		"speaker": "adil-zaidi", "event": mutEventKey, "text": seedText, "language": "fr", "citations": []any{mutCiteOf(mutISOKey, "zaidi 2")},
	}))
	if strv(z.Key) != "asmex-cdr-2021-zaidi-2" || len(z.Citations) != 2 {
		t.Errorf("statement found by identity: key %s, citations %v", strv(z.Key), mutCitations(z.Citations))
	}

	// An organization may speak (a communiqué).
	com := mutOK[mutStatement](t, c, mutAddStatement, mutI(map[string]any{
		"key": "mut-communique-1", "speaker": "asmex", "text": "Communiqué de l'ASMEX.", "language": "fr", "citations": []any{mutCite("communiqué")},
	}))
	if com.Speaker.Typename != "Organization" || com.Speaker.Key != "asmex" || strv(com.Key) != "mut-communique-1" || com.Event != nil {
		t.Errorf("communiqué: %+v", com)
	}
	if got := mutEventStatementsCount(t, c); got != count+1 {
		t.Errorf("a statement without event changed the event's statements: %d", got)
	}

	// Refusals.
	base := func(kv ...any) map[string]any {
		in := map[string]any{"speaker": "badia-bitar", "event": mutEventKey, "text": "Mut refused.", "language": "fr", "citations": []any{mutCite("x")}}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(in, kv[i].(string))
			} else {
				in[kv[i].(string)] = kv[i+1]
			}
		}
		return mutI(in)
	}
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.speaker", mutAddStatement, base("speaker", "MA-07"))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.speaker", mutAddStatement, base("speaker", "no-such-person"))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.speaker", mutAddStatement, base("speaker", ""))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.event", mutAddStatement, base("event", "asmex"))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.about[1]", mutAddStatement, base("about", []any{"asmex", articleKey}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.text", mutAddStatement, base("text", ""))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.text", mutAddStatement, base("text", "  "))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.language", mutAddStatement, base("language", ""))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.date", mutAddStatement, base("date", "2021-02-30"))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.citations", mutAddStatement, base("citations", []any{}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.citations[0].source", mutAddStatement, base("citations", []any{mutCiteOf("asmex", "x")}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.key", mutAddStatement, base("key", "Not A Key"))
	// citations is non-null in StatementInput: leaving it out is a GraphQL validation error.
	e := mutRefused(t, c, s, "BAD_USER_INPUT", "citations", mutAddStatement, base("citations", nil))
	if e.Extensions["reason"] != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("missing citations: extensions %v, want reason GRAPHQL_VALIDATION_FAILED", e.Extensions)
	}
	e = mutRefused(t, c, s, "BAD_USER_INPUT", "citations",
		`mutation { addStatement(input: {speaker: "badia-bitar", text: "Mut refused.", language: "fr"}) { id } }`, nil)
	if e.Extensions["reason"] != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("missing citations (literal): extensions %v, want reason GRAPHQL_VALIDATION_FAILED", e.Extensions)
	}
	// A new key for a statement that already exists under another key.
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.key", mutAddStatement, mutI(map[string]any{
		"key": "mut-zaidi-2", "speaker": "adil-zaidi", "event": mutEventKey, "text": seedText, "language": "fr", "citations": []any{mutCite("x")},
	}))
	mutCheck(t, s)
}

// --- addPosition / removePosition ---

func TestMutationAddPosition(t *testing.T) {
	c, s := mutServer(t)
	mutOK[mutPerson](t, c, mutUpsertPerson, mutI(map[string]any{"key": "mut-member", "name": "Mut Member", "citations": []any{mutCite("member")}}))
	members := mutMembersCount(t, c, "asmex")

	input := map[string]any{"person": "mut-member", "organization": "asmex", "title": "délégué régional", "region": "MA-07",
		"startDate": "2021-01-01", "citations": []any{mutCite("delegate")}}
	p := mutOK[mutPosition](t, c, mutAddPosition, mutI(input))
	if p.ID == "" || p.Title != "délégué régional" || p.Person.Key != "mut-member" || p.Organization.Key != "asmex" ||
		p.Region == nil || p.Region.Key != "MA-07" || strv(p.StartDate) != "2021-01-01" || p.EndDate != nil || len(p.Citations) != 1 {
		t.Fatalf("created position: %+v", p)
	}
	if got := mutMembersCount(t, c, "asmex"); got != members+1 {
		t.Errorf("asmex members totalCount = %d, want %d", got, members+1)
	}
	// Idempotent: the same person, organization, title and region is the same position.
	before := mutExport(t, s)
	again := mutOK[mutPosition](t, c, mutAddPosition, mutI(input))
	mutSameExport(t, s, before, "the same addPosition again")
	if again.ID != p.ID {
		t.Errorf("the same position again got id %s, want %s", again.ID, p.ID)
	}
	// Same identity with a citation without any other input merges the citation.
	merged := mutOK[mutPosition](t, c, mutAddPosition, mutI(map[string]any{"person": "mut-member", "organization": "asmex",
		"title": "délégué régional", "region": "MA-07", "citations": []any{mutCiteOf(mutISOKey, "MA-07")}}))
	if merged.ID != p.ID || len(merged.Citations) != 2 || strv(merged.StartDate) != "2021-01-01" {
		t.Errorf("merged position: %+v", merged)
	}
	// A different region is another position.
	other := mutOK[mutPosition](t, c, mutAddPosition, mutI(map[string]any{"person": "mut-member", "organization": "asmex",
		"title": "délégué régional", "region": "MA-06", "citations": []any{mutCite("delegate 2")}}))
	if other.ID == p.ID || other.Region == nil || other.Region.Key != "MA-06" {
		t.Errorf("position for another region: %+v (first was %s)", other, p.ID)
	}
	if got := mutMembersCount(t, c, "asmex"); got != members+2 {
		t.Errorf("asmex members totalCount = %d, want %d", got, members+2)
	}

	// Refusals.
	in := func(kv ...any) map[string]any {
		m := map[string]any{"person": "mut-member", "organization": "asmex", "title": "trésorier", "citations": []any{mutCite("x")}}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return mutI(m)
	}
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.person", mutAddPosition, in("person", "asmex"))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.person", mutAddPosition, in("person", "no-such-person"))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.organization", mutAddPosition, in("organization", "MA-07"))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.region", mutAddPosition, in("region", "asmex"))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.citations", mutAddPosition, in("citations", nil))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.citations", mutAddPosition, in("citations", []any{}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.title", mutAddPosition, in("title", ""))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.startDate", mutAddPosition, in("startDate", "2021-13-01"))
	mutRefused(t, c, s, "BAD_USER_INPUT", "title", mutAddPosition, in("title", nil))
	// Moving the seed delegate position onto the identity of the new one is refused.
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.key", mutAddPosition, mutI(map[string]any{
		"key": "pos-badia-bitar-asmex-delegue-regional", "person": "mut-member", "organization": "asmex", "title": "délégué régional", "region": "MA-07",
	}))

	// removePosition by id.
	rm := mutOK[mutDeletePayload](t, c, mutRemovePosition, map[string]any{"id": other.ID})
	if len(rm.Deleted) != 1 || rm.Deleted[0].ID != other.ID || rm.Deleted[0].Type != "Position" || rm.Deleted[0].Label != "délégué régional" || len(rm.UpdatedIds) != 0 {
		t.Errorf("removePosition answered %+v", rm)
	}
	if got := mutMembersCount(t, c, "asmex"); got != members+1 {
		t.Errorf("asmex members totalCount = %d after removePosition, want %d", got, members+1)
	}
	mutCheck(t, s)
	// By key.
	rm = mutOK[mutDeletePayload](t, c, mutRemovePosition, map[string]any{"id": "pos-badia-bitar-asmex-delegue-regional"})
	if len(rm.Deleted) != 1 || strv(rm.Deleted[0].Key) != "pos-badia-bitar-asmex-delegue-regional" {
		t.Errorf("removePosition by key answered %+v", rm)
	}
	if got := mutMembersCount(t, c, "asmex"); got != members {
		t.Errorf("asmex members totalCount = %d, want %d", got, members)
	}
	type pos struct {
		Person struct{ Positions []mutPosition }
		Region struct{ Positions struct{ TotalCount int } }
	}
	pp := mutQuery[pos](t, c, `{ person(key: "badia-bitar") { positions { id } } region(key: "MA-07") { positions { totalCount } } }`, nil)
	if len(pp.Person.Positions) != 0 || pp.Region.Positions.TotalCount != 1 {
		t.Errorf("after removing badia-bitar's position: %d positions, MA-07 has %d", len(pp.Person.Positions), pp.Region.Positions.TotalCount)
	}
	// Not a position, unknown, twice.
	mutRefused(t, c, s, "BAD_USER_INPUT", "", mutRemovePosition, map[string]any{"id": mutID(t, c, "adil-zaidi")})
	mutRefused(t, c, s, "BAD_USER_INPUT", "", mutRemovePosition, map[string]any{"id": "adil-zaidi"})
	mutRefused(t, c, s, "BAD_USER_INPUT", "", mutRemovePosition, map[string]any{"id": "part-adil-zaidi-presenter"})
	mutRefused(t, c, s, "NOT_FOUND", "", mutRemovePosition, map[string]any{"id": "no-such-position"})
	mutRefused(t, c, s, "NOT_FOUND", "", mutRemovePosition, map[string]any{"id": "pos_zzzzzz"})
	mutRefused(t, c, s, "NOT_FOUND", "", mutRemovePosition, map[string]any{"id": other.ID})
	mutRefused(t, c, s, "NOT_FOUND", "", mutRemovePosition, map[string]any{"id": "pos-badia-bitar-asmex-delegue-regional"})
}

// --- addParticipation / removeParticipation ---

func TestMutationAddParticipation(t *testing.T) {
	c, s := mutServer(t)
	mutOK[mutPerson](t, c, mutUpsertPerson, mutI(map[string]any{"key": "mut-guest", "name": "Mut Guest", "citations": []any{mutCite("guest")}}))
	type parts struct {
		Event struct {
			Participants []mutParticipation
			Speakers     []mutRef
		}
	}
	partsQ := `{ event(key: "` + mutEventKey + `") { participants { id role person { key } } speakers { key } } }`
	n := len(mutQuery[parts](t, c, partsQ, nil).Event.Participants)

	input := map[string]any{"person": "mut-guest", "event": mutEventKey, "role": "speaker", "description": "a few words",
		"citations": []any{mutCite("guest spoke")}}
	p := mutOK[mutParticipation](t, c, mutAddParticipation, mutI(input))
	if p.ID == "" || p.Role != "speaker" || strv(p.Description) != "a few words" || p.Person.Key != "mut-guest" || p.Event.Key != mutEventKey || len(p.Citations) != 1 {
		t.Fatalf("created participation: %+v", p)
	}
	got := mutQuery[parts](t, c, partsQ, nil).Event
	if len(got.Participants) != n+1 || !slices.Contains(mutKeys(got.Speakers), "mut-guest") {
		t.Errorf("after addParticipation: %d participants (want %d), speakers %v", len(got.Participants), n+1, mutKeys(got.Speakers))
	}
	before := mutExport(t, s)
	again := mutOK[mutParticipation](t, c, mutAddParticipation, mutI(input))
	mutSameExport(t, s, before, "the same addParticipation again")
	if again.ID != p.ID {
		t.Errorf("the same participation again got id %s, want %s", again.ID, p.ID)
	}
	merged := mutOK[mutParticipation](t, c, mutAddParticipation, mutI(map[string]any{"person": "mut-guest", "event": mutEventKey,
		"role": "speaker", "citations": []any{mutCite("guest spoke again")}}))
	if merged.ID != p.ID || len(merged.Citations) != 2 || strv(merged.Description) != "a few words" {
		t.Errorf("merged participation: %+v", merged)
	}
	other := mutOK[mutParticipation](t, c, mutAddParticipation, mutI(map[string]any{"person": "mut-guest", "event": mutEventKey,
		"role": "participant", "citations": []any{mutCite("guest was there")}}))
	if other.ID == p.ID {
		t.Errorf("another role got the same participation %s", p.ID)
	}

	in := func(kv ...any) map[string]any {
		m := map[string]any{"person": "mut-guest", "event": mutEventKey, "role": "delegate", "citations": []any{mutCite("x")}}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return mutI(m)
	}
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.person", mutAddParticipation, in("person", "asmex"))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.person", mutAddParticipation, in("person", "no-such-person"))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.event", mutAddParticipation, in("event", "asmex"))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.event", mutAddParticipation, in("event", "no-such-event"))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.citations", mutAddParticipation, in("citations", nil))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.citations[0].source", mutAddParticipation, in("citations", []any{mutCiteOf("MA", "x")}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.role", mutAddParticipation, in("role", ""))
	mutRefused(t, c, s, "BAD_USER_INPUT", "role", mutAddParticipation, in("role", nil))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.key", mutAddParticipation, in("key", "part_bad"))

	// removeParticipation by id, by key; not a participation; unknown; twice.
	rm := mutOK[mutDeletePayload](t, c, mutRemoveParticipation, map[string]any{"id": other.ID})
	if len(rm.Deleted) != 1 || rm.Deleted[0].ID != other.ID || rm.Deleted[0].Type != "Participation" || rm.Deleted[0].Label != "participant" {
		t.Errorf("removeParticipation answered %+v", rm)
	}
	mutCheck(t, s)
	rm = mutOK[mutDeletePayload](t, c, mutRemoveParticipation, map[string]any{"id": "part-adil-zaidi-presenter"})
	if len(rm.Deleted) != 1 || strv(rm.Deleted[0].Key) != "part-adil-zaidi-presenter" {
		t.Errorf("removeParticipation by key answered %+v", rm)
	}
	got = mutQuery[parts](t, c, partsQ, nil).Event
	if len(got.Participants) != n { // +1 speaker -1 presenter
		t.Errorf("%d participants, want %d", len(got.Participants), n)
	}
	mutRefused(t, c, s, "BAD_USER_INPUT", "", mutRemoveParticipation, map[string]any{"id": mutID(t, c, "mut-guest")})
	mutRefused(t, c, s, "BAD_USER_INPUT", "", mutRemoveParticipation, map[string]any{"id": "pos-adil-zaidi-dynamique-regionale-president"})
	mutRefused(t, c, s, "NOT_FOUND", "", mutRemoveParticipation, map[string]any{"id": "no-such-participation"})
	mutRefused(t, c, s, "NOT_FOUND", "", mutRemoveParticipation, map[string]any{"id": "par_zzzzzz"})
	mutRefused(t, c, s, "NOT_FOUND", "", mutRemoveParticipation, map[string]any{"id": other.ID})
	mutRefused(t, c, s, "NOT_FOUND", "", mutRemoveParticipation, map[string]any{"id": "part-adil-zaidi-presenter"})
}

// TestMutationLongText records a statement, a position and a participation whose text, title or
// role is long (about 68 KB, well inside the 1 MiB body limit): each must be stored, or refused
// with BAD_USER_INPUT naming the field — never answered INTERNAL — and a refusal writes nothing.
func TestMutationLongText(t *testing.T) {
	c, s := mutServer(t)
	long := strings.Repeat("mot ", 17000)
	cases := []struct {
		name, query, field string
		input              map[string]any
	}{
		{"statement text", mutAddStatement, "input.text", map[string]any{"speaker": "badia-bitar", "event": mutEventKey, "text": long, "language": "fr", "citations": []any{mutCite("x")}}},
		{"position title", mutAddPosition, "input.title", map[string]any{"person": "badia-bitar", "organization": "asmex", "title": long, "citations": []any{mutCite("x")}}},
		{"participation role", mutAddParticipation, "input.role", map[string]any{"person": "badia-bitar", "event": mutEventKey, "role": long, "citations": []any{mutCite("x")}}},
		{"person name", mutUpsertPerson, "input.name", map[string]any{"key": "mut-long", "name": long, "citations": []any{mutCite("x")}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := mutExport(t, s)
			_, errs := c.do(t, tc.query, mutI(tc.input))
			if len(errs) == 0 {
				return
			}
			if len(errs) != 1 || errs[0].code() != "BAD_USER_INPUT" || !mutNamesField(errs[0], tc.field) {
				t.Errorf("a long %s was answered %+v, want success or BAD_USER_INPUT naming %s", tc.name, errs, tc.field)
			}
			mutSameExport(t, s, before, "a refused long "+tc.name)
		})
	}
}

// --- deleteNode ---

func TestMutationDeleteNodeConflict(t *testing.T) {
	c, s := mutServer(t)
	for _, cascade := range []any{nil, false} {
		e := mutRefused(t, c, s, "CONFLICT", "", mutDeleteNode, map[string]any{"id": "asmex", "cascade": cascade})
		deps, ok := e.Extensions["dependents"].([]any)
		if !ok || len(deps) == 0 {
			t.Fatalf("CONFLICT without extensions.dependents: %v", e.Extensions)
		}
		types := map[string]int{}
		keys := map[string]bool{}
		for _, d := range deps {
			m, _ := d.(map[string]any)
			typ, _ := m["type"].(string)
			id, _ := m["id"].(string)
			label, _ := m["label"].(string)
			if id == "" || typ == "" || label == "" {
				t.Errorf("dependent without id, type or label: %v", d)
			}
			types[typ]++
			if k, ok := m["key"].(string); ok {
				keys[k] = true
			}
		}
		// 12 positions (the president and 11 delegates), the event it organized, the statement
		// about it, and its unit.
		if types["Position"] != 12 || types["Event"] != 1 || types["Statement"] != 1 || types["Organization"] != 1 || len(deps) != 15 {
			t.Errorf("dependents by type = %v (%d in all)", types, len(deps))
		}
		for _, k := range []string{mutEventKey, "asmex-cdr-2021-sentissi-1", "pos-hassan-sentissi-el-idrissi-asmex-president",
			"pos-badia-bitar-asmex-delegue-regional", "dynamique-regionale"} {
			if !keys[k] {
				t.Errorf("dependents lack %s", k)
			}
		}
		if !strings.Contains(e.Message, "cascade") {
			t.Errorf("message %q does not mention cascade", e.Message)
		}
	}
	// By id too.
	mutRefused(t, c, s, "CONFLICT", "", mutDeleteNode, map[string]any{"id": mutID(t, c, "asmex")})
}

func TestMutationDeleteNodeWithoutDependents(t *testing.T) {
	c, s := mutServer(t)
	before := mutExport(t, s)
	people := mutPeopleCount(t, c)
	p := mutOK[mutPerson](t, c, mutUpsertPerson, mutI(map[string]any{"key": "mut-lonely", "name": "Mut Lonely", "aliases": []any{"Lonely"},
		"citations": []any{mutCite("lonely")}}))
	rm := mutOK[mutDeletePayload](t, c, mutDeleteNode, map[string]any{"id": p.ID})
	if len(rm.Deleted) != 1 || rm.Deleted[0].ID != p.ID || rm.Deleted[0].Type != "Person" || strv(rm.Deleted[0].Key) != "mut-lonely" ||
		rm.Deleted[0].Label != "Mut Lonely" || len(rm.UpdatedIds) != 0 {
		t.Errorf("deleteNode answered %+v", rm)
	}
	type res struct {
		Person *mutRef
		Node   *mutRef
		Search []struct{ Node mutRef }
	}
	r := mutQuery[res](t, c, `query($id: ID!) { person(key: "mut-lonely") { id } node(id: $id) { id } search(text: "Mut Lonely") { node { id } } }`,
		map[string]any{"id": p.ID})
	if r.Person != nil || r.Node != nil || len(r.Search) != 0 {
		t.Errorf("the deleted person is still found: %+v", r)
	}
	if got := mutPeopleCount(t, c); got != people {
		t.Errorf("people.totalCount = %d, want %d", got, people)
	}
	mutSameExport(t, s, before, "create then delete")
	mutRefused(t, c, s, "NOT_FOUND", "", mutDeleteNode, map[string]any{"id": p.ID})
	mutRefused(t, c, s, "NOT_FOUND", "", mutDeleteNode, map[string]any{"id": "mut-lonely", "cascade": true})
	// The key is free again.
	again := mutOK[mutPerson](t, c, mutUpsertPerson, mutI(map[string]any{"key": "mut-lonely", "name": "Mut Lonely", "citations": []any{mutCite("lonely")}}))
	if again.ID == p.ID {
		t.Errorf("a re-created person reused the deleted id %s", p.ID)
	}
}

func TestMutationDeleteNodeCascadePerson(t *testing.T) {
	c, s := mutServer(t)
	type state struct {
		Person *struct {
			ID         string
			Positions  []mutRef
			Statements struct{ Nodes []mutRef }
		}
		Event struct {
			Statements   struct{ TotalCount int }
			Participants []struct {
				ID     string
				Person mutRef
			}
			Speakers []mutRef
		}
		Organization struct{ Members struct{ TotalCount int } }
	}
	const q = `{ person(key: "adil-zaidi") { id positions { id } statements { nodes { id key } } }
		event(key: "` + mutEventKey + `") { statements { totalCount } participants { id person { key } } speakers { key } }
		organization(key: "dynamique-regionale") { members { totalCount } } }`
	st := mutQuery[state](t, c, q, nil)
	if st.Person == nil || len(st.Person.Positions) != 1 || len(st.Person.Statements.Nodes) != 2 || st.Event.Statements.TotalCount != 4 || st.Organization.Members.TotalCount != 1 {
		t.Fatalf("unexpected seed state: %+v", st)
	}
	want := map[string]string{st.Person.Positions[0].ID: "Position"}
	var statementIDs []string
	for _, n := range st.Person.Statements.Nodes {
		want[n.ID] = "Statement"
		statementIDs = append(statementIDs, n.ID)
	}
	participants := len(st.Event.Participants)
	for _, p := range st.Event.Participants {
		if p.Person.Key == "adil-zaidi" {
			want[p.ID] = "Participation"
		}
	}
	if len(want) != 4 {
		t.Fatalf("want 1 position, 1 participation and 2 statements of adil-zaidi, got %v", want)
	}

	mutRefused(t, c, s, "CONFLICT", "", mutDeleteNode, map[string]any{"id": "adil-zaidi"})
	rm := mutOK[mutDeletePayload](t, c, mutDeleteNode, map[string]any{"id": "adil-zaidi", "cascade": true})
	if len(rm.Deleted) != 5 || rm.Deleted[0].ID != st.Person.ID || rm.Deleted[0].Type != "Person" || strv(rm.Deleted[0].Key) != "adil-zaidi" {
		t.Fatalf("deleted = %+v, want adil-zaidi first and 4 more", rm.Deleted)
	}
	for _, d := range rm.Deleted[1:] {
		if want[d.ID] != d.Type {
			t.Errorf("unexpected deleted record %+v", d)
		}
		delete(want, d.ID)
	}
	if len(want) != 0 {
		t.Errorf("not reported as deleted: %v", want)
	}
	if len(rm.UpdatedIds) != 0 {
		t.Errorf("updatedIds = %v, want none", rm.UpdatedIds)
	}
	for _, id := range statementIDs {
		type res struct{ Statement *mutRef }
		if r := mutQuery[res](t, c, `query($id: ID!) { statement(id: $id) { id } }`, map[string]any{"id": id}); r.Statement != nil {
			t.Errorf("statement(id: %s) = %+v after the cascade, want null", id, r.Statement)
		}
	}
	after := mutQuery[state](t, c, q, nil)
	if after.Person != nil || after.Event.Statements.TotalCount != 2 || len(after.Event.Participants) != participants-1 ||
		slices.Contains(mutKeys(after.Event.Speakers), "adil-zaidi") || after.Organization.Members.TotalCount != 0 {
		t.Errorf("after the cascade: %+v", after)
	}
	mutCheck(t, s)
	mutRefused(t, c, s, "NOT_FOUND", "", mutDeleteNode, map[string]any{"id": "adil-zaidi", "cascade": true})
}

func TestMutationDeleteNodeCascadeSource(t *testing.T) {
	c, s := mutServer(t)
	const src = "mut-source"
	mutOK[mutSource](t, c, mutUpsertSource, mutI(map[string]any{"key": src, "title": "Mut Source"}))
	person := mutOK[mutPerson](t, c, mutUpsertPerson, mutI(map[string]any{"key": "mut-cited", "name": "Mut Cited",
		"citations": []any{mutCiteOf(src, "person")}}))
	stmt := func(text string, cites ...any) mutStatement {
		return mutOK[mutStatement](t, c, mutAddStatement, mutI(map[string]any{"speaker": "badia-bitar", "event": mutEventKey,
			"text": text, "language": "fr", "citations": cites}))
	}
	onlyOne := stmt("Mut A.", mutCiteOf(src, "a"))
	onlyTwo := stmt("Mut C.", mutCiteOf(src, "c1"), mutCiteOf(src, "c2"))
	mixed := stmt("Mut B.", mutCiteOf(src, "b"), mutCite("b"))
	pos := mutOK[mutPosition](t, c, mutAddPosition, mutI(map[string]any{"person": "mut-cited", "organization": "asmex", "title": "membre",
		"citations": []any{mutCiteOf(src, "pos"), mutCite("pos")}}))
	ev := mutOK[mutEvent](t, c, mutUpsertEvent, mutI(map[string]any{"key": "mut-event", "name": "Mut Event", "citations": []any{mutCiteOf(src, "ev")}}))
	count := mutEventStatementsCount(t, c)

	e := mutRefused(t, c, s, "CONFLICT", "", mutDeleteNode, map[string]any{"id": src})
	deps, _ := e.Extensions["dependents"].([]any)
	if len(deps) != 6 {
		t.Errorf("dependents of the source: %v, want 6", deps)
	}

	rm := mutOK[mutDeletePayload](t, c, mutDeleteNode, map[string]any{"id": src, "cascade": true})
	var deleted []string
	for _, d := range rm.Deleted {
		deleted = append(deleted, d.ID)
	}
	if len(rm.Deleted) == 0 || rm.Deleted[0].Type != "Source" || strv(rm.Deleted[0].Key) != src {
		t.Errorf("deleted[0] = %+v, want the source", rm.Deleted)
	}
	if wantDel := []string{onlyOne.ID, onlyTwo.ID}; len(deleted) != 3 || !slices.Contains(deleted, wantDel[0]) || !slices.Contains(deleted, wantDel[1]) {
		t.Errorf("deleted = %v, want the source and the statements %v", deleted, wantDel)
	}
	updated := slices.Clone(rm.UpdatedIds)
	wantUpd := []string{person.ID, mixed.ID, pos.ID, ev.ID}
	slices.Sort(updated)
	slices.Sort(wantUpd)
	if !slices.Equal(updated, wantUpd) {
		t.Errorf("updatedIds = %v, want %v", rm.UpdatedIds, wantUpd)
	}

	type res struct {
		A, C, B *mutStatement
		Person  mutPerson
		Event   mutEvent
		Source  *mutRef
	}
	r := mutQuery[res](t, c, `query($a: ID!, $b: ID!, $c: ID!) {
		A: statement(id: $a) { id } C: statement(id: $c) { id } B: statement(id: $b) { id citations { excerpt source { key } } }
		person(key: "mut-cited") { id citations { excerpt source { key } } }
		event(key: "mut-event") { id citations { excerpt source { key } } }
		source(key: "mut-source") { id } }`, map[string]any{"a": onlyOne.ID, "b": mixed.ID, "c": onlyTwo.ID})
	if r.A != nil || r.C != nil || r.Source != nil {
		t.Errorf("still there after the cascade: A %v, C %v, source %v", r.A, r.C, r.Source)
	}
	if r.B == nil || !slices.Equal(mutCitations(r.B.Citations), []string{articleKey + "|b"}) {
		t.Errorf("statement B after the cascade: %+v", r.B)
	}
	if len(r.Person.Citations) != 0 || len(r.Event.Citations) != 0 {
		t.Errorf("person citations %v, event citations %v, want none", mutCitations(r.Person.Citations), mutCitations(r.Event.Citations))
	}
	type posRes struct {
		Person struct{ Positions []mutPosition }
	}
	pr := mutQuery[posRes](t, c, `{ person(key: "mut-cited") { positions { id citations { excerpt source { key } } } } }`, nil)
	if len(pr.Person.Positions) != 1 || !slices.Equal(mutCitations(pr.Person.Positions[0].Citations), []string{articleKey + "|pos"}) {
		t.Errorf("position after the cascade: %+v", pr.Person.Positions)
	}
	if got := mutEventStatementsCount(t, c); got != count-2 {
		t.Errorf("event statements totalCount = %d, want %d", got, count-2)
	}
	mutCheck(t, s)
}

func TestMutationDeleteNodeCascadeRegion(t *testing.T) {
	c, s := mutServer(t)
	type state struct {
		Person struct {
			Positions []mutPosition
		}
		Marrakech    *mutRegion
		Ccis         mutOrganization
		Ma           struct{ Subregions []mutRef }
		Organization struct{ Members struct{ TotalCount int } }
	}
	const q = `{ person(key: "badia-bitar") { positions { id region { key } } }
		Marrakech: region(key: "marrakech") { id parent { key } } Ccis: organization(key: "ccis-marrakech-safi") { id seat { key } }
		Ma: region(key: "MA") { subregions { key } } organization(key: "asmex") { members { totalCount } } }`
	st := mutQuery[state](t, c, q, nil)
	if len(st.Person.Positions) != 1 || st.Person.Positions[0].Region == nil || st.Marrakech == nil || st.Ccis.Seat == nil {
		t.Fatalf("unexpected seed state: %+v", st)
	}
	posID := st.Person.Positions[0].ID

	e := mutRefused(t, c, s, "CONFLICT", "", mutDeleteNode, map[string]any{"id": "MA-07"})
	if deps, _ := e.Extensions["dependents"].([]any); len(deps) != 3 {
		t.Errorf("dependents of MA-07: %v, want marrakech, the chamber and the position", deps)
	}
	rm := mutOK[mutDeletePayload](t, c, mutDeleteNode, map[string]any{"id": "MA-07", "cascade": true})
	if len(rm.Deleted) != 1 || strv(rm.Deleted[0].Key) != "MA-07" || rm.Deleted[0].Type != "Region" || rm.Deleted[0].Label != "Marrakech-Safi" {
		t.Errorf("deleted = %+v, want only MA-07", rm.Deleted)
	}
	updated := slices.Clone(rm.UpdatedIds)
	wantUpd := []string{posID, st.Marrakech.ID, st.Ccis.ID}
	slices.Sort(updated)
	slices.Sort(wantUpd)
	if !slices.Equal(updated, wantUpd) {
		t.Errorf("updatedIds = %v, want %v", rm.UpdatedIds, wantUpd)
	}
	after := mutQuery[state](t, c, q, nil)
	if len(after.Person.Positions) != 1 || after.Person.Positions[0].ID != posID || after.Person.Positions[0].Region != nil {
		t.Errorf("the delegate position after the cascade: %+v, want it kept without region", after.Person.Positions)
	}
	if after.Marrakech == nil || after.Marrakech.Parent != nil || after.Ccis.Seat != nil {
		t.Errorf("marrakech %+v, chamber seat %+v: want both unlinked", after.Marrakech, after.Ccis.Seat)
	}
	if len(after.Ma.Subregions) != len(st.Ma.Subregions)-1 || slices.Contains(mutKeys(after.Ma.Subregions), "MA-07") {
		t.Errorf("MA subregions after the cascade: %v", mutKeys(after.Ma.Subregions))
	}
	if after.Organization.Members.TotalCount != st.Organization.Members.TotalCount {
		t.Errorf("asmex members %d → %d: positions must stay", st.Organization.Members.TotalCount, after.Organization.Members.TotalCount)
	}
	mutCheck(t, s)
}

// TestMutationDeleteNodeCascadeIdentity deletes a region whose removal would give a position the
// natural identity (person, organization, title, no region) of another position: the delete must
// either be refused cleanly (today: CONFLICT, nothing written) or leave a consistent store, never
// half-apply.
func TestMutationDeleteNodeCascadeIdentity(t *testing.T) {
	c, s := mutServer(t)
	mutOK[mutPosition](t, c, mutAddPosition, mutI(map[string]any{"person": "badia-bitar", "organization": "asmex", "title": "délégué régional",
		"citations": []any{mutCite("no region")}}))
	before := mutExport(t, s)
	data, errs := c.do(t, mutDeleteNode, map[string]any{"id": "MA-07", "cascade": true})
	if len(errs) > 0 {
		if c := errs[0].code(); c != "CONFLICT" && c != "BAD_USER_INPUT" {
			t.Errorf("deleteNode(MA-07, cascade) failed with %s (%q), want CONFLICT or BAD_USER_INPUT", c, errs[0].Message)
		}
		mutSameExport(t, s, before, "a refused cascade")
	} else {
		t.Logf("cascade answered %s", data)
	}
	mutCheck(t, s)
}

func TestMutationDeleteNodeUnknown(t *testing.T) {
	c, s := mutServer(t)
	for _, id := range []string{"no-such-key", "per_zzzzzz", "stm_zzzzzz", "Not A Key", "wikidata:Q0"} {
		for _, cascade := range []any{nil, true} {
			mutRefused(t, c, s, "NOT_FOUND", "", mutDeleteNode, map[string]any{"id": id, "cascade": cascade})
		}
	}
}

// --- importRecords ---

func TestMutationImportRecords(t *testing.T) {
	c, s := mutServer(t)
	person := `{"type":"Person","key":"mut-imported","name":"Mut Imported","citations":[{"source":"` + articleKey + `","excerpt":"imported"}]}`
	position := `{"type":"Position","person":"mut-imported","organization":"asmex","title":"membre","citations":[{"source":"` + articleKey + `"}]}`
	two := person + "\n" + position + "\n"

	res := mutOK[mutImportResult](t, c, mutImportRecords, map[string]any{"n": two})
	want := mutImportResult{Records: 2, Created: 2, ByType: []mutTypeCount{{"Person", 1}, {"Position", 1}}}
	if res.Records != want.Records || res.Created != 2 || res.Updated != 0 || res.Unchanged != 0 || !slices.Equal(res.ByType, want.ByType) {
		t.Errorf("first import = %+v, want %+v", res, want)
	}
	before := mutExport(t, s)
	res = mutOK[mutImportResult](t, c, mutImportRecords, map[string]any{"n": two})
	if res.Records != 2 || res.Created != 0 || res.Updated != 0 || res.Unchanged != 2 || !slices.Equal(res.ByType, want.ByType) {
		t.Errorf("second import = %+v, want 2 unchanged", res)
	}
	mutSameExport(t, s, before, "importing the same records again")
	// One record changed, one not.
	res = mutOK[mutImportResult](t, c, mutImportRecords, map[string]any{"n": `{"type":"Person","key":"mut-imported","aliases":["MI"]}` + "\n" + position})
	if res.Records != 2 || res.Created != 0 || res.Updated != 1 || res.Unchanged != 1 {
		t.Errorf("third import = %+v, want 1 updated, 1 unchanged", res)
	}
	// Empty input: nothing to do.
	res = mutOK[mutImportResult](t, c, mutImportRecords, map[string]any{"n": "\n// nothing\n"})
	if res.Records != 0 || res.Created != 0 || len(res.ByType) != 0 {
		t.Errorf("empty import = %+v", res)
	}

	good1 := `{"type":"Person","key":"mut-batch-1","name":"Mut Batch One","citations":[{"source":"` + articleKey + `"}]}`
	good3 := `{"type":"Participation","person":"mut-batch-1","event":"mut-batch-event","role":"participant","citations":[{"source":"` + articleKey + `"}]}`
	fixed := `{"type":"Event","key":"mut-batch-event","name":"Mut Batch Event","startDate":"2021-02-28","location":"marrakech","citations":[{"source":"` + articleKey + `"}]}`
	cases := []struct {
		name, prefix, bad string
		line              int
		field             string
	}{
		{"bad date", "", `{"type":"Event","key":"mut-batch-event","name":"Mut Batch Event","startDate":"2021-02-30","location":"marrakech","citations":[{"source":"` + articleKey + `"}]}`, 2, "startDate"},
		{"dangling reference", "", `{"type":"Event","key":"mut-batch-event","name":"Mut Batch Event","location":"no-such-place","citations":[{"source":"` + articleKey + `"}]}`, 2, "location"},
		{"reference of the wrong kind", "", `{"type":"Event","key":"mut-batch-event","name":"Mut Batch Event","location":"asmex","citations":[{"source":"` + articleKey + `"}]}`, 2, "location"},
		{"truncated JSON", "", `{"type":"Event","key":"mut-batch-event","name":"Mut Batch Ev`, 2, ""},
		{"unknown type", "", `{"type":"Meeting","key":"mut-batch-event","name":"Mut Batch Event"}`, 2, "type"},
		{"unknown field", "", `{"type":"Event","key":"mut-batch-event","name":"Mut Batch Event","venue":"marrakech","citations":[{"source":"` + articleKey + `"}]}`, 2, "venue"},
		{"missing citations", "", `{"type":"Event","key":"mut-batch-event","name":"Mut Batch Event"}`, 2, "citations"},
		{"bad date after a comment and a blank line", "// comment\n\n", `{"type":"Event","key":"mut-batch-event","name":"Mut Batch Event","startDate":"14/06/2021","citations":[{"source":"` + articleKey + `"}]}`, 4, "startDate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ndjson := tc.prefix + good1 + "\n" + tc.bad + "\n" + good3 + "\n"
			e := mutRefused(t, c, s, "BAD_USER_INPUT", "", mutImportRecords, map[string]any{"n": ndjson})
			list, _ := e.Extensions["errors"].([]any)
			if len(list) != 1 {
				t.Fatalf("extensions.errors = %v, want one error", e.Extensions["errors"])
			}
			m, _ := list[0].(map[string]any)
			if line, _ := m["line"].(float64); int(line) != tc.line {
				t.Errorf("error line = %v, want %d (%v)", m["line"], tc.line, m)
			}
			if field, _ := m["field"].(string); field != tc.field {
				t.Errorf("error field = %q, want %q (%v)", field, tc.field, m)
			}
			if msg, _ := m["message"].(string); msg == "" {
				t.Errorf("error without message: %v", m)
			}
			if !strings.Contains(e.Message, fmt.Sprintf("line %d", tc.line)) || !strings.Contains(e.Message, "nothing was written") {
				t.Errorf("message %q does not give the line or say nothing was written", e.Message)
			}
			type res struct{ Person *mutRef }
			if r := mutQuery[res](t, c, `{ person(key: "mut-batch-1") { id } }`, nil); r.Person != nil {
				t.Errorf("the valid first line of a refused import was written")
			}
		})
	}
	// Several bad lines are all reported, in line order.
	e := mutRefused(t, c, s, "BAD_USER_INPUT", "", mutImportRecords, map[string]any{"n": cases[0].bad + "\n" + cases[4].bad + "\n" + cases[3].bad})
	list, _ := e.Extensions["errors"].([]any)
	if len(list) != 3 {
		t.Errorf("three bad lines: extensions.errors = %v", e.Extensions["errors"])
	}
	for i, x := range list {
		if m, _ := x.(map[string]any); m["line"] != float64(i+1) {
			t.Errorf("errors[%d] = %v, want line %d", i, x, i+1)
		}
	}
	// The fixed file imports, whole.
	res = mutOK[mutImportResult](t, c, mutImportRecords, map[string]any{"n": good1 + "\n" + fixed + "\n" + good3 + "\n"})
	if res.Records != 3 || res.Created != 3 || !slices.Equal(res.ByType, []mutTypeCount{{"Person", 1}, {"Event", 1}, {"Participation", 1}}) {
		t.Errorf("fixed import = %+v", res)
	}
	type res2 struct {
		Event struct {
			StartDate    *string
			Location     *mutRef
			Participants []mutParticipation
		}
	}
	r := mutQuery[res2](t, c, `{ event(key: "mut-batch-event") { startDate location { key } participants { role person { key } } } }`, nil)
	if strv(r.Event.StartDate) != "2021-02-28" || r.Event.Location == nil || len(r.Event.Participants) != 1 || r.Event.Participants[0].Person.Key != "mut-batch-1" {
		t.Errorf("imported event: %+v", r.Event)
	}
	mutCheck(t, s)
}

// --- authorization point ---

// mutDenyServer serves the seeded store with an Authorize that refuses everything but reads and records the
// actions it was asked about.
func mutDenyServer(t *testing.T) (*client, *store.Store, *httptest.Server, func() []graph.Action) {
	t.Helper()
	s := storetest.Open(t)
	if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
		t.Fatalf("import seed: %v", err)
	}
	var mu sync.Mutex
	var asked []graph.Action
	srv := httptest.NewServer(graph.NewHandler(graph.Options{Store: s, Authorize: func(ctx context.Context, a graph.Action) error {
		mu.Lock()
		asked = append(asked, a)
		mu.Unlock()
		if a == graph.ActionRead { // reads go through the authorization point too; this one allows them
			return nil
		}
		return errors.New("no")
	}}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { mutCheck(t, s) })
	return &client{url: srv.URL + "/graphql"}, s, srv, func() []graph.Action {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(asked)
	}
}

func mutGet(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func TestMutationAuthorizationRefusesEveryWrite(t *testing.T) {
	c, s, srv, asked := mutDenyServer(t)
	cites := []any{mutCite("x")}
	ops := []struct {
		name, query string
		vars        map[string]any
	}{
		{"upsertPerson", mutUpsertPerson, mutI(map[string]any{"key": "mut-denied", "name": "Denied", "citations": cites})},
		{"upsertOrganization", mutUpsertOrganization, mutI(map[string]any{"key": "mut-denied", "name": "Denied", "kind": "OTHER", "citations": cites})},
		{"upsertRegion", mutUpsertRegion, mutI(map[string]any{"key": "mut-denied", "name": "Denied", "kind": "CITY", "citations": cites})},
		{"upsertEvent", mutUpsertEvent, mutI(map[string]any{"key": "mut-denied", "name": "Denied", "citations": cites})},
		{"upsertSource", mutUpsertSource, mutI(map[string]any{"key": "mut-denied", "title": "Denied"})},
		{"addStatement", mutAddStatement, mutI(map[string]any{"speaker": "adil-zaidi", "text": "Denied.", "language": "fr", "citations": cites})},
		{"addPosition", mutAddPosition, mutI(map[string]any{"person": "adil-zaidi", "organization": "asmex", "title": "denied", "citations": cites})},
		{"addParticipation", mutAddParticipation, mutI(map[string]any{"person": "adil-zaidi", "event": mutEventKey, "role": "denied", "citations": cites})},
		{"removePosition", mutRemovePosition, map[string]any{"id": "pos-badia-bitar-asmex-delegue-regional"}},
		{"removeParticipation", mutRemoveParticipation, map[string]any{"id": "part-adil-zaidi-presenter"}},
		{"deleteNode", mutDeleteNode, map[string]any{"id": "adil-zaidi", "cascade": true}},
		{"deleteNode without dependents", mutDeleteNode, map[string]any{"id": "l-opinion-2021-06-17-asmex-conseil-des-regions-none"}},
		{"importRecords", mutImportRecords, map[string]any{"n": `{"type":"Source","key":"mut-denied","title":"Denied"}`}},
		{"a patch that would change nothing", mutUpsertPerson, mutI(map[string]any{"key": "adil-zaidi"})},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			if e := mutRefused(t, c, s, "FORBIDDEN", "", op.query, op.vars); e.Message == "no" {
				t.Errorf("message %q is the Authorize error's own text", e.Message)
			}
		})
	}
	for _, a := range asked() {
		if a != graph.ActionWrite {
			t.Errorf("Authorize asked about %q for a mutation, want %q", a, graph.ActionWrite)
		}
	}
	if n := len(asked()); n < len(ops) {
		t.Errorf("Authorize was asked %d times for %d mutations", n, len(ops))
	}
	// Queries are still answered: they ask Authorize about reading, once.
	n := len(asked())
	type res struct{ Organization struct{ Name string } }
	if r := mutQuery[res](t, c, `{ organization(key: "asmex") { name } }`, nil); r.Organization.Name != "Association Marocaine des Exportateurs" {
		t.Errorf("query under a deny-writes Authorize: %+v", r)
	}
	if a := asked(); len(a) != n+1 || a[n] != graph.ActionRead {
		t.Errorf("a query asked Authorize %v, want one %q", a[n:], graph.ActionRead)
	}
	n = len(asked())
	// The backup endpoint is refused with 403.
	status, body := mutGet(t, srv.URL+"/admin/backup")
	if status != http.StatusForbidden || !strings.Contains(string(body), "FORBIDDEN") {
		t.Errorf("GET /admin/backup = %d %s, want 403 FORBIDDEN", status, body)
	}
	assertNoLeak(t, body)
	if a := asked(); len(a) != n+1 || a[n] != graph.ActionBackup {
		t.Errorf("GET /admin/backup asked Authorize %v, want one %q", a[n:], graph.ActionBackup)
	}
}

func TestMutationAuthorizationDefaultAllowsBackup(t *testing.T) {
	_, s := mutServer(t)
	srv := httptest.NewServer(graph.NewHandler(graph.Options{Store: s}))
	t.Cleanup(srv.Close)
	status, body := mutGet(t, srv.URL+"/admin/backup")
	if status != http.StatusOK || len(body) == 0 {
		t.Fatalf("GET /admin/backup = %d with %d bytes, want 200 and a backup", status, len(body))
	}
	// The backup restores into an empty store with the same records.
	s2 := storetest.Open(t)
	if err := s2.Restore(bytes.NewReader(body), false, t.TempDir()); err != nil {
		t.Fatalf("restore the backup: %v", err)
	}
	if a, b := mutExport(t, s), mutExport(t, s2); !bytes.Equal(a, b) {
		t.Errorf("the restored backup differs:\n%s", lineDiff(string(a), string(b)))
	}
	mutCheck(t, s2)
}

// --- references by id ---

func TestMutationReferencesByID(t *testing.T) {
	c, s := mutServer(t)
	srcID, orgID, regionID, eventID := mutID(t, c, articleKey), mutID(t, c, "asmex"), mutID(t, c, "MA-07"), mutID(t, c, mutEventKey)
	p := mutOK[mutPerson](t, c, mutUpsertPerson, mutI(map[string]any{"key": "mut-by-id", "name": "Mut By Id",
		"citations": []any{map[string]any{"source": srcID, "excerpt": "by id"}}}))
	if len(p.Citations) != 1 || p.Citations[0].Source.Key != articleKey {
		t.Errorf("citation by source id: %+v", p.Citations)
	}
	pos := mutOK[mutPosition](t, c, mutAddPosition, mutI(map[string]any{"person": p.ID, "organization": orgID, "title": "membre",
		"region": regionID, "citations": []any{map[string]any{"source": srcID}}}))
	if pos.Person.ID != p.ID || pos.Person.Key != "mut-by-id" || pos.Organization.Key != "asmex" || pos.Region == nil || pos.Region.Key != "MA-07" {
		t.Errorf("position by ids: %+v", pos)
	}
	// Keys and ids name the same records: by keys, it is the same position.
	same := mutOK[mutPosition](t, c, mutAddPosition, mutI(map[string]any{"person": "mut-by-id", "organization": "asmex", "title": "membre", "region": "MA-07"}))
	if same.ID != pos.ID {
		t.Errorf("the same position by keys got id %s, want %s", same.ID, pos.ID)
	}
	part := mutOK[mutParticipation](t, c, mutAddParticipation, mutI(map[string]any{"person": p.ID, "event": eventID, "role": "participant",
		"citations": []any{mutCite("by id")}}))
	if part.Person.Key != "mut-by-id" || part.Event.Key != mutEventKey {
		t.Errorf("participation by ids: %+v", part)
	}
	st := mutOK[mutStatement](t, c, mutAddStatement, mutI(map[string]any{"speaker": p.ID, "event": eventID, "text": "Par identifiant.",
		"language": "fr", "about": []any{orgID, regionID}, "citations": []any{mutCite("by id")}}))
	if st.Speaker.Key != "mut-by-id" || st.Event == nil || st.Event.Key != mutEventKey || !slices.Equal(mutKeys(st.About), []string{"asmex", "MA-07"}) {
		t.Errorf("statement by ids: %+v", st)
	}
	o := mutOK[mutOrganization](t, c, mutUpsertOrganization, mutI(map[string]any{"key": "mut-unit", "name": "Mut Unit", "kind": "COMMISSION",
		"parent": orgID, "seat": regionID, "citations": []any{mutCite("unit")}}))
	if o.Parent == nil || o.Parent.Key != "asmex" || o.Seat == nil || o.Seat.Key != "MA-07" {
		t.Errorf("organization by ids: %+v", o)
	}
	// The export names the references by key, not by id.
	export := string(mutExport(t, s))
	for _, want := range []string{`"person":"mut-by-id","organization":"asmex","title":"membre","region":"MA-07"`, `"parent":"asmex","seat":"MA-07"`} {
		if !strings.Contains(export, want) {
			t.Errorf("export lacks %s", want)
		}
	}
	// Unknown and wrong-kind ids are refused like keys.
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.person", mutAddPosition, mutI(map[string]any{"person": "per_zzzzzz", "organization": orgID, "title": "x", "citations": []any{mutCite("x")}}))
	mutRefused(t, c, s, "BAD_USER_INPUT", "input.person", mutAddPosition, mutI(map[string]any{"person": orgID, "organization": orgID, "title": "x", "citations": []any{mutCite("x")}}))
	// removePosition and deleteNode by id.
	rm := mutOK[mutDeletePayload](t, c, mutRemovePosition, map[string]any{"id": pos.ID})
	if len(rm.Deleted) != 1 || rm.Deleted[0].ID != pos.ID {
		t.Errorf("removePosition by id: %+v", rm)
	}
}
