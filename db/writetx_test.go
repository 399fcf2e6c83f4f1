package db_test

import (
	"context"
	"testing"

	"fundus/db"
	"fundus/db/dbtest"
)

// The writer's transaction commits all or nothing, by statement, by
// Pipeline or by PipelineCommit, and once it has ended no statement runs
// (on PostgreSQL, where it is the server's transaction on a held
// connection, such a statement would otherwise run on its own).
func TestWriterTransaction(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w, err := d.TakeWriter()
		if err != nil {
			t.Fatal(err)
		}
		defer w.Release()
		insert := func(id string) db.Statement {
			return db.Statement{Query: `INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, 'n', 'h', $3)`,
				Args: []any{id, id + "@example.org", db.Now()}}
		}
		bad := db.Statement{Query: `INSERT INTO no_such_table (x) VALUES (1)`}
		users := func() int {
			var n int
			if err := d.Get(&n, `SELECT count(*) FROM users`); err != nil {
				t.Fatal(err)
			}
			return n
		}
		run := func(name string, fn func(tx *db.CachedTx) error, wantErr bool, wantUsers int) {
			t.Helper()
			conn, tx, err := w.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			err = fn(tx)
			tx.Rollback() // after a commit, nothing
			conn.Close()
			if (err != nil) != wantErr {
				t.Fatalf("%s: error %v, want one: %v", name, err, wantErr)
			}
			if n := users(); n != wantUsers {
				t.Fatalf("%s: %d users, want %d", name, n, wantUsers)
			}
		}

		run("a statement and Commit", func(tx *db.CachedTx) error {
			s := insert("a")
			if _, err := tx.ExecContext(ctx, s.Query, s.Args...); err != nil {
				return err
			}
			return tx.Commit()
		}, false, 1)
		run("a statement after Commit", func(tx *db.CachedTx) error {
			if err := tx.Commit(); err != nil {
				return err
			}
			s := insert("late")
			_, err := tx.ExecContext(ctx, s.Query, s.Args...)
			return err
		}, true, 1)
		run("a statement after Rollback", func(tx *db.CachedTx) error {
			if _, err := tx.Pipeline(ctx, []db.Statement{{Query: `SELECT 1`, Rows: true}}); err != nil {
				return err
			}
			tx.Rollback()
			s := insert("late")
			_, err := tx.ExecContext(ctx, s.Query, s.Args...)
			return err
		}, true, 1)
		run("Pipeline, a statement failing", func(tx *db.CachedTx) error {
			_, err := tx.Pipeline(ctx, []db.Statement{insert("b"), bad})
			return err
		}, true, 1)
		run("Pipeline and Commit", func(tx *db.CachedTx) error {
			if _, err := tx.Pipeline(ctx, []db.Statement{insert("b"), insert("c")}); err != nil {
				return err
			}
			return tx.Commit()
		}, false, 3)
		run("PipelineCommit, a statement failing", func(tx *db.CachedTx) error {
			return tx.PipelineCommit(ctx, []db.Statement{insert("d"), bad})
		}, true, 3)
		run("PipelineCommit after a statement", func(tx *db.CachedTx) error {
			s := insert("d")
			if _, err := tx.ExecContext(ctx, s.Query, s.Args...); err != nil {
				return err
			}
			return tx.PipelineCommit(ctx, []db.Statement{insert("e")})
		}, false, 5)
		run("PipelineCommit, the key taken", func(tx *db.CachedTx) error {
			return tx.PipelineCommit(ctx, []db.Statement{insert("f"), insert("a")})
		}, true, 5)
		run("PipelineCommit alone", func(tx *db.CachedTx) error {
			return tx.PipelineCommit(ctx, []db.Statement{insert("f")})
		}, false, 6)
	})
}
