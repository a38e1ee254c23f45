//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// removeEmptyMemtables removes the zero-length memtable write-ahead logs (NNNNN.mem) and value
// log files (NNNNNN.vlog) of dir before Badger opens it. Badger creates both kinds with
// os.OpenFile(O_CREATE) and only then sizes them and writes their header (z.OpenMmapFile,
// logFile.bootstrap), so a process killed in between leaves an empty file, which Badger then
// refuses to open ("while opening fid: N ... Create a new file", or for a value log "During
// db.vlog.open ... Create a new file"). A closed value log is truncated to its end, never below
// its header, so a zero-length one can only come from such a kill, and no value points into it. A zero-length file holds no write, so removing it loses nothing; a file with any byte
// in it is left to Badger. Nothing is removed unless Badger's directory lock (an flock on the
// directory) can be taken: a process using the store may be between those two steps, and
// badger.Open reports that the directory is in use.
func removeEmptyMemtables(dir string, lg *slog.Logger) error {
	d, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a new store
	}
	if err != nil {
		return fmt.Errorf("open store directory: %w", err)
	}
	defer d.Close()
	if err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil
		}
		return fmt.Errorf("lock store directory: %w", err)
	}
	defer syscall.Flock(int(d.Fd()), syscall.LOCK_UN)
	entries, err := d.ReadDir(-1)
	if err != nil {
		return fmt.Errorf("read store directory: %w", err)
	}
	for _, e := range entries {
		num, ok := strings.CutSuffix(e.Name(), ".mem")
		if !ok {
			num, ok = strings.CutSuffix(e.Name(), ".vlog")
		}
		if !ok || !e.Type().IsRegular() {
			continue
		}
		if _, err := strconv.ParseUint(num, 10, 32); err != nil {
			continue
		}
		p := filepath.Join(dir, e.Name())
		fi, err := os.Lstat(p)
		if err != nil {
			return fmt.Errorf("stat log file: %w", err)
		}
		if !fi.Mode().IsRegular() || fi.Size() != 0 {
			continue
		}
		if err := os.Remove(p); err != nil {
			return fmt.Errorf("remove empty log file: %w", err)
		}
		lg.Warn("removed an empty Badger log file, left by a process killed while Badger was creating it (it held no data)", "file", p)
	}
	return nil
}
