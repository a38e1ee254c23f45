package main

import (
	"bytes"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/graph/auth"
)

// The serve policy as a user meets it: the open loopback default says so; a network address
// without credentials refuses to start; tokens made with `kgql token add` work, are reloaded on
// SIGHUP and never printed again.

func TestServeOpenOnLoopbackSaysSo(t *testing.T) {
	p := kgqlServe(t, kgqlEnv(), "-addr", "127.0.0.1:0", "-data", filepath.Join(t.TempDir(), "data"))
	defer p.stop(t)
	if !strings.Contains(p.stderr.String(), "open policy") {
		t.Errorf("the start-up log does not say the server is open:\n%s", p.stderr)
	}
	// Writes are allowed, as before.
	var d struct{ UpsertSource struct{ Key string } }
	p.query(t, `mutation { upsertSource(input: {key: "open-src", title: "Open"}) { key } }`, &d)
	if d.UpsertSource.Key != "open-src" {
		t.Errorf("upsertSource on the open server: %+v", d)
	}
}

func TestServeRefusesNetworkAddressWithoutCredentials(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		dir := t.TempDir()
		data := filepath.Join(dir, "data")
		code, _, stderr := kgqlRun(t, dir, kgqlEnv(), "serve", "-addr", addr, "-data", data)
		if code != 1 {
			t.Errorf("serve -addr %s without credentials: exit %d, want 1; stderr:\n%s", addr, code, stderr)
		}
		for _, want := range []string{"-tokens", "-jwt-key", "-insecure-open-writes"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("serve -addr %s: the refusal does not name %s:\n%s", addr, want, stderr)
			}
		}
		if _, err := os.Stat(data); err == nil {
			t.Errorf("serve -addr %s refused but created the store %s", addr, data)
		}
	}
}

// The policy for each kind of address, without binding one (handlerOptions is what serve runs
// once bound).
func TestServePolicyByAddress(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tokens")
	if _, err := auth.AddToken(file, "w", auth.Writer); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		args     []string
		loopback bool
		refuse   bool
		warn     bool
		rate     bool
		intro    bool
	}{
		{"loopback, no credentials", nil, true, false, false, false, true},
		{"network, no credentials", nil, false, true, false, false, false},
		{"network, -insecure-open-writes", []string{"-insecure-open-writes"}, false, false, true, true, false},
		{"network, tokens", []string{"-tokens", file}, false, false, false, true, false},
		{"network, tokens, -introspection", []string{"-tokens", file, "-introspection"}, false, false, false, true, true},
		{"loopback, tokens", []string{"-tokens", file}, true, false, false, true, true},
		{"loopback, -rate 5", []string{"-rate", "5"}, true, false, false, true, true},
		{"loopback, -introspection=false", []string{"-introspection=false"}, true, false, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			sc := securityFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			authn, err := sc.authenticator()
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			opts, err := sc.handlerOptions(fs, authn, tc.loopback, "ADDR", log)
			if (err != nil) != tc.refuse {
				t.Fatalf("err = %v, want refused %v", err, tc.refuse)
			}
			if tc.refuse {
				if !strings.Contains(err.Error(), "-insecure-open-writes") {
					t.Errorf("refusal %q does not name the flag", err)
				}
				return
			}
			if got := strings.Contains(logs.String(), "level=WARN"); got != tc.warn {
				t.Errorf("warned %v, want %v:\n%s", got, tc.warn, logs.String())
			}
			if got := opts.Rate > 0; got != tc.rate {
				t.Errorf("rate %v, want on %v", opts.Rate, tc.rate)
			}
			if got := !opts.DisableIntrospection; got != tc.intro {
				t.Errorf("introspection %v, want %v", got, tc.intro)
			}
		})
	}
}

func TestServeMalformedTokenFileRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	file := cliWrite(t, dir, "tokens", "# tokens\nok writer "+strings.Repeat("a", 64)+"\nbroken line\n")
	code, _, stderr := kgqlRun(t, dir, kgqlEnv(), "serve", "-addr", "127.0.0.1:0", "-data", filepath.Join(dir, "data"), "-tokens", file)
	if code != 1 || !strings.Contains(stderr, file+":3") {
		t.Errorf("serve with a malformed token file: exit %d, want 1 naming line 3; stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); err == nil {
		t.Errorf("the store was created although the token file is malformed")
	}
}

