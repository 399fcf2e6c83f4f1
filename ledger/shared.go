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
func DoShared[T any](ctx context.Context, w *Writer, s *Shared, fn func(tx *Tx, got any) (T, error)) (T, error) {
	c := &call{shared: s}
	c.fn = func(tx *Tx) (any, error) { return fn(tx, c.got) }
	return run[T](ctx, w, c)
}

// runSharedStatements runs the shared statements of a batch, each once for
// all calls of its name, and gives each call its result. A statement that
// fails makes the batch run again with each call alone (errIsolate).
func (t *Tx) runSharedStatements(batch []*call) error {
	now := t.w.now()
	type group struct {
		shared *Shared
		calls  []*call
		rows   [][]any
	}
	var groups []*group
	byName := map[string]*group{}
	for _, c := range batch {
		if c.shared == nil {
			continue
		}
		c.got, c.gotErr = nil, nil
		if c.idem != nil {
			if _, stored := t.stored[scopedKey{c.idem.Scope, c.idem.Key}]; stored {
				continue // replayed, or refused for another request: not run
			}
		}
		row, err := c.shared.Row(now)
		if err != nil {
			c.gotErr = err // fails the call alone
			continue
		}
		g := byName[c.shared.Name]
		if g == nil {
			g = &group{shared: c.shared}
			byName[c.shared.Name] = g
			groups = append(groups, g)
		}
		g.calls, g.rows = append(g.calls, c), append(g.rows, row)
	}
	for _, g := range groups {
		results, err := g.shared.Run(t.ctx, t.sql, t.w.db.Engine, g.rows)
		if err != nil {
			if db.IsRetryable(err) {
				return err
			}
			return errIsolate
		}
		for i, c := range g.calls {
			c.got = results[i]
		}
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
