package store_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kgql/kgql/store"
)

func TestIDStringRoundTrip(t *testing.T) {
	prefixes := map[store.Kind]string{
		store.KindPerson: "per", store.KindOrganization: "org", store.KindRegion: "reg", store.KindEvent: "evt",
		store.KindStatement: "stm", store.KindSource: "src", store.KindPosition: "pos", store.KindParticipation: "par",
	}
	seqs := []struct {
		seq  uint64
		text string
	}{
		{1, "1"}, {35, "z"}, {36, "10"}, {1295, "zz"}, {1296, "100"},
		{1 << 63, "1y2p0ij32e8e8"}, {1<<64 - 1, "3w5e11264sgsf"},
	}
	if len(prefixes) != len(store.Kinds) {
		t.Fatalf("test knows %d kinds, store has %d", len(prefixes), len(store.Kinds))
	}
	for _, k := range store.Kinds {
		for _, c := range seqs {
			id := store.ID{Kind: k, Seq: c.seq}
			want := prefixes[k] + "_" + c.text
			if got := id.String(); got != want {
				t.Errorf("%#v.String() = %q, want %q", id, got, want)
			}
			got, err := store.ParseID(want)
			if err != nil || got != id {
				t.Errorf("ParseID(%q) = %#v, %v; want %#v", want, got, err, id)
			}
		}
	}
	if got := (store.ID{}).String(); got != "" {
		t.Errorf("zero ID String() = %q, want \"\"", got)
	}
}

func TestParseIDRejects(t *testing.T) {
	for _, s := range []string{
		"", "_", "per", "per_", "per_0", "per_00", "xyz_1", "per_01", "per_-1", "per_+1", "PER_1", "per_Z",
		"per_1 ", " per_1", "per__1", "per_1_", "per_1.5", "per_3w5e11264sgsg", "_1", "per-1",
	} {
		id, err := store.ParseID(s)
		if err == nil {
			t.Errorf("ParseID(%q) = %#v, want an error", s, id)
			continue
		}
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("ParseID(%q) error %v does not wrap ErrInvalid", s, err)
		}
		if !id.IsZero() {
			t.Errorf("ParseID(%q) returned a non-zero ID %#v with its error", s, id)
		}
	}
}

func TestKindNames(t *testing.T) {
	names := []string{"Person", "Organization", "Region", "Event", "Statement", "Source", "Position", "Participation"}
	for i, k := range store.Kinds {
		if int(k) != i+1 {
			t.Errorf("Kinds[%d] = %d, want %d", i, k, i+1)
		}
		if k.String() != names[i] {
			t.Errorf("Kind(%d).String() = %q, want %q", k, k.String(), names[i])
		}
		if got, ok := store.ParseKind(names[i]); !ok || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", names[i], got, ok)
		}
		if !k.Valid() {
			t.Errorf("%v not Valid", k)
		}
		if want := i < 4; k.IsEntity() != want {
			t.Errorf("%v.IsEntity() = %v, want %v", k, k.IsEntity(), want)
		}
	}
	for _, bad := range []string{"", "person", "Planet"} {
		if k, ok := store.ParseKind(bad); ok {
			t.Errorf("ParseKind(%q) = %v, true", bad, k)
		}
	}
	if store.Kind(0).Valid() || store.Kind(9).Valid() {
		t.Error("kinds 0 and 9 are Valid")
	}
}

func TestRelations(t *testing.T) {
	for i, ri := range store.Relations {
		if int(ri.Rel) != i+1 || ri.Rel.Info().Rel != ri.Rel {
			t.Errorf("Relations[%d] = %v", i, ri.Rel)
		}
		if ri.Rel.String() != ri.Field {
			t.Errorf("%d.String() = %q, want %q", ri.Rel, ri.Rel.String(), ri.Field)
		}
	}
	cases := []struct {
		rel      store.Rel
		from, to store.Kind
		want     bool
	}{
		{store.RelParent, store.KindOrganization, store.KindOrganization, true},
		{store.RelParent, store.KindRegion, store.KindRegion, true},
		{store.RelParent, store.KindOrganization, store.KindPerson, false},
		{store.RelParent, store.KindRegion, store.KindOrganization, false},
		{store.RelSpeaker, store.KindStatement, store.KindPerson, true},
		{store.RelSpeaker, store.KindStatement, store.KindOrganization, true},
		{store.RelSpeaker, store.KindStatement, store.KindRegion, false},
		{store.RelAbout, store.KindStatement, store.KindEvent, true},
		{store.RelAbout, store.KindStatement, store.KindSource, false},
		{store.RelCites, store.KindPerson, store.KindSource, true},
		{store.RelCites, store.KindPerson, store.KindOrganization, false},
		{store.RelRegion, store.KindPosition, store.KindRegion, true},
	}
	for _, c := range cases {
		if got := c.rel.Accepts(c.from, c.to); got != c.want {
			t.Errorf("%v.Accepts(%v, %v) = %v, want %v", c.rel, c.from, c.to, got, c.want)
		}
	}
	var fields []string
	for _, ri := range store.RelationsOf(store.KindPosition) {
		fields = append(fields, ri.Field)
	}
	if got := strings.Join(fields, " "); got != "person organization region" {
		t.Errorf("RelationsOf(Position) = %s", got)
	}
}
