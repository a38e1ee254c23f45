package graph

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/query"
)

// The `where` inputs arrive as maps (gqlgen.yml maps them to map[string]any) and become
// query.Filter trees here, by one table of fields per kind.

// relField is a relational filter field: the records it looks at, and the kind of their filter.
type relField struct {
	rel  query.Relation
	kind store.Kind // kind of the related records' where (0: EntityWhere)
}

// whereRels are the relational fields of each kind's where input.
var whereRels = map[store.Kind]map[string]relField{
	store.KindPerson: {
		"positions":  {query.Relation{Rel: store.RelPerson, Kind: store.KindPosition}, store.KindPosition},
		"statements": {query.Relation{Rel: store.RelSpeaker, Kind: store.KindStatement}, store.KindStatement},
	},
	store.KindOrganization: {
		"seat":    {query.Relation{Rel: store.RelSeat, Out: true, Kind: store.KindRegion}, store.KindRegion},
		"parent":  {query.Relation{Rel: store.RelParent, Out: true, Kind: store.KindOrganization}, store.KindOrganization},
		"members": {query.Relation{Rel: store.RelOrganization, Kind: store.KindPosition}, store.KindPosition},
	},
	store.KindRegion: {
		"parent": {query.Relation{Rel: store.RelParent, Out: true, Kind: store.KindRegion}, store.KindRegion},
	},
	store.KindEvent: {
		"location":   {query.Relation{Rel: store.RelLocation, Out: true, Kind: store.KindRegion}, store.KindRegion},
		"organizers": {query.Relation{Rel: store.RelOrganizer, Out: true, Kind: store.KindOrganization}, store.KindOrganization},
	},
	store.KindStatement: {
		"speaker": {query.Relation{Rel: store.RelSpeaker, Out: true}, 0},
		"event":   {query.Relation{Rel: store.RelEvent, Out: true, Kind: store.KindEvent}, store.KindEvent},
		"about":   {query.Relation{Rel: store.RelAbout, Out: true}, 0},
	},
	store.KindSource: {
		"publisher": {query.Relation{Rel: store.RelPublisher, Out: true, Kind: store.KindOrganization}, store.KindOrganization},
	},
	store.KindPosition: {
		"person":       {query.Relation{Rel: store.RelPerson, Out: true, Kind: store.KindPerson}, store.KindPerson},
		"organization": {query.Relation{Rel: store.RelOrganization, Out: true, Kind: store.KindOrganization}, store.KindOrganization},
		"region":       {query.Relation{Rel: store.RelRegion, Out: true, Kind: store.KindRegion}, store.KindRegion},
	},
}

// textSearch turns a full-text query on records of a kind into a filter.
type textSearch func(text string, k store.Kind) (*query.Filter, error)

// maxTextMatches bounds the records one `text: {search:}` filter considers.
const maxTextMatches = 10000

// whereFilter converts a where input for records of kind k (k 0: an EntityWhere).
func whereFilter(k store.Kind, m map[string]any, search textSearch) (*query.Filter, error) {
	if m == nil {
		return nil, nil
	}
	f := &query.Filter{}
	for _, key := range sortedKeys(m) {
		v := m[key]
		if isNil(v) {
			continue
		}
		var g *query.Filter
		var err error
		switch key {
		case "AND", "OR":
			var subs []*query.Filter
			for _, x := range asMaps(v) {
				s, err := whereFilter(k, x, search)
				if err != nil {
					return nil, err
				}
				subs = append(subs, s)
			}
			if key == "AND" {
				g = &query.Filter{And: subs}
			} else {
				g = &query.Filter{Or: subs}
				if len(subs) == 0 {
					g = &query.Filter{Op: query.Matches, Set: map[store.ID]bool{}} // OR of nothing: false
				}
			}
		case "NOT":
			s, err := whereFilter(k, asMap(v), search)
			if err != nil {
				return nil, err
			}
			g = &query.Filter{Not: s}
		case "id", "key", "code", "language":
			g, err = opsFilter(key, asMap(v))
		case "name", "title", "acronym":
			g, err = opsFilter(key, asMap(v))
		case "startDate", "endDate", "date", "publishedAt":
			g, err = opsFilter(key, asMap(v))
		case "kind":
			g = &query.Filter{Field: "kind", Op: query.In, Values: asStrings(v)}
		case "within":
			g = &query.Filter{Field: "within", Op: query.Within, Values: []string{asString(v)}}
		case "asOf":
			g = &query.Filter{Field: "asOf", Op: query.HeldOn, Values: []string{asString(v)}}
		case "text":
			g, err = textFilter(k, asMap(v), search)
		default:
			rf, ok := whereRels[k][key]
			if !ok {
				return nil, fmt.Errorf("%w: where.%s is not a filter of %s", store.ErrInvalid, key, k)
			}
			sub, err := whereFilter(rf.kind, asMap(v), search)
			if err != nil {
				return nil, err
			}
			rel := rf.rel
			g = &query.Filter{Rel: &rel, Sub: sub}
		}
		if err != nil {
			return nil, err
		}
		f.And = append(f.And, g)
	}
	if len(f.And) == 1 {
		return f.And[0], nil
	}
	return f, nil
}

