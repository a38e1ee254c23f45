// Package seed holds kgql's built-in dataset: the facts of L'opinion's article of 17 June 2021 on
// ASMEX's first Conseil des Régions, in the NDJSON import format (see README "Import format").
package seed

import _ "embed"

// NDJSON is the built-in dataset, loaded on first start through the importer.
//
//go:embed asmex.ndjson
var NDJSON []byte
