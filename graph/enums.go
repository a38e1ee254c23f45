package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// strictEnums refuses, before execution, a variable that holds an enum value in the wrong case.
// GraphQL enum values are case-sensitive, but gqlparser's variable validation compares them
// without case; the generated unmarshalers then fail deep inside the operation. Checking here
// makes `{"kind": "association"}` a clear validation error (BAD_USER_INPUT) naming the variable.
type strictEnums struct{ schema *ast.Schema }

var (
	_ graphql.HandlerExtension        = strictEnums{}
	_ graphql.OperationContextMutator = strictEnums{}
)

func (strictEnums) ExtensionName() string                   { return "StrictEnums" }
func (strictEnums) Validate(graphql.ExecutableSchema) error { return nil }
func (e strictEnums) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil {
		return nil
	}
	for _, vd := range op.Operation.VariableDefinitions {
		if err := e.check(vd.Type, op.Variables[vd.Variable], "$"+vd.Variable); err != nil {
			return err
		}
	}
	return nil
}

func (e strictEnums) check(t *ast.Type, v any, path string) *gqlerror.Error {
	if v == nil || t == nil {
		return nil
	}
	if t.Elem != nil {
		list, ok := v.([]any)
		if !ok {
			return e.check(t.Elem, v, path) // a single value coerced to a list
		}
		for i, x := range list {
			if err := e.check(t.Elem, x, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	def := e.schema.Types[t.NamedType]
	if def == nil {
		return nil
	}
	switch def.Kind {
	case ast.Enum:
		if s, ok := v.(string); ok && def.EnumValues.ForName(s) == nil {
			err := gqlerror.Errorf("variable %s: %q is not a value of %s (enum values are case-sensitive)", path, s, def.Name)
			errcode.Set(err, errcode.ValidationFailed)
			return err
		}
	case ast.InputObject:
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		for _, f := range def.Fields {
			if err := e.check(f.Type, m[f.Name], path+"."+f.Name); err != nil {
				return err
			}
		}
	}
	return nil
}
