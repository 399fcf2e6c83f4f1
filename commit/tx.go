package commit

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus/db"
	"fundus/errs"
)

// Tx is the transaction a write-path function runs in. Statements run
// through it count as writing; statements that only read go through
// Reader. The context a function passes to a statement is ignored: the
// shared transaction runs on the writer's own, so that no caller can cancel
// it for the others.
type Tx struct {
	sql *db.CachedTx
	ctx context.Context
	w   *Writer
	now time.Time

	parts map[any]Part // by the Participant or Later they belong to
	order []Part       // in the order they end
	idem  *idempotency // the batch's idempotency records
	lead  *sharedLead  // the first shared statement, sent with the first read

	isolate   bool  // each function runs in a savepoint
	savepoint bool  // the current function's savepoint is taken
	open      bool  // PostgreSQL: an earlier function's savepoint is still open
	wrote     bool  // the current function ran a statement through the Tx
	failed    error // a statement of the current function failed
	broken    error // a savepoint could not be taken: the batch must fail
}

// Context is the context for SQL run inside the transaction.
func (t *Tx) Context() context.Context { return t.ctx }

// Now is the time of the function being run.
func (t *Tx) Now() time.Time { return t.now }

// Engine is the database's engine, for the few statements spelt apart.
func (t *Tx) Engine() db.Engine { return t.w.db.Engine }

// Part returns the state in this transaction of p, a participant the
// writer was made with, or nil when it was not.
func (t *Tx) Part(p Participant) Part { return t.parts[p] }

// The methods of sqlx.ExtContext. Each counts as a write and, when
// functions are isolated, takes the function's savepoint first. A
// statement that fails marks the function failed, so that its work is
// undone even if the function goes on as if nothing happened (on
// PostgreSQL the transaction could not go on otherwise).

func (t *Tx) DriverName() string                                 { return t.sql.DriverName() }
func (t *Tx) Rebind(q string) string                             { return t.sql.Rebind(q) }
func (t *Tx) BindNamed(q string, arg any) (string, []any, error) { return t.sql.BindNamed(q, arg) }

func (t *Tx) QueryContext(_ context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := t.beforeWrite(); err != nil {
		return nil, err
	}
	rows, err := t.sql.QueryContext(t.ctx, q, args...)
	return rows, t.note(err)
}

func (t *Tx) QueryxContext(_ context.Context, q string, args ...any) (*sqlx.Rows, error) {
	if err := t.beforeWrite(); err != nil {
		return nil, err
	}
	rows, err := t.sql.QueryxContext(t.ctx, q, args...)
	return rows, t.note(err)
}

func (t *Tx) QueryRowxContext(_ context.Context, q string, args ...any) *sqlx.Row {
	// sqlx.Row cannot carry an error made here; beforeWrite keeps it in
	// t.broken, which fails the whole batch.
	t.beforeWrite()
	row := t.sql.QueryRowxContext(t.ctx, q, args...)
	t.note(row.Err())
	return row
}

func (t *Tx) ExecContext(_ context.Context, q string, args ...any) (sql.Result, error) {
	if err := t.beforeWrite(); err != nil {
		return nil, err
	}
	res, err := t.sql.ExecContext(t.ctx, q, args...)
	return res, t.note(err)
}

var _ sqlx.ExtContext = (*Tx)(nil)

// Reader returns the transaction for statements that only read: they see
// everything written before them in the batch, but do not count as
// writing, so a function that fails having only read does not make the
// batch run again with each function in a savepoint.
// A statement that writes must never go through it (it has no Exec; an
// UPDATE ... RETURNING belongs to the Tx itself).
func (t *Tx) Reader() sqlx.QueryerContext { return reader{t} }

type reader struct{ t *Tx }

func (r reader) QueryContext(_ context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := r.t.takeSavepoint(); err != nil {
		return nil, err
	}
	rows, err := r.t.sql.QueryContext(r.t.ctx, q, args...)
	return rows, r.t.note(err)
}

func (r reader) QueryxContext(_ context.Context, q string, args ...any) (*sqlx.Rows, error) {
	if err := r.t.takeSavepoint(); err != nil {
		return nil, err
	}
	rows, err := r.t.sql.QueryxContext(r.t.ctx, q, args...)
	return rows, r.t.note(err)
}

func (r reader) QueryRowxContext(_ context.Context, q string, args ...any) *sqlx.Row {
	r.t.takeSavepoint() // an error is kept in t.broken, as for the Tx's
	row := r.t.sql.QueryRowxContext(r.t.ctx, q, args...)
	r.t.note(row.Err())
	return row
}

