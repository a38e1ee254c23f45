package main

// The text index is derived and updated after the commit is acknowledged, by a background
// indexer. These tests kill the server (SIGKILL, by PID) right after the acknowledgements, before
// the indexer can be counted on to have run, restart it on the same data, and check that search
// finds every acknowledged record: the catch-up from the store's change log at start. Helpers are
// prefixed textCrash. Skipped with -short.

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// textCrashSource is the article of the built-in dataset, which the mutations cite.
const textCrashSource = "l-opinion-2021-06-17-asmex-conseil-des-regions"

// textCrashKill sends SIGKILL to p by its PID and waits for it to die.
func textCrashKill(t *testing.T, p *kgqlProc) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("SIGKILL pid %d: %v", p.cmd.Process.Pid, err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("kgql (pid %d) still running 10 s after SIGKILL", p.cmd.Process.Pid)
	}
}

// textCrashReady waits until the server's /healthz says the text index is ready: the server
// answers while the index catches up in the background (search then flags partial results), so
// the test waits for the catch-up to end before it expects every acknowledged record.
func textCrashReady(t *testing.T, p *kgqlProc) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(strings.TrimSuffix(p.url, "/") + "/healthz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), `"textIndex":"ready"`) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("text index not ready after 60 s: %s", body)
			}
		} else if time.Now().After(deadline) {
			t.Fatalf("healthz: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// textCrashMarker is the distinctive word of person i of round r: one word for every analyzer.
func textCrashMarker(r, i int) string { return fmt.Sprintf("zorblax%dq%d", r, i) }

// textCrashSearch returns the keys of the people found by search(text:).
func textCrashSearch(t *testing.T, p *kgqlProc, text string) []string {
	t.Helper()
	var d struct {
		Search []struct {
			Match   string
			Snippet string
			Node    struct{ Key string }
		}
	}
	p.query(t, fmt.Sprintf(`{ search(text: %q, types: [PERSON]) { match snippet node { ... on Person { key } } } }`, text), &d)
	var keys []string
	for _, h := range d.Search {
		keys = append(keys, h.Node.Key)
		if !strings.Contains(h.Snippet, "["+text+"]") {
			t.Errorf("search %q: snippet %q does not highlight it", text, h.Snippet)
		}
	}
	return keys
}

func TestTextIndexCatchUpAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts servers")
	}
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	const rounds, perRound = 3, 6
	caughtUp := 0
	for r := range rounds {
		p := kgqlServe(t, kgqlEnv(), "-addr", "127.0.0.1:0", "-data", data)
		if r > 0 {
			textCrashReady(t, p)
			if strings.Contains(p.stderr.String(), "text index caught up") {
				caughtUp++
			}
			// Every record acknowledged before any earlier kill is found.
			for pr := range r {
				for i := range perRound {
					m := textCrashMarker(pr, i)
					if keys := textCrashSearch(t, p, m); len(keys) != 1 || keys[0] != fmt.Sprintf("ft-crash-%d-%d", pr, i) {
						t.Errorf("round %d: search %q found %v, want ft-crash-%d-%d (acknowledged before a kill)\nstderr:\n%s", r, m, keys, pr, i, p.stderr)
					}
				}
			}
		}
		// Acknowledged writes, then SIGKILL at once.
		for i := range perRound {
			var d struct{ UpsertPerson struct{ ID string } }
			p.query(t, fmt.Sprintf(`mutation { upsertPerson(input: {key: "ft-crash-%d-%d", name: "Témoin %d %d",
				description: "Témoin de l'indexation, marqueur %s", citations: [{source: %q}]}) { id } }`,
				r, i, r, i, textCrashMarker(r, i), textCrashSource), &d)
			if d.UpsertPerson.ID == "" {
				t.Fatalf("round %d: upsertPerson %d acknowledged without an id", r, i)
			}
		}
		textCrashKill(t, p)
	}
	// A last start: everything is found, and the index says how it got there.
	p := kgqlServe(t, kgqlEnv(), "-addr", "127.0.0.1:0", "-data", data)
	textCrashReady(t, p)
	if strings.Contains(p.stderr.String(), "text index caught up") {
		caughtUp++
	}
	for r := range rounds {
		for i := range perRound {
			if keys := textCrashSearch(t, p, textCrashMarker(r, i)); len(keys) != 1 {
				t.Errorf("final start: search %q found %v\nstderr:\n%s", textCrashMarker(r, i), keys, p.stderr)
			}
		}
	}
	p.stop(t)
	t.Logf("%d of %d restarts caught up from the change log (the others found the index current: the indexer had run before the kill)", caughtUp, rounds)
}
