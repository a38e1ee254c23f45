package store

// Rel is a relation between two records. Its byte value is part of adjacency and count keys:
// append new relations, never renumber.
type Rel byte

// The relations. Each is stored on the record that owns it (Node.Links) and mirrored as an
// out-edge from the owner and an in-edge on the target, written in the same transaction.
const (
	RelParent       Rel = 1  // Organization → Organization (inverse: units); Region → Region (subregions)
	RelSeat         Rel = 2  // Organization → Region
	RelLocation     Rel = 3  // Event → Region
	RelOrganizer    Rel = 4  // Event → Organization, many (inverse: the organization's events)
	RelPerson       Rel = 5  // Position, Participation → Person
	RelOrganization Rel = 6  // Position → Organization (inverse: members)
	RelRegion       Rel = 7  // Position → Region (inverse: the region's positions)
	RelEvent        Rel = 8  // Participation, Statement → Event
	RelSpeaker      Rel = 9  // Statement → Person or Organization
	RelAbout        Rel = 10 // Statement → Person, Organization, Region or Event, many
	RelPublisher    Rel = 11 // Source → Organization
	RelCites        Rel = 12 // any record with citations → Source, many (derived from Citations)
)

// RelInfo describes a relation: the import/GraphQL field that holds it and which kinds it joins.
type RelInfo struct {
	Rel   Rel
	Field string // field name in the import format and the schema, e.g. "parent"
	Many  bool   // a list field
	From  []Kind // kinds that own it
	To    []Kind // kinds it may point at
}

var entityKinds = []Kind{KindPerson, KindOrganization, KindRegion, KindEvent}

// Relations is the registry of relations, in Rel order.
var Relations = []RelInfo{
	{RelParent, "parent", false, []Kind{KindOrganization, KindRegion}, nil}, // same kind as the owner
	{RelSeat, "seat", false, []Kind{KindOrganization}, []Kind{KindRegion}},
	{RelLocation, "location", false, []Kind{KindEvent}, []Kind{KindRegion}},
	{RelOrganizer, "organizers", true, []Kind{KindEvent}, []Kind{KindOrganization}},
	{RelPerson, "person", false, []Kind{KindPosition, KindParticipation}, []Kind{KindPerson}},
	{RelOrganization, "organization", false, []Kind{KindPosition}, []Kind{KindOrganization}},
	{RelRegion, "region", false, []Kind{KindPosition}, []Kind{KindRegion}},
	{RelEvent, "event", false, []Kind{KindParticipation, KindStatement}, []Kind{KindEvent}},
	{RelSpeaker, "speaker", false, []Kind{KindStatement}, []Kind{KindPerson, KindOrganization}},
	{RelAbout, "about", true, []Kind{KindStatement}, entityKinds},
	{RelPublisher, "publisher", false, []Kind{KindSource}, []Kind{KindOrganization}},
	{RelCites, "citations", true, nil, []Kind{KindSource}},
}

// Info returns the registry entry of r.
func (r Rel) Info() RelInfo { return Relations[r-1] }

// String returns the relation's field name.
func (r Rel) String() string {
	if r < 1 || int(r) > len(Relations) {
		return "rel?"
	}
	return Relations[r-1].Field
}

// RelationsOf returns the relations a record of kind k may own, except RelCites (which is derived
// from citations).
func RelationsOf(k Kind) []RelInfo {
	var out []RelInfo
	for _, ri := range Relations {
		if ri.Rel != RelCites && hasKind(ri.From, k) {
			out = append(out, ri)
		}
	}
	return out
}

// Accepts reports whether r, owned by a record of kind from, may point at a record of kind to.
func (r Rel) Accepts(from, to Kind) bool {
	ri := r.Info()
	if r == RelParent {
		return from == to
	}
	return hasKind(ri.To, to)
}

func hasKind(ks []Kind, k Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// Required reports whether a record of kind k cannot exist without its relation r: a position
// without its person or organization, a participation without its person or event, a statement
// without its speaker. Deleting the target of a required relation deletes the record (cascade).
func Required(k Kind, r Rel) bool {
	switch k {
	case KindPosition:
		return r == RelPerson || r == RelOrganization
	case KindParticipation:
		return r == RelPerson || r == RelEvent
	case KindStatement:
		return r == RelSpeaker
	}
	return false
}
