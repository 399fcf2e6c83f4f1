// Package safecsv writes CSV files that a spreadsheet opens safely: every
// CSV Fundus writes goes through it.
package safecsv

import (
	"encoding/csv"
	"io"
	"slices"
)

// Writer writes a CSV file that a spreadsheet opens safely (the ledger export, the audit trail, the annual
// report). A text cell that begins with "=", "+", "-", "@", a tab or a
// carriage return gets a leading single quote (the OWASP rule against CSV
// injection), so that no spreadsheet reads it as a formula. The columns
// named as numbers (amounts, counts, sequence numbers, which Fundus formats
// itself) are written as they are, so that "-12.50" stays a number a
// spreadsheet can add.
type Writer struct {
	w       *csv.Writer
	numbers []bool // per column: it holds numbers
}

// NewCSV writes the header row to w and returns the writer of the rows.
// numbers names the columns that hold numbers.
func New(w io.Writer, header []string, numbers ...string) (*Writer, error) {
	c := &Writer{w: csv.NewWriter(w), numbers: make([]bool, len(header))}
	for i, h := range header {
		c.numbers[i] = slices.Contains(numbers, h)
	}
	return c, c.w.Write(header)
}

// Write writes one row, defusing its text cells.
func (c *Writer) Write(row []string) error {
	out := make([]string, len(row))
	for i, cell := range row {
		if i < len(c.numbers) && c.numbers[i] {
			out[i] = cell
		} else {
			out[i] = Defuse(cell)
		}
	}
	return c.w.Write(out)
}

// Flush writes what is buffered and returns the first error of any write.
func (c *Writer) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

// Defuse returns a text cell as a spreadsheet may open it: with a
// leading single quote when it begins with a character that would start a
// formula ("=", "+", "-", "@", a tab or a carriage return).
func Defuse(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
