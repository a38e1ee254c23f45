package graph

//go:generate go tool gqlgen generate
//go:generate go run ./tunegen generated.go

import (
	"context"
	"log/slog"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/textindex"
)

// Resolver is the dependency root of the resolvers: root fields use the store directly; nested
// fields use the per-request loaders (graph/loaders) found in the context.
type Resolver struct {
	Store *store.Store
	Log   *slog.Logger
	// Authorize decides whether the caller in ctx may perform an action (every mutation and admin
	// endpoint asks it); an error refuses with FORBIDDEN.
	Authorize func(ctx context.Context, a Action) error
	// TextMatch, if set, answers `text: {search:}` filters from the full-text index: the ids of
	// the records of those kinds that match, best first, at most limit.
	TextMatch func(text string, kinds []store.Kind, limit int) ([]store.ID, error)
	// Text is the full-text index that `search` ranks after name matches; nil: names only.
	Text *textindex.Index
	// Changes feeds the subscriptions (graph/subscriptions.go); nil: none.
	Changes *changeHub
}
