package ledger

import (
	"fundus"

	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// GenesisHash is the prev_hash of the first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// canonicalVersion opens the canonical bytes; a new layout gets a new one.
const canonicalVersion = "fundus-entry-v1"

// TimeLayout is how entry times appear in the canonical bytes and the API.
const TimeLayout = fundus.InstantLayout

// CanonicalBytes returns the bytes of e that its hash covers (see the
// package documentation).
func CanonicalBytes(e *Entry) []byte { return appendCanonical(nil, e) }

// appendCanonical appends CanonicalBytes(e) to b.
func appendCanonical(b []byte, e *Entry) []byte {
	line := func(k, v string) {
		b = append(b, k...)
		b = append(b, '=')
		b = append(b, v...)
		b = append(b, '\n')
	}
	b = append(b, canonicalVersion+"\n"...)
	b = append(b, "seq="...)
	b = strconv.AppendInt(b, e.Seq, 10)
	b = append(b, '\n')
	line("id", e.ID)
	b = append(b, "time="...)
	b = fundus.AppendInstant(b, e.Time)
	b = append(b, '\n')
	var day [len("2006-01-02")]byte
	if string(fundus.AppendDay(day[:0], e.Time)) != e.Date {
		line("date", e.Date)
	}
	line("kind", e.Kind)
	line("memo", e.Memo)
	b = append(b, "ref="...)
	if e.Ref != nil {
		b = append(b, e.Ref.Type...)
		b = append(b, ':')
		b = append(b, e.Ref.ID...)
	}
	b = append(b, '\n')
	line("actor", e.Actor)
	line("reverses", e.Reverses)
	for _, p := range e.Postings {
		b = append(b, "posting="...)
		b = append(b, p.Account...)
		b = append(b, ' ')
		b = append(b, p.Amount.Currency.Code...)
		b = append(b, ' ')
		b = fundus.AppendMinor(b, p.Amount.Minor, p.Amount.Unit())
		b = append(b, '\n')
	}
	return b
}

// Hash returns the hash of e given the hash before it.
func Hash(prevHash string, e *Entry) string {
	var h entryHasher
	return string(h.hashBytes(prevHash, e))
}

// entryHasher hashes entries one after another in the same memory.
type entryHasher struct {
	buf []byte
	sum [sha256.Size]byte
	hex [2 * sha256.Size]byte
}

// hashBytes returns Hash(prevHash, e) in h's memory, valid until its next
// call.
func (h *entryHasher) hashBytes(prevHash string, e *Entry) []byte {
	h.buf = appendCanonical(append(h.buf[:0], prevHash...), e)
	h.sum = sha256.Sum256(h.buf)
	hex.Encode(h.hex[:], h.sum[:])
	return h.hex[:]
}

// entryTime brings t to what an entry stores: UTC, microseconds.
func entryTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
