package importer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kgql/kgql/store"
)

// LineError is one problem with one record: where it is and what is wrong, in words safe to show
// the user who sent the file.
type LineError struct {
	File   string
	Line   int
	Field  string // empty when the problem is the whole record
	Reason string
	// More, on the last entry of a list cut at MaxErrors, is how many problems were found beyond
	// the list; that entry (Line 0) stands for them: "FILE: … and N more problems (T in all)".
	More int
}

func (e LineError) Error() string {
	if e.More > 0 {
		return e.File + ": " + e.Reason
	}
	loc := fmt.Sprintf("%s:%d", e.File, e.Line)
	if e.Field != "" {
		return loc + ": " + e.Field + ": " + e.Reason
	}
	return loc + ": " + e.Reason
}

// Errors is the list of problems that made an import write nothing, in line order (the problems
// of one line in the order of the stages that found them). It wraps store.ErrInvalid.
//
// An import reports every problem of every stage in one run: parsing and the checks of each line
// (JSON, type, fields, dates, enums, keys), then resolution against the input and the store
// (references, kinds of references and keys), then the checks of the records as a whole (required
// fields over all the lines of a record, natural identities, parent cycles). The list holds the
// first MaxErrors problems by line; when there are more, a last entry with More > 0 says how many
// (Total counts them all). A problem is reported once, where it is, and not again as the cause of
// others:
//
//   - a line that is not a JSON object or has no known type gives no record: later stages skip it,
//     and a reference to the key it names (found even in broken JSON when it reads "key": "…")
//     is not reported as a reference to nothing;
//   - a line with bad fields is still resolved as far as it goes: its valid key defines the key
//     for the others, its valid references are checked, a field it gives but gets wrong is not
//     reported again as missing, and it is checked for parent cycles;
//   - a record with a problem of its own or a reference that resolves to nothing is not matched by
//     natural identity (its identity is unknown); it stands as a record of its own;
//   - when the input cannot be read to its end (a line over 16 MiB), only the lines read are
//     checked, and not against the rest of the input or the store.
type Errors []LineError

// MaxErrors caps how many problems one import lists.
const MaxErrors = 50

// Total is how many problems were found, listed or not.
func (es Errors) Total() int {
	n := 0
	for _, e := range es {
		if e.More > 0 {
			n += e.More
		} else {
			n++
		}
	}
	return n
}

// problems collects the problems of one import: the first MaxErrors by line, and their number.
type problems struct {
	name  string
	list  Errors
	total int
}

func (p *problems) add(e LineError) {
	e.File = p.name
	p.total++
	p.list = append(p.list, e)
	if len(p.list) >= 4*MaxErrors {
		p.trim()
	}
}

// trim keeps the first MaxErrors problems by line (stable: a line's problems stay in the order of
// the stages).
func (p *problems) trim() {
	p.list = sortErrors(p.list)
	if len(p.list) > MaxErrors {
		p.list = p.list[:MaxErrors]
	}
}

// err returns the problems as Errors, or nil when there are none.
func (p *problems) err() error {
	if p.total == 0 {
		return nil
	}
	p.trim()
	out := slices.Clone(p.list)
	if more := p.total - len(out); more > 0 {
		out = append(out, LineError{File: p.name, More: more,
			Reason: fmt.Sprintf("… and %d more problems (%d in all)", more, p.total)})
	}
	return out
}

func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap makes errors.Is(err, store.ErrInvalid) true.
func (es Errors) Unwrap() error { return store.ErrInvalid }

// Result summarizes an import.
type Result struct {
	Records   int
	ByType    map[string]int
	Created   int
	Updated   int
	Unchanged int
	Duration  time.Duration
	// Written counts the Badger keys the import set or deleted (records, indexes, edges, counts)
	// and their bytes.
	Written store.WriteStats
	// IDs holds, for each record in input order, the ID it was written to.
	IDs []store.ID
}

// citation as written in the file.
type citation struct {
	Source  string `json:"source"`
	Excerpt string `json:"excerpt,omitempty"`
}

// record is one parsed line: its kind, key and the fields it gives (absent fields are not in
// vals; a JSON null counts as absent). It is compact: a big import holds every record in memory
// until it is validated.
type record struct {
	line      int
	kind      store.Kind
	key       string
	vals      []fval // in the order of formats[kind]
	citations []citation
	// compact marks a record of the streamed import's first pass (see compact): it keeps only
	// its references and citations' sources; given holds the bits of the fields it dropped, and
	// strSum the digest of its identity text (identityStrSum).
	compact bool
	given   uint32
	strSum  [32]byte
	// bad marks a line that will not be written, with what is wrong (see Errors): bit i of
	// formats[kind] (and citesBit) for a field given with a bad value, badLine for any problem
	// of the line's own, badRef for a reference that resolves to nothing, badKey for a key of
	// another kind. It is 0 for every line of an import that writes.
	bad uint32
}

