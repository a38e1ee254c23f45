//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// recoverChildEnv names the store directory of the child process of TestOpenAfterKillAtMemtableCreation.
const recoverChildEnv = "KGQL_RECOVER_CHILD_DIR"

const recoverRecords = 50

func recoverKey(i int) string { return fmt.Sprintf("recover-src-%d", i) }

// TestRecoverKillChild is the child process of TestOpenAfterKillAtMemtableCreation: it writes
// records one transaction each, says "ready" once all are acknowledged and waits to be killed.
func TestRecoverKillChild(t *testing.T) {
	dir := os.Getenv(recoverChildEnv)
	if dir == "" {
		t.Skip("child process of TestOpenAfterKillAtMemtableCreation")
	}
	s, err := Open(Options{Dir: dir, MemTableSize: 8 << 20})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	for i := range recoverRecords {
		err := s.Update(func(tx *Tx) error {
			id, err := tx.NewID(KindSource)
			if err != nil {
				return err
			}
			return tx.Put(&Node{ID: id, Kind: KindSource, Key: recoverKey(i), Title: "title " + strconv.Itoa(i)})
		})
		if err != nil {
			fmt.Println("update:", err)
			os.Exit(2)
		}
	}
	fmt.Println("ready")
	time.Sleep(time.Minute)
	os.Exit(3)
}

// memFids returns the numbers of the memtable files (NNNNN.mem) in dir and their sizes.
func memFids(t *testing.T, dir string) (fids []int, size map[int]int64) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	size = map[int]int64{}
	for _, e := range es {
		num, ok := strings.CutSuffix(e.Name(), ".mem")
		if !ok {
			continue
		}
		fid, err := strconv.Atoi(num)
		if err != nil {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		fids, size[fid] = append(fids, fid), fi.Size()
	}
	sort.Ints(fids)
	return fids, size
}

// TestOpenAfterKillAtMemtableCreation: a process is killed (SIGKILL) with acknowledged writes
// in its memtable's write-ahead log, and a zero-length next memtable file is left the way a kill
// between Badger creating that file and sizing it leaves it (z.OpenMmapFile: os.OpenFile with
// O_CREATE, then Truncate). Badger alone refuses to open that ("Create a new file"); the store
// removes the empty file, opens, and every acknowledged record is there.
func TestOpenAfterKillAtMemtableCreation(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRecoverKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), recoverChildEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	ready := false
	for sc.Scan() {
		if sc.Text() == "ready" {
			ready = true
			break
		}
		t.Log("child:", sc.Text())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL pid %d: %v", cmd.Process.Pid, err)
	}
	_ = cmd.Wait()
	if !ready {
		t.Fatal("child did not write its records")
	}

	fids, size := memFids(t, dir)
	if len(fids) == 0 || size[fids[len(fids)-1]] == 0 {
		t.Fatalf("memtable files after the kill: %v %v; want a non-empty write-ahead log", fids, size)
	}
	// Badger creates memtable files in sequence: the next one, at the next start or when the
	// current one is full, is the highest number plus one.
	walFid := fids[len(fids)-1]
	empty := filepath.Join(dir, fmt.Sprintf("%05d.mem", walFid+1))
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	var logBuf bytes.Buffer
	lg := slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := Open(Options{Dir: dir, MemTableSize: 8 << 20, Logger: lg})
	if err != nil {
		t.Fatalf("Open after a kill at memtable creation: %v", err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}()
	if !strings.Contains(logBuf.String(), filepath.Base(empty)) {
		t.Errorf("log does not name the removed file %s:\n%s", filepath.Base(empty), logBuf.String())
	}
	for i := range recoverRecords {
		id, err := s.Lookup(recoverKey(i))
		if err != nil {
			t.Fatalf("Lookup(%q) after the kill: %v", recoverKey(i), err)
		}
		n, err := s.Get(id)
		if err != nil || n.Title != "title "+strconv.Itoa(i) {
			t.Fatalf("Get(%v) after the kill = %+v, %v", id, n, err)
		}
	}
}

// TestRemoveEmptyMemtablesKeepsData: only zero-length NNNNN.mem and NNNNNN.vlog files are
// removed; a log file holding anything at all (a single byte, a header of zeros), other files and other names
// are left alone, and nothing is removed while another holder has the directory locked.
func TestRemoveEmptyMemtablesKeepsData(t *testing.T) {
	dir := t.TempDir()
	files := map[string]int{
		"00001.mem":    1,
		"00002.mem":    0,
		"00003.mem":    20 << 10,
		"000004.vlog":  0,
		"000007.vlog":  20,
		"000005.sst":   0,
		"x.mem":        0,
		"00006.mem.gz": 0,
	}
	for name, n := range files {
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	exists := func(name string) bool {
		_, err := os.Lstat(filepath.Join(dir, name))
		return err == nil
	}

	// Locked (a process has the store open): nothing is touched.
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	if err := removeEmptyMemtables(dir, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if !exists("00002.mem") {
		t.Error("00002.mem removed while the directory was locked")
	}
	d.Close()

	var logBuf bytes.Buffer
	if err := removeEmptyMemtables(dir, slog.New(slog.NewTextHandler(&logBuf, nil))); err != nil {
		t.Fatal(err)
	}
	for name := range files {
		if got, want := exists(name), name != "00002.mem" && name != "000004.vlog"; got != want {
			t.Errorf("%s exists = %v, want %v", name, got, want)
		}
	}
	if !strings.Contains(logBuf.String(), "00002.mem") {
		t.Errorf("log does not name 00002.mem:\n%s", logBuf.String())
	}
	if err := removeEmptyMemtables(filepath.Join(dir, "missing"), slog.New(slog.DiscardHandler)); err != nil {
		t.Errorf("missing directory: %v", err)
	}
}

// A zero-length value log, as a kill between its creation and its sizing leaves it, used to make
// Badger refuse the store ("During db.vlog.open ... Create a new file"); it is removed and the
// store opens with its records.
func TestOpenWithEmptyValueLog(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var id ID
	if err := s.Update(func(tx *Tx) error {
		var err error
		if id, err = tx.NewID(KindPerson); err != nil {
			return err
		}
		return tx.Put(&Node{ID: id, Kind: KindPerson, Key: "badia-bitar", Name: "Badia Bitar"})
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	last := 0
	vlogs, _ := filepath.Glob(filepath.Join(dir, "*.vlog"))
	for _, v := range vlogs {
		var n int
		if _, err := fmt.Sscanf(filepath.Base(v), "%06d.vlog", &n); err == nil && n > last {
			last = n
		}
	}
	empty := filepath.Join(dir, fmt.Sprintf("%06d.vlog", last+1))
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err = Open(Options{Dir: dir})
	if err != nil {
		t.Fatalf("Open with an empty %s: %v", filepath.Base(empty), err)
	}
	defer s.Close()
	if n, err := s.GetByKey("badia-bitar"); err != nil || n.ID != id {
		t.Fatalf("GetByKey after reopening = %v, %v", n, err)
	}
}
