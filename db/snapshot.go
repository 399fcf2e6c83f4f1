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

// WithSnapshot runs fn with up to n Queriers that each read what tx, a
// transaction of ReadTx, sees, so that fn can read with them side by side.
// On PostgreSQL each is a connection of d's read pool whose transaction
// imports tx's snapshot (pg_export_snapshot), read through pgx's own rows:
// a walk over the whole ledger spends a third of its CPU in database/sql's
// conversions of every value otherwise. The first waits for the pool as any
// read does; each further one is taken only if the pool has room for it
// then, so that two callers holding some never wait for each other. On
// SQLite, or with a read pool of one connection, fn gets tx itself alone
// and must not use tx meanwhile; else it may. Each Querier is for one read
// at a time.
func WithSnapshot(ctx context.Context, d *DB, tx *sqlx.Tx, n int, fn func([]Querier) error) error {
	if limit := d.DB.Stats().MaxOpenConnections; limit > 0 {
		n = min(n, limit-1)
	}
	if d.Engine != Postgres || n < 1 {
		return fn([]Querier{SQL(tx)})
	}
	var snapshot string
	if err := tx.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return err
	}
	if !snapshotID.MatchString(snapshot) { // it goes into SET, which takes no parameters
		return fmt.Errorf("db: unexpected snapshot id %q", snapshot)
	}
	return inSnapshot(ctx, d, snapshot, n, nil, fn)
}

// inSnapshot takes connections of d's read pool into snapshot one by one,
// holding each, until there are n or the pool has no room for another,
// then runs fn with them.
func inSnapshot(ctx context.Context, d *DB, snapshot string, n int, qs []Querier, fn func([]Querier) error) error {
	if len(qs) == n {
		return fn(qs)
	}
	if st := d.DB.Stats(); len(qs) > 0 && st.MaxOpenConnections > 0 && st.InUse >= st.MaxOpenConnections {
		return fn(qs)
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
		return inSnapshot(ctx, d, snapshot, n, append(qs, pgxQuerier{ptx}), fn)
	})
}

// snapshotID is what pg_export_snapshot returns, such as 00000003-0000001B-1.
var snapshotID = regexp.MustCompile(`^[0-9A-F]+(-[0-9A-F]+)+$`)

type pgxQuerier struct{ tx pgx.Tx }

func (p pgxQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	return p.tx.Query(ctx, query, args...)
}
