package graph_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/kgql/kgql/graph"
)

// FuzzPlanDifferential generates operations over the schema from the fuzzer's bytes (every
// choice of the query generator of executor_test.go — fields, aliases, arguments, fragments,
// @include/@skip — is read from them) and requires the compiled read path (graph/plan.go), the
// tuned executor and gqlgen's executor to answer each the same, byte for byte.
func FuzzPlanDifferential(f *testing.F) {
	d := newDiffServers(f)
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{}}).Schema()
	for _, seed := range [][]byte{
		{},
		{0, 0, 0, 0, 0, 0, 0, 1},
		[]byte("organization members nodes person positions"),
		{255, 1, 254, 2, 253, 3, 252, 4, 251, 5, 250, 6, 249, 7, 248, 8, 9, 10, 11, 12, 13, 14, 15, 16},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, choices []byte) {
		g := &queryGen{r: rand.New(&byteSource{b: choices}), s: schema}
		q := g.query()
		diffCompare(t, d, fmt.Sprintf("fuzzed query from %x", choices), q, map[string]any{"yes": true, "no": false})
	})
}

// byteSource is a rand.Source that reads its numbers from bytes, then from a PCG seeded with
// their length (not zeros: rand's bounded draws reject some values and draw again).
type byteSource struct {
	b    []byte
	i    int
	rest *rand.PCG
}

func (s *byteSource) Uint64() uint64 {
	if s.i >= len(s.b) {
		if s.rest == nil {
			s.rest = rand.NewPCG(uint64(len(s.b)), 11)
		}
		return s.rest.Uint64()
	}
	var v uint64
	for range 8 {
		var c byte
		if s.i < len(s.b) {
			c = s.b[s.i]
			s.i++
		}
		v = v<<8 | uint64(c)
	}
	return v
}
