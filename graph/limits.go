package graph

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// Operation limits. Two kinds of bound protect the server from one operation:
//
//   - Shape limits (depth, selections, fragment spreads, root fields, directives per field,
//     variables size, tokens) are checked by shapeLimits, an OperationParameterMutator: gqlgen
//     calls it before it parses and validates the query, so an operation over a limit is refused
//     in about the time it takes to parse it, never after gqlparser's validation (whose
//     OverlappingFieldsCanBeMerged rule is quadratic in the fields of a selection set: 10,000
//     aliases of one field take seconds to validate). The walk expands fragments with
//     memoization (a fragment's shape is computed once, however often it is spread), so a
//     fragment "bomb" (A spreads B twice, B spreads C twice, …) costs the size of its text;
//     fragment cycles count as empty (validation refuses them afterwards). The measurements of a
//     query text are cached (LRU keyed by the text, or by its SHA-256 past 2 KiB), so a cached
//     query is not walked again.
//   - The cost limit (graph/complexity.go) runs after validation, on the validated document,
//     like gqlgen's FixedComplexityLimit that it wraps.
//   - The time limit: every query and mutation runs under a context deadline of QueryTimeout;
//     store scans, sorts, aggregates, text searches and walks check it (store/query,
//     store/textindex, store/paths.go) and stop. Subscriptions are not bounded in time (each
//     event's resolution is short; the stream lives as long as the client wants).
//
// Every refusal is QUERY_TOO_COMPLEX. A shape refusal names the limit in extensions.limit
// ("depth", "selections", "fragmentSpreads", "rootFields", "directives", "variablesBytes",
// "tokens") with extensions.max and the measured extensions.value; the cost refusal has limit
// "complexity"; a time-out has extensions.bound "time" and extensions.limit (e.g. "10s"), as a
// walk's time bound does.

// Default limits. They were measured on every query of the README (Try it, the cookbook, paths),
// the playground's ExampleQuery, bench/queries/* and GraphiQL's introspection query (the one
// GraphiQL 4 sends to fill its Docs pane), in graph/limits_test.go (TestLimitsKnownQueries; -v prints the table):
//
//	                    README + bench max   GraphiQL introspection   default
//	depth               9 (ExampleQuery)     15                       15
//	selections          29 (Try it #1)       229                      500
//	fragment spreads    1                    10                       500
//	root fields         2                    1                        100
//	directives / field  1                    1                        5
//	tokens              70                   183                      5,000
const (
	// DefaultMaxDepth bounds how deeply fields nest (a root field is at depth 1). GraphiQL's
	// introspection query is 15 deep (__schema › types › fields › args › type › 9 × ofType ›
	// kind): a lower limit breaks the playground's Docs pane.
	DefaultMaxDepth = 15
	// DefaultMaxSelections bounds the fields (aliases included) of the whole document, counted
	// after fragment expansion: a field is counted each time it is reached. 500 leaves twice the
	// room of GraphiQL's introspection query and 17 times the largest README query, and keeps the
	// worst document that passes cheap to validate: gqlparser's OverlappingFieldsCanBeMerged is
	// quadratic in copies of one field (500 copies ~15 ms, 1,000 ~80 ms, 10,000 ~8 s).
	DefaultMaxSelections = 500
	// DefaultMaxFragmentSpreads bounds the fragment spreads of the document, counted after
	// expansion (a spread inside a fragment spread twice counts twice).
	DefaultMaxFragmentSpreads = 500
	// DefaultMaxRootFields bounds the root fields of one operation (after fragment expansion).
	DefaultMaxRootFields = 100
	// DefaultMaxDirectivesPerField bounds the directives on one field, fragment spread, inline
	// fragment or definition (@include and @skip, with room to spare).
	DefaultMaxDirectivesPerField = 5
	// DefaultMaxVariablesBytes bounds the size of an operation's variables: 1 MiB, the HTTP body
	// limit (an importRecords of 1 MiB of NDJSON passes a variable that large) and gqlgen's
	// websocket message limit, so that it refuses only what a transport would let through
	// otherwise (a handler embedded with larger body limits).
	DefaultMaxVariablesBytes = 1 << 20
	// DefaultMaxTokens bounds the lexical tokens of a query (gqlparser's token limit): 27 times
	// GraphiQL's introspection query (the largest known), and enough for the 500 selections
	// with arguments. The parser stops at the limit: refusing 10,000 aliases costs ~2.5 ms of
	// server time at 5,000 tokens, ~6.5 ms at 20,000 (bench/bombs).
	DefaultMaxTokens = 5000
	// DefaultQueryTimeout bounds how long a query or mutation may run.
	DefaultQueryTimeout = 10 * time.Second
	// DefaultMaxBatch bounds the operations of one batched request (a JSON array, as Apollo's
	// BatchHttpLink sends; its own default is 10).
	DefaultMaxBatch = 20
)

