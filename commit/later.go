package commit

import "fundus/db"

// Later is a kind of row that functions hand over to be inserted at the
// end of the batch, all of a batch's rows in a few multi-row statements
// instead of one each: for rows no function of the same batch reads or
// changes (a pledge's new donation, whose id no one knows before the
// answer).
//
// Insert returns the statements that insert rows, each unless it
// conflicts with a stored row; the owner writes them (its store.go). A
// conflict is known only at the end: then the batch runs again with each
// function in a savepoint, where Add inserts at once and reports the truth.
type Later[R any] struct {
	Insert func(rows []R) []db.Statement
}

// Add hands row over to be inserted at the end of tx's batch and reports
// whether it is inserted (see Later).
func (l *Later[R]) Add(tx *Tx, row R) (bool, error) {
	if tx.isolate {
		if err := tx.beforeWrite(); err != nil {
			return false, err
		}
		var n int64
		for _, st := range l.Insert([]R{row}) {
			res, err := tx.sql.ExecContext(tx.ctx, st.Query, st.Args...)
			if tx.note(err) != nil {
				return false, err
			}
			if n, err = res.RowsAffected(); err != nil {
				return false, err
			}
		}
		return n == 1, nil
	}
	p, _ := tx.parts[l].(*laterPart[R])
	if p == nil {
		p = &laterPart[R]{l: l}
		tx.addPart(l, p)
	}
	p.rows = append(p.rows, row)
	return true, nil
}

// laterPart is a Later's rows in one transaction.
type laterPart[R any] struct {
	l    *Later[R]
	rows []R
}

func (p *laterPart[R]) Save() func() {
	n := len(p.rows)
	return func() { p.rows = p.rows[:n] }
}

// End inserts the rows; its check returns ErrIsolate when fewer were
// inserted than handed over (one conflicted).
func (p *laterPart[R]) End() ([]db.Statement, func([]db.StatementResult) error) {
	if len(p.rows) == 0 {
		return nil, nil
	}
	want := int64(len(p.rows))
	return p.l.Insert(p.rows), func(results []db.StatementResult) error {
		var n int64
		for _, r := range results {
			n += r.RowsAffected
		}
		if n != want {
			return ErrIsolate
		}
		return nil
	}
}
