package graph

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sort"
	"strconv"
	"sync"
	"time"
	"unicode"
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

// AccessLog returns an Options.OnRequest that writes one line per HTTP request to w, message
// "request", in the format of log/slog's JSON handler (json true) or text handler, with the keys
// time, level, msg, then method, route (the mux pattern), path (the URL path only, at most 256
// bytes: never the query string, which can hold a GET's variables), status, duration_ms, bytes,
// request_id, op_name, op_type (of the last operation of a batch), ops (how many operations
// were answered: 0 for a request refused before any, more than 1 for a batch), cost, client,
// client_version, remote (the peer's host) and upgraded (a websocket; its line is written when
// the socket closes, duration_ms is then its life). Health checks (GET /healthz) are at DEBUG,
// everything else at INFO; lines under level are not written. Headers (Authorization, cookies),
// variables and query texts are never logged.
//
// The line is formatted here, not by slog: with sixteen attributes slog's handlers cost a few
// microseconds per line, as much as a small request (BENCHMARKS.md, "Metrics and the access
// log: their cost"). Each line is one Write, so w may be shared with a slog handler (kgql serve
// gives both the same LogWriter).
func AccessLog(w io.Writer, json bool, level slog.Leveler) func(Served) {
	return func(s Served) {
		lv := slog.LevelInfo
		if s.Route == healthRoute {
			lv = slog.LevelDebug
		}
		if lv < level.Level() {
			return
		}
		r := s.Request
		remote := r.RemoteAddr
		if host, _, err := net.SplitHostPort(remote); err == nil {
			remote = host
		}
		client, version := s.Operation.Client, s.Operation.ClientVersion
		if client == "" && s.Route == "/graphql" { // refused before it became an operation
			client, version = clientHeaders(r.Header)
		}
		bp := linePool.Get().(*[]byte)
		l := logLine{b: (*bp)[:0], json: json}
		end := s.Start.Add(s.Duration) // when it was answered
		if s.Start.IsZero() {
			end = time.Now()
		}
		l.start(end, lv, "request")
		l.str("method", r.Method)
		l.str("route", s.Route)
		l.str("path", capString(r.URL.Path, maxLoggedPath))
		l.int("status", int64(s.Status))
		l.float("duration_ms", durationMS(s.Duration))
		l.int("bytes", s.Bytes)
		l.str("request_id", RequestID(r.Context()))
		l.str("op_name", s.Operation.Name)
		l.str("op_type", s.Operation.Type)
		l.int("ops", int64(s.Operations))
		l.int("cost", int64(s.Operation.Cost))
		l.str("client", client)
		l.str("client_version", version)
		l.str("remote", remote)
		l.bool("upgraded", s.Upgraded)
		l.end()
		_, _ = w.Write(l.b)
		*bp = l.b
		linePool.Put(bp)
	}
}

var linePool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// logLine appends one log line as log/slog's JSONHandler or TextHandler would write it.
type logLine struct {
	b    []byte
	json bool
}

func (l *logLine) start(t time.Time, lv slog.Level, msg string) {
	if l.json {
		l.b = append(l.b, `{"time":"`...)
		l.b = t.AppendFormat(l.b, time.RFC3339Nano)
		l.b = append(l.b, `","level":"`...)
		l.b = append(l.b, lv.String()...)
		l.b = append(l.b, `","msg":`...)
		l.b = appendJSONString(l.b, msg)
		return
	}
	l.b = append(l.b, "time="...)
	l.b = t.AppendFormat(l.b, "2006-01-02T15:04:05.000Z07:00")
	l.b = append(l.b, " level="...)
	l.b = append(l.b, lv.String()...)
	l.b = append(l.b, " msg="...)
	l.b = appendTextString(l.b, msg)
}

func (l *logLine) key(k string) {
	if l.json {
		l.b = append(l.b, ',', '"')
		l.b = append(l.b, k...)
		l.b = append(l.b, '"', ':')
		return
	}
	l.b = append(l.b, ' ')
	l.b = append(l.b, k...)
	l.b = append(l.b, '=')
}

func (l *logLine) str(k, v string) {
	l.key(k)
	if l.json {
		l.b = appendJSONString(l.b, v)
	} else {
		l.b = appendTextString(l.b, v)
	}
}

func (l *logLine) int(k string, v int64) { l.key(k); l.b = strconv.AppendInt(l.b, v, 10) }

func (l *logLine) float(k string, v float64) {
	l.key(k)
	l.b = strconv.AppendFloat(l.b, v, 'f', -1, 64)
}

func (l *logLine) bool(k string, v bool) { l.key(k); l.b = strconv.AppendBool(l.b, v) }

func (l *logLine) end() {
	if l.json {
		l.b = append(l.b, '}')
	}
	l.b = append(l.b, '\n')
}

