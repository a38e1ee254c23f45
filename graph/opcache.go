package graph

import (
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
)

// perOperation keeps one value per operation: gqlgen's query cache hands out one parsed document
// per query text, so an operation's pointer stands for its text while the document is cached.
// At most max values are kept; the map is emptied when full. The compiled plans (plan.go) and the
// costs of operations without variables (limits.go) are kept this way.
type perOperation[V any] struct {
	mu  sync.Mutex
	max int
	m   map[*ast.OperationDefinition]V
}

// get returns the value of op, made by make (under the cache's lock) the first time.
func (c *perOperation[V]) get(op *ast.OperationDefinition, make func() V) V {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m[op]; ok {
		return v
	}
	if c.m == nil || len(c.m) >= c.max {
		c.m = map[*ast.OperationDefinition]V{}
	}
	v := make()
	c.m[op] = v
	return v
}
