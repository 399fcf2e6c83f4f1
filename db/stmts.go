package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"
)

// maxCachedStmts bounds the statement cache. The write path's multi-row
// inserts differ in their number of rows, so their texts are many but
// bounded; beyond this, statements are prepared and dropped as before.
const maxCachedStmts = 2048

// Stmts keeps the statements Fundus runs on SQLite prepared, so that each
// is parsed once rather than on every run: parsing was a fifth of the
// single writer's time (which bounds SQLite's write throughput) and of the
// time a signed-in request spends finding its session. On PostgreSQL there
// is none: pgx keeps its own cache of prepared statements per connection.
//
// The read pool prepares a statement on first use (database/sql then
// prepares it once on each connection that runs it). The writer has a
// single connection, held by its transaction, so it can prepare only
// between transactions: a text first seen inside one runs as it is and is
// prepared by PreparePending before the next transaction begins.
type Stmts struct {
	pool    *sqlx.DB
	between bool // prepare only in PreparePending (the writer)
	mu      sync.Mutex
	m       map[string]*sqlx.Stmt
	pending map[string]bool
}

func newStmts(pool *sqlx.DB, between bool) *Stmts {
	return &Stmts{pool: pool, between: between, m: map[string]*sqlx.Stmt{}, pending: map[string]bool{}}
}

// Close closes every cached statement.
func (s *Stmts) Close() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for q, st := range s.m {
		st.Close()
		delete(s.m, q)
	}
}

// prepared returns the cached statement for q, or nil: then the caller
// runs q as it is (and sees its error there).
func (s *Stmts) prepared(ctx context.Context, q string) *sqlx.Stmt {
	s.mu.Lock()
	if st, ok := s.m[q]; ok {
		s.mu.Unlock()
		return st
	}
	if len(s.m)+len(s.pending) >= maxCachedStmts {
		s.mu.Unlock()
		return nil
	}
	if s.between {
		s.pending[q] = true
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	// Prepared without the lock: preparing may wait for a free connection,
	// and a caller holding one must not wait for the lock meanwhile.
	st, err := s.pool.PreparexContext(ctx, q)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if other, ok := s.m[q]; ok { // another caller prepared it meanwhile
		st.Close()
		return other
	}
	s.m[q] = st
	return st
}

// PreparePending prepares the statements noted since the last call. Call
// it while no transaction of the writer is open. A text that does not
// prepare is left out: it runs as it is and reports its error there.
func (s *Stmts) PreparePending(ctx context.Context) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for q := range s.pending {
		delete(s.pending, q)
		if st, err := s.pool.PreparexContext(ctx, q); err == nil {
			s.m[q] = st
		}
	}
}

// CachedTx is the writer's transaction. On SQLite it is database/sql's,
// whose statements come from the writer's Stmts cache. On PostgreSQL it is
// the server's, on a connection of the writer's own (pgx caches the
// prepared statements): BEGIN is sent with the first statements, in the
// same round trip when they go through Pipeline, and Commit and Rollback
// end it by SQL, COMMIT in the same round trip as the last statements when
// they go through PipelineCommit. So a batch of the write path costs two
// round trips where database/sql's transaction cost five (a round trip was
// 0.4 ms of a 4 ms batch on the peers' benchmark, issue 18).
type CachedTx struct {
	tx *sqlx.Tx // SQLite

	conn   *sqlx.Conn // PostgreSQL
	driver string
	begun  bool // BEGIN was sent
	done   bool // COMMIT or ROLLBACK was sent

	s *Stmts
}

// errRolledBack is a COMMIT that PostgreSQL answered with ROLLBACK: a
// statement had failed and aborted the transaction.
var errRolledBack = errors.New("db: the transaction was aborted and rolled back at COMMIT")

// errNoTransaction refuses a statement that would run outside the
// transaction (its BEGIN failed, or it has ended).
var errNoTransaction = errors.New("db: the write transaction is not open")

// ErrOutcomeUnknown is a commit whose outcome is not known: the answer to
// COMMIT was lost. The transaction may have committed, so what it did must
// not be run again; its callers are told it failed.
var ErrOutcomeUnknown = errors.New("db: the commit's outcome is unknown")

// txStatus returns PostgreSQL's transaction status of the connection, as
// the connection knows it without a round trip: 'I' idle (no transaction),
// 'T' in a transaction, 'E' in a failed one; 0 when it cannot tell.
func (c *CachedTx) txStatus() byte {
	status := byte(0)
	c.conn.Raw(func(dc any) error {
		if pc, ok := dc.(*stdlib.Conn); ok {
			status = pc.Conn().PgConn().TxStatus()
		}
		return nil
	})
	return status
}

