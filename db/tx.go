package db

import (
	"context"
	"database/sql"

	"github.com/jmoiron/sqlx"
)

// MaxAttempts bounds how often the write path runs a transaction that
// keeps failing with a retryable error (serialization failure, deadlock,
// database locked).
const MaxAttempts = 8

// ReadTx begins a read-only transaction that sees one snapshot of the
// database, for reads that must agree with each other.
func ReadTx(ctx context.Context, d *DB) (*sqlx.Tx, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if d.Engine == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	return d.DB.BeginTxx(ctx, opts)
}
