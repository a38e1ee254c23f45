package bombs_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kgql/kgql/bench/bombs"
	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/graph/auth"
	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
)

// The battery against the real handler on a real store seeded by the real importer, with
// credentials and a per-client rate, served by a net/http server with server.go's timeouts
// (but a short ReadHeaderTimeout, so that the slow loris is cut quickly). Every bomb must get its
// refusal, and the store must be unchanged afterwards. No durations are asserted: the times are
// logged (bench/bombs.sh measures them against the binary).

const (
	testRate              = 50
	testBurst             = 50
	testReadHeaderTimeout = 300 * time.Millisecond
)

// leakMarkers are fragments of Go error text, stacks and paths that no refusal may show.
var leakMarkers = []string{"runtime error", "goroutine ", ".go:", "/work/", "badger", "invalid character",
	"json: ", "unexpected eof", "panic", "nil pointer", "reflect:"}

func export(t *testing.T, s *store.Store) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := importer.Export(s, &b); err != nil {
		t.Fatalf("export: %v", err)
	}
	return b.Bytes()
}

// serve starts the handler on a loopback port with server.go's timeouts and returns the target.
func serve(t *testing.T) (*bombs.Target, *store.Store) {
	t.Helper()
	s := storetest.Open(t)
	if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
		t.Fatalf("import seed: %v", err)
	}
	file := filepath.Join(t.TempDir(), "tokens")
	tokens := map[string]string{}
	for _, name := range []string{"bomber", "flood", "wsflood"} {
		tok, err := auth.AddToken(file, name, auth.Writer)
		if err != nil {
			t.Fatal(err)
		}
		tokens[name] = tok
	}
	ts, err := auth.LoadTokens(file)
	if err != nil {
		t.Fatal(err)
	}
	h := graph.NewHandler(graph.Options{Store: s, Policy: graph.Policy{Auth: auth.NewAuthenticator(ts, nil)},
		Rate: testRate, Burst: testBurst})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ // server.go's timeouts, but ReadHeaderTimeout
		Handler:           h,
		ReadHeaderTimeout: testReadHeaderTimeout,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return &bombs.Target{
		URL: "http://" + ln.Addr().String(), Token: tokens["bomber"],
		FloodToken: tokens["flood"], WSFloodToken: tokens["wsflood"],
		Rate: testRate, Burst: testBurst, ReadHeaderTimeout: testReadHeaderTimeout,
		WSMaxMessageBytes: graph.DefaultWSMaxMessageBytes, WSMessageRate: graph.DefaultWSMessageRate,
	}, s
}

func TestBattery(t *testing.T) {
	target, s := serve(t)
	before := export(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	results := bombs.Run(ctx, target, bombs.Battery(), 2, 0)
	seen := map[string]bool{}
	for _, r := range results {
		seen[r.Bomb.Name] = true
		t.Run(r.Bomb.Name, func(t *testing.T) {
			if len(r.Outcomes) == 0 {
				t.Fatalf("not sent")
			}
			for _, p := range r.Problems() {
				t.Errorf("%s: want %s: %s", r.Bomb.What, r.Bomb.Expect, p)
			}
			for i, o := range r.Outcomes {
				t.Logf("try %d: %s in %v %v %s %q", i, o, o.Took, o.Counts, o.Note, o.Message)
				for _, m := range leakMarkers {
					if strings.Contains(strings.ToLower(o.Message), m) {
						t.Errorf("the refusal's message %q has %q in it", o.Message, m)
					}
				}
			}
		})
	}
	for _, name := range []string{"deep-nesting", "aliases-10k", "wide-fragments", "fragment-bomb", "fragment-cycle",
		"root-fields-1k", "huge-first", "variables-10MB", "string-1MiB", "batch-100", "slow-loris", "ws-flood",
		"ws-too-big", "directives-50", "http-flood"} {
		if !seen[name] {
			t.Errorf("the battery has no bomb %q", name)
		}
	}
	if after := export(t, s); !bytes.Equal(before, after) {
		t.Errorf("the store changed during the battery (%d bytes of export before, %d after)", len(before), len(after))
	}
}
