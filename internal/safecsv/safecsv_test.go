package safecsv_test

import (
	"encoding/csv"
	"strings"
	"testing"

	"fundus/internal/safecsv"
)

// A spreadsheet set to German (or any locale whose list separator is ";")
// opens a .csv by splitting at ";" outside quotes: a text cell holding ";"
// and then a formula would become a cell of its own that starts with "=".
// Such a cell is quoted, and every file still reads back as written.
func TestSemicolonCellsAreQuoted(t *testing.T) {
	var b strings.Builder
	w, err := safecsv.New(&b, []string{"name", "amount"}, "amount")
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]string{
		{"Max;=cmd|' /C calc'!A0", "-12.50"},
		{"=1+1", "3.00"},
		{"plain", "1.00"},
		{"a,b \"c\"", "2.00"},
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	// Split as such a spreadsheet does: at ";" outside quotes.
	for _, line := range strings.Split(out, "\n") {
		inQuotes := false
		cell := ""
		for _, r := range line + ";" {
			switch {
			case r == '"':
				inQuotes = !inQuotes
				cell += string(r)
			case r == ';' && !inQuotes:
				if strings.HasPrefix(cell, "=") {
					t.Errorf("line %q: a cell %q starts a formula when split at ';'", line, cell)
				}
				cell = ""
			default:
				cell += string(r)
			}
		}
	}
	got, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"name", "amount"}, {"Max;=cmd|' /C calc'!A0", "-12.50"}, {"'=1+1", "3.00"}, {"plain", "1.00"}, {"a,b \"c\"", "2.00"}}
	if len(got) != len(want) {
		t.Fatalf("read back %q", got)
	}
	for i := range want {
		if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d: %q, want %q", i, got[i], want[i])
		}
	}
	if !strings.Contains(out, "plain,1.00\n") {
		t.Errorf("a plain cell is no longer written as before:\n%s", out)
	}
}
