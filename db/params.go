package db

import "strconv"

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
