package store

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// Citation says where a fact was learned: a Source record and, optionally, the excerpt of it that
// states the fact.
type Citation struct {
	Source  ID     `json:"s"`
	Excerpt string `json:"x,omitempty"`
}

// Node is one record of any kind. Fields that a kind does not use stay empty; which fields each kind
// uses is listed in the README's import format. Relations the record owns are in Links (one ID for
// a single-valued relation, several for a list); their reverse edges and counts are kept by Tx.Put.
type Node struct {
	ID   ID     `json:"-"`
	Kind Kind   `json:"-"`
	Key  string `json:"k,omitempty"` // external key; optional on Statement, Position, Participation

	Name        string     `json:"n,omitempty"`  // entities
	Aliases     []string   `json:"al,omitempty"` // entities
	Description string     `json:"d,omitempty"`  // entities, Participation
	Citations   []Citation `json:"ci,omitempty"` // every kind but Source

	Acronym    string `json:"ac,omitempty"` // Organization
	OrgKind    string `json:"ok,omitempty"` // Organization: ASSOCIATION, FEDERATION, …
	Code       string `json:"co,omitempty"` // Region: ISO 3166
	RegionKind string `json:"rk,omitempty"` // Region: COUNTRY, REGION, PROVINCE, CITY

	StartDate string `json:"sd,omitempty"` // Event, Position: YYYY-MM-DD
	EndDate   string `json:"ed,omitempty"` // Event, Position

	Text     string `json:"tx,omitempty"` // Statement
	Language string `json:"la,omitempty"` // Statement, Source: BCP 47
	Date     string `json:"dt,omitempty"` // Statement

	Title       string `json:"ti,omitempty"` // Source, Position
	Author      string `json:"au,omitempty"` // Source
	PublishedAt string `json:"pa,omitempty"` // Source
	URL         string `json:"u,omitempty"`  // Source

	Role string `json:"ro,omitempty"` // Participation

	Links map[Rel][]ID `json:"l,omitempty"`
}

// Link returns the target of a single-valued relation, or the zero ID.
func (n *Node) Link(r Rel) ID {
	if ids := n.Links[r]; len(ids) > 0 {
		return ids[0]
	}
	return ID{}
}

// SetLink sets the targets of r (none clears it).
func (n *Node) SetLink(r Rel, ids ...ID) {
	if len(ids) == 0 {
		delete(n.Links, r)
		return
	}
	if n.Links == nil {
		n.Links = map[Rel][]ID{}
	}
	n.Links[r] = slices.Clone(ids)
}

// Clone returns a deep copy of n.
func (n *Node) Clone() *Node {
	c := *n
	c.Aliases = slices.Clone(n.Aliases)
	c.Citations = slices.Clone(n.Citations)
	if n.Links != nil {
		c.Links = make(map[Rel][]ID, len(n.Links))
		for r, ids := range n.Links {
			c.Links[r] = slices.Clone(ids)
		}
	}
	return &c
}

// Label returns the record's display name: the name of an entity, the title of a source or
// position, the role of a participation, the start of a statement's text.
func (n *Node) Label() string {
	switch {
	case n.Name != "":
		return n.Name
	case n.Title != "":
		return n.Title
	case n.Role != "":
		return n.Role
	}
	t := n.Text
	if r := []rune(t); len(r) > 80 {
		t = strings.TrimSpace(string(r[:80])) + "…"
	}
	return t
}

// names returns the strings the name index holds for n: name, aliases, acronym, or a source's title.
func (n *Node) names() []string {
	var out []string
	add := func(s string) {
		if f := Fold(s); f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	switch {
	case n.Kind.IsEntity():
		add(n.Name)
		for _, a := range n.Aliases {
			add(a)
		}
		add(n.Acronym)
	case n.Kind == KindSource:
		add(n.Title)
	}
	return out
}

// citedSources returns the distinct sources n cites, in order of first citation.
func (n *Node) citedSources() []ID {
	var out []ID
	for _, c := range n.Citations {
		if !slices.Contains(out, c.Source) {
			out = append(out, c.Source)
		}
	}
	return out
}

// Identity returns the namespace and natural identity under which a keyless record of this kind
// is found again: a position by person, organization, title and region; a participation by person,
// event and role; a statement by speaker, event and text. Other kinds have none.
func (n *Node) Identity() (ns, key string) {
	var parts string
	switch n.Kind {
	case KindPosition:
		ns, parts = "pos", n.Link(RelPerson).String()+"|"+n.Link(RelOrganization).String()+"|"+Fold(n.Title)+"|"+n.Link(RelRegion).String()
	case KindParticipation:
		ns, parts = "par", n.Link(RelPerson).String()+"|"+n.Link(RelEvent).String()+"|"+Fold(n.Role)
	case KindStatement:
		ns, parts = "stm", n.Link(RelSpeaker).String()+"|"+n.Link(RelEvent).String()+"|"+n.Text
	default:
		return "", ""
	}
	if len(parts) <= maxIdentityLen {
		return ns, parts
	}
	// A long text or title: its digest keeps the key short (Badger keys are bounded).
	sum := sha256.Sum256([]byte(parts))
	return ns, "sha256:" + hex.EncodeToString(sum[:])
}

// maxIdentityLen is the longest natural identity stored as it is.
const maxIdentityLen = 512
