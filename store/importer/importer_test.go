package importer_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
)

func TestSeedImportsAndIsIdempotent(t *testing.T) {
	s := storetest.Open(t)
	res, err := importer.ImportBytes(s, seed.NDJSON, "seed")
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != res.Records || res.Records < 70 {
		t.Fatalf("first import: %+v", res)
	}
	again, err := importer.ImportBytes(s, seed.NDJSON, "seed")
	if err != nil {
		t.Fatal(err)
	}
	if again.Created != 0 || again.Updated != 0 || again.Unchanged != res.Records {
		t.Fatalf("second import changed something: %+v", again)
	}
	n, err := s.CountKind(store.KindPerson)
	if err != nil || n != 14 {
		t.Fatalf("people = %d, %v; want 14", n, err)
	}
}

func TestBadLineWritesNothing(t *testing.T) {
	cases := map[string]struct {
		line, want string
	}{
		"bad date":       {`{"type":"Person","key":"x-y","name":"X Y","citations":[{"source":"src-a"}],"aliases":["a"]}` + "\n" + `{"type":"Event","key":"ev","name":"E","startDate":"2021-02-30","citations":[{"source":"src-a"}]}`, `seed:3: startDate: "2021-02-30" is not a calendar date`},
		"dangling":       {`{"type":"Position","person":"nobody","organization":"org-a","title":"t","citations":[{"source":"src-a"}]}`, `seed:2: person: no record has key or id "nobody"`},
		"truncated json": {`{"type":"Person","key":"x-y","name":`, `seed:2: not a JSON object`},
		"unknown type":   {`{"type":"Planet","key":"mars"}`, `seed:2: type: unknown type "Planet"`},
		"wrong kind":     {`{"type":"Event","key":"ev","name":"E","location":"org-a","citations":[{"source":"src-a"}]}`, `seed:2: location: "org-a" is a Organization`},
		"missing cite":   {`{"type":"Person","key":"x-y","name":"X Y"}`, `seed:2: citations: a new Person must cite`},
		"bad key":        {`{"type":"Person","key":"Not A Slug","name":"X","citations":[{"source":"src-a"}]}`, `seed:2: key: not a valid key`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := storetest.Open(t)
			base := `{"type":"Source","key":"src-a","title":"A"}` + "\n" + `{"type":"Organization","key":"org-a","name":"Org A","kind":"OTHER","citations":[{"source":"src-a"}]}`
			if _, err := importer.ImportBytes(s, []byte(base), "base"); err != nil {
				t.Fatal(err)
			}
			before, _ := s.CountKind(store.KindPerson)
			_, err := importer.ImportBytes(s, []byte(`{"type":"Person","key":"first","name":"First","citations":[{"source":"src-a"}]}`+"\n"+c.line), "seed")
			if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v; want %q", err, c.want)
			}
			after, _ := s.CountKind(store.KindPerson)
			if after != before {
				t.Fatalf("people %d → %d: a rejected import wrote", before, after)
			}
		})
	}
}
