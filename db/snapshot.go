package db

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"
)

// Rows are the rows of a Querier's query: Next, then Scan into the same
// kinds of values as database/sql's (strings, integers, times,
// sql.Scanners).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Querier runs queries whose rows are read one by one.
type Querier interface {
	Query(ctx context.Context, query string, args ...any) (Rows, error)
}

// SQL is a Querier over database/sql.
func SQL(q sqlx.QueryerContext) Querier { return sqlQuerier{q} }

type sqlQuerier struct{ q sqlx.QueryerContext }

func (s sqlQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := s.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

// WithSnapshot runs fn with a Querier that reads what tx, a transaction of
// ReadTx, sees. On PostgreSQL it is a second connection of d's read pool
// whose transaction imports tx's snapshot (pg_export_snapshot), read
// through pgx's own rows: a walk over the whole ledger spends a third of
// its CPU in database/sql's conversions of every value otherwise. On
// SQLite, or with a read pool of one connection, it is tx itself. fn must
// not use tx meanwhile on SQLite; on PostgreSQL it may.
func WithSnapshot(ctx context.Context, d *DB, tx *sqlx.Tx, fn func(Querier) error) error {
	if d.Engine != Postgres || d.DB.Stats().MaxOpenConnections == 1 {
		return fn(SQL(tx))
	}
	var snapshot string
	if err := tx.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return err
	}
	if !snapshotID.MatchString(snapshot) { // it goes into SET, which takes no parameters
		return fmt.Errorf("db: unexpected snapshot id %q", snapshot)
	}
	conn, err := d.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		c := driverConn.(*stdlib.Conn).Conn()
		ptx, err := c.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return err
		}
		defer ptx.Rollback(context.WithoutCancel(ctx))
		if _, err := ptx.Exec(ctx, `SET TRANSACTION SNAPSHOT '`+snapshot+`'`); err != nil {
			return err
		}
		return fn(pgxQuerier{ptx})
	})
}

// snapshotID is what pg_export_snapshot returns, such as 00000003-0000001B-1.
var snapshotID = regexp.MustCompile(`^[0-9A-F]+(-[0-9A-F]+)+$`)

type pgxQuerier struct{ tx pgx.Tx }

func (p pgxQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	return p.tx.Query(ctx, query, args...)
}
