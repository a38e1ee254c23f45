package main

// Kill tests: kgql processes are killed with SIGKILL (by PID) at varied moments of an import or of
// a stream of mutations, and the store must then pass `kgql check`, keep every acknowledged write,
// and converge when the import is run again. Helpers are prefixed crash. Skipped with -short.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kgql/kgql/store/gen"
)

// crashSourceKey is the article of the built-in dataset, which the mutations cite.
const crashSourceKey = "l-opinion-2021-06-17-asmex-conseil-des-regions"

// crashGenFile writes a generated graph to a temporary file.
func crashGenFile(t *testing.T, o gen.Options) (string, gen.Stats) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "big.ndjson")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	st, err := gen.Write(f, o)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return p, st
}

// crashKill sends SIGKILL to p by its PID, waits for it, and reports whether the signal is what
// ended it (false: it had already exited by itself, which must have been a success).
func crashKill(t *testing.T, p *kgqlProc) bool {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("SIGKILL pid %d: %v", p.cmd.Process.Pid, err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("kgql (pid %d) still running 10 s after SIGKILL", p.cmd.Process.Pid)
	}
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		return true
	}
	if !p.cmd.ProcessState.Success() {
		t.Fatalf("kgql (pid %d) exited by itself with %v before the kill; stderr:\n%s", p.cmd.Process.Pid, p.cmd.ProcessState, p.stderr)
	}
	return false
}

// crashCheck runs `kgql check -data dir` and reports (as a test error) anything but exit 0 and
// `check: ok`.
func crashCheck(t *testing.T, dir, what string) bool {
	t.Helper()
	code, stdout, stderr := cliRunIn(t, t.TempDir(), nil, "check", "-data", dir)
	if code != 0 || strings.TrimSpace(stdout) != "check: ok" {
		lines := strings.SplitN(stdout, "\n", 6)
		t.Errorf("%s: kgql check: exit %d, want 0 and \"check: ok\"; first lines:\n%s\nstderr: %s",
			what, code, strings.Join(lines[:min(len(lines), 5)], "\n"), cliTrim(stderr))
		return false
	}
	return true
}

// crashSummary matches the import summary line.
var crashSummary = regexp.MustCompile(`: (\d+) records \(.*\): (\d+) created, (\d+) updated, (\d+) unchanged`)

// crashImport runs an import to completion and returns its created and updated counts.
func crashImport(t *testing.T, dir, file string) (records, created, updated int) {
	t.Helper()
	stdout, _ := cliOK(t, "import", "-data", dir, file)
	m := crashSummary.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("import summary %q does not match %s", stdout, crashSummary)
	}
	records, _ = strconv.Atoi(m[1])
	created, _ = strconv.Atoi(m[2])
	updated, _ = strconv.Atoi(m[3])
	return records, created, updated
}

// crashTimedImport runs an uninterrupted import as a child process, the way the kill rounds start
// theirs, and returns how long it took from start to exit. wantCode is the exit code it must have.
func crashTimedImport(t *testing.T, dir, file string, wantCode int) time.Duration {
	t.Helper()
	start := time.Now()
	p := kgqlStart(t, kgqlEnv(), "import", "-data", dir, file)
	if code := p.wait(t, 60*time.Second); code != wantCode {
		t.Fatalf("uninterrupted import of %s: exit %d, want %d; stderr:\n%s", filepath.Base(file), code, wantCode, p.stderr)
	}
	return time.Since(start)
}

// crashImportRound starts an import of file into a fresh directory, kills it after delay, checks
// the store, re-runs the import to completion and compares the export with want. It reports whether
// the kill landed while the import was running, and what the kill left: "nothing written", "partly
// written" or "everything written" (read from the re-import's created and updated counts).
func crashImportRound(t *testing.T, round int, file, want string, delay time.Duration) (mid bool, state string) {
	t.Helper()
	return crashImportRoundWhen(t, round, "", file, want, func(*kgqlProc, string) string {
		time.Sleep(delay)
		return "after " + delay.Round(time.Millisecond).String()
	})
}

