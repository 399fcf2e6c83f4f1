package ledger

import (
	"encoding/csv"
	"io"
	"slices"
)

// CSV writes a CSV file that a spreadsheet opens safely. Every CSV Fundus
// writes goes through it (the ledger export, the audit trail, the annual
// report). A text cell that begins with "=", "+", "-", "@", a tab or a
// carriage return gets a leading single quote (the OWASP rule against CSV
// injection), so that no spreadsheet reads it as a formula. The columns
// named as numbers (amounts, counts, sequence numbers, which Fundus formats
// itself) are written as they are, so that "-12.50" stays a number a
// spreadsheet can add.
type CSV struct {
	w       *csv.Writer
	numbers []bool // per column: it holds numbers
}

// NewCSV writes the header row to w and returns the writer of the rows.
// numbers names the columns that hold numbers.
func NewCSV(w io.Writer, header []string, numbers ...string) (*CSV, error) {
	c := &CSV{w: csv.NewWriter(w), numbers: make([]bool, len(header))}
	for i, h := range header {
		c.numbers[i] = slices.Contains(numbers, h)
	}
	return c, c.w.Write(header)
}

// Write writes one row, defusing its text cells.
func (c *CSV) Write(row []string) error {
	out := make([]string, len(row))
	for i, cell := range row {
		if i < len(c.numbers) && c.numbers[i] {
			out[i] = cell
		} else {
			out[i] = DefuseCell(cell)
		}
	}
	return c.w.Write(out)
}

// Flush writes what is buffered and returns the first error of any write.
func (c *CSV) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

// DefuseCell returns a text cell as a spreadsheet may open it: with a
// leading single quote when it begins with a character that would start a
// formula ("=", "+", "-", "@", a tab or a carriage return).
func DefuseCell(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
