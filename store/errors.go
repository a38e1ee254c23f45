package store

import "errors"

// Sentinel errors. The GraphQL layer maps them to extensions.code; wrap them with detail that is
// safe to show a client (keys, field names), never with internal state.
var (
	// ErrNotFound: no record has that id or key.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the input is malformed (bad id, key, date, enum, missing field, wrong kind).
	ErrInvalid = errors.New("invalid input")
	// ErrConflict: the write conflicts with the store's state or with concurrent writers.
	ErrConflict = errors.New("conflict")
	// ErrClosed: the store is closed.
	ErrClosed = errors.New("store closed")
)
