package importer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
}

func (e LineError) Error() string {
	loc := fmt.Sprintf("%s:%d", e.File, e.Line)
	if e.Field != "" {
		return loc + ": " + e.Field + ": " + e.Reason
	}
	return loc + ": " + e.Reason
}

// Errors is the list of problems that made an import write nothing. It wraps store.ErrInvalid.
type Errors []LineError

// MaxErrors caps how many problems one import reports.
const MaxErrors = 50

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
	// idNS and ident: the natural identity of the record this line creates on its own
	// (lineIdentity), set by resolve for a new record of a kind with one; the bulk load reuses it.
	idNS, ident string
}

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
// Blank lines and lines starting with "//" are skipped. It returns every record, or Errors.
func Parse(r io.Reader, name string) ([]*record, error) {
	var recs []*record
	var errs Errors
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 || bytes.HasPrefix(b, []byte("//")) {
			continue
		}
		rec, lerrs := parseLine(b, line)
		for _, e := range lerrs {
			e.File = name
			errs = append(errs, e)
		}
		if len(errs) >= MaxErrors {
			return nil, errs[:MaxErrors]
		}
		if rec != nil {
			recs = append(recs, rec)
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, LineError{File: name, Line: line + 1, Reason: "unreadable: " + scanReason(err)})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return recs, nil
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
// says what is wrong with a line.
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

	known := fieldsByName[kind]
	for name, v := range raw {
		if name == "type" || string(v) == "null" {
			continue
		}
		if name == "key" {
			if json.Unmarshal(v, &rec.key) != nil || !store.ValidKey(rec.key) {
				bad("key", "not a valid key (a slug such as \"adil-zaidi\", an ISO code such as \"MA-07\", or \"namespace:value\")")
			}
			continue
		}
		fi, ok := known[name]
		if !ok {
			bad(name, fmt.Sprintf("unknown field for %s", typ))
			continue
		}
		f := &formats[kind][fi]
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
			dec := json.NewDecoder(bytes.NewReader(v))
			dec.DisallowUnknownFields()
			if dec.Decode(&rec.citations) != nil {
				bad(name, "must be a list of {\"source\": KEY, \"excerpt\": TEXT}")
				continue
			}
			for i, c := range rec.citations {
				if c.Source == "" {
					bad(fmt.Sprintf("%s[%d].source", name, i), "missing")
				}
			}
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
	}
	if rec.key == "" && keyRequired(kind) {
		bad("key", "missing")
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b LineError) int { return strings.Compare(a.Field, b.Field) })
		return nil, errs
	}
	sortVals(rec)
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
