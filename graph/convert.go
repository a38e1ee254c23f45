package graph

import (
	"context"
	"errors"
	"fmt"

	"github.com/kgql/kgql/graph/loaders"
	"github.com/kgql/kgql/graph/model"
	"github.com/kgql/kgql/store"
)

// Wrappers from store records to GraphQL types, one per kind.
func asPerson(n *store.Node) *model.Person       { return &model.Person{Record: model.Record{N: n}} }
func asOrg(n *store.Node) *model.Organization    { return &model.Organization{Record: model.Record{N: n}} }
func asRegion(n *store.Node) *model.Region       { return &model.Region{Record: model.Record{N: n}} }
func asEvent(n *store.Node) *model.Event         { return &model.Event{Record: model.Record{N: n}} }
func asStatement(n *store.Node) *model.Statement { return &model.Statement{Record: model.Record{N: n}} }
func asSource(n *store.Node) *model.Source       { return &model.Source{Record: model.Record{N: n}} }
func asPosition(n *store.Node) *model.Position   { return &model.Position{Record: model.Record{N: n}} }
func asParticipation(n *store.Node) *model.Participation {
	return &model.Participation{Record: model.Record{N: n}}
}

// asEntity wraps a Person, Organization, Region or Event; nil for other kinds.
func asEntity(n *store.Node) model.Entity {
	if e, ok := model.FromNode(n).(model.Entity); ok {
		return e
	}
	return nil
}

// wrapAll wraps every record.
func wrapAll[T any](ns []*store.Node, wrap func(*store.Node) T) []T {
	out := make([]T, len(ns))
	for i, n := range ns {
		out[i] = wrap(n)
	}
	return out
}

// fetchOne finds the record of kind k given by exactly one of id and key. It returns nil (not an
// error) when nothing matches, including a malformed id or a record of another kind.
func fetchOne(ctx context.Context, s *store.Store, k store.Kind, id, key *string) (*store.Node, error) {
	if (id == nil) == (key == nil) {
		return nil, fmt.Errorf("%w: give exactly one of id and key", store.ErrInvalid)
	}
	var n *store.Node
	var err error
	if id != nil {
		// An id or a key, as everywhere a node is named (store.ResolveRefs); one of another kind
		// is null below.
		var found []*store.Node
		if found, err = s.GetRefs([]string{*id}); err == nil && found[0] == nil {
			return nil, nil
		}
		if err == nil {
			n = found[0]
		}
	} else {
		n, err = s.GetByKey(*key)
	}
	if errors.Is(err, store.ErrNotFound) || (n != nil && n.Kind != k) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	loaders.For(ctx).Prime(n)
	prefetchField(ctx, []*store.Node{n}, false)
	return n, nil
}

// nodeTypeKinds maps the schema's NodeType to store kinds.
var nodeTypeKinds = map[model.NodeType]store.Kind{
	model.NodeTypePerson: store.KindPerson, model.NodeTypeOrganization: store.KindOrganization,
	model.NodeTypeRegion: store.KindRegion, model.NodeTypeEvent: store.KindEvent,
	model.NodeTypeStatement: store.KindStatement, model.NodeTypeSource: store.KindSource,
}

var matchKinds = map[store.Match]model.MatchKind{
	store.MatchExact: model.MatchKindExact, store.MatchPrefix: model.MatchKindPrefix,
	store.MatchInside: model.MatchKindContained, store.MatchWord: model.MatchKindWords,
}
