package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// The schema linter's one configured exception (.ci/.graphql-schema-linterrc, used by
// .ci/e2e.sh): the boolean combinators AND, OR and NOT of the filter inputs are upper case, as in
// Prisma's and Neo4j's GraphQL filters, so that they never collide with a field named `and`,
// `or` or `not`; input-object-values-are-camel-cased ignores exactly those. This test keeps the
// list equal to the schema's, so a new filter input cannot be forgotten (nor a field slip
// through under an exception meant for another).
func TestSchemaLintExceptions(t *testing.T) {
	files, _ := filepath.Glob("graph/*.graphqls") // the files gqlgen.yml names
	files = append([]string{"schema.graphqls"}, files...)
	var sources []*ast.Source
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, &ast.Source{Name: f, Input: string(src)})
	}
	schema, gerr := gqlparser.LoadSchema(sources...)
	if gerr != nil {
		t.Fatalf("schema: %v", gerr)
	}
	var want []string
	for name, def := range schema.Types {
		if def.Kind != ast.InputObject || def.BuiltIn {
			continue
		}
		for _, f := range def.Fields {
			if f.Name == "AND" || f.Name == "OR" || f.Name == "NOT" {
				want = append(want, name+"."+f.Name)
			}
		}
	}
	slices.Sort(want)
	if len(want) == 0 {
		t.Fatal("the schema has no AND/OR/NOT filter fields: drop the exception")
	}

	b, err := os.ReadFile(".ci/.graphql-schema-linterrc")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Ignore map[string][]string `json:"ignore"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatalf(".ci/.graphql-schema-linterrc: %v", err)
	}
	if len(cfg.Ignore) != 1 {
		t.Errorf("the linter config ignores %d rules, want only input-object-values-are-camel-cased", len(cfg.Ignore))
	}
	got := slices.Sorted(slices.Values(cfg.Ignore["input-object-values-are-camel-cased"]))
	if !slices.Equal(got, want) {
		t.Errorf(".ci/.graphql-schema-linterrc ignores\n  %v\nthe schema's AND/OR/NOT filter fields are\n  %v", got, want)
	}
}
