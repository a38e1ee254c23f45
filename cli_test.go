package main

// Process-level tests of the data tools: export, import, check, backup and restore, run as the
// kgql binary (built by TestMain) on stores in temporary directories. Helpers are prefixed cli.

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/kgql/kgql/store/gen"
)

// cliSeedFile is the built-in dataset's NDJSON, as an absolute path.
func cliSeedFile(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("store", "seed", "asmex.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// cliGenFile writes a generated graph (gen.Write) to a temporary file and returns its path.
func cliGenFile(t *testing.T, seed uint64, people int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), fmt.Sprintf("gen-%d-%d.ndjson", seed, people))
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gen.Write(f, gen.Options{Seed: seed, People: people}); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// cliRunIn is kgqlRun with standard input (nil: none) and a 60 s bound.
func cliRunIn(t *testing.T, dir string, stdin io.Reader, args ...string) (int, string, string) {
	t.Helper()
	return kgqlRunWith(t, dir, kgqlEnv(), stdin, 60*time.Second, args...)
}

// cliOK runs kgql (in a fresh working directory, no KGQL_* environment) and fails the test
// unless it exits 0. It returns stdout and stderr.
func cliOK(t *testing.T, args ...string) (string, string) {
	t.Helper()
	code, stdout, stderr := cliRunIn(t, t.TempDir(), nil, args...)
	if code != 0 {
		t.Fatalf("kgql %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, cliTrim(stdout), stderr)
	}
	return stdout, stderr
}

// cliExport returns `kgql export -data dir`.
func cliExport(t *testing.T, dir string) string {
	t.Helper()
	stdout, stderr := cliOK(t, "export", "-data", dir)
	want := fmt.Sprintf("exported %d records", strings.Count(stdout, "\n"))
	if !strings.Contains(stderr, want) {
		t.Errorf("export -data %s: stderr %q, want %q", dir, stderr, want)
	}
	return stdout
}

// cliCheckOK asserts that `kgql check -data dir` exits 0 and prints `check: ok`.
func cliCheckOK(t *testing.T, dir string) {
	t.Helper()
	code, stdout, stderr := cliRunIn(t, t.TempDir(), nil, "check", "-data", dir)
	if code != 0 || strings.TrimSpace(stdout) != "check: ok" {
		t.Fatalf("check -data %s: exit %d, want 0 and \"check: ok\"\nstdout: %s\nstderr: %s", dir, code, cliTrim(stdout), stderr)
	}
}

// cliSameExport fails the test unless two exports are byte-identical, showing the first
// differing line.
func cliSameExport(t *testing.T, what, want, got string) {
	t.Helper()
	if want == got {
		return
	}
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			t.Fatalf("%s: exports differ (%d vs %d bytes, %d vs %d lines); first difference at line %d:\nwant: %s\ngot:  %s",
				what, len(want), len(got), len(wl)-1, len(gl)-1, i+1, cliTrim(w), cliTrim(g))
		}
	}
	t.Fatalf("%s: exports differ", what)
}

// cliTrim shortens long output for a failure message.
func cliTrim(s string) string {
	if len(s) > 2000 {
		return s[:2000] + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return s
}

// cliWrite writes a file in dir and returns its path.
func cliWrite(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// --- tests ----------------------------------------------------------------------------------

// export → import into an empty store → export is byte-identical, for the built-in dataset and for
// a generated graph.
func TestCLIExportImportExportRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		file func(t *testing.T) string
		min  int // records the export must at least hold
	}{
		{"built-in dataset", cliSeedFile, 71},
		{"generated graph", func(t *testing.T) string { return cliGenFile(t, 7, 2000) }, 2000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := tc.file(t)
			a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
			cliOK(t, "import", "-data", a, src)
			first := cliExport(t, a)
			if n := strings.Count(first, "\n"); n < tc.min {
				t.Fatalf("the export holds %d records, want at least %d", n, tc.min)
			}
			if tc.min == 71 {
				// The built-in dataset: every line of the input is a record of the export.
				in, err := os.ReadFile(src)
				if err != nil {
					t.Fatal(err)
				}
				if want := len(regexp.MustCompile(`(?m)^\{`).FindAll(in, -1)); strings.Count(first, "\n") != want {
					t.Errorf("the export holds %d records, the dataset %d", strings.Count(first, "\n"), want)
				}
			}
			exported := cliWrite(t, t.TempDir(), "export.ndjson", first)
			cliOK(t, "import", "-data", b, exported)
			cliCheckOK(t, b)
			cliSameExport(t, "export → import → export", first, cliExport(t, b))
		})
	}
}

