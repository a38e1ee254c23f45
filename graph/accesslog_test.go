package graph_test

// Tests of the access log and the slow-query log (graph/accesslog.go) over a real handler.

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kgql/kgql/graph"
)

// logBuffer is the log of a test server (safe for the handler's goroutines), read as lines.
type logBuffer struct{ httpSyncBuffer }

// lines waits (up to 10 s) until the log holds at least n lines (a request's line is written once
// its response is, so the client may see the response first) and returns them parsed.
func (l *logBuffer) lines(t *testing.T, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(l.String(), "\n") < n {
		if time.Now().After(deadline) {
			t.Fatalf("the log has fewer than %d lines after 10 s:\n%s", n, l.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON (%v): %s", err, line)
		}
		out = append(out, m)
	}
	return out
}

// find returns the lines with msg and request_id.
func findLines(lines []map[string]any, msg, rid string) []map[string]any {
	var out []map[string]any
	for _, m := range lines {
		if m["msg"] == msg && m["request_id"] == rid {
			out = append(out, m)
		}
	}
	return out
}

const (
	logSecretToken = "s3cr3t-token-xyz"
	logSecretPost  = "zz-secret-value-42"
	logSecretGet   = "get-secret-value-43"
)

func TestAccessAndSlowQueryLog(t *testing.T) {
	buf := &logBuffer{}
	log := slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httpServer(t, graph.Options{OnRequest: graph.AccessLog(buf, true, slog.LevelDebug), OnOperation: graph.SlowQueryLog(log, time.Nanosecond)})

	query := `query Org($key: String, $other: String) { organization(key: $key) { name } other: organization(key: $other) { name } }`
	body, _ := json.Marshal(map[string]any{"query": query, "operationName": "Org",
		"variables": map[string]any{"key": logSecretPost, "other": logSecretPost}})
	r := httpDo(t, httpRequest(t, http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body),
		"Content-Type", "application/json", "X-Request-Id", "abc-123", "Authorization", "Bearer "+logSecretToken,
		"Apollographql-Client-Name", "test-client", "Apollographql-Client-Version", "1.2.3"))
	postStatus := r.Status

	get := srv.URL + "/graphql?query=" + url.QueryEscape(query) + "&variables=" +
		url.QueryEscape(`{"key":"`+logSecretGet+`"}`)
	if r := httpDo(t, httpRequest(t, http.MethodGet, get, nil, "X-Request-Id", "get-1")); r.Status != http.StatusOK {
		t.Fatalf("GET /graphql: HTTP %d: %s", r.Status, r.Body)
	}
	if r := httpDo(t, httpRequest(t, http.MethodGet, srv.URL+"/healthz", nil, "X-Request-Id", "health-1")); r.Status != http.StatusOK {
		t.Fatalf("GET /healthz: HTTP %d", r.Status)
	}
	long := "# " + strings.Repeat("x", 3000) + "\n{ __typename }"
	if r := httpPostQuery(t, srv, long, "X-Request-Id", "long-1"); r.Status != http.StatusOK {
		t.Fatalf("long query: HTTP %d: %s", r.Status, r.Body)
	}

	// A batch of two: one line, ops 2, the last operation named; a request refused before any
	// operation still names its client from the header.
	if r := httpDo(t, httpRequest(t, http.MethodPost, srv.URL+"/graphql",
		strings.NewReader(`[{"query":"query A { __typename }"},{"query":"query B { __typename }"}]`),
		"Content-Type", "application/json", "X-Request-Id", "batch-1")); r.Status != http.StatusOK {
		t.Fatalf("batch: HTTP %d: %s", r.Status, r.Body)
	}
	if r := httpDo(t, httpRequest(t, http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{"qeury":"{ __typename }"}`),
		"Content-Type", "application/json", "X-Request-Id", "bad-1", "Apollographql-Client-Name", "bad-client")); r.Status != http.StatusBadRequest {
		t.Fatalf("no query: HTTP %d: %s", r.Status, r.Body)
	}

	lines := buf.lines(t, 6+5) // six requests, five operations
	keys := []string{"method", "route", "path", "status", "duration_ms", "bytes", "request_id", "op_name", "op_type",
		"ops", "cost", "client", "client_version", "remote", "upgraded"}
	var requests int
	for _, m := range lines {
		if m["msg"] != "request" {
			continue
		}
		requests++
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("request line without %s: %v", k, m)
			}
		}
	}
	if requests != 6 {
		t.Errorf("%d request lines, want one per request (6):\n%s", requests, buf)
	}
	if b := findLines(lines, "request", "batch-1"); len(b) != 1 || b[0]["ops"] != float64(2) || b[0]["op_name"] != "B" {
		t.Errorf("batch line: %v, want one with ops 2 and op_name B", b)
	}
	if b := findLines(lines, "request", "bad-1"); len(b) != 1 || b[0]["ops"] != float64(0) || b[0]["client"] != "bad-client" || b[0]["status"] != float64(400) {
		t.Errorf("refused request line: %v, want ops 0, client bad-client, status 400", b)
	}

	post := findLines(lines, "request", "abc-123")
	if len(post) != 1 {
		t.Fatalf("%d request lines with the client's request id abc-123, want 1:\n%s", len(post), buf)
	}
	p := post[0]
	for k, want := range map[string]any{"level": "INFO", "method": "POST", "route": "/graphql", "path": "/graphql",
		"status": float64(postStatus), "op_name": "Org", "op_type": "query", "client_version": "1.2.3",
		"remote": "127.0.0.1", "upgraded": false} {
		if p[k] != want {
			t.Errorf("POST line: %s = %v, want %v", k, p[k], want)
		}
	}
	if c, _ := p["client"].(string); c == "" {
		t.Errorf("POST line: no client: %v", p)
	}
	if b, _ := p["bytes"].(float64); b <= 0 {
		t.Errorf("POST line: bytes = %v, want > 0", p["bytes"])
	}
	if d, ok := p["duration_ms"].(float64); !ok || d < 0 {
		t.Errorf("POST line: duration_ms = %v", p["duration_ms"])
	}

	g := findLines(lines, "request", "get-1")
	if len(g) != 1 || g[0]["path"] != "/graphql" || g[0]["method"] != "GET" {
		t.Errorf("GET line: %v, want path /graphql (no query string)", g)
	}
	h := findLines(lines, "request", "health-1")
	if len(h) != 1 || h[0]["level"] != "DEBUG" || h[0]["route"] != "GET /healthz" {
		t.Errorf("health check line: %v, want one at DEBUG", h)
	}

	slow := findLines(lines, "slow query", "abc-123")
	if len(slow) != 1 {
		t.Fatalf("%d slow-query lines for abc-123, want 1 (threshold 1ns):\n%s", len(slow), buf)
	}
	s := slow[0]
	if s["level"] != "WARN" || s["query"] != query || s["op_name"] != "Org" || s["op_type"] != "query" {
		t.Errorf("slow-query line: %v", s)
	}
	if vars, _ := json.Marshal(s["variables"]); string(vars) != `["key","other"]` {
		t.Errorf("slow-query variables = %s, want the sorted names [\"key\",\"other\"]", vars)
	}
	for _, k := range []string{"duration_ms", "cost", "client"} {
		if _, ok := s[k]; !ok {
			t.Errorf("slow-query line without %s: %v", k, s)
		}
	}
	if len(findLines(lines, "slow query", "health-1")) != 0 {
		t.Errorf("a health check logged as a slow query")
	}

	cut := findLines(lines, "slow query", "long-1")
	if len(cut) != 1 {
		t.Fatalf("%d slow-query lines for the long query, want 1", len(cut))
	}
	q, _ := cut[0]["query"].(string)
	if wantSuffix := "…(" + strconv.Itoa(len(long)) + " bytes)"; !strings.HasSuffix(q, wantSuffix) || len(q) != 2048+len(wantSuffix) {
		t.Errorf("long query logged as %d bytes ending %q, want 2048 bytes then %q", len(q), q[max(0, len(q)-20):], wantSuffix)
	}

	all := buf.String()
	for _, secret := range []string{logSecretToken, "Bearer", logSecretPost, logSecretGet, "variables=", "query="} {
		if strings.Contains(all, secret) {
			t.Errorf("the log holds %q:\n%s", secret, all)
		}
	}
}

func TestSlowQueryLogThreshold(t *testing.T) {
	buf := &logBuffer{}
	log := slog.New(slog.NewJSONHandler(buf, nil))
	// An hour: no operation is slow. Zero: off.
	for _, d := range []time.Duration{time.Hour, 0} {
		srv := httpServer(t, graph.Options{OnOperation: graph.SlowQueryLog(log, d)})
		if r := httpPostQuery(t, srv, "{ __typename }"); r.Status != http.StatusOK {
			t.Fatalf("HTTP %d", r.Status)
		}
	}
	if s := buf.String(); s != "" {
		t.Errorf("logged with a threshold of an hour or zero:\n%s", s)
	}
}
