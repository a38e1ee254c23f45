package graph

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/kgql/kgql/graph/auth"
)

// Who may do what. A caller is identified once per request (the Authorization header) or once per
// websocket (the connection_init payload) by graph/auth, and every action a request implies goes
// through one authorization point, Options.Authorize, which PolicyAuthorize builds from the policy:
//
//	open (no credential configured; kgql only allows it on loopback or with -insecure-open-writes):
//	    every caller may do everything
//	credentials configured:
//	    read      anonymous, unless RequireAuth: then reader
//	    write     writer (every mutation)
//	    cascade   admin  (deleteNode(cascade: true))
//	    backup    admin  (GET /admin/backup, and every other /admin route)
//
// A missing or invalid credential where one is needed is UNAUTHENTICATED (HTTP 401 with
// WWW-Authenticate: Bearer); a valid one with too weak a role is FORBIDDEN (HTTP 403). Neither
// says whether a token exists: an invalid credential is refused with the same words whatever was
// wrong with it (the server log has the reason, never the credential).

// Policy decides who may do what.
type Policy struct {
	// Auth identifies callers. Nil, or one with no credential source, means the open policy.
	Auth *auth.Authenticator
	// RequireAuth makes reads need the reader role (with credentials configured).
	RequireAuth bool
}

// Open reports whether the policy allows every caller everything (no credential configured).
func (p Policy) Open() bool { return p.Auth == nil || !p.Auth.Configured() }

// need is the role an action needs under a closed policy.
func (p Policy) need(a Action) auth.Role {
	switch a {
	case ActionRead:
		if p.RequireAuth {
			return auth.Reader
		}
		return auth.Anonymous
	case ActionWrite:
		return auth.Writer
	default: // cascade, backup, and anything added later: the strongest role
		return auth.Admin
	}
}

// PolicyAuthorize is the authorization point for a policy: it checks the caller found in ctx
// (auth.FromContext) against the role the action needs.
func PolicyAuthorize(p Policy) func(ctx context.Context, a Action) error {
	if p.Open() {
		return AllowAll
	}
	return func(ctx context.Context, a Action) error {
		who := auth.FromContext(ctx)
		need := p.need(a)
		if who.Role >= need {
			return nil
		}
		if who.Role == auth.Anonymous {
			return &codedError{code: CodeUnauthenticated,
				msg: "authentication required: " + string(a) + " needs the " + need.String() + " role; send Authorization: Bearer <token>",
				ext: map[string]any{"need": need.String()}}
		}
		return &codedError{code: CodeForbidden,
			msg: "not allowed: " + string(a) + " needs the " + need.String() + " role",
			ext: map[string]any{"need": need.String()}}
	}
}

// statusHolder lets a check made during a GraphQL operation choose the HTTP status of its
// response: gqlgen writes 200 (or 422) itself; an authorization refusal must be 401 or 403.
type statusHolder struct{ status int }

type statusKey struct{}

// setStatus records the HTTP status the response of the request in ctx must have (the first
// one recorded wins). It does nothing outside an HTTP request (a websocket operation).
func setStatus(ctx context.Context, status int) {
	if h, ok := ctx.Value(statusKey{}).(*statusHolder); ok && h.status == 0 {
		h.status = status
	}
}

// statusFor is the HTTP status of an authorization error, or 0.
func statusFor(err error) int {
	var ce *codedError
	if errors.As(err, &ce) {
		switch ce.code {
		case CodeUnauthenticated:
			return http.StatusUnauthorized
		case CodeForbidden:
			return http.StatusForbidden
		}
	}
	return 0
}

// statusWriter replaces the status gqlgen writes with the one recorded by setStatus, and adds
// WWW-Authenticate to a 401.
type statusWriter struct {
	http.ResponseWriter
	h     *statusHolder
	wrote bool
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		if w.h.status != 0 {
			status = w.h.status
		}
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kgql"`)
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (deadlines, flushing).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// authenticate identifies the caller of every request from its Authorization header and puts
// the principal in the request's context. An invalid credential is refused at once with 401,
// whatever the request (a client that sends a credential wants to know it does not work). With
// RequireAuth, an anonymous GraphQL request is refused with 401 too, except CORS preflights and
// websocket upgrades (a browser cannot set headers on those: the socket's credential comes in
// connection_init).
func authenticate(p Policy, log *slog.Logger, onRefuse func(reason string), next http.Handler) http.Handler {
	if p.Open() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, err := p.Auth.Authenticate(r.Header.Get("Authorization"))
		if err != nil {
			log.Info("invalid credential", "request_id", RequestID(r.Context()), "reason", auth.Reason(err), "remote", r.RemoteAddr)
			onRefuse("auth")
			w.Header().Set("WWW-Authenticate", `Bearer realm="kgql", error="invalid_token"`)
			writeHTTPError(w, http.StatusUnauthorized, CodeUnauthenticated, "invalid credential")
			return
		}
		if p.RequireAuth && who.Role == auth.Anonymous && r.Method != http.MethodOptions && !isUpgrade(r) {
			onRefuse("auth")
			w.Header().Set("WWW-Authenticate", `Bearer realm="kgql"`)
			writeHTTPError(w, http.StatusUnauthorized, CodeUnauthenticated,
				"authentication required: send Authorization: Bearer <token>")
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), who)))
	})
}