// Limits bound an operation's shape and running time. Zero fields take their defaults
// (DefaultLimits); a negative field turns that limit off.
type Limits struct {
	// MaxDepth bounds how deeply fields nest; a root field is at depth 1.
	MaxDepth int
	// MaxSelections bounds the fields and aliases of the document, counted after fragment
	// expansion, the same field counted each time it is reached.
	MaxSelections int
	// MaxFragmentSpreads bounds the fragment spreads expanded in the document.
	MaxFragmentSpreads int
	// MaxRootFields bounds the root fields of one operation.
	MaxRootFields int
	// MaxDirectivesPerField bounds the directives on one field (or fragment spread, inline
	// fragment, operation or fragment definition).
	MaxDirectivesPerField int
	// MaxVariablesBytes bounds the size of the variables, measured as their compact JSON size
	// without escapes (see variablesSize).
	MaxVariablesBytes int
	// MaxTokens bounds the lexical tokens of the query (gqlparser's parser token limit).
	MaxTokens int
	// QueryTimeout bounds how long a query or mutation runs. Subscriptions are not bounded. The
	// operations of a batch share one time limit (graph/httpapi.go).
	QueryTimeout time.Duration
	// MaxBatch bounds the operations of one batched HTTP request (graph/httpapi.go).
	MaxBatch int
}

// DefaultLimits returns the limits used for zero fields.
func DefaultLimits() Limits {
	return Limits{
		MaxDepth:              DefaultMaxDepth,
		MaxSelections:         DefaultMaxSelections,
		MaxFragmentSpreads:    DefaultMaxFragmentSpreads,
		MaxRootFields:         DefaultMaxRootFields,
		MaxDirectivesPerField: DefaultMaxDirectivesPerField,
		MaxVariablesBytes:     DefaultMaxVariablesBytes,
		MaxTokens:             DefaultMaxTokens,
		QueryTimeout:          DefaultQueryTimeout,
		MaxBatch:              DefaultMaxBatch,
	}
}

// WithDefaults returns l with its zero fields set to their defaults.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	def := func(v *int, dv int) {
		if *v == 0 {
			*v = dv
		}
	}
	def(&l.MaxDepth, d.MaxDepth)
	def(&l.MaxSelections, d.MaxSelections)
	def(&l.MaxFragmentSpreads, d.MaxFragmentSpreads)
	def(&l.MaxRootFields, d.MaxRootFields)
	def(&l.MaxDirectivesPerField, d.MaxDirectivesPerField)
	def(&l.MaxVariablesBytes, d.MaxVariablesBytes)
	def(&l.MaxTokens, d.MaxTokens)
	def(&l.MaxBatch, d.MaxBatch)
	if l.QueryTimeout == 0 {
		l.QueryTimeout = d.QueryTimeout
	}
	return l
}

// shapeCacheSize is how many query texts' shapes are remembered.
const shapeCacheSize = 1000

// shapeKeyText is the longest query text used as its own key in the shape cache.
const shapeKeyText = 2048

// applyLimits installs the limits on the GraphQL server: the shape limits before parsing, the
// cost limit after validation, the time limit around execution.
// It returns the time limit's cause (nil when there is no time limit), which a batch's shared
// deadline reuses.
func applyLimits(srv *handler.Server, l Limits, maxComplexity int) *timeoutError {
	l = l.WithDefaults()
	if l.MaxTokens > 0 {
		srv.SetParserTokenLimit(l.MaxTokens) // gqlgen's own parse agrees with ours
	}
	srv.Use(&shapeLimits{limits: l, cache: lru.New[docShape](shapeCacheSize)})
	srv.Use(newComplexityLimit(maxComplexity))
	if l.QueryTimeout <= 0 {
		return nil
	}
	cause := newTimeoutError(l.QueryTimeout)
	srv.AroundOperations(timeLimit(l.QueryTimeout, cause))
	return cause
}

