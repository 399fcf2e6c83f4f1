// Package safecsv writes CSV files that a spreadsheet opens safely: every
// CSV Fundus writes goes through it.
package safecsv

import (
	"bufio"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Writer writes a CSV file that a spreadsheet opens safely (the ledger export, the audit trail, the annual
// report). A text cell that begins with "=", "+", "-", "@", a tab or a
// carriage return gets a leading single quote (the OWASP rule against CSV
// injection), so that no spreadsheet reads it as a formula. The columns
// named as numbers (amounts, counts, sequence numbers, which Fundus formats
// itself) are written as they are, so that "-12.50" stays a number a
// spreadsheet can add.
//
// It writes as encoding/csv does (comma separated, "\n" line ends, a field
// quoted when it holds a comma, a quote, a line break or begins with a
// space), and also quotes a field holding ";" or a tab: a spreadsheet set to
// a locale whose list separator is ";" (German) splits an unquoted line
// there, and the part after it would start a cell of its own, perhaps a
// formula.
type Writer struct {
	w       *bufio.Writer
	numbers []bool // per column: it holds numbers
	err     error
}

// NewCSV writes the header row to w and returns the writer of the rows.
// numbers names the columns that hold numbers.
func New(w io.Writer, header []string, numbers ...string) (*Writer, error) {
	c := &Writer{w: bufio.NewWriter(w), numbers: make([]bool, len(header))}
	for i, h := range header {
		c.numbers[i] = slices.Contains(numbers, h)
	}
	return c, c.write(header)
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
	return c.write(out)
}

// write writes one record.
func (c *Writer) write(record []string) error {
	if c.err != nil {
		return c.err
	}
	for i, field := range record {
		if i > 0 {
			c.w.WriteByte(',')
		}
		if !needsQuotes(field) {
			c.w.WriteString(field)
			continue
		}
		c.w.WriteByte('"')
		c.w.WriteString(strings.ReplaceAll(field, `"`, `""`))
		c.w.WriteByte('"')
	}
	_, c.err = c.w.WriteString("\n")
	return c.err
}

// needsQuotes is encoding/csv's rule, and ";" and tabs.
func needsQuotes(field string) bool {
	if field == "" {
		return false
	}
	if field == `\.` || strings.ContainsAny(field, ",;\t\"\r\n") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(field)
	return unicode.IsSpace(r)
}

// Flush writes what is buffered and returns the first error of any write.
func (c *Writer) Flush() error {
	if err := c.w.Flush(); c.err == nil {
		c.err = err
	}
	return c.err
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
