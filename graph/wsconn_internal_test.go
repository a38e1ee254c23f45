package graph

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// The cap on operations running at once on one websocket: with gqlgen's real operation
// middleware types and a socket's context as wsInit makes it, operations whose responses are not
// done yet hold their place; one over the cap is answered RATE_LIMITED; a finished query or a
// subscription that ends frees its place.
func TestWebsocketOperationCap(t *testing.T) {
	var refusals []string
	mw := wsOperationLimits(wsAdmission{maxOps: 2, onRefuse: func(k string) { refusals = append(refusals, k) }})
	conn := withConnLimits(context.Background())
	op := func(kind ast.Operation) context.Context {
		return graphql.WithOperationContext(conn, &graphql.OperationContext{Operation: &ast.OperationDefinition{Operation: kind}})
	}
	// next answers once (a query) or twice then ends (a subscription).
	next := func(ctx context.Context) graphql.ResponseHandler {
		n := 0
		return func(ctx context.Context) *graphql.Response {
			n++
			if n > 2 {
				return nil
			}
			return &graphql.Response{Data: []byte(`{}`)}
		}
	}
	errCode := func(r *graphql.Response) string {
		if r == nil || len(r.Errors) == 0 {
			return ""
		}
		c, _ := r.Errors[0].Extensions["code"].(string)
		return c
	}

	sub := op(ast.Subscription)
	h1 := mw(sub, next) // a subscription: holds its place until its stream ends
	q := op(ast.Query)
	h2 := mw(q, next) // a query: holds its place until it has answered
	h3 := mw(q, next) // the third at once: over the cap
	if r := h3(q); errCode(r) != CodeRateLimited || r.Errors[0].Extensions["reason"] != "operations" {
		t.Fatalf("the third operation at once: %+v, want RATE_LIMITED (reason operations)", r)
	}
	if r := h3(q); r != nil {
		t.Errorf("a refusal answers once, then ends; got %+v", r)
	}
	if len(refusals) != 1 || refusals[0] != "ws_operations" {
		t.Errorf("refusals %v, want one ws_operations", refusals)
	}
	// The query answers: its place is free, and the next one runs.
	if r := h2(q); errCode(r) != "" {
		t.Fatalf("the query: %+v", r)
	}
	if r := mw(q, next)(q); errCode(r) != "" {
		t.Errorf("after the query answered, another: %+v, want it run", r)
	}
	// The subscription's events do not free its place; its end does.
	if r := h1(sub); errCode(r) != "" {
		t.Fatalf("subscription event: %+v", r)
	}
	hA := mw(q, next)
	if r := mw(q, next)(q); errCode(r) != CodeRateLimited {
		t.Errorf("with the subscription and a query running: %+v, want RATE_LIMITED", r)
	}
	_ = hA(q)
	for h1(sub) != nil {
	}
	if r := mw(q, next)(q); errCode(r) != "" {
		t.Errorf("after the subscription ended: %+v, want it run", r)
	}
	// HTTP operations (no socket in their context) are not counted.
	plain := graphql.WithOperationContext(context.Background(), &graphql.OperationContext{Operation: &ast.OperationDefinition{Operation: ast.Query}})
	for i := range 5 {
		if r := mw(plain, next)(plain); errCode(r) != "" {
			t.Fatalf("HTTP operation %d: %+v", i, r)
		}
	}
}
