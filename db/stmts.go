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

// Stmts keeps the statements run on SQLite's single writer connection
// prepared, so that each is parsed once rather than on every run: parsing
// was a fifth of the writer's time, and the writer is what bounds SQLite's
// throughput. On PostgreSQL it does nothing, since pgx keeps its own
// cache of prepared statements per connection.
//
// A statement can be prepared only while the connection is free, that is
// between transactions: a text first seen inside a transaction runs as it
// is and is prepared by PreparePending before the next one begins.
type Stmts struct {
	writer  *sqlx.DB
	mu      sync.Mutex
	m       map[string]*sqlx.Stmt
	pending map[string]bool
}

// NewStmts returns the statement cache of d's writer (nil on PostgreSQL,
// which Stmts.In accepts).
func NewStmts(d *DB) *Stmts {
	if d.Engine != SQLite {
		return nil
	}
	return &Stmts{writer: d.Writer, m: map[string]*sqlx.Stmt{}, pending: map[string]bool{}}
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

// prepared returns the cached statement for q, or nil (the caller then runs
// q as it is) and notes q for PreparePending.
func (s *Stmts) prepared(q string) *sqlx.Stmt {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.m[q]; ok {
		return st
	}
	if len(s.m)+len(s.pending) < maxCachedStmts {
		s.pending[q] = true
	}
	return nil
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
		if st, err := s.writer.PreparexContext(ctx, q); err == nil {
			s.m[q] = st
		}
	}
}

// In returns tx with its statements run through the cache. The writer
// has one connection, so a statement prepared on it is reused by every
// transaction without preparing it again.
func (s *Stmts) In(tx *sqlx.Tx) *CachedTx { return &CachedTx{Tx: tx, s: s} }

// CachedTx is a transaction whose statements come from a Stmts cache.
type CachedTx struct {
	*sqlx.Tx
	s *Stmts
}

func (c *CachedTx) stmt(ctx context.Context, q string) *sqlx.Stmt {
	if c.s == nil {
		return nil
	}
	if st := c.s.prepared(q); st != nil {
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
