package ledger

import "testing"

// SetReadChunk makes the walks over the ledger read n entries at a time
// until the test ends, so that small ledgers span several chunks.
func SetReadChunk(t testing.TB, n int) {
	old := readChunk
	readChunk = n
	t.Cleanup(func() { readChunk = old })
}

// FindEntries is findEntries, for tests that read through a queryer of
// their own.
var FindEntries = findEntries

// EachChunkOf is eachChunkOf, for tests that walk through Queriers of
// their own.
var EachChunkOf = eachChunkOf
