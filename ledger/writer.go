package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus/db"
	"fundus/errs"
)

// Writer is the one write path for money (see the package documentation):
// it runs functions in savepoints of shared transactions that hold the chain
// head, commits once per batch, and answers each caller after the commit.
type Writer struct {
	db    *db.DB
	now   func() time.Time
	stmts *db.Stmts

	queue   chan *call
	stop    chan struct{}
	stopped chan struct{}
	closing sync.Once
	// closeMu makes Close wait for every Do that is queueing; closed says
	// no more may queue.
	closeMu sync.RWMutex
	closed  bool

	mu       sync.Mutex
	inflight map[string]bool // idempotency keys being run by this process

	commits atomic.Int64
	entries atomic.Int64
}

// forgetAnswer clears what a run of c's batch said of it: a run that is
// then rolled back says nothing.
func (c *call) forgetAnswer() {
	c.result, c.err, c.replayed, c.stored, c.body = nil, nil, false, false, nil
}

// MaxBatch bounds how many functions share one transaction.
const MaxBatch = 256

type call struct {
	fn     func(*Tx) (any, error)
	shared *Shared // its statement run first, shared with the batch (DoShared)
	got    any     // the result of that statement for this call
	gotErr error   // why its row could not be made
	key    *Key    // makes the call idempotent (nil: it is not)
	done   chan struct{}

	// The answer, read by the caller once done is closed.
	result   any
	err      error
	replayed bool   // the key's first answer is in body or err
	stored   bool   // the answer is stored under the key
	body     []byte // with a key: the stored result
}

// NewWriter starts the writer of d. now is the clock (nil: time.Now). Close
// stops it.
func NewWriter(d *db.DB, now func() time.Time) *Writer {
	if now == nil {
		now = time.Now
	}
	w := &Writer{
		db:       d,
		now:      now,
		stmts:    db.NewStmts(d),
		queue:    make(chan *call, 4*MaxBatch),
		stop:     make(chan struct{}),
		stopped:  make(chan struct{}),
		inflight: map[string]bool{},
	}
	go w.loop()
	return w
}

// Close lets the writer finish what it has and stops it.
func (w *Writer) Close() {
	w.closing.Do(func() {
		w.closeMu.Lock()
		w.closed = true
		w.closeMu.Unlock()
		close(w.stop)
	})
	<-w.stopped
	w.stmts.Close()
}

// enqueue hands c to the writer, or reports that it is closed. What is
// queued before Close is run: the loop drains the queue before it stops.
func (w *Writer) enqueue(c *call) bool {
	w.closeMu.RLock()
	defer w.closeMu.RUnlock()
	if w.closed {
		return false
	}
	w.queue <- c
	return true
}

// Commits returns how many transactions the writer has committed, and
// Entries how many entries they held; their ratio is the figure of group
// commit.
func (w *Writer) Commits() int64 { return w.commits.Load() }

// Queued returns how many calls wait for the next batch.
func (w *Writer) Queued() int { return len(w.queue) }

// Entries returns how many entries the writer has committed.
func (w *Writer) Entries() int64 { return w.entries.Load() }

// Do runs fn in the write path and returns its outcome once it is
// durable. fn must do all its work through tx and nothing outside it that
// cannot be repeated: a batch that hits a serialization failure runs again.
//
// When ctx carries a Key (WithKey), fn's answer is stored under it in the
// same transaction as fn's effect, and the same request again is not run
// but answered as the first time (see Outcome): a success with its stored
// result, a refusal with the same error. The key with another request is
// IdempotencyKeyReused; the key still running in this process is
// IdempotencyInProgress (another instance's is found when the batch stores
// its keys, and then replayed).
func Do[T any](ctx context.Context, w *Writer, fn func(tx *Tx) (T, error)) (Outcome[T], error) {
	return run[T](ctx, w, &call{fn: func(tx *Tx) (any, error) { return fn(tx) }})
}

