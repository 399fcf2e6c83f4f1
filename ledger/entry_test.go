package ledger

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"fundus"
)

func TestEntryJSONTimeHasSixDigits(t *testing.T) {
	e := &Entry{ID: "x", Time: time.Date(2026, 11, 25, 13, 5, 14, 689990000, time.UTC), Postings: []Posting{}}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"time":"2026-11-25T13:05:14.689990Z"`) || strings.Count(string(b), `"time"`) != 1 {
		t.Fatalf("JSON %s", b)
	}
	if !strings.Contains(string(CanonicalBytes(e)), "\ntime=2026-11-25T13:05:14.689990Z\n") {
		t.Fatalf("canonical %q", CanonicalBytes(e))
	}
}

// The worked example of docs/accounting.md, which an auditor recomputes
// with printf and sha256sum: the canonical bytes and the hash stay these.
func TestHashOfTheDocumentedEntry(t *testing.T) {
	e := &Entry{Seq: 1, ID: "4b00108b-3ee0-4464-b5ba-2a901fac178b",
		Time: time.Date(2026, 11, 25, 13, 5, 14, 689997000, time.UTC), Date: "2026-11-25",
		Kind: "manual", Memo: "Opening balance", Actor: "5d349c50-7ca3-4b03-97ff-8adf224ed598",
		Postings: []Posting{
			{Account: "assets:bank", Amount: fundus.EURCents(150000), Currency: "EUR"},
			{Account: "equity:opening-balance", Amount: fundus.EURCents(-150000), Currency: "EUR"},
		}}
	const canonical = "fundus-entry-v1\nseq=1\nid=4b00108b-3ee0-4464-b5ba-2a901fac178b\ntime=2026-11-25T13:05:14.689997Z\nkind=manual\nmemo=Opening balance\nref=\nactor=5d349c50-7ca3-4b03-97ff-8adf224ed598\nreverses=\nposting=assets:bank EUR 1500.00\nposting=equity:opening-balance EUR -1500.00\n"
	if got := string(CanonicalBytes(e)); got != canonical {
		t.Fatalf("canonical bytes\n%q\nwant\n%q", got, canonical)
	}
	const want = "d8aff2ed43cd942719eaffbb2ea5e69f58e1434959dc8c4872eba32dffb4e9ca"
	if got := Hash(GenesisHash, e); got != want {
		t.Fatalf("hash %s, want %s", got, want)
	}
	var h entryHasher
	for range 2 { // the hasher's memory, used again, gives the same
		if got := string(h.hashBytes(GenesisHash, e)); got != want {
			t.Fatalf("entryHasher: %s, want %s", got, want)
		}
	}
	e.Date = "2026-11-24" // a date that is not the time's day is in the bytes
	if got := string(CanonicalBytes(e)); !strings.Contains(got, "\ndate=2026-11-24\n") {
		t.Fatalf("canonical bytes with another date: %q", got)
	}
}

// A repeat of a request answered with an entry reads the entry back and
// answers with its JSON again (Entry.StoredRef): within the 72 hours keys
// are kept, an upgrade must not change these bytes. A new shape needs a new
// entryRefKind, and then this test's new bytes.
func TestEntryJSONShape(t *testing.T) {
	if entryRefKind != "ledger.entry" {
		t.Fatalf("entryRefKind %q: pin the JSON of the new kind here", entryRefKind)
	}
	e := &Entry{ID: "4b00108b-3ee0-4464-b5ba-2a901fac178b", Seq: 7,
		Time: time.Date(2026, 11, 25, 13, 5, 14, 689997000, time.UTC), Date: "2026-11-25",
		Kind: "refund", Memo: `Rückzahlung "A&B" <x>`, Ref: &Ref{Type: "donation", ID: "d-1"}, Actor: "u-1",
		Postings: []Posting{
			{Account: Donations, Amount: fundus.EURCents(1250), Currency: "EUR"},
			{Account: Bank, Amount: fundus.EURCents(-1250), Currency: "EUR"},
		},
		Reverses: "r-1", PrevHash: GenesisHash, Hash: "ab"}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"4b00108b-3ee0-4464-b5ba-2a901fac178b","seq":7,"date":"2026-11-25","kind":"refund",` +
		`"memo":"Rückzahlung \"A\u0026B\" \u003cx\u003e","ref":{"type":"donation","id":"d-1"},"actor":"u-1",` +
		`"postings":[{"account":"income:donations","amount":"12.50","currency":"EUR"},{"account":"assets:bank","amount":"-12.50","currency":"EUR"}],` +
		`"reverses":"r-1","prev_hash":"` + GenesisHash + `","hash":"ab","time":"2026-11-25T13:05:14.689997Z"}`
	if string(b) != want {
		t.Fatalf("JSON of an entry\n got %s\nwant %s", b, want)
	}
}

// BenchmarkEntryHash is verification's work per entry after reading it: the
// canonical bytes and their SHA-256.
//
//	go test ./ledger -run '^$' -bench EntryHash -count 10
func BenchmarkEntryHash(b *testing.B) {
	e := &Entry{Seq: 1234567, ID: "01a23372-afc5-78c4-a12e-545a5984cfbe",
		Time: time.Date(2026, 11, 25, 13, 5, 14, 689997000, time.UTC), Date: "2026-11-25",
		Kind: "manual", Memo: "bench 55057", Actor: "01a23372-162a-7acd-8622-ce509e883587",
		Postings: []Posting{
			{Account: Clearing, Amount: fundus.EURCents(100), Currency: "EUR"},
			{Account: Interest, Amount: fundus.EURCents(-100), Currency: "EUR"},
		}}
	var h entryHasher
	for b.Loop() {
		h.hashBytes(GenesisHash, e)
	}
}
