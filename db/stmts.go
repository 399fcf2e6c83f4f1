package db

import (
	"context"
	"database/sql"
	"sync"

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

// CachedTx is a transaction whose statements come from a Stmts cache.
type CachedTx struct {
	*sqlx.Tx
	s *Stmts
}

func (c *CachedTx) stmt(ctx context.Context, q string) *sqlx.Stmt {
	if c.s == nil {
		return nil
	}
	if st := c.s.prepared(ctx, q); st != nil {
		return c.Tx.StmtxContext(ctx, st)
	}
	return nil
}

func (c *CachedTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := c.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.Tx.ExecContext(ctx, q, args...)
}

func (c *CachedTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := c.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.Tx.QueryContext(ctx, q, args...)
}

func (c *CachedTx) QueryxContext(ctx context.Context, q string, args ...any) (*sqlx.Rows, error) {
	if st := c.stmt(ctx, q); st != nil {
		return st.QueryxContext(ctx, args...)
	}
	return c.Tx.QueryxContext(ctx, q, args...)
}

func (c *CachedTx) QueryRowxContext(ctx context.Context, q string, args ...any) *sqlx.Row {
	if st := c.stmt(ctx, q); st != nil {
		return st.QueryRowxContext(ctx, args...)
	}
	return c.Tx.QueryRowxContext(ctx, q, args...)
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