// ---------------------------------------------------------------------------------------------
// Refusals.

// limitError is the refusal of an operation over a limit, before it runs: QUERY_TOO_COMPLEX with
// the limit's name, its maximum and the value found (the error presenter gives it those
// extensions, from the codedError inside). Over HTTP it is a request error (graph/httpapi.go).
func limitError(limit string, value, maxv int, msg string) *gqlerror.Error {
	ce := &codedError{code: CodeQueryTooComplex, msg: msg, ext: map[string]any{"limit": limit, "max": maxv, "value": value}}
	return &gqlerror.Error{Err: ce, Message: msg}
}

// ---------------------------------------------------------------------------------------------
// Shape limits.

// shapeLimits refuses operations whose shape is over a limit, before gqlgen parses and
// validates them.
type shapeLimits struct {
	limits Limits
	cache  *lru.LRU[docShape]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = &shapeLimits{}

func (*shapeLimits) ExtensionName() string                   { return "kgqlShapeLimits" }
func (*shapeLimits) Validate(graphql.ExecutableSchema) error { return nil }

func (s *shapeLimits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	l := s.limits
	if l.MaxVariablesBytes > 0 && len(p.Variables) > 0 {
		if n := variablesSize(p.Variables, l.MaxVariablesBytes); n > l.MaxVariablesBytes {
			return limitError("variablesBytes", n, l.MaxVariablesBytes,
				fmt.Sprintf("the variables are larger than %d bytes; at most %d are allowed", l.MaxVariablesBytes, l.MaxVariablesBytes))
		}
	}
	if p.Query == "" {
		return nil // an APQ hash alone, or no query: gqlgen answers
	}
	// A short text is its own key (gqlgen's query cache keeps it as well); a long one is keyed by
	// its SHA-256, so the cache holds at most shapeCacheSize × shapeKeyText bytes of keys.
	key := p.Query
	if len(key) > shapeKeyText {
		sum := sha256.Sum256([]byte(p.Query))
		key = "sha256:" + string(sum[:])
	}
	sh, ok := s.cache.Get(ctx, key)
	if !ok {
		sh = measure(p.Query, l.MaxTokens)
		s.cache.Add(ctx, key, sh)
	}
	return sh.check(l)
}

// docShape is what the limits measure of a query text.
type docShape struct {
	tokensOver bool // the parser stopped at the token limit
	depth      int  // deepest field, over every operation and fragment
	selections int  // fields over the document, fragments expanded
	spreads    int  // fragment spreads over the document, expanded
	rootFields int  // the most root fields of one operation
	directives int  // the most directives on one field (or spread, fragment, definition)
}

func (d docShape) check(l Limits) *gqlerror.Error {
	over := func(v, maxv int) bool { return maxv > 0 && v > maxv }
	switch {
	case d.tokensOver:
		return limitError("tokens", l.MaxTokens+1, l.MaxTokens,
			fmt.Sprintf("the query has more than %d tokens; at most %d are allowed", l.MaxTokens, l.MaxTokens))
	case over(d.depth, l.MaxDepth):
		return limitError("depth", d.depth, l.MaxDepth,
			fmt.Sprintf("the operation is %d levels deep; at most %d are allowed", d.depth, l.MaxDepth))
	case over(d.selections, l.MaxSelections):
		return limitError("selections", d.selections, l.MaxSelections,
			fmt.Sprintf("the operation selects %d fields (fragments expanded, aliases included); at most %d are allowed", d.selections, l.MaxSelections))
	case over(d.spreads, l.MaxFragmentSpreads):
		return limitError("fragmentSpreads", d.spreads, l.MaxFragmentSpreads,
			fmt.Sprintf("the operation spreads fragments %d times (expanded); at most %d are allowed", d.spreads, l.MaxFragmentSpreads))
	case over(d.rootFields, l.MaxRootFields):
		return limitError("rootFields", d.rootFields, l.MaxRootFields,
			fmt.Sprintf("the operation has %d root fields; at most %d are allowed", d.rootFields, l.MaxRootFields))
	case over(d.directives, l.MaxDirectivesPerField):
		return limitError("directives", d.directives, l.MaxDirectivesPerField,
			fmt.Sprintf("a field of the operation has %d directives; at most %d are allowed", d.directives, l.MaxDirectivesPerField))
	}
	return nil
}

// measure parses query (with the token limit) and measures its shape. A query that does not
// parse for another reason measures as empty: gqlgen's own parse reports the error.
func measure(query string, maxTokens int) docShape {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, max(maxTokens, 0))
	if err != nil {
		var gerr *gqlerror.Error
		if maxTokens > 0 && errors.As(err, &gerr) && strings.HasPrefix(gerr.Message, "exceeded token limit") {
			return docShape{tokensOver: true}
		}
		return docShape{}
	}
	return measureDoc(doc)
}

