package db_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"fundus/db"
	"fundus/db/dbtest"
)

// Rows read by ReadStatements (one query after another, through
// database/sql) scan as the same values as those the writer's Pipeline
// returns (pgx's own values on PostgreSQL: an int4 as int32, a uuid as its
// 16 bytes turned to text), so that one function reads either; RowScanner
// reads them as a query's rows are read.
func TestRowsReadEitherWay(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		at := db.Time(time.Date(2026, 12, 2, 14, 5, 6, 789012000, time.UTC))
		w, err := d.TakeWriter()
		if err != nil {
			t.Fatal(err)
		}
		defer w.Release()
		conn, tx, err := w.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i, id := range []string{"u1", "u2"} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, password_hash, created_at, active) VALUES ($1, $2, 'n', 'h', $3, $4)`,
				id, id+"@example.org", at, i == 0); err != nil {
				t.Fatal(err)
			}
		}
		// An id that is a uuid on PostgreSQL (pgx gives its 16 bytes) and text on SQLite.
		const auditID = "0193f2a4-7c1e-7d3a-9b2c-4e5f60718293"
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (id, time, actor, action, object_type, object_id, details) VALUES ($1, $2, 'u1', 'test', 'user', 'u1', '{}')`,
			auditID, at); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		conn.Close()
		stmts := []db.Statement{
			{Query: `SELECT id, active, created_at, last_sign_in_at, length(email) FROM users ORDER BY id`},
			{Query: `SELECT id FROM users WHERE id = $1`, Args: []any{"none"}},
			{Query: `SELECT id FROM audit_log WHERE actor = 'u1'`},
		}
		type user struct {
			id     string
			active bool
			at     time.Time
			last   sql.NullTime
			n      int64
		}
		scan := func(res []db.StatementResult) []user {
			t.Helper()
			if len(res) != 3 {
				t.Fatalf("%d results", len(res))
			}
			ids := res[2].Scanner()
			var id string
			if !ids.Next() || ids.Scan(&id) != nil || id != auditID {
				t.Fatalf("the audit record's id read as %q, want %q", id, auditID)
			}
			if none := res[1].Scanner(); none.Next() {
				t.Fatal("a row where there is none")
			}
			var out []user
			rows := res[0].Scanner()
			if err := rows.Scan(new(string)); err == nil {
				t.Fatal("Scan before Next")
			}
			for rows.Next() {
				var u user
				if err := rows.Scan(&u.id, &u.active, &u.at, &u.last, &u.n); err != nil {
					t.Fatal(err)
				}
				out = append(out, u)
			}
			if rows.Next() || rows.Err() != nil {
				t.Fatal("rows after the last")
			}
			return out
		}
		read, err := db.ReadStatements(ctx, d, stmts...)
		if err != nil {
			t.Fatal(err)
		}
		byPool := scan(read)

		conn, tx, err = w.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		defer tx.Rollback()
		for i := range stmts {
			stmts[i].Rows = true
		}
		piped, err := tx.Pipeline(ctx, stmts)
		if err != nil {
			t.Fatal(err)
		}
		byWriter := scan(piped)

		want := []user{{"u1", true, at, sql.NullTime{}, 14}, {"u2", false, at, sql.NullTime{}, 14}}
		for name, got := range map[string][]user{"ReadStatements": byPool, "Pipeline": byWriter} {
			if len(got) != len(want) {
				t.Fatalf("%s: %d rows", name, len(got))
			}
			for i := range want {
				if g := got[i]; g.id != want[i].id || g.active != want[i].active || !g.at.Equal(want[i].at) || g.last.Valid || g.n != want[i].n {
					t.Errorf("%s row %d: %+v, want %+v", name, i, g, want[i])
				}
			}
		}
	})
}
