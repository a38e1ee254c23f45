package graph

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
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
