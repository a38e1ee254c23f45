package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/kgql/kgql/store"
)

// The extensions.code values of the contract. Every error a client sees carries one.
const (
	CodeBadUserInput    = "BAD_USER_INPUT"
	CodeNotFound        = "NOT_FOUND"
	CodeConflict        = "CONFLICT"
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeForbidden       = "FORBIDDEN"
	CodeQueryTooComplex = "QUERY_TOO_COMPLEX"
	CodeRateLimited     = "RATE_LIMITED"
	CodeInternal        = "INTERNAL"
	// CodePersistedQueryNotFound answers an automatic persisted query whose hash the server does
	// not know (yet): the client sends the full query with the hash next. Apollo's
	// PersistedQueryLink and stock gqlgen know it by this code.
	CodePersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND"
	internalErrorMessage       = "internal error"
)

// errPanic stands for a recovered panic; its detail is logged, never shown.
var errPanic = errors.New("panic")

// requestState is what kgql keeps about one HTTP request in its context, in one allocation: its
// id and, when the route is observed (graph/reqinfo.go), what the request turned out to be.
type requestState struct {
	id       string
	info     RequestInfo
	observed bool // observe set info up
}

type requestStateKey struct{}

func stateOf(ctx context.Context) *requestState {
	st, _ := ctx.Value(requestStateKey{}).(*requestState)
	return st
}

// newRequestID returns a random request id, the handle that ties a client's INTERNAL error to the
// server log line that has its detail.
func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// maxRequestID is the longest incoming X-Request-Id kept.
const maxRequestID = 64

// validRequestID reports whether an incoming X-Request-Id may be kept: 1 to 64 bytes of printable
// ASCII without spaces, quotes or backslashes (it goes into logs and response headers as it is).
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// withRequestID returns ctx carrying id (in a new requestState).
func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestStateKey{}, &requestState{id: id})
}

// RequestID returns the id of the request running in ctx, or "".
func RequestID(ctx context.Context) string {
	if st := stateOf(ctx); st != nil {
		return st.id
	}
	return ""
}

// presenter turns every error into one a client may see: store sentinels become their code with
// their (safe) message; gqlgen's parse and validation errors become BAD_USER_INPUT; anything else
// is logged with the request id and shown only as INTERNAL with that id.
func presenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		err = contextError(ctx, err)
		code, msg := classify(err, gerr)
		if code == CodeInternal {
			rid := RequestID(ctx)
			log.Error("internal error", "request_id", rid, "path", gerr.Path.String(), "err", err)
			gerr.Message = internalErrorMessage
			gerr.Extensions = map[string]any{"code": CodeInternal, "requestId": rid}
			gerr.Locations = nil
			return gerr
		}
		gerr.Message = msg
		var more map[string]any
		var ce *codedError
		if errors.As(err, &ce) {
			more = ce.ext
		}
		ext := extensionsOf(code, more)
		if reason, ok := gerr.Extensions["code"].(string); ok && reason != code {
			ext["reason"] = reason // e.g. GRAPHQL_VALIDATION_FAILED, kept for clients that look for it
		}
		gerr.Extensions = ext
		return gerr
	}
}

// contextError gives a bare context error the meaning of the context it came from: the
// operation's time limit (the deadline's cause, a *timeoutError, see graph/limits.go), another
// deadline, or the client going away. Errors that already carry their code are kept.
func contextError(ctx context.Context, err error) error {
	var ce *codedError
	if errors.As(err, &ce) {
		return err
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		var te *timeoutError
		if errors.As(context.Cause(ctx), &te) {
			return te
		}
		return &codedError{code: CodeQueryTooComplex, msg: "the operation ran out of time before it could answer", ext: map[string]any{"bound": "time"}}
	case errors.Is(err, context.Canceled):
		// The client went away (or the server is stopping): nobody reads this, but it is not an
		// internal error either.
		return &codedError{code: CodeBadUserInput, msg: "the request was canceled before it could be answered"}
	}
	return err
}

