package main

// Process-level tests of the kgql binary: first start, graceful stop, restart, flags and
// environment, the store lock, and `kgql import`. TestMain builds the binary once; every test
// runs it as a child process, bounded in time and killed by PID if it outlives its test.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// kgqlBin is the binary built by TestMain.
var kgqlBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kgql-main-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	kgqlBin = filepath.Join(dir, "kgql")
	build := exec.Command("go", "build", "-o", kgqlBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building kgql:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// kgqlBuffer collects a child's output; safe for the copying goroutine and the test.
type kgqlBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (p *kgqlBuffer) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.b.Write(b)
}

func (p *kgqlBuffer) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.b.String()
}

// kgqlProc is a running kgql.
type kgqlProc struct {
	cmd    *exec.Cmd
	stdout *kgqlBuffer
	stderr *kgqlBuffer
	done   chan struct{} // closed when the process has exited
	err    error         // Wait's result, valid after done
	url    string        // http://HOST:PORT/ from the "kgql serving" log line
}

// kgqlEnv is the test's environment without any KGQL_* variable, plus KGQL_LOG_FORMAT=text (the
// tests read the text log; serve's default on a pipe is JSON) and extra (later values win).
func kgqlEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KGQL_") {
			env = append(env, kv)
		}
	}
	env = append(env, "KGQL_LOG_FORMAT=text")
	return append(env, extra...)
}

// kgqlStart starts kgql with args and env (see kgqlEnv); a process still running when the test
// ends is killed by its PID.
func kgqlStart(t *testing.T, env []string, args ...string) *kgqlProc {
	t.Helper()
	p := &kgqlProc{stdout: &kgqlBuffer{}, stderr: &kgqlBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(kgqlBin, args...)
	p.cmd.Env = env
	p.cmd.Dir = t.TempDir()
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting kgql %v: %v", args, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			select {
			case <-p.done:
			case <-time.After(5 * time.Second):
				t.Errorf("kgql (pid %d) did not die after SIGKILL", p.cmd.Process.Pid)
			}
		}
	})
	return p
}

var kgqlServingURL = regexp.MustCompile(`msg="kgql serving".* url=(http://\S+/)|"msg":"kgql serving".*"url":"(http://[^"]+/)"`)

// kgqlServe starts a server and waits until it logs its URL and /healthz answers 200.
func kgqlServe(t *testing.T, env []string, args ...string) *kgqlProc {
	t.Helper()
	p := kgqlStart(t, env, append([]string{"serve"}, args...)...)
	deadline := time.Now().Add(20 * time.Second)
	for p.url == "" {
		if m := kgqlServingURL.FindStringSubmatch(p.stderr.String()); m != nil {
			p.url = m[1] + m[2] // text or JSON
			break
		}
		select {
		case <-p.done:
			t.Fatalf("kgql %v exited before serving (%v); stderr:\n%s", args, p.err, p.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("kgql %v did not log its URL within 20 s; stderr:\n%s", args, p.stderr)
		}
	}
	for {
		resp, err := http.Get(p.url + "healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%shealthz not ready within 20 s (%v); stderr:\n%s", p.url, err, p.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wait waits up to d for the process to exit and returns its exit code.
func (p *kgqlProc) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		t.Fatalf("kgql (pid %d) still running after %s; stderr:\n%s", p.cmd.Process.Pid, d, p.stderr)
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		t.Fatalf("waiting for kgql: %v", p.err)
	}
	return 0
}

// stop sends SIGTERM and asserts a clean exit within 10 s.
func (p *kgqlProc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	if code := p.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0; stderr:\n%s", code, p.stderr)
	}
}

// kgqlRun runs a command to completion (at most 30 s) in dir and returns its exit code, stdout
// and stderr.
func kgqlRun(t *testing.T, dir string, env []string, args ...string) (int, string, string) {
	t.Helper()
	return kgqlRunWith(t, dir, env, nil, 30*time.Second, args...)
}

// kgqlRunWith is kgqlRun with standard input (nil: none) and a bound of its own.
func kgqlRunWith(t *testing.T, dir string, env []string, stdin io.Reader, bound time.Duration, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	cmd := exec.CommandContext(ctx, kgqlBin, args...)
	cmd.Env, cmd.Dir, cmd.Stdin = env, dir, stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("kgql %v did not finish within %s; stderr:\n%s", args, bound, stderr.String())
	case errors.As(err, &ee):
		return ee.ExitCode(), stdout.String(), stderr.String()
	case err != nil:
		t.Fatalf("kgql %v: %v", args, err)
	}
	return 0, stdout.String(), stderr.String()
}