// run queues c and waits for its outcome (see Do).
func run[T any](ctx context.Context, w *Writer, c *call) (Outcome[T], error) {
	const op errs.Op = "ledger.Do"
	var out Outcome[T]
	c.key, c.done = keyFrom(ctx), make(chan struct{})
	if c.key != nil {
		if !ValidKey(c.key.Name) || !ValidKey(c.key.Scope) {
			return out, errs.E(op, errs.Malformed, errs.FieldError{Field: "Idempotency-Key", Message: "must be 1 to 255 visible ASCII characters"}, "bad idempotency key")
		}
		k := c.key.Scope + "\x00" + c.key.Name
		w.mu.Lock()
		if w.inflight[k] {
			w.mu.Unlock()
			return out, errs.E(op, errs.IdempotencyInProgress, "a request with this Idempotency-Key is still running; retry later")
		}
		w.inflight[k] = true
		w.mu.Unlock()
		defer func() {
			w.mu.Lock()
			delete(w.inflight, k)
			w.mu.Unlock()
		}()
	}
	if err := ctx.Err(); err != nil {
		return out, errs.E(op, err)
	}
	if !w.enqueue(c) {
		return out, errs.E(op, errs.Internal, "the writer is closed")
	}
	// Once queued, the call runs and commits (or not) whatever happens to
	// ctx: wait for the answer, so that no caller is told less than the truth.
	<-c.done
	out.Replayed, out.Stored, out.Body = c.replayed, c.stored, c.body
	switch {
	case c.err != nil:
		return out, c.err
	case c.replayed:
		if err := json.Unmarshal(c.body, &out.Value); err != nil {
			return out, errs.E(op, errs.Internal, "a stored result cannot be read", err)
		}
	case c.result != nil:
		out.Value = c.result.(T)
	}
	return out, nil
}

func (w *Writer) loop() {
	defer close(w.stopped)
	for {
		var first *call
		select {
		case first = <-w.queue:
		case <-w.stop:
			// Finish what is queued, then stop.
			for {
				select {
				case c := <-w.queue:
					w.runBatch([]*call{c})
				default:
					return
				}
			}
		}
		batch := []*call{first}
	fill:
		for len(batch) < MaxBatch {
			select {
			case c := <-w.queue:
				batch = append(batch, c)
			default:
				break fill
			}
		}
		w.runBatch(batch)
	}
}

// runBatch runs a batch until it commits or fails for good, then answers
// every caller.
func (w *Writer) runBatch(batch []*call) {
	const op errs.Op = "ledger.Writer"
	defer func() {
		for _, c := range batch {
			close(c.done)
		}
	}()
	isolate := false
	var stored []scopedKey // idempotency keys known to be stored
	for attempt := 1; ; attempt++ {
		n, err := w.tryBatch(batch, isolate, stored)
		if err == nil {
			w.commits.Add(1)
			w.entries.Add(n)
			return
		}
		// Neither of these is a failure: the batch runs again at once,
		// knowing more (and each can happen only so often).
		if errors.Is(err, errIsolate) && !isolate {
			isolate, attempt = true, attempt-1
			continue
		}
		var taken *keysTaken
		if errors.As(err, &taken) && attempt < db.MaxAttempts {
			stored = append(stored, taken.keys...)
			continue
		}
		if !db.IsRetryable(err) || attempt == db.MaxAttempts {
			for _, c := range batch {
				c.forgetAnswer() // nothing of the run that gave it is committed
				c.err = errs.E(op, errs.Internal, "the transaction failed", err)
			}
			return
		}
		time.Sleep(time.Duration(1<<attempt)*time.Millisecond + rand.N(2*time.Millisecond))
	}
}

// errIsolate says that a call failed after it wrote: the batch must run
// again with each call in a savepoint, so that only that call is undone.
var errIsolate = errors.New("ledger: a call failed after writing")

