package graph_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/kgql/kgql/graph"
)

// What real clients send: the headers of Apollo Client, urql and tracing on a cross-origin
// preflight, and their own request ids.

// A cross-origin app using Apollo Client's clientAwareness, its CSRF header and W3C trace
// context passes the preflight, and can read X-Request-Id and Retry-After.
func TestCORSClientHeaders(t *testing.T) {
	srv := httpServer(t, graph.Options{})
	const origin = "http://localhost:3000"
	want := []string{"apollographql-client-name", "apollographql-client-version", "apollo-require-preflight",
		"x-apollo-operation-name", "traceparent", "tracestate", "x-request-id", "authorization", "content-type"}
	sorted := slices.Sorted(slices.Values(want)) // as browsers send them: lower case, sorted
	r := httpDo(t, httpRequest(t, http.MethodOptions, srv.URL+"/graphql", nil,
		"Origin", origin,
		"Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", strings.Join(sorted, ",")))
	if r.Status != http.StatusNoContent && r.Status != http.StatusOK {
		t.Fatalf("preflight with the clients' headers: %d", r.Status)
	}
	if got := r.Header.Get("Access-Control-Allow-Origin"); got != origin {
		t.Fatalf("Access-Control-Allow-Origin %q, want %q (the preflight was refused)", got, origin)
	}
	allowed := strings.ToLower(r.Header.Get("Access-Control-Allow-Headers"))
	for _, h := range want {
		if !strings.Contains(allowed, h) {
			t.Errorf("Access-Control-Allow-Headers %q lacks %s", allowed, h)
		}
	}
	if r.Header.Get("Access-Control-Max-Age") == "" {
		t.Errorf("the preflight is not cacheable (no Access-Control-Max-Age)")
	}
	// Clients that are not browsers list them in any order, in any case, with spaces, even twice
	// (Node's fetch in Apollo's harness sends content-type first).
	for _, list := range []string{
		strings.Join(want, ","),
		"Content-Type, Apollographql-Client-Name,apollographql-client-version , content-type",
	} {
		r := httpDo(t, httpRequest(t, http.MethodOptions, srv.URL+"/graphql", nil,
			"Origin", origin, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", list))
		if got := r.Header.Get("Access-Control-Allow-Origin"); got != origin {
			t.Errorf("preflight listing %q: Access-Control-Allow-Origin %q, want %q", list, got, origin)
		}
	}
	// A header not on the list is still refused, wherever it stands.
	r = httpDo(t, httpRequest(t, http.MethodOptions, srv.URL+"/graphql", nil,
		"Origin", origin, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type,x-secret,accept"))
	if got := r.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("a preflight asking for x-secret was allowed (%q)", got)
	}
	// The request itself.
	p := httpPostQuery(t, srv, `{ __typename }`, "Origin", origin, "Apollographql-Client-Name", "web", "Apollographql-Client-Version", "1.2.3")
	exposed := strings.ToLower(p.Header.Get("Access-Control-Expose-Headers"))
	if p.Status != http.StatusOK || !strings.Contains(exposed, "x-request-id") || !strings.Contains(exposed, "retry-after") {
		t.Errorf("POST from %s: %d, exposed %q; want 200 exposing X-Request-Id and Retry-After", origin, p.Status, exposed)
	}
}

// A usable X-Request-Id from the client is kept and echoed; anything else is replaced by a new id.
func TestRequestIDFromClient(t *testing.T) {
	srv := httpServer(t, graph.Options{})
	for _, id := range []string{"abc-123", "01HZX3F8Q9-trace.span_1", strings.Repeat("x", 64), "a:b/c@d"} {
		r := httpPostQuery(t, srv, `{ __typename }`, "X-Request-Id", id)
		if got := r.Header.Get("X-Request-Id"); got != id {
			t.Errorf("X-Request-Id %q came back as %q", id, got)
		}
	}
	for _, id := range []string{strings.Repeat("x", 65), "has space", "quote\"d", "back\\slash", "é"} {
		r := httpPostQuery(t, srv, `{ __typename }`, "X-Request-Id", id)
		if got := r.Header.Get("X-Request-Id"); got == id || got == "" {
			t.Errorf("unusable X-Request-Id %q: answered with %q, want a new id", id, got)
		}
	}
}
