package db

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus/errs"
)

// MaxAttempts bounds how often InTx runs a transaction that keeps failing
// with a retryable error (serialization failure, deadlock, database locked).
const MaxAttempts = 8

// InTx runs fn in a write transaction and commits when fn returns nil. It
// rolls back when fn returns an error or panics (the panic goes on). When
// the transaction fails with a serialization failure or deadlock
// (PostgreSQL) or a busy or locked database (SQLite), InTx runs fn again,
// at most MaxAttempts times in all, so fn must do nothing outside tx that
// cannot be repeated. The error fn returns comes back unchanged.
func InTx(ctx context.Context, d *DB, fn func(tx *sqlx.Tx) error) error {
	const op errs.Op = "db.InTx"
	var err error
	for attempt := 1; ; attempt++ {
		err = runTx(ctx, d, fn)
		if err == nil || !IsRetryable(err) {
			return err
		}
		if attempt == MaxAttempts {
			return errs.E(op, errs.Internal, fmt.Sprintf("gave up after %d attempts", attempt), err)
		}
		// Back off a little, with jitter, so the contenders spread out.
		wait := time.Duration(1<<attempt)*time.Millisecond + rand.N(2*time.Millisecond)
		select {
		case <-ctx.Done():
			return errs.E(op, ctx.Err())
		case <-time.After(wait):
		}
	}
}

func runTx(ctx context.Context, d *DB, fn func(tx *sqlx.Tx) error) (err error) {
	tx, err := d.Writer.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// ReadTx begins a read-only transaction that sees one snapshot of the
// database, for reads that must agree with each other.
func ReadTx(ctx context.Context, d *DB) (*sqlx.Tx, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if d.Engine == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	return d.DB.BeginTxx(ctx, opts)
}