// tryBatch runs the calls of batch in one transaction and commits. With
// isolate, each call runs in its own savepoint; without, a call that fails
// after writing makes it return errIsolate. It returns the number of entries
// committed, or the error that made the whole transaction fail (the calls'
// own errors are in the calls).
func (w *Writer) tryBatch(batch []*call, isolate bool, stored []scopedKey) (int64, error) {
	ctx := context.Background() // no caller may cancel a shared transaction
	w.stmts.PreparePending(ctx)
	conn, err := w.db.Writer.Connx(ctx) // the batch's end goes to it directly (db.RunStatements)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	sqlTx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer sqlTx.Rollback() // after Commit, a no-op
	t := &Tx{sql: w.stmts.In(sqlTx), conn: conn.Conn, ctx: ctx, w: w, isolate: isolate}
	if err := t.begin(stored); err != nil {
		return 0, err
	}
	order := batch
	if !isolate {
		order = sharedOrder(batch)
	}
	for i, c := range order {
		if group := groupAt(order, i); group != nil && !isolate {
			if err := t.runSharedStatement(group); err != nil {
				return 0, err
			}
		}
		if err := t.run(c); err != nil {
			return 0, err
		}
	}
	if err := t.flush(); err != nil {
		var taken *keysTaken
		if !isolate && !errors.Is(err, errIsolate) && !errors.As(err, &taken) && !db.IsRetryable(err) {
			// A row a function handed over (InsertLater) may be what
			// failed: alone, in its savepoint, it fails only its function.
			return 0, errIsolate
		}
		return 0, err
	}
	if err := sqlTx.Commit(); err != nil {
		return 0, err
	}
	return t.head.seq - t.startSeq, nil
}

// Tx is the transaction a write-path function runs in. It is an
// sqlx.ExtContext, so a domain's store functions run their SQL in it (with
// Context()); money moves only through Post.
//
// What the ledger itself writes (entries, postings, audit records,
// idempotency records) is append-only and kept in memory until the batch
// ends, then inserted with a few multi-row statements; a function that runs
// no SQL of its own therefore costs no database round trip.
//
// Functions run without savepoints, which would cost two statements each
// (on PostgreSQL, a round trip). A function that fails before it writes
// leaves nothing to undo but the ledger's in-memory state; one that fails
// after writing makes the whole batch run again, this time with each
// function in a savepoint taken when it first runs SQL. A statement counts
// as writing unless it begins with SELECT. A domain
// row that points at an entry must declare that foreign key DEFERRABLE
// INITIALLY DEFERRED, since the entry is inserted at the end of the batch.
type Tx struct {
	sql      *db.CachedTx
	conn     *sql.Conn // the connection of sql
	ctx      context.Context
	w        *Writer
	head     head
	startSeq int64
	accounts map[string]*accountState
	stored   map[scopedKey]idemRow // idempotency records found stored by an earlier run of the batch
	now      time.Time

	isolate   bool  // each function runs in a savepoint
	savepoint bool  // the current function's savepoint is taken
	open      bool  // PostgreSQL: an earlier function's savepoint is still open
	wrote     bool  // the current function ran a statement that may write
	failed    error // a statement of the current function failed
	broken    error // a savepoint could not be taken: the batch must fail

	entries []*Entry
	audits  []*AuditRecord
	idems   []idemRecord
	later   []*laterRows // rows to insert at the end (InsertLater)
}

type head struct {
	seq      int64
	hash     string
	lastTime time.Time
}

type accountState struct {
	Account
	stored int64 // balance in the database
	minor  int64 // balance including this transaction's postings
}

type idemRecord struct {
	key    Key
	status int // storedResult or storedRefusal
	body   []byte
	at     time.Time
}

// Context is the context for SQL run inside the transaction.
func (t *Tx) Context() context.Context { return t.ctx }

// Now is the time of the function being run.
func (t *Tx) Now() time.Time { return t.now }

// The methods of sqlx.ExtContext, each taking the function's savepoint first.

func (t *Tx) DriverName() string                                 { return t.sql.DriverName() }
func (t *Tx) Rebind(q string) string                             { return t.sql.Rebind(q) }
func (t *Tx) BindNamed(q string, arg any) (string, []any, error) { return t.sql.BindNamed(q, arg) }

