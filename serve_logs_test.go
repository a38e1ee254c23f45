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
