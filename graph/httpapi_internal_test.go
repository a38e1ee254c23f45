package graph

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The response encoder writes what json.Marshal writes, byte for byte: keys, their order, what
// is left out, and the HTML escaping of strings inside the data (<, >, &, U+2028, U+2029).
func TestWireEncodeIsMarshal(t *testing.T) {
	yes := true
	cases := []*wireResponse{
		{},
		{Data: json.RawMessage(`{"a":1}`)},
		{Data: json.RawMessage(`null`)},
		{Data: json.RawMessage(`{"t":"<b>&amp; \u2028 \u2029 é \u003c"}`)},
		{Data: json.RawMessage("{\"t\":\"line\u2028sep\"}")},
		{Data: json.RawMessage("{\"t\":\"para\u2029sep\"}")},
		{Data: json.RawMessage("{\"t\":\"l\u2019export \u2013 \u00ab vert \u00bb\"}")}, // 0xE2 lead bytes, not escaped
		{Data: json.RawMessage(`{"t":"only > here"}`)},
		{Data: json.RawMessage(`{"t":"é ç à ü"}`)},
		{Errors: gqlerror.List{{Message: "boom <x>", Path: ast.Path{ast.PathName("a"), ast.PathIndex(2)},
			Extensions: map[string]any{"code": "BAD_USER_INPUT"}}}, Data: json.RawMessage(`{"a":null}`)},
		{Errors: gqlerror.List{{Message: "request error"}}},
		{Data: json.RawMessage(`{}`), Label: "l", Path: ast.Path{ast.PathName("x")}, HasNext: &yes,
			Extensions: map[string]any{"z": 1, "a": []string{"&"}}},
	}
	for i, r := range cases {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.encode()
		if err != nil || string(got) != string(want) {
			t.Errorf("case %d: encode %s (%v), json.Marshal %s", i, got, err, want)
		}
	}
	want, _ := json.Marshal(cases)
	if got, err := encodeResponses(cases); err != nil || string(got) != string(want) {
		t.Errorf("batch: %s, want %s", got, want)
	}
}

// appendHTMLEscaped escapes as json.HTMLEscape does, over random mixes of the bytes it looks
// at, other runes that start with 0xE2, and cut sequences at the end.
func TestAppendHTMLEscapedIsHTMLEscape(t *testing.T) {
	parts := []string{"a", "<", ">", "&", "\u2028", "\u2029", "\u2019", "\u2013", "\u202f", "é", `\"`, "\xe2", "\xe2\x80", "\xe2\x80\xa8"[:2] + "x"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		var src []byte
		for range rng.IntN(12) {
			src = append(src, parts[rng.IntN(len(parts))]...)
		}
		var want bytes.Buffer
		json.HTMLEscape(&want, src)
		if got := appendHTMLEscaped([]byte("prefix"), src); string(got) != "prefix"+want.String() {
			t.Fatalf("case %d, %q: %q, want %q", i, src, got[6:], want.String())
		}
	}
}

// decodeParams reads a request in one pass when it can (fastParams); whatever the body, it must
// answer exactly what encoding/json's reading (slowParams) answers: the same params, the same
// message.
func FuzzDecodeParams(f *testing.F) {
	for _, s := range []string{
		`{"query":"{ a }"}`,
		` { "query" : "query Q($k: String!) {\n  person(key: $k) { name }\n}\t" , "operationName":"Q", "variables":{"k":"x","n":1.50,"o":{"a":[1,{"b":"}"}]}}, "extensions":{"persistedQuery":{"version":1,"sha256Hash":"ab"}}} `,
		`{"query":"\u00e9 \ud83d\ude00"}`, `{"query":"caf\u00e9","query":"x"}`, `{"query":null}`, `{}`, `{"variables":{}}`,
		`{"query":"a","variables":null}`, `{"query":"a","variables":[1]}`, `{"query":"a","variables":{"a":}}`,
		`{"query":"a"} x`, `{"query":"a",}`, `{"query":"\x"}`, "{\"query\":\"\xff\"}", "{\"query\":\"a\nb\"}",
		`{"query":"\"\\\/\b\f\n\r\t"}`, `{"query":1}`, `{"other":1,"query":"a"}`, `[]`, `"x"`, `{"query":"a","variables":{"x":"\u2028"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		gotP, gotMsg := decodeParams(b)
		wantP, wantMsg := slowParams(b)
		if gotMsg != wantMsg || !reflect.DeepEqual(gotP, wantP) {
			t.Fatalf("%q:\ndecodeParams %#v %q\nslowParams   %#v %q", b, gotP, gotMsg, wantP, wantMsg)
		}
	})
}

// The one-pass reading takes the requests clients send (the harness's bodies among them): a
// fuzz target that only ever fell back to encoding/json would compare nothing.
func TestFastParamsTakesCommonRequests(t *testing.T) {
	q, _ := json.Marshal(map[string]any{"query": ExampleQuery})
	for _, b := range [][]byte{q,
		[]byte(`{"query":"query($k: String!) { person(key: $k) { name } }","variables":{"k":"adil-zaidi"}}`),
		[]byte(`{"query":"{ __typename }","operationName":"","variables":{"a":[1,2]},"extensions":{}}`),
	} {
		p, ok := fastParams(b)
		want, _ := slowParams(b)
		if !ok || !reflect.DeepEqual(p, want) {
			t.Errorf("%s: fastParams %v %#v, want %#v", b, ok, p, want)
		}
	}
}