// The context a function passes is ignored: the shared transaction runs
// on the writer's own, so that no caller can cancel it for the others. A
// statement that fails marks the call failed (failed), so that its
// savepoint is rolled back even if the function goes on as if nothing
// happened (on PostgreSQL the transaction could not go on otherwise).

func (t *Tx) QueryContext(_ context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := t.beforeStatement(!isSelect(q)); err != nil {
		return nil, err
	}
	rows, err := t.sql.QueryContext(t.ctx, q, args...)
	return rows, t.note(err)
}

func (t *Tx) QueryxContext(_ context.Context, q string, args ...any) (*sqlx.Rows, error) {
	if err := t.beforeStatement(!isSelect(q)); err != nil {
		return nil, err
	}
	rows, err := t.sql.QueryxContext(t.ctx, q, args...)
	return rows, t.note(err)
}

func (t *Tx) QueryRowxContext(_ context.Context, q string, args ...any) *sqlx.Row {
	// sqlx.Row cannot carry an error made here; beforeStatement keeps it in
	// t.broken, which fails the whole batch.
	t.beforeStatement(!isSelect(q))
	row := t.sql.QueryRowxContext(t.ctx, q, args...)
	t.note(row.Err())
	return row
}

func (t *Tx) ExecContext(_ context.Context, q string, args ...any) (sql.Result, error) {
	if err := t.beforeStatement(true); err != nil {
		return nil, err
	}
	res, err := t.sql.ExecContext(t.ctx, q, args...)
	return res, t.note(err)
}

// note remembers the first statement error of the current call.
func (t *Tx) note(err error) error {
	if err != nil && t.failed == nil {
		t.failed = err
	}
	return err
}

var _ sqlx.ExtContext = (*Tx)(nil)

// isSelect reports whether q only reads (a SELECT, perhaps FOR UPDATE).
func isSelect(q string) bool {
	q = strings.TrimLeft(q, " \t\r\n(")
	return len(q) >= 6 && strings.EqualFold(q[:6], "SELECT")
}

// beforeStatement notes whether the current call writes and, when calls
// are isolated, starts its savepoint. On PostgreSQL, where every statement
// is a round trip, the savepoint of the call before is left open when that
// call ends and released here, in the same round trip.
func (t *Tx) beforeStatement(write bool) error {
	t.wrote = t.wrote || write
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

// endSavepoint ends the current call's savepoint, rolling back what the
// call did when it failed.
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

// begin locks the chain head, loads the accounts and looks up the
// idempotency keys that an earlier run of the batch found stored.
func (t *Tx) begin(stored []scopedKey) error {
	h, err := lockHead(t.ctx, t.sql, t.w.db.Engine)
	if err != nil {
		return err
	}
	t.head, t.startSeq = h, h.seq
	if t.stored, err = findIdempotencyKeys(t.ctx, t.sql, stored); err != nil {
		return err
	}
	accts, err := loadAccounts(t.ctx, t.sql)
	if err != nil {
		return err
	}
	t.accounts = make(map[string]*accountState, len(accts))
	for _, a := range accts {
		t.accounts[a.Code] = &accountState{Account: a, stored: a.Balance.Minor, minor: a.Balance.Minor}
	}
	return nil
}

// snapshot is the in-memory state a failing function must give back.
type snapshot struct {
	head                   head
	balances               map[string]int64
	entries, audits, idems int
	later                  []int // rows of each of t.later
}

func (t *Tx) snapshot() snapshot {
	s := snapshot{head: t.head, balances: make(map[string]int64, len(t.accounts)),
		entries: len(t.entries), audits: len(t.audits), idems: len(t.idems)}
	for code, a := range t.accounts {
		s.balances[code] = a.minor
	}
	for _, l := range t.later {
		s.later = append(s.later, len(l.Rows))
	}
	return s
}

func (t *Tx) restore(s snapshot) {
	t.head = s.head
	for code, a := range t.accounts {
		a.minor = s.balances[code]
	}
	t.entries, t.audits, t.idems = t.entries[:s.entries], t.audits[:s.audits], t.idems[:s.idems]
	t.later = t.later[:len(s.later)]
	for i, n := range s.later {
		t.later[i].Rows = t.later[i].Rows[:n]
	}
}

// run runs one call. It returns an error only when the whole transaction
// must be given up (and perhaps retried); the call's own error goes into the
// call, and everything the call did is undone.
func (t *Tx) run(c *call) error {
	snap := t.snapshot()
	t.savepoint, t.wrote, t.failed = false, false, nil
	t.now = t.w.now()
	if c.shared != nil && !t.isolate {
		t.wrote = c.got != nil // its shared statement changed something
	}
	c.forgetAnswer() // the batch may run more than once
	result, err := t.runCall(c)
	if t.broken != nil {
		return t.broken
	}
	if err == nil && t.failed != nil {
		err = errs.E(errs.Op("ledger.Do"), errs.Internal, "a statement failed", t.failed)
	}
	if err != nil && (db.IsRetryable(err) || db.IsRetryable(t.failed)) {
		return err
	}
	if err != nil && !t.isolate && (t.wrote || t.failed != nil) {
		return errIsolate
	}
	if t.savepoint {
		if err := t.endSavepoint(err != nil); err != nil {
			return err
		}
	}
	if err != nil {
		t.restore(snap)
		result, c.body = nil, nil
	}
	if c.key != nil && !c.replayed {
		t.remember(c, err)
	}
	c.result, c.err = result, err
	return nil
}

// runCall runs the call's function, or replays the first answer to its
// key, turning a panic into an internal error.
func (t *Tx) runCall(c *call) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			result, err = nil, errs.E(errs.Op("ledger.Do"), errs.Internal, fmt.Sprintf("panic: %v", p))
		}
	}()
	if c.key != nil {
		if replayed, err := t.replay(c); err != nil || replayed {
			return nil, err
		}
	}
	if c.shared != nil {
		if t.isolate {
			c.got, c.gotErr = t.runShared(c)
		}
		if c.gotErr != nil {
			return nil, c.gotErr
		}
	}
	result, err = c.fn(t)
	if err == nil && c.key != nil {
		if c.body, err = json.Marshal(result); err != nil {
			return nil, errs.E(errs.Op("ledger.Do"), errs.Internal, err)
		}
	}
	return result, err
}

