package commit

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"fundus/db"
	"fundus/errs"
)

// Writer is the write path (see the package documentation). It holds the
// database's writer: there is one Writer per database.
type Writer struct {
	db    *db.Writer
	now   func() time.Time
	parts []Participant

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
	calls   atomic.Int64
}

// MaxBatch bounds how many functions share one transaction.
const MaxBatch = 256

// call is one function queued for the writer.
type call struct {
	fn     func(*Tx) (any, error)
	shared sharedCall // its statement, run first and shared with the batch (DoShared)
	key    *Key       // makes the call idempotent (nil: it is not)
	done   chan struct{}

	// The answer, read by the caller once done is closed.
	result   any
	err      error
	replayed bool   // the key's first answer is in body or err
	stored   bool   // the answer is stored under the key
	body     []byte // with a key: the result's JSON, as answered the first time
	ref      string // with a key: the result's StoredRef, when it is Referable
}

// forgetAnswer clears what a run of c's batch said of it: a run that is
// then rolled back says nothing.
func (c *call) forgetAnswer() {
	c.result, c.err, c.replayed, c.stored, c.body, c.ref = nil, nil, false, false, nil, ""
}

// NewWriter takes the writer of d (db.TakeWriter) and starts the write
// path. now is the clock (nil: time.Now); parts take part in every batch,
// begun in this order. Close stops it and gives the writer back.
func NewWriter(d *db.DB, now func() time.Time, parts ...Participant) (*Writer, error) {
	dw, err := d.TakeWriter()
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	w := &Writer{
		db:       dw,
		now:      now,
		parts:    parts,
		queue:    make(chan *call, 4*MaxBatch),
		stop:     make(chan struct{}),
		stopped:  make(chan struct{}),
		inflight: map[string]bool{},
	}
	go w.loop()
	return w, nil
}

