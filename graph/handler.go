package graph

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/kgql/kgql/graph/explore"
	"github.com/kgql/kgql/graph/loaders"
	"github.com/kgql/kgql/graph/playground"
	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/textindex"
)

// DefaultCORSOrigins are the origins allowed when Options.CORSOrigins is empty: development
// servers on this machine, on any port.
var DefaultCORSOrigins = []string{"http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"}

// CORSAllowedHeaders are the request headers a cross-origin page may send to /graphql: the ones
// GraphQL clients set (Apollo Client's clientAwareness names and versions and its CSRF header,
// the operation name Apollo's links add), W3C trace context, a request id, and the credential.
// This is the one list; the README's CORS paragraph repeats it.
var CORSAllowedHeaders = []string{
	"Content-Type", "Accept", "Authorization", "X-Request-Id",
	"Apollo-Require-Preflight", "Apollographql-Client-Name", "Apollographql-Client-Version",
	"X-Apollo-Operation-Name", "Traceparent", "Tracestate",
}

// CORSExposedHeaders are the response headers a cross-origin page may read.
var CORSExposedHeaders = []string{"X-Request-Id", "Retry-After"}

// Options configures the HTTP handler.
type Options struct {
	// Store is the open store the resolvers read. Required.
	Store *store.Store
	// Logger receives internal errors (with their request id) and panics. Nil discards.
	Logger *slog.Logger
	// CORSOrigins are the origins allowed to call /graphql from a browser and to open its
	// websocket; "*" allows any origin (credentials are then not allowed). Empty means
	// DefaultCORSOrigins. Patterns may hold one "*", e.g. "https://*.example.org".
	CORSOrigins []string
	// StockExecutor answers with gqlgen's executor as generated, without kgql's tuning
	// (graph/executor.go): the reference of the differential tests, and a way back.
	StockExecutor bool
	// NoPlans answers queries with the tuned executor only, without the compiled read path
	// (graph/plan.go): the second reference of the differential tests.
	NoPlans bool
	// QueryCacheSize is how many parsed and validated queries are kept (LRU). Zero means 1000.
	QueryCacheSize int
	// MaxBodyBytes bounds a request body. Zero means 1 MiB.
	MaxBodyBytes int64
	// CacheControl is the Cache-Control header of a GET query answered without errors (e.g.
	// "public, max-age=60" behind a cache; kgql does not invalidate caches on writes). Empty
	// means DefaultCacheControl, no-store; every other response is no-store.
	CacheControl string
	// PlaygroundQuery is the query the playground opens with. Empty means ExampleQuery.
	PlaygroundQuery string
	// Policy says who may do what (graph/policy.go): who the callers are (Policy.Auth) and
	// whether reads need a credential. The zero Policy is open: every caller may do everything.
	Policy Policy
	// Authorize is the authorization point of every operation, mutation and /admin route. Nil
	// means PolicyAuthorize(Policy).
	Authorize func(ctx context.Context, a Action) error
	// DisableIntrospection refuses __schema and __type queries.
	DisableIntrospection bool
	// Rate is the requests per second allowed to one client (graph/guard.go), with Burst; zero
	// means no per-client rate limit.
	Rate  float64
	Burst int
	// MaxInFlight is how many requests may run at once; more are shed with 503. Zero means
	// DefaultMaxInFlight; negative, no cap.
	MaxInFlight int
	// WSMaxOperations, WSMaxMessageBytes and WSWriteTimeout bound a websocket (graph/wsconn.go);
	// zero means their defaults.
	WSMaxOperations   int
	WSMaxMessageBytes int64
	WSWriteTimeout    time.Duration
	// WSMessageRate paces the messages read from one websocket (per second, burst twice that);
	// zero means DefaultWSMessageRate, negative unpaced.
	WSMessageRate float64
	// OnRefuse, if set, is told of every request or operation refused by a limit or the policy
	// ("auth", "rate", "in_flight", "ws_operations", "ws_slow"), e.g. to count them.
	OnRefuse func(kind string)
	// OnRequest, if set, is told of every HTTP request once it is answered (graph/reqinfo.go),
	// e.g. for an access log and metrics.
	OnRequest func(Served)
	// OnOperation, if set, is told of every GraphQL operation once it has answered, over HTTP
	// and websockets alike.
	OnOperation func(ctx context.Context, oi OperationInfo)
	// MaxComplexity refuses operations whose cost (graph/complexity.go) is higher, with
	// QUERY_TOO_COMPLEX. Zero means DefaultMaxComplexity.
	MaxComplexity int
	// Limits bound the shape and the running time of an operation (graph/limits.go); zero
	// fields take their defaults.
	Limits Limits
	// TextMatch answers `text: {search:}` filters from a full-text index (see Resolver.TextMatch).
	// Nil falls back to the store's word index.
	TextMatch func(text string, kinds []store.Kind, limit int) ([]store.ID, error)
	// Metrics, if set, are fed every request, operation and refusal (besides OnRequest,
	// OnOperation and OnRefuse) and served at GET /metrics: to anyone under the open policy, to
	// admins only with credentials configured (401/403 otherwise, like /admin/backup).
	Metrics *Metrics
	// Text is the full-text index (store/textindex), attached to Store. With it, `search` ranks
	// name matches first, then full-text hits with highlighted snippets, and it answers TextMatch
	// when that is nil. Nil: `search` matches names only (store.SearchNames).
	Text *textindex.Index
}

