package db

import (
	"strconv"
	"strings"
)

// Params collects the arguments of a statement built piece by piece (a
// filter with optional conditions) and numbers their placeholders.
type Params struct {
	args []any
}

// Add appends v and returns its placeholder ("$3").
func (p *Params) Add(v any) string {
	p.args = append(p.args, v)
	return "$" + strconv.Itoa(len(p.args))
}

// Args returns the arguments in placeholder order.
func (p *Params) Args() []any { return p.args }

// maxParams bounds the parameters of one multi-row insert: well under both
// engines' limits (SQLite 32766, PostgreSQL 65535), and small enough that
// modernc's SQLite, whose cost per statement grows faster than its size,
// stays quick (measured: 1,000-entry batches ran 5 times faster split so).
const maxParams = 2000

// InsertRows returns the multi-row inserts of rows into table, as few as the
// limit on parameters allows, each followed by suffix (an ON CONFLICT or
// RETURNING clause). The caller names its own table and columns: this only
// numbers the placeholders.
func InsertRows(table string, cols []string, rows [][]any, suffix string) []Statement {
	var stmts []Statement
	for len(rows) > 0 {
		n := min(len(rows), maxParams/len(cols))
		var p Params
		stmts = append(stmts, Statement{
			Query: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " + p.Rows(rows[:n]) + suffix,
			Args:  p.Args(),
		})
		rows = rows[n:]
	}
	return stmts
}

// Rows returns rows as "($1, $2), ($3, $4)", adding their values.
func (p *Params) Rows(rows [][]any) string {
	var b strings.Builder
	for i, row := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j, v := range row {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(p.Add(v))
		}
		b.WriteByte(')')
	}
	return b.String()
}
