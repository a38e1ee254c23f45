package importer

import (
	"bufio"
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/kgql/kgql/store/gen"
	"github.com/kgql/kgql/store/seed"
)

// parseFast takes the usual lines and gives the record parseLineJSON gives; it leaves every odd
// or wrong line to parseLineJSON.
func TestParseFastAgreesWithJSON(t *testing.T) {
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Options{Seed: 3, People: 50}); err != nil {
		t.Fatal(err)
	}
	buf.Write(seed.NDJSON)
	usual := 0
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 || bytes.HasPrefix(b, []byte("//")) {
			continue
		}
		usual++
		fast := parseFast(b, 1)
		if fast == nil {
			t.Errorf("parseFast refused a usual line: %s", b)
			continue
		}
		slow, errs := parseLineJSON(b, 1)
		if len(errs) > 0 || !reflect.DeepEqual(fast, slow) {
			t.Errorf("%s:\nfast %+v\nslow %+v %v", b, fast, slow, errs)
		}
	}
	if usual < 300 {
		t.Fatalf("only %d lines", usual)
	}
	// Lines parseFast must leave to parseLineJSON (odd but valid, or wrong), and a few it takes.
	for _, c := range []struct {
		line string
		fast bool
	}{
		{`{"type":"Person","key":"a-b","name":"A\"B\u00e9","citations":[{"source":"s","excerpt":"x\\y"}]}`, true},
		{`{"type":"Person","key":"a-b","name":"A","aliases":[],"description":null,"citations":[{"excerpt":"e","source":"s"}]}`, true},
		{` { "type" : "Event" , "key":"e","name":"E","organizers":["o1","o2"],"startDate":"2021-06-14","citations":[{"source":"s"}] } `, true},
		{`{"type":"Person","key":"a-b","name":"bad ` + "\xff" + ` utf8","citations":[{"source":"s"}]}`, true},
		{`{"type":"Person","key":"a-b","Name":"A","citations":[{"source":"s"}]}`, false},
		{`{"type":"Person","key":"a-b","name":"A","name":"B","citations":[{"source":"s"}]}`, false},
		{`{"type":"Person","key":"a-b","name":"A","citations":[{"Source":"s"}]}`, false},
		{`{"type":"Person","key":"a-b","name":"A","citations":[{"source":"s","source":"t"}]}`, false},
		{`{"type":"Person","key":"a-b","name":"A","citations":[{"source":""}]}`, false},
		{`{"type":"Person","key":"a-b","name":"A","citations":[{"source":"s","excerpt":null}]}`, false},
		{`{"type":"Person","key":"a-b","name":"A","citations":[{"source":"s"}]} x`, false},
		{`{"type":"Person","key":"a-b","name":"A","citations":[{"source":"s"}],}`, false},
		{`{"type":"Person","key":"Not A Key","name":"A","citations":[{"source":"s"}]}`, false},
		{`{"type":"Person","name":"A","citations":[{"source":"s"}]}`, false},
		{`{"type":"Planet","key":"mars"}`, false},
		{`{"type":"Event","key":"e","name":"E","startDate":"2021-02-30","citations":[{"source":"s"}]}`, false},
		{`{"type":"Event","key":"e","name":"E","organizers":["o",""],"citations":[{"source":"s"}]}`, false},
		{`{"type":"Event","key":"e","name":"E","organizers":"o","citations":[{"source":"s"}]}`, false},
		{`{"type":"Person","key":"a-b","name":"A","aliases":[null],"citations":[{"source":"s"}]}`, false},
		{`{"type":"Person","key":"a-b","name":1,"citations":[{"source":"s"}]}`, false},
		{`{"type":"Person","key":"a-b","name":"` + "\t" + `","citations":[{"source":"s"}]}`, false},
		{`{"type":"Position","person":"p","organization":"","title":"t","citations":[{"source":"s"}]}`, false},
		{`{"type":"Person","ke\u0079":"a-b","name":"A","citations":[{"source":"s"}]}`, false},
		{`{}`, false},
		{`{"type":"Person","key":"a-b","name":"A","citations":[{"source":"s"}]`, false},
	} {
		b := []byte(strings.TrimSpace(c.line))
		fast := parseFast(b, 1)
		if (fast != nil) != c.fast {
			t.Errorf("parseFast took it: %v, want %v: %s", fast != nil, c.fast, c.line)
			continue
		}
		if fast != nil {
			slow, errs := parseLineJSON(b, 1)
			if len(errs) > 0 || !reflect.DeepEqual(fast, slow) {
				t.Errorf("%s:\nfast %+v\nslow %+v %v", b, fast, slow, errs)
			}
		}
	}
}