// query POSTs a GraphQL query and decodes data into out; any error fails the test.
func (p *kgqlProc) query(t *testing.T, q string, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": q})
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Post(p.url+"graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", q, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r struct {
		Data   json.RawMessage
		Errors []any
	}
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Errors) > 0 || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: HTTP %d %s", q, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatalf("%s: decoding %s: %v", q, r.Data, err)
	}
}

func (p *kgqlProc) peopleCount(t *testing.T) int {
	t.Helper()
	var d struct{ People struct{ TotalCount int } }
	p.query(t, `{ people { totalCount } }`, &d)
	return d.People.TotalCount
}

// counts returns the totalCount of every root list.
func (p *kgqlProc) counts(t *testing.T) map[string]int {
	t.Helper()
	var d map[string]struct{ TotalCount int }
	p.query(t, `{ people { totalCount } organizations { totalCount } regions { totalCount }
		events { totalCount } statements { totalCount } sources { totalCount } }`, &d)
	out := map[string]int{}
	for k, v := range d {
		out[k] = v.TotalCount
	}
	return out
}

// kgqlFreePort returns a loopback port that was free a moment ago.
func kgqlFreePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// kgqlIsStoreDir reports whether dir holds a Badger store.
func kgqlIsStoreDir(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "MANIFEST"))
	return err == nil
}

// --- tests ----------------------------------------------------------------------------------