// saturation caps the measures: a fragment bomb 64 levels deep must not overflow.
const saturation = 1 << 40

func sadd(a, b int) int { return min(a+b, saturation) }

// shape is the shape of a selection set (or fragment).
type shape struct {
	depth, selections, spreads, rootFields, directives int
}

// walker measures selection sets, each fragment once.
type walker struct {
	frags map[string]*ast.FragmentDefinition
	memo  map[string]*shape // nil value: being measured (a cycle)
}

func measureDoc(doc *ast.QueryDocument) docShape {
	w := &walker{frags: map[string]*ast.FragmentDefinition{}, memo: map[string]*shape{}}
	for _, f := range doc.Fragments {
		if _, dup := w.frags[f.Name]; !dup {
			w.frags[f.Name] = f
		}
	}
	var d docShape
	add := func(s shape, dirs int) {
		d.depth = max(d.depth, s.depth)
		d.selections = sadd(d.selections, s.selections)
		d.spreads = sadd(d.spreads, s.spreads)
		d.directives = max(d.directives, s.directives, dirs)
	}
	for _, op := range doc.Operations {
		s := w.selectionSet(op.SelectionSet)
		add(s, len(op.Directives))
		d.rootFields = max(d.rootFields, s.rootFields)
	}
	// Fragments no operation spreads are validated too (and refused as unused): count them.
	for _, f := range doc.Fragments {
		if _, seen := w.memo[f.Name]; !seen {
			add(w.fragment(f.Name), 0)
		}
		d.directives = max(d.directives, len(f.Directives))
	}
	return d
}

func (w *walker) fragment(name string) shape {
	if s, ok := w.memo[name]; ok {
		if s == nil {
			return shape{} // a cycle: validation refuses it
		}
		return *s
	}
	f := w.frags[name]
	if f == nil {
		return shape{} // unknown: validation refuses it
	}
	w.memo[name] = nil
	s := w.selectionSet(f.SelectionSet)
	w.memo[name] = &s
	return s
}

func (w *walker) selectionSet(set ast.SelectionSet) shape {
	var out shape
	for _, sel := range set {
		var s shape
		var dirs int
		switch sel := sel.(type) {
		case *ast.Field:
			c := w.selectionSet(sel.SelectionSet)
			s = shape{depth: c.depth + 1, selections: sadd(c.selections, 1), spreads: c.spreads, rootFields: 1, directives: c.directives}
			dirs = len(sel.Directives)
		case *ast.InlineFragment:
			s = w.selectionSet(sel.SelectionSet)
			dirs = len(sel.Directives)
		case *ast.FragmentSpread:
			s = w.fragment(sel.Name)
			s.spreads = sadd(s.spreads, 1)
			dirs = len(sel.Directives)
		}
		out.depth = max(out.depth, s.depth)
		out.selections = sadd(out.selections, s.selections)
		out.spreads = sadd(out.spreads, s.spreads)
		out.rootFields = sadd(out.rootFields, s.rootFields)
		out.directives = max(out.directives, s.directives, dirs)
	}
	return out
}

// variablesSize returns the size of vars as compact JSON, without counting escape characters
// (a string counts its bytes and two quotes), stopping once it passes limit. Over HTTP gqlgen has
// already decoded the variables; summing what they hold costs no allocation, where re-encoding
// them would copy up to a megabyte, and it never exceeds the bytes the client sent.
func variablesSize(vars map[string]any, limit int) int {
	n := 0
	var walk func(v any)
	walk = func(v any) {
		if n > limit {
			return
		}
		switch v := v.(type) {
		case nil:
			n += 4
		case string:
			n += len(v) + 2
		case json.Number:
			n += len(v)
		case bool:
			n += 5
		case float64, float32, int, int32, int64, uint, uint32, uint64:
			n += len(fmt.Sprint(v))
		case map[string]any:
			n += 2
			for k, x := range v {
				n += len(k) + 4 // "k": and a comma
				walk(x)
			}
		case []any:
			n += 2
			for _, x := range v {
				n++
				walk(x)
			}
		default:
			b, _ := json.Marshal(v)
			n += len(b)
		}
	}
	walk(map[string]any(vars))
	return n
}

