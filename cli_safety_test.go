package main

// Bad command lines of the data tools write nothing, anywhere: every flag is parsed, wherever it
// stands among the file names, before a store is opened (opening one creates it).

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// safetyEntries lists what dir holds (nil when it does not exist).
func safetyEntries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// A flag after the file names is honoured: the records go into -data DIR, and ./data (the
// default) is never created.
func TestCLIFlagsAfterFiles(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	src := cliSeedFile(t)
	other := filepath.Join(t.TempDir(), "other")
	code, stdout, stderr := cliRunIn(t, work, nil, "import", src, "-data", other)
	if code != 0 || !strings.Contains(stdout, "71 created") {
		t.Fatalf("import FILE -data DIR: exit %d, stdout %q, stderr %q; want 0 and 71 created", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(work, "data")); !os.IsNotExist(err) {
		t.Errorf("import FILE -data DIR created ./data (stat: %v)", err)
	}
	if n := strings.Count(cliExport(t, other), "\n"); n != 71 {
		t.Errorf("export -data DIR holds %d records, want the 71 of the file", n)
	}

	// Interleaved: files before and after the flag, and the other tools with their flags last.
	b := cliWrite(t, work, "one.ndjson", `{"type":"Source","key":"safety-one","title":"One"}`+"\n")
	c := cliWrite(t, work, "two.ndjson", `{"type":"Source","key":"safety-two","title":"Two"}`+"\n")
	mixed := filepath.Join(t.TempDir(), "mixed")
	if code, stdout, stderr := cliRunIn(t, work, nil, "import", b, "-data", mixed, c); code != 0 {
		t.Fatalf("import A -data DIR B: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if got := cliExport(t, mixed); !strings.Contains(got, `"safety-one"`) || !strings.Contains(got, `"safety-two"`) {
		t.Errorf("import A -data DIR B: the export is %q, want both records", got)
	}
	backup := filepath.Join(work, "mixed.backup")
	if code, _, stderr := cliRunIn(t, work, nil, "backup", "-o", backup, "-data", mixed); code != 0 {
		t.Fatalf("backup -o FILE -data DIR: exit %d, stderr %q", code, stderr)
	}
	restored := filepath.Join(t.TempDir(), "restored")
	if code, _, stderr := cliRunIn(t, work, nil, "restore", backup, "-data", restored); code != 0 {
		t.Fatalf("restore FILE -data DIR: exit %d, stderr %q", code, stderr)
	}
	cliSameExport(t, "restore FILE -data DIR", cliExport(t, mixed), cliExport(t, restored))
	if code, stdout, stderr := cliRunIn(t, work, nil, "check", "-data", restored); code != 0 || strings.TrimSpace(stdout) != "check: ok" {
		t.Errorf("check -data DIR: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// "--" ends the flags: what follows is a file name, even if it looks like a flag.
	cliWrite(t, work, "-data", `{"type":"Source","key":"safety-dash","title":"Dash"}`+"\n")
	if code, stdout, stderr := cliRunIn(t, work, nil, "import", "-data", mixed, "--", "-data"); code != 0 || !strings.Contains(stdout, "1 created") {
		t.Errorf("import -data DIR -- -data: exit %d, stdout %q, stderr %q; want the file named -data imported", code, stdout, stderr)
	}
	if got := safetyEntries(t, work); len(got) != 4 { // one.ndjson, two.ndjson, mixed.backup, -data
		t.Errorf("the working directory holds %v, want only the test's files", got)
	}
}

// An unknown flag, a flag without its value, or a file that does not exist, anywhere on the
// command line, is refused before any store is opened: nothing is created or changed.
func TestCLIBadFlagsWriteNothing(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	src := cliSeedFile(t)
	d := filepath.Join(t.TempDir(), "d")
	cliOK(t, "import", "-data", d, src)
	before := cliExport(t, d)
	fresh := filepath.Join(t.TempDir(), "fresh")
	backup := filepath.Join(work, "d.backup")
	cliOK(t, "backup", "-data", d, "-o", backup)
	entries := strings.Join(safetyEntries(t, d), ",")

	for _, args := range [][]string{
		{"import", src, "-bogus"},
		{"import", src, "-data"},
		{"import", "-data", d, src, "-bogus"},
		{"import", "-data", d, src, "-data"},
		{"import", src, "-data", d, "-bogus", "x"},
		{"import", "-data", fresh, src, "-bogus"},
		{"import", "-data", fresh, src, "--bogus=1"},
		{"import", src, "-data", fresh, "-data"},
		{"import", "-data", fresh, filepath.Join(work, "missing.ndjson")},
		{"import", "-data", fresh, src, filepath.Join(work, "missing.ndjson")},
		{"export", "-data", fresh, "-bogus"},
		{"export", "-data", fresh, "-o"},
		{"check", "-data", fresh, "-bogus"},
		{"backup", "-data", fresh, "-o", filepath.Join(work, "never.backup"), "-bogus"},
		{"restore", backup, "-data", fresh, "-bogus"},
		{"restore", backup, "-data", d, "-force=maybe"},
		{"restore", backup, "-data", fresh, "-force", "-data"},
		// Arguments a tool does not take, and a restore without (or with a missing) backup.
		{"export", "-data", fresh, filepath.Join(work, "out.ndjson")},
		{"check", "-data", fresh, "extra"},
		{"backup", "-data", fresh, filepath.Join(work, "out.backup")},
		{"restore", "-data", fresh},
		{"restore", "-data", fresh, filepath.Join(work, "missing.backup")},
		{"restore", "-data", fresh, backup, backup},
	} {
		code, stdout, stderr := cliRunIn(t, work, nil, args...)
		if code == 0 {
			t.Errorf("kgql %s: exit 0, want an error (stdout %q, stderr %q)", strings.Join(args, " "), cliTrim(stdout), stderr)
		}
		if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
			t.Errorf("kgql %s: stderr %q", strings.Join(args, " "), stderr)
		}
		if got := safetyEntries(t, work); len(got) != 1 || got[0] != "d.backup" {
			t.Errorf("kgql %s: the working directory now holds %v", strings.Join(args, " "), got)
		}
		if got := safetyEntries(t, fresh); got != nil {
			t.Errorf("kgql %s: created %s (%v)", strings.Join(args, " "), fresh, got)
		}
		if got := strings.Join(safetyEntries(t, d), ","); got != entries {
			t.Errorf("kgql %s: the store's files changed from %s to %s", strings.Join(args, " "), entries, got)
		}
	}
	cliSameExport(t, "after the refused command lines", before, cliExport(t, d))
}
