package graph

import (
	"context"
	"log/slog"
	"net"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
)

// maxLoggedPath is the longest URL path an access-log line holds.
const maxLoggedPath = 256

// maxLoggedClient is the longest client name or version an access-log line holds.
const maxLoggedClient = 128

// maxLoggedQuery is the longest query text a slow-query line holds.
const maxLoggedQuery = 2 << 10

// healthRoute is logged at DEBUG: supervisors poll it every few seconds.
const healthRoute = "GET /healthz"

// AccessLog returns an Options.OnRequest that logs one line per HTTP request, message "request":
// method, route (the mux pattern), path (the URL path only, at most 256 bytes: never the query
// string, which can hold a GET's variables), status, duration_ms, bytes, request_id, op_name,
// op_type (of the last operation of a batch), ops (how many operations were answered: 0 for a
// request refused before any, more than 1 for a batch), cost, client, client_version, remote
// (the peer's host) and upgraded (a websocket; its
// line is written when the socket closes, duration_ms is then its life). Health checks
// (GET /healthz) are logged at DEBUG, everything else at INFO. Headers (Authorization, cookies),
// variables and query texts are never logged.
func AccessLog(log *slog.Logger) func(Served) {
	return func(s Served) {
		level := slog.LevelInfo
		if s.Route == healthRoute {
			level = slog.LevelDebug
		}
		r := s.Request
		ctx := r.Context()
		if !log.Enabled(ctx, level) {
			return
		}
		remote := r.RemoteAddr
		if host, _, err := net.SplitHostPort(remote); err == nil {
			remote = host
		}
		client, version := s.Operation.Client, s.Operation.ClientVersion
		if client == "" && s.Route == "/graphql" { // refused before it became an operation
			client = capString(r.Header.Get("Apollographql-Client-Name"), maxLoggedClient)
			version = capString(r.Header.Get("Apollographql-Client-Version"), maxLoggedClient)
		}
		log.LogAttrs(ctx, level, "request",
			slog.String("method", r.Method),
			slog.String("route", s.Route),
			slog.String("path", capString(r.URL.Path, maxLoggedPath)),
			slog.Int("status", s.Status),
			slog.Float64("duration_ms", durationMS(s.Duration)),
			slog.Int64("bytes", s.Bytes),
			slog.String("request_id", RequestID(ctx)),
			slog.String("op_name", s.Operation.Name),
			slog.String("op_type", s.Operation.Type),
			slog.Int("ops", s.Operations),
			slog.Int("cost", s.Operation.Cost),
			slog.String("client", client),
			slog.String("client_version", version),
			slog.String("remote", remote),
			slog.Bool("upgraded", s.Upgraded),
		)
	}
}

// SlowQueryLog returns an Options.OnOperation that logs, at WARN with message "slow query", every
// query or mutation that took longer than threshold from the start of its operation (its
// parsing) to its response: request_id, op_name, op_type, duration_ms, cost, client, the query
// text (at most 2 KiB, then "…(N bytes)" with its full length) and the names of its variables,
// sorted, never their values. Subscriptions are not timed (they run as long as their client
// wants). A threshold of zero or less logs nothing.
func SlowQueryLog(log *slog.Logger, threshold time.Duration) func(ctx context.Context, oi OperationInfo) {
	return func(ctx context.Context, oi OperationInfo) {
		if threshold <= 0 || oi.Type == "subscription" || !graphql.HasOperationContext(ctx) {
			return
		}
		rc := graphql.GetOperationContext(ctx)
		if rc.Stats.OperationStart.IsZero() {
			return
		}
		took := time.Since(rc.Stats.OperationStart)
		if took <= threshold || !log.Enabled(ctx, slog.LevelWarn) {
			return
		}
		names := make([]string, 0, len(rc.Variables))
		for name := range rc.Variables {
			names = append(names, name)
		}
		sort.Strings(names)
		query := rc.RawQuery
		if len(query) > maxLoggedQuery {
			query = capString(query, maxLoggedQuery) + "…(" + strconv.Itoa(len(rc.RawQuery)) + " bytes)"
		}
		log.LogAttrs(ctx, slog.LevelWarn, "slow query",
			slog.String("request_id", RequestID(ctx)),
			slog.String("op_name", oi.Name),
			slog.String("op_type", oi.Type),
			slog.Float64("duration_ms", durationMS(took)),
			slog.Int("cost", oi.Cost),
			slog.String("client", oi.Client),
			slog.String("query", query),
			slog.Any("variables", names),
		)
	}
}

// capString returns s cut to at most n bytes, on a UTF-8 boundary.
func capString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// durationMS is d in milliseconds, to the microsecond.
func durationMS(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}