// crashImportRoundWhen is crashImportRound with the moment of the kill chosen by when, which
// returns once the import (p, writing into dir) should be killed, and describes that moment. If
// base is not "", it is imported first, to completion, so that the killed import is not the first.
func crashImportRoundWhen(t *testing.T, round int, base, file, want string, when func(p *kgqlProc, dir string) string) (mid bool, state string) {
	t.Helper()
	d := filepath.Join(t.TempDir(), "data")
	if base != "" {
		cliOK(t, "import", "-data", d, base)
	}
	p := kgqlStart(t, kgqlEnv(), "import", "-data", d, file)
	moment := when(p, d)
	mid = crashKill(t, p)
	what := fmt.Sprintf("round %d (kill %s, mid-import %v)", round, moment, mid)
	t0 := time.Now()
	crashCheck(t, d, what+", after the kill")
	t1 := time.Now()
	records, created, updated := crashImport(t, d, file)
	t2 := time.Now()
	switch {
	case created == 0 && updated == 0:
		state = "everything written"
	case created < records:
		state = "partly written"
	default:
		state = "nothing written"
	}
	t.Logf("%s: the kill left %s (re-import: %d created, %d updated of %d; check %s, re-import %s)",
		what, state, created, updated, records, t1.Sub(t0).Round(time.Millisecond), t2.Sub(t1).Round(time.Millisecond))
	if updated != 0 {
		t.Errorf("%s: the re-import updated %d records: the interrupted import left records that differ from the file", what, updated)
	}
	if state == "partly written" { // else the re-import was a fresh import, or changed nothing
		crashCheck(t, d, what+", after the re-import")
	}
	cliSameExport(t, what+": export after the re-import vs an uninterrupted import", want, cliExport(t, d))
	return mid, state
}

// An import killed at varied moments leaves a store that passes check, and re-running it converges
// to exactly the state of an uninterrupted import.
func TestCrashImportKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kill test: skipped with -short")
	}
	begin := time.Now()
	// Sizes: 3000 people with the generator's default 6000 statements take ~3.5 s to import and
	// ~7 s to check on 2 cores (statements are token-heavy), too much for ten rounds of kill, check,
	// re-import and export in the time budget. 2500 people and 250 statements (~10 000 records,
	// ~1.5 s uninterrupted on an idle 2-core machine) still take long enough for the kills to land
	// at varied points of opening, parsing, resolving and writing. (Into an empty store the writes
	// are a bulk load, rolled back whole at the next open if interrupted; the transactions of an
	// import into a store that is not empty are TestCrashImportKillBetweenTransactions's.)
	big, st := crashGenFile(t, gen.Options{Seed: 2021, People: 2500, Statements: 250})

	// Two uninterrupted imports: the reference export, proof that the export does not depend on
	// the run, and the duration the kill delays are spread over (the faster of the two: the first
	// may pay for cold caches).
	ref, ref2 := filepath.Join(t.TempDir(), "ref"), filepath.Join(t.TempDir(), "ref2")
	d1 := crashTimedImport(t, ref, big, 0)
	d2 := crashTimedImport(t, ref2, big, 0)
	full := min(d1, d2)
	want := cliExport(t, ref)
	if n := strings.Count(want, "\n"); n != st.Records {
		t.Fatalf("the uninterrupted import exported %d records, the file has %d", n, st.Records)
	}
	cliSameExport(t, "two uninterrupted imports", want, cliExport(t, ref2))
	crashCheck(t, ref, "uninterrupted import")

	// Ten delays, one drawn uniformly in each tenth of the uninterrupted duration.
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	delays := make([]time.Duration, 10)
	for i := range delays {
		delays[i] = time.Duration((float64(i) + rng.Float64()) / 10 * float64(full))
	}
	t.Logf("%d records; uninterrupted import %s and %s; kill delays (seed %d): %v",
		st.Records, d1.Round(time.Millisecond), d2.Round(time.Millisecond), seed, delays)

	landed, partial := 0, 0
	for i, delay := range delays {
		mid, state := crashImportRound(t, i+1, big, want, delay)
		if mid {
			landed++
		}
		if state == "partly written" {
			partial++
		}
	}
	t.Logf("kills that landed mid-import: %d of %d (%d left the import partly written); took %s",
		landed, len(delays), partial, time.Since(begin).Round(time.Millisecond))
	if landed < 5 {
		t.Errorf("only %d of %d kills landed while the import was running, want at least 5: the delays are wrong", landed, len(delays))
	}
}