// opsFilter converts a StringFilter, DateFilter or KeyFilter: every operator given must hold.
func opsFilter(field string, m map[string]any) (*query.Filter, error) {
	ops := map[string]query.Op{"eq": query.Eq, "in": query.In, "startsWith": query.StartsWith,
		"contains": query.Contains, "lt": query.Lt, "lte": query.Lte, "gt": query.Gt, "gte": query.Gte}
	f := &query.Filter{}
	for _, name := range sortedKeys(m) {
		v := m[name]
		if isNil(v) {
			continue
		}
		op, ok := ops[name]
		if !ok {
			return nil, fmt.Errorf("%w: %s.%s is not an operator", store.ErrInvalid, field, name)
		}
		vals := []string{asString(v)}
		if op == query.In {
			vals = asStrings(v)
		}
		f.And = append(f.And, &query.Filter{Field: field, Op: op, Values: vals})
	}
	if len(f.And) == 1 {
		return f.And[0], nil
	}
	return f, nil
}

// textFilter converts a TextFilter: `search` goes through the full-text index.
func textFilter(k store.Kind, m map[string]any, search textSearch) (*query.Filter, error) {
	q, hasSearch := m["search"]
	rest := map[string]any{}
	for key, v := range m {
		if key != "search" {
			rest[key] = v
		}
	}
	f, err := opsFilter("text", rest)
	if err != nil {
		return nil, err
	}
	if !hasSearch || isNil(q) {
		return f, nil
	}
	text := asString(q)
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("%w: text.search must not be empty", store.ErrInvalid)
	}
	g, err := search(text, k)
	if err != nil {
		return nil, err
	}
	if len(f.And) == 0 && f.Field == "" {
		return g, nil
	}
	return &query.Filter{And: []*query.Filter{g, f}}, nil
}

// orderKeys converts an orderBy list ([]*model.XOrder): each has Field (an enum) and Direction.
func orderKeys(orderBy any) []query.OrderKey {
	v := reflect.ValueOf(orderBy)
	if v.Kind() != reflect.Slice {
		return nil
	}
	fields := map[string]string{"CREATED": "", "NAME": "name", "KEY": "key", "ACRONYM": "acronym", "CODE": "code",
		"START_DATE": "startDate", "END_DATE": "endDate", "DATE": "date", "TITLE": "title", "PUBLISHED_AT": "publishedAt"}
	var out []query.OrderKey
	for i := range v.Len() {
		o := reflect.Indirect(v.Index(i))
		if !o.IsValid() {
			continue
		}
		k := query.OrderKey{Field: fields[fmt.Sprint(o.FieldByName("Field").Interface())]}
		if d := o.FieldByName("Direction"); d.IsValid() && !d.IsNil() && fmt.Sprint(d.Elem().Interface()) == "DESC" {
			k.Desc = true
		}
		out = append(out, k)
	}
	return out
}

// sortedKeys returns a map's keys in order, so that filters are built deterministically.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	r := reflect.ValueOf(v)
	return (r.Kind() == reflect.Pointer || r.Kind() == reflect.Map || r.Kind() == reflect.Slice) && r.IsNil()
}

func asString(v any) string {
	r := reflect.ValueOf(v)
	for r.Kind() == reflect.Pointer || r.Kind() == reflect.Interface {
		if r.IsNil() {
			return ""
		}
		r = r.Elem()
	}
	if r.Kind() == reflect.String {
		return r.String()
	}
	return fmt.Sprint(r.Interface())
}

func asStrings(v any) []string {
	r := reflect.ValueOf(v)
	if r.Kind() != reflect.Slice {
		return []string{asString(v)}
	}
	out := make([]string, 0, r.Len())
	for i := range r.Len() {
		out = append(out, asString(r.Index(i).Interface()))
	}
	return out
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asMaps(v any) []map[string]any {
	r := reflect.ValueOf(v)
	if r.Kind() != reflect.Slice {
		return nil
	}
	out := make([]map[string]any, 0, r.Len())
	for i := range r.Len() {
		if m := asMap(r.Index(i).Interface()); m != nil {
			out = append(out, m)
		}
	}
	return out
}