// Aborted reports whether the transaction is aborted: on PostgreSQL after a
// statement failed (the connection knows without a round trip); never on
// SQLite, where a failed statement undoes only itself.
func (c *CachedTx) Aborted() bool { return c.tx == nil && c.txStatus() == 'E' }

// open makes sure, on PostgreSQL, that a statement about to be sent runs in
// the transaction: it sends BEGIN before the first statement that does not
// go through Pipeline, and refuses once the transaction is not open (a
// BEGIN that failed, or COMMIT or ROLLBACK sent), so that no statement ever
// runs outside it.
func (c *CachedTx) open(ctx context.Context) error {
	if c.tx != nil {
		return nil
	}
	if c.done {
		return sql.ErrTxDone
	}
	if !c.begun {
		c.begun = true
		if _, err := c.conn.ExecContext(ctx, "BEGIN"); err != nil {
			return err
		}
	}
	if st := c.txStatus(); st != 'T' && st != 'E' {
		return errNoTransaction
	}
	return nil
}

// Pipeline runs stmts in the transaction, in order, and returns what each
// did: on PostgreSQL in one round trip (with the transaction's BEGIN when
// nothing was sent before), on SQLite one by one. The first that fails
// stops them, and the transaction must be rolled back.
func (c *CachedTx) Pipeline(ctx context.Context, stmts []Statement) ([]StatementResult, error) {
	if c.tx != nil {
		return RunStatements(ctx, SQLite, nil, c, stmts)
	}
	if c.done {
		return nil, sql.ErrTxDone
	}
	if c.begun {
		if err := c.open(ctx); err != nil {
			return nil, err
		}
		return pipeline(ctx, c.conn.Conn, stmts)
	}
	// One Sync ends the batch: when BEGIN fails, PostgreSQL skips the
	// statements after it.
	c.begun = true
	res, err := pipeline(ctx, c.conn.Conn, append([]Statement{{Query: "BEGIN"}}, stmts...))
	if err != nil {
		return nil, err
	}
	return res[1:], nil
}

// PipelineCommit runs stmts as Pipeline does and then commits: on
// PostgreSQL with COMMIT in the same round trip. It returns nil only when
// the transaction committed. When a statement failed, nothing committed
// and the transaction must be rolled back; when the answer to COMMIT was
// lost, it returns ErrOutcomeUnknown.
func (c *CachedTx) PipelineCommit(ctx context.Context, stmts []Statement) error {
	if c.tx != nil {
		if _, err := c.Pipeline(ctx, stmts); err != nil {
			return err
		}
		return c.tx.Commit()
	}
	if c.done {
		return sql.ErrTxDone
	}
	all := append(stmts[:len(stmts):len(stmts)], Statement{Query: "COMMIT"})
	if c.begun {
		if err := c.open(ctx); err != nil {
			return err
		}
	} else {
		all = append([]Statement{{Query: "BEGIN"}}, all...)
		c.begun = true
	}
	res, err := pipeline(ctx, c.conn.Conn, all)
	if err != nil {
		var refused *pgconn.PgError
		if c.txStatus() != 'I' || errors.As(err, &refused) {
			return err // the server refused a statement: nothing committed; the caller rolls back
		}
		// No transaction is open and the server refused nothing: COMMIT
		// ran and its answer was lost, or the connection cannot tell.
		// Either way it may have committed.
		c.done = true
		c.discard()
		return fmt.Errorf("%w: %v", ErrOutcomeUnknown, err)
	}
	c.done = true
	if res[len(res)-1].Command != "COMMIT" {
		return errRolledBack
	}
	return nil
}

// Commit commits the transaction.
func (c *CachedTx) Commit() error {
	if c.tx != nil {
		return c.tx.Commit()
	}
	if sent, err := c.end(); !sent {
		return err
	}
	err := c.conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("db: commit on a %T, not a pgx connection", dc)
		}
		tag, err := pc.Conn().Exec(context.Background(), "COMMIT")
		var refused *pgconn.PgError
		if errors.As(err, &refused) {
			return fmt.Errorf("db: commit: %w", err) // the server refused: nothing committed
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrOutcomeUnknown, err) // never driver.ErrBadConn: closed below
		}
		if tag.String() == "ROLLBACK" {
			return errRolledBack
		}
		return nil
	})
	if err != nil {
		c.discard() // a transaction perhaps still open, with its locks, goes with its connection
	}
	return err
}