// An import into a store that is not empty is written in transactions of up to 2000 records (an
// import into an empty store is bulk loaded and rolled back whole if interrupted, which
// TestCrashImportKill covers). Killed between two transactions, it must leave a store that passes
// check, and running it again must converge to the state of an uninterrupted import (README, crash
// safety) — with a generated graph, whose records refer only to earlier lines, and with records that
// refer to a key defined later in the file ("a record may refer to a key defined later in the same
// file").
//
// The kill lands once a record of the middle of the file is in Badger's write-ahead log (the .mem
// file): its transaction is not the first, so at least one has committed, and the last line is not
// written yet. Timing from the start of the process is too noisy for that window on a busy
// machine; watching the log is not.
func TestCrashImportKillBetweenTransactions(t *testing.T) {
	if testing.Short() {
		t.Skip("kill test: skipped with -short")
	}
	var fwd bytes.Buffer
	for i := range 16000 { // at least 8 transactions: the window between the second and the last is wide
		fmt.Fprintf(&fwd, `{"type":"Person","key":"fwd-%d","name":"Forward Person %d","citations":[{"source":"fwd-late-source","excerpt":"cited before it is defined"}]}`+"\n", i, i)
	}
	fwd.WriteString(`{"type":"Source","key":"fwd-late-source","title":"A source defined on the last line"}` + "\n")
	generated, _ := crashGenFile(t, gen.Options{Seed: 2021, People: 2500, Statements: 250}) // ~10 000 records

	for _, tc := range []struct {
		name         string
		file         string
		middle, last string // external keys of a record of the middle of the file, and of the last line
	}{
		// p-2000 is record ~2500: the second transaction; st-249 is the last statement.
		{"generated graph", generated, "p-2000", "st-249"},
		// fwd-2000 is in the second transaction (or a later one); the source is on the last line.
		{"forward references", cliWrite(t, t.TempDir(), "forward.ndjson", fwd.String()), "fwd-2000", "fwd-late-source"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := cliSeedFile(t) // the store holds the built-in dataset before the import
			ref := filepath.Join(t.TempDir(), "ref")
			cliOK(t, "import", "-data", ref, base)
			crashTimedImport(t, ref, tc.file, 0)
			want := cliExport(t, ref)
			crashCheck(t, ref, "uninterrupted import")

			middle, last := []byte("x\x00"+tc.middle+"\x00"), []byte("x\x00"+tc.last+"\x00")
			partial := false
			for round := 1; round <= 2 && !partial; round++ {
				_, state := crashImportRoundWhen(t, round, base, tc.file, want, func(p *kgqlProc, dir string) string {
					start := time.Now()
					for time.Since(start) < 60*time.Second {
						select {
						case <-p.done:
							return "after it exited"
						default:
						}
						if crashWALContains(dir, middle) {
							if crashWALContains(dir, last) {
								return "after its last transaction was in the log (too late)"
							}
							return fmt.Sprintf("after %s, once the middle of the file was in the log", time.Since(start).Round(time.Millisecond))
						}
						time.Sleep(2 * time.Millisecond)
					}
					return "after 60 s"
				})
				partial = state == "partly written"
			}
			if !partial {
				t.Logf("no kill left the import partly written: the case was not exercised")
			}
		})
	}
}

// crashWALContains reports whether a Badger write-ahead log file (*.mem, written through mmap by the
// process that holds the store) in dir holds b in its first 16 MiB.
func crashWALContains(dir string, b []byte) bool {
	mems, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	buf := make([]byte, 16<<20)
	for _, m := range mems {
		f, err := os.Open(m)
		if err != nil {
			continue
		}
		n, _ := io.ReadFull(f, buf)
		f.Close()
		if bytes.Contains(buf[:n], b) {
			return true
		}
	}
	return false
}

// crashUpsert sends one upsertPerson mutation. It returns ok if the write was acknowledged (HTTP
// 200, no error, the person returned); a transport error (the server is gone) returns err; any
// other answer is described in bad, a failure the caller reports.
func crashUpsert(client *http.Client, url, key string) (ok bool, bad string, err error) {
	q := fmt.Sprintf(`mutation { upsertPerson(input: {key: %q, name: %q, citations: [{source: %q, excerpt: "crash test"}]}) { key } }`,
		key, "Crash "+key, crashSourceKey)
	body, _ := json.Marshal(map[string]string{"query": q})
	resp, err := client.Post(url+"graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		return false, "", err
	}
	defer resp.Body.Close()
	var r struct {
		Data *struct {
			UpsertPerson *struct{ Key string }
		}
		Errors []json.RawMessage
	}
	raw := new(bytes.Buffer)
	if _, err := raw.ReadFrom(resp.Body); err != nil {
		return false, "", err // cut by the kill
	}
	if err := json.Unmarshal(raw.Bytes(), &r); err != nil || resp.StatusCode != http.StatusOK || len(r.Errors) > 0 ||
		r.Data == nil || r.Data.UpsertPerson == nil || r.Data.UpsertPerson.Key != key {
		return false, fmt.Sprintf("HTTP %d %s", resp.StatusCode, raw), nil
	}
	return true, "", nil
}