// appendJSONString appends s as a JSON string: quotes, backslashes and control characters
// escaped, invalid UTF-8 replaced by U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		// The run of bytes that need no escape, appended at once.
		j := i
		for j < len(s) && s[j] >= 0x20 && s[j] < 0x7f && s[j] != '"' && s[j] != '\\' {
			j++
		}
		b = append(b, s[i:j]...)
		if i = j; i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// appendTextString appends s as log/slog's TextHandler writes a string value: as it is when it
// needs no quoting, else Go-quoted.
func appendTextString(b []byte, s string) []byte {
	if s == "" {
		return append(b, `""`...)
	}
	for _, r := range s {
		if r == '=' || r == '"' || r == utf8.RuneError || r <= ' ' || !unicode.IsPrint(r) {
			return strconv.AppendQuote(b, s)
		}
	}
	return append(b, s...)
}

// SlowQueryLog returns an Options.OnOperation that logs, at WARN with message "slow query", every
// query or mutation that took longer than threshold from the start of its operation (its
// parsing) to its response: request_id, op_name, op_type, duration_ms, cost, client, the query
// text (at most 2 KiB, then "…(N bytes)" with its full length) and the names of its variables,
// sorted, never their values. Subscriptions are not timed (they run as long as their client
// wants). A threshold of zero or less logs nothing.
func SlowQueryLog(log *slog.Logger, threshold time.Duration) func(ctx context.Context, oi OperationInfo) {
	return func(ctx context.Context, oi OperationInfo) {
		took := oi.Took
		if threshold <= 0 || oi.Type == "subscription" || took <= threshold || !log.Enabled(ctx, slog.LevelWarn) {
			return
		}
		rc := graphql.GetOperationContext(ctx) // Took > 0: there is one
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

// DefaultLogFlush is how long a log line may wait in a LogWriter's buffer.
const DefaultLogFlush = 100 * time.Millisecond

// logBufferBytes is the most a LogWriter holds before it writes out.
const logBufferBytes = 64 << 10

// LogWriter buffers a logger's lines and writes them out together: at most every flush interval
// after the first line waiting, when 64 KiB are waiting, on Flush, and on Close. With a line per
// request, writing each with its own system call costs about as much as serving a small request;
// batched, the cost is spread over the lines of 100 ms. Lines at WARN and above are written at
// once when the logger's handler is wrapped with FlushAbove (kgql serve does), so an error is
// never held back; what a kill -9 can lose is the last 100 ms of access lines. Writes are
// whole lines (slog writes one line per call), so lines are never interleaved.
type LogWriter struct {
	mu      sync.Mutex
	w       io.Writer
	every   time.Duration
	buf     []byte
	pending bool // a flush is scheduled
	closed  bool
}

// NewLogWriter returns a LogWriter on w that flushes at most every (<= 0: writes through).
func NewLogWriter(w io.Writer, every time.Duration) *LogWriter {
	return &LogWriter{w: w, every: every}
}

func (l *LogWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.every <= 0 {
		return l.w.Write(p)
	}
	if len(l.buf)+len(p) > logBufferBytes {
		if err := l.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > logBufferBytes {
			return l.w.Write(p)
		}
	}
	l.buf = append(l.buf, p...)
	if !l.pending {
		l.pending = true
		time.AfterFunc(l.every, func() { _ = l.Flush() })
	}
	return len(p), nil
}

// Flush writes out what is waiting.
func (l *LogWriter) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = false
	return l.flushLocked()
}

func (l *LogWriter) flushLocked() error {
	if len(l.buf) == 0 {
		return nil
	}
	_, err := l.w.Write(l.buf)
	l.buf = l.buf[:0]
	return err
}

// Close flushes and makes later writes go straight through (lines logged while the program
// exits are not lost). It does not close the underlying writer.
func (l *LogWriter) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return l.flushLocked()
}

// FlushAbove wraps a handler writing to w so that a record at level or above is written out at
// once (with everything buffered before it).
func FlushAbove(h slog.Handler, w *LogWriter, level slog.Level) slog.Handler {
	return flushAbove{Handler: h, w: w, level: level}
}

type flushAbove struct {
	slog.Handler
	w     *LogWriter
	level slog.Level
}

func (f flushAbove) Handle(ctx context.Context, r slog.Record) error {
	err := f.Handler.Handle(ctx, r)
	if r.Level >= f.level {
		if ferr := f.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (f flushAbove) WithAttrs(as []slog.Attr) slog.Handler {
	return flushAbove{Handler: f.Handler.WithAttrs(as), w: f.w, level: f.level}
}

func (f flushAbove) WithGroup(name string) slog.Handler {
	return flushAbove{Handler: f.Handler.WithGroup(name), w: f.w, level: f.level}
}
