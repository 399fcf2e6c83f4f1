package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"
)

// Statement is one statement of RunStatements.
type Statement struct {
	Query string
	Args  []any
	Rows  bool // it returns rows (RETURNING) that the caller reads
}

// StatementResult is what a statement of RunStatements did.
type StatementResult struct {
	RowsAffected int64
	Rows         [][]any // the rows it returned, when Statement.Rows
	Command      string  // PostgreSQL: the command tag ("INSERT 0 3", "COMMIT", "ROLLBACK")
}

// Scanner reads the rows as a query's rows are read (Next, then Scan), so
// that one function reads rows that came from a query or from a pipeline.
// Scan takes what ScanValues takes.
func (r StatementResult) Scanner() *RowScanner { return &RowScanner{rows: r.Rows} }

// RowScanner reads a StatementResult's rows one by one (StatementResult.Scanner).
type RowScanner struct {
	rows [][]any
	next int // how many rows Next has moved to; the current one is rows[next-1]
}

// Next moves to the next row and reports whether there is one.
func (r *RowScanner) Next() bool {
	if r.next >= len(r.rows) {
		return false
	}
	r.next++
	return true
}

// Scan stores the current row's values in dests (ScanValues).
func (r *RowScanner) Scan(dests ...any) error {
	if r.next == 0 {
		return errors.New("db: Scan called before Next")
	}
	return ScanValues(r.rows[r.next-1], dests...)
}

// Err is nil: the rows were read whole before.
func (r *RowScanner) Err() error { return nil }

// RunStatements runs statements in order in the transaction q, open on
// conn, and returns what each did. On PostgreSQL they are sent together,
// so they cost one round trip instead of one each (pgx's pipeline); the
// writer's transaction runs its SQLite batches through it
// (CachedTx.Pipeline). The first that fails stops them: the
// others do not run, and the transaction must be rolled back.
func RunStatements(ctx context.Context, engine Engine, conn *sql.Conn, q sqlx.ExtContext, stmts []Statement) ([]StatementResult, error) {
	if engine == Postgres {
		return pipeline(ctx, conn, stmts)
	}
	results := make([]StatementResult, len(stmts))
	for i, s := range stmts {
		if !s.Rows {
			res, err := q.ExecContext(ctx, s.Query, s.Args...)
			if err != nil {
				return nil, err
			}
			if results[i].RowsAffected, err = res.RowsAffected(); err != nil {
				return nil, err
			}
			continue
		}
		var err error
		if results[i], err = readStatement(ctx, q, s); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// ReadStatements runs statements that only read, one query after another
// through q, and returns each one's rows whole: what RunStatements returns
// for them, where no pipeline is at hand (a pool, a read transaction).
func ReadStatements(ctx context.Context, q sqlx.QueryerContext, stmts ...Statement) ([]StatementResult, error) {
	results := make([]StatementResult, len(stmts))
	for i, s := range stmts {
		var err error
		if results[i], err = readStatement(ctx, q, s); err != nil {
			return nil, err
		}
	}
	return results, nil
}

func readStatement(ctx context.Context, q sqlx.QueryerContext, s Statement) (StatementResult, error) {
	rows, err := q.QueryContext(ctx, s.Query, s.Args...)
	if err != nil {
		return StatementResult{}, err
	}
	all, err := scanAll(rows)
	if err != nil {
		return StatementResult{}, err
	}
	return StatementResult{Rows: all, RowsAffected: int64(len(all))}, nil
}

func scanAll(rows *sql.Rows) ([][]any, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}

// pipeline sends stmts over conn's PostgreSQL connection in one batch,
// inside the transaction open on conn (the server's: see CachedTx).
func pipeline(ctx context.Context, conn *sql.Conn, stmts []Statement) ([]StatementResult, error) {
	results := make([]StatementResult, len(stmts))
	err := conn.Raw(func(driverConn any) (err error) {
		// database/sql answers a panic here, or driver.ErrBadConn, by
		// closing the connection, which waits for the open transaction
		// to end: the writer would hang. Both become plain errors.
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("db: pipeline: panic: %v", p)
			}
			if errors.Is(err, driver.ErrBadConn) {
				err = fmt.Errorf("db: pipeline: %v", err) // not wrapped
			}
		}()
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("db: pipeline on a %T, not a pgx connection", driverConn)
		}
		b := &pgx.Batch{}
		for _, s := range stmts {
			b.Queue(s.Query, s.Args...)
		}
		br := c.Conn().SendBatch(ctx, b)
		for i := range stmts {
			rows, err := br.Query()
			if err != nil {
				br.Close()
				return err
			}
			for rows.Next() {
				vals, err := rows.Values()
				if err != nil {
					rows.Close()
					br.Close()
					return err
				}
				for j, v := range vals {
					if u, ok := v.([16]byte); ok { // a uuid: its text, as database/sql gives it
						vals[j] = uuid.UUID(u).String()
					}
				}
				results[i].Rows = append(results[i].Rows, vals)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				br.Close()
				return err
			}
			results[i].RowsAffected = rows.CommandTag().RowsAffected()
			results[i].Command = rows.CommandTag().String()
		}
		return br.Close()
	})
	return results, err
}

// integer is v as an int64 when it is one of the integers the drivers give
// (PostgreSQL's INTEGER is an int32).
func integer(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int32:
		return int64(n), true
	}
	return 0, false
}

// ScanValues stores the values of a row that RunStatements returned, as
// the driver gave them, in dests: each a *int64, *int, *string, *bool,
// *time.Time or an sql.Scanner (sql.NullTime and the like, for a value that
// may be NULL). Both drivers give BIGINT as int64 (PostgreSQL's INTEGER as
// int32), TEXT as string and times as time.Time; a boolean is a bool on
// PostgreSQL and an int64 on SQLite.
func ScanValues(row []any, dests ...any) error {
	if len(row) != len(dests) {
		return fmt.Errorf("db: a row of %d values scanned into %d", len(row), len(dests))
	}
	for i, dest := range dests {
		ok := false
		switch d := dest.(type) {
		case *int64:
			*d, ok = integer(row[i])
		case *int:
			var n int64
			n, ok = integer(row[i])
			*d = int(n)
		case *string:
			*d, ok = row[i].(string)
		case *time.Time:
			*d, ok = row[i].(time.Time)
		case *bool:
			switch v := row[i].(type) {
			case bool:
				*d, ok = v, true
			case int64:
				*d, ok = v != 0, v == 0 || v == 1
			}
		case sql.Scanner:
			if err := d.Scan(row[i]); err != nil {
				return fmt.Errorf("db: value %d: %w", i, err)
			}
			ok = true
		}
		if !ok {
			return fmt.Errorf("db: value %d (%T) cannot be scanned into %T", i, row[i], dest)
		}
	}
	return nil
}
