package graph

import (
	"strings"
	"testing"

	"github.com/kgql/kgql/store"
)

// FuzzDecodeCursor checks the cursors of the Relay lists (encodeCursor, decodeCursor, pageArgs):
//
//   - an arbitrary string never panics decodeCursor or pageArgs, and is either refused with
//     store.ErrInvalid or decodes to a non-zero ID of a real kind;
//   - a cursor that decodes is canonical: it re-encodes to itself, so that one position of a list
//     has one cursor;
//   - for a generated valid ID (kind, seq), encode → decode gives the ID back, and pageArgs takes
//     the cursor for that kind's lists and refuses it for the others.
func FuzzDecodeCursor(f *testing.F) {
	f.Add("", uint8(store.KindPerson), uint64(1))
	f.Add(encodeCursor(store.ID{Kind: store.KindPerson, Seq: 56}), uint8(store.KindOrganization), uint64(36))
	f.Add(encodeCursor(store.ID{Kind: store.KindParticipation, Seq: 1<<64 - 1}), uint8(0), uint64(0))
	f.Add("YzE6cGVyXzFr", uint8(200), uint64(1))
	f.Add("YzE6cGVyXzFs", uint8(store.KindEvent), uint64(1<<36))
	f.Add("YzE6cGVyXzFr\n", uint8(store.KindStatement), uint64(7))
	f.Add("YzE6cGVyXzA", uint8(store.KindSource), uint64(0))
	f.Fuzz(func(t *testing.T, c string, kind uint8, seq uint64) {
		id, err := decodeCursor(c)
		if err != nil {
			if !strings.Contains(err.Error(), "is not a cursor") {
				t.Fatalf("decodeCursor(%q): %v", c, err)
			}
		} else {
			if id.IsZero() || !id.Kind.Valid() {
				t.Fatalf("decodeCursor(%q) = %+v", c, id)
			}
			if again := encodeCursor(id); again != c {
				t.Fatalf("decodeCursor(%q) = %v, which encodes to %q", c, id, again)
			}
		}
		first := 1
		if _, a, err := pageArgs(&first, &c, store.Kind(kind)); err == nil && (a != id || (kind != 0 && a.Kind != store.Kind(kind))) {
			t.Fatalf("pageArgs(%q, %d) = %v, decodeCursor %v", c, kind, a, id)
		}

		gen := store.ID{Kind: store.Kind(kind), Seq: seq}
		if !gen.Kind.Valid() || gen.IsZero() {
			return
		}
		enc := encodeCursor(gen)
		back, err := decodeCursor(enc)
		if err != nil || back != gen {
			t.Fatalf("encodeCursor(%+v) = %q, which decodes to %+v, %v", gen, enc, back, err)
		}
		for _, k := range store.Kinds {
			_, a, err := pageArgs(&first, &enc, k)
			if (err == nil) != (k == gen.Kind) || (err == nil && a != gen) {
				t.Fatalf("pageArgs(%q) for a %s list: %v, %v", enc, k, a, err)
			}
		}
	})
}