// ReadTogether runs statements that only read, in order, and returns the
// rows of each (as the driver gives them): on PostgreSQL in one round trip,
// which at the start of a batch also carries its BEGIN. A participant's
// Begin reads so. Each statement sees what the ones before it did and
// waited for: on PostgreSQL each takes its own snapshot (READ COMMITTED).
//
// When the batch begins with functions that share a statement (Shared),
// its first ReadTogether also carries that statement, after stmts, which
// saves it a round trip of its own; the caller sees only its own results.
func (t *Tx) ReadTogether(stmts ...db.Statement) ([]db.StatementResult, error) {
	if err := t.takeSavepoint(); err != nil {
		return nil, err
	}
	for i := range stmts {
		stmts[i].Rows = true
	}
	lead := t.lead != nil && !t.lead.sent
	if lead {
		t.lead.sent = true
		stmts = append(stmts[:len(stmts):len(stmts)], t.sharedStatement(t.lead.members))
	}
	res, err := t.sql.Pipeline(t.ctx, stmts)
	if lead {
		if err == nil {
			err = readShared(t.lead.members, res[len(res)-1])
			res = res[:len(res)-1]
		}
		// A failure of the shared statement makes the batch run again
		// with each function alone, as when it runs by itself. Which
		// statement failed is not always known (pgx prepares them all
		// first), so any failure not to be retried at once counts as its:
		// one of the reads before it fails again in that run, and then
		// for what it is.
		if err := sharedFailed(err); err != nil {
			return nil, err
		}
	}
	return res, t.note(err)
}

// errAborted is the failure of a function after which PostgreSQL's
// transaction is aborted.
var errAborted = errors.New("commit: a statement failed and aborted the transaction")

// aborted reports whether the transaction is aborted (PostgreSQL, after a
// statement failed), as the connection knows without a round trip.
func (t *Tx) aborted() bool { return t.sql.Aborted() }

// note remembers the first statement error of the current function.
func (t *Tx) note(err error) error {
	if err != nil && t.failed == nil {
		t.failed = err
	}
	return err
}

// beforeWrite notes that the current function writes and, when functions
// are isolated, starts its savepoint.
func (t *Tx) beforeWrite() error {
	t.wrote = true
	return t.takeSavepoint()
}

// takeSavepoint starts the current function's savepoint when functions are
// isolated: before its reads too, since on PostgreSQL a read that fails
// aborts the transaction, and only rolling back to the savepoint lets the
// other functions go on. On PostgreSQL, where every statement is a round
// trip, the savepoint of the function before is left open when that
// function ends and released here, in the same round trip.
func (t *Tx) takeSavepoint() error {
	if !t.isolate || t.savepoint {
		return nil
	}
	q := "SAVEPOINT fundus_call"
	if t.open {
		q = "RELEASE SAVEPOINT fundus_call; SAVEPOINT fundus_call"
	}
	if _, err := t.sql.ExecContext(t.ctx, q); err != nil {
		t.broken = err
		return err
	}
	t.savepoint, t.open = true, false
	return nil
}

// endSavepoint ends the current function's savepoint, rolling back what
// the function did when it failed.
func (t *Tx) endSavepoint(failed bool) error {
	if failed {
		if _, err := t.sql.ExecContext(t.ctx, "ROLLBACK TO SAVEPOINT fundus_call"); err != nil {
			return err
		}
	}
	if t.w.db.Engine == db.Postgres {
		t.open = true // released with the next savepoint, or by the commit
		return nil
	}
	_, err := t.sql.ExecContext(t.ctx, "RELEASE SAVEPOINT fundus_call")
	return err
}

// begin starts the participants' parts, in their order.
func (t *Tx) begin() error {
	t.now = t.w.now()
	t.parts = make(map[any]Part, len(t.w.parts)+2)
	for _, p := range t.w.parts {
		part, err := p.Begin(t)
		if err != nil {
			return err
		}
		t.parts[p], t.order = part, append(t.order, part)
	}
	return nil
}

// addPart adds a part that starts when a function first needs it (a
// Later's rows), saved and restored from then on like the others.
func (t *Tx) addPart(key any, p Part) {
	t.parts[key], t.order = p, append(t.order, p)
}

// save saves every part's state; the function it returns restores them.
func (t *Tx) save() func() {
	n := len(t.order)
	restores := make([]func(), 0, n+1)
	for _, p := range t.order {
		restores = append(restores, p.Save())
	}
	restores = append(restores, t.idem.Save())
	return func() {
		for _, r := range restores {
			r()
		}
		// A part added by the failed function goes with it.
		for _, p := range t.order[n:] {
			for k, v := range t.parts {
				if v == p {
					delete(t.parts, k)
				}
			}
		}
		t.order = t.order[:n]
	}
}

