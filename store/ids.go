package store

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Kind is the kind of a record. Its byte value is part of every key that holds an ID, so the
// values below are frozen: append new kinds, never renumber.
type Kind byte

// The record kinds. Person … Source are the graph's nodes; Position and Participation are reified
// edges, stored as records so that they can carry a title, dates and citations.
const (
	KindPerson        Kind = 1
	KindOrganization  Kind = 2
	KindRegion        Kind = 3
	KindEvent         Kind = 4
	KindStatement     Kind = 5
	KindSource        Kind = 6
	KindPosition      Kind = 7
	KindParticipation Kind = 8
)

// Kinds lists every kind in key order.
var Kinds = []Kind{KindPerson, KindOrganization, KindRegion, KindEvent, KindStatement, KindSource, KindPosition, KindParticipation}

var kindNames = map[Kind]string{
	KindPerson: "Person", KindOrganization: "Organization", KindRegion: "Region", KindEvent: "Event",
	KindStatement: "Statement", KindSource: "Source", KindPosition: "Position", KindParticipation: "Participation",
}

// idPrefix is the short prefix of a kind in the textual form of an ID.
var idPrefix = map[Kind]string{
	KindPerson: "per", KindOrganization: "org", KindRegion: "reg", KindEvent: "evt",
	KindStatement: "stm", KindSource: "src", KindPosition: "pos", KindParticipation: "par",
}

// String returns the kind's GraphQL type name, e.g. "Person".
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { _, ok := kindNames[k]; return ok }

// IsEntity reports whether records of this kind have a name, aliases and a key of their own
// (Person, Organization, Region, Event).
func (k Kind) IsEntity() bool {
	return k == KindPerson || k == KindOrganization || k == KindRegion || k == KindEvent
}

// ParseKind returns the kind named by its GraphQL type name ("Person").
func ParseKind(name string) (Kind, bool) {
	for k, n := range kindNames {
		if n == name {
			return k, true
		}
	}
	return 0, false
}

// ID identifies a record: its kind and a sequence number allocated per kind. IDs are never reused.
// The zero ID is "no record".
type ID struct {
	Kind Kind
	Seq  uint64
}

// IsZero reports whether id is the zero ID.
func (id ID) IsZero() bool { return id.Seq == 0 }

// idLen is the length of an ID inside a key: kind byte, then the sequence as 8 bytes big-endian,
// so that byte order is kind order, then creation order.
const idLen = 9

func (id ID) appendTo(b []byte) []byte {
	b = append(b, byte(id.Kind))
	return binary.BigEndian.AppendUint64(b, id.Seq)
}

func idFrom(b []byte) ID {
	return ID{Kind: Kind(b[0]), Seq: binary.BigEndian.Uint64(b[1:idLen])}
}

// String returns the ID's public, opaque textual form: a kind prefix and the sequence in base 36,
// e.g. "per_1k". This and ParseID are the only places that know the form.
func (id ID) String() string {
	if id.IsZero() {
		return ""
	}
	return idPrefix[id.Kind] + "_" + strconv.FormatUint(id.Seq, 36)
}

// ParseID parses the textual form made by ID.String.
func ParseID(s string) (ID, error) {
	p, n, ok := strings.Cut(s, "_")
	if !ok {
		return ID{}, fmt.Errorf("%w: malformed id %q", ErrInvalid, s)
	}
	for k, pre := range idPrefix {
		if pre == p {
			seq, err := strconv.ParseUint(n, 36, 64)
			if err != nil || seq == 0 || strconv.FormatUint(seq, 36) != n {
				break
			}
			return ID{Kind: k, Seq: seq}, nil
		}
	}
	return ID{}, fmt.Errorf("%w: malformed id %q", ErrInvalid, s)
}

// Compare orders IDs as their keys do: by kind, then by sequence (creation order).
func (id ID) Compare(o ID) int {
	if id.Kind != o.Kind {
		return cmp.Compare(id.Kind, o.Kind)
	}
	return cmp.Compare(id.Seq, o.Seq)
}

// SortIDs sorts ids in key order and removes duplicates and zero IDs.
func SortIDs(ids []ID) []ID {
	ids = slices.DeleteFunc(ids, ID.IsZero)
	slices.SortFunc(ids, ID.Compare)
	return slices.Compact(ids)
}