// withStatus lets GraphQL operations choose their response's HTTP status (see setStatus).
func withStatus(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isUpgrade(r) { // the websocket library needs the connection itself
			next.ServeHTTP(w, r)
			return
		}
		h := &statusHolder{}
		next.ServeHTTP(&statusWriter{ResponseWriter: w, h: h}, r.WithContext(context.WithValue(r.Context(), statusKey{}, h)))
	})
}

func isUpgrade(r *http.Request) bool { return strings.EqualFold(r.Header.Get("Upgrade"), "websocket") }

// wsInit authenticates a websocket from its connection_init payload ({"Authorization": "Bearer
// …"}), once per connection. Without one, the connection keeps the principal of its upgrade
// request (anonymous for browsers). An invalid credential, or none when reads need one, closes
// the socket with 4403 Forbidden, as graphql-ws servers do when onConnect refuses.
func wsInit(p Policy, log *slog.Logger, onRefuse func(reason string)) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		ctx = withConnLimits(ctx)
		if p.Open() {
			return ctx, nil, nil
		}
		who := auth.FromContext(ctx)
		if cred := initCredential(payload); cred != "" {
			var err error
			if who, err = p.Auth.Authenticate(cred); err != nil {
				log.Info("invalid websocket credential", "request_id", RequestID(ctx), "reason", auth.Reason(err))
				onRefuse("auth")
				return transport.WithWebsocketCloseCode(ctx, 4403), nil, errors.New("invalid credential")
			}
		}
		if p.RequireAuth && who.Role == auth.Anonymous {
			onRefuse("auth")
			return transport.WithWebsocketCloseCode(ctx, 4403), nil, errors.New("authentication required: send {\"Authorization\": \"Bearer <token>\"} in connection_init")
		}
		return auth.WithPrincipal(ctx, who), nil, nil
	}
}

// initCredential is the Authorization value of a connection_init payload (any case of the key;
// also inside a "headers" object, as some clients send it).
func initCredential(payload transport.InitPayload) string {
	find := func(m map[string]any) string {
		for k, v := range m {
			if strings.EqualFold(k, "Authorization") {
				s, _ := v.(string)
				if s == "" {
					s = "\x00" // present but not a string: invalid, not absent
				}
				return s
			}
		}
		return ""
	}
	if s := find(payload); s != "" {
		return s
	}
	if h, ok := payload["headers"].(map[string]any); ok {
		return find(h)
	}
	return ""
}

// authGate is the operation-level half of the authorization point: after validation and before
// anything runs, it asks Authorize for every action the operation implies (a query reads; a
// mutation writes; deleteNode(cascade: true) cascades), so a refused operation changes nothing
// and its response gets the HTTP status of the refusal. The resolvers ask again (defence in
// depth; it is one function call).
type authGate struct {
	authorize func(context.Context, Action) error
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = authGate{}

func (authGate) ExtensionName() string                   { return "AuthGate" }
func (authGate) Validate(graphql.ExecutableSchema) error { return nil }
func (g authGate) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	var buf [2]Action
	actions := append(buf[:0], ActionRead)
	if rc.Operation.Operation == ast.Mutation {
		actions = append(buf[:0], ActionWrite)
		if cascades(rc.Operation.SelectionSet, rc.Variables) {
			actions = append(actions, ActionCascade)
		}
	}
	for _, a := range actions {
		if err := askAuthorize(ctx, g.authorize, a); err != nil {
			return gqlerror.Wrap(err) // the presenter finds the codedError inside
		}
	}
	return nil
}

// cascades reports whether a mutation's root selection asks deleteNode for a cascade (with a
// literal or a variable). Fragments at the root are followed.
func cascades(set ast.SelectionSet, vars map[string]any) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name != "deleteNode" {
				continue
			}
			if c, ok := s.ArgumentMap(vars)["cascade"].(bool); ok && c {
				return true
			}
		case *ast.InlineFragment:
			if cascades(s.SelectionSet, vars) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && cascades(s.Definition.SelectionSet, vars) {
				return true
			}
		}
	}
	return false
}
