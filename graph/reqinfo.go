package graph

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
)

// RequestInfo is what one HTTP request turned out to be, filled in as it is served, for the
// access log and the metrics (which read it once the response is written). A websocket upgrade
// has one for the upgrade; its operations have one each (Options.OnOperation).
type RequestInfo struct {
	mu sync.Mutex
	// Route is the mux pattern that served the request ("/graphql", "GET /healthz", …).
	Route string
	// Operation is the last GraphQL operation of the request, if any (an operation refused
	// before it ran, by a limit, parsing or validation, leaves it empty; the status says so).
	Operation OperationInfo
	// Operations counts the operations answered (more than one for a batch).
	Operations int
}

// OperationInfo describes one GraphQL operation.
type OperationInfo struct {
	Name string // operationName, "" when anonymous
	Type string // "query", "mutation", "subscription"; "" when it did not parse
	Cost int    // the cost (graph/complexity.go), 0 when it was not computed
	// Code is the extensions.code of the response's first error, "" when it had none.
	Code string
	// Client is who sent it: the credential's name ("token:NAME", "jwt:SUB"), else the
	// apollographql-client-name header, else "".
	Client string
	// ClientVersion is the apollographql-client-version header.
	ClientVersion string
	// Took is how long the operation ran, from its start (its parsing) to its response; 0 when
	// it never started (refused before it became an operation).
	Took time.Duration
	// Answered is when its response was ready (zero with Took).
	Answered time.Time
}

// withRequestInfo returns ctx with a RequestInfo to fill in: the request's own (its
// requestState, made by withRequestIDs), or, for a request that has none, a new one.
func withRequestInfo(ctx context.Context) (context.Context, *RequestInfo) {
	st := stateOf(ctx)
	if st == nil || st.observed {
		st = &requestState{id: RequestID(ctx)}
		ctx = context.WithValue(ctx, requestStateKey{}, st)
	}
	st.observed = true
	return ctx, &st.info
}

// RequestInfoFrom returns the RequestInfo of the request in ctx, or nil when its route is not
// observed.
func RequestInfoFrom(ctx context.Context) *RequestInfo {
	if st := stateOf(ctx); st != nil && st.observed {
		return &st.info
	}
	return nil
}

// Snapshot returns a copy of the fields, safe to read while the request goes on.
func (ri *RequestInfo) Snapshot() (route string, op OperationInfo, ops int) {
	ri.mu.Lock()
	defer ri.mu.Unlock()
	return ri.Route, ri.Operation, ri.Operations
}

// Served is one HTTP request as it was answered, for Options.OnRequest.
type Served struct {
	Request  *http.Request
	Start    time.Time // when it came in
	Route    string
	Status   int
	Bytes    int64 // response body bytes written
	Duration time.Duration
	// Operation is the request's GraphQL operation (see RequestInfo.Operation), the last one of
	// a batch; Operations counts them.
	Operation  OperationInfo
	Operations int
	// Upgraded: the request became a websocket (Duration is then the socket's life).
	Upgraded bool
}

// observe serves a route and, once its response is written, tells onRequest what it was (nil:
// the route is served as it is).
func observe(route string, onRequest func(Served), next http.Handler) http.Handler {
	if onRequest == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx, ri := withRequestInfo(r.Context())
		ri.Route = route
		ow := &observedWriter{ResponseWriter: w}
		if ctx != r.Context() {
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(ow, r)
		status := ow.status
		if status == 0 {
			status = http.StatusOK
		}
		_, op, ops := ri.Snapshot()
		onRequest(Served{Request: r, Start: start, Route: route, Status: status, Bytes: ow.bytes, Duration: time.Since(start),
			Operation: op, Operations: ops, Upgraded: ow.hijacked})
	})
}

// observedWriter counts a response's status and bytes.
type observedWriter struct {
	http.ResponseWriter
	status   int
	bytes    int64
	hijacked bool
}

func (w *observedWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *observedWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (deadlines, flushing).
func (w *observedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack hands the connection to a websocket.
func (w *observedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked, w.status = true, http.StatusSwitchingProtocols
	}
	return c, rw, err
}

// operationInfo describes the operation of a response.
func operationInfo(ctx context.Context, resp *graphql.Response) OperationInfo {
	var oi OperationInfo
	// A request refused before it became an operation (an undecodable body) has no operation
	// context: GetOperationContext would panic.
	if graphql.HasOperationContext(ctx) {
		rc := graphql.GetOperationContext(ctx)
		if start := rc.Stats.OperationStart; !start.IsZero() {
			oi.Answered = time.Now() // the one clock reading the metrics and the slow-query log share
			oi.Took = oi.Answered.Sub(start)
		}
		oi.Name = rc.OperationName
		if rc.Operation != nil {
			oi.Type = string(rc.Operation.Operation)
			if oi.Name == "" {
				oi.Name = rc.Operation.Name
			}
		}
		if st := extension.GetComplexityStats(ctx); st != nil {
			oi.Cost = st.Complexity
		}
		if rc.Headers != nil {
			oi.Client, oi.ClientVersion = clientHeaders(rc.Headers)
		}
	}
	if name := callerName(ctx); name != "" {
		oi.Client = name
	}
	if resp != nil && len(resp.Errors) > 0 {
		oi.Code, _ = resp.Errors[0].Extensions["code"].(string)
	}
	return oi
}

// clientHeaders returns the apollographql-client-name and -version headers, capped. The keys
// are canonical already: the map is read directly (Header.Get would canonicalize them on every
// request).
func clientHeaders(h http.Header) (name, version string) {
	if v := h["Apollographql-Client-Name"]; len(v) > 0 {
		name = capString(v[0], maxLoggedClient)
	}
	if v := h["Apollographql-Client-Version"]; len(v) > 0 {
		version = capString(v[0], maxLoggedClient)
	}
	return name, version
}

// recordOperations is an AroundResponses middleware: it records each response's operation in the
// request's RequestInfo and hands it to onOperation (nil: none), e.g. for metrics per operation,
// over HTTP and over websockets alike.
func recordOperations(onOperation func(ctx context.Context, oi OperationInfo)) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if resp == nil {
			return nil
		}
		oi := operationInfo(ctx, resp)
		if ri := RequestInfoFrom(ctx); ri != nil {
			ri.mu.Lock()
			ri.Operation = oi
			ri.Operations++
			ri.mu.Unlock()
		}
		if onOperation != nil {
			onOperation(ctx, oi)
		}
		return resp
	}
}
