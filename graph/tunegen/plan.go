package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The field table of the compiled read path (graph/plan.go), written to plan_gen.go beside the
// executor. For every field of every object type that a query can read (not Mutation, not
// Subscription, not introspection), gqlgen generates `_Type_field`, whose body is one call of
// graphql.ResolveField with, among its arguments, the field's context function (arguments
// parsed), the closure that reads the field's Go value, and the marshaller. The table gives the
// compiled path the same three parts, taken from that code and not written twice:
//
//	planValue_Type_field — the closure's body as generated: the field's Go value, unmarshalled;
//	planBatch_Type_field — for a batch resolver, its call for a whole list of parents, as in
//	                       gqlgen's resolveBatch_Type_field;
//	planLeaf_Type_field  — `_Type_field` itself, for scalar and enum fields (marshalled as gqlgen
//	                       marshals them);
//	planText_Type_field  — for a String or ID field answered directly, its text (false: null),
//	                       which the plan writes without a marshaller.
//
// A field whose ResolveField has a middleware (a directive) is left out: the compiled path then
// declines the operation.

var fieldFunc = regexp.MustCompile(`^_([A-Z][A-Za-z0-9]*)_([a-z][A-Za-z0-9]*)$`)

type planEntry struct {
	object, field string
	objType       string // "" for Query's fields
	context       string // the fieldContext_ function
	value         string // the closure's body (not for batch fields)
	direct        string // the marshalling of a field answered directly (main.go's rule), or ""
	batch         *batchCall
	text          bool // a planText_ function was written
}

// textField matches the direct marshalling of a String or ID field: its marshaller and the
// expression of its value.
var textField = regexp.MustCompile(`^return ec\.(marshalNString2string|marshalNID2string|marshalOString2ᚖstring)\(ctx, field\.Selections, (.+)\)$`)

type batchCall struct {
	resolver string // `resolver := ec.Resolvers.T()`
	parent   string // the parents' Go type
	call     string // the resolver's call, for `parents`
}

// planTable writes plan_gen.go's source for the executor src.
func planTable(src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "generated.go", src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	text := func(n ast.Node) string {
		return string(src[fset.Position(n.Pos()).Offset:fset.Position(n.End()).Offset])
	}
	funcs := map[string]*ast.FuncDecl{}
	var order []string
	for _, d := range file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil {
			funcs[fd.Name.Name] = fd
			order = append(order, fd.Name.Name)
		}
	}
	var entries []planEntry
	for _, name := range order {
		m := fieldFunc.FindStringSubmatch(name)
		if m == nil || m[1] == "Mutation" || m[1] == "Subscription" {
			continue
		}
		fd := funcs[name]
		params := fd.Type.Params.List
		e := planEntry{object: m[1], field: m[2]}
		if len(params) == 3 {
			e.objType = text(params[2].Type)
			if strings.HasPrefix(e.objType, "*introspection.") {
				continue
			}
		} else if len(params) != 2 || m[1] != "Query" {
			continue
		}
		ret, ok := fd.Body.List[len(fd.Body.List)-1].(*ast.ReturnStmt)
		if !ok || len(ret.Results) != 1 {
			continue
		}
		call, ok := ret.Results[0].(*ast.CallExpr)
		if !ok || text(call.Fun) != "graphql.ResolveField" || len(call.Args) != 9 {
			continue
		}
		if id, ok := call.Args[5].(*ast.Ident); !ok || id.Name != "nil" {
			continue // a middleware: not compiled
		}
		fcLit, ok1 := call.Args[3].(*ast.FuncLit)
		valLit, ok2 := call.Args[4].(*ast.FuncLit)
		if !ok1 || !ok2 || len(fcLit.Body.List) != 1 {
			return nil, fmt.Errorf("%s: ResolveField's arguments are not the closures expected: gqlgen's output changed", name)
		}
		fcRet, ok := fcLit.Body.List[0].(*ast.ReturnStmt)
		if !ok {
			return nil, fmt.Errorf("%s: no field context call", name)
		}
		fcCall, ok := fcRet.Results[0].(*ast.CallExpr)
		if !ok {
			return nil, fmt.Errorf("%s: no field context call", name)
		}
		e.context = strings.TrimPrefix(text(fcCall.Fun), "ec.")
		if ifs, ok := fd.Body.List[0].(*ast.IfStmt); ok && text(ifs.Cond) == "tuned(ctx)" && len(ifs.Body.List) == 1 {
			e.direct = text(ifs.Body.List[0]) // return ec.marshal…(ctx, field.Selections, obj.F)
		}
		body := valLit.Body
		e.value = "\t" + strings.TrimSpace(string(src[fset.Position(body.Lbrace).Offset+1:fset.Position(body.Rbrace).Offset])) + "\n"
		if strings.TrimSpace(e.value) == fmt.Sprintf("return ec.resolveBatch_%s_%s(ctx, field, obj)", e.object, e.field) {
			b, err := batchOf(funcs["resolveBatch_"+e.object+"_"+e.field], text)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			e.batch, e.value = b, ""
		}
		entries = append(entries, e)
	}
	if len(entries) < 50 {
		return nil, fmt.Errorf("only %d fields for the compiled read path: gqlgen's output changed", len(entries))
	}
	return writePlanTable(file, entries)
}