// Rollback rolls the transaction back; after Commit it does nothing. On
// PostgreSQL a connection whose ROLLBACK fails is closed rather than given
// back to the pool with its transaction perhaps still open.
func (c *CachedTx) Rollback() error {
	if c.tx != nil {
		return c.tx.Rollback()
	}
	if sent, err := c.end(); !sent {
		return err
	}
	_, err := c.conn.ExecContext(context.Background(), "ROLLBACK")
	if err != nil {
		c.discard()
	}
	return err
}

// end marks the server's transaction ended and reports whether it was
// begun (else there is nothing to send); ErrTxDone when it had ended.
func (c *CachedTx) end() (begun bool, err error) {
	if c.done {
		return false, sql.ErrTxDone
	}
	c.done = true
	return c.begun, nil
}

// discard makes database/sql close the connection instead of giving it
// back to the pool.
func (c *CachedTx) discard() {
	c.conn.Raw(func(any) error { return driver.ErrBadConn })
}

func (c *CachedTx) DriverName() string {
	if c.tx != nil {
		return c.tx.DriverName()
	}
	return c.driver
}

func (c *CachedTx) Rebind(q string) string {
	return sqlx.Rebind(sqlx.BindType(c.DriverName()), q)
}

func (c *CachedTx) BindNamed(q string, arg any) (string, []any, error) {
	return sqlx.BindNamed(sqlx.BindType(c.DriverName()), q, arg)
}

func (c *CachedTx) stmt(ctx context.Context, q string) *sqlx.Stmt {
	if c.s == nil || c.tx == nil {
		return nil
	}
	if st := c.s.prepared(ctx, q); st != nil {
		return c.tx.StmtxContext(ctx, st)
	}
	return nil
}

func (c *CachedTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if c.tx == nil {
		if err := c.open(ctx); err != nil {
			return nil, err
		}
		return c.conn.ExecContext(ctx, q, args...)
	}
	if st := c.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.tx.ExecContext(ctx, q, args...)
}

func (c *CachedTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if c.tx == nil {
		if err := c.open(ctx); err != nil {
			return nil, err
		}
		return c.conn.QueryContext(ctx, q, args...)
	}
	if st := c.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.tx.QueryContext(ctx, q, args...)
}

func (c *CachedTx) QueryxContext(ctx context.Context, q string, args ...any) (*sqlx.Rows, error) {
	if c.tx == nil {
		if err := c.open(ctx); err != nil {
			return nil, err
		}
		return c.conn.QueryxContext(ctx, q, args...)
	}
	if st := c.stmt(ctx, q); st != nil {
		return st.QueryxContext(ctx, args...)
	}
	return c.tx.QueryxContext(ctx, q, args...)
}

func (c *CachedTx) QueryRowxContext(ctx context.Context, q string, args ...any) *sqlx.Row {
	if c.tx == nil {
		if err := c.open(ctx); err != nil {
			// A Row carries only the query's own error: a query on a
			// cancelled context fails without being sent, so the caller
			// sees an error, never a row read outside the transaction.
			done, cancel := context.WithCancel(ctx)
			cancel()
			return c.conn.QueryRowxContext(done, q, args...)
		}
		return c.conn.QueryRowxContext(ctx, q, args...)
	}
	if st := c.stmt(ctx, q); st != nil {
		return st.QueryRowxContext(ctx, args...)
	}
	return c.tx.QueryRowxContext(ctx, q, args...)
}

var _ sqlx.ExtContext = (*CachedTx)(nil)

// The read pool's methods, through the cache on SQLite. They shadow those of
// the embedded *sqlx.DB, so every sqlx helper given a *DB uses them.

func (d *DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := d.reads.cached(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.DB.QueryContext(ctx, q, args...)
}

func (d *DB) QueryxContext(ctx context.Context, q string, args ...any) (*sqlx.Rows, error) {
	if st := d.reads.cached(ctx, q); st != nil {
		return st.QueryxContext(ctx, args...)
	}
	return d.DB.QueryxContext(ctx, q, args...)
}

func (d *DB) QueryRowxContext(ctx context.Context, q string, args ...any) *sqlx.Row {
	if st := d.reads.cached(ctx, q); st != nil {
		return st.QueryRowxContext(ctx, args...)
	}
	return d.DB.QueryRowxContext(ctx, q, args...)
}

// cached is prepared for a nil cache (PostgreSQL).
func (s *Stmts) cached(ctx context.Context, q string) *sqlx.Stmt {
	if s == nil {
		return nil
	}
	return s.prepared(ctx, q)
}
