// Command tunegen rewrites the executor that gqlgen generates (graph/generated.go) so that the
// parts of it that cost without serving kgql's reads are decided at run time by kgql's own
// functions (graph/executor.go), which fall back to gqlgen's whenever they are needed. It runs in
// `go generate ./...` right after gqlgen (graph/resolver.go), so the committed file is always
// gqlgen's output plus this rewrite, and CI's drift check covers both.
//
// The rewrite is textual, exact and idempotent: each rule replaces one call of gqlgen's runtime
// by a call of the same shape to a kgql function; a rule that finds nothing to replace in a
// file that was not rewritten before fails the run (gqlgen's output changed: look at the rule
// again), so a gqlgen upgrade cannot silently drop the tuning.
//
//	graphql.MarshalSliceConcurrently(ctx, …)          → marshalList(ctx, …)
//	deferred := graphql.NewDeferredGroup(ctx)           → deferred := newDeferredGroup(ctx, ec.OperationContext)
//	out.ResolveConcurrently(ec.OperationContext, …)     → resolveField(ctx, out, ec.OperationContext, …)
//	data = ec._Query(ctx, opCtx.Operation.SelectionSet) → data = ec.planQuery(ctx, …) (graph/plan.go)
//
// and one structural rule: a field whose resolver only reads the object (`return obj.F, nil` or
// `return obj.F(), nil`), without middleware, whose value is marshalled by a marshaller that
// cannot fail (String, ID, Int, Boolean, their nullable forms, enums: see safeMarshaler), is
// answered directly when the operation is tuned:
//
//	if tuned(ctx) {
//		return ec.marshalNString2string(ctx, field.Selections, obj.Name())
//	}
//	return graphql.ResolveField(…) // as generated
//
// gqlgen's ResolveField would make the field's context, run the (empty) field middleware
// chain and a recover around a read that cannot fail or panic, for a value whose marshaller
// reads neither.
//
// It also writes plan_gen.go beside FILE: the field table of the compiled read path
// (graph/plan.go), taken from the same generated code (see plan.go here).
//
// Usage: go run ./tunegen FILE
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

type rule struct{ from, to string }

var rules = []rule{
	{"graphql.MarshalSliceConcurrently(ctx, ", "marshalList(ctx, "},
	{"deferred := graphql.NewDeferredGroup(ctx)\n", "deferred := newDeferredGroup(ctx, ec.OperationContext)\n"},
	{"out.ResolveConcurrently(ec.OperationContext, &deferred, i,", "resolveField(ctx, out, ec.OperationContext, &deferred, i,"},
	{"\t\t\t\tdata = ec._Query(ctx, opCtx.Operation.SelectionSet)\n", "\t\t\t\tdata = ec.planQuery(ctx, opCtx.Operation.SelectionSet)\n"},
}

const marker = "// Tuned by graph/tunegen (see graph/executor.go).\n"

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: tunegen FILE")
		os.Exit(2)
	}
	path := os.Args[1]
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tunegen:", err)
		os.Exit(1)
	}
	out, err := rewrite(src)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tunegen:", path+":", err)
		os.Exit(1)
	}
	if !bytes.Equal(out, src) {
		if err := os.WriteFile(path, out, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "tunegen:", err)
			os.Exit(1)
		}
	}
	table, err := planTable(out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tunegen:", path+":", err)
		os.Exit(1)
	}
	planPath := filepath.Join(filepath.Dir(path), "plan_gen.go")
	if old, _ := os.ReadFile(planPath); !bytes.Equal(old, table) {
		if err := os.WriteFile(planPath, table, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "tunegen:", err)
			os.Exit(1)
		}
	}
}

// scalarField is a field resolved by ResolveField from the object alone.
var scalarField = regexp.MustCompile(`\treturn graphql\.ResolveField\(\n\t\tctx,\n\t\tec\.OperationContext,\n\t\tfield,\n` +
	`\t\tfunc\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{\n\t\t\treturn ec\.fieldContext_\w+\(ctx, field\)\n\t\t\},\n` +
	`\t\tfunc\(ctx context\.Context\) \(any, error\) \{\n\t\t\treturn (obj\.[A-Za-z0-9_]+(?:\(\))?), nil\n\t\t\},\n` +
	`\t\tnil,\n` +
	`\t\tfunc\(ctx context\.Context, selections ast\.SelectionSet, v [^)]+\) graphql\.Marshaler \{\n\t\t\treturn ec\.(marshal[\p{L}\p{N}_]+)\(ctx, selections, v\)\n\t\t\},\n`)

// safeMarshaler matches the marshallers that never report an error nor read their context:
// String, ID, Int and Boolean (whose graphql.Marshal* never answer null), their nullable and
// pointer forms, and enums and scalars whose value marshals itself (graphql.Marshaler, whose
// MarshalGQL cannot fail nor read a context), with or without their nil check.
var safeMarshaler = regexp.MustCompile(`(?m)^func \(ec \*executionContext\) (marshal[\p{L}\p{N}_]+)\(ctx context\.Context, sel ast\.SelectionSet, v \*?[\w.]+\) graphql\.Marshaler \{\n` +
	`((?:\tif v == nil \{\n\t\treturn graphql\.Null\n\t\}\n)?\t_ = sel\n(?:\t_ = ctx\n)?\tres := graphql\.Marshal(?:String|ID|Int|Boolean)\(\*?v\)\n(?:\tif res == graphql\.Null \{\n\t\tgraphql\.AddInvalidNullFromMarshaler\(ctx, "\w+!"\)\n\t\}\n)?\treturn res\n` +
	`|(?:\tif v == nil \{\n\t\treturn graphql\.Null\n\t\}\n)?\treturn v\n)\}\n`)

// rewrite applies every rule; a file rewritten before is returned unchanged.
func rewrite(src []byte) ([]byte, error) {
	if bytes.Contains(src, []byte(marker)) {
		return src, nil
	}
	for _, r := range rules {
		if !bytes.Contains(src, []byte(r.from)) {
			return nil, fmt.Errorf("no %q to rewrite: gqlgen's output changed", r.from)
		}
		src = bytes.ReplaceAll(src, []byte(r.from), []byte(r.to))
	}
	safe := map[string]bool{}
	for _, m := range safeMarshaler.FindAllSubmatch(src, -1) {
		safe[string(m[1])] = true
	}
	direct := 0
	src = scalarField.ReplaceAllFunc(src, func(call []byte) []byte {
		m := scalarField.FindSubmatch(call)
		if !safe[string(m[2])] {
			return call
		}
		direct++
		return append([]byte(fmt.Sprintf("\tif tuned(ctx) {\n\t\treturn ec.%s(ctx, field.Selections, %s)\n\t}\n", m[2], m[1])), call...)
	})
	if len(safe) == 0 || direct == 0 {
		return nil, fmt.Errorf("no field answered directly (%d safe marshallers): gqlgen's output changed", len(safe))
	}
	// The marker goes after the generated-code notice (the first line), which tools look for.
	nl := bytes.IndexByte(src, '\n')
	if nl < 0 {
		return nil, fmt.Errorf("no first line")
	}
	return append(append(append([]byte{}, src[:nl+1]...), marker...), src[nl+1:]...), nil
}
