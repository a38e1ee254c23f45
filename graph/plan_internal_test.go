package graph

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// The plan writes String and ID fields itself (writeQuoted); it must write what gqlgen's
// marshaller writes, byte for byte, whatever the string: escapes, multi-byte runes, invalid UTF-8.
func TestWriteQuotedIsMarshalString(t *testing.T) {
	parts := []string{"a", `"`, `\`, "\t", "\r", "\n", "\x00", "\x1f", "\x7f", " ", "é", "’", "\u2028", "😀", "\xff", "\xe2\x80", "<&>", "/"}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 5000 {
		var s string
		for range rng.IntN(10) {
			s += parts[rng.IntN(len(parts))]
		}
		var got, want bytes.Buffer
		writeQuoted(&got, s)
		graphql.MarshalString(s).MarshalGQL(&want)
		if got.String() != want.String() {
			t.Fatalf("case %d, %q: %q, want %q", i, s, got.String(), want.String())
		}
	}
}

// Every String and ID field the field table answers directly has its text reader, so that the
// plan does not fall back to a marshaller for them (a table without them would still answer
// correctly, only slower: this keeps the generator honest).
func TestPlanTextFields(t *testing.T) {
	for _, name := range []string{"Organization.name", "Statement.text", "Source.title", "Position.title", "Person.id"} {
		if pf := planFields[name]; pf == nil || pf.text == nil {
			t.Errorf("%s: no text reader in the plan's field table", name)
		}
	}
	if pf := planFields["Organization.events"]; pf == nil || pf.text != nil {
		t.Errorf("Organization.events: a list field has no text reader")
	}
}
