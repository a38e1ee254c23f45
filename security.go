package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/graph/auth"
)

// The server's credentials, policy and limits (README "Running it on a network").

// Defaults of the per-client rate where it is on (any policy but the open loopback one): a page
// of a frontend app sends a few requests per second; a script importing through mutations tens.
const (
	defaultRate  = 50
	defaultBurst = 100
)

// security holds the serve flags of credentials, policy and limits.
type security struct {
	tokens, jwtKey, jwtIssuer, jwtAudience, jwtRoleClaim *string
	jwtLeeway                                            *time.Duration
	requireAuth, insecureOpen, introspection             *bool
	rate                                                 *float64
	burst, maxInFlight, maxComplexity                    *int
	wsMaxOps                                             *int
	wsMaxMessage                                         *int64
	wsWriteTimeout                                       *time.Duration
	wsMessageRate                                        *float64
	limits                                               graph.Limits
	headerTimeout                                        *time.Duration
	cacheControl                                         *string

	tokenSet *auth.TokenSet
	verifier *auth.JWTVerifier
}

func envBool(name string, def bool) bool {
	if v, ok := os.LookupEnv(name); ok {
		b, err := strconv.ParseBool(v)
		if err == nil {
			return b
		}
	}
	return def
}

func securityFlags(fs *flag.FlagSet) *security {
	sc := &security{
		tokens:       fs.String("tokens", env("KGQL_TOKENS_FILE", ""), "file of static bearer tokens: NAME ROLE SHA256 per line, made by kgql token add (env KGQL_TOKENS_FILE); reloaded on SIGHUP"),
		jwtKey:       fs.String("jwt-key", env("KGQL_JWT_KEY", ""), "JWT verification key: an HMAC secret, a PEM public key or certificate (RSA, ECDSA), or a JWKS file (env KGQL_JWT_KEY); reloaded on SIGHUP"),
		jwtIssuer:    fs.String("jwt-issuer", env("KGQL_JWT_ISSUER", ""), "required JWT iss claim (env KGQL_JWT_ISSUER)"),
		jwtAudience:  fs.String("jwt-audience", env("KGQL_JWT_AUDIENCE", ""), "required JWT aud claim (env KGQL_JWT_AUDIENCE)"),
		jwtRoleClaim: fs.String("jwt-role-claim", env("KGQL_JWT_ROLE_CLAIM", "role"), "JWT claim naming the role: a string or a list, dots for nested claims (env KGQL_JWT_ROLE_CLAIM)"),
		jwtLeeway:    fs.Duration("jwt-leeway", 30*time.Second, "clock skew allowed on JWT exp, nbf and iat"),
		requireAuth:  fs.Bool("require-auth", envBool("KGQL_REQUIRE_AUTH", false), "reads need the reader role too (env KGQL_REQUIRE_AUTH)"),
		insecureOpen: fs.Bool("insecure-open-writes", false,
			"serve a non-loopback address without credentials: anyone who reaches it may write, delete and download the store"),
		introspection: fs.Bool("introspection", true, "answer __schema and __type queries (default: on for loopback addresses, off for others)"),
		rate:          fs.Float64("rate", 0, "requests per second allowed to one client (token name, else remote address); 0 = off; default 50 except on an open loopback server, where it is off"),
		burst:         fs.Int("burst", 0, "requests a client may send at once above -rate (default 100 where -rate is on)"),
		maxInFlight:   fs.Int("max-in-flight", graph.DefaultMaxInFlight, "requests running at once; more are answered 503 with Retry-After (-1: no cap)"),
		maxComplexity: fs.Int("max-complexity", graph.DefaultMaxComplexity, "highest cost of an operation (README: Cost); more is QUERY_TOO_COMPLEX"),
		wsMaxOps:      fs.Int("ws-max-operations", graph.DefaultWSMaxOperations, "operations running at once on one websocket"),
		wsMaxMessage:  fs.Int64("ws-max-message-bytes", graph.DefaultWSMaxMessageBytes, "largest websocket message accepted (larger closes the socket with 1009)"),
		wsWriteTimeout: fs.Duration("ws-write-timeout", graph.DefaultWSWriteTimeout,
			"a websocket whose peer does not take a message within this is closed with 1008 (slow consumer)"),
	}
	sc.wsMessageRate = fs.Float64("ws-message-rate", graph.DefaultWSMessageRate, "messages per second read from one websocket (burst twice that); a faster sender waits in its own connection (-1: unpaced)")
	sc.cacheControl = fs.String("cache-control", env("KGQL_CACHE_CONTROL", graph.DefaultCacheControl), "Cache-Control of GET queries answered without errors, e.g. \"public, max-age=60\" behind a cache (env KGQL_CACHE_CONTROL); everything else is no-store")
	sc.headerTimeout = fs.Duration("read-header-timeout", 10*time.Second, "a connection that has not sent its request headers within this is closed (slow clients, slow-loris)")
	l := &sc.limits
	fs.IntVar(&l.MaxDepth, "max-depth", graph.DefaultMaxDepth, "deepest nesting of fields in an operation (-1: no limit)")
	fs.IntVar(&l.MaxSelections, "max-selections", graph.DefaultMaxSelections, "fields and aliases in one operation, fragments expanded (-1: no limit)")
	fs.IntVar(&l.MaxFragmentSpreads, "max-fragment-spreads", graph.DefaultMaxFragmentSpreads, "fragment spreads in one operation, expanded (-1: no limit)")
	fs.IntVar(&l.MaxRootFields, "max-root-fields", graph.DefaultMaxRootFields, "root fields of one operation (-1: no limit)")
	fs.IntVar(&l.MaxDirectivesPerField, "max-directives", graph.DefaultMaxDirectivesPerField, "directives on one field (-1: no limit)")
	fs.IntVar(&l.MaxVariablesBytes, "max-variables-bytes", graph.DefaultMaxVariablesBytes, "size of an operation's variables (-1: no limit)")
	fs.IntVar(&l.MaxTokens, "max-tokens", graph.DefaultMaxTokens, "lexical tokens of a query document (-1: no limit)")
	fs.IntVar(&l.MaxBatch, "max-batch", graph.DefaultMaxBatch, "operations in one batched request (a JSON array); each counts toward the rate limit, and they share one cost and time budget (-1: no limit)")
	fs.DurationVar(&l.QueryTimeout, "query-timeout", graph.DefaultQueryTimeout, "longest a query or mutation may run; then QUERY_TOO_COMPLEX (bound: time)")
	return sc
}

