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
//
// Usage: go run ./tunegen FILE
package main

import (
	"bytes"
	"fmt"
	"os"
)

type rule struct{ from, to string }

var rules = []rule{
	{"graphql.MarshalSliceConcurrently(ctx, ", "marshalList(ctx, "},
	{"deferred := graphql.NewDeferredGroup(ctx)\n", "deferred := newDeferredGroup(ctx, ec.OperationContext)\n"},
	{"out.ResolveConcurrently(ec.OperationContext, &deferred, i,", "resolveField(ctx, out, ec.OperationContext, &deferred, i,"},
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
}

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
	// The marker goes after the generated-code notice (the first line), which tools look for.
	nl := bytes.IndexByte(src, '\n')
	if nl < 0 {
		return nil, fmt.Errorf("no first line")
	}
	return append(append(append([]byte{}, src[:nl+1]...), marker...), src[nl+1:]...), nil
}