// backup → restore into an empty directory gives the same store; restore refuses a store that is
// not empty unless -force, which replaces its content.
func TestCLIBackupRestore(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	d := filepath.Join(work, "d")
	cliOK(t, "import", "-data", d, cliSeedFile(t), cliGenFile(t, 3, 300))
	want := cliExport(t, d)

	backup := filepath.Join(work, "d.backup")
	stdout, _ := cliOK(t, "backup", "-data", d, "-o", backup)
	if stdout != "" {
		t.Errorf("backup -o wrote to stdout: %q", cliTrim(stdout))
	}
	if fi, err := os.Stat(backup); err != nil || fi.Size() == 0 {
		t.Fatalf("backup file: %v", err)
	}
	// backup to standard output gives a backup too.
	toStdout, _ := cliOK(t, "backup", "-data", d)
	if len(toStdout) == 0 {
		t.Errorf("backup without -o wrote nothing to stdout")
	}

	e := filepath.Join(work, "e")
	cliOK(t, "restore", "-data", e, backup)
	cliCheckOK(t, e)
	cliSameExport(t, "restore into an empty dir", want, cliExport(t, e))
	cliSameExport(t, "the backed-up store after the backup", want, cliExport(t, d))

	// The restored store takes new writes without reusing the IDs of restored records.
	extra := cliWrite(t, work, "extra.ndjson",
		`{"type":"Person","key":"cli-restored-new","name":"Restored New","citations":[{"source":"l-opinion-2021-06-17-asmex-conseil-des-regions","excerpt":"x"}]}`+"\n")
	out, _ := cliOK(t, "import", "-data", e, extra)
	if !strings.Contains(out, "1 created, 0 updated, 0 unchanged") {
		t.Errorf("import after restore: %q, want 1 created", out)
	}
	cliCheckOK(t, e)
	afterWrite := cliExport(t, e)
	if !strings.Contains(afterWrite, `"key":"cli-restored-new"`) || strings.Count(afterWrite, "\n") != strings.Count(want, "\n")+1 {
		t.Errorf("after restore + 1 new person: %d records (want %d), new person present: %v",
			strings.Count(afterWrite, "\n"), strings.Count(want, "\n")+1, strings.Contains(afterWrite, `"key":"cli-restored-new"`))
	}
	lines := map[string]bool{}
	for _, line := range strings.Split(afterWrite, "\n") {
		lines[line] = true
	}
	for _, line := range strings.Split(strings.TrimSuffix(want, "\n"), "\n") {
		if !lines[line] {
			t.Fatalf("a restored record changed after a new write: %s", cliTrim(line))
		}
	}

	// A store that is not empty: refused without -force, nothing changed.
	g := filepath.Join(work, "g")
	cliOK(t, "import", "-data", g, cliWrite(t, work, "one.ndjson", `{"type":"Source","key":"cli-only-source","title":"The only record"}`+"\n"))
	before := cliExport(t, g)
	code, stdout, stderr := cliRunIn(t, work, nil, "restore", "-data", g, backup)
	if code != 1 {
		t.Errorf("restore into a non-empty store without -force: exit %d, want 1\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "not empty") || !strings.Contains(stderr, "-force") {
		t.Errorf("restore into a non-empty store: stderr %q, want it to say the store is not empty and to name -force", stderr)
	}
	for _, leak := range []string{"goroutine", ".go:", "panic"} {
		if strings.Contains(stderr, leak) {
			t.Errorf("restore: stderr leaks %q: %s", leak, stderr)
		}
	}
	cliSameExport(t, "refused restore", before, cliExport(t, g))
	cliCheckOK(t, g)

	// With -force the content is replaced.
	cliOK(t, "restore", "-data", g, "-force", backup)
	cliCheckOK(t, g)
	got := cliExport(t, g)
	if strings.Contains(got, "cli-only-source") {
		t.Errorf("restore -force kept the old content")
	}
	cliSameExport(t, "restore -force", want, got)
}

// A file that is not a backup, or a damaged (truncated) one, is refused with exit 1 and a message,
// and leaves the target store as it was: an empty store stays empty, and -force does not wipe a
// store before it knows the backup is good.
func TestCLIRestoreRefusesDamagedBackup(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	src := filepath.Join(work, "src")
	// Enough data that Badger's loader flushes batches before the end of the stream (~15 MB).
	var many strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&many, `{"type":"Person","key":"cli-many-%d","name":"Person Number %d of the damaged backup test","citations":[{"source":"l-opinion-2021-06-17-asmex-conseil-des-regions","excerpt":"%s"}]}`+"\n",
			i, i, strings.Repeat("x", 200))
	}
	cliOK(t, "import", "-data", src, cliSeedFile(t), cliWrite(t, work, "many.ndjson", many.String()))
	full := filepath.Join(work, "full.backup")
	cliOK(t, "backup", "-data", src, "-o", full)
	b, err := os.ReadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	damaged := map[string]string{
		"text file":         cliWrite(t, work, "text.backup", "this is not a backup\n"),
		"short text file":   cliWrite(t, work, "short.backup", "junk\n"),
		"truncated backup":  cliWrite(t, work, "truncated.backup", string(b[:len(b)*3/4])),
		"half a backup":     cliWrite(t, work, "half.backup", string(b[:len(b)/2])),
		"backup plus bytes": cliWrite(t, work, "appended.backup", string(b)+"\xff\xff\xff\xff\xff\xff\xff\x7f garbage"),
	}
	names := []string{"text file", "short text file", "truncated backup", "half a backup", "backup plus bytes"}

	// A populated store to aim -force at.
	g := filepath.Join(work, "g")
	cliOK(t, "import", "-data", g, cliSeedFile(t))
	before := cliExport(t, g)

	for i, name := range names {
		file := damaged[name]
		empty := filepath.Join(work, fmt.Sprintf("empty-%d", i))
		code, stdout, stderr := cliRunIn(t, work, nil, "restore", "-data", empty, file)
		if code != 1 || !strings.Contains(stderr, "backup") {
			t.Errorf("restore of a %s into an empty store: exit %d, want 1 and a message about the backup; stdout %q, stderr: %s",
				name, code, stdout, strings.SplitN(stderr, "\n", 2)[0])
		}
		if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
			t.Errorf("restore of a %s: it panicked: %s", name, strings.SplitN(stderr, "\n", 2)[0])
		}
		if got := cliExport(t, empty); got != "" {
			t.Errorf("restore of a %s into an empty store failed but left %d records in it", name, strings.Count(got, "\n"))
		}
		if code, stdout, stderr := cliRunIn(t, work, nil, "check", "-data", empty); code != 0 {
			lines := strings.SplitN(stdout, "\n", 4)
			t.Errorf("restore of a %s into an empty store left a store that fails check (%s):\n%s",
				name, strings.TrimSpace(stderr), strings.Join(lines[:min(len(lines), 3)], "\n"))
		}

		code, _, stderr = cliRunIn(t, work, nil, "restore", "-data", g, "-force", file)
		if code != 1 {
			t.Errorf("restore -force of a %s: exit %d, want 1; stderr: %s", name, code, strings.SplitN(stderr, "\n", 2)[0])
		}
		if got := cliExport(t, g); got != before {
			t.Errorf("restore -force of a %s failed but changed the store: %d records before, %d after",
				name, strings.Count(before, "\n"), strings.Count(got, "\n"))
			// A fresh populated store for the next case.
			g = filepath.Join(work, fmt.Sprintf("g-%d", i))
			cliOK(t, "import", "-data", g, cliSeedFile(t))
		}
	}
}

