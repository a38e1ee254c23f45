package graph

import (
	"context"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/kgql/kgql/graph/auth"
)

// Rate and load limits of the HTTP side, applied before any GraphQL work.
//
// Rate: each client has a token bucket (golang.org/x/time/rate) of Options.Rate requests per
// second with Options.Burst; a request over it is answered at once with 429, Retry-After (the
// seconds until the bucket has a token again) and RATE_LIMITED. A client is the name of its
// credential when it sent one ("token:NAME", "jwt:SUBJECT"), else its remote IP address. Every
// GraphQL request counts (POST, GET, each operation over a websocket, the upgrade itself) and
// every /admin request; /healthz and the playground's files do not. Buckets idle for
// clientIdle are forgotten; at most maxClients are kept (past that, the clients beyond share one
// bucket, so a flood of addresses cannot grow memory).
//
// Load: at most Options.MaxInFlight requests run at once; one more is answered at once with 503,
// Retry-After: 1 and RATE_LIMITED (extensions.reason "overloaded") instead of queueing without
// bound. A websocket upgrade needs a free slot but does not keep it.

const (
	clientIdle = 3 * time.Minute
	maxClients = 100000
)

// rateLimiter keeps one token bucket per client.
type rateLimiter struct {
	limit rate.Limit
	burst int

	mu       sync.Mutex
	clients  map[string]*clientBucket
	overflow *rate.Limiter // shared by the clients past maxClients
	swept    time.Time
}

type clientBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// newRateLimiter returns a limiter of perSecond requests per second per client with burst, or
// nil (no limit) when perSecond <= 0.
func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	if perSecond <= 0 {
		return nil
	}
	if burst < 1 {
		burst = max(1, int(math.Ceil(perSecond)))
	}
	return &rateLimiter{limit: rate.Limit(perSecond), burst: burst, clients: map[string]*clientBucket{},
		overflow: rate.NewLimiter(rate.Limit(perSecond), burst)}
}

// allow takes a token from the client's bucket. When there is none it returns how long until
// there is.
func (l *rateLimiter) allow(client string, now time.Time) (bool, time.Duration) {
	return l.allowN(client, now, 1)
}

// allowN takes n tokens at once (all or none).
func (l *rateLimiter) allowN(client string, now time.Time, n int) (bool, time.Duration) {
	l.mu.Lock()
	if now.Sub(l.swept) > clientIdle {
		for k, b := range l.clients {
			if now.Sub(b.seen) > clientIdle {
				delete(l.clients, k)
			}
		}
		l.swept = now
	}
	b := l.clients[client]
	var lim *rate.Limiter
	switch {
	case b != nil:
		b.seen = now
		lim = b.lim
	case len(l.clients) < maxClients:
		lim = rate.NewLimiter(l.limit, l.burst)
		l.clients[client] = &clientBucket{lim: lim, seen: now}
	default:
		lim = l.overflow
	}
	l.mu.Unlock()
	r := lim.ReserveN(now, n)
	if !r.OK() {
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// clientOf names the client of a request for the rate limit: its credential's name, else its
// remote IP.
func clientOf(ctx context.Context, remoteAddr string) string {
	if name := callerName(ctx); name != "" {
		return name
	}
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}

// callerName is the name of the credential of the caller in ctx ("token:NAME", "jwt:SUB"), or
// "" for an anonymous caller. The rate limit, the access log and the metrics know a client by it.
func callerName(ctx context.Context) string {
	if who := auth.FromContext(ctx); who.Role != auth.Anonymous && who.Name != "" {
		return who.Method + ":" + who.Name
	}
	return ""
}

// retryAfter is a Retry-After value: whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}

// refuseRate answers a request over its client's rate.
func refuseRate(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", retryAfter(wait))
	writeHTTPErrorExt(w, http.StatusTooManyRequests, CodeRateLimited,
		"too many requests: slow down and retry after "+retryAfter(wait)+" s",
		map[string]any{"retryAfter": retryAfter(wait)})
}

// limitRate applies the per-client rate to every request through it (nil limiter: no limit).
func limitRate(l *rateLimiter, onRefuse func(reason string), next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions { // CORS preflights are answered before; never count them
			next.ServeHTTP(w, r)
			return
		}
		if ok, wait := l.allow(clientOf(r.Context(), r.RemoteAddr), time.Now()); !ok {
			onRefuse("rate")
			refuseRate(w, wait)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// limitInFlight sheds requests past n running at once with 503 (n <= 0: no cap). A websocket
// upgrade needs a free slot to be accepted but does not keep it: its operations are bounded by
// the per-connection cap (graph/wsconn.go).
func limitInFlight(n int, onRefuse func(reason string), next http.Handler) http.Handler {
	if n <= 0 {
		return next
	}
	slots := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case slots <- struct{}{}:
		default:
			onRefuse("in_flight")
			w.Header().Set("Retry-After", "1")
			writeHTTPErrorExt(w, http.StatusServiceUnavailable, CodeRateLimited,
				"the server is busy: too many requests in flight; retry after 1 s",
				map[string]any{"reason": "overloaded", "retryAfter": "1"})
			return
		}
		if isUpgrade(r) {
			<-slots
			next.ServeHTTP(w, r)
			return
		}
		defer func() { <-slots }()
		next.ServeHTTP(w, r)
	})
}

// writeHTTPErrorExt is writeHTTPError with more extensions.
func writeHTTPErrorExt(w http.ResponseWriter, status int, code, msg string, ext map[string]any) {
	writeJSONError(w, status, msg, extensionsOf(code, ext))
}
