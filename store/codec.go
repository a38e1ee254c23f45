package store

import (
	"encoding/json"
	"fmt"
)

// codecVersion is the first byte of every record value, so the encoding can change without a
// migration of old values being ambiguous.
const codecVersion byte = 1

// encodeNode serializes a record (version byte, then JSON with short field names).
func encodeNode(n *Node) ([]byte, error) {
	b, err := json.Marshal(n)
	if err != nil {
		return nil, err
	}
	return append([]byte{codecVersion}, b...), nil
}

// decodeNode parses a record value; the returned Node owns its memory (the value may be a Badger
// buffer that is reused after the transaction).
func decodeNode(id ID, v []byte) (*Node, error) {
	if len(v) == 0 || v[0] != codecVersion {
		return nil, fmt.Errorf("record %s: unknown codec version", id)
	}
	n := &Node{ID: id, Kind: id.Kind}
	if err := json.Unmarshal(v[1:], n); err != nil {
		return nil, fmt.Errorf("record %s: %w", id, err)
	}
	return n, nil
}
