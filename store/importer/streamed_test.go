package importer_test

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/kgql/kgql/store/gen"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/storetest"
)

// genInput is a generated file large enough to be bulk loaded.
func genInput(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Options{Seed: 3, People: 300}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// noSeek hides a reader's Seek, as standard input from a pipe.
type noSeek struct{ r io.Reader }

func (n noSeek) Read(b []byte) (int, error) { return n.r.Read(b) }

// A bad line at the end of a large input, into an empty store: the import reports it and writes
// nothing (validation of the whole input comes before the first write).
func TestStreamedImportBadLateLineWritesNothing(t *testing.T) {
	in := genInput(t)
	nLines := bytes.Count(in, []byte("\n"))
	in = append(in, `{"type":"Position","person":"p-1","organization":"no-such-org","title":"x","citations":[{"source":"src-0"}]}`+"\n"...)
	in = append(in, `{"type":"Person","key":"late-person","name":"Late"}`+"\n"...)
	s := storetest.Open(t)
	got, _ := stErrors(t, s, strings.TrimSuffix(string(in), "\n"))
	stSame(t, got, []string{
		strconv.Itoa(nLines+1) + ` organization: no record has key or id "no-such-org"`,
		strconv.Itoa(nLines+2) + ` citations: a new Person must cite at least one source`,
	})
	if empty, err := s.Empty(); err != nil || !empty {
		t.Fatalf("the store is not empty after a refused import (%v)", err)
	}
}

// An input that cannot seek (standard input) is copied aside and imported as a file is: the same
// store, for a bulk load and for a small input.
func TestStreamedImportWithoutSeek(t *testing.T) {
	small := []byte(`{"type":"Source","key":"s1","title":"T"}
{"type":"Person","key":"a","name":"A","citations":[{"source":"s1"}]}
`)
	for name, in := range map[string][]byte{"bulk": genInput(t), "small": small} {
		t.Run(name, func(t *testing.T) {
			a, b := storetest.Open(t), storetest.Open(t)
			ra, err := importer.ImportBytes(a, in, "f")
			if err != nil {
				t.Fatal(err)
			}
			rb, err := importer.Import(b, noSeek{bytes.NewReader(in)}, "-")
			if err != nil {
				t.Fatal(err)
			}
			if ra.Records != rb.Records || ra.Created != rb.Created || ra.Written != rb.Written {
				t.Errorf("seekable %+v, not seekable %+v", ra, rb)
			}
			if stExport(t, a) != stExport(t, b) {
				t.Error("the exports differ")
			}
		})
	}
}

// changing serves one content, then another once it is sought back to the start.
type changing struct {
	r     *bytes.Reader
	after []byte
}

func (c *changing) Read(b []byte) (int, error) { return c.r.Read(b) }
func (c *changing) Seek(off int64, whence int) (int64, error) {
	if whence == io.SeekStart && c.after != nil {
		c.r, c.after = bytes.NewReader(c.after), nil
	}
	return c.r.Seek(off, whence)
}

// An input that is not the same when it is read again is refused.
func TestStreamedImportInputChanged(t *testing.T) {
	in := genInput(t)
	changed := bytes.Replace(in, []byte(`"key":"p-7"`), []byte(`"key":"p-x"`), 1)
	for name, before := range map[string][]byte{"bulk": in, "small": in[:bytes.IndexByte(in, '\n')+1]} {
		t.Run(name, func(t *testing.T) {
			after := changed
			if name == "small" {
				after = []byte(`{"type":"Source","key":"other","title":"T"}` + "\n")
			}
			s := storetest.Open(t)
			_, err := importer.Import(s, &changing{r: bytes.NewReader(before), after: after}, "f")
			if !errors.Is(err, importer.ErrInputChanged) {
				t.Fatalf("err %v, want ErrInputChanged", err)
			}
		})
	}
}