// batchOf reads the batch call out of a resolveBatch_ function.
func batchOf(fd *ast.FuncDecl, text func(ast.Node) string) (*batchCall, error) {
	if fd == nil || len(fd.Body.List) < 2 {
		return nil, fmt.Errorf("no batch function")
	}
	b := &batchCall{resolver: text(fd.Body.List[0])}
	var ifs *ast.IfStmt
	for _, st := range fd.Body.List {
		if i, ok := st.(*ast.IfStmt); ok && i.Init != nil && ifs == nil {
			ifs = i
		}
	}
	if ifs == nil || !strings.HasPrefix(b.resolver, "resolver := ") {
		return nil, fmt.Errorf("the batch function's shape changed")
	}
	init := ifs.Init.(*ast.AssignStmt)
	pc, ok := init.Rhs[0].(*ast.CallExpr)
	if !ok {
		return nil, fmt.Errorf("no BatchParentsFor")
	}
	ix, ok := pc.Fun.(*ast.IndexExpr)
	if !ok || !strings.HasSuffix(text(ix.X), "BatchParentsFor") {
		return nil, fmt.Errorf("no BatchParentsFor")
	}
	b.parent = text(ix.Index)
	ast.Inspect(ifs.Body, func(n ast.Node) bool {
		if lit, ok := n.(*ast.FuncLit); ok && len(lit.Body.List) == 1 {
			if r, ok := lit.Body.List[0].(*ast.ReturnStmt); ok && len(r.Results) == 1 {
				b.call = strings.Replace(text(r.Results[0]), "batch.Parents", "parents", 1)
			}
			return false
		}
		return true
	})
	if b.call == "" || !strings.Contains(b.call, "(ctx, parents") {
		return nil, fmt.Errorf("no batch call")
	}
	return b, nil
}

func writePlanTable(file *ast.File, entries []planEntry) ([]byte, error) {
	var out bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&out, format, args...) }
	for k := range entries {
		e := &entries[k]
		id := e.object + "_" + e.field
		obj := func(body string) string {
			if e.objType == "" || !regexp.MustCompile(`\bobj\b`).MatchString(body) {
				return ""
			}
			return "\tobj := o.(" + e.objType + ")\n"
		}
		if e.batch != nil {
			fc := ""
			if strings.Contains(e.batch.call, "fc.") {
				fc = "\tfc := graphql.GetFieldContext(ctx)\n"
			}
			w("\nfunc (ec *executionContext) planBatch_%s(ctx context.Context, field graphql.CollectedField, objs []any) ([]any, error) {\n\t%s\n%s", id, e.batch.resolver, fc)
			w("\tparents := make([]%s, len(objs))\n\tfor i, o := range objs {\n\t\tparents[i] = o.(%s)\n\t}\n", e.batch.parent, e.batch.parent)
			w("\tresults, err := %s\n\tif err != nil {\n\t\treturn nil, err\n\t}\n\treturn planAnys(results), nil\n}\n", e.batch.call)
		} else {
			w("\nfunc (ec *executionContext) planValue_%s(ctx context.Context, field graphql.CollectedField, o any) (any, error) {\n%s%s}\n", id, obj(e.value), e.value)
		}
		if m := textField.FindStringSubmatch(e.direct); m != nil && e.objType != "" {
			// A String or ID field answered directly: its text, which the plan writes as
			// gqlgen's string marshaller would (graph/plan.go, appendQuoted).
			read := "\treturn " + m[2] + ", true\n"
			if m[1] == "marshalOString2ᚖstring" {
				read = "\tv := " + m[2] + "\n\tif v == nil {\n\t\treturn \"\", false\n\t}\n\treturn *v, true\n"
			}
			w("\nfunc (ec *executionContext) planText_%s(o any) (string, bool) {\n%s%s}\n", id, obj(m[2]), read)
			e.text = true
		}
		if e.direct != "" && e.objType != "" {
			// A field main.go's rule answers directly: the same marshalling, without the test of
			// the operation's tuning (a plan runs only in a tuned operation).
			w("\nfunc (ec *executionContext) planLeaf_%s(ctx context.Context, field graphql.CollectedField, o any) graphql.Marshaler {\n%s\t%s\n}\n", id, obj(e.direct), e.direct)
		} else if e.objType == "" {
			w("\nfunc (ec *executionContext) planLeaf_%s(ctx context.Context, field graphql.CollectedField, _ any) graphql.Marshaler {\n\treturn ec._%s(ctx, field)\n}\n", id, id)
		} else {
			w("\nfunc (ec *executionContext) planLeaf_%s(ctx context.Context, field graphql.CollectedField, o any) graphql.Marshaler {\n\treturn ec._%s(ctx, field, o.(%s))\n}\n", id, id, e.objType)
		}
	}
	w("\n// planFields are the fields of the compiled read path, by \"Type.field\".\nvar planFields = map[string]*planField{\n")
	sorted := append([]planEntry(nil), entries...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return sorted[i].object+"."+sorted[i].field < sorted[j].object+"."+sorted[j].field
	})
	for _, e := range sorted {
		id := e.object + "_" + e.field
		w("\t%s: {context: (*executionContext).%s, leaf: (*executionContext).planLeaf_%s", strconv.Quote(e.object+"."+e.field), e.context, id)
		if e.text {
			w(", text: (*executionContext).planText_%s", id)
		}
		if e.batch != nil {
			w(", batch: (*executionContext).planBatch_%s},\n", id)
		} else {
			w(", value: (*executionContext).planValue_%s},\n", id)
		}
	}
	w("}\n")
	body := out.String()
	var head bytes.Buffer
	head.WriteString("// Code generated by graph/tunegen from generated.go (see graph/tunegen/plan.go). DO NOT EDIT.\n\npackage graph\n\nimport (\n")
	for _, imp := range file.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		name := path[strings.LastIndex(path, "/")+1:]
		if imp.Name != nil {
			name = imp.Name.Name
		}
		if regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\.`).MatchString(body) {
			alias := ""
			if imp.Name != nil {
				alias = imp.Name.Name + " "
			}
			head.WriteString("\t" + alias + imp.Path.Value + "\n")
		}
	}
	head.WriteString(")\n")
	return format.Source(append(head.Bytes(), body...))
}
