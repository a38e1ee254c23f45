package graph

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/kgql/kgql/store"
)

// The compiled read path. A query — not a mutation, not a subscription, without `@defer` — is
// compiled once into a plan: its selection sets collected per object type (fragments, aliases,
// `@include`/`@skip` resolved), each field bound to what reads it. The plan is then run in two
// passes over the operation's records:
//
//  1. resolve, level by level: each object or list field is read once for all the objects of its
//     level — one call of a batch resolver for the whole level, or the field's own read per
//     object (a link served by the prefetch memo, a plain field) — and the objects it returns
//     make the next level;
//  2. write, depth first: the JSON of the answer, straight into one buffer; scalars and enums
//     through gqlgen's own marshallers.
//
// What reads a field is taken from gqlgen's generated code, not written again: graph/tunegen
// copies, for every field, the closure that reads its value, the batch call of a batch
// resolver, and the field's argument parsing (plan_gen.go). gqlgen still parses, validates,
// computes the cost and runs everything around the executor; a plan replaces only its walk
// over the fields: no goroutine, no field context, field set or marshaller per object.
//
// The plan answers only what it answers exactly as gqlgen's executor would: the first error,
// null in a non-null position or panic makes it give the operation back to gqlgen's executor
// (tuned, graph/executor.go), which answers it from the start — with the operation's memo
// already filled, so the second run reads nothing again. A field the table does not have
// (introspection, a field with a directive) makes the operation not compiled at all. The
// differential tests (graph/executor_test.go, graph/plan_fuzz_test.go) answer every query of the
// suite with both and require the same bytes.

// planField is what reads one field (plan_gen.go).
type planField struct {
	// context parses the field's arguments into its field context, as gqlgen does.
	context func(*executionContext, context.Context, graphql.CollectedField) (*graphql.FieldContext, error)
	// value reads the field's Go value for one object (nil for a batch field).
	value func(*executionContext, context.Context, graphql.CollectedField, any) (any, error)
	// batch reads a batch field for a list of objects, one value each.
	batch func(*executionContext, context.Context, graphql.CollectedField, []any) ([]any, error)
	// leaf answers a scalar or enum field with gqlgen's marshaller.
	leaf func(*executionContext, context.Context, graphql.CollectedField, any) graphql.Marshaler
	// text reads a String or ID field answered directly (false: null); the plan writes it with
	// writeQuoted, not through a marshaller. Nil for other fields.
	text func(*executionContext, any) (string, bool)
}

// writeQuoted writes s as a JSON string exactly as gqlgen's String and ID marshallers do:
// quote, backslash and the control characters escaped (\t, \r, \n, else \u00XX), every other
// byte as it is — invalid UTF-8 included.
func writeQuoted(w *bytes.Buffer, s string) {
	const hex = "0123456789ABCDEF"
	w.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		w.WriteString(s[start:i])
		switch c {
		case '\t':
			w.WriteString(`\t`)
		case '\r':
			w.WriteString(`\r`)
		case '\n':
			w.WriteString(`\n`)
		case '"', '\\':
			w.WriteByte('\\')
			w.WriteByte(c)
		default:
			w.WriteString(`\u00`)
			w.WriteByte(hex[c>>4])
			w.WriteByte(hex[c&0xf])
		}
		start = i + 1
	}
	w.WriteString(s[start:])
	w.WriteByte('"')
}