// Bits of record.bad (the low bits are fields, in the order of formats[kind]).
const (
	badKey   = 1 << 28
	badRef   = 1 << 29
	badLine  = 1 << 30
	citesBit = 1 << 31
)

// fval is the value of one field of a record.
type fval struct {
	f  *field   // &formats[kind][i]
	i  int      // the field's place in its format
	s  string   // fString, fDate, fEnum, fRef ("" clears an optional field or reference)
	ss []string // fStrings, fRefs
}

// get returns the value of field f, if the record gives it.
func (r *record) get(f *field) (fval, bool) {
	for _, v := range r.vals {
		if v.f == f {
			return v, true
		}
	}
	return fval{}, false
}

// ref returns the value of the single reference rel, if the record gives it.
func (r *record) ref(rel store.Rel) (string, bool) {
	for _, v := range r.vals {
		if v.f.typ == fRef && v.f.rel == rel {
			return v.s, true
		}
	}
	return "", false
}

// Parse reads NDJSON records from r. name is used in error messages (a file name, "-", "seed").
// Blank lines and lines starting with "//" are skipped. It returns every record, or Errors (every
// problem of every line: see Errors).
func Parse(r io.Reader, name string) ([]*record, error) {
	pr := &problems{name: name}
	recs, _ := parse(r, pr, nil)
	if err := pr.err(); err != nil {
		return nil, err
	}
	return recs, nil
}

// parsed is what parse learned besides the records.
type parsed struct {
	// failed holds the keys named by lines that gave no record or a record without its key: a
	// reference to one of them is not reported again (see Errors).
	failed map[string]bool
	// cut: the input could not be read to its end.
	cut bool
}

// parse reads every line of r, adds every problem of a line to pr, and returns the records: those
// of the good lines, and those of the lines with bad fields (marked bad), for the later stages.
// With a non-nil first pass (the streamed import), each record is compacted as it is parsed
// and the digest of its line kept (firstPass).
func parse(r io.Reader, pr *problems, fp *firstPass) ([]*record, parsed) {
	var recs []*record
	out := parsed{failed: map[string]bool{}}
	line, err := scanLines(r, func(line int, b []byte) error {
		rec, lerrs := parseLine(b, line)
		for _, e := range lerrs {
			pr.add(e)
		}
		if len(lerrs) > 0 && (rec == nil || rec.key == "") {
			if k := lineKey(b); k != "" {
				out.failed[k] = true
			}
		}
		if rec != nil {
			if fp != nil {
				fp.sums = append(fp.sums, fp.lineSum(b))
				fp.compact(rec)
			}
			recs = append(recs, rec)
		}
		return nil
	})
	if err != nil {
		pr.add(LineError{Line: line + 1, Reason: "unreadable: " + scanReason(err)})
		out.cut = true
	}
	return recs, out
}

// scanLines calls fn with every line of r that holds a record (blank lines and lines starting
// with "//" are skipped), trimmed, and its number. It returns the number of the last line read
// and the read error, if any, or fn's first error.
func scanLines(r io.Reader, fn func(line int, b []byte) error) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 || bytes.HasPrefix(b, []byte("//")) {
			continue
		}
		if err := fn(line, b); err != nil {
			return line, err
		}
	}
	return line, sc.Err()
}

// keyPattern finds a "key" member in a line that may not be valid JSON.
var keyPattern = regexp.MustCompile(`"key"\s*:\s*("(?:[^"\\]|\\.)*")`)

// lineKey returns the key a line names, if it can be told: the "key" member of a JSON object, or
// the first "key": "…" of a line that is not valid JSON (best effort); "" if none.
func lineKey(b []byte) string {
	var k string
	var obj struct {
		Key json.RawMessage `json:"key"`
	}
	if json.Unmarshal(b, &obj) == nil {
		if json.Unmarshal(obj.Key, &k) == nil {
			return k
		}
		return ""
	}
	if m := keyPattern.FindSubmatch(b); m != nil && json.Unmarshal(m[1], &k) == nil {
		return k
	}
	return ""
}

func scanReason(err error) string {
	if errors.Is(err, bufio.ErrTooLong) {
		return "line longer than 16 MiB"
	}
	return "read error"
}

// parseLine parses and checks the syntax of one record (not its references).
func parseLine(b []byte, line int) (*record, []LineError) {
	if rec := parseFast(b, line); rec != nil {
		return rec, nil
	}
	return parseLineJSON(b, line)
}