// crashVerifyKeys asserts that every key is a person on the server, 100 per query, and that the
// people count is within [base+len(keys), base+len(keys)+slack] (slack: writes in flight at a kill,
// which may or may not have committed).
func crashVerifyKeys(t *testing.T, p *kgqlProc, keys []string, base, slack int, what string) {
	t.Helper()
	missing := 0
	for lo := 0; lo < len(keys); lo += 100 {
		batch := keys[lo:min(lo+100, len(keys))]
		var q strings.Builder
		q.WriteString("{")
		for i, k := range batch {
			fmt.Fprintf(&q, " k%d: person(key: %q) { key }", i, k)
		}
		q.WriteString(" }")
		var d map[string]*struct{ Key string }
		p.query(t, q.String(), &d)
		for i, k := range batch {
			if got := d[fmt.Sprintf("k%d", i)]; got == nil || got.Key != k {
				missing++
				if missing <= 10 {
					t.Errorf("%s: the acknowledged person %q is missing", what, k)
				}
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%s: %d of %d acknowledged writes lost", what, missing, len(keys))
	}
	if n := p.peopleCount(t); n < base+len(keys) || n > base+len(keys)+slack {
		t.Errorf("%s: %d people, want between %d and %d (built-in %d + %d acknowledged + at most %d in flight)",
			what, n, base+len(keys), base+len(keys)+slack, base, len(keys), slack)
	}
}

// A server killed during a stream of mutations loses no acknowledged write and leaves a store that
// passes check; state accumulates over ten kill/restart rounds on the same store.
func TestCrashMutationStreamKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kill test: skipped with -short")
	}
	begin := time.Now()
	data := filepath.Join(t.TempDir(), "data")
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 2))
	t.Logf("delay seed %d", seed)
	const rounds, builtinPeople = 10, 14
	var acked []string
	for round := 1; round <= rounds; round++ {
		p := kgqlServe(t, kgqlEnv(), "-addr", "127.0.0.1:0", "-data", data)
		tr := &http.Transport{}
		client := &http.Client{Timeout: 10 * time.Second, Transport: tr}

		var (
			mu         sync.Mutex
			roundAcked []string
			unexpected []string
		)
		stop := make(chan struct{})
		clientDone := make(chan struct{})
		go func() {
			defer close(clientDone)
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				key := fmt.Sprintf("crash-%d-%d", round, n)
				ok, bad, _ := crashUpsert(client, p.url, key)
				mu.Lock()
				switch {
				case ok:
					roundAcked = append(roundAcked, key)
				case bad != "":
					unexpected = append(unexpected, key+": "+bad)
				}
				mu.Unlock()
				if !ok { // the server is gone (or answered wrongly): stop this round's stream
					return
				}
			}
		}()
		delay := 50*time.Millisecond + time.Duration(rng.Int64N(int64(450*time.Millisecond)))
		time.Sleep(delay)
		if !crashKill(t, p) {
			t.Fatalf("round %d: the server exited by itself before the kill", round)
		}
		close(stop)
		select {
		case <-clientDone:
		case <-time.After(15 * time.Second):
			t.Fatalf("round %d: the client did not stop after the kill", round)
		}
		tr.CloseIdleConnections()
		mu.Lock()
		for _, u := range unexpected {
			t.Errorf("round %d: a mutation was answered with a failure while the server was up: %s", round, cliTrim(u))
		}
		acked = append(acked, roundAcked...)
		t.Logf("round %d: killed after %s, %d writes acknowledged (%d in total)", round, delay.Round(time.Millisecond), len(roundAcked), len(acked))
		mu.Unlock()

		what := fmt.Sprintf("round %d", round)
		if !crashCheck(t, data, what+", after the kill") {
			t.FailNow()
		}
		q := kgqlServe(t, kgqlEnv(), "-addr", "127.0.0.1:0", "-data", data)
		crashVerifyKeys(t, q, acked, builtinPeople, round, what)
		q.stop(t)
	}
	t.Logf("acknowledged writes: %d over %d kills, every one found after restart; took %s", len(acked), rounds, time.Since(begin).Round(time.Millisecond))
	if len(acked) < rounds {
		t.Errorf("only %d writes acknowledged in %d rounds: the stream did not run", len(acked), rounds)
	}
	crashCheck(t, data, "at the end")
}
