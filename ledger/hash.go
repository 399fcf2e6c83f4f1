package ledger

import (
	"fundus"

	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// GenesisHash is the prev_hash of the first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// canonicalVersion opens the canonical bytes; a new layout gets a new one.
const canonicalVersion = "fundus-entry-v1"

// TimeLayout is how entry times appear in the canonical bytes and the API.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// CanonicalBytes returns the bytes of e that its hash covers (see the
// package documentation).
func CanonicalBytes(e *Entry) []byte {
	var b strings.Builder
	line := func(k, v string) {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	b.WriteString(canonicalVersion + "\n")
	line("seq", strconv.FormatInt(e.Seq, 10))
	line("id", e.ID)
	line("time", e.Time.UTC().Format(TimeLayout))
	if e.Date != fundus.DayOf(e.Time) {
		line("date", e.Date)
	}
	line("kind", e.Kind)
	line("memo", e.Memo)
	ref := ""
	if e.Ref != nil {
		ref = e.Ref.Type + ":" + e.Ref.ID
	}
	line("ref", ref)
	line("actor", e.Actor)
	line("reverses", e.Reverses)
	for _, p := range e.Postings {
		line("posting", p.Account+" "+p.Amount.Currency.Code+" "+p.Amount.String())
	}
	return []byte(b.String())
}

// Hash returns the hash of e given the hash before it.
func Hash(prevHash string, e *Entry) string {
	h := sha256.New()
	h.Write([]byte(prevHash))
	h.Write(CanonicalBytes(e))
	return hex.EncodeToString(h.Sum(nil))
}

// entryTime brings t to what an entry stores: UTC, microseconds.
func entryTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