// authenticator reads the token file and the JWT key, if any. A malformed file is an error that
// names its line.
func (sc *security) authenticator() (*auth.Authenticator, error) {
	var err error
	if *sc.tokens != "" {
		if sc.tokenSet, err = auth.LoadTokens(*sc.tokens); err != nil {
			return nil, fmt.Errorf("-tokens: %w", err)
		}
	}
	if *sc.jwtKey != "" {
		sc.verifier, err = auth.NewJWTVerifier(auth.JWTConfig{KeyFile: *sc.jwtKey, Issuer: *sc.jwtIssuer,
			Audience: *sc.jwtAudience, RoleClaim: *sc.jwtRoleClaim, Leeway: *sc.jwtLeeway})
		if err != nil {
			return nil, fmt.Errorf("-jwt-key: %w", err)
		}
	}
	return auth.NewAuthenticator(sc.tokenSet, sc.verifier), nil
}

// isLoopback reports whether a listener's address is on this machine only.
func isLoopback(a net.Addr) bool {
	t, ok := a.(*net.TCPAddr)
	return ok && t.IP.IsLoopback()
}

// addrIsLoopback reports whether a HOST:PORT to listen on names a loopback address ("localhost"
// or a loopback IP). An empty host (every interface) and other names are not.
func addrIsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkBind refuses, before anything is bound or opened, to serve a non-loopback address with
// no credential and without -insecure-open-writes.
func (sc *security) checkBind(addr string, authn *auth.Authenticator) error {
	if authn.Configured() || *sc.insecureOpen || addrIsLoopback(addr) {
		return nil
	}
	return refuseOpen(addr)
}

func refuseOpen(addr string) error {
	return fmt.Errorf("refusing to serve %s without credentials: anyone who can reach it could write, delete and download the store. "+
		"Add -tokens FILE (create it with `kgql token add -tokens FILE -name NAME -role writer`) or -jwt-key FILE, "+
		"bind a loopback address (-addr localhost:8080), or accept the risk with -insecure-open-writes", addr)
}

