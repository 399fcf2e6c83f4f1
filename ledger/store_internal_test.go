package ledger

import (
	"fmt"
	"testing"
)

// TestInternedText: every value scanned reads back as itself, also after
// the driver has reused its memory for the next value, and also past the
// number of values interned, whose map stays bounded.
func TestInternedText(t *testing.T) {
	var got string
	seen := map[string]string{}
	it := &internedText{&got, seen}
	buf := make([]byte, 0, 32) // the driver's memory, reused for every value
	var scanned []string
	for i := range 3 * maxInterned {
		want := fmt.Sprintf("assets:account-%d", i%(2*maxInterned))
		buf = append(buf[:0], want...)
		if err := it.ScanBytes(buf); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("value %d scanned as %q, want %q", i, got, want)
		}
		scanned = append(scanned, got)
	}
	for i, s := range scanned {
		if want := fmt.Sprintf("assets:account-%d", i%(2*maxInterned)); s != want {
			t.Fatalf("value %d reads %q after the driver reused its memory, want %q", i, s, want)
		}
	}
	if len(seen) != maxInterned {
		t.Errorf("%d values interned, want %d", len(seen), maxInterned)
	}
	if err := it.ScanBytes(nil); err == nil {
		t.Error("NULL scanned without an error")
	}
	if err := it.Scan("EUR"); err != nil || got != "EUR" {
		t.Errorf("Scan(string): %q, %v", got, err)
	}
	if err := it.Scan(42); err == nil {
		t.Error("Scan(int) without an error")
	}
}