func TestServeFirstStartLoadsDataset(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	p := kgqlServe(t, kgqlEnv(), "-addr", "127.0.0.1:0", "-data", data)
	if n := p.peopleCount(t); n != 14 {
		t.Errorf("people totalCount %d on first start, want 14", n)
	}
	resp, err := http.Get(p.url + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"ok"`) {
		t.Errorf("/healthz: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(p.stderr.String(), "loaded the built-in dataset") {
		t.Errorf("the log does not say the dataset was loaded:\n%s", p.stderr)
	}
	if !kgqlIsStoreDir(data) {
		t.Errorf("no store in %s", data)
	}
}

func TestServeSIGTERMExitsCleanly(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		p := kgqlServe(t, kgqlEnv(), "-addr", "127.0.0.1:0", "-data", filepath.Join(t.TempDir(), "data"))
		p.peopleCount(t)
		start := time.Now()
		if err := p.cmd.Process.Signal(sig); err != nil {
			t.Fatalf("%v: %v", sig, err)
		}
		if code := p.wait(t, 10*time.Second); code != 0 {
			t.Errorf("exit code %d after %v, want 0; stderr:\n%s", code, sig, p.stderr)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%v: stopping took %s", sig, d)
		}
		logs := p.stderr.String()
		if !strings.Contains(logs, "shutting down") {
			t.Errorf("%v: the log does not say it shut down:\n%s", sig, logs)
		}
		for _, bad := range []string{"level=ERROR", "panic", "goroutine "} {
			if strings.Contains(logs, bad) {
				t.Errorf("%v: the log has %q:\n%s", sig, bad, logs)
			}
		}
		if _, err := http.Get(p.url + "healthz"); err == nil {
			t.Errorf("%v: %s still answers after exit", sig, p.url)
		}
	}
}

func TestServeRestartKeepsData(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	const ids = `{ person(key: "adil-zaidi") { id } organization(key: "asmex") { id } region(key: "MA-07") { id } }`
	type idSet struct {
		Person       struct{ ID string }
		Organization struct{ ID string }
		Region       struct{ ID string }
	}

	p := kgqlServe(t, kgqlEnv(), "-addr", "127.0.0.1:0", "-data", data)
	before := p.counts(t)
	var idsBefore idSet
	p.query(t, ids, &idsBefore)
	p.stop(t)
	if before["people"] != 14 {
		t.Errorf("first start: people %d, want 14", before["people"])
	}
	for kind, n := range before {
		if n == 0 {
			t.Errorf("first start: no %s", kind)
		}
	}
	if idsBefore.Person.ID == "" {
		t.Fatalf("adil-zaidi has no id")
	}

	q := kgqlServe(t, kgqlEnv(), "-addr", "127.0.0.1:0", "-data", data)
	after := q.counts(t)
	var idsAfter idSet
	q.query(t, ids, &idsAfter)
	q.stop(t)
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("counts changed across the restart (loaded twice?): before %v, after %v", before, after)
	}
	if idsAfter != idsBefore {
		t.Errorf("ids changed across the restart: before %+v, after %+v", idsBefore, idsAfter)
	}
	if strings.Contains(q.stderr.String(), "loaded the built-in dataset") {
		t.Errorf("the restart loaded the built-in dataset again:\n%s", q.stderr)
	}
}

func TestServeNoSeed(t *testing.T) {
	t.Parallel()
	p := kgqlServe(t, kgqlEnv(), "-addr", "127.0.0.1:0", "-data", filepath.Join(t.TempDir(), "data"), "-seed=false")
	if n := p.peopleCount(t); n != 0 {
		t.Errorf("-seed=false: people totalCount %d, want 0", n)
	}
	if strings.Contains(p.stderr.String(), "loaded the built-in dataset") {
		t.Errorf("-seed=false loaded the dataset:\n%s", p.stderr)
	}
}

func TestServeEnvFallback(t *testing.T) {
	t.Parallel()
	port := kgqlFreePort(t)
	data := filepath.Join(t.TempDir(), "envdata")
	p := kgqlServe(t, kgqlEnv(fmt.Sprintf("KGQL_ADDR=127.0.0.1:%d", port), "KGQL_DATA="+data))
	if want := fmt.Sprintf("http://127.0.0.1:%d/", port); p.url != want {
		t.Errorf("served at %s, want %s (KGQL_ADDR)", p.url, want)
	}
	if n := p.peopleCount(t); n != 14 {
		t.Errorf("people totalCount %d, want 14", n)
	}
	if !kgqlIsStoreDir(data) {
		t.Errorf("KGQL_DATA=%s was not used: no store there", data)
	}
	if _, err := os.Stat(filepath.Join(p.cmd.Dir, "data")); err == nil {
		t.Errorf("the default ./data was created although KGQL_DATA is set")
	}
}

func TestServeFlagsWinOverEnv(t *testing.T) {
	t.Parallel()
	envPort := kgqlFreePort(t)
	dir := t.TempDir()
	envData, flagData := filepath.Join(dir, "envdata"), filepath.Join(dir, "flagdata")
	p := kgqlServe(t, kgqlEnv(fmt.Sprintf("KGQL_ADDR=127.0.0.1:%d", envPort), "KGQL_DATA="+envData),
		"-addr", "127.0.0.1:0", "-data", flagData)
	if p.url == fmt.Sprintf("http://127.0.0.1:%d/", envPort) {
		t.Errorf("served at KGQL_ADDR's %s although -addr was given", p.url)
	}
	if !kgqlIsStoreDir(flagData) {
		t.Errorf("-data %s was not used", flagData)
	}
	if _, err := os.Stat(envData); err == nil {
		t.Errorf("KGQL_DATA %s was created although -data was given", envData)
	}
	if n := p.peopleCount(t); n != 14 {
		t.Errorf("people totalCount %d, want 14", n)
	}
}

func TestServeStoreInUse(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	first := kgqlServe(t, kgqlEnv(), "-addr", "127.0.0.1:0", "-data", data)

	second := kgqlStart(t, kgqlEnv(), "-addr", "127.0.0.1:0", "-data", data)
	if code := second.wait(t, 15*time.Second); code != 1 {
		t.Errorf("second process on the same store: exit code %d, want 1; stderr:\n%s", code, second.stderr)
	}
	if msg := second.stderr.String(); !strings.Contains(msg, "in use") {
		t.Errorf("second process: stderr does not say the store is in use:\n%s", msg)
	}
	// The first one is unharmed.
	if n := first.peopleCount(t); n != 14 {
		t.Errorf("first process: people %d after the second one failed", n)
	}
	first.stop(t)

	// kgql import on a store held by a server fails the same way.
	holder := kgqlServe(t, kgqlEnv(), "-addr", "127.0.0.1:0", "-data", data)
	f := filepath.Join(t.TempDir(), "one.ndjson")
	if err := os.WriteFile(f, []byte(`{"type":"Source","key":"in-use-test","title":"T"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := kgqlRun(t, t.TempDir(), kgqlEnv(), "import", "-data", data, f)
	if code != 1 || !strings.Contains(stderr, "in use") {
		t.Errorf("import on a served store: exit %d, stderr %q; want 1 and a message that the store is in use", code, stderr)
	}
	holder.stop(t)
}

func TestImportCommand(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	work := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(work, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A store with the built-in dataset, then stopped so that import can open it.
	kgqlServe(t, kgqlEnv(), "-addr", "127.0.0.1:0", "-data", data).stop(t)

	write("source.ndjson", `{"type":"Source","key":"kgql-test-source","title":"A source the tests add","publisher":"l-opinion","publishedAt":"2024-01-02","language":"en"}`+"\n")
	code, stdout, stderr := kgqlRun(t, work, kgqlEnv(), "import", "-data", data, "source.ndjson")
	if code != 0 {
		t.Fatalf("import source.ndjson: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if !regexp.MustCompile(`^source\.ndjson: 1 records\b.*\b1 created, 0 updated, 0 unchanged\b`).MatchString(stdout) {
		t.Errorf("import summary %q, want \"source.ndjson: 1 records … 1 created, 0 updated, 0 unchanged …\"", stdout)
	}

	// A one-record file that cites the new Source.
	write("person.ndjson", `{"type":"Person","key":"kgql-test-person","name":"Kgql Test Person","citations":[{"source":"kgql-test-source","excerpt":"cited"}]}`+"\n")
	code, stdout, stderr = kgqlRun(t, work, kgqlEnv("KGQL_DATA="+data), "import", "person.ndjson") // -data from the environment
	if code != 0 || !regexp.MustCompile(`^person\.ndjson: 1 records\b.*\b1 created\b`).MatchString(stdout) {
		t.Fatalf("import person.ndjson: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}

	// Importing the same file again changes nothing.
	code, stdout, _ = kgqlRun(t, work, kgqlEnv(), "import", "-data", data, "source.ndjson")
	if code != 0 || !strings.Contains(stdout, "0 created, 0 updated, 1 unchanged") {
		t.Errorf("re-import: exit %d, stdout %q, want 1 unchanged", code, stdout)
	}

	// A bad line: exit 1, FILE:LINE: field: reason, and nothing of the file written.
	write("bad.ndjson", `{"type":"Source","key":"kgql-test-never","title":"Must not be written"}`+"\n"+
		`{"type":"Person","key":"kgql-test-nameless"}`+"\n")
	code, stdout, stderr = kgqlRun(t, work, kgqlEnv(), "import", "-data", data, "bad.ndjson")
	if code != 1 {
		t.Errorf("import bad.ndjson: exit %d, want 1\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if !regexp.MustCompile(`(?m)^(kgql: )?bad\.ndjson:2: name: \S`).MatchString(stderr) {
		t.Errorf("import bad.ndjson: stderr %q, want \"bad.ndjson:2: name: reason\"", stderr)
	}
	for _, leak := range []string{"goroutine", ".go:", "panic"} {
		if strings.Contains(stderr, leak) {
			t.Errorf("import bad.ndjson: stderr leaks %q: %s", leak, stderr)
		}
	}

	// A syntax error names its line too.
	write("syntax.ndjson", `{"type":"Source","key":"kgql-test-syntax","title":"x"}`+"\n\n"+`{"type":"Source",`+"\n")
	code, _, stderr = kgqlRun(t, work, kgqlEnv(), "import", "-data", data, "syntax.ndjson")
	if code != 1 || !strings.Contains(stderr, "syntax.ndjson:3") {
		t.Errorf("import syntax.ndjson: exit %d, stderr %q; want 1 and syntax.ndjson:3", code, stderr)
	}

	// What the server sees afterwards.
	p := kgqlServe(t, kgqlEnv(), "-addr", "127.0.0.1:0", "-data", data)
	var d struct {
		Source *struct {
			Title     string
			Publisher *struct{ Name string }
		}
		Person *struct {
			Name      string
			Citations []struct{ Source struct{ Key string } }
		}
		Never    *struct{ Title string }
		Nameless *struct{ ID string }
		People   struct{ TotalCount int }
		Sources  struct{ TotalCount int }
	}
	p.query(t, `{
		source(key: "kgql-test-source") { title publisher { name } }
		person(key: "kgql-test-person") { name citations { source { key } } }
		never: source(key: "kgql-test-never") { title }
		nameless: person(key: "kgql-test-nameless") { id }
		people { totalCount } sources { totalCount } }`, &d)
	if d.Source == nil || d.Source.Title != "A source the tests add" || d.Source.Publisher == nil {
		t.Errorf("imported source: %+v", d.Source)
	}
	if d.Person == nil || len(d.Person.Citations) != 1 || d.Person.Citations[0].Source.Key != "kgql-test-source" {
		t.Errorf("imported person: %+v", d.Person)
	}
	if d.Never != nil || d.Nameless != nil {
		t.Errorf("the bad file wrote records: %+v %+v", d.Never, d.Nameless)
	}
	if d.People.TotalCount != 15 || d.Sources.TotalCount != 3 {
		t.Errorf("people %d, sources %d; want 15 and 3", d.People.TotalCount, d.Sources.TotalCount)
	}
	p.stop(t)
}

func TestCommandLineErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"import", "-data", filepath.Join(t.TempDir(), "d")}, 1, "FILE"},
		{[]string{"serve", "-addr", "127.0.0.1:0", "-data", filepath.Join(t.TempDir(), "d"), "extra"}, 1, "unexpected argument"},
		{[]string{"import", "-data", filepath.Join(t.TempDir(), "d"), "/nonexistent/file.ndjson"}, 1, "file.ndjson"},
	} {
		code, stdout, stderr := kgqlRun(t, t.TempDir(), kgqlEnv(), tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("kgql %v: exit %d, stderr %q (stdout %q); want exit %d mentioning %q", tc.args, code, stderr, stdout, tc.code, tc.want)
		}
	}
}

// -text-index=false serves without the full-text index: the name search answers, no text.bleve is
// created, /healthz has no textIndex, and the start log says "off".
func TestServeWithoutTextIndex(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	p := kgqlServe(t, kgqlEnv(), "-addr", "127.0.0.1:0", "-data", data, "-text-index=false")
	if n := p.peopleCount(t); n != 14 {
		t.Errorf("people totalCount %d, want 14", n)
	}
	resp, err := http.Post(p.url+"graphql", "application/json",
		strings.NewReader(`{"query":"{ search(text: \"sentissi\") { match node { id } } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"CONTAINED"`) || strings.Contains(string(body), `"errors"`) {
		t.Errorf("name search without the text index: %d %s", resp.StatusCode, body)
	}
	resp, err = http.Get(p.url + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Contains(string(body), "textIndex") {
		t.Errorf("/healthz without the text index: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(p.stderr.String(), "text_index=off") && !strings.Contains(p.stderr.String(), `"text_index":"off"`) {
		t.Errorf("the start log does not say the text index is off:\n%s", p.stderr)
	}
	if _, err := os.Stat(filepath.Join(data, "text.bleve")); !os.IsNotExist(err) {
		t.Errorf("text.bleve exists with -text-index=false (%v)", err)
	}
}
