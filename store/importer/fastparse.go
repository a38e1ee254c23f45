package importer

import (
	"encoding/json"
	"slices"
	"unicode/utf8"

	"github.com/kgql/kgql/store"
)

// parseFast parses a line of the usual shape without reflection: one flat JSON object whose
// values are strings, lists of strings, lists of {"source", "excerpt"} objects, or null, with no
// name given twice, every field known and valid. It returns nil for any other line, valid or not:
// parseLine then parses it and says what, if anything, is wrong. A record parseFast returns is
// the one parseLine would return.
func parseFast(b []byte, line int) *record {
	p := jscan{b: b}
	type pair struct {
		name []byte
		v    jvalue
	}
	var pairs [24]pair
	n := 0
	if !p.byte('{') {
		return nil
	}
	if p.peek() == '}' {
		return nil
	}
	for {
		if n == len(pairs) || p.peek() != '"' {
			return nil
		}
		name, ok := p.rawName()
		if !ok || !p.byte(':') {
			return nil
		}
		v, ok := p.value()
		if !ok {
			return nil
		}
		for _, q := range pairs[:n] {
			if string(q.name) == string(name) {
				return nil // the last one wins in parseLine: let it decide
			}
		}
		pairs[n] = pair{name, v}
		n++
		if p.byte(',') {
			continue
		}
		if p.byte('}') && p.end() {
			break
		}
		return nil
	}

	var kind store.Kind
	for _, q := range pairs[:n] {
		if string(q.name) == "type" {
			if q.v.t != jString || q.v.s == "" {
				return nil
			}
			k, ok := store.ParseKind(q.v.s)
			if !ok {
				return nil
			}
			kind = k
		}
	}
	if kind == 0 {
		return nil
	}
	rec := &record{line: line, kind: kind, vals: make([]fval, 0, n)}
	known := fieldsByName[kind]
	for _, q := range pairs[:n] {
		if q.v.t == jNull || string(q.name) == "type" {
			continue
		}
		if string(q.name) == "key" {
			if q.v.t != jString || !store.ValidKey(q.v.s) {
				return nil
			}
			rec.key = q.v.s
			continue
		}
		fi, ok := known[string(q.name)]
		if !ok {
			return nil
		}
		f := &formats[kind][fi]
		switch f.typ {
		case fString, fDate, fEnum:
			if q.v.t != jString || checkScalar(*f, q.v.s) != "" {
				return nil
			}
			rec.vals = append(rec.vals, fval{f: f, i: fi, s: q.v.s})
		case fStrings:
			if q.v.t != jStrings && q.v.t != jEmpty {
				return nil
			}
			rec.vals = append(rec.vals, fval{f: f, i: fi, ss: q.v.ss})
		case fCitations:
			if q.v.t != jCitations && q.v.t != jEmpty {
				return nil
			}
			for _, c := range q.v.cs {
				if c.Source == "" {
					return nil
				}
			}
			rec.citations = q.v.cs
		case fRef:
			if q.v.t != jString || (q.v.s == "" && f.required) {
				return nil
			}
			rec.vals = append(rec.vals, fval{f: f, i: fi, s: q.v.s})
		case fRefs:
			if (q.v.t != jStrings && q.v.t != jEmpty) || slices.Contains(q.v.ss, "") {
				return nil
			}
			rec.vals = append(rec.vals, fval{f: f, i: fi, ss: q.v.ss})
		}
	}
	if rec.key == "" && keyRequired(kind) {
		return nil
	}
	sortVals(rec)
	return rec
}

// Types of jvalue.
const (
	jNull = iota + 1
	jString
	jStrings   // a non-empty list of strings
	jCitations // a non-empty list of {"source", "excerpt"}
	jEmpty     // []
)

type jvalue struct {
	t  int
	s  string
	ss []string
	cs []citation
}

// jscan reads the JSON parseFast accepts.
type jscan struct {
	b []byte
	i int
}

func (p *jscan) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space (0 at the end).
func (p *jscan) peek() byte {
	p.ws()
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// byte consumes c if it comes next (after white space).
func (p *jscan) byte(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

func (p *jscan) end() bool { p.ws(); return p.i == len(p.b) }

// rawName reads a string without escapes and returns its bytes.
func (p *jscan) rawName() ([]byte, bool) {
	if p.peek() != '"' {
		return nil, false
	}
	start := p.i + 1
	for i := start; i < len(p.b); i++ {
		switch c := p.b[i]; {
		case c == '"':
			p.i = i + 1
			return p.b[start:i], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// str reads a string. Escapes and invalid UTF-8 are decoded by encoding/json, as parseLine does.
func (p *jscan) str() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	start := p.i
	escaped := false
	for i := start; i < len(p.b); i++ {
		switch c := p.b[i]; {
		case c == '"':
			p.i = i + 1
			raw := p.b[start:i]
			if !escaped && utf8.Valid(raw) {
				return string(raw), true
			}
			var s string
			if json.Unmarshal(p.b[start-1:i+1], &s) != nil {
				return "", false
			}
			return s, true
		case c == '\\':
			escaped = true
			i++ // the escaped byte (a quote does not end the string)
		case c < 0x20:
			return "", false
		}
	}
	return "", false
}

func (p *jscan) value() (jvalue, bool) {
	switch p.peek() {
	case '"':
		s, ok := p.str()
		return jvalue{t: jString, s: s}, ok
	case 'n':
		if len(p.b)-p.i >= 4 && string(p.b[p.i:p.i+4]) == "null" {
			p.i += 4
			return jvalue{t: jNull}, true
		}
	case '[':
		p.i++
		if p.byte(']') { // empty but not nil, as encoding/json decodes []
			return jvalue{t: jEmpty, ss: []string{}, cs: []citation{}}, true
		}
		if p.peek() == '{' {
			var cs []citation
			for {
				c, ok := p.citation()
				if !ok {
					return jvalue{}, false
				}
				cs = append(cs, c)
				if p.byte(',') {
					continue
				}
				return jvalue{t: jCitations, cs: cs}, p.byte(']')
			}
		}
		var ss []string
		for {
			s, ok := p.str()
			if !ok {
				return jvalue{}, false
			}
			ss = append(ss, s)
			if p.byte(',') {
				continue
			}
			return jvalue{t: jStrings, ss: ss}, p.byte(']')
		}
	}
	return jvalue{}, false
}

// citation reads {"source": S, "excerpt": S} (either may be missing, neither given twice).
func (p *jscan) citation() (citation, bool) {
	var c citation
	if !p.byte('{') || p.peek() == '}' {
		return c, false
	}
	var seenS, seenX bool
	for {
		name, ok := p.rawName()
		if !ok || !p.byte(':') {
			return c, false
		}
		v, ok := p.str()
		if !ok {
			return c, false
		}
		switch {
		case string(name) == "source" && !seenS:
			c.Source, seenS = v, true
		case string(name) == "excerpt" && !seenX:
			c.Excerpt, seenX = v, true
		default:
			return c, false
		}
		if p.byte(',') {
			continue
		}
		return c, p.byte('}')
	}
}