// parseLineJSON is parseLine through encoding/json, for every line parseFast does not take: it
// says what is wrong with a line. A line that is a JSON object of a known type gives a record even
// when some of its fields are wrong: the record holds the good fields and is marked bad (badLine,
// and a bit for each field given with a bad value), for the later stages to check what they can.
func parseLineJSON(b []byte, line int) (*record, []LineError) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, []LineError{{Line: line, Reason: "not a JSON object: " + jsonReason(err)}}
	}
	var typ string
	if err := json.Unmarshal(raw["type"], &typ); err != nil || typ == "" {
		return nil, []LineError{{Line: line, Field: "type", Reason: "missing or not a string"}}
	}
	kind, ok := store.ParseKind(typ)
	if !ok {
		return nil, []LineError{{Line: line, Field: "type", Reason: fmt.Sprintf("unknown type %q", typ)}}
	}
	rec := &record{line: line, kind: kind}
	var errs []LineError
	bad := func(f, reason string) { errs = append(errs, LineError{Line: line, Field: f, Reason: reason}) }
	var badKeyValue bool

	known := fieldsByName[kind]
	for name, v := range raw {
		if name == "type" || string(v) == "null" {
			continue
		}
		if name == "key" {
			if json.Unmarshal(v, &rec.key) != nil || !store.ValidKey(rec.key) {
				bad("key", "not a valid key (a slug such as \"adil-zaidi\", an ISO code such as \"MA-07\", or \"namespace:value\")")
				rec.key, badKeyValue = "", true
			}
			continue
		}
		fi, ok := known[name]
		if !ok {
			bad(name, fmt.Sprintf("unknown field for %s", typ))
			continue
		}
		f := &formats[kind][fi]
		rec.bad |= 1 << fi // cleared below when the value is good
		switch f.typ {
		case fString, fDate, fEnum:
			var s string
			if json.Unmarshal(v, &s) != nil {
				bad(name, "must be a string")
				continue
			}
			if reason := checkScalar(*f, s); reason != "" {
				bad(name, reason)
				continue
			}
			rec.vals = append(rec.vals, fval{f: f, i: fi, s: s})
		case fStrings:
			var ss []string
			if json.Unmarshal(v, &ss) != nil {
				bad(name, "must be a list of strings")
				continue
			}
			rec.vals = append(rec.vals, fval{f: f, i: fi, ss: ss})
		case fCitations:
			rec.bad &^= 1 << fi
			dec := json.NewDecoder(bytes.NewReader(v))
			dec.DisallowUnknownFields()
			if dec.Decode(&rec.citations) != nil {
				bad(name, "must be a list of {\"source\": KEY, \"excerpt\": TEXT}")
				rec.citations, rec.bad = nil, rec.bad|citesBit
				continue
			}
			for i, c := range rec.citations {
				if c.Source == "" {
					bad(fmt.Sprintf("%s[%d].source", name, i), "missing")
					rec.bad |= citesBit
				}
			}
			if rec.bad&citesBit != 0 { // keep the good ones, for the later stages
				rec.citations = slices.DeleteFunc(rec.citations, func(c citation) bool { return c.Source == "" })
			}
			continue
		case fRef:
			var s string
			if json.Unmarshal(v, &s) != nil || (s == "" && f.required) {
				bad(name, "must be the key or id of a record")
				continue
			}
			rec.vals = append(rec.vals, fval{f: f, i: fi, s: s}) // "" clears an optional reference
		case fRefs:
			var ss []string
			if json.Unmarshal(v, &ss) != nil || slices.Contains(ss, "") {
				bad(name, "must be a list of keys or ids")
				continue
			}
			rec.vals = append(rec.vals, fval{f: f, i: fi, ss: ss})
		}
		rec.bad &^= 1 << fi
	}
	if rec.key == "" && keyRequired(kind) && !badKeyValue {
		bad("key", "missing")
	}
	sortVals(rec)
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b LineError) int { return strings.Compare(a.Field, b.Field) })
		rec.bad |= badLine
		return rec, errs
	}
	return rec, nil
}

// sortVals puts a record's values in the order of its format (errors about them then come in a
// stable order).
func sortVals(r *record) {
	slices.SortFunc(r.vals, func(a, b fval) int { return a.i - b.i })
}

// checkScalar validates a string field; it returns the reason it is wrong, or "".
func checkScalar(f field, s string) string {
	if s == "" && !f.required {
		return "" // clears the field
	}
	switch f.typ {
	case fDate:
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return fmt.Sprintf("%q is not a calendar date YYYY-MM-DD", s)
		}
	case fEnum:
		if !slices.Contains(f.enum, s) {
			return fmt.Sprintf("%q is not one of %s", s, strings.Join(f.enum, ", "))
		}
	}
	if f.required && strings.TrimSpace(s) == "" {
		return "must not be empty"
	}
	return ""
}

func jsonReason(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "expected an object"
	}
	return "truncated or invalid JSON"
}