// presentCoded is what the presenter makes of a codedError, for the rare answer built outside
// gqlgen's error path (the time limit's, graph/limits.go).
func presentCoded(ce *codedError) *gqlerror.Error {
	return &gqlerror.Error{Message: ce.msg, Extensions: extensionsOf(ce.code, ce.ext)}
}

// extensionsOf is the extensions of an error a client sees: its code and more (a new map; more
// is not changed).
func extensionsOf(code string, more map[string]any) map[string]any {
	ext := make(map[string]any, len(more)+1)
	for k, v := range more {
		ext[k] = v
	}
	ext["code"] = code
	return ext
}

// classify decides the code and the message a client sees.
func classify(err error, gerr *gqlerror.Error) (code, msg string) {
	switch {
	case errors.Is(err, errPanic):
		return CodeInternal, ""
	case errors.Is(err, store.ErrInvalid):
		return CodeBadUserInput, userMessage(err, store.ErrInvalid)
	case errors.Is(err, store.ErrNotFound):
		return CodeNotFound, userMessage(err, store.ErrNotFound)
	case errors.Is(err, store.ErrConflict):
		return CodeConflict, userMessage(err, store.ErrConflict)
	}
	var ce *codedError
	if errors.As(err, &ce) {
		return ce.code, ce.msg
	}
	// Errors gqlgen raises itself: parsing, validation, variable coercion, a missing operation.
	switch c, _ := gerr.Extensions["code"].(string); c {
	case "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED":
		return CodeBadUserInput, gerr.Message
	case "COMPLEXITY_LIMIT_EXCEEDED":
		return CodeQueryTooComplex, gerr.Message
	case CodePersistedQueryNotFound:
		return CodePersistedQueryNotFound, gerr.Message // "PersistedQueryNotFound", which clients also match
	}
	var inner *gqlerror.Error
	if errors.As(err, &inner) && inner.Unwrap() == nil && len(inner.Path) == 0 {
		switch m := inner.Message; {
		case strings.HasPrefix(m, "json request body could not be decoded"):
			return CodeBadUserInput, "the request body is not a JSON object {query, variables, operationName}"
		case strings.HasPrefix(m, "could not read request body"):
			return CodeBadUserInput, "could not read the request body"
		case strings.HasPrefix(m, "variables could not be decoded"),
			strings.HasPrefix(m, "extensions could not be decoded"),
			strings.HasPrefix(m, "GET requests only allow query operations"),
			m == "no operation provided",
			strings.HasPrefix(m, "operation ") && strings.HasSuffix(m, " not found"),
			m == "invalid APQ extension data", m == "unsupported APQ version",
			m == "provided APQ hash does not match query":
			return CodeBadUserInput, m
		}
		if _, coded := gerr.Extensions["code"].(string); coded {
			// gqlgen's own request errors, e.g. PersistedQueryNotFound: fixed texts, safe to show.
			return CodeBadUserInput, inner.Message
		}
	}
	return CodeInternal, ""
}

// userMessage strips the sentinel's own words from a wrapped store error: "invalid input: first
// must be …" is shown as "first must be …".
func userMessage(err, sentinel error) string {
	m := err.Error()
	if p := sentinel.Error() + ": "; strings.HasPrefix(m, p) {
		return m[len(p):]
	}
	var gerr *gqlerror.Error
	if errors.As(err, &gerr) && gerr.Message != "" {
		m = gerr.Message
	}
	return strings.Replace(m, sentinel.Error()+": ", "", 1)
}

// codedError is an error the GraphQL layer raises with its code, message and extra extensions.
type codedError struct {
	code, msg string
	ext       map[string]any
}

func (e *codedError) Error() string { return e.msg }

// recoverer logs a resolver panic with its stack and turns it into an INTERNAL error.
func recoverer(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.Error("panic", "request_id", RequestID(ctx), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return errPanic
	}
}