// DefaultMaxInFlight is the default cap on requests running at once: at the 0.3–2 ms a request
// takes on two cores, 512 waiting requests are about half a second of work.
const DefaultMaxInFlight = 512

// DefaultMaxComplexity is the default cost limit of an operation: twice the costliest
// legitimate query we know. Measured (graph/complexity.go has the table): the README's costliest
// query 26,563, every benchmark query at most 142, the golden connected ASMEX query
// (graph/testdata/asmex_connected.graphql: two nested pages of 100 with rich selections) 823,306,
// and the costliest, the N+1 test's regions(first: 100) › subregions › positions(first: 100) ›
// person › positions, 2,402,701. Three nested pages of 100 with a few fields below
// (10^6 rows × the fields) are refused.
const DefaultMaxComplexity = 5_000_000

// ExampleQuery is the connected query the playground opens with: from ASMEX to its events, what
// each speaker said, the positions they hold, and the article that reported it. Its lines fit the
// editor of a 1,400-pixel-wide window (at most 56 characters; about 60 are visible).
const ExampleQuery = `# Welcome to kgql. Press ▶ to run this query;
# open "Docs" for the schema. From ASMEX to its
# events, to what each speaker said, to the
# positions they hold, and to the article that
# reported it. To see the graph: /explore
{
  organization(key: "asmex") {
    name
    events {
      nodes {
        name
        startDate
        location { name parent { name } }
        statements {
          nodes {
            text
            speaker {
              name
              ... on Person {
                positions {
                  title
                  organization { name }
                  region { name }
                }
              }
            }
            citations {
              source {
                title publisher { name } publishedAt
              }
            }
          }
        }
      }
    }
  }
}
`