// planAnys is a batch resolver's results as values.
func planAnys[T any](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

type fieldKind uint8

const (
	kindTypename fieldKind = iota
	kindLeaf
	kindObject
	kindList
)

// selPlan is a selection set on one object type.
type selPlan struct {
	typeName string
	typeJSON []byte // the type's name as a JSON string, for __typename
	fields   []*fieldPlan
}

// fieldPlan is one field of a selection set.
type fieldPlan struct {
	key         []byte // `"alias":`
	field       graphql.CollectedField
	pf          *planField
	kind        fieldKind
	nonNull     bool                // an object or list field that is non-null
	elemNonNull bool                // a list whose elements are non-null
	child       *selPlan            // the selection on the field's object type
	children    map[string]*selPlan // the selections per concrete type, for an interface or union
}

// plan is a compiled operation; a nil *plan is one that is not compiled.
type plan struct{ root *selPlan }

// planCompiler compiles the operations of one operation context.
type planCompiler struct {
	oc        *graphql.OperationContext
	schema    *ast.Schema
	satisfies map[string][]string
	nodes     int
}

// maxPlanFields bounds a plan's size (a query past it is answered by gqlgen's executor).
const maxPlanFields = 5000

func compilePlan(oc *graphql.OperationContext, schema *ast.Schema) *plan {
	c := &planCompiler{oc: oc, schema: schema, satisfies: map[string][]string{}}
	root, ok := c.selection(schema.Query, oc.Operation.SelectionSet)
	if !ok {
		return nil
	}
	return &plan{root: root}
}

// implementors is what an object of type def satisfies: itself, its interfaces, its unions.
func (c *planCompiler) implementors(def *ast.Definition) []string {
	if s, ok := c.satisfies[def.Name]; ok {
		return s
	}
	s := append([]string{def.Name}, def.Interfaces...)
	for _, t := range c.schema.Types {
		if t.Kind == ast.Union && slices.Contains(t.Types, def.Name) {
			s = append(s, t.Name)
		}
	}
	c.satisfies[def.Name] = s
	return s
}

func (c *planCompiler) selection(def *ast.Definition, sel ast.SelectionSet) (*selPlan, bool) {
	sp := &selPlan{typeName: def.Name, typeJSON: []byte(strconv.Quote(def.Name))}
	seen := map[string]bool{}
	for _, f := range graphql.CollectFields(c.oc, sel, c.implementors(def)) {
		if c.nodes++; c.nodes > maxPlanFields || len(f.Deferrables) > 0 {
			return nil, false
		}
		if seen[f.Alias] {
			continue
		}
		seen[f.Alias] = true
		fp := &fieldPlan{key: []byte(strconv.Quote(f.Alias) + ":"), field: f}
		sp.fields = append(sp.fields, fp)
		if f.Name == "__typename" {
			fp.kind = kindTypename
			continue
		}
		fp.pf = planFields[def.Name+"."+f.Name]
		if fp.pf == nil || f.Definition == nil {
			return nil, false // introspection, or a field with a directive
		}
		t := f.Definition.Type
		named := c.schema.Types[t.Name()]
		if named == nil {
			return nil, false
		}
		if named.Kind == ast.Scalar || named.Kind == ast.Enum {
			fp.kind = kindLeaf
			continue
		}
		fp.kind, fp.nonNull = kindObject, t.NonNull
		if t.Elem != nil {
			if t.Elem.Elem != nil {
				return nil, false // a list of lists: none in the schema
			}
			fp.kind, fp.elemNonNull = kindList, t.Elem.NonNull
		}
		if fp.pf.value == nil && fp.pf.batch == nil {
			return nil, false
		}
		switch named.Kind {
		case ast.Object:
			child, ok := c.selection(named, f.Selections)
			if !ok {
				return nil, false
			}
			fp.child = child
		case ast.Interface, ast.Union:
			fp.children = map[string]*selPlan{}
			for _, pt := range c.schema.GetPossibleTypes(named) {
				if pt.Kind != ast.Object {
					continue // an interface that implements this one (Entity, for Node)
				}
				child, ok := c.selection(pt, f.Selections)
				if !ok {
					return nil, false
				}
				fp.children[pt.Name] = child
			}
		default:
			return nil, false
		}
	}
	return sp, true
}

// planTypeName is the schema type of a value of an interface or union field: its record's kind,
// whose names are the schema's (store.Kind.String, as prefetch.go's satisfies uses them).
func planTypeName(v any) string {
	if r, ok := v.(interface{ Rec() *store.Node }); ok && r.Rec() != nil {
		return r.Rec().Kind.String()
	}
	return ""
}

// planCache keeps the plans of the operations seen lately, per operation and, for an operation
// whose `@include`/`@skip` read variables, per value of those variables.
type planCache struct {
	ops perOperation[*byDirectives[*plan]]
}

func newPlanCache() *planCache {
	return &planCache{ops: perOperation[*byDirectives[*plan]]{max: maxPlans}}
}

// byDirectives keeps an operation's values per value of the variables its @include and @skip
// read (field collection depends on them): the plans, the look-ahead's memos (prefetch.go).
type byDirectives[V any] struct {
	vars []string // the variables that @include and @skip read, sorted
	mu   sync.Mutex
	m    map[string]V // by the values of vars; emptied when it holds maxPlansPerOp
}

func newByDirectives[V any](oc *graphql.OperationContext) *byDirectives[V] {
	return &byDirectives[V]{vars: directiveVars(oc.Doc, oc.Operation), m: map[string]V{}}
}

// get returns the value for the operation's variables, made by build (under the lock) the first
// time.
func (e *byDirectives[V]) get(variables map[string]any, build func() V) V {
	key := ""
	if len(e.vars) > 0 {
		var b strings.Builder
		for _, v := range e.vars { // Boolean values (validated)
			fmt.Fprintf(&b, "%s=%v;", v, variables[v])
		}
		key = b.String()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	v, ok := e.m[key]
	if !ok {
		if len(e.m) >= maxPlansPerOp {
			clear(e.m)
		}
		v = build()
		e.m[key] = v
	}
	return v
}

// maxPlans bounds the operations kept and maxPlansPerOp the plans kept per operation (each is
// emptied when full).
const (
	maxPlans      = 1000
	maxPlansPerOp = 16
)

func (pc *planCache) get(oc *graphql.OperationContext, schema *ast.Schema) *plan {
	e := pc.ops.get(oc.Operation, func() *byDirectives[*plan] { return newByDirectives[*plan](oc) })
	return e.get(oc.Variables, func() *plan { return compilePlan(oc, schema) })
}

// directiveVars lists the variables that @include and @skip read in the operation and the
// fragments it spreads.
func directiveVars(doc *ast.QueryDocument, op *ast.OperationDefinition) []string {
	found := map[string]bool{}
	seenFrag := map[string]bool{}
	var dirs func(ast.DirectiveList)
	dirs = func(ds ast.DirectiveList) {
		for _, d := range ds {
			if d.Name != "include" && d.Name != "skip" {
				continue
			}
			for _, a := range d.Arguments {
				if a.Value != nil && a.Value.Kind == ast.Variable {
					found[a.Value.Raw] = true
				}
			}
		}
	}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				dirs(s.Directives)
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				dirs(s.Directives)
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				dirs(s.Directives)
				if !seenFrag[s.Name] {
					seenFrag[s.Name] = true
					if f := doc.Fragments.ForName(s.Name); f != nil {
						walk(f.SelectionSet)
					}
				}
			}
		}
	}
	walk(op.SelectionSet)
	out := make([]string, 0, len(found))
	for v := range found {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// planGroup is the objects of one level that one selection applies to, and what its object and
// list fields read for them.
type planGroup struct {
	sp     *selPlan
	objs   []any
	fields []*planFieldValues // per field of sp (nil for __typename and leaves)
}

// planFieldValues is one field's values for the objects of a group, and the groups of the
// objects they hold. The write pass takes the child objects in the order the resolve pass put
// them in the child groups, so it only counts (next).
type planFieldValues struct {
	vals      []any
	child     *planGroup
	children  map[string]*planGroup
	nextChild int                // the next object of child
	next      map[*planGroup]int // the next object of each of children
}

// planRun is one run of a plan.
type planRun struct {
	ec  *executionContext
	ctx context.Context
	buf bytes.Buffer
}

// errPlanDeclined makes a run give the operation back to gqlgen's executor.
type errPlanDeclined struct{}

func (r *planRun) decline() { panic(errPlanDeclined{}) }

// run answers the operation, or reports false to give it back (no answer was sent: the caller
// runs gqlgen's executor).
func (p *plan) run(ctx context.Context, ec *executionContext) (data []byte, ok bool) {
	r := &planRun{ec: ec, ctx: graphql.WithFreshResponseContext(ctx)}
	defer func() {
		if v := recover(); v != nil {
			data, ok = nil, false
		}
	}()
	root := &planGroup{sp: p.root, objs: []any{nil}}
	r.resolve(root)
	r.buf.Grow(4096)
	r.write(root, 0)
	if len(graphql.GetErrors(r.ctx)) > 0 {
		return nil, false
	}
	for k, v := range graphql.GetExtensions(r.ctx) {
		graphql.RegisterExtension(ctx, k, v)
	}
	return r.buf.Bytes(), true
}

// resolve reads the object and list fields of g for all its objects, then the levels below.
func (r *planRun) resolve(g *planGroup) {
	g.fields = make([]*planFieldValues, len(g.sp.fields))
	for i, fp := range g.sp.fields {
		if fp.kind != kindObject && fp.kind != kindList {
			continue
		}
		fv := r.read(fp, g.objs)
		g.fields[i] = fv
		if fv.child != nil && len(fv.child.objs) > 0 {
			r.resolve(fv.child)
		}
		if len(fv.children) > 0 { // an interface or union: its types in order
			for _, name := range slices.Sorted(maps.Keys(fv.children)) {
				r.resolve(fv.children[name])
			}
		}
	}
}

// read reads field fp of every object of a level and groups the objects it holds.
func (r *planRun) read(fp *fieldPlan, objs []any) *planFieldValues {
	fc, err := fp.pf.context(r.ec, r.ctx, fp.field)
	if err != nil {
		r.decline()
	}
	ctx := graphql.WithFieldContext(r.ctx, fc)
	var vals []any
	if fp.pf.batch != nil {
		vals, err = fp.pf.batch(r.ec, ctx, fp.field, objs)
		if err != nil || len(vals) != len(objs) {
			r.decline()
		}
	} else {
		vals = make([]any, len(objs))
		for i, o := range objs {
			if vals[i], err = fp.pf.value(r.ec, ctx, fp.field, o); err != nil {
				r.decline()
			}
		}
	}
	var fv *planFieldValues
	if fp.child != nil { // one object type: its group holds at most this many objects
		n := len(vals)
		if fp.kind == kindList {
			n = 0
			for _, v := range vals {
				if v != nil {
					if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice {
						n += rv.Len()
					}
				}
			}
		}
		both := &struct { // one allocation for the values and their group
			fv planFieldValues
			g  planGroup
		}{planFieldValues{vals: vals}, planGroup{sp: fp.child, objs: make([]any, 0, n)}}
		fv = &both.fv
		fv.child = &both.g
	} else {
		fv = &planFieldValues{vals: vals}
	}
	add := func(v any) {
		if fp.child != nil {
			fv.child.objs = append(fv.child.objs, v)
			return
		}
		name := planTypeName(v)
		sp := fp.children[name]
		if sp == nil {
			r.decline()
		}
		if fv.children == nil {
			fv.children = map[string]*planGroup{}
		}
		cg := fv.children[name]
		if cg == nil {
			cg = &planGroup{sp: sp}
			fv.children[name] = cg
		}
		cg.objs = append(cg.objs, v)
	}
	for i, v := range vals {
		if fp.kind == kindObject {
			if isNil(v) {
				if fp.nonNull {
					r.decline()
				}
				vals[i] = nil
				continue
			}
			add(v)
			continue
		}
		if v == nil {
			if fp.nonNull {
				r.decline()
			}
			continue
		}
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice {
			r.decline()
		}
		if rv.IsNil() && !fp.nonNull { // gqlgen answers a nil list null where null is allowed
			vals[i] = nil
			continue
		}
		for k := range rv.Len() {
			e := rv.Index(k).Interface()
			if isNil(e) {
				if fp.elemNonNull {
					r.decline()
				}
				continue
			}
			add(e)
		}
	}
	return fv
}

// take returns the next object of the group for value v, in write order.
func (fv *planFieldValues) take(fp *fieldPlan, v any) (*planGroup, int) {
	if fv.child != nil {
		fv.nextChild++
		return fv.child, fv.nextChild - 1
	}
	g := fv.children[planTypeName(v)]
	if fv.next == nil {
		fv.next = map[*planGroup]int{}
	}
	i := fv.next[g]
	fv.next[g] = i + 1
	return g, i
}

var (
	jsonNull  = []byte("null")
	jsonOpen  = []byte("{")
	jsonClose = []byte("}")
)

// write writes object i of g.
func (r *planRun) write(g *planGroup, i int) {
	w := &r.buf
	w.Write(jsonOpen)
	for fi, fp := range g.sp.fields {
		if fi > 0 {
			w.WriteByte(',')
		}
		w.Write(fp.key)
		switch fp.kind {
		case kindTypename:
			w.Write(g.sp.typeJSON)
		case kindLeaf:
			if fp.pf.text == nil {
				fp.pf.leaf(r.ec, r.ctx, fp.field, g.objs[i]).MarshalGQL(w)
			} else if s, ok := fp.pf.text(r.ec, g.objs[i]); ok {
				writeQuoted(w, s)
			} else {
				w.Write(jsonNull)
			}
		case kindObject:
			fv := g.fields[fi]
			v := fv.vals[i]
			if v == nil {
				w.Write(jsonNull)
				continue
			}
			cg, ci := fv.take(fp, v)
			r.write(cg, ci)
		case kindList:
			fv := g.fields[fi]
			v := fv.vals[i]
			if v == nil {
				w.Write(jsonNull)
				continue
			}
			rv := reflect.ValueOf(v)
			w.WriteByte('[')
			for k := range rv.Len() {
				if k > 0 {
					w.WriteByte(',')
				}
				e := rv.Index(k).Interface()
				if isNil(e) {
					w.Write(jsonNull)
					continue
				}
				cg, ci := fv.take(fp, e)
				r.write(cg, ci)
			}
			w.WriteByte(']')
		}
	}
	w.Write(jsonClose)
}

// plans are the compiled operations of every handler (they depend only on the schema).
var plans = newPlanCache()

// planAnswered and planGivenBack count the operations a plan answered and those it gave back to
// gqlgen's executor (for tests).
var planAnswered, planGivenBack atomic.Int64

// rawJSON is an answer already written.
type rawJSON []byte

func (j rawJSON) MarshalGQL(w io.Writer) { w.Write(j) }

// planQuery answers a query operation with its plan when it has one and the plan answers it,
// else with gqlgen's executor (graph/tunegen puts this call where gqlgen's Exec calls _Query).
func (ec *executionContext) planQuery(ctx context.Context, sel ast.SelectionSet) graphql.Marshaler {
	t, _ := ctx.Value(opTuningKey{}).(*opTuning)
	if t != nil && !t.stock && !t.noPlans && !t.deferred {
		if p := plans.get(ec.OperationContext, ec.Schema()); p != nil {
			if data, ok := p.run(ctx, ec); ok {
				planAnswered.Add(1)
				return rawJSON(data)
			}
			planGivenBack.Add(1)
		}
	}
	return ec._Query(ctx, sel)
}