// ---------------------------------------------------------------------------------------------
// Cost limit.

// complexityLimit is gqlgen's FixedComplexityLimit (it records the cost for
// extension.GetComplexityStats, under the same extension name) with kgql's refusal:
// QUERY_TOO_COMPLEX, limit "complexity", the cost and the maximum. The cost of an operation that
// declares no variables depends on nothing else: it is computed once per operation (gqlgen's
// query cache hands out one parsed document per query text) and kept, like the plans
// (graph/plan.go); with variables it is computed every time, as gqlgen does.
type complexityLimit struct {
	*extension.ComplexityLimit
	limit int
	es    graphql.ExecutableSchema
	costs perOperation[int]
}

func newComplexityLimit(limit int) *complexityLimit {
	return &complexityLimit{ComplexityLimit: extension.FixedComplexityLimit(limit), limit: limit, costs: perOperation[int]{max: 1000}}
}

// Validate keeps the schema the cost is computed over.
func (c *complexityLimit) Validate(schema graphql.ExecutableSchema) error {
	c.es = schema
	return c.ComplexityLimit.Validate(schema)
}

func (c *complexityLimit) cost(ctx context.Context, opCtx *graphql.OperationContext) int {
	op := opCtx.Doc.Operations.ForName(opCtx.OperationName)
	if op == nil || len(op.VariableDefinitions) > 0 {
		return complexity.Calculate(ctx, c.es, op, opCtx.Variables)
	}
	return c.costs.get(op, func() int { return complexity.Calculate(ctx, c.es, op, opCtx.Variables) })
}

func (c *complexityLimit) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	cost := c.cost(ctx, op)
	op.Stats.SetExtension(c.ExtensionName(), &extension.ComplexityStats{Complexity: cost, ComplexityLimit: c.limit})
	if cost <= c.limit {
		return nil
	}
	return limitError("complexity", cost, c.limit,
		fmt.Sprintf("the operation costs %d; at most %d is allowed (a list multiplies the cost of what it selects by its page size: ask for smaller pages or fewer nested lists)", cost, c.limit))
}

// ---------------------------------------------------------------------------------------------
// Time limit.

// timeoutError is the cancel cause of an operation's deadline: a QUERY_TOO_COMPLEX error with
// bound "time" that also is context.DeadlineExceeded. The store returns context.Cause(ctx) when a
// scan stops, so the resolvers' errors carry it.
type timeoutError struct{ coded *codedError }

func newTimeoutError(d time.Duration) *timeoutError {
	return &timeoutError{&codedError{
		code: CodeQueryTooComplex,
		msg:  fmt.Sprintf("the operation ran into its time limit (%s) before it could answer; narrow its filters or ask for smaller pages", d),
		ext:  map[string]any{"bound": "time", "limit": d.String()},
	}}
}

func (e *timeoutError) Error() string   { return e.coded.msg }
func (e *timeoutError) Unwrap() []error { return []error{e.coded, context.DeadlineExceeded} }

// timeLimit runs every query and mutation under a deadline of d. The deadline is released as
// soon as the (last) response is produced. The cause is made once and shared (it is read-only):
// an operation's context reports it only when its own deadline fired.
func timeLimit(d time.Duration, cause *timeoutError) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		op := graphql.GetOperationContext(ctx)
		if op == nil || op.Operation == nil || op.Operation.Operation == ast.Subscription {
			return next(ctx)
		}
		ctx, cancel := context.WithTimeoutCause(ctx, d, cause)
		h := next(ctx)
		first := true
		return func(rctx context.Context) *graphql.Response {
			resp := h(rctx)
			if resp == nil && first && context.Cause(ctx) == cause {
				// gqlgen's executor answers nothing when the context is done before it starts;
				// answer the time-out instead.
				resp = &graphql.Response{Errors: gqlerror.List{presentCoded(cause.coded)}}
			}
			first = false
			if resp == nil || resp.HasNext == nil || !*resp.HasNext {
				cancel()
			}
			return resp
		}
	}
}
