package ledger

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
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
