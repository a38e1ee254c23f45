// Package importer reads and writes kgql's NDJSON import format: one JSON object per line with a
// "type" (Source, Organization, Person, Region, Event, Statement, Position, Participation) and the
// record's fields under their GraphQL names; fields that point at other records hold their keys (or
// ids). The same code loads the built-in dataset, `kgql import` and the import mutation.
package importer

import (
	"github.com/kgql/kgql/store"
)

type fieldType int

const (
	fString    fieldType = iota // free text
	fDate                       // YYYY-MM-DD, a real calendar date
	fEnum                       // one of enum
	fStrings                    // list of strings, merged on update
	fCitations                  // list of {source, excerpt}, merged on update
	fRef                        // key or id of one record (store.Rel)
	fRefs                       // keys or ids, merged on update
)

// field describes one field of the import format.
type field struct {
	name     string
	typ      fieldType
	required bool // required when the record is created
	enum     []string
	rel      store.Rel                   // fRef, fRefs
	str      func(n *store.Node) *string // fString, fDate, fEnum
}

var (
	orgKinds    = []string{"ASSOCIATION", "FEDERATION", "CHAMBER", "GOVERNMENT", "COMMISSION", "MEDIA", "COMPANY", "OTHER"}
	regionKinds = []string{"COUNTRY", "REGION", "PROVINCE", "CITY"}
)

func str(name string, req bool, f func(n *store.Node) *string) field {
	return field{name: name, typ: fString, required: req, str: f}
}
func date(name string, f func(n *store.Node) *string) field {
	return field{name: name, typ: fDate, str: f}
}
func ref(r store.Rel, req bool) field {
	return field{name: r.String(), typ: fRef, rel: r, required: req}
}
func refs(r store.Rel) field { return field{name: r.String(), typ: fRefs, rel: r} }

var (
	fName        = str("name", true, func(n *store.Node) *string { return &n.Name })
	fDescription = str("description", false, func(n *store.Node) *string { return &n.Description })
	fAliases     = field{name: "aliases", typ: fStrings}
	fCites       = field{name: "citations", typ: fCitations}
	fStart       = date("startDate", func(n *store.Node) *string { return &n.StartDate })
	fEnd         = date("endDate", func(n *store.Node) *string { return &n.EndDate })
	fLanguage    = str("language", false, func(n *store.Node) *string { return &n.Language })
)

// formats lists, per kind, the fields of a record other than "type" and "key", in export order.
var formats = map[store.Kind][]field{
	store.KindSource: {
		str("title", true, func(n *store.Node) *string { return &n.Title }),
		ref(store.RelPublisher, false),
		str("author", false, func(n *store.Node) *string { return &n.Author }),
		date("publishedAt", func(n *store.Node) *string { return &n.PublishedAt }),
		str("url", false, func(n *store.Node) *string { return &n.URL }),
		fLanguage,
	},
	store.KindRegion: {
		fName,
		{name: "kind", typ: fEnum, required: true, enum: regionKinds, str: func(n *store.Node) *string { return &n.RegionKind }},
		str("code", false, func(n *store.Node) *string { return &n.Code }),
		ref(store.RelParent, false),
		fAliases, fDescription, fCites,
	},
	store.KindOrganization: {
		fName,
		str("acronym", false, func(n *store.Node) *string { return &n.Acronym }),
		{name: "kind", typ: fEnum, required: true, enum: orgKinds, str: func(n *store.Node) *string { return &n.OrgKind }},
		ref(store.RelParent, false),
		ref(store.RelSeat, false),
		fAliases, fDescription, fCites,
	},
	store.KindPerson: {fName, fAliases, fDescription, fCites},
	store.KindEvent: {
		fName, fStart, fEnd,
		ref(store.RelLocation, false),
		refs(store.RelOrganizer),
		fAliases, fDescription, fCites,
	},
	store.KindPosition: {
		ref(store.RelPerson, true),
		ref(store.RelOrganization, true),
		str("title", true, func(n *store.Node) *string { return &n.Title }),
		ref(store.RelRegion, false),
		fStart, fEnd, fCites,
	},
	store.KindParticipation: {
		ref(store.RelPerson, true),
		ref(store.RelEvent, true),
		str("role", true, func(n *store.Node) *string { return &n.Role }),
		fDescription, fCites,
	},
	store.KindStatement: {
		ref(store.RelSpeaker, true),
		ref(store.RelEvent, false),
		str("text", true, func(n *store.Node) *string { return &n.Text }),
		{name: "language", typ: fString, required: true, str: func(n *store.Node) *string { return &n.Language }},
		date("date", func(n *store.Node) *string { return &n.Date }),
		refs(store.RelAbout),
		fCites,
	},
}

// keyRequired: kinds whose records must carry a key. The others are also found by their natural
// identity (a position by person, organization, title and region; a participation by person,
// event and role; a statement by speaker, event and text).
func keyRequired(k store.Kind) bool {
	return k != store.KindPosition && k != store.KindParticipation && k != store.KindStatement
}

// citationRequired: every record but a Source must cite at least one source when it is created.
func citationRequired(k store.Kind) bool { return k != store.KindSource }

// fieldsByName maps, per kind, a field name to its place in formats.
var fieldsByName = func() map[store.Kind]map[string]int {
	m := map[store.Kind]map[string]int{}
	for k, fs := range formats {
		m[k] = map[string]int{}
		for i, f := range fs {
			m[k][f.name] = i
		}
	}
	return m
}()