// GET /admin/backup on a running server, restored after the server stopped, gives the served
// store.
func TestCLIOnlineBackup(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	d := filepath.Join(work, "d")
	p := kgqlServe(t, kgqlEnv(), "-addr", fmt.Sprintf("127.0.0.1:%d", kgqlFreePort(t)), "-data", d)
	// A write through the server, so the backup holds more than the seed.
	var m struct{ UpsertPerson struct{ Key string } }
	p.query(t, `mutation { upsertPerson(input: {key: "cli-online", name: "Online Backup",
		citations: [{source: "l-opinion-2021-06-17-asmex-conseil-des-regions", excerpt: "online"}]}) { key } }`, &m)
	if m.UpsertPerson.Key != "cli-online" {
		t.Fatalf("upsertPerson: %+v", m)
	}

	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(p.url + "admin/backup")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || len(body) == 0 {
		t.Fatalf("GET /admin/backup: %d, %d bytes", resp.StatusCode, len(body))
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("GET /admin/backup: Content-Type %q", ct)
	}
	backup := cliWrite(t, work, "online.backup", string(body))
	p.stop(t)

	served := cliExport(t, d)
	if !strings.Contains(served, `"key":"cli-online"`) {
		t.Fatalf("the served store lost the mutation")
	}
	e := filepath.Join(work, "e")
	cliOK(t, "restore", "-data", e, backup)
	cliCheckOK(t, e)
	cliSameExport(t, "online backup restored", served, cliExport(t, e))
}

