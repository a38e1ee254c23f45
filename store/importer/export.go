package importer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"

	"github.com/kgql/kgql/store"
)

// exportOrder is the order of kinds in an export: sources first (everything cites them), then
// regions, organizations and people, the events that refer to them, and the records that join
// them. Within a kind, records come in creation order, so export → import into an empty store →
// export gives the same bytes.
var exportOrder = []store.Kind{
	store.KindSource, store.KindRegion, store.KindOrganization, store.KindPerson,
	store.KindEvent, store.KindPosition, store.KindParticipation, store.KindStatement,
}

// Export writes every record of s in the import format, one snapshot, deterministic order. It
// returns how many records it wrote.
func Export(s *store.Store, w io.Writer) (int, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	count := 0
	keys := map[store.ID]string{}
	err := s.Read(func(tx *store.Tx) error {
		keyOf := func(id store.ID) string {
			if k, ok := keys[id]; ok {
				return k
			}
			k := id.String()
			if n, err := tx.Get(id); err == nil && n.Key != "" {
				k = n.Key
			}
			if len(keys) > 1<<20 {
				clear(keys)
			}
			keys[id] = k
			return k
		}
		var line bytes.Buffer
		for _, kind := range exportOrder {
			err := tx.Scan(kind, func(n *store.Node) error {
				if n.Key != "" {
					keys[n.ID] = n.Key
				}
				line.Reset()
				writeRecord(&line, n, keyOf)
				count++
				_, err := bw.Write(line.Bytes())
				return err
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return count, err
	}
	return count, bw.Flush()
}

// writeRecord appends one NDJSON line: type, key, then the kind's fields in format order, empty
// fields omitted.
func writeRecord(b *bytes.Buffer, n *store.Node, keyOf func(store.ID) string) {
	b.WriteString(`{"type":`)
	writeJSON(b, n.Kind.String())
	if n.Key != "" {
		b.WriteString(`,"key":`)
		writeJSON(b, n.Key)
	}
	for _, f := range formats[n.Kind] {
		var v any
		switch f.typ {
		case fString, fDate, fEnum:
			if s := *f.str(n); s != "" {
				v = s
			}
		case fStrings:
			if len(n.Aliases) > 0 {
				v = n.Aliases
			}
		case fCitations:
			if len(n.Citations) > 0 {
				cs := make([]citation, len(n.Citations))
				for i, c := range n.Citations {
					cs[i] = citation{Source: keyOf(c.Source), Excerpt: c.Excerpt}
				}
				v = cs
			}
		case fRef:
			if id := n.Link(f.rel); !id.IsZero() {
				v = keyOf(id)
			}
		case fRefs:
			if ids := n.Links[f.rel]; len(ids) > 0 {
				ks := make([]string, len(ids))
				for i, id := range ids {
					ks[i] = keyOf(id)
				}
				v = ks
			}
		}
		if v == nil {
			continue
		}
		b.WriteString(`,"`)
		b.WriteString(f.name)
		b.WriteString(`":`)
		writeJSON(b, v)
	}
	b.WriteString("}\n")
}

// writeJSON appends v as compact JSON without HTML escaping.
func writeJSON(b *bytes.Buffer, v any) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	b.Truncate(b.Len() - 1) // Encode's newline
}