// handlerOptions applies the policy to the address kgql is bound to: loopback without
// credentials is open (and says so); any other address needs credentials or
// -insecure-open-writes.
func (sc *security) handlerOptions(fs *flag.FlagSet, authn *auth.Authenticator, loopback bool, bound string, log *slog.Logger) (graph.Options, error) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	configured := authn.Configured()
	switch {
	case configured:
		var via []string
		if sc.tokenSet != nil {
			via = append(via, fmt.Sprintf("%d token(s) from %s", sc.tokenSet.Len(), *sc.tokens))
		}
		if sc.verifier != nil {
			via = append(via, "JWTs verified with "+*sc.jwtKey)
		}
		reads := "anonymous callers may read"
		if *sc.requireAuth {
			reads = "reads need the reader role"
		}
		log.Info("credentials configured: "+reads+"; mutations need writer; /admin and cascade deletes need admin", "from", via)
	case !loopback && !*sc.insecureOpen:
		return graph.Options{}, refuseOpen(bound)
	case !loopback:
		log.Warn("-insecure-open-writes: no credentials on a network address; anyone who can reach " + bound + " may write, delete and download the store")
	default:
		log.Info("open policy: no credentials configured on a loopback address; every local caller may read, write and back up (configure -tokens or -jwt-key to restrict)")
	}
	if *sc.requireAuth && !configured {
		return graph.Options{}, errors.New("-require-auth needs -tokens or -jwt-key")
	}
	if cc := *sc.cacheControl; cc == "" || strings.IndexFunc(cc, func(r rune) bool { return r < ' ' || r > '~' }) >= 0 {
		return graph.Options{}, fmt.Errorf("-cache-control %q: want a header value of printable ASCII, e.g. no-store or \"public, max-age=60\"", cc)
	}
	opts := graph.Options{
		CacheControl:         *sc.cacheControl,
		Policy:               graph.Policy{Auth: authn, RequireAuth: *sc.requireAuth},
		MaxComplexity:        *sc.maxComplexity,
		Limits:               sc.limits,
		MaxInFlight:          *sc.maxInFlight,
		WSMaxOperations:      *sc.wsMaxOps,
		WSMaxMessageBytes:    *sc.wsMaxMessage,
		WSWriteTimeout:       *sc.wsWriteTimeout,
		WSMessageRate:        *sc.wsMessageRate,
		DisableIntrospection: !*sc.introspection || (!loopback && !set["introspection"]),
	}
	// The per-client rate is on by default except on the open loopback server (go run ., local
	// benchmarks), where it is off unless asked for.
	opts.Rate, opts.Burst = *sc.rate, *sc.burst
	if !set["rate"] && (configured || !loopback) {
		opts.Rate = defaultRate
	}
	if opts.Rate > 0 && !set["burst"] {
		opts.Burst = max(defaultBurst, int(opts.Rate))
	}
	if opts.MaxInFlight == 0 {
		opts.MaxInFlight = -1
	}
	if opts.Rate > 0 {
		log.Info("limits", "rate_per_client", opts.Rate, "burst", opts.Burst, "max_in_flight", opts.MaxInFlight, "introspection", !opts.DisableIntrospection)
	} else {
		log.Info("limits", "rate_per_client", "off", "max_in_flight", opts.MaxInFlight, "introspection", !opts.DisableIntrospection)
	}
	return opts, nil
}

// reloadOnHUP re-reads the token file and the JWT key on SIGHUP. A file that no longer parses
// is refused with its line and the credentials in force are kept.
func reloadOnHUP(ctx context.Context, sc *security, log *slog.Logger) {
	if sc.tokenSet == nil && sc.verifier == nil {
		return
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		if sc.tokenSet != nil {
			if err := sc.tokenSet.Reload(); err != nil {
				log.Error("SIGHUP: token file not reloaded; the tokens in force are kept", "err", err)
			} else {
				log.Info("SIGHUP: token file reloaded", "file", *sc.tokens, "tokens", sc.tokenSet.Len())
			}
		}
		if sc.verifier != nil {
			if err := sc.verifier.Reload(); err != nil {
				log.Error("SIGHUP: JWT key not reloaded; the key in force is kept", "err", err)
			} else {
				log.Info("SIGHUP: JWT key reloaded", "file", *sc.jwtKey)
			}
		}
	}
}

// tokenCommand is `kgql token add|list|remove`.
func tokenCommand(args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("token: say add, list or remove (kgql token add -tokens FILE -name NAME -role ROLE)")
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("token "+sub, flag.ContinueOnError)
	file := fs.String("tokens", env("KGQL_TOKENS_FILE", ""), "the token file (env KGQL_TOKENS_FILE)")
	name := fs.String("name", "", "the token's name (letters, digits, . _ -; at most 64)")
	role := fs.String("role", "", "reader, writer or admin")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("token %s: unexpected argument %q", sub, fs.Arg(0))
	}
	if *file == "" {
		return fmt.Errorf("token %s: -tokens FILE is required", sub)
	}
	switch sub {
	case "add":
		if *name == "" || *role == "" {
			return errors.New("token add: -name and -role are required")
		}
		r, err := auth.ParseRole(*role)
		if err != nil {
			return fmt.Errorf("token add: %w", err)
		}
		tok, err := auth.AddToken(*file, *name, r)
		if err != nil {
			return fmt.Errorf("token add: %w", err)
		}
		fmt.Fprintln(out, tok)
		fmt.Fprintf(os.Stderr, "token %q (%s) added to %s; it is shown only this once (the file keeps its SHA-256). A running server picks it up on SIGHUP.\n", *name, r, *file)
		return nil
	case "list":
		infos, err := auth.ListTokens(*file)
		if err != nil {
			return fmt.Errorf("token list: %w", err)
		}
		for _, ti := range infos {
			fmt.Fprintf(out, "%s\t%s\n", ti.Name, ti.Role)
		}
		return nil
	case "remove":
		if *name == "" {
			return errors.New("token remove: -name is required")
		}
		if err := auth.RemoveToken(*file, *name); err != nil {
			return fmt.Errorf("token remove: %w", err)
		}
		fmt.Fprintf(os.Stderr, "token %q removed from %s; a running server drops it on SIGHUP.\n", *name, *file)
		return nil
	}
	return fmt.Errorf("token: unknown subcommand %q (add, list or remove)", sub)
}