// kgql check finds a reverse edge deleted behind kgql's back.
func TestCLICheckFindsMissingReverseEdge(t *testing.T) {
	t.Parallel()
	d := filepath.Join(t.TempDir(), "d")
	cliOK(t, "import", "-data", d, cliSeedFile(t))
	cliCheckOK(t, d)

	db, err := badger.Open(badger.DefaultOptions(d).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	var deleted []byte
	err = db.Update(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{'i'}})
		it.Rewind()
		if it.Valid() {
			deleted = it.Item().KeyCopy(nil)
		}
		it.Close()
		if deleted == nil {
			return errors.New("no reverse edge (key starting with 'i') in the store")
		}
		return txn.Delete(deleted)
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := cliRunIn(t, t.TempDir(), nil, "check", "-data", d)
	if code != 1 {
		t.Errorf("check of a store missing a reverse edge: exit %d, want 1\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if !regexp.MustCompile(`(?m)^i .*missing reverse edge`).MatchString(stdout) {
		t.Errorf("check: no line about the missing reverse edge (key %x):\nstdout: %s\nstderr: %s", deleted, stdout, stderr)
	}
	if strings.Contains(stdout, "check: ok") {
		t.Errorf("check printed ok on a broken store:\n%s", stdout)
	}
	if !regexp.MustCompile(`check: [1-9][0-9]* violation`).MatchString(stderr) {
		t.Errorf("check: stderr %q, want the number of violations", stderr)
	}
}

// A bad line writes nothing and is reported as FILE:LINE: field: reason; the fixed file imports;
// importing it again changes nothing; - reads standard input.
func TestCLIImportBadLineWritesNothing(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	d := filepath.Join(work, "d")
	cliOK(t, "import", "-data", d, cliSeedFile(t))
	before := cliExport(t, d)

	const src = `"citations":[{"source":"l-opinion-2021-06-17-asmex-conseil-des-regions","excerpt":"cli"}]`
	good := `{"type":"Source","key":"cli-bad-source","title":"A source of the bad file"}` + "\n" +
		`{"type":"Person","key":"cli-bad-person","name":"Cli Person",` + src + `}` + "\n"
	badLine := `{"type":"Event","key":"cli-bad-event","name":"Cli Event","startDate":"2021-02-30",` + src + `}` + "\n"
	fixedLine := `{"type":"Event","key":"cli-bad-event","name":"Cli Event","startDate":"2021-02-28",` + src + `}` + "\n"
	cliWrite(t, work, "bad.ndjson", good+"\n"+badLine)
	code, stdout, stderr := cliRunIn(t, work, nil, "import", "-data", d, "bad.ndjson")
	if code != 1 {
		t.Errorf("import bad.ndjson: exit %d, want 1\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if !regexp.MustCompile(`(?m)^bad\.ndjson:4: startDate: \S`).MatchString(stderr) {
		t.Errorf("import bad.ndjson: stderr %q, want a line \"bad.ndjson:4: startDate: reason\"", stderr)
	}
	for _, leak := range []string{"goroutine", ".go:", "panic"} {
		if strings.Contains(stderr, leak) {
			t.Errorf("import bad.ndjson: stderr leaks %q: %s", leak, stderr)
		}
	}
	cliSameExport(t, "after a refused import", before, cliExport(t, d))

	cliWrite(t, work, "fixed.ndjson", good+"\n"+fixedLine)
	code, stdout, stderr = cliRunIn(t, work, nil, "import", "-data", d, "fixed.ndjson")
	if code != 0 || !strings.Contains(stdout, "3 created, 0 updated, 0 unchanged") {
		t.Fatalf("import fixed.ndjson: exit %d, stdout %q, stderr %q; want 3 created", code, stdout, stderr)
	}
	after := cliExport(t, d)
	for _, k := range []string{"cli-bad-source", "cli-bad-person", "cli-bad-event"} {
		if !strings.Contains(after, `"key":"`+k+`"`) {
			t.Errorf("after the fixed import, the export has no %s", k)
		}
	}
	cliCheckOK(t, d)

	code, stdout, _ = cliRunIn(t, work, nil, "import", "-data", d, "fixed.ndjson")
	if code != 0 || !strings.Contains(stdout, "0 created, 0 updated") {
		t.Errorf("import fixed.ndjson again: exit %d, stdout %q; want 0 created, 0 updated", code, stdout)
	}
	cliSameExport(t, "re-import", after, cliExport(t, d))

	// "-" reads standard input: the same file changes nothing, a new record is created.
	code, stdout, stderr = cliRunIn(t, work, strings.NewReader(good+fixedLine), "import", "-data", d, "-")
	if code != 0 || !strings.Contains(stdout, "0 created, 0 updated, 3 unchanged") {
		t.Errorf("import - (same records): exit %d, stdout %q, stderr %q; want 3 unchanged", code, stdout, stderr)
	}
	cliSameExport(t, "re-import from stdin", after, cliExport(t, d))
	stdinRec := `{"type":"Person","key":"cli-stdin-person","name":"Cli Stdin",` + src + `}` + "\n"
	code, stdout, stderr = cliRunIn(t, work, strings.NewReader(stdinRec), "import", "-data", d, "-")
	if code != 0 || !strings.Contains(stdout, "1 created, 0 updated, 0 unchanged") {
		t.Errorf("import - (new record): exit %d, stdout %q, stderr %q; want 1 created", code, stdout, stderr)
	}
	if !strings.Contains(cliExport(t, d), `"key":"cli-stdin-person"`) {
		t.Errorf("the record read from stdin is not in the export")
	}
	// A bad line on stdin is named "-".
	code, _, stderr = cliRunIn(t, work, strings.NewReader(badLine), "import", "-data", d, "-")
	if code != 1 || !regexp.MustCompile(`(?m)^-:1: startDate: \S`).MatchString(stderr) {
		t.Errorf("import - (bad line): exit %d, stderr %q; want 1 and \"-:1: startDate: reason\"", code, stderr)
	}
}

// Every data tool refuses a store held by a running server, saying it is in use, and leaves the
// server unharmed.
func TestCLIDataToolsStoreInUse(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	d := filepath.Join(work, "d")
	cliOK(t, "import", "-data", d, cliSeedFile(t))
	backup := filepath.Join(work, "d.backup")
	cliOK(t, "backup", "-data", d, "-o", backup)
	rec := cliWrite(t, work, "one.ndjson", `{"type":"Source","key":"cli-in-use","title":"T"}`+"\n")

	p := kgqlServe(t, kgqlEnv(), "-addr", "127.0.0.1:0", "-data", d)
	for _, args := range [][]string{
		{"import", "-data", d, rec},
		{"export", "-data", d},
		{"check", "-data", d},
		{"backup", "-data", d, "-o", filepath.Join(work, "other.backup")},
		{"restore", "-data", d, "-force", backup},
	} {
		code, stdout, stderr := cliRunIn(t, work, nil, args...)
		if code != 1 || !strings.Contains(stderr, "in use") {
			t.Errorf("kgql %s on a served store: exit %d, stderr %q (stdout %q); want 1 and a message that the store is in use",
				args[0], code, stderr, cliTrim(stdout))
		}
	}
	if n := p.peopleCount(t); n != 14 {
		t.Errorf("the server sees %d people after the refused tools, want 14", n)
	}
	p.stop(t)
	if _, err := os.Stat(filepath.Join(work, "other.backup")); err == nil {
		t.Errorf("a refused backup created its output file")
	}
	cliCheckOK(t, d)
}
