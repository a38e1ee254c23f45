package graph

import (
	"context"
	"fmt"
	"slices"

	"github.com/kgql/kgql/graph/loaders"
	"github.com/kgql/kgql/graph/model"
	"github.com/kgql/kgql/store"
)

// Fields computed from more than one relation. Each reads level by level through the loaders, so
// that the same field on many parents still costs a few batched round trips.

// speakingRoles are the participation roles that make a person one of an event's speakers.
var speakingRoles = []string{"speaker", "presenter"}

// speakers: people with a statement at the event or a speaking participation, in ID order.
func speakers(ctx context.Context, ev *store.Node) ([]*model.Person, error) {
	l := loaders.For(ctx)
	pages, err := l.AdjacentMany(ctx, []store.AdjQuery{
		{ID: ev.ID, Rel: store.RelEvent, Kind: store.KindStatement},
		{ID: ev.ID, Rel: store.RelEvent, Kind: store.KindParticipation},
	})
	if err != nil {
		return nil, err
	}
	var people []store.ID
	for _, n := range append(slices.Clone(pages[0].Nodes), pages[1].Nodes...) {
		if n == nil {
			continue
		}
		switch {
		case n.Kind == store.KindStatement && n.Link(store.RelSpeaker).Kind == store.KindPerson:
			people = append(people, n.Link(store.RelSpeaker))
		case n.Kind == store.KindParticipation && slices.Contains(speakingRoles, n.Role):
			people = append(people, n.Link(store.RelPerson))
		}
	}
	ns, err := l.Nodes(ctx, store.SortIDs(people))
	if err != nil {
		return nil, err
	}
	return wrapAll(ns, asPerson), nil
}

// personEvents: the events a person took part in through a participation or a statement, sorted.
func personEvents(ctx context.Context, p *store.Node) ([]store.ID, error) {
	l := loaders.For(ctx)
	pages, err := l.AdjacentMany(ctx, []store.AdjQuery{
		{ID: p.ID, Rel: store.RelPerson, Kind: store.KindParticipation},
		{ID: p.ID, Rel: store.RelSpeaker, Kind: store.KindStatement},
	})
	if err != nil {
		return nil, err
	}
	var events []store.ID
	for _, n := range append(slices.Clone(pages[0].Nodes), pages[1].Nodes...) {
		if n != nil {
			events = append(events, n.Link(store.RelEvent))
		}
	}
	return store.SortIDs(events), nil
}

// maxSubregions bounds how many regions regionEvents walks below one region.
const maxSubregions = 10000

// regionEvents: events located in the region or in any region inside it, sorted.
func regionEvents(ctx context.Context, reg *store.Node) ([]store.ID, error) {
	l := loaders.For(ctx)
	all := []store.ID{reg.ID}
	frontier := all
	for len(frontier) > 0 {
		qs := make([]store.AdjQuery, len(frontier))
		for i, id := range frontier {
			qs[i] = store.AdjQuery{ID: id, Rel: store.RelParent, Kind: store.KindRegion}
		}
		pages, err := l.AdjacentMany(ctx, qs)
		if err != nil {
			return nil, err
		}
		frontier = nil
		for _, p := range pages {
			frontier = append(frontier, p.IDs...)
		}
		all = append(all, frontier...)
		if len(all) > maxSubregions {
			return nil, fmt.Errorf("%w: more than %d regions inside %s", store.ErrInvalid, maxSubregions, reg.Key)
		}
	}
	qs := make([]store.AdjQuery, len(all))
	for i, id := range all {
		qs[i] = store.AdjQuery{ID: id, Rel: store.RelLocation, Kind: store.KindEvent}
	}
	pages, err := l.AdjacentMany(ctx, qs)
	if err != nil {
		return nil, err
	}
	var events []store.ID
	for _, p := range pages {
		events = append(events, p.IDs...)
	}
	return store.SortIDs(events), nil
}

// fetchAs is fetchOne, wrapped; nil when nothing matches.
func fetchAs[T any](ctx context.Context, s *store.Store, k store.Kind, id, key *string, wrap func(*store.Node) T) (T, error) {
	var zero T
	n, err := fetchOne(ctx, s, k, id, key)
	if err != nil || n == nil {
		return zero, err
	}
	return wrap(n), nil
}
