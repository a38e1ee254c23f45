package graph

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"

	"github.com/kgql/kgql/graph/loaders"
)

// The executor's tuning. gqlgen's generated executor resolves every field that has a resolver
// in a goroutine of its own and marshals every element of a list of objects in a goroutine of
// its own, so that fields waiting on a dataloader's window wait together; and it builds, for
// every object, a group for `@defer` with the object's path. kgql's reads seldom wait: a root
// field's prefetch reads the levels below it (graph/prefetch.go), batch resolvers read a whole
// list of parents at once, and every record of the operation is in its memo
// (graph/loaders). Then the goroutines and the groups only cost: a quarter of a nested query's
// CPU went to them (BENCHMARKS.md, "Read path").
//
// graph/tunegen rewrites the generated calls of gqlgen's runtime into calls of the functions
// below, which decide per operation at run time:
//
//   - marshalList marshals a list's elements in the calling goroutine, in order, while the
//     operation has not used a waiting loader; from the first element that did, the rest are
//     marshalled as gqlgen does, one goroutine each, so that their loader calls gather in one
//     batch (at most one lone loader wait per operation, and only in an operation that waits
//     anyway);
//   - resolveField resolves an object's field in the calling goroutine under the same rule,
//     else schedules it as gqlgen does;
//   - newDeferredGroup makes no group (no path, no map) for an operation whose text has no
//     `@defer`;
//   - a field that only reads its object, with a marshaller that cannot fail (String, ID, Int,
//     Boolean, enums), is marshalled directly, without gqlgen's field context, middleware chain
//     and recover (graph/tunegen says which). kgql registers no field middleware (AroundFields);
//     one added later would be skipped for those fields.
//
// The answers are the same, byte for byte: the elements and fields are the same values in the
// same places, with the same paths, recoveries and null propagation (differential tests:
// graph/executor_test.go run every query of the suite, the README, bench/queries and a random
// corpus through both). With Options.StockExecutor every function does exactly what gqlgen's
// does (the reference of those tests).

// opTuning is one operation's tuning state, in its context.
type opTuning struct {
	stock    bool // gqlgen's executor, untouched
	noPlans  bool // no compiled read path (graph/plan.go): the tuned executor answers
	deferred bool // the operation's text has @defer: gqlgen's groups are made
	l        *loaders.Loaders
}

type opTuningKey struct{}

func withTuning(ctx context.Context, t *opTuning) context.Context {
	return context.WithValue(ctx, opTuningKey{}, t)
}

// inline reports whether the operation of ctx resolves in the calling goroutine.
func inline(ctx context.Context) bool {
	t, _ := ctx.Value(opTuningKey{}).(*opTuning)
	return t != nil && !t.stock && !t.l.Waited()
}

// tuned reports whether the operation of ctx runs the tuned executor (a field that only reads
// its object is then answered directly, graph/tunegen).
func tuned(ctx context.Context) bool {
	t, _ := ctx.Value(opTuningKey{}).(*opTuning)
	return t != nil && !t.stock
}

// newTuning is the tuning of an operation with that text.
func newTuning(rawQuery string, stock, noPlans bool, l *loaders.Loaders) *opTuning {
	return &opTuning{stock: stock, noPlans: noPlans, deferred: strings.Contains(rawQuery, "@defer"), l: l}
}

// marshalList stands for graphql.MarshalSliceConcurrently (same arguments, same result).
func marshalList(ctx context.Context, length int, workerLimit int64, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	if length <= 1 || workerLimit != 0 || !inline(ctx) {
		return graphql.MarshalSliceConcurrently(ctx, length, workerLimit, omitPanicHandler, marshalElement)
	}
	ret := make(graphql.Array, length)
	for i := range length {
		if !inline(ctx) { // an element waited on a loader: the rest wait together
			marshalRest(ctx, ret, i, omitPanicHandler, marshalElement)
			return ret
		}
		ret[i] = marshalElementAt(ctx, i, omitPanicHandler, marshalElement)
	}
	return ret
}

// marshalElementAt marshals element i under its field context, as gqlgen does.
func marshalElementAt(ctx context.Context, i int, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) (res graphql.Marshaler) {
	childCtx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
	if !omitPanicHandler {
		defer func() {
			if r := recover(); r != nil {
				graphql.AddError(childCtx, graphql.Recover(childCtx, r))
				res = graphql.Null
			}
		}()
	}
	return marshalElement(childCtx, i)
}

// marshalRest marshals elements from..len(ret)-1 one goroutine each.
func marshalRest(ctx context.Context, ret graphql.Array, from int, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) {
	var wg sync.WaitGroup
	for i := from; i < len(ret); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ret[i] = marshalElementAt(ctx, i, omitPanicHandler, marshalElement)
		}()
	}
	wg.Wait()
}

// resolveField stands for out.ResolveConcurrently (same arguments, and the field set ctx's).
func resolveField(ctx context.Context, out *graphql.FieldSet, oc *graphql.OperationContext, deferred *graphql.DeferredGroup, i int, recoverFromPanic, nonNull bool, resolve func(ctx context.Context) graphql.Marshaler) {
	if deferred.FieldSet != nil || !inline(ctx) { // an operation with @defer, or one that waits
		out.ResolveConcurrently(oc, deferred, i, recoverFromPanic, nonNull, resolve)
		return
	}
	v := resolveRecovering(ctx, oc, recoverFromPanic, resolve)
	out.Values[i] = v
	if (nonNull && v == graphql.Null) || (!nonNull && v == graphql.RequiredNull) {
		atomic.AddUint32(&out.Invalids, 1)
	}
}

// resolveRecovering runs resolve; with recoverFromPanic, a panic is reported and gives null,
// as gqlgen's scheduled resolution does.
func resolveRecovering(ctx context.Context, oc *graphql.OperationContext, recoverFromPanic bool, resolve func(ctx context.Context) graphql.Marshaler) (res graphql.Marshaler) {
	if recoverFromPanic {
		defer func() {
			if r := recover(); r != nil {
				oc.Error(ctx, oc.Recover(ctx, r))
				res = graphql.Null
			}
		}()
	}
	return resolve(ctx)
}

// newDeferredGroup stands for graphql.NewDeferredGroup: an empty group when the operation has no
// @defer (resolveField then never adds to it, and the generated code processes a group only
// when it holds something).
func newDeferredGroup(ctx context.Context, oc *graphql.OperationContext) graphql.DeferredGroup {
	if t, _ := ctx.Value(opTuningKey{}).(*opTuning); t != nil && !t.stock && !t.deferred {
		return graphql.DeferredGroup{}
	}
	return graphql.NewDeferredGroup(ctx)
}