// Close lets the writer finish what it has, stops it and gives the
// database's writer back. Every call returns once that is done (sync.Once
// makes the others wait for the first).
func (w *Writer) Close() {
	w.closing.Do(func() {
		w.closeMu.Lock()
		w.closed = true
		w.closeMu.Unlock()
		close(w.stop)
		<-w.stopped
		w.db.Release()
	})
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
// Calls how many functions they ran; their ratio is the figure of group
// commit.
func (w *Writer) Commits() int64 { return w.commits.Load() }

// Calls returns how many functions the committed transactions ran.
func (w *Writer) Calls() int64 { return w.calls.Load() }

// Queued returns how many calls wait for the next batch.
func (w *Writer) Queued() int { return len(w.queue) }

// Do runs fn in the write path and returns its outcome once it is
// durable. fn must do all its work through tx and nothing outside it that
// cannot be repeated: a batch may run more than once (after a
// serialization failure, or to isolate a failing function).
//
// When ctx carries a Key (WithKey), fn's answer is stored under it in the
// same transaction as fn's effect, and the same request again is not run
// but answered as the first time (see Outcome). The key with another
// request is IdempotencyKeyReused; the key still running in this process
// is IdempotencyInProgress (another instance's is found when the batch
// stores its keys, and then replayed).
func Do[T any](ctx context.Context, w *Writer, fn func(tx *Tx) (T, error)) (Outcome[T], error) {
	return run[T](ctx, w, &call{fn: func(tx *Tx) (any, error) { return fn(tx) }})
}

// run queues c and waits for its outcome (see Do).
func run[T any](ctx context.Context, w *Writer, c *call) (Outcome[T], error) {
	const op errs.Op = "commit.Do"
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
	const op errs.Op = "commit.Writer"
	defer func() {
		for _, c := range batch {
			close(c.done)
		}
	}()
	isolate := false
	stored := map[scopedKey]idemRow{} // idempotency records known to be stored
	for attempt := 1; ; attempt++ {
		err := w.tryBatch(batch, isolate, stored)
		if err == nil {
			w.commits.Add(1)
			w.calls.Add(int64(len(batch)))
			return
		}
		// Neither of these is a failure: the batch runs again at once,
		// knowing more (and each can happen only so often).
		if errors.Is(err, ErrIsolate) && !isolate {
			isolate, attempt = true, attempt-1
			continue
		}
		var taken *keysTaken
		if errors.As(err, &taken) && attempt < db.MaxAttempts {
			maps.Copy(stored, taken.found)
			continue
		}
		if !db.IsRetryable(err) || attempt == db.MaxAttempts {
			for _, c := range batch {
				// Nothing of the run that gave it is committed (or, when the
				// commit's outcome is unknown, perhaps it is: then too the
				// caller is told it failed, and a repeat with its key finds it).
				c.forgetAnswer()
				c.err = errs.E(op, errs.Internal, "the transaction failed", err)
			}
			return
		}
		time.Sleep(time.Duration(1<<attempt)*time.Millisecond + rand.N(2*time.Millisecond))
	}
}

// ErrIsolate says that a function failed after it wrote, or that a row
// written at the end conflicted (a Part's check may return it): the batch
// runs again with each function in a savepoint, so that only that
// function's work is undone.
var ErrIsolate = errors.New("commit: a function failed after writing")

// tryBatch runs the calls of batch in one transaction and commits. With
// isolate, each call runs in its own savepoint; without, a call that fails
// after writing makes it return ErrIsolate. It returns the error that made
// the whole transaction fail (the calls' own errors are in the calls).
func (w *Writer) tryBatch(batch []*call, isolate bool, stored map[scopedKey]idemRow) error {
	// No caller may cancel a shared transaction; the batch's end cancels
	// what a function left open (rows not closed), so that the rollback
	// and the connection's close never wait for it.
	ctx, cancel := context.WithCancel(context.Background())
	conn, sqlTx, err := w.db.Begin(ctx)
	if err != nil {
		cancel()
		return err
	}
	defer conn.Close()
	defer sqlTx.Rollback() // after Commit, a no-op
	defer cancel()
	// The idempotency records start with those an earlier run of the
	// batch found stored.
	t := &Tx{sql: sqlTx, ctx: ctx, w: w, idem: &idempotency{stored: stored}}
	order := batch
	if !isolate {
		order = sharedOrder(batch)
		if group := groupAt(order, 0); group != nil {
			// The batch begins with calls that share a statement: it goes
			// with the participants' first read.
			if members := t.sharedMembers(group); members != nil {
				t.lead = &sharedLead{group: group, members: members}
			}
		}
	}
	if err := t.begin(); err != nil {
		return err
	}
	if t.lead != nil && !t.lead.sent {
		// No participant read: the statement runs by itself, before its
		// group (runSharedStatement), and never with a later read.
		t.lead = nil
	}
	t.isolate = isolate // the participants begin outside any function's savepoint
	for i, c := range order {
		if group := groupAt(order, i); group != nil && !isolate {
			if err := t.runSharedStatement(group); err != nil {
				return err
			}
		}
		if err := t.run(c); err != nil {
			return err
		}
	}
	stmts, check := t.end()
	// With nothing to check between them, the last statements and COMMIT
	// go together (on PostgreSQL in one round trip).
	together := check == nil && len(stmts) > 0
	switch {
	case together:
		err = sqlTx.PipelineCommit(ctx, stmts)
	case len(stmts) > 0:
		var results []db.StatementResult
		if results, err = sqlTx.Pipeline(ctx, stmts); err == nil {
			err = check(results)
		}
	}
	if err != nil {
		if errors.Is(err, ErrIsolate) || errors.Is(err, db.ErrOutcomeUnknown) || db.IsRetryable(err) {
			return err // an unknown outcome is final: the batch may have committed
		}
		// An idempotency key stored meanwhile fails the insert of the
		// records: run again, replaying its call.
		sqlTx.Rollback()
		found, lerr := findIdempotencyKeys(ctx, conn, t.idem.keys())
		if lerr != nil {
			return lerr
		}
		if len(found) > 0 {
			return &keysTaken{found: found}
		}
		if !isolate {
			// A row a function handed over (Later) may be what failed:
			// alone, in its savepoint, it fails only its function.
			return ErrIsolate
		}
		return err
	}
	if together {
		return nil
	}
	return sqlTx.Commit()
}