// flush writes what the batch buffered, the changed balances and the new
// chain head.
func (t *Tx) flush() error {
	end := batchEnd{later: t.later, entries: t.entries, audits: t.audits, idems: t.idems, balances: map[string]int64{}}
	if t.head.seq != t.startSeq {
		end.head = &t.head
		for _, a := range t.accounts {
			if a.minor != a.stored {
				end.balances[a.Code] = a.minor
			}
		}
	}
	return end.write(t.ctx, t.w.db.Engine, t.conn, t.sql)
}

// InsertLater inserts a row into table at the end of the batch, together
// with the batch's other rows of that table, unless it conflicts with a
// stored row on the columns conflict (the unique constraint named as in
// ON CONFLICT). It reports whether the row is inserted; a conflict is known
// only at the end, so then the whole batch runs again with each function
// in a savepoint, where InsertLater inserts at once and reports the truth.
// For rows no function of the same batch reads or changes: a pledge's new
// donation, whose id no one knows before the answer.
func (t *Tx) InsertLater(table, conflict string, columns []string, values []any) (bool, error) {
	if t.isolate {
		l := &laterRows{Table: table, Conflict: conflict, Columns: columns, Rows: [][]any{values}}
		if err := t.beforeStatement(true); err != nil {
			return false, err
		}
		st := l.statements()[0]
		res, err := t.sql.ExecContext(t.ctx, st.Query, st.Args...)
		if t.note(err) != nil {
			return false, err
		}
		n, err := res.RowsAffected()
		return n == 1, err
	}
	for _, l := range t.later {
		if l.Table == table && l.Conflict == conflict && slices.Equal(l.Columns, columns) {
			l.Rows = append(l.Rows, values)
			return true, nil
		}
	}
	t.later = append(t.later, &laterRows{Table: table, Conflict: conflict, Columns: columns, Rows: [][]any{values}})
	return true, nil
}
