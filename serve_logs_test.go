package main

// Serve's log format and level (-log-format, -log-level) and its access log.

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeLogsJSON: `kgql serve -log-format json` writes only JSON lines: the "kgql serving" line
// with its URL, and one "request" line per request with the client's request id.
func TestServeLogsJSON(t *testing.T) {
	t.Parallel()
	p := kgqlStart(t, kgqlEnv(), "serve", "-log-format", "json", "-addr", "127.0.0.1:0",
		"-data", filepath.Join(t.TempDir(), "data"))
	var url string
	for deadline := time.Now().Add(20 * time.Second); url == ""; time.Sleep(20 * time.Millisecond) {
		for _, m := range jsonLines(t, p.stderr.String(), false) {
			if m["msg"] == "kgql serving" {
				url, _ = m["url"].(string)
			}
		}
		select {
		case <-p.done:
			t.Fatalf("kgql exited before serving (%v); stderr:\n%s", p.err, p.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no JSON \"kgql serving\" line within 20 s; stderr:\n%s", p.stderr)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, url+"graphql", strings.NewReader(`{"query":"{ __typename }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "serve-logs-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	p.stop(t)
	lines := jsonLines(t, p.stderr.String(), true)
	var serving, request bool
	for _, m := range lines {
		serving = serving || m["msg"] == "kgql serving"
		if m["msg"] == "request" && m["request_id"] == "serve-logs-1" {
			request = m["route"] == "/graphql" && m["status"] == float64(http.StatusOK) && m["level"] == "INFO"
		}
	}
	if !serving || !request {
		t.Errorf("want a \"kgql serving\" line and an INFO request line for serve-logs-1 (status 200); stderr:\n%s", p.stderr)
	}
}

// jsonLines parses every complete line of a log; strict: a line that is not JSON fails the test.
func jsonLines(t *testing.T, log string, strict bool) []map[string]any {
	t.Helper()
	var out []map[string]any
	complete := log[:strings.LastIndexByte(log, '\n')+1]
	for _, line := range strings.Split(strings.TrimSuffix(complete, "\n"), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			if strict {
				t.Errorf("log line is not JSON (%v): %s", err, line)
			}
			continue
		}
		out = append(out, m)
	}
	return out
}

// TestServeLogFlagsRefused: a bad -log-format or -log-level refuses to start, naming the flag.
func TestServeLogFlagsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, args := range [][]string{{"-log-format", "xml"}, {"-log-level", "loud"}} {
		code, _, stderr := kgqlRun(t, dir, kgqlEnv(), append([]string{"serve", "-addr", "127.0.0.1:0",
			"-data", filepath.Join(dir, "data")}, args...)...)
		if code != 1 || !strings.Contains(stderr, args[0]) {
			t.Errorf("serve %v: exit %d, want 1 naming %s; stderr:\n%s", args, code, args[0], stderr)
		}
	}
}

// TestServeSlowQueryLog: a query made slow on purpose — a walk over everything within three steps,
// sources included — is logged at WARN as a slow query (here over -slow-query 1ms) with its text
// and the names of its variables, never their values; the client's request id comes back.
func TestServeSlowQueryLog(t *testing.T) {
	t.Parallel()
	p := kgqlServe(t, kgqlEnv(), "-log-format", "json", "-slow-query", "1ms", "-addr", "127.0.0.1:0",
		"-data", filepath.Join(t.TempDir(), "data"))
	const center = "hassan-sentissi-el-idrissi"
	body, _ := json.Marshal(map[string]any{
		"query": `query BigWalk($center: ID!, $depth: Int!) { neighborhood(id: $center, depth: $depth, first: 1000,
			labels: [POSITION, POSITION_REGION, PARTICIPATION, SAID, AT_EVENT, ABOUT, ORGANIZED_BY, HELD_IN, UNIT_OF, INSIDE, SEAT, PUBLISHED_BY, CITES]) {
			truncated nodes { id __typename ... on Entity { name aliases } } edges { from { id } to { id } label } } }`,
		"variables": map[string]any{"center": center, "depth": 3}})
	req, _ := http.NewRequest(http.MethodPost, p.url+"graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "slow-walk-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Data   json.RawMessage `json:"data"`
		Errors []any           `json:"errors"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(out.Errors) > 0 || !strings.Contains(string(out.Data), "Sentissi") {
		t.Fatalf("the walk: HTTP %d, %v, %.200s", resp.StatusCode, out.Errors, out.Data)
	}
	if got := resp.Header.Get("X-Request-Id"); got != "slow-walk-1" {
		t.Errorf("X-Request-Id came back as %q", got)
	}
	p.stop(t)
	var slow map[string]any
	for _, m := range jsonLines(t, p.stderr.String(), true) {
		if m["msg"] == "slow query" && m["request_id"] == "slow-walk-1" {
			slow = m
		}
	}
	if slow == nil {
		t.Fatalf("no slow-query line for slow-walk-1; stderr:\n%s", p.stderr)
	}
	if slow["level"] != "WARN" || slow["op_name"] != "BigWalk" || !strings.Contains(slow["query"].(string), "neighborhood(") {
		t.Errorf("slow-query line: %v", slow)
	}
	if vars, _ := json.Marshal(slow["variables"]); string(vars) != `["center","depth"]` {
		t.Errorf("variables logged as %s, want the names [\"center\",\"depth\"]", vars)
	}
	if d, _ := slow["duration_ms"].(float64); d < 1 {
		t.Errorf("duration_ms %v, want over the 1 ms threshold", slow["duration_ms"])
	}
	if strings.Contains(p.stderr.String(), center) {
		t.Errorf("a variable's value reached the log:\n%s", p.stderr)
	}
}