// NewHandler builds kgql's HTTP handler: GraphQL at /graphql (POST, GET, websocket), /healthz,
// the playground at / and the graph explorer at /explore. Production and tests use it alike.
func NewHandler(opts Options) http.Handler {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.QueryCacheSize == 0 {
		opts.QueryCacheSize = 1000
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if len(opts.CORSOrigins) == 0 {
		opts.CORSOrigins = DefaultCORSOrigins
	}
	if opts.CacheControl == "" {
		opts.CacheControl = DefaultCacheControl
	}
	if opts.PlaygroundQuery == "" {
		opts.PlaygroundQuery = ExampleQuery
	}
	// Under the open policy with no Authorize of the caller's, every check would allow: the
	// operation gate and the status rewriting are left out of the request path.
	gated := opts.Authorize != nil || !opts.Policy.Open()
	if opts.Authorize == nil {
		opts.Authorize = PolicyAuthorize(opts.Policy)
	}
	if opts.MaxInFlight == 0 {
		opts.MaxInFlight = DefaultMaxInFlight
	}
	if opts.WSMaxOperations <= 0 {
		opts.WSMaxOperations = DefaultWSMaxOperations
	}
	if opts.WSMaxMessageBytes <= 0 {
		opts.WSMaxMessageBytes = DefaultWSMaxMessageBytes
	}
	if opts.WSWriteTimeout <= 0 {
		opts.WSWriteTimeout = DefaultWSWriteTimeout
	}
	if opts.WSMessageRate == 0 {
		opts.WSMessageRate = DefaultWSMessageRate
	}
	if m := opts.Metrics; m != nil {
		opts.OnRefuse = chain1(opts.OnRefuse, m.OnRefuse)
		opts.OnRequest = chain1(opts.OnRequest, m.OnRequest)
		onOp := opts.OnOperation
		opts.OnOperation = func(ctx context.Context, oi OperationInfo) {
			if onOp != nil {
				onOp(ctx, oi)
			}
			m.OnOperation(ctx, oi)
		}
	}
	refused := opts.OnRefuse
	if refused == nil {
		refused = func(string) {}
	}
	rl := newRateLimiter(opts.Rate, opts.Burst)
	if opts.MaxComplexity == 0 {
		opts.MaxComplexity = DefaultMaxComplexity
	}

	if opts.TextMatch == nil && opts.Text != nil {
		opts.TextMatch = opts.Text.Match
	}
	fan := newFanout() // shared subscriptions (graph/fanout.go)
	root := &Resolver{Store: opts.Store, Log: log, Authorize: opts.Authorize, TextMatch: opts.TextMatch, Text: opts.Text}
	if opts.Store != nil {
		root.Changes = newChangeHub(opts.Store)
		if opts.Metrics != nil {
			opts.Metrics.watchSubscriptions(func() (int, int) { // a shared operation serves its members
				groups, members := fan.shared()
				ops := root.Changes.count()
				return ops - groups + members, ops
			})
		}
	}
	cfg := Config{Resolvers: root}
	setComplexity(&cfg.Complexity)
	es := NewExecutableSchema(cfg)
	srv := handler.New(es)
	wsi := wsInit(opts.Policy, log, refused)
	admission := wsAdmission{maxOps: opts.WSMaxOperations, rl: rl, onRefuse: refused}
	var seq func() uint64
	if opts.Store != nil {
		seq = opts.Store.Seq
	}
	srv.AddTransport(wsTransport{
		fan:          fan,
		admission:    admission,
		seq:          seq,
		initTimeout:  10 * time.Second,
		pingInterval: 10 * time.Second,
		readLimit:    opts.WSMaxMessageBytes,
		writeTimeout: opts.WSWriteTimeout,
		messageRate:  opts.WSMessageRate,
		onSlow:       func() { refused("ws_slow") },
		log:          log,
		init: func(ctx context.Context, payload transport.InitPayload) (context.Context, error) {
			ctx, _, err := wsi(ctx, payload)
			return ctx, err
		},
	})
	srv.AddTransport(transport.Options{})
	ht := &httpTransport{cacheControl: opts.CacheControl, maxBatch: opts.Limits.WithDefaults().MaxBatch,
		maxCost: opts.MaxComplexity, refused: refused}
	if rl != nil {
		ht.charge = func(r *http.Request, n int) (bool, time.Duration) {
			return rl.allowN(clientOf(r.Context(), r.RemoteAddr), time.Now(), n)
		}
	}
	srv.AddTransport(ht)
	srv.AddTransport(unsupportedTransport{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](opts.QueryCacheSize))
	if !opts.DisableIntrospection {
		srv.Use(extension.Introspection{})
	}
	if gated {
		srv.Use(authGate{authorize: opts.Authorize})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	if cause := applyLimits(srv, opts.Limits, opts.MaxComplexity); cause != nil {
		ht.timeout, ht.cause = opts.Limits.WithDefaults().QueryTimeout, cause // a batch's shared deadline
	}
	srv.Use(strictEnums{schema: es.Schema()})
	if opts.OnOperation != nil || opts.OnRequest != nil { // nobody reads what it records otherwise
		srv.AroundResponses(recordOperations(opts.OnOperation))
	}
	srv.SetErrorPresenter(presenter(log))
	srv.SetRecoverFunc(recoverer(log))
	srv.AroundOperations(wsOperationLimits(admission))
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		l := loaders.New(opts.Store)
		ctx = withTuning(loaders.With(ctx, l), newTuning(graphql.GetOperationContext(ctx).RawQuery, opts.StockExecutor, opts.NoPlans, l))
		h := next(ctx)
		if opts.Text == nil || opts.Text.Ready() || !strings.Contains(graphql.GetOperationContext(ctx).RawQuery, "search") {
			return h
		}
		return textIndexWarning(opts.Text, h)
	})

	c := cors.New(cors.Options{
		AllowedOrigins:   opts.CORSOrigins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders:   CORSAllowedHeaders,
		ExposedHeaders:   CORSExposedHeaders,
		AllowCredentials: !contains(opts.CORSOrigins, "*"),
		MaxAge:           600,
	})

	mux := http.NewServeMux()
	// Every route is observed under its pattern (a bounded set of names, for metrics and logs).
	handle := func(pattern string, h http.Handler) {
		if opts.Metrics != nil {
			h = opts.Metrics.InFlight(h)
		}
		mux.Handle(pattern, observe(pattern, opts.OnRequest, h))
	}
	// Before GraphQL runs: CORS (preflights end there), who the caller is, their rate, the cap on
	// requests in flight, the websocket origin check, the body limit.
	guard := func(h http.Handler) http.Handler {
		return authenticate(opts.Policy, log, refused, limitRate(rl, refused, limitInFlight(opts.MaxInFlight, refused, h)))
	}
	var gql http.Handler = wsOriginGate(c, withRemote(limitBody(opts.MaxBodyBytes, srv)))
	if gated {
		gql = withStatus(gql)
	}
	handle("/graphql", sortPreflightHeaders(c.Handler(guard(gql))))
	handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		body := map[string]any{"status": "ok"}
		if opts.Text != nil { // the store is open and answers; say how far the full-text index is
			st := opts.Text.Status()
			body["textIndex"], body["behind"] = st.State, st.Behind
		}
		_ = json.NewEncoder(w).Encode(body)
	}))
	handle("GET /admin/backup", guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := askAuthorize(r.Context(), opts.Authorize, ActionBackup); err != nil {
			writeRefusal(w, err, refused)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="kgql-`+time.Now().UTC().Format("20060102T150405Z")+`.backup"`)
		_ = http.NewResponseController(w).SetWriteDeadline(time.Time{}) // a backup may take longer than a request
		if err := opts.Store.Backup(w); err != nil {
			log.Error("online backup failed", "request_id", RequestID(r.Context()), "err", err)
		}
	})))
	handle("/admin/", guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := askAuthorize(r.Context(), opts.Authorize, ActionBackup); err != nil {
			writeRefusal(w, err, refused)
			return
		}
		writeHTTPError(w, http.StatusNotFound, CodeNotFound, "no such admin route: "+r.URL.Path)
	})))
	if opts.Metrics != nil {
		mh := opts.Metrics.Handler()
		handle("GET /metrics", guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := askAuthorize(r.Context(), opts.Authorize, ActionBackup); err != nil {
				writeRefusal(w, err, refused)
				return
			}
			mh.ServeHTTP(w, r)
		})))
	}
	ex := explore.Handler(explore.Options{Endpoint: "/graphql"})
	handle("/explore", ex)
	handle("/explore/", ex)
	pg := playground.Handler(playground.Options{Endpoint: "/graphql", DefaultQuery: opts.PlaygroundQuery})
	handle("/", pg)
	handle("/playground/", pg)
	return withRequestIDs(mux)
}

// chain1 returns a func calling first (if any), then then.
func chain1[T any](first, then func(T)) func(T) {
	if first == nil {
		return then
	}
	return func(v T) { first(v); then(v) }
}

// textIndexWarning adds extensions.textIndex to the response of an operation that may use the
// full-text index (a `search` field or a `text: {search:}` filter) while the index is not ready:
// such answers come from the part of the store indexed so far (name matches, from the store, are
// complete).
func textIndexWarning(ix *textindex.Index, next graphql.ResponseHandler) graphql.ResponseHandler {
	return func(ctx context.Context) *graphql.Response {
		resp := next(ctx)
		if resp == nil {
			return nil
		}
		if st := ix.Status(); !st.Ready {
			if resp.Extensions == nil {
				resp.Extensions = map[string]any{}
			}
			resp.Extensions["textIndex"] = map[string]any{
				"state":   st.State,
				"behind":  st.Behind,
				"message": "the full-text index is " + st.State + ": full-text results come from the part of the store indexed so far",
			}
		}
		return resp
	}
}

// withRequestIDs gives every request an id (in its context and the X-Request-Id response header):
// the client's own X-Request-Id when it is a usable one (validRequestID), so that a request can be
// followed from the client's logs into kgql's; otherwise a new random one.
func withRequestIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(withRequestID(r.Context(), id)))
	})
}

// wsOriginGate refuses a websocket upgrade from an origin that CORS would refuse, so that HTTP and
// websocket accept exactly the same origins. Same-origin upgrades (the playground) and clients
// that send no Origin (not browsers) pass. Upgrades that pass lose the server's read and write
// deadlines, which are meant for plain requests, not long-lived sockets.
func wsOriginGate(c *cors.Cors, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			next.ServeHTTP(w, r)
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && !sameOrigin(r, origin) && !c.OriginAllowed(r) {
			writeHTTPError(w, http.StatusForbidden, CodeForbidden, "websocket upgrade refused: origin not allowed")
			return
		}
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Time{})
		_ = rc.SetWriteDeadline(time.Time{})
		next.ServeHTTP(w, r)
	})
}

// sortPreflightHeaders puts a CORS preflight's Access-Control-Request-Headers in the form
// browsers send (lower case, sorted, without duplicates, RFC 9110 list syntax), which is the only
// form rs/cors accepts: clients that are not browsers (Node's fetch in a test harness, a proxy)
// may list the same headers in any order. A list longer than maxPreflightHeaders bytes is left
// as it is (rs/cors refuses it).
func sortPreflightHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vs := r.Header.Values("Access-Control-Request-Headers")
		if r.Method != http.MethodOptions || len(vs) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		joined := strings.Join(vs, ",")
		if len(joined) > maxPreflightHeaders {
			next.ServeHTTP(w, r)
			return
		}
		var names []string
		for n := range strings.SplitSeq(joined, ",") {
			if n = strings.ToLower(strings.TrimSpace(n)); n != "" && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		slices.Sort(names)
		r = r.Clone(r.Context())
		r.Header.Set("Access-Control-Request-Headers", strings.Join(names, ","))
		next.ServeHTTP(w, r)
	})
}

// maxPreflightHeaders bounds the Access-Control-Request-Headers that sortPreflightHeaders sorts.
const maxPreflightHeaders = 4096

// sameOrigin reports whether origin names the host the request was sent to.
func sameOrigin(r *http.Request, origin string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// writeRefusal answers a request the authorization point refused: 401 with WWW-Authenticate, or
// 403.
func writeRefusal(w http.ResponseWriter, err error, refused func(string)) {
	refused("auth")
	var ce *codedError
	if !errors.As(err, &ce) {
		ce = &codedError{code: CodeForbidden, msg: "not allowed"}
	}
	status := statusFor(ce)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kgql"`)
	}
	writeJSONError(w, status, ce.msg, map[string]any{"code": ce.code})
}

// writeHTTPError answers a request refused before GraphQL runs, in the GraphQL error shape.
func writeHTTPError(w http.ResponseWriter, status int, code, msg string) {
	writeJSONError(w, status, msg, map[string]any{"code": code})
}

// writeJSONError writes one GraphQL-shaped error with its extensions, as application/json.
func writeJSONError(w http.ResponseWriter, status int, msg string, ext map[string]any) {
	writeErrorAs(w, mediaJSON, status, msg, ext)
}

// writeErrorAs writes one GraphQL-shaped error with its extensions, without a data entry, in
// media (the negotiated type, graph/httpapi.go).
func writeErrorAs(w http.ResponseWriter, media string, status int, msg string, ext map[string]any) {
	w.Header().Set("Content-Type", media)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
		"message": msg, "extensions": ext,
	}}})
}