// kgqlPost POSTs a query with an Authorization header and returns the status and body.
func kgqlPost(t *testing.T, url, cred, q string) (int, string) {
	t.Helper()
	body := `{"query":` + strings.ReplaceAll(jsonString(q), "\n", " ") + `}`
	req, _ := http.NewRequest(http.MethodPost, url+"graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func TestServeTokensAndSIGHUP(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tokens")
	code, tok1, stderr := kgqlRun(t, dir, kgqlEnv(), "token", "add", "-tokens", file, "-name", "importer", "-role", "writer")
	tok1 = strings.TrimSpace(tok1)
	if code != 0 || !strings.HasPrefix(tok1, "kgql_") {
		t.Fatalf("token add: exit %d, stdout %q, stderr %s", code, tok1, stderr)
	}
	if b, _ := os.ReadFile(file); strings.Contains(string(b), tok1) {
		t.Fatalf("the token file holds the token itself")
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	p := kgqlServe(t, kgqlEnv(), "-addr", "127.0.0.1:0", "-data", filepath.Join(dir, "data"), "-tokens", file)
	defer p.stop(t)
	const write = `mutation { upsertSource(input: {key: "hup-src", title: "HUP"}) { key } }`
	if st, body := kgqlPost(t, p.url, "", write); st != http.StatusUnauthorized || !strings.Contains(body, "UNAUTHENTICATED") {
		t.Errorf("anonymous write: %d %s", st, body)
	}
	if st, body := kgqlPost(t, p.url, tok1, write); st != http.StatusOK || strings.Contains(body, "errors") {
		t.Errorf("writer's write: %d %s", st, body)
	}
	if st, _ := kgqlPost(t, p.url, "", `{ sources { totalCount } }`); st != http.StatusOK {
		t.Errorf("anonymous read: %d", st)
	}
	// Rotate: a new token, SIGHUP, the new one works; remove the old one, SIGHUP, it is refused.
	_, tok2, _ := kgqlRun(t, dir, kgqlEnv(), "token", "add", "-tokens", file, "-name", "importer-2", "-role", "writer")
	tok2 = strings.TrimSpace(tok2)
	hup := func() {
		n := strings.Count(p.stderr.String(), "SIGHUP")
		if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(10 * time.Second); strings.Count(p.stderr.String(), "SIGHUP") == n; {
			if time.Now().After(deadline) {
				t.Fatalf("no SIGHUP log line within 10 s:\n%s", p.stderr)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if st, _ := kgqlPost(t, p.url, tok2, write); st != http.StatusUnauthorized {
		t.Errorf("a token added after start, before SIGHUP: %d, want 401", st)
	}
	hup()
	if st, body := kgqlPost(t, p.url, tok2, write); st != http.StatusOK {
		t.Errorf("the new token after SIGHUP: %d %s", st, body)
	}
	if code, _, stderr := kgqlRun(t, dir, kgqlEnv(), "token", "remove", "-tokens", file, "-name", "importer"); code != 0 {
		t.Fatalf("token remove: %d %s", code, stderr)
	}
	hup()
	if st, _ := kgqlPost(t, p.url, tok1, write); st != http.StatusUnauthorized {
		t.Errorf("the removed token after SIGHUP: %d, want 401", st)
	}
	// A broken file on SIGHUP keeps the tokens in force.
	if err := os.WriteFile(file, []byte("not a token line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hup()
	if st, _ := kgqlPost(t, p.url, tok2, write); st != http.StatusOK {
		t.Errorf("after a SIGHUP with a broken file, the tokens in force: %d, want 200", st)
	}
	// No token ever reaches the log.
	for _, tok := range []string{tok1, tok2} {
		if strings.Contains(p.stderr.String(), tok) || strings.Contains(p.stdout.String(), tok) {
			t.Errorf("a token is in the server's output")
		}
	}
	code, list, _ := kgqlRun(t, dir, kgqlEnv(), "token", "list", "-tokens", filepath.Join(dir, "missing"))
	if code == 0 {
		t.Errorf("token list of a missing file: exit 0 (%s)", list)
	}
}

// -cache-control and -max-batch reach the handler; a Cache-Control that is not a header value
// is refused at start.
func TestServeCacheControlAndBatchFlags(t *testing.T) {
	opts := func(args ...string) (graph.Options, error) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		sc := securityFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return sc.handlerOptions(fs, nil, true, "ADDR", slog.New(slog.DiscardHandler))
	}
	o, err := opts()
	if err != nil || o.CacheControl != "no-store" || o.Limits.MaxBatch != graph.DefaultMaxBatch {
		t.Errorf("defaults: %v, Cache-Control %q, max batch %d", err, o.CacheControl, o.Limits.MaxBatch)
	}
	o, err = opts("-cache-control", "public, max-age=60", "-max-batch", "5")
	if err != nil || o.CacheControl != "public, max-age=60" || o.Limits.MaxBatch != 5 {
		t.Errorf("set: %v, Cache-Control %q, max batch %d", err, o.CacheControl, o.Limits.MaxBatch)
	}
	for _, bad := range []string{"", "no-store\r\nSet-Cookie: x=1", "é"} {
		if _, err := opts("-cache-control", bad); err == nil || !strings.Contains(err.Error(), "-cache-control") {
			t.Errorf("-cache-control %q: %v, want a refusal naming the flag", bad, err)
		}
	}
}
