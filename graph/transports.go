package graph

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
)

// The transports of requests that kgql's own (graph/httpapi.go, graph/wsconn.go) do not take.

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
