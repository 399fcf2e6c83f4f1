package ledger

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus/db"
)

// Shared is a statement a write-path function needs run before it, which
// the functions of one batch with the same Name share: Run runs it once for
// all their rows, so that a batch of them costs one round trip instead of
// one each (on PostgreSQL the single writer spends most of its time waiting
// for round trips; a treasurer confirms a month of statements at once).
//
// Row gives the function's row of values, or an error that fails the
// function before anything runs; now is the time of the batch. Run returns
// one result for each row, nil where the statement changed nothing for that
// row. The statement runs before every function of the batch, as if those
// functions had come first, so it must be one whose effect no earlier
// function could change: a conditional update of one row ("mark received if
// pledged"). When the batch runs again with each function in a savepoint
// (see Tx), each function runs its statement alone, after its idempotency
// key is looked up.
type Shared struct {
	Name string
	Row  func(now time.Time) ([]any, error)
	Run  func(ctx context.Context, q sqlx.QueryerContext, engine db.Engine, rows [][]any) ([]any, error)
}

// DoShared is Do for a function that needs s run first; fn gets the
// result of s for its row (nil: s changed nothing).
func DoShared[T any](ctx context.Context, w *Writer, s *Shared, fn func(tx *Tx, got any) (T, error)) (Outcome[T], error) {
	c := &call{shared: s}
	c.fn = func(tx *Tx) (any, error) { return fn(tx, c.got) }
	return run[T](ctx, w, c)
}

// sharedOrder returns the calls of batch in the order they run: as queued,
// except that the calls that share a statement run one after another where
// the first of them was queued. Their statement runs just before them, so
// no other call sees its effect without the rest of theirs (a refund must
// not see a donation marked received before its money is posted).
func sharedOrder(batch []*call) []*call {
	order := make([]*call, 0, len(batch))
	placed := map[string]bool{}
	for _, c := range batch {
		if c.shared == nil {
			order = append(order, c)
			continue
		}
		if placed[c.shared.Name] {
			continue
		}
		placed[c.shared.Name] = true
		for _, m := range batch {
			if m.shared != nil && m.shared.Name == c.shared.Name {
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
	if c.shared == nil || (i > 0 && order[i-1].shared != nil && order[i-1].shared.Name == c.shared.Name) {
		return nil
	}
	j := i + 1
	for j < len(order) && order[j].shared != nil && order[j].shared.Name == c.shared.Name {
		j++
	}
	return order[i:j]
}

// runSharedStatement runs the statement the calls share, once for all of
// them, and gives each call its result. Calls whose idempotency key is
// known to be stored are left out: they are replayed, not run. A statement
// that fails makes the batch run again with each call alone (errIsolate).
func (t *Tx) runSharedStatement(calls []*call) error {
	now := t.w.now()
	var members []*call
	var rows [][]any
	for _, c := range calls {
		c.got, c.gotErr = nil, nil
		if c.key != nil {
			if _, stored := t.stored[scopedKey{c.key.Scope, c.key.Name}]; stored {
				continue
			}
		}
		row, err := c.shared.Row(now)
		if err != nil {
			c.gotErr = err // fails the call alone
			continue
		}
		members, rows = append(members, c), append(rows, row)
	}
	if len(members) == 0 {
		return nil
	}
	results, err := members[0].shared.Run(t.ctx, t.sql, t.w.db.Engine, rows)
	if err != nil {
		if db.IsRetryable(err) {
			return err
		}
		return errIsolate
	}
	for i, c := range members {
		c.got = results[i]
	}
	return nil
}

// runShared runs a call's shared statement for it alone.
func (t *Tx) runShared(c *call) (any, error) {
	row, err := c.shared.Row(t.now)
	if err != nil {
		return nil, err
	}
	if err := t.beforeStatement(true); err != nil {
		return nil, err
	}
	results, err := c.shared.Run(t.ctx, t.sql, t.w.db.Engine, [][]any{row})
	if err = t.note(err); err != nil {
		return nil, err
	}
	return results[0], nil
}
