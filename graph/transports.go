package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// gqlgen's transports write a few request errors themselves, past the error presenter and
// without extensions.code. The wrappers here answer those requests first, in the contract's
// error shape.

// getTransport is gqlgen's GET transport behind checks of the query string: it must decode,
// variables and extensions must be JSON, and the operation must be a query (anything else is
// 405, as GraphQL over HTTP asks).
type getTransport struct{ transport.GET }

func (t getTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeHTTPError(w, http.StatusBadRequest, CodeBadUserInput, "the query string is not valid URL encoding")
		return
	}
	for _, p := range []string{"variables", "extensions"} {
		var obj map[string]any // null or an object, as gqlgen decodes them (not 0, "x" or [])
		if v := q.Get(p); v != "" && json.Unmarshal([]byte(v), &obj) != nil {
			writeHTTPError(w, http.StatusBadRequest, CodeBadUserInput, p+" must be a JSON object")
			return
		}
	}
	if doc, err := parser.ParseQuery(&ast.Source{Input: q.Get("query")}); err == nil {
		if op := doc.Operations.ForName(q.Get("operationName")); op != nil && op.Operation != ast.Query {
			w.Header().Set("Allow", "POST")
			writeHTTPError(w, http.StatusMethodNotAllowed, CodeBadUserInput, "GET may only run queries; send "+string(op.Operation)+"s with POST")
			return
		}
	}
	t.GET.Do(w, r, exec)
}

// unsupportedTransport answers, last, every request no other transport supports.
type unsupportedTransport struct{}

func (unsupportedTransport) Supports(*http.Request) bool { return true }

func (unsupportedTransport) Do(w http.ResponseWriter, r *http.Request, _ graphql.GraphExecutor) {
	switch r.Method {
	case http.MethodPost:
		writeHTTPError(w, http.StatusUnsupportedMediaType, CodeBadUserInput,
			"POST bodies must be application/json")
	default:
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		writeHTTPError(w, http.StatusMethodNotAllowed, CodeBadUserInput,
			"use GET or POST (or a websocket for subscriptions)")
	}
}

// limitBody reads a request body of at most n bytes into memory; a larger one is refused with 413
// before GraphQL sees it.
func limitBody(n int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > n {
			writeHTTPError(w, http.StatusRequestEntityTooLarge, CodeBadUserInput, "the request body is too large")
			return
		}
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, n))
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			writeHTTPError(w, http.StatusRequestEntityTooLarge, CodeBadUserInput, "the request body is too large")
			return
		case err != nil:
			writeHTTPError(w, http.StatusBadRequest, CodeBadUserInput, "could not read the request body")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		next.ServeHTTP(w, r)
	})
}
