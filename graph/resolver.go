package graph

//go:generate go tool gqlgen generate

import (
	"log/slog"

	"github.com/kgql/kgql/store"
)

// Resolver is the dependency root of the resolvers: root fields use the store directly; nested
// fields use the per-request loaders (graph/loaders) found in the context.
type Resolver struct {
	Store *store.Store
	Log   *slog.Logger
}
