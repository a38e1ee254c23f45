// Package store is kgql's knowledge graph on an embedded Badger v4 database. It is the only
// package that imports Badger.
//
// # Records
//
// Every fact is a record (Node) with an ID: a kind byte and a per-kind sequence number, written
// "per_1k" in public (ids.go). People, organizations, regions, events, statements and sources
// are records; so are positions and participations, the reified edges that carry a title, a role,
// dates and citations. A record keeps the relations it owns (Node.Links: a statement's speaker, a
// position's person and organization…) and its citations.
//
// # Key space
//
// Byte 0 of every key is a tag; IDs are 9 bytes (kind, then sequence big-endian, so byte order is
// kind then creation order); relations are one byte (relations.go); strings are terminated by 0x00.
// keys.go is the only file that builds or parses keys.
//
//	tag  key                          value           serves
//	m    name                         bytes           metadata: schema and fold versions
//	s    kind                         Badger sequence ID allocation per kind (leased in blocks)
//	e    id                           record          get by id; e+kind lists a kind in creation order
//	o    src rel dst                  empty           forward adjacency, key-only prefix scan
//	i    dst rel src                  empty, or ends  reverse adjacency, key-only prefix scan; the
//	                                                  in-key of a Position's or Participation's link
//	                                                  holds the records it joins (rel id pairs), so
//	                                                  that walks read a membership's other end there
//	c    id dir rel kind              uint64          degree per relation and neighbour kind, so
//	                                                  totalCount never scans; c kind 0… 2 0 kind
//	                                                  counts the records of a kind
//	n    fold(name) 0 id              empty           exact and prefix name lookup (names, aliases,
//	                                                  acronyms, source titles), accent/case folded
//	t    token 0 bound(2) id          folded names    word lookup: every word of a name, alias or
//	                                                  acronym (statement texts are in the full-text
//	                                                  index, store/textindex); the value holds the
//	                                                  record's folded names, 0-separated, so the
//	                                                  name search ranks without reading the record;
//	                                                  bound = length of its shortest name holding
//	                                                  the word: a word's best candidates come first
//	x    ns 0 key 0                   id              external keys (ns ""), and natural identities
//	                                                  of positions (ns "pos"), participations ("par")
//	                                                  and statements ("stm")
//
// Because a neighbour's ID starts with its kind, the adjacency of one record through one relation
// can be restricted to one kind by a longer prefix (o id rel kind), e.g. the statements among the
// records that point at an event.
//
// # Writes
//
// One logical write is one Badger transaction (Store.Update) over every key it implies: Tx.Put
// computes the keys a record implies (key index, identity, names, tokens, both directions of each
// edge, counts) before and after, and writes only the difference. Conflicting transactions are
// retried with jittered backoff, a bounded number of times, then ErrConflict.
//
// # Reads
//
// Each read method is one read transaction, counted by Calls; batch methods (GetMany, Adjacent,
// Degrees, LookupMany) let the GraphQL loaders answer a whole level of a query in one round trip.
// Iterators that only need keys do not prefetch values. Values are decoded (copied) before the
// transaction ends.
package store
