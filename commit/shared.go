package commit

import (
	"context"
	"time"

	"fundus/db"
)

// Shared is a statement a write-path function needs run before it, which
// the functions of one batch with the same Name share: it runs once for all
// their rows, so that a batch of them costs one round trip instead of one
// each (on PostgreSQL the single writer spends most of its time waiting
// for round trips; a treasurer confirms a month of statements at once).
// When the batch begins with such a function, the statement costs no round
// trip of its own: it goes with the batch's first read (Tx.ReadTogether,
// with its BEGIN).
//
// The statement runs before every function of the batch that shares it, as
// if those functions had come first, so it must be one whose effect no
// earlier function could change: a conditional update of one row ("mark
// received if pledged"). When the batch runs again with each function in a
// savepoint, each function runs the statement alone, after its idempotency
// key is looked up.
type Shared[R, G any] struct {
	Name string
	// Statement is the statement for rows, one per function; it returns
	// rows (RETURNING) for Read.
	Statement func(engine db.Engine, rows []R) db.Statement
	// Read returns, from what the statement returned, the result of each
	// row it changed, by the row's index; a row it did not change is
	// missing.
	Read func(rows []R, res db.StatementResult) (map[int]G, error)
}

// DoShared is Do for a function that needs s run first for the row that
// row makes (now is the clock's time when the row is made: when its batch
// begins, or just before the statement runs; an error fails the function
// before anything runs). fn gets the statement's result for its row, and
// whether the statement changed it.
func DoShared[T, R, G any](ctx context.Context, w *Writer, s *Shared[R, G], row func(now time.Time) (R, error), fn func(tx *Tx, got G, changed bool) (T, error)) (Outcome[T], error) {
	op := &sharedOp[R, G]{s: s, row: row}
	c := &call{shared: op}
	c.fn = func(tx *Tx) (any, error) { return fn(tx, op.got, op.ok) }
	return run[T](ctx, w, c)
}

// sharedCall is a call's part in a shared statement, whatever its types.
type sharedCall interface {
	name() string
	// prepare makes the call's row for a run of the batch; false: it
	// could not (rowErr says why).
	prepare(now time.Time) bool
	rowErr() error
	changed() bool
	// statement is the statement for members, calls of the same Shared;
	// read gives each its result from what the statement returned.
	statement(engine db.Engine, members []sharedCall) db.Statement
	read(members []sharedCall, res db.StatementResult) error
}

type sharedOp[R, G any] struct {
	s   *Shared[R, G]
	row func(now time.Time) (R, error)

	r   R
	err error // why r could not be made
	got G
	ok  bool // the statement changed r
}

func (o *sharedOp[R, G]) name() string  { return o.s.Name }
func (o *sharedOp[R, G]) rowErr() error { return o.err }
func (o *sharedOp[R, G]) changed() bool { return o.ok }

func (o *sharedOp[R, G]) prepare(now time.Time) bool {
	var zero G
	o.got, o.ok = zero, false
	o.r, o.err = o.row(now)
	return o.err == nil
}

func rowsOf[R, G any](members []sharedCall) []R {
	rows := make([]R, len(members))
	for i, m := range members {
		rows[i] = m.(*sharedOp[R, G]).r
	}
	return rows
}

func (o *sharedOp[R, G]) statement(engine db.Engine, members []sharedCall) db.Statement {
	st := o.s.Statement(engine, rowsOf[R, G](members))
	st.Rows = true
	return st
}

func (o *sharedOp[R, G]) read(members []sharedCall, res db.StatementResult) error {
	results, err := o.s.Read(rowsOf[R, G](members), res)
	if err != nil {
		return err
	}
	for i, m := range members {
		m := m.(*sharedOp[R, G])
		m.got, m.ok = results[i]
	}
	return nil
}

// sharedOrder returns the calls of batch in the order they run: as queued,
// except that the calls that share a statement run one after another where
// the first of them was queued. Their statement runs just before them, so
// no other call sees its effect without the rest of theirs (a refund must
// not see a donation marked received before its money is posted). When the
// batch's first call shares a statement, that statement goes with the
// batch's first read.
func sharedOrder(batch []*call) []*call {
	order := make([]*call, 0, len(batch))
	placed := map[string]bool{}
	for _, c := range batch {
		if c.shared == nil {
			order = append(order, c)
			continue
		}
		if placed[c.shared.name()] {
			continue
		}
		placed[c.shared.name()] = true
		for _, m := range batch {
			if m.shared != nil && m.shared.name() == c.shared.name() {
				order = append(order, m)
			}
		}
	}
	return order
}

// groupAt returns the calls sharing a statement that start at order[i],
// or nil when order[i] does not start such a group.
func groupAt(order []*call, i int) []*call {
	c := order[i]
	if c.shared == nil || (i > 0 && order[i-1].shared != nil && order[i-1].shared.name() == c.shared.name()) {
		return nil
	}
	j := i + 1
	for j < len(order) && order[j].shared != nil && order[j].shared.name() == c.shared.name() {
		j++
	}
	return order[i:j]
}

// sharedLead is the statement of the group a batch begins with, sent with
// the batch's first read (Tx.ReadTogether).
type sharedLead struct {
	group   []*call      // the group it is for
	members []sharedCall // the calls of group it runs for (sharedMembers)
	sent    bool
}

// sharedMembers returns the calls of group the statement they share runs
// for, their rows made: a call whose row cannot be made fails alone, and a
// call whose idempotency key is known to be stored is replayed, not run.
// Nil: none.
func (t *Tx) sharedMembers(group []*call) []sharedCall {
	now := t.w.now()
	var members []sharedCall
	for _, c := range group {
		// prepare also clears what an earlier run of the batch gave c.
		if c.shared.prepare(now) && !t.idem.isStored(c) {
			members = append(members, c.shared)
		}
	}
	return members
}

// sharedStatement is the statement members share; readShared gives each
// its result from what the statement returned.
func (t *Tx) sharedStatement(members []sharedCall) db.Statement {
	return members[0].statement(t.w.db.Engine, members)
}

func readShared(members []sharedCall, res db.StatementResult) error {
	return members[0].read(members, res)
}

// runShared runs the statement members share, by itself.
func (t *Tx) runShared(members []sharedCall) error {
	res, err := t.sql.Pipeline(t.ctx, []db.Statement{t.sharedStatement(members)})
	if err != nil {
		return err
	}
	return readShared(members, res[0])
}

// sharedFailed is what a shared statement's failure does to the batch: it
// runs again with each call alone (ErrIsolate), or, when the failure is
// one to retry, at once as it was.
func sharedFailed(err error) error {
	if err == nil || db.IsRetryable(err) {
		return err
	}
	return ErrIsolate
}

// runSharedStatement runs the statement group shares, once for all of
// them, unless it went with the batch's first read.
func (t *Tx) runSharedStatement(group []*call) error {
	if t.lead != nil && t.lead.group[0] == group[0] { // sent with the first read
		return nil
	}
	members := t.sharedMembers(group)
	if members == nil {
		return nil
	}
	return sharedFailed(t.runShared(members))
}

// runSharedAlone runs a call's shared statement for it alone, as a write
// of the call.
func (t *Tx) runSharedAlone(c *call) error {
	if !c.shared.prepare(t.now) {
		return nil // rowErr fails the call
	}
	if err := t.beforeWrite(); err != nil {
		return err
	}
	return t.note(t.runShared([]sharedCall{c.shared}))
}