// run runs one call. It returns an error only when the whole transaction
// must be given up (and perhaps retried); the call's own error goes into
// the call, and everything the call did is undone.
func (t *Tx) run(c *call) error {
	restore := t.save()
	t.savepoint, t.wrote, t.failed = false, false, nil
	t.now = t.w.now()
	if c.shared != nil && !t.isolate {
		t.wrote = c.shared.changed() // its shared statement changed something
	}
	c.forgetAnswer() // the batch may run more than once
	result, err := t.runCall(c)
	if t.broken != nil {
		return t.broken
	}
	if t.failed == nil && t.aborted() {
		// A statement failed where note could not see it (an error of
		// rows.Next or Scan) and PostgreSQL aborted the transaction.
		t.failed = errAborted
	}
	if err == nil && t.failed != nil {
		err = errs.E(errs.Op("commit.Do"), errs.Internal, "a statement failed", t.failed)
	}
	if err != nil && (db.IsRetryable(err) || db.IsRetryable(t.failed)) {
		return err
	}
	if err != nil && !t.isolate && (t.wrote || t.failed != nil) {
		// Its writes must be undone, or a failed statement aborted the
		// transaction (PostgreSQL): only a savepoint carries the others on.
		return ErrIsolate
	}
	if t.savepoint {
		if err := t.endSavepoint(err != nil); err != nil {
			return err
		}
	}
	if err != nil {
		restore()
		result, c.body, c.ref = nil, nil, ""
	}
	if c.key != nil && !c.replayed {
		t.idem.remember(c, err, t.now)
	}
	c.result, c.err = result, err
	return nil
}

// runCall runs the call's function, or replays the first answer to its
// key, turning a panic into an internal error.
func (t *Tx) runCall(c *call) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			result, err = nil, errs.E(errs.Op("commit.Do"), errs.Internal, fmt.Sprintf("panic: %v", p))
		}
	}()
	if c.key != nil {
		if replayed, err := t.idem.replay(t, c); err != nil || replayed {
			return nil, err
		}
	}
	if c.shared != nil {
		if t.isolate {
			if err := t.runSharedAlone(c); err != nil {
				return nil, err
			}
		}
		if err := c.shared.rowErr(); err != nil {
			return nil, err
		}
	}
	result, err = c.fn(t)
	if err == nil && c.key != nil {
		if c.body, err = json.Marshal(result); err != nil {
			return nil, errs.E(errs.Op("commit.Do"), errs.Internal, err)
		}
		// A nil result (a typed nil pointer) is stored as its JSON, null:
		// it names nothing to read back.
		if r, ok := result.(Referable); ok && string(c.body) != "null" {
			c.ref = r.StoredRef().String()
		}
	}
	return result, err
}

// resolve reads back the JSON of a result stored by reference (Referable),
// through the part that keeps it.
func (t *Tx) resolve(stored []byte) ([]byte, error) {
	const op errs.Op = "commit.Do"
	ref, ok := parseStoredRef(stored)
	if !ok {
		return nil, errs.E(op, errs.Internal, fmt.Sprintf("a stored reference %q cannot be read", stored))
	}
	for _, p := range t.order {
		if r, isResolver := p.(Resolver); isResolver {
			body, ok, err := r.Resolve(ref)
			if err != nil {
				return nil, errs.E(op, errs.Internal, fmt.Sprintf("the stored result %s cannot be read", ref), err)
			}
			if ok {
				return body, nil
			}
		}
	}
	return nil, errs.E(op, errs.Internal, fmt.Sprintf("no part of the write path keeps the stored result %s", ref))
}

// end returns the statements that write what the parts kept, in the order
// they began, then the idempotency records, and the check of their results
// (nil when no part checks any).
func (t *Tx) end() ([]db.Statement, func([]db.StatementResult) error) {
	var stmts []db.Statement
	type check struct {
		from, to int
		fn       func([]db.StatementResult) error
	}
	var checks []check
	for _, p := range append(t.order, Part(t.idem)) {
		s, fn := p.End()
		if fn != nil {
			checks = append(checks, check{len(stmts), len(stmts) + len(s), fn})
		}
		stmts = append(stmts, s...)
	}
	if len(checks) == 0 {
		return stmts, nil
	}
	return stmts, func(results []db.StatementResult) error {
		for _, c := range checks {
			if err := c.fn(results[c.from:c.to]); err != nil {
				return err
			}
		}
		return nil
	}
}
